//! Page handlers: read the request, call one service, render a page or field errors.

use std::collections::HashMap;

use crate::form::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use jindu_domain::{DivisionLevel, Permission};
use jindu_store::service::measures::{self, NewEvent};
use jindu_store::service::persons::{self, NewPerson, PersonFilter};
use jindu_store::service::{ServiceError, audit, deployment, second_factor, users, worklist};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{
    AUTH_AT_KEY, Authed, ClientAddr, ENROL_SECRET_KEY, LANG_KEY, MUST_CHANGE_KEY, MUST_ENROL_KEY, PENDING_NEXT_KEY,
    PENDING_TOTP_KEY, USER_KEY, lang_of, safe_next,
};
use crate::strict_query::StrictQuery;
use crate::view::*;
use crate::{AppError, AppState};

pub(crate) type PageResult = Result<Response, AppError>;

pub(crate) fn parse_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| AppError::NotFound)
}

pub(crate) fn form_values<T: serde::Serialize>(input: &T) -> HashMap<String, String> {
    serde_json::to_value(input)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .map(|o| o.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string())).collect())
        .unwrap_or_default()
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
}

pub async fn login_form(
    State(state): State<AppState>,
    session: Session,
    StrictQuery(q): StrictQuery<NextQuery>,
) -> impl IntoResponse {
    let c = Chrome::new(lang_of(&session).await, state.demo, None, crate::csrf::token(&session).await);
    LoginPage { c, username: String::new(), next: safe_next(&q.next), error: None }
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(address): ClientAddr,
    Form(f): Form<LoginForm>,
) -> PageResult {
    let lang = lang_of(&session).await;
    let now = state.clock.now();
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
    let csrf = crate::csrf::token(&session).await;
    let failed = |error: LoginError| {
        let c = Chrome::new(lang, state.demo, None, csrf.clone());
        (
            StatusCode::UNAUTHORIZED,
            LoginPage { c, username: f.username.clone(), next: safe_next(&f.next), error: Some(error) },
        )
            .into_response()
    };
    if let Some(refused) = state.login_rate_limited(&address) {
        return Ok(refused);
    }
    match users::login(&state.db, now, &f.username, &f.password, &address).await? {
        users::LoginOutcome::SecondFactor { user_id } => {
            session.cycle_id().await.map_err(internal)?;
            session.insert(PENDING_TOTP_KEY, user_id).await.map_err(internal)?;
            session.insert(PENDING_NEXT_KEY, safe_next(&f.next)).await.map_err(internal)?;
            Ok(Redirect::to("/login/totp").into_response())
        }
        outcome => complete_login(&session, now, outcome, &f.next, failed).await,
    }
}

/// Finishes a sign-in: a signed-in session (sent on to a forced password change or second-factor
/// setup first), or the login page with the reason.
async fn complete_login(
    session: &Session,
    now: jindu_domain::clock::Now,
    outcome: users::LoginOutcome,
    next: &str,
    failed: impl Fn(LoginError) -> Response,
) -> PageResult {
    let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
    match outcome {
        users::LoginOutcome::Ok { actor, must_change_password, must_enrol_totp } => {
            session.cycle_id().await.map_err(internal)?;
            session.remove::<Uuid>(PENDING_TOTP_KEY).await.map_err(internal)?;
            session.insert(USER_KEY, actor.user_id).await.map_err(internal)?;
            session.insert(AUTH_AT_KEY, now.instant.timestamp_micros()).await.map_err(internal)?;
            // A fresh sign-in starts the idle clock again (a session that idled out and signs in
            // from the login page must not be sent back to it).
            session.insert(crate::auth::LAST_SEEN_KEY, now.instant.timestamp()).await.map_err(internal)?;
            if must_enrol_totp {
                session.insert(MUST_ENROL_KEY, true).await.map_err(internal)?;
            }
            if must_change_password {
                session.insert(MUST_CHANGE_KEY, true).await.map_err(internal)?;
                return Ok(Redirect::to("/account/password").into_response());
            }
            if must_enrol_totp {
                return Ok(Redirect::to("/account/totp").into_response());
            }
            Ok(Redirect::to(&safe_next(next)).into_response())
        }
        users::LoginOutcome::SecondFactor { .. } | users::LoginOutcome::Failed => Ok(failed(LoginError::Wrong)),
        users::LoginOutcome::Locked { until } => {
            let local = until.with_timezone(&chrono_tz::Asia::Shanghai).format("%H:%M").to_string();
            Ok(failed(LoginError::Locked(local)))
        }
    }
}

