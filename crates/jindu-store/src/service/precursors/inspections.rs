//! 监督检查 inspections of precursor enterprises (issue #21 item 6): recorded by the 禁毒办 and the
//! police (`InspectEnterprises`; a 企业 account neither records nor reads them), each with the
//! shipped checklist (`jindu_domain::precursor::inspection::CHECKLIST`, every item 符合 / 不符合 /
//! 不适用), a result, findings (sealed by the vault, AAD `precursor_inspection.findings:<id>`), a
//! rectification deadline and a re-check. Every write goes through the unit of work, is audited,
//! and re-assesses the enterprise's risk tier ([`super::risk::reassess`]) in the same
//! transaction.
//!
//! The worklist ([`worklist`]) lists the enterprises whose next inspection is due (by the risk
//! tier's frequency, setting `precursor.inspection_frequency`, local default high 90 days, medium
//! 180, low 365 since the last inspection; never inspected: due from registration) and the
//! rectifications past their deadline.

use std::collections::HashMap;

use chrono::NaiveDate;
use jindu_domain::clock::{Now, shanghai_date};
use jindu_domain::message::Message;
use jindu_domain::precursor::inspection::{
    self as rule, InspectionForm, InspectionFrequency, InspectionKind, InspectionResult, ItemResult, RecheckResult,
};
use jindu_domain::{DivisionCode, Permission, RiskTier};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use super::{enterprises, risk};
use crate::entities::{precursor_enterprise as ent, precursor_inspection as insp};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, UnitOfWork, audit, deployment};
use crate::vault::Vault;

/// The table name in the vault's AAD and the audit log.
const TABLE: &str = "precursor_inspection";

/// The setting of the frequencies (JSON of `InspectionFrequency`).
pub const FREQUENCY_SETTING: &str = "precursor.inspection_frequency";

/// The office's frequencies, or the local default when unset.
///
/// # Errors
/// `Data` when the stored setting is not a frequency table; store errors.
pub async fn frequency<C: ConnectionTrait>(db: &C) -> ServiceResult<InspectionFrequency> {
    match deployment::get_setting(db, FREQUENCY_SETTING).await? {
        None => Ok(InspectionFrequency::default()),
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("{FREQUENCY_SETTING}: {e}"))),
    }
}

fn invalid(problems: Vec<rule::FormProblem>) -> ServiceError {
    ServiceError::Invalid(problems.into_iter().map(|p| FieldError::of(p.field, p.message)).collect())
}

/// Whether the actor may record inspections (the form is drawn only then).
///
/// # Errors
/// Forbidden (`InspectEnterprises`).
pub fn authorize(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::InspectEnterprises)
}

/// Whether the actor may record an inspection of `enterprise` (the form is drawn only then):
/// `InspectEnterprises` and the enterprise within the scope.
///
/// # Errors
/// Forbidden; NotFound (missing or outside the scope, alike).
pub async fn authorize_for<C: ConnectionTrait>(db: &C, actor: &Actor, enterprise: Uuid) -> ServiceResult<()> {
    actor.require(Permission::InspectEnterprises)?;
    enterprises::load_visible(db, actor, enterprise).await.map(|_| ())
}

/// Records an inspection of `enterprise`. Needs `InspectEnterprises`; the enterprise within the
/// actor's scope (`NotFound` otherwise). The form checked by `inspection::check` (every problem
/// at once, each naming its field; nothing stored). Findings sealed; audited
/// `precursor.inspection.create` (kind, date, result, deadline; never the findings); the risk
/// tier re-assessed.
///
/// # Errors
/// Forbidden; NotFound; `Invalid`; store errors.
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &InspectionForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::InspectEnterprises)?;
    let e = enterprises::load_visible(db, actor, enterprise).await?;
    let input = rule::check(form, now.today).map_err(invalid)?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::InspectEnterprises).await?;
    let id = Uuid::now_v7();
    let checklist: Vec<(String, String)> =
        input.items.iter().map(|(c, r)| ((*c).to_string(), r.as_code().to_string())).collect();
    let checklist =
        serde_json::to_string(&checklist).map_err(|e| ServiceError::Data(format!("inspection checklist: {e}")))?;
    insp::ActiveModel {
        id: Set(id),
        enterprise_id: Set(enterprise),
        division_code: Set(e.division_code.clone()),
        kind: Set(input.kind.as_code().to_string()),
        inspected_on: Set(input.inspected_on),
        inspectors: Set(input.inspectors.join("、")),
        checklist: Set(checklist),
        result: Set(input.result.as_code().to_string()),
        findings: Set(vault.seal_opt(TABLE, "findings", id, input.findings.as_deref())?),
        rectification_due: Set(input.rectification_due),
        rechecked_on: Set(None),
        recheck_result: Set(None),
        version: Set(1),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    let fails = input.items.iter().filter(|(_, r)| *r == ItemResult::Fails).count();
    uow.audit(audit::Entry::ok("precursor.inspection.create", TABLE, id).with_detail(format!(
        "enterprise {enterprise} {} {} result {} fails {fails} due {}",
        input.kind.as_code(),
        input.inspected_on,
        input.result.as_code(),
        input.rectification_due.map(|d| d.to_string()).unwrap_or_else(|| "-".into())
    )))
    .await?;
    risk::reassess(&uow, now, &[enterprise]).await?;
    uow.commit().await?;
    Ok(id)
}

