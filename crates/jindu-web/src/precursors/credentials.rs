//! 证照 pages (issue #21 items 3 and 8): the form that registers a credential for an enterprise
//! (one column, usable at 375 px), the status change, the list of every credential in scope with
//! its Excel export, the public verify page `/verify/credential?number=…` and the enterprise's
//! annual report as .xlsx. Handlers only translate to `service::credentials` and
//! `service::annual_report`; a refused form comes back with its sentences (422).

use super::url_escape;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use jindu_documents::table::{Table, Value, to_xlsx};
use jindu_domain::precursor::credential::CredentialKind;
use jindu_store::service::annual_report;
use jindu_store::service::credentials::{
    self, CredentialFilter, CredentialForm, CredentialRow, CredentialState, LineForm, Verification, WalletItem,
};
use jindu_store::service::{Page, ServiceError};
use tower_sessions::Session;

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};
use crate::{AppError, AppState};

/// Chemical rows the new-credential form offers.
const FORM_LINES: usize = 4;

/// A quantity in g or mL as shown: whole kg or L when exact, else g or mL.
pub fn quantity_text(amount: i64, measure: &str) -> String {
    let (big, small) = if measure == "mL" { ("L", "mL") } else { ("kg", "g") };
    if amount % 1000 == 0 { format!("{} {big}", amount / 1000) } else { format!("{amount} {small}") }
}

/// The wallet section's helpers, shared by the enterprise page and the list.
pub trait WalletWords {
    fn chrome(&self) -> &Chrome;
    fn state_word(&self, s: &CredentialState) -> String {
        self.chrome().t(s.key())
    }
    fn qty(&self, amount: &i64, measure: &str) -> String {
        quantity_text(*amount, measure)
    }
    fn opt_qty(&self, amount: &Option<i64>, measure: &str) -> String {
        amount.map_or_else(|| "—".to_string(), |a| quantity_text(a, measure))
    }
}

/// `GET /precursors/enterprises/{ent}/credentials/new`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_credential_form.html")]
pub struct FormPage {
    pub c: Chrome,
    pub enterprise: uuid::Uuid,
    pub form: CredentialForm,
    pub state: FormState,
    pub lines: Vec<LineForm>,
}

impl FormPage {
    pub fn kinds(&self) -> &'static [CredentialKind] {
        CredentialKind::ALL
    }
    pub fn statuses(&self) -> Vec<jindu_domain::precursor::credential::CredentialStatus> {
        use jindu_domain::precursor::credential::CredentialStatus as S;
        vec![S::Valid, S::Used, S::Cancelled, S::Revoked]
    }
}

fn form_page(c: Chrome, enterprise: uuid::Uuid, form: CredentialForm, state: FormState) -> FormPage {
    let mut lines = form.lines.clone();
    while lines.len() < FORM_LINES {
        lines.push(LineForm::default());
    }
    FormPage { c, enterprise, form, state, lines }
}

/// The posted form: chemicals as repeated `chemical` / `quantity` / `unit` in order.
fn read_form(pairs: &[(String, String)]) -> CredentialForm {
    let mut f = CredentialForm::default();
    let (mut chem, mut qty, mut unit) = (Vec::new(), Vec::new(), Vec::new());
    for (k, v) in pairs {
        match k.as_str() {
            "kind" => f.kind = v.clone(),
            "number" => f.number = v.clone(),
            "issuer" => f.issuer = v.clone(),
            "valid_from" => f.valid_from = v.clone(),
            "valid_to" => f.valid_to = v.clone(),
            "status" => f.status = v.clone(),
            "status_since" => f.status_since = v.clone(),
            "chemical" => chem.push(v.clone()),
            "quantity" => qty.push(v.clone()),
            "unit" => unit.push(v.clone()),
            _ => {}
        }
    }
    let n = chem.len().max(qty.len()).max(unit.len());
    f.lines = (0..n)
        .map(|i| LineForm {
            chemical: chem.get(i).cloned().unwrap_or_default(),
            quantity: qty.get(i).cloned().unwrap_or_default(),
            unit: unit.get(i).cloned().unwrap_or_default(),
        })
        .collect();
    f
}

