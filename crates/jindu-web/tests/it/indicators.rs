//! Indicators and the 驾驶舱 (issue #5) on SQLite and PostgreSQL: every figure of a small
//! district worked out by hand, the kept cells against a recomputation from scratch after a
//! randomized sequence of writes (proptest), against a plain GROUP BY over the base tables, the
//! police monthly form, the ranking of towns, drill-down and the pages.

use crate::common::Sentences;
use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{Indicator, Month, Period, Unit};
use jindu_domain::{DivisionCode, Role};
use jindu_store::entities::{division, workstation};
use jindu_store::service::measures::NewEvent;
use jindu_store::service::persons::{NewPerson, StatusChange};
use jindu_store::service::police::PoliceInput;
use jindu_store::service::{Actor, ServiceError, dashboard, indicators, measures, persons, police, users};
use proptest::prelude::*;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

const TOWN_A: &str = "430405009000"; // 广东路街道
const VILLAGE_A: &str = "430405009007"; // 湖北路社区
const TOWN_B: &str = "430405010000"; // 东风街道
const VILLAGE_B: &str = "430405010002"; // 前进里社区

fn now() -> Now {
    Now::at(fixed_instant())
}

fn id_for(seq: u32) -> String {
    id_born("19900101", seq)
}

async fn register(app: &TestApp, name: &str, seq: u32, village: &str, f: impl FnOnce(&mut NewPerson)) -> Uuid {
    let mut p = NewPerson { name: name.into(), id_number: id_for(seq), division: village.into(), ..Default::default() };
    f(&mut p);
    app.register(p).await
}

/// Registers person `name` (ID number `seq`) in `village` under community detox decided on
/// `decision`, reported on `report`.
async fn detox(app: &TestApp, name: &str, seq: u32, village: &str, decision: &str, report: &str) -> Uuid {
    register(app, name, seq, village, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = decision.into();
        p.report_date = report.into();
    })
    .await
}

async fn event(app: &TestApp, id: Uuid, kind: &str, date: &str, result: &str) {
    let e = NewEvent {
        kind: kind.into(),
        date: date.into(),
        test_method: if kind == "drug_test" { "urine".into() } else { String::new() },
        test_result: result.into(),
        substance: if result == "positive" { "heroin".into() } else { String::new() },
        ..Default::default()
    };
    measures::record_event(&app.db, &app.vault, &app.admin, now(), id, e).await.unwrap();
}

async fn version(app: &TestApp, id: Uuid) -> String {
    jindu_store::entities::person::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().version.to_string()
}

fn month(m: i32) -> Period {
    Period::Month(Month(m))
}

/// The kept cells equal a recomputation from scratch (which then replaces them).
async fn assert_cells_match_rebuild(app: &TestApp) {
    assert_cells_match_rebuild_on(app, jindu_domain::clock::Now::at(fixed_instant()).today).await;
}

/// [`assert_cells_match_rebuild`] as of `day` (the day of the last write: duties count up to it).
async fn assert_cells_match_rebuild_on(app: &TestApp, day: chrono::NaiveDate) {
    let kept = indicators::all_cells(&app.db).await.unwrap();
    indicators::rebuild(&app.db, day, |_| {}).await.unwrap();
    let fresh = indicators::all_cells(&app.db).await.unwrap();
    if kept != fresh {
        let only_kept: Vec<_> = kept.iter().filter(|(k, v)| fresh.get(*k) != Some(*v)).take(10).collect();
        let only_fresh: Vec<_> = fresh.iter().filter(|(k, v)| kept.get(*k) != Some(*v)).take(10).collect();
        panic!("kept cells differ from a rebuild:\nkept {only_kept:?}\nfresh {only_fresh:?}");
    }
}

/// A small district, every figure by hand (today 2026-11-29; 广东路街道 A, 东风街道 B):
/// - P1 (A): community detox decided 2026-10-08, reported 10-20 (deadline 10-23: in time),
///   first found 2026-10-01; tests 11-10 negative, 11-20 positive;
/// - P2 (A): decided 10-02, reported 10-30 (deadline 10-17 is a Saturday → 10-19: late); lost 11-25;
/// - P3 (B): decided 11-02, not reported;
/// - P4 (B): in custody from 11-05; P5 (B): a relapse on 11-12.
///
/// One social worker, one workstation (in A), a police form for November.
async fn district(app: &TestApp) -> [Uuid; 5] {
    let p1 = register(app, "甲一", 1, VILLAGE_A, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-10-08".into();
        p.report_date = "2026-10-20".into();
        p.first_found_on = "2026-10-01".into();
    })
    .await;
    event(app, p1, "drug_test", "2026-11-10", "negative").await;
    event(app, p1, "drug_test", "2026-11-20", "positive").await;
    let p2 = detox(app, "乙二", 2, VILLAGE_A, "2026-10-02", "2026-10-30").await;
    event(app, p2, "contact_lost", "2026-11-25", "").await;
    let p3 = register(app, "丙三", 3, VILLAGE_B, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-11-02".into();
    })
    .await;
    let p4 = register(app, "丁四", 4, VILLAGE_B, |_| {}).await;
    let v = version(app, p4).await;
    persons::change_status(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        p4,
        &StatusChange { status: "in_custody".into(), date: "2026-11-05".into(), version: v },
    )
    .await
    .unwrap();
    let p5 = register(app, "戊五", 5, VILLAGE_B, |_| {}).await;
    event(app, p5, "relapse", "2026-11-12", "").await;
    app.user("sw_a", "社工甲", "social_worker", TOWN_A, false).await;
    workstation::Entity::insert(workstation::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set("广东路街道社区戒毒(康复)工作站".into()),
        division_code: Set(TOWN_A.into()),
        address: Set(String::new()),
        opened_on: Set(None),
        created_at: Set(fixed_instant()),
    })
    .exec(&app.db)
    .await
    .unwrap();
    indicators::add_structure(&app.db, TOWN_A, jindu_domain::indicator::CellKey::TownsWithWorkstation, now().today)
        .await
        .unwrap();
    [p1, p2, p3, p4, p5]
}

async fn office(app: &TestApp) -> Actor {
    app.admin.clone()
}

async fn towns_in_district(app: &TestApp) -> u64 {
    division::Entity::find()
        .filter(division::Column::Level.eq("town"))
        .filter(division::Column::Code.starts_with("430405"))
        .count(&app.db)
        .await
        .unwrap()
}

