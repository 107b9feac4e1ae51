//! Issue #18 items 1 and 2, on SQLite and PostgreSQL: deployment-wide settings and role
//! profiles change only at the deployment's root (a city deployment with administrators at two
//! of its districts), every refused attempt is one audit record, and bulk actions leave one
//! audit record per person with before and after.

use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, DivisionLevel};
use jindu_store::entities::{audit_record, event, obligation, person};
use jindu_store::service::audit::{self, Verdict};
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{caseload, casework, deployment, indicators, second_factor};
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
    let client = app.signed_in(username).await;
    if admin {
        let code = second_factor::code_at(TOTP_SECRET, fixed_instant().timestamp()).unwrap();
        let (s, _) = post(app, &client, "/login/totp", &[("code", &code)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{username} passes the second factor");
    }
    client
}

async fn post(app: &TestApp, client: &reqwest::Client, path: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let (s, body, _) = post_form(client, &app.base, path, form).await;
    (s, body)
}

async fn get(app: &TestApp, client: &reqwest::Client, path: &str) -> (StatusCode, String) {
    get_page(client, &app.base, path).await
}

/// The `access.denied` records of `username`, oldest first: (object, detail).
async fn denied(app: &TestApp, username: &str) -> Vec<(String, String)> {
    app.audited("access.denied")
        .await
        .into_iter()
        .filter(|r| r.username == username)
        .map(|r| {
            assert_eq!(r.outcome, "denied");
            (r.object_id.unwrap_or_default(), r.detail.unwrap_or_default())
        })
        .collect()
}

async fn all_denied(app: &TestApp) -> usize {
    app.audited("access.denied").await.len()
}

/// The records of `action`, oldest first: (object id, detail).
async fn records(app: &TestApp, action: &str) -> Vec<(String, String)> {
    app.audited(action)
        .await
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
    jindu_store::service::setup::init(&app.db, DivisionCode::parse("4304").unwrap()).await.unwrap();
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));

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
        // The roles page saves each of the 9 roles (save and reset), the others once.
        let saves = if path == "/admin/roles" { 2 * jindu_domain::Role::ALL.len() } else { 1 };
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
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
    let anonymous = cookie_client();
    assert_eq!(get(&app, &anonymous, "/admin/roles").await.0, StatusCode::SEE_OTHER);
    assert_eq!(get(&app, &anonymous, &format!("/persons/{missing}")).await.0, StatusCode::SEE_OTHER);
    assert_eq!(all_denied(&app).await, start + 4);
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
    app
});

/// A valid synthetic ID number with sequence `seq` (born 1988-06-01).
fn id_for(seq: u32) -> String {
    id_born("19880601", seq)
}

async fn register(app: &TestApp, name: &str, seq: u32, worker: Option<Uuid>) -> Uuid {
    app.register(NewPerson {
        name: name.into(),
        id_number: id_for(seq),
        division: "430405009007".into(),
        social_worker_id: worker.map(|w| w.to_string()).unwrap_or_default(),
        measure_kind: "community_detox".into(),
        decision_date: "2026-11-01".into(),
        report_date: "2026-11-05".into(),
        ..Default::default()
    })
    .await
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
    app
});

