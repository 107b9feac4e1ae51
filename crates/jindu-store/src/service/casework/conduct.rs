//! 请假/销假, 擅自离开 and 严重违反协议上报: the conduct of a person under community measures that
//! counts toward serious breach (戒毒条例 §19–§21). Each write is one transaction that also
//! re-derives the person's alerts ([`crate::service::casework::reconcile`]).

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::event::{parse_date, validate_event_date_since, validate_free_text};
use jindu_domain::leave::{LeaveAction, check_dates, next_status};
use jindu_domain::message::Message;
use jindu_domain::{AssessmentTrigger, ControlStatus, DomainError, EventKind, LeaveStatus, MeasureKind, Permission};
use sea_orm::Order;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait};
use uuid::Uuid;

use crate::entities::{absence, event, leave_request, measure};
use crate::service::Sealed;
use crate::service::person_rows;
use crate::service::record::TimelineEvent;
use crate::service::record::load_visible;
use crate::service::record::open_person_write;
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, casework, stored};
use crate::vault::Vault;

/// Longest destination and reason of a leave (characters).
pub const MAX_LEAVE_TEXT: usize = 200;

fn required_date(field: &'static str, input: &str) -> Result<NaiveDate, FieldError> {
    if input.trim().is_empty() {
        return Err(DomainError::Required { field }.into());
    }
    parse_date(field, input).map_err(FieldError::from)
}

/// The leave form, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewLeave {
    pub leave_from: String,
    pub leave_to: String,
    pub destination: String,
    pub reason: String,
}

/// A leave request as the person page shows it.
#[derive(Debug, Clone)]
pub struct LeaveView {
    pub id: Uuid,
    pub requested_on: NaiveDate,
    pub leave_from: NaiveDate,
    pub leave_to: NaiveDate,
    pub days: i64,
    pub destination: String,
    pub reason: Option<String>,
    pub status: LeaveStatus,
    pub decided_on: Option<NaiveDate>,
    pub returned_on: Option<NaiveDate>,
    /// Approved, not back, and past the return day: days overdue.
    pub overdue_days: Option<i64>,
}

/// An unauthorised absence as the person page shows it.
#[derive(Debug, Clone)]
pub struct AbsenceView {
    pub id: Uuid,
    pub left_on: NaiveDate,
    pub returned_on: Option<NaiveDate>,
    /// Days away up to the return, or up to today while away.
    pub days: i64,
}

/// The start (report day) of the person's open community detox or rehabilitation, which leave
/// and the conduct of §19–§20 belong to.
///
/// # Errors
/// A sentence naming `action` when there is none (compulsory isolation, no measure, not reported).
async fn community_start<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<NaiveDate> {
    measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person_id))
        .filter(measure::Column::EndedOn.is_null())
        .filter(
            measure::Column::Kind.is_in([MeasureKind::CommunityDetox.as_code(), MeasureKind::CommunityRehab.as_code()]),
        )
        .one(db)
        .await?
        .and_then(|m| m.reported_on)
        .ok_or_else(|| FieldError::of("action", Message::new("msg.conduct.no_community_measure")).into())
}

