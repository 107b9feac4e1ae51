//! API令牌 API tokens for the JSON API. A token acts for one user, limited to a role and a
//! division that may not exceed the user's own; it expires and can be revoked. Only the
//! SHA-256 of the secret is stored: the secret (`jdu_` + 32 random bytes in base64url) is
//! shown once, when it is created.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::{DivisionCode, Role};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entities::{api_token, app_user};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, deployment, users};

/// Prefix of every token secret (lets scanners and people recognise a leaked token).
pub const PREFIX: &str = "jdu_";
/// Validity when none is given (days).
pub const DEFAULT_DAYS: u32 = 90;
/// Longest validity (days).
pub const MAX_DAYS: u32 = 365;
/// Longest token name (characters).
pub const MAX_NAME_CHARS: usize = 64;

/// A token as listed (never its secret or hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenView {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub division_code: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}

impl TokenView {
    /// True when the token is neither revoked nor expired at `now`.
    pub fn is_active(&self, now: Now) -> bool {
        self.revoked_at.is_none() && self.expires_at > now.instant
    }
}

/// SHA-256 of a secret, lower-case hex (what `api_token.token_hash` holds).
pub fn hash_secret(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The expiry of a token created at `now` for `days` days.
pub fn expires_at(now: Now, days: u32) -> DateTime<Utc> {
    now.instant + chrono::Duration::days(i64::from(days))
}

fn new_secret() -> String {
    // ThreadRng is a CSPRNG (ChaCha, seeded and reseeded from the OS).
    let bytes: [u8; 32] = rand::random();
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The user a token would act for, found by username: (id, role, division of the unit).
/// `None` for an unknown username.
pub async fn owner<C: ConnectionTrait>(db: &C, username: &str) -> ServiceResult<Option<(Uuid, Role, DivisionCode)>> {
    let Some(u) = app_user::Entity::find().filter(app_user::Column::Username.eq(username.trim())).one(db).await? else {
        return Ok(None);
    };
    let role = Role::from_code(&u.role).ok_or_else(|| ServiceError::Data(format!("user role {}", u.role)))?;
    let division = DivisionCode::parse(&u.division_code)
        .map_err(|_| ServiceError::Data(format!("user division {}", u.division_code)))?;
    Ok(Some((u.id, role, division)))
}

/// Creates a token for `user_id` limited to `role` and `division`, valid for `days` days
/// (1–365). Returns its id and the secret, which is not stored and cannot be shown again.
/// Errors: `NotFound("user")`; `Invalid` when the name is empty or too long, the days are out
/// of range, the account is disabled, the role is not the user's own, or the division is not a loaded division inside
/// the user's scope.
pub async fn create<C: ConnectionTrait>(
    db: &C,
    now: Now,
    user_id: Uuid,
    name: &str,
    role: Role,
    division: DivisionCode,
    days: u32,
) -> ServiceResult<(Uuid, String)> {
    let user = app_user::Entity::find_by_id(user_id).one(db).await?.ok_or(ServiceError::NotFound("user"))?;
    let user_scope = DivisionCode::parse(&user.division_code)
        .map_err(|_| ServiceError::Data(format!("user division {}", user.division_code)))?;
    let mut errors = Vec::new();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::of("name", Message::new("msg.token.name").text("MAX_NAME_CHARS", MAX_NAME_CHARS)));
    }
    if !(1..=MAX_DAYS).contains(&days) {
        errors.push(FieldError::of("days", Message::new("msg.token.days").text("MAX_DAYS", MAX_DAYS)));
    }
    if user.disabled_at.is_some() {
        // A token made now would come alive when the account is enabled, although enabling
        // never brings back the tokens disabling revoked (found by the hostile trial).
        errors.push(FieldError::of("username", Message::new("msg.token.disabled")));
    }
    if role == Role::SystemAdmin {
        // The API serves case data only, and a token would step around the administrator's
        // second factor.
        errors.push(FieldError::of("role", Message::new("msg.token.admin")));
    }
    if role.as_code() != user.role {
        errors.push(FieldError::of(
            "role",
            Message::new("msg.token.role").label(
                "role",
                (Role::from_code(&user.role).map_or(user.role.as_str(), |r| r.label_zh())).to_string(),
                (Role::from_code(&user.role).map_or(user.role.as_str(), |r| r.label_en())).to_string(),
            ),
        ));
    }
    if !user_scope.contains(&division) || deployment::division_by_code(db, division).await?.is_none() {
        errors.push(FieldError::of(
            "division",
            Message::new("msg.token.division").text("division", division).text("user_scope", user_scope),
        ));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let id = Uuid::now_v7();
    let secret = new_secret();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        name: Set(name.to_string()),
        token_hash: Set(hash_secret(&secret)),
        user_id: Set(user_id),
        role: Set(role.as_code().to_string()),
        division_code: Set(division.to_string()),
        created_at: Set(now.instant),
        expires_at: Set(expires_at(now, days)),
        revoked_at: Set(None),
        last_used_at: Set(None),
    })
    .exec(db)
    .await?;
    Ok((id, secret))
}

