//! JSON API tests: tokens (hashing, expiry, revocation, scope) and every API route × every role
//! × an object in and out of scope, over the real router and a real database. Every test runs
//! on SQLite and on PostgreSQL (`JINDU_TEST_PG_URL`, default
//! postgres://postgres@127.0.0.1:5432/test), each on its own fresh database.

use crate::common::Sentences;
use chrono::Duration;
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, Role};
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{ServiceError, tokens};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::common::*;

fn now() -> Now {
    Now::at(fixed_instant())
}

/// Registers a person under community detox in `division` (as the office user), with the
/// synthetic ID number `seq` and an optional social worker.
async fn person(app: &TestApp, name: &str, seq: u32, division: &str, worker: Option<Uuid>) -> Uuid {
    app.register(NewPerson {
        name: name.into(),
        id_number: synthetic_id(seq),
        division: division.into(),
        social_worker_id: worker.map(|w| w.to_string()).unwrap_or_default(),
        measure_kind: "community_detox".into(),
        decision_date: "2026-08-25".into(),
        report_date: "2026-09-01".into(),
        ..Default::default()
    })
    .await
}

fn synthetic_id(seq: u32) -> String {
    id_in_month("199001", seq)
}

fn json(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

fn assert_401(status: StatusCode, body: &str, what: &str) {
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}: {body}");
    let v = json(body);
    assert_eq!(v["code"], "unauthorized", "{what}");
    assert_eq!(v["message"], "缺少或无效的API令牌 / missing or invalid API token", "{what}");
}

both!(token_lists_persons_and_bad_tokens_get_401, |app: TestApp| async move {
    person(&app, "甲某", 1, "430405009007", None).await;
    person(&app, "乙某", 2, "430405007006", None).await;
    let (id, secret) = app.office_token(tokens::DEFAULT_DAYS).await;
    assert!(secret.starts_with("jdu_"));

    let (s, body, headers) = app.api_get_at(&app.base, "/api/v1/persons", Some(&secret)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(headers.get(reqwest::header::SET_COOKIE).is_none(), "the API sets no cookie");
    assert_eq!(headers.get(reqwest::header::CACHE_CONTROL).unwrap(), "no-store");
    let v = json(&body);
    assert_eq!(v["total"], 2);
    assert_eq!(v["rows"].as_array().unwrap().len(), 2);
    let row = &v["rows"][0];
    assert!(row["id_number_masked"].as_str().unwrap().contains('*'), "ID numbers are masked: {row}");
    assert_eq!(row["current_measure"], "community_detox");
    assert!(!body.contains(&synthetic_id(1)), "no full ID number");
    // Filters pass through.
    let (s, body) = app.api_get("/api/v1/persons?town=430405009", Some(&secret)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["total"], 1);

    // Only the hash is stored; the use is recorded.
    let rows = tokens::list(&app.db, app.admin.user_id).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].id, id);
    assert_eq!(rows[0].last_used_at, Some(fixed_instant()));
    assert_eq!(rows[0].expires_at, fixed_instant() + Duration::days(90));
    {
        use sea_orm::EntityTrait;
        let stored = jindu_store::entities::api_token::Entity::find_by_id(id).one(&app.db).await.unwrap().unwrap();
        assert_eq!(stored.token_hash, tokens::hash_secret(&secret));
        assert!(!stored.token_hash.contains(&secret[4..]));
    }

    // Missing, malformed, unknown and truncated tokens.
    let (s, body, headers) = app.api_get_at(&app.base, "/api/v1/persons", None).await;
    assert_401(s, &body, "no token");
    assert_eq!(headers.get(reqwest::header::WWW_AUTHENTICATE).unwrap(), "Bearer");
    let (s, body) = app.api_get("/api/v1/persons", Some("jdu_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")).await;
    assert_401(s, &body, "unknown token");
    let (s, body) = app.api_get("/api/v1/persons", Some(&secret[..secret.len() - 1])).await;
    assert_401(s, &body, "truncated token");
    let (s, body) = app.api_get("/api/v1/persons", Some("not-a-token")).await;
    assert_401(s, &body, "no prefix");
    let r = app
        .client
        .get(format!("{}/api/v1/obligations", app.base))
        .basic_auth("office", Some(PASSWORD))
        .send()
        .await
        .unwrap();
    let s = r.status();
    assert_401(s, &r.text().await.unwrap(), "basic auth");
    // A token is not a session: the pages still want a sign-in.
    let (s, _) = app.api_get("/persons", Some(&secret)).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    app
});

