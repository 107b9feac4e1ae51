//! Administration pages (系统管理员): accounts, role permissions, security settings. Each
//! handler reads the form, calls one `admin` service and renders the page again.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jindu_domain::access::DeploymentSetting;
use jindu_domain::{DivisionLevel, Permission, Role};
use jindu_store::service::admin::{self, AccountEdit, NewAccount, RoleEdit};
use jindu_store::service::{ServiceError, deployment};
use uuid::Uuid;

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{all_values, first_value};
use crate::view::{AdminUserPage, AdminUsersPage, FormState, RolesPage, SettingsPage};
use crate::{AppError, AppState};

type PageResult = Result<Response, AppError>;

/// Divisions a new account's unit may be: the administrator's root, towns and communities.
async fn unit_choices(state: &AppState, a: &Authed) -> Result<Vec<(String, String)>, AppError> {
    let mut out = Vec::new();
    if let Some(root) = deployment::division_by_code(&state.db, a.actor.scope).await? {
        out.push((root.code.to_string(), root.name_path));
    }
    for level in [DivisionLevel::Town, DivisionLevel::Village] {
        for d in deployment::in_scope(&state.db, a.actor.scope, level).await? {
            out.push((d.code.to_string(), d.name_path));
        }
    }
    Ok(out)
}

/// The member units a 成员单位 account may belong to: (code, name), in the administrator's scope.
async fn member_unit_choices(state: &AppState, a: &Authed) -> Result<Vec<(String, String)>, AppError> {
    use jindu_store::service::units::{self, UnitKind};
    Ok(units::in_scope(&state.db, a.actor.scope, Some(UnitKind::MemberUnit))
        .await?
        .into_iter()
        .map(|u| (u.code, u.name))
        .collect())
}

async fn users_page(
    state: &AppState,
    a: Authed,
    form: FormState,
    notice: Option<(String, String)>,
) -> Result<AdminUsersPage, AppError> {
    let users = admin::list_users(&state.db, &a.actor, state.clock.now()).await?;
    let units = unit_choices(state, &a).await?;
    let member_units = member_unit_choices(state, &a).await?;
    Ok(AdminUsersPage { c: a.chrome, users, units, member_units, roles: Role::ALL.to_vec(), form, notice })
}

pub async fn users(State(state): State<AppState>, a: Authed) -> PageResult {
    let form = FormState::new("user", a.chrome.lang);
    Ok(users_page(&state, a, form, None).await?.into_response())
}