/// The actor of a presented secret, or `None` when it is unknown, revoked or expired, or when
/// its user is gone, disabled or no longer holds the token's role and division. The actor has the
/// token's role and division (not the user's current ones); `address` is left empty for the
/// caller. Records the use in `last_used_at`.
pub async fn authenticate<C: ConnectionTrait>(db: &C, now: Now, secret: &str) -> ServiceResult<Option<Actor>> {
    let secret = secret.trim();
    if !secret.starts_with(PREFIX) {
        return Ok(None);
    }
    let Some(token) =
        api_token::Entity::find().filter(api_token::Column::TokenHash.eq(hash_secret(secret))).one(db).await?
    else {
        return Ok(None);
    };
    if token.revoked_at.is_some() || token.expires_at <= now.instant {
        return Ok(None);
    }
    let Some(user) = app_user::Entity::find_by_id(token.user_id).one(db).await? else {
        return Ok(None);
    };
    if user.disabled_at.is_some() {
        return Ok(None);
    }
    let scope = DivisionCode::parse(&token.division_code)
        .map_err(|_| ServiceError::Data(format!("token division {}", token.division_code)))?;
    let role = Role::from_code(&token.role).ok_or_else(|| ServiceError::Data(format!("token role {}", token.role)))?;
    // A token never outlives a change of its user's role or unit.
    let still_held =
        user.role == token.role && DivisionCode::parse(&user.division_code).is_ok_and(|u| u.contains(&scope));
    if !still_held {
        return Ok(None);
    }
    let profile = users::role_profile(db, role).await?;
    let sessions_end = users::sessions_end(&user);
    api_token::Entity::update_many()
        .set(api_token::ActiveModel { last_used_at: Set(Some(now.instant)), ..Default::default() })
        .filter(api_token::Column::Id.eq(token.id))
        .exec(db)
        .await?;
    Ok(Some(Actor {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        profile,
        scope,
        address: String::new(),
        credentials_changed_at: sessions_end,
        member_unit: if role == Role::MemberUnit { user.member_unit_code } else { None },
        enterprise: if role == Role::Enterprise { user.enterprise_id } else { None },
    }))
}

/// Revokes a token at `now` (revoking twice keeps the first time). Errors: `NotFound("token")`.
pub async fn revoke<C: ConnectionTrait>(db: &C, now: Now, id: Uuid) -> ServiceResult<()> {
    let token = api_token::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("token"))?;
    if token.revoked_at.is_none() {
        api_token::Entity::update_many()
            .set(api_token::ActiveModel { revoked_at: Set(Some(now.instant)), ..Default::default() })
            .filter(api_token::Column::Id.eq(id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// The tokens of a user, newest first.
pub async fn list<C: ConnectionTrait>(db: &C, user_id: Uuid) -> ServiceResult<Vec<TokenView>> {
    api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .order_by_desc(api_token::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|t| {
            Ok(TokenView {
                role: Role::from_code(&t.role).ok_or_else(|| ServiceError::Data(format!("token role {}", t.role)))?,
                id: t.id,
                name: t.name,
                division_code: t.division_code,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
                last_used_at: t.last_used_at,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_random_and_hashed() {
        let a = new_secret();
        let b = new_secret();
        assert!(a.starts_with(PREFIX));
        assert_eq!(a.len(), PREFIX.len() + 43);
        assert_ne!(a, b);
        let h = hash_secret(&a);
        assert_eq!(h.len(), 64);
        assert!(h.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(h, hash_secret(&b));
        // SHA-256("abc")
        assert_eq!(hash_secret("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
