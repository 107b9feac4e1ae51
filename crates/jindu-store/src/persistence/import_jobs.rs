//! The rows of the import jobs (tables `import_file` and `import_job`, issue #20 item 1): the
//! file an import checked and each check or import of it with its outcome, so that a finished
//! job holds no memory of the server and a job checked on one server can be imported on another
//! sharing the database. What an outcome holds is the web's business (`jindu_web::import_page`);
//! this module only stores it. Kept [`KEEP_HOURS`] hours; a file is removed as soon as it has
//! been imported.
//!
//! The file is sealed with the field key like an attachment ([`Vault::seal_bytes`], cell
//! `import_file.body:<id>`): a registry sheet is personal data, and a copy in the database must
//! not be readable without the key file. Sealing and opening work in the file's own buffer
//! ([`Vault::seal_bytes_owned`], [`Vault::open_bytes`]): no second copy of up to 32 MB.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::{import_file, import_job};
use crate::service::ServiceResult;
use crate::vault::Vault;

/// Hours a job and its file are kept (local default).
pub const KEEP_HOURS: i64 = 24;

/// A job as stored: see `import_job` for the columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredJob {
    pub id: Uuid,
    /// The user who started it.
    pub owner: Uuid,
    /// The file it reads ([`save_file`]).
    pub file_id: Uuid,
    pub file_name: String,
    /// The kind of sheet (`SheetKind` code).
    pub sheet: String,
    pub dry_run: bool,
    /// The header row the user gave (1-based), if any.
    pub header_row: Option<i32>,
    /// JSON of the user's column mapping.
    pub mapping: String,
    /// `UnknownWorkers` code.
    pub workers: String,
    pub started_at: DateTime<Utc>,
    /// Null while it runs.
    pub finished_at: Option<DateTime<Utc>>,
    /// JSON of the list's summary of the outcome.
    pub summary: Option<String>,
    /// JSON of the outcome.
    pub outcome: Option<String>,
}

impl From<import_job::Model> for StoredJob {
    fn from(m: import_job::Model) -> Self {
        StoredJob {
            id: m.id,
            owner: m.owner_id,
            file_id: m.file_id,
            file_name: m.file_name,
            sheet: m.sheet,
            dry_run: m.dry_run,
            header_row: m.header_row,
            mapping: m.mapping,
            workers: m.workers,
            started_at: m.started_at,
            finished_at: m.finished_at,
            summary: m.summary,
            outcome: m.outcome,
        }
    }
}

/// A job as the job list shows it: everything but its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobLine {
    pub id: Uuid,
    pub file_name: String,
    pub dry_run: bool,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// JSON of the list's summary of the outcome (null while it runs).
    pub summary: Option<String>,
}

/// The columns of a [`JobLine`], as read.
type LineRow = (Uuid, String, bool, DateTime<Utc>, Option<DateTime<Utc>>, Option<String>);

