//! The precursor figures of a division and a period (issue #21 item 7), for the 驾驶舱 and for
//! the evaluation rules `precursor_*`: enterprises by category (of the chemicals on their
//! ledger; those without ledger rows counted apart and by role), by risk tier, credentials
//! expiring within 3 months, inspections due and done in the period, open mismatches (open
//! `FLOW-S` + `FLOW-P` findings) and 流向闭环率 (`jindu_domain::precursor::indicators`).
//!
//! Counted live from the precursor tables (tens to thousands of rows per district). The
//! enterprises of a division are those whose registered division lies in it (deregistered ones
//! left out).

use std::collections::{BTreeMap, HashSet};

use chrono::NaiveDate;
use jindu_domain::indicator::Period;
use jindu_domain::precursor::EnterpriseRole;
use jindu_domain::precursor::indicators::{PrecursorCounts, closure_rate, inspection_rate};
use jindu_domain::{DivisionCode, Permission, RiskTier};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use uuid::Uuid;

use super::{inspections, risk};
use crate::entities::{
    precursor_credential as cred, precursor_enterprise as ent, precursor_finding as finding,
    precursor_inspection as insp, precursor_movement as mv,
};
use crate::service::{Actor, ServiceError, ServiceResult, scope_bounds};

/// The first and last day of a period.
pub fn period_days(period: Period) -> (NaiveDate, NaiveDate) {
    let (first, last) = period.months();
    (first.first_day().unwrap_or(NaiveDate::MIN), last.last_day().unwrap_or(NaiveDate::MAX))
}

/// The rule codes of the flow-matching findings.
pub const MISMATCH_RULES: [&str; 2] = ["FLOW-S", "FLOW-P"];

async fn enterprises_in<C: ConnectionTrait>(db: &C, division: DivisionCode) -> ServiceResult<Vec<ent::Model>> {
    let (lo, hi) = scope_bounds(&division);
    Ok(ent::Entity::find()
        .filter(ent::Column::DivisionCode.between(lo, hi))
        .filter(ent::Column::Status.ne(jindu_domain::precursor::EnterpriseStatus::Deregistered.as_code()))
        .all(db)
        .await?)
}

