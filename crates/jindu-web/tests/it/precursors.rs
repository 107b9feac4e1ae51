//! 易制毒化学品生产经营单位 the enterprise register (issue #21 item 2), on SQLite and PostgreSQL:
//! created with exact stored values, personal data sealed, a wrong credit code refused with the
//! sentence naming 统一社会信用代码 and nothing stored, a credit code registered once, the 企业
//! account limited to its own enterprise (another answers 404, the persons registry 403), every
//! write and every read of personal data audited.

use crate::common::*;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_domain::precursor::enterprise::{EnterpriseForm, WarehouseForm};
use jindu_domain::precursor::{EnterpriseRole, EnterpriseStatus};
use jindu_store::entities::{app_user, audit_record, precursor_enterprise, precursor_warehouse};
use jindu_store::service::enterprises::{self, EnterpriseFilter, Reading};
use jindu_store::service::{Actor, ServiceError, audit, users};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};

pub(crate) fn now() -> Now {
    Now::at(fixed_instant())
}

/// 华为技术有限公司's published code (its check character worked by hand in
/// `jindu_domain::precursor::credit_code`): Σ Cᵢ·Wᵢ = 831, 831 mod 31 = 25, 31 − 25 = 6.
pub(crate) const CODE_A: &str = "914403001922038216";
/// 深圳市腾讯计算机系统有限公司's published code.
pub(crate) const CODE_B: &str = "91440300708461136T";
/// A synthetic ID number (GB 11643: Σ = 196, 196 mod 11 = 9 → `3`).
const LEGAL_REP_ID: &str = "430405199001011233";

pub(crate) fn form(code: &str, name: &str, town: &str) -> EnterpriseForm {
    EnterpriseForm {
        credit_code: code.into(),
        name: name.into(),
        roles: vec!["trade".into(), "store".into()],
        business_scope: "硫酸、盐酸、丙酮批发（演示数据）".into(),
        registered_address: "衡阳市珠晖区演示路1号".into(),
        registered_division: town.into(),
        warehouses: vec![
            WarehouseForm { address: "演示仓库甲".into(), division: format!("{town}007") },
            WarehouseForm { address: "演示仓库乙".into(), division: town.into() },
        ],
        legal_rep_name: "张演示".into(),
        legal_rep_id_number: LEGAL_REP_ID.into(),
        legal_rep_phone: "13800000001".into(),
        responsible_name: "李演示".into(),
        responsible_id_number: String::new(),
        responsible_phone: "0734-8123456".into(),
        hazardous_licence: "湘衡危化经（演示）001".into(),
        status: String::new(),
        police_unit: town.into(),
        safety_unit: "珠晖区应急管理局".into(),
    }
}

async fn audited(app: &TestApp, action: &str) -> Vec<audit_record::Model> {
    audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq(action))
        .order_by_asc(audit_record::Column::Seq)
        .all(&app.db)
        .await
        .unwrap()
}

async fn enterprise_count(app: &TestApp) -> u64 {
    precursor_enterprise::Entity::find().count(&app.db).await.unwrap()
}

