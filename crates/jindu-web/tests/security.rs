//! Issue #18 items 1 and 2, on SQLite and PostgreSQL: deployment-wide settings and role
//! profiles change only at the deployment's root (a city deployment with administrators at two
//! of its districts), every refused attempt is one audit record, and bulk actions leave one
//! audit record per person with before and after.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, DivisionLevel};
use jindu_store::entities::{audit_record, event, obligation, person};
use jindu_store::service::audit::{self, Verdict};
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{caseload, casework, deployment, indicators, persons, second_factor};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};

/// A refused attempt: path, form, and the words naming the setting.
type Attempt<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str);
use uuid::Uuid;

fn now() -> Now {
    Now::at(fixed_instant())
}

/// A client signed in as `username`; a system administrator passes the second factor with
/// [`TOTP_SECRET`] (enrolled here).
async fn client_for(app: &TestApp, username: &str, user: Uuid, admin: bool) -> reqwest::Client {
    if admin {
        enrol_totp(app, user, 120).await;
    }
    let client =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let token = csrf(&client, &app.base).await;
    let r = client
        .post(app.url("/login"))
        .form(&[("username", username), ("password", PASSWORD), ("csrf", &token)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{username} signs in");
    if admin {
        let code = second_factor::code_at(TOTP_SECRET, fixed_instant().timestamp()).unwrap();
        let (s, _) = post(app, &client, "/login/totp", &[("code", &code)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{username} passes the second factor");
    }
    client
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let token = csrf(client, &app.base).await;
    let mut form = form.to_vec();
    form.push(("csrf", &token));
    let r = client.post(app.url(path)).form(&form).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The `access.denied` records of `username`, oldest first: (object, detail).
async fn denied(app: &TestApp, username: &str) -> Vec<(String, String)> {
    audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("access.denied"))
        .filter(audit_record::Column::Username.eq(username))
        .order_by_asc(audit_record::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            assert_eq!(r.outcome, "denied");
            (r.object_id.unwrap_or_default(), r.detail.unwrap_or_default())
        })
        .collect()
}

async fn all_denied(app: &TestApp) -> usize {
    audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("access.denied"))
        .all(&app.db)
        .await
        .unwrap()
        .len()
}

/// The records of `action`, oldest first: (object id, detail).
async fn records(app: &TestApp, action: &str) -> Vec<(String, String)> {
    audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq(action))
        .order_by_asc(audit_record::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|r| (r.object_id.unwrap_or_default(), r.detail.unwrap_or_default()))
        .collect()
}

/// The risk settings form with the shipped table and rules, `medium_at` replaced.
fn risk_form(medium_at: u32) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for v in [
        serde_json::to_value(jindu_domain::risk::FactorTable::default()).unwrap(),
        serde_json::to_value(jindu_domain::alert::AlertRules::default()).unwrap(),
    ] {
        for (k, v) in v.as_object().unwrap() {
            let v = if k == "medium_at" { medium_at.to_string() } else { v.to_string() };
            out.push((k.clone(), v));
        }
    }
    out
}