both!(every_figure_of_a_small_district_by_hand, |app: TestApp| async move {
    let [_p1, p2, ..] = district(&app).await;
    let police_user =
        users::actor(&app.db, app.user("pol", "民警", "police", "430405", false).await).await.unwrap().unwrap();
    let mut form = PoliceInput {
        month: "2026-11".into(),
        cases_solved: "2".into(),
        suspects_arrested: "4".into(),
        users_dealt: "5".into(),
        ..Default::default()
    };
    form.seized.insert("seized_heroin".into(), "1.5".into());
    police::file(&app.db, &police_user, now(), &form).await.unwrap();
    // A correction replaces the figures (3 cases, 2.25 g of methamphetamine added).
    form.cases_solved = "3".into();
    form.seized.insert("seized_methamphetamine".into(), "2.25".into());
    form.version = "1".into();
    police::file(&app.db, &police_user, now(), &form).await.unwrap();
    // A stale correction is refused and changes nothing.
    form.cases_solved = "99".into();
    assert!(matches!(police::file(&app.db, &police_user, now(), &form).await, Err(ServiceError::Conflict)));

    let office = office(&app).await;
    let d =
        dashboard::dashboard(&app.db, &office, None, month(202611), Indicator::LossRate, now().today).await.unwrap();
    let v = |i: Indicator| d.row(i).unwrap().figure;
    let show = |i: Indicator| v(i).display(i.definition().unit);
    assert_eq!(d.jurisdiction.name, "珠晖区");
    // 在控 = P1, P3, P5 + P4 in custody = 4; 失控 1 (P2); 在册 5.
    assert_eq!(v(Indicator::UnderControl).value, Some(4.0));
    assert_eq!(v(Indicator::Lost).value, Some(1.0));
    assert_eq!(v(Indicator::Registered).value, Some(5.0));
    assert_eq!(show(Indicator::LossRate), "20.0%");
    assert_eq!(show(Indicator::ControlRate), "80.0%");
    assert!(d.row(Indicator::LossRate).unwrap().misses, "20 % lost is above the 5 % target");
    // 报到率: November's one decision (P3) not reported → 0.0 %; October 1 of 2; Q4 1 of 3.
    assert_eq!(show(Indicator::ReportRate), "0.0%");
    let oct =
        dashboard::dashboard(&app.db, &office, None, month(202610), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!(oct.row(Indicator::ReportRate).unwrap().figure.display(Unit::Percent), "50.0%");
    assert_eq!(oct.row(Indicator::NewlyFound).unwrap().figure.value, Some(1.0));
    let q4 = dashboard::dashboard(&app.db, &office, None, Period::Quarter(2026, 4), Indicator::LossRate, now().today)
        .await
        .unwrap();
    assert_eq!(q4.row(Indicator::ReportRate).unwrap().figure.display(Unit::Percent), "33.3%");
    // 执行率: 3 community measures in force, 2 reported → 66.7 %.
    assert_eq!(show(Indicator::ExecutionRate), "66.7%");
    // Tests: 2 done, 1 positive (50.0 %); due in November as of 11-29: P1's 11-20 (met 11-10);
    // P2's 11-30 (not done) is not due yet → 1 of 1 on time.
    assert_eq!(v(Indicator::TestsDone).value, Some(2.0));
    assert_eq!(show(Indicator::TestPositiveRate), "50.0%");
    assert_eq!(v(Indicator::TestsDue).value, Some(1.0));
    assert_eq!(show(Indicator::TestsOnTimeRate), "100.0%");
    // December: P1's duty due 12-10 was met early on 11-20 (due and met); the next, due 12-20,
    // is open and not due yet.
    let dec =
        dashboard::dashboard(&app.db, &office, None, month(202612), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!(dec.row(Indicator::TestsDue).unwrap().figure.value, Some(1.0));
    assert_eq!(dec.row(Indicator::TestsOnTimeRate).unwrap().figure.display(Unit::Percent), "100.0%");
    // On 12-01 (after the sweep brings every person's figures to that day) P2's duty due 11-30
    // is missed: November 1 of 2 on time.
    let dec1 = (fixed_instant() + chrono::Duration::days(2)).date_naive();
    indicators::rebuild(&app.db, dec1, |_| {}).await.unwrap();
    let nov = dashboard::dashboard(&app.db, &office, None, month(202611), Indicator::LossRate, dec1).await.unwrap();
    assert_eq!(nov.row(Indicator::TestsDue).unwrap().figure.value, Some(2.0));
    assert_eq!(nov.row(Indicator::TestsOnTimeRate).unwrap().figure.display(Unit::Percent), "50.0%");
    indicators::rebuild(&app.db, now().today, |_| {}).await.unwrap();
    assert_eq!(v(Indicator::Relapses).value, Some(1.0));
    assert_eq!(v(Indicator::Abstinent3y).value, Some(0.0));
    // One workstation among the district's towns; one social worker: 5 per worker, no gap.
    let towns = towns_in_district(&app).await as i64;
    assert!(towns >= 7, "珠晖区 has {towns} towns");
    assert_eq!(
        (v(Indicator::WorkstationCoverage).numerator, v(Indicator::WorkstationCoverage).denominator),
        (1, towns)
    );
    assert_eq!(v(Indicator::SocialWorkers).value, Some(1.0));
    assert_eq!(show(Indicator::PersonsPerWorker), "5.0");
    assert_eq!(v(Indicator::WorkerGap).value, Some(0.0));
    // Police: the corrected form only.
    assert_eq!(v(Indicator::CasesSolved).value, Some(3.0));
    assert_eq!(v(Indicator::SuspectsArrested).value, Some(4.0));
    assert_eq!(v(Indicator::UsersDealtWith).value, Some(5.0));
    assert_eq!(show(Indicator::Seized), "3.750");
    // A year before: nothing.
    assert_eq!(d.row(Indicator::Registered).unwrap().year_before.value, Some(0.0));
    assert_eq!(d.row(Indicator::Registered).unwrap().change(), Some(5.0));
    // Trend: registered from their legal dates (#18 item 12): none until September; in October
    // P1 (first found 10-01) and P2 (decided 10-02); 5 in November (P3 decided 11-02, P4 and P5
    // with no earlier date, entered today).
    let trend = &d.trends.iter().find(|(i, _)| *i == Indicator::Registered).unwrap().1;
    assert_eq!(trend.len(), 12);
    assert_eq!(trend[0].0, Month(202512));
    assert_eq!(trend[11], (Month(202611), trend[11].1));
    assert_eq!(trend[11].1.value, Some(5.0));
    assert_eq!(trend[10].1.value, Some(2.0));
    assert_eq!(trend[9].1.value, Some(0.0));
    // Ranking of towns on 失控率 (lower is better): B 0.0 % first, A 50.0 % second, the rest
    // without persons unranked.
    assert_eq!(d.children[0].jurisdiction.code, TOWN_B);
    assert_eq!(d.children[0].rank, Some(1));
    assert_eq!(d.children[0].rank_figure.display(Unit::Percent), "0.0%");
    assert_eq!(d.children[1].jurisdiction.code, TOWN_A);
    assert_eq!(d.children[1].rank, Some(2));
    assert_eq!(d.children[1].rank_figure.display(Unit::Percent), "50.0%");
    assert!(d.children[2..].iter().all(|c| c.rank.is_none()));
    assert_eq!(d.children.len() as i64, towns);
    // A town's communities are summed from its persons: 湖北路社区 holds P1 and P2.
    let town = dashboard::dashboard(
        &app.db,
        &office,
        Some(DivisionCode::parse(TOWN_A).unwrap()),
        month(202611),
        Indicator::Registered,
        now().today,
    )
    .await
    .unwrap();
    assert_eq!(town.row(Indicator::Registered).unwrap().figure.value, Some(2.0));
    let hubei = town.children.iter().find(|c| c.jurisdiction.code == VILLAGE_A).unwrap();
    assert_eq!(hubei.rank_figure.value, Some(2.0));
    assert_eq!(hubei.figures[0].value, Some(2.0));
    assert_eq!(hubei.figures[1].value, Some(1.0), "P2 is lost");
    assert_eq!(town.trail.iter().map(|j| j.name.as_str()).collect::<Vec<_>>(), ["珠晖区", "广东路街道"]);

    // Drill-down: exactly the persons behind the figures.
    let drill = dashboard::drill(&app.db, &app.vault, &office, now(), None, Indicator::Registered, month(202611), 1)
        .await
        .unwrap();
    assert_eq!((drill.total, drill.persons, drill.hidden, drill.rows.rows.len()), (5, 5, 0, 5));
    let lost =
        dashboard::drill(&app.db, &app.vault, &office, now(), None, Indicator::Lost, month(202611), 1).await.unwrap();
    assert_eq!(lost.rows.rows.iter().map(|r| r.person_id).collect::<Vec<_>>(), vec![p2]);
    assert_eq!(lost.rows.rows[0].name, "乙二");
    let tests = dashboard::drill(&app.db, &app.vault, &office, now(), None, Indicator::TestsDone, month(202611), 1)
        .await
        .unwrap();
    assert_eq!((tests.total, tests.persons), (2, 1));
    assert_eq!(tests.rows.rows[0].value, 2);
    // Rates have no rows; a leader has no names.
    assert!(matches!(
        dashboard::drill(&app.db, &app.vault, &office, now(), None, Indicator::LossRate, month(202611), 1).await,
        Err(ServiceError::Invalid(_))
    ));
    let leader = app.with_user(Role::Leader, "430405").await.actor;
    assert!(matches!(
        dashboard::drill(&app.db, &app.vault, &leader, now(), None, Indicator::Lost, month(202611), 1).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(dashboard::dashboard(&app.db, &leader, None, month(202611), Indicator::Lost, now().today).await.is_ok());

    // The same figures by a plain GROUP BY over the base tables.
    let (by_status, done, positive) =
        indicators::group_by_base(&app.db, Some(&DivisionCode::parse("430405").unwrap()), Month(202611), Month(202611))
            .await
            .unwrap();
    assert_eq!(by_status.get("under_control"), Some(&3));
    assert_eq!(by_status.get("lost_contact"), Some(&1));
    assert_eq!(by_status.get("in_custody"), Some(&1));
    assert_eq!((done, positive), (2, 1));
    assert_cells_match_rebuild(&app).await;
    app
});

both!(police_forms_refuse_bad_input_and_store_nothing, |app: TestApp| async move {
    let pol = users::actor(&app.db, app.user("pol", "民警", "police", TOWN_B, false).await).await.unwrap().unwrap();
    let mut form = PoliceInput {
        month: "2026-12".into(),
        cases_solved: "-1".into(),
        suspects_arrested: "1.5".into(),
        division: TOWN_A.into(),
        ..Default::default()
    };
    form.seized.insert("seized_heroin".into(), "1.2345".into());
    let Err(ServiceError::Invalid(errors)) = police::file(&app.db, &pol, now(), &form).await else {
        panic!("bad form accepted")
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, ["cases_solved", "suspects_arrested", "seized_heroin", "month", "division"]);
    assert!(errors[0].zh().contains("破获毒品刑事案件“-1”不是有效的数"), "{}", errors[0].zh());
    assert!(errors[2].zh().contains("缴获海洛因“1.2345”"), "{}", errors[2].zh());
    assert_eq!(jindu_store::entities::police_report::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(
        jindu_store::entities::indicator_cell::Entity::find()
            .filter(jindu_store::entities::indicator_cell::Column::Key.eq("cases_solved"))
            .count(&app.db)
            .await
            .unwrap(),
        0
    );
    // A social worker may not file.
    let sw = app.with_user(Role::SocialWorker, TOWN_B).await.actor;
    let ok = PoliceInput { month: "2026-11".into(), cases_solved: "1".into(), ..Default::default() };
    assert!(matches!(police::file(&app.db, &sw, now(), &ok).await, Err(ServiceError::Forbidden(_))));
    police::file(&app.db, &pol, now(), &ok).await.unwrap();
    let rows = police::list(&app.db, &pol, 10).await.unwrap();
    assert_eq!((rows.len(), rows[0].division_code.as_str(), rows[0].figures.cases_solved), (1, TOWN_B, 1));
    app
});

/// One write of the randomized sequence.
#[derive(Debug, Clone)]
enum Op {
    Register { village: usize, measure: bool, decided: u32, reported: Option<u32>, found: Option<u32> },
    Test { person: usize, day: u32, positive: bool },
    Visit { person: usize, day: u32 },
    Relapse { person: usize, day: u32 },
    Lost { person: usize, day: u32 },
    Restored { person: usize, day: u32 },
    Status { person: usize, status: usize, day: u32 },
    CheckIn { person: usize, day: u32 },
    Police { unit: usize, month: u32, cases: u32, grams: u32 },
}

const VILLAGES: [&str; 3] = [VILLAGE_A, VILLAGE_B, "430405009009"];
const STATUSES: [&str; 4] = ["in_custody", "abroad", "under_control", "deceased"];

/// Day `n` (0–699) counted back from 2026-11-29.
fn day(n: u32) -> String {
    (chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap() - chrono::Duration::days(i64::from(n % 700))).to_string()
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (0..3usize, any::<bool>(), 0..700u32, proptest::option::of(0..40u32), proptest::option::of(0..900u32))
            .prop_map(|(village, measure, decided, reported, found)| Op::Register { village, measure, decided, reported, found }),
        3 => (0..64usize, 0..700u32, any::<bool>()).prop_map(|(person, day, positive)| Op::Test { person, day, positive }),
        2 => (0..64usize, 0..700u32).prop_map(|(person, day)| Op::Visit { person, day }),
        1 => (0..64usize, 0..700u32).prop_map(|(person, day)| Op::Relapse { person, day }),
        1 => (0..64usize, 0..700u32).prop_map(|(person, day)| Op::Lost { person, day }),
        1 => (0..64usize, 0..700u32).prop_map(|(person, day)| Op::Restored { person, day }),
        1 => (0..64usize, 0..4usize, 0..700u32).prop_map(|(person, status, day)| Op::Status { person, status, day }),
        1 => (0..64usize, 0..700u32).prop_map(|(person, day)| Op::CheckIn { person, day }),
        1 => (0..2usize, 0..24u32, 0..50u32, 0..5000u32).prop_map(|(unit, month, cases, grams)| Op::Police { unit, month, cases, grams }),
    ]
}

/// Runs the writes; refused ones (a test for a lost person, a date before the decision, …) are
/// part of the game and must leave the cells as they were.
async fn run_ops(app: &TestApp, ops: &[Op], seq: &mut u32, people: &mut Vec<Uuid>) {
    let tag = &Uuid::now_v7().simple().to_string()[24..];
    let police_users = [
        users::actor(&app.db, app.user(&format!("pa{tag}"), "民警", "police", TOWN_A, false).await)
            .await
            .unwrap()
            .unwrap(),
        users::actor(&app.db, app.user(&format!("pb{tag}"), "民警", "police", "430405", false).await)
            .await
            .unwrap()
            .unwrap(),
    ];
    for op in ops {
        let pick = |i: usize| people.get(i % people.len().max(1)).copied();
        match op.clone() {
            Op::Register { village, measure, decided, reported, found } => {
                *seq += 1;
                let mut p = NewPerson {
                    name: format!("随机{seq}"),
                    id_number: id_for(100 + *seq),
                    division: VILLAGES[village].into(),
                    ..Default::default()
                };
                if measure {
                    p.measure_kind = "community_detox".into();
                    p.decision_date = day(decided);
                    if let Some(r) = reported {
                        p.report_date = day(decided.saturating_sub(r));
                    }
                }
                if let Some(f) = found {
                    p.first_found_on = day(f);
                }
                if let Ok(id) = persons::register(&app.db, &app.vault, &app.admin, now(), p).await {
                    people.push(id);
                }
            }
            Op::Police { unit, month, cases, grams } => {
                let m = Month(202611).plus(-(month as i32));
                let u = &police_users[unit];
                let current = police::get(&app.db, u, &u.scope, m).await.unwrap();
                let mut form = PoliceInput {
                    month: m.to_string(),
                    cases_solved: cases.to_string(),
                    version: current.map(|c| c.version.to_string()).unwrap_or_default(),
                    ..Default::default()
                };
                form.seized.insert("seized_ketamine".into(), format!("{}.{:03}", grams / 1000, grams % 1000));
                police::file(&app.db, u, now(), &form).await.unwrap();
            }
            other => {
                let (person, kind, date, result) = match other {
                    Op::Test { person, day: d, positive } => {
                        (person, "drug_test", day(d), if positive { "positive" } else { "negative" })
                    }
                    Op::Visit { person, day: d } => (person, "visit", day(d), ""),
                    Op::Relapse { person, day: d } => (person, "relapse", day(d), ""),
                    Op::Lost { person, day: d } => (person, "contact_lost", day(d), ""),
                    Op::Restored { person, day: d } => (person, "contact_restored", day(d), ""),
                    Op::CheckIn { person, day: d } => (person, "check_in", day(d), ""),
                    Op::Status { person, status, day: d } => {
                        let Some(id) = pick(person) else { continue };
                        let v = version(app, id).await;
                        let _ = persons::change_status(
                            &app.db,
                            &app.vault,
                            &app.admin,
                            now(),
                            id,
                            &StatusChange { status: STATUSES[status].into(), date: day(d), version: v },
                        )
                        .await;
                        continue;
                    }
                    Op::Register { .. } | Op::Police { .. } => continue,
                };
                let Some(id) = pick(person) else { continue };
                let e = NewEvent {
                    kind: kind.into(),
                    date,
                    test_method: if kind == "drug_test" { "urine".into() } else { String::new() },
                    test_result: result.into(),
                    substance: if result == "positive" { "methamphetamine".into() } else { String::new() },
                    ..Default::default()
                };
                let _ = measures::record_event(&app.db, &app.vault, &app.admin, now(), id, e).await;
            }
        }
    }
}

both!(kept_cells_equal_a_recomputation_after_random_writes, |app: TestApp| async move {
    let cases = 6;
    let mut runner = proptest::test_runner::TestRunner::new(proptest::test_runner::Config {
        cases,
        failure_persistence: None,
        ..Default::default()
    });
    let state = std::sync::Mutex::new((0u32, Vec::<Uuid>::new()));
    let handle = tokio::runtime::Handle::current();
    let app_ref = &app;
    let result = runner.run(&proptest::collection::vec(op(), 10..40), |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let (mut seq, mut people) = state.lock().unwrap().clone();
                run_ops(app_ref, &ops, &mut seq, &mut people).await;
                *state.lock().unwrap() = (seq, people);
                assert_cells_match_rebuild(app_ref).await;
            })
        });
        Ok(())
    });
    result.unwrap();
    assert!(!state.lock().unwrap().1.is_empty());
    // The country, province, city and county hold the same figures (a single district).
    let cells = indicators::cells_of(
        &app.db,
        &["430405000000".into(), "430000000000".into(), indicators::NATION.into()],
        Month(202401),
    )
    .await
    .unwrap();
    let reg = |s: &str| {
        jindu_domain::indicator::evaluate(
            Indicator::Registered,
            &cells[s],
            month(202611),
            &jindu_domain::indicator::IndicatorSettings::default(),
        )
        .value
    };
    assert_eq!(reg("430405000000"), reg(indicators::NATION));
    assert_eq!(reg("430405000000"), reg("430000000000"));
    // And the current statuses equal a plain GROUP BY.
    let (by_status, ..) =
        indicators::group_by_base(&app.db, Some(&DivisionCode::parse("430405").unwrap()), Month(202611), Month(202611))
            .await
            .unwrap();
    let counted: i64 = ["under_control", "lost_contact", "in_custody", "abroad"]
        .iter()
        .map(|s| by_status.get(*s).copied().unwrap_or(0))
        .sum();
    assert_eq!(reg("430405000000"), Some(counted as f64));
    app
});

