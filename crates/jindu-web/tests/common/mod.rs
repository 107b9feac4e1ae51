//! The test harness shared by the integration tests: the real router over a fresh database,
//! SQLite and PostgreSQL, and the `both!` macro that runs a test on each.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::future::Future;

use chrono::{DateTime, Utc};
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{Actor, deployment, persons, second_factor, users};
use jindu_web::{AppState, Clock};
use reqwest::StatusCode;
use uuid::Uuid;

/// 2026-11-29 10:00 in Asia/Shanghai.
pub fn fixed_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T02:00:00Z").unwrap().with_timezone(&Utc)
}

pub const PASSWORD: &str = "Test-Password-2026";

pub struct TestApp {
    pub base: String,
    /// The database URL (a second server or process opens its own pool on it).
    pub db_url: String,
    pub client: reqwest::Client,
    pub db: jindu_store::DatabaseConnection,
    pub vault: jindu_store::Vault,
    pub admin: Actor,
    pub cleanup: Option<(String, String)>,
    pub clock: std::sync::Arc<std::sync::RwLock<DateTime<Utc>>>,
    pub _dir: Option<tempfile_dir::Dir>,
}

pub mod tempfile_dir {
    /// A temporary directory removed on drop.
    pub struct Dir(pub std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[derive(Clone, Copy, Debug)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl TestApp {
    pub async fn start(backend: Backend) -> TestApp {
        let (url, cleanup, dir) = match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(format!("jindu-test-{}", Uuid::now_v7()));
                std::fs::create_dir_all(&dir).unwrap();
                (format!("sqlite://{}", dir.join("t.db").display()), None, Some(tempfile_dir::Dir(dir)))
            }
            Backend::Postgres => {
                let admin = std::env::var("JINDU_TEST_PG_URL")
                    .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
                let name = format!("jindu_t_{}", Uuid::now_v7().simple());
                let url = jindu_store::db::create_postgres_database(&admin, &name)
                    .await
                    .expect("PostgreSQL must be running for the tests");
                (url, Some((admin, name)), None)
            }
        };
        let db = jindu_store::db::connect(&url).await.unwrap();
        let db_url = url.clone();
        let now = Now::at(fixed_instant());
        deployment::init(&db, DivisionCode::parse("430405").unwrap()).await.unwrap();
        users::add(
            &db,
            now,
            users::NewUser {
                username: "office".into(),
                display_name: "禁毒办".into(),
                password: Some(PASSWORD.into()),
                role: "office".into(),
                division: DivisionCode::parse("430405").unwrap(),
                workstation_id: None,
                must_change_password: false,
            },
        )
        .await
        .unwrap();
        let admin = users::authenticate(&db, "office", PASSWORD).await.unwrap().unwrap();
        let (clock, clock_handle) = Clock::manual(fixed_instant());
        let vault =
            jindu_store::Vault::new(jindu_crypto::KeyRing::generate(jindu_crypto::Algorithm::Aes256Gcm).unwrap());
        let state = AppState::new(db.clone(), vault.clone(), clock, true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, jindu_web::router(state)).await;
        });
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        TestApp {
            base: format!("http://{addr}"),
            db_url,
            client,
            db,
            vault,
            admin,
            cleanup,
            clock: clock_handle,
            _dir: dir,
        }
    }

    /// Adds an account with the test password: user name, display name, role code, division, and
    /// whether the initial password must be changed.
    pub async fn user(&self, username: &str, display: &str, role: &str, division: &str, must_change: bool) -> Uuid {
        users::add(
            &self.db,
            Now::at(fixed_instant()),
            users::NewUser {
                username: username.into(),
                display_name: display.into(),
                password: Some(PASSWORD.into()),
                role: role.into(),
                division: DivisionCode::parse(division).unwrap(),
                workstation_id: None,
                must_change_password: must_change,
            },
        )
        .await
        .unwrap()
    }

    /// Moves the application clock on by `minutes`.
    pub fn advance(&self, minutes: i64) {
        let mut t = self.clock.write().unwrap();
        *t += chrono::Duration::minutes(minutes);
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A second server over the same database with its own connection pool (as a second
    /// `serve` process would have), and a client signed in to it as `office`. Returns the
    /// server's base URL, the client and the pool.
    pub async fn second_server(&self) -> (String, reqwest::Client, jindu_store::DatabaseConnection) {
        let db = jindu_store::db::connect(&self.db_url).await.unwrap();
        let (clock, _) = Clock::manual(fixed_instant());
        let state = AppState::new(db.clone(), self.vault.clone(), clock, true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, jindu_web::router(state)).await;
        });
        let client =
            reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let token = csrf(&client, &base).await;
        let r = client
            .post(format!("{base}/login"))
            .form(&[("username", "office"), ("password", PASSWORD), ("next", "/"), ("csrf", &token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        (base, client, db)
    }

    pub async fn login(&self) {
        let csrf = csrf(&self.client, &self.base).await;
        let r = self
            .client
            .post(self.url("/login"))
            .form(&[("username", "office"), ("password", PASSWORD), ("next", "/"), ("csrf", &csrf)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    /// Posts a form like a browser: with the session's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        let token = csrf(&self.client, &self.base).await;
        let mut form = form.to_vec();
        form.push(("csrf", &token));
        let r = self.client.post(self.url(path)).form(&form).send().await.unwrap();
        let s = r.status();
        let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
        (s, r.text().await.unwrap(), loc)
    }

    pub async fn person_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        jindu_store::entities::person::Entity::find().count(&self.db).await.unwrap()
    }

    pub async fn event_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        jindu_store::entities::event::Entity::find().count(&self.db).await.unwrap()
    }

    /// Registers a person under community detox decided on `decision`, reported on `report`.
    pub async fn person(&self, name: &str, id: &str, decision: &str, report: &str) -> Uuid {
        persons::register(
            &self.db,
            &self.vault,
            &self.admin,
            Now::at(fixed_instant()),
            NewPerson {
                name: name.into(),
                id_number: id.into(),
                division: "430405009007".into(),
                measure_kind: "community_detox".into(),
                decision_date: decision.into(),
                report_date: report.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap()
    }

    pub async fn finish(self) {
        if let Some((admin, name)) = &self.cleanup {
            self.db.clone().close().await.ok();
            jindu_store::db::drop_postgres_database(admin, name).await.unwrap();
        }
    }
}

/// A fixed TOTP secret for tests (base32 of 20 bytes).
pub const TOTP_SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

/// Sets up `user`'s second factor with [`TOTP_SECRET`], as if done `seconds_ago`.
pub async fn enrol_totp(app: &TestApp, user: Uuid, seconds_ago: i64) {
    let actor = users::actor(&app.db, user).await.unwrap().unwrap();
    let then = fixed_instant() - chrono::Duration::seconds(seconds_ago);
    let code = second_factor::code_at(TOTP_SECRET, then.timestamp()).unwrap();
    second_factor::enrol(&app.db, &app.vault, &actor, Now::at(then), TOTP_SECRET, &code).await.unwrap();
}

/// The CSRF token of `client`'s session (from the login page, which every session can open).
pub async fn csrf(client: &reqwest::Client, base: &str) -> String {
    let html = client.get(format!("{base}/login")).send().await.unwrap().text().await.unwrap();
    jindu_web::csrf_field_value(&html).expect("the login page carries a CSRF token")
}

pub async fn on_both<F, Fut>(backend: Backend, test: F)
where
    F: FnOnce(TestApp) -> Fut,
    Fut: Future<Output = TestApp>,
{
    let app = TestApp::start(backend).await;
    let app = test(app).await;
    app.finish().await;
}

#[macro_export]
macro_rules! both {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                on_both(Backend::Sqlite, $body).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                on_both(Backend::Postgres, $body).await;
            }
        }
    };
}

// Valid synthetic ID numbers (check digits computed by GB 11643).
pub const ID_A: &str = "11010519491231002X";
pub const ID_B: &str = "430405199001011234";

pub fn id_b() -> String {
    // Recompute ID_B's check digit so the constant's first 17 digits are what matters.
    let first17: [u8; 17] = ID_B.as_bytes()[..17].try_into().unwrap();
    format!("{}{}", &ID_B[..17], jindu_domain::id_number::check_digit(&first17))
}
