//! Workstations and their staff (issue #18 item 15), on SQLite and PostgreSQL: created on the
//! 工作站 page, from a sheet and through the service; coverage equals the speech's figure (17 of
//! 37 towns → 45.9 %) on the page and on the 驾驶舱, counted from the month a workstation opened;
//! bad input named field by field with nothing stored; every change audited.

use crate::common::Sentences;
use crate::common::*;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{Indicator, Month, Period, Unit};
use jindu_store::entities::{app_user, workstation};
use jindu_store::service::import::{ImportRequest, SheetKind, import_sheet};
use jindu_store::service::workstations::{self, WorkstationForm};
use jindu_store::service::{ServiceError, audit, dashboard, deployment, indicators, users};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn now() -> Now {
    Now::at(fixed_instant())
}

async fn workstation_count(app: &TestApp) -> u64 {
    workstation::Entity::find().count(&app.db).await.unwrap()
}

fn form(name: &str, town: &str, opened_on: &str) -> WorkstationForm {
    WorkstationForm { name: name.into(), town: town.into(), address: String::new(), opened_on: opened_on.into() }
}

/// The 工作站覆盖率 of the 驾驶舱 of `scope` for November 2026.
async fn dashboard_coverage(app: &TestApp, actor: &jindu_store::service::Actor, scope: &str) -> (i64, i64, String) {
    let d = dashboard::dashboard(
        &app.db,
        actor,
        Some(DivisionCode::parse(scope).unwrap()),
        Period::Month(Month(202611)),
        Indicator::Registered,
        now().today,
    )
    .await
    .unwrap();
    let f = d.row(Indicator::WorkstationCoverage).unwrap().figure;
    (f.numerator, f.denominator, f.display(Unit::Percent))
}

// The speech (8·31): "全市已建立社区戒毒(康复)工作站17个，覆盖率达46%". 袁州区 (360902) has 37 towns
// in the national list: 17 of them with a workstation are 17 / 37 = 45.945… % → 45.9 %.
both!(seventeen_workstations_in_thirty_seven_towns_are_45_9_percent, |app: TestApp| async move {
    jindu_store::service::setup::init(&app.db, DivisionCode::parse("360902").unwrap()).await.unwrap();
    let office = app.user("yz_office", "袁州区禁毒办", "office", "360902", false).await;
    let office = users::actor(&app.db, office).await.unwrap().unwrap();
    let towns = deployment::in_scope(&app.db, office.scope, jindu_domain::DivisionLevel::Town).await.unwrap();
    assert_eq!(towns.len(), 37);
    for (i, t) in towns.iter().take(17).enumerate() {
        let opened = format!("2019-{:02}-15", 1 + i % 12);
        workstations::create(
            &app.db,
            &office,
            now(),
            &form(&format!("{}工作站", t.name), &t.code.to_string(), &opened),
        )
        .await
        .unwrap();
    }
    // A second workstation in a town already covered adds nothing.
    workstations::create(&app.db, &office, now(), &form("第二工作站", &towns[0].code.to_string(), "2020-03-01"))
        .await
        .unwrap();
    let cov = workstations::coverage(&app.db, &office, now().today).await.unwrap();
    assert_eq!((cov.covered, cov.towns, cov.figure.display(Unit::Percent)), (17, 37, "45.9%".to_string()));
    assert_eq!(format!("{:.0}", cov.figure.value.unwrap()), "46", "the speech's rounding");
    assert_eq!(dashboard_coverage(&app, &office, "360902").await, (17, 37, "45.9%".to_string()));
    // The kept cells equal a rebuild from the records.
    indicators::rebuild(&app.db, now().today, |_| {}).await.unwrap();
    assert_eq!(dashboard_coverage(&app, &office, "360902").await, (17, 37, "45.9%".to_string()));
    // Coverage counts from the month each opened: at the end of June 2019 the towns opened in
    // January to June (i = 0…5) and January to May (i = 12…16) were covered: 11 / 37 = 29.7 %.
    let june =
        workstations::coverage(&app.db, &office, chrono::NaiveDate::from_ymd_opt(2019, 6, 30).unwrap()).await.unwrap();
    assert_eq!((june.covered, june.figure.display(Unit::Percent)), (11, "29.7%".to_string()));
    assert_eq!(app.audited("workstation.create").await.len(), 18);
    app
});

