//! 易制毒化学品的分类和品种目录: the catalogue as versioned data, so that a transaction is judged by
//! the catalogue in force on its day and a new 公告 is an import, not a release (MODULES §1.2,
//! §1.7, §1.10 item 2).
//!
//! The data are four CSV files (UTF-8, header row first, `;` inside a cell separates a list),
//! shipped in `data/precursors/` with their sources in its README and embedded here by
//! `include_str!` ([`Catalogue::shipped`]); a file imported later goes through the same parser
//! ([`Catalogue::parse`]) together with the shipped ones. A file's kind is told by its header:
//!
//! - entries (`id,name_zh,…`): one row per version of an entry; rows with the same `id` are
//!   versions of one entry and may not overlap in time;
//! - amendments (`id,document,…`): the documents that changed the catalogue;
//! - aliases (`alias,entry,…`): other names, slang and abbreviations;
//! - mixture rules (`id,entry,max_concentration,…`): concessions for products containing at most
//!   a concentration of an entry (the GBL 60 % / 20 % rules, MODULES §1.1).
//!
//! Rules of the catalogue [条例 附表 note, MODULES §1.2]: salts of category 1 and 2 substances are
//! controlled, category-3 salts are not; items marked * are pharmaceutical (药品类) and include the
//! raw material and its single-ingredient preparations.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

use super::credential::Activity;
use super::problem::{CsvReason, NotControlledReason, Problem};
use super::quantity::{Concentration, Measure, normalise};

crate::kinds::coded_enum!(
    /// 类别 category of the catalogue [条例 §2 附表].
    Category {
        /// 第一类: may be used as main raw materials of drugs.
        One => ("1", "第一类", "Category 1"),
        /// 第二类.
        Two => ("2", "第二类", "Category 2"),
        /// 第三类: may be used as auxiliary chemicals.
        Three => ("3", "第三类", "Category 3"),
    }
);

crate::kinds::coded_enum!(
    /// How sure the data are, as MODULES marks them: confirmed ([T] legal text or [S] secondary
    /// source) or unconfirmed (not seen in any source; shown as such).
    Confidence {
        /// [T] or [S].
        Confirmed => ("confirmed", "已核实", "confirmed"),
        /// Not seen in any source: build as configurable data until checked.
        Unconfirmed => ("unconfirmed", "未核实", "unconfirmed"),
    }
);

crate::kinds::coded_enum!(
    /// What an alias is.
    AliasKind {
        /// Slang seen in police keyword lists and seized notes (邻酮).
        Slang => ("slang", "俗称", "slang"),
        /// Another chemical name (氯仿 for 三氯甲烷).
        Synonym => ("synonym", "别名", "synonym"),
        /// An abbreviation (BMK, GBL).
        Abbreviation => ("abbreviation", "缩写", "abbreviation"),
        /// A member of a group entry (麻黄素 in 麻黄素类物质).
        Member => ("member", "所含品种", "member"),
    }
);

/// A CAS registry number and whether a source gave it for this substance (MODULES † vs ‡: a ‡
/// number, written with a trailing `‡` in the data, comes from general references only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cas {
    /// `NNNNNNN-NN-N`.
    pub number: String,
    /// Given by a source (†); false for ‡.
    pub sourced: bool,
}

/// One version of a catalogue entry (MODULES §1.7 Chemical).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// Stable id (`e01` … `e47` for MODULES' rows 1–47).
    pub id: String,
    /// 名称.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// 类别.
    pub category: Category,
    /// 药品类 (*): raw material and single-ingredient preparations.
    pub pharma: bool,
    /// Salts controlled too ("可能存在的盐类，也纳入管制"; categories 1 and 2).
    pub salts: bool,
    /// A family or group ("及其酯类", "麻黄素类物质").
    pub family: bool,
    /// 重点: one of the four explosive-related chemicals (硫酸, 盐酸, 丙酮, 高锰酸钾; speech 3).
    pub key: bool,
    /// The measure ledgers keep it in (local default, configurable: grams for every shipped entry,
    /// as the annual report counts 吨).
    pub measure: Measure,
    /// CAS numbers.
    pub cas: Vec<Cas>,
    /// HS codes where a source gives them.
    pub hs_codes: Vec<String>,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force (inclusive), `None` while in force.
    pub effective_to: Option<NaiveDate>,
    /// Id of the amendment that added (or changed) it.
    pub amendment: String,
    /// As MODULES marks it.
    pub confidence: Confidence,
    /// The fields MODULES marks unconfirmed (`category`, `effective_from`, …).
    pub unconfirmed: Vec<String>,
    /// Free note (where the row comes from, which value was chosen).
    pub note: String,
}

impl Entry {
    /// Whether this version is in force on `on` (`effective_from ≤ on ≤ effective_to`).
    pub fn in_force(&self, on: NaiveDate) -> bool {
        self.effective_from <= on && self.effective_to.is_none_or(|to| on <= to)
    }
}

/// A document that changed the catalogue (MODULES §1.7 CatalogueAmendment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amendment {
    /// Stable id (`A445`, `A2008`, …).
    pub id: String,
    /// Document number and title.
    pub document: String,
    /// Issuer(s).
    pub issuer: String,
    /// Date of the document, when known.
    pub dated: Option<NaiveDate>,
    /// Day it took effect (for unconfirmed ones, the conservative value chosen, see the README).
    pub effective: NaiveDate,
    /// As MODULES marks it.
    pub confidence: Confidence,
    /// The fields marked unconfirmed.
    pub unconfirmed: Vec<String>,
    /// Where it is documented.
    pub source: String,
    /// Free note.
    pub note: String,
}

/// Another name of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alias {
    /// The name as written.
    pub alias: String,
    /// Entry id.
    pub entry: String,
    /// What it is.
    pub kind: AliasKind,
    /// Where it is seen.
    pub source: String,
}

