//! 易制毒企业检查 pages (issue #21 item 6): the worklist `/precursors/inspections` (inspections due
//! by risk tier, rectifications overdue) with its Excel export, the inspection form of an
//! enterprise (one column, usable at 375 px) and the re-check. Handlers only translate to
//! `service::precursors::inspections`; a refused form comes back with its sentences (422).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_documents::table::{Table, Value, to_xlsx};
use jindu_domain::RiskTier;
use jindu_domain::precursor::inspection::{
    CHECKLIST, InspectionForm, InspectionKind, InspectionResult, ItemResult, RecheckResult,
};
use jindu_store::service::ServiceError;
use jindu_store::service::precursors::inspections::{self, Worklist, WorklistFilter};

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};

/// `/precursors/inspections`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_inspections.html")]
pub struct WorklistPage {
    pub c: Chrome,
    pub w: Worklist,
    pub filter: WorklistFilter,
    /// The filter as a query string (for the export).
    pub qs: String,
}

impl WorklistPage {
    pub fn tiers(&self) -> &'static [RiskTier] {
        RiskTier::ALL
    }
    pub fn tier_label(&self, t: &Option<RiskTier>) -> String {
        tier_label(&self.c, *t)
    }
    pub fn frequency(&self) -> String {
        self.c
            .t("pi.frequency")
            .replace("%{high}", &self.w.frequency.high.to_string())
            .replace("%{medium}", &self.w.frequency.medium.to_string())
            .replace("%{low}", &self.w.frequency.low.to_string())
    }
}

fn tier_label(c: &Chrome, t: Option<RiskTier>) -> String {
    match t {
        Some(t) => t.label(c.l()).to_string(),
        None => c.t("pi.not_assessed"),
    }
}

/// `/precursors/enterprises/{ent}/inspections/new`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_inspection_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub enterprise: uuid::Uuid,
    pub form: InspectionForm,
    pub state: FormState,
}

impl FormPage {
    pub fn kinds(&self) -> &'static [InspectionKind] {
        InspectionKind::ALL
    }
    pub fn results(&self) -> &'static [InspectionResult] {
        InspectionResult::ALL
    }
    pub fn item_results(&self) -> &'static [ItemResult] {
        ItemResult::ALL
    }
    /// The checklist: (code, label).
    pub fn checklist(&self) -> Vec<(&'static str, &'static str)> {
        CHECKLIST.iter().map(|(c, zh, en)| (*c, if self.c.l() == "en" { *en } else { *zh })).collect()
    }
    pub fn item_is(&self, code: &str, r: &ItemResult) -> bool {
        self.form.items.iter().any(|(c, v)| c == code && v == r.as_code())
    }
    pub fn kind_is(&self, k: &InspectionKind) -> bool {
        self.form.kind == k.as_code()
    }
    pub fn result_is(&self, r: &InspectionResult) -> bool {
        self.form.result == r.as_code()
    }
}

fn read_form(pairs: &[(String, String)]) -> InspectionForm {
    let mut f = InspectionForm::default();
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v.clone(),
            "inspected_on" => f.inspected_on = v.clone(),
            "inspectors" => f.inspectors = v.clone(),
            "result" => f.result = v.clone(),
            "findings" => f.findings = v.clone(),
            "rectification_due" => f.rectification_due = v.clone(),
            other => {
                if let Some(code) = other.strip_prefix("item_") {
                    f.items.push((code.to_string(), v.clone()));
                }
            }
        }
    }
    f
}

/// `GET /precursors/inspections`.
pub async fn list(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<WorklistFilter>,
) -> PageResult {
    let w = inspections::worklist(&state.db, &a.actor, state.clock.now().today, &filter).await?;
    let qs = format!("division={}&until={}&tier={}", filter.division.trim(), filter.until.trim(), filter.tier.trim());
    Ok(WorklistPage { c: a.chrome, w, filter, qs }.into_response())
}