/// The second-factor step of a sign-in: only for a session whose password was just accepted.
pub async fn totp_login_form(State(state): State<AppState>, session: Session) -> PageResult {
    if !matches!(session.get::<Uuid>(PENDING_TOTP_KEY).await, Ok(Some(_))) {
        return Ok(Redirect::to("/login").into_response());
    }
    let c = Chrome::new(lang_of(&session).await, state.demo, None, crate::csrf::token(&session).await);
    Ok(TotpLoginPage { c, error: None }.into_response())
}

#[derive(Deserialize, Default)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn totp_login(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(address): ClientAddr,
    Form(f): Form<CodeForm>,
) -> PageResult {
    let Ok(Some(user_id)) = session.get::<Uuid>(PENDING_TOTP_KEY).await else {
        return Ok(Redirect::to("/login").into_response());
    };
    if let Some(refused) = state.login_rate_limited(&address) {
        return Ok(refused);
    }
    let lang = lang_of(&session).await;
    let csrf = crate::csrf::token(&session).await;
    let next = session.get::<String>(PENDING_NEXT_KEY).await.ok().flatten().unwrap_or_else(|| "/".into());
    let outcome = second_factor::verify(&state.db, &state.vault, state.clock.now(), user_id, &f.code, &address).await?;
    let failed = |error: LoginError| {
        let c = Chrome::new(lang, state.demo, None, csrf.clone());
        (StatusCode::UNAUTHORIZED, TotpLoginPage { c, error: Some(error) }).into_response()
    };
    if let users::LoginOutcome::Locked { .. } = outcome {
        // Locked: start again from the password (after the lockout).
        let _ = session.remove::<Uuid>(PENDING_TOTP_KEY).await;
    }
    complete_login(&session, state.clock.now(), outcome, &next, failed).await
}

/// Second-factor setup: a new secret (kept in the session until confirmed) as a QR code and as
/// text; or, when set up, its status.
pub async fn totp_setup_form(State(state): State<AppState>, a: Authed) -> PageResult {
    if second_factor::enabled(&state.db, a.actor.user_id).await? {
        let lang = a.chrome.lang;
        let form = FormState::new("totp", lang);
        let (secret, qr_svg, url) = (String::new(), String::new(), String::new());
        return Ok(
            TotpSetupPage { c: a.chrome, enabled: true, secret, qr_svg, url, forced: false, form }.into_response()
        );
    }
    let secret = match a.session.get::<String>(ENROL_SECRET_KEY).await {
        Ok(Some(s)) => s,
        _ => {
            let s = second_factor::new_secret();
            a.session.insert(ENROL_SECRET_KEY, &s).await.map_err(|e| AppError::Internal(e.to_string()))?;
            s
        }
    };
    let lang = a.chrome.lang;
    let page = setup_page(a.chrome, &secret, &a.actor.username, a.must_enrol, FormState::new("totp", lang))?;
    Ok(page.into_response())
}