/// `GET /precursors/enterprises/{ent}/credentials/new`.
pub async fn new_form(State(state): State<AppState>, a: Authed, Path(ent): Path<String>) -> PageResult {
    credentials::authorize_create(&a.actor)?;
    let ent = parse_id(&ent)?;
    // The enterprise must be one the actor sees (404 otherwise).
    credentials::wallet(&state.db, &a.actor, state.clock.now(), ent).await?;
    let lang = a.chrome.lang;
    Ok(form_page(a.chrome, ent, CredentialForm::default(), FormState::new("credential", lang)).into_response())
}

/// `POST /precursors/enterprises/{ent}/credentials`.
pub async fn create(
    State(state): State<AppState>,
    a: Authed,
    Path(ent): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let ent = parse_id(&ent)?;
    let f = read_form(&pairs);
    match credentials::create(&state.db, &a.actor, state.clock.now(), ent, &f).await {
        Ok(_) => Ok(Redirect::to(&format!("/precursors/enterprises/{ent}#credentials")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let st = FormState { form: "credential".into(), values: Default::default(), errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, form_page(a.chrome, ent, f, st)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The status form's fields.
#[derive(Debug, Default, serde::Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub status_since: String,
    #[serde(default)]
    pub version: String,
}

/// `POST /precursors/credentials/{cred}/status`: back to the enterprise page.
pub async fn change_status(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<StatusForm>,
) -> PageResult {
    let id = parse_id(&id)?;
    let version = f.version.trim().parse().unwrap_or(0);
    let now = state.clock.now();
    credentials::change_status(&state.db, &a.actor, now, id, version, &f.status, &f.status_since).await?;
    let ent = credentials::holder_of(&state.db, &a.actor, id).await?;
    Ok(Redirect::to(&format!("/precursors/enterprises/{ent}#credentials")).into_response())
}

/// `GET /precursors/credentials`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_credentials.html")]
pub struct ListPage {
    pub c: Chrome,
    pub page: Page<CredentialRow>,
    pub filter: CredentialFilter,
    pub qs: String,
}

impl WalletWords for ListPage {
    fn chrome(&self) -> &Chrome {
        &self.c
    }
}

impl ListPage {
    pub fn kinds(&self) -> &'static [CredentialKind] {
        CredentialKind::ALL
    }
    pub fn states(&self) -> &'static [CredentialState] {
        CredentialState::ALL
    }
}

fn query_string(f: &CredentialFilter) -> String {
    let enc = |s: &str| url_escape(s.trim());
    format!("kind={}&status={}&expiring={}", enc(&f.kind), enc(&f.status), enc(&f.expiring))
}

/// `GET /precursors/credentials`.
pub async fn list(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<CredentialFilter>,
) -> PageResult {
    let page = credentials::list(&state.db, &a.actor, state.clock.now(), &filter).await?;
    let qs = query_string(&filter);
    Ok(ListPage { c: a.chrome, page, filter, qs }.into_response())
}

fn lines_text(i: &WalletItem) -> String {
    i.lines
        .iter()
        .map(|l| match l.licensed {
            Some(q) => format!("{} {} / {}", l.name, quantity_text(l.used, &l.measure), quantity_text(q, &l.measure)),
            None => l.name.clone(),
        })
        .collect::<Vec<_>>()
        .join("；")
}

fn xlsx_response(bytes: Vec<u8>, file: &str) -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{file}\"")),
        ],
        bytes,
    )
        .into_response()
}

/// `GET /precursors/credentials.xlsx`: the list with the same filter, every page.
pub async fn export(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<CredentialFilter>,
) -> PageResult {
    let now = state.clock.now();
    let rows = credentials::list_all(&state.db, &a.actor, now, &filter).await?;
    let c = &a.chrome;
    let l = c.l();
    let table = Table {
        sheet: c.t("pc.title"),
        title: format!("{} {}", c.t("pc.title"), now.today),
        headers: [
            "pc.number",
            "pc.kind",
            "pc.holder",
            "pe.credit_code",
            "pc.issuer",
            "pc.valid_from",
            "pc.valid_to",
            "pc.state",
            "pc.renewal",
            "pc.lines",
        ]
        .iter()
        .map(|k| c.t(k))
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let i = &r.item;
                vec![
                    Value::from(i.number.as_str()),
                    Value::from(i.kind.label(l)),
                    Value::from(r.holder_name.as_str()),
                    Value::from(r.holder_code.as_str()),
                    Value::from(i.issuer.as_str()),
                    Value::Date(i.valid_from),
                    Value::from(i.valid_to),
                    Value::from(c.t(i.state.key())),
                    Value::from(i.renewal_reminder),
                    Value::from(lines_text(i)),
                ]
            })
            .collect(),
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok(xlsx_response(bytes, "precursor-credentials.xlsx"))
}

