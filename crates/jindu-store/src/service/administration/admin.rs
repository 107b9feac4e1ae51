//! 系统管理 what the system administrator does: accounts (create, unlock, reset password,
//! reset second factor, disable and enable, change of role, unit and member unit), role
//! permissions (within the separation of duties) and security settings (audit retention, roles
//! that need a second factor). Every change is audited.
//!
//! A change of an account's status, role or unit (issue #20 item 6) ends every session of the
//! account at once (`sessions_ended_at`) and revokes its API tokens (each audited
//! `token.revoke`): a token carries the role and division it was made for, so it is made anew
//! for the new ones rather than silently re-scoped. The last enabled system administrator can
//! be neither disabled nor given another role, and no administrator changes their own account.
//! A social worker who still holds persons keeps their role and unit until the persons are
//! reassigned (the sentence says how many): nobody's duties fall out of every caseload.

use jindu_domain::message::Message;
use std::collections::BTreeSet;

use jindu_domain::access::{DeploymentSetting, check_profile, default_profile};
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, Permission, Role, RoleProfile};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use uuid::Uuid;

use crate::entities::{api_token, app_user, division, member_unit, person};
use crate::service::audit::{self, Entry, Who};
use crate::service::users::{self, ROLE_SETTING_PREFIX};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, deployment, scope_bounds, second_factor};

/// One account as the administration page lists it.
#[derive(Debug, Clone)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub division_path: String,
    /// Locked until this instant (in the future), if locked.
    pub locked_until: Option<chrono::DateTime<chrono::Utc>>,
    pub totp: bool,
    pub must_change_password: bool,
    /// The 12-digit code of the unit (the data scope).
    pub division_code: String,
    /// Disabled (已停用) since this instant; `None` when enabled.
    pub disabled_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The member unit of a 成员单位 account: (code, name), e.g. (`430405U03`, `区教育局`).
    pub member_unit: Option<(String, String)>,
}