/// A concession for products that contain at most `max` of an entry: the activities listed need
/// no licence or filing (MODULES §1.1 GBL rules, §1.10 item 5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MixtureRule {
    /// Stable id (`GBL60`).
    pub id: String,
    /// Entry id.
    pub entry: String,
    /// Highest concentration the concession covers (inclusive).
    pub max: Concentration,
    /// Product types covered (Chinese).
    pub product_types: Vec<String>,
    /// Product types covered (English, same order).
    pub product_types_en: Vec<String>,
    /// Activities exempt from licence or filing.
    pub exempt: Vec<Activity>,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Last day in force (inclusive).
    pub effective_to: Option<NaiveDate>,
    /// Amendment id.
    pub amendment: String,
    /// As MODULES marks it.
    pub confidence: Confidence,
    /// Fields marked unconfirmed.
    pub unconfirmed: Vec<String>,
    /// Where it is documented.
    pub source: String,
}

/// How a name was matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The entry's Chinese or English name.
    Name,
    /// An alias.
    Alias,
    /// A CAS number.
    Cas,
    /// A salt (盐酸麻黄素, `ephedrine hydrochloride`) of a category 1 or 2 entry.
    Salt,
}

/// The entry in force for a name on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The version in force.
    pub entry: &'a Entry,
    /// How the name was matched.
    pub via: Via,
}

/// Why a name is not controlled on a day (P-01).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotControlled {
    /// Why.
    pub reason: NotControlledReason,
    /// The entry the name matched, if any.
    pub entry: Option<String>,
    /// For `NotYet`: the first day in force; for `NoLonger`: the last day in force.
    pub boundary: Option<NaiveDate>,
}

impl NotControlled {
    /// The refusal naming `field`, the name and the day.
    pub fn into_error(self, field: &'static str, name: &str, date: NaiveDate) -> DomainError {
        DomainError::Precursor {
            field,
            problem: Problem::NotControlled {
                name: name.to_string(),
                date,
                reason: self.reason,
                boundary: self.boundary,
            },
        }
    }
}

/// The shipped data, embedded at build time.
pub const SHIPPED_FILES: [(&str, &str); 4] = [
    ("catalogue.csv", include_str!("../../../../data/precursors/catalogue.csv")),
    ("amendments.csv", include_str!("../../../../data/precursors/amendments.csv")),
    ("aliases.csv", include_str!("../../../../data/precursors/aliases.csv")),
    ("mixture_rules.csv", include_str!("../../../../data/precursors/mixture_rules.csv")),
];

/// The catalogue: every version of every entry, the amendments, aliases and mixture rules, and an
/// index from normalised names, aliases and CAS numbers to entry ids.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalogue {
    entries: Vec<Entry>,
    amendments: Vec<Amendment>,
    aliases: Vec<Alias>,
    mixture_rules: Vec<MixtureRule>,
    /// Normalised key → (entry id, how).
    index: HashMap<String, (String, Via)>,
}

const ENTRY_COLUMNS: [&str; 17] = [
    "id",
    "name_zh",
    "name_en",
    "category",
    "pharma",
    "salts",
    "family",
    "key",
    "unit",
    "cas",
    "hs_code",
    "effective_from",
    "effective_to",
    "amendment",
    "confidence",
    "unconfirmed",
    "note",
];
const AMENDMENT_COLUMNS: [&str; 9] =
    ["id", "document", "issuer", "dated", "effective", "confidence", "unconfirmed", "source", "note"];
const ALIAS_COLUMNS: [&str; 4] = ["alias", "entry", "kind", "source"];
const MIXTURE_COLUMNS: [&str; 12] = [
    "id",
    "entry",
    "max_concentration",
    "product_types",
    "product_types_en",
    "exempt",
    "effective_from",
    "effective_to",
    "amendment",
    "confidence",
    "unconfirmed",
    "source",
];

/// Splits CSV text (RFC 4180: `"` quotes, `""` inside quotes, CRLF or LF; a leading BOM is
/// dropped) into records; blank lines are skipped. Each record keeps its row number (1-based,
/// counting the lines where it starts).
fn csv_records(text: &str) -> Vec<(usize, Vec<String>)> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut out = Vec::new();
    let mut record: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut quoted = false;
    let mut line = 1usize;
    let mut start = 1usize;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    cell.push('"');
                }
                '"' => quoted = false,
                '\n' => {
                    line += 1;
                    cell.push('\n');
                }
                c => cell.push(c),
            }
            continue;
        }
        match c {
            '"' => {
                quoted = true;
                any = true;
            }
            ',' => {
                record.push(std::mem::take(&mut cell));
                any = true;
            }
            '\r' => {}
            '\n' => {
                record.push(std::mem::take(&mut cell));
                if any || record.iter().any(|c| !c.trim().is_empty()) {
                    out.push((start, std::mem::take(&mut record)));
                } else {
                    record.clear();
                }
                any = false;
                line += 1;
                start = line;
            }
            c => {
                cell.push(c);
                any = true;
            }
        }
    }
    record.push(cell);
    if any || record.iter().any(|c| !c.trim().is_empty()) {
        out.push((start, record));
    }
    out
}

/// One row of a file, with the column positions of its header.
struct Row<'a> {
    file: &'a str,
    row: usize,
    header: &'a [String],
    cells: &'a [String],
}

impl<'a> Row<'a> {
    fn err(&self, column: &'static str, reason: CsvReason) -> DomainError {
        DomainError::Precursor {
            field: column,
            problem: Problem::Csv { file: self.file.to_string(), row: self.row, reason },
        }
    }