both!(a_thousand_row_import_writes_one_record_per_person_inside_its_transaction, |app: TestApp| async move {
    let mut csv = String::from("姓名,身份证号,所属街道,社区(村),管控措施,决定日期,报到日期\n");
    for i in 0..1000u32 {
        let first17 = format!("430405198{}{:02}{:02}{:03}", 1 + i / 336 % 9, 1 + i / 28 % 12, 1 + i % 28, i % 997);
        let id = with_check_digit(&first17);
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
    app
});

// -------------------------------------------------------------------------------------------
// Issue #19 item 6: the audit chain with several writers (lanes, a keyed seal, anchors).
// -------------------------------------------------------------------------------------------

// Two servers on one database (each with its own pool), a sweep and a "cron report" on further
// pools, a sealer, and `verify` in a loop — all at once. No write fails, no verify raises an
// alarm, and the log verifies at the end with every record sealed.
both!(audit_two_servers_a_sweep_and_a_report_write_at_once_and_verify_holds, |app: TestApp| async move {
    app.login().await;
    let a = app.person("测试甲", ID_A, "2026-08-25", "2026-09-01").await;
    let b = app.person("测试乙", "430405199001011233", "2026-08-25", "2026-09-01").await;
    let (base2, client2, db2) = app.second_server().await;
    let sweep_db = jindu_store::db::connect(&app.db_url).await.unwrap();
    let verify_db = jindu_store::db::connect(&app.db_url).await.unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));

    // Verify in a loop while everything else runs; count the verdicts.
    let verifier = {
        let (db, vault, stop) = (verify_db.clone(), app.vault.clone(), stop.clone());
        tokio::spawn(async move {
            let (mut runs, mut alarms) = (0u32, Vec::new());
            while !stop.load(std::sync::atomic::Ordering::SeqCst) || runs < 20 {
                match audit::verify(&db, &vault).await.unwrap() {
                    Verdict::Intact { .. } => {}
                    other => alarms.push(other),
                }
                runs += 1;
            }
            (runs, alarms)
        })
    };
    // The seal of a running server, every few milliseconds here.
    let sealer = {
        let (db, vault, stop) = (db2.clone(), app.vault.clone(), stop.clone());
        tokio::spawn(async move {
            let mut seals = 0u32;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                if matches!(audit::seal(&db, &vault, now()).await.unwrap(), audit::Sealed::Sealed { .. }) {
                    seals += 1;
                }
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            seals
        })
    };
    // The sweep and a cron report (an audited CLI write) on pools of their own.
    let background = {
        let db = sweep_db.clone();
        tokio::spawn(async move {
            for i in 0..5 {
                casework::sweep(&db, now(), 50).await.unwrap();
                audit::record(&db, &audit::Who::cli(), now(), audit::Entry::ok("report.indicators", "division", i))
                    .await
                    .unwrap();
            }
        })
    };
    // Users on both servers: visits recorded and person pages read (each read audited).
    let mut users = Vec::new();
    for k in 0..8 {
        let (client, base) =
            if k % 2 == 0 { (app.client.clone(), app.base.clone()) } else { (client2.clone(), base2.clone()) };
        let person = if k % 4 < 2 { a } else { b };
        users.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..6 {
                let token = csrf(&client, &base).await;
                let r = client
                    .post(format!("{base}/persons/{person}/events"))
                    .form(&[("kind", "visit"), ("date", "2026-11-29"), ("csrf", token.as_str())])
                    .send()
                    .await
                    .unwrap();
                statuses.push(r.status());
                let r = client.get(format!("{base}/persons/{person}")).send().await.unwrap();
                statuses.push(r.status());
            }
            statuses
        }));
    }
    let mut failed = 0;
    for u in users {
        for s in u.await.unwrap() {
            if s != StatusCode::SEE_OTHER && s != StatusCode::OK {
                failed += 1;
            }
        }
    }
    background.await.unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let (runs, alarms) = verifier.await.unwrap();
    let seals = sealer.await.unwrap();
    let lanes = jindu_store::entities::audit_lane::Entity::find().all(&app.db).await.unwrap().len();
    println!(
        "two servers: {failed} failed requests of 96; {runs} verifies, {} alarms; {seals} seals; {lanes} lanes",
        alarms.len()
    );
    assert_eq!(failed, 0, "no request fails");
    assert!(alarms.is_empty(), "false alarms: {alarms:?}");
    assert!(runs >= 20);
    // Everything committed is sealed and verifies; every audited action is there.
    audit::seal(&app.db, &app.vault, now()).await.unwrap();
    let v = audit::verify(&app.db, &app.vault).await.unwrap();
    let total: u64 = audit_record::Entity::find().all(&app.db).await.unwrap().len() as u64;
    assert_eq!(v, Verdict::Intact { records: total, unsealed: 0 });
    let visits = app.audited("event.create").await.len();
    assert_eq!(visits, 48);
    for db in [db2, sweep_db, verify_db] {
        db.close().await.ok();
    }
    app
});

