//! Case-work pages and forms (issue #4): the alerts inbox, the lost list, the three-year
//! candidates, caseloads, the risk factor table, and the person page's leave, absence, breach,
//! working-group and risk forms. Handlers only translate; the rules are in the services.

pub(crate) mod workbench;
pub(crate) mod workstations;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::DivisionLevel;
use jindu_domain::alert::AlertRules;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::risk::FactorTable;
use jindu_store::service::caseload::{self, AssessmentView, CandidateRow, LostRow, MemberView, WorkerLoad};
use jindu_store::service::conduct::{self, AbsenceView, BreachView, LeaveView, NewLeave};
use jindu_store::service::persons::PersonDetail;
use jindu_store::service::{FieldError, ServiceError, alerts, deployment};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::Authed;
use crate::form::Form;
use crate::page::{PageResult, all_values, first_value, form_values, parse_id};
use crate::registry::persons::after_person_write;
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};
use crate::{AppError, AppState};
use askama::Template;
use askama_web::WebTemplate;

/// What the person page shows of case work.
#[derive(Debug, Clone, Default)]
pub struct CaseWork {
    pub assessments: Vec<AssessmentView>,
    pub leaves: Vec<LeaveView>,
    pub absences: Vec<AbsenceView>,
    pub breach: Option<BreachView>,
    pub group: Vec<MemberView>,
    /// Open alerts about the person: (kind label, reference day, days).
    pub alerts: Vec<(String, chrono::NaiveDate, i64)>,
}

impl CaseWork {
    /// The latest assessment.
    pub fn latest(&self) -> Option<&AssessmentView> {
        self.assessments.first()
    }

    /// An open absence (left, not back).
    pub fn open_absence(&self) -> Option<&AbsenceView> {
        self.absences.iter().find(|a| a.returned_on.is_none())
    }
}

/// Loads the case work of the person on the page (already loaded within scope).
pub async fn load(state: &AppState, a: &Authed, d: &PersonDetail, now: Now) -> Result<CaseWork, AppError> {
    let id = d.person.id;
    let lang = a.chrome.l();
    let alerts = alerts::open_of_person(&state.db, id, now.today)
        .await?
        .into_iter()
        .map(|al| (al.kind.label(lang).to_string(), al.ref_date, al.days))
        .collect();
    Ok(CaseWork {
        assessments: caseload::assessments_of(&state.db, id, 12).await?,
        leaves: conduct::leaves_of(&state.db, &state.vault, id, now.today).await?,
        absences: conduct::absences_of(&state.db, id, now.today).await?,
        breach: conduct::breach_view(&state.db, id, now.today).await?,
        // Phones in full only where the person's own are shown in full (audited unmask).
        group: caseload::group_of(&state.db, &state.vault, id, d.person.unmasked).await?,
        alerts,
    })
}

fn person_id(s: &str) -> Result<Uuid, AppError> {
    parse_id(s)
}

