//! 人员登记 person pages: the list, a person's page, registering and editing a person, recording
//! events, deciding and acting on measures, changing the control status.

use std::collections::HashMap;

use crate::form::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::{DivisionLevel, Permission};
use jindu_store::service::measures::{self, NewEvent};
use jindu_store::service::persons::{self, NewPerson, PersonFilter};
use jindu_store::service::{ServiceError, audit, deployment};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Authed;
use crate::page::{PageResult, form_values, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::*;
use crate::{AppError, AppState};

pub async fn persons(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<PersonFilter>,
) -> PageResult {
    let now = state.clock.now();
    let page = persons::list(&state.db, &state.vault, &a.actor, now, &filter).await?;
    let towns = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town).await?;
    let communities = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Village).await?;
    let qs = serde_urlencoded::to_string([
        ("town", filter.town.as_str()),
        ("community", filter.community.as_str()),
        ("measure", filter.measure.as_str()),
        ("status", filter.status.as_str()),
        ("q", filter.q.as_str()),
        ("sealed", filter.sealed.as_str()),
        ("risk", filter.risk.as_str()),
    ])
    .unwrap_or_default();
    let headcounts = persons::headcounts(&state.db, &state.vault, &a.actor, &filter).await?;
    Ok(PersonsPage { c: a.chrome, page, filter, towns, communities, qs, headcounts }.into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PersonQuery {
    record: String,
    /// `1`: show the ID number, phone and address in full (needs Unmask; audited).
    unmask: String,
    /// A measure kind code: open the decision form with it chosen (from the serious-breach card).
    decide: String,
}

impl PersonQuery {
    /// Reads the query strictly ([`jindu_domain::query`]): `record` an event or duty kind code,
    /// `unmask` 1 or 0, `decide` a measure kind code. Returns (measure to decide, unmask).
    ///
    /// # Errors
    /// 422 naming every refused parameter.
    fn check(&self) -> Result<(Option<jindu_domain::MeasureKind>, bool), AppError> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let record = self.record.trim();
        if !record.is_empty()
            && jindu_domain::EventKind::from_code(record).is_none()
            && jindu_domain::ObligationKind::from_code(record).is_none()
        {
            c.take(query::choice("record", record, jindu_domain::EventKind::ALL, jindu_domain::EventKind::as_code));
        }
        let unmask = c.take(query::flag("unmask", &self.unmask));
        let decide = c.take(query::choice(
            "decide",
            &self.decide,
            jindu_domain::MeasureKind::ALL,
            jindu_domain::MeasureKind::as_code,
        ));
        c.finish()?;
        Ok((decide, unmask))
    }
}

/// The person page, with field errors of `form` if any; `unmask` shows personal data in full
/// (needs Unmask, audited by the service).
pub(crate) async fn person_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: FormState,
    record: String,
    status: StatusCode,
    unmask: bool,
) -> PageResult {
    let now = state.clock.now();
    let reading = if unmask { persons::Reading::Unmasked } else { persons::Reading::Masked };
    let d = persons::detail(&state.db, &state.vault, &a.actor, now, id, reading).await?;
    let access = if a.actor.can(Permission::ViewRecordAccess) {
        audit::person_access(&state.db, &a.actor, id, 20)
            .await?
            .into_iter()
            .map(|r| {
                let at = r.at.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string();
                (at, r.username, r.action)
            })
            .collect()
    } else {
        Vec::new()
    };
    let cw = crate::casework::load(state, &a, &d, now).await?;
    let transfers = jindu_store::service::transfers::for_person(&state.db, &state.vault, &a.actor, now, id).await?;
    Ok((status, PersonPage { c: a.chrome, access, today: now.today, d, transfers, form, record, cw }).into_response())
}

pub async fn person(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    StrictQuery(q): StrictQuery<PersonQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let lang = a.chrome.lang;
    let (decide, unmask) = q.check()?;
    let form = match decide {
        Some(k) => {
            let mut f = FormState::new("decide", lang);
            f.values.insert("measure_kind".into(), k.as_code().into());
            f
        }
        None => FormState::new("", lang),
    };
    person_page(&state, a, id, form, q.record.trim().to_string(), StatusCode::OK, unmask).await
}