/// Records a leave request (请假, written notice before leaving the county for 3 days or more,
/// 戒毒条例 §19) for a person under control. Every field problem is returned at once.
pub async fn request_leave<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: &NewLeave,
) -> ServiceResult<Uuid> {
    let (txn, p) = open_person_write(db, actor, now, Permission::RecordWork, person_id, Sealed::Refused).await?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    jindu_domain::status::check_event_allowed(status, EventKind::LeaveRequest)?;
    community_start(&txn, person_id).await?;
    let mut errors = Vec::new();
    let from = required_date("leave_from", &input.leave_from).map_err(|e| errors.push(e)).ok();
    let to = required_date("leave_to", &input.leave_to).map_err(|e| errors.push(e)).ok();
    // Leave is asked for beforehand (戒毒条例 §19), and not for a trip months ahead.
    if let Some(f) = from {
        if f < now.today {
            errors.push(FieldError::of("leave_from", Message::new("msg.leave.past").text("today", now.today)));
        } else if (f - now.today).num_days() > jindu_domain::leave::MAX_LEAVE_DAYS {
            errors.push(FieldError::of(
                "leave_from",
                Message::new("msg.leave.far").text("max", jindu_domain::leave::MAX_LEAVE_DAYS),
            ));
        }
    }
    if let (Some(f), Some(t)) = (from, to) {
        let days = jindu_domain::leave::days_away(f, t);
        if days > jindu_domain::leave::MAX_LEAVE_DAYS {
            errors.push(FieldError::of(
                "leave_to",
                Message::new("msg.leave.too_long").text("max", jindu_domain::leave::MAX_LEAVE_DAYS).text("days", days),
            ));
        } else if let Err(e) = check_dates(f, t) {
            errors.push(e.into());
        }
    }
    let destination = match input.destination.trim() {
        "" => {
            errors.push(DomainError::Required { field: "destination" }.into());
            None
        }
        d => validate_free_text("destination", d, MAX_LEAVE_TEXT).map_err(|e| errors.push(e.into())).ok(),
    };
    let reason = match input.reason.trim() {
        "" => None,
        r => validate_free_text("reason", r, MAX_LEAVE_TEXT).map_err(|e| errors.push(e.into())).ok(),
    };
    let (Some(from), Some(to), Some(destination), true) = (from, to, destination, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let open = leave_request::Entity::find()
        .filter(leave_request::Column::PersonId.eq(person_id))
        .filter(
            leave_request::Column::Status.is_in([LeaveStatus::Requested.as_code(), LeaveStatus::Approved.as_code()]),
        )
        .filter(leave_request::Column::LeaveFrom.lte(to))
        .filter(leave_request::Column::LeaveTo.gte(from))
        .one(&txn)
        .await?;
    if open.is_some() {
        return Err(FieldError::of("leave_from", Message::new("msg.leave.overlap")).into());
    }
    let id = Uuid::now_v7();
    let row = id.to_string();
    leave_request::Entity::insert(leave_request::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        requested_on: Set(now.today),
        leave_from: Set(from),
        leave_to: Set(to),
        destination: Set(vault.seal("leave_request", "destination", &row, &destination)?),
        reason: Set(reason.map(|r| vault.seal("leave_request", "reason", &row, &r)).transpose()?),
        status: Set(LeaveStatus::Requested.as_code().to_string()),
        requested_by: Set(Some(actor.user_id)),
        decided_by: Set(None),
        decided_on: Set(None),
        decision_note: Set(None),
        returned_on: Set(None),
        created_at: Set(now.instant),
    })
    .exec(&txn)
    .await?;
    let detail = serde_json::json!({ "leave_id": id, "from": from, "to": to }).to_string();
    TimelineEvent::new(person_id, EventKind::LeaveRequest, now.today).detail(detail).insert(&txn, actor, now).await?;
    casework::finish_write(
        txn,
        person_id,
        None,
        audit::Entry::ok("leave.request", "person", person_id).with_detail(format!("{id} {from}..{to}")),
    )
    .await?;
    Ok(id)
}

/// [`act_on_leave`] with the leave's id as typed in the form: the permission (403) and the
/// person's scope (404) are checked before the id, so a blank or unreadable id is a field error
/// (422, field `leave`) only for someone who may act on the person's leave.
///
/// # Errors
/// As [`act_on_leave`]; `Invalid` (field `leave`) for an id that is not one.
#[allow(clippy::too_many_arguments)]
pub async fn act_on_leave_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    leave_id: &str,
    action: &str,
    date: &str,
    note: &str,
) -> ServiceResult<()> {
    actor.require(Permission::RecordWork)?;
    load_visible(db, actor, person_id).await?;
    let leave_id = crate::service::sub_id("leave", leave_id)?;
    act_on_leave(db, vault, actor, now, person_id, leave_id, action, date, note).await
}

