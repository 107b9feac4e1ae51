//! Errors shown to people: a sentence in Chinese and English, never internals.

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use jindu_store::service::{FieldError, ServiceError};

/// An error page. Internal causes are logged, not shown.
#[derive(Debug)]
pub enum AppError {
    /// 404: the page or object does not exist or is outside the user's scope.
    NotFound,
    /// A refused form submission (status from the rejection) with its sentence from the catalogue.
    Form { status: StatusCode, message: jindu_domain::message::Message },
    /// 405: a POST-only address opened with GET (e.g. after signing in).
    MethodNotAllowed,
    /// 403: the role may not do this.
    Forbidden,
    /// 409: stale edit.
    Conflict,
    /// 422: refused input (a query parameter of a list or export, a field): one sentence per
    /// problem, each naming its field, in Chinese and English.
    Invalid(Vec<jindu_store::service::FieldError>),
    /// 500: logged; the page says only that something went wrong.
    Internal(String),
}

impl From<ServiceError> for AppError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::NotFound(_) => AppError::NotFound,
            ServiceError::Conflict => AppError::Conflict,
            ServiceError::Forbidden(_) => AppError::Forbidden,
            ServiceError::Refused(e) => AppError::Form { status: StatusCode::FORBIDDEN, message: e.message },
            ServiceError::Invalid(errs) => AppError::Invalid(errs),
            other => AppError::Internal(other.to_string()),
        }
    }
}

fn page(status: StatusCode, zh: &str, en: &str) -> Response {
    let t = crate::view::ErrorPage { zh, en };
    match askama::Template::render(&t) {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, format!("{zh} / {en}")).into_response(),
    }
}

/// The error page with the catalogue's sentence `code` (no parameters).
fn page_of(status: StatusCode, code: &'static str) -> Response {
    let (zh, en) = jindu_messages::render_both(&jindu_domain::message::Message::new(code));
    page(status, &zh, &en)
}

/// A document or workbook that could not be written is an internal fault.
impl From<jindu_documents::ExportError> for AppError {
    fn from(e: jindu_documents::ExportError) -> Self {
        AppError::Internal(e.to_string())
    }
}

impl From<Vec<jindu_domain::DomainError>> for AppError {
    fn from(errs: Vec<jindu_domain::DomainError>) -> Self {
        AppError::Invalid(errs.into_iter().map(Into::into).collect())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::NotFound => page_of(StatusCode::NOT_FOUND, "msg.page.not_found"),
            AppError::Form { status, message } => {
                let (zh, en) = jindu_messages::render_both(&message);
                page(status, &zh, &en)
            }
            AppError::Invalid(errs) => page(
                StatusCode::UNPROCESSABLE_ENTITY,
                &errs.iter().map(|e| jindu_messages::render(&e.message, "zh")).collect::<Vec<_>>().join(" "),
                &errs.iter().map(|e| jindu_messages::render(&e.message, "en")).collect::<Vec<_>>().join(" "),
            ),
            AppError::MethodNotAllowed => page_of(StatusCode::METHOD_NOT_ALLOWED, "msg.page.post_only"),
            AppError::Forbidden => page_of(StatusCode::FORBIDDEN, "msg.page.forbidden"),
            AppError::Conflict => page_of(StatusCode::CONFLICT, "msg.page.conflict"),
            AppError::Internal(detail) => {
                tracing::error!("internal error: {detail}");
                page_of(StatusCode::INTERNAL_SERVER_ERROR, "msg.page.internal")
            }
        }
    }
}

/// Codes of the field errors that refuse a division or unit outside the user's scope (or the
/// deployment): a 422 carrying one is a refused attempt and is audited like a 403 or 404.
pub const SCOPE_REFUSAL_CODES: &[&str] = &["division.outside", "division.out_of_scope"];

/// Marks a refused form response (422) as a scope refusal for the audit layer
/// (`audit_refusals` in the crate root); the text says which field and value.
#[derive(Debug, Clone)]
pub struct ScopeRefusal(pub String);

/// Adds [`ScopeRefusal`] to `response` when `errors` refuse a division or unit outside the
/// user's scope ([`SCOPE_REFUSAL_CODES`]); `typed` is the value as submitted.
pub fn mark_scope_refusal(mut response: Response, errors: &[FieldError], typed: &str) -> Response {
    if let Some(e) = errors.iter().find(|e| SCOPE_REFUSAL_CODES.contains(&e.code)) {
        let typed: String = typed.chars().take(60).collect();
        response.extensions_mut().insert(ScopeRefusal(format!("{} {} ({})", e.field, typed, e.code)));
    }
    response
}
