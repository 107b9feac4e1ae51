//! 重复提交 Receipts of writes made with an idempotency key (issue #20 item 4): the event form
//! carries a key made when the page was drawn, an API client sends `Idempotency-Key`; a retry
//! after a cut connection, or a double click, finds the receipt and answers the first write
//! instead of storing it twice. Kept [`RECEIPT_DAYS`] days.

use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::write_receipt;
use crate::service::{FieldError, ServiceError, ServiceResult};

/// How long a receipt is kept (days; local default): far longer than any retry.
pub const RECEIPT_DAYS: i64 = 7;

/// Longest key accepted (characters).
pub const KEY_MAX: usize = 100;

/// The key as sent, trimmed; `None` when none was sent.
///
/// # Errors
/// `Invalid` (field `idempotency_key`) for more than [`KEY_MAX`] characters or a control
/// character.
pub fn key_of(raw: &str) -> ServiceResult<Option<String>> {
    let key = raw.trim();
    if key.is_empty() {
        return Ok(None);
    }
    if key.chars().count() > KEY_MAX || key.chars().any(char::is_control) {
        return Err(ServiceError::Invalid(vec![FieldError::of(
            "idempotency_key",
            Message::new("msg.idempotency.key").text("max", KEY_MAX),
        )]));
    }
    Ok(Some(key.to_string()))
}

/// The event recorded earlier by `user` with `key`, if any, when it was the same write
/// (`digest`, see [`crate::service::measures::NewEvent::digest`]).
///
/// # Errors
/// `Invalid` (field `idempotency_key`) when the key was used for a write about another person
/// (a client that reuses keys must not get someone else's answer), or for a different write
/// about this one (its data would be dropped while the answer said "recorded"). `Db` on failure.
pub async fn recorded<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    key: &str,
    person: Uuid,
    digest: &str,
) -> ServiceResult<Option<Uuid>> {
    let Some(receipt) = write_receipt::Entity::find_by_id((user, key.to_string())).one(db).await? else {
        return Ok(None);
    };
    let refused = |code| ServiceError::Invalid(vec![FieldError::of("idempotency_key", Message::new(code))]);
    if receipt.person_id != person {
        return Err(refused("msg.idempotency.reused"));
    }
    if receipt.digest.as_deref().is_some_and(|d| d != digest) {
        return Err(refused("msg.idempotency.other_write"));
    }
    Ok(Some(receipt.event_id))
}

/// Keeps the receipt of `event`, recorded by `user` with `key` about `person`, in the caller's
/// transaction; receipts older than [`RECEIPT_DAYS`] go on the way.
///
/// # Errors
/// The database's error; a unique violation means a parallel write with the same key
/// committed first (its receipt is then the answer: see [`recorded`]).
pub async fn keep<C: ConnectionTrait>(
    db: &C,
    user: Uuid,
    key: &str,
    person: Uuid,
    event: Uuid,
    digest: &str,
    now: Now,
) -> Result<(), DbErr> {
    write_receipt::Entity::delete_many()
        .filter(write_receipt::Column::CreatedAt.lt(now.instant - chrono::Duration::days(RECEIPT_DAYS)))
        .exec(db)
        .await?;
    write_receipt::Entity::insert(write_receipt::ActiveModel {
        user_id: Set(user),
        key: Set(key.to_string()),
        person_id: Set(person),
        event_id: Set(event),
        created_at: Set(now.instant),
        digest: Set(Some(digest.to_string())),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_is_trimmed_and_bounded() {
        assert_eq!(key_of("  ").unwrap(), None);
        assert_eq!(key_of(" 0193f3c2-7a1b ").unwrap().as_deref(), Some("0193f3c2-7a1b"));
        assert_eq!(key_of(&"k".repeat(100)).unwrap().map(|k| k.len()), Some(100));
        assert!(key_of(&"k".repeat(101)).is_err());
        assert!(key_of("a\u{0}b").is_err());
    }
}
