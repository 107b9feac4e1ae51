//! 驾驶舱 pages (issue #5): the indicators of a jurisdiction for a period with targets, the same
//! period a year before, 12-month trends drawn as SVG by the server, the jurisdictions below
//! ranked on a chosen indicator, and the rows behind every number; the police monthly form.
//! Handlers only translate to `service::dashboard` and `service::police`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::indicator::police::seized_fields;
use jindu_domain::indicator::{Figure, Indicator, Month, Period, PeriodKind, Unit};
use jindu_domain::message::Message;
use jindu_domain::{DivisionCode, DivisionLevel, Permission, Substance};
use jindu_store::service::dashboard::{self, CHILD_COLUMNS, Dashboard, Drill, FigureRow};
use jindu_store::service::police::{self, PoliceInput, PoliceRow};
use jindu_store::service::{FieldError, ServiceError, deployment};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Authed;
use crate::error::AppError;
use crate::form::Form;
use crate::page::{PageResult, form_values};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};

/// The big numbers at the top, in this order.
pub const HEADLINE: [Indicator; 12] = [
    Indicator::Registered,
    Indicator::Lost,
    Indicator::LossRate,
    Indicator::ControlRate,
    Indicator::ReportRate,
    Indicator::ExecutionRate,
    Indicator::TestsOnTimeRate,
    Indicator::VisitsOnTimeRate,
    Indicator::WorkstationCoverage,
    Indicator::WorkerGap,
    Indicator::NewlyFound,
    Indicator::Abstinent3y,
];

/// Query of the 驾驶舱: jurisdiction code, period (`2026-10`, `2026-Q4`, `2026`), ranking indicator.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct DashboardQuery {
    pub scope: String,
    pub period: String,
    pub rank: String,
    pub indicator: String,
    pub page: String,
}

/// What the query asks for, checked: bad input is a sentence naming the field (422).
pub struct Parsed {
    pub scope: Option<DivisionCode>,
    pub period: Period,
    pub rank_by: Indicator,
}

fn refuse(errors: Vec<FieldError>) -> AppError {
    AppError::Invalid(errors)
}

/// Parses the query (period defaults to the last complete month — the current one is only days
/// old and its rates are not comparable — ranking to 失控率).
pub fn parse_query(q: &DashboardQuery, today: chrono::NaiveDate) -> Result<Parsed, AppError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let period = if q.period.trim().is_empty() {
        Period::last_complete_month(today)
    } else {
        match Period::parse(&q.period) {
            // A period that has not begun has no figures: it is named, never shown as today's.
            Ok(p) if !p.has_begun(today) => {
                let shown: String = q.period.trim().chars().take(20).collect();
                errors.push(FieldError::of(
                    "period",
                    Message::new("msg.period.future").text("shown", shown).text("today", today),
                ));
                Period::containing(PeriodKind::Month, today)
            }
            Ok(p) => p,
            Err(e) => {
                errors.push(e.into());
                Period::containing(PeriodKind::Month, today)
            }
        }
    };
    let scope = if q.scope.trim().is_empty() {
        None
    } else {
        match DivisionCode::parse(&q.scope) {
            Ok(c) => Some(c),
            Err(e) => {
                errors.push(e.into());
                None
            }
        }
    };
    let rank_by = if q.rank.trim().is_empty() {
        Indicator::LossRate
    } else {
        Indicator::from_code(q.rank.trim()).unwrap_or_else(|| {
            errors.push(
                jindu_domain::DomainError::InvalidChoice {
                    field: "indicator",
                    input: q.rank.chars().take(40).collect(),
                }
                .into(),
            );
            Indicator::LossRate
        })
    };
    if errors.is_empty() { Ok(Parsed { scope, period, rank_by }) } else { Err(refuse(errors)) }
}

/// One 12-month trend drawn as a line in a 300 × 90 box.
pub struct TrendChart {
    pub label: String,
    /// `x,y` pairs of the polyline.
    pub points: String,
    /// Each month: x, y, month label and the value as shown.
    pub dots: Vec<(f64, f64, String, String)>,
    pub max_label: String,
    pub first_month: String,
    pub last_month: String,
    /// The partial last month's mark (`2026-11 截至11月29日`), empty when every month is whole.
    pub partial_note: String,
}

