//! Case management in depth (issue #4), through the services and the pages, on SQLite and
//! PostgreSQL: risk tiers with their breakdown and the visit frequency they set, serious breach
//! (戒毒条例 §20) with its evidence and the report to the police, leave and overstay (§19), the
//! lost-contact rule with escalation and the gap when found, three-year abstinence with sealing
//! (§7), the 禁毒法 §39 warnings, the alerts inbox, caseloads and the working group. Every date
//! and figure below is worked out by hand from DOMAIN.md.

use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::{AlertKind, RiskTier};
use jindu_store::entities::{alert, event, person, risk_assessment};
use jindu_store::service::measures::NewEvent;
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{Actor, alerts, caseload, casework, conduct, measures, persons, users};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

fn now() -> Now {
    Now::at(fixed_instant())
}

/// A valid synthetic ID number born on `birth` (YYYYMMDD) with sequence `seq` (odd = male).
fn id_for(birth: &str, seq: u32) -> String {
    id_born(birth, seq)
}

/// Registers a person in 广东路街道 (430405009007) with the given fields.
async fn register(app: &TestApp, name: &str, seq: u32, f: impl FnOnce(&mut NewPerson)) -> Uuid {
    let mut p = NewPerson {
        name: name.into(),
        id_number: id_for("19900101", seq),
        division: "430405009007".into(),
        ..Default::default()
    };
    f(&mut p);
    app.register(p).await
}

async fn actor(app: &TestApp, username: &str, role: &str, division: &str) -> Actor {
    let id = app.user(username, username, role, division, false).await;
    users::actor(&app.db, id).await.unwrap().unwrap()
}

async fn event(app: &TestApp, who: &Actor, id: Uuid, kind: &str, date: &str, f: impl FnOnce(&mut NewEvent)) {
    let mut e = NewEvent { kind: kind.into(), date: date.into(), ..Default::default() };
    f(&mut e);
    measures::record_event(&app.db, &app.vault, who, now_of(app), id, e).await.unwrap();
}

fn now_of(app: &TestApp) -> Now {
    Now::at(*app.clock.read().unwrap())
}

async fn open_alerts(app: &TestApp, id: Uuid) -> Vec<String> {
    alert::Entity::find()
        .filter(alert::Column::PersonId.eq(id))
        .filter(alert::Column::ResolvedAt.is_null())
        .order_by_asc(alert::Column::Kind)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| format!("{}:{}", a.kind, a.ref_key))
        .collect()
}

/// Ends the person's only measure (期满解除) on `date`.
async fn end_measure(app: &TestApp, id: Uuid, date: &str) {
    let mid =
        persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked).await.unwrap().measures
            [0]
        .id;
    let end = measures::MeasureAction::End(jindu_domain::EndReason::Expiry);
    measures::act(&app.db, &app.admin, now(), id, mid, end, date).await.unwrap();
}

async fn model(app: &TestApp, id: Uuid) -> person::Model {
    person::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap()
}

