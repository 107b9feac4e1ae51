//! 驾驶舱 the indicators of one jurisdiction for one period: every figure with its target and the
//! same period a year before, monthly trends, the jurisdictions below ranked on a chosen
//! indicator, the seizures by drug kind, and the rows behind a figure (drill-down). Reads the
//! cells kept by [`crate::service::indicators`]: a handful of rows per jurisdiction, whatever the size of
//! the registry.

use jindu_domain::message::Message;
use std::collections::HashMap;

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{
    Figure, Indicator, IndicatorSettings, Month, Period, SEIZURE_KINDS, ScopeCells, affected_share, evaluate,
    misses_target, rank,
};
use jindu_domain::{ControlStatus, DivisionCode, DivisionLevel, DomainError, Permission, Substance};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::entities::{division, person};
use crate::service::deployment::{self, Division};
use crate::service::{Actor, Page, ServiceError, ServiceResult, audit, indicators, scope_bounds, stored};
use crate::vault::Vault;

/// The figures shown for each jurisdiction below the one viewed.
pub const CHILD_COLUMNS: [Indicator; 8] = [
    Indicator::Registered,
    Indicator::Lost,
    Indicator::LossRate,
    Indicator::ControlRate,
    Indicator::ReportRate,
    Indicator::TestsOnTimeRate,
    Indicator::VisitsOnTimeRate,
    Indicator::WorkstationCoverage,
];

/// The indicators drawn as 12-month trends.
pub const TRENDS: [Indicator; 4] =
    [Indicator::Registered, Indicator::LossRate, Indicator::TestsOnTimeRate, Indicator::NewlyFound];

/// A jurisdiction: a division, or the whole country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jurisdiction {
    /// 12-digit code ([`indicators::NATION`] for the country).
    pub code: String,
    pub name: String,
    /// `None` for the country.
    pub level: Option<DivisionLevel>,
}

impl Jurisdiction {
    /// The jurisdiction of a division.
    pub fn of(d: &Division) -> Jurisdiction {
        Jurisdiction { code: d.code.to_string(), name: d.name.clone(), level: Some(d.level) }
    }

    /// The whole country.
    pub fn nation() -> Jurisdiction {
        Jurisdiction { code: indicators::NATION.to_string(), name: "全国".to_string(), level: None }
    }
}

/// One figure of the page.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureRow {
    pub indicator: Indicator,
    pub figure: Figure,
    /// The same period a year before (同期).
    pub year_before: Figure,
    pub target: Option<f64>,
    /// On the wrong side of the target (shown red).
    pub misses: bool,
}

impl FigureRow {
    /// Change from the same period a year before: in the indicator's unit (percentage points for
    /// rates); `None` when either has no value.
    pub fn change(&self) -> Option<f64> {
        Some(self.figure.value? - self.year_before.value?)
    }
}

/// One jurisdiction below the one viewed.
#[derive(Debug, Clone, PartialEq)]
pub struct ChildRow {
    pub jurisdiction: Jurisdiction,
    /// The figures of [`CHILD_COLUMNS`].
    pub figures: Vec<Figure>,
    /// The ranking indicator's figure.
    pub rank_figure: Figure,
    /// Competition rank (1224) on the ranking indicator; `None` without a value.
    pub rank: Option<u32>,
}

/// The 驾驶舱 of one jurisdiction and period.
#[derive(Debug, Clone)]
pub struct Dashboard {
    pub jurisdiction: Jurisdiction,
    /// The jurisdictions from the viewer's own scope down to this one (breadcrumb).
    pub trail: Vec<Jurisdiction>,
    pub period: Period,
    pub figures: Vec<FigureRow>,
    /// Monthly values over the 12 months ending with the period's last month.
    pub trends: Vec<(Indicator, Vec<(Month, Figure)>)>,
    /// The jurisdictions below, in rank order.
    pub children: Vec<ChildRow>,
    pub rank_by: Indicator,
    /// Milligrams seized by kind: this period, the same period a year before.
    pub seizures: Vec<(Substance, i64, i64)>,
    pub settings: IndicatorSettings,
    /// `Some(today)` when the period is not over (a partial period, shown as 截至12月6日:
    /// [`Period::as_of`]); its flows and rates are not comparable with whole periods.
    pub as_of: Option<NaiveDate>,
}