fn pairs(v: &[(String, String)]) -> Vec<(&str, &str)> {
    v.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

/// The deployment becomes the city 衡阳市 (4304) with its districts 珠晖区 (430405) and 雁峰区
/// (430406): an administrator at each district, one at the city, a leader at 雁峰区.
async fn city(app: &TestApp) -> (Uuid, Uuid, Uuid) {
    deployment::init(&app.db, DivisionCode::parse("4304").unwrap()).await.unwrap();
    let root = deployment::root(&app.db).await.unwrap().unwrap();
    assert_eq!(root.name_path, "湖南省/衡阳市");
    let a5 = app.user("adm5", "珠晖区管理员", "system_admin", "430405", false).await;
    let a6 = app.user("adm6", "雁峰区管理员", "system_admin", "430406", false).await;
    let root_admin = app.user("admr", "市管理员", "system_admin", "4304", false).await;
    app.user("ld6", "雁峰区领导", "leader", "430406", false).await;
    (a5, a6, root_admin)
}

const ROOT_ONLY_ZH: &str = "对整个部署（湖南省/衡阳市）生效，只能由管理范围为整个部署的用户修改";

both!(deployment_wide_settings_and_roles_change_only_at_the_root, |app: TestApp| async move {
    let (a5, _, root_admin) = city(&app).await;
    let adm5 = client_for(&app, "adm5", a5, true).await;
    let ld6 = client_for(&app, "ld6", Uuid::nil(), false).await;
    app.login().await; // the office of 珠晖区: a district, not the root, in this deployment
    assert_eq!(get(&app, &ld6, "/persons").await.0, StatusCode::FORBIDDEN, "a leader sees counts only");
    let settings_before = {
        let s = indicators::settings(&app.db).await.unwrap();
        (s.worker_ratio, casework::risk_table(&app.db).await.unwrap().medium_at, audit::retention_months(&app.db).await)
    };
    let risk = risk_form(4);

    // Every role and settings page, from 珠晖区's administrator: 403 with the sentence, nothing stored.
    let leader_up = [
        ("role", "leader"),
        ("permissions", "view_counts"),
        ("permissions", "view_persons"),
        ("permissions", "unmask"),
        ("permissions", "edit_persons"),
    ];
    let attempts: Vec<Attempt> = vec![
        ("/admin/roles", leader_up.to_vec(), "“角色权限”"),
        ("/admin/roles", vec![("role", "office"), ("permissions", "view_counts")], "“角色权限”"),
        ("/admin/roles", vec![("role", "leader"), ("reset", "1")], "“角色权限”"),
        ("/admin/settings", vec![("retention_months", "6"), ("totp_roles", "system_admin")], "“安全设置"),
        ("/settings/risk", pairs(&risk), "“风险评估表"),
        ("/settings/indicators", vec![("worker_ratio", "25")], "“指标目标值"),
    ];
    for (path, form, what) in &attempts {
        let (s, body) = post(&app, &adm5, path, form).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body.contains(what) && body.contains(ROOT_ONLY_ZH), "{path}: {body}");
        assert!(body.contains("apply to the whole deployment (湖南省/衡阳市)"), "{path}: {body}");
    }
    // The office of one district is refused the deployment-wide business settings too.
    for (path, form) in [("/settings/risk", pairs(&risk)), ("/settings/indicators", vec![("worker_ratio", "25")])] {
        let (s, body, _) = app.post(path, &form).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}: {body}");
        assert!(body.contains(ROOT_ONLY_ZH), "{body}");
    }
    // Nothing changed: no stored role, the same settings, 雁峰区's leader still refused, 珠晖区's
    // office still working.
    for role in ["leader", "office"] {
        assert_eq!(deployment::get_setting(&app.db, &format!("role.{role}")).await.unwrap(), None, "{role}");
    }
    let settings_after = {
        let s = indicators::settings(&app.db).await.unwrap();
        (s.worker_ratio, casework::risk_table(&app.db).await.unwrap().medium_at, audit::retention_months(&app.db).await)
    };
    assert_eq!(format!("{settings_after:?}"), format!("{settings_before:?}"));
    assert_eq!(get(&app, &ld6, "/persons").await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/persons").await.0, StatusCode::OK);

    // Each refusal is exactly one record: the attempt's method and path, the status and route.
    let expected: Vec<(String, String)> =
        attempts.iter().map(|(path, _, _)| (format!("POST {path}"), format!("403; route POST {path}"))).collect();
    assert_eq!(denied(&app, "adm5").await, expected);
    assert_eq!(
        denied(&app, "office").await,
        vec![
            ("POST /settings/risk".to_string(), "403; route POST /settings/risk".to_string()),
            ("POST /settings/indicators".to_string(), "403; route POST /settings/indicators".to_string()),
        ]
    );
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));

    // The pages say so to 珠晖区's administrator, without save buttons; the city's administrator
    // gets the forms.
    let admr = client_for(&app, "admr", root_admin, true).await;
    for path in ["/admin/roles", "/admin/settings", "/settings/risk"] {
        let buttons = |b: &str| b.matches(r#"<button type="submit""#).count();
        let (s, below) = get(&app, &adm5, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(below.contains(r#"data-testid="root-only""#) && below.contains(ROOT_ONLY_ZH), "{path}: {below}");
        let (s, root) = get(&app, &admr, path).await;
        assert_eq!(s, StatusCode::OK, "{path}");
        assert!(!root.contains("root-only"), "{path}");
        // The roles page saves each of the 8 roles (save and reset), the others once.
        let saves = if path == "/admin/roles" { 16 } else { 1 };
        assert_eq!(buttons(&root) - buttons(&below), saves, "{path}: no save button below the root");
    }
    // The city's administrator can: the leader role everywhere, security, risk and targets.
    let (s, body) = post(&app, &admr, "/admin/roles", &leader_up).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(get(&app, &ld6, "/persons").await.0, StatusCode::OK, "the root's edit holds in every district");
    let (s, _) =
        post(&app, &admr, "/admin/settings", &[("retention_months", "24"), ("totp_roles", "system_admin")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(audit::retention_months(&app.db).await.unwrap(), 24);
    let (s, body) = post(&app, &admr, "/settings/risk", &pairs(&risk)).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(casework::risk_table(&app.db).await.unwrap().medium_at, 4);
    let (s, body) = post(&app, &admr, "/settings/indicators", &[("worker_ratio", "25")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(indicators::settings(&app.db).await.unwrap().worker_ratio, 25);
    let (s, _) = post(&app, &admr, "/admin/roles", &[("role", "leader"), ("reset", "1")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(get(&app, &ld6, "/persons").await.0, StatusCode::FORBIDDEN);
    assert!(denied(&app, "admr").await.is_empty());
    assert_eq!(denied(&app, "adm5").await.len(), 6, "no new refusal of 珠晖区's administrator");
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});

both!(refused_attempts_outside_the_scope_are_each_one_audit_record, |app: TestApp| async move {
    let (a5, _, _) = city(&app).await;
    let town6 = deployment::in_scope(&app.db, DivisionCode::parse("430406").unwrap(), DivisionLevel::Town)
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap()
        .code
        .to_string();
    let other = app.user("zg6", "雁峰区专干", "town_officer", &town6, false).await;
    let adm5 = client_for(&app, "adm5", a5, true).await;
    let start = all_denied(&app).await;

    // An account of the other district: 404, as if it did not exist, and one record.
    let (s, _) = post(&app, &adm5, &format!("/admin/users/{other}"), &[("action", "unlock")]).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A new account at the other district: 422 naming the field, and one record.
    let (s, body) = post(
        &app,
        &adm5,
        "/admin/users",
        &[("username", "x6"), ("display_name", "越权"), ("role", "town_officer"), ("division", &town6)],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("所属单位辖区不存在或不在您的管理范围内"), "{body}");
    // A case page the administrator's role does not hold: 403, one record.
    assert_eq!(get(&app, &adm5, "/persons").await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        denied(&app, "adm5").await,
        vec![
            (format!("POST /admin/users/{other}"), "404; route POST /admin/users/{uid}".to_string()),
            (
                "POST /admin/users".to_string(),
                format!("422; route POST /admin/users; outside scope: division {town6} (division.outside)")
            ),
            ("GET /persons".to_string(), "403; route GET /persons".to_string()),
        ]
    );
    // A person id outside the office's scope (or none at all) answers 404: one record each.
    app.login().await;
    let missing = Uuid::now_v7();
    assert_eq!(app.get(&format!("/persons/{missing}")).await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        denied(&app, "office").await,
        vec![(format!("GET /persons/{missing}"), "404; route GET /persons/{id}".to_string())]
    );
    // Not recorded: pages allowed, unknown paths and static files, and anyone not signed in.
    assert_eq!(get(&app, &adm5, "/admin/roles").await.0, StatusCode::OK);
    assert_eq!(get(&app, &adm5, "/static/app.css").await.0, StatusCode::OK);
    assert_eq!(get(&app, &adm5, "/static/nothing.css").await.0, StatusCode::NOT_FOUND);
    assert_eq!(get(&app, &adm5, "/favicon.ico").await.0, StatusCode::NOT_FOUND);
    let anonymous =
        reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(get(&app, &anonymous, "/admin/roles").await.0, StatusCode::SEE_OTHER);
    assert_eq!(get(&app, &anonymous, &format!("/persons/{missing}")).await.0, StatusCode::SEE_OTHER);
    assert_eq!(all_denied(&app).await, start + 4);
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});

/// A valid synthetic ID number with sequence `seq` (born 1988-06-01).
fn id_for(seq: u32) -> String {
    let first17 = format!("43040519880601{seq:03}");
    let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
}

async fn register(app: &TestApp, name: &str, seq: u32, worker: Option<Uuid>) -> Uuid {
    persons::register(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        NewPerson {
            name: name.into(),
            id_number: id_for(seq),
            division: "430405009007".into(),
            social_worker_id: worker.map(|w| w.to_string()).unwrap_or_default(),
            measure_kind: "community_detox".into(),
            decision_date: "2026-11-01".into(),
            report_date: "2026-11-05".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap()
}

both!(a_bulk_reassignment_leaves_one_record_per_person_with_both_workers, |app: TestApp| async move {
    let w1 = app.user("sg1", "社工一", "social_worker", "430405009", false).await;
    let w2 = app.user("sg2", "社工二", "social_worker", "430405009", false).await;
    let far = app.user("sg3", "社工三", "social_worker", "430405007", false).await;
    let a = register(&app, "分配甲", 11, Some(w1)).await;
    let b = register(&app, "分配乙", 13, Some(w1)).await;
    let c = register(&app, "分配丙", 15, None).await;
    let d = register(&app, "分配丁", 17, Some(w2)).await;
    // Refused as a whole (another town's worker): no record, no event.
    assert!(caseload::reassign(&app.db, &app.admin, now(), &[a, b], &far.to_string()).await.is_err());
    assert!(records(&app, "caseload.reassign").await.is_empty());
    // Four persons to 社工二 through the page: d already has her, three move.
    app.login().await;
    let token = csrf(&app.client, &app.base).await;
    let r = app
        .client
        .post(app.url("/caseload"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("person={a}&person={b}&person={c}&person={d}&to_worker={w2}&csrf={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().ends_with("moved=3"));
    assert_eq!(
        records(&app, "caseload.reassign").await,
        vec![
            (a.to_string(), format!("social_worker 社工一 [{w1}] -> 社工二 [{w2}]")),
            (b.to_string(), format!("social_worker 社工一 [{w1}] -> 社工二 [{w2}]")),
            (c.to_string(), format!("social_worker none -> 社工二 [{w2}]")),
        ]
    );
    // The timeline events carry both workers, and the person page says so.
    let ev = event::Entity::find()
        .filter(event::Column::Kind.eq("reassigned"))
        .filter(event::Column::PersonId.eq(a))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let detail: caseload::ReassignDetail = serde_json::from_str(ev.detail.as_deref().unwrap()).unwrap();
    assert_eq!(
        detail,
        caseload::ReassignDetail {
            from: Some(w1), from_name: Some("社工一".into()), to: w2, to_name: "社工二".into()
        }
    );
    let (_, body) = app.get(&format!("/persons/{a}")).await;
    assert!(body.contains("责任社工：社工一 → 社工二。"), "{body}");
    let (_, body) = app.get(&format!("/persons/{c}")).await;
    assert!(body.contains("责任社工：未分配 → 社工二。"), "{body}");
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});

async fn path(app: &TestApp, code: &str) -> String {
    let p = deployment::division_by_code(&app.db, DivisionCode::parse(code).unwrap()).await.unwrap().unwrap().name_path;
    assert!(p.starts_with("湖南省/衡阳市/珠晖区/"), "{p}");
    p
}

both!(an_accepted_transfer_names_both_units_the_worker_and_every_duty_moved, |app: TestApp| async move {
    let w1 = app.user("sg1", "社工一", "social_worker", "430405009", false).await;
    let tb = app.user("tb", "衡州路专干", "town_officer", "430405007", false).await;
    let pid = register(&app, "转移甲", 21, Some(w1)).await;
    app.login().await;
    let (s, _, _) =
        app.post(&format!("/persons/{pid}/transfer"), &[("to_division", "430405007006"), ("reason", "搬家")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let t = jindu_store::entities::transfer::Entity::find()
        .filter(jindu_store::entities::transfer::Column::PersonId.eq(pid))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let duties: Vec<String> = obligation::Entity::find()
        .filter(obligation::Column::PersonId.eq(pid))
        .order_by_asc(obligation::Column::Kind)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|o| format!("{} {}", o.kind, o.due_date))
        .collect();
    assert!(duties.len() >= 3, "check-in, test and visit at least: {duties:?}");
    let b = client_for(&app, "tb", tb, false).await;
    let (s, _) = post(
        &app,
        &b,
        &format!("/persons/{pid}/transfer/decision"),
        &[("action", "accept"), ("transfer", &t.id.to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // Accepted Sunday 2026-11-29: the report duty at B falls on Monday 2026-12-14.
    assert_eq!(
        records(&app, "transfer.accept").await,
        vec![(
            pid.to_string(),
            format!(
                "transfer {}; division 430405009007 {} -> 430405007006 {}; \
                 social_worker 社工一 [{w1}] -> none; duties moved: {}; transfer_report 2026-12-14",
                t.id,
                path(&app, "430405009007").await,
                path(&app, "430405007006").await,
                duties.join(", ")
            )
        )]
    );
    app
});

both!(the_sweep_records_each_person_it_changes_with_before_and_after, |app: TestApp| async move {
    use sea_orm::sea_query::Expr;
    let a = register(&app, "扫描甲", 31, None).await;
    let _b = register(&app, "扫描乙", 33, None).await;
    // a's tier was left stale (high, 99) at a review two months ago; b is as registered.
    person::Entity::update_many()
        .col_expr(person::Column::RiskTier, Expr::value("high"))
        .col_expr(person::Column::RiskScore, Expr::value(99))
        .col_expr(person::Column::RiskAssessedOn, Expr::value(chrono::NaiveDate::from_ymd_opt(2026, 9, 29).unwrap()))
        .filter(person::Column::Id.eq(a))
        .exec(&app.db)
        .await
        .unwrap();
    let r = casework::sweep(&app.db, now(), 50).await.unwrap();
    assert_eq!(r.persons, 2);
    // After: what the monthly review just stored for a.
    let after = person::Entity::find_by_id(a).one(&app.db).await.unwrap().unwrap();
    assert_ne!(after.risk_tier, "high");
    assert_eq!(after.risk_assessed_on, Some(now().today));
    let sweep_records = records(&app, "sweep.person").await;
    assert_eq!(
        sweep_records.iter().filter(|(id, _)| *id == a.to_string()).cloned().collect::<Vec<_>>(),
        vec![(a.to_string(), format!("risk_tier high (99) -> {} ({})", after.risk_tier, after.risk_score.unwrap()))],
        "one record for a, its tier before and after"
    );
    // The same sweep again changes nothing and records nothing.
    let n = sweep_records.len();
    casework::sweep(&app.db, now(), 50).await.unwrap();
    assert_eq!(records(&app, "sweep.person").await.len(), n);
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});

both!(a_thousand_row_import_writes_one_record_per_person_inside_its_transaction, |app: TestApp| async move {
    let mut csv = String::from("姓名,身份证号,所属街道,社区(村),管控措施,决定日期,报到日期\n");
    for i in 0..1000u32 {
        let first17 = format!("430405198{}{:02}{:02}{:03}", 1 + i / 336 % 9, 1 + i / 28 % 12, 1 + i % 28, i % 997);
        let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
        let id = format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes));
        csv.push_str(&format!("导入{i},{id},广东路街道,湖北路社区,社区戒毒,2026-09-01,2026-09-08\n"));
    }
    let started = std::time::Instant::now();
    let report = jindu_store::service::import::import_persons(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        "千人.csv",
        csv.as_bytes(),
        false,
        |_, _| {},
    )
    .await
    .unwrap();
    let elapsed = started.elapsed();
    eprintln!(
        "IMPORT-TIMING {:?} 1000 rows: {:.2} s ({:.0} rows/s)",
        app.db.get_database_backend(),
        elapsed.as_secs_f64(),
        1000.0 / elapsed.as_secs_f64()
    );
    assert!(report.problems.is_empty(), "{:?}", &report.problems[..report.problems.len().min(3)]);
    assert_eq!((report.rows, report.created), (1000, 1000));
    let created = records(&app, "person.create").await;
    assert_eq!(created.len(), 1000);
    let ids: std::collections::HashSet<String> =
        person::Entity::find().all(&app.db).await.unwrap().into_iter().map(|p| p.id.to_string()).collect();
    assert!(created.iter().all(|(id, _)| ids.contains(id)), "one record per person, naming it");
    assert_eq!(
        created[0].1, "division 430405009007; social_worker none; measure community_detox 2026-09-01",
        "what was created"
    );
    assert_eq!(records(&app, "person.import").await.len(), 1);
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});

both!(an_imported_measure_sheet_records_what_each_row_ended, |app: TestApp| async move {
    use jindu_store::entities::measure;
    let a = register(&app, "措施甲", 41, None).await;
    let b = register(&app, "措施乙", 43, None).await;
    let open = |p: Uuid| {
        let db = app.db.clone();
        async move {
            measure::Entity::find()
                .filter(measure::Column::PersonId.eq(p))
                .filter(measure::Column::EndedOn.is_null())
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .id
        }
    };
    let (ma, mb) = (open(a).await, open(b).await);
    // Compulsory isolation decided 2026-11-20 for both: each ends the open community detox.
    let text = format!(
        "身份证号码,姓名,措施类型,责令日期\n{},措施甲,强戒,2026-11-20\n{},措施乙,强制隔离戒毒,2026-11-20\n",
        id_for(41),
        id_for(43)
    );
    let r = jindu_store::service::import::import_sheet(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        jindu_store::service::import::SheetKind::Measures,
        jindu_store::service::import::ImportRequest::new("措施.csv", text.as_bytes(), false),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.rows, r.created), (2, 2), "{:?}", r.problems);
    let decided: Vec<(String, String)> = records(&app, "measure.decide")
        .await
        .into_iter()
        .filter(|(_, d)| d.starts_with("compulsory_isolation"))
        .collect();
    assert_eq!(
        decided,
        vec![
            (a.to_string(), format!("compulsory_isolation 2026-11-20; ended community_detox {ma} on 2026-11-20")),
            (b.to_string(), format!("compulsory_isolation 2026-11-20; ended community_detox {mb} on 2026-11-20")),
        ]
    );
    assert!(matches!(audit::verify(&app.db).await.unwrap(), Verdict::Intact { .. }));
    app
});
