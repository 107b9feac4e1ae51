//! 跨站请求伪造防护 CSRF tokens: one random token per session, put in every form as the
//! hidden field `csrf` and checked on every form POST (synchroniser token pattern, OWASP CSRF
//! cheat sheet). The JSON API authenticates by bearer token and is outside this check.
//!
//! The token is never read from the URL (a URL lands in logs, history and `Referer`; issue #20
//! item 5). Where it is read:
//! * the `x-csrf-token` header (scripts), any POST;
//! * the `csrf` field of an `application/x-www-form-urlencoded` body, read here;
//! * the **first** field of a `multipart/form-data` body, and only on the upload routes
//!   ([`crate::routes::Book::post_limited`]): the middleware cannot read a body of several
//!   megabytes, so it lets such a request through marked [`Checked::FirstField`], and the upload
//!   handler's [`CheckedMultipart`] extractor (which `post_limited` requires at the type level)
//!   compares that field before the handler sees any other. A multipart POST to any other route
//!   is refused here, as before.

use axum::body::Body;
use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{FromRequest, MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use jindu_domain::message::Message;
use std::sync::Arc;
use tower_sessions::Session;

use crate::AppError;

/// Session key of the token.
pub const CSRF_KEY: &str = "csrf";
/// Form field (and `x-csrf-token` header) that carries the token.
pub const CSRF_FIELD: &str = "csrf";
/// Longest `csrf` multipart field read (bytes): the token is 64 hex characters.
const TOKEN_FIELD_LIMIT: usize = 256;

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

/// The paths of the upload routes (multipart bodies), as registered with
/// [`crate::routes::Book::post_limited`]: the only routes a multipart POST may reach.
#[derive(Debug, Clone, Default)]
pub struct Uploads(pub Arc<[&'static str]>);

/// What the check left for the handler (a request extension, read by [`CheckedMultipart`]).
#[derive(Debug, Clone)]
pub enum Checked {
    /// The token came in the header or a urlencoded body and matched.
    Done,
    /// A multipart upload: its first field must be `csrf` holding this token.
    FirstField(String),
}

fn content_type(req: &Request) -> &str {
    req.headers().get(axum::http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("")
}

/// Middleware (inside the session layer): a POST must carry the session's token in the
/// `x-csrf-token` header or the `csrf` field of a urlencoded body; a multipart POST to an upload
/// route goes on to its [`CheckedMultipart`], which checks the first field. Anything else (a
/// token only in the URL, a multipart POST to another route, no token) gets 403 and reaches no
/// handler.
pub async fn check(State(uploads): State<Uploads>, session: Session, mut req: Request, next: Next) -> Response {
    if req.method() != Method::POST {
        return next.run(req).await;
    }
    let Ok(Some(expected)) = session.get::<String>(CSRF_KEY).await else {
        return refused();
    };
    let from_header = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_string);
    if let Some(t) = from_header {
        if !equal(&t, &expected) {
            return refused();
        }
        req.extensions_mut().insert(Checked::Done);
        return next.run(req).await;
    }
    if content_type(&req).starts_with("multipart/form-data") {
        let upload = req.extensions().get::<MatchedPath>().is_some_and(|p| uploads.0.contains(&p.as_str()));
        if !upload {
            return refused();
        }
        req.extensions_mut().insert(Checked::FirstField(expected));
        return next.run(req).await;
    }
    if !content_type(&req).starts_with("application/x-www-form-urlencoded") {
        return refused();
    }
    let (mut parts, body) = req.into_parts();
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
        Some(t) if equal(&t, &expected) => {
            parts.extensions.insert(Checked::Done);
            next.run(Request::from_parts(parts, Body::from(bytes))).await
        }
        _ => refused(),
    }
}

/// The multipart form of an upload route whose CSRF token was checked: the extractor every
/// handler registered with [`crate::routes::Book::post_limited`] must take (last argument).
///
/// On a request the middleware marked [`Checked::FirstField`] it reads the first field, which
/// must be named `csrf` and hold the session's token (at most 256 bytes, compared in constant
/// time), before any other field is read; otherwise — no field, another field first, a wrong
/// token, an unreadable body — the request is refused with 403 `msg.form.expired` and the
/// handler does not run. Without the middleware's mark (a route outside the check) it refuses
/// too. On a request whose token came in the header it reads nothing.
///
/// [`CheckedMultipart::form`] gives the remaining fields, or the rejection when the body is not
/// a multipart form at all (a urlencoded POST with the right token), for the handler's own
/// sentence.
pub struct CheckedMultipart(Result<Multipart, MultipartRejection>);

impl CheckedMultipart {
    /// The fields after the token.
    ///
    /// # Errors
    /// The [`MultipartRejection`] of a body that is not `multipart/form-data`.
    pub fn form(self) -> Result<Multipart, MultipartRejection> {
        self.0
    }
}

/// Reads the first field of `form` and says whether it is `csrf` holding `expected`.
async fn first_field_is_token(form: &mut Multipart, expected: &str) -> bool {
    let Ok(Some(mut field)) = form.next_field().await else {
        return false;
    };
    if field.name() != Some(CSRF_FIELD) {
        return false;
    }
    let mut value = Vec::new();
    loop {
        match field.chunk().await {
            Ok(Some(chunk)) if value.len() + chunk.len() <= TOKEN_FIELD_LIMIT => value.extend_from_slice(&chunk),
            Ok(None) => break,
            _ => return false,
        }
    }
    std::str::from_utf8(&value).is_ok_and(|t| equal(t, expected))
}

impl<S: Send + Sync> FromRequest<S> for CheckedMultipart {
    type Rejection = Response;

    async fn from_request(mut req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match req.extensions_mut().remove::<Checked>() {
            None => Err(refused()),
            Some(Checked::Done) => Ok(CheckedMultipart(Multipart::from_request(req, state).await)),
            Some(Checked::FirstField(expected)) => {
                let Ok(mut form) = Multipart::from_request(req, state).await else {
                    return Err(refused());
                };
                if first_field_is_token(&mut form, &expected).await {
                    Ok(CheckedMultipart(Ok(form)))
                } else {
                    Err(refused())
                }
            }
        }
    }
}

/// Implemented for the argument lists (axum's `Handler` type parameter: a marker, then the
/// extractors) whose last extractor is [`CheckedMultipart`]: what
/// [`crate::routes::Book::post_limited`] requires of an upload handler, so one that reads the
/// body another way does not compile.
pub trait EndsWithCheckedMultipart {}

macro_rules! ends_with_checked_multipart {
    ($($t:ident),*) => {
        impl<M, $($t,)*> EndsWithCheckedMultipart for (M, $($t,)* CheckedMultipart) {}
    };
}
ends_with_checked_multipart!();
ends_with_checked_multipart!(T1);
ends_with_checked_multipart!(T1, T2);
ends_with_checked_multipart!(T1, T2, T3);
ends_with_checked_multipart!(T1, T2, T3, T4);
ends_with_checked_multipart!(T1, T2, T3, T4, T5);
ends_with_checked_multipart!(T1, T2, T3, T4, T5, T6);

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
