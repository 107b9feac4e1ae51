//! 易制毒 checks on stored data (issue #21 item 5), on SQLite and PostgreSQL, with values worked
//! out by hand: flow matching (50 kg sold, 49.8 kg bought at 0.5 % → matched; 48 kg → FLOW-S on the
//! seller and FLOW-P on the buyer; the right purchase recorded later resolves both), P-07 over a
//! holiday week, the mass balance (BAL, gap 500 g), the P-06 renewal reminder from three months
//! before the end, a re-run that never duplicates, and the inbox's scope: a 企业 account is refused
//! (403) and the police of another town do not see the finding.

use crate::common::*;
use chrono::{DateTime, NaiveDate, Utc};
use jindu_domain::clock::Now;
use jindu_domain::precursor::enterprise::{EnterpriseForm, WarehouseForm};
use jindu_domain::{DivisionCode, Role};
use jindu_store::entities::{
    precursor_credential, precursor_finding, precursor_movement, precursor_stock_take, work_calendar,
};
use jindu_store::service::precursors::checks::{self, FindingFilter};
use jindu_store::service::{UnitOfWork, audit, deployment, enterprises, users};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

/// 华为技术有限公司's published code (check character worked in `credit_code`).
const CODE_A: &str = "914403001922038216";
/// 深圳市腾讯计算机系统有限公司's published code.
const CODE_B: &str = "91440300708461136T";

fn now() -> Now {
    Now::at(fixed_instant())
}

fn at(s: &str) -> Now {
    Now::at(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn form(code: &str, name: &str, town: &str) -> EnterpriseForm {
    EnterpriseForm {
        credit_code: code.into(),
        name: name.into(),
        roles: vec!["trade".into(), "store".into()],
        business_scope: "醋酸酐批发（演示数据）".into(),
        registered_address: "衡阳市珠晖区演示路1号".into(),
        registered_division: town.into(),
        warehouses: vec![WarehouseForm { address: "演示仓库".into(), division: town.into() }],
        legal_rep_name: "张演示".into(),
        responsible_name: "李演示".into(),
        police_unit: town.into(),
        safety_unit: "珠晖区应急管理局".into(),
        ..Default::default()
    }
}

#[derive(Clone, Copy)]
struct Mv<'a> {
    ent: Uuid,
    doc: &'a str,
    kind: &'a str,
    entry: &'a str,
    category: i32,
    quantity: i64,
    on: &'a str,
    counterparty: Option<&'a str>,
    filed_on: Option<&'a str>,
    reverses: Option<Uuid>,
}

impl Default for Mv<'_> {
    fn default() -> Self {
        Mv {
            ent: Uuid::nil(),
            doc: "",
            kind: "sale",
            entry: "e21",
            category: 2,
            quantity: 0,
            on: "2026-11-02",
            counterparty: None,
            filed_on: None,
            reverses: None,
        }
    }
}

/// The warehouse of every movement of an enterprise in these tests.
fn warehouse(ent: Uuid) -> Uuid {
    Uuid::from_u128(ent.as_u128() ^ 0xABCD)
}