fn setup_page(
    c: Chrome,
    secret: &str,
    username: &str,
    forced: bool,
    form: FormState,
) -> Result<TotpSetupPage, AppError> {
    let url = second_factor::otpauth_url(secret, username)?;
    let qr_svg = qrcode::QrCode::new(url.as_bytes())
        .map(|q| q.render::<qrcode::render::svg::Color<'_>>().min_dimensions(200, 200).build())
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // Group the secret in fours, as apps accept it typed by hand.
    let grouped =
        secret.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join(" ");
    Ok(TotpSetupPage { c, enabled: false, secret: grouped, qr_svg, url, forced, form })
}

pub async fn totp_setup(State(state): State<AppState>, a: Authed, Form(f): Form<CodeForm>) -> PageResult {
    let Ok(Some(secret)) = a.session.get::<String>(ENROL_SECRET_KEY).await else {
        return Ok(Redirect::to("/account/totp").into_response());
    };
    match second_factor::enrol(&state.db, &state.vault, &a.actor, state.clock.now(), &secret, &f.code).await {
        Ok(()) => {
            let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
            a.session.remove::<String>(ENROL_SECRET_KEY).await.map_err(internal)?;
            a.session.remove::<bool>(MUST_ENROL_KEY).await.map_err(internal)?;
            Ok(Redirect::to("/account").into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "totp".into(), values: HashMap::new(), errors, lang };
            let page = setup_page(a.chrome, &secret, &a.actor.username, a.must_enrol, fs)?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub async fn password_form(a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    Ok(PasswordPage { c: a.chrome, form: FormState::new("password", lang), forced: a.must_change }.into_response())
}

pub async fn change_password(State(state): State<AppState>, a: Authed, Form(f): Form<PasswordForm>) -> PageResult {
    let now = state.clock.now();
    match users::change_password(&state.db, &a.actor, now, &f.current, &f.password, &f.confirm).await {
        Ok(()) => {
            let internal = |e: tower_sessions::session::Error| AppError::Internal(e.to_string());
            a.session.remove::<bool>(MUST_CHANGE_KEY).await.map_err(internal)?;
            // This session stays signed in; every other session of the user ends.
            a.session.insert(AUTH_AT_KEY, now.instant.timestamp_micros()).await.map_err(internal)?;
            Ok(Redirect::to("/").into_response())
        }
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "password".into(), values: HashMap::new(), errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, PasswordPage { c: a.chrome, form: fs, forced: a.must_change })
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(session: Session) -> PageResult {
    let lang = lang_of(&session).await;
    session.flush().await.map_err(|e| AppError::Internal(e.to_string()))?;
    session.insert(LANG_KEY, lang).await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Redirect::to("/login").into_response())
}

#[derive(Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    to: String,
    #[serde(default)]
    back: String,
}

pub async fn set_lang(session: Session, StrictQuery(q): StrictQuery<LangQuery>) -> PageResult {
    let lang = if q.to == "en" { "en" } else { "zh-CN" };
    session.insert(LANG_KEY, lang).await.map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Redirect::to(&safe_next(&q.back)).into_response())
}

/// `GET /[?town=&kind=&list=&page=]`: the 工作台 (see [`worklist::workbench`]); a refused
/// parameter is 422 naming it.
pub async fn workbench(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<worklist::WorklistFilter>,
) -> PageResult {
    // Roles without person data start where their work is.
    if !a.actor.can(Permission::ViewPersons) {
        let to = if a.actor.can(Permission::ViewCounts) {
            "/dashboard"
        } else if a.actor.can(Permission::ManageUsers) {
            "/admin/users"
        } else {
            "/account"
        };
        return Ok(Redirect::to(to).into_response());
    }
    let now = state.clock.now();
    let filter = q.check(&a.actor)?;
    let wb = worklist::workbench(&state.db, &state.vault, &a.actor, now, &filter).await?;
    let alerts = jindu_store::service::alerts::counts(&state.db, &a.actor).await?;
    // The unit's overdue plan tasks (not for a social worker's own caseload).
    let tasks = if a.actor.can(Permission::ViewCounts) && !a.actor.profile.own_caseload_only {
        jindu_store::service::responsibility::tasks(&state.db, &a.actor, now, true)
            .await?
            .into_iter()
            .filter(|t| matches!(t.status, jindu_domain::responsibility::TaskStatus::Overdue { .. }))
            .collect()
    } else {
        Vec::new()
    };
    let summary = !a.actor.caseload_only();
    let towns = if summary {
        deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town)
            .await?
            .into_iter()
            .map(|d| (d.code.prefix(), d.name))
            .collect()
    } else {
        Vec::new()
    };
    Ok(WorkbenchPage { c: a.chrome, today: now.today, wb, filter, summary, towns, alerts, tasks }.into_response())
}

pub async fn persons(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<PersonFilter>,
) -> PageResult {
    let now = state.clock.now();
    let page = persons::list(&state.db, &state.vault, &a.actor, now, &filter).await?;
    let towns = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town).await?;
    let communities = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Village).await?;
    let qs = serde_urlencoded::to_string([
        ("town", filter.town.as_str()),
        ("community", filter.community.as_str()),
        ("measure", filter.measure.as_str()),
        ("status", filter.status.as_str()),
        ("q", filter.q.as_str()),
        ("sealed", filter.sealed.as_str()),
        ("risk", filter.risk.as_str()),
    ])
    .unwrap_or_default();
    let headcounts = persons::headcounts(&state.db, &state.vault, &a.actor, &filter).await?;
    Ok(PersonsPage { c: a.chrome, page, filter, towns, communities, qs, headcounts }.into_response())
}

