//! 统计指标 kept as they happen. Every write about a person ends in [`maintain`] (called by
//! `casework::reconcile`, inside the write's transaction): the person's contribution to the
//! indicator cells (`jindu_domain::indicator::person::contribution`) is computed from the record
//! and the difference to the last one is added to the cells of the person's town and every
//! jurisdiction above it (county, city, province, country). A dashboard then reads a handful of
//! rows per jurisdiction — the running totals and the months it shows — however many persons and
//! events there are. Communities (村/社区) are not kept as cells: a town's communities are summed
//! from the contributions of the town's persons, which is bounded by the size of one town.
//!
//! [`rebuild`] recomputes every cell from scratch (the same functions, summed in memory); tests
//! check that it equals what the writes kept.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::indicator::person::{EventFact, MeasureFact, PersonRecord, contribution};
use jindu_domain::indicator::police::PoliceMonth;
use jindu_domain::indicator::{
    CellKey, Contribution, IndicatorSettings, Month, ScopeCells, decode_parts, encode_parts, split_by_town,
};
use jindu_domain::{ControlStatus, DivisionCode, DivisionLevel, EventKind, RiskTier, Role, Substance, TestResult};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, OnConflict, Query};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entities::{
    app_user, division, event, indicator_cell, measure, person, person_indicator, person_part, police_report,
    workstation,
};
use crate::service::{ServiceError, ServiceResult, deployment, record, stored};

/// Scope code of the whole country.
pub const NATION: &str = "000000000000";

/// Setting key of the office's indicator settings (JSON of [`IndicatorSettings`]).
pub const SETTINGS_KEY: &str = "indicator.settings";

/// The month the division list is taken to hold from (towns count in every period shown).
const DIVISIONS_FROM: Month = Month(200001);

static MAINTAIN: AtomicBool = AtomicBool::new(true);

/// Turns the upkeep of the cells on or off for this process. **Only for `jindu bench
/// indicators`**, which measures writes with and without it; the cells are wrong while it is
/// off until [`rebuild`] runs.
pub fn set_maintenance(on: bool) {
    MAINTAIN.store(on, Ordering::SeqCst);
}

tokio::task_local! {
    /// Persons whose upkeep is deferred inside [`deferring`].
    static DEFERRED: std::cell::RefCell<Vec<Uuid>>;
}

/// Runs `f` with the upkeep of the cells deferred: a write inside it only notes its person, and
/// [`apply_deferred`], called by the caller inside `f` before it commits, adds the summed
/// difference of all of them once per town. For an import, whose one transaction would otherwise
/// update the same cells (the district's, the province's, the country's, this month's) once per
/// row: PostgreSQL keeps every version of a row updated in a transaction until it commits, so each
/// update walked a longer chain and an import of 2,000 rows took 3.6 times as long as 1,000.
pub async fn deferring<F: std::future::Future>(f: F) -> F::Output {
    DEFERRED.scope(std::cell::RefCell::new(Vec::new()), f).await
}

/// Inside [`deferring`]: brings the cells up to date for every person noted so far, summing the
/// differences per town and applying each town's sum once; `as_of` is today (missed duties count
/// up to it). Outside it, does nothing.
pub async fn apply_deferred<C: ConnectionTrait>(db: &C, as_of: NaiveDate) -> ServiceResult<()> {
    let mut ids = DEFERRED.try_with(|d| std::mem::take(&mut *d.borrow_mut())).unwrap_or_default();
    ids.sort();
    ids.dedup();
    let mut per_town: BTreeMap<String, Contribution> = BTreeMap::new();
    let mut add = |town: &str, c: &Contribution, sign: i64| {
        let e = per_town.entry(town.to_string()).or_default();
        for (k, m, v) in c.iter() {
            e.add(k, m, sign * v);
        }
    };
    for id in ids {
        let Some((town, division_code, new)) = person_contribution(db, id, as_of).await? else {
            continue;
        };
        if let Some(o) = person_indicator::Entity::find_by_id(id).one(db).await? {
            for (t, c) in sum_per_town(&decode_parts(&o.cells, &o.division_code)?)? {
                add(&t, &c, -1);
            }
        }
        for (t, c) in sum_per_town(&new)? {
            add(&t, &c, 1);
        }
        keep_contribution(db, id, town, division_code, &new).await?;
    }
    for (town, delta) in per_town {
        apply(db, &town, &delta).await?;
    }
    Ok(())
}