/// The accounts whose unit lies in the administrator's scope, by role then user name.
/// Needs `ManageUsers`.
pub async fn list_users<C: ConnectionTrait>(db: &C, actor: &Actor, now: Now) -> ServiceResult<Vec<UserRow>> {
    actor.require(Permission::ManageUsers)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let users = app_user::Entity::find()
        .filter(app_user::Column::DivisionCode.between(lo, hi))
        .order_by_asc(app_user::Column::Role)
        .order_by_asc(app_user::Column::Username)
        .all(db)
        .await?;
    let codes: Vec<String> = users.iter().map(|u| u.division_code.clone()).collect();
    let divisions = division::Entity::find().filter(division::Column::Code.is_in(codes)).all(db).await?;
    let unit_codes: Vec<String> = users.iter().filter_map(|u| u.member_unit_code.clone()).collect();
    let units = if unit_codes.is_empty() {
        Vec::new()
    } else {
        member_unit::Entity::find().filter(member_unit::Column::Code.is_in(unit_codes)).all(db).await?
    };
    users
        .into_iter()
        .map(|u| {
            Ok(UserRow {
                role: crate::service::stored("role", &u.role, Role::from_code)?,
                division_path: divisions
                    .iter()
                    .find(|d| d.code == u.division_code)
                    .map(|d| d.name_path.clone())
                    .unwrap_or_else(|| u.division_code.clone()),
                locked_until: u.locked_until.filter(|t| *t > now.instant),
                totp: u.totp_enabled,
                must_change_password: u.must_change_password,
                disabled_at: u.disabled_at,
                member_unit: u.member_unit_code.as_ref().map(|code| {
                    let name = units.iter().find(|m| &m.code == code).map_or_else(|| code.clone(), |m| m.name.clone());
                    (code.clone(), name)
                }),
                division_code: u.division_code,
                id: u.id,
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect()
}

/// The new-account form, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: String,
    /// 12-digit code of the user's unit (its data scope).
    pub division: String,
    /// The member unit (`430405U03`) of a 成员单位 account; blank for every other role.
    pub member_unit: String,
}

/// A generated initial password: 16 random characters from letters, digits (no look-alikes)
/// and `-#%+`, drawn again until it meets the policy (about 96 bits). The user must change it at
/// first sign-in.
pub fn initial_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789-#%+";
    loop {
        let p: String = (0..16).map(|_| CHARS[rand::random_range(0..CHARS.len())] as char).collect();
        let classes = [
            p.chars().any(|c| c.is_ascii_uppercase()),
            p.chars().any(|c| c.is_ascii_lowercase()),
            p.chars().any(|c| c.is_ascii_digit()),
        ];
        if classes.iter().all(|b| *b) && users::check_password_policy(&p).is_ok() {
            return p;
        }
    }
}

/// Creates an account with a generated initial password (returned once, never stored in
/// clear). The unit must lie in the administrator's scope; a 成员单位 account names its member
/// unit ([`users::check_member_unit`]). Needs `ManageUsers`; audited (`user.create`, detail the
/// role, and the member unit if any). Errors: `Invalid` naming `username`, `display_name`,
/// `role`, `division`, `member_unit`.
pub async fn create_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    input: &NewAccount,
) -> ServiceResult<(Uuid, String)> {
    actor.require(Permission::ManageUsers)?;
    let mut errors = Vec::new();
    if input.display_name.trim().is_empty() {
        errors.push(jindu_domain::DomainError::Required { field: "display_name" }.into());
    }
    let division = division_in_scope(db, actor, &input.division, &mut errors).await?;
    let (Some(division), true) = (division, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let password = initial_password();
    let id = users::add(
        db,
        now,
        users::NewUser {
            username: input.username.clone(),
            display_name: input.display_name.clone(),
            password: Some(password.clone()),
            role: input.role.clone(),
            division,
            workstation_id: None,
            must_change_password: true,
            member_unit: Some(input.member_unit.clone()),
        },
    )
    .await?;
    let unit = input.member_unit.trim();
    let detail = if unit.is_empty() {
        input.role.trim().to_string()
    } else {
        format!("{}; member unit {unit}", input.role.trim())
    };
    audit::record(db, &Who::actor(actor), now, Entry::ok("user.create", "user", id).with_detail(detail)).await?;
    Ok((id, password))
}

/// What the administrator does to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserAction {
    /// Lift a lockout.
    Unlock,
    /// A new generated initial password, to be changed at the next sign-in.
    ResetPassword,
    /// Remove the second factor (a lost phone); a role that needs one sets it up again.
    ResetTotp,
    /// 停用: the account can no longer sign in, its sessions end and its API tokens are revoked.
    Disable,
    /// 启用: a disabled account may sign in again (with new API tokens).
    Enable,
}

impl UserAction {
    fn parse(code: &str) -> Result<UserAction, FieldError> {
        match code.trim() {
            "unlock" => Ok(UserAction::Unlock),
            "reset_password" => Ok(UserAction::ResetPassword),
            "reset_totp" => Ok(UserAction::ResetTotp),
            "disable" => Ok(UserAction::Disable),
            "enable" => Ok(UserAction::Enable),
            other => Err(jindu_domain::DomainError::InvalidChoice {
                field: "action",
                input: other.chars().take(40).collect(),
            }
            .into()),
        }
    }

    fn code(self) -> &'static str {
        match self {
            UserAction::Unlock => "user.unlock",
            UserAction::ResetPassword => "user.reset_password",
            UserAction::ResetTotp => "user.reset_totp",
            UserAction::Disable => "user.disable",
            UserAction::Enable => "user.enable",
        }
    }
}

