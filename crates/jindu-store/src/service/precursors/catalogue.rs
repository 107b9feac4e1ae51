//! 易制毒化学品品种目录 the catalogue in force: the files shipped in `data/precursors/` plus every
//! file imported since (a future 公告 without a release; issue #21 item 1, MODULES §1.2, §1.10
//! item 2), parsed together by the one parser [`Catalogue::parse`] so that an import which
//! contradicts the shipped data or an earlier import is refused like a bad shipped row.

use chrono::NaiveDate;
use jindu_domain::Permission;
use jindu_domain::clock::Now;
use jindu_domain::precursor::Catalogue;
use jindu_domain::precursor::catalogue::SHIPPED_FILES;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, QueryOrder, TransactionSession, TransactionTrait};
use sha2::Digest;
use uuid::Uuid;

use crate::entities::precursor_catalogue as file;
use crate::service::audit::{Entry, Who};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, UnitOfWork};

/// What a catalogue file holds, told by its header row (the columns the parser expects; see
/// `data/precursors/README.md`), never by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Entries (`id,name_zh,…`), as `catalogue.csv`.
    Catalogue,
    /// Amendments (`id,document,…`), as `amendments.csv`.
    Amendments,
    /// Aliases (`alias,entry,…`), as `aliases.csv`.
    Aliases,
    /// Mixture rules (`id,entry,max_concentration,…`), as `mixture_rules.csv`.
    MixtureRules,
}

impl FileKind {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            FileKind::Catalogue => "catalogue",
            FileKind::Amendments => "amendments",
            FileKind::Aliases => "aliases",
            FileKind::MixtureRules => "mixture_rules",
        }
    }

    /// The kind of `text` from the column names of its first non-blank line (a BOM and quotes
    /// dropped), as [`Catalogue::parse`] tells it: `name_zh` → entries, `document` →
    /// amendments, `max_concentration` → mixture rules, `alias` → aliases. `None` for any other
    /// header (the parser then refuses the file naming its row 1).
    pub fn of(text: &str) -> Option<FileKind> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let header = text.lines().find(|l| !l.trim().is_empty())?;
        let cols: Vec<String> = header.split(',').map(|c| c.trim().trim_matches('"').trim().to_string()).collect();
        let has = |c: &str| cols.iter().any(|x| x == c);
        if has("name_zh") {
            Some(FileKind::Catalogue)
        } else if has("document") {
            Some(FileKind::Amendments)
        } else if has("max_concentration") {
            Some(FileKind::MixtureRules)
        } else if has("alias") {
            Some(FileKind::Aliases)
        } else {
            None
        }
    }
}

/// SHA-256 of a file's bytes, lower-case hex.
pub fn sha256(text: &str) -> String {
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// The files stored now: `(file name, kind, SHA-256)`.
    pub stored: Vec<(String, FileKind, String)>,
    /// The files not stored because the same file (same SHA-256) is shipped or was imported
    /// before (or given twice in this import).
    pub already: Vec<String>,
    /// Entry versions added: `(id, 名称, first day in force)`.
    pub entries_added: Vec<(String, String, NaiveDate)>,
    /// Amendment ids added.
    pub amendments_added: Vec<String>,
    /// Aliases added.
    pub aliases_added: usize,
    /// Mixture rule ids added.
    pub mixture_rules_added: Vec<String>,
}

/// The files imported so far, oldest first: `(file name, text)`.
async fn stored_files<C: ConnectionTrait>(db: &C) -> ServiceResult<Vec<file::Model>> {
    Ok(file::Entity::find().order_by_asc(file::Column::ImportedAt).order_by_asc(file::Column::Id).all(db).await?)
}

fn parse(files: &[(&str, &str)]) -> ServiceResult<Catalogue> {
    Catalogue::parse(files).map_err(|errs| ServiceError::Invalid(errs.into_iter().map(FieldError::from).collect()))
}

/// The catalogue in force: the shipped files plus every imported one, parsed together. Any
/// signed-in user and the server itself may read it (it is public law).
///
/// # Errors
/// `Db`; `Data` when the stored files no longer parse together (a manual edit of the table).
pub async fn current<C: ConnectionTrait>(db: &C) -> ServiceResult<Catalogue> {
    let stored = stored_files(db).await?;
    let mut files: Vec<(&str, &str)> = SHIPPED_FILES.to_vec();
    files.extend(stored.iter().map(|f| (f.file_name.as_str(), f.body.as_str())));
    Catalogue::parse(&files).map_err(|errs| {
        let codes: Vec<String> = errs.iter().map(|e| format!("{} {:?}", e.code(), e.field())).collect();
        ServiceError::Data(format!("stored precursor catalogue files do not parse: {}", codes.join(", ")))
    })
}

/// Imports catalogue files `(file name, UTF-8 text)` as `actor`, who needs
/// [`Permission::Configure`] (系统配置: the catalogue is deployment-wide configuration).
///
/// The shipped files, the files imported before and these are parsed together
/// ([`Catalogue::parse`]); a file whose SHA-256 equals a shipped or stored file's is not stored
/// again (listed in [`ImportReport::already`]). The new files are stored in one unit of work with
/// one audit record `precursor.catalogue_import` naming the files and the entries, amendments,
/// aliases and mixture rules they add.
///
/// # Errors
/// `Forbidden(Configure)` before anything is read; `Invalid` with every problem, each naming
/// the file, the row and the column (`msg.precursor.csv.*`), nothing stored; `Db`.
pub async fn import<C>(db: &C, actor: &Actor, now: Now, files: &[(&str, &str)]) -> ServiceResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
    C::Transaction: ConnectionTrait + TransactionSession,
{
    let uow = UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
    import_in(uow, files).await
}

