//! 个案管控 what is derived from a person's record after every write and by the periodic sweep:
//! the risk assessment (分级分类管控), the duties, the lost-contact rule (失控), the serious-breach
//! assessment (戒毒条例 §20) and the person's alerts (预警提醒). [`reconcile`] runs inside the
//! transaction of the write that changed the record, so every page shows the result at once; the
//! sweep ([`sweep`]) catches what time alone changes (a duty going overdue, a monthly review).
//! The rules themselves live in `jindu_domain` (risk, breach, leave, alert, abstinence).

use chrono::NaiveDate;
use jindu_domain::abstinence::{Abstinence, anchor};
use jindu_domain::alert::{AlertRules, AlertSpec, MeasureFacts, PersonFacts, derive, lost_by_rule};
use jindu_domain::breach::{BreachAssessment, Conduct, ConductRecord, assess as assess_breach};
use jindu_domain::clock::Now;
use jindu_domain::days::{add_days, add_months};
use jindu_domain::risk::{FactorTable, RiskAssessment, RiskFactors, assess as assess_risk};
use jindu_domain::{
    AddictionFinding, AlertKind, AssessmentTrigger, ControlStatus, Due, EventKind, LeaveStatus, MeasureKind,
    MeasureStatus, ObligationKind, RiskTier, Substance, TestResult,
};
use sea_orm::Order;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::entities::{absence, alert, event, leave_request, measure, obligation, person, risk_assessment, transfer};
use crate::service::person_rows;
use crate::service::{ServiceError, ServiceResult, UnitOfWork, audit, deployment, record, stored};
use sea_orm::TransactionSession;

/// Setting key of the office's risk factor table (JSON of [`FactorTable`]).
pub const RISK_TABLE_KEY: &str = "risk.table";
/// Setting key of the alert and lost-contact rules (JSON of [`AlertRules`]).
pub const ALERT_RULES_KEY: &str = "alert.rules";

/// The risk factor table in force: the office's edit, or the shipped default.
pub async fn risk_table<C: ConnectionTrait>(db: &C) -> ServiceResult<FactorTable> {
    match deployment::get_setting(db, RISK_TABLE_KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("risk table: {e}"))),
        None => Ok(FactorTable::default()),
    }
}

/// Setting key of how tiers are shown (JSON of [`jindu_domain::risk::TierDisplay`]).
pub const TIER_DISPLAY_KEY: &str = "risk.display";

/// The tier labels and colours in force: the office's edit, or the shipped default.
pub async fn tier_display<C: ConnectionTrait>(db: &C) -> ServiceResult<jindu_domain::risk::TierDisplay> {
    match deployment::get_setting(db, TIER_DISPLAY_KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("tier display: {e}"))),
        None => Ok(jindu_domain::risk::TierDisplay::default()),
    }
}

/// The alert and lost-contact rules in force.
pub async fn alert_rules<C: ConnectionTrait>(db: &C) -> ServiceResult<AlertRules> {
    match deployment::get_setting(db, ALERT_RULES_KEY).await? {
        Some(s) => serde_json::from_str(&s).map_err(|e| ServiceError::Data(format!("alert rules: {e}"))),
        None => Ok(AlertRules::default()),
    }
}

/// What a reconciliation changed, with before and after (for the sweep's and the table
/// re-assessment's audit record of each person, issue #18 item 2).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reconciled {
    /// A new assessment was stored.
    pub assessed: bool,
    /// The tier changed.
    pub tier_changed: bool,
    /// Tier and score before and after, when the person was assessed.
    pub tier_from: Option<(RiskTier, Option<i32>)>,
    pub tier_to: Option<(RiskTier, i32)>,
    /// The lost-contact rule set the person lost on this day (from `status_before`).
    pub lost_on: Option<NaiveDate>,
    /// The control status before the lost-contact rule changed it.
    pub status_before: Option<ControlStatus>,
    pub alerts_raised: u32,
    pub alerts_resolved: u32,
    /// Kinds of the alerts raised (or raised again) and resolved, in order.
    pub raised_kinds: Vec<AlertKind>,
    pub resolved_kinds: Vec<AlertKind>,
}