    fn cell(&self, column: &'static str) -> &'a str {
        self.header.iter().position(|h| h == column).and_then(|i| self.cells.get(i)).map_or("", |s| s.trim())
    }

    fn required(&self, column: &'static str, errs: &mut Vec<DomainError>) -> String {
        let v = self.cell(column);
        if v.is_empty() {
            errs.push(self.err(column, CsvReason::Required));
        }
        v.to_string()
    }

    fn invalid(&self, column: &'static str) -> DomainError {
        self.err(column, CsvReason::Invalid { input: self.cell(column).to_string() })
    }

    fn date(&self, column: &'static str, errs: &mut Vec<DomainError>) -> Option<NaiveDate> {
        let v = self.cell(column);
        if v.is_empty() {
            return None;
        }
        let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok();
        if d.is_none() {
            errs.push(self.invalid(column));
        }
        d
    }

    fn required_date(&self, column: &'static str, errs: &mut Vec<DomainError>) -> NaiveDate {
        if self.cell(column).is_empty() {
            errs.push(self.err(column, CsvReason::Required));
        }
        self.date(column, errs).unwrap_or(NaiveDate::MIN)
    }

    fn flag(&self, column: &'static str, errs: &mut Vec<DomainError>) -> bool {
        match self.cell(column).to_lowercase().as_str() {
            "yes" | "y" | "true" | "1" | "是" => true,
            "no" | "n" | "false" | "0" | "否" => false,
            _ => {
                errs.push(self.invalid(column));
                false
            }
        }
    }

    fn list(&self, column: &'static str) -> Vec<String> {
        self.cell(column).split([';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
    }

    /// `confidence` and `unconfirmed` together: unconfirmed exactly when a field is listed.
    fn confidence(&self, errs: &mut Vec<DomainError>) -> (Confidence, Vec<String>) {
        let unconfirmed = self.list("unconfirmed");
        let c = match Confidence::from_code(self.cell("confidence")) {
            Some(c) if (c == Confidence::Unconfirmed) != unconfirmed.is_empty() => c,
            _ => {
                errs.push(self.invalid("confidence"));
                Confidence::Unconfirmed
            }
        };
        (c, unconfirmed)
    }
}

/// A normalised lookup key: full-width to half-width, spaces dropped, dashes unified, ASCII
/// lower case.
fn key(text: &str) -> String {
    normalise(text)
        .chars()
        .map(|c| match c {
            '‐' | '‑' | '‒' | '–' | '—' | '－' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Salt words written before (Chinese) or after (Chinese `…盐`, English) a substance name.
const SALT_PREFIXES: [&str; 9] = ["盐酸", "硫酸", "氢溴酸", "磷酸", "草酸", "酒石酸", "枸橼酸", "柠檬酸", "硝酸"];
const SALT_SUFFIXES: [&str; 16] = [
    "盐酸盐",
    "硫酸盐",
    "氢溴酸盐",
    "磷酸盐",
    "草酸盐",
    "酒石酸盐",
    "枸橼酸盐",
    "hydrochloride",
    "hcl",
    "sulfate",
    "sulphate",
    "hydrobromide",
    "phosphate",
    "oxalate",
    "tartrate",
    "citrate",
];

impl Catalogue {
    /// The catalogue shipped in `data/precursors/` (MODULES §1.2, 47 entries).
    ///
    /// # Errors
    /// Every problem of the shipped files (none: a unit test parses them).
    pub fn shipped() -> Result<Catalogue, Vec<DomainError>> {
        Catalogue::parse(&SHIPPED_FILES)
    }

    /// Parses catalogue files given as `(file name, UTF-8 text)`, in any order and any number of
    /// each kind (the shipped files plus an imported 公告's), checks them together and builds the
    /// index.
    ///
    /// # Errors
    /// Every problem at once, each a [`DomainError::Precursor`] with a [`Problem::Csv`] naming the
    /// file, the row (the header is row 1) and the column: an unknown header, a wrong number of
    /// cells, an empty required cell, a cell that does not parse, two versions of an entry that
    /// overlap, a name or alias or CAS number given to two entries, a reference to an entry or
    /// amendment no file defines.
    pub fn parse(files: &[(&str, &str)]) -> Result<Catalogue, Vec<DomainError>> {
        let mut errs = Vec::new();
        let mut cat = Catalogue::default();
        // Where each record was read, to report cross-file problems.
        let mut entry_rows: Vec<(String, usize)> = Vec::new();
        let mut alias_rows: Vec<(String, usize)> = Vec::new();
        let mut mixture_rows: Vec<(String, usize)> = Vec::new();
        let mut amendment_rows: Vec<(String, usize)> = Vec::new();
        for (file, text) in files {
            let records = csv_records(text);
            let Some(((_, header), rows)) = records.split_first() else {
                errs.push(DomainError::Precursor {
                    field: "header",
                    problem: Problem::Csv { file: file.to_string(), row: 1, reason: CsvReason::Header },
                });
                continue;
            };
            let header: Vec<String> = header.iter().map(|h| h.trim().to_string()).collect();
            let has = |cols: &[&str]| cols.iter().all(|c| header.iter().any(|h| h == c));
            let kind = if has(&ENTRY_COLUMNS) {
                0
            } else if has(&AMENDMENT_COLUMNS) {
                1
            } else if has(&ALIAS_COLUMNS) && header.len() == ALIAS_COLUMNS.len() {
                2
            } else if has(&MIXTURE_COLUMNS) {
                3
            } else {
                errs.push(DomainError::Precursor {
                    field: "header",
                    problem: Problem::Csv { file: file.to_string(), row: 1, reason: CsvReason::Header },
                });
                continue;
            };
            for (n, cells) in rows {
                let row = Row { file, row: *n, header: &header, cells };
                if cells.len() != header.len() {
                    errs.push(row.err("row", CsvReason::Columns { expected: header.len(), found: cells.len() }));
                    continue;
                }
                match kind {
                    0 => {
                        if let Some(e) = parse_entry(&row, &mut errs) {
                            cat.entries.push(e);
                            entry_rows.push((file.to_string(), *n));
                        }
                    }
                    1 => {
                        if let Some(a) = parse_amendment(&row, &mut errs) {
                            cat.amendments.push(a);
                            amendment_rows.push((file.to_string(), *n));
                        }
                    }
                    2 => {
                        if let Some(a) = parse_alias(&row, &mut errs) {
                            cat.aliases.push(a);
                            alias_rows.push((file.to_string(), *n));
                        }
                    }
                    _ => {
                        if let Some(m) = parse_mixture(&row, &mut errs) {
                            cat.mixture_rules.push(m);
                            mixture_rows.push((file.to_string(), *n));
                        }
                    }
                }
            }
        }
        cat.check_and_index([&entry_rows, &amendment_rows, &alias_rows, &mixture_rows], &mut errs);
        if errs.is_empty() { Ok(cat) } else { Err(errs) }
    }

    fn check_and_index(&mut self, rows: [&[(String, usize)]; 4], errs: &mut Vec<DomainError>) {
        let [entry_rows, amendment_rows, alias_rows, mixture_rows] = rows;
        let at = |rows: &[(String, usize)], i: usize, field: &'static str, reason: CsvReason| {
            let (file, row) = rows.get(i).cloned().unwrap_or_default();
            DomainError::Precursor { field, problem: Problem::Csv { file, row, reason } }
        };
        let mut amendment_ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, a) in self.amendments.iter().enumerate() {
            if amendment_ids.insert(a.id.as_str(), i).is_some() {
                errs.push(at(amendment_rows, i, "id", CsvReason::Duplicate { key: a.id.clone() }));
            }
        }
        // Versions of one entry must not overlap.
        let mut by_id: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            by_id.entry(e.id.as_str()).or_default().push(i);
            if !amendment_ids.contains_key(e.amendment.as_str()) {
                errs.push(at(entry_rows, i, "amendment", CsvReason::UnknownRef { key: e.amendment.clone() }));
            }
            if e.effective_to.is_some_and(|to| to < e.effective_from) {
                errs.push(at(
                    entry_rows,
                    i,
                    "effective_to",
                    CsvReason::Invalid { input: format!("{:?}", e.effective_to) },
                ));
            }
        }
        for versions in by_id.values() {
            for (k, &i) in versions.iter().enumerate() {
                for &j in &versions[k + 1..] {
                    let (a, b) = (&self.entries[i], &self.entries[j]);
                    let overlap = a.effective_from <= b.effective_to.unwrap_or(NaiveDate::MAX)
                        && b.effective_from <= a.effective_to.unwrap_or(NaiveDate::MAX);
                    if overlap {
                        errs.push(at(entry_rows, j, "effective_from", CsvReason::Duplicate { key: b.id.clone() }));
                    }
                }
            }
        }
        // The index: names, CAS numbers, aliases → entry id; one key, one entry.
        let mut index: HashMap<String, (String, Via)> = HashMap::new();
        let mut put = |k: String, id: &str, via: Via| -> bool {
            match index.get(&k) {
                Some((other, _)) if other != id => false,
                Some(_) => true,
                None => {
                    index.insert(k, (id.to_string(), via));
                    true
                }
            }
        };
        for (i, e) in self.entries.iter().enumerate() {
            for (name, via, field) in std::iter::once((e.name_zh.as_str(), Via::Name, "name_zh"))
                .chain(std::iter::once((e.name_en.as_str(), Via::Name, "name_en")))
                .chain(e.cas.iter().map(|c| (c.number.as_str(), Via::Cas, "cas")))
            {
                if !put(key(name), &e.id, via) {
                    errs.push(at(entry_rows, i, field, CsvReason::Duplicate { key: name.to_string() }));
                }
            }
            // The English name without its parenthesised abbreviation, too.
            if let Some((plain, _)) = e.name_en.split_once(" (") {
                put(key(plain), &e.id, Via::Name);
            }
        }
        for (i, a) in self.aliases.iter().enumerate() {
            if !by_id.contains_key(a.entry.as_str()) {
                errs.push(at(alias_rows, i, "entry", CsvReason::UnknownRef { key: a.entry.clone() }));
            } else if !put(key(&a.alias), &a.entry, Via::Alias) {
                errs.push(at(alias_rows, i, "alias", CsvReason::Duplicate { key: a.alias.clone() }));
            }
        }
        for (i, m) in self.mixture_rules.iter().enumerate() {
            if !by_id.contains_key(m.entry.as_str()) {
                errs.push(at(mixture_rows, i, "entry", CsvReason::UnknownRef { key: m.entry.clone() }));
            }
            if !amendment_ids.contains_key(m.amendment.as_str()) {
                errs.push(at(mixture_rows, i, "amendment", CsvReason::UnknownRef { key: m.amendment.clone() }));
            }
        }
        self.index = index;
    }

    /// Every version of every entry, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The amendments.
    pub fn amendments(&self) -> &[Amendment] {
        &self.amendments
    }

    /// The aliases.
    pub fn aliases(&self) -> &[Alias] {
        &self.aliases
    }

    /// The mixture rules.
    pub fn mixture_rules(&self) -> &[MixtureRule] {
        &self.mixture_rules
    }

    /// The entries in force on `on`, one version each.
    pub fn in_force(&self, on: NaiveDate) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(move |e| e.in_force(on))
    }

    /// The version of entry `id` in force on `on`.
    pub fn entry_on(&self, id: &str, on: NaiveDate) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id && e.in_force(on))
    }

