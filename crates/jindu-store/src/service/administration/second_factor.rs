//! 双因素认证 the TOTP second factor (RFC 6238: HMAC-SHA1, 6 digits, 30-second steps, one step
//! of clock drift either way), as authenticator apps implement it. Required for 系统管理员 by
//! default (等保2.0 三级: two factors for administrators; local default, configurable in
//! setting [`TOTP_ROLES_KEY`]). The secret is sealed at rest (`app_user.totp_secret`); a code
//! is accepted once (its time step must be later than the last accepted one); wrong codes
//! count toward the same lockout as wrong passwords.

use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use totp_rs::{Algorithm, Secret, TOTP};
use uuid::Uuid;

use crate::Vault;
use crate::entities::app_user;
use crate::service::audit::{self, Entry, Outcome, Who};
use crate::service::users::LoginOutcome;
/// Who must use a second factor: kept with the accounts, whose sign-in asks it first.
pub use crate::service::users::{DEFAULT_TOTP_ROLES, TOTP_ROLES_KEY, required};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult};

/// Issuer shown in authenticator apps.
pub const ISSUER: &str = "Jindu";
/// Length of a time step (seconds, RFC 6238 default).
pub const STEP_SECONDS: i64 = 30;

/// A new random secret (160 bits, RFC 4226's recommendation), base32 as apps expect it.
pub fn new_secret() -> String {
    let bytes: [u8; 20] = rand::random();
    Secret::Raw(bytes.to_vec()).to_encoded().to_string()
}

fn totp(secret_base32: &str, account: &str) -> Result<TOTP, FieldError> {
    let bad = || FieldError::of("code", Message::new("msg.totp.secret"));
    let bytes = Secret::Encoded(secret_base32.to_string()).to_bytes().map_err(|_| bad())?;
    TOTP::new(Algorithm::SHA1, 6, 1, STEP_SECONDS as u64, bytes, Some(ISSUER.into()), account.replace(':', "_"))
        .map_err(|_| bad())
}

/// The `otpauth://` address an authenticator app scans (shown as a QR code and as text).
///
/// # Errors
/// `Invalid` (field `code`) for a malformed secret.
pub fn otpauth_url(secret_base32: &str, username: &str) -> ServiceResult<String> {
    Ok(totp(secret_base32, username)?.get_url())
}

/// The code of `secret_base32` at unix time `at` (seconds): what the app shows. For tests and
/// for operators checking a device clock.
///
/// # Errors
/// `Invalid` for a malformed secret.
pub fn code_at(secret_base32: &str, at: i64) -> ServiceResult<String> {
    Ok(totp(secret_base32, "x")?.generate(at.max(0) as u64))
}

/// The step of `code` at `at` if it is valid within ±1 step and later than `last`.
fn accepted_step(t: &TOTP, code: &str, at: i64, last: Option<i64>) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let step = at.max(0) / STEP_SECONDS;
    [step - 1, step, step + 1]
        .into_iter()
        .filter(|s| *s >= 0 && last.is_none_or(|l| *s > l))
        .find(|s| t.generate((*s * STEP_SECONDS) as u64) == code)
}

fn wrong_code() -> FieldError {
    FieldError::of("code", Message::new("msg.totp.wrong"))
}

/// Enrols the signed-in user: `code` must be the current code of `secret_base32` (proving the
/// app holds it). Stores the sealed secret and turns the second factor on. Audited
/// (`user.totp_enable`). Errors: `Invalid` (field `code`).
pub async fn enrol<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    secret_base32: &str,
    code: &str,
) -> ServiceResult<()> {
    let t = totp(secret_base32, &actor.username)?;
    let Some(step) = accepted_step(&t, code, now.instant.timestamp(), None) else {
        return Err(wrong_code().into());
    };
    let sealed = vault.seal("app_user", "totp_secret", &actor.user_id.to_string(), secret_base32)?;
    let txn = crate::service::UnitOfWork::begin_checked(db, actor, now).await?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::TotpSecret, sea_orm::sea_query::Expr::value(Some(sealed)))
        .col_expr(app_user::Column::TotpEnabled, sea_orm::sea_query::Expr::value(true))
        .col_expr(app_user::Column::TotpLastStep, sea_orm::sea_query::Expr::value(Some(step)))
        .filter(app_user::Column::Id.eq(actor.user_id))
        .exec(&txn)
        .await?;
    txn.audit(Entry::ok("user.totp_enable", "user", actor.user_id)).await?;
    txn.commit().await?;
    Ok(())
}