/// Keeps the divisions of a person's parts (`person_part`) when there is more than one (a person
/// who moved), so the towns they left still find them.
async fn keep_parts<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    parts: &BTreeMap<String, Contribution>,
) -> ServiceResult<()> {
    person_part::Entity::delete_many().filter(person_part::Column::PersonId.eq(person_id)).exec(db).await?;
    if parts.len() > 1 {
        person_part::Entity::insert_many(
            parts.keys().map(|d| person_part::ActiveModel { division_code: Set(d.clone()), person_id: Set(person_id) }),
        )
        .exec(db)
        .await?;
    }
    Ok(())
}

/// Stores the contribution now counted for a person.
async fn keep_contribution<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    town: String,
    division_code: String,
    parts: &BTreeMap<String, Contribution>,
) -> ServiceResult<()> {
    keep_parts(db, person_id, parts).await?;
    let row = person_indicator::ActiveModel {
        person_id: Set(person_id),
        cells: Set(encode_parts(parts, &division_code)),
        town_code: Set(town),
        division_code: Set(division_code),
    };
    person_indicator::Entity::insert(row)
        .on_conflict(
            OnConflict::column(person_indicator::Column::PersonId)
                .update_columns([
                    person_indicator::Column::TownCode,
                    person_indicator::Column::DivisionCode,
                    person_indicator::Column::Cells,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// The indicator settings for the form that edits them (指标设置). Needs `Configure` (a user
/// below the deployment's root may read them; [`save_settings`] refuses their save).
///
/// # Errors
/// Forbidden; store errors.
pub async fn settings_form<C: ConnectionTrait>(
    db: &C,
    actor: &crate::service::Actor,
) -> ServiceResult<IndicatorSettings> {
    actor.require(jindu_domain::Permission::Configure)?;
    settings(db).await
}

/// The indicator settings in force: the office's edit, or the shipped default (30:1).
pub async fn settings<C: ConnectionTrait>(db: &C) -> ServiceResult<IndicatorSettings> {
    match deployment::get_setting(db, SETTINGS_KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("indicator settings: {e}"))),
        None => Ok(IndicatorSettings::default()),
    }
}

/// The jurisdictions cells of `code` are added to, from its own level (a community counts in
/// its town) up to the country: town, county, city, province, [`NATION`].
///
/// # Errors
/// [`ServiceError::Data`] for a stored code that is not a division code.
pub fn scopes_of(code: &str) -> ServiceResult<Vec<String>> {
    let mut c = DivisionCode::parse(code).map_err(|_| ServiceError::Data(format!("division code {code}")))?;
    if c.level() == DivisionLevel::Village {
        c = c.parent().ok_or_else(|| ServiceError::Data(format!("division code {code}")))?;
    }
    let mut out = vec![c.to_string()];
    while let Some(p) = c.parent() {
        out.push(p.to_string());
        c = p;
    }
    out.push(NATION.to_string());
    Ok(out)
}

/// Adds `delta` to the cells of `code` (a community, town, county, …) and of every jurisdiction
/// above it, in one statement per thousand rows: `value = value + delta` on existing rows.
/// Stock cells also move their running total ([`Month::TOTAL`]).
pub async fn apply<C: ConnectionTrait>(db: &C, code: &str, delta: &Contribution) -> ServiceResult<()> {
    if delta.is_empty() {
        return Ok(());
    }
    let mut per_scope: BTreeMap<(i32, String), i64> = BTreeMap::new();
    for (k, m, v) in delta.iter() {
        *per_scope.entry((m.0, k.code())).or_insert(0) += v;
        if k.is_stock() {
            *per_scope.entry((Month::TOTAL.0, k.code())).or_insert(0) += v;
        }
    }
    per_scope.retain(|_, v| *v != 0);
    let mut rows: Vec<(String, i32, String, i64)> = Vec::new();
    for scope in scopes_of(code)? {
        for ((m, k), v) in &per_scope {
            rows.push((scope.clone(), *m, k.clone(), *v));
        }
    }
    upsert_cells(db, &rows).await
}

async fn upsert_cells<C: ConnectionTrait>(db: &C, rows: &[(String, i32, String, i64)]) -> ServiceResult<()> {
    use indicator_cell::Column as C;
    for chunk in rows.chunks(1000) {
        let mut q = Query::insert();
        q.into_table(indicator_cell::Entity).columns([C::Scope, C::Month, C::Key, C::Value]);
        for (s, m, k, v) in chunk {
            q.values([s.clone().into(), (*m).into(), k.clone().into(), (*v).into()])
                .map_err(|e| ServiceError::Data(format!("indicator cell: {e}")))?;
        }
        q.on_conflict(
            OnConflict::columns([C::Scope, C::Month, C::Key])
                .value(
                    C::Value,
                    Expr::col((indicator_cell::Entity, C::Value)).add(Expr::col((Alias::new("excluded"), C::Value))),
                )
                .to_owned(),
        );
        db.execute(&q).await?;
    }
    Ok(())
}

/// The record of one person as the indicators see it on `as_of` (today), with the person's town
/// and division, split among the towns that held the person ([`split_by_town`]).
pub async fn person_contribution<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    as_of: NaiveDate,
) -> ServiceResult<Option<(String, String, BTreeMap<String, Contribution>)>> {
    let Some(l) = Loaded::read(db, person_id).await? else {
        return Ok(None);
    };
    let c = loaded_contribution(db, &l.record(), as_of).await?;
    Ok(Some((l.person.town_code, l.person.division_code, c)))
}

/// One person as the indicators read them when the caller has nothing at hand: the row, the risk
/// tier stored with it (low when it cannot be read), the measures and the working-day calendar
/// (lent out as a [`LoadedPerson`]).
struct Loaded {
    person: person::Model,
    tier: RiskTier,
    measures: Vec<measure::Model>,
    cal: jindu_domain::WorkCalendar,
}

impl Loaded {
    /// The person `person_id` with their measures, or `None` when there is no such person.
    async fn read<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<Option<Self>> {
        let Some(person) = person::Entity::find_by_id(person_id).one(db).await? else {
            return Ok(None);
        };
        let measures = measure::Entity::find().filter(measure::Column::PersonId.eq(person_id)).all(db).await?;
        let cal = deployment::calendar(db).await?;
        let tier = RiskTier::from_code(&person.risk_tier).unwrap_or(RiskTier::Low);
        Ok(Some(Loaded { person, tier, measures, cal }))
    }

    /// The loaded person as a [`LoadedPerson`].
    fn record(&self) -> LoadedPerson<'_> {
        LoadedPerson { person: &self.person, tier: self.tier, measures: &self.measures, cal: &self.cal }
    }
}

