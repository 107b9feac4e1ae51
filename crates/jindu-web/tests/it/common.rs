//! The test harness shared by the integration tests: the real router over a fresh database,
//! SQLite and PostgreSQL, and the `both!` macro that runs a test on each.
//!
//! ```ignore
//! let app = TestApp::postgres().await; // or TestApp::sqlite(), or both!(name, |app| ...)
//! let officer = app.with_user(Role::TownOfficer, "430405009").await;
//! let (status, page) = officer.get("/persons").await; // signs in on first use
//! persons::list(&app.db, &app.vault, &officer.actor, ...); // the same user for a service call
//! ```
//!
//! Every test gets a database of its own, already migrated, initialised for 珠晖区 (430405) and
//! holding the `office` account: a copy of one template made once per run of the test binary
//! (PostgreSQL: `CREATE DATABASE … TEMPLATE jindu_tpl_…`; SQLite: a copy of the template file),
//! instead of running every migration and the initialisation again for each test.

#![allow(dead_code)]
use std::future::Future;
use std::sync::atomic::{AtomicU32, Ordering};

use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use jindu_domain::{DivisionCode, Role};
use jindu_store::service::persons::NewPerson;
use jindu_store::service::{Actor, persons, second_factor, setup, tokens, users};
use jindu_web::{AppState, Clock};
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use tokio::sync::OnceCell;
use uuid::Uuid;

/// 2026-11-29 10:00 in Asia/Shanghai.
pub fn fixed_instant() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-29T02:00:00Z").unwrap().with_timezone(&Utc)
}

pub const PASSWORD: &str = "Test-Password-2026";

/// The real router on a free port over a database of its own, with a manual clock at
/// [`fixed_instant`] and a cookie-keeping client (signed in as `office` after [`TestApp::login`]).
pub struct TestApp {
    pub base: String,
    /// The database URL (a second server or process opens its own pool on it).
    pub db_url: String,
    pub client: reqwest::Client,
    /// A client for the JSON API: no cookies, redirects not followed.
    pub api_client: reqwest::Client,
    pub db: jindu_store::DatabaseConnection,
    pub vault: jindu_store::Vault,
    /// The `office` account (禁毒办, the whole district).
    pub admin: Actor,
    /// On PostgreSQL: the server's admin URL and this test's database, dropped by `finish`.
    pub cleanup: Option<(String, String)>,
    pub clock: std::sync::Arc<std::sync::RwLock<DateTime<Utc>>>,
    pub _dir: Option<tempfile_dir::Dir>,
    /// Numbers the accounts [`TestApp::with_user`] adds.
    users_added: AtomicU32,
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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The PostgreSQL server the tests use (an existing database on it, for `CREATE DATABASE`).
pub fn pg_admin_url() -> String {
    std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// The form of a new account with the test [`PASSWORD`] in 珠晖区 (430405): no workstation, no
/// member unit, no forced password change. A test changes what it needs with
/// `users::NewUser { must_change_password: true, ..new_user(…) }`.
pub fn new_user(username: &str, display_name: &str, role: &str) -> users::NewUser {
    users::NewUser {
        username: username.into(),
        display_name: display_name.into(),
        password: Some(PASSWORD.into()),
        role: role.into(),
        division: DivisionCode::parse("430405").unwrap(),
        workstation_id: None,
        must_change_password: false,
        member_unit: None,
    }
}

/// Fills a fresh database as every test starts it: the 珠晖区 deployment and the `office`
/// account with [`PASSWORD`]. What a template holds, so nothing here may depend on the test's
/// key ring (nothing is encrypted or audited).
async fn fill_template(url: &str) {
    let db = jindu_store::db::connect(url).await.unwrap();
    setup::init(&db, DivisionCode::parse("430405").unwrap()).await.unwrap();
    users::add(&db, Now::at(fixed_instant()), new_user("office", "禁毒办", "office")).await.unwrap();
    if db.get_database_backend() == sea_orm::DbBackend::Sqlite {
        // Everything into the main file, so that copying the file copies the database.
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await.unwrap();
    }
    // No connection may outlive this test's runtime, and PostgreSQL copies a template only
    // while nobody is connected to it.
    db.close().await.unwrap();
}

/// Seconds since the Unix epoch.
fn unix_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// The templates [`drop_templates`] removes when the test binary exits: the PostgreSQL one (admin
/// URL, name) and the SQLite one's directory.
static PG_TEMPLATE_MADE: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
static SQLITE_TEMPLATE_MADE: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();

unsafe extern "C" {
    /// The C library's `atexit`: libtest has no hook after the last test, the process's exit is one.
    fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
}

/// Run by the C library at the process's exit: drops the run's templates. On a thread of its
/// own (the exiting thread's thread-locals, tokio's among them, may be gone by now), and never
/// unwinding into C.
extern "C" fn drop_templates() {
    let work = std::thread::spawn(|| {
        if let Some(dir) = SQLITE_TEMPLATE_MADE.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
        if let Some((admin, name)) = PG_TEMPLATE_MADE.get()
            && let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build()
        {
            let _ = rt.block_on(jindu_store::db::drop_postgres_database(admin, name));
        }
    });
    let _ = work.join();
}

/// Registers [`drop_templates`] once.
fn drop_templates_at_exit() {
    static REGISTERED: std::sync::Once = std::sync::Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `atexit` only stores the pointer to a function that takes nothing, returns
        // nothing and does not unwind (its work runs on a joined thread; a panic there ends
        // that thread only).
        unsafe {
            atexit(drop_templates);
        }
    });
}

