//! 台账 pages `/precursors/enterprises/{ent}/ledger…`: the movements (filters by chemical, kind
//! and month, paging, .xlsx export), the monthly balance per warehouse × chemical × month with
//! its flagged gaps, the forms for a movement, a stock-take, a transport and an incident (one
//! column, usable at 375 px) and the reversal of a movement with its reason. Handlers only
//! translate to `service::ledger`; a refused form comes back with its sentences (422).

use super::url_escape;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_documents::table::{Table, Value, to_xlsx};
use jindu_domain::precursor::checks::Payment;
use jindu_domain::precursor::ledger::{IncidentKind, MovementKind};
use jindu_store::service::ledger::{
    self, BalanceRow, IncidentForm, LedgerContext, MovementFilter, MovementForm, MovementRow, StockTakeForm,
    TransportForm,
};
use jindu_store::service::{Page, ServiceError};

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, form_values, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};
use crate::{AppError, AppState};

/// `/precursors/enterprises/{ent}/ledger`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_ledger.html")]
pub struct LedgerPage {
    pub c: Chrome,
    pub x: LedgerContext,
    pub page: Page<MovementRow>,
    pub filter: MovementFilter,
    /// The filter as a query string (without `page`).
    pub qs: String,
    pub balances: Vec<BalanceRow>,
    /// Catalogue entries seen in the ledger: (id, name), for the chemical filter.
    pub chemicals: Vec<(String, String)>,
}

impl LedgerPage {
    pub fn kinds(&self) -> &'static [MovementKind] {
        MovementKind::ALL
    }
    /// `24.5 kg` / `500 g`: whole kilograms or litres with up to three decimals.
    pub fn amount(&self, q: &i64, measure: &str) -> String {
        shown(*q, measure)
    }
    pub fn opt_amount(&self, q: &Option<i64>, measure: &str) -> String {
        q.map_or_else(|| "—".to_string(), |q| shown(q, measure))
    }
    pub fn percent(&self, bp: &Option<i32>) -> String {
        bp.map_or_else(String::new, |b| format!("{}.{:02}%", b / 100, b % 100))
    }
}

/// A quantity of g or mL shown in kg or L with up to three decimals (`24.5 kg`).
fn shown(q: i64, measure: &str) -> String {
    let big = if measure == "mL" { "L" } else { "kg" };
    let sign = if q < 0 { "-" } else { "" };
    let a = q.unsigned_abs();
    let (whole, frac) = (a / 1000, a % 1000);
    if frac == 0 {
        format!("{sign}{whole} {big}")
    } else {
        let f = format!("{frac:03}");
        format!("{sign}{whole}.{} {big}", f.trim_end_matches('0'))
    }
}

fn query_string(f: &MovementFilter) -> String {
    let enc = |s: &str| url_escape(s.trim());
    format!("chemical={}&kind={}&month={}", enc(&f.chemical), enc(&f.kind), enc(&f.month))
}

/// `GET /precursors/enterprises/{ent}/ledger`.
pub async fn page(
    State(state): State<AppState>,
    a: Authed,
    Path(ent): Path<String>,
    StrictQuery(filter): StrictQuery<MovementFilter>,
) -> PageResult {
    let id = parse_id(&ent)?;
    let page = ledger::movements(&state.db, &a.actor, id, &filter).await?;
    let x = ledger::context(&state.db, &a.actor, id).await?;
    let balances = ledger::balances(&state.db, &a.actor, id).await?;
    let mut chemicals: Vec<(String, String)> =
        balances.iter().map(|b| (b.balance.entry.clone(), b.chemical.clone())).collect();
    chemicals.sort();
    chemicals.dedup();
    let qs = query_string(&filter);
    Ok(LedgerPage { c: a.chrome, x, page, filter, qs, balances, chemicals }.into_response())
}

/// `GET /precursors/enterprises/{ent}/ledger.xlsx`: the movements with the same filter.
pub async fn export(
    State(state): State<AppState>,
    a: Authed,
    Path(ent): Path<String>,
    StrictQuery(filter): StrictQuery<MovementFilter>,
) -> PageResult {
    let id = parse_id(&ent)?;
    let rows = ledger::movements_all(&state.db, &a.actor, id, &filter).await?;
    let c = &a.chrome;
    let l = c.l();
    let table = Table {
        sheet: c.t("pl.movements"),
        title: format!("{} {}", c.t("pl.movements"), state.clock.now().today),
        headers: [
            "pl.date",
            "pl.document_no",
            "pl.warehouse",
            "pl.chemical",
            "pl.kind",
            "pl.quantity",
            "pl.unit",
            "pl.concentration",
            "pl.counterparty_code",
            "pl.payment",
            "pl.reversal",
        ]
        .iter()
        .map(|k| c.t(k))
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Value::from(r.date.to_string()),
                    Value::from(r.document_no.as_str()),
                    Value::from(r.warehouse.as_str()),
                    Value::from(r.chemical.as_str()),
                    Value::from(r.kind.label(l)),
                    Value::from(r.quantity.to_string()),
                    Value::from(r.measure.as_str()),
                    Value::from(r.concentration_bp.map(|b| format!("{}.{:02}%", b / 100, b % 100)).unwrap_or_default()),
                    Value::from(if r.individual {
                        c.t("pl.individual")
                    } else {
                        r.counterparty_code.clone().unwrap_or_default()
                    }),
                    Value::from(
                        r.payment.as_deref().and_then(Payment::from_code).map(|p| p.label(l)).unwrap_or_default(),
                    ),
                    Value::from(if r.reverses.is_some() {
                        c.t("pl.reversal")
                    } else if r.reversed {
                        c.t("pl.reversed")
                    } else {
                        String::new()
                    }),
                ]
            })
            .collect(),
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"precursor-ledger.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// Which ledger form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Which {
    Movement,
    StockTake,
    Transport,
    Incident,
}