    /// The entry matched by `name` (Chinese or English name, alias, CAS number, or a salt of a
    /// category 1/2 entry, e.g. `盐酸麻黄素`, `ephedrine hydrochloride`) in force on `on` (P-01).
    /// Exact names and aliases are tried first, so `盐酸` is hydrochloric acid, not a salt prefix.
    ///
    /// # Errors
    /// [`NotControlled`]: no entry matches (`Unknown`); the entry is not yet / no longer in force
    /// (with the boundary day); or the name is a salt of a category-3 entry (not controlled,
    /// 附表 note).
    pub fn resolve(&self, name: &str, on: NaiveDate) -> Result<Resolved<'_>, NotControlled> {
        let k = key(name);
        if let Some((id, via)) = self.index.get(&k) {
            return self.version(id, on, *via);
        }
        for base in salt_bases(&k) {
            if let Some((id, _)) = self.index.get(&base) {
                let r = self.version(id, on, Via::Salt)?;
                if r.entry.salts && r.entry.category != Category::Three {
                    return Ok(r);
                }
                return Err(NotControlled {
                    reason: NotControlledReason::SaltOfCategory3,
                    entry: Some(id.clone()),
                    boundary: None,
                });
            }
        }
        Err(NotControlled { reason: NotControlledReason::Unknown, entry: None, boundary: None })
    }

    /// [`Catalogue::resolve`] as a refusal naming `field`.
    ///
    /// # Errors
    /// [`DomainError::Precursor`] with [`Problem::NotControlled`].
    pub fn require(&self, field: &'static str, name: &str, on: NaiveDate) -> Result<Resolved<'_>, DomainError> {
        self.resolve(name, on).map_err(|n| n.into_error(field, name, on))
    }

    fn version(&self, id: &str, on: NaiveDate, via: Via) -> Result<Resolved<'_>, NotControlled> {
        if let Some(entry) = self.entry_on(id, on) {
            return Ok(Resolved { entry, via });
        }
        let versions: Vec<&Entry> = self.entries.iter().filter(|e| e.id == id).collect();
        // The next version to come into force, else the last that went out of force.
        let next = versions.iter().filter(|e| e.effective_from > on).map(|e| e.effective_from).min();
        let (reason, boundary) = match next {
            Some(from) => (NotControlledReason::NotYet, Some(from)),
            None => (NotControlledReason::NoLonger, versions.iter().filter_map(|e| e.effective_to).max()),
        };
        Err(NotControlled { reason, entry: Some(id.to_string()), boundary })
    }

    /// The mixture rule exempting `activity` for a product of `product_type` containing `entry` at
    /// `concentration`, on `on` (MODULES §1.1: e.g. a 光刻胶 with 55 % GBL needs no purchase
    /// filing from 2024-01-01). Product types compare after normalising (full-width, spaces).
    pub fn mixture_exemption(
        &self,
        entry: &str,
        concentration: Concentration,
        product_type: &str,
        activity: Activity,
        on: NaiveDate,
    ) -> Option<&MixtureRule> {
        let p = key(product_type);
        self.mixture_rules.iter().find(|m| {
            m.entry == entry
                && concentration <= m.max
                && m.exempt.contains(&activity)
                && m.effective_from <= on
                && m.effective_to.is_none_or(|to| on <= to)
                && m.product_types.iter().chain(&m.product_types_en).any(|t| key(t) == p)
        })
    }
}