async fn movement(app: &TestApp, m: Mv<'_>) -> Uuid {
    let id = Uuid::now_v7();
    precursor_movement::ActiveModel {
        id: Set(id),
        enterprise_id: Set(m.ent),
        division_code: Set("430405009000".into()),
        warehouse_id: Set(warehouse(m.ent)),
        entry: Set(m.entry.into()),
        category: Set(m.category),
        measure: Set("mass".into()),
        kind: Set(m.kind.into()),
        quantity: Set(m.quantity),
        concentration_bp: Set(None),
        occurred_on: Set(d(m.on)),
        document_no: Set(m.doc.into()),
        counterparty_code: Set(m.counterparty.map(str::to_string)),
        counterparty_id: Set(None),
        counterparty_name: Set(None),
        payment: Set(Some("transfer".into())),
        credential_id: Set(None),
        filed_on: Set(m.filed_on.map(d)),
        reverses: Set(m.reverses),
        source: Set("form".into()),
        import_job_id: Set(None),
        recorded_by: Set(Uuid::nil()),
        recorded_at: Set(fixed_instant()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

async fn credential(app: &TestApp, ent: Uuid, kind: &str, number: &str, entry: &str, from: &str, to: &str) -> Uuid {
    let id = Uuid::now_v7();
    precursor_credential::ActiveModel {
        id: Set(id),
        enterprise_id: Set(ent),
        kind: Set(kind.into()),
        number: Set(number.into()),
        issuer: Set("衡阳市公安局（演示）".into()),
        valid_from: Set(d(from)),
        valid_to: Set(Some(d(to))),
        status: Set("valid".into()),
        status_since: Set(None),
        lines: Set(format!(r#"[{{"entry":"{entry}","licensed":null}}]"#)),
        version: Set(1),
        created_by: Set(None),
        created_at: Set(fixed_instant()),
        updated_at: Set(fixed_instant()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// A re-check of `ents` in a unit of work, as the ledger's writes call it.
async fn recheck(app: &TestApp, now: Now, ents: &[Uuid]) {
    let uow = UnitOfWork::begin_as(&app.db, audit::Who::system(), now).await.unwrap();
    checks::recheck(&uow, now, ents).await.unwrap();
    uow.commit().await.unwrap();
}

/// Open findings as (enterprise, rule, ref_key, division).
async fn open(app: &TestApp) -> Vec<(Uuid, String, String, String)> {
    precursor_finding::Entity::find()
        .filter(precursor_finding::Column::ResolvedAt.is_null())
        .order_by_asc(precursor_finding::Column::Rule)
        .order_by_asc(precursor_finding::Column::RefKey)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|f| (f.enterprise_id, f.rule, f.ref_key, f.division_code))
        .collect()
}

async fn all_count(app: &TestApp) -> usize {
    precursor_finding::Entity::find().all(&app.db).await.unwrap().len()
}

async fn two_enterprises(app: &TestApp) -> (Uuid, Uuid) {
    let a =
        enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_A, "演示甲化工有限公司", "430405009"))
            .await
            .unwrap();
    let b =
        enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_B, "演示乙贸易有限公司", "430405007"))
            .await
            .unwrap();
    // No large-order red flag in these tests (the office setting).
    deployment::put_setting(
        &app.db,
        checks::RED_FLAGS_KEY,
        r#"{"thresholds":{},"band_bp":1000,"window_days":30,"min_count":3,"new_customer_deliveries":3,"large_order":[1000000000,1000000000,1000000000]}"#,
    )
    .await
    .unwrap();
    (a, b)
}

async fn enterprise_account(app: &TestApp, username: &str, code: &str) {
    enterprises::add_account(
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
}

both!(flows_are_matched_within_tolerance_found_on_both_sides_and_resolved, |app: TestApp| async move {
    let (a, b) = two_enterprises(&app).await;
    // B holds a purchase filing for 醋酸酐 (e21): no P-03 on A's sales.
    credential(&app, b, "purchase_filing", "衡公（演示）购备001", "e21", "2026-01-01", "2027-12-31").await;
    // 50 kg sold on 11-02, 49.8 kg bought on 11-03: 200 g off = 0.4 % ≤ 0.5 % → matched.
    let base = Mv { ent: a, ..Default::default() };
    movement(
        &app,
        Mv { doc: "XS-1", quantity: 50_000, counterparty: Some(CODE_B), filed_on: Some("2026-11-02"), ..base },
    )
    .await;
    let b1 = Mv { ent: b, kind: "purchase", ..Default::default() };
    movement(&app, Mv { doc: "CG-1", quantity: 49_800, on: "2026-11-03", counterparty: Some(CODE_A), ..b1 }).await;
    recheck(&app, now(), &[a]).await;
    assert_eq!(open(&app).await, vec![]);
    // 50 kg sold on 11-10, 48 kg bought: 2 kg = 4 % off → FLOW-S on A, FLOW-P on B (re-checking A
    // alone re-checks B's side of their trades).
    let base = Mv { ent: a, on: "2026-11-10", ..Default::default() };
    let s2 = movement(
        &app,
        Mv { doc: "XS-2", quantity: 50_000, counterparty: Some(CODE_B), filed_on: Some("2026-11-10"), ..base },
    )
    .await;
    let b2 = Mv { ent: b, kind: "purchase", on: "2026-11-10", ..Default::default() };
    let p2 = movement(&app, Mv { doc: "CG-2", quantity: 48_000, counterparty: Some(CODE_A), ..b2 }).await;
    recheck(&app, now(), &[a]).await;
    let mut expected = vec![
        (a, "FLOW-S".to_string(), s2.to_string(), "430405009000".to_string()),
        (b, "FLOW-P".to_string(), p2.to_string(), "430405007000".to_string()),
    ];
    expected.sort_by_key(|x| (x.1.clone(), x.2.clone()));
    assert_eq!(open(&app).await, expected);
    let f = precursor_finding::Entity::find()
        .filter(precursor_finding::Column::Rule.eq("FLOW-S"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.ref_date, d("2026-11-10"));
    let detail: checks::Detail = serde_json::from_str(&f.detail).unwrap();
    assert_eq!(detail.evidence, vec![s2.to_string()]);
    assert_eq!(
        jindu_messages::render(&detail.message.message().unwrap(), "zh"),
        "2026-11-10销售给演示乙贸易有限公司的醋酸酐50 kg，对方台账中没有相符的购入记录（流向不明）。"
    );
    // A re-run (of either side, or of everything) never duplicates.
    recheck(&app, now(), &[a, b]).await;
    let r = checks::recheck_all(&app.db, now(), 1).await.unwrap();
    assert_eq!((r.enterprises, r.raised, r.resolved), (2, 0, 0));
    assert_eq!(all_count(&app).await, 2);

    // The inbox: the police of 广东路街道 (A's unit) see A's FLOW-S only; those of the other town
    // B's FLOW-P only; the office both; a 企业 account is refused.
    let police_a = app.with_user(Role::Police, "430405009").await;
    let police_b = app.with_user(Role::Police, "430405007").await;
    let page = checks::inbox(&app.db, &police_a.actor, &FindingFilter::default()).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| (r.enterprise, r.rule.as_code())).collect::<Vec<_>>(), [(a, "FLOW-S")]);
    let page = checks::inbox(&app.db, &police_b.actor, &FindingFilter::default()).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| (r.enterprise, r.rule.as_code())).collect::<Vec<_>>(), [(b, "FLOW-P")]);
    assert_eq!(checks::open_count(&app.db, &app.admin).await.unwrap(), 2);
    let (status, body) = get_page(police_a.client().await, &app.base, "/precursors/findings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("FLOW-S") && body.contains("流向不明（销售方）") && body.contains("XS-2"), "{body}");
    assert!(body.contains("演示数据"));
    assert!(!body.contains("CG-2"), "{body}");
    let (status, body) = get_page(police_b.client().await, &app.base, "/precursors/findings").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("FLOW-P") && !body.contains("XS-2"), "{body}");
    let (status, body) = get_page(police_a.client().await, &app.base, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"data-testid="count-precursor-findings">1<"#), "{body}");
    let (status, _) = get_page(police_a.client().await, &app.base, "/precursors/findings.xlsx").await;
    assert_eq!(status, StatusCode::OK);
    enterprise_account(&app, "qy_b", CODE_B).await;
    let qy = cookie_client();
    sign_in(&qy, &app.base, "qy_b", Some("/")).await;
    let (status, _) = get_page(&qy, &app.base, "/precursors/findings").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The enterprise's page lists its own open findings: 流向不明 on the buyer's side too.
    let (status, body) = get_page(&qy, &app.base, &format!("/precursors/enterprises/{b}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("FLOW-P") && body.contains("流向不明（购买方）"), "{body}");

    // B reverses the wrong 48 kg entry and records the right 50 kg purchase: both resolve.
    let b3 = Mv { ent: b, kind: "purchase", on: "2026-11-12", ..Default::default() };
    movement(&app, Mv { doc: "CG-2-R", quantity: 48_000, counterparty: Some(CODE_A), reverses: Some(p2), ..b3 }).await;
    movement(&app, Mv { doc: "CG-3", quantity: 50_000, counterparty: Some(CODE_A), ..b3 }).await;
    recheck(&app, now(), &[b]).await;
    assert_eq!(open(&app).await, vec![]);
    assert_eq!(all_count(&app).await, 2);
    let resolved = precursor_finding::Entity::find().all(&app.db).await.unwrap();
    assert!(resolved.iter().all(|f| f.resolved_at == Some(fixed_instant())));
    app
});

both!(filings_balance_renewal_and_handling, |app: TestApp| async move {
    let (a, b) = two_enterprises(&app).await;
    // 2026-10-01..07 are holidays: a category-1 sale of 09-28 must be filed by 10-08.
    for day in 1..=7 {
        work_calendar::ActiveModel {
            day: Set(NaiveDate::from_ymd_opt(2026, 10, day).unwrap()),
            kind: Set("holiday".into()),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let sale = Mv {
        ent: a,
        entry: "e12",
        category: 1,
        quantity: 1_000,
        on: "2026-09-28",
        counterparty: Some(CODE_B),
        ..Default::default()
    };
    let on_time = movement(&app, Mv { doc: "XS-8", filed_on: Some("2026-10-08"), ..sale }).await;
    let late = movement(&app, Mv { doc: "XS-9", filed_on: Some("2026-10-09"), ..sale }).await;
    // Balance: 120 kg in, 95 kg out, 24.5 kg counted → book 25 kg, gap 500 g (category 1: 0 tolerance).
    let w = Mv { ent: b, entry: "e12", category: 1, ..Default::default() };
    let m1 = movement(&app, Mv { doc: "RK-1", kind: "purchase", quantity: 120_000, on: "2026-10-03", ..w }).await;
    let m2 = movement(&app, Mv { doc: "CK-1", kind: "use", quantity: 95_000, on: "2026-10-20", ..w }).await;
    let take = Uuid::now_v7();
    precursor_stock_take::ActiveModel {
        id: Set(take),
        enterprise_id: Set(b),
        warehouse_id: Set(warehouse(b)),
        entry: Set("e12".into()),
        counted_on: Set(d("2026-10-31")),
        counted: Set(24_500),
        recorded_by: Set(Uuid::nil()),
        recorded_at: Set(fixed_instant()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    // A's trade filing ends 2027-03-31: the reminder is due from 2026-12-31, not before.
    let c = credential(&app, a, "trade_filing", "衡应急（演示）经备002", "e41", "2024-04-01", "2027-03-31").await;
    recheck(&app, at("2026-12-30T02:00:00Z"), &[a, b]).await;
    let rules = |v: &[(Uuid, String, String, String)], rule: &str| {
        v.iter().filter(|f| f.1 == rule).map(|f| (f.0, f.2.clone())).collect::<Vec<_>>()
    };
    let found = open(&app).await;
    assert_eq!(rules(&found, "P-07"), [(a, late.to_string())]);
    assert!(!found.iter().any(|f| f.2 == on_time.to_string() && f.1 == "P-07"));
    assert_eq!(rules(&found, "P-06"), []);
    assert_eq!(rules(&found, "BAL"), [(b, format!("{}:e12:2026-10", warehouse(b)))]);
    let get = |rule: &'static str| {
        let db = app.db.clone();
        async move {
            let f = precursor_finding::Entity::find()
                .filter(precursor_finding::Column::Rule.eq(rule))
                .filter(precursor_finding::Column::ResolvedAt.is_null())
                .one(&db)
                .await
                .unwrap()
                .unwrap();
            let detail: checks::Detail = serde_json::from_str(&f.detail).unwrap();
            (f, detail)
        }
    };
    let (_, p07) = get("P-07").await;
    assert_eq!(
        jindu_messages::render(&p07.message.message().unwrap(), "zh"),
        "2026-09-28的销售于2026-10-09才向公安机关备案，超过最后期限2026-10-08共1日。"
    );
    assert_eq!(p07.source, "易制毒化学品管理条例 §19");
    let (bal_row, bal) = get("BAL").await;
    assert_eq!(bal_row.ref_date, d("2026-10-31"));
    assert_eq!(bal.evidence, [m1.to_string(), m2.to_string(), take.to_string()]);
    assert_eq!(
        jindu_messages::render(&bal.message.message().unwrap(), "zh"),
        "2026-10麻黄素类物质账面结存25 kg，盘点24.5 kg，账实相差500 g，超出容差。"
    );
    // On 2026-12-31 the reminder is raised; a second run the same day changes nothing.
    let before = all_count(&app).await;
    recheck(&app, at("2026-12-31T02:00:00Z"), &[a]).await;
    let found = open(&app).await;
    assert_eq!(rules(&found, "P-06"), [(a, c.to_string())]);
    let (p06_row, p06) = get("P-06").await;
    assert_eq!(p06_row.ref_date, d("2026-12-31"));
    assert_eq!(
        jindu_messages::render(&p06.message.message().unwrap(), "zh"),
        "经营备案证明衡应急（演示）经备002将于2027-03-31到期，自2026-12-31起应办理续期（重新备案）。"
    );
    assert_eq!(all_count(&app).await, before + 1);
    recheck(&app, at("2026-12-31T02:00:00Z"), &[a, b]).await;
    assert_eq!(all_count(&app).await, before + 1);

    // 已处理 with a sealed note, audited; an empty note is refused naming `note`.
    let e = checks::handle(&app.db, &app.vault, &app.admin, now(), p06_row.id, "  ").await.unwrap_err();
    let jindu_store::service::ServiceError::Invalid(errs) = e else { panic!("{e:?}") };
    assert_eq!(errs[0].field, "note");
    checks::handle(&app.db, &app.vault, &app.admin, now(), p06_row.id, "已电话提醒企业续期").await.unwrap();
    let row = precursor_finding::Entity::find_by_id(p06_row.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!((row.handled_by, row.handled_at), (Some(app.admin.user_id), Some(fixed_instant())));
    assert!(!row.handled_note.clone().unwrap().contains("电话"));
    assert_eq!(
        checks::handled_note(&app.db, &app.vault, &app.admin, p06_row.id).await.unwrap().as_deref(),
        Some("已电话提醒企业续期")
    );
    let records = app.audited("precursor.finding.handle").await;
    assert_eq!(records.len(), 1);
    assert!(!records[0].detail.clone().unwrap_or_default().contains("电话"));
    // The police of another town cannot handle it (not found).
    let other = app.with_user(Role::Police, "430405007").await;
    let e = checks::handle(&app.db, &app.vault, &other.actor, now(), p06_row.id, "x").await.unwrap_err();
    assert!(matches!(e, jindu_store::service::ServiceError::NotFound(_)), "{e:?}");
    app
});