/// Applies `action` (`unlock`, `reset_password`, `reset_totp`, `disable`, `enable`) to account
/// `id` in scope; never to one's own account (another administrator must do it). Returns the
/// new initial password for `reset_password`. Needs `ManageUsers`; audited (`user.unlock`, …,
/// `user.disable` and `user.enable` with detail `name: enabled → disabled` and the reverse).
/// Disabling ends the account's sessions, revokes its API tokens and takes a social worker out
/// of the count of social workers (enabling puts them back). Errors: `NotFound` outside scope,
/// `Invalid` naming `action` for an unknown action, one's own account, disabling the last
/// enabled system administrator, disabling a disabled account or enabling an enabled one.
pub async fn user_action<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    action: &str,
) -> ServiceResult<Option<String>> {
    actor.require(Permission::ManageUsers)?;
    let action = UserAction::parse(action)?;
    let user = match app_user::Entity::find_by_id(id).one(db).await? {
        Some(u) if actor.sees(&u.division_code) => u,
        _ => return Err(ServiceError::NotFound("user")),
    };
    if user.id == actor.user_id {
        return Err(FieldError::of("action", Message::new("msg.user.self")).into());
    }
    let mut password = None;
    let mut detail = user.username.clone();
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageUsers).await?;
    let q = app_user::Entity::update_many().filter(app_user::Column::Id.eq(id));
    match action {
        UserAction::Disable => {
            if user.disabled_at.is_some() {
                return Err(FieldError::of("action", Message::new("msg.user.already_disabled")).into());
            }
            if user.role == Role::SystemAdmin.as_code() && other_enabled_admins(&txn, id).await? == 0 {
                return Err(FieldError::of("action", Message::new("msg.user.last_admin")).into());
            }
            q.col_expr(app_user::Column::DisabledAt, Expr::value(Some(now.instant)))
                .col_expr(app_user::Column::SessionsEndedAt, Expr::value(Some(now.instant)))
                .exec(&txn)
                .await?;
            if user.role == Role::SocialWorker.as_code() {
                count_social_worker(&txn, &user.division_code, now, -1).await?;
            }
            detail = format!("{}: enabled → disabled", user.username);
        }
        UserAction::Enable => {
            if user.disabled_at.is_none() {
                return Err(FieldError::of("action", Message::new("msg.user.not_disabled")).into());
            }
            q.col_expr(app_user::Column::DisabledAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
                .exec(&txn)
                .await?;
            if user.role == Role::SocialWorker.as_code() {
                count_social_worker(&txn, &user.division_code, now, 1).await?;
            }
            detail = format!("{}: disabled → enabled", user.username);
        }
        UserAction::Unlock => {
            q.col_expr(app_user::Column::FailedLogins, Expr::value(0))
                .col_expr(app_user::Column::LockedUntil, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
                .exec(&txn)
                .await?;
        }
        UserAction::ResetPassword => {
            let p = initial_password();
            q.col_expr(app_user::Column::PasswordHash, Expr::value(Some(users::hash_password(&p)?)))
                .col_expr(app_user::Column::MustChangePassword, Expr::value(true))
                .col_expr(app_user::Column::PasswordChangedAt, Expr::value(Some(now.instant)))
                .exec(&txn)
                .await?;
            password = Some(p);
        }
        UserAction::ResetTotp => {
            // A credential change: the account's open sessions end.
            q.col_expr(app_user::Column::TotpSecret, Expr::value(Option::<String>::None))
                .col_expr(app_user::Column::TotpEnabled, Expr::value(false))
                .col_expr(app_user::Column::PasswordChangedAt, Expr::value(Some(now.instant)))
                .exec(&txn)
                .await?;
        }
    }
    txn.audit(Entry::ok(action.code(), "user", id).with_detail(detail)).await?;
    if action == UserAction::Disable {
        revoke_tokens(&txn, id, now, "account disabled").await?;
    }
    txn.commit().await?;
    Ok(password)
}

/// The enabled system administrators other than `id`, counted with their rows locked until the
/// transaction ends (PostgreSQL `FOR UPDATE`; SQLite has one writer anyway), so two
/// administrators disabling each other at once cannot leave none.
async fn other_enabled_admins<C: ConnectionTrait>(db: &C, id: Uuid) -> ServiceResult<usize> {
    use sea_orm::QuerySelect;
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SystemAdmin.as_code()))
        .filter(app_user::Column::DisabledAt.is_null())
        .lock_exclusive()
        .all(db)
        .await?
        .into_iter()
        .filter(|u| u.id != id)
        .count())
}