/// What the indicators need of one person that the caller has loaded: the person's row, the
/// risk tier in force (after a reassessment: the new one, whatever the row says), every measure of
/// the person and the deployment's working-day calendar (report deadlines).
#[derive(Debug, Clone, Copy)]
pub struct LoadedPerson<'a> {
    pub person: &'a person::Model,
    pub tier: RiskTier,
    pub measures: &'a [measure::Model],
    pub cal: &'a jindu_domain::WorkCalendar,
}

/// The contribution of a person whose row, tier and measures the caller has loaded, split among
/// the towns that held the person: reads the events the indicators need and the schedule.
async fn loaded_contribution<C: ConnectionTrait>(
    db: &C,
    loaded: &LoadedPerson<'_>,
    as_of: NaiveDate,
) -> ServiceResult<BTreeMap<String, Contribution>> {
    let LoadedPerson { person: p, tier, measures, cal } = *loaded;
    let events: Vec<EventRow> = event::Entity::find()
        .select_only()
        .columns([event::Column::Kind, event::Column::OccurredOn, event::Column::TestResult, event::Column::Detail])
        .filter(event::Column::PersonId.eq(p.id))
        .into_tuple()
        .all(db)
        .await?;
    let schedule = deployment::schedule(db).await?;
    let c = contribution_of(p, tier, &events, measures, &schedule, cal, as_of)?;
    Ok(parts_of(p, &events, &c))
}

/// 属地 The divisions (community, or town) that held a person: the one before the first move,
/// and each move (month, division), from the person's timeline — a transfer of the place of
/// execution (戒毒条例 §22: event `transfer` with `from` and `to`) accepted inside the deployment
/// (step `accepted`), handed over to another system (`handed_over`: the person counts here until
/// that month) or received from one (`imported`: from that month), or a corrected division (event `amendment` with `division_from` and
/// `division_to`), in the order of their days. The person's division now holds the last segment,
/// whatever the timeline says.
fn division_timeline(current: &str, events: &[EventRow]) -> (String, Vec<(Month, String)>) {
    let mut moves: Vec<(NaiveDate, String, String)> = Vec::new();
    for (kind, on, _, detail) in events {
        let (from_key, to_key) = match EventKind::from_code(kind) {
            Some(EventKind::Transfer) => ("from", "to"),
            Some(EventKind::Amendment) => ("division_from", "division_to"),
            _ => continue,
        };
        let Some(v) = detail.as_deref().and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) else {
            continue;
        };
        if from_key == "from"
            && !matches!(v.get("step").and_then(|s| s.as_str()), Some("accepted" | "handed_over" | "imported"))
        {
            continue;
        }
        let code = |key: &str| {
            v.get(key).and_then(|c| c.as_str()).filter(|c| DivisionCode::parse(c).is_ok()).map(str::to_string)
        };
        if let (Some(from), Some(to)) = (code(from_key), code(to_key)) {
            moves.push((*on, from, to));
        }
    }
    moves.sort_by_key(|m| m.0);
    let first = moves.first().map_or_else(|| current.to_string(), |(_, from, _)| from.clone());
    let mut out: Vec<(Month, String)> = moves.into_iter().map(|(on, _, to)| (Month::of(on), to)).collect();
    match out.last_mut() {
        Some((_, last)) if last != current => *last = current.to_string(),
        _ => {}
    }
    (first, out)
}

