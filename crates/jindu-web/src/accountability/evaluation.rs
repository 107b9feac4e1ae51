//! 考评 pages: the schemes and runs (`/evaluation`), a run's ranking (`/evaluation/{run}`) and
//! one unit's items with their traces and the inspectors' forms
//! (`/evaluation/{run}/units/{unit}`). Handlers only translate to `service::evaluation`; a
//! refused form comes back on its page with the sentences (422).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::evaluation::{self as domain, ScoreBasis};
use jindu_domain::evaluation_edit::{self as domain_edit, ItemDraft};
use jindu_store::service::ServiceError;
use jindu_store::service::evaluation::{self, RunStatus, RunView, SchemeEdit, SchemeRecord, UnitResult};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, form_values, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};

/// `/evaluation`: schemes, runs, and the forms to add them.
#[derive(Template, WebTemplate)]
#[template(path = "evaluation.html")]
pub struct EvaluationPage {
    pub c: Chrome,
    pub schemes: Vec<SchemeRecord>,
    pub runs: Vec<(Uuid, String, String, RunStatus)>,
    /// (index, name) of the shipped templates.
    pub templates: Vec<(usize, String)>,
    pub form: FormState,
    pub this_year: i32,
}

async fn evaluation_page(state: &AppState, a: Authed, form: FormState, status: StatusCode) -> PageResult {
    let schemes = evaluation::schemes(&state.db, &a.actor).await?;
    let runs = evaluation::runs(&state.db, &a.actor).await?;
    let templates = domain::templates().into_iter().enumerate().map(|(i, t)| (i, t.name)).collect();
    let this_year = chrono::Datelike::year(&state.clock.now().today);
    Ok((status, EvaluationPage { c: a.chrome, schemes, runs, templates, form, this_year }).into_response())
}

/// `GET /evaluation`.
pub async fn index(State(state): State<AppState>, a: Authed) -> PageResult {
    let lang = a.chrome.lang;
    evaluation_page(&state, a, FormState::new("", lang), StatusCode::OK).await
}

/// The form that copies a template into a scheme of a year.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewScheme {
    pub template: String,
    pub year: String,
}

