//! 备份与恢复 Backup and restore of a deployment's database (issue #20 item 3), while it serves.
//!
//! - SQLite: [`backup`] writes a consistent copy with `VACUUM INTO` (readers and writers keep
//!   working; the copy holds every transaction committed before it began), mode 0600, then opens
//!   the copy and runs SQLite's check on it. Copying the file with `cp` while the server writes
//!   gave corrupt copies and lost acknowledged writes: never do that.
//! - PostgreSQL: `pg_dump --format=custom` (one consistent snapshot), mode 0600, then
//!   `pg_restore --list` reads it back.
//!
//! [`restore`] puts a backup into a new SQLite file or an empty PostgreSQL database and checks
//! it the same way. The caller then verifies the audit chain with the deployment's key file
//! (`jindu backup` / `jindu restore` do), which a backup never contains: a backup without its
//! key file cannot be read, a key file kept beside its backup protects nothing.

use std::path::{Path, PathBuf};
use std::process::Command;

use sea_orm::{DatabaseConnection, DbErr};

use super::db::{self, Backend, ConnectError};
use super::sql;

/// Why a backup or a restore was refused or failed. `Display` is English for the log;
/// [`BackupError::message`] is the sentence for a person, naming the file and what to do
/// (catalogue `msg.store.backup.*`).
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Connect(#[from] ConnectError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("{0} exists and will not be overwritten: choose another name")]
    Exists(String),
    #[error("the backup file {0} does not exist")]
    MissingSource(String),
    #[error("database {0} is not empty (it has tables): restore into a new, empty database")]
    NotEmpty(String),
    #[error("the database failed its integrity check: {0}")]
    Damaged(String),
    #[error("cannot run {0} (PostgreSQL's backup tool: install postgresql-client): {1}")]
    Tool(&'static str, String),
    #[error("{0} failed: {1}")]
    ToolFailed(&'static str, String),
    #[error("file operation failed: {0}: {1}")]
    Io(String, String),
}

impl BackupError {
    /// The sentence for a person, with the file, the tool or the cause as parameters.
    pub fn message(&self) -> jindu_domain::message::Message {
        use jindu_domain::message::Message;
        match self {
            BackupError::Connect(e) => e.message(),
            BackupError::Db(e) => Message::new("msg.store.database_error").text("cause", e),
            BackupError::Exists(path) => Message::new("msg.store.backup.exists").text("path", path),
            BackupError::MissingSource(path) => Message::new("msg.store.backup.missing").text("path", path),
            BackupError::NotEmpty(url) => Message::new("msg.store.backup.not_empty").text("url", url),
            BackupError::Damaged(cause) => Message::new("msg.store.backup.damaged").text("cause", cause),
            BackupError::Tool(tool, cause) => {
                Message::new("msg.store.backup.tool").text("tool", tool).text("cause", cause)
            }
            BackupError::ToolFailed(tool, cause) => {
                Message::new("msg.store.backup.tool_failed").text("tool", tool).text("cause", cause)
            }
            BackupError::Io(path, cause) => Message::new("msg.store.backup.io").text("path", path).text("cause", cause),
        }
    }
}

/// What [`backup`] wrote.
#[derive(Debug, Clone)]
pub struct BackupReport {
    /// The backup file.
    pub path: PathBuf,
    /// Its size, bytes.
    pub bytes: u64,
    /// SQLite or PostgreSQL (`pg_dump` custom format).
    pub backend: Backend,
}

/// Refuses to serve a damaged SQLite database: SQLite's `quick_check` must answer `ok`
/// (PostgreSQL checks its own pages: nothing to do).
///
/// # Errors
/// [`BackupError::Damaged`] with SQLite's first lines; `Db` when the file cannot be read at all.
pub async fn integrity(db: &DatabaseConnection) -> Result<(), BackupError> {
    let lines = sql::quick_check(db).await?;
    if lines.is_empty() || lines == ["ok"] {
        return Ok(());
    }
    Err(BackupError::Damaged(lines.into_iter().take(3).collect::<Vec<_>>().join("; ")))
}

/// Writes a consistent copy of the database at `url` (open as `db`) to the new file `to`, mode
/// 0600, and checks the copy (SQLite: opened and `quick_check`ed; PostgreSQL: listed by
/// `pg_restore`).
///
/// # Errors
/// `Exists` when `to` exists; `Tool`/`ToolFailed` for `pg_dump`; `Damaged` for a copy that fails
/// its check (it is removed); `Db`/`Io` otherwise.
pub async fn backup(db: &DatabaseConnection, url: &str, to: &Path) -> Result<BackupReport, BackupError> {
    let shown = to.display().to_string();
    if to.exists() {
        return Err(BackupError::Exists(shown));
    }
    let backend = db::backend_of(url)?;
    match backend {
        Backend::Sqlite => {
            sql::vacuum_into(db, &shown).await?;
            private(to)?;
            let copy = db::connect_existing(&format!("sqlite://{shown}")).await?;
            let checked = integrity(&copy).await;
            copy.close().await?;
            if let Err(e) = checked {
                let _ = std::fs::remove_file(to);
                return Err(e);
            }
        }
        Backend::Postgres => {
            run("pg_dump", Command::new("pg_dump").args(["--format=custom", "--no-owner", "--file", &shown, url]))?;
            private(to)?;
            run("pg_restore", Command::new("pg_restore").args(["--list", &shown]))?;
        }
    }
    let bytes = std::fs::metadata(to).map_err(|e| BackupError::Io(shown.clone(), e.to_string()))?.len();
    Ok(BackupReport { path: to.to_path_buf(), bytes, backend })
}

/// Restores the backup `from` into `url`: for SQLite a new file (refused when it exists), made
/// mode 0600 and checked; for PostgreSQL an existing, empty database (refused when it has
/// tables), filled by `pg_restore`. Returns the restored database, migrated to this version.
///
/// # Errors
/// `MissingSource`, `Exists`, `NotEmpty`, `Damaged` (the SQLite file is removed again),
/// `Tool`/`ToolFailed`, `Db`/`Io`.
pub async fn restore(from: &Path, url: &str) -> Result<DatabaseConnection, BackupError> {
    let source = from.display().to_string();
    if !from.is_file() {
        return Err(BackupError::MissingSource(source));
    }
    match db::backend_of(url)? {
        Backend::Sqlite => {
            let target = db::sqlite_path(url).to_string();
            if Path::new(&target).exists() {
                return Err(BackupError::Exists(target));
            }
            db::create_private(&target)?;
            std::fs::copy(from, &target).map_err(|e| BackupError::Io(target.clone(), e.to_string()))?;
            let restored = match db::connect_existing(url).await {
                Ok(c) => c,
                Err(e) => {
                    let _ = std::fs::remove_file(&target);
                    return Err(BackupError::Damaged(e.to_string()));
                }
            };
            if let Err(e) = integrity(&restored).await {
                restored.close().await?;
                let _ = std::fs::remove_file(&target);
                return Err(e);
            }
            Ok(restored)
        }
        Backend::Postgres => {
            // Connected without migrating: the migrations would make the tables it must not have.
            let target = sea_orm::Database::connect(url).await.map_err(ConnectError::Db)?;
            if !sql::is_empty_postgres(&target).await? {
                return Err(BackupError::NotEmpty(url.to_string()));
            }
            target.close().await?;
            run(
                "pg_restore",
                Command::new("pg_restore").args(["--no-owner", "--exit-on-error", "--dbname", url, &source]),
            )?;
            Ok(db::connect_existing(url).await?)
        }
    }
}

/// Makes `path` readable and writable by its owner only (0600), like the key file.
fn private(path: &Path) -> Result<(), BackupError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| BackupError::Io(path.display().to_string(), e.to_string()))?;
    }
    Ok(())
}

/// Runs one of PostgreSQL's tools to the end.
fn run(tool: &'static str, command: &mut Command) -> Result<(), BackupError> {
    let out = command.output().map_err(|e| BackupError::Tool(tool, e.to_string()))?;
    if out.status.success() {
        return Ok(());
    }
    let err = String::from_utf8_lossy(&out.stderr);
    Err(BackupError::ToolFailed(tool, err.lines().take(3).collect::<Vec<_>>().join("; ")))
}