/// A 企业 account `username` linked to the enterprise `code`, as `jindu user add --role
/// enterprise --enterprise <code>` makes it.
pub(crate) async fn enterprise_account(app: &TestApp, username: &str, code: &str) -> Actor {
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

both!(a_created_enterprise_is_stored_with_exact_values_sealed_and_audited, |app: TestApp| async move {
    let id =
        enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_A, "演示化工有限公司", "430405009"))
            .await
            .unwrap();
    let m = precursor_enterprise::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(m.credit_code, CODE_A);
    assert_eq!(m.name, "演示化工有限公司");
    assert_eq!(m.roles, "trade,store");
    assert_eq!(m.division_code, "430405009000");
    assert_eq!(m.police_unit, "430405009000");
    assert_eq!(m.status, "normal");
    assert_eq!(m.version, 1);
    assert_eq!(m.hazardous_licence.as_deref(), Some("湘衡危化经（演示）001"));
    assert_eq!(m.created_by, Some(app.admin.user_id));
    assert_eq!(m.created_at, fixed_instant());
    // Sealed: neither the ID number nor the phone is in the row in clear; the blind index finds
    // the ID number; the vault opens them to the typed values.
    let sealed = m.legal_rep_id_number.clone().unwrap();
    assert!(!sealed.contains(LEGAL_REP_ID) && !sealed.contains("199001011233"), "{sealed}");
    assert!(!m.legal_rep_phone.clone().unwrap().contains("13800000001"));
    assert_eq!(m.legal_rep_id_bidx, Some(app.vault.id_number_index(LEGAL_REP_ID)));
    assert_eq!(m.responsible_id_number, None);
    assert_eq!(
        app.vault.open("precursor_enterprise", "legal_rep_id_number", &id.to_string(), &sealed).unwrap(),
        LEGAL_REP_ID
    );
    // Nowhere in the database in clear: not in any enterprise row, nor in the audit log.
    let everything = format!("{:?}", precursor_enterprise::Entity::find().all(&app.db).await.unwrap());
    assert!(!everything.contains(LEGAL_REP_ID) && !everything.contains("13800000001"));
    let warehouses = precursor_warehouse::Entity::find()
        .filter(precursor_warehouse::Column::EnterpriseId.eq(id))
        .order_by_asc(precursor_warehouse::Column::Seq)
        .all(&app.db)
        .await
        .unwrap();
    let shown: Vec<(i32, &str, &str)> =
        warehouses.iter().map(|w| (w.seq, w.address.as_str(), w.division_code.as_str())).collect();
    assert_eq!(shown, vec![(1, "演示仓库甲", "430405009007"), (2, "演示仓库乙", "430405009000")]);
    // The audit record of the create: who, what, and the values without personal data in clear.
    let records = audited(&app, "precursor.enterprise.create").await;
    assert_eq!(records.len(), 1);
    let r = &records[0];
    assert_eq!(r.user_id, Some(app.admin.user_id));
    assert_eq!(r.object_type.as_deref(), Some("precursor_enterprise"));
    assert_eq!(r.object_id.as_deref(), Some(id.to_string().as_str()));
    assert_eq!(r.outcome, "ok");
    let detail = r.detail.clone().unwrap();
    assert!(
        detail.starts_with(&format!(
            "credit_code={CODE_A} name=演示化工有限公司 roles=trade,store division=430405009000 "
        )),
        "{detail}"
    );
    assert!(detail.contains("legal_rep=张演示 (id yes phone yes) responsible=李演示 (id - phone yes)"), "{detail}");
    assert!(!detail.contains(LEGAL_REP_ID) && !detail.contains("13800000001"), "{detail}");
    // The page: masked by default (430405********1233, 138****0001), audited as a read.
    let v = enterprises::get(&app.db, &app.vault, &app.admin, now(), id, Reading::Masked).await.unwrap();
    assert_eq!(v.legal_rep.id_number.as_deref(), Some(jindu_crypto::mask_id_number(LEGAL_REP_ID).as_str()));
    assert_eq!(v.legal_rep.phone.as_deref(), Some(jindu_crypto::mask_phone("13800000001").as_str()));
    assert_eq!(v.roles, vec![EnterpriseRole::Trade, EnterpriseRole::Store]);
    assert_eq!(v.status, EnterpriseStatus::Normal);
    assert_eq!(v.division_path, "湖南省/衡阳市/珠晖区/广东路街道");
    assert_eq!(audited(&app, "precursor.enterprise.read").await.len(), 1);
    let v = enterprises::get(&app.db, &app.vault, &app.admin, now(), id, Reading::Unmasked).await.unwrap();
    assert_eq!(v.legal_rep.id_number.as_deref(), Some(LEGAL_REP_ID));
    assert_eq!(audited(&app, "precursor.enterprise.unmask").await.len(), 1);
    app
});

both!(a_wrong_check_character_is_refused_naming_the_credit_code_and_nothing_is_stored, |app: TestApp| async move {
    // The published code with its 18th character changed from 6 to 7.
    let e = enterprises::create(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        &form("914403001922038217", "演示化工有限公司", "430405009"),
    )
    .await
    .unwrap_err();
    let ServiceError::Invalid(errors) = e else { panic!("{e:?}") };
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].field, "credit_code");
    assert_eq!(errors[0].code, "credit_code.check");
    assert_eq!(
        jindu_messages::render(&errors[0].message, "zh-CN"),
        "统一社会信用代码校验码错误：第18位应为“6”，实为“7”。"
    );
    assert_eq!(enterprise_count(&app).await, 0);
    assert!(audited(&app, "precursor.enterprise.create").await.is_empty());
    // On the page: 422 with the sentence, nothing stored.
    app.login().await;
    let f = form("914403001922038217", "演示化工有限公司", "430405009");
    let (status, body, _) = app
        .post(
            "/precursors/enterprises",
            &[
                ("credit_code", f.credit_code.as_str()),
                ("name", &f.name),
                ("role_trade", "1"),
                ("business_scope", &f.business_scope),
                ("registered_address", &f.registered_address),
                ("registered_division", "430405009"),
                ("legal_rep_name", &f.legal_rep_name),
                ("responsible_name", &f.responsible_name),
                ("police_unit", "430405009"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("统一社会信用代码校验码错误：第18位应为“6”，实为“7”。"), "{body}");
    assert_eq!(enterprise_count(&app).await, 0);
    app
});

