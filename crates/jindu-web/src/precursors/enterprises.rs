//! 易制毒化学品生产经营单位 pages `/precursors/enterprises…`: the list (filters, paging, Excel
//! export), the enterprise page, and the form that registers or edits one (one column, usable at
//! 375 px). Handlers only translate to `service::enterprises`; a refused form comes back with
//! its sentences (422).

use super::url_escape;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_documents::table::{Table, Value, to_xlsx};
use jindu_domain::precursor::enterprise::{EnterpriseForm, WarehouseForm};
use jindu_domain::precursor::{EnterpriseRole, EnterpriseStatus};
use jindu_store::service::enterprises::{self, EnterpriseFilter, EnterpriseRow, EnterpriseView, Reading};
use jindu_store::service::{Page, ServiceError};

use super::credentials::WalletWords as _;
use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};
use crate::{AppError, AppState};

/// Empty warehouse rows the form offers beyond the stored ones.
const SPARE_WAREHOUSES: usize = 2;

/// `/precursors/enterprises`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_enterprises.html")]
pub struct ListPage {
    pub c: Chrome,
    pub page: Page<EnterpriseRow>,
    pub filter: EnterpriseFilter,
    /// The filter as a query string (without `page`).
    pub qs: String,
    /// Towns in scope: (9-digit code, name).
    pub towns: Vec<(String, String)>,
}

impl ListPage {
    pub fn roles(&self) -> &'static [EnterpriseRole] {
        EnterpriseRole::ALL
    }
    pub fn statuses(&self) -> &'static [EnterpriseStatus] {
        EnterpriseStatus::ALL
    }
    pub fn role_labels(&self, roles: &[EnterpriseRole]) -> String {
        roles.iter().map(|r| r.label(self.c.l())).collect::<Vec<_>>().join("、")
    }
    pub fn tiers(&self) -> &'static [jindu_domain::RiskTier] {
        jindu_domain::RiskTier::ALL
    }
    pub fn tier_label(&self, t: &Option<jindu_domain::RiskTier>) -> String {
        match t {
            Some(t) => t.label(self.c.l()).to_string(),
            None => self.c.t("pi.not_assessed"),
        }
    }
}

/// `/precursors/enterprises/{ent}`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_enterprise.html")]
pub struct EnterprisePage {
    pub c: Chrome,
    pub e: EnterpriseView,
    /// Its inspections, newest first (`None`: the viewer may not inspect, e.g. a 企业 account).
    pub inspections: Option<Vec<jindu_store::service::precursors::inspections::InspectionView>>,
    /// Its risk tier (shown with the inspections; `None` inside: not yet assessed).
    pub risk: Option<jindu_store::service::precursors::risk::RiskView>,
    /// Its open findings (流向不明 shows on both sides).
    pub findings: Vec<jindu_store::service::precursors::checks::FindingRow>,
    /// Its sales and purchases whose counterparty is not on the register.
    pub unregistered: u64,
    /// The credentials (证照夹) on today.
    pub wallet: Vec<jindu_store::service::credentials::WalletItem>,
    /// The year the annual report link offers (last year).
    pub report_year: i32,
}

impl super::credentials::WalletWords for EnterprisePage {
    fn chrome(&self) -> &Chrome {
        &self.c
    }
}

impl EnterprisePage {
    pub fn recheck_results(&self) -> &'static [jindu_domain::precursor::inspection::RecheckResult] {
        super::inspections::recheck_results()
    }
    pub fn item_label(&self, code: &str) -> String {
        jindu_domain::precursor::inspection::checklist_label(code, self.c.l())
    }
    /// The checklist items not complying, as a line.
    pub fn failed_items(&self, i: &jindu_store::service::precursors::inspections::InspectionView) -> String {
        i.items
            .iter()
            .filter(|(_, r)| *r == jindu_domain::precursor::inspection::ItemResult::Fails)
            .map(|(c, _)| self.item_label(c))
            .collect::<Vec<_>>()
            .join("、")
    }
    pub fn role_labels(&self) -> String {
        self.e.roles.iter().map(|r| r.label(self.c.l())).collect::<Vec<_>>().join("、")
    }
}

/// The form page (new or edit).
#[derive(Template, WebTemplate)]
#[template(path = "precursor_enterprise_form.html")]
pub struct FormPage {
    pub c: Chrome,
    /// `None`: a new enterprise.
    pub id: Option<uuid::Uuid>,
    pub version: i32,
    pub form: EnterpriseForm,
    pub state: FormState,
    /// The warehouse rows to draw (stored or typed, and spare empty ones).
    pub warehouses: Vec<WarehouseForm>,
}

