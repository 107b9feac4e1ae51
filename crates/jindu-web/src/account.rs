//! Signing in and the account: password and second-factor login, setting up the authenticator,
//! changing the password, signing out, the language and the account page.

use std::collections::HashMap;

use crate::form::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jindu_domain::Permission;
use jindu_store::service::{ServiceError, deployment, second_factor, users};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::auth::{
    AUTH_AT_KEY, Authed, ClientAddr, ENROL_SECRET_KEY, LANG_KEY, MUST_CHANGE_KEY, MUST_ENROL_KEY, PENDING_NEXT_KEY,
    PENDING_TOTP_KEY, USER_KEY, lang_of, safe_next,
};
use crate::page::PageResult;
use crate::strict_query::StrictQuery;
use crate::view::*;
use crate::{AppError, AppState};

/// The chrome of a page before sign-in: the session's language and CSRF token, no user.
pub(crate) async fn signed_out_chrome(state: &AppState, session: &Session) -> Chrome {
    Chrome::new(lang_of(session).await, state.demo, None, crate::csrf::token(session).await)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct NextQuery {
    next: String,
}

pub async fn login_form(
    State(state): State<AppState>,
    session: Session,
    StrictQuery(q): StrictQuery<NextQuery>,
) -> impl IntoResponse {
    let c = signed_out_chrome(&state, &session).await;
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
        users::LoginOutcome::Disabled => Ok(failed(LoginError::Disabled)),
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
    let c = signed_out_chrome(&state, &session).await;
    Ok(TotpLoginPage { c, error: None }.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CodeForm {
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
    if let users::LoginOutcome::Locked { .. } | users::LoginOutcome::Disabled = outcome {
        // Locked or disabled: start again from the password.
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
#[serde(default)]
pub struct PasswordForm {
    current: String,
    password: String,
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