impl Reconciled {
    /// The person's changes as an audit detail, `None` when nothing a user would see changed:
    /// `risk_tier low (3) -> high (9); status under_control -> lost_contact (2026-11-01);
    /// alerts raised: overdue,lost; alerts resolved: report_due`.
    pub fn audit_text(&self) -> Option<String> {
        let mut parts = Vec::new();
        if self.tier_changed
            && let (Some((from, from_score)), Some((to, to_score))) = (self.tier_from, self.tier_to)
        {
            let old = from_score.map_or_else(|| "-".to_string(), |s| s.to_string());
            parts.push(format!("risk_tier {} ({old}) -> {} ({to_score})", from.as_code(), to.as_code()));
        }
        if let (Some(on), Some(before)) = (self.lost_on, self.status_before) {
            parts.push(format!("status {} -> {} ({on})", before.as_code(), ControlStatus::LostContact.as_code()));
        }
        let kinds = |k: &[AlertKind]| k.iter().map(|k| k.as_code()).collect::<Vec<_>>().join(",");
        if !self.raised_kinds.is_empty() {
            parts.push(format!("alerts raised: {}", kinds(&self.raised_kinds)));
        }
        if !self.resolved_kinds.is_empty() {
            parts.push(format!("alerts resolved: {}", kinds(&self.resolved_kinds)));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Brings everything derived about one person up to date, inside the caller's unit of work (at
/// its clock reading; a reassessment names its user as assessor):
/// 1. the risk assessment, when `trigger` asks for one or the last is a month old (a new row is
///    kept when the result changed, and always for registration, monthly, manual and table
///    triggers);
/// 2. the duties ([`refresh_obligations`]);
/// 3. the lost-contact rule: a check-in or test overdue by the configured days (counted from
///    no earlier than the day the record was registered or the person last found) records
///    `ContactLost` (by the system, with the rule in its detail) and sets the person lost;
/// 4. the alerts: raised, updated or resolved to match [`derive`];
/// 5. the indicator cells ([`crate::service::indicators::maintain`]).
///
pub(crate) async fn reconcile<T: ConnectionTrait + TransactionSession>(
    uow: &UnitOfWork<T>,
    person_id: Uuid,
    trigger: Option<AssessmentTrigger>,
) -> ServiceResult<Reconciled> {
    let (db, now, by) = (uow, uow.now(), uow.user_id());
    let mut out = Reconciled::default();
    record::lock_person(db, person_id).await?;
    let Some(p) = person::Entity::find_by_id(person_id).one(db).await? else {
        return Ok(out);
    };
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    let events = test_and_use_events(db, person_id).await?;
    let measures_all =
        person_rows(db, measure::Column::PersonId, person_id, &[(measure::Column::DecisionDate, Order::Desc)]).await?;
    refresh_obligations(db, person_id, now).await?;
    let rules = alert_rules(db).await?;
    let duties = duties_of(db, person_id).await?;
    let mut status = status;
    let mut lost_since = p.lost_since;
    let restored_on: Option<NaiveDate> = event::Entity::find()
        .select_only()
        .column(event::Column::OccurredOn)
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::Kind.eq(EventKind::ContactRestored.as_code()))
        .order_by_desc(event::Column::OccurredOn)
        .into_tuple()
        .one(db)
        .await?;
    let registered_on = jindu_domain::clock::Now::at(p.created_at).today;
    let counted_from = Some(restored_on.map_or(registered_on, |r| r.max(registered_on)));
    if let Some((lost_on, due)) = lost_by_rule(status, &duties, counted_from, now.today, &rules) {
        let p = person::Entity::find_by_id(person_id).one(db).await?.ok_or(ServiceError::NotFound("person"))?;
        let detail = serde_json::json!({
            "rule": "overdue",
            "duty": due.kind.as_code(),
            "due_date": due.due_date,
            "after_days": rules.lost_after_overdue_days,
        })
        .to_string();
        let id = Uuid::now_v7();
        event::Entity::insert(event::ActiveModel {
            id: Set(id),
            person_id: Set(person_id),
            measure_id: Set(None),
            kind: Set(EventKind::ContactLost.as_code().to_string()),
            occurred_on: Set(lost_on),
            recorded_at: Set(now.instant),
            recorded_by: Set(None),
            test_method: Set(None),
            test_result: Set(None),
            substance: Set(None),
            note: Set(None),
            amends_event_id: Set(None),
            detail: Set(Some(detail)),
        })
        .exec(db)
        .await?;
        record::set_status(db, &p, ControlStatus::LostContact, now).await?;
        set_lost_since(db, person_id, Some(lost_on)).await?;
        uow.audit_as(
            &audit::Who::system(),
            audit::Entry::ok("person.lost_by_rule", "person", person_id).with_detail(format!(
                "{} {} +{}; status {} -> {}",
                due.kind.as_code(),
                due.due_date,
                rules.lost_after_overdue_days,
                status.as_code(),
                ControlStatus::LostContact.as_code()
            )),
        )
        .await?;
        out.status_before = Some(status);
        refresh_obligations(db, person_id, now).await?;
        status = ControlStatus::LostContact;
        lost_since = Some(lost_on);
        out.lost_on = Some(lost_on);
    }
    let p = person::Entity::find_by_id(person_id).one(db).await?.ok_or(ServiceError::NotFound("person"))?;
    let duties = duties_of(db, person_id).await?;
    let tier = stored("risk_tier", &p.risk_tier, RiskTier::from_code)?;
    let cal = deployment::calendar(db).await?;
    let open = measures_all.iter().find(|m| m.ended_on.is_none());
    let clock = open.map(record::clock_of).transpose()?;
    let measure_facts = clock.as_ref().map(|c| MeasureFacts {
        kind: c.kind,
        planned_last_day: c.planned_last_day(now.today),
        release_notice_date: c.release_notice_date(now.today),
        expiry_notice_deadline: c.expiry_notice_deadline(&cal, now.today),
        start_date: c.start_date(),
    });
    let breach = match (&clock, open) {
        (Some(c), Some(_)) if c.kind == MeasureKind::CommunityDetox => match c.start_date() {
            Some(start) if c.status(now.today) != MeasureStatus::AwaitingReport => {
                Some(breach_of(db, person_id, &events, start, now.today).await?)
            }
            _ => None,
        },
        _ => None,
    };
    // The risk assessment sees the record as it now stands: duties, breach and lost status.
    let due_monthly = p.risk_assessed_on.is_none_or(|d| add_months(d, 1) <= now.today);
    let live = p.sealed_on.is_none() && !matches!(status, ControlStatus::Deceased);
    let mut duties = duties;
    if live && (trigger.is_some() || due_monthly) {
        let trigger = trigger.unwrap_or(AssessmentTrigger::Monthly);
        let mut factors = risk_factors(db, &p, &events, &measures_all, &duties, now.today).await?;
        factors.serious_breach = breach.as_ref().is_some_and(|(b, _)| b.is_serious());
        factors.lost = status == ControlStatus::LostContact;
        let result = assess_risk(&factors, &risk_table(db).await?);
        let old_tier = p.risk_tier.clone();
        let changed = old_tier != result.tier.as_code() || p.risk_score != Some(result.score as i32);
        let keep = changed
            || p.risk_assessed_on.is_none()
            || !matches!(trigger, AssessmentTrigger::Event | AssessmentTrigger::Profile);
        if keep {
            store_assessment(db, person_id, now, trigger, &result, by).await?;
            out.assessed = true;
        }
        out.tier_changed = old_tier != result.tier.as_code();
        out.tier_from = RiskTier::from_code(&old_tier).map(|t| (t, p.risk_score));
        out.tier_to = Some((result.tier, result.score as i32));
        person::Entity::update_many()
            .col_expr(person::Column::RiskTier, Expr::value(result.tier.as_code()))
            .col_expr(person::Column::RiskScore, Expr::value(result.score as i32))
            .col_expr(person::Column::RiskAssessedOn, Expr::value(now.today))
            .filter(person::Column::Id.eq(person_id))
            .exec(db)
            .await?;
        if out.tier_changed {
            // The tier sets the visit interval.
            refresh_obligations(db, person_id, now).await?;
            duties = duties_of(db, person_id).await?;
        }
    }
    // The person as stored now (status, lost date, the tier just assessed).
    let stored_now = person::Entity::find_by_id(person_id).one(db).await?.ok_or(ServiceError::NotFound("person"))?;
    let tier = RiskTier::from_code(&stored_now.risk_tier).unwrap_or(tier);
    let abstinence = if open.is_none() { abstinence_of(&events, &measures_all) } else { None };
    // A transfer waiting for its decision: the alert goes to the side that decides (the
    // receiving town, or for a request to take the person over, the person's own town).
    let pending_transfer = transfer::Entity::find()
        .filter(transfer::Column::PersonId.eq(person_id))
        .filter(transfer::Column::Status.eq(jindu_domain::transfer::TransferStatus::Requested.as_code()))
        .one(db)
        .await?;
    let transfer_division =
        pending_transfer.as_ref().map(|t| if t.pull { p.division_code.clone() } else { t.to_division_code.clone() });
    let facts = PersonFacts {
        today: now.today,
        status,
        sealed: p.sealed_on.is_some(),
        tier,
        tier_since: high_since(db, person_id, tier).await?,
        duties,
        lost_since,
        breach_since: breach.as_ref().and_then(|(_, met)| *met),
        measure: measure_facts,
        leave_overdue_since: leave_overdue_since(db, person_id, now.today).await?,
        abstinence,
        transfer_requested_on: pending_transfer.as_ref().map(|t| Now::at(t.requested_at).today),
    };
    let specs = derive(&facts, &rules);
    let breach_reported_on = match breach.as_ref().and_then(|(_, met)| *met) {
        Some(met) => {
            event::Entity::find()
                .select_only()
                .column(event::Column::OccurredOn)
                .filter(event::Column::PersonId.eq(person_id))
                .filter(event::Column::Kind.eq(EventKind::BreachReported.as_code()))
                .filter(event::Column::OccurredOn.gte(met))
                .order_by_desc(event::Column::OccurredOn)
                .into_tuple::<NaiveDate>()
                .one(db)
                .await?
        }
        None => None,
    };
    let (raised_kinds, resolved_kinds) = store_alerts(
        db,
        &p,
        &specs,
        breach.as_ref().map(|(b, _)| b),
        breach_reported_on,
        transfer_division.as_deref(),
        now,
    )
    .await?;
    out.alerts_raised = raised_kinds.len() as u32;
    out.alerts_resolved = resolved_kinds.len() as u32;
    out.raised_kinds = raised_kinds;
    out.resolved_kinds = resolved_kinds;
    let loaded =
        crate::service::indicators::LoadedPerson { person: &stored_now, tier, measures: &measures_all, cal: &cal };
    crate::service::indicators::maintain_loaded(db, &loaded, now.today).await?;
    Ok(out)
}

/// The end of every write about one person: brings what is derived up to date
/// ([`reconcile`]), appends the audit record of the actor's action and commits.
pub(crate) async fn finish_write<T: ConnectionTrait + sea_orm::TransactionSession>(
    uow: UnitOfWork<T>,
    person_id: Uuid,
    trigger: Option<AssessmentTrigger>,
    entry: audit::Entry,
) -> ServiceResult<()> {
    reconcile(&uow, person_id, trigger).await?;
    uow.audit(entry).await?;
    uow.commit().await
}

/// Drug tests and recorded use of a person, oldest first (risk, breach and abstinence read them).
async fn test_and_use_events<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<Vec<event::Model>> {
    Ok(event::Entity::find()
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::Kind.is_in([EventKind::DrugTest.as_code(), EventKind::Relapse.as_code()]))
        .order_by_asc(event::Column::OccurredOn)
        .all(db)
        .await?)
}

async fn duties_of<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<Vec<Due>> {
    obligation::Entity::find()
        .filter(obligation::Column::PersonId.eq(person_id))
        .all(db)
        .await?
        .into_iter()
        .map(|o| Ok(Due { kind: stored("obligation kind", &o.kind, ObligationKind::from_code)?, due_date: o.due_date }))
        .collect()
}

/// Recomputes the obligations (next report deadline, check-in, test, visit) of one person from
/// their open measure, control status, risk tier and the last events of each kind, replacing
/// the stored rows. Only persons under control carry obligations.
pub async fn refresh_obligations<C: ConnectionTrait>(db: &C, person_id: Uuid, now: Now) -> ServiceResult<()> {
    record::lock_person(db, person_id).await?;
    obligation::Entity::delete_many().filter(obligation::Column::PersonId.eq(person_id)).exec(db).await?;
    let Some(p) = person::Entity::find_by_id(person_id).one(db).await? else {
        return Ok(());
    };
    if p.control_status != ControlStatus::UnderControl.as_code() {
        return Ok(());
    }
    let Some(m) = record::open_measure(db, person_id).await? else {
        return Ok(());
    };
    let clock = record::clock_of(&m)?;
    let tier = stored("risk_tier", &p.risk_tier, RiskTier::from_code)?;
    let schedule = deployment::schedule(db).await?;
    let cal = deployment::calendar(db).await?;
    let since = clock.start_date().unwrap_or(clock.decision_date);
    let events = event::Entity::find()
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::OccurredOn.gte(since))
        .filter(event::Column::Kind.is_in([
            EventKind::CheckIn.as_code(),
            EventKind::DrugTest.as_code(),
            EventKind::Visit.as_code(),
        ]))
        .all(db)
        .await?;
    let last = |kind: EventKind| {
        events
            .iter()
            .filter(|e| e.kind == kind.as_code())
            .filter(|e| kind != EventKind::DrugTest || e.test_result.as_deref() != Some(TestResult::Refused.as_code()))
            .map(|e| e.occurred_on)
            .max()
    };
    let mut rows = Vec::new();
    for (ok, ek) in [
        (ObligationKind::Report, None),
        (ObligationKind::CheckIn, Some(EventKind::CheckIn)),
        (ObligationKind::DrugTest, Some(EventKind::DrugTest)),
        (ObligationKind::Visit, Some(EventKind::Visit)),
    ] {
        let last_done = ek.and_then(last);
        if let Some(due) = jindu_domain::obligation::next_due(&schedule, ok, &clock, tier, last_done, now.today, &cal) {
            rows.push(obligation::ActiveModel {
                person_id: Set(person_id),
                kind: Set(ok.as_code().to_string()),
                due_date: Set(due.due_date),
                division_code: Set(p.division_code.clone()),
                social_worker_id: Set(p.social_worker_id),
                measure_id: Set(Some(m.id)),
            });
        }
    }
    // After a transfer, the report at the new place within 15 days (戒毒条例 §22).
    if let Some(due) = record::pending_report_deadline(db, person_id).await? {
        rows.push(obligation::ActiveModel {
            person_id: Set(person_id),
            kind: Set(ObligationKind::TransferReport.as_code().to_string()),
            due_date: Set(due),
            division_code: Set(p.division_code.clone()),
            social_worker_id: Set(p.social_worker_id),
            measure_id: Set(Some(m.id)),
        });
    }
    if !rows.is_empty() {
        obligation::Entity::insert_many(rows).exec(db).await?;
    }
    Ok(())
}

