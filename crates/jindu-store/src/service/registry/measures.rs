//! 戒毒措施 and 工作记录: deciding, reporting, suspending, resuming and ending measures;
//! recording timeline events; and keeping each person's obligations current in the same
//! transaction as the write that moves them.

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::event::{parse_date, validate_event_date, validate_event_date_since, validate_note};
use jindu_domain::measure::MeasureClock;
use jindu_domain::message::Message;
use jindu_domain::status::{check_event_allowed, status_after};
use jindu_domain::{
    AssessmentTrigger, ControlStatus, DomainError, EndReason, EventKind, MeasureKind, MeasureStatus, Permission,
    Substance, TestMethod, TestResult,
};
use sea_orm::Order;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{event, measure, person};
use crate::service::Sealed;
use crate::service::person_rows;
use crate::service::receipts;
use crate::service::record::open_person_write;
use crate::service::record::{TimelineEvent, clock_of, load_visible, open_measure, set_status};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, deployment, parse_code, stored};

/// A parsed measure decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionInput {
    pub kind: MeasureKind,
    pub decision_date: NaiveDate,
    pub report_date: Option<NaiveDate>,
}

/// Parses the decision part of a form; every problem is returned.
pub fn parse_decision(kind: &str, decision: &str, report: &str, now: Now) -> Result<DecisionInput, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = parse_code("measure_kind", kind, MeasureKind::from_code).map_err(|e| errors.push(e)).ok();
    let decision = if decision.trim().is_empty() {
        Err(DomainError::Required { field: "decision_date" })
    } else {
        parse_date("decision_date", decision)
            .and_then(|d| validate_event_date("decision_date", d, now.today).map(|_| d))
    };
    let decision = decision.map_err(|e| errors.push(e.into())).ok();
    let report = if report.trim().is_empty() {
        Ok(None)
    } else {
        parse_date("report_date", report)
            .and_then(|d| validate_event_date("report_date", d, now.today).map(|_| Some(d)))
    };
    let report = report.map_err(|e| errors.push(e.into())).ok().flatten();
    if let (Some(d), Some(r)) = (decision, report)
        && r < d
    {
        errors.push(
            DomainError::DateBefore { field: "report_date", date: r, other_field: "decision_date", other: d }.into(),
        );
    }
    match (kind, decision, errors.is_empty()) {
        (Some(kind), Some(decision_date), true) => Ok(DecisionInput { kind, decision_date, report_date: report }),
        _ => Err(errors),
    }
}

/// Fills a measure row's clock columns (report day, suspensions, end, status) from `clock` on
/// the day of `now` (also the bulk loader's, [`crate::seed`]).
pub fn clock_columns(
    am: &mut measure::ActiveModel,
    clock: &MeasureClock,
    now: Now,
    cal: &jindu_domain::WorkCalendar,
) -> ServiceResult<()> {
    am.reported_on = Set(clock.reported_on);
    am.suspensions = Set(serde_json::to_string(&clock.suspensions).map_err(|e| ServiceError::Data(e.to_string()))?);
    am.ended_on = Set(clock.ended.map(|(d, _)| d));
    am.end_reason = Set(clock.ended.map(|(_, r)| r.as_code().to_string()));
    am.status = Set(clock.status(now.today).as_code().to_string());
    am.report_deadline = Set(clock.report_deadline(cal));
    am.planned_last_day = Set(clock.planned_last_day(now.today));
    Ok(())
}

/// Inserts a decided measure for a person already loaded (no scope check here; callers do it),
/// with its MeasureDecided event and, when a report date is given, the report (MeasureStarted).
pub async fn insert_decision<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: DecisionInput,
) -> ServiceResult<Uuid> {
    let cal = deployment::calendar(db).await?;
    let mut clock = MeasureClock::decide(input.kind, input.decision_date, now.today)?;
    let has_report = matches!(input.kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab);
    if let (Some(r), true) = (input.report_date, has_report) {
        clock.record_report(r, now.today)?;
    }
    let id = Uuid::now_v7();
    let mut am = measure::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        kind: Set(input.kind.as_code().to_string()),
        decision_date: Set(input.decision_date),
        created_at: Set(now.instant),
        ..Default::default()
    };
    clock_columns(&mut am, &clock, now, &cal)?;
    am.insert(db).await?;
    TimelineEvent::new(person_id, EventKind::MeasureDecided, input.decision_date)
        .measure(id)
        .insert(db, actor, now)
        .await?;
    if let Some(r) = clock.reported_on {
        TimelineEvent::new(person_id, EventKind::MeasureStarted, r).measure(id).insert(db, actor, now).await?;
    }
    Ok(id)
}