/// [`import`] by the server's operator from the command line (`jindu precursors catalogue
/// import`; the audit record names `cli`), like `jindu init` and transfer files: whoever holds
/// the database URL configures the deployment.
///
/// # Errors
/// As [`import`], without `Forbidden`.
pub async fn import_as_operator<C>(db: &C, now: Now, files: &[(&str, &str)]) -> ServiceResult<ImportReport>
where
    C: ConnectionTrait + TransactionTrait,
    C::Transaction: ConnectionTrait + TransactionSession,
{
    let uow = UnitOfWork::begin_as(db, Who::cli(), now).await?;
    import_in(uow, files).await
}

async fn import_in<T: ConnectionTrait + TransactionSession>(
    uow: UnitOfWork<T>,
    files: &[(&str, &str)],
) -> ServiceResult<ImportReport> {
    // Read in the unit: two imports at once are judged one after the other.
    let stored = stored_files(&uow).await?;
    let mut known: Vec<String> = SHIPPED_FILES.iter().map(|(_, t)| sha256(t)).collect();
    known.extend(stored.iter().map(|f| f.sha256.clone()));
    let mut report = ImportReport::default();
    let mut new: Vec<(&str, &str, String)> = Vec::new();
    for (name, text) in files {
        let hash = sha256(text);
        if known.contains(&hash) {
            report.already.push((*name).to_string());
        } else {
            known.push(hash.clone());
            new.push((name, text, hash));
        }
    }
    let mut before_files: Vec<(&str, &str)> = SHIPPED_FILES.to_vec();
    before_files.extend(stored.iter().map(|f| (f.file_name.as_str(), f.body.as_str())));
    let mut after_files = before_files.clone();
    after_files.extend(new.iter().map(|(n, t, _)| (*n, *t)));
    let after = parse(&after_files)?;
    if new.is_empty() {
        uow.rollback().await?;
        return Ok(report);
    }
    let before = parse(&before_files).map_err(|_| ServiceError::Data("stored precursor catalogue files".into()))?;
    for e in after.entries() {
        if !before.entries().iter().any(|b| b.id == e.id && b.effective_from == e.effective_from) {
            report.entries_added.push((e.id.clone(), e.name_zh.clone(), e.effective_from));
        }
    }
    for a in after.amendments() {
        if !before.amendments().iter().any(|b| b.id == a.id) {
            report.amendments_added.push(a.id.clone());
        }
    }
    report.aliases_added = after.aliases().len() - before.aliases().len();
    for m in after.mixture_rules() {
        if !before.mixture_rules().iter().any(|b| b.id == m.id) {
            report.mixture_rules_added.push(m.id.clone());
        }
    }
    let now = uow.now();
    let by = uow.who().username.clone();
    for (name, text, hash) in new {
        let kind = FileKind::of(text).ok_or_else(|| ServiceError::Data(format!("{name}: header")))?;
        file::Entity::insert(file::ActiveModel {
            id: Set(Uuid::now_v7()),
            file_name: Set(name.to_string()),
            kind: Set(kind.code().to_string()),
            body: Set(text.to_string()),
            sha256: Set(hash.clone()),
            imported_at: Set(now.instant),
            imported_by: Set(by.clone()),
        })
        .exec(&uow)
        .await?;
        report.stored.push((name.to_string(), kind, hash));
    }
    let detail = format!(
        "files: {}; entries: {}; amendments: {}; aliases: {}; mixture rules: {}{}",
        report.stored.iter().map(|(n, k, h)| format!("{n} ({}, sha256 {h})", k.code())).collect::<Vec<_>>().join(", "),
        report
            .entries_added
            .iter()
            .map(|(id, name, from)| format!("{id} {name} from {from}"))
            .collect::<Vec<_>>()
            .join(", "),
        report.amendments_added.join(", "),
        report.aliases_added,
        report.mixture_rules_added.join(", "),
        if report.already.is_empty() {
            String::new()
        } else {
            format!("; already there: {}", report.already.join(", "))
        },
    );
    let id = report.stored.first().map(|(_, _, h)| h.clone()).unwrap_or_default();
    uow.audit(Entry::ok("precursor.catalogue_import", "precursor_catalogue", id).with_detail(detail)).await?;
    uow.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[tokio::test]
    async fn a_fresh_database_has_the_shipped_catalogue() {
        let dir = std::env::temp_dir().join(format!("jindu-pcat-{}-{}", std::process::id(), Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}", dir.join("t.db").display());
        let db = crate::db::connect(&url).await.unwrap();
        let cat = current(&db).await.unwrap();
        assert_eq!(cat, Catalogue::shipped().unwrap());
        // 47 entries of MODULES §1.2 (data/precursors/README.md).
        assert_eq!(cat.entries().len(), 47);
        // Importing a shipped file again stores nothing: it is already there.
        let report = import_as_operator(&db, Now::system(), &[("again.csv", SHIPPED_FILES[0].1)]).await.unwrap();
        assert_eq!((report.stored.len(), report.already), (0, vec!["again.csv".to_string()]));
        assert!(stored_files(&db).await.unwrap().is_empty());
        db.close().await.unwrap();
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn kinds_from_the_header() {
        assert_eq!(FileKind::of(SHIPPED_FILES[0].1), Some(FileKind::Catalogue));
        assert_eq!(FileKind::of(SHIPPED_FILES[1].1), Some(FileKind::Amendments));
        assert_eq!(FileKind::of(SHIPPED_FILES[2].1), Some(FileKind::Aliases));
        assert_eq!(FileKind::of(SHIPPED_FILES[3].1), Some(FileKind::MixtureRules));
        assert_eq!(FileKind::of("\u{feff}\"alias\",entry,kind,source\n"), Some(FileKind::Aliases));
        assert_eq!(FileKind::of("a,b\n"), None);
    }
}