/// The PostgreSQL template of this run of the test binary, made by the first test that needs
/// it (the others wait): `jindu_tpl_<seconds>_<pid>`, dropped when the process exits. Templates
/// left by a run that did not exit (killed) are dropped by later runs: those older than a day,
/// and those older than an hour whose process is gone.
async fn pg_template() -> &'static str {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let admin_url = pg_admin_url();
            let admin = sea_orm::Database::connect(&admin_url).await.expect("PostgreSQL must be running for the tests");
            let stale = admin
                .query_all_raw(sea_orm::Statement::from_string(
                    sea_orm::DbBackend::Postgres,
                    "SELECT datname FROM pg_database WHERE datname LIKE 'jindu_tpl_%'",
                ))
                .await
                .unwrap();
            for row in stale {
                let name: String = row.try_get("", "datname").unwrap();
                let mut parts = name.trim_start_matches("jindu_tpl_").split('_');
                let made: i64 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
                let pid = parts.next().unwrap_or("");
                let age = unix_now() - made;
                let gone = !std::path::Path::new("/proc").join(pid).exists();
                if age > 86_400 || (age > 3_600 && gone) {
                    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
                }
            }
            admin.close().await.ok();
            let name = format!("jindu_tpl_{}_{}", unix_now(), std::process::id());
            let url = jindu_store::db::create_postgres_database(&admin_url, &name).await.unwrap();
            let _ = PG_TEMPLATE_MADE.set((admin_url, name.clone()));
            drop_templates_at_exit();
            fill_template(&url).await;
            name
        })
        .await
}

