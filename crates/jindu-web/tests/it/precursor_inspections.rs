//! 易制毒企业检查、风险等级、驾驶舱指标 (issue #21 items 6–7), on SQLite and PostgreSQL, with values
//! worked by hand: 流向闭环率 of 8 sales with 2 open FLOW-S findings is 75.00 %; the tier from
//! counted factors with the default table; the next inspection's due date by tier; a 企业 account
//! cannot reach inspections (403) nor another enterprise; the recorded inspection sealed, audited
//! and re-assessing the tier.
//!
//! Today is 2026-11-29 (`fixed_instant`, Asia/Shanghai).

use crate::common::*;
use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::indicator::Period;
use jindu_domain::precursor::enterprise::{EnterpriseForm, WarehouseForm};
use jindu_domain::precursor::inspection::{CHECKLIST, InspectionForm};
use jindu_domain::{DivisionCode, RiskTier};
use jindu_store::entities::{
    audit_record, precursor_finding, precursor_inspection, precursor_movement, precursor_risk,
};
use jindu_store::service::enterprises;
use jindu_store::service::precursors::{indicators, inspections, risk};
use jindu_store::service::{Actor, ServiceError, audit, users};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

fn now() -> Now {
    Now::at(fixed_instant())
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

const CODE_A: &str = "914403001922038216";
const CODE_B: &str = "91440300708461136T";
const CODE_C: &str = "91430405MA4L00011B";

fn form(code: &str, name: &str, town: &str) -> EnterpriseForm {
    EnterpriseForm {
        credit_code: code.into(),
        name: name.into(),
        roles: vec!["trade".into()],
        business_scope: "硫酸批发（演示数据）".into(),
        registered_address: "衡阳市珠晖区演示路1号".into(),
        registered_division: town.into(),
        warehouses: vec![WarehouseForm { address: "演示仓库".into(), division: town.into() }],
        legal_rep_name: "张演示".into(),
        legal_rep_id_number: String::new(),
        legal_rep_phone: String::new(),
        responsible_name: "李演示".into(),
        responsible_id_number: String::new(),
        responsible_phone: String::new(),
        hazardous_licence: String::new(),
        status: String::new(),
        police_unit: town.into(),
        safety_unit: "珠晖区应急管理局".into(),
    }
}

async fn enterprise(app: &TestApp, code: &str, name: &str, town: &str) -> Uuid {
    enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(code, name, town)).await.unwrap()
}