#[derive(Deserialize, Default)]
pub struct PersonQuery {
    #[serde(default)]
    record: String,
    /// `1`: show the ID number, phone and address in full (needs Unmask; audited).
    #[serde(default)]
    unmask: String,
    /// A measure kind code: open the decision form with it chosen (from the serious-breach card).
    #[serde(default)]
    decide: String,
}

impl PersonQuery {
    /// Reads the query strictly ([`jindu_domain::query`]): `record` an event or duty kind code,
    /// `unmask` 1 or 0, `decide` a measure kind code. Returns (measure to decide, unmask).
    ///
    /// # Errors
    /// 422 naming every refused parameter.
    fn check(&self) -> Result<(Option<jindu_domain::MeasureKind>, bool), AppError> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let record = self.record.trim();
        if !record.is_empty()
            && jindu_domain::EventKind::from_code(record).is_none()
            && jindu_domain::ObligationKind::from_code(record).is_none()
        {
            c.take(query::choice("record", record, jindu_domain::EventKind::ALL, jindu_domain::EventKind::as_code));
        }
        let unmask = c.take(query::flag("unmask", &self.unmask));
        let decide = c.take(query::choice(
            "decide",
            &self.decide,
            jindu_domain::MeasureKind::ALL,
            jindu_domain::MeasureKind::as_code,
        ));
        c.finish()?;
        Ok((decide, unmask))
    }
}

/// The person page, with field errors of `form` if any; `unmask` shows personal data in full
/// (needs Unmask, audited by the service).
pub(crate) async fn person_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: FormState,
    record: String,
    status: StatusCode,
    unmask: bool,
) -> PageResult {
    let now = state.clock.now();
    let d = if unmask {
        persons::detail_unmasked(&state.db, &state.vault, &a.actor, now, id).await?
    } else {
        persons::detail(&state.db, &state.vault, &a.actor, now, id).await?
    };
    let access = if a.actor.can(Permission::ViewRecordAccess) {
        audit::person_access(&state.db, &a.actor, id, 20)
            .await?
            .into_iter()
            .map(|r| {
                let at = r.at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string();
                (at, r.username, r.action)
            })
            .collect()
    } else {
        Vec::new()
    };
    let cw = crate::casework::load(state, &a, &d, now).await?;
    let transfers = jindu_store::service::transfers::for_person(&state.db, &state.vault, &a.actor, now, id).await?;
    Ok((status, PersonPage { c: a.chrome, access, today: now.today, d, transfers, form, record, cw }).into_response())
}

