//! Jindu web: server-rendered pages in Chinese first and English second.
//!
//! Handlers only translate: they read the form or query, call one `jindu_store::service`
//! function with the signed-in `Actor` and the time from the one clock, and render the result
//! or the field errors. No domain rule lives here.

use jindu_domain::message::Message;
use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use jindu_store::DatabaseConnection;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

// Handlers in folders by work line (as jindu-store's services), the document writers, and the
// pieces every handler shares.
mod account;
mod accountability;
mod admin;
pub mod api;
mod audit_page;
mod auth;
mod casework;
pub mod csrf;
mod error;
mod form;
pub mod import_page;
pub mod lists;
mod page;
mod precursors;
mod registry;
pub mod routes;
pub mod session_store;
mod statistics;
pub mod strict_query;
mod view;

pub use csrf::csrf_field_value;
pub use error::AppError;

/// Where the current time comes from: the system clock, or a fixed instant for tests.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
    /// A clock tests move by hand (session expiry, lockout, token expiry).
    Manual(Arc<std::sync::RwLock<DateTime<Utc>>>),
}

impl Clock {
    /// The current instant and Asia/Shanghai date.
    pub fn now(&self) -> Now {
        match self {
            Clock::System => Now::system(),
            Clock::Fixed(t) => Now::at(*t),
            Clock::Manual(t) => Now::at(t.read().map(|g| *g).unwrap_or_else(|e| *e.into_inner())),
        }
    }

    /// A manual clock at `t`, and the handle that moves it.
    pub fn manual(t: DateTime<Utc>) -> (Clock, Arc<std::sync::RwLock<DateTime<Utc>>>) {
        let cell = Arc::new(std::sync::RwLock::new(t));
        (Clock::Manual(cell.clone()), cell)
    }
}

/// Shared state of the web application.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
    /// Marks every page 演示数据 (set for databases made by `jindu demo`).
    pub demo: bool,
    /// Served behind a TLS-terminating proxy: session cookies get `Secure` and responses carry
    /// `Strict-Transport-Security`. Off by default (plain HTTP on a workstation or the demo).
    pub behind_tls: bool,
    /// The field-encryption keys (checked against the database before serving).
    pub vault: jindu_store::Vault,
    /// Import jobs running in this process, and how many may (see [`import_page`]).
    pub imports: import_page::ImportJobs,
    /// Sign-in attempts per client address (password and second-factor posts).
    login_limiter: Arc<governor::DefaultKeyedRateLimiter<String>>,
}

/// Sign-in attempts allowed per client address: a burst of 20, then one every 3 seconds
/// (20 a minute). Local default; the per-account lockout (5 failures, 15 minutes) is separate.
pub const LOGIN_BURST: u32 = 20;

impl AppState {
    /// State over a migrated database whose keys are `vault`.
    pub fn new(db: DatabaseConnection, vault: jindu_store::Vault, clock: Clock, demo: bool) -> Self {
        let quota = governor::Quota::per_minute(std::num::NonZeroU32::MIN.saturating_add(LOGIN_BURST - 1));
        AppState {
            db,
            clock,
            demo,
            vault,
            behind_tls: false,
            imports: import_page::ImportJobs::default(),
            login_limiter: Arc::new(governor::RateLimiter::keyed(quota)),
        }
    }

    /// `Some(429 page)` when `address` has used up its sign-in attempts.
    pub fn login_rate_limited(&self, address: &str) -> Option<axum::response::Response> {
        use axum::response::IntoResponse;
        if self.login_limiter.check_key(&address.to_string()).is_ok() {
            return None;
        }
        Some(
            AppError::Form {
                status: axum::http::StatusCode::TOO_MANY_REQUESTS,
                message: Message::new("msg.login.rate_limited"),
            }
            .into_response(),
        )
    }
}

/// Every page route, registered through the recording [`routes::Book`].
pub fn app_routes() -> (Router<AppState>, Vec<(&'static str, &'static str)>) {
    app_book().finish()
}

