//! tower-sessions store on our own database, so sessions survive a restart and work the same on
//! SQLite and PostgreSQL. The rows are kept by [`jindu_store::sessions`]; this module only
//! translates between tower-sessions' records and those rows.

use async_trait::async_trait;
use jindu_store::DatabaseConnection;
use jindu_store::sessions;
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, ExpiredDeletion, SessionStore};

/// Sessions kept in the `web_session` table as JSON records.
#[derive(Debug, Clone)]
pub struct DbSessionStore {
    db: DatabaseConnection,
}

impl DbSessionStore {
    /// A store over `db` (already migrated).
    pub fn new(db: DatabaseConnection) -> Self {
        DbSessionStore { db }
    }
}

fn backend(e: impl std::fmt::Display) -> session_store::Error {
    session_store::Error::Backend(e.to_string())
}

fn to_utc(t: time::OffsetDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.unix_timestamp(), 0).unwrap_or_default()
}

#[async_trait]
impl SessionStore for DbSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        // A fresh id until it collides with no stored session (128 random bits: practically once).
        while sessions::exists(&self.db, &record.id.to_string()).await.map_err(backend)? {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        let data = serde_json::to_string(record).map_err(backend)?;
        sessions::save(&self.db, &record.id.to_string(), data, to_utc(record.expiry_date)).await.map_err(backend)
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(data) = sessions::load(&self.db, &id.to_string()).await.map_err(backend)? else {
            return Ok(None);
        };
        let record: Record = serde_json::from_str(&data).map_err(backend)?;
        if record.expiry_date <= time::OffsetDateTime::now_utc() {
            return Ok(None);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        sessions::delete(&self.db, &id.to_string()).await.map_err(backend)
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        sessions::delete_expired(&self.db, to_utc(time::OffsetDateTime::now_utc())).await.map_err(backend)
    }
}