/// Records a new measure decision for a person. A compulsory-isolation decision ends an open
/// community detox (终止, 禁毒法 §38); any other new decision while a measure is open is refused.
/// A compulsory isolation for a person the exemptions of 禁毒法 §39 may cover (under 16 on the
/// decision date; every woman: pregnancy or nursing) is refused with the warnings (field
/// `confirm_exemptions`) until `exemptions_confirmed` says the officer checked them; the
/// confirmation is kept in the audit record.
#[allow(clippy::too_many_arguments)]
pub async fn decide<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    kind: &str,
    decision: &str,
    report: &str,
    exemptions_confirmed: bool,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageMeasures)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageMeasures).await?;
    let id = decide_in(&txn, actor, now, person_id, kind, decision, report, exemptions_confirmed).await?;
    txn.commit().await?;
    Ok(id)
}

/// [`decide`] inside the caller's transaction: no permission check, no commit
/// (the caller holds the lock, then the transaction, and checked `ManageMeasures`). An error may
/// leave part of the writes in the transaction: the caller rolls it back (an import does when
/// any row has a problem).
///
/// # Errors
/// As [`decide`].
#[allow(clippy::too_many_arguments)]
pub(crate) async fn decide_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    kind: &str,
    decision: &str,
    report: &str,
    exemptions_confirmed: bool,
) -> ServiceResult<Uuid> {
    let p = load_visible(txn, actor, person_id).await?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    check_event_allowed(status, EventKind::MeasureDecided)?;
    let input = parse_decision(kind, decision, report, now).map_err(ServiceError::Invalid)?;
    let exemptions = if input.kind == MeasureKind::CompulsoryIsolation {
        let sex = stored("sex", &p.sex, jindu_domain::Sex::from_code)?;
        jindu_domain::exemption::isolation_exemptions(sex, p.birth_date, input.decision_date)
    } else {
        Vec::new()
    };
    if !exemptions.is_empty() && !exemptions_confirmed {
        return Err(ServiceError::Invalid(
            exemptions
                .iter()
                .map(|e| FieldError::coded("confirm_exemptions", "measure.exemption", e.warning()))
                .collect(),
        ));
    }
    // A measure this decision ends, for the audit record (before and after, issue #18 item 2).
    let mut ended = String::new();
    if let Some(open) = open_measure(txn, person_id).await? {
        let open_kind = stored("measure kind", &open.kind, MeasureKind::from_code)?;
        if input.kind == MeasureKind::CompulsoryIsolation && open_kind != MeasureKind::CompulsoryIsolation {
            ended = format!("; ended {} {} on {}", open_kind.as_code(), open.id, input.decision_date);
            end_row(txn, actor, now, open, input.decision_date, EndReason::ToCompulsoryIsolation, None).await?;
        } else {
            return Err(FieldError::of(
                "measure_kind",
                Message::new("msg.measure.open").label(
                    "kind",
                    open_kind.label_zh(),
                    open_kind.label_en().to_lowercase(),
                ),
            )
            .into());
        }
    }
    let id = insert_decision(txn, actor, now, person_id, input).await?;
    crate::service::casework::reconcile(txn, person_id, Some(AssessmentTrigger::Event)).await?;
    txn.audit(audit::Entry::ok("measure.decide", "person", person_id).with_detail(format!(
        "{} {}{}{ended}",
        input.kind.as_code(),
        input.decision_date,
        if exemptions.is_empty() {
            String::new()
        } else {
            format!(" exemptions checked: {}", exemptions.iter().map(|e| e.as_code()).collect::<Vec<_>>().join(","))
        }
    )))
    .await?;
    Ok(id)
}

/// Ends the measure `m` on `on` for `reason` (its clock's rules: [`MeasureClock::end`]), keeps
/// its clock columns and records the `MeasureEnded` event with `detail`, in `txn`.
///
/// # Errors
/// `Invalid` from the clock (an end before the decision); `Db`.
async fn end_row<C: ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    now: Now,
    m: measure::Model,
    on: NaiveDate,
    reason: EndReason,
    detail: Option<String>,
) -> ServiceResult<()> {
    let cal = deployment::calendar(txn).await?;
    let mut clock = clock_of(&m)?;
    clock.end(on, reason, now.today)?;
    let (measure_id, person_id) = (m.id, m.person_id);
    let mut am: measure::ActiveModel = m.into();
    clock_columns(&mut am, &clock, now, &cal)?;
    am.update(txn).await?;
    TimelineEvent::new(person_id, EventKind::MeasureEnded, on)
        .measure(measure_id)
        .detail(detail)
        .insert(txn, actor, now)
        .await?;
    Ok(())
}