/// `POST /evaluation/schemes`.
pub async fn create_scheme(State(state): State<AppState>, a: Authed, Form(f): Form<NewScheme>) -> PageResult {
    // The service checks the permission first (403), then the form (422).
    let values = form_values(&f);
    let res =
        evaluation::create_scheme_from_template(&state.db, &a.actor, state.clock.now(), &f.template, &f.year).await;
    match res {
        Ok(_) => Ok(Redirect::to("/evaluation").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "scheme".into(), values, errors, lang };
            evaluation_page(&state, a, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form that starts a run.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewRun {
    pub scheme: String,
    pub period: String,
}

/// `POST /evaluation/runs`.
pub async fn create_run(State(state): State<AppState>, a: Authed, Form(f): Form<NewRun>) -> PageResult {
    let values = form_values(&f);
    let res = evaluation::create_run_form(&state.db, &a.actor, state.clock.now(), &f.scheme, &f.period).await;
    match res {
        Ok(id) => Ok(Redirect::to(&format!("/evaluation/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "run".into(), values, errors, lang };
            evaluation_page(&state, a, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `/evaluation/{run}`: the ranking.
#[derive(Template, WebTemplate)]
#[template(path = "evaluation_run.html")]
pub struct RunPage {
    pub c: Chrome,
    pub run: RunView,
    pub form: FormState,
}

async fn run_page(state: &AppState, a: Authed, id: Uuid, form: FormState, status: StatusCode) -> PageResult {
    let run = evaluation::run(&state.db, &a.actor, id).await?;
    Ok((status, RunPage { c: a.chrome, run, form }).into_response())
}

/// `GET /evaluation/{run}`.
pub async fn run(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id)?;
    let lang = a.chrome.lang;
    run_page(&state, a, id, FormState::new("", lang), StatusCode::OK).await
}

/// The buttons of a run: `recompute`, `freeze`, `publish`.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RunAction {
    pub action: String,
}

/// `POST /evaluation/{run}/advance`.
pub async fn advance(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<RunAction>,
) -> PageResult {
    let id = parse_id(&id)?;
    let res = evaluation::run_action(&state.db, &a.actor, state.clock.now(), id, &f.action).await;
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/evaluation/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "run".into(), values: form_values(&f), errors, lang };
            run_page(&state, a, id, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `/evaluation/{run}/units/{unit}`: one unit's items with their traces.
#[derive(Template, WebTemplate)]
#[template(path = "evaluation_unit.html")]
pub struct UnitPage {
    pub c: Chrome,
    pub run: RunView,
    pub unit: UnitResult,
    pub form: FormState,
}

impl UnitPage {
    /// True when the viewer may score and adjust (a draft run, `ManageEvaluation`).
    pub fn editable(&self) -> bool {
        self.run.status == RunStatus::Draft && self.c.can("manage_evaluation")
    }

    /// The manual score given to an item, as the form shows it (empty when none).
    pub fn given(&self, code: &str) -> String {
        self.unit
            .score
            .items
            .iter()
            .find(|i| i.code == code && i.basis == ScoreBasis::Manual)
            .map(|i| if i.vetoed { "1".to_string() } else { i.earned.to_string() })
            .unwrap_or_default()
    }

    /// True for an item an inspector scores.
    pub fn is_manual(&self, code: &str) -> bool {
        self.run
            .scheme
            .walk()
            .iter()
            .any(|(_, i)| i.code == code && i.rule.as_ref().is_some_and(domain::Rule::is_manual))
    }

    /// True for a veto item.
    pub fn is_veto(&self, code: &str) -> bool {
        self.run.scheme.walk().iter().any(|(_, i)| i.code == code && matches!(i.rule, Some(domain::Rule::Veto { .. })))
    }

    /// The item's note (what the inspector checks).
    pub fn note(&self, code: &str) -> String {
        self.run.scheme.walk().iter().find(|(_, i)| i.code == code).map(|(_, i)| i.note.clone()).unwrap_or_default()
    }

    /// Indentation of an item's title by its depth.
    pub fn indent(depth: &usize) -> String {
        format!("depth-{}", (*depth).min(4))
    }
}

async fn unit_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    unit: &str,
    form: FormState,
    status: StatusCode,
) -> PageResult {
    let run = evaluation::run(&state.db, &a.actor, id).await?;
    let result = run.results.iter().find(|r| r.unit_code == unit).cloned().ok_or(crate::AppError::NotFound)?;
    Ok((status, UnitPage { c: a.chrome, run, unit: result, form }).into_response())
}

/// `GET /evaluation/{run}/units/{unit}`.
pub async fn unit(State(state): State<AppState>, a: Authed, Path((id, unit)): Path<(String, String)>) -> PageResult {
    let id = parse_id(&id)?;
    let lang = a.chrome.lang;
    unit_page(&state, a, id, &unit, FormState::new("", lang), StatusCode::OK).await
}

/// An inspector's score of one item.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct ScoreForm {
    pub item: String,
    pub points: String,
    pub note: String,
}

/// `POST /evaluation/{run}/units/{unit}/score`.
pub async fn score(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit)): Path<(String, String)>,
    Form(f): Form<ScoreForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let res =
        evaluation::score_manual(&state.db, &a.actor, state.clock.now(), id, &unit, &f.item, &f.points, &f.note).await;
    after_unit_write(&state, a, id, &unit, format!("score-{}", f.item.trim()), form_values(&f), res).await
}

/// An adjustment of a unit's total.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct AdjustForm {
    pub points: String,
    pub reason: String,
}

/// `POST /evaluation/{run}/units/{unit}/adjust`.
pub async fn adjust(
    State(state): State<AppState>,
    a: Authed,
    Path((id, unit)): Path<(String, String)>,
    Form(f): Form<AdjustForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let res = evaluation::adjust(&state.db, &a.actor, state.clock.now(), id, &unit, &f.points, &f.reason).await;
    after_unit_write(&state, a, id, &unit, "adjust".into(), form_values(&f), res).await
}

async fn after_unit_write(
    state: &AppState,
    a: Authed,
    id: Uuid,
    unit: &str,
    form: String,
    values: std::collections::HashMap<String, String>,
    res: Result<(), ServiceError>,
) -> PageResult {
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/evaluation/{id}/units/{unit}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form, values, errors, lang };
            unit_page(state, a, id, unit, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /evaluation/{run}/bulletin.docx` and `.xlsx`: the 考评结果通报 of a run the actor may see
/// (leaders: published runs only), dated the day it was published (today before that). Audited
/// `bulletin.evaluation` with the format.
async fn bulletin(state: AppState, a: Authed, id: &str, docx: bool) -> PageResult {
    let id = parse_id(id)?;
    let now = state.clock.now();
    let r = evaluation::run(&state.db, &a.actor, id).await?;
    let issued_on = r.published_at.map_or(now.today, jindu_domain::clock::shanghai_date);
    let (bytes, content_type, ext) = if docx {
        (
            jindu_documents::evaluation_bulletin::docx(&r, a.chrome.demo, issued_on)?,
            jindu_documents::bulletin::DOCX_CONTENT_TYPE,
            "docx",
        )
    } else {
        (
            jindu_documents::evaluation_bulletin::xlsx(&r, a.chrome.demo, issued_on)?,
            jindu_documents::sheet::XLSX_CONTENT_TYPE,
            "xlsx",
        )
    };
    evaluation::record_bulletin(&state.db, &a.actor, now, &r, ext).await?;
    let name = jindu_documents::evaluation_bulletin::file_name(&r, ext);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /evaluation/{run}/bulletin.docx`.
pub async fn bulletin_docx(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    bulletin(state, a, &id, true).await
}

/// `GET /evaluation/{run}/bulletin.xlsx`.
pub async fn bulletin_xlsx(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    bulletin(state, a, &id, false).await
}

/// `/evaluation/schemes/{scheme}`: a scheme's items with how each scores, and the forms that
/// edit one item (`?edit=3.1`), add one (`?parent=3`, or at the top level), remove one, and
/// rename the scheme and set its bands. Runs keep the scheme as it was when they started.
#[derive(Template, WebTemplate)]
#[template(path = "evaluation_scheme.html")]
pub struct SchemePage {
    pub c: Chrome,
    pub record: SchemeRecord,
    /// The item form's fields.
    pub draft: ItemDraft,
    /// The code of the item being edited (none: adding).
    pub original: String,
    /// Where a new item goes (blank: top level).
    pub parent: String,
    /// The settings form's fields: (name, bands).
    pub settings: (String, String),
    pub form: FormState,
}

impl SchemePage {
    /// (code, label) of the kinds of item.
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        domain_edit::ITEM_KINDS.iter().map(|(k, zh, en)| (*k, if self.c.l() == "en" { *en } else { *zh })).collect()
    }

    /// (code, label) of the indicators a rule may read.
    pub fn sources(&self) -> Vec<(String, String)> {
        domain_edit::source_choices()
    }

    /// How an item scores, in a line.
    pub fn rule(&self, item: &domain::SchemeItem) -> String {
        domain_edit::rule_summary_zh(item)
    }

    /// True when the viewer may edit.
    pub fn editable(&self) -> bool {
        self.c.can("manage_evaluation")
    }
}

/// `?edit=3.1` or `?parent=3`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct SchemeQuery {
    pub edit: String,
    pub parent: String,
}

async fn scheme_page(
    state: &AppState,
    a: Authed,
    id: Uuid,
    form: FormState,
    item: Option<(ItemDraft, String, String)>,
    settings: Option<(String, String)>,
    status: StatusCode,
) -> PageResult {
    let record = evaluation::scheme(&state.db, &a.actor, id).await?;
    let settings =
        settings.unwrap_or_else(|| (record.scheme.name.clone(), domain_edit::format_bands(&record.scheme.bands)));
    let (draft, original, parent) = item
        .unwrap_or_else(|| (ItemDraft { kind: "manual".into(), ..ItemDraft::default() }, String::new(), String::new()));
    Ok((status, SchemePage { c: a.chrome, record, draft, original, parent, settings, form }).into_response())
}

/// `GET /evaluation/schemes/{scheme}`.
pub async fn scheme(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    StrictQuery(q): StrictQuery<SchemeQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    let record = evaluation::scheme(&state.db, &a.actor, id).await?;
    let edit = q.edit.trim();
    let item = record.scheme.walk().into_iter().find(|(_, i)| i.code == edit).map(|(_, i)| i.clone());
    let item = match item {
        Some(i) => Some((ItemDraft::of(&i), i.code.clone(), String::new())),
        None => Some((
            ItemDraft { kind: "manual".into(), ..ItemDraft::default() },
            String::new(),
            q.parent.trim().chars().take(20).collect(),
        )),
    };
    let lang = a.chrome.lang;
    scheme_page(&state, a, id, FormState::new("", lang), item, None, StatusCode::OK).await
}

/// The item form: the item's fields, which item it replaces and where a new one goes, and the
/// version the form showed.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ItemForm {
    #[serde(flatten)]
    pub draft: ItemDraft,
    #[serde(default)]
    pub original: String,
    #[serde(default)]
    pub parent: String,
    #[serde(default)]
    pub version: String,
}

fn version_of(text: &str) -> i32 {
    text.trim().parse().unwrap_or(-1)
}

/// `POST /evaluation/schemes/{scheme}/items`: saves one item (edited or new).
pub async fn save_item(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<ItemForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let edit = SchemeEdit::PutItem {
        original: Some(f.original.clone()),
        parent: Some(f.parent.clone()),
        draft: Box::new(f.draft.clone()),
    };
    match evaluation::edit_scheme(&state.db, &a.actor, state.clock.now(), id, version_of(&f.version), edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/evaluation/schemes/{id}#items")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "item".into(), values: form_values(&f), errors, lang };
            let item = Some((f.draft, f.original, f.parent));
            scheme_page(&state, a, id, fs, item, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form that removes an item.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct RemoveItem {
    pub code: String,
    pub version: String,
}

/// `POST /evaluation/schemes/{scheme}/remove`.
pub async fn remove_item(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<RemoveItem>,
) -> PageResult {
    let id = parse_id(&id)?;
    let edit = SchemeEdit::RemoveItem { code: f.code.clone() };
    match evaluation::edit_scheme(&state.db, &a.actor, state.clock.now(), id, version_of(&f.version), edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/evaluation/schemes/{id}#items")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "remove".into(), values: form_values(&f), errors, lang };
            scheme_page(&state, a, id, fs, None, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The form that renames a scheme and sets its bands.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct SchemeSettings {
    pub name: String,
    pub bands: String,
    pub version: String,
}

/// `POST /evaluation/schemes/{scheme}/settings`.
pub async fn save_settings(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<SchemeSettings>,
) -> PageResult {
    let id = parse_id(&id)?;
    let edit = SchemeEdit::Settings { name: f.name.clone(), bands: f.bands.clone() };
    match evaluation::edit_scheme(&state.db, &a.actor, state.clock.now(), id, version_of(&f.version), edit).await {
        Ok(_) => Ok(Redirect::to(&format!("/evaluation/schemes/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "settings".into(), values: form_values(&f), errors, lang };
            scheme_page(&state, a, id, fs, None, Some((f.name, f.bands)), StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}