const CHART_W: f64 = 300.0;
const CHART_H: f64 = 90.0;

/// A trend chart; `as_of(m)` is the day month `m` is taken to when it is not over (its point is
/// labelled 截至… so a partial month does not read as a collapse).
fn chart(
    label: String,
    unit: Unit,
    series: &[(Month, Figure)],
    as_of: impl Fn(Month) -> Option<chrono::NaiveDate>,
    lang: &str,
) -> TrendChart {
    let mut partial_note = String::new();
    let max = series.iter().filter_map(|(_, f)| f.value).fold(0.0_f64, f64::max);
    let top = if max <= 0.0 { 1.0 } else { max * 1.1 };
    let n = series.len().max(2) as f64 - 1.0;
    let mut points = Vec::new();
    let mut dots = Vec::new();
    for (i, (m, f)) in series.iter().enumerate() {
        let x = 10.0 + (CHART_W - 20.0) * i as f64 / n;
        let Some(v) = f.value else { continue };
        let y = CHART_H - 8.0 - (CHART_H - 16.0) * v / top;
        points.push(format!("{x:.1},{y:.1}"));
        let month = match as_of(*m) {
            Some(d) => {
                partial_note = format!("{m} {}", jindu_domain::indicator::as_of_label(d, lang));
                partial_note.clone()
            }
            None => m.to_string(),
        };
        dots.push((x, y, month, f.display(unit)));
    }
    TrendChart {
        label,
        points: points.join(" "),
        dots,
        max_label: Figure { value: Some(max), numerator: 0, denominator: 1 }.display(unit),
        first_month: series.first().map(|(m, _)| m.to_string()).unwrap_or_default(),
        last_month: series.last().map(|(m, _)| m.to_string()).unwrap_or_default(),
        partial_note,
    }
}

/// The 驾驶舱 page.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub c: Chrome,
    pub d: Dashboard,
    pub charts: Vec<TrendChart>,
    pub headline: Vec<FigureRow>,
    /// Period links: (label, code).
    pub periods: Vec<(String, String)>,
    pub child_level: String,
    /// The published evaluation runs over this jurisdiction and each unit's place (考评排名).
    /// The towns' places in the published runs (考评排名), then the member units'.
    pub standings: Vec<jindu_store::service::evaluation::Standings>,
    /// The precursor figures of the jurisdiction and period (issue #21 item 7).
    pub precursor: Option<jindu_store::service::precursors::indicators::PrecursorIndicators>,
}

impl DashboardPage {
    /// A precursor rate as shown: `75.00 %`, `—`.
    pub fn pre_rate(&self, v: &Option<f64>) -> String {
        jindu_domain::precursor::indicators::format_rate(*v)
    }

    /// The label of a category row: 第1类, or 尚无台账.
    pub fn pre_category(&self, c: &Option<i32>) -> String {
        match c {
            Some(n) => self.c.t("pi.ind_category").replace("%{n}", &n.to_string()),
            None => self.c.t("pi.ind_no_ledger"),
        }
    }

    /// The label of a tier row.
    pub fn pre_tier(&self, t: &Option<jindu_domain::RiskTier>) -> String {
        match t {
            Some(t) => t.label(self.c.l()).to_string(),
            None => self.c.t("pi.not_assessed"),
        }
    }

    /// `town=…&` for the enterprise list when the jurisdiction is a town (the list filters by
    /// town; above it the viewer's scope is the list's).
    fn pre_town(&self) -> String {
        match self.d.jurisdiction.level {
            Some(DivisionLevel::Town) => format!("town={}&", self.d.jurisdiction.code.get(..9).unwrap_or_default()),
            _ => String::new(),
        }
    }