/// A person's contribution split among the divisions that held them ([`division_timeline`]):
/// keyed by division code (community or town); each part counts in the cells of its town.
fn parts_of(p: &person::Model, events: &[EventRow], c: &Contribution) -> BTreeMap<String, Contribution> {
    let (first, moves) = division_timeline(&p.division_code, events);
    split_by_town(c, &first, &moves)
}

/// The parts of a split contribution summed per town (the cells are kept per town and above).
fn sum_per_town(parts: &BTreeMap<String, Contribution>) -> ServiceResult<BTreeMap<String, Contribution>> {
    let mut out: BTreeMap<String, Contribution> = BTreeMap::new();
    for (division, c) in parts {
        let e = out.entry(town_of(division)?).or_default();
        for (k, m, v) in c.iter() {
            e.add(k, m, v);
        }
    }
    Ok(out)
}

/// One event as the indicators read it: kind, day, test result, detail.
type EventRow = (String, NaiveDate, Option<String>, Option<String>);

/// Event kinds the indicators read. The queries read all of a person's events and keep these in
/// code: a `kind IN (…)` condition lets SQLite's planner (without statistics) prefer the index on
/// `(kind, occurred_on)` and scan every event of those kinds in the country for each page of
/// persons, which made a rebuild at 250,000 persons take over a quarter of an hour.
const FACT_KINDS: [EventKind; 6] = [
    EventKind::ContactLost,
    EventKind::ContactRestored,
    EventKind::Relapse,
    EventKind::StatusChanged,
    EventKind::DrugTest,
    EventKind::Visit,
];

fn contribution_of(
    p: &person::Model,
    tier: RiskTier,
    events: &[EventRow],
    measures: &[measure::Model],
    schedule: &jindu_domain::Schedule,
    cal: &jindu_domain::WorkCalendar,
    as_of: NaiveDate,
) -> ServiceResult<Contribution> {
    let facts: Vec<EventFact> = events
        .iter()
        .filter_map(|(kind, on, result, detail)| {
            let kind = EventKind::from_code(kind).filter(|k| FACT_KINDS.contains(k))?;
            let status_to = if kind == EventKind::StatusChanged {
                detail
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|v| v.get("to").and_then(|t| t.as_str()).and_then(ControlStatus::from_code))
            } else {
                None
            };
            Some(EventFact { kind, on: *on, test_result: result.as_deref().and_then(TestResult::from_code), status_to })
        })
        .collect();
    let measure_facts = measures
        .iter()
        .map(|m| Ok(MeasureFact { clock: record::clock_of(m)?, report_deadline: m.report_deadline }))
        .collect::<ServiceResult<Vec<_>>>()?;
    let record = PersonRecord {
        registered_on: Now::at(p.created_at).today,
        first_found_on: p.first_found_on,
        status: stored("control_status", &p.control_status, ControlStatus::from_code)?,
        tier,
        events: &facts,
        measures: &measure_facts,
        as_of,
    };
    Ok(contribution(&record, schedule, cal))
}

/// Brings the cells up to date with one person's record: adds the difference between the
/// contribution now and the one kept with the person (moving it whole when the person changed
/// town), and keeps the new one. Runs inside the caller's transaction. `as_of` is today: the
/// duties missed up to it count (so the hourly sweep, which reconciles every person, keeps
/// them counting as days pass).
pub async fn maintain<C: ConnectionTrait>(db: &C, person_id: Uuid, as_of: NaiveDate) -> ServiceResult<()> {
    if !MAINTAIN.load(Ordering::Relaxed) {
        return Ok(());
    }
    let Some(l) = Loaded::read(db, person_id).await? else {
        return Ok(());
    };
    maintain_loaded(db, &l.record(), as_of).await
}