/// Stores `body` as the file `id` uploaded by `owner`, sealed with the field key.
///
/// # Errors
/// `ServiceError::Db` on a database failure; `ServiceError::Vault` if sealing fails.
pub async fn save_file<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    id: Uuid,
    owner: Uuid,
    body: Vec<u8>,
    now: DateTime<Utc>,
) -> ServiceResult<()> {
    let size = i64::try_from(body.len()).unwrap_or(i64::MAX);
    let body = vault.seal_bytes_owned("import_file", "body", &id.to_string(), body)?;
    import_file::Entity::insert(import_file::ActiveModel {
        id: Set(id),
        owner_id: Set(owner),
        size: Set(size),
        body: Set(body),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The bytes of file `id` if `owner` uploaded it and it is still kept, opened.
///
/// # Errors
/// `ServiceError::Db` on a database failure; `ServiceError::Vault` when the stored file does
/// not open with this deployment's keys.
pub async fn file<C: ConnectionTrait>(db: &C, vault: &Vault, id: Uuid, owner: Uuid) -> ServiceResult<Option<Vec<u8>>> {
    let Some(stored) =
        import_file::Entity::find_by_id(id).filter(import_file::Column::OwnerId.eq(owner)).one(db).await?
    else {
        return Ok(None);
    };
    Ok(Some(vault.open_bytes("import_file", "body", &id.to_string(), stored.body)?))
}

/// True when file `id` of `owner` is still kept (without reading it).
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn file_kept<C: ConnectionTrait>(db: &C, id: Uuid, owner: Uuid) -> ServiceResult<bool> {
    use sea_orm::PaginatorTrait;
    Ok(import_file::Entity::find_by_id(id).filter(import_file::Column::OwnerId.eq(owner)).count(db).await? > 0)
}

/// Removes file `id` (imported: it is not needed any more).
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn delete_file<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<()> {
    import_file::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// Records a job that starts (`finished_at`, `summary` and `outcome` null).
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn start<C: ConnectionTrait>(db: &C, job: StoredJob) -> ServiceResult<()> {
    let model = import_job::Model {
        id: job.id,
        owner_id: job.owner,
        file_id: job.file_id,
        file_name: job.file_name,
        sheet: job.sheet,
        dry_run: job.dry_run,
        header_row: job.header_row,
        mapping: job.mapping,
        workers: job.workers,
        started_at: job.started_at,
        finished_at: job.finished_at,
        summary: job.summary,
        outcome: job.outcome,
    };
    import_job::Entity::insert(import_job::ActiveModel::from(model)).exec_without_returning(db).await?;
    Ok(())
}

/// Records that job `id` ended at `now` with `summary` and `outcome` (JSON).
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn finish<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    now: DateTime<Utc>,
    summary: String,
    outcome: String,
) -> ServiceResult<()> {
    import_job::Entity::update_many()
        .col_expr(import_job::Column::FinishedAt, sea_orm::sea_query::Expr::value(now))
        .col_expr(import_job::Column::Summary, sea_orm::sea_query::Expr::value(summary))
        .col_expr(import_job::Column::Outcome, sea_orm::sea_query::Expr::value(outcome))
        .filter(import_job::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Job `id` with its outcome, if `owner` started it.
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid, owner: Uuid) -> ServiceResult<Option<StoredJob>> {
    Ok(import_job::Entity::find_by_id(id)
        .filter(import_job::Column::OwnerId.eq(owner))
        .one(db)
        .await?
        .map(StoredJob::from))
}

/// `owner`'s jobs started since `since`, newest first, without their outcomes.
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn list<C: ConnectionTrait>(db: &C, owner: Uuid, since: DateTime<Utc>) -> ServiceResult<Vec<JobLine>> {
    use import_job::Column as J;
    let rows: Vec<LineRow> = import_job::Entity::find()
        .select_only()
        .columns([J::Id, J::FileName, J::DryRun, J::StartedAt, J::FinishedAt, J::Summary])
        .filter(J::OwnerId.eq(owner))
        .filter(J::StartedAt.gte(since))
        .order_by_desc(J::StartedAt)
        .limit(50)
        .into_tuple()
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, file_name, dry_run, started_at, finished_at, summary)| JobLine {
            id,
            file_name,
            dry_run,
            started_at,
            finished_at,
            summary,
        })
        .collect())
}

/// Removes the jobs started and the files stored before `before` (see [`KEEP_HOURS`]).
///
/// # Errors
/// `ServiceError::Db` on a database failure.
pub async fn delete_before<C: ConnectionTrait>(db: &C, before: DateTime<Utc>) -> ServiceResult<()> {
    import_job::Entity::delete_many().filter(import_job::Column::StartedAt.lt(before)).exec(db).await?;
    import_file::Entity::delete_many().filter(import_file::Column::CreatedAt.lt(before)).exec(db).await?;
    Ok(())
}