    /// Where a precursor figure leads (the list it counts): `category:1`, `tier:high`,
    /// `mismatch`, `due`.
    pub fn pre_link(&self, what: impl AsRef<str>) -> String {
        let what = what.as_ref();
        let town = self.pre_town();
        let division = self.d.jurisdiction.code.trim_end_matches("000").to_string();
        match what.split_once(':') {
            Some(("category", n)) => format!("/precursors/enterprises?{town}category={n}"),
            Some(("tier", t)) => format!("/precursors/enterprises?{town}tier={t}"),
            _ if what == "mismatch" => format!("/precursors/enterprises?{town}flag=mismatch"),
            _ if what == "due" => {
                let until = self.precursor.as_ref().map(|p| p.to.to_string()).unwrap_or_default();
                format!("/precursors/inspections?division={division}&until={until}")
            }
            _ => format!("/precursors/enterprises?{}", town.trim_end_matches('&')),
        }
    }

    /// A trend as shown: `↑2`, `↓1`, `—` (no change), empty without two ranked runs.
    pub fn trend(&self, row: &jindu_store::service::evaluation::StandingRow) -> String {
        match row.trend() {
            Some(0) => "—".to_string(),
            Some(n) if n > 0 => format!("↑{n}"),
            Some(n) => format!("↓{}", -n),
            None => String::new(),
        }
    }

    /// The partial-period mark: 截至11月29日 / as of 29 Nov.
    pub fn as_of(&self, day: &chrono::NaiveDate) -> String {
        jindu_domain::indicator::as_of_label(*day, self.c.l())
    }

    /// Query string of this page for another period/scope/ranking (HTML-escaped by the template).
    pub fn q(
        &self,
        scope: impl std::fmt::Display,
        period: impl std::fmt::Display,
        rank: impl std::fmt::Display,
    ) -> String {
        format!("scope={scope}&period={period}&rank={rank}")
    }

    /// Whether the indicator is a rate (its numerator and denominator are shown).
    pub fn is_rate(&self, i: &Indicator) -> bool {
        i.definition().unit == Unit::Percent
    }

    /// The value of a figure as shown.
    pub fn show(&self, i: &Indicator, f: &Figure) -> String {
        f.display(i.definition().unit)
    }

    /// Where a number leads: the persons behind it (for a count of persons, when the viewer may
    /// see persons and the scope is a county or smaller) or the ranking of the jurisdictions
    /// below on it.
    pub fn link(&self, i: &Indicator) -> String {
        let scope = &self.d.jurisdiction.code;
        let period = self.d.period.code();
        let small = matches!(
            self.d.jurisdiction.level,
            Some(DivisionLevel::County | DivisionLevel::Town | DivisionLevel::Village)
        );
        if i.counts_persons() && small && self.c.can(Permission::ViewPersons.as_code()) {
            format!("/dashboard/rows?indicator={}&period={period}&scope={scope}", i.code())
        } else {
            format!("/dashboard?scope={scope}&period={period}&rank={}#ranking", i.code())
        }
    }

    /// Change from a year before, signed, in the unit (percentage points for rates).
    pub fn change(&self, r: &FigureRow) -> String {
        match r.change() {
            None => "—".to_string(),
            Some(c) => {
                let unit = r.indicator.definition().unit;
                let s = match unit {
                    Unit::Percent => format!("{c:+.1}"),
                    Unit::PerWorker => format!("{c:+.1}"),
                    Unit::Grams => format!("{c:+.3}"),
                    _ => format!("{c:+.0}"),
                };
                if unit == Unit::Percent { format!("{s} pp") } else { s }
            }
        }
    }

    /// Target as shown, with its direction (≥ / ≤).
    pub fn target(&self, r: &FigureRow) -> String {
        match r.target {
            None => "—".to_string(),
            Some(t) => {
                let unit = r.indicator.definition().unit;
                let v = Figure { value: Some(t), numerator: 0, denominator: 1 }.display(unit);
                match r.indicator.definition().direction {
                    jindu_domain::indicator::Direction::HigherIsBetter => format!("≥ {v}"),
                    jindu_domain::indicator::Direction::LowerIsBetter => format!("≤ {v}"),
                }
            }
        }
    }