/// [`maintain`] for a caller that has the person's record at hand (the row as stored now, but
/// for the tier in force after the caller's reassessment): `casework::reconcile`, at the end of
/// every write about a person.
///
/// # Errors
/// `Db`; `Data` when a kept contribution cannot be read back.
pub async fn maintain_loaded<C: ConnectionTrait>(
    db: &C,
    loaded: &LoadedPerson<'_>,
    as_of: NaiveDate,
) -> ServiceResult<()> {
    let p = loaded.person;
    if !MAINTAIN.load(Ordering::Relaxed) || DEFERRED.try_with(|d| d.borrow_mut().push(p.id)).is_ok() {
        return Ok(());
    }
    let new = loaded_contribution(db, loaded, as_of).await?;
    let (person_id, town, division_code) = (p.id, p.town_code.clone(), p.division_code.clone());
    let before = match person_indicator::Entity::find_by_id(person_id).one(db).await? {
        Some(o) => {
            let before = decode_parts(&o.cells, &o.division_code)?;
            if before == new && o.division_code == division_code && o.town_code == town {
                return Ok(());
            }
            before
        }
        None => BTreeMap::new(),
    };
    // Each town that held the person gets the difference of its own parts.
    let (before_towns, new_towns) = (sum_per_town(&before)?, sum_per_town(&new)?);
    let empty = Contribution::new();
    let towns: std::collections::BTreeSet<&String> = before_towns.keys().chain(new_towns.keys()).collect();
    for t in towns {
        let delta = new_towns.get(t).unwrap_or(&empty).minus(before_towns.get(t).unwrap_or(&empty));
        apply(db, t, &delta).await?;
    }
    keep_contribution(db, person_id, town, division_code, &new).await?;
    Ok(())
}

/// The figures of a filed police form as stored (cases, suspects, users dealt with, grams seized
/// by substance; zero amounts left out).
///
/// # Errors
/// `Data` when a stored count or substance cannot be read back.
pub(crate) fn police_figures(r: &police_report::Model) -> ServiceResult<PoliceMonth> {
    let raw: BTreeMap<String, u64> =
        serde_json::from_str(&r.seized_mg).map_err(|e| ServiceError::Data(format!("police seized: {e}")))?;
    let mut seized_mg = BTreeMap::new();
    for (k, v) in raw {
        let s = Substance::from_code(&k).ok_or_else(|| ServiceError::Data(format!("police seized kind {k}")))?;
        if v > 0 {
            seized_mg.insert(s, v);
        }
    }
    let n = |v: i32| u32::try_from(v).map_err(|_| ServiceError::Data(format!("police count {v}")));
    Ok(PoliceMonth {
        cases_solved: n(r.cases_solved)?,
        suspects_arrested: n(r.suspects_arrested)?,
        users_dealt: n(r.users_dealt)?,
        seized_mg,
    })
}

/// What every filed form adds to the cells, by unit (for [`rebuild`]).
pub(crate) async fn police_contributions<C: ConnectionTrait>(db: &C) -> ServiceResult<Vec<(String, Contribution)>> {
    police_report::Entity::find()
        .all(db)
        .await?
        .iter()
        .map(|r| Ok((r.division_code.clone(), police_figures(r)?.contribution(Month(r.month)))))
        .collect()
}
/// Cells of the division list and the staff: towns (from the list), towns with a workstation,
/// social-worker accounts, per town.
async fn structure<C: ConnectionTrait>(db: &C) -> ServiceResult<Vec<(String, Contribution)>> {
    let mut per_town: BTreeMap<String, Contribution> = BTreeMap::new();
    let towns: Vec<String> = division::Entity::find()
        .select_only()
        .column(division::Column::Code)
        .filter(division::Column::Level.eq(DivisionLevel::Town.as_code()))
        .into_tuple()
        .all(db)
        .await?;
    for t in towns {
        per_town.entry(t).or_default().add(CellKey::Towns, DIVISIONS_FROM, 1);
    }
    let mut ws_towns: BTreeMap<String, NaiveDate> = BTreeMap::new();
    for w in workstation::Entity::find().all(db).await? {
        let town = town_of(&w.division_code)?;
        // Coverage counts from the day the workstation opened (kept since issue #18), else from
        // the day it was entered.
        let day = w.opened_on.unwrap_or(Now::at(w.created_at).today);
        ws_towns.entry(town).and_modify(|d| *d = Ord::min(*d, day)).or_insert(day);
    }
    for (t, day) in ws_towns {
        per_town.entry(t).or_default().add(CellKey::TownsWithWorkstation, Month::of(day), 1);
    }
    let workers: Vec<(String, chrono::DateTime<chrono::Utc>)> = app_user::Entity::find()
        .select_only()
        .columns([app_user::Column::DivisionCode, app_user::Column::CreatedAt])
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DisabledAt.is_null())
        .into_tuple()
        .all(db)
        .await?;
    for (code, at) in workers {
        per_town.entry(town_of(&code)?).or_default().add(CellKey::SocialWorkers, Month::of(Now::at(at).today), 1);
    }
    Ok(per_town.into_iter().collect())
}