/// The SQLite template of this run: a migrated, initialised database file in a directory named
/// after the process (`jindu-test-tpl-<pid>` in the temporary directory), removed when the
/// process exits, or by a later run once that process is gone.
async fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: OnceCell<std::path::PathBuf> = OnceCell::const_new();
    TEMPLATE
        .get_or_init(|| async {
            let tmp = std::env::temp_dir();
            if let Ok(entries) = std::fs::read_dir(&tmp) {
                for e in entries.flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if let Some(pid) = name.strip_prefix("jindu-test-tpl-")
                        && !std::path::Path::new("/proc").join(pid).exists()
                    {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
            }
            let dir = tmp.join(format!("jindu-test-tpl-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).unwrap();
            let _ = SQLITE_TEMPLATE_MADE.set(dir.clone());
            drop_templates_at_exit();
            let path = dir.join("t.db");
            fill_template(&format!("sqlite://{}", path.display())).await;
            let wal = dir.join("t.db-wal");
            assert!(
                !wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0,
                "the template's WAL is checkpointed into its file"
            );
            path
        })
        .await
}

/// `CREATE DATABASE name TEMPLATE template` on the server of `admin_url`; its URL. Retried while
/// the template is still in use: a backend that served the template's last connection may need
/// a moment to exit after the pool closed.
async fn pg_copy(admin_url: &str, name: &str, template: &str) -> String {
    let admin = sea_orm::Database::connect(admin_url).await.expect("PostgreSQL must be running for the tests");
    let mut tries = 0;
    loop {
        match admin.execute_unprepared(&format!("CREATE DATABASE {name} TEMPLATE {template}")).await {
            Ok(_) => break,
            Err(e) if tries < 20 && e.to_string().contains("is being accessed by other users") => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            Err(e) => panic!("CREATE DATABASE {name} TEMPLATE {template}: {e}"),
        }
    }
    admin.close().await.ok();
    let base = admin_url.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin_url);
    format!("{base}/{name}")
}

impl TestApp {
    /// A fresh app on SQLite.
    pub async fn sqlite() -> TestApp {
        TestApp::start(Backend::Sqlite).await
    }

    /// A fresh app on PostgreSQL (`JINDU_TEST_PG_URL`).
    pub async fn postgres() -> TestApp {
        TestApp::start(Backend::Postgres).await
    }

    /// A fresh app on `backend`: a copy of the run's template database, the router on a free
    /// port, a new key ring.
    pub async fn start(backend: Backend) -> TestApp {
        let (url, cleanup, dir) = match backend {
            Backend::Sqlite => {
                let template = sqlite_template().await;
                let dir = std::env::temp_dir().join(format!("jindu-test-{}", Uuid::now_v7()));
                std::fs::create_dir_all(&dir).unwrap();
                std::fs::copy(template, dir.join("t.db")).unwrap();
                (format!("sqlite://{}", dir.join("t.db").display()), None, Some(tempfile_dir::Dir(dir)))
            }
            Backend::Postgres => {
                let template = pg_template().await;
                let admin = pg_admin_url();
                let name = format!("jindu_t_{}", Uuid::now_v7().simple());
                let url = pg_copy(&admin, &name, template).await;
                (url, Some((admin, name)), None)
            }
        };
        let db = jindu_store::db::connect(&url).await.unwrap();
        let db_url = url.clone();
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
        let client = cookie_client();
        TestApp {
            base: format!("http://{addr}"),
            db_url,
            client,
            api_client: reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap(),
            db,
            vault,
            admin,
            cleanup,
            clock: clock_handle,
            _dir: dir,
            users_added: AtomicU32::new(0),
        }
    }

    /// Adds an account with the test password: user name, display name, role code, division, and
    /// whether the initial password must be changed.
    pub async fn user(&self, username: &str, display: &str, role: &str, division: &str, must_change: bool) -> Uuid {
        users::add(
            &self.db,
            Now::at(fixed_instant()),
            users::NewUser {
                division: DivisionCode::parse(division).unwrap(),
                must_change_password: must_change,
                ..new_user(username, display, role)
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
        let client = cookie_client();
        let r = sign_in(&client, &base, "office", Some("/")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        (base, client, db)
    }

    /// Signs the app's client in as `office` (with `next=/`).
    pub async fn login(&self) {
        let r = sign_in(&self.client, &self.base, "office", Some("/")).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }

    /// A new client of this app signed in as `username` with [`PASSWORD`] (no `next`), checked
    /// to be redirected (303, "`username` signs in").
    pub async fn signed_in(&self, username: &str) -> reqwest::Client {
        let client = cookie_client();
        let r = sign_in(&client, &self.base, username, None).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{username} signs in");
        client
    }

    /// GET `path` with the app's client: status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        get_page(&self.client, &self.base, path).await
    }

    /// Posts a form like a browser: with the session's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        post_form(&self.client, &self.base, path, form).await
    }

    /// The audit records of `action`, oldest first.
    pub async fn audited(&self, action: &str) -> Vec<jindu_store::entities::audit_record::Model> {
        use jindu_store::entities::audit_record;
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
        audit_record::Entity::find()
            .filter(audit_record::Column::Action.eq(action))
            .order_by_asc(audit_record::Column::Seq)
            .all(&self.db)
            .await
            .unwrap()
    }

    pub async fn person_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        jindu_store::entities::person::Entity::find().count(&self.db).await.unwrap()
    }

    pub async fn event_count(&self) -> u64 {
        use sea_orm::{EntityTrait, PaginatorTrait};
        jindu_store::entities::event::Entity::find().count(&self.db).await.unwrap()
    }

    /// Registers `person` as the `office` account at [`fixed_instant`]; its id.
    pub async fn register(&self, person: NewPerson) -> Uuid {
        persons::register(&self.db, &self.vault, &self.admin, Now::at(fixed_instant()), person).await.unwrap()
    }

    /// Registers a person under community detox decided on `decision`, reported on `report`.
    pub async fn person(&self, name: &str, id: &str, decision: &str, report: &str) -> Uuid {
        self.register(NewPerson {
            name: name.into(),
            id_number: id.into(),
            division: "430405009007".into(),
            measure_kind: "community_detox".into(),
            decision_date: decision.into(),
            report_date: report.into(),
            ..Default::default()
        })
        .await
    }

    /// Which database this app runs on.
    pub fn backend(&self) -> Backend {
        if self.cleanup.is_some() { Backend::Postgres } else { Backend::Sqlite }
    }

    /// Adds an account with `role` over `division` (a district, town or community code) and the
    /// test password, named `<role>_<n>`: the user, their [`Actor`] for service calls, and a
    /// client that signs in on first use (a system administrator passes the second factor). A
    /// 成员单位 account sits at the district, linked to the member unit `测试成员单位` (registered
    /// on first use), whatever `division` says.
    pub async fn with_user(&self, role: Role, division: &str) -> TestUser {
        let n = self.users_added.fetch_add(1, Ordering::Relaxed) + 1;
        let username = format!("{}_{n}", role.as_code());
        let id = if role == Role::MemberUnit {
            let unit = self.test_member_unit().await;
            users::add(
                &self.db,
                Now::at(fixed_instant()),
                users::NewUser { member_unit: Some(unit), ..new_user(&username, role.label_zh(), role.as_code()) },
            )
            .await
            .unwrap()
        } else {
            self.user(&username, role.label_zh(), role.as_code(), division, false).await
        };
        let actor = users::actor(&self.db, id).await.unwrap().unwrap();
        TestUser {
            id,
            username,
            actor,
            base: self.base.clone(),
            db: self.db.clone(),
            vault: self.vault.clone(),
            clock: self.clock.clone(),
            client: OnceCell::new(),
        }
    }

    /// The code of the member unit `测试成员单位` of 珠晖区, registered by the office on first use.
    pub async fn test_member_unit(&self) -> String {
        use jindu_store::service::units;
        let now = Now::at(fixed_instant());
        let kept = units::member_units(&self.db, &self.admin).await.unwrap();
        if let Some(m) = kept.into_iter().find(|m| m.unit.name == "测试成员单位") {
            return m.unit.code;
        }
        let form = units::MemberUnitForm { name: "测试成员单位".into(), duties: String::new() };
        units::create_member_unit(&self.db, &self.admin, now, form).await.unwrap()
    }

    /// Another server over the same pool whose clock stands still at `instant`; its base URL.
    pub async fn serve_at(&self, instant: DateTime<Utc>) -> String {
        let state = AppState::new(self.db.clone(), self.vault.clone(), Clock::Fixed(instant), true);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move {
            let _ = axum::serve(listener, jindu_web::router(state)).await;
        });
        base
    }

    /// An API token of the `office` account over the whole district, valid `days`: its id and
    /// secret.
    pub async fn office_token(&self, days: u32) -> (Uuid, String) {
        tokens::create(
            &self.db,
            Now::at(fixed_instant()),
            self.admin.user_id,
            "test",
            Role::Office,
            DivisionCode::parse("430405").unwrap(),
            days,
        )
        .await
        .unwrap()
    }

    /// GET `path` from the server at `base` with an optional bearer token (no cookie of the
    /// app's client): status, body and headers.
    pub async fn api_get_at(
        &self,
        base: &str,
        path: &str,
        token: Option<&str>,
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let mut req = self.api_client.get(format!("{base}{path}"));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let r = req.send().await.unwrap();
        let (s, h) = (r.status(), r.headers().clone());
        (s, r.text().await.unwrap(), h)
    }

    /// GET an API `path` with an optional bearer token: status and body.
    pub async fn api_get(&self, path: &str, token: Option<&str>) -> (StatusCode, String) {
        let (s, b, _) = self.api_get_at(&self.base, path, token).await;
        (s, b)
    }

    /// POST a JSON `body` to an API `path` with a bearer token: status and body.
    pub async fn api_post(&self, path: &str, token: &str, body: &str) -> (StatusCode, String) {
        let r = self
            .api_client
            .post(self.url(path))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let s = r.status();
        (s, r.text().await.unwrap())
    }

    pub async fn finish(self) {
        if let Some((admin, name)) = &self.cleanup {
            self.db.clone().close().await.ok();
            jindu_store::db::drop_postgres_database(admin, name).await.unwrap();
        }
    }
}