    /// Label of an indicator in the page language.
    pub fn name(&self, i: &Indicator) -> &'static str {
        i.definition().label(self.c.l())
    }

    /// Unit label in the page language.
    pub fn unit(&self, i: &Indicator) -> &'static str {
        let u = i.definition().unit;
        if self.c.l() == "en" { u.label_en() } else { u.label_zh() }
    }

    /// Grams from milligrams, three decimals.
    pub fn grams(&self, mg: &i64) -> String {
        format!("{:.3}", *mg as f64 / 1000.0)
    }

    /// Drug kind label.
    pub fn drug(&self, s: &Substance) -> &'static str {
        s.label(self.c.l())
    }

    /// Every indicator (the full table and the ranking choice).
    pub fn all(&self) -> &'static [Indicator] {
        Indicator::ALL
    }

    /// A figure of column `idx` of the ranking table, as shown.
    pub fn col(&self, idx: &usize, f: &Figure) -> String {
        CHILD_COLUMNS.get(*idx).map(|i| f.display(i.definition().unit)).unwrap_or_default()
    }

    /// The columns of the ranking table.
    pub fn columns(&self) -> &'static [Indicator] {
        &CHILD_COLUMNS
    }
}

/// GET /dashboard.
pub async fn page(State(state): State<AppState>, a: Authed, StrictQuery(q): StrictQuery<DashboardQuery>) -> PageResult {
    dashboard::authorize_page(&a.actor)?;
    let now = state.clock.now();
    let p = parse_query(&q, now.today)?;
    let d = dashboard::dashboard(&state.db, &a.actor, p.scope, p.period, p.rank_by, now.today).await?;
    let lang = a.chrome.l();
    let charts = d
        .trends
        .iter()
        .map(|(i, series)| {
            chart(i.definition().label(lang).to_string(), i.definition().unit, series, |m| d.month_as_of(m), lang)
        })
        .collect();
    let headline = HEADLINE.iter().filter_map(|i| d.row(*i).cloned()).collect();
    let this_month = Period::containing(PeriodKind::Month, now.today);
    let mark = |zh: &str, en: &str| {
        let label = if lang == "en" { en } else { zh };
        let day = jindu_domain::indicator::as_of_label(now.today, lang);
        if lang == "en" { format!("{label} ({day})") } else { format!("{label}（{day}）") }
    };
    let periods = vec![
        (mark("本月", "This month"), this_month.code()),
        (if lang == "en" { "Last month" } else { "上月" }.to_string(), this_month.previous().code()),
        (mark("本季度", "This quarter"), Period::containing(PeriodKind::Quarter, now.today).code()),
        (mark("本年度", "This year"), Period::containing(PeriodKind::Year, now.today).code()),
        (
            if lang == "en" { "Last year" } else { "上年度" }.to_string(),
            Period::containing(PeriodKind::Year, now.today).previous().code(),
        ),
    ];
    let child_level = jindu_documents::export::level_label(d.jurisdiction.level, lang);
    let mut standings = Vec::new();
    if let Ok(code) = d.jurisdiction.code.parse() {
        use jindu_domain::evaluation::Subject;
        for subject in [Subject::Towns, Subject::MemberUnits] {
            let s = jindu_store::service::evaluation::standings(&state.db, &a.actor, code, subject, 6).await?;
            if !s.runs.is_empty() {
                standings.push(s);
            }
        }
    }
    let precursor = match d.jurisdiction.code.parse() {
        Ok(code) => Some(
            jindu_store::service::precursors::indicators::indicators(&state.db, &a.actor, code, p.period, now.today)
                .await?,
        ),
        Err(_) => None,
    };
    Ok(DashboardPage { c: a.chrome, d, charts, headline, periods, child_level, standings, precursor }.into_response())
}

/// The rows behind a number.
#[derive(Template, WebTemplate)]
#[template(path = "dashboard_rows.html")]
pub struct RowsPage {
    pub c: Chrome,
    pub d: Drill,
    pub names: Vec<(String, String)>,
}