/// The sales of the division in `[from, to]`: non-reversed `sale` movements (neither a reversal
/// nor reversed) with a registered counterparty. Their ids.
///
/// # Errors
/// Store errors.
pub async fn sales_in<C: ConnectionTrait>(
    db: &C,
    division: DivisionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<Vec<Uuid>> {
    let (lo, hi) = scope_bounds(&division);
    let reversed = Query::select()
        .column(mv::Column::Reverses)
        .from(mv::Entity)
        .and_where(mv::Column::Reverses.is_not_null())
        .to_owned();
    Ok(mv::Entity::find()
        .select_only()
        .column(mv::Column::Id)
        .filter(mv::Column::DivisionCode.between(lo, hi))
        .filter(mv::Column::Kind.eq("sale"))
        .filter(mv::Column::Reverses.is_null())
        .filter(mv::Column::CounterpartyId.is_not_null())
        .filter(mv::Column::OccurredOn.between(from, to))
        .filter(mv::Column::Id.not_in_subquery(reversed))
        .into_tuple::<Uuid>()
        .all(db)
        .await?)
}

/// The `ref_key`s of the open findings of `rules` of the enterprises of the division.
async fn open_findings<C: ConnectionTrait>(
    db: &C,
    division: DivisionCode,
    rules: &[&str],
) -> ServiceResult<Vec<(Uuid, String)>> {
    let (lo, hi) = scope_bounds(&division);
    let in_division = Query::select()
        .column(ent::Column::Id)
        .from(ent::Entity)
        .and_where(ent::Column::DivisionCode.between(lo, hi))
        .to_owned();
    Ok(finding::Entity::find()
        .select_only()
        .column(finding::Column::EnterpriseId)
        .column(finding::Column::RefKey)
        .filter(finding::Column::Rule.is_in(rules.iter().copied()))
        .filter(finding::Column::ResolvedAt.is_null())
        .filter(finding::Column::EnterpriseId.in_subquery(in_division))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await?)
}

/// The counts of `division` for the period `[from, to]` (open mismatches are those open now):
/// the evaluation rules' input.
///
/// # Errors
/// Store errors.
pub async fn counts<C: ConnectionTrait>(
    db: &C,
    division: DivisionCode,
    from: NaiveDate,
    to: NaiveDate,
) -> ServiceResult<PrecursorCounts> {
    let sales = sales_in(db, division, from, to).await?;
    let open_s: HashSet<String> = open_findings(db, division, &["FLOW-S"]).await?.into_iter().map(|(_, k)| k).collect();
    let unmatched = sales.iter().filter(|id| open_s.contains(&id.to_string())).count();
    let open_mismatches = open_findings(db, division, &MISMATCH_RULES).await?.len();
    let enterprises = enterprises_in(db, division).await?;
    let states = inspections::due_states(db, enterprises, Some(from)).await?;
    let due: Vec<Uuid> = states.iter().filter(|s| s.due <= to).map(|s| s.model.id).collect();
    let mut done_by: HashSet<Uuid> = HashSet::new();
    for chunk in states.iter().map(|s| s.model.id).collect::<Vec<_>>().chunks(500) {
        for (e,) in insp::Entity::find()
            .select_only()
            .column(insp::Column::EnterpriseId)
            .filter(insp::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(insp::Column::InspectedOn.between(from, to))
            .into_tuple::<(Uuid,)>()
            .all(db)
            .await?
        {
            done_by.insert(e);
        }
    }
    Ok(PrecursorCounts {
        sales: sales.len() as u64,
        unmatched_sales: unmatched as u64,
        open_mismatches: open_mismatches as u64,
        inspections_due: due.len() as u64,
        inspections_done: due.iter().filter(|e| done_by.contains(e)).count() as u64,
    })
}

/// The precursor figures of the 驾驶舱 for one division and period.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecursorIndicators {
    pub division: DivisionCode,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub counts: PrecursorCounts,
    /// Enterprises of the division (not deregistered).
    pub enterprises: u64,
    /// Enterprises by the category of the chemicals on their ledger (an enterprise with
    /// chemicals of two categories counts under both); `None`: no ledger rows yet.
    pub by_category: Vec<(Option<i32>, u64)>,
    /// Enterprises without ledger rows, by role (an enterprise counts under each of its roles).
    pub unledgered_by_role: Vec<(EnterpriseRole, u64)>,
    /// Enterprises by risk tier; `None`: not yet assessed.
    pub by_tier: Vec<(Option<RiskTier>, u64)>,
    /// Valid credentials whose last day falls within 3 months of today.
    pub credentials_expiring: u64,
    /// Inspections recorded in the period.
    pub inspections_recorded: u64,
    /// 流向闭环率 in percent (`None` without sales).
    pub closure_rate: Option<f64>,
    /// 检查完成率 in percent (`None` when nothing was due).
    pub inspection_rate: Option<f64>,
}

/// The precursor figures of `division` for `[from, to]` on `today`, without a viewer (pages go
/// through [`indicators`]).
///
/// # Errors
/// Store errors.
pub async fn indicators_of<C: ConnectionTrait>(
    db: &C,
    division: DivisionCode,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<PrecursorIndicators> {
    let counts = counts(db, division, from, to).await?;
    let models = enterprises_in(db, division).await?;
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let mut categories: BTreeMap<Option<i32>, u64> = BTreeMap::new();
    let mut ledgered: HashSet<Uuid> = HashSet::new();
    let (lo, hi) = scope_bounds(&division);
    let pairs: Vec<(Uuid, i32)> = mv::Entity::find()
        .select_only()
        .column(mv::Column::EnterpriseId)
        .column(mv::Column::Category)
        .distinct()
        .filter(mv::Column::DivisionCode.between(lo, hi))
        .into_tuple::<(Uuid, i32)>()
        .all(db)
        .await?;
    let known: HashSet<Uuid> = ids.iter().copied().collect();
    for (e, c) in pairs {
        if known.contains(&e) {
            *categories.entry(Some(c)).or_default() += 1;
            ledgered.insert(e);
        }
    }
    let mut by_role: BTreeMap<EnterpriseRole, u64> = BTreeMap::new();
    for m in &models {
        if !ledgered.contains(&m.id) {
            *categories.entry(None).or_default() += 1;
            for r in jindu_domain::precursor::enterprise::roles_from_code(&m.roles) {
                *by_role.entry(r).or_default() += 1;
            }
        }
    }
    let tiers = risk::tiers_of(db, &ids).await?;
    let mut by_tier: Vec<(Option<RiskTier>, u64)> =
        [Some(RiskTier::High), Some(RiskTier::Medium), Some(RiskTier::Low), None]
            .into_iter()
            .map(|t| (t, ids.iter().filter(|id| tiers.get(id).copied() == t).count() as u64))
            .collect();
    by_tier.retain(|(t, n)| t.is_some() || *n > 0);
    let mut expiring = 0u64;
    let until = jindu_domain::days::add_months(today, 3);
    let mut recorded = 0u64;
    for chunk in ids.chunks(500) {
        expiring += cred::Entity::find()
            .select_only()
            .column(cred::Column::Id)
            .filter(cred::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(cred::Column::Status.eq("valid"))
            .filter(cred::Column::ValidTo.between(today, until))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .len() as u64;
        recorded += insp::Entity::find()
            .select_only()
            .column(insp::Column::Id)
            .filter(insp::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(insp::Column::InspectedOn.between(from, to))
            .into_tuple::<Uuid>()
            .all(db)
            .await?
            .len() as u64;
    }
    Ok(PrecursorIndicators {
        division,
        from,
        to,
        enterprises: models.len() as u64,
        by_category: categories.into_iter().collect(),
        unledgered_by_role: by_role.into_iter().collect(),
        by_tier,
        credentials_expiring: expiring,
        inspections_recorded: recorded,
        closure_rate: closure_rate(counts.sales, counts.unmatched_sales),
        inspection_rate: inspection_rate(counts.inspections_done, counts.inspections_due),
        counts,
    })
}

/// The precursor figures of `division` (inside the actor's scope) for `period` on `today`.
/// Needs `ViewCounts` (counts only; the drill-down lists need their own permissions).
///
/// # Errors
/// Forbidden; NotFound for a division outside the scope; store errors.
pub async fn indicators<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    division: DivisionCode,
    period: Period,
    today: NaiveDate,
) -> ServiceResult<PrecursorIndicators> {
    actor.require(Permission::ViewCounts)?;
    if !actor.scope.contains(&division) {
        return Err(ServiceError::NotFound("division"));
    }
    let (from, to) = period_days(period);
    indicators_of(db, division, from, to, today).await
}