/// Records the re-check of inspection `id` (read at `version`): its date (not before the
/// inspection, not in the future) and result. Needs `InspectEnterprises`; the enterprise within
/// the scope. Only an inspection that needs rectification and has no passing re-check takes
/// one. Audited `precursor.inspection.recheck`; the risk tier re-assessed.
///
/// # Errors
/// Forbidden; NotFound; Conflict (stale `version`); `Invalid` (`rechecked_on`,
/// `recheck_result`, or `recheck_result` when nothing is left to re-check); store errors.
pub async fn recheck<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    version: i32,
    rechecked_on: &str,
    result: &str,
) -> ServiceResult<()> {
    actor.require(Permission::InspectEnterprises)?;
    let m = insp::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("precursor_inspection"))?;
    enterprises::load_visible(db, actor, m.enterprise_id)
        .await
        .map_err(|_| ServiceError::NotFound("precursor_inspection"))?;
    let stored = stored_result(&m.result)?;
    if !rule::finding_open(stored, m.recheck_result.as_deref().and_then(RecheckResult::from_code)) {
        return Err(
            FieldError::of("recheck_result", Message::new("msg.precursor.inspection.nothing_to_recheck")).into()
        );
    }
    let (on, r) = rule::check_recheck(rechecked_on, result, m.inspected_on, now.today).map_err(invalid)?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::InspectEnterprises).await?;
    let current =
        insp::Entity::find_by_id(id).one(&uow).await?.ok_or(ServiceError::NotFound("precursor_inspection"))?;
    if current.version != version {
        return Err(ServiceError::Conflict);
    }
    let enterprise = current.enterprise_id;
    let mut a = current.into_active_model();
    a.rechecked_on = Set(Some(on));
    a.recheck_result = Set(Some(r.as_code().to_string()));
    a.version = Set(version + 1);
    a.update(&uow).await?;
    uow.audit(
        audit::Entry::ok("precursor.inspection.recheck", TABLE, id)
            .with_detail(format!("enterprise {enterprise} {on} {}", r.as_code())),
    )
    .await?;
    risk::reassess(&uow, now, &[enterprise]).await?;
    uow.commit().await?;
    Ok(())
}

fn stored_result(code: &str) -> ServiceResult<InspectionResult> {
    InspectionResult::from_code(code).ok_or_else(|| ServiceError::Data(format!("inspection result {code}")))
}

/// An inspection as shown on the enterprise page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionView {
    pub id: Uuid,
    pub kind: InspectionKind,
    pub inspected_on: NaiveDate,
    pub inspectors: String,
    /// (item code, result) in the checklist's order.
    pub items: Vec<(String, ItemResult)>,
    pub result: InspectionResult,
    pub findings: Option<String>,
    pub rectification_due: Option<NaiveDate>,
    pub rechecked_on: Option<NaiveDate>,
    pub recheck_result: Option<RecheckResult>,
    /// Findings still open (needs rectification, no passing re-check).
    pub open: bool,
    /// Past the rectification deadline and still open.
    pub overdue: bool,
    pub version: i32,
}

/// The inspections of `enterprise`, newest first, findings opened. Needs `InspectEnterprises`;
/// the enterprise within the scope (`NotFound` otherwise). The findings may name people: the
/// read is audited (`precursor.inspection.read`, one record per call).
///
/// # Errors
/// Forbidden; NotFound; store and vault errors.
pub async fn for_enterprise<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
) -> ServiceResult<Vec<InspectionView>> {
    actor.require(Permission::InspectEnterprises)?;
    enterprises::load_visible(db, actor, enterprise).await?;
    let rows = insp::Entity::find()
        .filter(insp::Column::EnterpriseId.eq(enterprise))
        .order_by_desc(insp::Column::InspectedOn)
        .order_by_desc(insp::Column::RecordedAt)
        .all(db)
        .await?;
    audit::record(db, &audit::Who::actor(actor), now, audit::Entry::ok("precursor.inspection.read", TABLE, enterprise))
        .await?;
    rows.into_iter().map(|m| view(vault, m, now.today)).collect()
}

