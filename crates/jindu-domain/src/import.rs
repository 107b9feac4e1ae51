//! 导入 reading an office's own registry sheet (登记表): which column holds what, found from the
//! header's words (身份证号 / 公民身份号码 / 证件号码 …), where the header row is (title rows and
//! merged cells above it are skipped), and the clean-up of cell text. Pure: the file is read by
//! the store, the rows are checked by the same rules as the registration form.

use std::collections::BTreeMap;

/// A column of a person sheet Jindu understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PersonColumn {
    /// 姓名 (required).
    Name,
    /// 身份证号 (required): 18 digits, 15-digit and Excel-mangled forms accepted.
    IdNumber,
    /// 性别: read but not stored (the ID number decides).
    Sex,
    /// 联系电话.
    Phone,
    /// 现住址.
    Address,
    /// 乡镇(街道): a town's name or code.
    Town,
    /// 社区(村): a community's name or code, or a name path (珠晖区广东路街道…).
    Community,
    /// 管控措施: a measure kind's name (社区戒毒, 社区康复, 强制隔离戒毒 …).
    MeasureKind,
    /// 决定日期 of the measure.
    DecisionDate,
    /// 报到日期 of a community measure.
    ReportDate,
    /// 初次发现日期.
    FirstFoundOn,
    /// 责任社工: the social worker's user name or display name, in the person's town.
    SocialWorker,
    /// 滥用毒品种类.
    Substance,
    /// 成瘾认定.
    AddictionFinding,
    /// 备注.
    Note,
}

impl PersonColumn {
    /// Every column, in the order of the template Jindu provides.
    pub const ALL: [PersonColumn; 15] = [
        PersonColumn::Name,
        PersonColumn::IdNumber,
        PersonColumn::Sex,
        PersonColumn::Phone,
        PersonColumn::Address,
        PersonColumn::Town,
        PersonColumn::Community,
        PersonColumn::MeasureKind,
        PersonColumn::DecisionDate,
        PersonColumn::ReportDate,
        PersonColumn::FirstFoundOn,
        PersonColumn::SocialWorker,
        PersonColumn::Substance,
        PersonColumn::AddictionFinding,
        PersonColumn::Note,
    ];

    /// The field name used in error messages (the registration form's).
    pub fn field(self) -> &'static str {
        match self {
            PersonColumn::Name => "name",
            PersonColumn::IdNumber => "id_number",
            PersonColumn::Sex => "sex",
            PersonColumn::Phone => "phone",
            PersonColumn::Address => "address",
            PersonColumn::Town => "town",
            PersonColumn::Community => "division",
            PersonColumn::MeasureKind => "measure_kind",
            PersonColumn::DecisionDate => "decision_date",
            PersonColumn::ReportDate => "report_date",
            PersonColumn::FirstFoundOn => "first_found_on",
            PersonColumn::SocialWorker => "social_worker",
            PersonColumn::Substance => "substance",
            PersonColumn::AddictionFinding => "addiction_finding",
            PersonColumn::Note => "note",
        }
    }

    /// The header of the template (a `*` marks the required columns).
    pub fn template_header(self) -> &'static str {
        match self {
            PersonColumn::Name => "姓名*",
            PersonColumn::IdNumber => "身份证号*",
            PersonColumn::Sex => "性别",
            PersonColumn::Phone => "联系电话",
            PersonColumn::Address => "现住址",
            PersonColumn::Town => "乡镇(街道)*",
            PersonColumn::Community => "社区(村)",
            PersonColumn::MeasureKind => "管控措施",
            PersonColumn::DecisionDate => "决定日期",
            PersonColumn::ReportDate => "报到日期",
            PersonColumn::FirstFoundOn => "初次发现日期",
            PersonColumn::SocialWorker => "责任社工",
            PersonColumn::Substance => "滥用毒品种类",
            PersonColumn::AddictionFinding => "成瘾认定",
            PersonColumn::Note => "备注",
        }
    }

    /// Header words that mean this column, after [`normalize_header`]: the forms seen in
    /// registries kept in Excel and WPS, and the field name itself.
    pub fn synonyms(self) -> &'static [&'static str] {
        match self {
            PersonColumn::Name => &["姓名", "名字", "人员姓名", "吸毒人员姓名", "当事人姓名", "name"],
            PersonColumn::IdNumber => &[
                "身份证号",
                "身份证号码",
                "公民身份号码",
                "公民身份证号码",
                "证件号码",
                "证件号",
                "身份证",
                "身份证件号码",
                "id_number",
            ],
            PersonColumn::Sex => &["性别", "sex"],
            PersonColumn::Phone => &["联系电话", "电话", "手机", "手机号", "手机号码", "联系方式", "phone"],
            PersonColumn::Address => {
                &["现住址", "住址", "居住地址", "现居住地", "现居住地址", "家庭住址", "实际居住地址", "address"]
            }
            PersonColumn::Town => &[
                "乡镇(街道)",
                "街道(乡镇)",
                "乡镇街道",
                "乡镇",
                "街道",
                "所属街道",
                "所属乡镇",
                "所属乡镇(街道)",
                "town",
            ],
            PersonColumn::Community => &[
                "社区(村)",
                "村(社区)",
                "社区",
                "村",
                "所属社区",
                "所在社区",
                "社区(村)委会",
                "行政区划",
                "区划代码",
                "所属区划",
                "division",
            ],
            PersonColumn::MeasureKind => &["管控措施", "戒毒措施", "措施", "措施类型", "管控类型", "measure_kind"],
            PersonColumn::DecisionDate => &["决定日期", "决定时间", "责令日期", "措施决定日期", "decision_date"],
            PersonColumn::ReportDate => &["报到日期", "报到时间", "实际报到日期", "report_date"],
            PersonColumn::FirstFoundOn => {
                &["初次发现日期", "首次发现日期", "初次发现时间", "首次发现时间", "发现日期", "first_found_on"]
            }
            PersonColumn::SocialWorker => {
                &["责任社工", "社工", "专职社工", "禁毒社工", "负责社工", "社工姓名", "social_worker"]
            }
            PersonColumn::Substance => {
                &["滥用毒品种类", "毒品种类", "吸食毒品种类", "主要滥用毒品", "滥用毒品", "substance"]
            }
            PersonColumn::AddictionFinding => &["成瘾认定", "成瘾程度", "吸毒成瘾认定", "addiction_finding"],
            PersonColumn::Note => &["备注", "说明", "note"],
        }
    }

    /// The column a header means, if any.
    pub fn from_header(header: &str) -> Option<PersonColumn> {
        let h = normalize_header(header);
        if h.is_empty() {
            return None;
        }
        PersonColumn::ALL.into_iter().find(|c| c.synonyms().contains(&h.as_str()))
    }
}