/// Revokes every API token of `user_id` still in force at `now`, one audit record `token.revoke`
/// each (detail: `reason`), in the caller's unit of work. Returns how many.
async fn revoke_tokens<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    user_id: Uuid,
    now: Now,
    reason: &str,
) -> ServiceResult<usize> {
    let live = api_token::Entity::find()
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .filter(api_token::Column::ExpiresAt.gt(now.instant))
        .all(txn)
        .await?;
    for t in &live {
        api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now.instant)))
            .filter(api_token::Column::Id.eq(t.id))
            .exec(txn)
            .await?;
        txn.audit(Entry::ok("token.revoke", "api_token", t.id).with_detail(format!("{}; {reason}", t.name))).await?;
    }
    Ok(live.len())
}

/// Adds `delta` (+1, −1) social workers to the indicator cells of the town of `division` in the
/// month of `now` (the ratio of persons to social workers, 30:1).
async fn count_social_worker<C: ConnectionTrait>(db: &C, division: &str, now: Now, delta: i64) -> ServiceResult<()> {
    let mut c = jindu_domain::indicator::Contribution::new();
    c.add(jindu_domain::indicator::CellKey::SocialWorkers, jindu_domain::indicator::Month::of(now.today), delta);
    crate::service::indicators::apply_structure(db, division, &c).await
}

/// The account form of an edit, as typed: the role code, the 12-digit unit code and, for a
/// 成员单位 account, its member unit code.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AccountEdit {
    pub role: String,
    pub division: String,
    pub member_unit: String,
}

/// One account with what its edit form shows: the row of the list and the choices.
#[derive(Debug, Clone)]
pub struct AccountDetail {
    pub row: UserRow,
    /// Persons (not sealed, not deceased) a social worker still holds; 0 for other roles.
    pub caseload: u64,
}

/// The account `id` in the administrator's scope, for its edit page. Needs `ManageUsers`.
///
/// # Errors
/// Forbidden; `NotFound` outside scope or unknown.
pub async fn account<C: ConnectionTrait>(db: &C, actor: &Actor, now: Now, id: Uuid) -> ServiceResult<AccountDetail> {
    let row =
        list_users(db, actor, now).await?.into_iter().find(|u| u.id == id).ok_or(ServiceError::NotFound("user"))?;
    let caseload = if row.role == Role::SocialWorker { held_persons(db, id, None).await? } else { 0 };
    Ok(AccountDetail { row, caseload })
}

/// The persons (not sealed, not deceased) assigned to social worker `id`, all of them or only
/// those outside the division prefix `outside`.
async fn held_persons<C: ConnectionTrait>(db: &C, id: Uuid, outside: Option<&str>) -> ServiceResult<u64> {
    use sea_orm::PaginatorTrait;
    let mut q = person::Entity::find()
        .filter(person::Column::SocialWorkerId.eq(id))
        .filter(person::Column::SealedOn.is_null())
        .filter(person::Column::ControlStatus.ne(jindu_domain::ControlStatus::Deceased.as_code()));
    if let Some(prefix) = outside {
        q = q.filter(person::Column::DivisionCode.not_like(format!("{prefix}%")));
    }
    Ok(q.count(db).await?)
}

/// What [`edit_user`] changed: (action, old, new) per attribute changed, and the API tokens
/// revoked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    pub changed: Vec<(&'static str, String, String)>,
    pub tokens_revoked: usize,
}

