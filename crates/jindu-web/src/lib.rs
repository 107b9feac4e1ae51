//! Jindu web: server-rendered pages in Chinese first and English second.
//!
//! Handlers only translate: they read the form or query, call one `jindu_store::service`
//! function with the signed-in `Actor` and the time from the one clock, and render the result
//! or the field errors. No domain rule lives here.

use std::sync::Arc;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use sea_orm::DatabaseConnection;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

rust_i18n::i18n!("locales", fallback = "zh-CN");

mod auth;
mod error;
mod pages;
pub mod session_store;
mod view;

pub use error::AppError;

/// Where the current time comes from: the system clock, or a fixed instant for tests.
#[derive(Clone, Debug)]
pub enum Clock {
    System,
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant and Asia/Shanghai date.
    pub fn now(&self) -> Now {
        match self {
            Clock::System => Now::system(),
            Clock::Fixed(t) => Now::at(*t),
        }
    }
}

/// Shared state of the web application.
#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub clock: Clock,
    /// Marks every page 演示数据 (set for databases made by `jindu demo`).
    pub demo: bool,
    inner: Arc<()>,
}

impl AppState {
    /// State over a migrated database.
    pub fn new(db: DatabaseConnection, clock: Clock, demo: bool) -> Self {
        AppState {
            db,
            clock,
            demo,
            inner: Arc::new(()),
        }
    }
}

/// Largest accepted request body (bytes); larger requests get 413.
pub const BODY_LIMIT: usize = 256 * 1024;

/// The whole application: pages, static files, sessions and security headers.
pub fn router(state: AppState) -> Router {
    let _ = &state.inner;
    let sessions = SessionManagerLayer::new(session_store::DbSessionStore::new(state.db.clone()))
        .with_name("jindu_session")
        .with_http_only(true)
        .with_same_site(SameSite::Strict)
        .with_secure(false)
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(30)));
    Router::new()
        .route("/", get(pages::workbench))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/lang", get(pages::set_lang))
        .route("/persons", get(pages::persons))
        .route("/persons/new", get(pages::new_person_form).post(pages::register_person))
        .route("/persons/{id}", get(pages::person))
        .route("/persons/{id}/edit", get(pages::edit_person_form).post(pages::edit_person))
        .route("/persons/{id}/events", post(pages::record_event))
        .route("/persons/{id}/measures", post(pages::decide_measure))
        .route("/persons/{id}/status", post(pages::change_status))
        .route("/persons/{id}/measures/{mid}", post(pages::measure_action))
        .route("/overview", get(pages::overview))
        .route("/account", get(pages::account))
        .route("/static/app.css", get(pages::stylesheet))
        .route("/healthz", get(|| async { "ok" }))
        .fallback(pages::not_found)
        .layer(sessions)
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("same-origin")))
        .with_state(state)
}

/// Serves the application on `listener` until Ctrl-C.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
