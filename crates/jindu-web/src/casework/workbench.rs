//! 工作台 the worklist of the signed-in user (due and overdue duties in scope) and the 概览 overview.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::{DivisionLevel, Permission};
use jindu_store::service::{deployment, worklist};

use crate::AppState;
use crate::auth::Authed;
use crate::page::PageResult;
use crate::strict_query::StrictQuery;
use crate::view::*;

/// `GET /[?town=&kind=&list=&page=]`: the 工作台 (see [`worklist::workbench`]); a refused
/// parameter is 422 naming it.
pub async fn workbench(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<worklist::WorklistFilter>,
) -> PageResult {
    // Roles without person data start where their work is.
    if !a.actor.can(Permission::ViewPersons) {
        let to = if a.actor.can(Permission::ViewCounts) {
            "/dashboard"
        } else if a.actor.can(Permission::ManageUsers) {
            "/admin/users"
        } else {
            "/account"
        };
        return Ok(Redirect::to(to).into_response());
    }
    let now = state.clock.now();
    let filter = q.check(&a.actor)?;
    let wb = worklist::workbench(&state.db, &state.vault, &a.actor, now, &filter).await?;
    let alerts = jindu_store::service::alerts::counts(&state.db, &a.actor).await?;
    // The unit's overdue plan tasks (not for a social worker's own caseload).
    let tasks = if a.actor.can(Permission::ViewCounts) && !a.actor.profile.own_caseload_only {
        jindu_store::service::responsibility::tasks(&state.db, &a.actor, now, true)
            .await?
            .into_iter()
            .filter(|t| matches!(t.status, jindu_domain::responsibility::TaskStatus::Overdue { .. }))
            .collect()
    } else {
        Vec::new()
    };
    let summary = !a.actor.caseload_only();
    let towns = if summary {
        deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town)
            .await?
            .into_iter()
            .map(|d| (d.code.prefix(), d.name))
            .collect()
    } else {
        Vec::new()
    };
    let precursor_findings = jindu_store::service::precursors::checks::open_count(&state.db, &a.actor).await?;
    Ok(WorkbenchPage { c: a.chrome, today: now.today, wb, filter, summary, towns, alerts, tasks, precursor_findings }
        .into_response())
}

pub async fn overview(State(state): State<AppState>, a: Authed) -> PageResult {
    let now = state.clock.now();
    let ov = worklist::overview(&state.db, &a.actor, now).await?;
    let scope_name =
        deployment::division_by_code(&state.db, a.actor.scope).await?.map(|d| d.name_path).unwrap_or_default();
    Ok(OverviewPage { c: a.chrome, today: now.today, ov, scope_name }.into_response())
}
