//! Evaluation runs (issue #7) on SQLite and PostgreSQL: a scheme over the ten towns of 珠晖区
//! scored from live indicator values and inspectors' scores, worked out by hand: a deduction
//! stopping at its cap, ties sharing a rank, a veto zeroing a town, an adjustment with its
//! reason, recomputing unchanged data giving the same result, and a frozen run that no longer
//! follows the data.

use crate::common::Sentences;
use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::evaluation::{EvaluationScheme, Points, Rule, SchemeItem, Source, Subject, default_bands};
use jindu_domain::indicator::Indicator;
use jindu_store::service::evaluation::{self, RunStatus};
use jindu_store::service::measures::{self, NewEvent};
use jindu_store::service::{ServiceError, users};
use uuid::Uuid;

fn now() -> Now {
    Now::at(fixed_instant())
}

fn id_for(seq: u32) -> String {
    id_in_month("199004", seq)
}

fn leaf(code: &str, points: i64, rule: Rule) -> SchemeItem {
    SchemeItem {
        code: code.into(),
        title: format!("项{code}"),
        points: Points::whole(points),
        rule: Some(rule),
        note: String::new(),
        children: vec![],
    }
}

/// 90 points by hand, 10 for persons lost (−2 each, at most 3 off), a veto.
fn scheme() -> EvaluationScheme {
    EvaluationScheme {
        name: "测试考评".into(),
        subject: Subject::Towns,
        items: vec![
            leaf("1", 90, Rule::Manual),
            leaf(
                "2",
                10,
                Rule::Deduction {
                    source: Source::Value { indicator: Indicator::Lost },
                    each: Points::whole(2),
                    cap: Some(Points::whole(3)),
                },
            ),
            leaf("9", 0, Rule::Veto { source: None }),
        ],
        bands: default_bands(),
    }
}

const GUANGDONG: &str = "430405009000";
const DONGFENG: &str = "430405010000";

/// (unit, total, rank) of a run, in rank order.
async fn table(app: &TestApp, run: Uuid) -> Vec<(String, Points, Option<u32>)> {
    evaluation::run(&app.db, &app.admin, run)
        .await
        .unwrap()
        .results
        .into_iter()
        .map(|r| (r.unit_code, r.total, r.rank))
        .collect()
}

fn of(t: &[(String, Points, Option<u32>)], unit: &str) -> (Points, Option<u32>) {
    t.iter().find(|(u, _, _)| u == unit).map(|(_, p, r)| (*p, *r)).unwrap()
}

async fn lose(app: &TestApp, person: Uuid) {
    let e = NewEvent { kind: "contact_lost".into(), date: "2026-11-20".into(), ..Default::default() };
    measures::record_event(&app.db, &app.vault, &app.admin, now(), person, e).await.unwrap();
}

