//! The rows of the web sessions (table `web_session`): one JSON record per session id with its
//! expiry, so sessions survive a restart and work the same on SQLite and PostgreSQL. The web
//! crate's `tower-sessions` store (`jindu_web::session_store`) keeps its records here; what a
//! record holds is the web's business, this module only stores it.
//!
//! The session id (the cookie's value) is never stored: rows are keyed by its SHA-256, so a copy
//! of the database (a backup, a read-only account) cannot be used to take over a session
//! (issue #20 item 5).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use crate::entities::session;

/// The stored key of session `id`: the lower-case hex SHA-256 of the id (64 characters).
fn key(id: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(id.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// True when a session `id` is stored (expired or not).
///
/// # Errors
/// Database failure.
pub async fn exists<C: ConnectionTrait>(db: &C, id: &str) -> Result<bool, DbErr> {
    Ok(session::Entity::find_by_id(key(id)).one(db).await?.is_some())
}

/// Stores the session `id` with its record `data` (JSON) and expiry, replacing a stored one (an
/// upsert: concurrent requests of one browser save the same session at once).
///
/// # Errors
/// Database failure.
pub async fn save<C: ConnectionTrait>(db: &C, id: &str, data: String, expires_at: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::insert(session::ActiveModel { id: Set(key(id)), data: Set(data), expires_at: Set(expires_at) })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(session::Column::Id)
                .update_columns([session::Column::Data, session::Column::ExpiresAt])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The record (JSON) of session `id`, if stored (the caller checks the expiry it holds).
///
/// # Errors
/// Database failure.
pub async fn load<C: ConnectionTrait>(db: &C, id: &str) -> Result<Option<String>, DbErr> {
    Ok(session::Entity::find_by_id(key(id)).one(db).await?.map(|row| row.data))
}

/// Removes session `id` (nothing when it is not stored).
///
/// # Errors
/// Database failure.
pub async fn delete<C: ConnectionTrait>(db: &C, id: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(key(id)).exec(db).await?;
    Ok(())
}

/// Removes every session whose expiry lies before `now`.
///
/// # Errors
/// Database failure.
pub async fn delete_expired<C: ConnectionTrait>(db: &C, now: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::delete_many().filter(session::Column::ExpiresAt.lt(now)).exec(db).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_session_is_stored_under_the_sha256_of_its_id() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(super::key("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