fn view(vault: &Vault, m: insp::Model, today: NaiveDate) -> ServiceResult<InspectionView> {
    let result = stored_result(&m.result)?;
    let recheck = m.recheck_result.as_deref().and_then(RecheckResult::from_code);
    let items: Vec<(String, String)> =
        serde_json::from_str(&m.checklist).map_err(|e| ServiceError::Data(format!("inspection checklist: {e}")))?;
    Ok(InspectionView {
        id: m.id,
        kind: InspectionKind::from_code(&m.kind)
            .ok_or_else(|| ServiceError::Data(format!("inspection kind {}", m.kind)))?,
        inspected_on: m.inspected_on,
        inspectors: m.inspectors,
        items: items.into_iter().filter_map(|(c, r)| ItemResult::from_code(&r).map(|r| (c, r))).collect(),
        result,
        findings: vault.open_opt(TABLE, "findings", m.id, m.findings.as_deref())?,
        rectification_due: m.rectification_due,
        rechecked_on: m.rechecked_on,
        recheck_result: recheck,
        open: rule::finding_open(result, recheck),
        overdue: rule::rectification_overdue(result, recheck, m.rectification_due, today),
        version: m.version,
    })
}

/// The worklist's filter as typed (query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct WorklistFilter {
    /// A division inside the actor's scope (6, 9 or 12 digits); empty: the whole scope.
    #[serde(default)]
    pub division: String,
    /// List inspections due on or before this day (`YYYY-MM-DD`); empty: today + 30 days.
    #[serde(default)]
    pub until: String,
    /// A risk tier code; empty: all.
    #[serde(default)]
    pub tier: String,
}

/// The filter read strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedWorklistFilter {
    pub division: DivisionCode,
    pub until: NaiveDate,
    pub tier: Option<RiskTier>,
}

impl WorklistFilter {
    /// Reads the filter strictly.
    ///
    /// # Errors
    /// `Invalid` naming `query.division`, `query.until` or `query.tier`.
    pub fn check(&self, actor: &Actor, today: NaiveDate) -> ServiceResult<CheckedWorklistFilter> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        // Any level inside the scope: the code's own level (a malformed code is refused as a town).
        let level =
            DivisionCode::parse(self.division.trim()).map(|d| d.level()).unwrap_or(jindu_domain::DivisionLevel::Town);
        let division = c.take(query::division("division", &self.division, level, &actor.scope));
        let until = c.take(query::date("until", &self.until));
        let tier = c.take(query::choice("tier", &self.tier, RiskTier::ALL, RiskTier::as_code));
        crate::service::query_checked(c)?;
        Ok(CheckedWorklistFilter {
            division: division.unwrap_or(actor.scope),
            until: until.unwrap_or_else(|| jindu_domain::days::add_days(today, 30)),
            tier,
        })
    }
}

/// An enterprise whose inspection is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueRow {
    pub enterprise_id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub division: String,
    /// `None`: not yet assessed (inspected as low risk).
    pub tier: Option<RiskTier>,
    pub last_inspected: Option<NaiveDate>,
    pub due: NaiveDate,
    /// Days past the due date (0 when not yet past).
    pub overdue_days: i64,
}

/// An inspection whose rectification is past its deadline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverdueRow {
    pub inspection_id: Uuid,
    pub enterprise_id: Uuid,
    pub name: String,
    pub division: String,
    pub inspected_on: NaiveDate,
    pub kind: InspectionKind,
    pub result: InspectionResult,
    pub rectification_due: NaiveDate,
    pub overdue_days: i64,
    pub recheck_result: Option<RecheckResult>,
}

/// The worklist: inspections due and rectifications overdue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Worklist {
    pub due: Vec<DueRow>,
    pub overdue: Vec<OverdueRow>,
    pub until: NaiveDate,
    pub frequency: InspectionFrequency,
}

/// Each enterprise of `scope` (not deregistered; a 企业 account's filter applies through
/// `enterprises::visible_query`) with its tier, last inspection on or before `before` and next
/// due date. Shared by the worklist and the indicators.
pub(crate) struct DueState {
    pub model: ent::Model,
    pub tier: Option<RiskTier>,
    pub last: Option<NaiveDate>,
    pub due: NaiveDate,
}

