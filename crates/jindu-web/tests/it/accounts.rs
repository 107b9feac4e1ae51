//! Accounts (issue #20 item 6): disable and enable, change of role, unit and member unit, each
//! audited with its old and new value, ending the account's sessions and revoking its API
//! tokens; the self and last-administrator refusals; a social worker's caseload; the member
//! unit of a 成员单位 account and what it sees. Every test on SQLite and PostgreSQL.

use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, Role};
use jindu_store::service::admin::{self, AccountEdit};
use jindu_store::service::responsibility::{self, TaskForm};
use jindu_store::service::units::{self, MemberUnitForm};
use jindu_store::service::{ServiceError, users};
use reqwest::StatusCode;

fn now() -> Now {
    Now::at(fixed_instant())
}

/// The audit records of accounts and tokens (`user.*`, `token.*`, but the administrators' own
/// second-factor set-up), oldest first: (action, outcome, detail).
async fn account_audit(app: &TestApp) -> Vec<(String, String, String)> {
    use jindu_store::entities::audit_record;
    use sea_orm::{EntityTrait, QueryOrder};
    audit_record::Entity::find()
        .order_by_asc(audit_record::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|r| (r.action.starts_with("user.") || r.action.starts_with("token.")) && r.action != "user.totp_enable")
        .map(|r| (r.action, r.outcome, r.detail.unwrap_or_default()))
        .collect()
}

fn rec(action: &str, detail: &str) -> (String, String, String) {
    (action.to_string(), "ok".to_string(), detail.to_string())
}

