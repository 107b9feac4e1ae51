//! The route table: every route with the access it needs. The router is built through
//! [`Book`], which records each registration, and a test fails for any route missing from
//! [`ROUTES`] — so the access matrix test covers every route there is.

use std::time::Duration;

use axum::Router;
use axum::body::HttpBody;
use axum::extract::Request;
use axum::handler::Handler;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use jindu_domain::Permission;
use jindu_domain::message::Message;

use crate::{AppError, AppState};

/// How many bytes past an upload's limit the server still reads, and throws away, before it
/// answers 413: a browser that is still sending when the answer comes and the connection
/// closes shows "connection reset" instead of the sentence (issue #20 item 7; this test failed
/// once in CI for that reason). Beyond it the connection is closed unread.
pub const LINGER_BYTES: usize = 16 * 1024 * 1024;

/// How long the server keeps reading an oversized upload before it answers anyway.
pub const LINGER_TIME: Duration = Duration::from_secs(15);

/// Answers 413 with `too_large` when the request declares (`Content-Length`) a body longer
/// than `limit` bytes, after reading and discarding up to [`LINGER_BYTES`] of it within
/// [`LINGER_TIME`], so that the client has finished sending and reads the answer. A body
/// without a declared length goes on to the handler, whose limit stops it at `limit`.
pub async fn refuse_oversized(limit: usize, too_large: Message, req: Request, next: Next) -> Response {
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    let Some(declared) = declared.filter(|&n| n > limit as u64) else {
        return next.run(req).await;
    };
    let mut body = req.into_body();
    let cap = (declared).min((limit + LINGER_BYTES) as u64);
    let drain = async {
        let mut read: u64 = 0;
        while read < cap {
            match std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await {
                Some(Ok(frame)) => read += frame.data_ref().map_or(0, |d| d.len() as u64),
                _ => break,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
    AppError::Form { status: axum::http::StatusCode::PAYLOAD_TOO_LARGE, message: too_large }.into_response()
}

/// What a route needs before it does anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login page, static files, health check).
    Public,
    /// Any signed-in user.
    SignedIn,
    /// A signed-in user whose role holds the permission.
    Needs(Permission),
    /// A signed-in user whose role holds any of the permissions (the 工作站 page: 查看统计数 to read
    /// it, 系统配置 to keep it).
    NeedsAny(&'static [Permission]),
}

impl Access {
    /// Whether a role with `profile` passes: `None` for public and signed-in routes.
    pub fn allows(&self, profile: &jindu_domain::RoleProfile) -> Option<bool> {
        match self {
            Access::Public | Access::SignedIn => None,
            Access::Needs(p) => Some(profile.allows(*p)),
            Access::NeedsAny(ps) => Some(ps.iter().any(|p| profile.allows(*p))),
        }
    }
}

/// One route: method, path template, access, and whether it names a person (`{id}`), so that
/// an out-of-scope id must answer like a missing one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteSpec {
    pub method: &'static str,
    pub path: &'static str,
    pub access: Access,
    pub person_scoped: bool,
}

const fn r(method: &'static str, path: &'static str, access: Access, person_scoped: bool) -> RouteSpec {
    RouteSpec { method, path, access, person_scoped }
}

/// Every route of the application.
pub const ROUTES: &[RouteSpec] = &[
    r("GET", "/", Access::SignedIn, false),
    r("GET", "/login", Access::Public, false),
    r("POST", "/login", Access::Public, false),
    r("GET", "/login/totp", Access::Public, false),
    r("POST", "/login/totp", Access::Public, false),
    r("POST", "/logout", Access::Public, false),
    r("GET", "/lang", Access::Public, false),
    r("GET", "/account", Access::SignedIn, false),
    r("GET", "/account/password", Access::SignedIn, false),
    r("POST", "/account/password", Access::SignedIn, false),
    r("GET", "/account/totp", Access::SignedIn, false),
    r("POST", "/account/totp", Access::SignedIn, false),
    r("GET", "/persons", Access::Needs(Permission::ViewPersons), false),
    r("GET", "/persons/new", Access::Needs(Permission::EditPersons), false),
    r("POST", "/persons/new", Access::Needs(Permission::EditPersons), false),
    r("GET", "/export/audit/{format}", Access::Needs(Permission::ReadAudit), false),
    r("GET", "/export/indicators/{format}", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/export/{list}/{format}", Access::Needs(Permission::ViewPersons), false),
    r("GET", "/import", Access::Needs(Permission::EditPersons), false),
    r("POST", "/import", Access::Needs(Permission::EditPersons), false),
    r("GET", "/import/template.xlsx", Access::Needs(Permission::EditPersons), false),
    r("GET", "/import/{job}", Access::Needs(Permission::EditPersons), false),
    r("POST", "/import/{job}/commit", Access::Needs(Permission::EditPersons), false),
    r("POST", "/import/{job}/map", Access::Needs(Permission::EditPersons), false),
    r("GET", "/evaluation", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/workstations", Access::NeedsAny(&[Permission::ViewCounts, Permission::Configure]), false),
    r("POST", "/workstations", Access::Needs(Permission::Configure), false),
    r("POST", "/workstations/{ws}", Access::Needs(Permission::Configure), false),
    r("POST", "/workstations/{ws}/staff", Access::Needs(Permission::Configure), false),
    r("POST", "/workstations/{ws}/staff/{user}/remove", Access::Needs(Permission::Configure), false),
    r("GET", "/responsibility", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/precursors/findings", Access::Needs(Permission::HandleFindings), false),
    r("GET", "/precursors/findings.xlsx", Access::Needs(Permission::HandleFindings), false),
    r("POST", "/precursors/findings/{finding}/handle", Access::Needs(Permission::HandleFindings), false),
    r("GET", "/precursors/enterprises", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/enterprises.xlsx", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/enterprises/new", Access::Needs(Permission::ManageEnterprises), false),
    r("POST", "/precursors/enterprises", Access::Needs(Permission::ManageEnterprises), false),
    r("GET", "/precursors/enterprises/{ent}", Access::Needs(Permission::ViewEnterprises), false),
    r(
        "GET",
        "/precursors/enterprises/{ent}/edit",
        Access::NeedsAny(&[Permission::ManageEnterprises, Permission::EditOwnEnterprise]),
        false,
    ),
    r(
        "POST",
        "/precursors/enterprises/{ent}",
        Access::NeedsAny(&[Permission::ManageEnterprises, Permission::EditOwnEnterprise]),
        false,
    ),
    r("GET", "/precursors/inspections", Access::Needs(Permission::InspectEnterprises), false),
    r("GET", "/precursors/inspections.xlsx", Access::Needs(Permission::InspectEnterprises), false),
    r("GET", "/precursors/enterprises/{ent}/inspections/new", Access::Needs(Permission::InspectEnterprises), false),
    r("POST", "/precursors/enterprises/{ent}/inspections", Access::Needs(Permission::InspectEnterprises), false),
    r("POST", "/precursors/inspections/{insp}/recheck", Access::Needs(Permission::InspectEnterprises), false),
    r("GET", "/precursors/enterprises/{ent}/credentials/new", Access::Needs(Permission::ManageCredentials), false),
    r("POST", "/precursors/enterprises/{ent}/credentials", Access::Needs(Permission::ManageCredentials), false),
    r("GET", "/precursors/enterprises/{ent}/annual-report.xlsx", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/credentials", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/credentials.xlsx", Access::Needs(Permission::ViewEnterprises), false),
    r("POST", "/precursors/credentials/{cred}/status", Access::Needs(Permission::ManageCredentials), false),
    r("GET", "/verify/credential", Access::Public, false),
    r("GET", "/precursors/enterprises/{ent}/ledger", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/enterprises/{ent}/ledger.xlsx", Access::Needs(Permission::ViewEnterprises), false),
    r("GET", "/precursors/enterprises/{ent}/ledger/{form}/new", Access::Needs(Permission::RecordLedger), false),
    r("POST", "/precursors/enterprises/{ent}/ledger/{form}", Access::Needs(Permission::RecordLedger), false),
    r("POST", "/precursors/enterprises/{ent}/ledger/reverse", Access::Needs(Permission::RecordLedger), false),
    r("POST", "/responsibility/letters", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/responsibility/tasks", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/responsibility/units", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/responsibility/tasks/{task}/evidence", Access::Needs(Permission::ViewCounts), false),
    r("POST", "/responsibility/tasks/{task}/close", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/responsibility/tasks/{task}/reopen", Access::Needs(Permission::ManageEvaluation), false),
    r("GET", "/attachments/{file}", Access::Needs(Permission::ViewCounts), false),
    r("POST", "/evaluation/schemes", Access::Needs(Permission::ManageEvaluation), false),
    r("GET", "/evaluation/schemes/{scheme}", Access::Needs(Permission::ViewCounts), false),
    r("POST", "/evaluation/schemes/{scheme}/items", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/evaluation/schemes/{scheme}/remove", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/evaluation/schemes/{scheme}/settings", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/evaluation/runs", Access::Needs(Permission::ManageEvaluation), false),
    r("GET", "/evaluation/{run}", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/evaluation/{run}/bulletin.docx", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/evaluation/{run}/bulletin.xlsx", Access::Needs(Permission::ViewCounts), false),
    r("POST", "/evaluation/{run}/advance", Access::Needs(Permission::ManageEvaluation), false),
    r("GET", "/evaluation/{run}/units/{unit}", Access::Needs(Permission::ViewCounts), false),
    r("POST", "/evaluation/{run}/units/{unit}/score", Access::Needs(Permission::ManageEvaluation), false),
    r("POST", "/evaluation/{run}/units/{unit}/adjust", Access::Needs(Permission::ManageEvaluation), false),
    r("GET", "/import/{job}/problems.xlsx", Access::Needs(Permission::EditPersons), false),
    r("GET", "/persons/{id}", Access::Needs(Permission::ViewPersons), true),
    r("GET", "/persons/{id}/edit", Access::Needs(Permission::EditPersons), true),
    r("POST", "/persons/{id}/edit", Access::Needs(Permission::EditPersons), true),
    r("POST", "/persons/{id}/events", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/measures", Access::Needs(Permission::ManageMeasures), true),
    r("POST", "/persons/{id}/status", Access::Needs(Permission::ManageMeasures), true),
    r("POST", "/persons/{id}/measures/{mid}", Access::Needs(Permission::ManageMeasures), true),
    r("POST", "/persons/{id}/leave", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/leave/act", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/absence", Access::Needs(Permission::RecordContact), true),
    r("POST", "/persons/{id}/breach-report", Access::Needs(Permission::ManageMeasures), true),
    r("POST", "/persons/{id}/group", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/group/remove", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/risk", Access::Needs(Permission::RecordWork), true),
    r("POST", "/persons/{id}/abstinence", Access::Needs(Permission::OpenSealed), true),
    r("GET", "/alerts", Access::Needs(Permission::ViewPersons), false),
    r("POST", "/alerts/ack", Access::Needs(Permission::ViewPersons), false),
    r("GET", "/lost", Access::Needs(Permission::ViewPersons), false),
    r("GET", "/abstinence", Access::Needs(Permission::ManageMeasures), false),
    r("GET", "/caseload", Access::Needs(Permission::ManageMeasures), false),
    r("POST", "/caseload", Access::Needs(Permission::ManageMeasures), false),
    r("GET", "/settings/risk", Access::Needs(Permission::Configure), false),
    r("POST", "/settings/risk", Access::Needs(Permission::Configure), false),
    r("POST", "/persons/{id}/transfer", Access::Needs(Permission::ManageMeasures), true),
    r("POST", "/persons/{id}/transfer/decision", Access::Needs(Permission::ManageMeasures), true),
    r("GET", "/transfers", Access::Needs(Permission::ManageMeasures), false),
    r("POST", "/transfers/pull", Access::Needs(Permission::ManageMeasures), false),
    r("GET", "/overview", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/dashboard", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/dashboard/rows", Access::Needs(Permission::ViewPersons), false),
    r("GET", "/dashboard.xlsx", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/dashboard/bulletin.docx", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/dashboard/bulletin.xlsx", Access::Needs(Permission::ViewCounts), false),
    r("GET", "/settings/indicators", Access::Needs(Permission::Configure), false),
    r("POST", "/settings/indicators", Access::Needs(Permission::Configure), false),
    r("GET", "/police", Access::Needs(Permission::ReportPolice), false),
    r("POST", "/police", Access::Needs(Permission::ReportPolice), false),
    r("GET", "/audit", Access::Needs(Permission::ReadAudit), false),
    r("GET", "/admin/users", Access::Needs(Permission::ManageUsers), false),
    r("POST", "/admin/users", Access::Needs(Permission::ManageUsers), false),
    r("POST", "/admin/users/{uid}", Access::Needs(Permission::ManageUsers), false),
    r("GET", "/admin/users/{uid}", Access::Needs(Permission::ManageUsers), false),
    r("POST", "/admin/users/{uid}/edit", Access::Needs(Permission::ManageUsers), false),
    r("GET", "/admin/roles", Access::Needs(Permission::ManageUsers), false),
    r("POST", "/admin/roles", Access::Needs(Permission::ManageUsers), false),
    r("GET", "/admin/settings", Access::Needs(Permission::ManageUsers), false),
    r("POST", "/admin/settings", Access::Needs(Permission::ManageUsers), false),
    r("GET", "/static/app.css", Access::Public, false),
    r("GET", "/static/tiers.css", Access::Public, false),
    r("GET", "/healthz", Access::Public, false),
];

/// The routes that change a deployment-wide setting or role profile (method, path): besides
/// their permission they need a scope covering the deployment's root, else 403 with a sentence
/// (`jindu_domain::access::check_deployment_wide`, issue #18 item 1). The access matrix test
/// checks each of them for users below the root.
pub const DEPLOYMENT_WIDE: &[(&str, &str)] = &[
    ("POST", "/admin/roles"),
    ("POST", "/admin/settings"),
    ("POST", "/settings/risk"),
    ("POST", "/settings/indicators"),
];

/// A router under construction that remembers what was registered.
pub struct Book {
    router: Router<AppState>,
    registered: Vec<(&'static str, &'static str)>,
    uploads: Vec<&'static str>,
}

impl Book {
    /// An empty book.
    pub fn new() -> Self {
        Book { router: Router::new(), registered: Vec::new(), uploads: Vec::new() }
    }

    /// Registers a GET route.
    pub fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, get(handler));
        self.registered.push(("GET", path));
        self
    }

    /// Registers a POST route.
    pub fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.route(path, post(handler));
        self.registered.push(("POST", path));
        self
    }

    /// Registers a POST route whose body may be up to `limit` bytes (an upload, a multipart
    /// form), instead of the application's [`crate::BODY_LIMIT`]. A request that declares a
    /// longer body is answered 413 with `too_large` before the handler runs (see
    /// [`refuse_oversized`]). The handler's last argument must be
    /// [`crate::csrf::CheckedMultipart`] (checked when compiling): the CSRF middleware lets a
    /// multipart POST reach only these routes, and the extractor checks the token in the form's
    /// first field.
    pub fn post_limited<H, T>(mut self, path: &'static str, handler: H, limit: usize, too_large: Message) -> Self
    where
        H: Handler<T, AppState>,
        T: crate::csrf::EndsWithCheckedMultipart + 'static,
    {
        self.uploads.push(path);
        let refuse = axum::middleware::from_fn(move |req: Request, next: Next| {
            refuse_oversized(limit, too_large.clone(), req, next)
        });
        self.router =
            self.router.route(path, post(handler).layer(axum::extract::DefaultBodyLimit::max(limit)).layer(refuse));
        self.registered.push(("POST", path));
        self
    }

    /// The paths registered with [`Book::post_limited`] (the upload routes), for the CSRF
    /// middleware.
    pub fn uploads(&self) -> crate::csrf::Uploads {
        crate::csrf::Uploads(self.uploads.clone().into())
    }

    /// The router and the list of (method, path) registered.
    pub fn finish(self) -> (Router<AppState>, Vec<(&'static str, &'static str)>) {
        (self.router, self.registered)
    }
}

impl Default for Book {
    fn default() -> Self {
        Self::new()
    }
}
