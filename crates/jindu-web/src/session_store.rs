//! tower-sessions store on our own database (table `web_session`), so sessions survive a
//! restart and work the same on SQLite and PostgreSQL.

use async_trait::async_trait;
use jindu_store::entities::session;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
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
        while session::Entity::find_by_id(record.id.to_string()).one(&self.db).await.map_err(backend)?.is_some() {
            record.id = Id::default();
        }
        self.save(record).await
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        // An upsert: concurrent requests of one browser save the same session at once.
        let data = serde_json::to_string(record).map_err(backend)?;
        session::Entity::insert(session::ActiveModel {
            id: Set(record.id.to_string()),
            data: Set(data),
            expires_at: Set(to_utc(record.expiry_date)),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec(&self.db)
        .await
        .map_err(backend)?;
        Ok(())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        let Some(row) = session::Entity::find_by_id(id.to_string()).one(&self.db).await.map_err(backend)? else {
            return Ok(None);
        };
        let record: Record = serde_json::from_str(&row.data).map_err(backend)?;
        if record.expiry_date <= time::OffsetDateTime::now_utc() {
            return Ok(None);
        }
        Ok(Some(record))
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        session::Entity::delete_by_id(id.to_string()).exec(&self.db).await.map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl ExpiredDeletion for DbSessionStore {
    async fn delete_expired(&self) -> session_store::Result<()> {
        session::Entity::delete_many()
            .filter(session::Column::ExpiresAt.lt(to_utc(time::OffsetDateTime::now_utc())))
            .exec(&self.db)
            .await
            .map_err(backend)?;
        Ok(())
    }
}