/// A measure of a person's history, decided and already ended (an import's 戒毒措施台账 row
/// with a 解除(终止)日期), inside the caller's transaction as [`decide_in`]. It must not overlap
/// any measure the person has (each runs from its decision to its end, an open one without
/// end), so it can sit before an open measure; its events are dated as the sheet says. The end
/// follows the measure's own rules ([`MeasureClock::end`]: not before the decision).
///
/// # Errors
/// `Invalid` naming `end_date` when it overlaps a measure, or from the clock; the person's
/// status forbidding a decision; store errors.
pub(crate) async fn record_past_measure_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: DecisionInput,
    ended_on: NaiveDate,
    reason: EndReason,
) -> ServiceResult<Uuid> {
    let p = load_visible(txn, actor, person_id).await?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    check_event_allowed(status, EventKind::MeasureDecided)?;
    validate_event_date_since("end_date", ended_on, ("decision_date", input.decision_date), now.today)?;
    let existing = measure::Entity::find().filter(measure::Column::PersonId.eq(person_id)).all(txn).await?;
    if let Some(m) =
        existing.iter().find(|m| m.decision_date <= ended_on && m.ended_on.is_none_or(|e| input.decision_date <= e))
    {
        let kind = stored("measure kind", &m.kind, MeasureKind::from_code)?;
        let until = m.ended_on.map_or_else(|| "至今".to_string(), |e| e.to_string());
        return Err(FieldError::of(
            "end_date",
            Message::new("msg.measure.overlap")
                .label("kind", kind.label_zh(), kind.label_en().to_lowercase())
                .text("decision_date", m.decision_date)
                .label("until", until, m.ended_on.map_or_else(|| "now".to_string(), |e| e.to_string())),
        )
        .into());
    }
    let id = insert_decision(txn, actor, now, person_id, input).await?;
    let m = measure::Entity::find_by_id(id).one(txn).await?.ok_or(ServiceError::NotFound("measure"))?;
    let detail = serde_json::json!({ "end_reason": reason.as_code() }).to_string();
    end_row(txn, actor, now, m, ended_on, reason, Some(detail)).await?;
    crate::service::casework::reconcile(txn, person_id, Some(AssessmentTrigger::Event)).await?;
    txn.audit(audit::Entry::ok("measure.decide", "person", person_id).with_detail(format!(
        "{} {} ended {} {}",
        input.kind.as_code(),
        input.decision_date,
        ended_on,
        reason.as_code()
    )))
    .await?;
    Ok(id)
}

/// What can be done to a measure from its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureAction {
    /// 报到: the person reports; a community measure starts [戒毒条例 §14].
    Report,
    /// 中止 on detention or arrest [戒毒条例 §24].
    Suspend,
    /// 恢复 on release; the clock continues [戒毒条例 §24].
    Resume,
    /// 终止 or 期满解除.
    End(EndReason),
    /// 解除强制隔离戒毒并责令社区康复: ends a compulsory isolation (期满解除) and decides community
    /// rehabilitation on the same day, whose 15-day report deadline then runs [禁毒法 §48;
    /// 戒毒条例 §37, §38].
    ReleaseToRehab,
}

/// Parses the action code of the measure form (`report`, `suspend`, `resume`, `end`,
/// `release_rehab`).
pub fn parse_action(action: &str, reason: &str) -> Result<MeasureAction, FieldError> {
    match action.trim() {
        "report" => Ok(MeasureAction::Report),
        "suspend" => Ok(MeasureAction::Suspend),
        "resume" => Ok(MeasureAction::Resume),
        "end" => parse_code("end_reason", reason, EndReason::from_code).map(MeasureAction::End),
        "release_rehab" => Ok(MeasureAction::ReleaseToRehab),
        other => Err(DomainError::InvalidChoice { field: "action", input: other.chars().take(20).collect() }.into()),
    }
}

/// Applies `action` on `date` to a measure of a person the actor may see, records the event
/// and refreshes obligations, all in one transaction.
pub async fn act<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    measure_id: Uuid,
    action: MeasureAction,
    date: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageMeasures)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageMeasures).await?;
    act_in(&txn, actor, now, person_id, measure_id, action, date).await?;
    txn.commit().await?;
    Ok(())
}