impl FormPage {
    pub fn roles(&self) -> &'static [EnterpriseRole] {
        EnterpriseRole::ALL
    }
    pub fn statuses(&self) -> &'static [EnterpriseStatus] {
        EnterpriseStatus::ALL
    }
    pub fn has_role(&self, r: &EnterpriseRole) -> bool {
        self.form.roles.iter().any(|x| x == r.as_code())
    }
    pub fn is_status(&self, s: &EnterpriseStatus) -> bool {
        self.form.status == s.as_code() || (self.form.status.is_empty() && *s == EnterpriseStatus::Normal)
    }
    /// The label of a field (the same words as the sentences').
    pub fn label(&self, field: &str) -> &'static str {
        jindu_domain::error::field_label(field, self.c.l())
    }
    pub fn action(&self) -> String {
        match self.id {
            Some(id) => format!("/precursors/enterprises/{id}"),
            None => "/precursors/enterprises".into(),
        }
    }
}

fn form_page(c: Chrome, id: Option<uuid::Uuid>, version: i32, form: EnterpriseForm, state: FormState) -> FormPage {
    let mut warehouses = form.warehouses.clone();
    warehouses.extend(std::iter::repeat_n(WarehouseForm::default(), SPARE_WAREHOUSES));
    warehouses.truncate(jindu_domain::precursor::enterprise::MAX_WAREHOUSES.max(form.warehouses.len()));
    FormPage { c, id, version, form, state, warehouses }
}