/// The town (or higher division) a code's cells are kept under: a community's town, else itself.
fn town_of(code: &str) -> ServiceResult<String> {
    let c = DivisionCode::parse(code).map_err(|_| ServiceError::Data(format!("division code {code}")))?;
    Ok(match c.level() {
        DivisionLevel::Village => c.parent().unwrap_or(c).to_string(),
        _ => c.to_string(),
    })
}

/// Adds one social-worker account or the first workstation of a town to the cells (called by
/// the writes that create them); `key` is [`CellKey::SocialWorkers`] or
/// [`CellKey::TownsWithWorkstation`].
pub async fn add_structure<C: ConnectionTrait>(db: &C, code: &str, key: CellKey, on: NaiveDate) -> ServiceResult<()> {
    let mut c = Contribution::new();
    c.add(key, Month::of(on), 1);
    apply(db, &town_of(code)?, &c).await
}

/// Adds a change of the structure cells (towns with a workstation, social workers) to the town
/// of `code` and every jurisdiction above it (called by the writes that change workstations).
pub async fn apply_structure<C: ConnectionTrait>(db: &C, code: &str, delta: &Contribution) -> ServiceResult<()> {
    apply(db, &town_of(code)?, delta).await
}

/// Counts of a rebuild.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rebuilt {
    pub persons: u64,
    pub cells: u64,
}

/// Recomputes every cell from the records (persons, police forms, divisions, workstations,
/// social workers) and replaces the kept ones, in the caller's transaction, as on `as_of`
/// (today: missed duties count up to it). Persons are read in pages of 2,000 with their events
/// and measures; `progress` is told after each page.
pub async fn rebuild<C: ConnectionTrait>(
    db: &C,
    as_of: NaiveDate,
    mut progress: impl FnMut(u64),
) -> ServiceResult<Rebuilt> {
    // Summed per town (or the division a police form or a staff row names) first, then each
    // town's sum is added to the jurisdictions above it once: five times fewer additions than
    // adding every person to every level.
    let mut per_code: HashMap<String, Contribution> = HashMap::new();
    let mut add = |code: &str, c: &Contribution| -> ServiceResult<()> {
        let e = per_code.entry(code.to_string()).or_default();
        for (k, m, v) in c.iter() {
            e.add(k, m, v);
        }
        Ok(())
    };
    person_indicator::Entity::delete_many().exec(db).await?;
    person_part::Entity::delete_many().exec(db).await?;
    let mut moved: Vec<person_part::ActiveModel> = Vec::new();
    let schedule = deployment::schedule(db).await?;
    let cal = deployment::calendar(db).await?;
    let mut out = Rebuilt::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = person::Entity::find().order_by_asc(person::Column::Id).limit(2000);
        if let Some(a) = after {
            q = q.filter(person::Column::Id.gt(a));
        }
        let persons = q.all(db).await?;
        let Some(last) = persons.last() else { break };
        after = Some(last.id);
        let ids: Vec<Uuid> = persons.iter().map(|p| p.id).collect();
        let mut events: HashMap<Uuid, Vec<EventRow>> = HashMap::new();
        #[allow(clippy::type_complexity)]
        let rows: Vec<(Uuid, String, NaiveDate, Option<String>, Option<String>)> = event::Entity::find()
            .select_only()
            .columns([
                event::Column::PersonId,
                event::Column::Kind,
                event::Column::OccurredOn,
                event::Column::TestResult,
                event::Column::Detail,
            ])
            .filter(event::Column::PersonId.is_in(ids.clone()))
            .into_tuple()
            .all(db)
            .await?;
        for (pid, k, on, r, d) in rows {
            events.entry(pid).or_default().push((k, on, r, d));
        }
        let mut ms: HashMap<Uuid, Vec<measure::Model>> = HashMap::new();
        for m in measure::Entity::find().filter(measure::Column::PersonId.is_in(ids)).all(db).await? {
            ms.entry(m.person_id).or_default().push(m);
        }
        let mut kept = Vec::with_capacity(persons.len());
        for p in &persons {
            let c = contribution_of(
                p,
                RiskTier::from_code(&p.risk_tier).unwrap_or(RiskTier::Low),
                events.get(&p.id).map_or(&[][..], |v| v),
                ms.get(&p.id).map_or(&[][..], |v| v),
                &schedule,
                &cal,
                as_of,
            )?;
            let parts = parts_of(p, events.get(&p.id).map_or(&[][..], |v| v), &c);
            for (town, part) in sum_per_town(&parts)? {
                add(&town, &part)?;
            }
            if parts.len() > 1 {
                moved.extend(
                    parts
                        .keys()
                        .map(|d| person_part::ActiveModel { division_code: Set(d.clone()), person_id: Set(p.id) }),
                );
            }
            kept.push(person_indicator::ActiveModel {
                person_id: Set(p.id),
                town_code: Set(p.town_code.clone()),
                division_code: Set(p.division_code.clone()),
                cells: Set(encode_parts(&parts, &p.division_code)),
            });
            out.persons += 1;
        }
        for chunk in kept.chunks(500) {
            person_indicator::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
        for chunk in std::mem::take(&mut moved).chunks(500) {
            person_part::Entity::insert_many(chunk.to_vec()).exec(db).await?;
        }
        progress(out.persons);
    }
    for (town, c) in structure(db).await? {
        add(&town, &c)?;
    }
    for (code, c) in police_contributions(db).await? {
        add(&code, &c)?;
    }
    let mut sums: HashMap<String, Contribution> = HashMap::new();
    for (code, c) in &per_code {
        for scope in scopes_of(code)? {
            let e = sums.entry(scope).or_default();
            for (k, m, v) in c.iter() {
                e.add(k, m, v);
            }
        }
    }
    indicator_cell::Entity::delete_many().exec(db).await?;
    let mut rows = Vec::new();
    for (scope, c) in &sums {
        let mut totals: BTreeMap<CellKey, i64> = BTreeMap::new();
        for (k, m, v) in c.iter() {
            rows.push((scope.clone(), m.0, k.code(), v));
            if k.is_stock() {
                *totals.entry(k).or_insert(0) += v;
            }
        }
        for (k, v) in totals {
            rows.push((scope.clone(), Month::TOTAL.0, k.code(), v));
        }
    }
    out.cells = rows.len() as u64;
    for chunk in rows.chunks(1000) {
        let models: Vec<indicator_cell::ActiveModel> = chunk
            .iter()
            .map(|(s, m, k, v)| indicator_cell::ActiveModel {
                scope: Set(s.clone()),
                month: Set(*m),
                key: Set(k.clone()),
                value: Set(*v),
            })
            .collect();
        indicator_cell::Entity::insert_many(models).exec(db).await?;
    }
    Ok(out)
}

