//! Accounts: creation with an argon2id password hash, and sign-in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};
use jindu_domain::access::default_profile;
use jindu_domain::message::Message;
use jindu_domain::{DivisionCode, Role, RoleProfile, clock::Now};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::app_user;
use crate::service::{Actor, FieldError, ServiceError, ServiceResult};

/// Setting listing the role codes that must use a second factor (comma-separated).
pub const TOTP_ROLES_KEY: &str = "security.totp_roles";
/// Default of [`TOTP_ROLES_KEY`].
pub const DEFAULT_TOTP_ROLES: &str = "system_admin";
/// True when `role` must sign in with a second factor (setting [`TOTP_ROLES_KEY`]; 等保2.0 三级:
/// administrators by default).
pub async fn required<C: ConnectionTrait>(db: &C, role: Role) -> ServiceResult<bool> {
    let roles =
        crate::service::deployment::get_setting(db, TOTP_ROLES_KEY).await?.unwrap_or_else(|| DEFAULT_TOTP_ROLES.into());
    Ok(roles.split(',').any(|r| r.trim() == role.as_code()))
}

/// Setting key prefix of an edited role profile (`role.office` → JSON of `RoleProfile`).
pub const ROLE_SETTING_PREFIX: &str = "role.";

/// The profile in force for `role`: the administrator's edit if any, else the shipped default.
pub async fn role_profile<C: ConnectionTrait>(db: &C, role: Role) -> ServiceResult<RoleProfile> {
    let key = format!("{ROLE_SETTING_PREFIX}{}", role.as_code());
    match crate::service::deployment::get_setting(db, &key).await? {
        Some(json) => serde_json::from_str(&json).map_err(|e| ServiceError::Data(format!("{key}: {e}"))),
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
    /// The member unit (`member_unit.code`, e.g. `430405U03`) of a 成员单位 account: required for
    /// that role, refused for any other ([`check_member_unit`]).
    pub member_unit: Option<String>,
}

/// Checks the member unit of an account of `role` over `division`: a 成员单位 account needs one
/// (`member_unit`, a registered member unit) and sits at the unit's district (`division` must be
/// it); any other role has none. Returns the unit's code to store (`None` for other roles).
///
/// # Errors
/// The problems, each naming its field: `member_unit` (`msg.user.member_unit_required`,
/// `msg.user.member_unit_unknown`, `msg.user.member_unit_role`) or `division`
/// (`msg.user.member_unit_division`, naming the unit's district).
pub async fn check_member_unit<C: ConnectionTrait>(
    db: &C,
    role: Option<Role>,
    member_unit: Option<&str>,
    division: DivisionCode,
) -> ServiceResult<Result<Option<String>, Vec<FieldError>>> {
    use crate::service::units::{self, UnitKind};
    let typed = member_unit.map(str::trim).filter(|c| !c.is_empty());
    if role != Some(Role::MemberUnit) {
        return Ok(match typed {
            Some(_) => Err(vec![FieldError::of("member_unit", Message::new("msg.user.member_unit_role"))]),
            None => Ok(None),
        });
    }
    let Some(code) = typed else {
        return Ok(Err(vec![FieldError::of("member_unit", Message::new("msg.user.member_unit_required"))]));
    };
    let unit = units::by_code(db, code).await?.filter(|u| u.kind == UnitKind::MemberUnit);
    let Some(unit) = unit else {
        return Ok(Err(vec![FieldError::of(
            "member_unit",
            Message::new("msg.user.member_unit_unknown").text("code", code.chars().take(40).collect::<String>()),
        )]));
    };
    if unit.division != division {
        let district = unit.name_path.rsplit_once('/').map_or(unit.name_path.as_str(), |(d, _)| d).to_string();
        return Ok(Err(vec![FieldError::of(
            "division",
            Message::new("msg.user.member_unit_division").text("unit", &unit.name).text("district", district),
        )]));
    }
    Ok(Ok(Some(unit.code)))
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
        return Err(FieldError::of("password", Message::new("msg.password.policy")));
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
    // User names are case-insensitive: stored and looked up in lower case (SG01 = sg01).
    let username = input.username.trim().to_lowercase();
    let mut errors = Vec::new();
    if let Err(e) = jindu_domain::event::validate_name("display_name", &input.display_name) {
        errors.push(e.into());
    }
    if username.is_empty()
        || username.chars().count() > 32
        || !username.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
    {
        errors.push(FieldError::of("username", Message::new("msg.username.format")));
    } else if app_user::Entity::find().filter(app_user::Column::Username.eq(&username)).one(db).await?.is_some() {
        errors.push(FieldError::of("username", Message::new("msg.username.taken")));
    }
    let codes: Vec<&str> = Role::ALL.iter().map(|r| r.as_code()).collect();
    if Role::from_code(input.role.trim()).is_none() {
        errors.push(FieldError::of(
            "role",
            Message::new("msg.role.unknown").text("role", &input.role).label(
                "roles",
                codes.join("、"),
                codes.join(", "),
            ),
        ));
    }
    let member_unit =
        match check_member_unit(db, Role::from_code(input.role.trim()), input.member_unit.as_deref(), input.division)
            .await?
        {
            Ok(code) => code,
            Err(e) => {
                errors.extend(e);
                None
            }
        };
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
        password_changed_at: Set(Some(now.instant)),
        member_unit_code: Set(member_unit),
        enterprise_id: Set(None),
        ..app_user::ActiveModel::new_account()
    })
    .exec(db)
    .await?;
    if input.role.trim() == Role::SocialWorker.as_code() {
        // Social workers count in the indicators (ratio and gap, 30:1).
        crate::service::indicators::add_structure(
            db,
            &input.division.to_string(),
            jindu_domain::indicator::CellKey::SocialWorkers,
            now.today,
        )
        .await?;
    }
    Ok(id)
}