/// A header cell made comparable: full-width letters, digits and brackets to half-width,
/// spaces, line breaks, `*` and `＊` (required marks), trailing colons and zero-width characters
/// removed, ASCII lower-cased. `"公民身份\n号码＊"` → `"公民身份号码"`; `"乡镇（街道）"` → `"乡镇(街道)"`.
pub fn normalize_header(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .filter(|c| !c.is_whitespace() && !matches!(c, '*' | '\u{200B}' | '\u{FEFF}'))
        .collect::<String>()
        .trim_end_matches(':')
        .to_ascii_lowercase()
}

/// A cell's text cleaned for checking: zero-width characters and byte-order marks removed,
/// surrounding whitespace (including the ideographic space) trimmed.
pub fn clean_cell(s: &str) -> String {
    s.chars().filter(|c| !matches!(c, '\u{200B}' | '\u{FEFF}')).collect::<String>().trim().to_string()
}

/// Rows searched for the header (title rows and notes above it are skipped).
pub const HEADER_SEARCH_ROWS: usize = 20;

/// Where the header is and which column holds what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMap {
    /// 0-based index of the header row in the sheet.
    pub row: usize,
    /// Column index of each recognised column.
    pub columns: BTreeMap<PersonColumn, usize>,
    /// Headers not recognised (ignored), with their column index.
    pub ignored: Vec<(usize, String)>,
}

impl HeaderMap {
    /// The cell of `column` in `row`, cleaned; empty when the column is absent or the row short.
    pub fn cell(&self, row: &[String], column: PersonColumn) -> String {
        self.columns.get(&column).and_then(|i| row.get(*i)).map(|s| clean_cell(s)).unwrap_or_default()
    }
}

/// Why no header could be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderError {
    /// No row among the first [`HEADER_SEARCH_ROWS`] names both 姓名 and 身份证号.
    NotFound,
    /// The header names these required columns nowhere (姓名, 身份证号, and a 乡镇 or 社区 column).
    Missing(Vec<PersonColumn>),
    /// Two columns mean the same thing: (column, first header, second header).
    Twice(PersonColumn, String, String),
}