both!(risk_tier_from_the_record_sets_the_visit_frequency, |app: TestApp| async move {
    // Heroin 3 + severely addicted 3 + unemployed 1 + no family support 1 = 8: medium (5–8).
    let id = register(&app, "风险甲", 1, |p| {
        p.substance = "heroin".into();
        p.addiction_finding = "severely_addicted".into();
        p.employed = "no".into();
        p.stable_housing = "yes".into();
        p.family_support = "no".into();
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-11-15".into();
        p.report_date = "2026-11-20".into();
    })
    .await;
    let p = model(&app, id).await;
    assert_eq!((p.risk_tier.as_str(), p.risk_score), ("medium", Some(8)));
    // Medium: a visit every 14 days from the start (2026-11-20) → due 2026-12-04.
    let d = persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked).await.unwrap();
    let visit = d.obligations.iter().find(|o| o.kind.as_code() == "visit").unwrap();
    assert_eq!(visit.due_date.to_string(), "2026-12-04");

    // A positive test today: +3 (one positive in 90 days) +3 (last use under 180 days) = 14: high.
    event(&app, &app.admin, id, "drug_test", "2026-11-29", |e| {
        e.test_method = "urine".into();
        e.test_result = "positive".into();
        e.substance = "heroin".into();
    })
    .await;
    let p = model(&app, id).await;
    assert_eq!((p.risk_tier.as_str(), p.risk_score), ("high", Some(14)));
    // High: weekly → the visit is due 2026-11-27, already overdue 2 days.
    let d = persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked).await.unwrap();
    let visit = d.obligations.iter().find(|o| o.kind.as_code() == "visit").unwrap();
    assert_eq!((visit.due_date.to_string(), visit.overdue_days), ("2026-11-27".to_string(), 2));
    assert!(open_alerts(&app, id).await.contains(&"duty_overdue:visit:2026-11-27".to_string()));
    // Both assessments are kept, newest first, with the breakdown the page shows.
    let hist = caseload::assessments_of(&app.db, id, 10).await.unwrap();
    assert_eq!(
        hist.iter().map(|h| (h.tier, h.score)).collect::<Vec<_>>(),
        [(RiskTier::High, 14), (RiskTier::Medium, 8)]
    );
    let factors: Vec<(&str, u32)> = hist[0].breakdown.iter().map(|f| (f.factor.as_str(), f.points)).collect();
    assert_eq!(
        factors,
        [("substance", 3), ("finding", 3), ("positive_tests", 3), ("last_use", 3), ("employment", 1), ("family", 1)]
    );
    app.login().await;
    let (s, body) = app.get(&format!("/persons/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="risk-score">14 分"#), "{body}");
    assert!(body.contains("近90日检测阳性1次"), "the page says why");
    assert!(open_alerts(&app, id).await.contains(&"high_risk:2026-11-29".to_string()));

    // The office raises the high threshold to 16: everyone is re-assessed. The overdue visit
    // now counts as a missed duty (+1): 15 points, medium; the visit is fortnightly again.
    let mut form: Vec<(String, String)> = Vec::new();
    let t = jindu_domain::risk::FactorTable { high_at: 16, ..Default::default() };
    let json = serde_json::to_value(&t).unwrap();
    for (k, v) in json.as_object().unwrap() {
        form.push((k.clone(), v.to_string()));
    }
    for (k, v) in [("report_warn_days", "3"), ("lost_after_overdue_days", "30"), ("escalate_after_days", "7")] {
        form.push((k.into(), v.into()));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (s, _, loc) = app.post("/settings/risk", &pairs).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/settings/risk?saved=1"));
    let p = model(&app, id).await;
    assert_eq!((p.risk_tier.as_str(), p.risk_score), ("medium", Some(15)));
    let last = risk_assessment::Entity::find()
        .filter(risk_assessment::Column::PersonId.eq(id))
        .order_by_desc(risk_assessment::Column::AssessedAt)
        .order_by_desc(risk_assessment::Column::Id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(last.trigger, "table");
    assert!(!open_alerts(&app, id).await.iter().any(|a| a.starts_with("high_risk")), "no longer high");
    assert!(!open_alerts(&app, id).await.iter().any(|a| a.starts_with("duty_overdue:visit")), "visit due 12-04");
    // Inconsistent thresholds are refused naming the field; nothing changes.
    let mut bad = pairs.clone();
    bad.retain(|(k, _)| *k != "medium_at");
    bad.push(("medium_at", "abc"));
    let (s, body, _) = app.post("/settings/risk", &bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("中风险分界（分）"), "{body}");
    assert_eq!(casework::risk_table(&app.db).await.unwrap().high_at, 16);
    // The tiers renamed 红/黄/绿 with their colours: shown on the pages and in the stylesheet; a
    // colour that is not #rrggbb (it would reach the CSS) is refused.
    let mut named = pairs.clone();
    named.extend([
        ("tier_label_0", "红"),
        ("tier_label_1", "黄"),
        ("tier_label_2", "绿"),
        ("tier_colour_0", "#D32F2F"),
        ("tier_colour_1", "#fbc02d"),
        ("tier_colour_2", "#388e3c"),
    ]);
    let (s, _, _) = app.post("/settings/risk", &named).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains(r#"data-testid="risk-tier">黄<"#), "{body}");
    let (_, css) = app.get("/static/tiers.css").await;
    assert!(css.contains(".badge.high { background:#d32f2f26; border-color:#d32f2f;"), "{css}");
    let mut bad_colour = pairs.clone();
    bad_colour.push(("tier_colour_0", "red;} body{display:none"));
    let (s, body, _) = app.post("/settings/risk", &bad_colour).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("等级颜色（#rrggbb）"), "{body}");
    assert_eq!(casework::tier_display(&app.db).await.unwrap().colours[0], "#d32f2f");
    app
});

both!(three_departures_make_a_serious_breach_reported_with_evidence, |app: TestApp| async move {
    let id = register(&app, "违反甲", 3, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-05-20".into();
        p.report_date = "2026-06-01".into();
    })
    .await;
    let town = actor(&app, "zg", "town_officer", "430405009").await;
    let police = actor(&app, "pcs", "police", "430405009").await;
    let worker = actor(&app, "sg", "social_worker", "430405009").await;
    for (left, back) in [("2026-07-01", "2026-07-05"), ("2026-08-01", "2026-08-03")] {
        conduct::record_absence(&app.db, &police, now(), id, left, back).await.unwrap();
    }
    let b = conduct::breach_view(&app.db, id, now().today).await.unwrap().unwrap();
    assert_eq!((b.departures, b.absence_days, b.is_serious()), (2, 6, false));
    // A report now is refused: no ground is met.
    assert!(conduct::report_breach(&app.db, &app.vault, &town, now(), id, "").await.is_err());
    conduct::record_absence(&app.db, &police, now(), id, "2026-09-01", "2026-09-02").await.unwrap();
    let b = conduct::breach_view(&app.db, id, now().today).await.unwrap().unwrap();
    assert_eq!((b.departures, b.absence_days, b.evidence.len()), (3, 7, 3));
    assert_eq!(
        zh(&b.grounds),
        vec!["未经批准离开社区戒毒执行地所在县（市、区）3次（第二十条第二项：3次以上）".to_string()]
    );
    // Dated on the day the third departure met the ground, not on the start of the measure.
    assert!(open_alerts(&app, id).await.contains(&"serious_breach:2026-09-01".to_string()));
    // The same trip entered again is refused (a double submission must not make a breach).
    let e = conduct::record_absence(&app.db, &police, now(), id, "2026-09-01", "2026-09-02").await.unwrap_err();
    assert!(format!("{e:?}").contains("absence.overlap"), "{e:?}");
    let e = conduct::record_absence(&app.db, &police, now(), id, "2026-08-31", "2026-09-01").await.unwrap_err();
    assert!(format!("{e:?}").contains("absence.overlap"), "overlapping: {e:?}");
    // Before the detox started: refused naming the field.
    let e = conduct::record_absence(&app.db, &police, now(), id, "2026-05-01", "2026-05-02").await.unwrap_err();
    assert!(format!("{e:?}").contains("left_on"), "{e:?}");
    // The town officer and the police receive it; the social worker does not.
    let inbox = |a: Actor| {
        let (db, vault) = (app.db.clone(), app.vault.clone());
        async move {
            alerts::inbox(&db, &vault, &a, now(), &alerts::AlertFilter::default())
                .await
                .unwrap()
                .into_iter()
                .filter(|v| v.person_id == id && v.kind == AlertKind::SeriousBreach)
                .map(|v| (v.kind, v.evidence.len()))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(inbox(town.clone()).await, vec![(AlertKind::SeriousBreach, 3)]);
    assert_eq!(inbox(police.clone()).await, vec![(AlertKind::SeriousBreach, 3)]);
    assert_eq!(inbox(worker.clone()).await, vec![]);
    // The report is recorded with the evidence, once.
    conduct::report_breach(&app.db, &app.vault, &town, now(), id, "").await.unwrap();
    let again = conduct::report_breach(&app.db, &app.vault, &town, now(), id, "").await.unwrap_err();
    assert!(format!("{again:?}").contains("breach.reported"), "{again:?}");
    let reported = alerts::inbox(&app.db, &app.vault, &police, now(), &alerts::AlertFilter::default())
        .await
        .unwrap()
        .into_iter()
        .find(|v| v.person_id == id && v.kind == AlertKind::SeriousBreach)
        .unwrap();
    assert_eq!(
        reported.reported_on.map(|d| d.to_string()),
        Some("2026-11-29".into()),
        "the police see it was reported"
    );
    let reported = event::Entity::find()
        .filter(event::Column::PersonId.eq(id))
        .filter(event::Column::Kind.eq("breach_reported"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let detail: serde_json::Value = serde_json::from_str(reported.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["departures"], 3);
    assert_eq!(detail["evidence"].as_array().unwrap().len(), 3);
    app.login().await;
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains(r#"data-testid="breach-departures">3 / 3"#), "{body}");
    assert!(body.contains(r#"data-testid="breach-reported">"#));

    // A single departure still open since 2026-09-01: 89 days away by 2026-11-29 > 30 (§20(三)).
    let other = register(&app, "违反乙", 5, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-05-20".into();
        p.report_date = "2026-06-01".into();
    })
    .await;
    conduct::record_absence(&app.db, &police, now(), other, "2026-09-01", "").await.unwrap();
    let b = conduct::breach_view(&app.db, other, now().today).await.unwrap().unwrap();
    assert_eq!((b.departures, b.absence_days), (1, 89));
    assert_eq!(zh(&b.grounds), vec!["未经批准离开执行地累计89日（第二十条第三项：超过30日）".to_string()]);
    // Met on the 31st day away: 2026-10-02.
    assert_eq!(b.met_on.map(|d| d.to_string()), Some("2026-10-02".into()));
    // A second departure while the first is open is refused, naming the field.
    let e = conduct::record_absence(&app.db, &police, now(), other, "2026-10-01", "").await.unwrap_err();
    assert!(format!("{e:?}").contains("left_on"), "{e:?}");
    // Three refused tests: §20(一).
    let third = register(&app, "违反丙", 7, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-05-20".into();
        p.report_date = "2026-06-01".into();
    })
    .await;
    for day in ["2026-07-01", "2026-08-01", "2026-09-01"] {
        event(&app, &app.admin, third, "drug_test", day, |e| {
            e.test_method = "urine".into();
            e.test_result = "refused".into();
        })
        .await;
    }
    let b = conduct::breach_view(&app.db, third, now().today).await.unwrap().unwrap();
    assert_eq!((b.test_refusals, b.grounds.len()), (3, 1));
    app
});

both!(leave_approved_overstayed_and_returned, |app: TestApp| async move {
    let id = register(&app, "请假甲", 9, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-05-20".into();
        p.report_date = "2026-06-01".into();
    })
    .await;
    let worker = actor(&app, "sg", "social_worker", "430405009").await;
    let input = conduct::NewLeave {
        leave_from: "2026-11-30".into(),
        leave_to: "2026-12-03".into(),
        destination: "广东省广州市".into(),
        reason: "探亲".into(),
    };
    // The social worker's caseload does not include the person: 404.
    assert!(matches!(
        conduct::request_leave(&app.db, &app.vault, &worker, now(), id, &input).await,
        Err(jindu_store::service::ServiceError::NotFound(_))
    ));
    let lid = conduct::request_leave(&app.db, &app.vault, &app.admin, now(), id, &input).await.unwrap();
    // A leave that began before today is refused (it is asked for beforehand, §19).
    let past = conduct::NewLeave { leave_from: "2026-10-01".into(), leave_to: "2026-10-05".into(), ..input.clone() };
    let e = conduct::request_leave(&app.db, &app.vault, &app.admin, now(), id, &past).await.unwrap_err();
    assert!(format!("{e:?}").contains("leave.past"), "{e:?}");
    // 91 days away: refused with the limit in words.
    let long = conduct::NewLeave { leave_from: "2026-12-01".into(), leave_to: "2027-03-02".into(), ..input.clone() };
    let e = conduct::request_leave(&app.db, &app.vault, &app.admin, now(), id, &long).await.unwrap_err();
    assert!(crate::common::said(&e).contains("一次请假最长90日，所填为91日"), "{e:?}");
    // Back before leaving: refused naming the field.
    let bad = conduct::NewLeave { leave_to: "2026-11-30".into(), ..input.clone() };
    let e = conduct::request_leave(&app.db, &app.vault, &app.admin, now(), id, &bad).await.unwrap_err();
    assert!(format!("{e:?}").contains("leave_to"), "{e:?}");
    app.login().await;
    // Refusing without a note is refused, naming the field; nothing changes.
    let (s, body, _) =
        app.post(&format!("/persons/{id}/leave/act"), &[("leave_id", &lid.to_string()), ("action", "reject")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("备注"), "{body}");
    let (s, _, _) =
        app.post(&format!("/persons/{id}/leave/act"), &[("leave_id", &lid.to_string()), ("action", "approve")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // 2026-12-10: seven days past the day back (2026-12-03); the sweep raises the overstay.
    app.advance(11 * 24 * 60);
    let r = casework::sweep(&app.db, now_of(&app), 100).await.unwrap();
    assert!(r.alerts_raised >= 1);
    assert!(open_alerts(&app, id).await.contains(&"leave_overdue:2026-12-03".to_string()));
    let b = conduct::breach_view(&app.db, id, now_of(&app).today).await.unwrap().unwrap();
    assert_eq!((b.departures, b.absence_days), (0, 7));
    // Back on 2026-12-10: the leave is closed 7 days late and the alert resolved.
    conduct::act_on_leave(&app.db, &app.vault, &app.admin, now_of(&app), id, lid, "return", "2026-12-10", "")
        .await
        .unwrap();
    assert!(!open_alerts(&app, id).await.iter().any(|a| a.starts_with("leave_overdue")));
    let back = event::Entity::find()
        .filter(event::Column::PersonId.eq(id))
        .filter(event::Column::Kind.eq("leave_return"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(back.detail.unwrap().contains(r#""late_days":7"#));
    // A leave still waiting when its day back has passed cannot be approved any more.
    let late = conduct::NewLeave { leave_from: "2026-12-11".into(), leave_to: "2026-12-14".into(), ..input.clone() };
    let late_id = conduct::request_leave(&app.db, &app.vault, &app.admin, now_of(&app), id, &late).await.unwrap();
    app.advance(5 * 24 * 60);
    let e = conduct::act_on_leave(&app.db, &app.vault, &app.admin, now_of(&app), id, late_id, "approve", "", "")
        .await
        .unwrap_err();
    assert!(format!("{e:?}").contains("leave.expired"), "{e:?}");
    // A second sweep on the same day changes nothing.
    let again = casework::sweep(&app.db, now_of(&app), 100).await.unwrap();
    assert_eq!((again.alerts_raised, again.alerts_resolved, again.lost), (0, 0, 0));
    app
});

both!(lost_by_rule_escalates_and_the_gap_is_recorded_when_found, |app: TestApp| async move {
    // Reported 2026-09-02: the first check-in fell due 15 days later, 2026-09-17. The record
    // entered Jindu on 2026-11-29, so the 30 overdue days count from then: lost on 2026-12-29.
    let id = register(&app, "失控甲", 11, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-09-01".into();
        p.report_date = "2026-09-02".into();
    })
    .await;
    assert_eq!(model(&app, id).await.control_status, "under_control");
    assert!(open_alerts(&app, id).await.contains(&"duty_overdue:check_in:2026-09-17".to_string()));
    // 2026-12-28: 29 days; the sweep leaves the person under control.
    app.advance(29 * 24 * 60);
    assert_eq!(casework::sweep(&app.db, now_of(&app), 100).await.unwrap().lost, 0);
    // 2027-01-04: the sweep applies the rule, dated 2026-12-29 (6 days ago: not escalated yet).
    app.advance(7 * 24 * 60);
    assert_eq!(casework::sweep(&app.db, now_of(&app), 100).await.unwrap().lost, 1);
    let p = model(&app, id).await;
    assert_eq!(p.control_status, "lost_contact");
    assert_eq!(p.lost_since.unwrap().to_string(), "2026-12-29");
    let lost_event = event::Entity::find()
        .filter(event::Column::PersonId.eq(id))
        .filter(event::Column::Kind.eq("contact_lost"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((lost_event.occurred_on.to_string(), lost_event.recorded_by), ("2026-12-29".to_string(), None));
    assert_eq!(open_alerts(&app, id).await, vec!["lost_contact:2026-12-29"]);
    // Audited per person with before and after (issue #18 item 2): the rule's own record, and
    // the sweep's record of everything it changed for this person.
    let sweep_records = || async {
        jindu_store::entities::audit_record::Entity::find()
            .filter(jindu_store::entities::audit_record::Column::Action.eq("sweep.person"))
            .filter(jindu_store::entities::audit_record::Column::ObjectId.eq(id.to_string()))
            .order_by_asc(jindu_store::entities::audit_record::Column::Seq)
            .all(&app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|r| (r.username, r.detail.unwrap_or_default()))
            .collect::<Vec<_>>()
    };
    let rule = app.audited("person.lost_by_rule").await.remove(0);
    assert!(rule.detail.unwrap().ends_with("+30; status under_control -> lost_contact"));
    let swept = sweep_records().await;
    assert_eq!(swept.len(), 1, "{swept:?}");
    assert_eq!(swept[0].0, "system");
    assert!(swept[0].1.contains("status under_control -> lost_contact (2026-12-29)"), "{swept:?}");
    assert!(swept[0].1.contains("alerts raised: lost_contact"), "{swept:?}");
    // 2027-01-05: 7 days lost, escalated to the district office.
    app.advance(24 * 60);
    casework::sweep(&app.db, now_of(&app), 100).await.unwrap();
    assert_eq!(open_alerts(&app, id).await, vec!["lost_contact:2026-12-29", "lost_escalated:2026-12-29"]);
    let swept = sweep_records().await;
    assert_eq!(swept.len(), 2);
    assert_eq!(swept[1].1, "alerts raised: lost_escalated", "only the escalation changed");
    let town = actor(&app, "zg", "town_officer", "430405009").await;
    let police = actor(&app, "pcs", "police", "430405009").await;
    let today = now_of(&app);
    let kinds = |a: Actor| {
        let (db, vault) = (app.db.clone(), app.vault.clone());
        async move {
            alerts::inbox(&db, &vault, &a, today, &alerts::AlertFilter::default())
                .await
                .unwrap()
                .into_iter()
                .map(|v| v.kind)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(kinds(town.clone()).await, vec![AlertKind::LostContact]);
    let mut office = kinds(app.admin.clone()).await;
    office.sort();
    assert_eq!(office, vec![AlertKind::LostContact, AlertKind::LostEscalated]);
    let list = caseload::lost_list(&app.db, &app.vault, &police, today).await.unwrap();
    assert_eq!(list.iter().map(|r| (r.name.as_str(), r.days, r.escalated)).collect::<Vec<_>>(), [("失控甲", 7, true)]);
    // Found on 2027-01-05: back under control, the gap of 7 days on the timeline, alerts
    // resolved, and the rule does not fire again for duties that fell due while lost.
    event(&app, &police, id, "contact_restored", "2027-01-05", |_| {}).await;
    let p = model(&app, id).await;
    assert_eq!((p.control_status.as_str(), p.lost_since), ("under_control", None));
    let found = event::Entity::find()
        .filter(event::Column::PersonId.eq(id))
        .filter(event::Column::Kind.eq("contact_restored"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(found.detail.unwrap().contains(r#""gap_days":7"#));
    assert!(!open_alerts(&app, id).await.iter().any(|a| a.starts_with("lost")));
    assert_eq!(casework::sweep(&app.db, now_of(&app), 100).await.unwrap().lost, 0);
    app.login().await;
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains("失控7日（自2026-12-29起）"), "{body}");
    let (_, body) = app.get("/lost").await;
    assert!(body.contains(r#"data-testid="lost-count">0<"#), "{body}");
    app
});

both!(three_years_abstinent_are_listed_confirmed_and_sealed, |app: TestApp| async move {
    // Detox reported 2019-01-05, ended 2022-01-04; positive test 2023-03-01: the anchor is the
    // test (the latest), the person qualifies on 2026-03-02.
    let id = register(&app, "戒断甲", 13, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2019-01-01".into();
        p.report_date = "2019-01-05".into();
    })
    .await;
    end_measure(&app, id, "2022-01-04").await;
    event(&app, &app.admin, id, "drug_test", "2023-03-01", |e| {
        e.test_method = "urine".into();
        e.test_result = "positive".into();
        e.substance = "methamphetamine".into();
    })
    .await;
    // Another: last positive 2024-01-01 → qualifies only on 2027-01-02.
    let not_yet = register(&app, "戒断乙", 15, |_| {}).await;
    event(&app, &app.admin, not_yet, "drug_test", "2024-01-01", |e| {
        e.test_method = "urine".into();
        e.test_result = "positive".into();
        e.substance = "methamphetamine".into();
    })
    .await;
    let rows = caseload::abstinence_candidates(&app.db, &app.vault, &app.admin, now()).await.unwrap();
    let got: Vec<(String, String, String)> = rows
        .iter()
        .map(|r| (r.name.clone(), r.abstinence.anchor.to_string(), r.abstinence.qualifies_on.to_string()))
        .collect();
    assert_eq!(got, [("戒断甲".to_string(), "2023-03-01".to_string(), "2026-03-02".to_string())]);
    assert!(open_alerts(&app, id).await.contains(&"abstinence_candidate:2023-03-01".to_string()));
    let town = actor(&app, "zg", "town_officer", "430405009").await;
    // The town officer lists candidates but only the office confirms (it alone opens sealed records).
    assert!(caseload::confirm_abstinence(&app.db, &app.vault, &town, now(), id).await.is_err());
    assert!(caseload::confirm_abstinence(&app.db, &app.vault, &app.admin, now(), not_yet).await.is_err());
    app.login().await;
    let (s, _, loc) = app.post(&format!("/persons/{id}/abstinence"), &[]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/abstinence?confirmed=1")));
    let p = model(&app, id).await;
    assert_eq!(
        (p.control_status.as_str(), p.sealed_on.map(|d| d.to_string())),
        ("abstinent_3y", Some("2026-11-29".into()))
    );
    // Sealed: gone from routine lists and searches and from the town officer's reach.
    let list = persons::list(&app.db, &app.vault, &town, now(), &Default::default()).await.unwrap();
    assert!(!list.rows.iter().any(|r| r.id == id));
    let search = persons::PersonFilter { q: "戒断甲".into(), ..Default::default() };
    assert_eq!(persons::list(&app.db, &app.vault, &app.admin, now(), &search).await.unwrap().total, 0);
    assert!(persons::detail(&app.db, &app.vault, &town, now(), id, persons::Reading::Masked).await.is_err());
    // The office opens it, audited as such.
    let sealed = persons::PersonFilter { sealed: "1".into(), ..Default::default() };
    assert_eq!(persons::list(&app.db, &app.vault, &app.admin, now(), &sealed).await.unwrap().total, 1);
    let (s, body) = app.get(&format!("/persons/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="sealed""#));
    let audited = app.audited("person.open_sealed").await.len();
    assert_eq!(audited, 1);
    assert!(open_alerts(&app, id).await.is_empty(), "a sealed record raises nothing");
    // Sealed records take no routine work; a relapse brings the record back under control.
    let e = caseload::add_member(&app.db, &app.vault, &app.admin, now(), id, "family", "张母", "").await.unwrap_err();
    assert!(format!("{e:?}").contains("person.sealed"), "{e:?}");
    let e = caseload::confirm_abstinence(&app.db, &app.vault, &app.admin, now(), id).await.unwrap_err();
    assert!(format!("{e:?}").contains("abstinence.confirmed"), "{e:?}");
    event(&app, &app.admin, id, "relapse", "2026-11-29", |e| e.substance = "methamphetamine".into()).await;
    let p = model(&app, id).await;
    assert_eq!((p.control_status.as_str(), p.sealed_on), ("under_control", None));
    assert!(
        persons::detail(&app.db, &app.vault, &town, now(), id, persons::Reading::Masked).await.is_ok(),
        "back in the town's lists"
    );
    app
});

both!(compulsory_isolation_warns_of_the_exemptions, |app: TestApp| async move {
    // A girl born 2010-12-01 (even sequence = female) is 15 on 2026-11-29.
    let id = register(&app, "豁免甲", 0, |p| p.id_number = id_for("20101201", 22)).await;
    app.login().await;
    let form = [("measure_kind", "compulsory_isolation"), ("decision_date", "2026-11-29")];
    let (s, body, _) = app.post(&format!("/persons/{id}/measures"), &form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("未满16周岁，可以不适用强制隔离戒毒"), "{body}");
    assert!(body.contains("怀孕或者正在哺乳自己不满一周岁婴儿的妇女"), "{body}");
    assert!(
        persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked)
            .await
            .unwrap()
            .measures
            .is_empty()
    );
    let mut confirmed = form.to_vec();
    confirmed.push(("confirm_exemptions", "1"));
    let (s, _, _) = app.post(&format!("/persons/{id}/measures"), &confirmed).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let audit = jindu_store::entities::audit_record::Entity::find()
        .filter(jindu_store::entities::audit_record::Column::Action.eq("measure.decide"))
        .filter(jindu_store::entities::audit_record::Column::ObjectId.eq(id.to_string()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(audit.detail.unwrap().contains("exemptions checked: under_16,pregnant_or_nursing"));
    // A man of 36: no warning.
    let man = register(&app, "豁免乙", 17, |_| {}).await;
    let (s, _, _) = app.post(&format!("/persons/{man}/measures"), &form).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app
});

both!(alerts_inbox_counts_and_acknowledgement_per_user, |app: TestApp| async move {
    // Reported 2026-10-01; the first check-in was due 2026-10-16 (44 days ago: lost), so take a
    // later start: reported 2026-11-10 → check-in due 11-25 (4 days overdue), test due 12-10,
    // visit (low tier, 30 days) due 12-10.
    let id = register(&app, "预警甲", 19, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2026-11-05".into();
        p.report_date = "2026-11-10".into();
        p.employed = "yes".into();
        p.stable_housing = "yes".into();
        p.family_support = "yes".into();
    })
    .await;
    assert_eq!(open_alerts(&app, id).await, vec!["duty_overdue:check_in:2026-11-25".to_string()]);
    let second = actor(&app, "office2", "office", "430405").await;
    app.login().await;
    let (_, body) = app.get("/").await;
    assert!(body.contains(r#"data-testid="count-alerts">1<"#), "{body}");
    let (_, body) = app.get("/alerts").await;
    let aid = alert::Entity::find().filter(alert::Column::PersonId.eq(id)).one(&app.db).await.unwrap().unwrap().id;
    assert!(body.contains(&aid.to_string()));
    // An unknown alert id: 404; a missing one: 422 naming the field.
    let (s, _, _) = app.post("/alerts/ack", &[("alert_id", &Uuid::now_v7().to_string())]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) = app.post("/alerts/ack", &[("alert_id", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app.post("/alerts/ack", &[("alert_id", &aid.to_string()), ("note", "已电话联系，明日报到")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = app.get("/").await;
    assert!(body.contains(r#"data-testid="count-alerts">0<"#), "{body}");
    let (_, body) = app.get("/alerts?acked=1").await;
    assert!(body.contains("已电话联系，明日报到"), "the note is shown to its author");
    // The other office user still has it.
    assert_eq!(alerts::counts(&app.db, &second).await.unwrap().total, 1);
    // The check-in is done: the alert is resolved for everyone.
    event(&app, &app.admin, id, "check_in", "2026-11-29", |_| {}).await;
    assert!(open_alerts(&app, id).await.is_empty());
    assert_eq!(alerts::counts(&app.db, &second).await.unwrap().total, 0);
    app
});

both!(caseloads_move_all_or_nothing, |app: TestApp| async move {
    let w1 = app.user("sg1", "社工一", "social_worker", "430405009", false).await;
    let w2 = app.user("sg2", "社工二", "social_worker", "430405009", false).await;
    let far = app.user("sg3", "社工三", "social_worker", "430405007", false).await;
    let a = register(&app, "分配甲", 21, |p| p.social_worker_id = w1.to_string()).await;
    let b = register(&app, "分配乙", 23, |p| p.social_worker_id = w1.to_string()).await;
    let (loads, unassigned) = caseload::loads(&app.db, &app.admin).await.unwrap();
    let count = |id: Uuid| loads.iter().find(|l| l.id == id).unwrap().persons;
    assert_eq!((count(w1), count(w2), count(far), unassigned), (2, 0, 0, 0));
    // A worker of another town cannot take them: refused naming the field, nothing moved.
    let e = caseload::reassign(&app.db, &app.admin, now(), &[a, b], &far.to_string()).await.unwrap_err();
    assert!(format!("{e:?}").contains("to_worker"), "{e:?}");
    assert_eq!(model(&app, a).await.social_worker_id, Some(w1));
    app.login().await;
    let body = format!("person={a}&person={b}&to_worker={w2}&from={w1}");
    let token = csrf(&app.client, &app.base).await;
    let r = app
        .client
        .post(app.url("/caseload"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("{body}&csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], format!("/caseload?from={w1}&moved=2"));
    assert_eq!((model(&app, a).await.social_worker_id, model(&app, b).await.social_worker_id), (Some(w2), Some(w2)));
    let moved = event::Entity::find().filter(event::Column::Kind.eq("reassigned")).count(&app.db).await.unwrap();
    assert_eq!(moved, 2);
    app
});

both!(working_group_members_are_sealed_and_checked, |app: TestApp| async move {
    let id = register(&app, "小组甲", 25, |_| {}).await;
    app.login().await;
    let (s, body, _) = app
        .post(&format!("/persons/{id}/group"), &[("role", "family"), ("member_name", "张母"), ("phone", "abc")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("联系电话格式不正确"), "{body}");
    assert!(caseload::group_of(&app.db, &app.vault, id, true).await.unwrap().is_empty());
    let (s, _, _) = app
        .post(
            &format!("/persons/{id}/group"),
            &[("role", "community_police"), ("member_name", "李警官"), ("phone", "0734-1234567")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let members = caseload::group_of(&app.db, &app.vault, id, true).await.unwrap();
    assert_eq!(
        members.iter().map(|m| (m.role.as_code(), m.name.as_str())).collect::<Vec<_>>(),
        [("community_police", "李警官")]
    );
    // Stored sealed: the name is not in the table as text.
    let raw = jindu_store::entities::working_group_member::Entity::find().one(&app.db).await.unwrap().unwrap();
    assert!(raw.name.starts_with("j1:") && !raw.name.contains("李警官"));
    let (s, _, _) =
        app.post(&format!("/persons/{id}/group/remove"), &[("member_id", &members[0].id.to_string())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(caseload::group_of(&app.db, &app.vault, id, true).await.unwrap().is_empty());
    app
});

both!(measure_chain_detox_isolation_release_rehabilitation, |app: TestApp| async move {
    // Community detox reported 2024-05-05; compulsory isolation decided 2024-11-30 ends it
    // (禁毒法 §38). Isolation runs 2 years from the decision: last day 2026-11-29; the release
    // notice is due from 3 days before, 2026-11-26 (戒毒条例 §34).
    let id = register(&app, "链条甲", 27, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2024-05-01".into();
        p.report_date = "2024-05-05".into();
    })
    .await;
    measures::decide(&app.db, &app.admin, now(), id, "compulsory_isolation", "2024-11-30", "", false).await.unwrap();
    let d = persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked).await.unwrap();
    assert_eq!(d.measures.len(), 2);
    assert_eq!(
        d.measures[1].ended.map(|(day, r)| (day.to_string(), r.as_code())),
        Some(("2024-11-30".into(), "to_compulsory_isolation"))
    );
    assert_eq!(d.measures[0].planned_last_day.map(|x| x.to_string()), Some("2026-11-29".into()));
    assert!(open_alerts(&app, id).await.contains(&"release_notice:2026-11-29".to_string()));
    // The office releases the person to community rehabilitation on the last day: the report
    // deadline is 15 days on, 2026-12-14 (a Monday) [戒毒条例 §37, §38].
    app.login().await;
    let mid = d.measures[0].id;
    let (s, _, _) = app
        .post(&format!("/persons/{id}/measures/{mid}"), &[("action", "release_rehab"), ("date", "2026-11-29")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let d = persons::detail(&app.db, &app.vault, &app.admin, now(), id, persons::Reading::Masked).await.unwrap();
    assert_eq!(d.measures.len(), 3);
    assert_eq!(d.measures[0].kind.as_code(), "community_rehab");
    assert_eq!(d.measures[0].report_deadline.map(|x| x.to_string()), Some("2026-12-14".into()));
    let report = d.obligations.iter().find(|o| o.kind.as_code() == "report").unwrap();
    assert_eq!(report.due_date.to_string(), "2026-12-14");
    let alerts = open_alerts(&app, id).await;
    assert!(!alerts.iter().any(|a| a.starts_with("release_notice")), "{alerts:?}");
    assert!(!alerts.iter().any(|a| a.starts_with("report_due")), "15 days ahead: not yet warned");
    // 2026-12-11: three days before the deadline, the sweep warns.
    app.advance(12 * 24 * 60);
    casework::sweep(&app.db, now_of(&app), 100).await.unwrap();
    assert!(open_alerts(&app, id).await.contains(&"report_due:report:2026-12-14".to_string()));
    // Releasing to rehabilitation is only for compulsory isolation (signed in again: twelve
    // days ended the session).
    app.login().await;
    let (s, body, loc) = app
        .post(
            &format!("/persons/{id}/measures/{}", d.measures[0].id),
            &[("action", "release_rehab"), ("date", "2026-12-11")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{loc:?}");
    assert!(body.contains("只有强制隔离戒毒可以解除并转社区康复"), "{body}");
    app
});

both!(signing_in_again_after_an_idle_timeout_works_at_once, |app: TestApp| async move {
    // Found while testing the measure chain: a session that idled out kept its old "last seen"
    // through a new sign-in and was sent back to the login page on the next request.
    app.login().await;
    app.advance(12 * 24 * 60);
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "idle session expired");
    app.login().await;
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::OK);
    // The same without a request in between (straight to the login page with the old cookie).
    app.advance(12 * 24 * 60);
    app.login().await;
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::OK);
    app
});

both!(a_sealed_record_is_not_registered_again, |app: TestApp| async move {
    // Ended 2022-01-04, nothing since: qualifies 2025-01-05; confirmed and sealed today.
    let id = register(&app, "封存甲", 29, |p| {
        p.measure_kind = "community_detox".into();
        p.decision_date = "2019-01-01".into();
        p.report_date = "2019-01-05".into();
    })
    .await;
    end_measure(&app, id, "2022-01-04").await;
    caseload::confirm_abstinence(&app.db, &app.vault, &app.admin, now(), id).await.unwrap();
    // A police officer of the whole district registers the same number: told it is sealed and
    // whom to ask, not "another area".
    let police = actor(&app, "pcs", "police", "430405").await;
    let again = NewPerson {
        name: "封存甲".into(),
        id_number: id_for("19900101", 29),
        division: "430405009007".into(),
        ..Default::default()
    };
    let e = persons::register(&app.db, &app.vault, &police, now(), again).await.unwrap_err();
    assert!(format!("{e:?}").contains("id_number.duplicate_sealed"), "{e:?}");
    app
});

/// Sentences of the catalogue, rendered in Chinese.
fn zh(grounds: &[jindu_domain::breach::Ground]) -> Vec<String> {
    grounds.iter().map(|g| jindu_messages::render(&g.message(), "zh")).collect()
}