pub(crate) async fn set_lost_since<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    since: Option<NaiveDate>,
) -> ServiceResult<()> {
    person::Entity::update_many()
        .col_expr(person::Column::LostSince, Expr::value(since))
        .filter(person::Column::Id.eq(person_id))
        .exec(db)
        .await?;
    Ok(())
}

fn is_positive(e: &event::Model) -> bool {
    e.kind == EventKind::DrugTest.as_code() && e.test_result.as_deref() == Some(TestResult::Positive.as_code())
}

fn is_use(e: &event::Model) -> bool {
    is_positive(e) || e.kind == EventKind::Relapse.as_code()
}

/// The risk factors of `p` on `today` from the record:
/// - positive tests and missed duties in the 90 days up to today (a missed duty is a check-in,
///   test or visit that went overdue — an overdue alert whose due date falls in the window — or a
///   test evaded or refused);
/// - detox episodes: community detox, compulsory isolation and rehabilitation measures that
///   ended;
/// - days since the last positive test or recorded use;
/// - employment, housing and family support as recorded (not recorded counts as no), violent or
///   self-harming behaviour as recorded;
/// - serious breach and lost status are set by the caller, who knows them.
pub async fn risk_factors<C: ConnectionTrait>(
    db: &C,
    p: &person::Model,
    events: &[event::Model],
    measures_all: &[measure::Model],
    duties: &[Due],
    today: NaiveDate,
) -> ServiceResult<RiskFactors> {
    let window_start = add_days(today, -90);
    let in_window = |d: NaiveDate| d > window_start && d <= today;
    let positive_tests_90d = events.iter().filter(|e| is_positive(e) && in_window(e.occurred_on)).count() as u32;
    let refused_90d = events
        .iter()
        .filter(|e| e.test_result.as_deref() == Some(TestResult::Refused.as_code()) && in_window(e.occurred_on))
        .count() as u32;
    // Each missed duty once: those already alerted (kept after they were done) and those
    // overdue right now, by duty and due date.
    let mut missed: std::collections::BTreeSet<String> = alert::Entity::find()
        .filter(alert::Column::PersonId.eq(p.id))
        .filter(alert::Column::Kind.eq(AlertKind::DutyOverdue.as_code()))
        .filter(alert::Column::RefDate.gt(window_start))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.ref_key)
        .collect();
    for d in duties {
        if matches!(d.kind, ObligationKind::CheckIn | ObligationKind::DrugTest | ObligationKind::Visit)
            && d.due_date > window_start
            && d.due_date < today
        {
            missed.insert(format!("{}:{}", d.kind.as_code(), d.due_date));
        }
    }
    let overdue_90d = missed.len() as u32;
    let detox_episodes = measures_all
        .iter()
        .filter(|m| m.ended_on.is_some())
        .filter(|m| {
            matches!(
                MeasureKind::from_code(&m.kind),
                Some(MeasureKind::CommunityDetox | MeasureKind::CompulsoryIsolation | MeasureKind::CommunityRehab)
            )
        })
        .count() as u32;
    let last_use = events.iter().filter(|e| is_use(e)).map(|e| e.occurred_on).max();
    Ok(RiskFactors {
        substance: p.substance.as_deref().and_then(Substance::from_code),
        finding: AddictionFinding::from_code(&p.addiction_finding),
        positive_tests_90d,
        missed_duties_90d: overdue_90d + refused_90d,
        detox_episodes,
        days_since_last_use: last_use.map(|d| (today - d).num_days()),
        employed: p.employed.unwrap_or(false),
        stable_housing: p.stable_housing.unwrap_or(false),
        family_support: p.family_support.unwrap_or(false),
        violent_or_self_harm: p.violent_or_self_harm.unwrap_or(false),
        serious_breach: false,
        lost: false,
    })
}

