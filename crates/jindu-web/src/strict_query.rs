//! The query string of every GET address, read once for all handlers: [`StrictQuery`] for the
//! pages, [`ApiQuery`] for the JSON API. Where axum's `Query` answers a repeated parameter
//! (`?status=a&status=b`) or an unreadable one with a bare English 400, these answer 400 with a
//! sentence in Chinese and English naming the parameter
//! ([`jindu_domain::query::QueryStringError`]); the values themselves are then read strictly by
//! each handler through `jindu_domain::query` (422 naming the parameter). `clippy.toml` forbids
//! axum's `Query` so that no handler reads a query string another way.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use jindu_domain::query::{QueryStringError, parameter_in, repeated_parameter};
use serde::de::DeserializeOwned;

use crate::api::ApiError;
use crate::error::AppError;

/// Reads `query` (the part after `?`, if any) into `T`.
///
/// # Errors
/// [`QueryStringError::Repeated`] naming the first parameter given twice where `T` takes one
/// value; [`QueryStringError::Malformed`] naming the parameter `T` cannot read, when the reader
/// names it.
pub fn read_query<T: DeserializeOwned>(query: Option<&str>) -> Result<T, QueryStringError> {
    let raw = query.unwrap_or("");
    serde_urlencoded::from_str::<T>(raw).map_err(|e| {
        let detail = e.to_string();
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw).unwrap_or_default();
        let repeated = repeated_parameter(pairs.iter().map(|(k, _)| k.as_str())).map(str::to_string);
        match (repeated, parameter_in(&detail).map(str::to_string)) {
            // serde names the repeated field; any other repetition is the likely cause too.
            (Some(p), named) if detail.starts_with("duplicate field") || named.is_none() => {
                QueryStringError::Repeated(p)
            }
            (_, parameter) => QueryStringError::Malformed { parameter, detail },
        }
    })
}

/// The query string of a page, read as `T` (see the module).
#[derive(Debug, Clone, Copy, Default)]
pub struct StrictQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for StrictQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        read_query(parts.uri.query())
            .map(StrictQuery)
            .map_err(|e| AppError::Form { status: StatusCode::BAD_REQUEST, message: e.message() })
    }
}

/// The query string of an API call, read as `T`; refused as JSON `{code, message, errors}`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        read_query(parts.uri.query()).map(ApiQuery).map_err(|e| ApiError::query_string(&e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Q {
        #[serde(default)]
        status: String,
        page: Option<u64>,
    }

    #[test]
    fn a_repeated_parameter_is_named() {
        let e = read_query::<Q>(Some("status=a&page=2&status=b")).unwrap_err();
        assert_eq!(e, QueryStringError::Repeated("status".into()));
        assert_eq!(read_query::<Q>(Some("status=a&page=2")).unwrap(), Q { status: "a".into(), page: Some(2) });
        assert_eq!(read_query::<Q>(None).unwrap(), Q { status: String::new(), page: None });
    }

    #[test]
    fn an_unreadable_value_is_malformed() {
        let e = read_query::<Q>(Some("page=abc")).unwrap_err();
        assert!(matches!(e, QueryStringError::Malformed { .. }), "{e:?}");
    }
}