// `audit anchor` exported, the database rolled back to an older copy: `verify --anchor` says
// so; the older anchor still verifies; an altered anchor is refused.
both!(audit_anchor_detects_a_rollback_to_an_older_copy, |app: TestApp| async move {
    use sea_orm::ConnectionTrait;
    app.login().await;
    let id = app.person("测试丙", ID_A, "2026-08-25", "2026-09-01").await;
    let first = audit::anchor(&app.db, &app.vault, now()).await.unwrap();
    let first_seal = deployment::get_setting(&app.db, "audit.seal").await.unwrap().unwrap();
    let kept: Vec<i64> = audit_record::Entity::find().all(&app.db).await.unwrap().into_iter().map(|r| r.seq).collect();
    for _ in 0..3 {
        let (s, _) = app.get(&format!("/persons/{id}")).await;
        assert_eq!(s, StatusCode::OK);
    }
    let second = audit::anchor(&app.db, &app.vault, now()).await.unwrap();
    assert!(second.n > first.n && second.seq > first.seq);
    // The anchor survives a round trip through its file format.
    let second = audit::Seal::parse(&second.to_json()).unwrap();
    assert_eq!(
        audit::verify_anchor(&app.db, &app.vault, &second).await.unwrap(),
        Verdict::Intact { records: 5, unsealed: 0 }
    );
    // An altered anchor (a later head claimed without the key) is refused.
    let mut altered = second.clone();
    altered.n += 10;
    assert_eq!(audit::verify_anchor(&app.db, &app.vault, &altered).await.unwrap(), Verdict::AnchorForged);
    // Roll back: the database as it was at the first anchor (its records and its seal).
    let list = kept.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(",");
    app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq NOT IN ({list})")).await.unwrap();
    deployment::put_setting(&app.db, "audit.seal", &first_seal).await.unwrap();
    // On its own the older copy is a consistent log …
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
    // … but not against the anchor kept elsewhere.
    assert_eq!(
        audit::verify_anchor(&app.db, &app.vault, &second).await.unwrap(),
        Verdict::RolledBack { anchor: second.n, found: first.n }
    );
    assert!(matches!(audit::verify_anchor(&app.db, &app.vault, &first).await.unwrap(), Verdict::Intact { .. }));
    // A copy whose last anchored record was changed is caught as well.
    let head = &first.lanes[0];
    app.db
        .execute_unprepared(&format!(
            "UPDATE audit_record SET detail = 'x' WHERE lane = {} AND lane_seq = {}",
            head.lane, head.head_seq
        ))
        .await
        .unwrap();
    assert!(!matches!(audit::verify_anchor(&app.db, &app.vault, &first).await.unwrap(), Verdict::Intact { .. }));
    app
});

