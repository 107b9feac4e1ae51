//! 审计日志 the audit log viewer (审计员 only; the service checks).

use axum::extract::State;
use axum::response::IntoResponse;
use jindu_store::service::audit;

use crate::AppState;
use crate::auth::Authed;
use crate::page::PageResult;
use crate::strict_query::StrictQuery;
use crate::view::*;

pub async fn audit_log(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(mut filter): StrictQuery<audit::AuditFilter>,
) -> PageResult {
    let now = state.clock.now();
    // Filters are echoed into the page: hidden characters are dropped (they match nothing).
    for f in [&mut filter.username, &mut filter.action, &mut filter.object_id, &mut filter.outcome] {
        f.retain(|c| !jindu_domain::event::is_hidden(c));
    }
    let page = audit::search(&state.db, &a.actor, now, &filter).await?;
    let qs = serde_urlencoded::to_string([
        ("username", filter.username.as_str()),
        ("action", filter.action.as_str()),
        ("object_id", filter.object_id.as_str()),
        ("outcome", filter.outcome.as_str()),
    ])
    .unwrap_or_default();
    Ok(AuditPage { c: a.chrome, page, filter, qs }.into_response())
}
