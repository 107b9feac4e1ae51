//! 工作站 page `/workstations`: the 社区戒毒(康复)工作站 of the towns in scope with their staff
//! (禁毒社工) and the coverage (工作站覆盖率, the 驾驶舱's rule), a form that opens one, one that
//! edits it, and staff added or removed. Handlers only translate to `service::workstations`; a
//! refused form comes back on the page with its sentences (422).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::DivisionLevel;
use jindu_domain::indicator::Unit;
use jindu_store::service::workstations::{self, Coverage, WorkstationForm, WorkstationRow};
use jindu_store::service::{ServiceError, deployment};

use crate::AppState;
use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::view::{Chrome, FormState};

/// `/workstations`.
#[derive(Template, WebTemplate)]
#[template(path = "workstations.html")]
pub struct WorkstationsPage {
    pub c: Chrome,
    pub rows: Vec<WorkstationRow>,
    pub coverage: Coverage,
    /// The towns in scope without a workstation: (code, name).
    pub uncovered: Vec<(String, String)>,
    /// The towns in scope, for the form: (code, name).
    pub towns: Vec<(String, String)>,
    pub form: FormState,
}

impl WorkstationsPage {
    /// The coverage as shown: `45.9%`.
    pub fn rate(&self) -> String {
        self.coverage.figure.display(Unit::Percent)
    }
}

async fn render(state: &AppState, a: Authed, form: FormState, status: StatusCode) -> PageResult {
    let now = state.clock.now();
    let rows = workstations::list(&state.db, &a.actor).await?;
    let coverage = workstations::coverage(&state.db, &a.actor, now.today).await?;
    let towns: Vec<(String, String)> = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town)
        .await?
        .into_iter()
        .map(|d| (d.code.to_string(), d.name))
        .collect();
    let uncovered =
        towns.iter().filter(|(code, _)| !rows.iter().any(|r| r.town.to_string() == *code)).cloned().collect();
    Ok((status, WorkstationsPage { c: a.chrome, rows, coverage, uncovered, towns, form }).into_response())
}

/// `GET /workstations`.
pub async fn page(State(state): State<AppState>, a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    render(&state, a, FormState::new("", lang), StatusCode::OK).await
}

/// A refused form back on the page (422), or the error.
async fn refused(state: &AppState, a: Authed, form: &str, values: FormValues, e: ServiceError) -> PageResult {
    match e {
        ServiceError::Invalid(errors) => {
            let lang = a.chrome.lang;
            render(state, a, FormState { form: form.into(), values, errors, lang }, StatusCode::UNPROCESSABLE_ENTITY)
                .await
        }
        e => Err(e.into()),
    }
}

type FormValues = std::collections::HashMap<String, String>;

/// `POST /workstations`: opens a workstation.
pub async fn create(State(state): State<AppState>, a: Authed, Form(f): Form<WorkstationForm>) -> PageResult {
    let values = crate::page::form_values(&f);
    match workstations::create(&state.db, &a.actor, state.clock.now(), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/workstations#ws-{id}")).into_response()),
        Err(e) => refused(&state, a, "new", values, e).await,
    }
}

/// `POST /workstations/{id}`: changes a workstation's name, address or opening date.
pub async fn update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<WorkstationForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let values = crate::page::form_values(&f);
    match workstations::update(&state.db, &a.actor, state.clock.now(), id, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/workstations#ws-{id}")).into_response()),
        Err(e) => refused(&state, a, &format!("edit-{id}"), values, e).await,
    }
}

/// The staff form: a user name or name.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct StaffForm {
    pub staff: String,
}

/// `POST /workstations/{id}/staff`: adds a social worker to the staff.
pub async fn add_staff(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<StaffForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let values = crate::page::form_values(&f);
    match workstations::add_staff(&state.db, &a.actor, state.clock.now(), id, &f.staff).await {
        Ok(()) => Ok(Redirect::to(&format!("/workstations#ws-{id}")).into_response()),
        Err(e) => refused(&state, a, &format!("staff-{id}"), values, e).await,
    }
}

/// `POST /workstations/{id}/staff/{user}/remove`: takes a social worker off the staff.
pub async fn remove_staff(
    State(state): State<AppState>,
    a: Authed,
    Path((id, user)): Path<(String, String)>,
) -> PageResult {
    let (id, user) = (parse_id(&id)?, parse_id(&user)?);
    workstations::remove_staff(&state.db, &a.actor, state.clock.now(), id, user).await?;
    Ok(Redirect::to(&format!("/workstations#ws-{id}")).into_response())
}