/// Approves, refuses or cancels a leave request, or records the return (销假) on `date`.
/// Everything needs `RecordWork`; approving and refusing also `ManageMeasures` (the town
/// decides). A return after the approved day back leaves an overstay that counts
/// toward 戒毒条例 §20(三).
#[allow(clippy::too_many_arguments)]
pub async fn act_on_leave<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    leave_id: Uuid,
    action: &str,
    date: &str,
    note: &str,
) -> ServiceResult<()> {
    let (txn, _) = open_person_write(db, actor, now, Permission::RecordWork, person_id, Sealed::Refused).await?;
    let action = LeaveAction::from_code(action.trim()).ok_or_else(|| {
        ServiceError::from(FieldError::from(DomainError::InvalidChoice {
            field: "action",
            input: action.chars().take(20).collect(),
        }))
    })?;
    if matches!(action, LeaveAction::Approve | LeaveAction::Reject) {
        actor.require(Permission::ManageMeasures)?;
    }
    let l = leave_request::Entity::find_by_id(leave_id)
        .one(&txn)
        .await?
        .filter(|l| l.person_id == person_id)
        .ok_or(ServiceError::NotFound("leave"))?;
    let status = stored("leave status", &l.status, LeaveStatus::from_code)?;
    let next = next_status(status, action)?;
    if action == LeaveAction::Approve && now.today > l.leave_to {
        return Err(FieldError::of("action", Message::new("msg.leave.expired").text("leave_to", l.leave_to)).into());
    }
    let note = match note.trim() {
        "" => None,
        n => Some(validate_free_text("note", n, MAX_LEAVE_TEXT)?),
    };
    if action == LeaveAction::Reject && note.is_none() {
        return Err(DomainError::Required { field: "note" }.into());
    }
    let returned = if action == LeaveAction::Return {
        let d = required_date("returned_on", date)?;
        validate_event_date_since("returned_on", d, ("leave_from", l.leave_from), now.today)?;
        Some(d)
    } else {
        None
    };
    let row = l.id.to_string();
    let mut upd = leave_request::Entity::update_many()
        .col_expr(leave_request::Column::Status, Expr::value(next.as_code()))
        .filter(leave_request::Column::Id.eq(l.id))
        .filter(leave_request::Column::Status.eq(status.as_code()));
    if matches!(action, LeaveAction::Approve | LeaveAction::Reject) {
        upd = upd
            .col_expr(leave_request::Column::DecidedBy, Expr::value(actor.user_id))
            .col_expr(leave_request::Column::DecidedOn, Expr::value(now.today))
            .col_expr(
                leave_request::Column::DecisionNote,
                Expr::value(
                    note.as_deref().map(|n| vault.seal("leave_request", "decision_note", &row, n)).transpose()?,
                ),
            );
    }
    if let Some(d) = returned {
        upd = upd.col_expr(leave_request::Column::ReturnedOn, Expr::value(d));
    }
    if upd.exec(&txn).await?.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    if let Some(d) = returned {
        let detail = serde_json::json!({ "leave_id": l.id, "leave_to": l.leave_to, "late_days": (d - l.leave_to).num_days().max(0) })
            .to_string();
        TimelineEvent::new(person_id, EventKind::LeaveReturn, d).detail(detail).insert(&txn, actor, now).await?;
    }
    casework::finish_write(
        txn,
        person_id,
        None,
        audit::Entry::ok(format!("leave.{}", action.as_code()), "person", person_id).with_detail(l.id.to_string()),
    )
    .await?;
    Ok(())
}

/// The leave requests of a person, newest first (no scope check: callers load the person).
pub async fn leaves_of<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    person_id: Uuid,
    today: NaiveDate,
) -> ServiceResult<Vec<LeaveView>> {
    person_rows(db, leave_request::Column::PersonId, person_id, &[(leave_request::Column::LeaveFrom, Order::Desc)])
        .await?
        .into_iter()
        .map(|l| {
            let row = l.id.to_string();
            let status = stored("leave status", &l.status, LeaveStatus::from_code)?;
            Ok(LeaveView {
                id: l.id,
                requested_on: l.requested_on,
                leave_from: l.leave_from,
                leave_to: l.leave_to,
                days: jindu_domain::leave::days_away(l.leave_from, l.leave_to),
                destination: vault.open("leave_request", "destination", &row, &l.destination)?,
                reason: l.reason.as_deref().map(|r| vault.open("leave_request", "reason", &row, r)).transpose()?,
                status,
                decided_on: l.decided_on,
                returned_on: l.returned_on,
                overdue_days: (status == LeaveStatus::Approved && today > l.leave_to)
                    .then(|| (today - l.leave_to).num_days()),
            })
        })
        .collect()
}

