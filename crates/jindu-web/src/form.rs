//! A form extractor whose refusals are sentences in Chinese and English (axum's own are
//! English-only plain text), and the 405 page.

use axum::extract::rejection::FormRejection;
use axum::extract::{FromRequest, Request};
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
    let (zh, en) = match e {
        FormRejection::InvalidFormContentType(_) => (
            "请用网页表单提交（Content-Type 须为 application/x-www-form-urlencoded）。".to_string(),
            "Submit the page's form (Content-Type must be application/x-www-form-urlencoded).".to_string(),
        ),
        FormRejection::FailedToDeserializeForm(_) | FormRejection::FailedToDeserializeFormBody(_) => {
            let field = text.split('`').nth(1).unwrap_or("");
            (
                format!(
                    "表单内容不完整或格式不对（字段：{}），未保存任何内容。请返回页面重新提交。",
                    jindu_domain::error::field_label(field, "zh")
                ),
                format!(
                    "The form is incomplete or malformed (field: {field}); nothing was saved. Go back and submit the page again."
                ),
            )
        }
        _ if text.contains("length limit") => (
            format!("提交的内容过大（上限 {} KB），未保存任何内容。", crate::BODY_LIMIT / 1024),
            format!("The submission is too large (limit {} KB); nothing was saved.", crate::BODY_LIMIT / 1024),
        ),
        _ => (
            "无法读取提交的表单，未保存任何内容。".to_string(),
            "The form could not be read; nothing was saved.".to_string(),
        ),
    };
    AppError::Form { status: e.status(), zh, en }
}