use crate::AppState;

/// `GET /precursors/inspections.xlsx`: both lists of the worklist with the same filter.
pub async fn export(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<WorklistFilter>,
) -> PageResult {
    let today = state.clock.now().today;
    let w = inspections::worklist(&state.db, &a.actor, today, &filter).await?;
    let c = &a.chrome;
    let l = c.l();
    let mut rows: Vec<Vec<Value>> = w
        .due
        .iter()
        .map(|r| {
            vec![
                Value::from(c.t("pi.sheet_due")),
                Value::from(r.name.as_str()),
                Value::from(r.credit_code.as_str()),
                Value::from(r.division.as_str()),
                Value::from(tier_label(c, r.tier)),
                Value::from(r.last_inspected.map(|d| d.to_string()).unwrap_or_else(|| c.t("pi.never"))),
                Value::from(r.due.to_string()),
                Value::from(r.overdue_days.to_string()),
            ]
        })
        .collect();
    rows.extend(w.overdue.iter().map(|r| {
        vec![
            Value::from(c.t("pi.sheet_overdue")),
            Value::from(r.name.as_str()),
            Value::from(""),
            Value::from(r.division.as_str()),
            Value::from(r.result.label(l)),
            Value::from(r.inspected_on.to_string()),
            Value::from(r.rectification_due.to_string()),
            Value::from(r.overdue_days.to_string()),
        ]
    }));
    let table = Table {
        sheet: c.t("pi.title"),
        title: format!("{} {}", c.t("pi.title"), today),
        headers: [
            "pi.filter",
            "pi.enterprise",
            "pi.credit_code",
            "pi.division",
            "pi.tier",
            "pi.last",
            "pi.due",
            "pi.overdue_days",
        ]
        .iter()
        .map(|k| c.t(k))
        .collect(),
        rows,
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| crate::AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"precursor-inspections.xlsx\"".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /precursors/enterprises/{ent}/inspections/new`.
pub async fn new_form(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    inspections::authorize(&a.actor)?;
    let id = parse_id(&id)?;
    inspections::authorize_for(&state.db, &a.actor, id).await?;
    let lang = a.chrome.lang;
    let form = InspectionForm {
        items: CHECKLIST.iter().map(|(c, _, _)| (c.to_string(), ItemResult::Complies.as_code().to_string())).collect(),
        ..Default::default()
    };
    Ok(FormPage { c: a.chrome, enterprise: id, form, state: FormState::new("inspection", lang) }.into_response())
}

/// `POST /precursors/enterprises/{ent}/inspections`.
pub async fn create(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let f = read_form(&pairs);
    match inspections::record(&state.db, &state.vault, &a.actor, state.clock.now(), id, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/precursors/enterprises/{id}#inspections")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let st = FormState { form: "inspection".into(), values: Default::default(), errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, FormPage { c: a.chrome, enterprise: id, form: f, state: st })
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The re-check form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct RecheckForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub rechecked_on: String,
    #[serde(default)]
    pub recheck_result: String,
    #[serde(default)]
    pub enterprise: String,
}

/// `POST /precursors/inspections/{insp}/recheck`: back to the enterprise page; a refusal is a
/// 422 with its sentences.
pub async fn recheck(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<RecheckForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let version = f.version.trim().parse().unwrap_or(0);
    inspections::recheck(&state.db, &a.actor, state.clock.now(), id, version, &f.rechecked_on, &f.recheck_result)
        .await?;
    let back = match uuid::Uuid::parse_str(f.enterprise.trim()) {
        Ok(e) => format!("/precursors/enterprises/{e}#inspections"),
        Err(_) => "/precursors/inspections".to_string(),
    };
    Ok(Redirect::to(&back).into_response())
}

/// The recheck results offered (for the enterprise page).
pub fn recheck_results() -> &'static [RecheckResult] {
    RecheckResult::ALL
}