async fn to_actor<C: ConnectionTrait>(db: &C, m: app_user::Model) -> ServiceResult<Actor> {
    let scope = DivisionCode::parse(&m.division_code)
        .map_err(|_| ServiceError::Data(format!("user division {}", m.division_code)))?;
    let role = Role::from_code(&m.role).ok_or_else(|| ServiceError::Data(format!("user role {}", m.role)))?;
    let profile = role_profile(db, role).await?;
    let sessions_end = sessions_end(&m);
    Ok(Actor {
        user_id: m.id,
        username: m.username,
        display_name: m.display_name,
        role,
        profile,
        scope,
        address: String::new(),
        credentials_changed_at: sessions_end,
        member_unit: if role == Role::MemberUnit { m.member_unit_code } else { None },
        enterprise: if role == Role::Enterprise { m.enterprise_id } else { None },
    })
}

/// The instant before which every session of `user` has ended: the later of its last password
/// (or second-factor) change and its last change of status, role or unit.
pub(crate) fn sessions_end(user: &app_user::Model) -> Option<chrono::DateTime<chrono::Utc>> {
    user.password_changed_at.max(user.sessions_ended_at)
}

/// The account named `username`, case and surrounding spaces ignored (names are stored trimmed
/// and in lower case).
pub(crate) async fn find_by_username<C: ConnectionTrait>(
    db: &C,
    username: &str,
) -> Result<Option<app_user::Model>, sea_orm::DbErr> {
    app_user::Entity::find().filter(app_user::Column::Username.eq(username.trim().to_lowercase())).one(db).await
}

/// Checks a username and password. `Ok(None)` for an unknown user, a wrong password, an
/// account without a password or a disabled account (the caller shows one message for all).
pub async fn authenticate<C: ConnectionTrait>(db: &C, username: &str, password: &str) -> ServiceResult<Option<Actor>> {
    let Some(user) = find_by_username(db, username).await? else {
        // The same argon2 work as a real check, so that timing does not reveal accounts.
        verify_password(password, None)?;
        return Ok(None);
    };
    if !verify_password(password, user.password_hash.as_deref())? || user.disabled_at.is_some() {
        return Ok(None);
    }
    Ok(Some(to_actor(db, user).await?))
}

/// The actor for a user id (from a session), or `None` if the account is gone or disabled (its
/// session then ends).
pub async fn actor<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<Option<Actor>> {
    match app_user::Entity::find_by_id(id).one(db).await? {
        Some(u) if u.disabled_at.is_none() => Ok(Some(to_actor(db, u).await?)),
        _ => Ok(None),
    }
}

