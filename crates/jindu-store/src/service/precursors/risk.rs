//! 企业风险等级 an enterprise's risk tier (issue #21 item 6; MODULES §1.10 item 4), explained
//! like a person's: [`reassess`] counts the factors — the open findings of the automatic checks
//! by rule code and the open inspection findings — scores them with the office's table
//! (setting `precursor.risk_table`, the domain default when unset) through
//! `jindu_domain::precursor::risk::assess_enterprise`, and keeps the tier, score and reasons in
//! `precursor_risk`. The tier drives the inspection frequency ([`super::inspections`]).
//!
//! Which finding codes count for which factor:
//! `FLOW-S`, `FLOW-P` → unmatched flows; `P-07`, `P-14` → late filings; `P-09`, `RF-02` → cash;
//! `RF-01`, `RF-03` → red flags; `BAL` → balance gaps (`P-06`, a renewal reminder, counts for
//! nothing). Open = `resolved_at IS NULL`.

use std::collections::HashMap;

use jindu_domain::RiskTier;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::precursor::inspection::{InspectionResult, RecheckResult, finding_open};
use jindu_domain::precursor::risk::{EnterpriseFactors, EnterpriseRiskTable, assess_enterprise};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use crate::entities::{precursor_finding as finding, precursor_inspection as insp, precursor_risk as risk};
use crate::service::{ServiceError, ServiceResult, deployment};

/// The setting that holds the office's risk table (JSON of `EnterpriseRiskTable`).
pub const TABLE_SETTING: &str = "precursor.risk_table";

/// The office's risk table, or the domain default when unset.
///
/// # Errors
/// `Data` when the stored setting is not a table; store errors.
pub async fn table<C: ConnectionTrait>(db: &C) -> ServiceResult<EnterpriseRiskTable> {
    match deployment::get_setting(db, TABLE_SETTING).await? {
        None => Ok(EnterpriseRiskTable::default()),
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("{TABLE_SETTING}: {e}"))),
    }
}

/// The factor a finding's rule code counts for (`None`: counts for nothing).
fn factor_of(rule: &str) -> Option<fn(&mut EnterpriseFactors)> {
    Some(match rule {
        "FLOW-S" | "FLOW-P" => |f: &mut EnterpriseFactors| f.unmatched_flows += 1,
        "P-07" | "P-14" => |f: &mut EnterpriseFactors| f.late_filings += 1,
        "P-09" | "RF-02" => |f: &mut EnterpriseFactors| f.cash_deals += 1,
        "RF-01" | "RF-03" => |f: &mut EnterpriseFactors| f.red_flags += 1,
        "BAL" => |f: &mut EnterpriseFactors| f.balance_gaps += 1,
        _ => return None,
    })
}

/// The factors of each of `enterprises` as counted now.
///
/// # Errors
/// Store errors.
pub async fn factors<C: ConnectionTrait>(
    db: &C,
    enterprises: &[Uuid],
) -> ServiceResult<HashMap<Uuid, EnterpriseFactors>> {
    let mut out: HashMap<Uuid, EnterpriseFactors> = enterprises.iter().map(|e| (*e, Default::default())).collect();
    for chunk in enterprises.chunks(500) {
        for f in finding::Entity::find()
            .filter(finding::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(finding::Column::ResolvedAt.is_null())
            .all(db)
            .await?
        {
            if let (Some(add), Some(e)) = (factor_of(&f.rule), out.get_mut(&f.enterprise_id)) {
                add(e);
            }
        }
        for i in insp::Entity::find().filter(insp::Column::EnterpriseId.is_in(chunk.iter().copied())).all(db).await? {
            let result = InspectionResult::from_code(&i.result)
                .ok_or_else(|| ServiceError::Data(format!("inspection result {}", i.result)))?;
            let recheck = i.recheck_result.as_deref().and_then(RecheckResult::from_code);
            if finding_open(result, recheck)
                && let Some(e) = out.get_mut(&i.enterprise_id)
            {
                e.inspection_findings += 1;
            }
        }
    }
    Ok(out)
}

/// One stored reason: the factor, its points and the count seen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredReason {
    pub factor: String,
    pub points: u32,
    pub count: u32,
}