pub async fn request_leave(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<NewLeaveForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let input =
        NewLeave { leave_from: f.leave_from, leave_to: f.leave_to, destination: f.destination, reason: f.reason };
    let res = conduct::request_leave(&state.db, &state.vault, &a.actor, state.clock.now(), id, &input).await;
    after_person_write(&state, a, id, "leave", values, res).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct NewLeaveForm {
    leave_from: String,
    leave_to: String,
    destination: String,
    reason: String,
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct LeaveActionForm {
    leave_id: String,
    action: String,
    date: String,
    note: String,
}

pub async fn act_on_leave(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<LeaveActionForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let form = format!("leave-{}", f.leave_id.trim());
    let res = conduct::act_on_leave_form(
        &state.db,
        &state.vault,
        &a.actor,
        state.clock.now(),
        id,
        &f.leave_id,
        &f.action,
        &f.date,
        &f.note,
    )
    .await;
    after_person_write(&state, a, id, &form, values, res).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct AbsenceForm {
    left_on: String,
    returned_on: String,
}

pub async fn record_absence(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<AbsenceForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let res = conduct::record_absence(&state.db, &a.actor, state.clock.now(), id, &f.left_on, &f.returned_on).await;
    after_person_write(&state, a, id, "absence", values, res).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct NoteForm {
    note: String,
}

pub async fn report_breach(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<NoteForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let res = conduct::report_breach(&state.db, &state.vault, &a.actor, state.clock.now(), id, &f.note).await;
    after_person_write(&state, a, id, "breach", values, res).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct MemberForm {
    role: String,
    member_name: String,
    phone: String,
}

pub async fn add_member(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<MemberForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let res = caseload::add_member(
        &state.db,
        &state.vault,
        &a.actor,
        state.clock.now(),
        id,
        &f.role,
        &f.member_name,
        &f.phone,
    )
    .await;
    after_person_write(&state, a, id, "group", values, res).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct MemberRemoveForm {
    member_id: String,
}

pub async fn remove_member(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
    Form(f): Form<MemberRemoveForm>,
) -> PageResult {
    let id = person_id(&id)?;
    let values = form_values(&f);
    let res = caseload::remove_member_form(&state.db, &a.actor, state.clock.now(), id, &f.member_id).await;
    after_person_write(&state, a, id, "group", values, res).await
}

pub async fn reassess(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let id = person_id(&id)?;
    let res = caseload::reassess(&state.db, &a.actor, state.clock.now(), id).await;
    after_person_write(&state, a, id, "risk", Default::default(), res).await
}

pub async fn confirm_abstinence(
    State(state): State<AppState>,
    a: Authed,
    axum::extract::Path(id): axum::extract::Path<String>,
) -> PageResult {
    let id = person_id(&id)?;
    let res = caseload::confirm_abstinence(&state.db, &state.vault, &a.actor, state.clock.now(), id).await;
    match res {
        Ok(()) => Ok(Redirect::to("/abstinence?confirmed=1").into_response()),
        other => after_person_write(&state, a, id, "abstinence", Default::default(), other).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "alerts.html")]
pub struct AlertsPage {
    pub c: Chrome,
    /// This page's alerts, of `total` matching the filter.
    pub alerts: Vec<alerts::AlertView>,
    pub total: usize,
    pub page: usize,
    pub pages: usize,
    /// The filter as a query string without `page`.
    pub qs: String,
    pub counts: alerts::AlertCounts,
    pub filter: alerts::AlertFilter,
    pub kinds: Vec<jindu_domain::AlertKind>,
    pub form: FormState,
}

async fn alerts_page(
    state: &AppState,
    a: Authed,
    filter: alerts::AlertFilter,
    form: FormState,
    status: StatusCode,
) -> PageResult {
    let now = state.clock.now();
    let all = alerts::inbox(&state.db, &state.vault, &a.actor, now, &filter).await?;
    let counts = alerts::counts(&state.db, &a.actor).await?;
    let kinds = jindu_domain::alert::kinds_for(a.actor.role);
    let total = all.len();
    let pages = total.div_ceil(alerts::ALERTS_PER_PAGE).max(1);
    let page = filter.page.trim().parse::<usize>().unwrap_or(1).clamp(1, pages);
    let list = all.into_iter().skip((page - 1) * alerts::ALERTS_PER_PAGE).take(alerts::ALERTS_PER_PAGE).collect();
    let qs = serde_urlencoded::to_string([("kind", filter.kind.as_str()), ("acked", filter.acked.as_str())])
        .unwrap_or_default();
    Ok((status, AlertsPage { c: a.chrome, alerts: list, total, page, pages, qs, counts, filter, kinds, form })
        .into_response())
}

pub async fn inbox(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(filter): StrictQuery<alerts::AlertFilter>,
) -> PageResult {
    let lang = a.chrome.lang;
    alerts_page(&state, a, filter, FormState::new("", lang), StatusCode::OK).await
}

#[derive(Deserialize, serde::Serialize, Default)]
#[serde(default)]
pub struct AckForm {
    alert_id: String,
    note: String,
}

pub async fn acknowledge(State(state): State<AppState>, a: Authed, Form(f): Form<AckForm>) -> PageResult {
    let values = form_values(&f);
    let res =
        alerts::acknowledge_form(&state.db, &state.vault, &a.actor, state.clock.now(), &f.alert_id, &f.note).await;
    match res {
        Ok(()) => Ok(Redirect::to("/alerts").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: format!("ack-{}", f.alert_id.trim()), values, errors, lang };
            alerts_page(&state, a, alerts::AlertFilter::default(), fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "lost.html")]
pub struct LostPage {
    pub c: Chrome,
    pub today: chrono::NaiveDate,
    pub rows: Vec<LostRow>,
    pub towns: Vec<(String, String)>,
    pub escalate_after: u32,
}

impl LostPage {
    /// The name of a town code.
    pub fn town(&self, code: &str) -> String {
        town_name(&self.towns, code, code)
    }
}

/// The name of the town `town` among `towns` (code, name); `shown` when it is not one of them.
fn town_name(towns: &[(String, String)], town: &str, shown: &str) -> String {
    towns.iter().find(|(c, _)| c == town).map(|(_, n)| n.clone()).unwrap_or_else(|| shown.to_string())
}

async fn town_names(state: &AppState, a: &Authed) -> Result<Vec<(String, String)>, AppError> {
    Ok(deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town)
        .await?
        .into_iter()
        .map(|d| (d.code.to_string(), d.name))
        .collect())
}

pub async fn lost(State(state): State<AppState>, a: Authed) -> PageResult {
    let now = state.clock.now();
    let rows = caseload::lost_list(&state.db, &state.vault, &a.actor, now).await?;
    let towns = town_names(&state, &a).await?;
    let escalate_after = jindu_store::service::casework::alert_rules(&state.db).await?.escalate_after_days;
    Ok(LostPage { c: a.chrome, today: now.today, rows, towns, escalate_after }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "abstinence.html")]
pub struct AbstinencePage {
    pub c: Chrome,
    pub today: chrono::NaiveDate,
    pub rows: Vec<CandidateRow>,
    pub towns: Vec<(String, String)>,
    pub confirmed: bool,
}

impl AbstinencePage {
    /// The name of a town code.
    pub fn town(&self, code: &str) -> String {
        town_name(&self.towns, code, code)
    }

    /// The anchor kind in the page language.
    pub fn anchor_label(&self, r: &CandidateRow) -> &'static str {
        use jindu_domain::abstinence::AnchorKind as K;
        match (r.abstinence.kind, self.c.l()) {
            (k, "zh") => k.label_zh(),
            (K::LastPositiveTest, _) => "last positive test",
            (K::LastRecordedUse, _) => "last recorded use",
            (K::LastMeasureEnded, _) => "end of the last measure",
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ConfirmedQuery {
    confirmed: String,
}

pub async fn abstinence(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<ConfirmedQuery>,
) -> PageResult {
    let now = state.clock.now();
    let confirmed = jindu_domain::query::flag("confirmed", &q.confirmed).map_err(|e| AppError::from(vec![e]))?;
    let rows = caseload::abstinence_candidates(&state.db, &state.vault, &a.actor, now).await?;
    let towns = town_names(&state, &a).await?;
    Ok(AbstinencePage { c: a.chrome, today: now.today, rows, towns, confirmed }.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "caseload.html")]
pub struct CaseloadPage {
    pub c: Chrome,
    pub loads: Vec<WorkerLoad>,
    pub unassigned: u64,
    pub towns: Vec<(String, String)>,
    /// The persons of the chosen worker (or the unassigned), to move: (id, name, town).
    pub persons: Vec<(Uuid, String, String)>,
    pub from: String,
    pub form: FormState,
    pub moved: Option<u64>,
}

impl CaseloadPage {
    /// The name of a division's town.
    pub fn town(&self, code: &str) -> String {
        let town = code.get(..9).map(|t| format!("{t}000")).unwrap_or_default();
        town_name(&self.towns, &town, code)
    }

    /// Registered persons per social worker in scope, and the configured ratio (30:1).
    pub fn ratio(&self) -> String {
        let workers = self.loads.len() as u64;
        let total: u64 = self.loads.iter().map(|l| l.persons).sum::<u64>() + self.unassigned;
        if workers == 0 { "—".into() } else { format!("{:.1}", total as f64 / workers as f64) }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct CaseloadQuery {
    /// A worker id, `none` for the unassigned, or empty.
    from: String,
    moved: String,
}

async fn caseload_page(
    state: &AppState,
    a: Authed,
    q: CaseloadQuery,
    form: FormState,
    status: StatusCode,
) -> PageResult {
    let (loads, unassigned) = caseload::loads(&state.db, &a.actor).await?;
    let towns = town_names(state, &a).await?;
    let from = q.from.trim().to_string();
    let persons = if from.is_empty() {
        Vec::new()
    } else {
        let worker = if from == "none" {
            None
        } else {
            jindu_domain::query::id("from", &from).map_err(|e| AppError::from(vec![e]))?
        };
        caseload::persons_of_worker(&state.db, &state.vault, &a.actor, worker).await?
    };
    let moved = jindu_domain::query::number("moved", &q.moved, 0, 1_000_000).map_err(|e| AppError::from(vec![e]))?;
    Ok((status, CaseloadPage { c: a.chrome, loads, unassigned, towns, persons, from, form, moved }).into_response())
}

pub async fn caseload(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<CaseloadQuery>,
) -> PageResult {
    let lang = a.chrome.lang;
    caseload_page(&state, a, q, FormState::new("", lang), StatusCode::OK).await
}

pub async fn reassign(State(state): State<AppState>, a: Authed, body: String) -> PageResult {
    // Repeated `person` fields (checkboxes): parsed from the body as pairs.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&body).map_err(|_| AppError::Form {
        status: StatusCode::BAD_REQUEST,
        message: Message::new("msg.form.unreadable"),
    })?;
    let from = first_value(&pairs, "from");
    let to = first_value(&pairs, "to_worker");
    let persons = all_values(&pairs, "person");
    let res = caseload::reassign_form(&state.db, &a.actor, state.clock.now(), &persons, &to).await;
    match res {
        Ok(n) => Ok(Redirect::to(&format!("/caseload?from={}&moved={n}", urlencode(&from))).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let mut values = std::collections::HashMap::new();
            values.insert("to_worker".to_string(), to);
            let fs = FormState { form: "reassign".into(), values, errors, lang };
            let q = CaseloadQuery {
                from: if Uuid::parse_str(&from).is_ok() || from == "none" { from } else { String::new() },
                moved: String::new(),
            };
            caseload_page(&state, a, q, fs, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("v", s)]).map(|q| q.trim_start_matches("v=").to_string()).unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "risk_settings.html")]
pub struct RiskSettingsPage {
    pub c: Chrome,
    pub display: jindu_domain::risk::TierDisplay,
    pub table: FactorTable,
    pub rules: AlertRules,
    pub tiers: Option<(u64, u64, u64)>,
    pub form: FormState,
    pub saved: Option<u64>,
    /// For a user below the deployment's root: why the table is read-only (no save button).
    pub read_only: Option<String>,
}

impl RiskSettingsPage {
    /// The factor table's fields as (form name, value); see [`factor_fields`].
    pub fn fields(&self) -> Vec<(&'static str, u32)> {
        factor_fields(&self.table)
    }

    /// The alert rules' fields: (name, value, largest accepted); see [`rule_fields`].
    pub fn rule_fields(&self) -> Vec<(&'static str, u32, u32)> {
        rule_fields(&self.rules)
    }
}

/// The factor table's fields as (form name, value); each name has a label in the catalogue
/// (`cw.risk_field.<name>`).
pub fn factor_fields(t: &FactorTable) -> Vec<(&'static str, u32)> {
    vec![
        ("opioid_points", t.opioid_points),
        ("synthetic_points", t.synthetic_points),
        ("other_points", t.other_points),
        ("addicted_points", t.addicted_points),
        ("severely_addicted_points", t.severely_addicted_points),
        ("per_positive_test", t.per_positive_test),
        ("positive_tests_cap", t.positive_tests_cap),
        ("per_missed_duty", t.per_missed_duty),
        ("missed_duties_cap", t.missed_duties_cap),
        ("per_detox_episode", t.per_detox_episode),
        ("detox_episodes_cap", t.detox_episodes_cap),
        ("last_use_180d", t.last_use_180d),
        ("last_use_1y", t.last_use_1y),
        ("last_use_2y", t.last_use_2y),
        ("unemployed_points", t.unemployed_points),
        ("no_housing_points", t.no_housing_points),
        ("no_family_support_points", t.no_family_support_points),
        ("breach_points", t.breach_points),
        ("lost_points", t.lost_points),
        ("medium_at", t.medium_at),
        ("high_at", t.high_at),
    ]
}

/// The alert rules' fields: (name, value, largest accepted: days); each name has a label in the
/// catalogue (`cw.risk_field.<name>`).
pub fn rule_fields(rules: &AlertRules) -> Vec<(&'static str, u32, u32)> {
    vec![
        ("report_warn_days", rules.report_warn_days, 15),
        ("lost_after_overdue_days", rules.lost_after_overdue_days, 365),
        ("escalate_after_days", rules.escalate_after_days, 365),
    ]
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SavedQuery {
    saved: String,
}

pub async fn risk_settings(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<SavedQuery>,
) -> PageResult {
    let s = caseload::risk_settings(&state.db, &a.actor).await?;
    let lang = a.chrome.lang;
    let read_only = s.read_only.map(|e| jindu_messages::render(&e.message, lang));
    Ok(RiskSettingsPage {
        c: a.chrome,
        display: s.display,
        table: s.table,
        rules: s.rules,
        tiers: s.tiers,
        form: FormState::new("risk", lang),
        saved: jindu_domain::query::number("saved", &q.saved, 0, 100_000_000).map_err(|e| AppError::from(vec![e]))?,
        read_only,
    }
    .into_response())
}

/// Every field of the table and rules as typed; each must be a whole number 0–100 (days up to
/// 365).
pub async fn save_risk_settings(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> PageResult {
    // Deployment-wide: refused (403) before the form is read for a scope smaller than the root;
    // the tier names and colours in force, for those the submission leaves out.
    let current = caseload::risk_settings_for_edit(&state.db, &a.actor).await?;
    let mut errors: Vec<FieldError> = Vec::new();
    let mut num = |k: &'static str, max: u32| -> u32 {
        match f.get(k).map(|v| v.trim()).unwrap_or("").parse::<u32>() {
            Ok(n) if n <= max => n,
            _ => {
                errors.push(FieldError::of(
                    k,
                    Message::new("msg.risk.number")
                        .label("field", risk_field_label(k, "zh"), risk_field_label(k, "en"))
                        .text("max", max),
                ));
                0
            }
        }
    };
    let table = FactorTable {
        opioid_points: num("opioid_points", 100),
        synthetic_points: num("synthetic_points", 100),
        other_points: num("other_points", 100),
        addicted_points: num("addicted_points", 100),
        severely_addicted_points: num("severely_addicted_points", 100),
        per_positive_test: num("per_positive_test", 100),
        positive_tests_cap: num("positive_tests_cap", 100),
        per_missed_duty: num("per_missed_duty", 100),
        missed_duties_cap: num("missed_duties_cap", 100),
        per_detox_episode: num("per_detox_episode", 100),
        detox_episodes_cap: num("detox_episodes_cap", 100),
        last_use_180d: num("last_use_180d", 100),
        last_use_1y: num("last_use_1y", 100),
        last_use_2y: num("last_use_2y", 100),
        unemployed_points: num("unemployed_points", 100),
        no_housing_points: num("no_housing_points", 100),
        no_family_support_points: num("no_family_support_points", 100),
        breach_points: num("breach_points", 100),
        lost_points: num("lost_points", 100),
        high_at: num("high_at", 100),
        medium_at: num("medium_at", 100),
    };
    let rules = AlertRules {
        report_warn_days: num("report_warn_days", 15),
        lost_after_overdue_days: num("lost_after_overdue_days", 365),
        escalate_after_days: num("escalate_after_days", 365),
    };
    // Tier names and colours left out of the submission stay as they are.
    let text = |k: String, keep: &String| f.get(&k).cloned().unwrap_or_else(|| keep.clone());
    let display = jindu_domain::risk::TierDisplay {
        labels_zh: std::array::from_fn(|i| text(format!("tier_label_{i}"), &current.labels_zh[i])),
        labels_en: std::array::from_fn(|i| text(format!("tier_label_en_{i}"), &current.labels_en[i])),
        colours: std::array::from_fn(|i| text(format!("tier_colour_{i}"), &current.colours[i])),
    };
    let res = if errors.is_empty() {
        caseload::save_risk_table(&state.db, &a.actor, state.clock.now(), &table, &rules, display.clone()).await
    } else {
        Err(ServiceError::Invalid(errors))
    };
    match res {
        Ok(n) => Ok(Redirect::to(&format!("/settings/risk?saved={n}")).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let tiers = caseload::risk_tier_counts(&state.db, &a.actor).await?;
            let values = f.into_iter().collect();
            let form = FormState { form: "risk".into(), values, errors, lang };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                RiskSettingsPage { c: a.chrome, display, table, rules, tiers, form, saved: None, read_only: None },
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The label of a risk-settings field in `lang`, from the catalogue (`cw.risk_field.<field>` in
/// `casework.yml`); a field without an entry reads "该项" / "This field".
pub fn risk_field_label(field: &str, lang: &str) -> String {
    let key = format!("cw.risk_field.{field}");
    match jindu_messages::t(&key, lang) {
        s if s == key => jindu_messages::t("cw.risk_field.unknown", lang),
        s => s,
    }
}

/// The colours of the risk tiers as the office set them (`.badge.high` / `.medium` / `.low`), as
/// a stylesheet: the strict content-security policy allows no inline styles. The values are
/// checked `#rrggbb` colours, so nothing else can reach the CSS.
pub async fn tier_stylesheet(State(state): State<AppState>) -> axum::response::Response {
    let display = jindu_store::service::casework::tier_display(&state.db).await.unwrap_or_default();
    let mut css = String::new();
    for t in jindu_domain::RiskTier::ALL {
        let c = display.colour(*t);
        css.push_str(&format!(
            ".badge.{0} {{ background:{c}26; border-color:{c}; color:#1f1f1f; box-shadow: inset 4px 0 0 {c}; }}\n",
            t.as_code()
        ));
    }
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "no-cache"),
        ],
        css,
    )
        .into_response()
}

#[cfg(test)]
mod risk_field_tests {
    use super::*;

    #[test]
    fn every_risk_setting_has_a_label_in_both_languages() {
        let names: Vec<&str> = factor_fields(&FactorTable::default())
            .into_iter()
            .map(|(k, _)| k)
            .chain(rule_fields(&AlertRules::default()).into_iter().map(|(k, _, _)| k))
            .collect();
        assert_eq!(names.len(), 24);
        for k in names {
            for lang in ["zh", "en"] {
                assert_ne!(risk_field_label(k, lang), risk_field_label("no_such_field", lang), "{k} in {lang}");
            }
        }
        assert_eq!(risk_field_label("opioid_points", "zh"), "阿片类（海洛因、吗啡、可卡因）");
        assert_eq!(risk_field_label("escalate_after_days", "en"), "Days lost before escalation to the district");
        assert_eq!(risk_field_label("no_such_field", "en"), "This field");
    }
}