/// The actor of the account `username` (case and surrounding spaces ignored), or `None` when
/// there is none: the CLI's `--username`.
///
/// # Errors
/// `Invalid` naming `username` (`msg.login.disabled`) for a disabled account; store errors.
pub async fn actor_by_username<C: ConnectionTrait>(db: &C, username: &str) -> ServiceResult<Option<Actor>> {
    match find_by_username(db, username).await? {
        Some(u) if u.disabled_at.is_some() => {
            Err(FieldError::of("username", Message::new("msg.login.disabled")).into())
        }
        Some(u) => Ok(Some(to_actor(db, u).await?)),
        None => Ok(None),
    }
}

/// Enabled social workers whose unit lies inside `scope`, as (id, display name, division code):
/// whom a person may be assigned to.
pub async fn social_workers<C: ConnectionTrait>(
    db: &C,
    scope: &DivisionCode,
) -> ServiceResult<Vec<(Uuid, String, String)>> {
    let (lo, hi) = crate::service::scope_bounds(scope);
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DisabledAt.is_null())
        .filter(app_user::Column::DivisionCode.between(lo, hi))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name, u.division_code))
        .collect())
}

/// Failed sign-ins in a row that lock an account (等保2.0; local default, configurable).
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a locked account stays locked (minutes; local default, configurable).
pub const LOCKOUT_MINUTES: i64 = 15;

/// The result of a sign-in attempt.
#[derive(Debug, Clone)]
pub enum LoginOutcome {
    /// Signed in. `must_change_password`: the initial password must be changed first;
    /// `must_enrol_totp`: the role requires a second factor the user has not set up yet.
    Ok { actor: Box<Actor>, must_change_password: bool, must_enrol_totp: bool },
    /// The password is right and the account has a second factor: ask for the TOTP code
    /// (see [`crate::service::second_factor::verify`]) before signing in.
    SecondFactor { user_id: Uuid },
    /// Wrong user name or password (one message for both).
    Failed,
    /// Too many failures: refused until this instant, even with the right password.
    Locked { until: chrono::DateTime<chrono::Utc> },
    /// The password is right but the account is disabled (停用): refused. Told only to whoever
    /// knows the password; a wrong password on a disabled account answers `Failed` or `Locked`
    /// exactly as on any other, so the answer reveals nothing to a guesser.
    Disabled,
}