/// An account made by [`TestApp::with_user`]: who it is, and its own signed-in client.
pub struct TestUser {
    pub id: Uuid,
    pub username: String,
    /// The user as services see them (role, profile, scope).
    pub actor: Actor,
    base: String,
    db: jindu_store::DatabaseConnection,
    vault: jindu_store::Vault,
    clock: std::sync::Arc<std::sync::RwLock<DateTime<Utc>>>,
    client: OnceCell<reqwest::Client>,
}

impl TestUser {
    /// The user's client, signed in on first use with [`PASSWORD`]; a system administrator is
    /// enrolled with [`TOTP_SECRET`] and passes the second factor.
    pub async fn client(&self) -> &reqwest::Client {
        self.client
            .get_or_init(|| async {
                let admin = self.actor.role == Role::SystemAdmin;
                if admin {
                    let actor = users::actor(&self.db, self.id).await.unwrap().unwrap();
                    let then = *self.clock.read().unwrap() - chrono::Duration::seconds(120);
                    let code = second_factor::code_at(TOTP_SECRET, then.timestamp()).unwrap();
                    second_factor::enrol(&self.db, &self.vault, &actor, Now::at(then), TOTP_SECRET, &code)
                        .await
                        .unwrap();
                }
                let client = cookie_client();
                let r = sign_in(&client, &self.base, &self.username, None).await;
                assert_eq!(r.status(), StatusCode::SEE_OTHER, "{} signs in", self.username);
                if admin {
                    let now = self.clock.read().unwrap().timestamp();
                    let code = second_factor::code_at(TOTP_SECRET, now).unwrap();
                    let token = csrf(&client, &self.base).await;
                    let r = client
                        .post(format!("{}/login/totp", self.base))
                        .form(&[("code", code.as_str()), ("csrf", &token)])
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{} passes the second factor", self.username);
                }
                client
            })
            .await
    }