both!(a_run_scores_ranks_vetoes_adjusts_and_freezes, |app: TestApp| async move {
    // Two persons of 广东路街道 lost from control: −2 × 2 = 4, capped at 3, so item 2 earns 7.
    let a = app.person("甲", &id_for(1), "2026-09-01", "2026-09-08").await;
    let b = app.person("乙", &id_for(2), "2026-09-01", "2026-09-08").await;
    let c = app.person("丙", &id_for(3), "2026-09-01", "2026-09-08").await;
    lose(&app, a).await;
    lose(&app, b).await;
    let scheme_id = evaluation::create_scheme(&app.db, &app.admin, now(), 2026, scheme()).await.unwrap();
    let run = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-11").await.unwrap();

    // Before any manual score: nine towns tie at 10 (rank 1), 广东路 has 7 (rank 10).
    let t = table(&app, run).await;
    assert_eq!(t.len(), 10);
    assert_eq!(of(&t, GUANGDONG), (Points::whole(7), Some(10)));
    assert_eq!(of(&t, DONGFENG), (Points::whole(10), Some(1)));
    let view = evaluation::run(&app.db, &app.admin, run).await.unwrap();
    let gd = view.results.iter().find(|r| r.unit_code == GUANGDONG).unwrap();
    assert!(!gd.score.complete, "the manual item awaits its score");
    let item2 = gd.score.items.iter().find(|i| i.code == "2").unwrap();
    assert_eq!(item2.trace, "失控人数 = 2；每次扣 2，共扣 3，达到扣分上限 3；得 7");

    // 广东路 85 by hand: 92, first; the others tie at 10, second.
    evaluation::score_manual(&app.db, &app.admin, now(), run, GUANGDONG, "1", "85", "台账齐全").await.unwrap();
    let t = table(&app, run).await;
    assert_eq!(of(&t, GUANGDONG), (Points::whole(92), Some(1)));
    assert_eq!(of(&t, DONGFENG), (Points::whole(10), Some(2)));
    // 东风 82 + 10 = 92 ties 广东路: both first, the next rank is 3.
    evaluation::score_manual(&app.db, &app.admin, now(), run, DONGFENG, "1", "82", "").await.unwrap();
    let t = table(&app, run).await;
    assert_eq!((of(&t, GUANGDONG).1, of(&t, DONGFENG).1), (Some(1), Some(1)));
    assert_eq!(of(&t, "430405007000"), (Points::whole(10), Some(3)));
    // A veto zeroes 东风: last of all.
    evaluation::score_manual(&app.db, &app.admin, now(), run, DONGFENG, "9", "1", "发生制毒案件").await.unwrap();
    let t = table(&app, run).await;
    assert_eq!(of(&t, DONGFENG), (Points::ZERO, Some(10)));
    // An adjustment of −2.5 with its reason: 89.5, 合格 (80 to under 90).
    evaluation::adjust(&app.db, &app.admin, now(), run, GUANGDONG, "-2.5", "材料报送迟延").await.unwrap();
    let view = evaluation::run(&app.db, &app.admin, run).await.unwrap();
    let gd = view.results.iter().find(|r| r.unit_code == GUANGDONG).unwrap();
    assert_eq!((gd.computed_total, gd.adjustment, gd.total), (Points::whole(92), Points(-250), Points(8950)));
    assert_eq!(gd.grade, "合格");

    // Bad input: a sentence each, nothing changed.
    let bad = |e: ServiceError, field: &str| match e {
        ServiceError::Invalid(errors) => assert_eq!(errors[0].field, field, "{errors:?}"),
        other => panic!("{other:?}"),
    };
    bad(
        evaluation::score_manual(&app.db, &app.admin, now(), run, GUANGDONG, "1", "95", "").await.unwrap_err(),
        "points",
    );
    bad(
        evaluation::score_manual(&app.db, &app.admin, now(), run, GUANGDONG, "1", "八十", "").await.unwrap_err(),
        "points",
    );
    bad(
        evaluation::score_manual(&app.db, &app.admin, now(), run, GUANGDONG, "2", "5", "").await.unwrap_err(),
        "points",
    );
    bad(evaluation::adjust(&app.db, &app.admin, now(), run, GUANGDONG, "3", "").await.unwrap_err(), "reason");
    bad(evaluation::advance(&app.db, &app.admin, now(), run, RunStatus::Published).await.unwrap_err(), "run");

    // Recomputing unchanged data gives the same table.
    let before = table(&app, run).await;
    evaluation::recompute(&app.db, &app.admin, now(), run).await.unwrap();
    assert_eq!(table(&app, run).await, before);

    // A leader sees no draft; the office freezes; a third lost person changes nothing frozen.
    let leader_id = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader_id).await.unwrap().unwrap();
    assert!(matches!(evaluation::run(&app.db, &leader, run).await, Err(ServiceError::Forbidden(_))));
    assert!(matches!(
        evaluation::create_scheme(&app.db, &leader, now(), 2026, scheme()).await,
        Err(ServiceError::Forbidden(_))
    ));
    evaluation::advance(&app.db, &app.admin, now(), run, RunStatus::Frozen).await.unwrap();
    lose(&app, c).await;
    bad(evaluation::recompute(&app.db, &app.admin, now(), run).await.unwrap_err(), "run");
    assert_eq!(table(&app, run).await, before);
    // A new run on the changed data sees three lost (still capped: 7) — and 东风 without a veto.
    let again = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-11").await.unwrap();
    let t = table(&app, again).await;
    assert_eq!(of(&t, GUANGDONG), (Points::whole(7), Some(10)));
    // Published: the leader sees it.
    evaluation::advance(&app.db, &app.admin, now(), run, RunStatus::Published).await.unwrap();
    assert_eq!(evaluation::run(&app.db, &leader, run).await.unwrap().results.len(), 10);
    let listed = evaluation::runs(&app.db, &leader).await.unwrap();
    assert_eq!(listed.iter().map(|r| r.0).collect::<Vec<_>>(), vec![run], "the leader lists published runs only");

    // The 驾驶舱's standings: one published run, no trend yet.
    let district = "430405000000".parse().unwrap();
    let st = evaluation::standings(&app.db, &leader, district, Subject::Towns, 6).await.unwrap();
    assert_eq!(st.runs.len(), 1);
    assert_eq!(st.units.len(), 10);
    assert_eq!(st.units[0].unit_code, GUANGDONG);
    assert_eq!(st.units[0].trend(), None);
    // The second run published a minute later: 广东路 falls from 1st (89.5) to 10th (7), 东风
    // rises from 10th (vetoed, 0) to a shared 1st (10).
    let later = Now::at(fixed_instant() + chrono::Duration::minutes(1));
    evaluation::advance(&app.db, &app.admin, later, again, RunStatus::Frozen).await.unwrap();
    evaluation::advance(&app.db, &app.admin, later, again, RunStatus::Published).await.unwrap();
    let st = evaluation::standings(&app.db, &leader, district, Subject::Towns, 6).await.unwrap();
    assert_eq!(st.runs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![run, again]);
    let gd = st.units.iter().find(|u| u.unit_code == GUANGDONG).unwrap();
    assert_eq!(gd.places, vec![Some((1, Points(8950), "合格".into())), Some((10, Points::whole(7), "不合格".into()))]);
    assert_eq!(gd.trend(), Some(-9));
    let df = st.units.iter().find(|u| u.unit_code == DONGFENG).unwrap();
    assert_eq!(
        df.places,
        vec![Some((10, Points::ZERO, "不合格".into())), Some((1, Points::whole(10), "不合格".into()))]
    );
    assert_eq!(df.trend(), Some(9));
    assert_eq!(st.units.last().unwrap().unit_code, GUANGDONG, "in the order of the latest ranking");
    // Only the last `limit` runs; nothing for a scope outside the viewer's.
    assert_eq!(evaluation::standings(&app.db, &leader, district, Subject::Towns, 1).await.unwrap().runs.len(), 1);
    let elsewhere = "430406000000".parse().unwrap();
    assert!(evaluation::standings(&app.db, &leader, elsewhere, Subject::Towns, 6).await.unwrap().runs.is_empty());
    app
});

