//! The synthetic caseload of `jindu demo` (演示数据): 珠晖区's real divisions with workstations,
//! social workers and 862 invented registered (在册) persons (the figure of the speech), plus the
//! records of persons who died, stayed abstinent three years or were released (not 在册), with
//! about two years of history. Deterministic for a seed and a date. No real person's data is used: names are drawn
//! from common characters, ID numbers are invented with a valid check digit.

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::days::add_days;
use jindu_domain::measure::MeasureClock;
use jindu_domain::obligation::next_due;
use jindu_domain::{
    AddictionFinding, AssessmentTrigger, ControlStatus, DivisionCode, DivisionLevel, EndReason, EventKind, GroupRole,
    IdNumber, MeasureKind, ObligationKind, RiskTier, Schedule, Substance, TestMethod, TestResult,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, PaginatorTrait, TransactionTrait};
use uuid::Uuid;

use crate::rows::{draw_status, event_row, measure_row};

use jindu_domain::indicator::{Headcount, Month};
use jindu_domain::transfer::TransferStatus;
use jindu_store::seed::{
    absence, app_user, event, leave_request, measure, person, transfer, working_group_member, workstation,
};
use jindu_store::service::{ServiceError, ServiceResult, casework, deployment, users};
use sea_orm::{ColumnTrait, QueryFilter};

/// The district of the first speech: 湖南省衡阳市珠晖区.
pub const DEMO_DIVISION: &str = "430405";
/// Registered persons in the speech ("在册登记吸毒人员就达862人"): the demo's 在册
/// ([`jindu_domain::indicator::Headcount::Registered`]) on the 驾驶舱, the overview and the list.
pub const DEMO_PERSONS: usize = 862;
/// The demo 禁毒办 (office) user name: the whole district.
pub const DEMO_ADMIN: &str = "office";
/// Further demo accounts, one per role, all with `DEMO_PASSWORD`: (user name, role, display name).
pub const DEMO_ROLE_ACCOUNTS: &[(&str, jindu_domain::Role, &str)] = &[
    ("police", jindu_domain::Role::Police, "珠晖公安分局民警(演示)"),
    ("leader", jindu_domain::Role::Leader, "区领导(演示)"),
    ("auditor", jindu_domain::Role::Auditor, "审计员(演示)"),
    ("sysadmin", jindu_domain::Role::SystemAdmin, "系统管理员(演示)"),
];
/// The demo social worker's user name (caseload view).
pub const DEMO_SOCIAL_WORKER: &str = "sg01";
/// The demo 企业 account (issue #21): linked to the first demo precursor enterprise, it sees that
/// enterprise only.
pub const DEMO_ENTERPRISE_ACCOUNT: &str = "qy01";
/// Synthetic precursor enterprises in the demo district.
pub const DEMO_ENTERPRISES: usize = 40;
/// The demo password of both demo accounts. Demo only: printed by `jindu demo`.
pub const DEMO_PASSWORD: &str = "Demo-2026-jindu";

/// What `generate` did.
#[derive(Debug, Clone, Default)]
pub struct DemoSummary {
    /// False when the database already held a caseload and was reused as it is.
    pub generated: bool,
    /// Person records, whatever the status.
    pub persons: u64,
    /// Of those, 在册 (registered: under control, in custody, lost or abroad).
    pub registered: u64,
    pub events: u64,
    pub social_workers: u64,
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "蒋",
    "蔡", "余",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀", "霞",
    "平", "刚", "桂", "英", "华", "建", "国", "文", "辉", "力", "斌", "波", "宇", "浩", "凯", "健", "俊", "帆", "鹏",
    "晨", "琳", "志", "红", "海", "云", "峰", "亮", "雪", "松", "林", "湘", "衡", "雁", "蓉", "彬", "兵", "燕", "春",
    "秋", "冬", "德",
];

/// Counties next to 珠晖区 (雁峰区, 石鼓区, 蒸湘区, 南岳区, 衡阳县, 衡南县): where the demo's persons
/// received from or handed over to another system were managed.
const NEIGHBOURS: &[&str] = &["430406", "430407", "430408", "430412", "430421", "430422"];

/// Days shown by the demo's history: two years (issue #18 item 20).
const HISTORY_DAYS: i64 = 730;

/// What happened to a demo person under control in the two years shown, beyond being found
/// and leaving the register (issue #18 item 20: a district that moves).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Story {
    /// Nothing beyond the daily work.
    Stayed,
    /// 失联 on the first day, 找回 on the second.
    LostAndFound(NaiveDate, NaiveDate),
    /// 变更执行地 from another town of the district on this day (戒毒条例 §22).
    MovedFromTown(NaiveDate),
    /// Received from another county's system (a transfer file) on this day.
    Arrived(NaiveDate),
    /// Handed over to another county's system on this day: no longer the district's (not 在册).
    HandedOver(NaiveDate),
}

impl Story {
    /// About one in seven lost and found again (after three weeks to eight months), one in
    /// twenty-five moved from another town, about one in thirty received from and one in thirty
    /// handed over to another county.
    fn draw(rng: &mut ChaCha8Rng, today: NaiveDate) -> Story {
        let day = |rng: &mut ChaCha8Rng| add_days(today, -rng.random_range(30..HISTORY_DAYS));
        match rng.random_range(0..100) {
            0..14 => {
                let found = add_days(today, -rng.random_range(5..HISTORY_DAYS));
                Story::LostAndFound(add_days(found, -rng.random_range(20..240)), found)
            }
            14..18 => Story::MovedFromTown(day(rng)),
            18..21 => Story::Arrived(day(rng)),
            21..24 => Story::HandedOver(day(rng)),
            _ => Story::Stayed,
        }
    }

    /// The story, or `Stayed` where it does not fit the record: lost at least two months into a
    /// started measure; moved at least a month after registration.
    fn fit(self, start: Option<NaiveDate>, registered: NaiveDate) -> Story {
        match self {
            Story::LostAndFound(lost, _) if start.is_none_or(|s| lost < add_days(s, 60)) => Story::Stayed,
            Story::MovedFromTown(on) | Story::Arrived(on) | Story::HandedOver(on) if on < add_days(registered, 30) => {
                Story::Stayed
            }
            s => s,
        }
    }
}

fn pick<'a, T>(rng: &mut ChaCha8Rng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() { None } else { items.get(rng.random_range(0..items.len())) }
}

fn name(rng: &mut ChaCha8Rng) -> String {
    let mut s = pick(rng, SURNAMES).copied().unwrap_or("王").to_string();
    for _ in 0..rng.random_range(1..=2) {
        s.push_str(pick(rng, GIVEN).copied().unwrap_or("明"));
    }
    s
}

fn uuid(rng: &mut ChaCha8Rng) -> Uuid {
    uuid::Builder::from_random_bytes(rng.random()).into_uuid()
}

fn id_number(rng: &mut ChaCha8Rng, today: NaiveDate) -> Option<IdNumber> {
    let birth = add_days(today, -rng.random_range(18 * 365..60 * 365));
    let seq: u32 = rng.random_range(1..999);
    let first17 = format!("430405{}{:03}", birth.format("%Y%m%d"), seq);
    let bytes: [u8; 17] = first17.as_bytes().try_into().ok()?;
    let check = jindu_domain::id_number::check_digit(&bytes);
    IdNumber::parse(&format!("{first17}{check}")).ok()
}

