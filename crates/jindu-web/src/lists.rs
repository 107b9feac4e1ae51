//! 导出 of the lists people work from: 在册人员, 逾期事项, 近期到期事项, 预警, 失控人员, 指标 and 审计日志,
//! as .xlsx (Chinese headers, a title row, the header row frozen and repeated on printed pages,
//! widths from the content, dates as Excel dates) or as CSV in UTF-8 with a byte-order mark (so
//! that Excel opens it in Chinese), at `GET /export/{list}/{xlsx|csv}` with the list page's own
//! filters in the query.
//!
//! What an export shows is what the list page shows to the same user: the same scope (a social
//! worker: the own caseload), ID numbers and phones masked. A role holding `Unmask` may add
//! `unmask=1` to the persons export for ID numbers, phones and addresses in full. Every export is
//! audited (`export.{list}`, with format, filter and row count; `unmasked` when it was).

use axum::extract::{Path, State};
use jindu_domain::Permission;
use jindu_store::service::persons::PersonFilter;
use jindu_store::service::{alerts, audit, caseload, dashboard, persons, worklist};

use crate::auth::Authed;
use crate::import_page::attachment;
use crate::page::PageResult;
use crate::strict_query::StrictQuery;
use crate::{AppError, AppState};
use jindu_documents::sheet::XLSX_CONTENT_TYPE;
use jindu_documents::table::{Table, Value, to_csv, to_xlsx};

/// The query of an export: the list page's filters (each list reads its own), `unmask=1`.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
pub struct ExportQuery {
    #[serde(default)]
    pub town: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub measure: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    pub sealed: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub acked: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub unmask: String,
    #[serde(default)]
    pub scope: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub risk: String,
}

/// `GET /export/audit/{format}` (needs `ReadAudit`).
pub async fn export_audit(
    state: State<AppState>,
    a: Authed,
    Path(format): Path<String>,
    q: StrictQuery<ExportQuery>,
) -> PageResult {
    export_list(state, a, "audit".into(), format, q).await
}

/// `GET /export/indicators/{format}` (needs `ViewCounts`).
pub async fn export_indicators(
    state: State<AppState>,
    a: Authed,
    Path(format): Path<String>,
    q: StrictQuery<ExportQuery>,
) -> PageResult {
    export_list(state, a, "indicators".into(), format, q).await
}

/// `GET /export/{list}/{format}`: `list` one of `persons`, `overdue`, `due`, `alerts`, `lost`
/// (needs `ViewPersons`); `format` `xlsx` or `csv`. 404 for anything else.
pub async fn export(
    state: State<AppState>,
    a: Authed,
    Path((list, format)): Path<(String, String)>,
    q: StrictQuery<ExportQuery>,
) -> PageResult {
    persons::authorize_list_export(&a.actor)?;
    if list == "audit" || list == "indicators" {
        return Err(AppError::NotFound);
    }
    export_list(state, a, list, format, q).await
}

