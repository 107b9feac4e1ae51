//! What every page handler shares: the result type, reading an id and a form back, the stylesheet,
//! the health check and the 404 and 405 pages.

use std::collections::HashMap;

use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::AppError;

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

/// The first value of the field `name` of a form read as pairs (one with repeated fields, e.g.
/// checkboxes); empty when the form does not hold it.
pub(crate) fn first_value(pairs: &[(String, String)], name: &str) -> String {
    pairs.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Every value of the field `name` of a form read as pairs, in order.
pub(crate) fn all_values(pairs: &[(String, String)], name: &str) -> Vec<String> {
    pairs.iter().filter(|(n, _)| n == name).map(|(_, v)| v.clone()).collect()
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

pub async fn method_not_allowed() -> AppError {
    AppError::MethodNotAllowed
}

pub async fn not_found() -> AppError {
    AppError::NotFound
}