async fn store_assessment<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    now: Now,
    trigger: AssessmentTrigger,
    result: &RiskAssessment,
    by: Option<Uuid>,
) -> ServiceResult<()> {
    risk_assessment::Entity::insert(risk_assessment::ActiveModel {
        id: Set(Uuid::now_v7()),
        person_id: Set(person_id),
        assessed_on: Set(now.today),
        assessed_at: Set(now.instant),
        trigger: Set(trigger.as_code().to_string()),
        tier: Set(result.tier.as_code().to_string()),
        score: Set(result.score as i32),
        overridden: Set(result.overridden),
        breakdown: Set(serde_json::to_string(&result.breakdown).map_err(|e| ServiceError::Data(e.to_string()))?),
        assessed_by: Set(by),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// The first day of the current run of high-tier assessments, for the high-risk alert's key.
async fn high_since<C: ConnectionTrait>(db: &C, person_id: Uuid, tier: RiskTier) -> ServiceResult<Option<NaiveDate>> {
    if tier != RiskTier::High {
        return Ok(None);
    }
    let rows = risk_assessment::Entity::find()
        .filter(risk_assessment::Column::PersonId.eq(person_id))
        .order_by_desc(risk_assessment::Column::AssessedAt)
        .order_by_desc(risk_assessment::Column::Id)
        .limit(36)
        .all(db)
        .await?;
    Ok(rows.iter().take_while(|r| r.tier == RiskTier::High.as_code()).last().map(|r| r.assessed_on))
}

/// The conduct toward 戒毒条例 §20 recorded during the community detox that started on `start`:
/// tests evaded or refused, unauthorised departures, and overstayed leave; assessed on `today`.
/// The evidence ids are the timeline events (for overstays, the leave request's id). Also the
/// first day a ground was met ([`jindu_domain::breach::met_on`]), `None` when none is.
pub async fn breach_of<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    events: &[event::Model],
    start: NaiveDate,
    today: NaiveDate,
) -> ServiceResult<(BreachAssessment<Uuid>, Option<NaiveDate>)> {
    let mut records: Vec<ConductRecord<Uuid>> = events
        .iter()
        .filter(|e| e.test_result.as_deref() == Some(TestResult::Refused.as_code()))
        .map(|e| ConductRecord { id: e.id, on: e.occurred_on, conduct: Conduct::TestRefused })
        .collect();
    for a in absence::Entity::find().filter(absence::Column::PersonId.eq(person_id)).all(db).await? {
        records.push(ConductRecord {
            id: a.event_id,
            on: a.left_on,
            conduct: Conduct::UnauthorisedDeparture { returned: a.returned_on },
        });
    }
    for l in leave_request::Entity::find().filter(leave_request::Column::PersonId.eq(person_id)).all(db).await? {
        let Some(status) = LeaveStatus::from_code(&l.status) else { continue };
        if let Some(c) = jindu_domain::leave::overstay(status, l.leave_to, l.returned_on, today) {
            records.push(ConductRecord { id: l.id, on: l.leave_to, conduct: c });
        }
    }
    Ok((assess_breach(&records, start, today), jindu_domain::breach::met_on(&records, start, today)))
}

/// The return day of the earliest approved leave not back by it, if any.
async fn leave_overdue_since<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    today: NaiveDate,
) -> ServiceResult<Option<NaiveDate>> {
    Ok(leave_request::Entity::find()
        .filter(leave_request::Column::PersonId.eq(person_id))
        .filter(leave_request::Column::Status.eq(LeaveStatus::Approved.as_code()))
        .filter(leave_request::Column::LeaveTo.lt(today))
        .order_by_asc(leave_request::Column::LeaveTo)
        .one(db)
        .await?
        .map(|l| l.leave_to))
}

/// Three-year abstinence anchor from the record (DOMAIN §1): last positive test, last recorded
/// use, end of the last measure. Callers ensure no measure is open.
pub fn abstinence_of(events: &[event::Model], measures_all: &[measure::Model]) -> Option<Abstinence> {
    let last_positive = events.iter().filter(|e| is_positive(e)).map(|e| e.occurred_on).max();
    let last_use = events.iter().filter(|e| e.kind == EventKind::Relapse.as_code()).map(|e| e.occurred_on).max();
    let last_end = measures_all.iter().filter_map(|m| m.ended_on).max();
    anchor(last_positive, last_use, last_end)
}

/// Figures stored with an alert (no free text about the person).
#[derive(Debug, Serialize)]
struct AlertDetail<'a> {
    days: i64,
    /// For a serious breach: the grounds met (their sentences are the catalogue's).
    #[serde(skip_serializing_if = "Option::is_none")]
    grounds: Option<&'a [jindu_domain::breach::Ground]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'a [Uuid]>,
    /// For a serious breach: the day it was reported to the police, once it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    reported_on: Option<NaiveDate>,
}