both!(expired_token_gets_401, |app: TestApp| async move {
    person(&app, "甲某", 1, "430405009007", None).await;
    let (_, secret) = app.office_token(1).await;
    let (s, _) = app.api_get("/api/v1/persons", Some(&secret)).await;
    assert_eq!(s, StatusCode::OK);
    // 23 hours later: still valid.
    let later = app.serve_at(fixed_instant() + Duration::hours(23)).await;
    let (s, body, _) = app.api_get_at(&later, "/api/v1/persons", Some(&secret)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    // Exactly at expiry and 2 days later: refused.
    let at = app.serve_at(fixed_instant() + Duration::days(1)).await;
    let (s, body, _) = app.api_get_at(&at, "/api/v1/persons", Some(&secret)).await;
    assert_401(s, &body, "at expiry");
    let after = app.serve_at(fixed_instant() + Duration::days(2)).await;
    let (s, body, _) = app.api_get_at(&after, "/api/v1/obligations", Some(&secret)).await;
    assert_401(s, &body, "expired");
    // Days outside 1..=365 are refused.
    for days in [0, 366] {
        match tokens::create(
            &app.db,
            now(),
            app.admin.user_id,
            "x",
            Role::Office,
            DivisionCode::parse("430405").unwrap(),
            days,
        )
        .await
        {
            Err(ServiceError::Invalid(errs)) => assert_eq!(errs[0].field, "days"),
            other => panic!("{days} days: {other:?}"),
        }
    }
    app
});

both!(revoked_token_gets_401, |app: TestApp| async move {
    let (id, secret) = app.office_token(30).await;
    let (keep_id, keep) = app.office_token(30).await;
    let (s, _) = app.api_get("/api/v1/obligations", Some(&secret)).await;
    assert_eq!(s, StatusCode::OK);
    tokens::revoke(&app.db, now(), id).await.unwrap();
    let (s, body) = app.api_get("/api/v1/obligations", Some(&secret)).await;
    assert_401(s, &body, "revoked");
    // Revoking twice is harmless; the other token still works.
    tokens::revoke(&app.db, now(), id).await.unwrap();
    let (s, _) = app.api_get("/api/v1/obligations", Some(&keep)).await;
    assert_eq!(s, StatusCode::OK);
    let list = tokens::list(&app.db, app.admin.user_id).await.unwrap();
    let revoked = list.iter().find(|t| t.id == id).unwrap();
    assert_eq!(revoked.revoked_at, Some(fixed_instant()));
    assert!(!revoked.is_active(now()));
    assert!(list.iter().find(|t| t.id == keep_id).unwrap().is_active(now()));
    assert!(matches!(tokens::revoke(&app.db, now(), Uuid::now_v7()).await, Err(ServiceError::NotFound(_))));
    app
});

both!(token_scope_cannot_exceed_the_users, |app: TestApp| async move {
    let officer = app.with_user(Role::TownOfficer, "430405009").await.id;
    let create = |role: Role, division: &str| {
        let db = app.db.clone();
        let division = DivisionCode::parse(division).unwrap();
        async move { tokens::create(&db, now(), officer, "t", role, division, 30).await }
    };
    let field_of = |r: Result<(Uuid, String), ServiceError>| match r {
        Err(ServiceError::Invalid(errs)) => {
            assert!(errs.iter().all(|e| !e.zh().is_empty() && !e.en().is_empty()), "bilingual");
            errs.iter().map(|e| e.field).collect::<Vec<_>>()
        }
        other => panic!("expected Invalid, got {other:?}"),
    };
    // A higher role, the district, another town, an unknown community.
    assert_eq!(field_of(create(Role::Office, "430405009").await), vec!["role"]);
    assert_eq!(field_of(create(Role::SocialWorker, "430405009").await), vec!["role"]);
    assert_eq!(field_of(create(Role::TownOfficer, "430405").await), vec!["division"]);
    assert_eq!(field_of(create(Role::TownOfficer, "430405007").await), vec!["division"]);
    assert_eq!(field_of(create(Role::TownOfficer, "430405009999").await), vec!["division"]);
    assert!(matches!(
        tokens::create(&app.db, now(), Uuid::now_v7(), "t", Role::Office, DivisionCode::parse("430405").unwrap(), 30)
            .await,
        Err(ServiceError::NotFound("user"))
    ));

    // Own scope and a narrower one work; the narrower sees less.
    person(&app, "甲某", 1, "430405009007", None).await;
    person(&app, "乙某", 2, "430405009", None).await;
    person(&app, "丙某", 3, "430405007006", None).await;
    let (_, town) = create(Role::TownOfficer, "430405009").await.unwrap();
    let (_, community) = create(Role::TownOfficer, "430405009007").await.unwrap();
    let (s, body) = app.api_get("/api/v1/persons", Some(&town)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["total"], 2);
    assert!(!body.contains("丙某"));
    let (s, body) = app.api_get("/api/v1/persons", Some(&community)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)["total"], 1);
    assert!(body.contains("甲某"));

    // When the user's role changes, the token stops working.
    {
        use jindu_store::entities::app_user;
        use sea_orm::{ActiveValue::Set, EntityTrait};
        app_user::Entity::update(app_user::ActiveModel {
            id: Set(officer),
            role: Set(Role::Leader.as_code().into()),
            ..Default::default()
        })
        .exec(&app.db)
        .await
        .unwrap();
    }
    let (s, body) = app.api_get("/api/v1/persons", Some(&town)).await;
    assert_401(s, &body, "role changed");
    app
});