/// The names `k` may be a salt of: Chinese prefix or suffix words stripped, English suffixes.
fn salt_bases(k: &str) -> Vec<String> {
    let mut out = Vec::new();
    for p in SALT_PREFIXES {
        if let Some(rest) = k.strip_prefix(p).filter(|r| !r.is_empty()) {
            out.push(rest.to_string());
        }
    }
    for s in SALT_SUFFIXES {
        if let Some(rest) = k.strip_suffix(s).filter(|r| !r.is_empty()) {
            out.push(rest.trim_end_matches('-').to_string());
        }
    }
    if let Some(rest) = k.strip_suffix('盐').filter(|r| !r.is_empty()) {
        out.push(rest.to_string());
    }
    out
}

fn parse_entry(row: &Row<'_>, errs: &mut Vec<DomainError>) -> Option<Entry> {
    let before = errs.len();
    let id = row.required("id", errs);
    let name_zh = row.required("name_zh", errs);
    let name_en = row.required("name_en", errs);
    let category = Category::from_code(row.cell("category"));
    if category.is_none() {
        errs.push(row.invalid("category"));
    }
    let pharma = row.flag("pharma", errs);
    let salts = row.flag("salts", errs);
    let family = row.flag("family", errs);
    let key = row.flag("key", errs);
    let measure = Measure::from_code(row.cell("unit"));
    if measure.is_none() {
        errs.push(row.invalid("unit"));
    }
    let mut cas = Vec::new();
    for c in row.list("cas") {
        let (number, sourced) = match c.strip_suffix('‡') {
            Some(n) => (n.trim().to_string(), false),
            None => (c.trim_end_matches('†').trim().to_string(), true),
        };
        if !cas_ok(&number) {
            errs.push(row.err("cas", CsvReason::Invalid { input: c.clone() }));
        }
        cas.push(Cas { number, sourced });
    }
    let hs_codes = row.list("hs_code");
    if hs_codes.iter().any(|h| !(h.len() >= 6 && h.len() <= 10 && h.bytes().all(|b| b.is_ascii_digit()))) {
        errs.push(row.invalid("hs_code"));
    }
    let effective_from = row.required_date("effective_from", errs);
    let effective_to = row.date("effective_to", errs);
    let amendment = row.required("amendment", errs);
    let (confidence, unconfirmed) = row.confidence(errs);
    if category == Some(Category::Three) && salts {
        // 附表 note: category-3 salts are not controlled.
        errs.push(row.invalid("salts"));
    }
    let (Some(category), Some(measure)) = (category, measure) else { return None };
    (errs.len() == before).then(|| Entry {
        id,
        name_zh,
        name_en,
        category,
        pharma,
        salts,
        family,
        key,
        measure,
        cas,
        hs_codes,
        effective_from,
        effective_to,
        amendment,
        confidence,
        unconfirmed,
        note: row.cell("note").to_string(),
    })
}

/// A CAS number's form and check digit: the last digit is the sum of the other digits, each
/// times its position counted from the right, modulo 10 (CAS registry rule).
fn cas_ok(n: &str) -> bool {
    let parts: Vec<&str> = n.split('-').collect();
    let [a, b, c] = parts.as_slice() else { return false };
    let shape = (2..=7).contains(&a.len()) && b.len() == 2 && c.len() == 1;
    if !shape || !n.bytes().all(|x| x.is_ascii_digit() || x == b'-') {
        return false;
    }
    let digits: Vec<u32> = format!("{a}{b}").bytes().map(|x| u32::from(x - b'0')).collect();
    let sum: u32 = digits.iter().rev().enumerate().map(|(i, d)| (i as u32 + 1) * d).sum();
    c.bytes().next().is_some_and(|x| u32::from(x - b'0') == sum % 10)
}