/// The due state of every enterprise of `enterprises`, counting inspections strictly before
/// `before` (`None`: all).
pub(crate) async fn due_states<C: ConnectionTrait>(
    db: &C,
    enterprises: Vec<ent::Model>,
    before: Option<NaiveDate>,
) -> ServiceResult<Vec<DueState>> {
    let f = frequency(db).await?;
    let ids: Vec<Uuid> = enterprises.iter().map(|e| e.id).collect();
    let tiers = risk::tiers_of(db, &ids).await?;
    let mut last: HashMap<Uuid, NaiveDate> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q = insp::Entity::find().filter(insp::Column::EnterpriseId.is_in(chunk.iter().copied()));
        if let Some(b) = before {
            q = q.filter(insp::Column::InspectedOn.lt(b));
        }
        for i in q.all(db).await? {
            let e = last.entry(i.enterprise_id).or_insert(i.inspected_on);
            if i.inspected_on > *e {
                *e = i.inspected_on;
            }
        }
    }
    Ok(enterprises
        .into_iter()
        .map(|m| {
            let tier = tiers.get(&m.id).copied();
            let l = last.get(&m.id).copied();
            let due = rule::next_due(l, shanghai_date(m.created_at), tier, &f);
            DueState { model: m, tier, last: l, due }
        })
        .collect())
}

/// 待检查 the worklist of the actor's scope (or the filter's division): the enterprises (not
/// deregistered) whose next inspection is due on or before `until` (default today + 30 days),
/// soonest first, and the inspections whose rectification is past its deadline without a
/// passing re-check, most overdue first. Needs `InspectEnterprises`.
///
/// # Errors
/// Forbidden; `Invalid` for a refused filter; store errors.
pub async fn worklist<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    today: NaiveDate,
    filter: &WorklistFilter,
) -> ServiceResult<Worklist> {
    actor.require(Permission::InspectEnterprises)?;
    let f = filter.check(actor, today)?;
    let (lo, hi) = crate::service::scope_bounds(&f.division);
    let models = enterprises::visible_query(actor)
        .filter(ent::Column::DivisionCode.between(lo, hi))
        .filter(ent::Column::Status.ne(jindu_domain::precursor::EnterpriseStatus::Deregistered.as_code()))
        .all(db)
        .await?;
    let names: HashMap<Uuid, (String, String)> =
        models.iter().map(|m| (m.id, (m.name.clone(), m.division_code.clone()))).collect();
    let mut due: Vec<DueRow> = due_states(db, models, None)
        .await?
        .into_iter()
        .filter(|s| s.due <= f.until && (f.tier.is_none() || s.tier == f.tier))
        .map(|s| DueRow {
            enterprise_id: s.model.id,
            name: s.model.name,
            credit_code: s.model.credit_code,
            division: s.model.division_code,
            tier: s.tier,
            last_inspected: s.last,
            due: s.due,
            overdue_days: jindu_domain::days::overdue_days(s.due, today).max(0),
        })
        .collect();
    due.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
    let ids: Vec<Uuid> = names.keys().copied().collect();
    let mut overdue = Vec::new();
    for chunk in ids.chunks(500) {
        for m in insp::Entity::find()
            .filter(insp::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .filter(insp::Column::RectificationDue.lt(today))
            .all(db)
            .await?
        {
            let result = stored_result(&m.result)?;
            let recheck = m.recheck_result.as_deref().and_then(RecheckResult::from_code);
            let Some(deadline) = m.rectification_due else { continue };
            if !rule::rectification_overdue(result, recheck, Some(deadline), today) {
                continue;
            }
            let (name, division) = names.get(&m.enterprise_id).cloned().unwrap_or_default();
            overdue.push(OverdueRow {
                inspection_id: m.id,
                enterprise_id: m.enterprise_id,
                name,
                division,
                inspected_on: m.inspected_on,
                kind: InspectionKind::from_code(&m.kind)
                    .ok_or_else(|| ServiceError::Data(format!("inspection kind {}", m.kind)))?,
                result,
                rectification_due: deadline,
                overdue_days: jindu_domain::days::overdue_days(deadline, today),
                recheck_result: recheck,
            });
        }
    }
    overdue.sort_by(|a, b| b.overdue_days.cmp(&a.overdue_days).then_with(|| a.name.cmp(&b.name)));
    Ok(Worklist { due, overdue, until: f.until, frequency: frequency(db).await? })
}