/// Changes the role, the unit (data scope) and the member unit of account `id` in the
/// administrator's scope; never one's own. Every attribute changed is audited with its old and
/// new value (`user.role` `zg09: town_officer → office`, `user.division`, `user.member_unit`,
/// `none` for no unit), the account's sessions end at once (so the new scope applies at its next
/// request), its API tokens are revoked, and the count of social workers follows the role and
/// town. Nothing changed: nothing written. Needs `ManageUsers`.
///
/// # Errors
/// Forbidden; `NotFound` outside scope; `Invalid` (nothing stored) naming `role` (unknown, one's
/// own account, the last enabled system administrator, a social worker who still holds persons:
/// the sentence says how many), `division` (not a division in scope, or not the member unit's
/// district; a social worker's persons outside the new unit) or `member_unit`.
pub async fn edit_user<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    input: &AccountEdit,
) -> ServiceResult<AccountChanges> {
    actor.require(Permission::ManageUsers)?;
    let user = match app_user::Entity::find_by_id(id).one(db).await? {
        Some(u) if actor.sees(&u.division_code) => u,
        _ => return Err(ServiceError::NotFound("user")),
    };
    if user.id == actor.user_id {
        return Err(FieldError::of("role", Message::new("msg.user.self")).into());
    }
    let mut errors = Vec::new();
    let role = match crate::service::parse_code("role", &input.role, Role::from_code) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let division = division_in_scope(db, actor, &input.division, &mut errors).await?;
    let (Some(role), Some(division), true) = (role, division, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let member_unit = users::check_member_unit(db, Some(role), Some(&input.member_unit), division)
        .await?
        .map_err(ServiceError::Invalid)?;
    let old_role = crate::service::stored("role", &user.role, Role::from_code)?;
    let new_division = division.to_string();
    let none = || "none".to_string();
    let mut changes = AccountChanges::default();
    if old_role != role {
        changes.changed.push(("user.role", old_role.as_code().to_string(), role.as_code().to_string()));
    }
    if user.division_code != new_division {
        changes.changed.push(("user.division", user.division_code.clone(), new_division.clone()));
    }
    if user.member_unit_code != member_unit {
        changes.changed.push((
            "user.member_unit",
            user.member_unit_code.clone().unwrap_or_else(none),
            member_unit.clone().unwrap_or_else(none),
        ));
    }
    if changes.changed.is_empty() {
        return Ok(changes);
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageUsers).await?;
    let enabled = user.disabled_at.is_none();
    if old_role == Role::SystemAdmin
        && role != Role::SystemAdmin
        && enabled
        && other_enabled_admins(&txn, id).await? == 0
    {
        return Err(FieldError::of("role", Message::new("msg.user.last_admin")).into());
    }
    if old_role == Role::SocialWorker {
        let (field, held) = if role != Role::SocialWorker {
            ("role", held_persons(&txn, id, None).await?)
        } else {
            ("division", held_persons(&txn, id, Some(&division.prefix())).await?)
        };
        if held > 0 {
            return Err(FieldError::of(field, Message::new("msg.user.caseload").text("count", held)).into());
        }
    }
    app_user::Entity::update_many()
        .col_expr(app_user::Column::Role, Expr::value(role.as_code()))
        .col_expr(app_user::Column::DivisionCode, Expr::value(new_division.clone()))
        .col_expr(app_user::Column::MemberUnitCode, Expr::value(member_unit))
        .col_expr(app_user::Column::SessionsEndedAt, Expr::value(Some(now.instant)))
        .filter(app_user::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    if enabled && old_role == Role::SocialWorker {
        count_social_worker(&txn, &user.division_code, now, -1).await?;
    }
    if enabled && role == Role::SocialWorker {
        count_social_worker(&txn, &new_division, now, 1).await?;
    }
    for (action, old, new) in &changes.changed {
        txn.audit(Entry::ok(*action, "user", id).with_detail(format!("{}: {old} → {new}", user.username))).await?;
    }
    changes.tokens_revoked = revoke_tokens(&txn, id, now, "account changed").await?;
    txn.commit().await?;
    Ok(changes)
}

/// From the server's shell (`jindu user edit`): [`edit_user`] on the account `username`, done
/// by the command line with the whole deployment as its scope. Unchanged values may be left
/// out (`None` keeps the role, the unit, the member unit).
///
/// # Errors
/// `NotFound` for an unknown user; as [`edit_user`].
pub async fn edit_user_from_shell<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: Now,
    username: &str,
    role: Option<&str>,
    division: Option<&str>,
    member_unit: Option<&str>,
) -> ServiceResult<AccountChanges> {
    let (user, shell) = shell_target(db, username).await?;
    let edit = AccountEdit {
        role: role.map_or_else(|| user.role.clone(), str::to_string),
        division: division.map_or_else(|| user.division_code.clone(), str::to_string),
        // A role other than 成员单位 keeps no member unit unless one is typed (then refused).
        member_unit: match member_unit {
            Some(m) => m.to_string(),
            None if role.is_none_or(|r| r.trim() == Role::MemberUnit.as_code()) => {
                user.member_unit_code.clone().unwrap_or_default()
            }
            None => String::new(),
        },
    };
    edit_user(db, &shell, now, user.id, &edit).await
}

/// Every role's profile in force (the administrator's edit or the shipped default), with
/// whether it was edited.
pub async fn role_profiles<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Vec<(RoleProfile, bool)>> {
    actor.require(Permission::ManageUsers)?;
    let mut out = Vec::new();
    for role in Role::ALL {
        let profile = users::role_profile(db, *role).await?;
        let edited = profile != default_profile(*role);
        out.push((profile, edited));
    }
    Ok(out)
}

/// The role form: role code, permission codes ticked, caseload-only flag, or `reset` to go
/// back to the shipped default.
#[derive(Debug, Clone, Default)]
pub struct RoleEdit {
    pub role: String,
    pub permissions: Vec<String>,
    pub own_caseload_only: bool,
    pub reset: bool,
}

/// Saves a role's permissions after the separation-of-duties check; takes effect at each
/// user's next request in every division of the deployment, so only a user whose scope is the
/// whole deployment may save ([`deployment::require_deployment_wide`]). Needs `ManageUsers`;
/// audited (`config.role`, detail = the permission codes). Errors: `Refused` (403) for a
/// scope smaller than the deployment; `Invalid` naming `role` or `permissions`.
pub async fn save_role<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    edit: &RoleEdit,
) -> ServiceResult<()> {
    actor.require(Permission::ManageUsers)?;
    deployment::require_deployment_wide(db, actor, DeploymentSetting::RoleProfiles).await?;
    let role = crate::service::parse_code("role", &edit.role, Role::from_code)?;
    let profile = if edit.reset {
        default_profile(role)
    } else {
        let mut permissions = BTreeSet::new();
        for code in &edit.permissions {
            permissions.insert(crate::service::parse_code("permissions", code, Permission::from_code)?);
        }
        RoleProfile { role, permissions, own_caseload_only: edit.own_caseload_only }
    };
    check_profile(&profile).map_err(|e| FieldError::of("permissions", e.message()))?;
    if role == Role::Auditor && !profile.allows(Permission::ReadAudit) {
        return Err(FieldError::of("permissions", Message::new("msg.role.audit")).into());
    }
    if role == actor.role && !profile.allows(Permission::ManageUsers) {
        return Err(FieldError::of("permissions", Message::new("msg.role.lockout")).into());
    }
    let json = serde_json::to_string(&profile).map_err(|e| ServiceError::Data(e.to_string()))?;
    let codes: Vec<&str> = profile.permissions.iter().map(|p| p.as_code()).collect();
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageUsers).await?;
    deployment::put_setting(&txn, &format!("{ROLE_SETTING_PREFIX}{}", role.as_code()), &json).await?;
    txn.audit(Entry::ok("config.role", "role", role.as_code()).with_detail(format!(
        "{}{}",
        codes.join(","),
        if profile.own_caseload_only { "; own caseload only" } else { "" }
    )))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Security settings as shown and edited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecuritySettings {
    /// Months the audit log is kept (at least [`audit::MIN_RETENTION_MONTHS`]).
    pub retention_months: u32,
    /// Roles that must sign in with a second factor.
    pub totp_roles: Vec<Role>,
}

