//! 易制毒预警 the inbox of the supervising unit `/precursors/findings` (issue #21 item 5): open
//! findings within the scope with filters (rule, town, state, enterprise), each with its rule,
//! source, day, sentence and evidence rows; 已处理 with a sealed note; the .xlsx export. Handlers
//! only translate to `service::precursors::checks`.

use super::url_escape;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_documents::table::{Table, Value, to_xlsx};
use jindu_domain::precursor::checks::Rule;
use jindu_store::service::precursors::checks::{self, FindingFilter, FindingRow};
use jindu_store::service::{Page, ServiceError};

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::Chrome;

/// `/precursors/findings`.
#[derive(Template, WebTemplate)]
#[template(path = "precursor_findings.html")]
pub struct InboxPage {
    pub c: Chrome,
    pub page: Page<FindingRow>,
    pub filter: FindingFilter,
    /// The filter as a query string (without `page`).
    pub qs: String,
    /// Towns in scope: (9-digit code, name).
    pub towns: Vec<(String, String)>,
    /// The refusal of a handling note, if one came back.
    pub error: Option<(uuid::Uuid, String)>,
}

impl InboxPage {
    pub fn rules(&self) -> &'static [Rule] {
        Rule::ALL
    }
    /// (code, label key, selected).
    pub fn states(&self) -> Vec<(&'static str, String, bool)> {
        let current = if self.filter.state.is_empty() { "open" } else { self.filter.state.as_str() };
        ["open", "handled", "resolved"].into_iter().map(|s| (s, format!("pf.state_{s}"), s == current)).collect()
    }
}

fn query_string(f: &FindingFilter) -> String {
    let enc = |s: &str| url_escape(s.trim());
    format!("rule={}&town={}&state={}&enterprise={}", enc(&f.rule), enc(&f.town), enc(&f.state), enc(&f.enterprise))
}

async fn inbox_page(
    state: &crate::AppState,
    a: Authed,
    filter: FindingFilter,
    error: Option<(uuid::Uuid, String)>,
) -> Result<InboxPage, crate::AppError> {
    let page = checks::inbox(&state.db, &a.actor, &filter).await?;
    let towns = jindu_store::service::deployment::in_scope(&state.db, a.actor.scope, jindu_domain::DivisionLevel::Town)
        .await?
        .into_iter()
        .map(|d| (d.code.prefix(), d.name))
        .collect();
    let qs = query_string(&filter);
    Ok(InboxPage { c: a.chrome, page, filter, qs, towns, error })
}

/// `GET /precursors/findings`.
pub async fn list(
    State(state): State<crate::AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<FindingFilter>,
) -> PageResult {
    Ok(inbox_page(&state, a, filter, None).await?.into_response())
}

/// `GET /precursors/findings.xlsx`: the inbox with the same filter, every page.
pub async fn export(
    State(state): State<crate::AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<FindingFilter>,
) -> PageResult {
    let rows = checks::inbox_all(&state.db, &a.actor, &filter).await?;
    let c = &a.chrome;
    let l = c.l();
    let table = Table {
        sheet: c.t("pf.title"),
        title: format!("{} {}", c.t("pf.title"), state.clock.now().today),
        headers: ["pf.rule", "pf.enterprise", "pf.date", "pf.sentence", "pf.source", "pf.evidence", "pf.state"]
            .iter()
            .map(|k| c.t(k))
            .collect(),
        rows: rows
            .iter()
            .map(|r| {
                vec![
                    Value::from(format!("{} {}", r.rule.as_code(), r.rule.label(l))),
                    Value::from(r.enterprise_name.as_str()),
                    Value::from(r.date.to_string()),
                    Value::from(r.message.as_ref().map(|m| c.render(m)).unwrap_or_default()),
                    Value::from(r.source.as_str()),
                    Value::from(r.evidence.iter().map(|e| e.text.clone()).collect::<Vec<_>>().join("；")),
                    Value::from(c.t(&format!("pf.state_{}", r.state.as_code()))),
                ]
            })
            .collect(),
    };
    let bytes = to_xlsx(&table, c.demo).map_err(|e| crate::AppError::from(ServiceError::Data(format!("xlsx: {e}"))))?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, "attachment; filename=\"precursor-findings.xlsx\"".to_string()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /precursors/findings/{finding}/handle`: 已处理 with a note; a refused note comes back on
/// the inbox with its sentence (422).
pub async fn handle(
    State(state): State<crate::AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let id = parse_id(&id)?;
    let note = pairs.iter().find(|(k, _)| k == "note").map(|(_, v)| v.as_str()).unwrap_or("");
    match checks::handle(&state.db, &state.vault, &a.actor, state.clock.now(), id, note).await {
        Ok(()) => Ok(Redirect::to("/precursors/findings").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let text = errors.iter().map(|e| a.chrome.render(&e.message)).collect::<Vec<_>>().join(" ");
            let page = inbox_page(&state, a, FindingFilter::default(), Some((id, text))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