/// [`act`] inside the caller's transaction (as [`decide_in`]: no permission check, lock or
/// commit; an error may leave writes for the caller to roll back).
///
/// # Errors
/// As [`act`].
pub(crate) async fn act_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    measure_id: Uuid,
    action: MeasureAction,
    date: &str,
) -> ServiceResult<()> {
    let p = load_visible(txn, actor, person_id).await?;
    let m = measure::Entity::find_by_id(measure_id)
        .one(txn)
        .await?
        .filter(|m| m.person_id == p.id)
        .ok_or(ServiceError::NotFound("measure"))?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    let field = match action {
        MeasureAction::Report => "report_date",
        _ => "date",
    };
    let date = if date.trim().is_empty() {
        return Err(DomainError::Required { field }.into());
    } else {
        parse_date(field, date)?
    };
    validate_event_date(field, date, now.today)?;
    let cal = deployment::calendar(txn).await?;
    let mut clock = clock_of(&m)?;
    let kind = match action {
        MeasureAction::Report => {
            check_event_allowed(status, EventKind::MeasureStarted)?;
            clock.record_report(date, now.today)?;
            EventKind::MeasureStarted
        }
        MeasureAction::Suspend => {
            check_event_allowed(status, EventKind::MeasureSuspended)?;
            clock.suspend(date, now.today)?;
            EventKind::MeasureSuspended
        }
        MeasureAction::Resume => {
            check_event_allowed(status, EventKind::MeasureResumed)?;
            clock.resume(date, now.today)?;
            EventKind::MeasureResumed
        }
        MeasureAction::End(reason) => {
            clock.end(date, reason, now.today)?;
            EventKind::MeasureEnded
        }
        MeasureAction::ReleaseToRehab => {
            if clock.kind != MeasureKind::CompulsoryIsolation {
                return Err(FieldError::of("action", Message::new("msg.measure.not_isolation")).into());
            }
            clock.end(date, EndReason::Expiry, now.today)?;
            EventKind::MeasureEnded
        }
    };
    let mut am: measure::ActiveModel = m.into();
    clock_columns(&mut am, &clock, now, &cal)?;
    am.update(txn).await?;
    let detail = match action {
        MeasureAction::End(reason) => Some(serde_json::json!({ "end_reason": reason.as_code() }).to_string()),
        MeasureAction::ReleaseToRehab => Some(
            serde_json::json!({ "end_reason": EndReason::Expiry.as_code(), "then": "community_rehab" }).to_string(),
        ),
        _ => None,
    };
    TimelineEvent::new(person_id, kind, date).measure(measure_id).detail(detail).insert(txn, actor, now).await?;
    if action == MeasureAction::ReleaseToRehab {
        let rehab = DecisionInput { kind: MeasureKind::CommunityRehab, decision_date: date, report_date: None };
        insert_decision(txn, actor, now, person_id, rehab).await?;
    }
    let trigger =
        matches!(action, MeasureAction::End(_) | MeasureAction::ReleaseToRehab).then_some(AssessmentTrigger::Event);
    crate::service::casework::reconcile(txn, person_id, trigger).await?;
    txn.audit(
        audit::Entry::ok(format!("measure.{}", kind.as_code()), "person", person_id)
            .with_detail(measure_id.to_string()),
    )
    .await?;
    Ok(())
}

/// A correction of a mistyped measure date, as typed: the date (`decision_date` or
/// `report_date`), its right value and why.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct DateCorrection {
    pub field: String,
    pub date: String,
    pub reason: String,
}