both!(a_credit_code_is_registered_once, |app: TestApp| async move {
    enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_A, "演示化工有限公司", "430405009"))
        .await
        .unwrap();
    // The same code typed in lower case with spaces is the same code.
    let e = enterprises::create(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        &form("9144 0300 1922 0382 16", "另一演示公司", "430405007"),
    )
    .await
    .unwrap_err();
    let ServiceError::Invalid(errors) = e else { panic!("{e:?}") };
    assert_eq!(errors[0].field, "credit_code");
    assert_eq!(
        jindu_messages::render(&errors[0].message, "zh-CN"),
        format!("统一社会信用代码“{CODE_A}”已登记，不能重复登记同一单位。")
    );
    assert_eq!(enterprise_count(&app).await, 1);
    app
});

both!(every_problem_at_once_and_divisions_of_the_deployment_only, |app: TestApp| async move {
    let mut f = form(CODE_A, "", "430405009");
    f.roles = vec![];
    f.warehouses = vec![WarehouseForm { address: "外地仓库".into(), division: "110105001".into() }];
    f.legal_rep_phone = "电话".into();
    let ServiceError::Invalid(errors) =
        enterprises::create(&app.db, &app.vault, &app.admin, now(), &f).await.unwrap_err()
    else {
        panic!()
    };
    let fields: Vec<&str> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, vec!["enterprise_name", "roles", "legal_rep_phone"]);
    // With the form otherwise right, a warehouse outside the deployment (北京市朝阳区) is named.
    let mut f = form(CODE_A, "演示化工有限公司", "430405009");
    f.warehouses = vec![WarehouseForm { address: "外地仓库".into(), division: "110105001".into() }];
    let ServiceError::Invalid(errors) =
        enterprises::create(&app.db, &app.vault, &app.admin, now(), &f).await.unwrap_err()
    else {
        panic!()
    };
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "warehouse_division");
    assert_eq!(
        jindu_messages::render(&errors[0].message, "zh-CN"),
        "仓库所在区划“110105001000”不在本系统的区划或您的管辖范围内。"
    );
    assert_eq!(enterprise_count(&app).await, 0);
    app
});

both!(an_enterprise_account_sees_its_own_enterprise_only_and_no_persons, |app: TestApp| async move {
    let a = enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_A, "演示甲公司", "430405009"))
        .await
        .unwrap();
    let b = enterprises::create(&app.db, &app.vault, &app.admin, now(), &form(CODE_B, "演示乙公司", "430405009"))
        .await
        .unwrap();
    let qy = enterprise_account(&app, "qy_a", "91440300 19220382 16").await;
    assert_eq!(qy.enterprise, Some(a));
    assert_eq!(qy.scope.to_string(), "430405009000", "the account sits at its enterprise's division");
    let stored = app_user::Entity::find_by_id(qy.user_id).one(&app.db).await.unwrap().unwrap();
    assert_eq!((stored.role.as_str(), stored.enterprise_id), ("enterprise", Some(a)));
    assert_eq!(audited(&app, "user.enterprise_link").await.len(), 1);
    // Its own: seen and listed; the other enterprise of the same town: 404 like a missing one.
    assert_eq!(enterprises::get(&app.db, &app.vault, &qy, now(), a, Reading::Masked).await.unwrap().id, a);
    assert!(matches!(
        enterprises::get(&app.db, &app.vault, &qy, now(), b, Reading::Masked).await,
        Err(ServiceError::NotFound(_))
    ));
    let page = enterprises::list(&app.db, &qy, &EnterpriseFilter::default()).await.unwrap();
    assert_eq!(page.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![a]);
    assert_eq!(page.total, 1);
    // The office sees both.
    assert_eq!(enterprises::list(&app.db, &app.admin, &EnterpriseFilter::default()).await.unwrap().total, 2);
    // It edits its own (not its status, credit code or police unit), not the other.
    let (mut f, version) = enterprises::edit_form(&app.db, &app.vault, &qy, now(), a).await.unwrap();
    f.business_scope = "硫酸、盐酸、丙酮、高锰酸钾批发（演示数据）".into();
    enterprises::update(&app.db, &app.vault, &qy, now(), a, version, &f).await.unwrap();
    let m = precursor_enterprise::Entity::find_by_id(a).one(&app.db).await.unwrap().unwrap();
    assert_eq!((m.business_scope.as_str(), m.version), ("硫酸、盐酸、丙酮、高锰酸钾批发（演示数据）", 2));
    // The ID number came back in full (the role may unmask its own staff's) and is kept.
    assert_eq!(
        app.vault
            .open(
                "precursor_enterprise",
                "legal_rep_id_number",
                &a.to_string(),
                m.legal_rep_id_number.as_deref().unwrap()
            )
            .unwrap(),
        LEGAL_REP_ID
    );
    // A stale version: conflict.
    assert!(matches!(
        enterprises::update(&app.db, &app.vault, &qy, now(), a, version, &f).await,
        Err(ServiceError::Conflict)
    ));
    f.status = "deregistered".into();
    let ServiceError::Invalid(errors) =
        enterprises::update(&app.db, &app.vault, &qy, now(), a, 2, &f).await.unwrap_err()
    else {
        panic!()
    };
    assert_eq!(errors[0].field, "enterprise_status");
    let (fb, vb) = enterprises::edit_form(&app.db, &app.vault, &app.admin, now(), b).await.unwrap();
    assert!(matches!(
        enterprises::update(&app.db, &app.vault, &qy, now(), b, vb, &fb).await,
        Err(ServiceError::NotFound(_))
    ));
    // It registers none.
    assert!(matches!(
        enterprises::create(&app.db, &app.vault, &qy, now(), &form(CODE_B, "x", "430405009")).await,
        Err(ServiceError::Forbidden(_))
    ));
    // Over HTTP: its own page 200, the other's 404, the persons registry 403.
    let client = app.signed_in("qy_a").await;
    let (s, body) = get_page(&client, &app.base, &format!("/precursors/enterprises/{a}")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(body.contains("演示甲公司") && body.contains(CODE_A));
    let (s, body) = get_page(&client, &app.base, &format!("/precursors/enterprises/{b}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!body.contains("演示乙公司"));
    let (s, body) = get_page(&client, &app.base, "/precursors/enterprises").await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("演示甲公司") && !body.contains("演示乙公司"));
    assert_eq!(get_page(&client, &app.base, "/persons").await.0, StatusCode::FORBIDDEN);
    // A role that may not see enterprises: 403 before anything is read.
    let leader = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader).await.unwrap().unwrap();
    assert!(matches!(
        enterprises::list(&app.db, &leader, &EnterpriseFilter::default()).await,
        Err(ServiceError::Forbidden(jindu_domain::Permission::ViewEnterprises))
    ));
    app
});