impl HeaderError {
    /// The sentence in Chinese.
    pub fn message_zh(&self) -> String {
        match self {
            HeaderError::NotFound => format!(
                "前{HEADER_SEARCH_ROWS}行中没有找到表头：表头须包含“姓名”和“身份证号”（或“公民身份号码”“证件号码”）。请使用导入模板或检查文件。"
            ),
            HeaderError::Missing(cols) => format!(
                "表头缺少必填列：{}。",
                cols.iter().map(|c| c.template_header().trim_end_matches('*')).collect::<Vec<_>>().join("、")
            ),
            HeaderError::Twice(c, a, b) => {
                format!("“{a}”和“{b}”两列都表示“{}”，请删除或改名其中一列。", c.template_header().trim_end_matches('*'))
            }
        }
    }

    /// The sentence in English.
    pub fn message_en(&self) -> String {
        match self {
            HeaderError::NotFound => format!(
                "No header found in the first {HEADER_SEARCH_ROWS} rows: it must name 姓名 (name) and 身份证号 (ID number). Use the import template or check the file."
            ),
            HeaderError::Missing(cols) => format!(
                "The header lacks required columns: {}.",
                cols.iter().map(|c| c.field()).collect::<Vec<_>>().join(", ")
            ),
            HeaderError::Twice(c, a, b) => {
                format!("Columns \"{a}\" and \"{b}\" both mean {}; remove or rename one.", c.field())
            }
        }
    }
}

/// Finds the header among the first [`HEADER_SEARCH_ROWS`] rows: the row with the most
/// recognised headers among those naming both 姓名 and 身份证号 (a merged title cell spans the
/// row above and names neither). Requires a 乡镇 or 社区 column too.
///
/// # Errors
/// [`HeaderError`] as documented on its variants.
pub fn find_header(rows: &[Vec<String>]) -> Result<HeaderMap, HeaderError> {
    let mut best: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().take(HEADER_SEARCH_ROWS).enumerate() {
        let cols: Vec<PersonColumn> = row.iter().filter_map(|h| PersonColumn::from_header(h)).collect();
        if cols.contains(&PersonColumn::Name) && cols.contains(&PersonColumn::IdNumber) {
            let score = cols.len();
            if best.is_none_or(|(_, s)| score > s) {
                best = Some((i, score));
            }
        }
    }
    let (row_index, _) = best.ok_or(HeaderError::NotFound)?;
    let row = rows.get(row_index).ok_or(HeaderError::NotFound)?;
    let mut columns: BTreeMap<PersonColumn, usize> = BTreeMap::new();
    let mut ignored = Vec::new();
    for (i, h) in row.iter().enumerate() {
        match PersonColumn::from_header(h) {
            Some(c) => {
                if let Some(first) = columns.get(&c) {
                    let first_header = row.get(*first).cloned().unwrap_or_default();
                    return Err(HeaderError::Twice(c, clean_cell(&first_header), clean_cell(h)));
                }
                columns.insert(c, i);
            }
            None if !clean_cell(h).is_empty() => ignored.push((i, clean_cell(h))),
            None => {}
        }
    }
    if !columns.contains_key(&PersonColumn::Town) && !columns.contains_key(&PersonColumn::Community) {
        return Err(HeaderError::Missing(vec![PersonColumn::Town]));
    }
    Ok(HeaderMap { row: row_index, columns, ignored })
}

/// The division of a row as `resolve_division` takes it: the community's code or name path if
/// given (joined under the town's name when it is a bare name), else the town.
pub fn division_of(town: &str, community: &str) -> String {
    let (t, c) = (town.trim(), community.trim());
    match (t.is_empty(), c.is_empty()) {
        (_, true) => t.to_string(),
        (true, false) => c.to_string(),
        // A code or a path in the community column stands alone.
        (false, false) if c.bytes().all(|b| b.is_ascii_digit()) || c.contains('/') || c.contains(t) => c.to_string(),
        (false, false) => format!("{t}/{c}"),
    }
}

/// The divisions of a deployment, to resolve what a sheet says (a code, a name path with or
/// without `/`, or a bare name) to one division, in memory: an import of 100,000 rows asks
/// once per distinct text.
#[derive(Debug, Clone, Default)]
pub struct DivisionIndex {
    /// (code, name path with `/`, name path without `/`).
    rows: Vec<(String, String, String)>,
}

/// Why a division text resolved to no single division.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DivisionLookup {
    /// Nothing of that code or name.
    NotFound,
    /// Several divisions end in that name: their name paths (at most five).
    Ambiguous(Vec<String>),
}