/// Every kept cell with a non-zero value, by scope: what [`rebuild`] must reproduce.
pub async fn all_cells<C: ConnectionTrait>(db: &C) -> ServiceResult<BTreeMap<(String, i32, String), i64>> {
    Ok(indicator_cell::Entity::find()
        .filter(indicator_cell::Column::Value.ne(0))
        .all(db)
        .await?
        .into_iter()
        .map(|c| ((c.scope, c.month, c.key), c.value))
        .collect())
}

/// A statement of [`crate::sql`] refused a code that is not 12 digits (`Custom`): stored data
/// that cannot be read, as `Data`; any other failure is the database's.
fn refused_code(e: sea_orm::DbErr) -> ServiceError {
    match e {
        sea_orm::DbErr::Custom(what) => ServiceError::Data(what),
        e => ServiceError::Db(e),
    }
}

/// The cells of some jurisdictions: running totals and the months from `from` on (later months
/// included, so a stock can be taken at the end of any month ≥ `from − 1`). One indexed range
/// read per jurisdiction.
pub async fn cells_of<C: ConnectionTrait>(
    db: &C,
    scopes: &[String],
    from: Month,
) -> ServiceResult<HashMap<String, ScopeCells>> {
    let mut out: HashMap<String, ScopeCells> = scopes.iter().map(|s| (s.clone(), ScopeCells::new())).collect();
    if scopes.is_empty() {
        return Ok(out);
    }
    for chunk in scopes.chunks(500) {
        for row in crate::sql::indicator_cells(db, chunk, from.0).await.map_err(refused_code)? {
            let scope: String = row.try_get("", "scope")?;
            let month: i32 = row.try_get("", "month")?;
            let key: String = row.try_get("", "key")?;
            let value: i64 = row.try_get("", "value")?;
            let key = CellKey::from_code(&key).ok_or_else(|| ServiceError::Data(format!("indicator key {key}")))?;
            if let Some(c) = out.get_mut(&scope) {
                c.add(key, Month(month), value);
            }
        }
    }
    Ok(out)
}