    /// GET `path` as this user: status and body.
    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        get_page(self.client().await, &self.base, path).await
    }

    /// Posts a form as this user, with the session's CSRF token: status, body and location.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
        post_form(self.client().await, &self.base, path, form).await
    }

    /// An API token over the user's own role and division, valid `days`: its secret.
    pub async fn token(&self, days: u32) -> String {
        let division = self.actor.scope;
        tokens::create(&self.db, Now::at(fixed_instant()), self.id, "test", self.actor.role, division, days)
            .await
            .unwrap()
            .1
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

/// A client that keeps its cookies and does not follow redirects, as a browser's session.
pub fn cookie_client() -> reqwest::Client {
    reqwest::Client::builder().cookie_store(true).redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// Posts the sign-in form of the server at `base` with `client`'s CSRF token: `username`,
/// [`PASSWORD`] and `next` when given. The answer, unchecked.
pub async fn sign_in(client: &reqwest::Client, base: &str, username: &str, next: Option<&str>) -> reqwest::Response {
    let token = csrf(client, base).await;
    let mut form = vec![("username", username), ("password", PASSWORD)];
    if let Some(next) = next {
        form.push(("next", next));
    }
    form.push(("csrf", &token));
    client.post(format!("{base}/login")).form(&form).send().await.unwrap()
}

/// GET `path` of the server at `base` with `client`: status and body.
pub async fn get_page(client: &reqwest::Client, base: &str, path: &str) -> (StatusCode, String) {
    let r = client.get(format!("{base}{path}")).send().await.unwrap();
    let s = r.status();
    (s, r.text().await.unwrap())
}

/// Posts `form` to `path` of the server at `base` like a browser, with `client`'s CSRF token:
/// status, body and location.
pub async fn post_form(
    client: &reqwest::Client,
    base: &str,
    path: &str,
    form: &[(&str, &str)],
) -> (StatusCode, String, Option<String>) {
    let token = csrf(client, base).await;
    let mut form = form.to_vec();
    form.push(("csrf", &token));
    let r = client.post(format!("{base}{path}")).form(&form).send().await.unwrap();
    let s = r.status();
    let loc = r.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_string);
    (s, r.text().await.unwrap(), loc)
}

/// A multipart form that starts, as the upload pages' forms do, with the hidden field `csrf`
/// holding `token` (the upload routes read the token from the first field; issue #20 item 5).
pub fn upload_form(token: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().text("csrf", token.to_string())
}

/// Uploads `bytes` as `name` to the import page of `app` for a check (303 to the job page) and
/// follows the job page until it has ended: (job path, page).
pub async fn upload_for_check(app: &TestApp, name: &str, bytes: Vec<u8>) -> (String, String) {
    let token = csrf(&app.client, &app.base).await;
    let form = upload_form(&token)
        .part("file", reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()))
        .text("mode", "check");
    let r = app.client.post(app.url("/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let job = r.headers().get("location").unwrap().to_str().unwrap().to_string();
    let html = follow_job(app, &job).await;
    (job, html)
}

/// The page of the import job at `job` once the job has ended (each look 200, at most a minute).
pub async fn follow_job(app: &TestApp, job: &str) -> String {
    for _ in 0..600 {
        let (s, html) = app.get(job).await;
        assert_eq!(s, StatusCode::OK);
        if !html.contains("data-testid=\"import-running\"") {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the import job {job} did not end within a minute");
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

/// `first17` (17 digits) with its check digit (GB 11643).
pub fn with_check_digit(first17: &str) -> String {
    let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
}

/// A valid synthetic ID number of 珠晖区 born in `year_month` (YYYYMM) on day `1 + seq / 1000 % 28`,
/// with sequence `seq % 1000`.
pub fn id_in_month(year_month: &str, seq: u32) -> String {
    with_check_digit(&format!("430405{year_month}{:02}{:03}", 1 + seq / 1000 % 28, seq % 1000))
}

/// A valid synthetic ID number of 珠晖区 born on `birth` (YYYYMMDD) with sequence `seq` (odd = male).
pub fn id_born(birth: &str, seq: u32) -> String {
    with_check_digit(&format!("430405{birth}{seq:03}"))
}

pub fn id_b() -> String {
    // Recompute ID_B's check digit so the constant's first 17 digits are what matters.
    let first17: [u8; 17] = ID_B.as_bytes()[..17].try_into().unwrap();
    format!("{}{}", &ID_B[..17], jindu_domain::id_number::check_digit(&first17))
}

/// The sentences of a refusal as people read them: rendered from the one catalogue.
pub trait Sentences {
    /// The Chinese sentence.
    fn zh(&self) -> String;
    /// The English sentence.
    fn en(&self) -> String;
}

impl Sentences for jindu_store::service::FieldError {
    fn zh(&self) -> String {
        jindu_messages::render(&self.message, "zh")
    }
    fn en(&self) -> String {
        jindu_messages::render(&self.message, "en")
    }
}

impl Sentences for jindu_store::service::import::RowProblem {
    fn zh(&self) -> String {
        jindu_messages::render(&self.message, "zh")
    }
    fn en(&self) -> String {
        jindu_messages::render(&self.message, "en")
    }
}

/// What a refused service call says, as people read it: every sentence of an `Invalid` or
/// `Refused`, in Chinese then English, rendered from the catalogue (else the error's `Debug`).
pub fn said(e: &jindu_store::service::ServiceError) -> String {
    use jindu_store::service::ServiceError;
    match e {
        ServiceError::Invalid(errs) => {
            errs.iter().map(|e| format!("{} / {}", e.zh(), e.en())).collect::<Vec<_>>().join("\n")
        }
        ServiceError::Refused(e) => format!("{} / {}", e.zh(), e.en()),
        other => format!("{other:?}"),
    }
}