both!(the_workstation_page_opens_edits_and_staffs_a_workstation, |app: TestApp| async move {
    app.login().await;
    let (s, html) = app.get("/workstations").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("0.0%") && html.contains("0 / 10"), "no workstation of 10 towns");

    // Every problem of the form at once, nothing stored.
    let (s, html, _) =
        app.post("/workstations", &[("name", ""), ("town", "不存在街道"), ("opened_on", "2026-12-01")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("请填写工作站名称"), "name named");
    assert!(html.contains("乡镇（街道）“不存在街道”不在您的辖区内"), "town named");
    assert!(html.contains("成立日期 2026-12-01 晚于今天"), "opening date named");
    let (s, html, _) =
        app.post("/workstations", &[("name", "x"), ("town", "430405009"), ("opened_on", "2019-02-30")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("2019-02-30"), "an impossible date is named: {html}");
    // A town outside the office's scope is not a town of its jurisdiction.
    let (s, _, _) = app.post("/workstations", &[("name", "x"), ("town", "430406001")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(workstation_count(&app).await, 0);

    let (s, _, loc) = app
        .post(
            "/workstations",
            &[
                ("name", "广东路街道社区戒毒(康复)工作站"),
                ("town", "430405009000"),
                ("address", "广东路综治中心二楼"),
                ("opened_on", "2019年6月26日"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let id = loc.unwrap().rsplit("ws-").next().unwrap().to_string();
    // The same name in the same town is refused; by its short name the town is found.
    let (s, html, _) =
        app.post("/workstations", &[("name", "广东路街道社区戒毒(康复)工作站"), ("town", "广东路")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("广东路街道已有名为"), "{html}");
    let (_, html) = app.get("/workstations").await;
    assert!(html.contains("10.0%") && html.contains("1 / 10"), "one town of ten");
    assert!(html.contains("2019年6月26日") && html.contains("广东路综治中心二楼"));
    assert_eq!(dashboard_coverage(&app, &app.admin, "430405").await, (1, 10, "10.0%".to_string()));

    // Staff: an unknown name is named; a social worker of another town cannot join.
    app.user("sw_gd", "社工甲", "social_worker", "430405009007", false).await;
    app.user("sw_dy", "社工乙", "social_worker", "430405014000", false).await;
    let (s, html, _) = app.post(&format!("/workstations/{id}/staff"), &[("staff", "社工丙")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("“社工丙”不是广东路街道的禁毒社工账号"), "{html}");
    let (s, _, _) = app.post(&format!("/workstations/{id}/staff"), &[("staff", "sw_dy")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _, _) = app.post(&format!("/workstations/{id}/staff"), &[("staff", "社工甲")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let linked = app_user::Entity::find()
        .filter(app_user::Column::Username.eq("sw_gd"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .workstation_id
        .unwrap();
    assert_eq!(linked.to_string(), id);
    let (_, html) = app.get("/workstations").await;
    assert!(html.contains(r#"data-staff="sw_gd""#));

    // Editing moves the month coverage counts from: opened in December 2026 it is not yet
    // covered in November.
    let (s, html, _) =
        app.post(&format!("/workstations/{id}"), &[("name", "广东路街道工作站"), ("opened_on", "2027-01-01")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a future date is refused");
    assert!(html.contains("晚于今天"));
    let (s, _, _) =
        app.post(&format!("/workstations/{id}"), &[("name", "广东路街道工作站"), ("opened_on", "2026-11-29")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(dashboard_coverage(&app, &app.admin, "430405").await, (1, 10, "10.0%".to_string()));
    let october_covered = || async {
        let period = Period::Month(Month(202610));
        let oct =
            dashboard::dashboard(&app.db, &app.admin, None, period, Indicator::Registered, now().today).await.unwrap();
        oct.row(Indicator::WorkstationCoverage).unwrap().figure.numerator
    };
    assert_eq!(october_covered().await, 0, "not open in October");
    indicators::rebuild(&app.db, now().today, |_| {}).await.unwrap();
    assert_eq!(october_covered().await, 0, "a rebuild agrees");

    // Removing a worker keeps the account.
    let sw =
        app_user::Entity::find().filter(app_user::Column::Username.eq("sw_gd")).one(&app.db).await.unwrap().unwrap();
    let (s, _, _) = app.post(&format!("/workstations/{id}/staff/{}/remove", sw.id), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let sw = app_user::Entity::find_by_id(sw.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(sw.workstation_id, None);

    for (action, n) in [
        ("workstation.create", 1),
        ("workstation.update", 1),
        ("workstation.staff_add", 1),
        ("workstation.staff_remove", 1),
    ] {
        assert_eq!(app.audited(action).await.len(), n, "{action}");
    }
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), audit::Verdict::Intact { .. }));

    // A leader sees the page and cannot change it.
    let leader = app.user("leader", "区领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader).await.unwrap().unwrap();
    assert_eq!(workstations::list(&app.db, &leader).await.unwrap().len(), 1);
    assert!(matches!(
        workstations::create(&app.db, &leader, now(), &form("x", "430405010000", "")).await,
        Err(ServiceError::Forbidden(_))
    ));
    app
});

both!(a_sheet_of_workstations_and_staff_imports_all_or_nothing, |app: TestApp| async move {
    app.user("sw_a", "张丽", "social_worker", "430405009000", false).await;
    app.user("sw_b", "王芳", "social_worker", "430405009007", false).await;
    app.user("sw_c", "李强", "social_worker", "430405014000", false).await;
    let header = "珠晖区社区戒毒（康复）工作站及社工名册\n序号,工作站名称,所属乡镇（街道）,地址,建站时间,在岗社工\n";
    // Row 3: unknown town AND a name without a date; row 4: an unknown worker and a bad date;
    // row 5 repeats row 3's workstation.
    let bad = format!(
        "{header}1,广东路街道工作站,广东路街道,广东路1号,2019/6/26,张丽、王芳\n2,东阳渡街道工作站,东阳渡,,2019-13-01,李强、赵敏\n3,广东路街道工作站,广东路街道,,,\n4,,火星街道,,,\n"
    );
    let request = |bytes: &'static [u8], dry_run| ImportRequest::new("工作站名册.csv", bytes, dry_run);
    let bad: &'static [u8] = Box::leak(bad.into_bytes().into_boxed_slice());
    let report =
        import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Workstations, request(bad, false), |_, _| {})
            .await
            .unwrap();
    let problems: Vec<(usize, &str)> = report.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(
        problems,
        vec![(4, "opened_on"), (4, "staff"), (5, "row"), (6, "name"), (6, "town")],
        "{:#?}",
        report.problems
    );
    assert!(report.problems.iter().any(|p| p.zh().contains("“赵敏”不是东阳渡街道的禁毒社工账号")));
    assert_eq!((report.created, workstation_count(&app).await), (0, 0), "nothing stored");

    let good = format!(
        "{header}1,广东路街道工作站,广东路街道,广东路1号,2019/6/26,张丽、王芳\n2,东阳渡街道工作站,430405014,,43831,sw_c\n"
    );
    let good: &'static [u8] = Box::leak(good.into_bytes().into_boxed_slice());
    let dry =
        import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Workstations, request(good, true), |_, _| {})
            .await
            .unwrap();
    assert_eq!((dry.valid, dry.problems.len(), workstation_count(&app).await), (2, 0, 0));
    let done =
        import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Workstations, request(good, false), |_, _| {})
            .await
            .unwrap();
    assert_eq!((done.created, done.existing), (2, 0));
    let rows = workstations::list(&app.db, &app.admin).await.unwrap();
    let shown: Vec<(String, Option<String>, Vec<String>)> = rows
        .iter()
        .map(|r| {
            (r.name.clone(), r.opened_on.map(|d| d.to_string()), r.staff.iter().map(|s| s.username.clone()).collect())
        })
        .collect();
    // Excel serial 43831 is 2020-01-01.
    assert_eq!(
        shown,
        vec![
            (
                "广东路街道工作站".to_string(),
                Some("2019-06-26".to_string()),
                vec!["sw_a".to_string(), "sw_b".to_string()]
            ),
            ("东阳渡街道工作站".to_string(), Some("2020-01-01".to_string()), vec!["sw_c".to_string()]),
        ]
    );
    assert_eq!(dashboard_coverage(&app, &app.admin, "430405").await, (2, 10, "20.0%".to_string()));
    // The same sheet again changes nothing.
    let again =
        import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Workstations, request(good, false), |_, _| {})
            .await
            .unwrap();
    assert_eq!((again.created, again.existing, workstation_count(&app).await), (0, 2, 2));
    assert_eq!(app.audited("workstation.create").await.len(), 2);
    assert_eq!(app.audited("workstation.staff_add").await.len(), 3);
    assert_eq!(app.audited("workstation.import").await.len(), 2, "each committed import once");
    // Without 系统配置 nothing is imported.
    let officer = app.user("officer", "专干", "town_officer", "430405009000", false).await;
    let officer = users::actor(&app.db, officer).await.unwrap().unwrap();
    assert!(matches!(
        import_sheet(&app.db, &app.vault, &officer, now(), SheetKind::Workstations, request(good, true), |_, _| {})
            .await,
        Err(ServiceError::Forbidden(_))
    ));
    app
});

// What a hostile trial found: invisible or control characters stored in a name, a blank town
// named as another form's field, an empty staff cell, and a social worker moved silently from
// another workstation. Each is refused with its own sentence, nothing stored.
both!(hidden_characters_blank_fields_and_staff_of_another_workstation_are_refused, |app: TestApp| async move {
    let refused = |r: Result<uuid::Uuid, ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => e.iter().map(|e| (e.field, e.code)).collect::<Vec<_>>(),
        other => panic!("{other:?}"),
    };
    for name in ["测试站\u{0}", "测试站\u{202e}", "\u{feff}站", "\u{200b}\u{200b}", "——"] {
        let r = workstations::create(&app.db, &app.admin, now(), &form(name, "430405009", "")).await;
        assert_eq!(refused(r), vec![("name", "workstation.name_hidden")], "{name:?}");
    }
    let mut f = form("广东路工作站", "430405009", "");
    f.address = "广东路\u{200b}1号".into();
    assert_eq!(
        refused(workstations::create(&app.db, &app.admin, now(), &f).await),
        vec![("address", "workstation.address_hidden")]
    );
    let r = workstations::create(&app.db, &app.admin, now(), &form("广东路工作站", " ", "")).await;
    assert_eq!(refused(r), vec![("town", "workstation.town_required")]);
    // Before the 禁毒法 took effect (2008-06-01) no workstation opened; that day itself is fine.
    let r = workstations::create(&app.db, &app.admin, now(), &form("广东路工作站", "430405009", "1899-12-31")).await;
    assert_eq!(refused(r), vec![("opened_on", "workstation.opened_early")]);
    let r = workstations::create(&app.db, &app.admin, now(), &form("广东路工作站", "430405009", "2008-05-31")).await;
    assert_eq!(refused(r), vec![("opened_on", "workstation.opened_early")]);
    assert_eq!(workstation_count(&app).await, 0);

    let a = workstations::create(&app.db, &app.admin, now(), &form("甲站", "430405009", "2008-06-01")).await.unwrap();
    let b = workstations::create(&app.db, &app.admin, now(), &form("乙站", "430405009", "")).await.unwrap();
    app.user("sw_x", "社工戊", "social_worker", "430405009007", false).await;
    let staff_refused = |r: Result<(), ServiceError>| match r {
        Err(ServiceError::Invalid(e)) => (e[0].code, e[0].zh().clone()),
        other => panic!("{other:?}"),
    };
    let (code, _) = staff_refused(workstations::add_staff(&app.db, &app.admin, now(), a, "  ").await);
    assert_eq!(code, "workstation.staff_required");
    workstations::add_staff(&app.db, &app.admin, now(), a, "sw_x").await.unwrap();
    let (code, zh) = staff_refused(workstations::add_staff(&app.db, &app.admin, now(), b, "社工戊").await);
    assert_eq!(
        (code, zh.as_str()),
        ("workstation.staff_elsewhere", "社工“社工戊”已在“甲站”工作，请先从该工作站移出。")
    );
    let on =
        app_user::Entity::find().filter(app_user::Column::Username.eq("sw_x")).one(&app.db).await.unwrap().unwrap();
    assert_eq!(on.workstation_id, Some(a), "still on the first workstation");
    // A sheet moving the worker is refused the same way, nothing stored.
    let sheet = "工作站名称,乡镇(街道),禁毒社工\n乙站,广东路街道,sw_x\n丙站,广东路街道,\n";
    let report = import_sheet(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        SheetKind::Workstations,
        ImportRequest::new("名册.csv", sheet.as_bytes(), false),
        |_, _| {},
    )
    .await
    .unwrap();
    let problems: Vec<(usize, &str)> = report.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(problems, vec![(2, "staff")]);
    assert_eq!((report.created, workstation_count(&app).await), (0, 2));
    app
});