both!(every_api_route_by_every_role_in_and_out_of_scope, |app: TestApp| async move {
    use jindu_domain::access::default_profile;
    use jindu_web::api::API_ROUTES;
    use jindu_web::routes::Access;
    let town = "430405009";
    let mut ids = Vec::new();
    let mut worker = None;
    for role in Role::ALL {
        let id = app.with_user(*role, town).await.id;
        if *role == Role::SocialWorker {
            worker = Some(id);
        }
        ids.push((*role, id));
    }
    let inside = person(&app, "范围内", 1, "430405009007", worker).await;
    let outside = person(&app, "范围外", 2, "430405007006", None).await;
    // An enterprise inside the town for the precursor routes.
    let ent = jindu_store::service::enterprises::create(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        &crate::precursors::form(crate::precursors::CODE_A, "演示甲公司", town),
    )
    .await
    .unwrap();
    let mut checked = 0;
    for (role, user_id) in &ids {
        let profile = default_profile(*role);
        let made =
            tokens::create(&app.db, now(), *user_id, "matrix", *role, DivisionCode::parse(town).unwrap(), 30).await;
        if *role == Role::SystemAdmin {
            // No token for the system administrator: the API is case data only, and a token
            // would step around the administrator's second factor.
            assert!(made.is_err());
            continue;
        }
        let (_, token) = made.unwrap();
        for spec in API_ROUTES {
            let targets =
                if spec.person_scoped { vec![(true, inside), (false, outside)] } else { vec![(true, inside)] };
            for (in_scope, pid) in targets {
                let path = spec.path.replace("{id}", &pid.to_string()).replace("{ent}", &ent.to_string());
                let (status, body) = match spec.method {
                    "GET" => app.api_get(&path, Some(&token)).await,
                    "POST" => app.api_post(&path, &token, r#"{"kind":"visit","date":"2026-11-29"}"#).await,
                    m => panic!("method {m} not covered by the test"),
                };
                let what = format!(
                    "{role:?} {} {} ({})",
                    spec.method,
                    spec.path,
                    if in_scope { "in scope" } else { "out of scope" }
                );
                assert_ne!(status, StatusCode::INTERNAL_SERVER_ERROR, "{what}: {body}");
                let v = json(&body);
                match spec.access {
                    Access::Public => assert_eq!(status, StatusCode::OK, "{what}"),
                    Access::SignedIn => {
                        assert!(status == StatusCode::OK || status == StatusCode::CREATED, "{what}: {status}")
                    }
                    a @ (Access::Needs(_) | Access::NeedsAny(_)) if a.allows(&profile) == Some(false) => {
                        assert_eq!(status, StatusCode::FORBIDDEN, "{what}: {body}");
                        assert_eq!(v["code"], "forbidden", "{what}");
                    }
                    // A 企业 token made without an enterprise link sees no enterprise.
                    Access::Needs(_) if *role == Role::Enterprise && spec.path.contains("{ent}") => {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {body}");
                    }
                    Access::Needs(_) | Access::NeedsAny(_) if !in_scope => {
                        assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {body}");
                        assert_eq!(v["code"], "not_found", "{what}");
                    }
                    Access::Needs(_) | Access::NeedsAny(_) => assert!(
                        [StatusCode::OK, StatusCode::CREATED, StatusCode::UNPROCESSABLE_ENTITY].contains(&status),
                        "{what}: {status} {body}"
                    ),
                }
                assert!(!body.contains("范围外"), "{what} reveals an out-of-scope person");
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        (Role::ALL.len() - 1) * (API_ROUTES.len() + API_ROUTES.iter().filter(|s| s.person_scoped).count())
    );
    // An id that does not exist answers exactly like the out-of-scope one.
    let (_, token) = tokens::create(
        &app.db,
        now(),
        ids.iter().find(|(r, _)| *r == Role::TownOfficer).unwrap().1,
        "x",
        Role::TownOfficer,
        DivisionCode::parse(town).unwrap(),
        30,
    )
    .await
    .unwrap();
    let (s1, b1) = app.api_get(&format!("/api/v1/persons/{outside}"), Some(&token)).await;
    let (s2, b2) = app.api_get(&format!("/api/v1/persons/{}", Uuid::now_v7()), Some(&token)).await;
    let (s3, b3) = app.api_get("/api/v1/persons/not-a-uuid", Some(&token)).await;
    assert_eq!((s1, &b1), (StatusCode::NOT_FOUND, &b2));
    assert_eq!((s2, &b2), (s3, &b3));
    app
});

both!(future_event_date_is_422_naming_date, |app: TestApp| async move {
    let inside = person(&app, "甲某", 1, "430405009007", None).await;
    let (_, token) = app.office_token(30).await;
    let path = format!("/api/v1/persons/{inside}/events");
    let before = app.event_count().await;
    let (s, body) = app.api_post(&path, &token, r#"{"kind":"visit","date":"2026-11-30"}"#).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let v = json(&body);
    assert_eq!(v["code"], "invalid");
    let errors = v["errors"].as_array().unwrap();
    assert!(errors.iter().any(|e| e["field"] == "date"), "{body}");
    assert!(errors.iter().all(|e| e["message_zh"].as_str().is_some_and(|m| !m.is_empty())
        && e["message_en"].as_str().is_some_and(|m| !m.is_empty())));
    assert_eq!(app.event_count().await, before, "nothing stored");
    // Malformed JSON is a JSON 400, not an HTML page.
    let (s, body) = app.api_post(&path, &token, "{kind:").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(json(&body)["code"], "bad_request");
    // A missing or mistyped field is a 422 naming it, in both languages; a control character
    // in the note is refused; none of these stores anything.
    let (s, body) = app.api_post(&path, &token, r#"{"kind":"visit"}"#).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let v = json(&body);
    assert_eq!(
        (v["errors"][0]["field"].as_str(), v["errors"][0]["message_zh"].as_str()),
        (Some("date"), Some("缺少字段“date”。"))
    );
    let (s, body) = app.api_post(&path, &token, r#"{"kind":"visit","date":20261129}"#).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(json(&body)["errors"][0]["field"], "date");
    let (s, body) = app.api_post(&path, &token, r#"{"kind":"visit","date":"2026-11-29","note":"a\u0000b"}"#).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(app.event_count().await, before, "nothing stored");
    // A good one is stored and shows in the timeline; a stale version is 409.
    let (s, body) = app
        .api_post(
            &path,
            &token,
            r#"{"kind":"drug_test","date":"2026-11-29","test_method":"urine","test_result":"negative"}"#,
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{body}");
    let id = json(&body)["id"].as_str().unwrap().to_string();
    let (s, body) = app.api_get(&path, Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    let events = json(&body);
    let e = events.as_array().unwrap().iter().find(|e| e["id"] == id.as_str()).unwrap();
    assert_eq!(e["kind"], "drug_test");
    assert_eq!(e["test_result"], "negative");
    let (s, body) = app.api_post(&path, &token, r#"{"kind":"visit","date":"2026-11-29","version":999}"#).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    // The person's page and measures.
    let (s, body) = app.api_get(&format!("/api/v1/persons/{inside}"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let d = json(&body);
    assert_eq!(d["person"]["name"], "甲某");
    assert_eq!(d["measures"][0]["kind"], "community_detox");
    let (s, body) = app.api_get(&format!("/api/v1/persons/{inside}/measures"), Some(&token)).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json(&body)[0]["decision_date"], "2026-08-25");
    app
});

both!(openapi_document_is_public_json, |app: TestApp| async move {
    let (s, body, headers) = app.api_get_at(&app.base, "/api/openapi.json", None).await;
    assert_eq!(s, StatusCode::OK);
    assert!(headers.get(reqwest::header::CONTENT_TYPE).unwrap().to_str().unwrap().starts_with("application/json"));
    let doc = json(&body);
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let events = &doc["paths"]["/api/v1/persons/{id}/events"];
    assert!(events["get"].is_object() && events["post"].is_object(), "{events}");
    assert_eq!(doc["components"]["securitySchemes"]["bearer"]["scheme"], "bearer");
    assert!(doc["components"]["schemas"]["PersonDto"].is_object());
    app
});

#[test]
fn api_routes_table_equals_the_openapi_routes() {
    let mut registered: Vec<(String, String)> =
        jindu_web::api::api_registered_routes().into_iter().map(|(m, p)| (m.to_string(), p)).collect();
    let mut table: Vec<(String, String)> =
        jindu_web::api::API_ROUTES.iter().map(|s| (s.method.to_string(), s.path.to_string())).collect();
    registered.sort();
    table.sort();
    for r in &registered {
        assert!(table.contains(r), "route {r:?} is missing from api::API_ROUTES");
    }
    for t in &table {
        assert!(registered.contains(t), "api::API_ROUTES lists {t:?}, which is not registered");
    }
    assert_eq!(registered, table);
    // Person-scoped exactly when the path names a person.
    for s in jindu_web::api::API_ROUTES {
        assert_eq!(s.person_scoped, s.path.contains("{id}"), "{s:?}");
    }
}

both!(refused_api_calls_are_each_one_audit_record, |app: TestApp| async move {
    use jindu_store::service::audit::{self, Verdict};
    let leader = app.with_user(Role::Leader, "430405").await;
    let leader_token = leader.token(30).await;
    let (_, office_token) = app.office_token(30).await;
    // 403: a leader's token has no person list; 404: an id nobody in scope has; 401: no token.
    assert_eq!(app.api_get("/api/v1/persons", Some(&leader_token)).await.0, StatusCode::FORBIDDEN);
    let missing = Uuid::now_v7();
    let path = format!("/api/v1/persons/{missing}");
    assert_eq!(app.api_get(&path, Some(&office_token)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.api_get(&path, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api_get("/api/v1/persons", Some("jdu_nonsense")).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.api_get("/api/openapi.json", Some(&office_token)).await.0, StatusCode::OK);
    let denied: Vec<(String, String, String)> = app
        .audited("access.denied")
        .await
        .into_iter()
        .map(|r| (r.username, r.object_id.unwrap_or_default(), r.detail.unwrap_or_default()))
        .collect();
    assert_eq!(
        denied,
        vec![
            (
                "leader_1".to_string(),
                "GET /api/v1/persons".to_string(),
                "403; route GET /api/v1/persons; api".to_string()
            ),
            ("office".to_string(), format!("GET {path}"), "404; route GET /api/v1/persons/{id}; api".to_string()),
        ]
    );
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), Verdict::Intact { .. }));
    app
});
