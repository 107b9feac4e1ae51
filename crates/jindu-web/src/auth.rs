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
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|e| e.into_response())?;
        let target = OriginalUri::from_request_parts(parts, state)
            .await
            .map(|u| {
                u.0.path_and_query()
                    .map(|p| p.as_str().to_string())
                    .unwrap_or_default()
            })
            .unwrap_or_default();
        let login = || {
            let query =
                serde_urlencoded::to_string([("next", target.as_str())]).unwrap_or_default();
            Redirect::to(&format!("/login?{query}")).into_response()
        };
        let user_id = match session.get::<Uuid>(USER_KEY).await {
            Ok(Some(id)) => id,
            _ => return Err(login()),
        };
        let mut actor = match users::actor(&state.db, user_id).await {
            Ok(Some(a)) => a,
            Ok(None) => return Err(login()),
            Err(e) => return Err(AppError::from(e).into_response()),
        };
        actor.address = client_address(parts);
        let lang = lang_of(&session).await;
        let chrome = Chrome::for_actor(lang, state.demo, &actor);
        Ok(Authed { actor, chrome })
    }
}

/// A safe local redirect target: a path on this site, never another host.
pub fn safe_next(next: &str) -> String {
    if next.starts_with('/') && !next.starts_with("//") && !next.contains('\\') {
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