both!(the_pages_show_the_ranking_and_take_scores, |app: TestApp| async move {
    app.login().await;
    // A scheme from the first template, through the page.
    let (s, _, _) = app.post("/evaluation/schemes", &[("template", "0"), ("year", "2026")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let (s, body, _) = app.post("/evaluation/schemes", &[("template", "0"), ("year", "公元")]).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("年度须为数字"), "{body}");
    let scheme = evaluation::schemes(&app.db, &app.admin).await.unwrap().remove(0);
    assert_eq!(scheme.scheme.name, "2026年乡镇（街道）禁毒工作考评（示例）");
    let (s, body, _) = app.post("/evaluation/runs", &[("scheme", &scheme.id.to_string()), ("period", "2026-13")]).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (s, _, loc) = app.post("/evaluation/runs", &[("scheme", &scheme.id.to_string()), ("period", "2026-Q4")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let run = loc.unwrap();
    let (s, page) = app.get(&run).await;
    assert_eq!(s, reqwest::StatusCode::OK);
    assert!(page.contains("data-testid=\"ranking\"") && page.contains("广东路街道"), "{page}");
    // A unit's page: the items and their traces; a score out of range is refused with a sentence.
    let unit = format!("{run}/units/{GUANGDONG}");
    let (_, page) = app.get(&unit).await;
    assert!(page.contains("在控率") && page.contains("data-testid=\"score-1\""), "{page}");
    let (s, body, _) = app.post(&format!("{unit}/score"), &[("item", "1"), ("points", "11"), ("note", "")]).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("得分须在 0 至 10 之间"), "{body}");
    let (s, _, _) =
        app.post(&format!("{unit}/score"), &[("item", "1"), ("points", "9.5"), ("note", "会议记录齐全")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let (_, page) = app.get(&unit).await;
    assert!(page.contains("人工评分 9.5：会议记录齐全"), "{page}");
    // Freeze, then publish; scoring a frozen run is refused.
    let (s, _, _) = app.post(&format!("{run}/advance"), &[("action", "freeze")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let (s, body, _) = app.post(&format!("{unit}/score"), &[("item", "1"), ("points", "8"), ("note", "")]).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("考评已冻结"), "{body}");
    let (s, _, _) = app.post(&format!("{run}/advance"), &[("action", "publish")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let (_, page) = app.get(&run).await;
    assert!(page.contains("已发布"), "{page}");
    // The bulletin of the published run, both formats, audited; the 驾驶舱 shows the standings.
    for (ext, mime) in [
        ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ] {
        let r = app.client.get(app.url(&format!("{run}/bulletin.{ext}"))).send().await.unwrap();
        assert_eq!(r.status(), reqwest::StatusCode::OK);
        assert_eq!(r.headers()["content-type"], mime);
        let bytes = r.bytes().await.unwrap();
        assert!(bytes.starts_with(b"PK"), "a zip package");
    }
    let audited = app.audited("bulletin.evaluation").await.len();
    assert_eq!(audited, 2);
    let (s, _) = app.get(&format!("{run}/bulletin.pdf")).await;
    assert_eq!(s, reqwest::StatusCode::NOT_FOUND);
    let (_, page) = app.get("/dashboard").await;
    assert!(page.contains("data-testid=\"standings\"") && page.contains(&format!("href=\"{run}\"")), "{page}");
    app
});

// 成员单位: a register, letters and tasks for them, and a run of the member-unit template ranked
// by hand-worked totals (a tie, a veto), kept apart from the towns' standings.
both!(member_units_sign_own_tasks_and_are_ranked, |app: TestApp| async move {
    use jindu_store::service::responsibility::{self, LetterForm, TaskForm};
    use jindu_store::service::units::{self, MemberUnitForm, UnitKind};
    let scheme_id = evaluation::create_scheme(&app.db, &app.admin, now(), 2026, evaluation_templates(1)).await.unwrap();
    // No member unit yet: the run is refused with a sentence, nothing stored.
    match evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026").await.unwrap_err() {
        ServiceError::Invalid(e) => assert!(e[0].zh().contains("尚未登记成员单位"), "{e:?}"),
        other => panic!("{other:?}"),
    }
    assert!(evaluation::runs(&app.db, &app.admin).await.unwrap().is_empty());

    let register = |name: &str| MemberUnitForm { name: name.into(), duties: "本系统禁毒工作".into() };
    let police = units::create_member_unit(&app.db, &app.admin, now(), register("区公安分局")).await.unwrap();
    let school = units::create_member_unit(&app.db, &app.admin, now(), register("区教育局")).await.unwrap();
    let health = units::create_member_unit(&app.db, &app.admin, now(), register(" 区卫健局 ")).await.unwrap();
    assert_eq!((police.as_str(), school.as_str(), health.as_str()), ("430405U01", "430405U02", "430405U03"));
    let field = |e: ServiceError| match e {
        ServiceError::Invalid(errors) => errors.into_iter().map(|e| e.field).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    let again = units::create_member_unit(&app.db, &app.admin, now(), register("区卫健局")).await.unwrap_err();
    assert_eq!(field(again), vec!["name"]);
    let blank = MemberUnitForm { name: "  ".into(), duties: "职".repeat(501) };
    assert_eq!(
        field(units::create_member_unit(&app.db, &app.admin, now(), blank).await.unwrap_err()),
        vec!["name", "duties"]
    );
    let listed = units::member_units(&app.db, &app.admin).await.unwrap();
    assert_eq!(
        listed.iter().map(|m| m.unit.name.as_str()).collect::<Vec<_>>(),
        vec!["区公安分局", "区教育局", "区卫健局"]
    );
    assert_eq!(listed[2].unit.name_path, "湖南省/衡阳市/珠晖区/区卫健局");
    // A town's officer sees no member unit; the leader cannot register one.
    let officer_id = app.user("zg10", "专干", "town_officer", DONGFENG, false).await;
    let officer = users::actor(&app.db, officer_id).await.unwrap().unwrap();
    assert!(units::member_units(&app.db, &officer).await.unwrap().is_empty());
    let leader_id = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader_id).await.unwrap().unwrap();
    assert!(matches!(
        units::create_member_unit(&app.db, &leader, now(), register("团区委")).await,
        Err(ServiceError::Forbidden(_))
    ));

    // Letters: the ten towns and the three member units; a member unit signs.
    let letter = LetterForm {
        year: "2026".into(),
        unit_code: police.clone(),
        parties: "珠晖区禁毒委员会 — 区公安分局".into(),
        signed_on: "2026-03-01".into(),
        scan: None,
    };
    responsibility::save_letter(&app.db, &app.vault, &app.admin, now(), letter).await.unwrap();
    let letters = responsibility::letters(&app.db, &app.admin, 2026).await.unwrap();
    assert_eq!(letters.len(), 13);
    assert_eq!(letters.iter().filter(|l| l.unit_kind == UnitKind::MemberUnit).count(), 3);
    assert!(letters.iter().any(|l| l.unit_code == police && l.parties.is_some()));
    assert_eq!(responsibility::letters(&app.db, &officer, 2026).await.unwrap().len(), 1, "only the officer's town");
    // A task owned by a member unit: listed for the office, not for a town's officer.
    let t = TaskForm {
        plan: "6·27工程三年行动".into(),
        title: "开展校园禁毒教育".into(),
        owner_code: school.clone(),
        co_units: String::new(),
        due_on: "2026-12-31".into(),
    };
    responsibility::create_task(&app.db, &app.admin, now(), t.clone()).await.unwrap();
    let tasks = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(tasks.iter().map(|t| t.owner_name.as_str()).collect::<Vec<_>>(), vec!["区教育局"]);
    assert!(responsibility::tasks(&app.db, &officer, now(), false).await.unwrap().is_empty());
    let unknown = TaskForm { owner_code: "430405U09".into(), ..t };
    assert_eq!(
        field(responsibility::create_task(&app.db, &app.admin, now(), unknown).await.unwrap_err()),
        vec!["owner"]
    );

    // The run: items 1 (10), 2 (30), 3 (30), 4 (30) by hand, a veto.
    let run = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026").await.unwrap();
    let scores = [
        (&police, ["9", "28.5", "27", "26"]), // 90.5: 优秀
        (&school, ["8", "25", "25", "22"]),   // 80: 合格
        (&health, ["8", "25", "25", "22"]),   // 80, then vetoed: 0
    ];
    for (unit, points) in scores {
        for (item, p) in ["1", "2", "3", "4"].into_iter().zip(points) {
            evaluation::score_manual(&app.db, &app.admin, now(), run, unit, item, p, "检查记录").await.unwrap();
        }
    }
    let t = table(&app, run).await;
    assert_eq!(
        t,
        vec![
            (police.clone(), Points(9050), Some(1)),
            (school.clone(), Points::whole(80), Some(2)),
            (health.clone(), Points::whole(80), Some(2)),
        ]
    );
    evaluation::score_manual(&app.db, &app.admin, now(), run, &health, "9", "1", "发生涉毒违纪案件").await.unwrap();
    let view = evaluation::run(&app.db, &app.admin, run).await.unwrap();
    let row = |u: &str| view.results.iter().find(|r| r.unit_code == u).unwrap();
    assert_eq!((row(&police).rank, row(&police).grade.as_str()), (Some(1), "优秀"));
    assert_eq!((row(&school).rank, row(&school).grade.as_str()), (Some(2), "合格"));
    assert_eq!((row(&health).total, row(&health).rank, row(&health).grade.as_str()), (Points::ZERO, Some(3), "不合格"));
    assert_eq!(row(&health).unit_name, "区卫健局");
    // Published: the member units' standings, apart from the towns' (none).
    evaluation::advance(&app.db, &app.admin, now(), run, RunStatus::Frozen).await.unwrap();
    evaluation::advance(&app.db, &app.admin, now(), run, RunStatus::Published).await.unwrap();
    let district = "430405000000".parse().unwrap();
    let st = evaluation::standings(&app.db, &leader, district, Subject::MemberUnits, 6).await.unwrap();
    assert_eq!(
        st.units.iter().map(|u| u.unit_name.as_str()).collect::<Vec<_>>(),
        vec!["区公安分局", "区教育局", "区卫健局"]
    );
    assert!(evaluation::standings(&app.db, &leader, district, Subject::Towns, 6).await.unwrap().runs.is_empty());

    // A member-unit scheme reading an indicator cannot be stored.
    let mut reads = evaluation_templates(1);
    reads.items[0].rule =
        Some(Rule::Deduction { source: Source::Value { indicator: Indicator::Lost }, each: Points(50), cap: None });
    assert_eq!(
        field(evaluation::create_scheme(&app.db, &app.admin, now(), 2026, reads).await.unwrap_err()),
        vec!["scheme"]
    );

    // Through the pages: the register form, a duplicate refused with its sentence.
    app.login().await;
    let (s, _, _) = app.post("/responsibility/units", &[("name", "团区委"), ("duties", "青少年禁毒教育")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let (s, body, _) = app.post("/responsibility/units", &[("name", "团区委"), ("duties", "")]).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("成员单位“团区委”已登记"), "{body}");
    let (_, page) = app.get("/responsibility").await;
    assert!(page.contains("data-testid=\"member-units\"") && page.contains("430405U04"), "{page}");
    // The register is shown once, in the page and not in its title.
    assert_eq!(page.matches("id=\"units\"").count(), 1, "{page}");
    let title = &page[page.find("<title>").unwrap() + "<title>".len()..page.find("</title>").unwrap()];
    assert!(!title.contains('<'), "{title}");
    assert!(!title.contains("成员单位名录"), "{title}");
    let (_, page) = app.get("/dashboard").await;
    assert!(page.contains("data-testid=\"standings\"") && page.contains("区公安分局"), "{page}");
    app
});

fn evaluation_templates(i: usize) -> EvaluationScheme {
    jindu_domain::evaluation::templates().remove(i)
}

// The shipped template adapted through the scheme page: an item's rule changed (a deduction of
// 8 points, −1 each, at most 5 off, checked against seven lost), an item added under a group,
// one removed, the bands replaced; bad input and a stale form refused with nothing stored; a run
// started before the edit keeps the scheme it began with.
both!(a_scheme_is_edited_item_by_item, |app: TestApp| async move {
    let scheme_id = evaluation::create_scheme(&app.db, &app.admin, now(), 2026, evaluation_templates(0)).await.unwrap();
    let before = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-11").await.unwrap();
    app.login().await;
    let page = format!("/evaluation/schemes/{scheme_id}");
    let (s, body) = app.get(&format!("{page}?edit=3.4")).await;
    assert_eq!(s, reqwest::StatusCode::OK);
    assert!(body.contains("扣分：失控人数 每次扣 0.5，最多扣 6") && body.contains("value=\"3.4\""), "{body}");
    let item = |points: &str, version: &str| {
        vec![
            ("original", "3.4".to_string()),
            ("parent", String::new()),
            ("version", version.to_string()),
            ("code", "3.4".into()),
            ("title", "失控人员".into()),
            ("kind", "deduction".into()),
            ("points", points.to_string()),
            ("source", "lost".into()),
            ("each", "1".into()),
            ("cap", "5".into()),
            ("note", "每失控一人扣 1 分，最多扣 5 分。".into()),
        ]
    };
    let post = |fields: Vec<(&'static str, String)>| {
        let app = &app;
        let url = format!("{page}/items");
        async move {
            let f: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.post(&url, &f).await
        }
    };
    // Bad points: the sentence on its field, nothing stored.
    let (s, body, _) = post(item("十", "1")).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写 0 至 1000 之间的分数"), "{body}");
    assert_eq!(evaluation::scheme(&app.db, &app.admin, scheme_id).await.unwrap().version, 1);
    let (s, _, _) = post(item("8", "1")).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let record = evaluation::scheme(&app.db, &app.admin, scheme_id).await.unwrap();
    assert_eq!(record.version, 2);
    assert_eq!(record.scheme.items.iter().find(|i| i.code == "3").unwrap().points, Points::whole(37));
    assert_eq!(record.scheme.base_points(), Points::whole(102));
    // The same form again (version 1): someone saved since; refused.
    let (s, _, _) = post(item("7", "1")).await;
    assert_eq!(s, reqwest::StatusCode::CONFLICT);
    // A manual item added under group 2, then item 5.3 removed: 102 + 4 − 10 = 96.
    let added = vec![
        ("original", String::new()),
        ("parent", "2".to_string()),
        ("version", "2".into()),
        ("code", "2.3".into()),
        ("title", "禁毒示范创建".into()),
        ("kind", "manual".into()),
        ("points", "4".into()),
    ];
    assert_eq!(post(added.clone()).await.0, reqwest::StatusCode::SEE_OTHER);
    // The same code twice: the scheme's sentence.
    let dup: Vec<_> =
        added.iter().map(|(k, v)| (*k, if *k == "version" { "3".to_string() } else { v.clone() })).collect();
    let (s, body, _) = post(dup).await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("考评项编号“2.3”重复"), "{body}");
    let (s, _, _) = app.post(&format!("{page}/remove"), &[("code", "5.3"), ("version", "3")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    // Bands out of order: refused; then set.
    let (s, body, _) = app
        .post(
            &format!("{page}/settings"),
            &[("name", "2026年考评"), ("bands", "60 合格；90 优秀；0 不合格"), ("version", "4")],
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("等次须按分数线从高到低"), "{body}");
    let (s, _, _) = app
        .post(
            &format!("{page}/settings"),
            &[("name", "2026年乡镇考评"), ("bands", "85 优秀；70 合格；0 不合格"), ("version", "4")],
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let record = evaluation::scheme(&app.db, &app.admin, scheme_id).await.unwrap();
    assert_eq!((record.version, record.scheme.name.as_str()), (5, "2026年乡镇考评"));
    assert_eq!(record.scheme.base_points(), Points::whole(96));
    let (_, body) = app.get(&page).await;
    assert!(body.contains("data-testid=\"base-warning\"") && body.contains("禁毒示范创建"), "{body}");
    let edits = app.audited("evaluation.scheme_edit").await.len();
    assert_eq!(edits, 4);

    // Seven lost in 广东路: the run started before keeps 6 points (−0.5 × 7 = −3.5: 2.5); a new
    // run reads the edited rule (−1 × 7 = −7, capped at 5: 3 of 8).
    for k in 0..7 {
        let p = app.person(&format!("失{k}"), &id_for(100 + k), "2026-09-01", "2026-09-08").await;
        lose(&app, p).await;
    }
    evaluation::recompute(&app.db, &app.admin, now(), before).await.unwrap();
    let after = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-11").await.unwrap();
    let earned = |view: &evaluation::RunView| {
        let r = view.results.iter().find(|r| r.unit_code == GUANGDONG).unwrap();
        let i = r.score.items.iter().find(|i| i.code == "3.4").unwrap();
        (i.max, i.earned)
    };
    let old = evaluation::run(&app.db, &app.admin, before).await.unwrap();
    assert_eq!(earned(&old), (Points::whole(6), Points(250)));
    let new = evaluation::run(&app.db, &app.admin, after).await.unwrap();
    assert_eq!(earned(&new), (Points::whole(8), Points::whole(3)));
    assert_eq!(new.scheme.grade(Points::whole(72)).unwrap().label_zh, "合格");
    // A leader reads the scheme but cannot edit it.
    let leader_id = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader_id).await.unwrap().unwrap();
    assert!(evaluation::scheme(&app.db, &leader, scheme_id).await.is_ok());
    assert!(matches!(
        evaluation::edit_scheme(
            &app.db,
            &leader,
            now(),
            scheme_id,
            5,
            evaluation::SchemeEdit::RemoveItem { code: "1".into() }
        )
        .await,
        Err(ServiceError::Forbidden(_))
    ));
    app
});
