//! A synthetic national caseload for `jindu bench indicators` (演示数据, never a deployment's):
//! persons spread over the real divisions of the country, each with a measure and about two
//! years of check-ins, tests and visits, written in bulk without the per-write upkeep, then the
//! indicator cells rebuilt from scratch. Deterministic for a seed and a date.
//!
//! The persons sit in one county in ten (the counties in code order, every tenth), as a real
//! caseload clusters, plus 珠晖区 (430405) with a district's caseload of its own (900 persons from
//! 9,000 up, a tenth below), so the district scope of the bench is the demo's district.

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::days::add_days;
use jindu_domain::measure::MeasureClock;
use jindu_domain::obligation::next_due;
use jindu_domain::{
    AddictionFinding, ControlStatus, DivisionCode, DivisionLevel, EndReason, EventKind, MeasureKind, ObligationKind,
    RiskTier, Role, Schedule, Substance, TestMethod, TestResult,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use uuid::Uuid;

use crate::rows::{draw_status, event_row, measure_row};

use jindu_store::seed::{self, DivisionRow, UnitOfWork, Who, app_user, event, measure, person, workstation};
use jindu_store::service::{ServiceError, ServiceResult, deployment};

/// The district every bench run holds a caseload in: 湖南省衡阳市珠晖区.
pub const DISTRICT: &str = "430405";

/// Persons written per transaction.
const BATCH: usize = 2_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Persons in all (珠晖区's included).
    pub persons: usize,
    /// Divisions loaded: `None` for the whole country (665,276 rows), else a subtree that must
    /// contain 珠晖区 (`43`, `4304` or `430405`; the CLI test uses a small one).
    pub within: Option<DivisionCode>,
    pub seed: u64,
    /// The day the data is generated for (events up to it, two years back).
    pub today: NaiveDate,
}

/// What was generated.
#[derive(Debug, Clone, Default)]
pub struct Generated {
    pub divisions: usize,
    /// Counties holding persons (珠晖区 included).
    pub counties: usize,
    pub persons: u64,
    pub measures: u64,
    pub events: u64,
    pub social_workers: u64,
    pub workstations: u64,
    /// Kept indicator cells after the rebuild.
    pub cells: u64,
    /// Persons of 珠晖区 under control (`under_control`), for timing writes on real records.
    pub district_under_control: Vec<Uuid>,
    /// Seconds spent loading divisions, writing persons, rebuilding the cells.
    pub divisions_s: f64,
    pub persons_s: f64,
    pub rebuild_s: f64,
}

/// Sequential ids per table (random UUIDs would scatter every insert over the primary-key
/// index; a real deployment's UUID v7 ids are time-ordered too).
struct Ids {
    next: u128,
}

impl Ids {
    fn new(table: u8) -> Ids {
        Ids { next: u128::from(table) << 96 }
    }
    fn take(&mut self) -> Uuid {
        self.next += 1;
        Uuid::from_u128(self.next)
    }
}

/// Loads the divisions, writes `plan.persons` persons with their measures and events (in
/// transactions of 2,000 persons), a workstation in half the towns with persons and a social
/// worker per 45 persons, then rebuilds the indicator cells. `db` must be empty and migrated.
/// `progress` gets (stage, done, total).
///
/// # Errors
/// [`ServiceError::Invalid`] for a `within` that does not contain 珠晖区; store errors.
pub async fn generate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &jindu_store::Vault,
    plan: &Plan,
    mut progress: impl FnMut(&str, u64, u64),
) -> ServiceResult<Generated> {
    let district = DivisionCode::parse(DISTRICT).map_err(|e| ServiceError::Data(e.to_string()))?;
    if plan.within.is_some_and(|w| !w.contains(&district)) {
        return Err(ServiceError::Invalid(vec![jindu_store::service::FieldError::of(
            "within",
            jindu_domain::message::Message::new("msg.within.outside"),
        )]));
    }
    let mut out = Generated::default();
    let started = std::time::Instant::now();
    let now = Now::at(plan.today.and_hms_opt(4, 0, 0).map(|t| t.and_utc()).unwrap_or_default());
    // 珠晖区 first (the deployment root, as `jindu init --division 430405`), then the rest.
    jindu_store::service::setup::init(db, district).await?;
    let rows = match plan.within {
        None => seed::embedded_all(),
        Some(w) => seed::embedded_subtree(w),
    }
    .map_err(|e| ServiceError::Data(e.to_string()))?;
    let txn = UnitOfWork::begin_as(db, Who::system(), now).await?;
    for (i, chunk) in rows.chunks(20_000).enumerate() {
        seed::store_rows(&txn, chunk).await?;
        progress("divisions", ((i + 1) * 20_000).min(rows.len()) as u64, rows.len() as u64);
    }
    txn.commit().await?;
    out.divisions = rows.len();
    out.divisions_s = started.elapsed().as_secs_f64();

    // Counties with persons, and the communities of each.
    let mut villages_of: BTreeMap<DivisionCode, Vec<&DivisionRow>> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.level == DivisionLevel::Village) {
        if let Some(county) = r.parent.and_then(|t| t.parent()) {
            villages_of.entry(county).or_default().push(r);
        }
    }
    let mut counties: Vec<DivisionCode> =
        villages_of.keys().copied().enumerate().filter(|(i, _)| i.is_multiple_of(10)).map(|(_, c)| c).collect();
    counties.retain(|c| *c != district);
    let district_share = if plan.persons >= 9_000 { 900 } else { plan.persons / 10 };
    out.counties = counties.len() + 1;
    if counties.is_empty() {
        // Only 珠晖区 loaded: everyone lives there.
        counties.push(district);
    }

    let started = std::time::Instant::now();
    let schedule = Schedule::default();
    let cal = deployment::calendar(db).await?;
    let mut rng = ChaCha8Rng::seed_from_u64(plan.seed);
    let (mut person_ids, mut measure_ids, mut event_ids) = (Ids::new(1), Ids::new(2), Ids::new(3));
    let mut seen_id_numbers: HashSet<String> = HashSet::new();
    let mut towns_with_persons: BTreeMap<DivisionCode, u64> = BTreeMap::new();
    let mut done = 0usize;
    while done < plan.persons {
        let n = BATCH.min(plan.persons - done);
        let mut batch = Batch::default();
        for k in 0..n {
            let county = if done + k < district_share {
                district
            } else {
                counties.get(rng.random_range(0..counties.len())).copied().unwrap_or(district)
            };
            let Some(village) = villages_of.get(&county).and_then(|v| v.get(rng.random_range(0..v.len()))).copied()
            else {
                continue;
            };
            let p = person(
                &mut rng,
                vault,
                &schedule,
                &cal,
                now,
                village,
                &mut seen_id_numbers,
                &mut batch,
                Ids3 { person: &mut person_ids, measure: &mut measure_ids, event: &mut event_ids },
            )?;
            if let Some(t) = village.parent {
                *towns_with_persons.entry(t).or_insert(0) += 1;
            }
            if county == district && p.1 == ControlStatus::UnderControl {
                out.district_under_control.push(p.0);
            }
        }
        let txn = UnitOfWork::begin_as(db, Who::system(), now).await?;
        out.persons += batch.persons.len() as u64;
        out.measures += batch.measures.len() as u64;
        out.events += batch.events.len() as u64;
        for chunk in batch.persons.chunks(500) {
            person::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        for chunk in batch.measures.chunks(1_000) {
            measure::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        for chunk in batch.events.chunks(2_000) {
            event::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
        }
        txn.commit().await?;
        done += n;
        progress("persons", done as u64, plan.persons as u64);
    }

    // Workstations in every other town with persons; a social worker per 45 persons.
    let txn = UnitOfWork::begin_as(db, Who::system(), now).await?;
    let mut staff_ids = Ids::new(4);
    let mut users = Vec::new();
    let mut stations = Vec::new();
    for (i, (town, persons)) in towns_with_persons.iter().enumerate() {
        let ws = i.is_multiple_of(2).then(|| staff_ids.take());
        if let Some(id) = ws {
            stations.push(workstation::ActiveModel {
                id: Set(id),
                name: Set(format!("工作站{town}(演示)")),
                division_code: Set(town.to_string()),
                address: Set(String::new()),
                opened_on: Set(None),
                created_at: Set(now.instant - chrono::Duration::days(800)),
            });
        }
        for _ in 0..persons.div_ceil(45) {
            let id = staff_ids.take();
            users.push(app_user::ActiveModel {
                id: Set(id),
                username: Set(format!("bench-sw-{}", users.len() + 1)),
                display_name: Set("社工(演示)".into()),
                password_hash: Set(None),
                role: Set(Role::SocialWorker.as_code().into()),
                division_code: Set(town.to_string()),
                workstation_id: Set(ws),
                must_change_password: Set(false),
                created_at: Set(now.instant - chrono::Duration::days(800)),
                password_changed_at: Set(None),
                member_unit_code: Set(None),
                enterprise_id: Set(None),
                ..app_user::ActiveModel::new_account()
            });
        }
    }
    out.workstations = stations.len() as u64;
    out.social_workers = users.len() as u64;
    for chunk in stations.chunks(500) {
        workstation::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in users.chunks(500) {
        app_user::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    txn.commit().await?;
    out.persons_s = started.elapsed().as_secs_f64();

    let started = std::time::Instant::now();
    let total = out.persons;
    let txn = UnitOfWork::begin_as(db, Who::system(), now).await?;
    let rebuilt = seed::rebuild(&txn, plan.today, |n| progress("cells", n, total)).await?;
    txn.commit().await?;
    out.cells = rebuilt.cells;
    out.rebuild_s = started.elapsed().as_secs_f64();
    Ok(out)
}

#[derive(Default)]
struct Batch {
    persons: Vec<person::ActiveModel>,
    measures: Vec<measure::ActiveModel>,
    events: Vec<event::ActiveModel>,
}

struct Ids3<'a> {
    person: &'a mut Ids,
    measure: &'a mut Ids,
    event: &'a mut Ids,
}

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "周", "吴", "徐", "孙", "胡", "朱"];
const GIVEN: &[&str] = &["伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "涛", "明", "超"];

fn pick<T: Copy>(rng: &mut ChaCha8Rng, items: &[T], fallback: T) -> T {
    if items.is_empty() { fallback } else { items.get(rng.random_range(0..items.len())).copied().unwrap_or(fallback) }
}

/// One person: returns the id and control status; the rows go into `batch`.
#[allow(clippy::too_many_arguments)]
fn person(
    rng: &mut ChaCha8Rng,
    vault: &jindu_store::Vault,
    schedule: &Schedule,
    cal: &jindu_domain::WorkCalendar,
    now: Now,
    village: &DivisionRow,
    seen: &mut HashSet<String>,
    batch: &mut Batch,
    ids: Ids3<'_>,
) -> ServiceResult<(Uuid, ControlStatus)> {
    let today = now.today;
    let window = add_days(today, -730);
    let pid = ids.person.take();
    let status = draw_status(rng, [0.80, 0.86, 0.90, 0.92, 0.93, 0.97]);
    // Most persons are low risk; the visit schedule follows the tier (DOMAIN §3 defaults).
    let tier = match rng.random_range(0..10) {
        0 => RiskTier::High,
        1 | 2 => RiskTier::Medium,
        _ => RiskTier::Low,
    };
    let substance = pick(
        rng,
        &[Substance::Methamphetamine, Substance::Methamphetamine, Substance::Heroin, Substance::Ketamine],
        Substance::Methamphetamine,
    );
    let kind = match rng.random_range(0..100) {
        _ if status == ControlStatus::Released => MeasureKind::CommunityDetox,
        0..60 => MeasureKind::CommunityDetox,
        60..85 => MeasureKind::CommunityRehab,
        85..95 => MeasureKind::CompulsoryIsolation,
        _ => MeasureKind::MaintenanceTherapy,
    };
    let (decision, ended): (NaiveDate, Option<(NaiveDate, EndReason)>) = match status {
        ControlStatus::Abstinent3y => {
            (add_days(today, -rng.random_range(1200..1600)), Some((today, EndReason::Expiry)))
        }
        ControlStatus::Released => (add_days(today, -rng.random_range(2000..2500)), Some((today, EndReason::Expiry))),
        ControlStatus::Deceased => (
            add_days(today, -rng.random_range(200..700)),
            Some((add_days(today, -rng.random_range(30..150)), EndReason::Death)),
        ),
        _ => (add_days(today, -rng.random_range(10..1000)), None),
    };
    let first_found = add_days(decision, -rng.random_range(0..400));
    let mut clock = MeasureClock::decide(kind, decision, today)?;
    let mid = ids.measure.take();
    let mut events: Vec<(EventKind, NaiveDate)> = vec![(EventKind::MeasureDecided, decision)];
    if matches!(kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab) {
        let delay = if rng.random_bool(0.9) { rng.random_range(1..=14) } else { rng.random_range(16..30) };
        let report = add_days(decision, delay);
        if report <= today {
            clock.record_report(report, today)?;
            events.push((EventKind::MeasureStarted, report));
            events.push((EventKind::CheckIn, report));
        }
    } else if kind == MeasureKind::MaintenanceTherapy {
        clock.record_report(decision, today)?;
    }
    let stop = match status {
        ControlStatus::LostContact => add_days(today, -rng.random_range(30..120)),
        ControlStatus::InCustody => add_days(today, -rng.random_range(5..60)),
        ControlStatus::Abroad => add_days(today, -rng.random_range(30..200)),
        _ => today,
    };
    let end_day = match ended {
        Some((_, EndReason::Expiry)) => clock.planned_last_day(today).unwrap_or(today).min(today),
        Some((d, _)) => d,
        None => today,
    };
    let horizon = stop.min(end_day);
    let mut tests: Vec<(NaiveDate, TestResult)> = Vec::new();
    for duty in [ObligationKind::CheckIn, ObligationKind::DrugTest, ObligationKind::Visit] {
        // Two years of history: the schedule is followed from the window's start.
        let mut last = clock.start_date().map(|s| s.max(window));
        for _ in 0..400 {
            let Some(due) = next_due(schedule, duty, &clock, tier, last, horizon, cal) else { break };
            let on = add_days(due.due_date, rng.random_range(-3..=1));
            if on > horizon || last.is_some_and(|l| on <= l) {
                break;
            }
            last = Some(on);
            match duty {
                ObligationKind::CheckIn => events.push((EventKind::CheckIn, on)),
                ObligationKind::DrugTest => {
                    let r = match rng.random::<f64>() {
                        r if r < 0.94 => TestResult::Negative,
                        r if r < 0.99 => TestResult::Positive,
                        _ => TestResult::Refused,
                    };
                    tests.push((on, r));
                }
                _ => events.push((EventKind::Visit, on)),
            }
        }
    }
    if let Some((_, reason)) = ended {
        clock.end(end_day.max(clock.start_date().unwrap_or(decision)), reason, today)?;
        events.push((EventKind::MeasureEnded, end_day));
    }
    if status == ControlStatus::LostContact {
        events.push((EventKind::ContactLost, add_days(horizon, rng.random_range(15..25)).min(today)));
    }
    if status == ControlStatus::UnderControl && rng.random_bool(0.03) {
        events.push((EventKind::Relapse, add_days(today, -rng.random_range(1..700)).max(decision)));
    }
    let ev = |id: Uuid, kind: EventKind, on: NaiveDate| event_row(id, pid, Some(mid), kind, on, now, None);
    events.sort_by_key(|(_, on)| *on);
    for (kind, on) in events {
        batch.events.push(ev(ids.event.take(), kind, on));
    }
    for (on, r) in tests {
        let mut e = ev(ids.event.take(), EventKind::DrugTest, on);
        e.test_method = Set(Some(TestMethod::Urine.as_code().to_string()));
        e.test_result = Set(Some(r.as_code().to_string()));
        e.substance = Set((r == TestResult::Positive).then(|| substance.as_code().to_string()));
        batch.events.push(e);
    }
    batch.measures.push(measure_row(mid, pid, kind, decision, &clock, now, cal)?);

    let birth = add_days(today, -rng.random_range(18 * 365..60 * 365));
    let id_number = loop {
        let first17 =
            format!("{}{}{:03}", &village.code.to_string()[..6], birth.format("%Y%m%d"), rng.random_range(1..999));
        let bytes: [u8; 17] =
            first17.as_bytes().try_into().map_err(|_| ServiceError::Data(format!("synthetic id number {first17}")))?;
        let n = format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes));
        if seen.insert(n.clone()) {
            break jindu_domain::IdNumber::parse(&n)
                .map_err(|_| ServiceError::Data(format!("synthetic id number {n}")))?;
        }
    };
    let mut name = pick(rng, SURNAMES, "王").to_string();
    name.push_str(pick(rng, GIVEN, "明"));
    if rng.random_bool(0.6) {
        name.push_str(pick(rng, GIVEN, "明"));
    }
    let sealed = jindu_store::seed::seal_person(vault, pid, &name, id_number.as_str(), None, None, None)?;
    let registered = first_found.min(decision);
    batch.persons.push(person::ActiveModel {
        id: Set(pid),
        name: Set(sealed.name),
        id_number: Set(sealed.id_number),
        sex: Set(id_number.sex().as_code().to_string()),
        birth_date: Set(id_number.birth_date()),
        phone: Set(None),
        address: Set(None),
        division_code: Set(village.code.to_string()),
        town_code: Set(village.parent.map(|t| t.to_string()).unwrap_or_else(|| village.code.to_string())),
        control_status: Set(status.as_code().to_string()),
        risk_tier: Set(tier.as_code().to_string()),
        addiction_finding: Set(AddictionFinding::Addicted.as_code().to_string()),
        substance: Set(Some(substance.as_code().to_string())),
        social_worker_id: Set(None),
        first_found_on: Set(Some(registered)),
        note: Set(None),
        name_bidx: Set(Some(sealed.name_bidx)),
        id_number_bidx: Set(Some(sealed.id_number_bidx)),
        employed: Set(None),
        stable_housing: Set(None),
        family_support: Set(None),
        violent_or_self_harm: Set(None),
        lost_since: Set((status == ControlStatus::LostContact).then_some(horizon)),
        sealed_on: Set(None),
        risk_assessed_on: Set(None),
        risk_score: Set(None),
        version: Set(1),
        created_at: Set(registered.and_hms_opt(1, 0, 0).map(|t| t.and_utc()).unwrap_or(now.instant)),
        updated_at: Set(now.instant),
    });
    Ok((pid, status))
}