impl RowsPage {
    /// The name of a division code in the scope.
    pub fn place(&self, code: &str) -> String {
        self.names.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_string())
    }

    /// Label of the indicator.
    pub fn name(&self) -> &'static str {
        self.d.indicator.definition().label(self.c.l())
    }

    /// Unit label.
    pub fn unit(&self) -> &'static str {
        let u = self.d.indicator.definition().unit;
        if self.c.l() == "en" { u.label_en() } else { u.label_zh() }
    }

    /// Link to another page of the list.
    pub fn page_link(&self, page: u64) -> String {
        format!(
            "/dashboard/rows?indicator={}&period={}&scope={}&page={page}",
            self.d.indicator.code(),
            self.d.period.code(),
            self.d.jurisdiction.code
        )
    }
}

/// GET /dashboard/rows.
pub async fn rows(State(state): State<AppState>, a: Authed, StrictQuery(q): StrictQuery<DashboardQuery>) -> PageResult {
    dashboard::authorize_drill(&a.actor)?;
    let now = state.clock.now();
    let p = parse_query(&q, now.today)?;
    let indicator = Indicator::from_code(q.indicator.trim()).ok_or_else(|| {
        refuse(vec![
            jindu_domain::DomainError::InvalidChoice {
                field: "indicator",
                input: q.indicator.chars().take(40).collect(),
            }
            .into(),
        ])
    })?;
    let page = jindu_domain::query::page("page", &q.page).map_err(|e| AppError::from(vec![e]))?;
    let d = match dashboard::drill(&state.db, &state.vault, &a.actor, now, p.scope, indicator, p.period, page).await {
        Ok(d) => d,
        Err(ServiceError::Invalid(errors)) => return Err(refuse(errors)),
        Err(e) => return Err(e.into()),
    };
    let code = DivisionCode::parse(&d.jurisdiction.code).map_err(|_| AppError::NotFound)?;
    let mut names: Vec<(String, String)> = deployment::in_scope(&state.db, code, DivisionLevel::Village)
        .await?
        .into_iter()
        .map(|x| (x.code.to_string(), x.name))
        .collect();
    names.extend(
        deployment::in_scope(&state.db, code, DivisionLevel::Town)
            .await?
            .into_iter()
            .map(|x| (x.code.to_string(), x.name)),
    );
    Ok(RowsPage { c: a.chrome, d, names }.into_response())
}

/// The police monthly form and the forms filed.
#[derive(Template, WebTemplate)]
#[template(path = "police.html")]
pub struct PolicePage {
    pub c: Chrome,
    pub form: FormState,
    pub rows: Vec<PoliceRow>,
    pub names: Vec<(String, String)>,
    pub saved: bool,
}

impl PolicePage {
    /// Seizure fields with their drug kind.
    pub fn seized(&self) -> Vec<(Substance, &'static str)> {
        seized_fields().collect()
    }

    /// The name of a unit's division.
    pub fn place(&self, code: &str) -> String {
        self.names.iter().find(|(c, _)| c == code).map(|(_, n)| n.clone()).unwrap_or_else(|| code.to_string())
    }

    /// Grams of one kind in a filed form.
    pub fn grams(&self, r: &PoliceRow, s: &Substance) -> String {
        r.figures.seized_mg.get(s).map(|mg| format!("{:.3}", *mg as f64 / 1000.0)).unwrap_or_else(|| "0".into())
    }

    /// Drug kind label.
    pub fn drug(&self, s: &Substance) -> &'static str {
        s.label(self.c.l())
    }

    /// The form's values to correct a filed one (link target).
    pub fn edit_link(&self, r: &PoliceRow) -> String {
        format!("/police?month={}&division={}", r.month, r.division_code)
    }
}

/// Query of the police page: a filed form to correct.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct PoliceQuery {
    pub month: String,
    pub division: String,
    pub saved: String,
}