/// The book of every page route, before it is finished into a router.
fn app_book() -> routes::Book {
    routes::Book::new()
        .get("/", casework::workbench::workbench)
        .get("/login", account::login_form)
        .post("/login", account::login)
        .get("/login/totp", account::totp_login_form)
        .post("/login/totp", account::totp_login)
        .post("/logout", account::logout)
        .get("/lang", account::set_lang)
        .get("/account", account::account)
        .get("/account/password", account::password_form)
        .post("/account/password", account::change_password)
        .get("/account/totp", account::totp_setup_form)
        .post("/account/totp", account::totp_setup)
        .get("/persons", registry::persons::persons)
        .get("/persons/new", registry::persons::new_person_form)
        .post("/persons/new", registry::persons::register_person)
        .get("/export/audit/{format}", lists::export_audit)
        .get("/export/indicators/{format}", lists::export_indicators)
        .get("/export/{list}/{format}", lists::export)
        .get("/import", import_page::form)
        .post_limited(
            "/import",
            import_page::upload,
            import_page::IMPORT_LIMIT,
            Message::new("msg.import.too_large").text("max", import_page::IMPORT_LIMIT / 1024 / 1024),
        )
        .get("/import/template.xlsx", import_page::template)
        .get("/import/{job}", import_page::job)
        .post("/import/{job}/commit", import_page::commit)
        .post("/import/{job}/map", import_page::remap)
        .get("/import/{job}/problems.xlsx", import_page::problems_xlsx)
        .get("/evaluation", accountability::evaluation::index)
        .get("/workstations", casework::workstations::page)
        .post("/workstations", casework::workstations::create)
        .post("/workstations/{ws}", casework::workstations::update)
        .post("/workstations/{ws}/staff", casework::workstations::add_staff)
        .post("/workstations/{ws}/staff/{user}/remove", casework::workstations::remove_staff)
        .get("/precursors/findings", precursors::findings::list)
        .get("/precursors/findings.xlsx", precursors::findings::export)
        .post("/precursors/findings/{finding}/handle", precursors::findings::handle)
        .get("/precursors/enterprises", precursors::enterprises::list)
        .get("/precursors/enterprises.xlsx", precursors::enterprises::export)
        .get("/precursors/enterprises/new", precursors::enterprises::new_form)
        .post("/precursors/enterprises", precursors::enterprises::create)
        .get("/precursors/enterprises/{ent}", precursors::enterprises::page)
        .get("/precursors/enterprises/{ent}/edit", precursors::enterprises::edit_form)
        .post("/precursors/enterprises/{ent}", precursors::enterprises::update)
        .get("/precursors/inspections", precursors::inspections::list)
        .get("/precursors/inspections.xlsx", precursors::inspections::export)
        .get("/precursors/enterprises/{ent}/inspections/new", precursors::inspections::new_form)
        .post("/precursors/enterprises/{ent}/inspections", precursors::inspections::create)
        .post("/precursors/inspections/{insp}/recheck", precursors::inspections::recheck)
        .get("/precursors/enterprises/{ent}/credentials/new", precursors::credentials::new_form)
        .post("/precursors/enterprises/{ent}/credentials", precursors::credentials::create)
        .get("/precursors/enterprises/{ent}/annual-report.xlsx", precursors::credentials::annual_report_xlsx)
        .get("/precursors/credentials", precursors::credentials::list)
        .get("/precursors/credentials.xlsx", precursors::credentials::export)
        .post("/precursors/credentials/{cred}/status", precursors::credentials::change_status)
        .get("/verify/credential", precursors::credentials::verify)
        .get("/precursors/enterprises/{ent}/ledger", precursors::ledger::page)
        .get("/precursors/enterprises/{ent}/ledger.xlsx", precursors::ledger::export)
        .get("/precursors/enterprises/{ent}/ledger/{form}/new", precursors::ledger::new_form)
        .post("/precursors/enterprises/{ent}/ledger/{form}", precursors::ledger::create)
        .post("/precursors/enterprises/{ent}/ledger/reverse", precursors::ledger::reverse)
        .get("/responsibility", accountability::responsibility::page)
        .post_limited(
            "/responsibility/letters",
            accountability::responsibility::save_letter,
            accountability::responsibility::UPLOAD_LIMIT,
            accountability::responsibility::too_large(),
        )
        .post("/responsibility/tasks", accountability::responsibility::create_task)
        .post("/responsibility/units", accountability::responsibility::create_member_unit)
        .post_limited(
            "/responsibility/tasks/{task}/evidence",
            accountability::responsibility::add_evidence,
            accountability::responsibility::UPLOAD_LIMIT,
            accountability::responsibility::too_large(),
        )
        .post("/responsibility/tasks/{task}/close", accountability::responsibility::close)
        .post("/responsibility/tasks/{task}/reopen", accountability::responsibility::reopen)
        .get("/attachments/{file}", accountability::responsibility::attachment)
        .post("/evaluation/schemes", accountability::evaluation::create_scheme)
        .get("/evaluation/schemes/{scheme}", accountability::evaluation::scheme)
        .post("/evaluation/schemes/{scheme}/items", accountability::evaluation::save_item)
        .post("/evaluation/schemes/{scheme}/remove", accountability::evaluation::remove_item)
        .post("/evaluation/schemes/{scheme}/settings", accountability::evaluation::save_settings)
        .post("/evaluation/runs", accountability::evaluation::create_run)
        .get("/evaluation/{run}", accountability::evaluation::run)
        .get("/evaluation/{run}/bulletin.docx", accountability::evaluation::bulletin_docx)
        .get("/evaluation/{run}/bulletin.xlsx", accountability::evaluation::bulletin_xlsx)
        .post("/evaluation/{run}/advance", accountability::evaluation::advance)
        .get("/evaluation/{run}/units/{unit}", accountability::evaluation::unit)
        .post("/evaluation/{run}/units/{unit}/score", accountability::evaluation::score)
        .post("/evaluation/{run}/units/{unit}/adjust", accountability::evaluation::adjust)
        .get("/persons/{id}", registry::persons::person)
        .get("/persons/{id}/edit", registry::persons::edit_person_form)
        .post("/persons/{id}/edit", registry::persons::edit_person)
        .post("/persons/{id}/events", registry::persons::record_event)
        .post("/persons/{id}/measures", registry::persons::decide_measure)
        .post("/persons/{id}/status", registry::persons::change_status)
        .post("/persons/{id}/measures/{mid}", registry::persons::measure_action)
        .post("/persons/{id}/leave", casework::request_leave)
        .post("/persons/{id}/leave/act", casework::act_on_leave)
        .post("/persons/{id}/absence", casework::record_absence)
        .post("/persons/{id}/breach-report", casework::report_breach)
        .post("/persons/{id}/group", casework::add_member)
        .post("/persons/{id}/group/remove", casework::remove_member)
        .post("/persons/{id}/risk", casework::reassess)
        .post("/persons/{id}/abstinence", casework::confirm_abstinence)
        .get("/alerts", casework::inbox)
        .post("/alerts/ack", casework::acknowledge)
        .get("/lost", casework::lost)
        .get("/abstinence", casework::abstinence)
        .get("/caseload", casework::caseload)
        .post("/caseload", casework::reassign)
        .get("/settings/risk", casework::risk_settings)
        .post("/settings/risk", casework::save_risk_settings)
        .post("/persons/{id}/transfer", registry::transfers::request)
        .post("/persons/{id}/transfer/decision", registry::transfers::decide)
        .get("/transfers", registry::transfers::list)
        .post("/transfers/pull", registry::transfers::pull)
        .get("/overview", casework::workbench::overview)
        .get("/dashboard", statistics::dashboard::page)
        .get("/dashboard/rows", statistics::dashboard::rows)
        .get("/dashboard.xlsx", statistics::dashboard::export)
        .get("/dashboard/bulletin.docx", statistics::dashboard::bulletin_docx)
        .get("/dashboard/bulletin.xlsx", statistics::dashboard::bulletin_xlsx)
        .get("/settings/indicators", statistics::dashboard::settings)
        .post("/settings/indicators", statistics::dashboard::save_settings)
        .get("/police", statistics::dashboard::police_form)
        .post("/police", statistics::dashboard::file_police)
        .get("/audit", audit_page::audit_log)
        .get("/admin/users", admin::users)
        .post("/admin/users", admin::create_user)
        .post("/admin/users/{uid}", admin::user_action)
        .get("/admin/users/{uid}", admin::user_page)
        .post("/admin/users/{uid}/edit", admin::edit_user)
        .get("/admin/roles", admin::roles)
        .post("/admin/roles", admin::save_role)
        .get("/admin/settings", admin::settings)
        .post("/admin/settings", admin::save_settings)
        .get("/static/app.css", page::stylesheet)
        .get("/static/tiers.css", casework::tier_stylesheet)
        .get("/healthz", page::healthz)
}