// Retention removing every record: nothing audited for the whole retention period, then a
// clock that jumps years ahead. Numbering continues above what was removed (lane positions and
// sequence numbers), the log verifies, and an anchor taken before still holds.
both!(audit_prune_of_every_record_continues_above_the_anchor, |app: TestApp| async move {
    let t0 = fixed_instant();
    for i in 0..3 {
        audit::record(&app.db, &audit::Who::cli(), Now::at(t0), audit::Entry::ok("test.event", "test", i))
            .await
            .unwrap();
    }
    let anchor = audit::anchor(&app.db, &app.vault, Now::at(t0)).await.unwrap();
    let max_before = anchor.seq;
    // Nothing audited for 13 months: the prune removes every record.
    let later = Now::at(t0 + chrono::Duration::days(400));
    let removed = audit::prune(&app.db, &app.vault, &audit::Who::cli(), later).await.unwrap();
    assert_eq!(removed, 3);
    let rows = audit_record::Entity::find().order_by_asc(audit_record::Column::Seq).all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 1, "only the prune's own record");
    assert_eq!(rows[0].action, "audit.prune");
    assert!(rows[0].seq > max_before, "the sequence does not restart: {} > {max_before}", rows[0].seq);
    assert_eq!(rows[0].lane_seq, anchor.lanes[0].head_seq + 1, "the lane continues above its base");
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 1, unsealed: 0 });
    assert!(matches!(audit::verify_anchor(&app.db, &app.vault, &anchor).await.unwrap(), Verdict::Intact { .. }));
    audit::record(&app.db, &audit::Who::cli(), later, audit::Entry::ok("test.event", "test", 9)).await.unwrap();
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 2, unsealed: 1 }));

    // The clock jumps ten years ahead: the prune removes everything, records just written
    // included; records stamped with the jumped clock and then the right one follow.
    let jumped = Now::at(t0 + chrono::Duration::days(3650));
    let removed = audit::prune(&app.db, &app.vault, &audit::Who::cli(), jumped).await.unwrap();
    assert_eq!(removed, 2);
    audit::record(&app.db, &audit::Who::cli(), jumped, audit::Entry::ok("test.event", "test", 10)).await.unwrap();
    audit::record(&app.db, &audit::Who::cli(), later, audit::Entry::ok("test.event", "test", 11)).await.unwrap();
    audit::seal(&app.db, &app.vault, later).await.unwrap();
    let rows = audit_record::Entity::find().order_by_asc(audit_record::Column::Seq).all(&app.db).await.unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq && w[0].lane_seq < w[1].lane_seq));
    assert!(rows[0].seq > max_before + 2);
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { records: 3, unsealed: 0 });
    assert!(matches!(audit::verify_anchor(&app.db, &app.vault, &anchor).await.unwrap(), Verdict::Intact { .. }));
    // Deleting the oldest kept record is still caught (it is not a prune: the base did not move).
    use sea_orm::ConnectionTrait;
    app.db.execute_unprepared(&format!("DELETE FROM audit_record WHERE seq = {}", rows[0].seq)).await.unwrap();
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Gap { .. }));
    // Moving a lane's base by hand (a fake prune) is caught by the seal.
    app.db
        .execute_unprepared(&format!(
            "UPDATE audit_lane SET base_seq = {} WHERE lane = {}",
            rows[0].lane_seq, rows[0].lane
        ))
        .await
        .unwrap();
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::SealForged);
    // The sealer does not seal over it, so it stays visible.
    assert_eq!(audit::seal(&app.db, &app.vault, later).await.unwrap(), audit::Sealed::Refused);
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::SealForged);
    // Nor over a sealed lane removed (its records moved into another one).
    app.db.execute_unprepared("DELETE FROM audit_lane").await.unwrap();
    assert_eq!(audit::seal(&app.db, &app.vault, later).await.unwrap(), audit::Sealed::Refused);
    assert_eq!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::SealForged);
    app
});