/// Signs a user in: checks the password (argon2id), the lockout and counts failures (the 5th
/// in a row locks the account for 15 minutes), and audits every attempt with the client
/// `address`.
///
/// A name with no account is answered exactly as an account is (issue #20): the same argon2
/// work is done (against a fixed hash), its failures are counted in `sign_in_throttle` and lock
/// it after as many, so neither the answer nor its time tells whether an account exists.
/// Failures are counted by the database (`failed_logins + 1`), never written back as a value
/// read earlier, so parallel attempts cannot undo each other; a right password signs in only if
/// no lock was set meanwhile. A disabled account answers a wrong password as any account does
/// (counted, locked at the 5th) and the right one with [`LoginOutcome::Disabled`] (audited
/// `login`, denied, `disabled`), before any second factor is asked.
pub async fn login<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: Now,
    username: &str,
    password: &str,
    address: &str,
) -> ServiceResult<LoginOutcome> {
    use crate::service::audit::{self, Entry, Outcome, Who};
    let username = &username.trim().to_lowercase();
    let typed: String = username.chars().take(64).collect();
    let who = |user_id: Option<Uuid>, unit: &str| Who {
        user_id,
        username: typed.clone(),
        unit: unit.to_string(),
        address: address.to_string(),
    };
    let entry = |outcome: Outcome, detail: &str| Entry {
        action: "login".into(),
        object_type: Some("user"),
        object_id: Some(typed.clone()),
        outcome,
        detail: Some(detail.to_string()),
    };
    let Some(user) = app_user::Entity::find().filter(app_user::Column::Username.eq(username)).one(db).await? else {
        verify_password(password, None)?;
        return Ok(match unknown_name_failure(db, &typed, now).await? {
            Some(until) => {
                audit::record(db, &who(None, ""), now, entry(Outcome::Denied, "unknown user; locked")).await?;
                LoginOutcome::Locked { until }
            }
            None => {
                audit::record(db, &who(None, ""), now, entry(Outcome::Failed, "unknown user")).await?;
                LoginOutcome::Failed
            }
        });
    };
    let verified = verify_password(password, user.password_hash.as_deref())?;
    if let Some(until) = user.locked_until
        && until > now.instant
    {
        audit::record(db, &who(Some(user.id), &user.division_code), now, entry(Outcome::Denied, "locked")).await?;
        return Ok(LoginOutcome::Locked { until });
    }
    if !verified {
        let locked_until = count_failure(db, &user, now, false).await?;
        let detail = if locked_until.is_some() { "wrong password; account locked" } else { "wrong password" };
        audit::record(db, &who(Some(user.id), &user.division_code), now, entry(Outcome::Failed, detail)).await?;
        return Ok(match locked_until {
            Some(until) => LoginOutcome::Locked { until },
            None => LoginOutcome::Failed,
        });
    }
    if user.disabled_at.is_some() {
        audit::record(db, &who(Some(user.id), &user.division_code), now, entry(Outcome::Denied, "disabled")).await?;
        return Ok(LoginOutcome::Disabled);
    }
    if let Some(until) = clear_failures(db, user.id, now, None).await? {
        // A parallel attempt locked the account after it was read: the lock holds.
        audit::record(db, &who(Some(user.id), &user.division_code), now, entry(Outcome::Denied, "locked")).await?;
        return Ok(LoginOutcome::Locked { until });
    }
    if user.totp_enabled {
        audit::record(
            db,
            &who(Some(user.id), &user.division_code),
            now,
            entry(Outcome::Ok, "password; second factor pending"),
        )
        .await?;
        return Ok(LoginOutcome::SecondFactor { user_id: user.id });
    }
    audit::record(db, &who(Some(user.id), &user.division_code), now, entry(Outcome::Ok, "password")).await?;
    signed_in(db, user, address).await
}

/// Whether `password` matches the argon2id PHC string `hash`. Always does one argon2
/// verification: with no hash (no account, or an account that cannot sign in) it verifies
/// against a fixed hash and answers `false`, so every answer costs the same time.
/// Errors: `Data` for a stored hash that is not a PHC string.
pub(crate) fn verify_password(password: &str, hash: Option<&str>) -> ServiceResult<bool> {
    static STAND_IN: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => {
            let stand_in = match STAND_IN.get() {
                Some(h) => h,
                None => {
                    let h = hash_password("jindu stand-in: no account has this password")?;
                    STAND_IN.get_or_init(|| h)
                }
            };
            (stand_in.as_str(), false)
        }
    };
    let parsed = PasswordHash::new(hash).map_err(|e| ServiceError::Data(format!("hash: {e}")))?;
    Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok() && real)
}

