//! A form extractor whose refusals are sentences in Chinese and English (axum's own are
//! English-only plain text), and the 405 page.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
use jindu_domain::message::Message;
use serde::de::DeserializeOwned;

use crate::AppError;

/// Like `axum::Form`, but a missing field, a wrong content type or an oversized body gets a
/// bilingual error page and stores nothing.
pub struct Form<T>(pub T);

impl<T, S> FromRequest<S> for Form<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Form(v)),
            Err(e) => Err(explain(&e)),
        }
    }
}

fn explain(e: &FormRejection) -> AppError {
    let text = e.body_text();
    let message = match e {
        FormRejection::InvalidFormContentType(_) => Message::new("msg.form.content_type"),
        FormRejection::FailedToDeserializeForm(_) | FormRejection::FailedToDeserializeFormBody(_) => {
            let field = text.split('`').nth(1).unwrap_or("");
            Message::new("msg.form.malformed").label(
                "field",
                jindu_domain::error::field_label(field, "zh"),
                field.to_string(),
            )
        }
        _ if text.contains("length limit") => {
            Message::new("msg.form.body_too_large").text("limit", crate::BODY_LIMIT / 1024)
        }
        _ => Message::new("msg.form.unreadable"),
    };
    AppError::Form { status: e.status(), message }
}
