//! 系统管理 what the system administrator does: accounts (create, unlock, reset password,
//! reset second factor), role permissions (within the separation of duties) and security
//! settings (audit retention, roles that need a second factor). Every change is audited.

use std::collections::BTreeSet;

use jindu_domain::access::{DeploymentSetting, check_profile, default_profile};
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, Permission, Role, RoleProfile};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use uuid::Uuid;

use crate::entities::{app_user, division};
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
                id: u.id,
                username: u.username,
                display_name: u.display_name,
            })
        })
        .collect()
}

/// The new-account form, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NewAccount {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub role: String,
    /// 12-digit code of the user's unit (its data scope).
    #[serde(default)]
    pub division: String,
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
/// clear). The unit must lie in the administrator's scope. Needs `ManageUsers`; audited
/// (`user.create`). Errors: `Invalid` naming `username`, `display_name`, `role`, `division`.
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
    let division = match DivisionCode::parse(input.division.trim()) {
        Ok(code) if actor.sees(&code.to_string()) && deployment::division_by_code(db, code).await?.is_some() => {
            Some(code)
        }
        _ => {
            errors.push(FieldError::new(
                "division",
                "division.outside",
                "所属单位辖区不存在或不在您的管理范围内。",
                "The unit's division does not exist or is outside your scope.",
            ));
            None
        }
    };
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
        },
    )
    .await?;
    audit::record(db, &Who::actor(actor), now, Entry::ok("user.create", "user", id).with_detail(input.role.trim()))
        .await?;
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
}

impl UserAction {
    fn parse(code: &str) -> Result<UserAction, FieldError> {
        match code.trim() {
            "unlock" => Ok(UserAction::Unlock),
            "reset_password" => Ok(UserAction::ResetPassword),
            "reset_totp" => Ok(UserAction::ResetTotp),
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
        }
    }
}

/// Applies `action` (`unlock`, `reset_password`, `reset_totp`) to account `id` in scope; never
/// to one's own account (another administrator must do it). Returns the new initial password
/// for `reset_password`. Needs `ManageUsers`; audited. Errors: `NotFound` outside scope,
/// `Invalid` for an unknown action or one's own account.
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
        return Err(FieldError::new(
            "action",
            "user.self",
            "不能对自己的账号执行此操作，请由另一名系统管理员办理。",
            "You cannot do this to your own account; ask another system administrator.",
        )
        .into());
    }
    let mut password = None;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageUsers).await?;
    let q = app_user::Entity::update_many().filter(app_user::Column::Id.eq(id));
    match action {
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
    txn.audit(Entry::ok(action.code(), "user", id).with_detail(user.username)).await?;
    txn.commit().await?;
    Ok(password)
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
    check_profile(&profile)
        .map_err(|e| FieldError::new("permissions", "role.separation", e.message_zh(), e.message_en()))?;
    if role == Role::Auditor && !profile.allows(Permission::ReadAudit) {
        return Err(FieldError::new(
            "permissions",
            "role.audit",
            "不能取消审计员的“查看审计日志”权限，否则将无人能审查系统操作。",
            "You cannot take 'Read the audit log' from the auditor: no one could review what was done.",
        )
        .into());
    }
    if role == actor.role && !profile.allows(Permission::ManageUsers) {
        return Err(FieldError::new(
            "permissions",
            "role.lockout",
            "不能取消本角色的“管理用户”权限，否则将无人能管理账号。",
            "You cannot take 'Manage users' from your own role: no one could manage accounts any more.",
        )
        .into());
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
            return Err(FieldError::new(
                "retention_months",
                "retention.range",
                format!(
                    "审计日志保存期须为{}至120个月的整数（网络安全法第二十一条：不少于六个月）。",
                    audit::MIN_RETENTION_MONTHS
                ),
                format!(
                    "The audit retention must be a whole number of months from {} to 120 (Cybersecurity Law art. 21: at least six months).",
                    audit::MIN_RETENTION_MONTHS
                ),
            )
            .into());
        }
    };
    let mut roles = Vec::new();
    for code in totp_roles {
        roles.push(crate::service::parse_code("totp_roles", code, Role::from_code)?.as_code());
    }
    if !roles.contains(&Role::SystemAdmin.as_code()) {
        return Err(FieldError::new(
            "totp_roles",
            "totp.admin",
            "系统管理员必须使用双因素认证。",
            "The system administrator must use a second factor.",
        )
        .into());
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
    let user = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.trim()))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    // The shell acts with the whole deployment as its scope, as an administrator without an account.
    let root = deployment::root(db).await?.ok_or(ServiceError::NotFound("deployment"))?;
    let shell = Actor {
        user_id: Uuid::nil(),
        username: "cli".into(),
        display_name: "命令行".into(),
        role: Role::SystemAdmin,
        profile: default_profile(Role::SystemAdmin),
        scope: root.code,
        address: String::new(),
        credentials_changed_at: None,
    };
    user_action(db, &shell, now, user.id, action).await
}