both!(the_dashboard_page_links_each_number_to_its_rows, |app: TestApp| async move {
    district(&app).await;
    app.login().await;
    let (s, html) = app.get("/dashboard?period=2026-11").await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("驾驶舱"));
    assert!(html.contains("失控率"));
    assert!(html.contains("<svg"), "trend charts are SVG drawn by the server");
    assert!(html.contains("/dashboard/rows?indicator=lost&#38;period=2026-11&#38;scope=430405000000"), "{html}");
    assert!(html.contains(r#"<span class="n" data-testid="kpi-lost">1</span>"#));
    assert!(
        html.contains(r#"<a class="kpi misses" href="/dashboard/rows?indicator=lost"#),
        "1 lost misses the target 0"
    );
    let (s, rows) = app.get("/dashboard/rows?indicator=lost&period=2026-11&scope=430405000000").await;
    assert_eq!(s, StatusCode::OK);
    assert!(rows.contains("乙二"));
    assert_eq!(rows.matches("data-row=\"person\"").count(), 1);
    // Bad input is a sentence, never a 500.
    let (s, html) = app.get("/dashboard?period=2026-13").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("统计期间“2026-13”无效：请按月 2026-10、季度 2026-Q4 或年 2026 填写"), "{html}");
    let (s, _) = app.get("/dashboard?scope=440000").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get("/dashboard/rows?indicator=loss_rate&period=2026-11").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Targets are the office's: a 10 % ceiling on 失控率 makes 20 % still red, 30 % makes it green.
    let (s, html) = app.get("/settings/indicators").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(r#"name="target.loss_rate" value="5""#), "{html}");
    let mut form: Vec<(String, String)> =
        Indicator::ALL.iter().map(|i| (i.target_field().to_string(), String::new())).collect();
    form.push(("worker_ratio".into(), "30".into()));
    form.retain(|(k, _)| k != "target.loss_rate");
    form.push(("target.loss_rate".into(), "101".into()));
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, html, _) = app.post("/settings/indicators", &refs).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("失控率“101”不是有效的数：请填写0到100之间的数"), "{html}");
    let fixed: Vec<(&str, &str)> =
        refs.iter().map(|(k, v)| if *k == "target.loss_rate" { (*k, "30") } else { (*k, *v) }).collect();
    let (s, _, loc) = app.post("/settings/indicators", &fixed).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/settings/indicators?saved=1")));
    let (_, html) = app.get("/dashboard?period=2026-11").await;
    assert!(
        html.contains(
            r#"<a class="kpi" href="/dashboard?scope=430405000000&#38;period=2026-11&#38;rank=loss_rate#ranking""#
        ),
        "{html}"
    );
    // The police form page: a bad figure is named, nothing stored; a good one shows at once.
    let (s, html, _) =
        app.post("/police", &[("month", "2026-11"), ("division", "430405"), ("cases_solved", "三")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("破获毒品刑事案件“三”不是有效的数"), "{html}");
    let (s, _, loc) = app
        .post(
            "/police",
            &[("month", "2026-11"), ("division", "430405"), ("cases_solved", "7"), ("seized_heroin", "12.5")],
        )
        .await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/police?saved=1")));
    let (_, html) = app.get("/dashboard?period=2026-11").await;
    assert!(html.contains(r#"data-testid="kpi-cases_solved""#) || html.contains("破获毒品刑事案件"));
    let d =
        dashboard::dashboard(&app.db, &app.admin, None, month(202611), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!(d.row(Indicator::CasesSolved).unwrap().figure.value, Some(7.0));
    assert_eq!(d.row(Indicator::Seized).unwrap().figure.display(Unit::Grams), "12.500");
    // Excel of the page's tables.
    let r = app.client.get(app.url("/dashboard.xlsx?period=2026-11")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    app
});

/// (在册, tests done, visits done) of a town for a month on its 驾驶舱.
async fn town_figures(app: &TestApp, town: &str, m: i32) -> (i64, i64, i64) {
    let d = dashboard::dashboard(
        &app.db,
        &office(app).await,
        Some(jindu_domain::DivisionCode::parse(town).unwrap()),
        month(m),
        Indicator::Registered,
        // After the last write of the test below (12-10): figures read as of that day.
        (fixed_instant() + chrono::Duration::days(11)).date_naive(),
    )
    .await
    .unwrap();
    let v = |i: Indicator| d.row(i).unwrap().figure.numerator;
    (v(Indicator::Registered), v(Indicator::TestsDone), v(Indicator::VisitsDone))
}

// Issue #18 item 11: history stays where it happened. A person of 广东路街道 (A) under community
// detox since September, tested in September, October and November and visited twice in
// October, is transferred to 冶金街道 on 2026-12-03 (accepted the same day) and then, on
// 12-10, corrected to 东风街道 (B) by an edit. Each town keeps the months it held the person:
// A September to November exactly as before, 冶金街道 nothing before December, B from the
// correction's month. The kept cells equal a rebuild throughout.
both!(a_transfer_or_a_correction_leaves_past_months_with_the_town_that_did_the_work, |app: TestApp| async move {
    const YEJIN: &str = "430405011000"; // 冶金街道
    let p = detox(&app, "迁一", 801, VILLAGE_A, "2026-09-01", "2026-09-05").await;
    event(&app, p, "drug_test", "2026-09-20", "negative").await;
    event(&app, p, "drug_test", "2026-10-15", "negative").await;
    event(&app, p, "visit", "2026-10-01", "").await;
    event(&app, p, "visit", "2026-10-20", "").await;
    event(&app, p, "drug_test", "2026-11-10", "negative").await;
    let months = [202609, 202610, 202611];
    let mut before = Vec::new();
    let mut community_before = Vec::new();
    for m in months {
        before.push(town_figures(&app, TOWN_A, m).await);
        community_before.push(town_figures(&app, VILLAGE_A, m).await);
    }
    assert_eq!(community_before, before, "the community holds the town's one person");
    // Tests and visits by hand; 在册 in November (the month of registration, whichever date
    // 在册 counts from).
    let flows: Vec<(i64, i64)> = before.iter().map(|(_, t, v)| (*t, *v)).collect();
    assert_eq!(flows, vec![(1, 0), (1, 2), (1, 0)], "A's tests and visits by hand");
    assert_eq!(before[2].0, 1);

    let dec3 = Now::at(fixed_instant() + chrono::Duration::days(4));
    let t = jindu_store::service::transfers::request(
        &app.db,
        &app.vault,
        &app.admin,
        dec3,
        p,
        &jindu_store::service::transfers::TransferRequest {
            to_division: "430405011002".into(), reason: "搬家".into()
        },
    )
    .await
    .unwrap();
    jindu_store::service::transfers::decide(
        &app.db,
        &app.vault,
        &app.admin,
        dec3,
        p,
        &jindu_store::service::transfers::TransferDecision {
            action: "accept".into(),
            reject_reason: String::new(),
            transfer: t.to_string(),
        },
    )
    .await
    .unwrap();
    for (m, b) in months.iter().zip(&before) {
        assert_eq!(town_figures(&app, TOWN_A, *m).await, *b, "A keeps {m}");
        assert_eq!(town_figures(&app, VILLAGE_A, *m).await, *b, "A's community keeps {m}");
        assert_eq!(town_figures(&app, YEJIN, *m).await, (0, 0, 0), "冶金街道 did nothing in {m}");
        assert_eq!(town_figures(&app, "430405011002", *m).await, (0, 0, 0), "nor its community in {m}");
    }
    assert_eq!(town_figures(&app, "430405011002", 202612).await.0, 1, "the receiving community from December");
    assert_eq!(town_figures(&app, VILLAGE_A, 202612).await.0, 0);
    // The drill-down of A's October lists the person among its tests, counted, not shown by
    // name to whom cannot see them now (the office sees the whole district: shown).
    let drill = dashboard::drill(
        &app.db,
        &app.vault,
        &office(&app).await,
        Now::at(fixed_instant() + chrono::Duration::days(4)),
        Some(jindu_domain::DivisionCode::parse(TOWN_A).unwrap()),
        Indicator::TestsDone,
        month(202610),
        1,
    )
    .await
    .unwrap();
    assert_eq!(drill.persons, 1, "A's October test is listed where it was done");
    assert_eq!(town_figures(&app, TOWN_A, 202612).await.0, 0, "A no longer holds the person in December");
    assert_eq!(town_figures(&app, YEJIN, 202612).await.0, 1, "冶金街道 holds the person from December");
    // The district's figures do not change.
    assert_eq!(town_figures(&app, "430405", 202610).await, before[1]);
    assert_cells_match_rebuild_on(&app, dec3.today).await;

    // A correction on 12-10 (the office fixes the division): the months before stay.
    let dec10 = Now::at(fixed_instant() + chrono::Duration::days(11));
    let mut form = persons::edit_values(&app.db, &app.vault, &app.admin, p).await.unwrap();
    form.division = VILLAGE_B.into();
    persons::update(&app.db, &app.vault, &app.admin, dec10, p, form).await.unwrap();
    for (m, b) in months.iter().zip(&before) {
        assert_eq!(town_figures(&app, TOWN_A, *m).await, *b, "A still keeps {m}");
        assert_eq!(town_figures(&app, VILLAGE_A, *m).await, *b, "A's community still keeps {m}");
        assert_eq!(town_figures(&app, TOWN_B, *m).await.0, 0, "B held nobody in {m}");
    }
    assert_eq!(town_figures(&app, TOWN_B, 202612).await.0, 1, "B from the correction's month");
    assert_eq!(town_figures(&app, YEJIN, 202612).await.0, 0, "the month belongs to its last holder");
    assert_eq!(town_figures(&app, "430405", 202612).await.0, 1);
    assert_cells_match_rebuild_on(&app, dec10.today).await;
    for (m, b) in months.iter().zip(&before) {
        assert_eq!(town_figures(&app, TOWN_A, *m).await, *b, "a rebuild agrees for A in {m}");
    }
    app
});

// Issue #18 item 11's kind, found building item 20: a person handed over to another county's
// system (transfer file, 戒毒条例 §22) counts where the work was done until the hand-over and
// not after; the receiving system counts the person from the day of receipt, not from the
// decision made elsewhere. Before, the hand-over moved the whole history out of the district
// (September to November lost their 在册 and their tests) and the receiver counted months in
// which it held nobody. 迁二 of 广东路街道: community detox decided 2026-09-01, reported 09-05,
// tested in September, October and November; handed over to 雁峰区 (430406) on 2026-12-03.
both!(a_person_handed_over_counts_here_until_the_hand_over_and_there_from_receipt, |app: TestApp| async move {
    use jindu_store::service::{audit, transfer_file};
    let p = detox(&app, "迁二", 802, VILLAGE_A, "2026-09-01", "2026-09-05").await;
    event(&app, p, "drug_test", "2026-09-20", "negative").await;
    event(&app, p, "drug_test", "2026-10-15", "negative").await;
    event(&app, p, "drug_test", "2026-11-10", "negative").await;
    let months = [202609, 202610, 202611];
    for m in months {
        assert_eq!(town_figures(&app, TOWN_A, m).await, (1, 1, 0), "A before the hand-over, {m}");
    }
    let dec3 = Now::at(fixed_instant() + chrono::Duration::days(4));
    let file = transfer_file::export(&app.db, &app.vault, &audit::Who::cli(), dec3, p, "430406").await.unwrap();
    for m in months {
        assert_eq!(town_figures(&app, TOWN_A, m).await, (1, 1, 0), "A keeps {m}");
        assert_eq!(town_figures(&app, "430405", m).await, (1, 1, 0), "the district keeps {m}");
    }
    assert_eq!(town_figures(&app, TOWN_A, 202612).await.0, 0, "not A's from December");
    assert_eq!(town_figures(&app, "430405", 202612).await.0, 0, "nor the district's");
    assert_cells_match_rebuild_on(&app, dec3.today).await;
    for m in months {
        assert_eq!(town_figures(&app, TOWN_A, m).await, (1, 1, 0), "a rebuild agrees for {m}");
    }

    // Received by another deployment on 12-03 into 东风街道: counted there from December only.
    let backend = if app.cleanup.is_some() { Backend::Postgres } else { Backend::Sqlite };
    let other = TestApp::start(backend).await;
    let received = transfer_file::import(
        &other.db,
        &other.vault,
        &audit::Who::cli(),
        dec3,
        &file.bytes,
        &file.passphrase,
        VILLAGE_B,
    )
    .await
    .unwrap();
    assert!(received.created);
    for m in months {
        assert_eq!(town_figures(&other, TOWN_B, m).await.0, 0, "B held nobody in {m}");
    }
    assert_eq!(town_figures(&other, TOWN_B, 202612).await.0, 1, "B from the month of receipt");
    assert_cells_match_rebuild_on(&other, dec3.today).await;
    assert_eq!(town_figures(&other, TOWN_B, 202610).await.0, 0, "a rebuild agrees");
    other.finish().await;
    app
});

/// Changes a person's control status through the service (as the status form does).
async fn set_status(app: &TestApp, id: Uuid, status: &str, date: &str) {
    let v = version(app, id).await;
    persons::change_status(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        id,
        &StatusChange { status: status.into(), date: date.into(), version: v },
    )
    .await
    .unwrap();
}

// Issue #18 item 10: one 在册. The hand-worked district (P1–P5: 3 在控, 1 羁押, 1 失控) plus P6
// abroad (出境, still 在册), P7 and P8 deceased (死亡, not 在册): 8 records, 在册 6, 在控 4
// (custody included), 失控 1. The 驾驶舱, its JSON report (`jindu report indicators`), the
// overview, the person list's header and its 在册 filter, and the API's list agree.
both!(one_registered_count_on_every_page_list_report_and_the_api, |app: TestApp| async move {
    district(&app).await;
    let p6 = register(&app, "己六", 6, VILLAGE_B, |_| {}).await;
    set_status(&app, p6, "abroad", "2026-11-20").await;
    for (name, seq) in [("庚七", 7), ("辛八", 8)] {
        let p = register(&app, name, seq, VILLAGE_A, |_| {}).await;
        set_status(&app, p, "deceased", "2026-11-21").await;
    }
    // 驾驶舱 (November, the current month on the tests' clock).
    let d =
        dashboard::dashboard(&app.db, &app.admin, None, month(202611), Indicator::LossRate, now().today).await.unwrap();
    let v = |i: Indicator| d.row(i).unwrap().figure.value;
    assert_eq!(
        (v(Indicator::Registered), v(Indicator::UnderControl), v(Indicator::Lost)),
        (Some(6.0), Some(4.0), Some(1.0))
    );
    // The report (`jindu report indicators` prints this JSON).
    let report = dashboard::dashboard_of(
        &app.db,
        dashboard::Jurisdiction {
            code: "430405000000".into(),
            name: "珠晖区".into(),
            level: Some(jindu_domain::DivisionLevel::County),
        },
        Vec::new(),
        month(202611),
        Indicator::LossRate,
        now().today,
    )
    .await
    .unwrap();
    let json = jindu_documents::export::dashboard_json(&report);
    let by_code =
        |c: &str| json["indicators"].as_array().unwrap().iter().find(|i| i["code"] == c).unwrap()["value"].as_f64();
    assert_eq!((by_code("registered"), by_code("under_control"), by_code("lost")), (Some(6.0), Some(4.0), Some(1.0)));
    // The overview.
    let ov = jindu_store::service::worklist::overview(&app.db, &app.admin, now()).await.unwrap();
    use jindu_domain::indicator::Headcount;
    assert_eq!(ov.total, 8, "every record");
    assert_eq!(
        (ov.headcount(Headcount::Registered), ov.headcount(Headcount::UnderControl), ov.headcount(Headcount::Lost)),
        (6, 4, 1)
    );
    assert_eq!(ov.headcount(Headcount::Deceased), 2);
    let town_b = ov.by_town.iter().find(|t| t.code == TOWN_B).unwrap();
    assert_eq!((town_b.registered, town_b.under_control, town_b.lost), (4, 3, 0), "P3, P4 (custody), P5 + P6 abroad");
    let town_a = ov.by_town.iter().find(|t| t.code == TOWN_A).unwrap();
    assert_eq!((town_a.total, town_a.registered, town_a.lost), (4, 2, 1), "P1, P2 + two deceased");
    app.login().await;
    let (s, html) = app.get("/overview").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains(r#"data-testid="headcount-registered"><a href="/persons?status=registered">6</a>"#),
        "{html}"
    );
    // The person list: its header counts by the same definitions; its 在册 filter lists 6.
    let (_, html) = app.get("/persons").await;
    assert!(html.contains(r#"data-testid="list-registered">6<"#), "{html}");
    assert!(html.contains(r#"data-testid="list-in_control">4<"#), "{html}");
    assert!(html.contains(r#"data-testid="list-lost">1<"#), "{html}");
    let filter = persons::PersonFilter { status: "registered".into(), ..Default::default() };
    let listed = persons::list(&app.db, &app.vault, &app.admin, now(), &filter).await.unwrap();
    assert_eq!(listed.total, 6);
    let filter = persons::PersonFilter { status: "in_control".into(), ..Default::default() };
    assert_eq!(persons::list(&app.db, &app.vault, &app.admin, now(), &filter).await.unwrap().total, 4);
    // A town filter narrows the header too: 广东路街道 has 2 在册.
    let (_, html) = app.get(&format!("/persons?town={}", &TOWN_A[..9])).await;
    assert!(html.contains(r#"data-testid="list-registered">2<"#), "{html}");
    // The API.
    let (_, token) = app.office_token(30).await;
    let r = app.client.get(app.url("/api/v1/persons")).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["total"], 8);
    assert_eq!(
        (body["headcounts"]["registered"].as_u64(), body["headcounts"]["in_control"].as_u64()),
        (Some(6), Some(4))
    );
    let r = app.client.get(app.url("/api/v1/persons?status=registered")).bearer_auth(&token).send().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(body["total"], 6);
    app
});

// Issue #18 item 13: missed duties keep counting. Q (广东路街道): community detox decided
// 2026-01-05, reported 2026-01-19, never tested (year 1: a test a month). R (东风街道): the same,
// tested on 11-10 (meets the duty due 11-19) and before (each month on the 10th). Tests due
// in each month Feb–Nov: Q 1 (02-19, 03-19, …, 11-19), never met; R 1, met. In November:
// 广东路街道 0.0 % (1 due, 0 on time), still ranked (2nd), 东风街道 100.0 % (1st). Q's year to
// date (Jan–Nov): 10 due, 0 done → the county scheme's −0.5 each = −5. After the sweep on
// 2026-12-25, Q's duty due 12-19 is missed too.
both!(missed_tests_keep_counting_and_the_town_stays_ranked, |app: TestApp| async move {
    let q = detox(&app, "壬九", 9, VILLAGE_A, "2026-01-05", "2026-01-19").await;
    let r = detox(&app, "癸十", 10, VILLAGE_B, "2026-01-05", "2026-01-19").await;
    for m in 2..=11 {
        event(&app, r, "drug_test", &format!("2026-{m:02}-10"), "negative").await;
    }
    let town = |code: &str| Some(DivisionCode::parse(code).unwrap());
    for m in 202602..=202611 {
        let a = dashboard::dashboard(&app.db, &app.admin, town(TOWN_A), month(m), Indicator::LossRate, now().today)
            .await
            .unwrap();
        assert_eq!(a.row(Indicator::TestsDue).unwrap().figure.value, Some(1.0), "Q's test due in {m}");
        assert_eq!(a.row(Indicator::TestsOnTimeRate).unwrap().figure.display(Unit::Percent), "0.0%", "{m}");
    }
    let ytd = Period::Quarter(2026, 3);
    let a =
        dashboard::dashboard(&app.db, &app.admin, town(TOWN_A), ytd, Indicator::LossRate, now().today).await.unwrap();
    let shortfall =
        a.row(Indicator::TestsDue).unwrap().figure.numerator - a.row(Indicator::TestsDone).unwrap().figure.numerator;
    assert_eq!(shortfall, 3, "Jul, Aug, Sep missed: −1.5 at −0.5 each");
    let mut due = 0;
    for m in 202601..=202611 {
        let a = dashboard::dashboard(&app.db, &app.admin, town(TOWN_A), month(m), Indicator::LossRate, now().today)
            .await
            .unwrap();
        due += a.row(Indicator::TestsDue).unwrap().figure.numerator
            - a.row(Indicator::TestsDone).unwrap().figure.numerator;
    }
    assert_eq!(due, 10, "ten missed tests Jan–Nov: −5 points at −0.5 each (DOMAIN §8)");
    // The ranking of towns on 按期检测率: 东风街道 100 %, 广东路街道 0 % — ranked, not dropped.
    let d = dashboard::dashboard(&app.db, &app.admin, None, month(202611), Indicator::TestsOnTimeRate, now().today)
        .await
        .unwrap();
    assert_eq!(d.children[0].jurisdiction.code, TOWN_B);
    assert_eq!((d.children[0].rank, d.children[0].rank_figure.display(Unit::Percent)), (Some(1), "100.0%".to_string()));
    assert_eq!(d.children[1].jurisdiction.code, TOWN_A);
    assert_eq!((d.children[1].rank, d.children[1].rank_figure.display(Unit::Percent)), (Some(2), "0.0%".to_string()));
    // Visits (low tier, every 30 days from 01-19): Q was never visited: one due each month Feb–Nov.
    let a = dashboard::dashboard(
        &app.db,
        &app.admin,
        town(TOWN_A),
        Period::Quarter(2026, 2),
        Indicator::LossRate,
        now().today,
    )
    .await
    .unwrap();
    assert_eq!(a.row(Indicator::VisitsDue).unwrap().figure.value, Some(3.0));
    assert_eq!(a.row(Indicator::VisitsOnTimeRate).unwrap().figure.display(Unit::Percent), "0.0%");
    // The evaluation deduction follows (DOMAIN §8, a county scheme: −0.5 per missed urine test):
    // over 2026-Q3 广东路街道 misses 3 (Jul, Aug, Sep) → 10 − 1.5 = 8.5; 东风街道 none → 10.
    use jindu_domain::evaluation::{EvaluationScheme, Points, Rule, SchemeItem, Source, Subject, default_bands};
    use jindu_store::service::evaluation;
    let scheme = EvaluationScheme {
        name: "按期检测".into(),
        subject: Subject::Towns,
        items: vec![SchemeItem {
            code: "1".into(),
            title: "按期检测".into(),
            points: Points::whole(10),
            rule: Some(Rule::Deduction {
                source: Source::Shortfall { due: Indicator::TestsDue, done: Indicator::TestsDone },
                each: Points(50),
                cap: None,
            }),
            note: String::new(),
            children: vec![],
        }],
        bands: default_bands(),
    };
    let scheme_id = evaluation::create_scheme(&app.db, &app.admin, now(), 2026, scheme).await.unwrap();
    let run = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-Q3").await.unwrap();
    let view = evaluation::run(&app.db, &app.admin, run).await.unwrap();
    let unit = |code: &str| view.results.iter().find(|r| r.unit_code == code).unwrap();
    assert_eq!(unit(TOWN_A).total, Points(850));
    assert_eq!(unit(TOWN_A).score.items[0].trace, "应检测 − 已检测 = 3；每次扣 0.5，共扣 1.5；得 8.5");
    assert_eq!(unit(TOWN_B).total, Points::whole(10));
    assert_cells_match_rebuild(&app).await;
    // Days pass: the hourly sweep reconciles every person, so the duty due 12-19 is missed too.
    let later = Now::at(chrono::DateTime::parse_from_rfc3339("2026-12-25T04:00:00Z").unwrap().to_utc());
    jindu_store::service::casework::sweep(&app.db, later, 100).await.unwrap();
    let dec = dashboard::dashboard(&app.db, &app.admin, town(TOWN_A), month(202612), Indicator::LossRate, later.today)
        .await
        .unwrap();
    assert_eq!(dec.row(Indicator::TestsDue).unwrap().figure.value, Some(1.0));
    assert_eq!(dec.row(Indicator::TestsOnTimeRate).unwrap().figure.display(Unit::Percent), "0.0%");
    let _ = q;
    app
});

// Issue #18 item 14: growth on the same period a year before and 涉毒区划占比. The district of
// `district` with P1 entered 2025-06-01 instead and P5 first found 2025-10-15 (both 在册 in Nov
// 2025, P5 from its first-found date: item 12), P4 first found 2026-10-20: 在册 Nov 2026 5 on 2
// → +150.0 %; 新发现 Oct 2026 2 (P1, P4) on Oct 2025 1 (P5) → +100.0 %; Nov 2026 0 on 0 → none.
// 涉毒区划占比: 2 of the district's towns now (A, B) and a year before (A: P1, B: P5); in
// 广东路街道 1 of its communities (湖北路社区).
both!(growth_and_the_share_of_sub_divisions_with_registered_persons, |app: TestApp| async move {
    let [p1, _, _, p4, p5] = district(&app).await;
    use jindu_store::entities::person;
    use sea_orm::ActiveModelTrait;
    let june = chrono::DateTime::parse_from_rfc3339("2025-06-01T04:00:00Z").unwrap().to_utc();
    for (id, created, found) in [(p1, Some(june), None), (p5, None, Some("2025-10-15")), (p4, None, Some("2026-10-20"))]
    {
        let mut m: person::ActiveModel = person::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap().into();
        if let Some(c) = created {
            m.created_at = Set(c);
        }
        if let Some(f) = found {
            m.first_found_on = Set(Some(chrono::NaiveDate::parse_from_str(f, "%Y-%m-%d").unwrap()));
        }
        m.update(&app.db).await.unwrap();
    }
    indicators::rebuild(&app.db, now().today, |_| {}).await.unwrap();
    let d =
        dashboard::dashboard(&app.db, &app.admin, None, month(202611), Indicator::LossRate, now().today).await.unwrap();
    let row = |i: Indicator| d.row(i).unwrap().clone();
    let g = row(Indicator::RegisteredGrowth).figure;
    assert_eq!((g.numerator, g.denominator, g.display(Unit::Percent)), (5, 2, "150.0%".to_string()));
    assert_eq!(row(Indicator::NewlyFoundGrowth).figure.value, None, "0 on 0");
    let oct =
        dashboard::dashboard(&app.db, &app.admin, None, month(202610), Indicator::LossRate, now().today).await.unwrap();
    let n = oct.row(Indicator::NewlyFoundGrowth).unwrap().figure;
    assert_eq!((n.numerator, n.denominator, n.display(Unit::Percent)), (2, 1, "100.0%".to_string()));
    let towns = towns_in_district(&app).await as i64;
    let share = row(Indicator::AffectedShare);
    assert_eq!((share.figure.numerator, share.figure.denominator), (2, towns));
    assert_eq!((share.year_before.numerator, share.year_before.denominator), (2, towns));
    // At a town: its communities.
    let communities =
        division::Entity::find().filter(division::Column::ParentCode.eq(TOWN_A)).count(&app.db).await.unwrap() as i64;
    let a = dashboard::dashboard(
        &app.db,
        &app.admin,
        Some(DivisionCode::parse(TOWN_A).unwrap()),
        month(202611),
        Indicator::LossRate,
        now().today,
    )
    .await
    .unwrap();
    let s = a.row(Indicator::AffectedShare).unwrap().figure;
    assert_eq!((s.numerator, s.denominator), (1, communities));
    // In the JSON report and on the page.
    let json = jindu_documents::export::dashboard_json(&d);
    let item = |c: &str| json["indicators"].as_array().unwrap().iter().find(|i| i["code"] == c).unwrap().clone();
    assert_eq!(item("registered_growth")["display"], "150.0%");
    assert_eq!(item("affected_share")["numerator"], 2);
    assert_eq!(item("affected_share")["denominator"], towns);
    app.login().await;
    let (_, html) = app.get("/dashboard?period=2026-11").await;
    assert!(html.contains("在册人数同比增长率") && html.contains("150.0%"), "{html}");
    assert!(html.contains("涉毒区划占比"), "{html}");
    app
});

// Issue #18 item 17: the 驾驶舱 opens on the last complete month (October on the tests' clock,
// 2026-11-29); November, only days from its end, is marked 截至11月29日 on the page, on its
// trend point, in the JSON report and in the workbook's title and trend rows.
both!(the_dashboard_opens_on_the_last_complete_month_and_marks_a_partial_one, |app: TestApp| async move {
    district(&app).await;
    app.login().await;
    let (s, html) = app.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("2026年10月"), "{html}");
    assert!(!html.contains(r#"data-testid="partial""#), "October is complete");
    assert!(html.contains("本月（截至11月29日）"), "the link to the current month says so");
    let (_, html) = app.get("/dashboard?period=2026-11").await;
    assert!(html.contains(r#"data-as-of="2026-11-29">截至11月29日</span>"#), "{html}");
    assert!(html.contains(r#"data-testid="trend-partial">2026-11 截至11月29日<"#), "{html}");
    let (_, html) = app.get("/dashboard?period=2026-Q4").await;
    assert!(html.contains(r#"data-testid="partial""#), "a quarter not over is partial too");
    let (_, html) = app.get("/dashboard?period=2026-10").await;
    assert!(!html.contains(r#"data-testid="partial""#));
    assert!(!html.contains(r#"data-testid="trend-partial""#), "October's trend ends in October");
    let nov =
        dashboard::dashboard(&app.db, &app.admin, None, month(202611), Indicator::LossRate, now().today).await.unwrap();
    let json = jindu_documents::export::dashboard_json(&nov);
    assert_eq!((json["partial"].as_bool(), json["as_of"]["date"].as_str()), (Some(true), Some("2026-11-29")));
    assert_eq!(json["as_of"]["label_zh"], "截至11月29日");
    let months = json["trends"][0]["months"].as_array().unwrap();
    assert_eq!((months[11]["month"].as_str(), months[11]["partial"].as_bool()), (Some("2026-11"), Some(true)));
    assert_eq!(months[10]["partial"].as_bool(), Some(false));
    let oct =
        dashboard::dashboard(&app.db, &app.admin, None, month(202610), Indicator::LossRate, now().today).await.unwrap();
    let json = jindu_documents::export::dashboard_json(&oct);
    assert_eq!((json["partial"].as_bool(), json["as_of"].is_null()), (Some(false), true));
    // The workbook: title and the trend's last row.
    use calamine::{Reader, open_workbook_from_rs};
    let r = app.client.get(app.url("/dashboard.xlsx?period=2026-11")).send().await.unwrap();
    let bytes = r.bytes().await.unwrap().to_vec();
    let mut wb: calamine::Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let sheets = wb.sheet_names();
    let first = wb.worksheet_range(&sheets[0]).unwrap();
    let title = first.get_value((0, 0)).unwrap().to_string();
    assert!(title.contains("2026年11月（截至11月29日）"), "{title}");
    let trends = wb.worksheet_range(&sheets[2]).unwrap();
    let labels: Vec<String> = trends.rows().map(|r| r[0].to_string()).collect();
    assert!(labels.contains(&"2026年11月（截至11月29日）".to_string()), "{labels:?}");
    assert!(labels.contains(&"2026年10月".to_string()), "{labels:?}");
    // The indicators CSV says so in its title line; a complete month does not.
    let (s, csv) = app.get("/export/indicators/csv?period=2026-11").await;
    assert_eq!(s, StatusCode::OK);
    assert!(csv.contains("禁毒工作指标（2026年11月（截至11月29日））"), "{csv}");
    let (_, csv) = app.get("/export/indicators/csv?period=2026-10").await;
    assert!(csv.contains("禁毒工作指标（2026年10月）"), "{csv}");
    app
});

// Issue #18 item 12: imported history counts from its legal dates. Three persons decided
// 2026-09-10 and reported 09-15 (community detox), entered on 2026-11-29 and never tested: 在册
// 3 in September and October, as the 3 tests due in October (10-15) — not 在册 0 with 应检测 3.
// The same persons through the import (a sheet with the decision dates) count the same.
both!(imported_history_counts_from_its_legal_dates, |app: TestApp| async move {
    for seq in 21..=23 {
        detox(&app, &format!("历史{seq}"), seq, VILLAGE_A, "2026-09-10", "2026-09-15").await;
    }
    let fig = |d: &dashboard::Dashboard, i: Indicator| d.row(i).unwrap().figure.value;
    let aug =
        dashboard::dashboard(&app.db, &app.admin, None, month(202608), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!(fig(&aug, Indicator::Registered), Some(0.0));
    let sep =
        dashboard::dashboard(&app.db, &app.admin, None, month(202609), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!((fig(&sep, Indicator::Registered), fig(&sep, Indicator::TestsDue)), (Some(3.0), Some(0.0)));
    let oct =
        dashboard::dashboard(&app.db, &app.admin, None, month(202610), Indicator::LossRate, now().today).await.unwrap();
    assert_eq!(
        (fig(&oct, Indicator::Registered), fig(&oct, Indicator::UnderControl), fig(&oct, Indicator::TestsDue)),
        (Some(3.0), Some(3.0), Some(3.0))
    );
    assert_eq!(oct.row(Indicator::ControlRate).unwrap().figure.display(Unit::Percent), "100.0%");
    assert_eq!(oct.row(Indicator::TestsOnTimeRate).unwrap().figure.display(Unit::Percent), "0.0%");
    let drill = dashboard::drill(&app.db, &app.vault, &app.admin, now(), None, Indicator::Registered, month(202610), 1)
        .await
        .unwrap();
    assert_eq!(drill.persons, 3, "the drill-down lists the same persons");
    assert_cells_match_rebuild(&app).await;
    app
});

// A period that has not begun is refused naming it (a hostile trial found 2027-01 and 2100 shown
// with today's figures as "本期尚未结束"); the current, partial month still opens. Today is
// 2026-11-29.
both!(a_period_that_has_not_begun_is_refused, |app: TestApp| async move {
    app.login().await;
    for path in [
        "/dashboard?period=2026-12",
        "/dashboard?period=2027-01",
        "/dashboard?period=2027-Q1",
        "/dashboard?period=2100",
        "/dashboard.xlsx?period=2027",
        "/export/indicators/csv?period=2026-12",
    ] {
        let (s, body) = app.get(path).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains("尚未开始（今天是2026-11-29）") && body.contains("has not begun"), "{path}: {body}");
    }
    // The person list's status names every value it takes, the glossary's counts included.
    let (s, body) = app.get("/persons?status=xyz").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("lost_contact") && body.contains("registered") && body.contains("in_control"), "{body}");
    assert_eq!(app.get("/persons?status=registered").await.0, StatusCode::OK);
    for path in ["/dashboard?period=2026-11", "/dashboard?period=2026-Q4", "/dashboard?period=2026"] {
        assert_eq!(app.get(path).await.0, StatusCode::OK, "{path}");
    }
    app
});
