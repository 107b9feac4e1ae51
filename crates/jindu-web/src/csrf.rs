//! 跨站请求伪造防护 CSRF tokens: one random token per session, put in every form as the
//! hidden field `csrf` and checked on every form POST (synchroniser token pattern, OWASP CSRF
//! cheat sheet). The JSON API authenticates by bearer token and is outside this check.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jindu_domain::message::Message;
use tower_sessions::Session;

use crate::AppError;

/// Session key of the token.
pub const CSRF_KEY: &str = "csrf";
/// Form field (and `x-csrf-token` header) that carries the token.
pub const CSRF_FIELD: &str = "csrf";

/// The session's token, created (32 random bytes, hex) on first use.
pub async fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(CSRF_KEY).await {
        return t;
    }
    let bytes: [u8; 32] = rand::random();
    let t: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    // A session that cannot be written gets a token that will not match: the POST is refused.
    let _ = session.insert(CSRF_KEY, &t).await;
    t
}

/// The value of the hidden `csrf` field in an HTML page (for tests and benchmarks that post
/// forms like a browser).
pub fn csrf_field_value(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf\" value=\"")? + "name=\"csrf\" value=\"".len();
    html[at..].split('"').next().map(str::to_string)
}

fn equal(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn refused() -> Response {
    AppError::Form { status: StatusCode::FORBIDDEN, message: Message::new("msg.form.expired") }.into_response()
}

/// Middleware (inside the session layer): a POST must carry the session's token in the
/// `x-csrf-token` header, the `csrf` query parameter or the `csrf` field of a urlencoded body.
/// Anything else gets 403 and reaches no handler.
pub async fn check(session: Session, req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Ok(Some(expected)) = session.get::<String>(CSRF_KEY).await else {
        return refused();
    };
    let from_header = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    let from_query = req.uri().query().and_then(|q| {
        serde_urlencoded::from_str::<Vec<(String, String)>>(q)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v))
    });
    if let Some(t) = from_header.or(from_query) {
        return if equal(&t, &expected) { next.run(req).await } else { refused() };
    }
    let urlencoded = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !urlencoded {
        return refused();
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT).await {
        Ok(b) => b,
        Err(_) => {
            return AppError::Form {
                status: StatusCode::PAYLOAD_TOO_LARGE,
                message: Message::new("msg.form.too_large"),
            }
            .into_response();
        }
    };
    let submitted = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == CSRF_FIELD).map(|(_, v)| v));
    match submitted {
        Some(t) if equal(&t, &expected) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        _ => refused(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_hidden_field() {
        let html = r#"<form><input type="hidden" name="csrf" value="ab12"><input name="x"></form>"#;
        assert_eq!(csrf_field_value(html).as_deref(), Some("ab12"));
        assert_eq!(csrf_field_value("<p>none</p>"), None);
    }

    #[test]
    fn comparison_needs_equal_length_and_bytes() {
        assert!(equal("abc", "abc"));
        assert!(!equal("abc", "abd"));
        assert!(!equal("abc", "abcd"));
        assert!(!equal("", "a"));
    }
}
