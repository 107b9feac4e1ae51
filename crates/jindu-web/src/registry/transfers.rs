//! Pages of 变更执行地 (transfers of the place of execution, 戒毒条例 §22): the request form on
//! the person page, the decision forms and the /transfers list, and the "take this person over"
//! offer after a duplicate registration. Handlers only translate to `service::transfers`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::IdNumber;
use jindu_store::service::transfers::{self, Duplicate, PullRequest, TransferDecision, TransferLists, TransferRequest};
use jindu_store::service::{Actor, ServiceError};

use crate::AppState;
use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, form_values, parse_id};
use crate::registry::persons::after_person_write;
use crate::view::{Chrome, FormState};

/// The /transfers page.
#[derive(Template, WebTemplate)]
#[template(path = "transfers.html")]
pub struct TransfersPage {
    pub c: Chrome,
    pub lists: TransferLists,
    pub form: FormState,
}

async fn list_page(state: &AppState, a: Authed, form: FormState, status: StatusCode) -> PageResult {
    let now = state.clock.now();
    let lists = transfers::list(&state.db, &state.vault, &a.actor, now).await?;
    Ok((status, TransfersPage { c: a.chrome, lists, form }).into_response())
}

pub async fn list(State(state): State<AppState>, a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    list_page(&state, a, FormState::new("", lang), StatusCode::OK).await
}

/// 申请变更执行地 from the person page.
pub async fn request(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<TransferRequest>,
) -> PageResult {
    let id = parse_id(&id)?;
    let values = form_values(&f);
    let res = transfers::request(&state.db, &state.vault, &a.actor, state.clock.now(), id, &f).await;
    after_person_write(&state, a, id, "transfer", values, res).await
}

/// 接收 / 退回 / 撤回. Errors in the form come back on the /transfers page (the deciding side may
/// not see the person's page).
pub async fn decide(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<TransferDecision>,
) -> PageResult {
    let id = parse_id(&id)?;
    let values = form_values(&f);
    match transfers::decide(&state.db, &state.vault, &a.actor, state.clock.now(), id, &f).await {
        Ok(d) if d.person_visible => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: format!("decide-{}", f.transfer.trim()), values, errors, lang };
            list_page(&state, a, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// 申请接收 after a duplicate registration: asks the person's current town to hand them over.
pub async fn pull(State(state): State<AppState>, a: Authed, Form(f): Form<PullRequest>) -> PageResult {
    let values = form_values(&f);
    match transfers::request_pull(&state.db, &state.vault, &a.actor, state.clock.now(), &f).await {
        Ok(_) => Ok(Redirect::to("/transfers").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "pull".into(), values, errors, lang };
            list_page(&state, a, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// For the registration page: where the typed ID number is already registered, when the form
/// was refused for a duplicate.
pub(crate) async fn duplicate_of(
    state: &AppState,
    actor: &Actor,
    form: &FormState,
) -> Result<Option<Duplicate>, crate::AppError> {
    if !form.errors.iter().any(|e| e.code.starts_with("id_number.duplicate")) {
        return Ok(None);
    }
    let Ok(n) = IdNumber::parse_on(form.v("id_number"), state.clock.now().today) else { return Ok(None) };
    Ok(transfers::find_duplicate(&state.db, &state.vault, actor, &n).await?)
}