/// Turns a service result into a redirect (success) or the person page with field errors.
pub(crate) async fn after_person_write<T>(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: &str,
    values: HashMap<String, String>,
    res: Result<T, ServiceError>,
) -> PageResult {
    match res {
        Ok(_) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: form.to_string(), values, errors, lang };
            let record = fs.v("kind").to_string();
            person_page(state, a, id, fs, record, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record_event(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<NewEvent>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let form = if f.kind == "amendment" { format!("amend-{}", f.amends) } else { "event".to_string() };
    let res = measures::record_event(&state.db, &state.vault, &a.actor, now, id, f).await;
    after_person_write(&state, a, id, &form, values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct DecideForm {
    #[serde(default)]
    measure_kind: String,
    #[serde(default)]
    decision_date: String,
    #[serde(default)]
    report_date: String,
    /// `1`: the officer checked the 禁毒法 §39 exemptions and decides anyway.
    #[serde(default)]
    confirm_exemptions: String,
}

pub async fn decide_measure(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<DecideForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let confirmed = f.confirm_exemptions == "1";
    let res =
        measures::decide(&state.db, &a.actor, now, id, &f.measure_kind, &f.decision_date, &f.report_date, confirmed)
            .await;
    after_person_write(&state, a, id, "decide", values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct ActionForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    end_reason: String,
    /// For `action=correct`: the date corrected (`decision_date`, `report_date`).
    #[serde(default)]
    field: String,
    /// For `action=correct`: why (required).
    #[serde(default)]
    reason: String,
}

pub async fn measure_action(
    State(state): State<AppState>,
    a: Authed,
    Path((id, mid)): Path<(String, String)>,
    Form(f): Form<ActionForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let mid = parse_id(&mid)?;
    let now = state.clock.now();
    let values = form_values(&f);
    if f.action.trim() == "correct" {
        // A mistyped decision or report date (needs EditPersons, checked by the service).
        let input = measures::DateCorrection { field: f.field.clone(), date: f.date.clone(), reason: f.reason.clone() };
        let res = measures::correct_date(&state.db, &state.vault, &a.actor, now, id, mid, &input).await;
        return after_person_write(&state, a, id, &format!("correct-{mid}"), values, res).await;
    }
    let res = match measures::parse_action(&f.action, &f.end_reason) {
        Ok(action) => measures::act(&state.db, &a.actor, now, id, mid, action, &f.date).await,
        Err(e) => Err(e.into()),
    };
    after_person_write(&state, a, id, &format!("measure-{mid}"), values, res).await
}

#[derive(Deserialize, serde::Serialize)]
pub struct StatusForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    date: String,
}

impl From<&StatusForm> for persons::StatusChange {
    fn from(f: &StatusForm) -> Self {
        persons::StatusChange { status: f.status.clone(), date: f.date.clone(), version: f.version.clone() }
    }
}

pub async fn change_status(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    let res = persons::change_status(&state.db, &state.vault, &a.actor, now, id, &(&f).into()).await;
    after_person_write(&state, a, id, "status", values, res).await
}

async fn new_person_page(state: &AppState, a: Authed, form: FormState, status: StatusCode) -> PageResult {
    let (communities, workers) = persons::form_choices(&state.db, &a.actor).await?;
    let duplicate = crate::registry::transfers::duplicate_of(state, &a.actor, &form).await?;
    Ok((status, NewPersonPage { c: a.chrome, form, duplicate, communities, workers }).into_response())
}

pub async fn new_person_form(State(state): State<AppState>, a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    new_person_page(&state, a, FormState::new("person", lang), StatusCode::OK).await
}

pub async fn register_person(State(state): State<AppState>, a: Authed, Form(f): Form<NewPerson>) -> PageResult {
    let now = state.clock.now();
    let values = form_values(&f);
    match persons::register(&state.db, &state.vault, &a.actor, now, f).await {
        Ok(id) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let refused = errors.clone();
            let typed = values.get("division").cloned().unwrap_or_default();
            let page = new_person_page(
                &state,
                a,
                FormState { form: "person".into(), values, errors, lang },
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await?;
            Ok(crate::error::mark_scope_refusal(page, &refused, &typed))
        }
        Err(e) => Err(e.into()),
    }
}

async fn edit_person_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: Option<FormState>,
    status: StatusCode,
) -> PageResult {
    let (communities, workers) = persons::form_choices(&state.db, &a.actor).await?;
    let now = state.clock.now();
    let values = persons::edit_values(&state.db, &state.vault, &a.actor, id).await?;
    // The person page's read (audited there); the ID number stays masked on the edit form.
    let masked =
        persons::detail(&state.db, &state.vault, &a.actor, now, id, persons::Reading::Masked).await?.person.id_display;
    let form = match form {
        Some(f) => f,
        None => {
            FormState { form: "edit".into(), values: form_values(&values), errors: Vec::new(), lang: a.chrome.lang }
        }
    };
    let page = EditPersonPage { c: a.chrome, id, id_number_masked: masked, form, communities, workers };
    Ok((status, page).into_response())
}

pub async fn edit_person_form(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id)?;
    edit_person_page(&state, a, id, None, StatusCode::OK).await
}

pub async fn edit_person(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<persons::EditPerson>,
) -> PageResult {
    let id = parse_id(&id)?;
    let now = state.clock.now();
    let values = form_values(&f);
    match persons::update(&state.db, &state.vault, &a.actor, now, id, f).await {
        Ok(()) => Ok(Redirect::to(&format!("/persons/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let refused = errors.clone();
            let typed = values.get("division").cloned().unwrap_or_default();
            let fs = FormState { form: "edit".into(), values, errors, lang };
            let page = edit_person_page(&state, a, id, Some(fs), StatusCode::UNPROCESSABLE_ENTITY).await?;
            Ok(crate::error::mark_scope_refusal(page, &refused, &typed))
        }
        Err(e) => Err(e.into()),
    }
}