/// The public verify page.
#[derive(Template, WebTemplate)]
#[template(path = "verify_credential.html")]
pub struct VerifyPage {
    pub c: Chrome,
    /// `None`: no number asked yet.
    pub answer: Option<Verification>,
}

impl VerifyPage {
    pub fn state_word(&self, v: &Verification) -> String {
        match v.state {
            Some(s) => self.c.t(s.key()),
            None => self.c.t("pc.state.unknown"),
        }
    }
    pub fn state_code(&self, v: &Verification) -> &'static str {
        v.state.map_or("unknown", |s| s.as_code())
    }
}

/// The verify page's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct VerifyQuery {
    #[serde(default)]
    pub number: String,
}

/// `GET /verify/credential?number=…` (public, no sign-in): number, kind, holder and whether the
/// credential is valid today; nothing else. A number over 64 characters or with control
/// characters is a 422 with its sentence.
pub async fn verify(
    State(state): State<AppState>,
    session: Session,
    StrictQuery(q): StrictQuery<VerifyQuery>,
) -> PageResult {
    let c = crate::account::signed_out_chrome(&state, &session).await;
    let asked = !q.number.trim().is_empty() || q.number.chars().any(char::is_control);
    let answer = if asked {
        match credentials::verify(&state.db, state.clock.now(), &q.number).await {
            Ok(v) => Some(v),
            Err(ServiceError::Invalid(errors)) => return Err(AppError::Invalid(errors)),
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    Ok(VerifyPage { c, answer }.into_response())
}

/// The annual report's query.
#[derive(Debug, Default, serde::Deserialize)]
pub struct YearQuery {
    #[serde(default)]
    pub year: String,
}

/// `GET /precursors/enterprises/{ent}/annual-report.xlsx?year=YYYY` (MODULES §1.4).
pub async fn annual_report_xlsx(
    State(state): State<AppState>,
    a: Authed,
    Path(ent): Path<String>,
    StrictQuery(q): StrictQuery<YearQuery>,
) -> PageResult {
    let ent = parse_id(&ent)?;
    let r = annual_report::annual_report(&state.db, &a.actor, state.clock.now(), ent, &q.year).await?;
    let c = &a.chrome;
    let table = Table {
        sheet: c.t("pc.report"),
        title: format!(
            "{} {} {} · {}{} · {}",
            r.name,
            c.t("pe.credit_code"),
            r.credit_code,
            r.year,
            c.t("pc.report_year"),
            r.address
        ),
        headers: [
            "pc.r.chemical",
            "pc.r.category",
            "pc.r.measure",
            "pc.r.opening",
            "pc.r.purchased",
            "pc.r.produced",
            "pc.r.returned",
            "pc.r.sold",
            "pc.r.used",
            "pc.r.lost",
            "pc.r.destroyed",
            "pc.r.closing",
            "pc.r.count_day",
            "pc.r.counted",
        ]
        .iter()
        .map(|k| c.t(k))
        .collect(),
        rows: r
            .lines
            .iter()
            .map(|l| {
                vec![
                    Value::from(l.name.as_str()),
                    Value::Int(i64::from(l.category)),
                    Value::from(l.measure.as_str()),
                    Value::Int(l.opening),
                    Value::Int(l.purchased),
                    Value::Int(l.produced),
                    Value::Int(l.returned),
                    Value::Int(l.sold),
                    Value::Int(l.used),
                    Value::Int(l.lost),
                    Value::Int(l.destroyed),
                    Value::Int(l.closing),
                    Value::from(l.last_count.map(|(d, _)| d)),
                    l.last_count.map_or(Value::Empty, |(_, n)| Value::Int(n)),
                ]
            })
            .collect(),
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok(xlsx_response(bytes, &format!("annual-report-{}.xlsx", r.year)))
}