/// Creates the demo deployment in `db` unless it already holds persons: divisions of 珠晖区,
/// a workstation per town, social workers at about 30 persons each, the demo accounts, and
/// synthetic persons with measures in every state, check-ins, tests (mostly negative, some
/// positive), visits, interviews and assistance, some persons overdue and some lost: exactly
/// `persons` of them 在册 (so the demo's headline is the speech's 862), and about one in ten
/// more in statuses out of the register (死亡, 戒断三年, 解除).
pub async fn generate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &jindu_store::Vault,
    now: Now,
    seed: u64,
    persons: usize,
) -> ServiceResult<DemoSummary> {
    let existing = person::Entity::find().count(db).await?;
    if existing > 0 {
        let events = event::Entity::find().count(db).await?;
        let registered = person::Entity::find()
            .filter(person::Column::ControlStatus.is_in(Headcount::Registered.statuses().iter().map(|s| s.as_code())))
            .count(db)
            .await?;
        return Ok(DemoSummary { generated: false, persons: existing, registered, events, social_workers: 0 });
    }
    let root = DivisionCode::parse(DEMO_DIVISION).map_err(|e| ServiceError::Data(e.to_string()))?;
    if deployment::root(db).await?.is_none() {
        jindu_store::service::setup::init(db, root).await?;
    }
    deployment::check_keys(db, vault).await?;
    deployment::put_setting(db, deployment::DEMO_KEY, "true").await?;
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let towns = deployment::in_scope(db, root, DivisionLevel::Town).await?;
    let villages = deployment::in_scope(db, root, DivisionLevel::Village).await?;
    let schedule = Schedule::default();
    let cal = deployment::calendar(db).await?;
    let risk_table = casework::risk_table(db).await?;

    // Accounts.
    users::add(
        db,
        now,
        users::NewUser {
            username: DEMO_ADMIN.into(),
            display_name: "禁毒办管理员(演示)".into(),
            password: Some(DEMO_PASSWORD.into()),
            role: jindu_domain::Role::Office.as_code().into(),
            division: root,
            workstation_id: None,
            must_change_password: false,
            member_unit: None,
        },
    )
    .await?;

    for (username, role, display) in DEMO_ROLE_ACCOUNTS {
        users::add(
            db,
            now,
            users::NewUser {
                username: (*username).into(),
                display_name: (*display).into(),
                password: Some(DEMO_PASSWORD.into()),
                role: role.as_code().into(),
                division: root,
                workstation_id: None,
                must_change_password: false,
                member_unit: None,
            },
        )
        .await?;
    }

    let txn = jindu_store::seed::UnitOfWork::begin_as(db, jindu_store::seed::Who::system(), now).await?;
    // Workstations and social workers: a workstation in every town but the last two (coverage
    // below target on the 驾驶舱), and one worker per 45 persons, fewer than the 30:1 the
    // speeches ask for (a gap to show).
    let workers_needed = persons.div_ceil(45).max(towns.len());
    let mut workers: Vec<(Uuid, DivisionCode)> = Vec::new();
    for (i, t) in towns.iter().enumerate() {
        let ws = (i + 2 < towns.len() || towns.len() < 3).then(|| uuid(&mut rng));
        if let Some(ws) = ws {
            // Opened in the years after 2016, one town after another (synthetic).
            let opened_on = now.today - chrono::Days::new(3 * 365 - 130 * i as u64);
            workstation::Entity::insert(workstation::ActiveModel {
                id: Set(ws),
                name: Set(format!("{}社区戒毒(康复)工作站", t.name)),
                division_code: Set(t.code.to_string()),
                address: Set(format!("{}综治中心二楼（演示）", t.name)),
                opened_on: Set(Some(opened_on)),
                created_at: Set(now.instant),
            })
            .exec(&txn)
            .await?;
            jindu_store::seed::add_structure(
                &txn,
                &t.code.to_string(),
                jindu_domain::indicator::CellKey::TownsWithWorkstation,
                opened_on,
            )
            .await?;
        }
        let share = workers_needed / towns.len() + usize::from(i < workers_needed % towns.len());
        for _ in 0..share {
            let n = workers.len() + 1;
            // Workers were taken on over four years, a few in the two years shown.
            let hired = add_days(now.today, -rng.random_range(60..1500));
            let id = if n == 1 {
                let id = users::add(
                    &txn,
                    now,
                    users::NewUser {
                        username: DEMO_SOCIAL_WORKER.into(),
                        display_name: format!("{}(社工)", name(&mut rng)),
                        password: Some(DEMO_PASSWORD.into()),
                        role: jindu_domain::Role::SocialWorker.as_code().into(),
                        division: t.code,
                        workstation_id: ws,
                        must_change_password: false,
                        member_unit: None,
                    },
                )
                .await?;
                // Hired some years ago, as the other workers (the account is made today).
                app_user::Entity::update_many()
                    .col_expr(
                        app_user::Column::CreatedAt,
                        sea_orm::sea_query::Expr::value(
                            hired.and_hms_opt(1, 0, 0).map_or(now.instant, |t| t.and_utc()),
                        ),
                    )
                    .filter(app_user::Column::Id.eq(id))
                    .exec(&txn)
                    .await?;
                let mut moved = jindu_domain::indicator::Contribution::new();
                moved.add(jindu_domain::indicator::CellKey::SocialWorkers, Month::of(now.today), -1);
                moved.add(jindu_domain::indicator::CellKey::SocialWorkers, Month::of(hired), 1);
                jindu_store::seed::apply_structure(&txn, &t.code.to_string(), &moved).await?;
                id
            } else {
                let id = uuid(&mut rng);
                app_user::Entity::insert(app_user::ActiveModel {
                    id: Set(id),
                    username: Set(format!("sg{n:02}")),
                    display_name: Set(format!("{}(社工)", name(&mut rng))),
                    password_hash: Set(None),
                    role: Set(jindu_domain::Role::SocialWorker.as_code().into()),
                    division_code: Set(t.code.to_string()),
                    workstation_id: Set(ws),
                    must_change_password: Set(false),
                    created_at: Set(hired.and_hms_opt(1, 0, 0).map_or(now.instant, |t| t.and_utc())),
                    password_changed_at: Set(Some(now.instant)),
                    member_unit_code: Set(None),
                    enterprise_id: Set(None),
                    ..app_user::ActiveModel::new_account()
                })
                .exec(&txn)
                .await?;
                jindu_store::seed::add_structure(
                    &txn,
                    &t.code.to_string(),
                    jindu_domain::indicator::CellKey::SocialWorkers,
                    hired,
                )
                .await?;
                id
            };
            workers.push((id, t.code));
        }
    }

    let admin = users::authenticate(&txn, DEMO_ADMIN, DEMO_PASSWORD).await?.ok_or(ServiceError::NotFound("user"))?;
    let today = now.today;
    let mut seen_ids = std::collections::HashSet::new();
    let mut person_rows = Vec::new();
    let mut measure_rows = Vec::new();
    let mut event_rows: Vec<event::ActiveModel> = Vec::new();
    let mut person_ids = Vec::new();
    let mut absence_rows = Vec::new();
    let mut leave_rows = Vec::new();
    let mut group_rows = Vec::new();
    let mut transfer_rows: Vec<transfer::ActiveModel> = Vec::new();
    // The first persons under control are set up to show the notices of the measure chain:
    // two in compulsory isolation released within days (戒毒条例 §34), two whose community detox
    // term has just run (the 7-day notice, §23).
    let mut under_control_seen = 0u32;
    let mut transfer_candidates: Vec<(Uuid, DivisionCode)> = Vec::new();
    // Persons are drawn until `persons` of them are 在册 (the others are records out of the
    // register: died, abstinent three years, released).
    let mut registered = 0usize;
    while registered < persons {
        let Some(village) = pick(&mut rng, &villages).cloned() else {
            break;
        };
        let town = village.parent.unwrap_or(village.code);
        let town_workers: Vec<Uuid> = workers.iter().filter(|(_, c)| *c == town).map(|(id, _)| *id).collect();
        let worker = pick(&mut rng, &town_workers).copied();
        let idn = loop {
            if let Some(n) = id_number(&mut rng, today)
                && seen_ids.insert(n.as_str().to_string())
            {
                break n;
            }
        };
        let pid = uuid(&mut rng);
        person_ids.push(pid);
        let status = draw_status(&mut rng, [0.75, 0.79, 0.83, 0.85, 0.86, 0.95]);
        // The first four persons under control carry the notices of the measure chain; the
        // stories of the two years shown (issue #18 item 20) are drawn for the others.
        let plain = status == ControlStatus::UnderControl && under_control_seen >= 4;
        let story = if plain { Story::draw(&mut rng, today) } else { Story::Stayed };
        let finding = pick(
            &mut rng,
            &[
                AddictionFinding::Addicted,
                AddictionFinding::Addicted,
                AddictionFinding::SeverelyAddicted,
                AddictionFinding::NotAddicted,
            ],
        )
        .copied()
        .unwrap_or(AddictionFinding::Addicted);
        let (employed, stable_housing, family_support, violent) =
            (rng.random_bool(0.6), rng.random_bool(0.85), rng.random_bool(0.7), rng.random_bool(0.03));
        let substance = *pick(
            &mut rng,
            &[
                Substance::Methamphetamine,
                Substance::Methamphetamine,
                Substance::Methamphetamine,
                Substance::Heroin,
                Substance::Ketamine,
                Substance::Mdma,
            ],
        )
        .unwrap_or(&Substance::Methamphetamine);
        let scenario = if status == ControlStatus::UnderControl && !matches!(story, Story::HandedOver(_)) {
            under_control_seen += 1;
            under_control_seen
        } else {
            0
        };
        // 初次发现: new discoveries fall across the two years shown, fewer in the later year (a
        // district whose prevention work tells); everyone else was found before them.
        let newly_found = Headcount::Registered.includes(status)
            && !matches!(status, ControlStatus::InCustody | ControlStatus::LostContact)
            && !(1..=4).contains(&scenario)
            && story == Story::Stayed
            && rng.random_bool(0.22);
        let first_found = if newly_found {
            add_days(today, -(15.0 + (HISTORY_DAYS - 15) as f64 * rng.random::<f64>().powf(0.8)) as i64)
        } else {
            add_days(today, -rng.random_range(760..3000))
        };
        let recorder = Some(worker.unwrap_or(admin.user_id));
        let ev = |kind: EventKind, on: NaiveDate, measure_id: Option<Uuid>, rng: &mut ChaCha8Rng| {
            event_row(uuid(rng), pid, measure_id, kind, on, now, recorder)
        };

        // The measure history: (kind, decision, report, suspension, end).
        let kind = match rng.random_range(0..100) {
            _ if scenario == 1 || scenario == 2 => MeasureKind::CompulsoryIsolation,
            _ if scenario == 3 || scenario == 4 => MeasureKind::CommunityDetox,
            _ if status == ControlStatus::Released => MeasureKind::CommunityDetox,
            0..60 => MeasureKind::CommunityDetox,
            60..85 => MeasureKind::CommunityRehab,
            85..92 => MeasureKind::CompulsoryIsolation,
            92..97 => MeasureKind::MaintenanceTherapy,
            _ => MeasureKind::VoluntaryDetox,
        };
        // The day the person left the register (死亡, 戒断三年未复吸, 解除), within the two years.
        let exit_on = match status {
            ControlStatus::Deceased => Some(add_days(today, -rng.random_range(20..1500))),
            ControlStatus::Abstinent3y | ControlStatus::Released => Some(add_days(today, -rng.random_range(10..1500))),
            _ => None,
        };
        let (decision, ended): (NaiveDate, Option<(NaiveDate, EndReason)>) = match (status, exit_on) {
            // Three years of community measures, then three years without relapse.
            (ControlStatus::Abstinent3y, Some(exit)) => (add_days(exit, -rng.random_range(2200..2600)), None),
            // Released after the measure ran its term.
            (ControlStatus::Released, Some(exit)) => (add_days(exit, -rng.random_range(1200..1500)), None),
            (ControlStatus::Deceased, Some(exit)) => {
                (add_days(exit, -rng.random_range(60..700)), Some((exit, EndReason::Death)))
            }
            (ControlStatus::InCustody, _) => (add_days(today, -rng.random_range(200..700)), None),
            // Most of those lost were lost years ago; some in the two years shown.
            (ControlStatus::LostContact, _) => (add_days(today, -rng.random_range(400..2400)), None),
            _ if scenario == 1 || scenario == 2 => (add_days(today, -727 - i64::from(scenario)), None),
            _ if scenario == 3 || scenario == 4 => (add_days(today, -1115 - 5 * i64::from(scenario)), None),
            _ if newly_found => (add_days(first_found, rng.random_range(3..40)).min(today), None),
            // Decided at any point of a three-year term (a steady caseload).
            _ => (add_days(today, -rng.random_range(10..1095)), None),
        };
        let expires = matches!(status, ControlStatus::Abstinent3y | ControlStatus::Released);
        let mut clock = match MeasureClock::decide(kind, decision, today) {
            Ok(c) => c,
            Err(e) => return Err(e.into()),
        };
        let mut events = vec![ev(EventKind::MeasureDecided, decision, None, &mut rng)];
        let community = matches!(kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab);
        if community {
            // Most report within the deadline; a few late; a few recent decisions still pending.
            let delay = if rng.random_bool(0.9) { rng.random_range(1..=14) } else { rng.random_range(16..30) };
            let report = add_days(decision, delay);
            let pending = add_days(today, -20) < decision && rng.random_bool(0.5);
            if report <= today && !pending {
                clock.record_report(report, today)?;
                events.push(ev(EventKind::MeasureStarted, report, None, &mut rng));
                events.push(ev(EventKind::CheckIn, report, None, &mut rng));
            }
        } else if matches!(kind, MeasureKind::VoluntaryDetox | MeasureKind::MaintenanceTherapy) {
            clock.record_report(decision, today)?;
        }
        if status == ControlStatus::InCustody && clock.start_date().is_some() {
            let from = add_days(today, -rng.random_range(5..240));
            if clock.start_date().is_some_and(|s| s < from) {
                clock.suspend(from, today)?;
                events.push(ev(EventKind::MeasureSuspended, from, None, &mut rng));
            }
        } else if status == ControlStatus::UnderControl && clock.start_date().is_some() && rng.random_bool(0.05) {
            let start = clock.start_date().unwrap_or(decision);
            let from = add_days(start, 40);
            let to = add_days(from, rng.random_range(10..40));
            if to < today {
                clock.suspend(from, today)?;
                clock.resume(to, today)?;
                events.push(ev(EventKind::MeasureSuspended, from, None, &mut rng));
                events.push(ev(EventKind::MeasureResumed, to, None, &mut rng));
            }
        }
        // Daily work: follow the schedule with jitter until today, or until the person
        // stopped complying (overdue) or was lost.
        let stop = match status {
            // Lost some time after the decision.
            ControlStatus::LostContact => {
                let span = (today - decision).num_days().max(60);
                add_days(decision, rng.random_range(20..span - 20))
            }
            ControlStatus::InCustody => clock.suspensions.last().map(|s| s.from).unwrap_or(today),
            ControlStatus::Deceased => ended.map(|(d, _)| d).unwrap_or(today),
            ControlStatus::UnderControl if rng.random_bool(0.12) => add_days(today, -rng.random_range(10..50)),
            _ => today,
        };
        let ended = match ended {
            None if expires => Some((clock.planned_last_day(today).unwrap_or(today).min(today), EndReason::Expiry)),
            e => e,
        };
        let end_day = ended.map_or(today, |(d, _)| d);
        let story = story.fit(clock.start_date(), first_found.min(decision));
        let handed_over = matches!(story, Story::HandedOver(_));
        if Headcount::Registered.includes(status) && !handed_over {
            registered += 1;
        }
        let horizon = match story {
            Story::HandedOver(on) => stop.min(end_day).min(on),
            _ => stop.min(end_day),
        };
        // While lost (and the weeks before anyone noticed), nothing was done.
        let gap = match story {
            Story::LostAndFound(lost, found) => Some((add_days(lost, -20), found)),
            _ => None,
        };
        // The measure before the current one, for a person registered long ago whose current
        // measure began in the two years shown: a community detox that ran its term (then a
        // relapse and the new decision), or the compulsory isolation a community rehabilitation
        // follows (戒毒条例 §37). Without it, the duties of two years ago would be a third of today's.
        let has_prior = Headcount::Registered.includes(status)
            && !newly_found
            && !(1..=4).contains(&scenario)
            && !matches!(status, ControlStatus::LostContact | ControlStatus::InCustody)
            && decision > add_days(today, -HISTORY_DAYS);
        // The tier the assessment at registration gives from what is known before any test (the
        // visits follow it, so that the 按期走访率 replays the schedule the person had).
        let tier = jindu_domain::risk::assess(
            &jindu_domain::risk::RiskFactors {
                substance: Some(substance),
                finding: Some(finding),
                positive_tests_90d: 0,
                missed_duties_90d: 0,
                detox_episodes: u32::from(has_prior),
                // The relapse before the current decision (below) is the last known use.
                days_since_last_use: has_prior.then(|| (today - decision).num_days() + 10),
                employed,
                stable_housing,
                family_support,
                violent_or_self_harm: violent,
                serious_breach: false,
                lost: false,
            },
            &risk_table,
        )
        .tier;
        let work = Work { schedule: &schedule, cal: &cal, tier, substance, horizon, gap };
        events.extend(daily_work(&mut rng, &clock, &work, &ev));
        let mut registered_on = first_found.min(decision);
        let mut prior_events = Vec::new();
        if has_prior {
            let isolation = kind == MeasureKind::CommunityRehab;
            let (prior_kind, back) = if isolation {
                (MeasureKind::CompulsoryIsolation, rng.random_range(735..760))
            } else {
                (MeasureKind::CommunityDetox, rng.random_range(1130..1220))
            };
            let prior_decided = add_days(decision, -back);
            let mut prior = MeasureClock::decide(prior_kind, prior_decided, today)?;
            prior_events.push(ev(EventKind::MeasureDecided, prior_decided, None, &mut rng));
            if !isolation {
                let report = add_days(prior_decided, rng.random_range(1..=14));
                prior.record_report(report, today)?;
                prior_events.push(ev(EventKind::MeasureStarted, report, None, &mut rng));
                prior_events.push(ev(EventKind::CheckIn, report, None, &mut rng));
            }
            let last = prior.planned_last_day(today).unwrap_or(decision).min(add_days(decision, -1));
            let prior_work = Work { schedule: &schedule, cal: &cal, tier, substance, horizon: last, gap: None };
            prior_events.extend(daily_work(&mut rng, &prior, &prior_work, &ev));
            prior.end(last, EndReason::Expiry, today)?;
            prior_events.push(ev(EventKind::MeasureEnded, last, None, &mut rng));
            let prior_id = uuid(&mut rng);
            for e in &mut prior_events {
                e.measure_id = Set(Some(prior_id));
            }
            if !isolation {
                prior_events.push(ev(EventKind::Relapse, add_days(decision, -rng.random_range(3..20)), None, &mut rng));
            }
            measure_rows.push(measure_row(prior_id, pid, prior_kind, prior_decided, &prior, now, &cal)?);
            registered_on = registered_on.min(prior_decided);
        }
        if let Some((_, reason)) = ended {
            clock.end(end_day.max(clock.start_date().unwrap_or(decision)), reason, today)?;
            events.push(ev(EventKind::MeasureEnded, end_day, None, &mut rng));
        }
        if scenario > 4
            && kind == MeasureKind::CommunityDetox
            && clock.start_date().is_some()
            && transfer_candidates.len() < 2
        {
            transfer_candidates.push((pid, town));
        }
        let mut lost_since = None;
        if status == ControlStatus::LostContact {
            let on = add_days(horizon, rng.random_range(15..25)).min(today);
            lost_since = Some(on);
            events.push(ev(EventKind::ContactLost, on, None, &mut rng));
        }
        // Status changes the record went through, as the status form records them: into custody,
        // and out of the register.
        let changed_on = match status {
            ControlStatus::InCustody => Some(clock.open_suspension().map_or(decision, |s| s.from)),
            _ => exit_on,
        };
        if let Some(on) = changed_on {
            let mut e = ev(EventKind::StatusChanged, on, None, &mut rng);
            e.detail = Set(Some(
                serde_json::json!({ "from": ControlStatus::UnderControl.as_code(), "to": status.as_code() })
                    .to_string(),
            ));
            e.note = Set(Some(format!("{} → {}", ControlStatus::UnderControl.label_zh(), status.label_zh())));
            events.push(e);
        }
        // Where the person was managed: moved here from another town, received from or handed
        // over to another county (戒毒条例 §22), as the transfer pages record them.
        let mut managed_in = (village.code, town);
        match story {
            Story::LostAndFound(lost, found) => {
                events.push(ev(EventKind::ContactLost, lost, None, &mut rng));
                events.push(ev(EventKind::ContactRestored, found, None, &mut rng));
            }
            Story::MovedFromTown(on) | Story::Arrived(on) | Story::HandedOver(on) => {
                let elsewhere = match story {
                    Story::MovedFromTown(_) => {
                        let others: Vec<&deployment::Division> =
                            villages.iter().filter(|v| v.parent.is_some_and(|p| p != town)).collect();
                        pick(&mut rng, &others).map(|v| (v.code, v.parent.unwrap_or(v.code)))
                    }
                    _ => pick(&mut rng, NEIGHBOURS).and_then(|c| DivisionCode::parse(c).ok()).map(|c| (c, c)),
                };
                if let Some(elsewhere) = elsewhere {
                    let (from, to, step, status) = match story {
                        Story::HandedOver(_) => {
                            managed_in = elsewhere;
                            ((village.code, town), elsewhere, "handed_over", TransferStatus::HandedOver)
                        }
                        Story::Arrived(_) => (elsewhere, (village.code, town), "imported", TransferStatus::Reported),
                        _ => (elsewhere, (village.code, town), "accepted", TransferStatus::Reported),
                    };
                    let tid = uuid(&mut rng);
                    let mut e = ev(EventKind::Transfer, on, None, &mut rng);
                    e.detail = Set(Some(
                        serde_json::json!({ "transfer_id": tid.to_string(), "step": step, "from": from.0.to_string(), "to": to.0.to_string() })
                            .to_string(),
                    ));
                    events.push(e);
                    let external = step != "accepted";
                    let at = on.and_hms_opt(2, 0, 0).map_or(now.instant, |t| t.and_utc());
                    let reported = (status == TransferStatus::Reported).then(|| add_days(on, rng.random_range(1..12)));
                    transfer_rows.push(transfer::ActiveModel {
                        id: Set(tid),
                        person_id: Set(pid),
                        from_division_code: Set(from.0.to_string()),
                        from_town_code: Set(from.1.to_string()),
                        to_division_code: Set(to.0.to_string()),
                        to_town_code: Set(to.1.to_string()),
                        status: Set(status.as_code().to_string()),
                        pull: Set(false),
                        requested_by: Set((!external).then_some(admin.user_id)),
                        requested_at: Set(at),
                        reason: Set(None),
                        decided_by: Set(Some(admin.user_id)),
                        decided_at: Set(Some(at)),
                        decided_on: Set(Some(on)),
                        reject_reason: Set(None),
                        report_deadline: Set(
                            (step != "handed_over").then(|| jindu_domain::transfer::report_deadline(on, &cal))
                        ),
                        reported_on: Set(reported.map(|r| r.min(today))),
                        external: Set(external),
                        file_hash: Set(
                            external.then(|| format!("{:032x}{:032x}", rng.random::<u128>(), rng.random::<u128>()))
                        ),
                    });
                }
            }
            Story::Stayed => {}
        }
        // Conduct toward 戒毒条例 §20 for a few in community detox: unauthorised departures
        // (three of them make a serious breach) and leave requests.
        let mut absences = Vec::new();
        let mut leaves = Vec::new();
        if status == ControlStatus::UnderControl
            && !handed_over
            && kind == MeasureKind::CommunityDetox
            && let Some(start) = clock.start_date().filter(|s| *s < add_days(today, -120))
        {
            let roll = rng.random_range(0..100);
            let departures = match roll {
                0..3 => 3,
                3..8 => 1,
                _ => 0,
            };
            for i in 0..departures {
                let left = add_days(start, 30 + 25 * i64::from(i));
                let back = add_days(left, rng.random_range(2..9));
                if back < today {
                    let (eid, rid) = (uuid(&mut rng), uuid(&mut rng));
                    let mut e = ev(EventKind::UnauthorisedDeparture, left, None, &mut rng);
                    let mut r = ev(EventKind::Returned, back, None, &mut rng);
                    e.id = Set(eid);
                    r.id = Set(rid);
                    absences.push((left, back, eid, rid));
                    events.push(e);
                    events.push(r);
                }
            }
            if (8..14).contains(&roll) {
                // Leave: requested and waiting, approved and away, or approved and overdue.
                let (from, to, status) = match roll {
                    8..10 => (add_days(today, 3), add_days(today, 10), jindu_domain::LeaveStatus::Requested),
                    10..12 => (add_days(today, -2), add_days(today, 5), jindu_domain::LeaveStatus::Approved),
                    _ => (add_days(today, -14), add_days(today, -4), jindu_domain::LeaveStatus::Approved),
                };
                events.push(ev(EventKind::LeaveRequest, add_days(from, -3).min(today), None, &mut rng));
                leaves.push((from, to, status));
            }
        }
        let mid = uuid(&mut rng);
        for e in &mut events {
            e.measure_id = Set(Some(mid));
        }
        measure_rows.push(measure_row(mid, pid, kind, decision, &clock, now, &cal)?);
        event_rows.extend(events);
        event_rows.extend(prior_events);
        let person_name = name(&mut rng);
        let phone = format!("1{}{:09}", rng.random_range(3..9), rng.random_range(0..1_000_000_000u64));
        let address = format!(
            "{}{}号",
            village.name.trim_end_matches("居委会").trim_end_matches("委员会"),
            rng.random_range(1..200)
        );
        let sealed =
            jindu_store::seed::seal_person(vault, pid, &person_name, idn.as_str(), Some(&phone), Some(&address), None)?;
        person_rows.push(person::ActiveModel {
            id: Set(pid),
            name: Set(sealed.name),
            sex: Set(idn.sex().as_code().to_string()),
            birth_date: Set(idn.birth_date()),
            id_number: Set(sealed.id_number),
            phone: Set(sealed.phone),
            address: Set(sealed.address),
            division_code: Set(managed_in.0.to_string()),
            town_code: Set(managed_in.1.to_string()),
            control_status: Set(status.as_code().to_string()),
            risk_tier: Set(tier.as_code().to_string()),
            addiction_finding: Set(finding.as_code().to_string()),
            substance: Set(Some(substance.as_code().to_string())),
            social_worker_id: Set(worker.filter(|_| !handed_over)),
            first_found_on: Set(Some(registered_on)),
            note: Set(None),
            name_bidx: Set(Some(sealed.name_bidx)),
            id_number_bidx: Set(Some(sealed.id_number_bidx)),
            employed: Set(Some(employed)),
            stable_housing: Set(Some(stable_housing)),
            family_support: Set(Some(family_support)),
            violent_or_self_harm: Set(Some(violent)),
            lost_since: Set(lost_since),
            sealed_on: Set(exit_on.filter(|_| status == ControlStatus::Abstinent3y)),
            risk_assessed_on: Set(None),
            risk_score: Set(None),
            version: Set(1),
            // Registered when first found (09:00 in Shanghai), as a real registry would show: the
            // lost-contact rule then judges the whole history.
            // (A person received from another county entered Jindu with the transfer file.)
            created_at: Set(match story {
                Story::Arrived(on) => on,
                _ => registered_on,
            }
            .and_hms_opt(1, 0, 0)
            .map_or(now.instant, |t| t.and_utc())),
            updated_at: Set(now.instant),
        });
        for (left, back, eid, rid) in absences {
            absence_rows.push(absence::ActiveModel {
                id: Set(uuid(&mut rng)),
                person_id: Set(pid),
                left_on: Set(left),
                returned_on: Set(Some(back)),
                event_id: Set(eid),
                return_event_id: Set(Some(rid)),
                created_at: Set(now.instant),
            });
        }
        for (from, to, st) in leaves {
            let lid = uuid(&mut rng);
            let dest = pick(&mut rng, &["广东省广州市", "湖南省长沙市", "广东省深圳市", "湖南省郴州市"])
                .copied()
                .unwrap_or("湖南省长沙市");
            leave_rows.push(leave_request::ActiveModel {
                id: Set(lid),
                person_id: Set(pid),
                requested_on: Set(add_days(from, -3).min(today)),
                leave_from: Set(from),
                leave_to: Set(to),
                destination: Set(vault.seal("leave_request", "destination", &lid.to_string(), dest)?),
                reason: Set(Some(vault.seal("leave_request", "reason", &lid.to_string(), "探亲")?)),
                status: Set(st.as_code().to_string()),
                requested_by: Set(worker),
                decided_by: Set((st != jindu_domain::LeaveStatus::Requested).then_some(admin.user_id)),
                decided_on: Set((st != jindu_domain::LeaveStatus::Requested).then(|| add_days(from, -1).min(today))),
                decision_note: Set(None),
                returned_on: Set(None),
                created_at: Set(now.instant),
            });
        }
        if status == ControlStatus::UnderControl && !handed_over {
            for (role, label) in [(GroupRole::Family, "家属"), (GroupRole::CommunityPolice, "社区民警")] {
                let gid = uuid(&mut rng);
                let member = format!("{}({label})", name(&mut rng));
                group_rows.push(working_group_member::ActiveModel {
                    id: Set(gid),
                    person_id: Set(pid),
                    role: Set(role.as_code().to_string()),
                    name: Set(vault.seal("working_group_member", "name", &gid.to_string(), &member)?),
                    phone: Set(None),
                    user_id: Set(None),
                    added_on: Set(clock.start_date().unwrap_or(decision)),
                    created_at: Set(now.instant),
                });
            }
        }
    }
    for chunk in person_rows.chunks(200) {
        person::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in measure_rows.chunks(200) {
        measure::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    let n_events = event_rows.len() as u64;
    for e in &mut event_rows {
        if let (sea_orm::ActiveValue::Set(id), sea_orm::ActiveValue::Set(Some(note))) = (&e.id, &e.note) {
            let sealed = vault.seal("event", "note", &id.to_string(), note)?;
            e.note = Set(Some(sealed));
        }
    }
    for chunk in event_rows.chunks(500) {
        event::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in absence_rows.chunks(200) {
        absence::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in leave_rows.chunks(200) {
        leave_request::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in group_rows.chunks(200) {
        working_group_member::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    for chunk in transfer_rows.chunks(200) {
        transfer::Entity::insert_many(chunk.to_vec()).exec(&txn).await?;
    }
    // Risk assessment, duties, the lost-contact rule and alerts, as the server keeps them.
    for pid in &person_ids {
        jindu_store::seed::reconcile(&txn, *pid, Some(AssessmentTrigger::Registration)).await?;
    }
    txn.commit().await?;
    // Two requests to move a person to another town, waiting for the receiving town (戒毒条例 §22).
    let office = users::actor(db, admin.user_id).await?.ok_or(ServiceError::NotFound("user"))?;
    for (pid, town) in transfer_candidates {
        let Some(target) = villages.iter().find(|v| v.parent.is_some_and(|p| p != town)) else { continue };
        let request = jindu_store::service::transfers::TransferRequest {
            to_division: target.code.to_string(),
            reason: "已搬至该社区居住，申请变更执行地（演示）".into(),
        };
        jindu_store::service::transfers::request(db, vault, &office, now, pid, &request).await?;
    }
    // Two years of the county police's monthly forms (公安月报), synthetic.
    if let Some(police) = users::authenticate(db, "police", DEMO_PASSWORD).await? {
        let this = jindu_domain::indicator::Month::of(now.today);
        for back in (1..=24).rev() {
            let m = this.plus(-back);
            let cases: u32 = rng.random_range(2..10);
            let mut form = jindu_store::service::police::PoliceInput {
                month: m.to_string(),
                cases_solved: cases.to_string(),
                suspects_arrested: (cases + rng.random_range(0..6)).to_string(),
                users_dealt: rng.random_range(5..26u32).to_string(),
                ..Default::default()
            };
            for (field, max_g) in [("seized_methamphetamine", 800u32), ("seized_heroin", 120), ("seized_ketamine", 300)]
            {
                let mg = rng.random_range(0..max_g * 1000);
                form.seized.insert(field.into(), format!("{}.{:03}", mg / 1000, mg % 1000));
            }
            jindu_store::service::police::file(db, &police, now, &form).await?;
        }
    }
    demo_evaluation(db, &office, now, &mut rng).await?;
    demo_responsibility(db, vault, &office, now).await?;
    demo_member_units(db, vault, &office, now, &mut rng).await?;
    demo_enterprises(db, vault, &office, now, &mut rng).await?;
    // Fresh statistics after the bulk load (PostgreSQL's autovacuum would gather them later;
    // SQLite only when asked): the planner otherwise guesses from empty tables.
    db.execute_unprepared("ANALYZE").await?;
    Ok(DemoSummary {
        generated: true,
        persons: person_ids.len() as u64,
        registered: registered as u64,
        events: n_events,
        social_workers: workers.len() as u64,
    })
}

/// Makes a demo person's event of a kind on a day (with an optional measure).
type MakeEvent<'a> = dyn Fn(EventKind, NaiveDate, Option<Uuid>, &mut ChaCha8Rng) -> event::ActiveModel + 'a;

/// What the daily work of a demo person follows: the schedule and calendar, the risk tier, the
/// drug a positive test finds, the last day worked and a span when nothing was done.
struct Work<'a> {
    schedule: &'a Schedule,
    cal: &'a jindu_domain::WorkCalendar,
    tier: RiskTier,
    substance: Substance,
    horizon: NaiveDate,
    gap: Option<(NaiveDate, NaiveDate)>,
}

/// The check-ins, tests, visits (with some assistance and interviews) of one measure served in
/// the community, following its schedule up to `work.horizon`: nine in ten on or up to four days
/// before their due date, the others up to six days late; tests mostly negative, some positive
/// (some of those recorded as a relapse), a few refused. `ev` makes an event of a kind on a day.
fn daily_work(
    rng: &mut ChaCha8Rng,
    clock: &MeasureClock,
    work: &Work<'_>,
    ev: &MakeEvent<'_>,
) -> Vec<event::ActiveModel> {
    let mut events = Vec::new();
    let (horizon, gap) = (work.horizon, work.gap);
    for kind_o in [ObligationKind::CheckIn, ObligationKind::DrugTest, ObligationKind::Visit] {
        let mut last: Option<NaiveDate> = clock.start_date();
        let mut guard = 0;
        while guard < 400 {
            guard += 1;
            let Some(due) = next_due(work.schedule, kind_o, clock, work.tier, last, horizon, work.cal) else {
                break;
            };
            let jitter = if rng.random_bool(0.9) { -rng.random_range(0..=4) } else { rng.random_range(1..=6) };
            let on = add_days(due.due_date, jitter);
            if on > horizon || last.is_some_and(|l| on <= l) {
                break;
            }
            last = Some(on);
            if gap.is_some_and(|(from, to)| from <= on && on < to) {
                continue;
            }
            let mut e = match kind_o {
                ObligationKind::CheckIn => ev(EventKind::CheckIn, on, None, rng),
                ObligationKind::DrugTest => ev(EventKind::DrugTest, on, None, rng),
                _ => ev(EventKind::Visit, on, None, rng),
            };
            if kind_o == ObligationKind::DrugTest {
                let r: f64 = rng.random();
                let (res, sub) = if r < 0.93 {
                    (TestResult::Negative, None)
                } else if r < 0.98 {
                    (TestResult::Positive, Some(work.substance))
                } else {
                    (TestResult::Refused, None)
                };
                e.test_method = Set(Some(
                    if rng.random_bool(0.9) { TestMethod::Urine } else { TestMethod::Hair }.as_code().to_string(),
                ));
                e.test_result = Set(Some(res.as_code().to_string()));
                e.substance = Set(sub.map(|s| s.as_code().to_string()));
                // A positive test is sometimes recorded as a relapse (复吸) too.
                if res == TestResult::Positive && rng.random_bool(0.15) {
                    events.push(ev(EventKind::Relapse, on, None, rng));
                }
            }
            events.push(e);
            if kind_o == ObligationKind::Visit && rng.random_bool(0.25) {
                let mut a = ev(EventKind::Assistance, on, None, rng);
                a.note = Set(Some(
                    pick(rng, &["就业推荐", "低保申请协助", "心理疏导", "技能培训报名", "临时救助"])
                        .copied()
                        .unwrap_or("心理疏导")
                        .to_string(),
                ));
                events.push(a);
            }
            if kind_o == ObligationKind::Visit && rng.random_bool(0.15) {
                events.push(ev(EventKind::Interview, on, None, rng));
            }
        }
    }
    events
}

/// 考评 in the demo (issue #7): this year's town scheme from the first shipped template;
/// published runs for last year and for each finished quarter of this year, and a draft for the
/// year so far; inspectors' scores invented from a standing kept per town across periods (so
/// the trend is plausible), a bonus for two towns, no veto.
async fn demo_evaluation<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    office: &jindu_store::service::Actor,
    now: Now,
    rng: &mut ChaCha8Rng,
) -> ServiceResult<()> {
    let year = chrono::Datelike::year(&now.today);
    let Some(mut scheme) = jindu_domain::evaluation::templates().into_iter().next() else {
        return Ok(());
    };
    scheme.name = format!("{year}年{}", scheme.name);
    let towns = deployment::in_scope(db, office.scope, DivisionLevel::Town).await?;
    let units: Vec<String> = towns.iter().map(|t| t.code.to_string()).collect();
    let quarter = chrono::Datelike::month0(&now.today) / 3 + 1;
    let mut periods: Vec<(String, bool)> = vec![(format!("{}", year - 1), true)];
    periods.extend((1..quarter).map(|q| (format!("{year}-Q{q}"), true)));
    periods.push((year.to_string(), false));
    let scoring = Scoring { standing: 0.74..0.99, spread: 0.06, manual_only: true, bonus: true };
    score_runs(db, office, now, rng, scheme, &units, periods, scoring).await
}

/// How the demo's inspectors score the runs of one scheme.
struct Scoring {
    /// The range each unit's standing (its usual share of an item's points) is drawn from, once
    /// per unit for all periods, so the trend is plausible.
    standing: std::ops::Range<f64>,
    /// How far one score strays from the unit's standing, either way.
    spread: f64,
    /// Only the items scored by hand (a town scheme computes the others from the figures);
    /// otherwise every item with a rule.
    manual_only: bool,
    /// 1 to 3 bonus points for every fourth unit from the second, none for the others;
    /// otherwise a bonus item is scored like the rest.
    bonus: bool,
}

/// Creates this year's `scheme` and a run of it for each `(period, publish)`, scored by hand for
/// `units` as `scoring` says (a veto item never applies); the runs to publish are frozen and
/// published, the others stay drafts.
#[allow(clippy::too_many_arguments)]
async fn score_runs<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    office: &jindu_store::service::Actor,
    now: Now,
    rng: &mut ChaCha8Rng,
    scheme: jindu_domain::evaluation::EvaluationScheme,
    units: &[String],
    periods: Vec<(String, bool)>,
    scoring: Scoring,
) -> ServiceResult<()> {
    use jindu_domain::evaluation::{Points, Rule};
    use jindu_store::service::evaluation::{self, ManualEntry, RunStatus};
    let year = chrono::Datelike::year(&now.today);
    let scheme_id = evaluation::create_scheme(db, office, now, year, scheme.clone()).await?;
    let standing: Vec<f64> = units.iter().map(|_| rng.random_range(scoring.standing.clone())).collect();
    for (period, publish) in periods {
        let run = evaluation::create_run(db, office, now, scheme_id, &period).await?;
        let mut scores = Vec::new();
        for (k, unit) in units.iter().enumerate() {
            for (_, item) in scheme.walk() {
                let Some(rule) = item.rule.as_ref().filter(|r| !scoring.manual_only || r.is_manual()) else {
                    continue;
                };
                let points = match rule {
                    Rule::Veto { .. } => Points::ZERO,
                    Rule::Bonus { .. } if scoring.bonus => {
                        Points::whole(if k % 4 == 1 { rng.random_range(1..=3) } else { 0 })
                    }
                    _ => {
                        let share = (standing[k] + rng.random_range(-scoring.spread..scoring.spread)).clamp(0.3, 1.0);
                        inspector_points(item.points, share)
                    }
                };
                scores.push(ManualEntry {
                    unit: unit.clone(),
                    item: item.code.clone(),
                    points,
                    note: "演示评分".into(),
                });
            }
        }
        evaluation::score_manual_all(db, office, now, run, &scores).await?;
        if publish {
            evaluation::advance(db, office, now, run, RunStatus::Frozen).await?;
            evaluation::advance(db, office, now, run, RunStatus::Published).await?;
        }
    }
    Ok(())
}

/// `share` of an item's points, to the half point as inspectors score, at most the item's.
fn inspector_points(max: jindu_domain::evaluation::Points, share: f64) -> jindu_domain::evaluation::Points {
    jindu_domain::evaluation::Points(((max.as_f64() * share * 2.0).round() * 50.0) as i64).min(max)
}

/// A one-page PDF that says, in ASCII, that it stands in for a scanned letter of `town` (a
/// synthetic scan for the demo), with a correct cross-reference table.
fn demo_scan_pdf(label: &str) -> Vec<u8> {
    let text = format!(
        "BT /F1 18 Tf 72 760 Td (DEMO DATA - synthetic responsibility letter scan) Tj 0 -28 Td ({label}) Tj ET"
    );
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut out = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{o}\nendobj\n", i + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes());
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n", objects.len() + 1).as_bytes(),
    );
    out
}

/// 责任书 and 规划任务 in the demo (issue #7): this year's letters, signed with a synthetic scan by
/// all towns but the last two (one registered without its scan, one missing); six tasks of a
/// three-year plan: one closed out, one in progress with a note, one overdue, the rest ahead.
async fn demo_responsibility<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &jindu_store::Vault,
    office: &jindu_store::service::Actor,
    now: Now,
) -> ServiceResult<()> {
    use jindu_store::service::responsibility::{self, LetterForm, TaskForm, Upload};
    let year = chrono::Datelike::year(&now.today);
    let towns = deployment::in_scope(db, office.scope, DivisionLevel::Town).await?;
    let n = towns.len();
    for (k, town) in towns.iter().enumerate() {
        if k + 1 == n {
            continue;
        }
        let signed = k + 2 < n;
        let day = chrono::NaiveDate::from_ymd_opt(year, 2, 20)
            .map(|d| (d + chrono::Duration::days(k as i64 * 3)).min(now.today));
        let form = LetterForm {
            year: year.to_string(),
            unit_code: town.code.to_string(),
            parties: format!("珠晖区禁毒委员会 — {}", town.name),
            signed_on: if signed { day.map(|d| d.to_string()).unwrap_or_default() } else { String::new() },
            scan: signed.then(|| Upload {
                file_name: format!("{year}年{}禁毒工作责任书（演示）.pdf", town.name),
                bytes: demo_scan_pdf(&format!("{year} {}", town.code)),
            }),
        };
        responsibility::save_letter(db, vault, office, now, form).await?;
    }
    let plan = "6·27工程三年行动（演示）";
    let days = |n: i64| (now.today + chrono::Duration::days(n)).to_string();
    let tasks = [
        ("建成社区戒毒社区康复工作站并配齐专职社工", 0, -60, "closed"),
        ("开展禁毒宣传进校园、进社区活动", 1, 45, "progress"),
        ("完成易制毒化学品企业全面排查", 2, -12, ""),
        ("建立吸毒人员动态管控台账", 3, 90, ""),
        ("打造禁毒示范社区一个", 4, 200, ""),
        ("落实禁毒工作经费保障", 5, 30, ""),
    ];
    for (title, town, due, state) in tasks {
        let Some(owner) = towns.get(town % n.max(1)) else { continue };
        let form = TaskForm {
            plan: plan.into(),
            title: title.into(),
            owner_code: owner.code.to_string(),
            co_units: "区公安分局、区民政局".into(),
            due_on: days(due),
        };
        let id = responsibility::create_task(db, office, now, form).await?;
        match state {
            "closed" => {
                responsibility::add_evidence(db, vault, office, now, id, "工作站已挂牌，配备社工3名（演示）", None)
                    .await?;
                responsibility::close_or_reopen(db, office, now, id, true, "经实地核查已完成（演示）").await?;
            }
            "progress" => {
                responsibility::add_evidence(db, vault, office, now, id, "已完成两所学校的宣讲（演示）", None).await?;
            }
            _ => {}
        }
    }
    Ok(())
}

/// The member units (成员单位) of the demo district's committee: the usual departments of a
/// district government (generic names, no real body's data), this year's letters (all signed
/// but two), two tasks of the plan, and the member-unit template: last year's run published, this
/// year's in draft, scored by hand as inspectors do.
async fn demo_member_units<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &jindu_store::Vault,
    office: &jindu_store::service::Actor,
    now: Now,
    rng: &mut ChaCha8Rng,
) -> ServiceResult<()> {
    use jindu_store::service::responsibility::{self, LetterForm, TaskForm, Upload};
    use jindu_store::service::units::{self, MemberUnitForm};
    let register = [
        ("区委政法委", "统筹协调禁毒工作，督导考评"),
        ("区公安分局", "禁毒执法、吸毒人员查处与管控、易制毒化学品管理"),
        ("区教育局", "学校毒品预防教育"),
        ("区卫健局", "戒毒医疗、药物维持治疗、麻精药品管理"),
        ("区民政局", "社区戒毒康复人员救助与社会工作"),
        ("区司法局", "强制隔离戒毒衔接、社区矫正对象禁毒教育"),
        ("区人社局", "戒毒康复人员就业帮扶"),
        ("区市场监管局", "易制毒化学品经营监管"),
        ("区文旅广体局", "娱乐场所禁毒管理、禁毒宣传"),
        ("区财政局", "禁毒经费保障"),
        ("团区委", "青少年毒品预防教育"),
        ("区妇联", "家庭禁毒宣传"),
    ];
    let mut codes = Vec::new();
    for (name, duties) in register {
        let form = MemberUnitForm { name: name.into(), duties: duties.into() };
        codes.push((units::create_member_unit(db, office, now, form).await?, name));
    }
    let year = chrono::Datelike::year(&now.today);
    let n = codes.len();
    for (k, (code, name)) in codes.iter().enumerate() {
        if k + 1 == n {
            continue;
        }
        let signed = k + 2 < n;
        let day =
            chrono::NaiveDate::from_ymd_opt(year, 3, 1).map(|d| (d + chrono::Duration::days(k as i64)).min(now.today));
        let form = LetterForm {
            year: year.to_string(),
            unit_code: code.clone(),
            parties: format!("珠晖区禁毒委员会 — {name}"),
            signed_on: if signed { day.map(|d| d.to_string()).unwrap_or_default() } else { String::new() },
            scan: signed.then(|| Upload {
                file_name: format!("{year}年{name}禁毒工作责任书（演示）.pdf"),
                bytes: demo_scan_pdf(&format!("{year} {code}")),
            }),
        };
        responsibility::save_letter(db, vault, office, now, form).await?;
    }
    let days = |n: i64| (now.today + chrono::Duration::days(n)).to_string();
    for (title, k, due) in [("开展全区中小学毒品预防教育全覆盖", 2, 20), ("完成娱乐场所禁毒责任书签订与检查", 8, -5)]
    {
        let Some((code, _)) = codes.get(k) else { continue };
        let form = TaskForm {
            plan: "6·27工程三年行动（演示）".into(),
            title: title.into(),
            owner_code: code.clone(),
            co_units: "区公安分局".into(),
            due_on: days(due),
        };
        responsibility::create_task(db, office, now, form).await?;
    }
    let Some(mut scheme) = jindu_domain::evaluation::templates().into_iter().nth(1) else {
        return Ok(());
    };
    scheme.name = format!("{year}年{}", scheme.name);
    let units: Vec<String> = codes.iter().map(|(code, _)| code.clone()).collect();
    let periods = vec![(format!("{}", year - 1), true), (year.to_string(), false)];
    let scoring = Scoring { standing: 0.72..0.98, spread: 0.05, manual_only: false, bonus: false };
    score_runs(db, office, now, rng, scheme, &units, periods, scoring).await
}