/// The sentences of an `Invalid` refusal, as (field, Chinese sentence).
fn refused(r: Result<impl std::fmt::Debug, ServiceError>) -> Vec<(&'static str, String)> {
    match r {
        Err(ServiceError::Invalid(errors)) => {
            errors.iter().map(|e| (e.field, jindu_messages::render(&e.message, "zh-CN"))).collect()
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// A fresh client signed in as `username` with the test password: the sign-in's status and
/// page.
async fn try_sign_in(app: &TestApp, username: &str) -> (StatusCode, String) {
    let client = cookie_client();
    let r = sign_in(&client, &app.base, username, None).await;
    let s = r.status();
    (s, r.text().await.unwrap())
}

both!(a_disabled_account_cannot_sign_in_and_its_sessions_and_tokens_end, |app: TestApp| async move {
    let root = app.with_user(Role::SystemAdmin, "430405").await;
    let officer = app.with_user(Role::TownOfficer, "430405009").await;
    let (s, _) = officer.get("/persons").await;
    assert_eq!(s, StatusCode::OK, "signed in before");
    let token = officer.token(30).await;
    let (s, _) = app.api_get("/api/v1/persons", Some(&token)).await;
    assert_eq!(s, StatusCode::OK);

    let (s, _, loc) = root.post(&format!("/admin/users/{}", officer.id), &[("action", "disable")]).await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/users")));
    // The open session ends at once, the token stops working.
    let (s, _) = officer.get("/persons").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session ended");
    let (s, _) = app.api_get("/api/v1/persons", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The right password is told the account is disabled; a wrong one gets the answer an
    // unknown name gets.
    let (s, body) = try_sign_in(&app, &officer.username).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert!(body.contains("该账号已停用，不能登录；如有疑问请联系系统管理员。"), "{body}");
    assert!(!body.contains("用户名或密码错误"));
    let wrong = users::login(&app.db, now(), &officer.username, "Wrong-Password-1", "10.0.0.1").await.unwrap();
    let unknown = users::login(&app.db, now(), "nobody", "Wrong-Password-1", "10.0.0.1").await.unwrap();
    assert_eq!(format!("{wrong:?}"), "Failed");
    assert_eq!(format!("{unknown:?}"), "Failed");
    assert!(users::authenticate(&app.db, &officer.username, PASSWORD).await.unwrap().is_none());
    // The list and the account page say so.
    let (_, list) = root.get("/admin/users").await;
    let row = list.split(&format!("data-user=\"{}\"", officer.username)).nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("已停用") && row.contains("value=\"enable\""), "{row}");
    let (s, page) = root.get(&format!("/admin/users/{}", officer.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("已停用</span> 停用时间 2026-11-29 10:00"), "{page}");
    // No token is made for a disabled account: it would come alive on enable (hostile trial).
    let made = jindu_store::service::tokens::create(
        &app.db,
        jindu_domain::clock::Now::at(fixed_instant()),
        officer.id,
        "while disabled",
        officer.actor.role,
        officer.actor.scope,
        30,
    )
    .await;
    match made {
        Err(jindu_store::service::ServiceError::Invalid(errors)) => {
            assert_eq!(errors[0].field, "username");
            assert!(errors[0].zh().contains("该账号已停用，不能申请接口令牌"), "{}", errors[0].zh());
        }
        other => panic!("a token for a disabled account: {other:?}"),
    }
    // Disabling twice is refused.
    let (s, body, _) = root.post(&format!("/admin/users/{}", officer.id), &[("action", "disable")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("该账号已停用。"), "{body}");

    let (s, _, _) = root.post(&format!("/admin/users/{}", officer.id), &[("action", "enable")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = try_sign_in(&app, &officer.username).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "signs in again");
    let (s, _) = app.api_get("/api/v1/persons", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a revoked token stays revoked");
    let (s, body, _) = root.post(&format!("/admin/users/{}", officer.id), &[("action", "enable")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("该账号未停用，无需启用。"), "{body}");

    let name = &officer.username;
    assert_eq!(
        account_audit(&app).await,
        vec![
            rec("user.disable", &format!("{name}: enabled → disabled")),
            rec("token.revoke", "test; account disabled"),
            rec("user.enable", &format!("{name}: disabled → enabled")),
        ]
    );
    app
});

both!(no_one_disables_themselves_or_the_last_enabled_administrator, |app: TestApp| async move {
    let a = app.with_user(Role::SystemAdmin, "430405").await;
    let b = app.with_user(Role::SystemAdmin, "430405").await;
    let (s, body, _) = a.post(&format!("/admin/users/{}", a.id), &[("action", "disable")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能对自己的账号执行此操作，请由另一名系统管理员办理。"), "{body}");
    let (s, body, _) =
        a.post(&format!("/admin/users/{}/edit", a.id), &[("role", "office"), ("division", "430405000000")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不能对自己的账号执行此操作"), "{body}");

    // Two administrators disabling each other at once: one of them stays.
    let (ra, rb) = tokio::join!(
        admin::user_action(&app.db, &a.actor, now(), b.id, "disable"),
        admin::user_action(&app.db, &b.actor, now(), a.id, "disable"),
    );
    let oks = usize::from(ra.is_ok()) + usize::from(rb.is_ok());
    assert_eq!(oks, 1, "{ra:?} {rb:?}");
    let last = if ra.is_ok() { &a } else { &b };
    let refusal = refused(if ra.is_ok() { rb } else { ra });
    assert_eq!(
        refusal,
        vec![("action", "不能停用最后一个启用的系统管理员账号，也不能改变其角色，否则将无人能管理账号。".to_string())]
    );
    // From the shell too: neither disabled nor given another role.
    assert_eq!(
        refused(admin::user_action_from_shell(&app.db, now(), &last.username, "disable").await),
        vec![("action", "不能停用最后一个启用的系统管理员账号，也不能改变其角色，否则将无人能管理账号。".to_string())]
    );
    assert_eq!(
        refused(admin::edit_user_from_shell(&app.db, now(), &last.username, Some("office"), None, None).await),
        vec![("role", "不能停用最后一个启用的系统管理员账号，也不能改变其角色，否则将无人能管理账号。".to_string())]
    );
    let (s, _) = last.get("/admin/users").await;
    assert_eq!(s, StatusCode::OK, "the last administrator still manages accounts");
    app
});

both!(a_role_change_ends_the_sessions_and_the_new_permissions_apply, |app: TestApp| async move {
    let root = app.with_user(Role::SystemAdmin, "430405").await;
    let leader = app.with_user(Role::Leader, "430405009").await;
    let (s, _) = leader.get("/persons").await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a leader sees counts only");
    let (s, _) = leader.get("/dashboard").await;
    assert_eq!(s, StatusCode::OK);
    let token = leader.token(30).await;
    // The change comes a minute after the sign-in.
    app.advance(1);

    let (s, body, loc) = root
        .post(
            &format!("/admin/users/{}/edit", leader.id),
            &[("role", "town_officer"), ("division", "430405009000"), ("member_unit", "")],
        )
        .await;
    assert_eq!((s, loc.as_deref()), (StatusCode::SEE_OTHER, Some("/admin/users")), "{body}");
    let (s, _) = leader.get("/dashboard").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session ended");
    let client = cookie_client();
    assert_eq!(sign_in(&client, &app.base, &leader.username, None).await.status(), StatusCode::SEE_OTHER);
    let (s, _) = get_page(&client, &app.base, "/persons").await;
    assert_eq!(s, StatusCode::OK, "the new role's permission applies");
    let (s, _) = app.api_get("/api/v1/persons", Some(&token)).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let actor = users::actor(&app.db, leader.id).await.unwrap().unwrap();
    assert_eq!((actor.role, actor.scope.to_string()), (Role::TownOfficer, "430405009000".to_string()));

    // The same values again change nothing and write nothing.
    let (s, _, _) = root
        .post(&format!("/admin/users/{}/edit", leader.id), &[("role", "town_officer"), ("division", "430405009000")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // A bad role or a division outside the administrator's scope is named.
    let (s, body, _) =
        root.post(&format!("/admin/users/{}/edit", leader.id), &[("role", "king"), ("division", "110105000000")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("所属单位辖区不存在或不在您的管理范围内。"), "{body}");
    assert!(body.contains("role-error"), "{body}");

    assert_eq!(
        account_audit(&app).await,
        vec![
            rec("user.role", &format!("{}: leader → town_officer", leader.username)),
            rec("token.revoke", "test; account changed"),
        ]
    );
    app
});

both!(a_division_change_changes_what_the_user_sees, |app: TestApp| async move {
    let root = app.with_user(Role::SystemAdmin, "430405").await;
    let officer = app.with_user(Role::TownOfficer, "430405009").await;
    let person = app.person("广东路甲", ID_A, "2026-11-01", "2026-11-02").await;
    let (s, _) = officer.get(&format!("/persons/{person}")).await;
    assert_eq!(s, StatusCode::OK);
    // The change comes a minute after the sign-in.
    app.advance(1);

    let (s, body, _) = root
        .post(&format!("/admin/users/{}/edit", officer.id), &[("role", "town_officer"), ("division", "430405007000")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _) = officer.get(&format!("/persons/{person}")).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session ended");
    let client = cookie_client();
    assert_eq!(sign_in(&client, &app.base, &officer.username, None).await.status(), StatusCode::SEE_OTHER);
    let (s, _) = get_page(&client, &app.base, &format!("/persons/{person}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a person of the old town is out of scope");
    let (s, _) = get_page(&client, &app.base, "/persons").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        account_audit(&app).await,
        vec![rec("user.division", &format!("{}: 430405009000 → 430405007000", officer.username))]
    );
    app
});

both!(a_social_worker_who_holds_persons_keeps_role_and_unit, |app: TestApp| async move {
    use jindu_store::service::persons::NewPerson;
    let root = app.with_user(Role::SystemAdmin, "430405").await;
    let worker = app.with_user(Role::SocialWorker, "430405009").await;
    app.register(NewPerson {
        name: "社工甲".into(),
        id_number: ID_A.into(),
        division: "430405009007".into(),
        social_worker_id: worker.id.to_string(),
        measure_kind: "community_detox".into(),
        decision_date: "2026-11-01".into(),
        report_date: "2026-11-02".into(),
        ..Default::default()
    })
    .await;
    let (s, page) = root.get(&format!("/admin/users/{}", worker.id)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"caseload\">1</dd>"), "{page}");
    let edit = |role: &str, division: &str| AccountEdit {
        role: role.into(),
        division: division.into(),
        member_unit: String::new(),
    };
    let holds = "该社工仍负责 1 名人员，请先在“社工分配”中将其移交给其他社工，再改变其角色或所属单位。".to_string();
    assert_eq!(
        refused(admin::edit_user(&app.db, &root.actor, now(), worker.id, &edit("town_officer", "430405009000")).await),
        vec![("role", holds.clone())]
    );
    assert_eq!(
        refused(admin::edit_user(&app.db, &root.actor, now(), worker.id, &edit("social_worker", "430405007000")).await),
        vec![("division", holds)]
    );
    // Down to the person's own community: the person stays in the worker's unit.
    let changes =
        admin::edit_user(&app.db, &root.actor, now(), worker.id, &edit("social_worker", "430405009007")).await.unwrap();
    assert_eq!(changes.changed, vec![("user.division", "430405009000".to_string(), "430405009007".to_string())]);
    // Disabling is never held up (an account may have to be stopped at once); the worker is no
    // longer offered for new persons.
    admin::user_action(&app.db, &root.actor, now(), worker.id, "disable").await.unwrap();
    let offered = users::social_workers(&app.db, &DivisionCode::parse("430405").unwrap()).await.unwrap();
    assert!(offered.iter().all(|(id, ..)| *id != worker.id));
    app
});

both!(a_member_unit_account_needs_its_unit_and_sees_its_own_tasks, |app: TestApp| async move {
    let root = app.with_user(Role::SystemAdmin, "430405").await;
    let unit = |name: &str| MemberUnitForm { name: name.into(), duties: String::new() };
    let edu = units::create_member_unit(&app.db, &app.admin, now(), unit("区教育局")).await.unwrap();
    let health = units::create_member_unit(&app.db, &app.admin, now(), unit("区卫健局")).await.unwrap();
    assert_eq!((edu.as_str(), health.as_str()), ("430405U01", "430405U02"));

    // The form: a member-unit account needs its unit, at the unit's district; no other role has one.
    let create = |role: &'static str, division: &'static str, member_unit: String| {
        let root = &root;
        async move {
            root.post(
                "/admin/users",
                &[
                    ("username", "jyj01"),
                    ("display_name", "教育局联络员"),
                    ("role", role),
                    ("division", division),
                    ("member_unit", &member_unit),
                ],
            )
            .await
        }
    };
    for (role, division, member_unit, sentence) in [
        ("member_unit", "430405000000", String::new(), "成员单位账号须选择所属成员单位。"),
        (
            "member_unit",
            "430405000000",
            "430405U99".to_string(),
            "成员单位“430405U99”不存在，请先在责任书页面登记该成员单位。",
        ),
        (
            "member_unit",
            "430405009000",
            edu.clone(),
            "成员单位账号的所属单位辖区须为“区教育局”所在的区县：湖南省/衡阳市/珠晖区。",
        ),
        ("office", "430405000000", edu.clone(), "只有“成员单位”角色的账号可关联成员单位。"),
    ] {
        let (s, body, _) = create(role, division, member_unit.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{role} {division} {member_unit}");
        assert!(body.contains(sentence), "{role} {division} {member_unit}: {body}");
    }
    let (s, body, _) = create("member_unit", "430405000000", edu.clone()).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let row = body.split("data-user=\"jyj01\"").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.contains("<td>区教育局</td>"), "{row}");
    // The shell's `user add` goes through the same check.
    let shell_add = users::add(&app.db, now(), new_user("jyj02", "联络员", "member_unit")).await;
    assert_eq!(refused(shell_add), vec![("member_unit", "成员单位账号须选择所属成员单位。".to_string())]);

    // Tasks of both units and of a town; the member unit's users (once their role may read the
    // responsibility pages) see their own unit's only.
    let task = |title: &str, owner: &str| TaskForm {
        plan: "2026年禁毒工作要点".into(),
        title: title.into(),
        owner_code: owner.into(),
        co_units: String::new(),
        due_on: "2026-12-31".into(),
    };
    for (title, owner) in
        [("开展校园禁毒教育", edu.as_str()), ("落实美沙酮维持治疗", health.as_str()), ("禁毒宣传月", "430405009000")]
    {
        responsibility::create_task(&app.db, &app.admin, now(), task(title, owner)).await.unwrap();
    }
    let edit = jindu_store::service::admin::RoleEdit {
        role: "member_unit".into(),
        permissions: vec!["view_counts".into()],
        own_caseload_only: false,
        reset: false,
    };
    admin::save_role(&app.db, &root.actor, now(), &edit).await.unwrap();
    let id = users::add(
        &app.db,
        now(),
        users::NewUser { member_unit: Some(edu.clone()), ..new_user("jyj03", "联络员", "member_unit") },
    )
    .await
    .unwrap();
    let member = users::actor(&app.db, id).await.unwrap().unwrap();
    assert_eq!(member.member_unit.as_deref(), Some("430405U01"));
    let titles: Vec<String> =
        responsibility::tasks(&app.db, &member, now(), false).await.unwrap().into_iter().map(|t| t.title).collect();
    assert_eq!(titles, vec!["开展校园禁毒教育".to_string()]);
    let letters: Vec<String> =
        responsibility::letters(&app.db, &member, 2026).await.unwrap().into_iter().map(|l| l.unit_code).collect();
    assert_eq!(letters, vec!["430405U01".to_string()]);
    let all = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(all.len(), 3, "the office still sees every unit's");
    let client = cookie_client();
    assert_eq!(sign_in(&client, &app.base, "jyj03", None).await.status(), StatusCode::SEE_OTHER);
    let (s, page) = get_page(&client, &app.base, "/responsibility").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("开展校园禁毒教育") && !page.contains("落实美沙酮维持治疗") && !page.contains("禁毒宣传月"));
    app.advance(1);

    // Moved to the other unit, then to another role: the unit follows and is audited.
    let (s, body, _) = root
        .post(
            &format!("/admin/users/{id}/edit"),
            &[("role", "member_unit"), ("division", "430405000000"), ("member_unit", &health)],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _) = get_page(&client, &app.base, "/responsibility").await;
    assert_eq!(s, StatusCode::SEE_OTHER, "the session ended");
    let member = users::actor(&app.db, id).await.unwrap().unwrap();
    let titles: Vec<String> =
        responsibility::tasks(&app.db, &member, now(), false).await.unwrap().into_iter().map(|t| t.title).collect();
    assert_eq!(titles, vec!["落实美沙酮维持治疗".to_string()]);
    let changes = admin::edit_user_from_shell(&app.db, now(), "jyj03", Some("leader"), None, None).await.unwrap();
    assert_eq!(
        changes.changed,
        vec![
            ("user.role", "member_unit".to_string(), "leader".to_string()),
            ("user.member_unit", "430405U02".to_string(), "none".to_string()),
        ]
    );
    let created = account_audit(&app).await;
    assert_eq!(
        created,
        vec![
            rec("user.create", "member_unit; member unit 430405U01"),
            rec("user.member_unit", "jyj03: 430405U01 → 430405U02"),
            rec("user.role", "jyj03: member_unit → leader"),
            rec("user.member_unit", "jyj03: 430405U02 → none"),
        ]
    );
    app
});