/// Largest accepted request body (bytes); larger requests get 413.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The whole application: pages, static files, sessions and security headers.
pub fn router(state: AppState) -> Router {
    let sessions = SessionManagerLayer::new(session_store::DbSessionStore::new(state.db.clone()))
        .with_name("jindu_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(state.behind_tls)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(30)));
    let hsts = state.behind_tls;
    let book = app_book();
    let uploads = book.uploads();
    let (routes, _) = book.finish();
    routes
        .fallback(page::not_found)
        .method_not_allowed_fallback(page::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(state.clone(), audit_refusals))
        .layer(axum::middleware::from_fn_with_state(uploads, csrf::check))
        .layer(axum::middleware::from_fn(same_origin_posts))
        .layer(sessions)
        // The JSON API authenticates by token: outside the session layer, no cookie.
        .merge(api::router().layer(axum::middleware::from_fn_with_state(state.clone(), api::audit_refusals)))
        .layer(axum::extract::DefaultBodyLimit::max(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        // Pages and exports carry personal data: no browser or proxy keeps a copy (issue #20
        // item 5). The stylesheets say their own.
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            move |_: &axum::http::Response<axum::body::Body>| {
                hsts.then(|| HeaderValue::from_static("max-age=31536000; includeSubDomains"))
            },
        ))
        .with_state(state)
}

/// Refuses a form POST that a browser says comes from another site (`Sec-Fetch-Site:
/// cross-site`, or an `Origin` whose host is not this request's `Host`): a cross-site request
/// forgery defence on top of SameSite=Strict session cookies (OWASP: verifying origin with
/// standard headers). Requests without these headers (old browsers, scripts) pass.
async fn same_origin_posts(req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    use axum::response::IntoResponse;
    if req.method() == axum::http::Method::POST {
        let headers = req.headers();
        let cross_site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) == Some("cross-site");
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
        let foreign_origin = headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|o| o == "null" || o.split_once("://").map(|(_, h)| h) != Some(host));
        if cross_site || foreign_origin {
            return AppError::Form {
                status: axum::http::StatusCode::FORBIDDEN,
                message: Message::new("msg.form.cross_site"),
            }
            .into_response();
        }
    }
    next.run(req).await
}