async fn export_list(
    State(state): State<AppState>,
    a: Authed,
    list: String,
    format: String,
    StrictQuery(q): StrictQuery<ExportQuery>,
) -> PageResult {
    if format != "xlsx" && format != "csv" {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let lang = a.chrome.l();
    let words = Words { lang, place: place_name(&state, &a).await, today: now.today.format("%Y-%m-%d").to_string() };
    let mut unmasked = false;
    let unmask_asked = jindu_domain::query::flag("unmask", &q.unmask).map_err(|e| AppError::from(vec![e]))?;
    let table = match list.as_str() {
        "persons" => {
            let filter = PersonFilter {
                town: q.town.clone(),
                community: q.community.clone(),
                measure: q.measure.clone(),
                status: q.status.clone(),
                q: q.q.clone(),
                page: String::new(),
                sealed: q.sealed.clone(),
                risk: q.risk.clone(),
            };
            unmasked = unmask_asked && a.actor.can(Permission::Unmask);
            let rows = persons::list_all(&state.db, &state.vault, &a.actor, now, &filter, unmasked).await?;
            persons_table(&rows, &a, &words.title("persons"), unmasked)
        }
        "overdue" | "due" => {
            let f = worklist::WorklistFilter { town: q.town.clone(), kind: q.kind.clone(), ..Default::default() }
                .check(&a.actor)?;
            let wl = worklist::worklist_filtered(&state.db, &state.vault, &a.actor, now, &f, None).await?;
            let items = if list == "overdue" { wl.overdue } else { wl.today.into_iter().chain(wl.this_week).collect() };
            let days = if list == "overdue" { "days_overdue" } else { "days_to_due" };
            Table {
                sheet: words.sheet(&list),
                title: words.title(&list),
                headers: words.columns(&["name", "id_number", "duty", "due_date", days]),
                rows: items
                    .iter()
                    .map(|d| {
                        vec![
                            d.name.clone().into(),
                            d.id_number_masked.clone().into(),
                            d.kind.label(lang).into(),
                            Value::Date(d.due_date),
                            Value::Int(d.overdue_days.abs()),
                        ]
                    })
                    .collect(),
            }
        }
        "alerts" => {
            let filter = alerts::AlertFilter { kind: q.kind.clone(), acked: q.acked.clone(), page: String::new() };
            let rows = alerts::inbox(&state.db, &state.vault, &a.actor, now, &filter).await?;
            Table {
                sheet: words.sheet("alerts"),
                title: words.title("alerts"),
                headers: words.columns(&["alert_kind", "name", "date", "days_since", "detail", "acknowledged"]),
                rows: rows
                    .iter()
                    .map(|al| {
                        let grounds = al.grounds.iter().map(|g| jindu_messages::render(g, lang));
                        let detail = match al.duty {
                            Some(d) => std::iter::once(d.label(lang).to_string()).chain(grounds).collect::<Vec<_>>(),
                            None => grounds.collect(),
                        };
                        vec![
                            al.kind.label(lang).into(),
                            al.person_name.clone().into(),
                            Value::Date(al.ref_date),
                            Value::Int(al.days),
                            detail.join("；").into(),
                            words.yes_no(al.acked.is_some()).into(),
                        ]
                    })
                    .collect(),
            }
        }
        "lost" => {
            let rows = caseload::lost_list(&state.db, &state.vault, &a.actor, now).await?;
            Table {
                sheet: words.sheet("lost"),
                title: words.title("lost"),
                headers: words.columns(&[
                    "name",
                    "id_number",
                    "phone",
                    "last_contact",
                    "town",
                    "lost_since",
                    "days_lost",
                    "escalated",
                ]),
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            r.name.clone().into(),
                            r.id_masked.clone().into(),
                            r.phone_masked.clone().map_or(Value::Empty, Value::Text),
                            r.last_contact.into(),
                            r.town_code.clone().into(),
                            r.lost_since.into(),
                            Value::Int(r.days),
                            words.t(if r.escalated { "exp.escalated_to_office" } else { "exp.at_town" }).into(),
                        ]
                    })
                    .collect(),
            }
        }
        "indicators" => {
            // The service checks `ViewCounts` before the query is read (403 first).
            dashboard::authorize_page(&a.actor)?;
            let dq = crate::statistics::dashboard::DashboardQuery {
                scope: q.scope.clone(),
                period: q.period.clone(),
                rank: q.rank.clone(),
                ..Default::default()
            };
            let p = crate::statistics::dashboard::parse_query(&dq, now.today)?;
            let d = dashboard::dashboard(&state.db, &a.actor, p.scope, p.period, p.rank_by, now.today).await?;
            Table {
                sheet: words.sheet("indicators"),
                // A period not over is marked 截至… (issue #18, item 17).
                title: jindu_messages::render_code(
                    "exp.indicators.title",
                    &[("place", d.jurisdiction.name.clone()), ("period", d.period.label_on(now.today, lang))],
                    lang,
                ),
                headers: words.columns(&[
                    "indicator",
                    "value",
                    "unit",
                    "year_before",
                    "change",
                    "target",
                    "meets_target",
                ]),
                rows: d
                    .figures
                    .iter()
                    .map(|r| {
                        let def = r.indicator.definition();
                        // As the page shows them: rates to 0.1, grams to 0.001, counts whole.
                        let scale = 10f64.powi(i32::try_from(jindu_documents::sheet::decimals(def.unit)).unwrap_or(0));
                        let num = |v: Option<f64>| {
                            v.map_or(Value::Text("—".into()), |x| Value::Real((x * scale).round() / scale))
                        };
                        vec![
                            def.label(lang).into(),
                            num(r.figure.value),
                            jindu_documents::export::unit_label(def.unit, lang).into(),
                            num(r.year_before.value),
                            num(r.change()),
                            r.target.map_or(Value::Empty, Value::Real),
                            match r.target {
                                None => Value::Empty,
                                Some(_) if r.misses => words.t("exp.target_missed").into(),
                                Some(_) => words.t("exp.target_met").into(),
                            },
                        ]
                    })
                    .collect(),
            }
        }
        "audit" => {
            let filter = audit::AuditFilter {
                username: q.username.clone(),
                action: q.action.clone(),
                object_id: q.object_id.clone(),
                outcome: q.outcome.clone(),
                page: String::new(),
            };
            let rows = audit::search_all(&state.db, &a.actor, &filter).await?;
            Table {
                sheet: words.sheet("audit"),
                title: words.title("audit"),
                headers: words.columns(&[
                    "seq",
                    "time",
                    "user",
                    "org_unit",
                    "ip",
                    "action",
                    "object_type",
                    "object",
                    "outcome",
                    "audit_detail",
                    "hash",
                ]),
                rows: rows
                    .iter()
                    .map(|r| {
                        vec![
                            Value::Int(r.seq),
                            a.chrome.instant(&r.at).into(),
                            r.username.clone().into(),
                            r.unit.clone().into(),
                            r.address.clone().into(),
                            r.action.clone().into(),
                            r.object_type.clone().unwrap_or_default().into(),
                            r.object_id.clone().unwrap_or_default().into(),
                            r.outcome.clone().into(),
                            r.detail.clone().unwrap_or_default().into(),
                            r.hash.clone().into(),
                        ]
                    })
                    .collect(),
            }
        }
        _ => return Err(AppError::NotFound),
    };
    let bytes = if format == "xlsx" {
        to_xlsx(&table, a.chrome.demo).map_err(|e| AppError::Internal(e.to_string()))?
    } else {
        to_csv(&table, a.chrome.demo)
    };
    // The filters given (empty ones left out), for the audit record.
    let filter: String = serde_urlencoded::to_string(&q)
        .unwrap_or_default()
        .split('&')
        .filter(|kv| !kv.ends_with('='))
        .collect::<Vec<_>>()
        .join("&")
        .chars()
        .take(300)
        .collect();
    crate::import_page::audit_download(
        &state,
        &a,
        &format!("export.{list}"),
        format!(
            "{format} rows={}{}{}{filter}",
            table.rows.len(),
            if unmasked { " unmasked" } else { "" },
            if filter.is_empty() { "" } else { " " }
        ),
    )
    .await?;
    let name = format!("{}-{}.{format}", table.sheet, now.today.format("%Y%m%d"));
    let content_type = if format == "xlsx" { XLSX_CONTENT_TYPE } else { "text/csv; charset=utf-8" };
    Ok(attachment(content_type, &name, bytes))
}

