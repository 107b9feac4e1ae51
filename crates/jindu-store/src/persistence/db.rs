//! Connecting to SQLite or PostgreSQL and migrating. The only backend-specific code lives here.

use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use sea_orm_migration::MigratorTrait;

use crate::migration::Migrator;

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Errors of `connect`. `Display` is English for the log; [`ConnectError::message`] is the
/// sentence for a person (catalogue `msg.store.connect.*`).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("invalid database URL, expected sqlite://PATH or postgres://…: {0}")]
    BadUrl(String),
    #[error("cannot connect to the database: {}", first_line(.0))]
    Db(DbErr),
    #[error("database file {0} does not exist: run jindu init first or check --db")]
    Missing(String),
    #[error("cannot create the database file {0}: {1}")]
    Create(String, String),
}

impl ConnectError {
    /// The sentence for a person, with the URL, the file or the cause as parameters.
    pub fn message(&self) -> jindu_domain::message::Message {
        use jindu_domain::message::Message;
        match self {
            ConnectError::BadUrl(url) => Message::new("msg.store.connect.bad_url").text("url", url),
            ConnectError::Db(e) => Message::new("msg.store.connect.failed").text("cause", first_line(e)),
            ConnectError::Missing(path) => Message::new("msg.store.connect.missing").text("path", path),
            ConnectError::Create(path, cause) => {
                Message::new("msg.store.connect.create").text("path", path).text("cause", cause)
            }
        }
    }
}

/// Classifies a database URL: `sqlite://PATH` (or `sqlite:PATH`) and `postgres://…`/`postgresql://…`.
pub fn backend_of(url: &str) -> Result<Backend, ConnectError> {
    if url.starts_with("sqlite:") {
        Ok(Backend::Sqlite)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Backend::Postgres)
    } else {
        Err(ConnectError::BadUrl(url.to_string()))
    }
}

/// Opens the database (creating a SQLite file if missing), applies pending migrations and
/// returns the pool. SQLite runs in WAL mode with foreign keys on.
pub async fn connect(url: &str) -> Result<DatabaseConnection, ConnectError> {
    open(url, true).await
}

/// Opens an existing database (a missing SQLite file is an error, not created) and migrates it.
/// For `serve` and the other commands that need an initialised deployment.
pub async fn connect_existing(url: &str) -> Result<DatabaseConnection, ConnectError> {
    if backend_of(url)? == Backend::Sqlite {
        let path = sqlite_path(url);
        if !std::path::Path::new(path).exists() {
            return Err(ConnectError::Missing(path.to_string()));
        }
    }
    open(url, false).await
}

/// The file path of a `sqlite:` URL (`sqlite://jindu.db?mode=rwc` → `jindu.db`).
pub(crate) fn sqlite_path(url: &str) -> &str {
    let path = url.trim_start_matches("sqlite://").trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or(path)
}

/// Creates the SQLite file at `path`, empty and readable by its owner only (0600, like the key
/// file; issue #20 item 5), when it does not exist yet; SQLite then creates its `-wal` and
/// `-shm` files with the same mode. An in-memory database is left alone.
pub(crate) fn create_private(path: &str) -> Result<(), ConnectError> {
    if path.is_empty() || path == ":memory:" || std::path::Path::new(path).exists() {
        return Ok(());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        // Created meanwhile by another process: SQLite opens it as it is.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(ConnectError::Create(path.to_string(), e.to_string())),
    }
}

async fn open(url: &str, create: bool) -> Result<DatabaseConnection, ConnectError> {
    let backend = backend_of(url)?;
    if backend == Backend::Sqlite && create && !url.contains("mode=memory") {
        create_private(sqlite_path(url))?;
    }
    let url = match backend {
        Backend::Sqlite if !url.contains('?') => format!("{url}?mode={}", if create { "rwc" } else { "rw" }),
        _ => url.to_string(),
    };
    let mut opts = ConnectOptions::new(url);
    opts.sqlx_logging(false);
    match backend {
        // Every pooled connection gets the same settings (a PRAGMA sent once would reach only
        // the connection that ran it): WAL (readers never wait for the writer), NORMAL sync
        // (durable at each checkpoint; safe with WAL), foreign keys on, and a writer waits up
        // to 30 s for the write lock before giving up (a busy office then sees a slow save,
        // not an error).
        Backend::Sqlite => opts.max_connections(4).min_connections(1).map_sqlx_sqlite_opts(|o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            o.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(30))
        }),
        Backend::Postgres => opts.max_connections(16).min_connections(1),
    };
    // Fail within seconds when the server is down, not after half a minute.
    opts.connect_timeout(std::time::Duration::from_secs(5)).acquire_timeout(std::time::Duration::from_secs(10));
    let db = Database::connect(opts).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

/// For tests and `demo --fresh`: creates an empty PostgreSQL database `name` on the server of
/// `admin_url` (a URL to an existing database such as `postgres://…/postgres`) and returns its URL.
pub async fn create_postgres_database(admin_url: &str, name: &str) -> Result<String, ConnectError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ConnectError::BadUrl(name.to_string()));
    }
    let admin = Database::connect(admin_url).await?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name}")).await?;
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await?;
    admin.close().await?;
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    Ok(format!("{base}/{name}"))
}

/// Drops a PostgreSQL database created by `create_postgres_database`.
pub async fn drop_postgres_database(admin_url: &str, name: &str) -> Result<(), ConnectError> {
    if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(ConnectError::BadUrl(name.to_string()));
    }
    let admin = Database::connect(admin_url).await?;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await?;
    admin.close().await?;
    Ok(())
}

impl From<DbErr> for ConnectError {
    fn from(e: DbErr) -> Self {
        ConnectError::Db(e)
    }
}

/// The driver's message once: SeaORM wraps the sqlx error, which repeats it.
fn first_line(e: &DbErr) -> String {
    let text = e.to_string();
    let text = text.rsplit(": ").next().unwrap_or(&text).to_string();
    text.lines().next().unwrap_or("").to_string()
}
