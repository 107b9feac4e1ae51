//! Accounts: creation with an argon2id password hash, and sign-in.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use jindu_domain::access::default_profile;
use jindu_domain::{DivisionCode, Role, RoleProfile, clock::Now};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::{Actor, FieldError, ServiceError, ServiceResult};
use crate::entities::app_user;

/// Setting key prefix of an edited role profile (`role.office` → JSON of `RoleProfile`).
pub const ROLE_SETTING_PREFIX: &str = "role.";

/// The profile in force for `role`: the administrator's edit if any, else the shipped default.
pub async fn role_profile<C: ConnectionTrait>(db: &C, role: Role) -> ServiceResult<RoleProfile> {
    let key = format!("{ROLE_SETTING_PREFIX}{}", role.as_code());
    match super::deployment::get_setting(db, &key).await? {
        Some(json) => {
            serde_json::from_str(&json).map_err(|e| ServiceError::Data(format!("{key}: {e}")))
        }
        None => Ok(default_profile(role)),
    }
}

/// Input of `add`.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    /// `None` creates an account that cannot sign in (e.g. a demo social worker).
    pub password: Option<String>,
    /// A `Role` code (e.g. `office`, `social_worker`).
    pub role: String,
    pub division: DivisionCode,
    pub workstation_id: Option<Uuid>,
    pub must_change_password: bool,
}

/// Checks a new password: at least 10 characters from at least 3 of upper case, lower case,
/// digits and other characters (等保2.0 password complexity; local default).
pub fn check_password_policy(password: &str) -> Result<(), FieldError> {
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ];
    if password.chars().count() < 10 || classes.iter().filter(|b| **b).count() < 3 {
        return Err(FieldError::new(
            "password",
            "password.policy",
            "密码至少10位，且包含大写字母、小写字母、数字、符号中的至少三类。",
            "The password needs at least 10 characters from at least 3 of: upper case, lower case, digits, symbols.",
        ));
    }
    Ok(())
}

/// Hashes a password with argon2id (default parameters of the argon2 crate).
pub fn hash_password(password: &str) -> ServiceResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Data(format!("argon2: {e}")))
}

/// Creates an account. Errors: `Invalid` for a taken or malformed username, an unknown role,
/// or a password that fails the policy.
pub async fn add<C: ConnectionTrait>(db: &C, now: Now, input: NewUser) -> ServiceResult<Uuid> {
    let username = input.username.trim().to_string();
    let mut errors = Vec::new();
    if username.is_empty()
        || username.chars().count() > 32
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        errors.push(FieldError::new(
            "username",
            "username.format",
            "用户名须为1–32位字母、数字、下划线、点或连字符。",
            "The username must be 1–32 letters, digits, underscores, dots or hyphens.",
        ));
    } else if app_user::Entity::find()
        .filter(app_user::Column::Username.eq(&username))
        .one(db)
        .await?
        .is_some()
    {
        errors.push(FieldError::new(
            "username",
            "username.taken",
            "该用户名已被使用。",
            "This username is already taken.",
        ));
    }
    let codes: Vec<&str> = Role::ALL.iter().map(|r| r.as_code()).collect();
    if Role::from_code(input.role.trim()).is_none() {
        errors.push(FieldError::new(
            "role",
            "role.unknown",
            format!("角色“{}”不存在，可选：{}。", input.role, codes.join("、")),
            format!(
                "Role '{}' does not exist; choose one of {}.",
                input.role,
                codes.join(", ")
            ),
        ));
    }
    let hash = match &input.password {
        Some(p) => match check_password_policy(p) {
            Ok(()) => Some(hash_password(p)?),
            Err(e) => {
                errors.push(e);
                None
            }
        },
        None => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let id = Uuid::now_v7();
    app_user::Entity::insert(app_user::ActiveModel {
        id: Set(id),
        username: Set(username),
        display_name: Set(input.display_name.trim().to_string()),
        password_hash: Set(hash),
        role: Set(input.role.trim().to_string()),
        division_code: Set(input.division.to_string()),
        workstation_id: Set(input.workstation_id),
        must_change_password: Set(input.must_change_password),
        created_at: Set(now.instant),
        failed_logins: Set(0),
        locked_until: Set(None),
        totp_secret: Set(None),
        totp_enabled: Set(false),
        password_changed_at: Set(Some(now.instant)),
    })
    .exec(db)
    .await?;
    Ok(id)
}

async fn to_actor<C: ConnectionTrait>(db: &C, m: app_user::Model) -> ServiceResult<Actor> {
    let scope = DivisionCode::parse(&m.division_code)
        .map_err(|_| ServiceError::Data(format!("user division {}", m.division_code)))?;
    let role = Role::from_code(&m.role)
        .ok_or_else(|| ServiceError::Data(format!("user role {}", m.role)))?;
    let profile = role_profile(db, role).await?;
    Ok(Actor {
        user_id: m.id,
        username: m.username,
        display_name: m.display_name,
        role,
        profile,
        scope,
        address: String::new(),
    })
}

/// Checks a username and password. `Ok(None)` for an unknown user, a wrong password or an
/// account without a password (the caller shows one message for all three).
pub async fn authenticate<C: ConnectionTrait>(
    db: &C,
    username: &str,
    password: &str,
) -> ServiceResult<Option<Actor>> {
    let Some(user) = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.trim()))
        .one(db)
        .await?
    else {
        // Spend the same time as a real check so that timing does not reveal accounts.
        let _ = hash_password(password);
        return Ok(None);
    };
    let Some(hash) = user.password_hash.clone() else {
        return Ok(None);
    };
    let parsed = PasswordHash::new(&hash).map_err(|e| ServiceError::Data(format!("hash: {e}")))?;
    if Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_err()
    {
        return Ok(None);
    }
    Ok(Some(to_actor(db, user).await?))
}

/// The actor for a user id (from a session), or `None` if the account is gone.
pub async fn actor<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Option<Actor>> {
    match app_user::Entity::find_by_id(id).one(db).await? {
        Some(u) => Ok(Some(to_actor(db, u).await?)),
        None => Ok(None),
    }
}

/// Social workers whose unit lies inside `scope`, as (id, display name, division code).
pub async fn social_workers<C: ConnectionTrait>(
    db: &C,
    scope: &DivisionCode,
) -> ServiceResult<Vec<(Uuid, String, String)>> {
    let (lo, hi) = super::scope_bounds(scope);
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DivisionCode.between(lo, hi))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name, u.division_code))
        .collect())
}
