//! Evaluation runs (issue #7) on SQLite and PostgreSQL: a scheme over the ten towns of 珠晖区
//! scored from live indicator values and inspectors' scores, worked out by hand: a deduction
//! stopping at its cap, ties sharing a rank, a veto zeroing a town, an adjustment with its
//! reason, recomputing unchanged data giving the same result, and a frozen run that no longer
//! follows the data.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
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
    let first17 = format!("430405199004{:02}{:03}", 1 + seq / 1000 % 28, seq % 1000);
    let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
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
    let st = evaluation::standings(&app.db, &leader, district, 6).await.unwrap();
    assert_eq!(st.runs.len(), 1);
    assert_eq!(st.units.len(), 10);
    assert_eq!(st.units[0].unit_code, GUANGDONG);
    assert_eq!(st.units[0].trend(), None);
    // The second run published a minute later: 广东路 falls from 1st (89.5) to 10th (7), 东风
    // rises from 10th (vetoed, 0) to a shared 1st (10).
    let later = Now::at(fixed_instant() + chrono::Duration::minutes(1));
    evaluation::advance(&app.db, &app.admin, later, again, RunStatus::Frozen).await.unwrap();
    evaluation::advance(&app.db, &app.admin, later, again, RunStatus::Published).await.unwrap();
    let st = evaluation::standings(&app.db, &leader, district, 6).await.unwrap();
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
    assert_eq!(evaluation::standings(&app.db, &leader, district, 1).await.unwrap().runs.len(), 1);
    let elsewhere = "430406000000".parse().unwrap();
    assert!(evaluation::standings(&app.db, &leader, elsewhere, 6).await.unwrap().runs.is_empty());
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
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let audited = jindu_store::entities::audit_record::Entity::find()
        .filter(jindu_store::entities::audit_record::Column::Action.eq("bulletin.evaluation"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 2);
    let (s, _) = app.get(&format!("{run}/bulletin.pdf")).await;
    assert_eq!(s, reqwest::StatusCode::NOT_FOUND);
    let (_, page) = app.get("/dashboard").await;
    assert!(page.contains("data-testid=\"standings\"") && page.contains(&format!("href=\"{run}\"")), "{page}");
    app
});