/// Ends a run of failures after a right password (or second-factor code): the count restarts,
/// an expired lock is cleared, and `totp_step` (the accepted code's time step) is kept. Done
/// only while no lock holds, in one statement: if a parallel attempt locked the account after it
/// was read, nothing changes and the lock's end is returned (the sign-in must be refused).
pub(crate) async fn clear_failures<C: ConnectionTrait>(
    db: &C,
    user_id: Uuid,
    now: Now,
    totp_step: Option<i64>,
) -> ServiceResult<Option<chrono::DateTime<chrono::Utc>>> {
    use sea_orm::sea_query::{Condition, Expr};
    let mut q = app_user::Entity::update_many()
        .col_expr(app_user::Column::FailedLogins, Expr::value(0))
        .col_expr(app_user::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
        .filter(app_user::Column::Id.eq(user_id))
        .filter(
            Condition::any()
                .add(app_user::Column::LockedUntil.is_null())
                .add(app_user::Column::LockedUntil.lte(now.instant)),
        );
    if let Some(step) = totp_step {
        q = q.col_expr(app_user::Column::TotpLastStep, Expr::value(Some(step)));
    }
    if q.exec(db).await?.rows_affected > 0 {
        return Ok(None);
    }
    let user = app_user::Entity::find_by_id(user_id).one(db).await?.ok_or(ServiceError::NotFound("user"))?;
    Ok(Some(user.locked_until.unwrap_or(now.instant)))
}

/// Counts one failed proof of identity (wrong password, wrong TOTP code, wrong current password)
/// against `user`: the [`MAX_FAILED_LOGINS`]th in a row locks the account for
/// [`LOCKOUT_MINUTES`] minutes and restarts the count. With `end_sessions`, a lock also ends the
/// account's open sessions (the failure came from inside a session). Returns the lock's end
/// when the account is locked after this failure (by it, or by a parallel one).
///
/// One statement counts and locks ([`count_in`]), so parallel failures all count, the account
/// locks at exactly the [`MAX_FAILED_LOGINS`]th and a failure never clears a lock.
pub(crate) async fn count_failure<C: ConnectionTrait>(
    db: &C,
    user: &app_user::Model,
    now: Now,
    end_sessions: bool,
) -> ServiceResult<Option<chrono::DateTime<chrono::Utc>>> {
    let on_lock = end_sessions.then_some(app_user::Column::PasswordChangedAt);
    count_in::<app_user::Entity, _>(
        db,
        app_user::Column::Id.eq(user.id),
        (app_user::Column::FailedLogins, app_user::Column::LockedUntil),
        Marks { on_lock, touched: None },
        now,
    )
    .await?;
    let after = app_user::Entity::find_by_id(user.id).one(db).await?;
    Ok(after.and_then(|u| u.locked_until).filter(|until| *until > now.instant))
}

/// Counts a failed sign-in under `name`, which has no account, exactly as [`count_failure`]
/// counts an account's; rows untouched for a day are removed on the way, so names sprayed by a
/// guesser do not pile up. Returns the end of the lock that holds the name after it, if any.
async fn unknown_name_failure<C: ConnectionTrait>(
    db: &C,
    name: &str,
    now: Now,
) -> ServiceResult<Option<chrono::DateTime<chrono::Utc>>> {
    use crate::entities::sign_in_throttle as throttle;
    use sea_orm::sea_query::OnConflict;
    throttle::Entity::delete_many()
        .filter(throttle::Column::UpdatedAt.lt(now.instant - chrono::Duration::days(1)))
        .exec(db)
        .await?;
    throttle::Entity::insert(throttle::ActiveModel {
        username: Set(name.to_string()),
        failed_logins: Set(0),
        locked_until: Set(None),
        updated_at: Set(now.instant),
    })
    .on_conflict(OnConflict::column(throttle::Column::Username).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    count_in::<throttle::Entity, _>(
        db,
        throttle::Column::Username.eq(name),
        (throttle::Column::FailedLogins, throttle::Column::LockedUntil),
        Marks { on_lock: None, touched: Some(throttle::Column::UpdatedAt) },
        now,
    )
    .await?;
    let after = throttle::Entity::find_by_id(name.to_string()).one(db).await?;
    Ok(after.and_then(|r| r.locked_until).filter(|until| *until > now.instant))
}

/// The one statement that counts a failure in the row `row` of `E`, whose columns are
/// `(failed, locked)` = (consecutive failures, locked until): unless a lock holds, `failed`
/// goes up by one in the database; the [`MAX_FAILED_LOGINS`]th sets `locked` to now +
/// [`LOCKOUT_MINUTES`] and `failed` back to 0; `marks` are set to now as they say. A row that
/// is locked is left as it is.
async fn count_in<E: EntityTrait, C: ConnectionTrait>(
    db: &C,
    row: sea_orm::sea_query::Expr,
    (failed, locked): (E::Column, E::Column),
    marks: Marks<E::Column>,
    now: Now,
) -> ServiceResult<()> {
    use sea_orm::sea_query::{CaseStatement, Condition, Expr, ExprTrait};
    let until = now.instant + chrono::Duration::minutes(LOCKOUT_MINUTES);
    let reaches = || Expr::col(failed).add(1).gte(MAX_FAILED_LOGINS);
    let on_reaching =
        |then: Expr, otherwise: Expr| -> Expr { CaseStatement::new().case(reaches(), then).finally(otherwise).into() };
    let mut q = E::update_many()
        .col_expr(failed, on_reaching(Expr::value(0), Expr::col(failed).add(1)))
        .col_expr(locked, on_reaching(Expr::value(Some(until)), Expr::col(locked)))
        .filter(row)
        .filter(Condition::any().add(Expr::col(locked).is_null()).add(Expr::col(locked).lte(now.instant)));
    if let Some(column) = marks.on_lock {
        q = q.col_expr(column, on_reaching(Expr::value(Some(now.instant)), Expr::col(column)));
    }
    if let Some(column) = marks.touched {
        q = q.col_expr(column, Expr::value(now.instant));
    }
    q.exec(db).await?;
    Ok(())
}

/// Columns [`count_in`] sets to the clock reading: `on_lock` when the failure locks (an
/// account's `password_changed_at`, which ends its sessions), `touched` on every counted failure.
struct Marks<Column> {
    on_lock: Option<Column>,
    touched: Option<Column>,
}

/// The outcome of a completed sign-in of `user`.
pub(crate) async fn signed_in<C: ConnectionTrait>(
    db: &C,
    user: app_user::Model,
    address: &str,
) -> ServiceResult<LoginOutcome> {
    let must_change_password = user.must_change_password;
    let enrolled = user.totp_enabled;
    let mut actor = to_actor(db, user).await?;
    actor.address = address.to_string();
    let must_enrol_totp = !enrolled && required(db, actor.role).await?;
    Ok(LoginOutcome::Ok { actor: Box::new(actor), must_change_password, must_enrol_totp })
}

/// Changes the signed-in user's password after checking the current one and the policy;
/// clears the forced-change flag. Audited. Errors name the field (`current`, `password`,
/// `confirm`).
pub async fn change_password<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    current: &str,
    new: &str,
    confirm: &str,
) -> ServiceResult<()> {
    use crate::service::audit::{self, Entry, Who};
    let user = app_user::Entity::find_by_id(actor.user_id).one(db).await?.ok_or(ServiceError::NotFound("user"))?;
    let ok = verify_password(current, user.password_hash.as_deref()).unwrap_or(false);
    let mut errors = Vec::new();
    if !ok {
        // A wrong current password counts as a failed sign-in: five in a row lock the account
        // (and so end this session), so a left-open session cannot be used to guess it.
        let locked_until = count_failure(db, &user, now, true).await?;
        let entry = Entry {
            action: "user.password".into(),
            object_type: Some("user"),
            object_id: Some(user.id.to_string()),
            outcome: audit::Outcome::Failed,
            detail: Some(
                if locked_until.is_some() {
                    "wrong current password; account locked"
                } else {
                    "wrong current password"
                }
                .into(),
            ),
        };
        audit::record(db, &Who::actor(actor), now, entry).await?;
        errors.push(FieldError::of("current", Message::new("msg.password.current")));
    }
    if let Err(e) = check_password_policy(new) {
        errors.push(e);
    } else if new != confirm {
        errors.push(FieldError::of("confirm", Message::new("msg.password.confirm")));
    } else if new == current {
        errors.push(FieldError::of("password", Message::new("msg.password.same")));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let hash = hash_password(new)?;
    let txn = crate::service::UnitOfWork::begin_checked(db, actor, now).await?;
    app_user::Entity::update_many()
        .col_expr(app_user::Column::PasswordHash, sea_orm::sea_query::Expr::value(Some(hash)))
        .col_expr(app_user::Column::MustChangePassword, sea_orm::sea_query::Expr::value(false))
        .col_expr(app_user::Column::PasswordChangedAt, sea_orm::sea_query::Expr::value(Some(now.instant)))
        .filter(app_user::Column::Id.eq(actor.user_id))
        .exec(&txn)
        .await?;
    txn.audit(Entry::ok("user.password", "user", actor.user_id)).await?;
    txn.commit().await?;
    Ok(())
}

/// True when the user must change the initial password before doing anything else.
pub async fn must_change_password<C: ConnectionTrait>(db: &C, user_id: Uuid) -> ServiceResult<bool> {
    Ok(app_user::Entity::find_by_id(user_id).one(db).await?.is_some_and(|u| u.must_change_password))
}