both!(the_list_filters_by_town_role_status_and_search, |app: TestApp| async move {
    let mut f = form(CODE_A, "演示甲公司", "430405009");
    f.roles = vec!["produce".into()];
    enterprises::create(&app.db, &app.vault, &app.admin, now(), &f).await.unwrap();
    let mut f = form(CODE_B, "演示乙公司", "430405007");
    f.status = "suspended".into();
    enterprises::create(&app.db, &app.vault, &app.admin, now(), &f).await.unwrap();
    let names = |filter: EnterpriseFilter| {
        let db = app.db.clone();
        let admin = app.admin.clone();
        async move {
            enterprises::list(&db, &admin, &filter).await.unwrap().rows.into_iter().map(|r| r.name).collect::<Vec<_>>()
        }
    };
    // By division, then name: 衡州路街道 (007) before 广东路街道 (009).
    assert_eq!(names(EnterpriseFilter::default()).await, vec!["演示乙公司", "演示甲公司"]);
    assert_eq!(names(EnterpriseFilter { town: "430405009".into(), ..Default::default() }).await, vec!["演示甲公司"]);
    assert_eq!(names(EnterpriseFilter { role: "produce".into(), ..Default::default() }).await, vec!["演示甲公司"]);
    assert_eq!(names(EnterpriseFilter { role: "store".into(), ..Default::default() }).await, vec!["演示乙公司"]);
    assert_eq!(names(EnterpriseFilter { status: "suspended".into(), ..Default::default() }).await, vec!["演示乙公司"]);
    assert_eq!(names(EnterpriseFilter { q: "甲".into(), ..Default::default() }).await, vec!["演示甲公司"]);
    assert_eq!(
        names(EnterpriseFilter { q: "91440300708461136t".into(), ..Default::default() }).await,
        vec!["演示乙公司"]
    );
    // An unknown filter value is refused, not ignored.
    let e = enterprises::list(&app.db, &app.admin, &EnterpriseFilter { role: "sell".into(), ..Default::default() })
        .await
        .unwrap_err();
    assert!(matches!(e, ServiceError::Invalid(ref v) if v[0].field == "role"), "{e:?}");
    // The export: the same rows as an .xlsx.
    app.login().await;
    let r = app.client.get(app.url("/precursors/enterprises.xlsx?status=suspended")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(&bytes[..2], b"PK");
    app
});