async fn store_alerts<C: ConnectionTrait>(
    db: &C,
    p: &person::Model,
    specs: &[AlertSpec],
    breach: Option<&BreachAssessment<Uuid>>,
    breach_reported_on: Option<NaiveDate>,
    transfer_division: Option<&str>,
    now: Now,
) -> ServiceResult<(Vec<AlertKind>, Vec<AlertKind>)> {
    let existing = alert::Entity::find().filter(alert::Column::PersonId.eq(p.id)).all(db).await?;
    let mut raised = Vec::new();
    let mut resolved = Vec::new();
    for s in specs {
        let detail = match (s.kind, breach) {
            (AlertKind::SeriousBreach, Some(b)) => AlertDetail {
                days: s.days,
                grounds: Some(&b.grounds),
                evidence: Some(&b.evidence),
                reported_on: breach_reported_on,
            },
            _ => AlertDetail { days: s.days, grounds: None, evidence: None, reported_on: None },
        };
        let detail = serde_json::to_string(&detail).map_err(|e| ServiceError::Data(e.to_string()))?;
        let division = match (s.kind, transfer_division) {
            (AlertKind::TransferPending, Some(d)) => d.to_string(),
            _ => p.division_code.clone(),
        };
        match existing.iter().find(|a| a.kind == s.kind.as_code() && a.ref_key == s.key) {
            Some(a) => {
                if a.resolved_at.is_some() {
                    raised.push(s.kind);
                }
                if a.resolved_at.is_some()
                    || a.detail != detail
                    || a.ref_date != s.ref_date
                    || a.division_code != division
                {
                    alert::Entity::update_many()
                        .col_expr(alert::Column::Detail, Expr::value(detail))
                        .col_expr(alert::Column::RefDate, Expr::value(s.ref_date))
                        .col_expr(alert::Column::DivisionCode, Expr::value(division.clone()))
                        .col_expr(alert::Column::ResolvedAt, Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None))
                        .filter(alert::Column::Id.eq(a.id))
                        .exec(db)
                        .await?;
                }
            }
            None => {
                alert::Entity::insert(alert::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    person_id: Set(p.id),
                    kind: Set(s.kind.as_code().to_string()),
                    ref_key: Set(s.key.clone()),
                    division_code: Set(division.clone()),
                    ref_date: Set(s.ref_date),
                    detail: Set(detail),
                    raised_at: Set(now.instant),
                    resolved_at: Set(None),
                })
                .exec(db)
                .await?;
                raised.push(s.kind);
            }
        }
    }
    let stale_alerts: Vec<&alert::Model> = existing
        .iter()
        .filter(|a| a.resolved_at.is_none())
        .filter(|a| !specs.iter().any(|s| s.kind.as_code() == a.kind && s.key == a.ref_key))
        .collect();
    let stale: Vec<Uuid> = stale_alerts.iter().map(|a| a.id).collect();
    if !stale.is_empty() {
        resolved = stale_alerts.iter().filter_map(|a| AlertKind::from_code(&a.kind)).collect();
        alert::Entity::update_many()
            .col_expr(alert::Column::ResolvedAt, Expr::value(now.instant))
            .filter(alert::Column::Id.is_in(stale))
            .exec(db)
            .await?;
    }
    Ok((raised, resolved))
}

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub persons: u64,
    pub assessed: u64,
    pub lost: u64,
    pub alerts_raised: u64,
    pub alerts_resolved: u64,
}