/// Corrects a mistyped decision or report date of a measure of a person the actor may see
/// (needs `EditPersons`; issue #18 item 19). The corrected clock must keep the measure's order of
/// dates ([`MeasureClock::corrected`]) and a corrected decision date must not overlap another
/// measure of the person. In one transaction: the measure's dates and every date that follows
/// (report deadline, planned last day, status), an `amendment` event on the timeline pointing at
/// the measure's decision or report event (detail `{"field","old","new","measure_id"}`, the
/// reason as its sealed note; who and when as every event), the obligations and the person's
/// indicator contributions recomputed ([`crate::service::casework::reconcile`]), and an audit record
/// `measure.correct` with field, old and new value.
///
/// # Errors
/// `Invalid` naming `field`, the date's own field (`decision_date`, `report_date`), `reason`
/// (required, at most 500 characters, no hidden characters), or the date the correction would
/// put out of order; `Forbidden`, `NotFound` (person or measure out of scope).
#[allow(clippy::too_many_arguments)]
pub async fn correct_date<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    measure_id: Uuid,
    input: &DateCorrection,
) -> ServiceResult<()> {
    use jindu_domain::measure::DateField;
    let (txn, p) = open_person_write(db, actor, now, Permission::EditPersons, person_id, Sealed::Allowed).await?;
    let m = measure::Entity::find_by_id(measure_id)
        .one(&txn)
        .await?
        .filter(|m| m.person_id == p.id)
        .ok_or(ServiceError::NotFound("measure"))?;
    let mut errors: Vec<FieldError> = Vec::new();
    let field = match DateField::ALL.iter().copied().find(|f| f.as_code() == input.field.trim()) {
        Some(f) => Some(f),
        None => {
            errors.push(
                DomainError::InvalidChoice { field: "field", input: input.field.chars().take(40).collect() }.into(),
            );
            None
        }
    };
    let name = field.map_or("date", DateField::as_code);
    let date = if input.date.trim().is_empty() {
        errors.push(DomainError::Required { field: name }.into());
        None
    } else {
        parse_date(name, &input.date).map_err(|e| errors.push(e.into())).ok()
    };
    let reason = if input.reason.trim().is_empty() {
        errors.push(DomainError::Required { field: "reason" }.into());
        None
    } else {
        validate_note("reason", &input.reason).map_err(|e| errors.push(e.into())).ok()
    };
    let (Some(field), Some(date), Some(reason), true) = (field, date, reason, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let clock = clock_of(&m)?;
    let old = clock.date_of(field);
    if old == Some(date) {
        return Err(FieldError::of(
            name,
            Message::new("msg.measure.correction_unchanged")
                .label(
                    "field",
                    jindu_domain::error::field_label(name, "zh"),
                    jindu_domain::error::field_label(name, "en").to_lowercase(),
                )
                .text("date", date),
        )
        .into());
    }
    let fixed = clock.corrected(field, date, now.today)?;
    if field == DateField::Decision {
        let others = measure::Entity::find()
            .filter(measure::Column::PersonId.eq(person_id))
            .filter(measure::Column::Id.ne(measure_id))
            .all(&txn)
            .await?;
        let end = fixed.ended.map(|(e, _)| e);
        if let Some(o) = others.iter().find(|o| {
            // Measures may meet on a day (one ends as the next is decided), not overlap.
            o.decision_date < end.unwrap_or(NaiveDate::MAX) && o.ended_on.is_none_or(|e| date < e)
        }) {
            let kind = stored("measure kind", &o.kind, MeasureKind::from_code)?;
            return Err(FieldError::coded(
                name,
                "measure.overlap",
                Message::new("msg.measure.overlap_corrected")
                    .label("kind", kind.label_zh(), kind.label_en().to_lowercase())
                    .text("decision_date", o.decision_date)
                    .label(
                        "until",
                        o.ended_on.map_or_else(|| "至今".to_string(), |e| e.to_string()),
                        o.ended_on.map_or_else(|| "now".to_string(), |e| e.to_string()),
                    ),
            )
            .into());
        }
    }
    let cal = deployment::calendar(&txn).await?;
    let mut am: measure::ActiveModel = m.into();
    am.decision_date = Set(fixed.decision_date);
    clock_columns(&mut am, &fixed, now, &cal)?;
    am.update(&txn).await?;
    let target_kind = match field {
        DateField::Decision => EventKind::MeasureDecided,
        DateField::Report => EventKind::MeasureStarted,
    };
    let target = event::Entity::find()
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::MeasureId.eq(measure_id))
        .filter(event::Column::Kind.eq(target_kind.as_code()))
        .order_by_asc(event::Column::RecordedAt)
        .one(&txn)
        .await?;
    let detail = serde_json::json!({
        "field": field.as_code(),
        "old": old,
        "new": date,
        "measure_id": measure_id,
    })
    .to_string();
    let id = TimelineEvent::new(person_id, EventKind::Amendment, now.today)
        .measure(measure_id)
        .note(vault, reason.as_str())
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    if let Some(t) = target {
        event::Entity::update_many()
            .col_expr(event::Column::AmendsEventId, sea_orm::sea_query::Expr::value(Some(t.id)))
            .filter(event::Column::Id.eq(id))
            .exec(&txn)
            .await?;
    }
    crate::service::casework::reconcile(&txn, person_id, Some(AssessmentTrigger::Event)).await?;
    txn.audit(audit::Entry::ok("measure.correct", "person", person_id).with_detail(format!(
        "{measure_id} {} {} -> {date}",
        field.as_code(),
        old.map_or_else(|| "-".to_string(), |d| d.to_string())
    )))
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The event form, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
pub struct NewEvent {
    pub kind: String,
    pub date: String,
    #[serde(default)]
    pub test_method: String,
    #[serde(default)]
    pub test_result: String,
    #[serde(default)]
    pub substance: String,
    #[serde(default)]
    pub note: String,
    /// For an amendment: the id of the event it corrects.
    #[serde(default)]
    pub amends: String,
    /// Optimistic-concurrency version of the person as the form saw it; empty skips the check.
    #[serde(default)]
    pub version: String,
    /// 重复提交标识: a key the client made for this one write (the form's hidden field, the
    /// API's `Idempotency-Key`); a second write with the same key answers the first event
    /// (`receipts`). Empty: none.
    #[serde(default)]
    pub idempotency_key: String,
}

impl NewEvent {
    /// SHA-256 (hex) of what the write records — kind, date, test method, result, substance,
    /// note and amended event, each trimmed, separated by NUL — kept with its idempotency
    /// receipt: a retry carries the same digest, a key reused for another write does not. The
    /// version and the key itself are not part of it.
    pub fn digest(&self) -> String {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        for part in
            [&self.kind, &self.date, &self.test_method, &self.test_result, &self.substance, &self.note, &self.amends]
        {
            h.update(part.trim().as_bytes());
            h.update([0u8]);
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Event kinds recorded through the event form (measure and transfer events have their own).
pub const FORM_EVENT_KINDS: &[EventKind] = &[
    EventKind::CheckIn,
    EventKind::DrugTest,
    EventKind::Visit,
    EventKind::Interview,
    EventKind::Assistance,
    EventKind::LeaveRequest,
    EventKind::Violation,
    EventKind::Relapse,
    EventKind::ContactLost,
    EventKind::ContactRestored,
    EventKind::Amendment,
];

/// Records a timeline event for a person the actor may see. Checks the control status allows
/// it (e.g. no test for a deceased person), the date (not in the future), the test fields
/// (method and result required; substance required for a positive result) and, for an
/// amendment, the corrected event and a note. A check-in on a community measure awaiting its
/// report starts the measure. The person's status and obligations are updated in the same
/// transaction. Returns the event id.
pub async fn record_event<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: NewEvent,
) -> ServiceResult<Uuid> {
    // Permission first (403), then scope (404): the same order as every other service.
    match EventKind::from_code(input.kind.trim()) {
        Some(k) => actor.require(jindu_domain::access::permission_for_event(k))?,
        None if [Permission::RecordWork, Permission::RecordTests, Permission::RecordContact]
            .iter()
            .any(|p| actor.can(*p)) => {}
        None => return Err(ServiceError::Forbidden(Permission::RecordWork)),
    }
    let key = receipts::key_of(&input.idempotency_key)?;
    let digest = input.digest();
    let txn = crate::service::UnitOfWork::begin_checked(db, actor, now).await?;
    if let Some(key) = &key
        && let Some(first) = receipts::recorded(&txn, actor.user_id, key, person_id, &digest).await?
    {
        // A retry or a double click: the first write's answer, nothing stored again.
        txn.rollback().await?;
        return Ok(first);
    }
    let id = record_event_in(&txn, vault, actor, now, person_id, input).await?;
    if let Some(key) = &key
        && let Err(e) = receipts::keep(&txn, actor.user_id, key, person_id, id, &digest, now).await
    {
        drop(txn);
        // A parallel retry with the same key committed first (PostgreSQL): its event is the
        // answer, and this one is rolled back.
        if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
            && let Some(first) = receipts::recorded(db, actor.user_id, key, person_id, &digest).await?
        {
            return Ok(first);
        }
        return Err(e.into());
    }
    txn.commit().await?;
    Ok(id)
}

/// [`record_event`] inside the caller's transaction: the caller checked the permission of the
/// kind, opens the unit of work, and commits. Every problem of the input
/// is found before anything is written, so an `Invalid` leaves the transaction as it was.
///
/// # Errors
/// As [`record_event`].
pub(crate) async fn record_event_in<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: &crate::service::UnitOfWork<T>,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: NewEvent,
) -> ServiceResult<Uuid> {
    if let Some(k) = EventKind::from_code(input.kind.trim()) {
        actor.require(jindu_domain::access::permission_for_event(k))?;
    }
    let p = load_visible(txn, actor, person_id).await?;
    crate::service::record::check_version(&input.version, p.version)?;
    let mut errors: Vec<FieldError> = Vec::new();
    let kind = parse_code("kind", &input.kind, EventKind::from_code)
        .and_then(|k| {
            if FORM_EVENT_KINDS.contains(&k) {
                Ok(k)
            } else {
                Err(DomainError::InvalidChoice { field: "kind", input: input.kind.clone() }.into())
            }
        })
        .map_err(|e| errors.push(e))
        .ok();
    let date = if input.date.trim().is_empty() {
        Err(DomainError::Required { field: "date" })
    } else {
        parse_date("date", &input.date).and_then(|d| validate_event_date("date", d, now.today).map(|_| d)).and_then(
            |d| {
                if d < p.birth_date {
                    Err(DomainError::DateBefore {
                        field: "date",
                        date: d,
                        other_field: "birth_date",
                        other: p.birth_date,
                    })
                } else {
                    Ok(d)
                }
            },
        )
    }
    .map_err(|e| errors.push(e.into()))
    .ok();
    let note = if input.note.trim().is_empty() {
        None
    } else {
        validate_note("note", &input.note).map_err(|e| errors.push(e.into())).ok()
    };
    let mut method = None;
    let mut result = None;
    let mut substance = None;
    if kind == Some(EventKind::DrugTest) {
        method = if input.test_method.trim().is_empty() {
            errors.push(DomainError::Required { field: "test_method" }.into());
            None
        } else {
            parse_code("test_method", &input.test_method, TestMethod::from_code).map_err(|e| errors.push(e)).ok()
        };
        result = if input.test_result.trim().is_empty() {
            errors.push(DomainError::Required { field: "test_result" }.into());
            None
        } else {
            parse_code("test_result", &input.test_result, TestResult::from_code).map_err(|e| errors.push(e)).ok()
        };
        if result == Some(TestResult::Positive) {
            substance = if input.substance.trim().is_empty() {
                errors.push(DomainError::Required { field: "substance" }.into());
                None
            } else {
                parse_code("substance", &input.substance, Substance::from_code).map_err(|e| errors.push(e)).ok()
            };
        }
    } else if kind == Some(EventKind::Relapse) && !input.substance.trim().is_empty() {
        substance = parse_code("substance", &input.substance, Substance::from_code).map_err(|e| errors.push(e)).ok();
    }
    let mut amends = None;
    if kind == Some(EventKind::Amendment) {
        if note.is_none() && input.note.trim().is_empty() {
            errors.push(DomainError::Required { field: "note" }.into());
        }
        let target = Uuid::parse_str(input.amends.trim()).ok();
        let found = match target {
            Some(t) => event::Entity::find_by_id(t).one(txn).await?.filter(|e| e.person_id == p.id),
            None => None,
        };
        match found {
            Some(e) => amends = Some(e.id),
            None => errors.push(DomainError::NotFound { what: "event" }.into()),
        }
    }
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    if let Some(k) = kind
        && let Err(e) = check_event_allowed(status, k)
    {
        errors.push(e.into());
    }
    let (Some(kind), Some(date), true) = (kind, date, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    if kind == EventKind::ContactRestored && p.lost_since.is_some_and(|s| date < s) {
        return Err(ServiceError::Invalid(vec![
            DomainError::DateBefore {
                field: "date",
                date,
                other_field: "lost_since",
                other: p.lost_since.unwrap_or(date),
            }
            .into(),
        ]));
    }
    let open = open_measure(txn, person_id).await?;
    // A check-in on a measure awaiting its report is the report itself.
    if let (EventKind::CheckIn, Some(m)) = (kind, &open) {
        let mut clock = clock_of(m)?;
        if clock.status(now.today) == MeasureStatus::AwaitingReport
            && matches!(clock.kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab)
        {
            let cal = deployment::calendar(txn).await?;
            clock.record_report(date, now.today)?;
            let mut am: measure::ActiveModel = m.clone().into();
            clock_columns(&mut am, &clock, now, &cal)?;
            am.update(txn).await?;
            TimelineEvent::new(person_id, EventKind::MeasureStarted, date)
                .measure(m.id)
                .insert(txn, actor, now)
                .await?;
        }
    }
    // Lost and found: the day lost is kept on the person; finding them records the gap.
    let detail = match kind {
        EventKind::ContactRestored => {
            let since = p.lost_since.unwrap_or(date);
            crate::service::casework::set_lost_since(txn, person_id, None).await?;
            Some(
                serde_json::json!({
                    "lost_since": since,
                    "gap_days": jindu_domain::alert::lost_gap_days(since, date),
                })
                .to_string(),
            )
        }
        EventKind::ContactLost => {
            crate::service::casework::set_lost_since(txn, person_id, Some(date)).await?;
            None
        }
        _ => None,
    };
    let id = Uuid::now_v7();
    event::Entity::insert(event::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        measure_id: Set(open.as_ref().map(|m| m.id)),
        kind: Set(kind.as_code().to_string()),
        occurred_on: Set(date),
        recorded_at: Set(now.instant),
        recorded_by: Set(Some(actor.user_id)),
        test_method: Set(method.map(|m| m.as_code().to_string())),
        test_result: Set(result.map(|r| r.as_code().to_string())),
        substance: Set(substance.map(|s| s.as_code().to_string())),
        note: Set(vault.seal_opt("event", "note", id, note.as_deref())?),
        amends_event_id: Set(amends),
        detail: Set(detail),
    })
    .exec(txn)
    .await?;
    if kind == EventKind::CheckIn {
        // A check-in after a transfer is the report at the new place (戒毒条例 §22).
        crate::service::transfers::record_report(txn, person_id, date).await?;
    }
    let new_status = status_after(status, kind);
    // The audit record names a status the event changed, before and after (issue #18 item 2:
    // an import of events changes persons in bulk).
    let mut change = String::new();
    if new_status != status {
        set_status(txn, &p, new_status, now).await?;
        change = format!("; status {} -> {}", status.as_code(), new_status.as_code());
    }
    // A relapse brings a sealed record back under dynamic control (戒毒条例 §7).
    if kind == EventKind::Relapse && p.sealed_on.is_some() {
        person::Entity::update_many()
            .col_expr(person::Column::SealedOn, sea_orm::sea_query::Expr::value(Option::<NaiveDate>::None))
            .filter(person::Column::Id.eq(person_id))
            .exec(txn)
            .await?;
    }
    let trigger = matches!(
        kind,
        EventKind::DrugTest | EventKind::Relapse | EventKind::Violation | EventKind::ContactLost | EventKind::Amendment
    )
    .then_some(AssessmentTrigger::Event);
    crate::service::casework::reconcile(txn, person_id, trigger).await?;
    txn.audit(audit::Entry::ok("event.create", "person", person_id).with_detail(format!(
        "{} {}{change}",
        kind.as_code(),
        id
    )))
    .await?;
    Ok(id)
}

/// A measure as the person page shows it, with its computed dates.
#[derive(Debug, Clone)]
pub struct MeasureView {
    pub id: Uuid,
    pub kind: MeasureKind,
    pub status: MeasureStatus,
    pub decision_date: NaiveDate,
    pub reported_on: Option<NaiveDate>,
    pub start_date: Option<NaiveDate>,
    pub report_deadline: Option<NaiveDate>,
    /// Days the report is overdue (not yet reported, past the deadline).
    pub report_overdue_days: Option<i64>,
    pub planned_last_day: Option<NaiveDate>,
    pub suspended_days: u32,
    pub ended: Option<(NaiveDate, EndReason)>,
    pub phase_year: Option<u8>,
    pub expiry_notice_deadline: Option<NaiveDate>,
    pub release_notice_date: Option<NaiveDate>,
}

/// The measures of a person, newest decision first.
pub async fn views_for<C: ConnectionTrait>(db: &C, now: Now, person_id: Uuid) -> ServiceResult<Vec<MeasureView>> {
    let cal = deployment::calendar(db).await?;
    person_rows(db, measure::Column::PersonId, person_id, &[(measure::Column::DecisionDate, Order::Desc)])
        .await?
        .iter()
        .map(|m| {
            let c = clock_of(m)?;
            Ok(MeasureView {
                id: m.id,
                kind: c.kind,
                status: c.status(now.today),
                decision_date: c.decision_date,
                reported_on: c.reported_on,
                start_date: c.start_date(),
                report_deadline: c.report_deadline(&cal),
                report_overdue_days: c.report_overdue_days(&cal, now.today),
                planned_last_day: c.planned_last_day(now.today),
                suspended_days: c.suspended_days(now.today),
                ended: c.ended,
                phase_year: c.phase_year(now.today),
                expiry_notice_deadline: c.expiry_notice_deadline(&cal, now.today),
                release_notice_date: c.release_notice_date(now.today),
            })
        })
        .collect()
}