async fn police_page(state: &AppState, a: Authed, form: FormState, status: StatusCode, saved: bool) -> PageResult {
    let rows = police::list(&state.db, &a.actor, 60).await?;
    let mut names: Vec<(String, String)> = Vec::new();
    for level in [DivisionLevel::County, DivisionLevel::Town] {
        names.extend(
            deployment::in_scope(&state.db, a.actor.scope, level)
                .await?
                .into_iter()
                .map(|x| (x.code.to_string(), x.name)),
        );
    }
    Ok((status, PolicePage { c: a.chrome, form, rows, names, saved }).into_response())
}

/// GET /police: a new form for last month, or a filed one to correct.
pub async fn police_form(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<PoliceQuery>,
) -> PageResult {
    police::authorize_form(&a.actor)?;
    let now = state.clock.now();
    let lang = a.chrome.lang;
    let mut form = FormState::new("police", lang);
    let month = if q.month.trim().is_empty() {
        Month::of(now.today).plus(-1)
    } else {
        match Period::parse(&q.month) {
            Ok(Period::Month(m)) => m,
            Ok(_) => {
                return Err(refuse(vec![
                    jindu_domain::DomainError::InvalidPeriod {
                        field: "month",
                        input: q.month.chars().take(40).collect(),
                    }
                    .into(),
                ]));
            }
            Err(e) => return Err(refuse(vec![e.into()])),
        }
    };
    let division = if q.division.trim().is_empty() {
        a.actor.scope
    } else {
        match DivisionCode::parse(&q.division) {
            Ok(d) if a.actor.scope.contains(&d) => d,
            _ => {
                return Err(AppError::from(vec![jindu_domain::DomainError::InvalidFilter {
                    field: "division",
                    input: q.division.chars().take(40).collect(),
                    expected: jindu_domain::query::Expected::InScope(a.actor.scope.prefix()),
                }]));
            }
        }
    };
    let saved = jindu_domain::query::flag("saved", &q.saved).map_err(|e| AppError::from(vec![e]))?;
    form.values.insert("month".into(), month.to_string());
    form.values.insert("division".into(), division.to_string());
    if let Some(r) = police::get(&state.db, &a.actor, &division, month).await? {
        form.values.insert("cases_solved".into(), r.figures.cases_solved.to_string());
        form.values.insert("suspects_arrested".into(), r.figures.suspects_arrested.to_string());
        form.values.insert("users_dealt".into(), r.figures.users_dealt.to_string());
        for (s, field) in seized_fields() {
            if let Some(mg) = r.figures.seized_mg.get(&s) {
                form.values.insert(field.into(), format!("{:.3}", *mg as f64 / 1000.0));
            }
        }
        form.values.insert("version".into(), r.version.to_string());
    }
    police_page(&state, a, form, StatusCode::OK, saved).await
}