/// A ledger movement inserted directly (the ledger is another part's).
#[allow(clippy::too_many_arguments)]
async fn movement(
    app: &TestApp,
    enterprise: Uuid,
    division: &str,
    kind: &str,
    on: &str,
    counterparty: Option<Uuid>,
    reverses: Option<Uuid>,
    category: i32,
) -> Uuid {
    let id = Uuid::now_v7();
    precursor_movement::ActiveModel {
        id: Set(id),
        enterprise_id: Set(enterprise),
        division_code: Set(division.into()),
        warehouse_id: Set(Uuid::nil()),
        entry: Set("e-sulfuric".into()),
        category: Set(category),
        measure: Set("mass".into()),
        kind: Set(kind.into()),
        quantity: Set(50_000),
        concentration_bp: Set(None),
        occurred_on: Set(d(on)),
        document_no: Set(format!("DOC-{id}")),
        counterparty_code: Set(counterparty.map(|_| CODE_B.to_string())),
        counterparty_id: Set(counterparty),
        counterparty_name: Set(None),
        payment: Set(None),
        credential_id: Set(None),
        filed_on: Set(None),
        reverses: Set(reverses),
        source: Set("form".into()),
        import_job_id: Set(None),
        recorded_by: Set(app.admin.user_id),
        recorded_at: Set(fixed_instant()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A finding inserted directly (the checks are another part's).
async fn finding(app: &TestApp, enterprise: Uuid, rule: &str, ref_key: &str, resolved: bool) {
    precursor_finding::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(enterprise),
        rule: Set(rule.into()),
        ref_key: Set(ref_key.into()),
        division_code: Set("430405009000".into()),
        ref_date: Set(d("2026-11-10")),
        detail: Set("{}".into()),
        raised_at: Set(fixed_instant()),
        resolved_at: Set(resolved.then(fixed_instant)),
        handled_by: Set(None),
        handled_at: Set(None),
        handled_note: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

fn all_items(result: &str) -> Vec<(String, String)> {
    CHECKLIST.iter().map(|(c, _, _)| (c.to_string(), result.to_string())).collect()
}

fn rectify_form() -> InspectionForm {
    let mut items = all_items("complies");
    items[1].1 = "fails".into();
    InspectionForm {
        kind: "special".into(),
        inspected_on: "2026-11-20".into(),
        inspectors: "王警官、赵警官".into(),
        items,
        result: "rectify".into(),
        findings: "台账缺少11月3笔销售记录，经办人刘某未登记身份证号".into(),
        rectification_due: "2026-11-27".into(),
    }
}

both!(closure_rate_of_eight_sales_with_two_unmatched_is_75_percent, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示销售公司", "430405009").await;
    let b = enterprise(&app, CODE_B, "演示购买公司", "430405009").await;
    let div = "430405009000";
    let mut sales = Vec::new();
    for day in ["2026-11-02", "2026-11-03", "2026-11-05", "2026-11-08", "2026-11-12", "2026-11-15", "2026-11-20"] {
        sales.push(movement(&app, a, div, "sale", day, Some(b), None, 1).await);
    }
    // The eighth sale, then one reversed (it and its reversal count for nothing), one to an
    // unregistered buyer, one in October, and a purchase: none of them a sale of the period.
    sales.push(movement(&app, a, div, "sale", "2026-11-28", Some(b), None, 1).await);
    let reversed = movement(&app, a, div, "sale", "2026-11-09", Some(b), None, 1).await;
    movement(&app, a, div, "sale", "2026-11-10", Some(b), Some(reversed), 1).await;
    movement(&app, a, div, "sale", "2026-11-11", None, None, 1).await;
    movement(&app, a, div, "sale", "2026-10-30", Some(b), None, 1).await;
    movement(&app, b, div, "purchase", "2026-11-03", Some(a), None, 3).await;
    // Two open FLOW-S on sales of the period; a resolved one (matched since); an open FLOW-S on
    // the October sale (open, but not a sale of November); an open FLOW-P at the buyer.
    finding(&app, a, "FLOW-S", &sales[1].to_string(), false).await;
    finding(&app, a, "FLOW-S", &sales[6].to_string(), false).await;
    finding(&app, a, "FLOW-S", &sales[3].to_string(), true).await;
    finding(&app, a, "FLOW-S", "october-sale", false).await;
    finding(&app, b, "FLOW-P", "some-purchase", false).await;
    let town = DivisionCode::parse("430405009").unwrap();
    let (from, to) = indicators::period_days(Period::parse("2026-11").unwrap());
    assert_eq!((from, to), (d("2026-11-01"), d("2026-11-30")));
    let c = indicators::counts(&app.db, town, from, to).await.unwrap();
    assert_eq!((c.sales, c.unmatched_sales, c.open_mismatches), (8, 2, 4));
    let p = indicators::indicators(&app.db, &app.admin, town, Period::parse("2026-11").unwrap(), now().today)
        .await
        .unwrap();
    assert_eq!(p.closure_rate, Some(75.0));
    assert_eq!(jindu_domain::precursor::indicators::format_rate(p.closure_rate), "75.00 %");
    // Categories from the ledger: A sells category 1, B bought category 3.
    assert_eq!(p.by_category, vec![(Some(1), 1), (Some(3), 1)]);
    assert_eq!(p.enterprises, 2);
    // Neither assessed yet; both never inspected, so due from registration (2026-11-29).
    assert_eq!(
        p.by_tier,
        vec![(Some(RiskTier::High), 0), (Some(RiskTier::Medium), 0), (Some(RiskTier::Low), 0), (None, 2)]
    );
    assert_eq!((p.counts.inspections_due, p.counts.inspections_done), (2, 0));
    // Another town: nothing.
    let other = DivisionCode::parse("430405007").unwrap();
    let c = indicators::counts(&app.db, other, from, to).await.unwrap();
    assert_eq!((c.sales, c.open_mismatches), (0, 0));
    // On the 驾驶舱 with its drill-down to the enterprises with open mismatches.
    app.login().await;
    let (s, body) = get_page(&app.client, &app.base, "/dashboard?scope=430405009&period=2026-11").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains(r#"data-testid="pre-closure">75.00 %"#), "{body}");
    assert!(body.contains(r#"data-testid="pre-sales">8<"#));
    assert!(body.contains(r#"data-testid="pre-mismatches">4<"#));
    assert!(body.contains("/precursors/enterprises?town=430405009&#38;flag=mismatch"), "{body}");
    let (s, body) = get_page(&app.client, &app.base, "/precursors/enterprises?town=430405009&flag=mismatch").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("演示销售公司") && body.contains("演示购买公司"));
    let (s, body) = get_page(&app.client, &app.base, "/precursors/enterprises?category=3").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("演示销售公司") && body.contains("演示购买公司"));
    assert_eq!(
        get_page(&app.client, &app.base, "/precursors/enterprises?category=4").await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    app
});

both!(tier_from_counted_factors_with_the_default_table, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司", "430405009").await;
    // Open: FLOW-S ×1 (unmatched 3 points), RF-02 ×1 (cash 2), P-07 ×2 (late filings 2 × 1);
    // P-06 counts for nothing; a resolved BAL counts for nothing. 3 + 2 + 2 = 7: medium (4–8).
    finding(&app, a, "FLOW-S", "s1", false).await;
    finding(&app, a, "RF-02", "s2", false).await;
    finding(&app, a, "P-07", "s3", false).await;
    finding(&app, a, "P-07", "s4", false).await;
    finding(&app, a, "P-06", "c1", false).await;
    finding(&app, a, "BAL", "w1", true).await;
    risk::reassess(&app.db, now(), &[a]).await.unwrap();
    let r = risk::risk_of(&app.db, a).await.unwrap().unwrap();
    assert_eq!((r.tier, r.score), (RiskTier::Medium, 7));
    let lines: Vec<(u32, String)> = r.reasons.iter().map(|(p, m)| (*p, jindu_messages::render(m, "zh-CN"))).collect();
    assert_eq!(
        lines,
        vec![(3, "流向不明1笔".to_string()), (2, "备案逾期2次".to_string()), (2, "现金或实物交易1笔".to_string())]
    );
    // An inspection needing rectification: +2 → 9, high (from 9). Recorded through the service,
    // which re-assesses in the same transaction.
    let id = inspections::record(&app.db, &app.vault, &app.admin, now(), a, &rectify_form()).await.unwrap();
    let r = risk::risk_of(&app.db, a).await.unwrap().unwrap();
    assert_eq!((r.tier, r.score), (RiskTier::High, 9));
    assert_eq!(jindu_messages::render(&r.reasons[3].1, "zh-CN"), "检查发现问题未整改1项");
    // Stored exactly, the findings sealed, audited without them.
    let m = precursor_inspection::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.inspected_on, m.inspectors.as_str(), m.result.as_str(), m.rectification_due),
        ("special", d("2026-11-20"), "王警官、赵警官", "rectify", Some(d("2026-11-27")))
    );
    assert!(m.checklist.contains(r#"["ledger","fails"]"#), "{}", m.checklist);
    let sealed = m.findings.clone().unwrap();
    assert!(!sealed.contains("刘某"));
    assert_eq!(
        app.vault.open("precursor_inspection", "findings", &id.to_string(), &sealed).unwrap(),
        "台账缺少11月3笔销售记录，经办人刘某未登记身份证号"
    );
    let records = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("precursor.inspection.create"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(records.len(), 1);
    assert!(!format!("{records:?}").contains("刘某"));
    // The list of the enterprise shows it open and overdue (deadline 11-27, today 11-29).
    let list = inspections::for_enterprise(&app.db, &app.vault, &app.admin, now(), a).await.unwrap();
    assert_eq!((list.len(), list[0].open, list[0].overdue), (1, true, true));
    // A passing re-check closes it: back to 7, medium.
    inspections::recheck(&app.db, &app.admin, now(), id, 1, "2026-11-28", "passed").await.unwrap();
    let r = risk::risk_of(&app.db, a).await.unwrap().unwrap();
    assert_eq!((r.tier, r.score), (RiskTier::Medium, 7));
    // Nothing left to re-check; a stale version is a conflict.
    let e = inspections::recheck(&app.db, &app.admin, now(), id, 2, "2026-11-28", "passed").await.unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "recheck_result"), "{e:?}");
    // The enterprise list shows the tier and filters by it.
    let page = enterprises::list(
        &app.db,
        &app.admin,
        &enterprises::EnterpriseFilter { tier: "medium".into(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(page.rows.iter().map(|r| (r.id, r.tier)).collect::<Vec<_>>(), vec![(a, Some(RiskTier::Medium))]);
    app
});

both!(inspection_due_dates_follow_the_risk_tier, |app: TestApp| async move {
    let high = enterprise(&app, CODE_A, "演示高风险公司", "430405009").await;
    let medium = enterprise(&app, CODE_B, "演示中风险公司", "430405009").await;
    let low = enterprise(&app, CODE_C, "演示低风险公司", "430405009").await;
    for (e, tier) in [(high, "high"), (medium, "medium"), (low, "low")] {
        precursor_risk::ActiveModel {
            enterprise_id: Set(e),
            tier: Set(tier.into()),
            score: Set(0),
            reasons: Set("[]".into()),
            assessed_at: Set(fixed_instant()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let passed = |e: Uuid, on: &str, result: &str, due: Option<&str>| precursor_inspection::ActiveModel {
        id: Set(Uuid::now_v7()),
        enterprise_id: Set(e),
        division_code: Set("430405009000".into()),
        kind: Set("routine".into()),
        inspected_on: Set(d(on)),
        inspectors: Set("王警官".into()),
        checklist: Set("[]".into()),
        result: Set(result.into()),
        findings: Set(None),
        rectification_due: Set(due.map(d)),
        rechecked_on: Set(None),
        recheck_result: Set(None),
        version: Set(1),
        recorded_by: Set(app.admin.user_id),
        recorded_at: Set(fixed_instant()),
    };
    // High: last 2026-09-01 + 90 days = 2026-11-30. Medium: 2026-07-01 + 180 = 2026-12-28.
    // Low: 2026-01-01 + 365 = 2027-01-01 (beyond today + 30 = 2026-12-29). An earlier
    // inspection of the high one does not count; the last does.
    passed(high, "2026-03-01", "passed", None).insert(&app.db).await.unwrap();
    passed(high, "2026-09-01", "passed", None).insert(&app.db).await.unwrap();
    passed(medium, "2026-07-01", "rectify", Some("2026-11-20")).insert(&app.db).await.unwrap();
    passed(low, "2026-01-01", "passed", None).insert(&app.db).await.unwrap();
    let w = inspections::worklist(&app.db, &app.admin, now().today, &Default::default()).await.unwrap();
    assert_eq!(w.until, d("2026-12-29"));
    let due: Vec<(Uuid, NaiveDate, i64)> = w.due.iter().map(|r| (r.enterprise_id, r.due, r.overdue_days)).collect();
    assert_eq!(due, vec![(high, d("2026-11-30"), 0), (medium, d("2026-12-28"), 0)]);
    let w = inspections::worklist(
        &app.db,
        &app.admin,
        now().today,
        &inspections::WorklistFilter { until: "2027-01-01".into(), tier: "low".into(), ..Default::default() },
    )
    .await
    .unwrap();
    assert_eq!(w.due.iter().map(|r| (r.enterprise_id, r.due)).collect::<Vec<_>>(), vec![(low, d("2027-01-01"))]);
    // The medium one's rectification (deadline 2026-11-20) is 9 days overdue on 2026-11-29.
    let w = inspections::worklist(&app.db, &app.admin, now().today, &Default::default()).await.unwrap();
    assert_eq!(w.overdue.iter().map(|r| (r.enterprise_id, r.overdue_days)).collect::<Vec<_>>(), vec![(medium, 9)]);
    // A bad filter is refused with its field.
    let e = inspections::worklist(
        &app.db,
        &app.admin,
        now().today,
        &inspections::WorklistFilter { tier: "extreme".into(), ..Default::default() },
    )
    .await
    .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "tier"), "{e:?}");
    // Over HTTP: the list and its export.
    app.login().await;
    let (s, body) = get_page(&app.client, &app.base, "/precursors/inspections").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains(r#"data-due="2026-11-30""#) && body.contains("演示高风险公司"), "{body}");
    assert!(body.contains(r#"data-testid="overdue-total">1<"#));
    assert!(body.contains("演示数据"));
    let r = app.client.get(app.url("/precursors/inspections.xlsx")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    app
});

/// A 企业 account linked to the enterprise `code`.
async fn enterprise_account(app: &TestApp, username: &str, code: &str) -> Actor {
    let id = enterprises::add_account(
        &app.db,
        audit::Who::cli(),
        now(),
        users::NewUser {
            username: username.into(),
            display_name: format!("{username}（演示企业）"),
            password: Some(PASSWORD.into()),
            role: "enterprise".into(),
            division: DivisionCode::parse("430405").unwrap(),
            workstation_id: None,
            must_change_password: false,
            member_unit: None,
        },
        code,
    )
    .await
    .unwrap();
    users::actor(&app.db, id).await.unwrap().unwrap()
}

both!(an_enterprise_account_cannot_reach_inspections_nor_another_enterprise, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司", "430405009").await;
    let b = enterprise(&app, CODE_B, "演示乙公司", "430405007").await;
    let qy = enterprise_account(&app, "qy_a", CODE_A).await;
    assert!(matches!(
        inspections::record(&app.db, &app.vault, &qy, now(), a, &rectify_form()).await,
        Err(ServiceError::Forbidden(jindu_domain::Permission::InspectEnterprises))
    ));
    assert!(matches!(
        inspections::worklist(&app.db, &qy, now().today, &Default::default()).await,
        Err(ServiceError::Forbidden(_))
    ));
    let client = app.signed_in("qy_a").await;
    for path in [
        "/precursors/inspections".to_string(),
        "/precursors/inspections.xlsx".to_string(),
        format!("/precursors/enterprises/{a}/inspections/new"),
        format!("/precursors/enterprises/{b}/inspections/new"),
    ] {
        assert_eq!(get_page(&client, &app.base, &path).await.0, StatusCode::FORBIDDEN, "{path}");
    }
    // Its own page: no inspections nor tier; the other enterprise: 404.
    let (s, body) = get_page(&client, &app.base, &format!("/precursors/enterprises/{a}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(!body.contains("enterprise-inspections") && !body.contains("enterprise-risk"));
    assert_eq!(get_page(&client, &app.base, &format!("/precursors/enterprises/{b}")).await.0, StatusCode::NOT_FOUND);
    // A police account of 广东路街道 (009) cannot inspect the enterprise of 衡州路街道 (007).
    let police = app.user("police9", "派出所", "police", "430405009", false).await;
    let police = users::actor(&app.db, police).await.unwrap().unwrap();
    assert!(matches!(
        inspections::record(&app.db, &app.vault, &police, now(), b, &rectify_form()).await,
        Err(ServiceError::NotFound(_))
    ));
    inspections::record(&app.db, &app.vault, &police, now(), a, &rectify_form()).await.unwrap();
    // A refused form over HTTP: 422 with the sentences, nothing stored.
    app.login().await;
    let token = csrf(&app.client, &app.base).await;
    let before = precursor_inspection::Entity::find().count(&app.db).await.unwrap();
    let r = app
        .client
        .post(app.url(&format!("/precursors/enterprises/{a}/inspections")))
        .form(&[
            ("csrf", token.as_str()),
            ("kind", "special"),
            ("inspected_on", "2026-11-30"),
            ("inspectors", "王警官"),
            ("item_credentials", "complies"),
            ("result", "passed"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(body.contains("日期不能晚于今天。"), "{body}");
    assert!(body.contains("检查表尚有项目未填写：台账记录完整（保存2年）"), "{body}");
    assert_eq!(precursor_inspection::Entity::find().count(&app.db).await.unwrap(), before);
    // The office's page of the enterprise shows the inspection and the tier.
    let (s, body) = get_page(&app.client, &app.base, &format!("/precursors/enterprises/{a}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-result="rectify""#) && body.contains(r#"data-tier="low""#), "{body}");
    app
});

both!(an_evaluation_run_scores_the_precursor_rules_of_each_town, |app: TestApp| async move {
    use jindu_domain::evaluation::{EvaluationScheme, Points, Rule, SchemeItem, Subject, default_bands};
    use jindu_store::service::evaluation;
    let leaf = |code: &str, points: i64, rule: Rule| SchemeItem {
        code: code.into(),
        title: format!("项{code}"),
        points: Points::whole(points),
        rule: Some(rule),
        note: String::new(),
        children: vec![],
    };
    let scheme = EvaluationScheme {
        name: "易制毒考评".into(),
        subject: Subject::Towns,
        items: vec![
            leaf("1", 5, Rule::PrecursorMismatch { each: Points::whole(1), cap: None }),
            leaf("2", 3, Rule::PrecursorClosure { target: 80.0 }),
            leaf("3", 2, Rule::PrecursorInspections),
        ],
        bands: default_bands(),
    };
    // 广东路街道: 4 sales in November, one with an open FLOW-S (75 % < 80 %: 0 of 3); open
    // mismatches: that FLOW-S and a FLOW-P (5 − 2 = 3); two enterprises never inspected (due),
    // one inspected on 2026-11-20 (2 × 1/2 = 1). Total 3 + 0 + 1 = 4.
    let a = enterprise(&app, CODE_A, "演示销售公司", "430405009").await;
    let b = enterprise(&app, CODE_B, "演示购买公司", "430405009").await;
    let mut sales = Vec::new();
    for day in ["2026-11-02", "2026-11-05", "2026-11-09", "2026-11-16"] {
        sales.push(movement(&app, a, "430405009000", "sale", day, Some(b), None, 1).await);
    }
    finding(&app, a, "FLOW-S", &sales[2].to_string(), false).await;
    finding(&app, b, "FLOW-P", "p1", false).await;
    inspections::record(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        b,
        &InspectionForm { result: "passed".into(), items: all_items("complies"), ..rectify_form() },
    )
    .await
    .unwrap();
    let scheme_id = evaluation::create_scheme(&app.db, &app.admin, now(), 2026, scheme).await.unwrap();
    let run = evaluation::create_run(&app.db, &app.admin, now(), scheme_id, "2026-11").await.unwrap();
    let view = evaluation::run(&app.db, &app.admin, run).await.unwrap();
    let gd = view.results.iter().find(|r| r.unit_code == "430405009000").unwrap();
    let earned: Vec<Points> = gd.score.items.iter().map(|i| i.earned).collect();
    assert_eq!(earned, vec![Points::whole(3), Points::ZERO, Points::whole(1)]);
    assert_eq!(gd.total, Points::whole(4));
    assert_eq!(gd.score.items[1].trace, "流向闭环率 = 3/4 = 75.00%；未达到目标 80%，得 0");
    // A town without enterprises: nothing open, no sales, nothing due: full 10.
    let other = view.results.iter().find(|r| r.unit_code == "430405010000").unwrap();
    assert_eq!(other.total, Points::whole(10));
    app
});
