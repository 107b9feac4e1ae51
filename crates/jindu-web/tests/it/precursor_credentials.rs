//! 证照 the credentials of precursor enterprises (issue #21 items 3 and 8), on SQLite and
//! PostgreSQL, with values worked by hand (today 2026-11-29): the renewal reminder of a
//! credential valid to 2027-03-31 is 2026-12-31 (P-06); 100 kg licensed, purchases of 30 kg and
//! 45 kg with the 45 kg reversed → 30 kg used, 70 kg left (P-04); a duplicate number and an
//! unknown chemical refused with their sentences and nothing stored; the public verify page
//! (valid, expired, unknown — the same shape); a 企业 account reads its own wallet only and
//! registers none; the annual report's figures.

use crate::common::*;
use crate::precursors::{CODE_A, CODE_B, enterprise_account, form, now};
use chrono::NaiveDate;
use jindu_domain::precursor::Catalogue;
use jindu_store::entities::{audit_record, precursor_credential, precursor_movement, precursor_stock_take};
use jindu_store::service::credentials::{self, CredentialFilter, CredentialForm, CredentialState, LineForm};
use jindu_store::service::{ServiceError, annual_report, enterprises};
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The catalogue id of 丙酮 (acetone, category 3, kept in grams).
fn acetone() -> String {
    Catalogue::shipped().unwrap().resolve("丙酮", d("2026-01-01")).unwrap().entry.id.clone()
}

fn cred_form(number: &str, from: &str, to: &str, chemical: &str, quantity: &str) -> CredentialForm {
    CredentialForm {
        kind: "purchase_filing".into(),
        number: number.into(),
        issuer: "衡阳市公安局珠晖分局".into(),
        valid_from: from.into(),
        valid_to: to.into(),
        status: String::new(),
        status_since: String::new(),
        lines: vec![LineForm { chemical: chemical.into(), quantity: quantity.into(), unit: "千克".into() }],
    }
}

async fn enterprise(app: &TestApp, code: &str, name: &str) -> Uuid {
    enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(code, name, "430405009")).await.unwrap()
}

async fn count(app: &TestApp) -> u64 {
    precursor_credential::Entity::find().count(&app.db).await.unwrap()
}

/// A ledger movement written directly (the ledger service is built in parallel).
#[allow(clippy::too_many_arguments)]
async fn movement(
    app: &TestApp,
    ent: Uuid,
    kind: &str,
    grams: i64,
    on: &str,
    doc: &str,
    credential: Option<Uuid>,
    reverses: Option<Uuid>,
) -> Uuid {
    let id = Uuid::now_v7();
    precursor_movement::Entity::insert(precursor_movement::ActiveModel {
        id: Set(id),
        enterprise_id: Set(ent),
        division_code: Set("430405009000".into()),
        warehouse_id: Set(Uuid::nil()),
        entry: Set(acetone()),
        category: Set(3),
        measure: Set("g".into()),
        kind: Set(kind.into()),
        quantity: Set(grams),
        concentration_bp: Set(None),
        occurred_on: Set(d(on)),
        document_no: Set(doc.into()),
        counterparty_code: Set(None),
        counterparty_id: Set(None),
        counterparty_name: Set(None),
        payment: Set(Some("transfer".into())),
        credential_id: Set(credential),
        filed_on: Set(None),
        reverses: Set(reverses),
        source: Set("police".into()),
        import_job_id: Set(None),
        recorded_by: Set(app.admin.user_id),
        recorded_at: Set(fixed_instant()),
    })
    .exec(&app.db)
    .await
    .unwrap();
    id
}