/// The 证号 of the demo's expired credential: a purchase filing of 演示02号 that ran to the end of
/// last year; the demo ledger names it on a purchase of this year (P-05).
pub fn demo_expired_credential(today: chrono::NaiveDate) -> String {
    format!("（湘衡珠）公购备字〔{}〕第002号（演示）", chrono::Datelike::year(&today) - 1)
}

/// The credentials (证照) of demo enterprise `n` (issue #21 item 3), written through
/// `credentials::create` as the office: a 经营备案证明 (3 years) for traders, a 生产备案证明 for
/// producers, a 购买备案证明 (1 year) of 硫酸/盐酸 for users, a 3-month or 12-month 运输许可证 for
/// carriers; enterprise 2 also holds a purchase filing that expired at the end of last year
/// ([`demo_expired_credential`]) and enterprise 3 a trade filing that expires within 3 months (its
/// renewal reminder is due).
async fn demo_credentials<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    office: &jindu_store::service::Actor,
    now: Now,
    enterprise: uuid::Uuid,
    n: usize,
    roles: &[&str],
) -> ServiceResult<()> {
    use chrono::{Datelike, Days, Months, NaiveDate};
    use jindu_store::service::credentials::{self, CredentialForm, LineForm};
    let today = now.today;
    let year = today.year();
    let back = |days: u64| today.checked_sub_days(Days::new(days)).unwrap_or(today);
    let years = |from: NaiveDate, months: u32| {
        from.checked_add_months(Months::new(months)).and_then(|d| d.pred_opt()).unwrap_or(from)
    };
    let line = |chemical: &str, quantity: &str, unit: &str| LineForm {
        chemical: chemical.into(),
        quantity: quantity.into(),
        unit: unit.into(),
    };
    let police = "衡阳市公安局珠晖分局（演示）";
    let safety = "衡阳市应急管理局（演示）";
    let form = |kind: &str, number: String, issuer: &str, from: NaiveDate, to: NaiveDate, lines: Vec<LineForm>| {
        CredentialForm {
            kind: kind.into(),
            number,
            issuer: issuer.into(),
            valid_from: from.to_string(),
            valid_to: to.to_string(),
            status: String::new(),
            status_since: String::new(),
            lines,
        }
    };
    let mut forms: Vec<CredentialForm> = Vec::new();
    let offset = u64::try_from(n * 23 % 600).unwrap_or(0) + 30;
    if roles.contains(&"trade") {
        let from = if n == 3 { back(1000) } else { back(offset) };
        let to = if n == 3 { today.checked_add_days(Days::new(45)).unwrap_or(today) } else { years(from, 36) };
        forms.push(form(
            "trade_filing",
            format!("（湘衡）应急经备字〔{}〕第{n:03}号（演示）", from.year()),
            safety,
            from,
            to,
            vec![line("硫酸", "200", "吨"), line("盐酸", "100", "吨"), line("丙酮", "50", "吨")],
        ));
    }
    if roles.contains(&"produce") {
        let from = back(offset);
        forms.push(form(
            "production_filing",
            format!("（湘衡）应急产备字〔{}〕第{n:03}号（演示）", from.year()),
            safety,
            from,
            years(from, 36),
            vec![line("丙酮", "", "")],
        ));
    }
    if roles.contains(&"use") {
        let from = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(today);
        forms.push(form(
            "purchase_filing",
            format!("（湘衡珠）公购备字〔{year}〕第{n:03}号（演示）"),
            police,
            from,
            years(from, 12),
            vec![line("硫酸", "20", "吨"), line("盐酸", "5", "吨")],
        ));
    }
    if n == 2 {
        let from = NaiveDate::from_ymd_opt(year - 1, 1, 1).unwrap_or(today);
        forms.push(form(
            "purchase_filing",
            demo_expired_credential(today),
            police,
            from,
            years(from, 12),
            vec![line("硫酸", "10", "吨")],
        ));
    }
    if roles.contains(&"transport") {
        let (kind, months, word) = if (n / 10).is_multiple_of(2) {
            ("transport_12_months", 12, "年")
        } else {
            ("transport_3_months", 3, "季")
        };
        let from = back(offset % 60 + 1);
        forms.push(form(
            kind,
            format!("（湘衡珠）公运{word}字〔{}〕第{n:03}号（演示）", from.year()),
            police,
            from,
            years(from, months),
            vec![line("硫酸", "30", "吨"), line("盐酸", "30", "吨")],
        ));
    }
    for f in forms {
        credentials::create(db, office, now, enterprise, &f).await?;
    }
    Ok(())
}