/// Records an unauthorised departure (擅自离开) on `left_on`, or — with `returned_on` — the
/// return of the open one. Needs `RecordContact`. Each is a timeline event; the absence counts
/// toward 戒毒条例 §20(二)(三).
pub async fn record_absence<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    left_on: &str,
    returned_on: &str,
) -> ServiceResult<()> {
    let (txn, p) = open_person_write(db, actor, now, Permission::RecordContact, person_id, Sealed::Refused).await?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    let open = absence::Entity::find()
        .filter(absence::Column::PersonId.eq(person_id))
        .filter(absence::Column::ReturnedOn.is_null())
        .one(&txn)
        .await?;
    let action = match (open, left_on.trim().is_empty()) {
        (Some(a), true) => {
            let back = required_date("returned_on", returned_on)?;
            validate_event_date_since("returned_on", back, ("left_on", a.left_on), now.today)?;
            let detail =
                serde_json::json!({ "absence_id": a.id, "left_on": a.left_on, "days": (back - a.left_on).num_days() })
                    .to_string();
            let eid = TimelineEvent::new(person_id, EventKind::Returned, back)
                .detail(detail)
                .insert(&txn, actor, now)
                .await?;
            absence::Entity::update_many()
                .col_expr(absence::Column::ReturnedOn, Expr::value(back))
                .col_expr(absence::Column::ReturnEventId, Expr::value(eid))
                .filter(absence::Column::Id.eq(a.id))
                .exec(&txn)
                .await?;
            "absence.return"
        }
        (Some(_), false) => {
            return Err(FieldError::of("left_on", Message::new("msg.absence.open")).into());
        }
        (None, _) => {
            jindu_domain::status::check_event_allowed(status, EventKind::UnauthorisedDeparture)?;
            let start = community_start(&txn, person_id).await?;
            let left = required_date("left_on", left_on)?;
            validate_event_date_since("left_on", left, ("start_date", start), now.today)?;
            let back = match returned_on.trim() {
                "" => None,
                r => {
                    let b = parse_date("returned_on", r)?;
                    validate_event_date_since("returned_on", b, ("left_on", left), now.today)?;
                    Some(b)
                }
            };
            // The same trip entered twice, or overlapping an earlier one, is refused: §20 counts
            // each departure once.
            let until = back.unwrap_or(now.today);
            let earlier = absence::Entity::find().filter(absence::Column::PersonId.eq(person_id)).all(&txn).await?;
            if let Some(o) = earlier.iter().find(|o| o.left_on <= until && o.returned_on.unwrap_or(now.today) >= left) {
                let back_text = o.returned_on.map(|d| d.to_string()).unwrap_or_default();
                return Err(FieldError::of(
                    "left_on",
                    Message::new("msg.absence.overlap").text("left_on", o.left_on).text("back_text", back_text),
                )
                .into());
            }
            let eid =
                TimelineEvent::new(person_id, EventKind::UnauthorisedDeparture, left).insert(&txn, actor, now).await?;
            let rid = match back {
                Some(b) => Some(TimelineEvent::new(person_id, EventKind::Returned, b).insert(&txn, actor, now).await?),
                None => None,
            };
            absence::Entity::insert(absence::ActiveModel {
                id: Set(Uuid::now_v7()),
                person_id: Set(person_id),
                left_on: Set(left),
                returned_on: Set(back),
                event_id: Set(eid),
                return_event_id: Set(rid),
                created_at: Set(now.instant),
            })
            .exec(&txn)
            .await?;
            "absence.record"
        }
    };
    casework::finish_write(
        txn,
        person_id,
        Some(AssessmentTrigger::Event),
        audit::Entry::ok(action, "person", person_id),
    )
    .await?;
    Ok(())
}