both!(renewal_reminder_and_burn_down_with_a_reversal_netted, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司").await;
    let id = credentials::create(
        &app.db,
        &app.admin,
        now(),
        a,
        &cred_form("（湘衡）公购备〔2026〕001", "2026-04-01", "2027-03-31", "丙酮", "100"),
    )
    .await
    .unwrap();
    let m = precursor_credential::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.number.as_str(), m.status.as_str(), m.valid_to, m.version),
        ("purchase_filing", "（湘衡）公购备〔2026〕001", "valid", Some(d("2027-03-31")), 1)
    );
    // 100 千克 → 100 000 g.
    assert_eq!(m.lines, format!(r#"[{{"entry":"{}","licensed":100000}}]"#, acetone()));
    let audited = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("precursor.credential.create"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Purchases of 30 kg and 45 kg under it; the 45 kg reversed; another enterprise's purchase
    // naming it and a sale do not count.
    movement(&app, a, "purchase", 30_000, "2026-05-10", "P-001", Some(id), None).await;
    let p2 = movement(&app, a, "purchase", 45_000, "2026-06-10", "P-002", Some(id), None).await;
    movement(&app, a, "purchase", 45_000, "2026-06-11", "P-002-R", Some(id), Some(p2)).await;
    movement(&app, a, "sale", 5_000, "2026-07-01", "S-001", Some(id), None).await;
    let b = enterprise(&app, CODE_B, "演示乙公司").await;
    movement(&app, b, "purchase", 8_000, "2026-07-01", "P-B-001", Some(id), None).await;

    let w = credentials::wallet(&app.db, &app.admin, now(), a).await.unwrap();
    assert_eq!(w.len(), 1);
    let c = &w[0];
    // P-06: 2027-03-31 − 3 months = 2026-12-31; not yet due on 2026-11-29.
    assert_eq!(c.renewal_reminder, Some(d("2026-12-31")));
    assert!(!c.renewal_due);
    assert_eq!(c.state, CredentialState::Valid);
    assert_eq!(
        (c.lines[0].licensed, c.lines[0].used, c.lines[0].remaining, c.lines[0].crossing.clone()),
        (Some(100_000), 30_000, Some(70_000), None)
    );
    assert_eq!(c.lines[0].name, "丙酮");
    // The domain form the checks load.
    let dc = credentials::domain_credentials(&app.db, &[a, b]).await.unwrap();
    assert_eq!(dc.len(), 1);
    assert_eq!((dc[0].id.clone(), dc[0].holder.clone()), (id.to_string(), a.to_string()));
    assert_eq!(dc[0].renewal_reminder(), Some(d("2026-12-31")));

    // The JSON API gives the same figures.
    let (_, token) = app.office_token(30).await;
    let (s, body) = app.api_get(&format!("/api/v1/precursor-enterprises/{a}/credentials"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v[0]["number"], "（湘衡）公购备〔2026〕001");
    assert_eq!((v[0]["state"].as_str(), v[0]["renewal_reminder"].as_str()), (Some("valid"), Some("2026-12-31")));
    assert_eq!(
        (
            v[0]["lines"][0]["licensed"].as_i64(),
            v[0]["lines"][0]["used"].as_i64(),
            v[0]["lines"][0]["remaining"].as_i64()
        ),
        (Some(100_000), Some(30_000), Some(70_000))
    );
    let (s, body) = app.api_get("/api/v1/precursor-enterprises?q=甲", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!((v["total"].as_u64(), v["rows"][0]["credit_code"].as_str()), (Some(1), Some(CODE_A)));
    let (s, body) = app.api_get(&format!("/api/v1/precursor-enterprises/{a}"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("演示甲公司") && !body.contains("430405199001011233"), "no ID number: {body}");

    // On the enterprise page: 30 kg used, 70 kg left, the reminder day.
    app.login().await;
    let (s, body) = app.get(&format!("/precursors/enterprises/{a}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="used">30 kg<"#), "{body}");
    assert!(body.contains(r#"data-testid="remaining">70 kg<"#));
    assert!(body.contains(r#"data-testid="renewal-reminder">2026-12-31<"#));
    assert!(body.contains("data-testid=\"new-credential\""));

    // The status: 吊销 from 2026-11-01 (audited); a day after today refused.
    let e = credentials::change_status(&app.db, &app.admin, now(), id, 1, "revoked", "2026-12-01").await.unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "status_since"), "{e:?}");
    credentials::change_status(&app.db, &app.admin, now(), id, 1, "revoked", "2026-11-01").await.unwrap();
    let w = credentials::wallet(&app.db, &app.admin, now(), a).await.unwrap();
    assert_eq!((w[0].state, w[0].status_since, w[0].version), (CredentialState::Revoked, Some(d("2026-11-01")), 2));
    assert!(matches!(
        credentials::change_status(&app.db, &app.admin, now(), id, 1, "cancelled", "2026-11-02").await,
        Err(ServiceError::Conflict)
    ));
    let audited = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("precursor.credential.status"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].detail.as_deref(), Some("valid → revoked since 2026-11-01"));
    app
});

both!(a_duplicate_number_and_an_unknown_chemical_are_refused_and_nothing_stored, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司").await;
    credentials::create(&app.db, &app.admin, now(), a, &cred_form("NO-1", "2026-01-01", "2026-12-31", "丙酮", "10"))
        .await
        .unwrap();
    let e = credentials::create(&app.db, &app.admin, now(), a, &cred_form("NO-1", "2026-02-01", "", "硫酸", "5"))
        .await
        .unwrap_err();
    let ServiceError::Invalid(errs) = e else { panic!("{e:?}") };
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].field, errs[0].code), ("number", "precursor.credential.number_taken"));
    let (zh, en) = jindu_messages::render_both(&errs[0].message);
    assert_eq!(zh, "证号“NO-1”已经登记，同一证号不能重复登记。");
    assert_eq!(en, "Credential number \"NO-1\" is already registered; a number is registered once.");
    assert_eq!(count(&app).await, 1);

    // Not on the catalogue on valid_from: the sentence names the line.
    let mut f = cred_form("NO-2", "2026-01-01", "2026-12-31", "丙酮", "10");
    f.lines.push(LineForm { chemical: "奶茶粉".into(), quantity: "3".into(), unit: "kg".into() });
    let ServiceError::Invalid(errs) = credentials::create(&app.db, &app.admin, now(), a, &f).await.unwrap_err() else {
        panic!()
    };
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].field, "lines");
    let (zh, en) = jindu_messages::render_both(&errs[0].message);
    assert!(zh.starts_with("品种第2行：") && zh.contains("奶茶粉") && zh.contains("2026-01-01"), "{zh}");
    assert!(en.starts_with("Chemical line 2: "), "{en}");
    // A quantity of a liquid unit for a chemical kept in grams, without density: refused too.
    let mut f = cred_form("NO-3", "2026-01-01", "2026-12-31", "丙酮", "10");
    f.lines[0].unit = "L".into();
    let ServiceError::Invalid(errs) = credentials::create(&app.db, &app.admin, now(), a, &f).await.unwrap_err() else {
        panic!()
    };
    assert_eq!((errs[0].field, errs[0].code), ("lines", "precursor.credential.line"));
    assert_eq!(count(&app).await, 1);

    // Over HTTP: the form comes back with its sentence (422), nothing stored.
    app.login().await;
    let token = csrf(&app.client, &app.base).await;
    let r = app
        .client
        .post(app.url(&format!("/precursors/enterprises/{a}/credentials")))
        .form(&[
            ("csrf", token.as_str()),
            ("kind", "purchase_filing"),
            ("number", "NO-1"),
            ("issuer", "珠晖分局"),
            ("valid_from", "2026-01-01"),
            ("chemical", "丙酮"),
            ("quantity", "1"),
            ("unit", "kg"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("证号“NO-1”已经登记"));
    assert_eq!(count(&app).await, 1);
    app
});

both!(the_public_verify_page_shows_validity_only, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司").await;
    credentials::create(&app.db, &app.admin, now(), a, &cred_form("V-OK", "2026-01-01", "2027-03-31", "丙酮", "100"))
        .await
        .unwrap();
    credentials::create(&app.db, &app.admin, now(), a, &cred_form("V-OLD", "2025-01-01", "2025-12-31", "丙酮", "100"))
        .await
        .unwrap();
    let anyone = cookie_client();
    for (number, state, word) in
        [("V-OK", "valid", "有效"), ("V-OLD", "expired", "已过期"), ("V-NONE", "unknown", "查无此证")]
    {
        let (s, body) = get_page(&anyone, &app.base, &format!("/verify/credential?number={number}")).await;
        assert_eq!(s, StatusCode::OK, "{number}");
        assert!(body.contains(&format!(r#"data-state="{state}""#)), "{number}: {body}");
        assert!(body.contains(&format!(r#"data-testid="verify-state">{word}<"#)), "{number}");
        // Nothing but the number, kind, holder and state: no issuer, no chemicals, no quantities.
        assert!(!body.contains("珠晖分局") && !body.contains("丙酮") && !body.contains("千克"), "{number}");
    }
    let (_, body) = get_page(&anyone, &app.base, "/verify/credential?number=V-OK").await;
    assert!(body.contains("演示甲公司") && body.contains("购买备案证明"));
    let (_, body) = get_page(&anyone, &app.base, "/verify/credential?number=V-NONE").await;
    assert!(!body.contains("演示甲公司"));
    // Strict input: over 64 characters, or a control character → 422 with the sentence.
    for bad in ["A".repeat(65), "V%01OK".to_string()] {
        let (s, body) = get_page(&anyone, &app.base, &format!("/verify/credential?number={bad}")).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
        assert!(body.contains("证号最多64个字符，且不能含控制字符。"), "{bad}: {body}");
    }
    assert_eq!(get_page(&anyone, &app.base, "/verify/credential").await.0, StatusCode::OK);
    app
});

both!(an_enterprise_account_reads_its_own_wallet_only_and_registers_none, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司").await;
    let b = enterprise(&app, CODE_B, "演示乙公司").await;
    credentials::create(&app.db, &app.admin, now(), a, &cred_form("A-1", "2026-01-01", "2027-01-31", "丙酮", "10"))
        .await
        .unwrap();
    let bid =
        credentials::create(&app.db, &app.admin, now(), b, &cred_form("B-1", "2025-01-01", "2025-12-31", "丙酮", "10"))
            .await
            .unwrap();
    let qy = enterprise_account(&app, "qy_cred", CODE_A).await;
    assert_eq!(credentials::wallet(&app.db, &qy, now(), a).await.unwrap().len(), 1);
    assert!(matches!(credentials::wallet(&app.db, &qy, now(), b).await, Err(ServiceError::NotFound(_))));
    let all = credentials::list(&app.db, &qy, now(), &CredentialFilter::default()).await.unwrap();
    assert_eq!(all.rows.iter().map(|r| r.item.number.as_str()).collect::<Vec<_>>(), vec!["A-1"]);
    assert!(matches!(
        credentials::create(&app.db, &qy, now(), a, &cred_form("A-2", "2026-01-01", "", "丙酮", "1")).await,
        Err(ServiceError::Forbidden(_))
    ));
    assert!(matches!(
        credentials::change_status(&app.db, &qy, now(), bid, 1, "cancelled", "2026-11-01").await,
        Err(ServiceError::Forbidden(_))
    ));
    // The office sees both; filters: expired, expiring within 90 days (2027-01-31 ≤ 2027-02-27).
    let names = |f: CredentialFilter| {
        let (db, admin) = (app.db.clone(), app.admin.clone());
        async move {
            credentials::list(&db, &admin, now(), &f)
                .await
                .unwrap()
                .rows
                .into_iter()
                .map(|r| r.item.number)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(names(CredentialFilter::default()).await, vec!["B-1", "A-1"]);
    assert_eq!(names(CredentialFilter { status: "expired".into(), ..Default::default() }).await, vec!["B-1"]);
    assert_eq!(names(CredentialFilter { expiring: "90".into(), ..Default::default() }).await, vec!["A-1"]);
    assert!(names(CredentialFilter { expiring: "60".into(), ..Default::default() }).await.is_empty());
    let e = credentials::list(&app.db, &app.admin, now(), &CredentialFilter { kind: "x".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "kind"));
    // Over HTTP as the 企业 account: its own page without the forms, the other's 404.
    let client = app.signed_in("qy_cred").await;
    let (s, body) = get_page(&client, &app.base, &format!("/precursors/enterprises/{a}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("A-1") && !body.contains("new-credential") && !body.contains("/status\""));
    for path in
        [format!("/precursors/enterprises/{b}"), format!("/precursors/enterprises/{b}/annual-report.xlsx?year=2026")]
    {
        assert_eq!(get_page(&client, &app.base, &path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        get_page(&client, &app.base, &format!("/precursors/enterprises/{a}/credentials/new")).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, body) = get_page(&client, &app.base, "/precursors/credentials").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("A-1") && !body.contains("B-1"));
    // The export as the office.
    app.login().await;
    let r = app.client.get(app.url("/precursors/credentials.xlsx?status=expired")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    app
});

both!(the_annual_report_nets_reversals_and_takes_the_last_count, |app: TestApp| async move {
    let a = enterprise(&app, CODE_A, "演示甲公司").await;
    // 2025: 10 kg bought (the opening stock of 2026). 2026: 30 kg bought, 45 kg bought and
    // reversed, 5 kg sold, 2 kg used → closing 10 + 30 − 5 − 2 = 33 kg; counted 32.5 kg on
    // 2026-06-30 after 31 kg on 2026-03-31. 2027 does not exist yet (today 2026-11-29).
    movement(&app, a, "purchase", 10_000, "2025-08-01", "Y-001", None, None).await;
    movement(&app, a, "purchase", 30_000, "2026-02-01", "Y-002", None, None).await;
    let p = movement(&app, a, "purchase", 45_000, "2026-03-01", "Y-003", None, None).await;
    movement(&app, a, "purchase", 45_000, "2026-03-02", "Y-003-R", None, Some(p)).await;
    movement(&app, a, "sale", 5_000, "2026-04-01", "Y-004", None, None).await;
    movement(&app, a, "use", 2_000, "2026-05-01", "Y-005", None, None).await;
    for (on, grams) in [("2026-03-31", 31_000), ("2026-06-30", 32_500)] {
        precursor_stock_take::Entity::insert(precursor_stock_take::ActiveModel {
            id: Set(Uuid::now_v7()),
            enterprise_id: Set(a),
            warehouse_id: Set(Uuid::nil()),
            entry: Set(acetone()),
            counted_on: Set(d(on)),
            counted: Set(grams),
            recorded_by: Set(app.admin.user_id),
            recorded_at: Set(fixed_instant()),
        })
        .exec(&app.db)
        .await
        .unwrap();
    }
    let r = annual_report::annual_report(&app.db, &app.admin, now(), a, "2026").await.unwrap();
    assert_eq!((r.name.as_str(), r.credit_code.as_str(), r.year), ("演示甲公司", CODE_A, 2026));
    assert_eq!(r.lines.len(), 1);
    let l = &r.lines[0];
    assert_eq!(
        (l.name.as_str(), l.opening, l.purchased, l.sold, l.used, l.lost, l.closing, l.last_count),
        ("丙酮", 10_000, 30_000, 5_000, 2_000, 0, 33_000, Some((d("2026-06-30"), 32_500)))
    );
    let r = annual_report::annual_report(&app.db, &app.admin, now(), a, "2025").await.unwrap();
    assert_eq!(
        (r.lines[0].opening, r.lines[0].purchased, r.lines[0].closing, r.lines[0].last_count),
        (0, 10_000, 10_000, None)
    );
    let e = annual_report::annual_report(&app.db, &app.admin, now(), a, "2027").await.unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "year"), "{e:?}");
    app.login().await;
    let r = app
        .client
        .get(app.url(&format!("/precursors/enterprises/{a}/annual-report.xlsx?year=2026")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(&r.bytes().await.unwrap()[..2], b"PK");
    app
});