impl Dashboard {
    /// The row of one indicator.
    pub fn row(&self, i: Indicator) -> Option<&FigureRow> {
        self.figures.iter().find(|f| f.indicator == i)
    }

    /// The day the figures of trend month `m` are taken to, when that month is not over (the
    /// last point of a trend in the current month): `Some(as_of)`.
    pub fn month_as_of(&self, m: Month) -> Option<NaiveDate> {
        self.as_of.filter(|d| Month::of(*d) <= m)
    }
}

/// The 驾驶舱 of `scope` (default: the viewer's own) for `period` as on `today` (a period not
/// over is marked partial), ranking the jurisdictions below on `rank_by`. Needs `ViewCounts`.
///
/// # Errors
/// [`ServiceError::Forbidden`] without `ViewCounts`; [`ServiceError::NotFound`] for a scope outside
/// the viewer's or not in the division list.
pub async fn dashboard<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scope: Option<DivisionCode>,
    period: Period,
    rank_by: Indicator,
    today: NaiveDate,
) -> ServiceResult<Dashboard> {
    actor.require(Permission::ViewCounts)?;
    let code = scope.unwrap_or(actor.scope);
    if !actor.scope.contains(&code) {
        return Err(ServiceError::NotFound("division"));
    }
    let d = deployment::division_by_code(db, code).await?.ok_or(ServiceError::NotFound("division"))?;
    let mut trail = vec![Jurisdiction::of(&d)];
    let mut cur = d.parent;
    while let Some(p) = cur {
        if !actor.scope.contains(&p) {
            break;
        }
        match deployment::division_by_code(db, p).await? {
            Some(pd) => {
                cur = pd.parent;
                trail.push(Jurisdiction::of(&pd));
            }
            None => break,
        }
    }
    trail.reverse();
    dashboard_of(db, Jurisdiction::of(&d), trail, period, rank_by, today).await
}

/// The 驾驶舱 of any jurisdiction, without a viewer (the bench and scheduled reports use it for the
/// country or a province; pages go through [`dashboard`]).
pub async fn dashboard_of<C: ConnectionTrait>(
    db: &C,
    jurisdiction: Jurisdiction,
    trail: Vec<Jurisdiction>,
    period: Period,
    rank_by: Indicator,
    today: NaiveDate,
) -> ServiceResult<Dashboard> {
    let settings = indicators::settings(db).await?;
    let (first, last) = period.months();
    // Two years back: the same period a year before, and its own growth on the year before it.
    let from = first.plus(-24).min(last.plus(-11));
    let cells = if jurisdiction.level == Some(DivisionLevel::Village) {
        community_cells(db, &jurisdiction.code).await?
    } else {
        indicators::cells_of(db, std::slice::from_ref(&jurisdiction.code), from)
            .await?
            .remove(&jurisdiction.code)
            .unwrap_or_default()
    };
    let before = period.year_before();
    let figures = Indicator::ALL
        .iter()
        .map(|i| {
            let figure = evaluate(*i, &cells, period, &settings);
            let target = settings.target(*i);
            FigureRow {
                indicator: *i,
                figure,
                year_before: evaluate(*i, &cells, before, &settings),
                target,
                misses: misses_target(figure.value, target, i.definition().direction),
            }
        })
        .collect();
    let trends = TRENDS
        .iter()
        .map(|i| {
            let series = (0..12)
                .map(|k| {
                    let m = last.plus(k - 11);
                    (m, evaluate(*i, &cells, Period::Month(m), &settings))
                })
                .collect();
            (*i, series)
        })
        .collect();
    let seizures = SEIZURE_KINDS
        .iter()
        .map(|s| {
            let k = jindu_domain::indicator::CellKey::Seized(*s);
            (*s, cells.cell(k, period), cells.cell(k, before))
        })
        .collect();
    let (children, registered_below) = children_of(db, &jurisdiction, period, rank_by, &settings).await?;
    // 涉毒区划占比 from the jurisdictions below (none below a community: no value).
    let mut figures: Vec<FigureRow> = figures;
    if let Some(row) = figures.iter_mut().find(|r| r.indicator == Indicator::AffectedShare) {
        let now: Vec<i64> = registered_below.iter().map(|(n, _)| *n).collect();
        let before: Vec<i64> = registered_below.iter().map(|(_, b)| *b).collect();
        row.figure = affected_share(&now);
        row.year_before = affected_share(&before);
        row.misses = misses_target(row.figure.value, row.target, Indicator::AffectedShare.definition().direction);
    }
    let as_of = period.as_of(today);
    Ok(Dashboard { jurisdiction, trail, period, figures, trends, children, rank_by, seizures, settings, as_of })
}