/// Checks the TOTP code of a user whose password was accepted ([`LoginOutcome::SecondFactor`]).
/// A wrong code counts as a failed sign-in (the 5th in a row locks the account); every attempt
/// is audited (`login`, detail `second factor`). Returns `Ok`, `Failed`, `Locked`, or
/// `Disabled` for an account disabled since its password was accepted.
pub async fn verify<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    now: Now,
    user_id: Uuid,
    code: &str,
    address: &str,
) -> ServiceResult<LoginOutcome> {
    let Some(user) = app_user::Entity::find_by_id(user_id).one(db).await? else {
        return Ok(LoginOutcome::Failed);
    };
    let who = Who {
        user_id: Some(user.id),
        username: user.username.clone(),
        unit: user.division_code.clone(),
        address: address.to_string(),
    };
    let entry = |outcome: Outcome, detail: &str| Entry {
        action: "login".into(),
        object_type: Some("user"),
        object_id: Some(user.username.clone()),
        outcome,
        detail: Some(detail.to_string()),
    };
    if let Some(until) = user.locked_until
        && until > now.instant
    {
        audit::record(db, &who, now, entry(Outcome::Denied, "second factor; locked")).await?;
        return Ok(LoginOutcome::Locked { until });
    }
    if user.disabled_at.is_some() {
        // Disabled between the password and the code.
        audit::record(db, &who, now, entry(Outcome::Denied, "second factor; disabled")).await?;
        return Ok(LoginOutcome::Disabled);
    }
    let secret = match (&user.totp_secret, user.totp_enabled) {
        (Some(s), true) => vault.open("app_user", "totp_secret", &user.id.to_string(), s)?,
        _ => return Err(ServiceError::Data(format!("user {} has no second factor", user.id))),
    };
    let t = totp(&secret, &user.username)?;
    match accepted_step(&t, code, now.instant.timestamp(), user.totp_last_step) {
        Some(step) => {
            if let Some(until) = crate::service::users::clear_failures(db, user.id, now, Some(step)).await? {
                // A parallel wrong code locked the account after it was read: the lock holds.
                audit::record(db, &who, now, entry(Outcome::Denied, "second factor; locked")).await?;
                return Ok(LoginOutcome::Locked { until });
            }
            audit::record(db, &who, now, entry(Outcome::Ok, "second factor")).await?;
            crate::service::users::signed_in(db, user, address).await
        }
        None => {
            let locked_until = crate::service::users::count_failure(db, &user, now, false).await?;
            audit::record(db, &who, now, entry(Outcome::Failed, "second factor: wrong code")).await?;
            Ok(match locked_until {
                Some(until) => LoginOutcome::Locked { until },
                None => LoginOutcome::Failed,
            })
        }
    }
}

/// Whether the user has a second factor set up.
pub async fn enabled<C: ConnectionTrait>(db: &C, user_id: Uuid) -> ServiceResult<bool> {
    Ok(app_user::Entity::find_by_id(user_id).one(db).await?.is_some_and(|u| u.totp_enabled))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// RFC 6238 appendix B, SHA-1, secret "12345678901234567890": at 59 s the 8-digit code is
    /// 94287082, so the 6-digit code is 287082; at 1111111109 s it is (0)7081804 → 081804.
    #[test]
    fn codes_match_rfc_6238_test_vectors() {
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        assert_eq!(code_at(&secret, 59).unwrap(), "287082");
        assert_eq!(code_at(&secret, 1_111_111_109).unwrap(), "081804");
    }

    #[test]
    fn a_code_is_accepted_once_and_within_one_step() {
        let secret = new_secret();
        let t = totp(&secret, "admin").unwrap();
        let now = 1_800_000_000;
        let code = code_at(&secret, now).unwrap();
        let step = now / 30;
        assert_eq!(accepted_step(&t, &code, now, None), Some(step));
        assert_eq!(accepted_step(&t, &code, now + 30, None), Some(step), "one step late is fine");
        assert_eq!(accepted_step(&t, &code, now + 90, None), None, "three steps late is not");
        assert_eq!(accepted_step(&t, &code, now, Some(step)), None, "no replay");
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(accepted_step(&t, &spaced, now, None), Some(step), "'123 456' as apps show it");
        assert_eq!(accepted_step(&t, "12345", now, None), None);
        assert_eq!(accepted_step(&t, "abcdef", now, None), None);
    }
}
