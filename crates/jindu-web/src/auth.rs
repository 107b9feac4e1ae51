//! Who is signed in: the session holds the user id; `Authed` loads the `Actor` and the page
//! chrome (language, demo banner) or redirects to the login page.

use axum::extract::{FromRequestParts, OriginalUri};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use jindu_store::service::{Actor, users};
use tower_sessions::Session;
use uuid::Uuid;

use crate::view::Chrome;
use crate::{AppError, AppState};

/// Session key of the signed-in user id.
pub const USER_KEY: &str = "user_id";
/// Session key of the last request's instant (unix seconds, from the application clock).
pub const LAST_SEEN_KEY: &str = "last_seen";
/// Idle time after which a session ends (minutes; 等保2.0 session timeout, local default).
pub const IDLE_MINUTES: i64 = 30;

/// Session key set while the initial password must still be changed.
pub const MUST_CHANGE_KEY: &str = "must_change_password";

/// Session key of a user whose password was accepted and whose TOTP code is awaited.
pub const PENDING_TOTP_KEY: &str = "totp_pending_user";
/// Session key of where to go after the second factor.
pub const PENDING_NEXT_KEY: &str = "totp_pending_next";
/// Session key set while a required second factor is not yet set up.
pub const MUST_ENROL_KEY: &str = "must_enrol_totp";
/// Session key of the secret being set up (until the first code confirms it).
pub const ENROL_SECRET_KEY: &str = "totp_enrol_secret";

/// Session key of when this session signed in (unix microseconds, application clock).
pub const AUTH_AT_KEY: &str = "auth_at";

/// Session key of the chosen language (`zh-CN` or `en`).
pub const LANG_KEY: &str = "lang";

/// The language stored in the session, `zh-CN` by default.
pub async fn lang_of(session: &Session) -> &'static str {
    match session.get::<String>(LANG_KEY).await {
        Ok(Some(l)) if l == "en" => "en",
        _ => "zh-CN",
    }
}

/// A signed-in user with the chrome of their pages.
pub struct Authed {
    pub actor: Actor,
    pub chrome: Chrome,
    pub session: Session,
    /// The initial password must be changed first (every other page redirects there).
    pub must_change: bool,
    /// The role requires a second factor not yet set up (every other page redirects there).
    pub must_enrol: bool,
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await.map_err(|e| e.into_response())?;
        let target = OriginalUri::from_request_parts(parts, state)
            .await
            .map(|u| u.0.path_and_query().map(|p| p.as_str().to_string()).unwrap_or_default())
            .unwrap_or_default();
        let login = || {
            let query = serde_urlencoded::to_string([("next", target.as_str())]).unwrap_or_default();
            Redirect::to(&format!("/login?{query}")).into_response()
        };
        let user_id = match session.get::<Uuid>(USER_KEY).await {
            Ok(Some(id)) => id,
            _ => return Err(login()),
        };
        // Idle timeout on the application clock (testable); the cookie's own expiry backs it up.
        let now = state.clock.now().instant.timestamp();
        if let Ok(Some(last)) = session.get::<i64>(LAST_SEEN_KEY).await
            && now - last > IDLE_MINUTES * 60
        {
            let _ = session.flush().await;
            return Err(login());
        }
        // Written at most once a minute, so ordinary page views do not rewrite the session.
        let seen = session.get::<i64>(LAST_SEEN_KEY).await.ok().flatten();
        if seen.is_none_or(|last| now - last >= 60) && session.insert(LAST_SEEN_KEY, now).await.is_err() {
            return Err(login());
        }
        let mut actor = match users::actor(&state.db, user_id).await {
            Ok(Some(a)) => a,
            Ok(None) => return Err(login()),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        // A password or second factor changed since this session signed in: it ends.
        let auth_at = session.get::<i64>(AUTH_AT_KEY).await.ok().flatten().unwrap_or(0);
        if actor.credentials_changed_at.is_some_and(|t| t.timestamp_micros() > auth_at) {
            let _ = session.flush().await;
            return Err(login());
        }
        actor.address = client_address(parts);
        let lang = lang_of(&session).await;
        let mut chrome = Chrome::for_actor(lang, state.demo, &actor, crate::csrf::token(&session).await);
        if actor.can(jindu_domain::Permission::ViewPersons) || actor.can(jindu_domain::Permission::Configure) {
            chrome.tiers = jindu_store::service::casework::tier_display(&state.db)
                .await
                .map_err(|e| AppError::from(e).into_response())?;
        }
        let must_change = matches!(session.get::<bool>(MUST_CHANGE_KEY).await, Ok(Some(true)));
        if must_change && !target.starts_with("/account/password") {
            return Err(Redirect::to("/account/password").into_response());
        }
        let must_enrol = matches!(session.get::<bool>(MUST_ENROL_KEY).await, Ok(Some(true)));
        if must_enrol && !must_change && !target.starts_with("/account/totp") {
            return Err(Redirect::to("/account/totp").into_response());
        }
        Ok(Authed { actor, chrome, session, must_change, must_enrol })
    }
}

/// A safe local redirect target: a path on this site, never another host.
pub fn safe_next(next: &str) -> String {
    // A path on this site only: one leading slash, then no slash or backslash, and no control
    // characters or spaces anywhere (browsers drop tabs and newlines, turning "/\t/evil" into
    // "//evil").
    let clean = next.chars().all(|c| !c.is_control() && !c.is_whitespace() && c != '\\');
    let second = next.chars().nth(1);
    if clean && next.starts_with('/') && second != Some('/') && next.len() <= 2048 {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// The client's address: the TCP peer when the server runs with connect info, else "unknown".
/// (Behind a reverse proxy, configure the proxy to log the original address too.)
pub fn client_address(parts: &Parts) -> String {
    parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".to_string())
}

/// The client's address as an extractor (never fails).
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_address(parts)))
    }
}