/// A community's cells: cells are kept per town and above, so a community's are summed from the
/// contributions of its town's persons who live in it (as for the communities in a town's
/// ranking).
async fn community_cells<C: ConnectionTrait>(db: &C, code: &str) -> ServiceResult<ScopeCells> {
    let town = DivisionCode::parse(code)
        .ok()
        .and_then(|c| c.parent())
        .map(|t| t.to_string())
        .ok_or_else(|| ServiceError::Data(format!("community code {code}")))?;
    let mut cells = ScopeCells::new();
    for (_, division_code, c) in indicators::contributions_in(db, &town, &town).await? {
        if division_code != code {
            continue;
        }
        for (k, m, v) in c.iter() {
            cells.add(k, m, v);
            if k.is_stock() {
                cells.add(k, Month::TOTAL, v);
            }
        }
    }
    Ok(cells)
}

/// The registered persons of each jurisdiction below: at the end of the period and of the same
/// period a year before.
type RegisteredBelow = Vec<(i64, i64)>;

/// The jurisdictions below `j` with their figures, ranked: provinces below the country, …, towns
/// below a county (from the kept cells); communities below a town (summed from the town's
/// persons). Also each one's 在册 now and a year before (for 涉毒区划占比).
async fn children_of<C: ConnectionTrait>(
    db: &C,
    j: &Jurisdiction,
    period: Period,
    rank_by: Indicator,
    settings: &IndicatorSettings,
) -> ServiceResult<(Vec<ChildRow>, RegisteredBelow)> {
    let rows: Vec<division::Model> = match j.level {
        None => {
            // Provinces are the rows without a parent (an indexed read; the level column is not
            // indexed and the national list has 665,276 rows).
            division::Entity::find().filter(division::Column::ParentCode.is_null()).all(db).await?
        }
        Some(DivisionLevel::Village) => Vec::new(),
        Some(_) => division::Entity::find().filter(division::Column::ParentCode.eq(j.code.clone())).all(db).await?,
    };
    if rows.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let kids: Vec<Jurisdiction> = rows
        .iter()
        .map(|r| Jurisdiction { code: r.code.clone(), name: r.name.clone(), level: DivisionLevel::from_code(&r.level) })
        .collect();
    let (first, _) = period.months();
    let mut cells: HashMap<String, ScopeCells> = if j.level == Some(DivisionLevel::Town) {
        let mut by: HashMap<String, ScopeCells> = HashMap::new();
        for (_, division_code, c) in indicators::contributions_in(db, &j.code, &j.code).await? {
            let s = by.entry(division_code).or_default();
            for (k, m, v) in c.iter() {
                s.add(k, m, v);
                if k.is_stock() {
                    s.add(k, Month::TOTAL, v);
                }
            }
        }
        by
    } else {
        let codes: Vec<String> = kids.iter().map(|k| k.code.clone()).collect();
        indicators::cells_of(db, &codes, first.plus(-12)).await?
    };
    let mut registered_below = Vec::with_capacity(kids.len());
    let mut out: Vec<ChildRow> = kids
        .into_iter()
        .map(|k| {
            let c = cells.remove(&k.code).unwrap_or_default();
            let registered = |p: Period| evaluate(Indicator::Registered, &c, p, settings).numerator;
            registered_below.push((registered(period), registered(period.year_before())));
            ChildRow {
                figures: CHILD_COLUMNS.iter().map(|i| evaluate(*i, &c, period, settings)).collect(),
                rank_figure: evaluate(rank_by, &c, period, settings),
                rank: None,
                jurisdiction: k,
            }
        })
        .collect();
    let values: Vec<Option<f64>> = out.iter().map(|r| r.rank_figure.value).collect();
    let order = rank(&values, rank_by.definition().direction);
    let mut ranked = Vec::with_capacity(out.len());
    let mut slots: Vec<Option<ChildRow>> = out.drain(..).map(Some).collect();
    for (i, r) in order {
        if let Some(mut row) = slots.get_mut(i).and_then(Option::take) {
            row.rank = r;
            ranked.push(row);
        }
    }
    Ok((ranked, registered_below))
}