/// 易制毒化学品生产经营单位 of the demo (issue #21 item 2): [`DEMO_ENTERPRISES`] synthetic
/// enterprises spread over the towns of 珠晖区 (real division codes from the division list), every
/// name marked 演示, valid credit codes computed by GB 32100 (registered in 430405, organisation
/// bodies `MA4L0001`…, never a real enterprise's), users of the four 涉爆 chemicals 硫酸、盐酸、丙酮、
/// 高锰酸钾 among them; and the 企业 account [`DEMO_ENTERPRISE_ACCOUNT`] linked to the first.
async fn demo_enterprises<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &jindu_store::Vault,
    office: &jindu_store::service::Actor,
    now: Now,
    rng: &mut ChaCha8Rng,
) -> ServiceResult<()> {
    use jindu_domain::precursor::credit_code::compose;
    use jindu_domain::precursor::enterprise::{EnterpriseForm, WarehouseForm};
    use jindu_store::service::enterprises;
    let towns = deployment::in_scope(db, office.scope, DivisionLevel::Town).await?;
    if towns.is_empty() {
        return Ok(());
    }
    // (kind of business, roles, 经营范围): the four 涉爆 chemicals and other precursors.
    let kinds: [(&str, &[&str], &str); 10] = [
        ("化工贸易", &["trade", "store"], "硫酸、盐酸、丙酮、高锰酸钾等化工原料批发（不含危险化学品以外的许可项目）"),
        ("精细化工", &["produce", "store"], "丙酮、甲苯回收生产；硫酸使用"),
        ("试剂经营", &["trade", "store"], "实验室化学试剂销售：盐酸、硫酸、丙酮、乙醚、三氯甲烷"),
        ("制药", &["use", "store"], "原料药制造，使用盐酸、丙酮、甲苯"),
        ("表面处理", &["use"], "金属表面处理，使用硫酸、盐酸"),
        ("电镀", &["use", "store"], "电镀加工，使用硫酸、盐酸、高锰酸钾"),
        ("蓄电池", &["use"], "铅酸蓄电池生产，使用硫酸"),
        ("物流运输", &["transport"], "危险货物道路运输（硫酸、盐酸、丙酮）"),
        ("水处理", &["use", "trade"], "水处理药剂销售及使用：高锰酸钾、盐酸"),
        ("印染", &["use"], "纺织印染，使用硫酸、高锰酸钾、醋酸酐以外的助剂"),
    ];
    let mut first = None;
    for i in 0..DEMO_ENTERPRISES {
        let n = i + 1;
        let town = &towns[i % towns.len()];
        let (kind, roles, scope) = kinds[i % kinds.len()];
        let Some(code) = compose('9', '1', DEMO_DIVISION, &format!("MA4L{n:04}")) else { continue };
        let town_code = town.code.prefix();
        // Names of their own (演示法人01, 演示负责人01): an enterprise's people are kept by name in
        // clear, so no demo person's (sealed) name may appear among them.
        let (rep, rep_id) = (format!("演示法人{n:02}"), id_number(rng, now.today));
        let (resp, resp_id) = (format!("演示负责人{n:02}"), id_number(rng, now.today));
        let warehouses = if roles.contains(&"store") {
            vec![WarehouseForm {
                address: format!("{}演示仓储区{n}号库（演示）", town.name),
                division: town_code.clone(),
            }]
        } else {
            Vec::new()
        };
        let form = EnterpriseForm {
            credit_code: code.to_string(),
            name: format!("衡阳演示{n:02}号{kind}有限公司（演示）"),
            roles: roles.iter().map(|r| (*r).to_string()).collect(),
            business_scope: format!("{scope}（演示数据）"),
            registered_address: format!("衡阳市珠晖区{}演示路{n}号", town.name),
            registered_division: town_code.clone(),
            warehouses,
            legal_rep_name: rep,
            legal_rep_id_number: rep_id.map(|i| i.as_str().to_string()).unwrap_or_default(),
            legal_rep_phone: format!("1390734{:04}", 1000 + n),
            responsible_name: resp,
            responsible_id_number: resp_id.map(|i| i.as_str().to_string()).unwrap_or_default(),
            responsible_phone: format!("0734-83{:05}", 10000 + n),
            hazardous_licence: if roles.contains(&"trade") {
                format!("湘衡危化经字（演示）{n:03}号")
            } else {
                String::new()
            },
            status: match n {
                13 | 27 => "suspended".into(),
                38 => "deregistered".into(),
                _ => "normal".into(),
            },
            police_unit: town_code,
            safety_unit: "珠晖区应急管理局（演示）".into(),
        };
        let id = enterprises::create(db, vault, office, now, &form).await?;
        demo_credentials(db, office, now, id, n, roles).await?;
        first.get_or_insert(code);
    }
    if let Some(code) = first {
        enterprises::add_account(
            db,
            jindu_store::service::audit::Who::system(),
            now,
            users::NewUser {
                username: DEMO_ENTERPRISE_ACCOUNT.into(),
                display_name: "衡阳演示01号化工贸易有限公司(演示)".into(),
                password: Some(DEMO_PASSWORD.into()),
                role: jindu_domain::Role::Enterprise.as_code().into(),
                division: office.scope,
                workstation_id: None,
                must_change_password: false,
                member_unit: None,
            },
            code.as_str(),
        )
        .await?;
    }
    Ok(())
}