fn count_of(f: &EnterpriseFactors, factor: &str) -> u32 {
    match factor {
        "unmatched" => f.unmatched_flows,
        "balance_gap" => f.balance_gaps,
        "late_filing" => f.late_filings,
        "cash" => f.cash_deals,
        "red_flag" => f.red_flags,
        "inspection" => f.inspection_findings,
        _ => 0,
    }
}

/// Re-assesses the risk tier of each of `enterprises` from the factors counted now, with the
/// office's table, and upserts `precursor_risk` (tier, score, reasons as JSON, `assessed_at` =
/// `now`). Called inside the writer's unit of work after an inspection, a re-check or a change
/// of findings. Not audited on its own: the write that caused it is.
///
/// # Errors
/// Store errors; `Data` for a stored table or inspection that cannot be read.
pub async fn reassess<C: ConnectionTrait>(db: &C, now: Now, enterprises: &[Uuid]) -> ServiceResult<()> {
    if enterprises.is_empty() {
        return Ok(());
    }
    let t = table(db).await?;
    let counted = factors(db, enterprises).await?;
    for id in enterprises {
        let f = counted.get(id).copied().unwrap_or_default();
        let a = assess_enterprise(&f, &t);
        let reasons: Vec<StoredReason> = a
            .reasons
            .iter()
            .map(|r| StoredReason { factor: r.factor.to_string(), points: r.points, count: count_of(&f, r.factor) })
            .collect();
        let reasons = serde_json::to_string(&reasons).map_err(|e| ServiceError::Data(format!("risk reasons: {e}")))?;
        let model = risk::ActiveModel {
            enterprise_id: Set(*id),
            tier: Set(a.tier.as_code().to_string()),
            score: Set(i32::try_from(a.score).unwrap_or(i32::MAX)),
            reasons: Set(reasons),
            assessed_at: Set(now.instant),
        };
        if risk::Entity::find_by_id(*id).one(db).await?.is_some() {
            model.update(db).await?;
        } else {
            model.insert(db).await?;
        }
    }
    Ok(())
}

/// An enterprise's tier as shown, with each reason as a sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskView {
    pub tier: RiskTier,
    pub score: i32,
    /// (points, what was seen).
    pub reasons: Vec<(u32, Message)>,
    pub assessed_at: chrono::DateTime<chrono::Utc>,
}

fn reason_code(factor: &str) -> Option<&'static str> {
    Some(match factor {
        "unmatched" => "msg.precursor.risk.unmatched",
        "balance_gap" => "msg.precursor.risk.balance_gap",
        "late_filing" => "msg.precursor.risk.late_filing",
        "cash" => "msg.precursor.risk.cash",
        "red_flag" => "msg.precursor.risk.red_flag",
        "inspection" => "msg.precursor.risk.inspection",
        _ => return None,
    })
}

/// The stored tier of `enterprise` (`None`: not yet assessed). The caller has checked the
/// actor may see the enterprise.
///
/// # Errors
/// Store errors; `Data` for a stored row that cannot be read.
pub async fn risk_of<C: ConnectionTrait>(db: &C, enterprise: Uuid) -> ServiceResult<Option<RiskView>> {
    let Some(m) = risk::Entity::find_by_id(enterprise).one(db).await? else {
        return Ok(None);
    };
    let tier = RiskTier::from_code(&m.tier).ok_or_else(|| ServiceError::Data(format!("risk tier {}", m.tier)))?;
    let stored: Vec<StoredReason> =
        serde_json::from_str(&m.reasons).map_err(|e| ServiceError::Data(format!("risk reasons: {e}")))?;
    let reasons = stored
        .into_iter()
        .filter_map(|r| reason_code(&r.factor).map(|c| (r.points, Message::new(c).text("count", r.count))))
        .collect();
    Ok(Some(RiskView { tier, score: m.score, reasons, assessed_at: m.assessed_at }))
}

/// The stored tiers of `enterprises` (those assessed).
///
/// # Errors
/// Store errors.
pub async fn tiers_of<C: ConnectionTrait>(db: &C, enterprises: &[Uuid]) -> ServiceResult<HashMap<Uuid, RiskTier>> {
    let mut out = HashMap::new();
    for chunk in enterprises.chunks(500) {
        for m in risk::Entity::find().filter(risk::Column::EnterpriseId.is_in(chunk.iter().copied())).all(db).await? {
            if let Some(t) = RiskTier::from_code(&m.tier) {
                out.insert(m.enterprise_id, t);
            }
        }
    }
    Ok(out)
}