/// A database written before the lanes (one chain, an unkeyed head setting, an earlier prune)
/// is upgraded in place: its records become lane 1, re-chained; an `audit.upgrade` record says
/// so and what the check of the old chain found; the first seal then covers them all.
async fn audit_log_of_an_older_version_is_upgraded_in_place(backend: Backend) {
    use jindu_store::migration::Migrator;
    use sea_orm::ActiveValue::{NotSet, Set};
    use sea_orm_migration::MigratorTrait;
    let app = TestApp::start(backend).await;
    // A second, older database beside the test app's: migrated up to m0012 only.
    let url = match backend {
        Backend::Sqlite => format!("{}-old", app.db_url),
        Backend::Postgres => {
            let admin =
                std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
            jindu_store::db::create_postgres_database(&admin, &format!("jindu_t_{}", Uuid::now_v7().simple()))
                .await
                .unwrap()
        }
    };
    let url_rwc = if url.starts_with("sqlite") { format!("{url}?mode=rwc") } else { url.clone() };
    let db = sea_orm::Database::connect(&url_rwc).await.unwrap();
    Migrator::up(&db, Some(12)).await.unwrap();
    fn old_hash(r: &audit_record::Model) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for f in [
            r.seq.to_string(),
            r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            String::new(),
            r.username.clone(),
            r.unit.clone(),
            r.address.clone(),
            r.action.clone(),
            r.object_type.clone().unwrap_or_default(),
            r.object_id.clone().unwrap_or_default(),
            r.outcome.clone(),
            r.detail.clone().unwrap_or_default(),
            r.prev_hash.clone(),
        ] {
            h.update(f.as_bytes());
            h.update([0x1f]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
    // Records 4 to 6 after a prune that removed 1 to 3 (anchor 3:…), as the old version wrote them.
    let mut prev = "a".repeat(64);
    deployment::put_setting(&db, "audit.anchor", &format!("3:{prev}")).await.unwrap();
    for seq in 4..=6 {
        let mut r = audit_record::Model {
            seq,
            lane: 0,
            lane_seq: 0,
            at: fixed_instant(),
            user_id: None,
            username: "cli".into(),
            unit: String::new(),
            address: "local".into(),
            action: "test.old".into(),
            object_type: Some("test".into()),
            object_id: Some(seq.to_string()),
            outcome: "ok".into(),
            detail: None,
            prev_hash: prev.clone(),
            hash: String::new(),
        };
        r.hash = old_hash(&r);
        prev = r.hash.clone();
        audit_record::Entity::insert(audit_record::ActiveModel {
            seq: Set(r.seq),
            lane: NotSet,
            lane_seq: NotSet,
            at: Set(r.at),
            user_id: Set(None),
            username: Set(r.username),
            unit: Set(r.unit),
            address: Set(r.address),
            action: Set(r.action),
            object_type: Set(r.object_type),
            object_id: Set(r.object_id),
            outcome: Set(r.outcome),
            detail: Set(None),
            prev_hash: Set(r.prev_hash),
            hash: Set(r.hash),
        })
        .exec_without_returning(&db)
        .await
        .unwrap();
    }
    deployment::put_setting(&db, "audit.head", &format!("6:{prev}")).await.unwrap();
    db.close().await.unwrap();
    // The new version opens it: migrated in place.
    let db = jindu_store::db::connect(&url).await.unwrap();
    let rows = audit_record::Entity::find().order_by_asc(audit_record::Column::Seq).all(&db).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert!(rows.iter().all(|r| r.lane == 1));
    assert_eq!(rows.iter().map(|r| r.lane_seq).collect::<Vec<_>>(), vec![4, 5, 6, 7]);
    assert_eq!(rows[3].action, "audit.upgrade");
    assert!(rows[3].seq > 6, "numbering continues: {}", rows[3].seq);
    let detail = rows[3].detail.clone().unwrap();
    assert!(detail.contains("3 records re-chained") && detail.contains("old chain: intact"), "{detail}");
    assert_eq!(deployment::get_setting(&db, "audit.head").await.unwrap(), None);
    assert_eq!(audit::verify(&db, &app.vault).await.unwrap(), Verdict::Intact { records: 4, unsealed: 4 });
    assert!(matches!(audit::seal(&db, &app.vault, now()).await.unwrap(), audit::Sealed::Sealed { new: 4, .. }));
    assert_eq!(audit::verify(&db, &app.vault).await.unwrap(), Verdict::Intact { records: 4, unsealed: 0 });
    // New records continue the lane.
    audit::record(&db, &audit::Who::cli(), now(), audit::Entry::ok("test.new", "test", 1)).await.unwrap();
    assert_eq!(audit::verify(&db, &app.vault).await.unwrap(), Verdict::Intact { records: 5, unsealed: 1 });
    db.close().await.unwrap();
    if let Backend::Postgres = backend {
        let admin =
            std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = url.rsplit('/').next().unwrap().to_string();
        jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    }
    app.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_of_an_older_version_is_upgraded_in_place_sqlite() {
    audit_log_of_an_older_version_is_upgraded_in_place(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn audit_log_of_an_older_version_is_upgraded_in_place_postgres() {
    audit_log_of_an_older_version_is_upgraded_in_place(Backend::Postgres).await;
}