/// One person behind a figure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrillRow {
    pub person_id: Uuid,
    pub name: String,
    /// Masked ID number (e.g. `430405********1234`).
    pub id_masked: String,
    pub division_code: String,
    pub status: ControlStatus,
    /// What the person adds to the figure (1, or the number of acts for 人次 figures).
    pub value: i64,
}

/// The rows behind a figure.
#[derive(Debug, Clone)]
pub struct Drill {
    pub jurisdiction: Jurisdiction,
    pub indicator: Indicator,
    pub period: Period,
    /// The figure: the sum of every person's value (equals the 驾驶舱).
    pub total: i64,
    /// Number of persons behind it.
    pub persons: u64,
    /// Persons the viewer may not see by name (sealed records, or outside a social worker's
    /// caseload): counted, not listed.
    pub hidden: u64,
    pub rows: Page<DrillRow>,
}

/// Rows per page of a drill-down.
pub const DRILL_PER_PAGE: u64 = 50;

/// The persons behind `indicator` for `scope` and `period` (a county, town or community), paged.
/// Needs `ViewPersons`; audited (`indicator.drill`). Sealed records (戒毒条例 §7) are listed only
/// for roles that open them; a social worker sees their own caseload by name, the rest as a count.
///
/// # Errors
/// [`ServiceError::Invalid`] for an indicator that is not a count of persons (field
/// `indicator`) or a scope above a county (field `scope`); [`ServiceError::NotFound`] for a
/// scope outside the viewer's.
#[allow(clippy::too_many_arguments)]
pub async fn drill<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    scope: Option<DivisionCode>,
    indicator: Indicator,
    period: Period,
    page: u64,
) -> ServiceResult<Drill> {
    actor.require(Permission::ViewPersons)?;
    let code = scope.unwrap_or(actor.scope);
    if !actor.scope.contains(&code) {
        return Err(ServiceError::NotFound("division"));
    }
    let keys = indicator
        .drill_keys()
        .ok_or_else(|| DomainError::InvalidChoice { field: "indicator", input: indicator.code().to_string() })?;
    if matches!(code.level(), DivisionLevel::Province | DivisionLevel::City) {
        return Err(crate::service::FieldError::of("scope", Message::new("msg.scope.too_wide")).into());
    }
    let d = deployment::division_by_code(db, code).await?.ok_or(ServiceError::NotFound("division"))?;
    let (lo, hi) = scope_bounds(&code);
    let (town_lo, town_hi) = if code.level() == DivisionLevel::Village {
        let t = code.parent().unwrap_or(code).to_string();
        (t.clone(), t)
    } else {
        (lo.clone(), hi.clone())
    };
    let (first, last) = period.months();
    // A person counts where they were held in the period (属地), possibly in two parts.
    let mut per_person: HashMap<Uuid, i64> = HashMap::new();
    for (id, division_code, c) in indicators::contributions_in(db, &town_lo, &town_hi).await? {
        if division_code < lo || division_code > hi {
            continue;
        }
        *per_person.entry(id).or_default() += keys.iter().map(|k| c.value(*k, first, last)).sum::<i64>();
    }
    let mut found: Vec<(Uuid, i64)> = per_person.into_iter().filter(|(_, v)| *v > 0).collect();
    found.sort();
    let total: i64 = found.iter().map(|(_, v)| v).sum();
    let values: HashMap<Uuid, i64> = found.iter().copied().collect();
    let mut visible: Vec<DrillRow> = Vec::new();
    let mut hidden = 0u64;
    let ids: Vec<Uuid> = found.iter().map(|(id, _)| *id).collect();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            // Counted where they were held, but shown only to those who see them now (sealed,
            // another worker's caseload, moved away: the one rule of `record::visible_to`).
            if !crate::service::record::visible_to(actor, &p) {
                hidden += 1;
                continue;
            }
            let row = p.id.to_string();
            let id_number = vault.open("person", "id_number", &row, &p.id_number)?;
            visible.push(DrillRow {
                person_id: p.id,
                name: vault.open("person", "name", &row, &p.name)?,
                id_masked: jindu_domain::IdNumber::parse(&id_number).map(|n| n.masked()).unwrap_or_default(),
                division_code: p.division_code.clone(),
                status: stored("control_status", &p.control_status, ControlStatus::from_code)?,
                value: values.get(&p.id).copied().unwrap_or(0),
            });
        }
    }
    visible.sort_by(|a, b| a.division_code.cmp(&b.division_code).then_with(|| a.name.cmp(&b.name)));
    let persons = found.len() as u64;
    let listed = visible.len() as u64;
    let page = crate::service::page_within(page, listed, DRILL_PER_PAGE);
    let rows: Vec<DrillRow> =
        visible.into_iter().skip(((page - 1) * DRILL_PER_PAGE) as usize).take(DRILL_PER_PAGE as usize).collect();
    // The list read is audited in a write transaction of its own (a read opens none).
    audit::record(
        db,
        &audit::Who::actor(actor),
        now,
        audit::Entry::ok("indicator.drill", "division", code).with_detail(format!(
            "{} {} persons {persons} listed {listed}",
            indicator.code(),
            period.code()
        )),
    )
    .await?;
    Ok(Drill {
        jurisdiction: Jurisdiction::of(&d),
        indicator,
        period,
        total,
        persons,
        hidden,
        rows: Page { rows, page, per_page: DRILL_PER_PAGE, total: listed },
    })
}