pub async fn person(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    StrictQuery(q): StrictQuery<PersonQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let lang = a.chrome.lang;
    let (decide, unmask) = q.check()?;
    let form = match decide {
        Some(k) => {
            let mut f = FormState::new("decide", lang);
            f.values.insert("measure_kind".into(), k.as_code().into());
            f
        }
        None => FormState::new("", lang),
    };
    person_page(&state, a, id, form, q.record.trim().to_string(), StatusCode::OK, unmask).await
}

/// Turns a service result into a redirect (success) or the person page with field errors.
pub(crate) async fn after_person_write<T>(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: &str,
    values: HashMap<String, String>,
    res: Result<T, ServiceError>,
) -> PageResult {
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: form.to_string(), values, errors, lang };
            let record = fs.v("kind").to_string();
            person_page(state, a, id, fs, record, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record_event(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<NewEvent>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let form = if f.kind == "amendment" { format!("amend-{}", f.amends) } else { "event".to_string() };
    let res = measures::record_event(&state.db, &state.vault, &a.actor, now, id, f).await;
    after_person_write(&state, a, id, &form, values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct DecideForm {
    #[serde(default)]
    measure_kind: String,
    #[serde(default)]
    decision_date: String,
    #[serde(default)]
    report_date: String,
    /// `1`: the officer checked the 禁毒法 §39 exemptions and decides anyway.
    #[serde(default)]
    confirm_exemptions: String,
}

pub async fn decide_measure(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let confirmed = f.confirm_exemptions == "1";
    let res =
        measures::decide(&state.db, &a.actor, now, id, &f.measure_kind, &f.decision_date, &f.report_date, confirmed)
            .await;
    after_person_write(&state, a, id, "decide", values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    end_reason: String,
    /// For `action=correct`: the date corrected (`decision_date`, `report_date`).
    #[serde(default)]
    field: String,
    /// For `action=correct`: why (required).
    #[serde(default)]
    reason: String,
}

pub async fn measure_action(
    State(state): State<AppState>,
    a: Authed,
    Path((id, mid)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let mid = parse_id(&mid)?;
    let now = state.clock.now();
    let values = form_values(&f);
    if f.action.trim() == "correct" {
        // A mistyped decision or report date (needs EditPersons, checked by the service).
        let input = measures::DateCorrection { field: f.field.clone(), date: f.date.clone(), reason: f.reason.clone() };
        let res = measures::correct_date(&state.db, &state.vault, &a.actor, now, id, mid, &input).await;
        return after_person_write(&state, a, id, &format!("correct-{mid}"), values, res).await;
    }
    let res = match measures::parse_action(&f.action, &f.end_reason) {
        Ok(action) => measures::act(&state.db, &a.actor, now, id, mid, action, &f.date).await,
        Err(e) => Err(e.into()),
    };
    after_person_write(&state, a, id, &format!("measure-{mid}"), values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct StatusForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    date: String,
}

impl From<&StatusForm> for persons::StatusChange {
    fn from(f: &StatusForm) -> Self {
        persons::StatusChange { status: f.status.clone(), date: f.date.clone(), version: f.version.clone() }
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let res = persons::change_status(&state.db, &state.vault, &a.actor, now, id, &(&f).into()).await;
    after_person_write(&state, a, id, "status", values, res).await
}

async fn new_person_page(state: &AppState, a: Authed, form: FormState, status: StatusCode) -> PageResult {
    let (communities, workers) = persons::form_choices(&state.db, &a.actor).await?;
    let duplicate = crate::transfers::duplicate_of(state, &a.actor, &form).await?;
    Ok((status, NewPersonPage { c: a.chrome, form, duplicate, communities, workers }).into_response())
}

pub async fn new_person_form(State(state): State<AppState>, a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    new_person_page(&state, a, FormState::new("person", lang), StatusCode::OK).await
}

pub async fn register_person(State(state): State<AppState>, a: Authed, Form(f): Form<NewPerson>) -> PageResult {
    let now = state.clock.now();
    let values = form_values(&f);
    match persons::register(&state.db, &state.vault, &a.actor, now, f).await {
        Ok(id) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let refused = errors.clone();
            let typed = values.get("division").cloned().unwrap_or_default();
            let page = new_person_page(
                &state,
                a,
                FormState { form: "person".into(), values, errors, lang },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?;
            Ok(crate::error::mark_scope_refusal(page, &refused, &typed))
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_person_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: Option<FormState>,
    status: StatusCode,
) -> PageResult {
    let (communities, workers) = persons::form_choices(&state.db, &a.actor).await?;
    let now = state.clock.now();
    let values = persons::edit_values(&state.db, &state.vault, &a.actor, id).await?;
    // The person page's read (audited there); the ID number stays masked on the edit form.
    let masked = persons::detail(&state.db, &state.vault, &a.actor, now, id).await?.person.id_display;
    let form = match form {
        Some(f) => f,
        None => {
            FormState { form: "edit".into(), values: form_values(&values), errors: Vec::new(), lang: a.chrome.lang }
        }
    };
    let page = EditPersonPage { c: a.chrome, id, id_number_masked: masked, form, communities, workers };
    Ok((status, page).into_response())
}

pub async fn edit_person_form(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id)?;
    edit_person_page(&state, a, id, None, StatusCode::OK).await
}

pub async fn edit_person(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<persons::EditPerson>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    match persons::update(&state.db, &state.vault, &a.actor, now, id, f).await {
        Ok(()) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let refused = errors.clone();
            let typed = values.get("division").cloned().unwrap_or_default();
            let fs = FormState { form: "edit".into(), values, errors, lang };
            let page = edit_person_page(&state, a, id, Some(fs), StatusCode::UNPROCESSABLE_ENTITY).await?;
            Ok(crate::error::mark_scope_refusal(page, &refused, &typed))
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn overview(State(state): State<AppState>, a: Authed) -> PageResult {
    let now = state.clock.now();
    let ov = worklist::overview(&state.db, &a.actor, now).await?;
    let scope_name =
        deployment::division_by_code(&state.db, a.actor.scope).await?.map(|d| d.name_path).unwrap_or_default();
    Ok(OverviewPage { c: a.chrome, today: now.today, ov, scope_name }.into_response())
}

pub async fn account(State(state): State<AppState>, a: Authed) -> PageResult {
    let scope_name = deployment::division_by_code(&state.db, a.actor.scope)
        .await?
        .map(|d| d.name_path)
        .unwrap_or_else(|| a.actor.scope.prefix());
    let l = a.chrome.l();
    let permissions = Permission::ALL.iter().map(|p| (p.label(l), a.actor.can(*p))).collect();
    let totp = second_factor::enabled(&state.db, a.actor.user_id).await?;
    Ok(AccountPage {
        username: a.actor.username.clone(),
        scope_name,
        permissions,
        caseload_only: a.actor.caseload_only(),
        totp,
        c: a.chrome,
    }
    .into_response())
}

pub async fn stylesheet() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8"), (header::CACHE_CONTROL, "public, max-age=3600")],
        include_str!("../static/app.css"),
    )
}

pub async fn healthz() -> &'static str {
    "ok"
}

pub async fn audit_log(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(mut filter): StrictQuery<audit::AuditFilter>,
) -> PageResult {
    let now = state.clock.now();
    // Filters are echoed into the page: hidden characters are dropped (they match nothing).
    for f in [&mut filter.username, &mut filter.action, &mut filter.object_id, &mut filter.outcome] {
        f.retain(|c| !jindu_domain::event::is_hidden(c));
    }
    let page = audit::search(&state.db, &a.actor, now, &filter).await?;
    let qs = serde_urlencoded::to_string([
        ("username", filter.username.as_str()),
        ("action", filter.action.as_str()),
        ("object_id", filter.object_id.as_str()),
        ("outcome", filter.outcome.as_str()),
    ])
    .unwrap_or_default();
    Ok(AuditPage { c: a.chrome, page, filter, qs }.into_response())
}

pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