/// The unauthorised absences of a person, newest first.
pub async fn absences_of<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    today: NaiveDate,
) -> ServiceResult<Vec<AbsenceView>> {
    Ok(person_rows(db, absence::Column::PersonId, person_id, &[(absence::Column::LeftOn, Order::Desc)])
        .await?
        .into_iter()
        .map(|a| AbsenceView {
            id: a.id,
            left_on: a.left_on,
            returned_on: a.returned_on,
            days: (a.returned_on.unwrap_or(today) - a.left_on).num_days().max(0),
        })
        .collect())
}

/// The serious-breach assessment of a person's open community detox, as the person page shows
/// it: counts, grounds (as catalogue messages), evidence, and the reports to the police made.
#[derive(Debug, Clone)]
pub struct BreachView {
    /// The first day a ground was met.
    pub met_on: Option<NaiveDate>,
    pub test_refusals: u32,
    pub departures: u32,
    pub absence_days: i64,
    /// The grounds met (§20); their sentences are the catalogue's (`Ground::message`).
    pub grounds: Vec<jindu_domain::breach::Ground>,
    pub evidence: Vec<Uuid>,
    /// Days the reports to the police were recorded.
    pub reported_on: Vec<NaiveDate>,
}

impl BreachView {
    /// True when a ground of 戒毒条例 §20 is met.
    pub fn is_serious(&self) -> bool {
        !self.grounds.is_empty()
    }
}

/// The §20 assessment of the person's open, started community detox; `None` without one.
pub async fn breach_view<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    today: NaiveDate,
) -> ServiceResult<Option<BreachView>> {
    let Some(m) = measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person_id))
        .filter(measure::Column::EndedOn.is_null())
        .filter(measure::Column::Kind.eq(MeasureKind::CommunityDetox.as_code()))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let Some(start) = m.reported_on else { return Ok(None) };
    let events = event::Entity::find()
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::Kind.is_in([EventKind::DrugTest.as_code(), EventKind::BreachReported.as_code()]))
        .all(db)
        .await?;
    let (b, met_on) = casework::breach_of(db, person_id, &events, start, today).await?;
    let reported_on = events
        .iter()
        .filter(|e| e.kind == EventKind::BreachReported.as_code() && e.occurred_on >= start)
        .map(|e| e.occurred_on)
        .collect();
    Ok(Some(BreachView {
        met_on,
        test_refusals: b.test_refusals,
        departures: b.departures,
        absence_days: b.absence_days,
        grounds: b.grounds.clone(),
        evidence: b.evidence,
        reported_on,
    }))
}

/// Records the report of a serious breach to the police (戒毒条例 §21): an event listing the
/// grounds and the evidence event ids, audited. Refused when no ground of §20 is met. Needs
/// `ManageMeasures` (the town office reports).
pub async fn report_breach<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    note: &str,
) -> ServiceResult<Uuid> {
    let (txn, _) = open_person_write(db, actor, now, Permission::ManageMeasures, person_id, Sealed::Refused).await?;
    let note = match note.trim() {
        "" => None,
        n => Some(jindu_domain::event::validate_note("note", n)?),
    };
    let Some(b) = breach_view(&txn, person_id, now.today).await?.filter(BreachView::is_serious) else {
        return Err(FieldError::of("action", Message::new("msg.breach.none")).into());
    };
    if let Some(day) = b.reported_on.iter().copied().filter(|d| b.met_on.is_some_and(|m| *d >= m)).max() {
        return Err(FieldError::of("action", Message::new("msg.breach.reported").text("day", day)).into());
    }
    let detail = serde_json::json!({
        "met_on": b.met_on,
        "grounds": b.grounds,
        "evidence": b.evidence,
        "test_refusals": b.test_refusals,
        "departures": b.departures,
        "absence_days": b.absence_days,
    })
    .to_string();
    // The grounds are kept in the detail (shown in the reader's language on the timeline); the
    // note is the reporter's own, if any.
    let id = TimelineEvent::new(person_id, EventKind::BreachReported, now.today)
        .note_opt(note.as_deref().map(|n| (vault, n)))
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    let entry =
        audit::Entry::ok("breach.report", "person", person_id).with_detail(format!("{} evidence", b.evidence.len()));
    casework::finish_write(txn, person_id, None, entry).await?;
    Ok(id)
}