/// The posted form as name/value pairs: roles are repeated `roles`, warehouses repeated
/// `warehouse_address` / `warehouse_division` pairs in order.
fn read_form(pairs: &[(String, String)]) -> (EnterpriseForm, i32) {
    let mut f = EnterpriseForm::default();
    let mut version = 0;
    let mut addresses = Vec::new();
    let mut divisions = Vec::new();
    for (k, v) in pairs {
        match k.as_str() {
            "credit_code" => f.credit_code = v.clone(),
            "name" => f.name = v.clone(),
            "roles" => f.roles.push(v.clone()),
            "business_scope" => f.business_scope = v.clone(),
            "registered_address" => f.registered_address = v.clone(),
            "registered_division" => f.registered_division = v.clone(),
            "warehouse_address" => addresses.push(v.clone()),
            "warehouse_division" => divisions.push(v.clone()),
            "legal_rep_name" => f.legal_rep_name = v.clone(),
            "legal_rep_id_number" => f.legal_rep_id_number = v.clone(),
            "legal_rep_phone" => f.legal_rep_phone = v.clone(),
            "responsible_name" => f.responsible_name = v.clone(),
            "responsible_id_number" => f.responsible_id_number = v.clone(),
            "responsible_phone" => f.responsible_phone = v.clone(),
            "hazardous_licence" => f.hazardous_licence = v.clone(),
            "status" => f.status = v.clone(),
            "police_unit" => f.police_unit = v.clone(),
            "safety_unit" => f.safety_unit = v.clone(),
            "version" => version = v.trim().parse().unwrap_or(0),
            // A ticked role as `role_<code>=1` (older forms, tests).
            other => {
                if let Some(code) = other.strip_prefix("role_") {
                    f.roles.push(code.to_string());
                }
            }
        }
    }
    let n = addresses.len().max(divisions.len());
    f.warehouses = (0..n)
        .map(|i| WarehouseForm {
            address: addresses.get(i).cloned().unwrap_or_default(),
            division: divisions.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    (f, version)
}

/// The filter as a query string, for paging links and the export.
fn query_string(f: &EnterpriseFilter) -> String {
    let enc = |s: &str| url_escape(s.trim());
    format!(
        "town={}&role={}&status={}&q={}&tier={}&category={}&flag={}",
        enc(&f.town),
        enc(&f.role),
        enc(&f.status),
        enc(&f.q),
        enc(&f.tier),
        enc(&f.category),
        enc(&f.flag)
    )
}

/// `GET /precursors/enterprises`.
pub async fn list(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<EnterpriseFilter>,
) -> PageResult {
    let page = enterprises::list(&state.db, &a.actor, &filter).await?;
    let towns = jindu_store::service::deployment::in_scope(&state.db, a.actor.scope, jindu_domain::DivisionLevel::Town)
        .await?
        .into_iter()
        .map(|d| (d.code.prefix(), d.name))
        .collect();
    let qs = query_string(&filter);
    Ok(ListPage { c: a.chrome, page, filter, qs, towns }.into_response())
}

/// `GET /precursors/enterprises.xlsx`: the list with the same filter, every page.
pub async fn export(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<EnterpriseFilter>,
) -> PageResult {
    let rows = enterprises::list_all(&state.db, &a.actor, &filter).await?;
    let c = &a.chrome;
    let l = c.l();
    let table = Table {
        sheet: c.t("pe.title"),
        title: format!("{} {}", c.t("pe.title"), state.clock.now().today),
        headers: [
            "pe.credit_code",
            "pe.name",
            "pe.roles",
            "pe.division",
            "pe.address",
            "pe.status",
            "pe.legal_rep",
            "pe.responsible",
            "pe.licence",
            "pe.police_unit",
            "pi.tier",
        ]
        .iter()
        .map(|k| c.t(k))
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Value::from(r.credit_code.as_str()),
                    Value::from(r.name.as_str()),
                    Value::from(r.roles.iter().map(|x| x.label(l)).collect::<Vec<_>>().join("、")),
                    Value::from(r.division.as_str()),
                    Value::from(r.registered_address.as_str()),
                    Value::from(r.status.label(l)),
                    Value::from(r.legal_rep_name.as_str()),
                    Value::from(r.responsible_name.as_str()),
                    Value::from(r.hazardous_licence.clone().unwrap_or_default()),
                    Value::from(r.police_unit.as_str()),
                    Value::from(r.tier.map(|t| t.label(l).to_string()).unwrap_or_else(|| c.t("pi.not_assessed"))),
                ]
            })
            .collect(),
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| crate::AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                "attachment; filename=\"precursor-enterprises.xlsx\"".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /precursors/enterprises/{ent}`: `?full=1` shows ID numbers and phones in full (needs
/// `Unmask`, audited).
pub async fn page(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    StrictQuery(q): StrictQuery<FullQuery>,
) -> PageResult {
    let id = parse_id(&id)?;
    // `1` or nothing (`0` too); any other value is a 422 naming `full`, as `unmask` elsewhere.
    let full = jindu_domain::query::flag("full", &q.full).map_err(|e| AppError::from(vec![e]))?;
    let reading = if full { Reading::Unmasked } else { Reading::Masked };
    let now = state.clock.now();
    let e = enterprises::get(&state.db, &state.vault, &a.actor, now, id, reading).await?;
    let (inspections, risk) = if a.actor.can(jindu_domain::Permission::InspectEnterprises) {
        use jindu_store::service::precursors::{inspections, risk};
        (
            Some(inspections::for_enterprise(&state.db, &state.vault, &a.actor, now, id).await?),
            risk::risk_of(&state.db, id).await?,
        )
    } else {
        (None, None)
    };
    let findings = jindu_store::service::precursors::checks::of_enterprise(&state.db, &a.actor, id).await?;
    let unregistered = jindu_store::service::precursors::checks::unregistered_flows(&state.db, &a.actor, id).await?;
    let wallet = jindu_store::service::credentials::wallet(&state.db, &a.actor, now, id).await?;
    let report_year = chrono::Datelike::year(&now.today) - 1;
    Ok(EnterprisePage { c: a.chrome, e, inspections, risk, findings, unregistered, wallet, report_year }
        .into_response())
}

/// The enterprise page's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FullQuery {
    #[serde(default)]
    pub full: String,
}

/// `GET /precursors/enterprises/new`.
pub async fn new_form(a: Authed) -> PageResult {
    enterprises::authorize_create(&a.actor)?;
    let lang = a.chrome.lang;
    Ok(form_page(a.chrome, None, 0, EnterpriseForm::default(), FormState::new("enterprise", lang)).into_response())
}

/// `POST /precursors/enterprises`.
pub async fn create(State(state): State<AppState>, a: Authed, Form(pairs): Form<Vec<(String, String)>>) -> PageResult {
    let (f, _) = read_form(&pairs);
    match enterprises::create(&state.db, &state.vault, &a.actor, state.clock.now(), &f).await {
        Ok(id) => Ok(Redirect::to(&format!("/precursors/enterprises/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let st = FormState { form: "enterprise".into(), values: Default::default(), errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(a.chrome, None, 0, f, st)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /precursors/enterprises/{ent}/edit`.
pub async fn edit_form(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let id = parse_id(&id)?;
    let (f, version) = enterprises::edit_form(&state.db, &state.vault, &a.actor, state.clock.now(), id).await?;
    let lang = a.chrome.lang;
    Ok(form_page(a.chrome, Some(id), version, f, FormState::new("enterprise", lang)).into_response())
}

/// `POST /precursors/enterprises/{ent}`.
pub async fn update(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let (f, version) = read_form(&pairs);
    match enterprises::update(&state.db, &state.vault, &a.actor, state.clock.now(), id, version, &f).await {
        Ok(()) => Ok(Redirect::to(&format!("/precursors/enterprises/{id}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let st = FormState { form: "enterprise".into(), values: Default::default(), errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(a.chrome, Some(id), version, f, st)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