/// The 驾驶舱 page, its workbook and its 通报 need `ViewCounts`: checked before the query is read
/// (403 before any 422), then again by [`dashboard`].
///
/// # Errors
/// Forbidden.
pub fn authorize_page(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ViewCounts)
}

/// The persons behind a figure (the drill-down list) need `ViewPersons`: checked before the
/// query is read (403 before any 422), then again by [`drill`].
///
/// # Errors
/// Forbidden.
pub fn authorize_drill(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ViewPersons)
}

/// A download of the 驾驶舱's figures, for its audit record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Download {
    /// The page's tables as a workbook (`indicator.export`, detail: the period code).
    Workbook,
    /// The 通报 as `format` (`docx`, `xlsx`) (`bulletin.export`, detail: the period code and
    /// the format).
    Bulletin { format: &'static str },
}

/// Records that the actor downloaded `what` of the dashboard `d` (which they loaded with
/// [`dashboard`], so the permission and the scope were checked), on the jurisdiction, in its own
/// write transaction.
///
/// # Errors
/// Store errors.
pub async fn record_download<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    d: &Dashboard,
    what: Download,
) -> ServiceResult<()> {
    let entry = match what {
        Download::Workbook => {
            audit::Entry::ok("indicator.export", "division", &d.jurisdiction.code).with_detail(d.period.code())
        }
        Download::Bulletin { format } => audit::Entry::ok("bulletin.export", "division", &d.jurisdiction.code)
            .with_detail(format!("{} {format}", d.period.code())),
    };
    audit::record(db, &audit::Who::actor(actor), now, entry).await
}