fn persons_table(rows: &[persons::PersonView], a: &Authed, title: &str, unmasked: bool) -> Table {
    let lang = a.chrome.l();
    let words = Words { lang, place: String::new(), today: String::new() };
    let mut columns = vec![
        "name",
        "id_number",
        "sex",
        "age",
        "division",
        "measure",
        "decision_date",
        "report_date",
        "status",
        "risk",
        "social_worker",
        "first_found_on",
    ];
    if unmasked {
        columns.extend(["phone", "address"]);
    }
    Table {
        sheet: words.sheet("persons"),
        title: title.to_string(),
        headers: words.columns(&columns),
        rows: rows
            .iter()
            .map(|p| {
                let mut row = vec![
                    p.name.clone().into(),
                    p.id_display.clone().into(),
                    p.sex.label(lang).into(),
                    Value::Int(i64::from(p.age)),
                    p.division_path.clone().into(),
                    p.current_measure.map_or(Value::Empty, |m| m.label(lang).into()),
                    p.current_dates.map(|(d, _)| d).into(),
                    p.current_dates.and_then(|(_, r)| r).into(),
                    p.status.label(lang).into(),
                    a.chrome.tier(&p.risk_tier).into(),
                    p.social_worker.clone().map_or(Value::Empty, Value::Text),
                    p.first_found_on.into(),
                ];
                if unmasked {
                    row.push(p.phone.clone().map_or(Value::Empty, Value::Text));
                    row.push(p.address.clone().map_or(Value::Empty, Value::Text));
                }
                row
            })
            .collect(),
    }
}

/// The words of an export in the reader's language, from the catalogue (`locales/exports.yml`).
struct Words<'a> {
    lang: &'a str,
    /// The jurisdiction's name, for titles.
    place: String,
    /// The day of the export, `YYYY-MM-DD`, for titles.
    today: String,
}

impl Words<'_> {
    fn t(&self, key: &str) -> String {
        jindu_messages::t(key, self.lang)
    }

    /// The sheet's name for `list` (`exp.<list>.sheet`).
    fn sheet(&self, list: &str) -> String {
        self.t(&format!("exp.{list}.sheet"))
    }

    /// The title for `list` (`exp.<list>.title`) with the place and the day.
    fn title(&self, list: &str) -> String {
        jindu_messages::render_code(
            &format!("exp.{list}.title"),
            &[("place", self.place.clone()), ("today", self.today.clone())],
            self.lang,
        )
    }

    /// Column headers `exp.col.<name>`, in order.
    fn columns(&self, names: &[&str]) -> Vec<String> {
        names.iter().map(|n| self.t(&format!("exp.col.{n}"))).collect()
    }

    fn yes_no(&self, yes: bool) -> String {
        self.t(if yes { "exp.yes" } else { "exp.no" })
    }
}

/// The name of the user's jurisdiction (珠晖区), or nothing.
async fn place_name(state: &AppState, a: &Authed) -> String {
    jindu_store::service::deployment::division_by_code(&state.db, a.actor.scope)
        .await
        .ok()
        .flatten()
        .map(|d| d.name)
        .unwrap_or_default()
}