/// POST /police.
pub async fn file_police(State(state): State<AppState>, a: Authed, Form(f): Form<PoliceInput>) -> PageResult {
    let now = state.clock.now();
    let mut values = form_values(&f);
    for (k, v) in &f.seized {
        values.insert(k.clone(), v.clone());
    }
    match police::file(&state.db, &a.actor, now, &f).await {
        Ok(()) => Ok(Redirect::to("/police?saved=1").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let fs = FormState { form: "police".into(), values, errors, lang };
            police_page(&state, a, fs, StatusCode::UNPROCESSABLE_ENTITY, false).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The indicator settings page (targets, social-worker ratio).
#[derive(Template, WebTemplate)]
#[template(path = "indicator_settings.html")]
pub struct SettingsPage {
    pub c: Chrome,
    pub form: FormState,
    pub saved: bool,
}

impl SettingsPage {
    /// Every indicator.
    pub fn all(&self) -> &'static [Indicator] {
        Indicator::ALL
    }

    /// Direction in the page language.
    pub fn direction(&self, i: &Indicator) -> String {
        match i.definition().direction {
            jindu_domain::indicator::Direction::HigherIsBetter => self.c.t("dash.higher"),
            jindu_domain::indicator::Direction::LowerIsBetter => self.c.t("dash.lower"),
        }
    }
}

/// GET /settings/indicators.
pub async fn settings(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<PoliceQuery>,
) -> PageResult {
    let s = jindu_store::service::indicators::settings_form(&state.db, &a.actor).await?;
    let saved = jindu_domain::query::flag("saved", &q.saved).map_err(|e| AppError::from(vec![e]))?;
    let mut form = FormState::new("indicators", a.chrome.lang);
    form.values.insert("worker_ratio".into(), s.worker_ratio.to_string());
    for i in Indicator::ALL {
        let v = s.target(*i).map(|t| format!("{t}")).unwrap_or_default();
        form.values.insert(i.target_field().into(), v);
    }
    Ok(SettingsPage { c: a.chrome, form, saved }.into_response())
}

/// POST /settings/indicators.
pub async fn save_settings(
    State(state): State<AppState>,
    a: Authed,
    Form(f): Form<std::collections::BTreeMap<String, String>>,
) -> PageResult {
    let now = state.clock.now();
    match jindu_store::service::indicators::save_settings(&state.db, &a.actor, now, &f).await {
        Ok(_) => Ok(Redirect::to("/settings/indicators?saved=1").into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let values = f.into_iter().collect();
            let form = FormState { form: "indicators".into(), values, errors, lang };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, SettingsPage { c: a.chrome, form, saved: false }).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// GET /dashboard.xlsx: the page's tables as a workbook (audited as `indicator.export`).
pub async fn export(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<DashboardQuery>,
) -> PageResult {
    dashboard::authorize_page(&a.actor)?;
    let now = state.clock.now();
    let p = parse_query(&q, now.today)?;
    let d = dashboard::dashboard(&state.db, &a.actor, p.scope, p.period, p.rank_by, now.today).await?;
    let bytes = jindu_documents::export::dashboard_xlsx(&d, a.chrome.l(), a.chrome.demo)?;
    dashboard::record_download(&state.db, &a.actor, now, &d, dashboard::Download::Workbook).await?;
    let name = jindu_documents::export::xlsx_file_name(&d);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, jindu_documents::sheet::XLSX_CONTENT_TYPE.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// The file format of a 通报.
enum BulletinFormat {
    Docx,
    Xlsx,
}

/// GET /dashboard/bulletin.docx and /dashboard/bulletin.xlsx: the 通报 of the page's jurisdiction
/// and period, dated today (audited as `bulletin.export` with the period code and the format).
async fn bulletin(state: AppState, a: Authed, q: DashboardQuery, format: BulletinFormat) -> PageResult {
    dashboard::authorize_page(&a.actor)?;
    let now = state.clock.now();
    let p = parse_query(&q, now.today)?;
    let d = dashboard::dashboard(&state.db, &a.actor, p.scope, p.period, p.rank_by, now.today).await?;
    let (bytes, content_type, ext) = match format {
        BulletinFormat::Docx => (
            jindu_documents::bulletin::bulletin_docx(&d, a.chrome.demo, now.today)?,
            jindu_documents::bulletin::DOCX_CONTENT_TYPE,
            "docx",
        ),
        BulletinFormat::Xlsx => (
            jindu_documents::bulletin::bulletin_xlsx(&d, a.chrome.demo, now.today)?,
            jindu_documents::sheet::XLSX_CONTENT_TYPE,
            "xlsx",
        ),
    };
    dashboard::record_download(&state.db, &a.actor, now, &d, dashboard::Download::Bulletin { format: ext }).await?;
    let name = jindu_documents::bulletin::bulletin_file_name(&d, ext);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, content_type.to_string()),
            (axum::http::header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
        ],
        bytes,
    )
        .into_response())
}

/// GET /dashboard/bulletin.docx: the 通报 as a Word document (GB/T 9704-2012 layout).
pub async fn bulletin_docx(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<DashboardQuery>,
) -> PageResult {
    bulletin(state, a, q, BulletinFormat::Docx).await
}

/// GET /dashboard/bulletin.xlsx: the 通报's tables as a workbook.
pub async fn bulletin_xlsx(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<DashboardQuery>,
) -> PageResult {
    bulletin(state, a, q, BulletinFormat::Xlsx).await
}
