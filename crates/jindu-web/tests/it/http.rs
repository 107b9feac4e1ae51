//! HTTP integration tests: the real router over a real database, SQLite and PostgreSQL.
//! Every test runs once per backend (`..._sqlite`, `..._postgres`); each run gets its own fresh
//! database (a temporary SQLite file, or a PostgreSQL database created and dropped here).
//! PostgreSQL: `JINDU_TEST_PG_URL` (default postgres://postgres@127.0.0.1:5432/test).

use crate::common::Sentences;
use crate::common::*;
use chrono::NaiveDate;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{deployment, persons, second_factor, users};
use jindu_web::{AppState, Clock};
use reqwest::StatusCode;
use uuid::Uuid;

both!(login_is_required_and_checked, |app: TestApp| async move {
    let (s, _) = app.get("/").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body, _) = app.post("/login", &[("username", "office"), ("password", "wrong-password")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("用户名或密码错误"));
    app.login().await;
    let (s, body) = app.get("/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("我的工作台"));
    assert!(body.contains("演示数据"));
    // English toggle.
    let (s, _) = app.get("/lang?to=en&back=/").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = app.get("/").await;
    assert!(body.contains("My workbench"));
    app
});

both!(register_accepts_old_and_full_width_numbers, |app: TestApp| async move {
    app.login().await;
    // A 15-digit old number is upgraded: 110105491231002 → 11010519491231002X.
    let (s, _, loc) = app
        .post("/persons/new", &[("name", "测试甲"), ("id_number", "110105491231002"), ("division", "430405009007")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let loc = loc.unwrap();
    let (s, body) = app.get(&loc).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("110105********002X"), "masked upgraded number shown");
    assert!(body.contains("1949年12月31日"));
    // Full-width digits and spaces are accepted.
    let full: String = id_b()
        .chars()
        .map(|c| if c.is_ascii_digit() { char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap() } else { c })
        .collect();
    let (s, _, _) = app
        .post("/persons/new", &[("name", "测试乙"), ("id_number", &format!(" {full} ")), ("division", "广东路街道")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(app.person_count().await, 2);
    // The same number again is refused in scope-safe words.
    let (s, body, _) =
        app.post("/persons/new", &[("name", "测试丙"), ("id_number", ID_A), ("division", "430405009007")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("已在本系统登记"));
    assert_eq!(app.person_count().await, 2);
    app
});

both!(register_refuses_bad_input_and_stores_nothing, |app: TestApp| async move {
    app.login().await;
    // Wrong check digit: 11010519491231002X is right, …0021 is wrong.
    let (s, body, _) = app
        .post("/persons/new", &[("name", "测试"), ("id_number", "110105194912310021"), ("division", "430405009007")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("校验码"), "{body}");
    // A division outside the deployment (朝阳区, Beijing).
    let (s, body, _) =
        app.post("/persons/new", &[("name", "测试"), ("id_number", ID_A), ("division", "110105001001")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不在本系统的辖区范围内"));
    // A report date before the decision date.
    let (s, body, _) = app
        .post(
            "/persons/new",
            &[
                ("name", "测试"),
                ("id_number", ID_A),
                ("division", "430405009007"),
                ("measure_kind", "community_detox"),
                ("decision_date", "2026-10-10"),
                ("report_date", "2026-10-01"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("报到日期"), "{body}");
    // A future decision date.
    let (s, _, _) = app
        .post(
            "/persons/new",
            &[
                ("name", "测试"),
                ("id_number", ID_A),
                ("division", "430405009007"),
                ("measure_kind", "community_detox"),
                ("decision_date", "2026-12-01"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Missing name and garbage everywhere: one page, no 500.
    let (s, _, _) = app
        .post("/persons/new", &[("name", ""), ("id_number", "abc"), ("division", "x"), ("risk_tier", "purple")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.person_count().await, 0);
    app
});

both!(negative_test_moves_the_obligation, |app: TestApp| async move {
    // Community detox decided 2026-08-25, reported 2026-09-01: year 1 tests are monthly, so the
    // first test was due 2026-10-01 (start + 1 month) and is 59 days overdue on 2026-11-29.
    let id = app.person("测试丁", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    let (_, body) = app.get("/").await;
    assert!(body.contains("测试丁"));
    let (s, body) = app.get(&format!("/persons/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="due-drug_test">2026-10-01<"#), "{body}");
    assert!(body.contains("逾期 59 天"));
    // Planned last day: 3 years counting the first day → 2029-08-31.
    assert!(body.contains("2029年8月31日"));
    let before = app.event_count().await;
    let (s, _, loc) = app
        .post(
            &format!("/persons/{id}/events"),
            &[("kind", "drug_test"), ("date", "2026-11-29"), ("test_method", "urine"), ("test_result", "negative")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some(format!("/persons/{id}").as_str()));
    assert_eq!(app.event_count().await, before + 1);
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    // Next monthly test: 2026-11-29 + 1 month = 2026-12-29.
    assert!(body.contains(r#"data-testid="due-drug_test">2026-12-29<"#), "{body}");
    assert!(body.contains(r#"data-kind="drug_test" data-date="2026-11-29""#));
    app
});

both!(event_input_is_checked, |app: TestApp| async move {
    let id = app.person("测试戊", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    let before = app.event_count().await;
    let path = format!("/persons/{id}/events");
    // A future date.
    let (s, body, _) = app.post(&path, &[("kind", "visit"), ("date", "2026-11-30")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("2026-11-30") || body.contains("未来"), "{body}");
    // A test without result; a positive without substance.
    let (s, _, _) = app.post(&path, &[("kind", "drug_test"), ("date", "2026-11-29"), ("test_method", "urine")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app
        .post(
            &path,
            &[("kind", "drug_test"), ("date", "2026-11-29"), ("test_method", "urine"), ("test_result", "positive")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Unknown kind, garbage date.
    let (s, _, _) = app.post(&path, &[("kind", "party"), ("date", "yesterday")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // A stale version.
    let (s, _, _) = app.post(&path, &[("kind", "visit"), ("date", "2026-11-29"), ("version", "99")]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert_eq!(app.event_count().await, before);
    // Unknown and malformed person ids answer 404.
    let (s, _) = app.get(&format!("/persons/{}", Uuid::now_v7())).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get("/persons/not-an-id").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _, _) =
        app.post(&format!("/persons/{}/events", Uuid::now_v7()), &[("kind", "visit"), ("date", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app
});

both!(deceased_person_takes_no_test, |app: TestApp| async move {
    let id = app.person("测试己", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    let list: Vec<String> = vec![];
    let _ = list;
    // Lost contact first (a ContactLost event), then a check-in is refused until found.
    let path = format!("/persons/{id}/events");
    let (s, _, _) = app.post(&path, &[("kind", "contact_lost"), ("date", "2026-11-20")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains(r#"data-testid="status">失控<"#));
    let (s, _, _) = app.post(&path, &[("kind", "check_in"), ("date", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app.post(&path, &[("kind", "contact_restored"), ("date", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // End the measure by death is a measure action; then mark deceased through the domain.
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Masked)
            .await
            .unwrap();
    let mid = detail.measures[0].id;
    let (s, _, _) = app
        .post(
            &format!("/persons/{id}/measures/{mid}"),
            &[("action", "end"), ("date", "2026-11-29"), ("end_reason", "death")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    persons::change_status(
        &app.db,
        &app.vault,
        &app.admin,
        Now::at(fixed_instant()),
        id,
        &persons::StatusChange { status: "deceased".into(), date: "2026-11-29".into(), version: String::new() },
    )
    .await
    .unwrap();
    let (s, body, _) = app
        .post(
            &path,
            &[("kind", "drug_test"), ("date", "2026-11-29"), ("test_method", "urine"), ("test_result", "negative")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("死亡"), "{body}");
    app
});

both!(measure_clock_through_the_forms, |app: TestApp| async move {
    // Decision 2024-02-21 (served), report deadline 2024-03-07 [戒毒条例 §14; DOMAIN §11].
    let id = app
        .register(NewPerson {
            name: "测试庚".into(),
            id_number: ID_A.into(),
            division: "430405009007".into(),
            measure_kind: "community_detox".into(),
            decision_date: "2024-02-21".into(),
            ..Default::default()
        })
        .await;
    app.login().await;
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains("2024年3月7日"), "report deadline shown");
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Masked)
            .await
            .unwrap();
    let mid = detail.measures[0].id;
    let path = format!("/persons/{id}/measures/{mid}");
    // Report before the decision: refused.
    let (s, _, _) = app.post(&path, &[("action", "report"), ("date", "2024-02-20")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Report on 2024-03-05: the term runs to 2027-03-04.
    let (s, _, _) = app.post(&path, &[("action", "report"), ("date", "2024-03-05")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // Resume while not suspended: refused.
    let (s, _, _) = app.post(&path, &[("action", "resume"), ("date", "2025-01-20")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Suspended 2025-01-10, resumed 2025-01-20: 10 days move the last day to 2027-03-14.
    let (s, _, _) = app.post(&path, &[("action", "suspend"), ("date", "2025-01-10")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = app.post(&path, &[("action", "resume"), ("date", "2025-01-20")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains(r#"data-testid="planned-last-day">2027年3月14日<"#), "{body}");
    // A second open measure is refused; compulsory isolation ends the detox.
    let (s, _, _) = app
        .post(
            &format!("/persons/{id}/measures"),
            &[("measure_kind", "community_rehab"), ("decision_date", "2026-11-01")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app
        .post(
            &format!("/persons/{id}/measures"),
            &[("measure_kind", "compulsory_isolation"), ("decision_date", "2026-11-01"), ("confirm_exemptions", "1")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Masked)
            .await
            .unwrap();
    assert_eq!(detail.measures.len(), 2);
    // Compulsory isolation: 2 years from the decision, last day 2028-10-31.
    assert_eq!(detail.measures[0].planned_last_day, NaiveDate::from_ymd_opt(2028, 10, 31));
    app
});

both!(lists_search_filter_and_overview, |app: TestApp| async move {
    let a = app.person("张三丰", ID_A, "2026-08-25", "2026-09-01").await;
    let _b = app.person("李四", &id_b(), "2026-08-25", "2026-09-01").await;
    app.login().await;
    // Names are encrypted at rest: search is by blind index, on the full name (spacing and
    // full-width forms normalised), not on a part of it.
    let (_, body) = app.get("/persons?q=张三丰").await;
    assert!(body.contains("张三丰") && !body.contains("李四"));
    let (_, body) = app.get("/persons?q=%E5%BC%A0%20%E4%B8%89%E4%B8%B0").await;
    assert!(body.contains("张三丰"), "'张 三丰' is the same name");
    let (_, body) = app.get("/persons?q=张三").await;
    assert!(!body.contains("张三丰") && !body.contains("李四"), "a part of a name finds nothing");
    let (_, body) = app.get(&format!("/persons?q={}", ID_A.to_lowercase())).await;
    assert!(body.contains("张三丰") && !body.contains("李四"));
    let (_, body) = app.get("/persons?status=lost_contact").await;
    assert!(!body.contains("张三丰"));
    let (_, body) = app.get("/persons?town=430405009&measure=community_detox").await;
    assert!(body.contains("张三丰") && body.contains("李四"));
    let (_, body) = app.get("/persons?town=430405007").await;
    assert!(!body.contains("张三丰"));
    // A page that is no number is refused naming it (issue #18 item 18), not read as page 1.
    let (s, body) = app.get("/persons?page=abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{s}");
    assert!(body.contains("查询参数 page"), "{body}");
    let (s, body) = app.get("/overview").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="total">2<"#), "{body}");
    assert!(body.contains("广东路街道"));
    // An amendment points at the event it corrects.
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), a, persons::Reading::Masked)
            .await
            .unwrap();
    let target = detail.events.last().unwrap().id;
    let (s, _, _) = app
        .post(
            &format!("/persons/{a}/events"),
            &[("kind", "amendment"), ("amends", &target.to_string()), ("date", "2026-11-29")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an amendment needs a note");
    let (s, _, _) = app
        .post(
            &format!("/persons/{a}/events"),
            &[
                ("kind", "amendment"),
                ("amends", &target.to_string()),
                ("date", "2026-11-29"),
                ("note", "决定日期录入有误"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), a, persons::Reading::Masked)
            .await
            .unwrap();
    assert!(detail.events.iter().find(|e| e.id == target).unwrap().amended_by.is_some());
    app
});

both!(editing_a_person_uses_the_version, |app: TestApp| async move {
    let id = app.person("测试辛", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    let (s, body) = app.get(&format!("/persons/{id}/edit")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"name="version" value="1""#));
    let path = format!("/persons/{id}/edit");
    let form = |version: &'static str, phone: &'static str| {
        vec![
            ("version", version),
            ("name", "测试辛"),
            ("division", "430405009009"),
            ("addiction_finding", "addicted"),
            ("employed", "yes"),
            ("phone", phone),
        ]
    };
    // A bad phone: 422, nothing changes.
    let (s, body, _) = app.post(&path, &form("1", "call me")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("联系电话格式不正确"));
    // A good edit moves the person to 葵花里社区 and bumps the version to 2.
    let (s, _, _) = app.post(&path, &form("1", "0734-1234567")).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let detail =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Masked)
            .await
            .unwrap();
    assert_eq!(detail.person.version, 2);
    assert_eq!(detail.person.division_code, "430405009009");
    assert_eq!(detail.person.circumstances.employed, Some(true));
    assert!(
        detail.events.iter().any(|e| e.note.as_deref() == Some("修改人员信息：联系电话、所属辖区、就业情况")),
        "{:?}",
        detail.events
    );
    // The same form again, still at version 1, is stale.
    let (s, body, _) = app.post(&path, &form("1", "0734-7654321")).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("已被他人修改"));
    app
});

both!(divisions_are_found_by_code_and_by_name_path, |app: TestApp| async move {
    let by_path = deployment::division_by_path(&app.db, "湖南省/衡阳市/珠晖区/广东路街道").await.unwrap().unwrap();
    assert_eq!(by_path.code.to_string(), "430405009000");
    assert_eq!(by_path.level, jindu_domain::DivisionLevel::Town);
    let by_code =
        deployment::division_by_code(&app.db, DivisionCode::parse("430405009007").unwrap()).await.unwrap().unwrap();
    assert_eq!(by_code.name_path, "湖南省/衡阳市/珠晖区/广东路街道/湖北路社区居委会");
    let root = deployment::root(&app.db).await.unwrap().unwrap();
    assert_eq!(root.name, "珠晖区");
    let towns = deployment::children(&app.db, root.code).await.unwrap();
    assert_eq!(towns.len(), 10);
    assert_eq!(towns[0].name, "衡州路街道");
    let communities = deployment::in_scope(&app.db, root.code, jindu_domain::DivisionLevel::Village).await.unwrap();
    assert_eq!(communities.len(), 75);
    assert!(deployment::division_by_code(&app.db, DivisionCode::parse("110105").unwrap()).await.unwrap().is_none());
    // The registration form takes a short name path too.
    app.login().await;
    let (s, _, _) = app
        .post("/persons/new", &[("name", "测试壬"), ("id_number", ID_A), ("division", "广东路街道/湖北路社区居委会")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app
});

/// A valid synthetic ID number born 1990-01-01 with sequence `seq` (check digit computed).
fn synthetic_id(seq: u32) -> String {
    id_in_month("199001", seq)
}

both!(every_route_by_every_role_in_and_out_of_scope, |app: TestApp| async move {
    use jindu_domain::Role;
    use jindu_domain::access::default_profile;
    use jindu_web::routes::{Access, DEPLOYMENT_WIDE, ROUTES};
    let now = Now::at(fixed_instant());
    let town = DivisionCode::parse("430405009").unwrap();
    let mut deployment_wide = 0;
    // One user per role, all scoped to 广东路街道 but the member unit's, which sits at its
    // district (issue #20 item 6) and holds no permission.
    let mut worker_id = None;
    let unit = jindu_store::service::units::create_member_unit(
        &app.db,
        &app.admin,
        now,
        jindu_store::service::units::MemberUnitForm { name: "区教育局".into(), duties: String::new() },
    )
    .await
    .unwrap();
    for role in Role::ALL {
        let member = *role == Role::MemberUnit;
        let id = users::add(
            &app.db,
            now,
            users::NewUser {
                division: if member { DivisionCode::parse("430405").unwrap() } else { town },
                member_unit: member.then(|| unit.clone()),
                ..new_user(&format!("u_{}", role.as_code()), role.label_zh(), role.as_code())
            },
        )
        .await
        .unwrap();
        if *role == Role::SocialWorker {
            worker_id = Some(id);
        }
        if *role == Role::SystemAdmin {
            // The administrator's second factor (required by default), set up two minutes ago.
            enrol_totp(&app, id, 120).await;
        }
    }
    let register = |name: &str, id: String, division: &str| NewPerson {
        name: name.into(),
        id_number: id,
        division: division.into(),
        social_worker_id: worker_id.unwrap().to_string(),
        measure_kind: "community_detox".into(),
        decision_date: "2026-08-25".into(),
        report_date: "2026-09-01".into(),
        ..Default::default()
    };
    let inside =
        persons::register(&app.db, &app.vault, &app.admin, now, register("范围内", synthetic_id(1), "430405009007"))
            .await
            .unwrap();
    let mut out = register("范围外", synthetic_id(2), "430405007006");
    out.social_worker_id = String::new();
    let outside = persons::register(&app.db, &app.vault, &app.admin, now, out).await.unwrap();
    let measure_of = |id: Uuid| {
        let db = app.db.clone();
        let vault = app.vault.clone();
        let admin = app.admin.clone();
        async move { persons::detail(&db, &vault, &admin, now, id, persons::Reading::Masked).await.unwrap().measures[0].id }
    };
    let (m_in, m_out) = (measure_of(inside).await, measure_of(outside).await);

    // Logout last: it ends the session the other requests use.
    let mut specs: Vec<_> = ROUTES.to_vec();
    specs.sort_by_key(|s| s.path == "/logout");
    let mut seq = 100;
    let mut checked = 0;
    for role in Role::ALL {
        let profile = default_profile(*role);
        let client = cookie_client();
        let token = csrf(&client, &app.base).await;
        let r = client
            .post(app.url("/login"))
            .form(&[("username", format!("u_{}", role.as_code()).as_str()), ("password", PASSWORD), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{role:?} signs in");
        if *role == Role::SystemAdmin {
            assert_eq!(r.headers().get("location").unwrap(), "/login/totp");
            let code = second_factor::code_at(TOTP_SECRET, fixed_instant().timestamp()).unwrap();
            let r = client
                .post(app.url("/login/totp"))
                .form(&[("code", code.as_str()), ("csrf", &token)])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "the administrator passes the second factor");
        }
        for spec in &specs {
            let targets: Vec<(bool, Uuid, Uuid)> = if spec.person_scoped {
                vec![(true, inside, m_in), (false, outside, m_out)]
            } else {
                vec![(true, inside, m_in)]
            };
            for (in_scope, pid, mid) in targets {
                let path = spec
                    .path
                    .replace("{id}", &pid.to_string())
                    .replace("{mid}", &mid.to_string())
                    // An account inside the town (the administrator's scope).
                    .replace("{uid}", &worker_id.unwrap().to_string())
                    .replace("{list}", "persons")
                    .replace("{format}", "xlsx")
                    // Import jobs belong to the user who started them: another id is not found.
                    .replace("{job}", &Uuid::now_v7().to_string())
                    // No evaluation run exists: any id is not found.
                    .replace("{run}", &Uuid::now_v7().to_string())
                    .replace("{scheme}", &Uuid::now_v7().to_string())
                    .replace("{unit}", "430405009000")
                    // No plan task or stored file exists: any id is not found.
                    .replace("{task}", &Uuid::now_v7().to_string())
                    .replace("{file}", &Uuid::now_v7().to_string())
                    // No workstation exists: any id is not found.
                    .replace("{ws}", &Uuid::now_v7().to_string())
                    // No enterprise exists: any id is not found (a 企业 account's own is
                    // checked in `precursors::`).
                    .replace("{ent}", &Uuid::now_v7().to_string())
                    // No inspection exists: any id is not found.
                    .replace("{insp}", &Uuid::now_v7().to_string())
                    // No finding exists: any id is not found.
                    .replace("{finding}", &Uuid::now_v7().to_string())
                    // No credential exists: any id is not found.
                    .replace("{cred}", &Uuid::now_v7().to_string())
                    .replace("{form}", "movements")
                    .replace("{user}", &app.admin.user_id.to_string());
                seq += 1;
                let id_number = synthetic_id(seq);
                let version = persons::detail(&app.db, &app.vault, &app.admin, now, pid, persons::Reading::Masked)
                    .await
                    .unwrap()
                    .person
                    .version
                    .to_string();
                let form: Vec<(&str, String)> = match spec.path {
                    "/login" => vec![("username", "nobody".into()), ("password", "x".into())],
                    "/persons/new" => {
                        vec![("name", "新登记".into()), ("id_number", id_number), ("division", "430405009007".into())]
                    }
                    "/persons/{id}/edit" => vec![
                        ("version", version),
                        ("name", "范围内".into()),
                        ("division", "430405009007".into()),
                        ("addiction_finding", "addicted".into()),
                        ("employed", "yes".into()),
                        ("social_worker_id", worker_id.unwrap().to_string()),
                    ],
                    "/persons/{id}/events" => {
                        vec![("kind", "visit".into()), ("date", "2026-11-29".into())]
                    }
                    "/persons/{id}/measures" => {
                        vec![("measure_kind", "community_rehab".into()), ("decision_date", "2026-11-01".into())]
                    }
                    "/persons/{id}/status" => vec![("status", "under_control".into()), ("date", "2026-11-29".into())],
                    "/persons/{id}/measures/{mid}" => {
                        vec![("action", "resume".into()), ("date", "2026-11-29".into())]
                    }
                    _ => vec![],
                };
                let mut form = form;
                form.push(("csrf", token.clone()));
                let resp = if spec.method == "GET" {
                    client.get(app.url(&path)).send().await.unwrap()
                } else {
                    client.post(app.url(&path)).form(&form).send().await.unwrap()
                };
                let status = resp.status();
                let body = resp.text().await.unwrap();
                let what = format!(
                    "{role:?} {} {} ({})",
                    spec.method,
                    spec.path,
                    if in_scope { "in scope" } else { "out of scope" }
                );
                assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}");
                match spec.access {
                    Access::Public => {
                        assert!(status != StatusCode::FORBIDDEN && status != StatusCode::NOT_FOUND, "{what}: {status}")
                    }
                    Access::SignedIn => {
                        assert!(
                            [StatusCode::OK, StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                            "{what}: {status}"
                        )
                    }
                    a @ (Access::Needs(_) | Access::NeedsAny(_)) if a.allows(&profile) == Some(false) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{what}")
                    }
                    // Deployment-wide settings and role profiles: every user here is scoped to
                    // a town, below the deployment's root (430405), so each is refused with the
                    // sentence that names the root (issue #18 item 1).
                    Access::Needs(_) | Access::NeedsAny(_) if DEPLOYMENT_WIDE.contains(&(spec.method, spec.path)) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{what}");
                        assert!(body.contains("对整个部署（湖南省/衡阳市/珠晖区）生效"), "{what}: {body}");
                        deployment_wide += 1;
                    }
                    // A form for a task that does not exist: its sentence (422) or not found.
                    Access::Needs(_) | Access::NeedsAny(_) if in_scope && spec.path.contains("{task}") => assert!(
                        [StatusCode::NOT_FOUND, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                        "{what}: {status}"
                    ),
                    Access::Needs(_) | Access::NeedsAny(_)
                        if !in_scope
                            || [
                                "{job}",
                                "{run}",
                                "{file}",
                                "{scheme}",
                                "{ws}",
                                "{ent}",
                                "{finding}",
                                "{cred}",
                                "{insp}",
                            ]
                            .iter()
                            .any(|p| spec.path.contains(p)) =>
                    {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{what}")
                    }
                    Access::Needs(_) | Access::NeedsAny(_) => assert!(
                        [StatusCode::OK, StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                        "{what}: {status} {body}"
                    ),
                }
                // Nothing outside the scope shows up in any page.
                assert!(!body.contains("范围外"), "{what} reveals an out-of-scope person");
                checked += 1;
            }
        }
    }
    // 9 roles (the 企业 account too) × (every route + the person routes twice).
    assert_eq!(checked, Role::ALL.len() * (ROUTES.len() + ROUTES.iter().filter(|s| s.person_scoped).count()));
    // Refused below the root: the administrator on all four, the office on risk and indicators.
    assert_eq!(deployment_wide, 4 + 2);
    app
});

#[test]
fn every_registered_route_is_in_the_access_table() {
    let (_, registered) = jindu_web::app_routes();
    let table: Vec<(&str, &str)> = jindu_web::routes::ROUTES.iter().map(|s| (s.method, s.path)).collect();
    for r in &registered {
        assert!(table.contains(r), "route {r:?} is missing from routes::ROUTES");
    }
    for t in &table {
        assert!(registered.contains(t), "routes::ROUTES lists {t:?}, which is not registered");
    }
    assert_eq!(registered.len(), table.len());
}

both!(audit_chain_catches_changed_deleted_and_inserted_records, |app: TestApp| async move {
    use jindu_store::service::audit::{self, Sealed, Verdict};
    use sea_orm::ConnectionTrait;
    // Activity: a failed and a good login, a registration, a read and an event.
    let (s, _, _) = app.post("/login", &[("username", "office"), ("password", "wrong-password")]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.login().await;
    let id = app.person("测试癸", ID_A, "2026-08-25", "2026-09-01").await;
    let (s, _) = app.get(&format!("/persons/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _, _) = app.post(&format!("/persons/{id}/events"), &[("kind", "visit"), ("date", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // login failed, login ok, person.create, person.read, event.create.
    let rows = audit_rows(&app).await;
    assert_eq!(
        rows.iter().map(|r| (r.action.as_str(), r.outcome.as_str())).collect::<Vec<_>>(),
        vec![
            ("login", "failed"),
            ("login", "ok"),
            ("person.create", "ok"),
            ("person.read", "ok"),
            ("event.create", "ok")
        ]
    );
    assert_eq!(rows[3].object_id.as_deref(), Some(id.to_string().as_str()));
    // One writer at a time: one lane, positions 1 to 5.
    assert!(rows.iter().all(|r| r.lane == rows[0].lane));
    assert_eq!(rows.iter().map(|r| r.lane_seq).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
    let lane = rows[0].lane;
    let pos = |seq: i64| rows.iter().find(|r| r.seq == seq).map(|r| r.lane_seq).unwrap();
    let (s2, s3, s5) = (rows[1].seq, rows[2].seq, rows[4].seq);
    // Not yet sealed: intact, and reported as unsealed (not as tampering).
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, unsealed: 5 });
    // The same changes are caught before and after the seal.
    for sealed in [false, true] {
        if sealed {
            assert!(matches!(
                audit::seal(&app.db, &app.vault, Now::at(fixed_instant())).await.unwrap(),
                Sealed::Sealed { new: 5, .. }
            ));
            assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, unsealed: 0 });
        }
        // Changed: record 3's action rewritten.
        app.db
            .execute_unprepared(&format!("UPDATE audit_record SET action = 'person.update' WHERE seq = {s3}"))
            .await
            .unwrap();
        assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Modified { seq: s3 });
        app.db
            .execute_unprepared(&format!("UPDATE audit_record SET action = 'person.create' WHERE seq = {s3}"))
            .await
            .unwrap();
        assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, .. }));

        // Deleted in the middle.
        let saved = rows[1].clone();
        app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {s2}")).await.unwrap();
        assert_eq!(
            audit::verify(&app.db, &app.vault).await.unwrap(),
            Verdict::Gap { lane, after: pos(s2) - 1, next: pos(s3) }
        );
        restore(&app, saved).await;
        assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, .. }));
        // Deleted at the end: once sealed, the sealed head is missing; before, the tail just
        // ends earlier (the limit of an unsealed record, sealed within seconds by a server).
        let last = rows[4].clone();
        app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {s5}")).await.unwrap();
        let v = audit::verify(&app.db, &app.vault).await.unwrap();
        if sealed {
            assert!(matches!(v, Verdict::HeadMismatch { .. }), "{v:?}");
        } else {
            assert_eq!(v, Verdict::Intact { records: 4, unsealed: 4 });
        }
        restore(&app, last).await;

        // Inserted without the hash right: a broken record.
        let mut junk = rows[4].clone();
        junk.seq = s5 + 100;
        junk.lane_seq = 6;
        junk.action = "person.read".into();
        restore(&app, junk).await;
        assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Modified { seq: s5 + 100 });
        app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {}", s5 + 100)).await.unwrap();
        assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, .. }));
    }

    // Inserted with a correct hash between 2 and 3 (renumbering the rest) breaks the next record.
    for r in rows.iter().skip(2).rev() {
        app.db
            .execute_unprepared(&format!(
                "UPDATE audit_record SET seq = {}, lane_seq = {} WHERE seq = {}",
                r.seq + 1000,
                r.lane_seq + 1,
                r.seq
            ))
            .await
            .unwrap();
    }
    let mut forged = rows[1].clone();
    forged.seq = 999;
    forged.lane_seq = 3;
    forged.action = "person.read".into();
    forged.prev_hash = rows[1].hash.clone();
    forged.hash = audit::record_hash(&forged);
    restore(&app, forged).await;
    // The renumbered record no longer matches its own hash.
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Modified { seq: s3 + 1000 });
    app
});

both!(audit_chain_catches_a_record_appended_behind_its_back, |app: TestApp| async move {
    use jindu_store::service::audit::{self, Verdict};
    use sea_orm::ConnectionTrait;
    app.login().await;
    let rows = audit_rows(&app).await;
    assert_eq!(rows.len(), 1);
    audit::seal(&app.db, &app.vault, Now::at(fixed_instant())).await.unwrap();
    // A record chained to record 1 but placed at or below the sealed head is caught.
    let mut forged = rows[0].clone();
    forged.seq = rows[0].seq + 1;
    forged.lane_seq = 0;
    forged.action = "person.read".into();
    forged.prev_hash = rows[0].hash.clone();
    forged.hash = audit::record_hash(&forged);
    restore(&app, forged.clone()).await;
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::BrokenLink { seq: forged.seq });
    app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {}", forged.seq)).await.unwrap();
    // A record whose prev_hash points elsewhere is a broken link.
    forged.lane_seq = 2;
    forged.prev_hash = "f".repeat(64);
    forged.hash = audit::record_hash(&forged);
    restore(&app, forged.clone()).await;
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::BrokenLink { seq: forged.seq });
    // The sealer does not seal past it.
    assert_eq!(audit::seal(&app.db, &app.vault, Now::at(fixed_instant())).await.unwrap(), audit::Sealed::Refused);
    app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {}", forged.seq)).await.unwrap();
    // A record in a lane that does not exist.
    forged.lane = 77;
    forged.lane_seq = 1;
    forged.prev_hash = jindu_store::service::audit::GENESIS.into();
    forged.hash = audit::record_hash(&forged);
    restore(&app, forged.clone()).await;
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::BrokenLink { seq: forged.seq });
    app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {}", forged.seq)).await.unwrap();
    // The seal rewritten without the key (a later head claimed) is caught.
    let seal = jindu_store::service::deployment::get_setting(&app.db, "audit.seal").await.unwrap().unwrap();
    let forged_seal = seal.replace("\"n\":1", "\"n\":9");
    jindu_store::service::deployment::put_setting(&app.db, "audit.seal", &forged_seal).await.unwrap();
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::SealForged);
    jindu_store::service::deployment::put_setting(&app.db, "audit.seal", &seal).await.unwrap();
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 1, unsealed: 0 });
    app
});

async fn audit_rows(app: &TestApp) -> Vec<jindu_store::entities::audit_record::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    jindu_store::entities::audit_record::Entity::find()
        .order_by_asc(jindu_store::entities::audit_record::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

async fn restore(app: &TestApp, r: jindu_store::entities::audit_record::Model) {
    use sea_orm::{ActiveModelTrait, IntoActiveModel};
    let mut am = r.into_active_model();
    am = am.reset_all();
    am.insert(&app.db).await.unwrap();
}

both!(lockout_forced_password_change_and_idle_timeout, |app: TestApp| async move {
    let now = Now::at(fixed_instant());
    users::add(&app.db, now, users::NewUser { must_change_password: true, ..new_user("newbie", "新用户", "office") })
        .await
        .unwrap();
    let login = |password: &'static str| {
        let client = app.client.clone();
        let url = app.url("/login");
        let base = app.base.clone();
        async move {
            let token = csrf(&client, &base).await;
            let r = client
                .post(url)
                .form(&[("username", "newbie"), ("password", password), ("csrf", &token)])
                .send()
                .await
                .unwrap();
            let s = r.status();
            let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
            (s, loc, r.text().await.unwrap())
        }
    };
    // Four failures say "wrong"; the fifth locks the account for 15 minutes.
    for _ in 0..4 {
        let (s, _, body) = login("Wrong-Password-1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(body.contains("用户名或密码错误"));
    }
    let (s, _, body) = login("Wrong-Password-1").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Locked at 10:00 Shanghai until 10:15.
    assert!(body.contains("账号已锁定15分钟") && body.contains("10:15"), "{body}");
    let (s, _, body) = login(PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the right password is refused while locked");
    assert!(body.contains("10:15"));
    app.advance(14);
    let (s, _, _) = login(PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "still locked at 10:14");
    app.advance(2);
    // Unlocked at 10:16; the initial password must be changed before anything else.
    let (s, loc, _) = login(PASSWORD).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some("/account/password"));
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "every page leads to the password form");
    let (s, body, _) =
        app.post("/account/password", &[("current", PASSWORD), ("password", "short"), ("confirm", "short")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("密码至少10位"));
    let (s, _, _) = app
        .post(
            "/account/password",
            &[("current", PASSWORD), ("password", "New-Password-2026"), ("confirm", "New-Password-2026")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::OK);
    // 29 idle minutes keep the session; 31 end it.
    app.advance(29);
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::OK);
    app.advance(31);
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "idle session expired");
    app
});

both!(hostile_input_gets_sentences_not_500s, |app: TestApp| async move {
    let id = app.person("测试子", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    // Open redirects through tabs, newlines, backslashes and protocol-relative paths go home.
    for next in ["/\t/evil.com", "/\n/evil.com", "//evil.com", "/\\evil.com", "https://evil.com", "javascript:alert(1)"]
    {
        let token = csrf(&app.client, &app.base).await;
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("username", "office"), ("password", PASSWORD), ("next", next), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{next:?}");
        assert_eq!(r.headers().get("location").unwrap(), "/", "{next:?}");
        let r = app.client.get(app.url("/lang")).query(&[("to", "zh-CN"), ("back", next)]).send().await.unwrap();
        assert_eq!(r.headers().get("location").unwrap(), "/", "{next:?}");
    }
    // A missing field, a wrong content type, an oversized body, GET on a POST route: bilingual pages.
    let (s, body, _) = app.post("/persons/new", &[("id_number", ID_A)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("表单内容不完整") && body.contains("nothing was saved"), "{body}");
    let token = csrf(&app.client, &app.base).await;
    let r = app
        .client
        .post(app.url("/persons/new"))
        .header("x-csrf-token", &token)
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.text().await.unwrap().contains("请用网页表单提交"));
    // (Its own client: the server stops reading an oversized body and closes that connection.)
    let huge = "张".repeat(200_000);
    let own = cookie_client();
    let token = csrf(&own, &app.base).await;
    own.post(app.url("/login"))
        .form(&[("username", "office"), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    let r = own
        .post(app.url("/persons/new"))
        .form(&[("name", huge.as_str()), ("id_number", ID_A), ("division", "430405009007"), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("提交的内容过大"));
    let (s, body) = app.get(&format!("/persons/{id}/events")).await;
    assert_eq!(s, StatusCode::METHOD_NOT_ALLOWED);
    assert!(body.contains("只接受表单提交"));
    // Hidden characters in names, an over-long address, dates before birth, dates without a measure.
    for name in ["\u{200B}", "张\u{0}三", "张\u{202E}三", "\u{301}"] {
        let (s, body, _) =
            app.post("/persons/new", &[("name", name), ("id_number", &id_b()), ("division", "430405009007")]).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{name:?}");
        assert!(body.contains("不可见字符"), "{name:?}");
    }
    let long_address = "路".repeat(201);
    for (field, value, says) in [
        ("address", long_address.as_str(), "现住址过长：最多200个字"),
        ("first_found_on", "1899-01-01", "初次发现日期"),
        ("decision_date", "2026-11-01", "请填写"),
    ] {
        let form = [("name", "测试丑"), ("id_number", &id_b()), ("division", "430405009007"), (field, value)];
        let (s, body, _) = app.post("/persons/new", &form).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{field}");
        assert!(body.contains(says), "{field}: {body}");
    }
    // ID_A was born 1949-12-31: a visit in 1949 is refused.
    let (s, _, _) = app.post(&format!("/persons/{id}/events"), &[("kind", "visit"), ("date", "1949-12-30")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // An amendment of an unknown event says so in the summary at the top.
    let (s, body, _) = app
        .post(
            &format!("/persons/{id}/events"),
            &[("kind", "amendment"), ("amends", "not-a-uuid"), ("date", "2026-11-29"), ("note", "x")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains(r#"data-testid="error-summary""#), "{body}");
    // A stale status form, and a garbage version on an event: 409.
    let (s, _, _) = app
        .post(&format!("/persons/{id}/status"), &[("status", "abroad"), ("date", "2026-11-29"), ("version", "0")])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (s, _, _) = app
        .post(&format!("/persons/{id}/events"), &[("kind", "visit"), ("date", "2026-11-29"), ("version", "abc")])
        .await;
    assert_eq!(s, StatusCode::CONFLICT);
    // % and _ are searched as themselves.
    let (_, body) = app.get("/persons?q=%25").await;
    assert!(!body.contains("测试子"));
    let (_, body) = app.get("/persons?q=_").await;
    assert!(!body.contains("测试子"));
    assert_eq!(app.person_count().await, 1);
    app
});

both!(concurrent_writes_wait_their_turn, |app: TestApp| async move {
    let mut ids = Vec::new();
    for i in 0..10u32 {
        ids.push(app.person(&format!("并发{i}"), &synthetic_id(500 + i), "2026-08-25", "2026-09-01").await);
    }
    app.login().await;
    let before = app.event_count().await;
    let mut tasks = Vec::new();
    let token = csrf(&app.client, &app.base).await;
    for id in ids {
        let client = app.client.clone();
        let url = app.url(&format!("/persons/{id}/events"));
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .form(&[("kind", "visit"), ("date", "2026-11-29"), ("csrf", token.as_str())])
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::SEE_OTHER);
    }
    assert_eq!(app.event_count().await, before + 10);
    assert!(matches!(
        jindu_store::service::audit::verify(&app.db, &app.vault).await.unwrap(),
        jindu_store::service::audit::Verdict::Intact { .. }
    ));
    app
});

both!(audit_viewer_who_viewed_and_cross_site_posts, |app: TestApp| async move {
    let id = app.person("测试寅", ID_A, "2026-08-25", "2026-09-01").await;
    app.login().await;
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    // The office sees who viewed the record, including this very view.
    assert!(body.contains(r#"data-testid="record-access""#) && body.contains("person.read"), "{body}");
    // A form posted from another site is refused; nothing is stored.
    let before = app.event_count().await;
    for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("origin", "null")] {
        let r = app
            .client
            .post(app.url(&format!("/persons/{id}/events")))
            .header(header, value)
            .form(&[("kind", "visit"), ("date", "2026-11-29")])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{header}: {value}");
        assert!(r.text().await.unwrap().contains("跨站请求伪造防护"));
    }
    assert_eq!(app.event_count().await, before);
    // A same-origin form without the session's CSRF token, or with another one, is refused too.
    let token = csrf(&app.client, &app.base).await;
    let stranger = csrf(&reqwest::Client::builder().cookie_store(true).build().unwrap(), &app.base).await;
    assert_ne!(token, stranger, "each session has its own token");
    for bad in [None, Some(""), Some(stranger.as_str()), Some(&token[..10])] {
        let mut form = vec![("kind", "visit"), ("date", "2026-11-29")];
        if let Some(b) = bad {
            form.push(("csrf", b));
        }
        let r = app.client.post(app.url(&format!("/persons/{id}/events"))).form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{bad:?}");
        assert!(r.text().await.unwrap().contains("表单已失效"));
    }
    assert_eq!(app.event_count().await, before);
    let same = app.url("");
    let r = app
        .client
        .post(app.url(&format!("/persons/{id}/events")))
        .header("origin", same)
        .form(&[("kind", "visit"), ("date", "2026-11-29"), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "same-origin posts with the token pass");
    // The auditor reads the log (and that read is itself logged); the office may not.
    let (s, _) = app.get("/audit").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.user("aud", "审计员", "auditor", "430405", false).await;
    let auditor = signed_in(&app, "aud").await;
    let body = auditor.get(app.url("/audit?action=person.read")).send().await.unwrap().text().await.unwrap();
    assert!(body.contains(&id.to_string()), "{body}");
    let body = auditor.get(app.url("/audit?action=audit.read")).send().await.unwrap().text().await.unwrap();
    assert!(body.contains("aud"));
    let (s, _) = (auditor.get(app.url(&format!("/persons/{id}"))).send().await.unwrap().status(), ());
    assert_eq!(s, StatusCode::FORBIDDEN, "the auditor sees no case data");
    app
});

/// Registers `name` with [`ID_A`], a phone and an address (what the pages mask) in community
/// 430405009007.
async fn with_contacts(app: &TestApp, name: &str) -> Uuid {
    app.register(NewPerson {
        name: name.into(),
        id_number: ID_A.into(),
        phone: "13812345678".into(),
        address: "衡阳市珠晖区广东路1号".into(),
        division: "430405009007".into(),
        ..Default::default()
    })
    .await
}

both!(personal_data_is_masked_and_unmasking_is_audited, |app: TestApp| async move {
    let id = with_contacts(&app, "测试卯").await;
    app.login().await;
    let (_, body) = app.get(&format!("/persons/{id}")).await;
    assert!(body.contains("110105********002X") && body.contains("138****5678"), "masked by default");
    assert!(!body.contains("13812345678") && !body.contains(ID_A));
    let (s, body) = app.get(&format!("/persons/{id}?unmask=1")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(ID_A) && body.contains("13812345678") && body.contains("衡阳市珠晖区广东路1号"));
    let rows = audit_rows(&app).await;
    assert_eq!(rows.iter().filter(|r| r.action == "person.unmask").count(), 1);
    // The edit form keeps the ID number masked.
    let (_, body) = app.get(&format!("/persons/{id}/edit")).await;
    assert!(body.contains("110105********002X") && !body.contains(ID_A));
    // A social worker may not unmask.
    let sw = app.user("sw", "社工", "social_worker", "430405009", false).await;
    let _ = sw;
    let other = signed_in(&app, "sw").await;
    let r = other.get(app.url(&format!("/persons/{id}?unmask=1"))).send().await.unwrap();
    assert!(r.status() == StatusCode::FORBIDDEN || r.status() == StatusCode::NOT_FOUND, "{}", r.status());
    app
});

both!(leaders_see_counts_without_links_to_names, |app: TestApp| async move {
    app.person("测试辰", ID_A, "2026-08-25", "2026-09-01").await;
    app.user("lead", "领导", "leader", "430405", false).await;
    let token = csrf(&app.client, &app.base).await;
    let r = app
        .client
        .post(app.url("/login"))
        .form(&[("username", "lead"), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (s, _) = app.get("/").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the leader's home is the overview");
    let (s, body) = app.get("/overview").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"data-testid="total">1<"#));
    assert!(!body.contains("/persons?"), "no drill-down to names for a leader");
    assert!(!body.contains("测试辰"));
    app
});

both!(second_factor_is_required_for_the_system_administrator, |app: TestApp| async move {
    use jindu_store::entities::app_user;
    use sea_orm::EntityTrait;
    let root = app.user("root", "系统管理员", "system_admin", "430405", false).await;
    let sign_in = |password: &'static str| {
        let client = app.client.clone();
        let base = app.base.clone();
        async move {
            let token = csrf(&client, &base).await;
            let r = client
                .post(format!("{base}/login"))
                .form(&[("username", "root"), ("password", password), ("csrf", &token)])
                .send()
                .await
                .unwrap();
            (r.status(), r.headers().get("location").map(|v| v.to_str().unwrap().to_string()))
        }
    };
    // Without a second factor yet: signed in, but every page leads to the setup first.
    assert_eq!(sign_in(PASSWORD).await, (StatusCode::SEE_OTHER, Some("/account/totp".into())));
    let (s, _) = app.get("/account").await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body) = app.get("/account/totp").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<svg") && body.contains("otpauth://totp/Jindu:root?"), "QR code and address");
    let shown = body.split(r#"data-testid="totp-secret">"#).nth(1).unwrap().split('<').next().unwrap().replace(' ', "");
    assert_eq!(shown.len(), 32, "160-bit secret in base32");
    let now = fixed_instant().timestamp();
    let right = second_factor::code_at(&shown, now).unwrap();
    let wrong = format!("{:06}", (right.parse::<u32>().unwrap() + 1) % 1_000_000);
    let (s, body, _) = app.post("/account/totp", &[("code", &wrong)]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("动态口令不正确"), "{body}");
    let (s, _, loc) = app.post("/account/totp", &[("code", &right)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/account")));
    let (_, body) = app.get("/account").await;
    assert!(body.contains(r#"data-testid="totp">✓"#), "{body}");
    // The secret is sealed at rest.
    let stored = app_user::Entity::find_by_id(root).one(&app.db).await.unwrap().unwrap();
    assert!(stored.totp_enabled && stored.totp_secret.unwrap().starts_with("j1:aes-256-gcm:1:"));

    // Next sign-in: password, then the code. The code just used is refused (no replay).
    app.post("/logout", &[]).await;
    assert_eq!(sign_in(PASSWORD).await, (StatusCode::SEE_OTHER, Some("/login/totp".into())));
    let (s, _) = app.get("/account").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "not signed in before the second factor");
    let (s, body) = app.get("/login/totp").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("one-time-code"));
    let (s, body, _) = app.post("/login/totp", &[("code", &right)]).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("动态口令不正确或已使用"));
    app.advance(1);
    let next = second_factor::code_at(&shown, now + 60).unwrap();
    let (s, _, loc) = app.post("/login/totp", &[("code", &next)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let (s, _) = app.get("/account").await;
    assert_eq!(s, StatusCode::OK);

    // Five wrong codes lock the account like five wrong passwords.
    app.post("/logout", &[]).await;
    assert_eq!(sign_in(PASSWORD).await, (StatusCode::SEE_OTHER, Some("/login/totp".into())));
    for i in 0..5 {
        let (s, body, _) = app.post("/login/totp", &[("code", "12345x")]).await;
        if i < 4 {
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        } else {
            assert!(body.contains("账号已锁定") || body.contains("锁定"), "{body}");
        }
    }
    let (s, _) = sign_in(PASSWORD).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "locked even with the right password");
    let (s, _) = app.get("/login/totp").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "no second-factor step without a password first");
    // Every step is in the audit log.
    use jindu_store::entities::audit_record;
    use sea_orm::{ColumnTrait, QueryFilter};
    let details: Vec<(String, Option<String>)> = audit_record::Entity::find()
        .filter(audit_record::Column::Username.eq("root"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.outcome, r.detail))
        .collect();
    for (outcome, detail) in [
        ("ok", "password; second factor pending"),
        ("ok", "second factor"),
        ("failed", "second factor: wrong code"),
        ("denied", "locked"),
    ] {
        assert!(
            details.iter().any(|(o, d)| o == outcome && d.as_deref() == Some(detail)),
            "{outcome} {detail}: {details:?}"
        );
    }
    assert!(details.iter().any(|(_, d)| d.is_none()), "user.totp_enable");
    app
});

both!(sign_in_attempts_are_rate_limited_per_address, |app: TestApp| async move {
    let token = csrf(&app.client, &app.base).await;
    // All at once: the limiter gives one attempt back every 3 s, and one after another (each
    // with its password hash, slow in a debug build on a loaded machine) the 21 took longer than
    // that in CI, so none was refused. Sent together they reach the limiter within milliseconds.
    let attempts: Vec<_> = (0..(jindu_web::LOGIN_BURST + 1))
        .map(|i| {
            let (client, url, token) = (app.client.clone(), app.url("/login"), token.clone());
            tokio::spawn(async move {
                let r = client
                    .post(url)
                    .form(&[("username", format!("nobody{i}").as_str()), ("password", "x"), ("csrf", &token)])
                    .send()
                    .await
                    .unwrap();
                let s = r.status();
                (s, r.text().await.unwrap())
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        let (s, body) = attempt.await.unwrap();
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert!(body.contains("登录尝试过于频繁") && body.contains("Too many sign-in attempts"));
        }
        statuses.push(s);
    }
    let limited = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
    assert_eq!((limited, refused), (1, 20), "the 21st attempt in a minute is refused: {statuses:?}");
    app
});

both!(the_system_administrator_manages_accounts_roles_and_settings, |app: TestApp| async move {
    use jindu_store::service::audit;
    let root = app.user("root", "系统管理员", "system_admin", "430405", false).await;
    enrol_totp(&app, root, 120).await;
    let token = csrf(&app.client, &app.base).await;
    app.client
        .post(app.url("/login"))
        .form(&[("username", "root"), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    let code = second_factor::code_at(TOTP_SECRET, fixed_instant().timestamp()).unwrap();
    let (s, _, loc) = app.post("/login/totp", &[("code", &code)]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/")));
    let (s, _) = app.get("/").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the administrator's home is the account list");
    let (s, body) = app.get("/admin/users").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("office") && body.contains("root"));
    assert!(!body.contains("/persons"), "no case data links for the administrator");

    // A new account: bad input names the field; a good one shows its initial password once.
    let (s, body, _) = app
        .post(
            "/admin/users",
            &[("username", "bad name"), ("display_name", ""), ("role", "town_officer"), ("division", "110105")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("所属单位辖区不存在或不在您的管理范围内") && body.contains("请填写该项"), "{body}");
    let (s, body, _) = app
        .post(
            "/admin/users",
            &[
                ("username", "zg09"),
                ("display_name", "广东路专干"),
                ("role", "town_officer"),
                ("division", "430405009000"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let password = body.split("<code>").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert!(users::check_password_policy(&password).is_ok());
    let created = users::authenticate(&app.db, "zg09", &password).await.unwrap().unwrap();
    assert_eq!((created.role, created.scope.prefix()), (jindu_domain::Role::TownOfficer, "430405009".to_string()));
    assert!(users::must_change_password(&app.db, created.user_id).await.unwrap());

    // Lock the new account with five wrong passwords, then unlock and reset it.
    for _ in 0..5 {
        users::login(&app.db, Now::at(fixed_instant()), "zg09", "wrong-Password-1", "10.0.0.9").await.unwrap();
    }
    let (_, body) = app.get("/admin/users").await;
    assert!(body.contains("已锁定"));
    let (s, _, _) = app.post(&format!("/admin/users/{}", created.user_id), &[("action", "unlock")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(matches!(
        users::login(&app.db, Now::at(fixed_instant()), "zg09", &password, "10.0.0.9").await.unwrap(),
        users::LoginOutcome::Ok { .. }
    ));
    let (s, body, _) = app.post(&format!("/admin/users/{}", created.user_id), &[("action", "reset_password")]).await;
    assert_eq!(s, StatusCode::OK);
    let fresh = body.split("<code>").nth(1).unwrap().split('<').next().unwrap().to_string();
    assert_ne!(fresh, password);
    assert!(users::authenticate(&app.db, "zg09", &password).await.unwrap().is_none(), "the old password is gone");
    assert!(users::authenticate(&app.db, "zg09", &fresh).await.unwrap().is_some());
    let (s, body, _) = app.post(&format!("/admin/users/{root}"), &[("action", "reset_totp")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能对自己的账号执行此操作"));
    let (s, _, _) = app.post(&format!("/admin/users/{}", Uuid::now_v7()), &[("action", "unlock")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Roles: separation of duties holds; a business role can be edited and restored.
    let (s, body, _) = app
        .post(
            "/admin/roles",
            &[("role", "system_admin"), ("permissions", "manage_users"), ("permissions", "view_persons")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("三员分立"), "{body}");
    let (s, body, _) = app.post("/admin/roles", &[("role", "office"), ("permissions", "read_audit")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("查看审计日志"));
    let (s, _, _) = app
        .post("/admin/roles", &[("role", "leader"), ("permissions", "view_counts"), ("permissions", "view_persons")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let leader = users::role_profile(&app.db, jindu_domain::Role::Leader).await.unwrap();
    assert!(leader.allows(jindu_domain::Permission::ViewPersons));
    let (_, body) = app.get("/admin/roles").await;
    assert!(body.contains("已修改"));
    let (s, _, _) = app.post("/admin/roles", &[("role", "leader"), ("reset", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(
        users::role_profile(&app.db, jindu_domain::Role::Leader).await.unwrap(),
        jindu_domain::access::default_profile(jindu_domain::Role::Leader)
    );

    // Settings: retention at least six months; the administrator keeps the second factor.
    let (s, body, _) = app.post("/admin/settings", &[("retention_months", "5"), ("totp_roles", "system_admin")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不少于六个月"));
    let (s, body, _) = app.post("/admin/settings", &[("retention_months", "24"), ("totp_roles", "office")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("系统管理员必须使用双因素认证"));
    let (s, _, _) = app
        .post(
            "/admin/settings",
            &[("retention_months", "24"), ("totp_roles", "system_admin"), ("totp_roles", "office")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(audit::retention_months(&app.db).await.unwrap(), 24);
    assert!(second_factor::required(&app.db, jindu_domain::Role::Office).await.unwrap());
    // Every change above is in the (intact) audit log.
    use jindu_store::entities::audit_record;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let actions: Vec<String> = audit_record::Entity::find()
        .filter(audit_record::Column::Username.eq("root"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    for a in ["user.create", "user.unlock", "user.reset_password", "config.role", "config.change"] {
        assert!(actions.iter().any(|x| x == a), "{a}: {actions:?}");
    }
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), audit::Verdict::Intact { .. }));
    app
});

both!(audit_prune_keeps_the_retention_and_the_chain_verifiable, |app: TestApp| async move {
    use jindu_store::service::audit::{self, Entry, Verdict, Who};
    // Records over 13 months: one a month, then prune with the default 12-month retention.
    let start = fixed_instant() - chrono::Duration::days(400);
    for i in 0..14 {
        let at = start + chrono::Duration::days(30 * i);
        audit::record(&app.db, &Who::cli(), Now::at(at), Entry::ok("test.event", "test", i)).await.unwrap();
    }
    let before = audit::verify(&app.db, &app.vault).await.unwrap();
    let Verdict::Intact { records, .. } = before else { panic!("{before:?}") };
    let removed = audit::prune(&app.db, &app.vault, &Who::cli(), Now::at(fixed_instant())).await.unwrap();
    // Cut-off = 2026-11-29 02:00Z − 12 months = 2025-11-29 02:00Z. The records start
    // 2025-10-25 (day 0) and come every 30 days: days 0 and 30 (2025-11-24) are older, day 60
    // (2025-12-24) is not. The test set-up audits nothing before them.
    assert_eq!(removed, 2);
    let after = audit::verify(&app.db, &app.vault).await.unwrap();
    assert_eq!(after, Verdict::Intact { records: records - 2 + 1, unsealed: 0 }, "the prune is itself recorded");
    // Tampering after a prune is still caught.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared("UPDATE audit_record SET detail = 'x' WHERE action = 'test.event' AND object_id = '5'")
        .await
        .unwrap();
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Modified { .. }));
    app
});

#[tokio::test]
async fn cookies_are_http_only_strict_and_secure_behind_tls() {
    for behind_tls in [false, true] {
        let dir = tempfile_dir::Dir(std::env::temp_dir().join(format!("jindu-tls-{}", Uuid::now_v7())));
        std::fs::create_dir_all(&dir.0).unwrap();
        let db = jindu_store::db::connect(&format!("sqlite://{}", dir.0.join("t.db").display())).await.unwrap();
        jindu_store::service::setup::init(&db, DivisionCode::parse("430405").unwrap()).await.unwrap();
        let vault =
            jindu_store::Vault::new(jindu_crypto::KeyRing::generate(jindu_crypto::Algorithm::Aes256Gcm).unwrap());
        let mut state = AppState::new(db, vault, Clock::Fixed(fixed_instant()), false);
        state.behind_tls = behind_tls;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, jindu_web::router(state)).await;
        });
        let r = reqwest::get(format!("http://{addr}/login")).await.unwrap();
        let cookie = r.headers().get("set-cookie").unwrap().to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        assert_eq!(cookie.contains("Secure"), behind_tls, "{cookie}");
        assert_eq!(r.headers().contains_key("strict-transport-security"), behind_tls);
        let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'")
                && !csp.contains("unsafe-inline")
                && csp.contains("frame-ancestors 'none'")
        );
        assert_eq!(r.headers().get("x-frame-options").unwrap(), "DENY");
    }
}

both!(findings_of_the_newcomer_trial_stay_fixed, |app: TestApp| async move {
    let id = with_contacts(&app, "测试申").await;
    // A town officer (no "show in full") edits with the phone and address masked; saving the
    // form unchanged keeps the stored values.
    app.user("zg09", "广东路专干", "town_officer", "430405009", false).await;
    let sign_in = |client: reqwest::Client, username: &'static str, password: &'static str| {
        let base = app.base.clone();
        async move {
            let token = csrf(&client, &base).await;
            client
                .post(format!("{base}/login"))
                .form(&[("username", username), ("password", password), ("csrf", &token)])
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(sign_in(app.client.clone(), "ZG09", PASSWORD).await, StatusCode::SEE_OTHER, "user names ignore case");
    let (_, body) = app.get(&format!("/persons/{id}/edit")).await;
    assert!(body.contains("138****5678") && !body.contains("13812345678"), "masked in the edit form");
    let version =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Masked)
            .await
            .unwrap()
            .person
            .version;
    let phone_shown = "138****5678";
    let address_shown = body.split(r#"name="address" value=""#).nth(1).unwrap().split('"').next().unwrap().to_string();
    let (s, _, _) = app
        .post(
            &format!("/persons/{id}/edit"),
            &[
                ("version", &version.to_string()),
                ("name", "测试申"),
                ("phone", phone_shown),
                ("address", &address_shown),
                ("division", "430405009007"),
                ("note", "改了备注"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let full =
        persons::detail(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), id, persons::Reading::Unmasked)
            .await
            .unwrap();
    assert_eq!(full.person.phone.as_deref(), Some("13812345678"), "the stored phone is kept");
    assert_eq!(full.person.address.as_deref(), Some("衡阳市珠晖区广东路1号"));
    assert_eq!(full.person.note.as_deref(), Some("改了备注"));

    // A refused request is audited as access.denied.
    let (s, _) = app.get("/audit").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let denied: Vec<_> = app.audited("access.denied").await.into_iter().filter(|r| r.username == "zg09").collect();
    assert_eq!(denied.len(), 1);
    assert_eq!((denied[0].object_id.as_deref(), denied[0].outcome.as_str()), (Some("GET /audit"), "denied"));

    // Notes with control characters (or invalid UTF-8) are refused, not stored.
    let before = app.event_count().await;
    for note in ["a\u{7}b", "a\u{0}b", "abc\u{FFFD}"] {
        let (s, body, _) = app
            .post(&format!("/persons/{id}/events"), &[("kind", "visit"), ("date", "2026-11-29"), ("note", note)])
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{note:?}");
        assert!(
            body.contains("不可见")
                || body.contains("控制")
                || body.contains("invisible")
                || body.contains("characters"),
            "{body}"
        );
    }
    assert_eq!(app.event_count().await, before);

    // A social worker of another town cannot be made responsible for this person.
    let other = app.user("sg28", "酃湖乡社工", "social_worker", "430405201", false).await;
    let (s, body, _) = app
        .post(
            &format!("/persons/{id}/edit"),
            &[
                ("version", &(version + 1).to_string()),
                ("name", "测试申"),
                ("division", "430405009007"),
                ("social_worker_id", &other.to_string()),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    // Guessing the current password locks the account after five tries, which ends the session.
    app.advance(1);
    for i in 0..5 {
        let (s, _, loc) = app
            .post(
                "/account/password",
                &[("current", "wrong-Guess-1"), ("password", "New-Password-2026"), ("confirm", "New-Password-2026")],
            )
            .await;
        if i < 4 {
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
        } else {
            assert!(s == StatusCode::UNPROCESSABLE_ENTITY || loc.is_some());
        }
    }
    let (s, _) = app.get("/persons").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "locked: the session ended");
    assert_eq!(sign_in(app.client.clone(), "zg09", PASSWORD).await, StatusCode::UNAUTHORIZED, "locked for 15 minutes");
    app
});

both!(a_password_reset_ends_the_other_sessions, |app: TestApp| async move {
    let uid = app.user("lead", "领导", "leader", "430405", false).await;
    let other = signed_in(&app, "lead").await;
    assert_eq!(other.get(app.url("/overview")).send().await.unwrap().status(), StatusCode::OK);
    let root = app.user("root", "系统管理员", "system_admin", "430405", false).await;
    let actor = users::actor(&app.db, root).await.unwrap().unwrap();
    app.advance(1);
    let now = Now::at(fixed_instant() + chrono::Duration::minutes(1));
    let p = jindu_store::service::admin::user_action(&app.db, &actor, now, uid, "reset_password").await.unwrap();
    assert!(p.is_some());
    assert_eq!(other.get(app.url("/overview")).send().await.unwrap().status(), StatusCode::SEE_OTHER, "signed out");
    // The auditor keeps the audit log; the demo refuses nothing here but the rule holds.
    let edit = jindu_store::service::admin::RoleEdit { role: "auditor".into(), ..Default::default() };
    let e = jindu_store::service::admin::save_role(&app.db, &actor, now, &edit).await.unwrap_err();
    assert!(format!("{e:?}").contains("role.audit"), "{e:?}");
    app
});

both!(a_social_workers_overview_counts_their_own_caseload, |app: TestApp| async move {
    let sw = app.user("sw", "社工", "social_worker", "430405009", false).await;
    let now = Now::at(fixed_instant());
    let mut mine = NewPerson {
        name: "测试酉".into(),
        id_number: ID_A.into(),
        division: "430405009007".into(),
        social_worker_id: sw.to_string(),
        ..Default::default()
    };
    persons::register(&app.db, &app.vault, &app.admin, now, mine.clone()).await.unwrap();
    mine.name = "测试戌".into();
    mine.id_number = id_b();
    mine.social_worker_id = String::new();
    persons::register(&app.db, &app.vault, &app.admin, now, mine).await.unwrap();
    let actor = users::actor(&app.db, sw).await.unwrap().unwrap();
    let o = jindu_store::service::worklist::overview(&app.db, &actor, now).await.unwrap();
    assert_eq!(o.total, 1, "the same persons as the social worker's list");
    let office = jindu_store::service::worklist::overview(&app.db, &app.admin, now).await.unwrap();
    assert_eq!(office.total, 2);
    app
});

both!(the_event_form_offers_only_what_the_role_may_record, |app: TestApp| async move {
    let id = app.person("测试亥", ID_A, "2026-08-25", "2026-09-01").await;
    app.user("pol", "民警", "police", "430405009", false).await;
    let token = csrf(&app.client, &app.base).await;
    app.client
        .post(app.url("/login"))
        .form(&[("username", "pol"), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    let (s, body) = app.get(&format!("/persons/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    // Police record tests and lost/found contact, not visits or assistance (DOMAIN §10 roles).
    assert!(body.contains(r#"<option value="drug_test""#) && body.contains(r#"<option value="contact_lost""#));
    assert!(!body.contains(r#"<option value="visit""#) && !body.contains(r#"<option value="assistance""#), "{body}");
    app
});

// ---- Transfers of the place of execution (变更执行地, 戒毒条例 §22; issue #4 items 5 and 8) ----

/// A signed-in client for `username` (with the test password).
async fn signed_in(app: &TestApp, username: &str) -> reqwest::Client {
    app.signed_in(username).await
}

/// Posts a form with `client`'s CSRF token; status, body and location.
async fn post_as(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    post_form(client, &app.base, path, form).await
}

async fn get_as(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    get_page(client, &app.base, path).await
}

/// Town officers of 广东路街道 (A, 009), 衡州路街道 (B, 007) and 东风街道 (C, 010), and a person at A
/// under community detox decided 2026-11-01, reported 2026-11-05 (running).
async fn transfer_setup(app: &TestApp) -> (Uuid, reqwest::Client, reqwest::Client, reqwest::Client) {
    app.user("ta", "广东路专干", "town_officer", "430405009", false).await;
    app.user("tb", "衡州路专干", "town_officer", "430405007", false).await;
    app.user("tc", "东风专干", "town_officer", "430405010", false).await;
    let pid = app.person("转移甲", &synthetic_id(501), "2026-11-01", "2026-11-05").await;
    (pid, signed_in(app, "ta").await, signed_in(app, "tb").await, signed_in(app, "tc").await)
}

async fn open_transfer(app: &TestApp, pid: Uuid) -> jindu_store::entities::transfer::Model {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    jindu_store::entities::transfer::Entity::find()
        .filter(jindu_store::entities::transfer::Column::PersonId.eq(pid))
        .order_by_desc(jindu_store::entities::transfer::Column::RequestedAt)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
}

both!(transfer_accepted_moves_person_obligations_and_scope, |app: TestApp| async move {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let (pid, ta, tb, tc) = transfer_setup(&app).await;
    let before_events = app.event_count().await;
    // A asks to move the person to 王江社区 of 衡州路街道.
    let (s, _, loc) = post_as(
        &app,
        &ta,
        &format!("/persons/{pid}/transfer"),
        &[("to_division", "430405007006"), ("reason", "已搬至衡州路街道居住")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.unwrap(), format!("/persons/{pid}"));
    let t = open_transfer(&app, pid).await;
    assert_eq!(t.status, "requested");
    assert!(!t.reason.clone().unwrap().contains("搬"), "the reason is sealed at rest");
    // While requested, A keeps the person; B sees the request with masked data only.
    let (s, body) = get_as(&app, &ta, &format!("/persons/{pid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("待接收"));
    let (s, body) = get_as(&app, &tb, "/transfers").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("转*甲") && !body.contains("转移甲"), "B sees the masked name only");
    assert!(body.contains("已搬至衡州路街道居住") && body.contains("accept-form"));
    assert_eq!(get_as(&app, &tb, &format!("/persons/{pid}")).await.0, StatusCode::NOT_FOUND);
    // Someone of a third town cannot decide (404), nor can A accept its own request (403).
    let tid = t.id.to_string();
    let accept = [("action", "accept"), ("transfer", tid.as_str())];
    let path = format!("/persons/{pid}/transfer/decision");
    assert_eq!(post_as(&app, &tc, &path, &accept).await.0, StatusCode::NOT_FOUND);
    assert_eq!(post_as(&app, &ta, &path, &accept).await.0, StatusCode::FORBIDDEN);
    // B accepts on Sunday 2026-11-29: 15 days → Monday 2026-12-14 (戒毒条例 §22).
    let (s, _, loc) = post_as(&app, &tb, &path, &accept).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.unwrap(), format!("/persons/{pid}"));
    let t = open_transfer(&app, pid).await;
    assert_eq!(t.status, "accepted");
    assert_eq!(t.report_deadline, NaiveDate::from_ymd_opt(2026, 12, 14));
    let p = jindu_store::entities::person::Entity::find_by_id(pid).one(&app.db).await.unwrap().unwrap();
    assert_eq!((p.division_code.as_str(), p.town_code.as_str()), ("430405007006", "430405007000"));
    assert_eq!(p.social_worker_id, None);
    let obligations = jindu_store::entities::obligation::Entity::find()
        .filter(jindu_store::entities::obligation::Column::PersonId.eq(pid))
        .all(&app.db)
        .await
        .unwrap();
    assert!(obligations.iter().all(|o| o.division_code == "430405007006"), "{obligations:?}");
    let report = obligations.iter().find(|o| o.kind == "transfer_report").expect("a report duty at B");
    assert_eq!(report.due_date, NaiveDate::from_ymd_opt(2026, 12, 14).unwrap());
    // The measure clock is untouched: time served keeps counting (3 years from 2026-11-05).
    let (s, body) = get_as(&app, &tb, &format!("/persons/{pid}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("2029年11月4日"), "planned last day unchanged");
    assert!(body.contains(r#"data-testid="due-transfer_report">2026-12-14"#), "{body}");
    assert!(body.contains("异地报到期限"));
    // A has lost sight of the person; the history stays on the timeline.
    assert_eq!(get_as(&app, &ta, &format!("/persons/{pid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.event_count().await, before_events + 2, "request and acceptance are on the timeline");
    // A check-in at B on 2026-11-29 is the report: the transfer ends as reported.
    let (s, _, _) =
        post_as(&app, &tb, &format!("/persons/{pid}/events"), &[("kind", "check_in"), ("date", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let t = open_transfer(&app, pid).await;
    assert_eq!((t.status.as_str(), t.reported_on), ("reported", NaiveDate::from_ymd_opt(2026, 11, 29)));
    let (_, body) = get_as(&app, &tb, &format!("/persons/{pid}")).await;
    assert!(!body.contains("due-transfer_report"));
    // Every step is audited.
    let actions: Vec<String> = jindu_store::entities::audit_record::Entity::find()
        .filter(jindu_store::entities::audit_record::Column::Action.starts_with("transfer."))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.action)
        .collect();
    assert_eq!(actions, ["transfer.request", "transfer.accept", "transfer.report"]);
    app
});

both!(transfer_rejected_with_a_reason_keeps_the_person, |app: TestApp| async move {
    let (pid, ta, tb, _) = transfer_setup(&app).await;
    // The same town is refused, naming the field; nothing is stored.
    let (s, body, _) =
        post_as(&app, &ta, &format!("/persons/{pid}/transfer"), &[("to_division", "430405009009")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("变更后的执行地须为其他街道"), "{body}");
    let (s, body, _) = post_as(&app, &ta, &format!("/persons/{pid}/transfer"), &[("to_division", "")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写变更后的执行地"));
    let (s, _, _) = post_as(&app, &ta, &format!("/persons/{pid}/transfer"), &[("to_division", "430405007")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // A second request while one is open is refused.
    let (s, body, _) = post_as(&app, &ta, &format!("/persons/{pid}/transfer"), &[("to_division", "430405010")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("已有一项未办结的变更执行地申请"));
    let t = open_transfer(&app, pid).await;
    let tid = t.id.to_string();
    let path = format!("/persons/{pid}/transfer/decision");
    // Returning without a reason: 422 naming the field, nothing stored.
    let (s, body, _) =
        post_as(&app, &tb, &path, &[("action", "reject"), ("transfer", &tid), ("reject_reason", " ")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("请填写退回理由。"), "{body}");
    assert_eq!(open_transfer(&app, pid).await.status, "requested");
    let (s, _, loc) = post_as(
        &app,
        &tb,
        &path,
        &[("action", "reject"), ("transfer", &tid), ("reject_reason", "经核实未在本街道居住")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.unwrap(), "/transfers");
    let t = open_transfer(&app, pid).await;
    assert_eq!(t.status, "rejected");
    // The person stays at A, who sees the reason.
    let (s, _) = get_as(&app, &ta, &format!("/persons/{pid}")).await;
    assert_eq!(s, StatusCode::OK);
    let (_, body) = get_as(&app, &ta, "/transfers").await;
    assert!(body.contains("已退回") && body.contains("经核实未在本街道居住"));
    // A returned transfer cannot be accepted afterwards (stale form: 409).
    assert_eq!(post_as(&app, &tb, &path, &[("action", "accept"), ("transfer", &tid)]).await.0, StatusCode::CONFLICT);
    app
});

both!(transfer_accept_against_cancel_has_one_winner, |app: TestApp| async move {
    let (pid, ta, tb, _) = transfer_setup(&app).await;
    let (s, _, _) = post_as(&app, &ta, &format!("/persons/{pid}/transfer"), &[("to_division", "430405007006")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let tid = open_transfer(&app, pid).await.id.to_string();
    let path = format!("/persons/{pid}/transfer/decision");
    let accept_form = [("action", "accept"), ("transfer", tid.as_str())];
    let cancel_form = [("action", "cancel"), ("transfer", tid.as_str())];
    let (accept, cancel) =
        tokio::join!(post_as(&app, &tb, &path, &accept_form), post_as(&app, &ta, &path, &cancel_form));
    let mut statuses = [accept.0, cancel.0];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT], "exactly one wins");
    let t = open_transfer(&app, pid).await;
    let p = {
        use sea_orm::EntityTrait;
        jindu_store::entities::person::Entity::find_by_id(pid).one(&app.db).await.unwrap().unwrap()
    };
    if accept.0 == StatusCode::SEE_OTHER {
        assert_eq!(t.status, "accepted");
        assert_eq!(p.division_code, "430405007006");
    } else {
        assert_eq!(t.status, "cancelled");
        assert_eq!(p.division_code, "430405009007");
    }
    app
});

both!(duplicate_registration_elsewhere_says_where_and_offers_a_transfer, |app: TestApp| async move {
    let (pid, ta, tb, _) = transfer_setup(&app).await;
    let number = synthetic_id(501);
    let count = app.person_count().await;
    let (s, body, _) = post_as(
        &app,
        &tb,
        "/persons/new",
        &[("name", "另一个名字"), ("id_number", &number), ("division", "430405007006")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("该身份证号已在其他辖区（广东路街道）登记，请联系该街道禁毒专干或区禁毒办"), "{body}");
    assert!(!body.contains("转移甲") && !body.contains("湖北路"), "no name or community of the other town");
    assert!(body.contains("pull-form"));
    assert_eq!(app.person_count().await, count, "no new row");
    // In the actor's own scope: open the record.
    let (s, body, _) =
        post_as(&app, &ta, "/persons/new", &[("name", "转移甲"), ("id_number", &number), ("division", "430405009007")])
            .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("就在本辖区") && body.contains(&format!("/persons/{pid}")));
    // B asks to take the person over; A decides.
    let (s, _, loc) = post_as(
        &app,
        &tb,
        "/transfers/pull",
        &[("id_number", &number), ("to_division", "430405007006"), ("reason", "现居王江社区")],
    )
    .await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/transfers")));
    let t = open_transfer(&app, pid).await;
    assert!(t.pull);
    let (_, body) = get_as(&app, &ta, "/transfers").await;
    assert!(body.contains("现居王江社区") && body.contains("accept-form"));
    let (s, _, _) = post_as(
        &app,
        &ta,
        &format!("/persons/{pid}/transfer/decision"),
        &[("action", "accept"), ("transfer", &t.id.to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(get_as(&app, &tb, &format!("/persons/{pid}")).await.0, StatusCode::OK);
    assert_eq!(get_as(&app, &ta, &format!("/persons/{pid}")).await.0, StatusCode::NOT_FOUND);
    app
});

both!(transfer_file_round_trip_into_another_deployment, |app: TestApp| async move {
    use jindu_store::service::{audit, transfer_file};
    use sea_orm::{EntityTrait, PaginatorTrait};
    let pid = app.person("外转乙", &synthetic_id(777), "2026-10-01", "2026-10-08").await;
    let now = Now::at(fixed_instant());
    let exported = transfer_file::export(&app.db, &app.vault, &audit::Who::cli(), now, pid, "430406").await.unwrap();
    let text = String::from_utf8(exported.bytes.clone()).unwrap();
    assert!(!text.contains("外转乙") && !text.contains(&synthetic_id(777)), "nothing personal in clear");
    assert!(text.contains("\"version\": 1"));
    // The person left this deployment's lists; the history stays; the export is audited.
    app.login().await;
    assert_eq!(app.get(&format!("/persons/{pid}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(open_transfer(&app, pid).await.status, "handed_over");
    // Registering the number again here names only the county it went to.
    let (s, body, _) = app
        .post("/persons/new", &[("name", "外转乙"), ("id_number", &synthetic_id(777)), ("division", "430405009007")])
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("已移交至其他区县（湖南省/衡阳市/雁峰区）"), "{body}");

    // A second, fresh deployment.
    let backend = if app.cleanup.is_some() { Backend::Postgres } else { Backend::Sqlite };
    let other = TestApp::start(backend).await;
    let wrong = transfer_file::import(
        &other.db,
        &other.vault,
        &audit::Who::cli(),
        now,
        &exported.bytes,
        "AAAAA-BBBBB-CCCCC-DDDDD",
        "430405010",
    )
    .await;
    match wrong {
        Err(jindu_store::service::ServiceError::Invalid(es)) => {
            assert_eq!(es[0].field, "passphrase");
            assert!(es[0].zh().contains("口令错误") && es[0].en().contains("Wrong passphrase"));
        }
        other => panic!("expected a passphrase error, got {other:?}"),
    }
    assert_eq!(other.person_count().await, 0, "nothing stored");
    let imported = transfer_file::import(
        &other.db,
        &other.vault,
        &audit::Who::cli(),
        now,
        &exported.bytes,
        &exported.passphrase.to_lowercase(),
        "430405010",
    )
    .await
    .unwrap();
    assert!(imported.created);
    assert_eq!(imported.report_deadline, NaiveDate::from_ymd_opt(2026, 12, 14).unwrap());
    assert_eq!(other.person_count().await, 1);
    let events = other.event_count().await;
    assert_eq!(events, 3, "decided and started (from the file), received (here)");
    let again = transfer_file::import(
        &other.db,
        &other.vault,
        &audit::Who::cli(),
        now,
        &exported.bytes,
        &exported.passphrase,
        "430405010",
    )
    .await
    .unwrap();
    assert!(!again.created && again.person_id == imported.person_id);
    assert_eq!((other.person_count().await, other.event_count().await), (1, events), "re-import is idempotent");
    // The measure clock came along: 3 years from 2026-10-08 ends 2029-10-07.
    let detail =
        persons::detail(&other.db, &other.vault, &other.admin, now, imported.person_id, persons::Reading::Masked)
            .await
            .unwrap();
    assert_eq!(detail.person.name, "外转乙");
    assert_eq!(detail.measures[0].planned_last_day, NaiveDate::from_ymd_opt(2029, 10, 7));
    assert!(detail.obligations.iter().any(|o| o.kind == jindu_domain::ObligationKind::TransferReport
        && o.due_date == NaiveDate::from_ymd_opt(2026, 12, 14).unwrap()));
    let audited = jindu_store::entities::audit_record::Entity::find().count(&other.db).await.unwrap();
    assert!(audited >= 1);
    other.finish().await;
    app
});