fn parse_amendment(row: &Row<'_>, errs: &mut Vec<DomainError>) -> Option<Amendment> {
    let before = errs.len();
    let id = row.required("id", errs);
    let document = row.required("document", errs);
    let dated = row.date("dated", errs);
    let effective = row.required_date("effective", errs);
    let (confidence, unconfirmed) = row.confidence(errs);
    let source = row.required("source", errs);
    (errs.len() == before).then(|| Amendment {
        id,
        document,
        issuer: row.cell("issuer").to_string(),
        dated,
        effective,
        confidence,
        unconfirmed,
        source,
        note: row.cell("note").to_string(),
    })
}

fn parse_alias(row: &Row<'_>, errs: &mut Vec<DomainError>) -> Option<Alias> {
    let before = errs.len();
    let alias = row.required("alias", errs);
    let entry = row.required("entry", errs);
    let kind = AliasKind::from_code(row.cell("kind"));
    if kind.is_none() {
        errs.push(row.invalid("kind"));
    }
    let source = row.required("source", errs);
    let kind = kind?;
    (errs.len() == before).then_some(Alias { alias, entry, kind, source })
}

fn parse_mixture(row: &Row<'_>, errs: &mut Vec<DomainError>) -> Option<MixtureRule> {
    let before = errs.len();
    let id = row.required("id", errs);
    let entry = row.required("entry", errs);
    let max = match Concentration::parse("max_concentration", row.cell("max_concentration")) {
        Ok(c) => c,
        Err(_) => {
            errs.push(row.invalid("max_concentration"));
            Concentration { basis_points: 0 }
        }
    };
    let product_types = row.list("product_types");
    let product_types_en = row.list("product_types_en");
    if product_types.is_empty() {
        errs.push(row.err("product_types", CsvReason::Required));
    }
    let mut exempt = Vec::new();
    for a in row.list("exempt") {
        match Activity::from_code(&a) {
            Some(a) => exempt.push(a),
            None => errs.push(row.err("exempt", CsvReason::Invalid { input: a })),
        }
    }
    if exempt.is_empty() {
        errs.push(row.err("exempt", CsvReason::Required));
    }
    let effective_from = row.required_date("effective_from", errs);
    let effective_to = row.date("effective_to", errs);
    let amendment = row.required("amendment", errs);
    let (confidence, unconfirmed) = row.confidence(errs);
    let source = row.required("source", errs);
    (errs.len() == before).then_some(MixtureRule {
        id,
        entry,
        max,
        product_types,
        product_types_en,
        exempt,
        effective_from,
        effective_to,
        amendment,
        confidence,
        unconfirmed,
        source,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::test_days::d;

    fn cat() -> Catalogue {
        match Catalogue::shipped() {
            Ok(c) => c,
            Err(e) => panic!("{:#?}", e.iter().map(|e| (e.code(), e.field(), e.message())).collect::<Vec<_>>()),
        }
    }

    fn id(c: &Catalogue, name: &str, on: &str) -> Result<String, NotControlledReason> {
        c.resolve(name, d(on)).map(|r| r.entry.id.clone()).map_err(|n| n.reason)
    }

    #[test]
    fn every_shipped_row_parses() {
        let c = cat();
        // 47 rows of MODULES §1.2, one version each; 9 amendments; 2 mixture rules.
        assert_eq!(c.entries().len(), 47);
        assert_eq!(c.amendments().len(), 9);
        assert_eq!(c.mixture_rules().len(), 2);
        assert_eq!(c.aliases().len(), csv_records(SHIPPED_FILES[2].1).len() - 1);
        // Every line of every file is a record (no row silently skipped).
        for (name, text) in SHIPPED_FILES {
            let lines = text.lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(csv_records(text).len(), lines, "{name}");
        }
    }

    #[test]
    fn counts_by_day_follow_the_amendments() {
        let c = cat();
        let n = |day: &str| c.in_force(d(day)).count();
        let cat1 = |day: &str| c.in_force(d(day)).filter(|e| e.category == Category::One).count();
        // MODULES §1.2 counts: 23 in 2005 (12 + 5 + 6); 24 from 2008-08-01, 13 of them category 1.
        assert_eq!(n("2005-10-31"), 0);
        assert_eq!((n("2005-11-01"), cat1("2005-11-01")), (23, 12));
        assert_eq!((n("2008-07-31"), n("2008-08-01"), cat1("2008-08-01")), (23, 24, 13));
        // + #14 (2012, date chosen 2012-12-31), + #15, #16 (2014-12-31), + #17–#19, #25, #26 (2018-02-01).
        assert_eq!((n("2012-12-30"), n("2012-12-31"), n("2014-12-31"), n("2018-02-01")), (24, 25, 27, 32));
        // 38 by 2021 (警察技术 2022): + #27–#30, #46, #47 from 2021-06-07 (date chosen).
        assert_eq!((n("2021-06-06"), n("2021-06-07"), n("2024-08-31")), (32, 38, 38));
        // 45 after 2024-09-01 (+7) and 47 after 2025-07-20 (+2) if no entry was merged.
        assert_eq!((n("2024-09-01"), n("2025-07-19"), n("2025-07-20"), n("2026-12-07")), (45, 45, 47, 47));
        // By category on 2026-12-07: 19 of category 1 (#1–#19), 20 of 2 (#20–#39), 8 of 3.
        let by = |k| c.in_force(d("2026-12-07")).filter(|e| e.category == k).count();
        assert_eq!((by(Category::One), by(Category::Two), by(Category::Three)), (19, 20, 8));
    }

    #[test]
    fn four_piperidone_is_controlled_from_2025_07_20() {
        let c = cat();
        // MODULES §0 and §1.2 #38: in force 2025-07-20. A 2023 purchase is not controlled.
        let r = c.resolve("4-哌啶酮", d("2023-05-10")).unwrap_err();
        assert_eq!((r.reason, r.boundary), (NotControlledReason::NotYet, Some(d("2025-07-20"))));
        assert_eq!(id(&c, "4-哌啶酮", "2026-03-02"), Ok("e38".into()));
        assert_eq!(id(&c, "4-piperidone", "2025-07-19"), Err(NotControlledReason::NotYet));
        assert_eq!(id(&c, "41661-47-6", "2025-07-20"), Ok("e38".into()));
        let e = c.require("chemical", "4-哌啶酮", d("2023-05-10")).unwrap_err();
        assert_eq!((e.code(), e.field()), ("precursor.chemical.not_yet", Some("chemical")));
    }

    #[test]
    fn hydroxylimine_from_2008_08_01() {
        let c = cat();
        // MODULES §0: category 1 from 2008-08-01 (not 2012).
        assert_eq!(id(&c, "羟亚胺", "2008-07-31"), Err(NotControlledReason::NotYet));
        assert_eq!(id(&c, "羟亚胺", "2008-08-01"), Ok("e13".into()));
        assert_eq!(id(&c, "盐酸羟亚胺", "2008-08-01"), Ok("e13".into()));
        assert_eq!(c.resolve("盐酸羟亚胺", d("2010-01-01")).unwrap().via, Via::Alias);
    }

    #[test]
    fn aliases_salts_and_cas_numbers() {
        let c = cat();
        let on = "2026-01-05";
        assert_eq!(id(&c, "邻酮", on), Ok("e14".into()));
        assert_eq!(id(&c, "溴代苯丙酮", on), Ok("e15".into()));
        assert_eq!(id(&c, "BMK", on), Ok("e01".into()));
        assert_eq!(id(&c, "pmk", on), Ok("e02".into()));
        assert_eq!(id(&c, "ＧＢＬ", on), Ok("e47".into()));
        assert_eq!(id(&c, "1-phenyl-2-propanone", on), Ok("e01".into()));
        assert_eq!(id(&c, " 3，4-亚甲基二氧苯基-2-丙酮 ", on), Ok("e02".into()));
        assert_eq!(id(&c, "3,4-亚甲基二氧苯基-2-丙酮", on), Ok("e02".into()));
        assert_eq!(id(&c, "103-79-7", on), Ok("e01".into()));
        // Salts of categories 1 and 2 are controlled; exact names win (盐酸 is hydrochloric acid).
        assert_eq!(c.resolve("盐酸麻黄素", d(on)).map(|r| (r.entry.id.as_str(), r.via)), Ok(("e12", Via::Salt)));
        assert_eq!(id(&c, "Ephedrine Hydrochloride", on), Ok("e12".into()));
        assert_eq!(id(&c, "伪麻黄碱硫酸盐", on), Ok("e12".into()));
        assert_eq!(id(&c, "盐酸哌啶", on), Ok("e24".into()));
        assert_eq!(id(&c, "盐酸", on), Ok("e45".into()));
        assert_eq!(id(&c, "硫酸", on), Ok("e44".into()));
        // Category-3 salts are not controlled (附表 note).
        assert_eq!(id(&c, "盐酸甲苯", on), Err(NotControlledReason::SaltOfCategory3));
        assert_eq!(id(&c, "食盐", on), Err(NotControlledReason::Unknown));
        assert_eq!(id(&c, "盐酸麻黄素", "2005-10-31"), Err(NotControlledReason::NotYet));
    }

    #[test]
    fn flags_and_marks_as_modules_gives_them() {
        let c = cat();
        let on = d("2026-01-05");
        let key: Vec<&str> = c.in_force(on).filter(|e| e.key).map(|e| e.name_zh.as_str()).collect();
        assert_eq!(key, ["丙酮", "高锰酸钾", "硫酸", "盐酸"]);
        let pharma: Vec<&str> = c.in_force(on).filter(|e| e.pharma).map(|e| e.id.as_str()).collect();
        assert_eq!(pharma, ["e09", "e10", "e11", "e12"]);
        let unconfirmed = c.in_force(on).filter(|e| e.confidence == Confidence::Unconfirmed).count();
        // #14–#19, #25–#30, #35–#39, #46, #47: 6 + 6 + 5 + 2 = 19.
        assert_eq!(unconfirmed, 19);
        let e19 = c.entry_on("e19", on).unwrap();
        assert_eq!(e19.unconfirmed, ["category", "effective_from", "amendment"]);
        assert!(e19.cas.is_empty());
        let e12 = c.entry_on("e12", on).unwrap();
        assert_eq!(e12.cas.iter().filter(|c| !c.sourced).count(), 2);
        assert_eq!(c.entry_on("e31", on).unwrap().hs_codes, ["2933399073"]);
        assert!(c.in_force(on).all(|e| e.salts == (e.category != Category::Three)));
    }

    #[test]
    fn amendments_are_records_of_their_own() {
        let c = cat();
        let got: Vec<(&str, NaiveDate, Confidence)> =
            c.amendments().iter().map(|a| (a.id.as_str(), a.effective, a.confidence)).collect();
        use Confidence::{Confirmed as C, Unconfirmed as U};
        assert_eq!(
            got,
            [
                ("A445", d("2005-11-01"), C),
                ("A2008", d("2008-08-01"), C),
                ("A2012", d("2012-12-31"), U),
                ("A2014", d("2014-12-31"), U),
                ("A2018", d("2018-02-01"), U),
                ("A2021", d("2021-06-07"), U),
                ("A2024GBL", d("2024-01-01"), U),
                ("A2024", d("2024-09-01"), C),
                ("A2025", d("2025-07-20"), C),
            ]
        );
        // Every entry's first day is its amendment's effective day.
        for e in c.entries() {
            let a = c.amendments().iter().find(|a| a.id == e.amendment).unwrap();
            assert_eq!(e.effective_from, a.effective, "{}", e.id);
        }
        // CAS numbers MODULES warns about: norfentanyl 1609-66-1 (not -5); 16648-44-5 is MAPA.
        assert_eq!(c.resolve("1609-66-1", d("2025-01-01")).unwrap().entry.name_zh, "去甲芬太尼");
        assert_eq!(c.resolve("16648-44-5", d("2025-01-01")).unwrap().entry.id, "e27");
        assert!(c.resolve("1609-66-5", d("2025-01-01")).is_err());
    }

    #[test]
    fn gbl_mixture_concessions() {
        let c = cat();
        let gbl = |pct: &str, product: &str, a: Activity, on: &str| {
            let conc = Concentration::parse("concentration", pct).unwrap();
            c.mixture_exemption("e47", conc, product, a, d(on)).map(|m| m.id.as_str())
        };
        // ≤ 60 % in a photoresist from 2024-01-01: no import licence, no purchase/transport filing.
        assert_eq!(gbl("60", "光刻胶", Activity::Buy, "2024-01-01"), Some("GBL60"));
        assert_eq!(gbl("60.01", "光刻胶", Activity::Buy, "2024-01-01"), None);
        assert_eq!(gbl("55", "光刻胶", Activity::Buy, "2023-12-31"), None);
        assert_eq!(gbl("55", "photoresist", Activity::Import, "2024-06-01"), Some("GBL60"));
        assert_eq!(gbl("55", "光刻胶", Activity::Trade, "2024-06-01"), None);
        // Printing ink ≤ 20 %: also trade and export.
        assert_eq!(gbl("20", "油墨", Activity::Trade, "2024-06-01"), Some("GBL20"));
        assert_eq!(gbl("20", "油墨", Activity::Export, "2024-06-01"), Some("GBL20"));
        assert_eq!(gbl("21", "油墨", Activity::Trade, "2024-06-01"), None);
    }

    #[test]
    fn a_new_announcement_is_an_import() {
        // A future 公告 adds an entry with its amendment; the shipped files are parsed with it.
        let amend = "id,document,issuer,dated,effective,confidence,unconfirmed,source,note\n\
                     A2027,六部门公告,公安部等六部门,2027-01-10,2027-02-01,confirmed,,test,\n";
        let entry = "id,name_zh,name_en,category,pharma,salts,family,key,unit,cas,hs_code,effective_from,effective_to,amendment,confidence,unconfirmed,note\n\
                     e48,测试品,test chemical,2,no,yes,no,no,g,50-00-0,,2027-02-01,,A2027,confirmed,,\n";
        let mut files = SHIPPED_FILES.to_vec();
        files.push(("2027.csv", entry));
        files.push(("2027-amend.csv", amend));
        let c = Catalogue::parse(&files).unwrap();
        assert_eq!((c.in_force(d("2027-01-31")).count(), c.in_force(d("2027-02-01")).count()), (47, 48));
        assert_eq!(id(&c, "50-00-0", "2027-02-01"), Ok("e48".into()));
    }

    #[test]
    fn every_problem_names_file_row_and_column() {
        let entry = "id,name_zh,name_en,category,pharma,salts,family,key,unit,cas,hs_code,effective_from,effective_to,amendment,confidence,unconfirmed,note\n\
                     e90,甲,a,4,no,yes,no,no,g,50-00-1,,2027-02-01,,A445,confirmed,,\n\
                     e91,乙,b,2,maybe,yes,no,no,g,,,2027-13-01,,A999,unconfirmed,,\n\
                     e92,丙,c,2,no\n\
                     e93,丁,d,3,no,yes,no,no,kg,,,,,A445,confirmed,,\n\
                     e94,丙酮,e,3,no,no,no,no,g,,,2027-01-01,,A445,confirmed,,\n";
        let mut files = SHIPPED_FILES.to_vec();
        files.push(("new.csv", entry));
        files.push(("junk.csv", "a,b\n1,2\n"));
        let errs = Catalogue::parse(&files).unwrap_err();
        let got: Vec<(String, usize, &str, &str)> = errs
            .iter()
            .map(|e| match e {
                DomainError::Precursor { field, problem: Problem::Csv { file, row, .. } } => {
                    (file.clone(), *row, *field, e.code())
                }
                other => panic!("{other:?}"),
            })
            .collect();
        let want = |f: &str, r, c, code| (f.to_string(), r, c, code);
        assert_eq!(
            got,
            vec![
                want("new.csv", 2, "category", "precursor.csv.invalid"),
                // 50-00-1: 0×1 + 0×2 + 0×3 + 5×4 = 20 → check digit 0, not 1.
                want("new.csv", 2, "cas", "precursor.csv.invalid"),
                want("new.csv", 3, "pharma", "precursor.csv.invalid"),
                want("new.csv", 3, "effective_from", "precursor.csv.invalid"),
                want("new.csv", 3, "confidence", "precursor.csv.invalid"),
                want("new.csv", 4, "row", "precursor.csv.columns"),
                want("new.csv", 5, "unit", "precursor.csv.invalid"),
                want("new.csv", 5, "effective_from", "precursor.csv.required"),
                want("new.csv", 5, "salts", "precursor.csv.invalid"),
                want("junk.csv", 1, "header", "precursor.csv.header"),
                // 丙酮 is already e41's name.
                want("new.csv", 6, "name_zh", "precursor.csv.duplicate"),
            ]
        );
        let m = errs[0].message();
        assert_eq!(m.code, "msg.precursor.csv.invalid");
        assert_eq!(m.arg("row"), Some(&crate::message::Arg::Text("2".into())));
        assert_eq!(crate::message::testing::zh(&m), "文件new.csv第2行“category”列的值“4”无效。");
    }

    #[test]
    fn cas_check_digits() {
        // 7732-18-5 (water): 8×1 + 1×2 + 2×3 + 3×4 + 7×5 + 7×6 = 105 → 5.
        assert!(cas_ok("7732-18-5"));
        assert!(!cas_ok("7732-18-4"));
        assert!(cas_ok("103-79-7") && cas_ok("1609-66-1") && cas_ok("2167189-50-4"));
        assert!(!cas_ok("1609-66-5"));
        assert!(!cas_ok("103797") && !cas_ok("1-79-7"));
    }
}