impl Which {
    fn of(s: &str) -> Option<Which> {
        Some(match s {
            "movements" => Which::Movement,
            "stock-takes" => Which::StockTake,
            "transports" => Which::Transport,
            "incidents" => Which::Incident,
            _ => return None,
        })
    }
    pub fn path(self) -> &'static str {
        match self {
            Which::Movement => "movements",
            Which::StockTake => "stock-takes",
            Which::Transport => "transports",
            Which::Incident => "incidents",
        }
    }
    pub fn title_key(self) -> &'static str {
        match self {
            Which::Movement => "pl.new_movement",
            Which::StockTake => "pl.new_stock_take",
            Which::Transport => "pl.new_transport",
            Which::Incident => "pl.new_incident",
        }
    }
}

/// A ledger form page.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_ledger_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub x: LedgerContext,
    pub which: Which,
    pub state: FormState,
}

impl FormPage {
    pub fn is(&self, w: &str) -> bool {
        self.which.path() == w
    }
    pub fn kinds(&self) -> &'static [MovementKind] {
        MovementKind::ALL
    }
    pub fn payments(&self) -> &'static [Payment] {
        Payment::ALL
    }
    pub fn incident_kinds(&self) -> &'static [IncidentKind] {
        IncidentKind::ALL
    }
    pub fn label(&self, field: &str) -> &'static str {
        jindu_domain::error::field_label(field, self.c.l())
    }
    pub fn action(&self) -> String {
        format!("/precursors/enterprises/{}/ledger/{}", self.x.enterprise, self.which.path())
    }
}

/// `GET /precursors/enterprises/{ent}/ledger/{form}/new` (`movements`, `stock-takes`,
/// `transports`, `incidents`).
pub async fn new_form(
    State(state): State<AppState>,
    a: Authed,
    Path((ent, form)): Path<(String, String)>,
) -> PageResult {
    ledger::authorize_record(&a.actor)?;
    let id = parse_id(&ent)?;
    let which = Which::of(&form).ok_or(AppError::NotFound)?;
    let x = ledger::context(&state.db, &a.actor, id).await?;
    let lang = a.chrome.lang;
    Ok(FormPage { c: a.chrome, x, which, state: FormState::new(which.path(), lang) }.into_response())
}

/// `POST /precursors/enterprises/{ent}/ledger/{form}`.
pub async fn create(
    State(state): State<AppState>,
    a: Authed,
    Path((ent, form)): Path<(String, String)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    ledger::authorize_record(&a.actor)?;
    let id = parse_id(&ent)?;
    let which = Which::of(&form).ok_or(AppError::NotFound)?;
    let map: serde_json::Map<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    let value = serde_json::Value::Object(map);
    let now = state.clock.now();
    let (result, values) = match which {
        Which::Movement => {
            let f: MovementForm = serde_json::from_value(value).unwrap_or_default();
            (ledger::record_movement(&state.db, &state.vault, &a.actor, now, id, &f).await, form_values(&f))
        }
        Which::StockTake => {
            let f: StockTakeForm = serde_json::from_value(value).unwrap_or_default();
            (ledger::record_stock_take(&state.db, &a.actor, now, id, &f).await, form_values(&f))
        }
        Which::Transport => {
            let f: TransportForm = serde_json::from_value(value).unwrap_or_default();
            (ledger::record_transport(&state.db, &a.actor, now, id, &f).await, form_values(&f))
        }
        Which::Incident => {
            let f: IncidentForm = serde_json::from_value(value).unwrap_or_default();
            (ledger::record_incident(&state.db, &state.vault, &a.actor, now, id, &f).await, form_values(&f))
        }
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/precursors/enterprises/{id}/ledger")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let x = ledger::context(&state.db, &a.actor, id).await?;
            let lang = a.chrome.lang;
            let st = FormState { form: which.path().into(), values, errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, FormPage { c: a.chrome, x, which, state: st }).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The reversal form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct ReverseForm {
    #[serde(default)]
    pub movement: String,
    #[serde(default)]
    pub document_no: String,
    #[serde(default)]
    pub reason: String,
}

/// `POST /precursors/enterprises/{ent}/ledger/reverse`: the reversing entry of `movement` with
/// its reason; refused: the ledger page's sentences (422) are given on an error page.
pub async fn reverse(
    State(state): State<AppState>,
    a: Authed,
    Path(ent): Path<String>,
    Form(f): Form<ReverseForm>,
) -> PageResult {
    ledger::authorize_record(&a.actor)?;
    let id = parse_id(&ent)?;
    ledger::reverse_movement(&state.db, &a.actor, state.clock.now(), id, &f.movement, &f.document_no, &f.reason)
        .await?;
    Ok(Redirect::to(&format!("/precursors/enterprises/{id}/ledger")).into_response())
}