/// The periodic sweep: reconciles every person not deceased, in batches of `batch` persons, one
/// short transaction per person (so a server keeps serving meanwhile). Each person it changes
/// (risk tier, lost status, alerts raised or resolved) gets one audit record `sweep.person` by
/// `system` with before and after ([`Reconciled::audit_text`]) in that transaction. Idempotent: a second
/// sweep on the same day changes nothing. The server runs it at start and every hour;
/// `jindu sweep` runs it from the shell.
pub async fn sweep<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    now: Now,
    batch: u64,
) -> ServiceResult<SweepReport> {
    let mut report = SweepReport::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::ControlStatus.ne(ControlStatus::Deceased.as_code()))
            .filter(person::Column::SealedOn.is_null())
            .order_by_asc(person::Column::Id)
            .limit(batch.max(1));
        if let Some(a) = after {
            q = q.filter(person::Column::Id.gt(a));
        }
        let ids: Vec<Uuid> = q.into_tuple().all(db).await?;
        let Some(last) = ids.last().copied() else { break };
        for id in ids {
            let txn = UnitOfWork::begin_as(db, audit::Who::system(), now).await?;
            let r = reconcile(&txn, id, None).await?;
            // One record per person the sweep changed, with before and after, in the same
            // transaction (issue #18 item 2); nothing for a person it left as they were.
            if let Some(text) = r.audit_text() {
                txn.audit(audit::Entry::ok("sweep.person", "person", id).with_detail(text)).await?;
            }
            txn.commit().await?;
            report.persons += 1;
            report.assessed += u64::from(r.assessed);
            report.lost += u64::from(r.lost_on.is_some());
            report.alerts_raised += u64::from(r.alerts_raised);
            report.alerts_resolved += u64::from(r.alerts_resolved);
        }
        after = Some(last);
    }
    // SQLite gathers planner statistics only when asked; the hourly sweep asks.
    crate::sql::optimize(db).await?;
    Ok(report)
}