/// The contributions of the persons held by the towns in `lo..=hi` (12-digit bounds), one entry
/// per person and division (community or town) that held them there, with the months it held
/// them ([`split_by_town`]): community figures and drill-down read them. A person who moved away
/// keeps counting where they were, for the months they were there; a person may appear twice
/// when they moved between two communities of the range.
pub async fn contributions_in<C: ConnectionTrait>(
    db: &C,
    lo: &str,
    hi: &str,
) -> ServiceResult<Vec<(Uuid, String, Contribution)>> {
    let columns =
        [person_indicator::Column::PersonId, person_indicator::Column::DivisionCode, person_indicator::Column::Cells];
    let mut rows: Vec<(Uuid, String, String)> = person_indicator::Entity::find()
        .select_only()
        .columns(columns)
        .filter(person_indicator::Column::TownCode.between(lo, hi))
        .into_tuple()
        .all(db)
        .await?;
    // Persons who have left the range since: their parts name the divisions they were held by.
    let (part_lo, part_hi) = (lo.to_string(), format!("{}999", hi.trim_end_matches("000")));
    let gone: Vec<Uuid> = person_part::Entity::find()
        .select_only()
        .column(person_part::Column::PersonId)
        .filter(person_part::Column::DivisionCode.between(part_lo, part_hi))
        .into_tuple()
        .all(db)
        .await?;
    let have: std::collections::HashSet<Uuid> = rows.iter().map(|r| r.0).collect();
    let gone: Vec<Uuid> = gone.into_iter().filter(|id| !have.contains(id)).collect();
    for chunk in gone.chunks(500) {
        let more: Vec<(Uuid, String, String)> = person_indicator::Entity::find()
            .select_only()
            .columns(columns)
            .filter(person_indicator::Column::PersonId.is_in(chunk.to_vec()))
            .into_tuple()
            .all(db)
            .await?;
        rows.extend(more);
    }
    let mut out = Vec::with_capacity(rows.len());
    for (id, division, cells) in rows {
        for (d, c) in decode_parts(&cells, &division)? {
            let town = town_of(&d)?;
            if town.as_str() >= lo && town.as_str() <= hi {
                out.push((id, d, c));
            }
        }
    }
    Ok(out)
}

/// Figures from the base tables by plain `GROUP BY` (no kept cells): persons by control status
/// now, and tests done (positive or negative) and positive in months `from..=to`, over a scope
/// (`None`: the whole country). The bench compares the dashboard with it; tests check the kept
/// cells against it.
pub async fn group_by_base<C: ConnectionTrait>(
    db: &C,
    scope: Option<&DivisionCode>,
    from: Month,
    to: Month,
) -> ServiceResult<(BTreeMap<String, i64>, i64, i64)> {
    let (lo, hi) = match scope {
        Some(s) => crate::service::scope_bounds(s),
        None => ("0".repeat(12), "9".repeat(12)),
    };
    let (first, last) = match (from.first_day(), to.last_day()) {
        (Some(a), Some(b)) => (a, b),
        _ => return Err(ServiceError::Data(format!("months {from}..{to}"))),
    };
    let mut by_status = BTreeMap::new();
    for row in crate::sql::persons_by_status(db, &lo, &hi).await.map_err(refused_code)? {
        by_status.insert(row.try_get::<String>("", "control_status")?, row.try_get::<i64>("", "n")?);
    }
    let (mut done, mut positive) = (0, 0);
    for row in crate::sql::drug_tests_by_result(db, &lo, &hi, first, last).await.map_err(refused_code)? {
        let r: Option<String> = row.try_get("", "r")?;
        let n: i64 = row.try_get("", "n")?;
        match r.as_deref() {
            Some("positive") => {
                done += n;
                positive += n;
            }
            Some("negative") => done += n,
            _ => {}
        }
    }
    Ok((by_status, done, positive))
}

/// Saves the office's indicator settings from the form (targets and the social-worker ratio),
/// audited (`settings.indicators`). Needs `Configure`. The figures change at the next page load.
///
/// # Errors
/// [`ServiceError::Forbidden`] without `Configure`; [`ServiceError::Refused`] (403) for a user
/// whose scope is only part of the deployment (the targets are deployment-wide);
/// [`ServiceError::Invalid`] naming every bad field; nothing is stored then.
pub async fn save_settings<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    actor: &crate::service::Actor,
    now: Now,
    form: &BTreeMap<String, String>,
) -> ServiceResult<IndicatorSettings> {
    actor.require(jindu_domain::Permission::Configure)?;
    deployment::require_deployment_wide(db, actor, jindu_domain::access::DeploymentSetting::IndicatorTargets).await?;
    let settings = IndicatorSettings::from_form(form)
        .map_err(|errors| ServiceError::Invalid(errors.into_iter().map(Into::into).collect()))?;
    let json = serde_json::to_string(&settings).map_err(|e| ServiceError::Data(e.to_string()))?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, jindu_domain::Permission::Configure).await?;
    deployment::put_setting(&txn, SETTINGS_KEY, &json).await?;
    txn.audit(crate::service::audit::Entry {
        action: "settings.indicators".into(),
        object_type: None,
        object_id: None,
        outcome: crate::service::audit::Outcome::Ok,
        detail: Some(json),
    })
    .await?;
    txn.commit().await?;
    Ok(settings)
}