pub async fn create_user(State(state): State<AppState>, a: Authed, Form(f): Form<NewAccount>) -> PageResult {
    match admin::create_user(&state.db, &a.actor, state.clock.now(), &f).await {
        Ok((_, password)) => {
            let form = FormState::new("user", a.chrome.lang);
            Ok(users_page(&state, a, form, Some((f.username.trim().to_string(), password))).await?.into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let values = HashMap::from([
                ("username".to_string(), f.username.clone()),
                ("display_name".to_string(), f.display_name.clone()),
                ("role".to_string(), f.role.clone()),
                ("division".to_string(), f.division.clone()),
                ("member_unit".to_string(), f.member_unit.clone()),
            ]);
            let refused = errors.clone();
            let form = FormState { form: "user".into(), values, errors, lang: a.chrome.lang };
            let page = (StatusCode::UNPROCESSABLE_ENTITY, users_page(&state, a, form, None).await?).into_response();
            Ok(crate::error::mark_scope_refusal(page, &refused, &f.division))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct ActionForm {
    action: String,
}

pub async fn user_action(
    State(state): State<AppState>,
    a: Authed,
    Path(uid): Path<String>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let id = Uuid::parse_str(&uid).map_err(|_| AppError::NotFound)?;
    match admin::user_action(&state.db, &a.actor, state.clock.now(), id, &f.action).await {
        Ok(Some(password)) => {
            let form = FormState::new("user", a.chrome.lang);
            let name = admin::list_users(&state.db, &a.actor, state.clock.now())
                .await?
                .into_iter()
                .find(|u| u.id == id)
                .map(|u| u.username)
                .unwrap_or_default();
            Ok(users_page(&state, a, form, Some((name, password))).await?.into_response())
        }
        Ok(None) => Ok(Redirect::to("/admin/users").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let form = FormState { form: "action".into(), values: HashMap::new(), errors, lang: a.chrome.lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, users_page(&state, a, form, None).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn user_page_with(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: Option<FormState>,
) -> Result<AdminUserPage, AppError> {
    let account = admin::account(&state.db, &a.actor, state.clock.now(), id).await?;
    let units = unit_choices(state, &a).await?;
    let member_units = member_unit_choices(state, &a).await?;
    let form = form.unwrap_or_else(|| {
        let values = HashMap::from([
            ("role".to_string(), account.row.role.as_code().to_string()),
            ("division".to_string(), account.row.division_code.clone()),
            ("member_unit".to_string(), account.row.member_unit.as_ref().map(|(c, _)| c.clone()).unwrap_or_default()),
        ]);
        FormState { form: "user_edit".into(), values, errors: Vec::new(), lang: a.chrome.lang }
    });
    Ok(AdminUserPage { c: a.chrome, account, units, member_units, roles: Role::ALL.to_vec(), form })
}

/// `GET /admin/users/{uid}`: one account, its change form and disable/enable.
pub async fn user_page(State(state): State<AppState>, a: Authed, Path(uid): Path<String>) -> PageResult {
    let id = Uuid::parse_str(&uid).map_err(|_| AppError::NotFound)?;
    Ok(user_page_with(&state, a, id, None).await?.into_response())
}

/// `POST /admin/users/{uid}/edit`: change of role, unit and member unit (`role`, `division`,
/// `member_unit`); back to the list when saved, the page with the sentences (422) when refused.
pub async fn edit_user(
    State(state): State<AppState>,
    a: Authed,
    Path(uid): Path<String>,
    Form(f): Form<AccountEdit>,
) -> PageResult {
    let id = Uuid::parse_str(&uid).map_err(|_| AppError::NotFound)?;
    match admin::edit_user(&state.db, &a.actor, state.clock.now(), id, &f).await {
        Ok(_) => Ok(Redirect::to("/admin/users").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let values = HashMap::from([
                ("role".to_string(), f.role.clone()),
                ("division".to_string(), f.division.clone()),
                ("member_unit".to_string(), f.member_unit.clone()),
            ]);
            let refused = errors.clone();
            let form = FormState { form: "user_edit".into(), values, errors, lang: a.chrome.lang };
            let page =
                (StatusCode::UNPROCESSABLE_ENTITY, user_page_with(&state, a, id, Some(form)).await?).into_response();
            Ok(crate::error::mark_scope_refusal(page, &refused, &f.division))
        }
        Err(e) => Err(e.into()),
    }
}

/// `Some(sentence)` when the user may read but not change `setting` (scope below the root).
async fn read_only(state: &AppState, a: &Authed, setting: DeploymentSetting) -> Result<Option<String>, AppError> {
    match deployment::require_deployment_wide(&state.db, &a.actor, setting).await {
        Ok(()) => Ok(None),
        Err(ServiceError::Refused(e)) => Ok(Some(jindu_messages::render(&e.message, a.chrome.lang))),
        Err(e) => Err(e.into()),
    }
}

async fn roles_page(state: &AppState, a: Authed, form: FormState) -> Result<RolesPage, AppError> {
    let profiles = admin::role_profiles(&state.db, &a.actor).await?;
    let read_only = read_only(state, &a, DeploymentSetting::RoleProfiles).await?;
    Ok(RolesPage { c: a.chrome, profiles, permissions: Permission::ALL.to_vec(), form, read_only })
}

pub async fn roles(State(state): State<AppState>, a: Authed) -> PageResult {
    let form = FormState::new("role", a.chrome.lang);
    Ok(roles_page(&state, a, form).await?.into_response())
}

/// The role form posts `role`, any number of `permissions`, `own_caseload_only` and `reset`.
pub async fn save_role(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let edit = RoleEdit {
        role: first_value(&pairs, "role"),
        permissions: all_values(&pairs, "permissions"),
        own_caseload_only: !first_value(&pairs, "own_caseload_only").is_empty(),
        reset: !first_value(&pairs, "reset").is_empty(),
    };
    match admin::save_role(&state.db, &a.actor, state.clock.now(), &edit).await {
        Ok(()) => Ok(Redirect::to("/admin/roles").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let values = HashMap::from([("role".to_string(), edit.role.clone())]);
            let form = FormState { form: "role".into(), values, errors, lang: a.chrome.lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, roles_page(&state, a, form).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

async fn settings_page(state: &AppState, a: Authed, form: FormState) -> Result<SettingsPage, AppError> {
    let settings = admin::security_settings(&state.db, &a.actor).await?;
    let read_only = read_only(state, &a, DeploymentSetting::Security).await?;
    Ok(SettingsPage { c: a.chrome, settings, roles: Role::ALL.to_vec(), form, read_only })
}

pub async fn settings(State(state): State<AppState>, a: Authed) -> PageResult {
    let form = FormState::new("settings", a.chrome.lang);
    Ok(settings_page(&state, a, form).await?.into_response())
}

pub async fn save_settings(
    State(state): State<AppState>,
    a: Authed,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let months = first_value(&pairs, "retention_months");
    let roles = all_values(&pairs, "totp_roles");
    match admin::save_security_settings(&state.db, &a.actor, state.clock.now(), &months, &roles).await {
        Ok(()) => Ok(Redirect::to("/admin/settings").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let values = HashMap::from([("retention_months".to_string(), months)]);
            let form = FormState { form: "settings".into(), values, errors, lang: a.chrome.lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, settings_page(&state, a, form).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