/// The security settings in force. Needs `ManageUsers` (security settings belong to the system
/// administrator, not to the business roles that hold `Configure`).
pub async fn security_settings<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<SecuritySettings> {
    actor.require(Permission::ManageUsers)?;
    let roles = deployment::get_setting(db, second_factor::TOTP_ROLES_KEY)
        .await?
        .unwrap_or_else(|| second_factor::DEFAULT_TOTP_ROLES.into());
    Ok(SecuritySettings {
        retention_months: audit::retention_months(db).await?,
        totp_roles: roles.split(',').filter_map(|r| Role::from_code(r.trim())).collect(),
    })
}

/// Saves the security settings: retention as typed (whole months, 6–120), roles by code.
/// Deployment-wide: only a user whose scope is the whole deployment may save. Needs
/// `ManageUsers`; audited (`config.change`). Errors: `Refused` (403) for a scope smaller than
/// the deployment; `Invalid` naming `retention_months` or `totp_roles`.
pub async fn save_security_settings<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    retention_months: &str,
    totp_roles: &[String],
) -> ServiceResult<()> {
    actor.require(Permission::ManageUsers)?;
    deployment::require_deployment_wide(db, actor, DeploymentSetting::Security).await?;
    let months = match retention_months.trim().parse::<u32>() {
        Ok(m) if (audit::MIN_RETENTION_MONTHS..=120).contains(&m) => m,
        _ => {
            return Err(FieldError::of(
                "retention_months",
                Message::new("msg.retention.range").text("min", audit::MIN_RETENTION_MONTHS),
            )
            .into());
        }
    };
    let mut roles = Vec::new();
    for code in totp_roles {
        roles.push(crate::service::parse_code("totp_roles", code, Role::from_code)?.as_code());
    }
    if !roles.contains(&Role::SystemAdmin.as_code()) {
        return Err(FieldError::of("totp_roles", Message::new("msg.totp.admin")).into());
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageUsers).await?;
    deployment::put_setting(&txn, audit::RETENTION_KEY, &months.to_string()).await?;
    deployment::put_setting(&txn, second_factor::TOTP_ROLES_KEY, &roles.join(",")).await?;
    txn.audit(
        Entry::ok("config.change", "setting", "security")
            .with_detail(format!("audit retention {months} months; second factor: {}", roles.join(","))),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// From the server's shell (`jindu user reset`), for when no administrator can sign in (the
/// only one lost their phone or is locked out): applies `action` to the account `username`,
/// audited as done by the command line. Returns the new initial password for
/// `reset_password`. Errors: `NotFound` for an unknown user, `Invalid` for an unknown action.
pub async fn user_action_from_shell<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: Now,
    username: &str,
    action: &str,
) -> ServiceResult<Option<String>> {
    let (user, shell) = shell_target(db, username).await?;
    user_action(db, &shell, now, user.id, action).await
}

/// The account `username` a shell command acts on (`NotFound` when there is none), and the
/// shell as the actor ([`shell_actor`]).
async fn shell_target<C: ConnectionTrait>(db: &C, username: &str) -> ServiceResult<(app_user::Model, Actor)> {
    let user = users::find_by_username(db, username).await?.ok_or(ServiceError::NotFound("user"))?;
    Ok((user, shell_actor(db).await?))
}

/// The shell acts with the whole deployment as its scope, as an administrator without an account.
async fn shell_actor<C: ConnectionTrait>(db: &C) -> ServiceResult<Actor> {
    let root = deployment::root(db).await?.ok_or(ServiceError::NotFound("deployment"))?;
    Ok(Actor {
        user_id: Uuid::nil(),
        username: "cli".into(),
        display_name: "命令行".into(),
        role: Role::SystemAdmin,
        profile: default_profile(Role::SystemAdmin),
        scope: root.code,
        address: String::new(),
        credentials_changed_at: None,
        member_unit: None,
        enterprise: None,
    })
}

/// The division an account is given (`raw`, a division code): a loaded division inside the
/// administrator's scope, or `None` with the refusal (`division.outside`) pushed to `errors`.
///
/// # Errors
/// `Db` on a database failure.
async fn division_in_scope<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> ServiceResult<Option<DivisionCode>> {
    match DivisionCode::parse(raw.trim()) {
        Ok(code) if actor.sees(&code.to_string()) && deployment::division_by_code(db, code).await?.is_some() => {
            Ok(Some(code))
        }
        _ => {
            errors.push(FieldError::coded("division", "division.outside", Message::new("msg.division.outside_unit")));
            Ok(None)
        }
    }
}