/// Records every request a signed-in user was refused in the audit log, in its own small
/// transaction, as `access.denied` (outcome `denied`) with the method and path as the object
/// (the target) and the status and route template as the detail (the action attempted):
/// - 403: the role lacks the permission, or the change reaches outside the user's scope
///   (a deployment-wide setting changed from one district);
/// - 404 on a route that needs a signed-in user: an id outside the scope answers like a missing
///   one, and both are recorded (unknown paths and the public routes — static files, the login
///   page — are not, so nothing floods);
/// - 422 carrying [`error::ScopeRefusal`]: a division outside the scope typed into a form.
///
/// Requests without a signed-in user (sent to the login page) are not recorded: there is no
/// actor.
async fn audit_refusals(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: tower_sessions::Session,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::http::StatusCode;
    let what = format!("{} {}", req.method(), req.uri().path());
    let method = req.method().as_str().to_string();
    let template = req.extensions().get::<axum::extract::MatchedPath>().map(|m| m.as_str().to_string());
    let address = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_else(|| "unknown".into());
    let response = next.run(req).await;
    let status = response.status();
    let signed_in_route = template.as_deref().is_some_and(|t| {
        routes::ROUTES.iter().any(|r| r.method == method && r.path == t && r.access != routes::Access::Public)
    });
    let refusal = response.extensions().get::<error::ScopeRefusal>().map(|r| r.0.clone());
    let audited = match status {
        StatusCode::FORBIDDEN => true,
        StatusCode::NOT_FOUND => signed_in_route,
        StatusCode::UNPROCESSABLE_ENTITY => refusal.is_some(),
        _ => false,
    };
    if audited
        && let Ok(Some(user)) = session.get::<uuid::Uuid>(auth::USER_KEY).await
        && let Ok(Some(mut actor)) = jindu_store::service::users::actor(&state.db, user).await
    {
        use jindu_store::service::audit;
        actor.address = address;
        let mut detail = format!("{}; route {method} {}", status.as_u16(), template.as_deref().unwrap_or("-"));
        if let Some(r) = refusal {
            detail.push_str("; outside scope: ");
            detail.push_str(&r);
        }
        let entry = audit::Entry {
            action: "access.denied".into(),
            object_type: Some("route"),
            object_id: Some(what.chars().take(200).collect()),
            outcome: audit::Outcome::Denied,
            detail: Some(detail),
        };
        if let Err(e) = audit::record(&state.db, &audit::Who::actor(&actor), state.clock.now(), entry).await {
            tracing::error!("audit of a refusal failed: {e}");
        }
    }
    response
}

/// How long, after SIGTERM or Ctrl-C, requests in flight may take to finish before the server
/// stops anyway (seconds; local default). Every write commits or rolls back whole, so a request
/// cut after this is as if it had never been sent.
pub const DRAIN_SECS: u64 = 20;

/// Serves the application on `listener` until SIGTERM (a service manager, `docker stop`) or
/// Ctrl-C; then it accepts no new connection and lets the requests in flight finish, for at most
/// [`DRAIN_SECS`] (issue #20 item 4: SIGTERM used to cut them).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    let (stopping, mut stopped) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router(state).into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(async move {
            stop_signal().await;
            tracing::info!("stopping: letting requests in flight finish (at most {DRAIN_SECS} s)");
            let _ = stopping.send(true);
        });
    tokio::select! {
        served = server.into_future() => served,
        () = async move {
            if stopped.wait_for(|s| *s).await.is_ok() {
                tokio::time::sleep(std::time::Duration::from_secs(DRAIN_SECS)).await;
            } else {
                std::future::pending::<()>().await;
            }
        } => {
            tracing::warn!("stopped with requests still in flight after {DRAIN_SECS} s");
            Ok(())
        }
    }
}

/// SIGTERM or Ctrl-C (SIGINT), whichever comes first.
async fn stop_signal() {
    #[cfg(unix)]
    {
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut signal) => {
                    signal.recv().await;
                }
                Err(e) => {
                    tracing::error!("cannot listen for SIGTERM: {e}");
                    std::future::pending::<()>().await;
                }
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            () = terminate => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