impl DivisionIndex {
    /// From (12-digit code, name path such as `湖南省/衡阳市/珠晖区/广东路街道`) pairs.
    /// A community is also found by its short name: the list says 湖北路社区居委会, a sheet
    /// 湖北路社区.
    pub fn new(rows: impl IntoIterator<Item = (String, String)>) -> DivisionIndex {
        let mut out = Vec::new();
        for (code, path) in rows {
            let short = path
                .split('/')
                .map(|part| {
                    ["居民委员会", "村民委员会", "居委会", "村委会", "委员会"]
                        .iter()
                        .find_map(|suffix| part.strip_suffix(suffix).filter(|s| !s.is_empty()))
                        .unwrap_or(part)
                })
                .collect::<Vec<_>>()
                .join("/");
            if short != path {
                out.push((code.clone(), short.clone(), short.replace('/', "")));
            }
            out.push((code, path.clone(), path.replace('/', "")));
        }
        DivisionIndex { rows: out }
    }

    /// The code of the division `text` names: a 12-digit (or 9-digit) code; a name path whose
    /// last parts are given with `/` (`广东路街道/新民社区`) or run together (`珠晖区广东路街道`);
    /// or a bare name. Full-width characters and spaces are ignored.
    ///
    /// # Errors
    /// [`DivisionLookup::NotFound`], or [`DivisionLookup::Ambiguous`] with the candidates.
    pub fn resolve(&self, text: &str) -> Result<String, DivisionLookup> {
        let t: String = normalize_header(text);
        let t = t.trim_matches('/');
        if t.is_empty() {
            return Err(DivisionLookup::NotFound);
        }
        if t.bytes().all(|b| b.is_ascii_digit()) {
            let code = format!("{t:0<12}");
            return if t.len() <= 12 && self.rows.iter().any(|(c, _, _)| *c == code) {
                Ok(code)
            } else {
                Err(DivisionLookup::NotFound)
            };
        }
        let hits: Vec<&(String, String, String)> = if t.contains('/') {
            self.rows.iter().filter(|(_, p, _)| p == t || p.ends_with(&format!("/{t}"))).collect()
        } else {
            // The last name exactly, or the run-together path ending in the text at a name boundary.
            self.rows
                .iter()
                .filter(|(_, p, flat)| {
                    p.rsplit('/').next() == Some(t)
                        || (flat.ends_with(t) && {
                            let mut suffix = String::new();
                            p.rsplit('/').any(|part| {
                                suffix.insert_str(0, part);
                                suffix == t
                            })
                        })
                })
                .collect()
        };
        let mut hits = hits;
        hits.dedup_by(|a, b| a.0 == b.0);
        match hits.as_slice() {
            [] => Err(DivisionLookup::NotFound),
            [one] => Ok(one.0.clone()),
            many => Err(DivisionLookup::Ambiguous(many.iter().take(5).map(|(_, p, _)| p.clone()).collect())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(data: &[&[&str]]) -> Vec<Vec<String>> {
        data.iter().map(|r| r.iter().map(|s| s.to_string()).collect()).collect()
    }

    #[test]
    fn headers_are_normalised_before_matching() {
        assert_eq!(normalize_header("公民身份\n号码＊"), "公民身份号码");
        assert_eq!(normalize_header("乡镇（街道）"), "乡镇(街道)");
        assert_eq!(normalize_header(" 姓　名："), "姓名");
        assert_eq!(normalize_header("ID_Number"), "id_number");
        assert_eq!(PersonColumn::from_header("证件号码"), Some(PersonColumn::IdNumber));
        assert_eq!(PersonColumn::from_header("公民身份号码"), Some(PersonColumn::IdNumber));
        assert_eq!(PersonColumn::from_header("责任社工"), Some(PersonColumn::SocialWorker));
        assert_eq!(PersonColumn::from_header("序号"), None);
        assert_eq!(PersonColumn::from_header(""), None);
        // Every template header is recognised as its own column.
        for c in PersonColumn::ALL {
            assert_eq!(PersonColumn::from_header(c.template_header()), Some(c), "{c:?}");
        }
    }

    #[test]
    fn the_header_is_found_below_title_rows_and_merged_cells() {
        // A merged title (calamine gives its text in the first cell, the rest empty), a date line,
        // then the header; an unknown column is kept aside.
        let sheet = rows(&[
            &["珠晖区社区戒毒社区康复人员登记表", "", "", "", ""],
            &["填报单位：珠晖区禁毒办", "", "", "填报日期：2026年11月", ""],
            &["序号", "姓  名", "公民身份号码", "所属街道", "联系人"],
            &["1", "张三", "430405199001011234", "广东路街道", "李四"],
        ]);
        let h = find_header(&sheet).unwrap();
        assert_eq!(h.row, 2);
        assert_eq!(h.columns.get(&PersonColumn::Name), Some(&1));
        assert_eq!(h.columns.get(&PersonColumn::IdNumber), Some(&2));
        assert_eq!(h.columns.get(&PersonColumn::Town), Some(&3));
        assert_eq!(h.ignored, vec![(0, "序号".to_string()), (4, "联系人".to_string())]);
        let data = &sheet[3];
        assert_eq!(h.cell(data, PersonColumn::Name), "张三");
        assert_eq!(h.cell(data, PersonColumn::Phone), "", "absent column reads empty");
    }

    #[test]
    fn missing_and_doubled_columns_are_named() {
        assert_eq!(find_header(&rows(&[&["标题"], &["序号", "姓名"]])), Err(HeaderError::NotFound));
        let e = find_header(&rows(&[&["姓名", "身份证号", "电话"]])).unwrap_err();
        assert_eq!(e, HeaderError::Missing(vec![PersonColumn::Town]));
        assert_eq!(e.message_zh(), "表头缺少必填列：乡镇(街道)。");
        assert_eq!(e.message_en(), "The header lacks required columns: town.");
        let e = find_header(&rows(&[&["姓名", "身份证号", "证件号码", "街道"]])).unwrap_err();
        assert_eq!(e, HeaderError::Twice(PersonColumn::IdNumber, "身份证号".into(), "证件号码".into()));
        assert!(e.message_zh().contains("“身份证号”和“证件号码”两列都表示“身份证号”"), "{}", e.message_zh());
    }

    #[test]
    fn division_joins_town_and_community() {
        assert_eq!(division_of("广东路街道", ""), "广东路街道");
        assert_eq!(division_of("", "430405001001"), "430405001001");
        assert_eq!(division_of("广东路街道", "新民社区"), "广东路街道/新民社区");
        assert_eq!(division_of("广东路街道", "430405001001"), "430405001001");
        assert_eq!(division_of("广东路街道", "珠晖区/广东路街道/新民社区"), "珠晖区/广东路街道/新民社区");
        assert_eq!(clean_cell("\u{FEFF} 张三\u{200B} "), "张三");
    }

    #[test]
    fn divisions_resolve_by_code_path_run_together_or_name() {
        let idx = DivisionIndex::new([
            ("430405000000".to_string(), "湖南省/衡阳市/珠晖区".to_string()),
            ("430405001000".to_string(), "湖南省/衡阳市/珠晖区/广东路街道".to_string()),
            ("430405001001".to_string(), "湖南省/衡阳市/珠晖区/广东路街道/新民社区".to_string()),
            ("430405002000".to_string(), "湖南省/衡阳市/珠晖区/东风路街道".to_string()),
            ("430405002001".to_string(), "湖南省/衡阳市/珠晖区/东风路街道/新民社区".to_string()),
            ("430405002002".to_string(), "湖南省/衡阳市/珠晖区/东风路街道/湖北路社区居委会".to_string()),
        ]);
        assert_eq!(idx.resolve("湖北路社区"), Ok("430405002002".into()), "without 居委会");
        assert_eq!(idx.resolve("湖北路社区居委会"), Ok("430405002002".into()));
        assert_eq!(idx.resolve("东风路街道湖北路社区"), Ok("430405002002".into()));
        assert_eq!(idx.resolve("430405001001"), Ok("430405001001".into()));
        assert_eq!(idx.resolve("430405001"), Ok("430405001000".into()), "9-digit town code");
        assert_eq!(idx.resolve("广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve("珠晖区广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve("珠晖区/广东路街道"), Ok("430405001000".into()));
        assert_eq!(idx.resolve(" 广东路街道／新民社区 "), Ok("430405001001".into()));
        assert_eq!(idx.resolve("广东路街道新民社区"), Ok("430405001001".into()));
        assert_eq!(
            idx.resolve("新民社区"),
            Err(DivisionLookup::Ambiguous(vec![
                "湖南省/衡阳市/珠晖区/广东路街道/新民社区".into(),
                "湖南省/衡阳市/珠晖区/东风路街道/新民社区".into()
            ]))
        );
        // A name that only ends like a division is not one ("路街道" is no name).
        assert_eq!(idx.resolve("路街道"), Err(DivisionLookup::NotFound));
        assert_eq!(idx.resolve("430405009000"), Err(DivisionLookup::NotFound));
        assert_eq!(idx.resolve(""), Err(DivisionLookup::NotFound));
    }
}
