//! 变更执行地 / 异地执行 transfers of the place of execution (戒毒条例 §22; issue #4 items 5 and 8).
//!
//! Inside the deployment: town A asks ([`request`]), town B accepts or returns it with a reason
//! ([`decide`]), A may withdraw it first. On acceptance, in one transaction, the person, their
//! obligations and their data scope move to B, the social worker is cleared (B assigns one), a
//! `transfer` event goes on the timeline (the history stays), and a 15-day report duty at B
//! is set ([`jindu_domain::transfer::report_deadline`]); the measure clock is not touched, so the
//! time served keeps counting. A check-in at B records the report ([`record_report`]).
//!
//! After a duplicate registration the new place may instead ask to take the person over
//! ([`request_pull`]); then the person's current town decides.
//!
//! Two people acting at once (accept against withdraw) meet a conditional UPDATE on the status:
//! one wins, the other gets `Conflict` (409).

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::transfer::{self as rules, TransferAction, TransferStatus};
use jindu_domain::{ControlStatus, DivisionCode, DivisionLevel, DomainError, EventKind, IdNumber, Permission};
use sea_orm::Order;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{app_user, division, measure, obligation, person, transfer};
use crate::service::Sealed;
use crate::service::person_rows;
use crate::service::record::TimelineEvent;
use crate::service::record::open_person_write;
use crate::service::record::{load_visible, open_of};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, deployment, scope_bounds, stored};
use crate::vault::Vault;

/// The request form on the person page, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TransferRequest {
    /// 12-digit code of the community or town of the new place (another town of the deployment).
    pub to_division: String,
    /// Why (e.g. the person moved house); free text, sealed at rest.
    pub reason: String,
}

/// The decision form: `action` is `accept`, `reject` or `cancel`; `transfer` the id the form
/// was shown for (a different or already decided transfer gives `Conflict`).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TransferDecision {
    pub action: String,
    pub reject_reason: String,
    pub transfer: String,
}

/// The "take this person over" form offered after a duplicate registration.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct PullRequest {
    pub id_number: String,
    /// Community or town in the actor's own scope the person should move to.
    pub to_division: String,
    pub reason: String,
}

/// A transfer as the pages show it. Person data is masked: the receiving side sees only what
/// it needs to decide.
#[derive(Debug, Clone)]
pub struct TransferView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub name_masked: String,
    pub id_number_masked: String,
    pub sex: Option<jindu_domain::Sex>,
    pub age: u32,
    pub measure: Option<jindu_domain::MeasureKind>,
    pub from_path: String,
    pub to_path: String,
    pub status: TransferStatus,
    pub requested_on: NaiveDate,
    pub reason: Option<String>,
    pub reject_reason: Option<String>,
    pub decided_on: Option<NaiveDate>,
    pub report_deadline: Option<NaiveDate>,
    pub reported_on: Option<NaiveDate>,
    pub external: bool,
    pub pull: bool,
    /// The actor may accept or return it.
    pub may_decide: bool,
    /// The actor may withdraw it.
    pub may_cancel: bool,
    /// The actor can open the person's page.
    pub person_visible: bool,
}

/// The /transfers page: requests the actor decides, and requests from the actor's side.
#[derive(Debug, Clone, Default)]
pub struct TransferLists {
    pub incoming: Vec<TransferView>,
    pub outgoing: Vec<TransferView>,
}

/// What the person page shows about transfers: the open one (if any) and the towns a new
/// request may go to (communities and towns of the deployment outside the current town).
#[derive(Debug, Clone, Default)]
pub struct PersonTransfers {
    pub open: Option<TransferView>,
    pub targets: Vec<deployment::Division>,
}

fn status_of(t: &transfer::Model) -> ServiceResult<TransferStatus> {
    stored("transfer status", &t.status, TransferStatus::from_code)
}

/// The side that decides: the new place for a normal request, the old place for a pull.
fn decider_code(t: &transfer::Model) -> &str {
    if t.pull { &t.from_division_code } else { &t.to_division_code }
}

/// The side that asked (and may withdraw).
fn requester_code(t: &transfer::Model) -> &str {
    if t.pull { &t.to_division_code } else { &t.from_division_code }
}

/// A division of this deployment by code, checked to be a town or a community; errors name
/// `field`.
async fn deployment_division<C: ConnectionTrait>(
    db: &C,
    field: &'static str,
    input: &str,
) -> ServiceResult<(DivisionCode, DivisionCode)> {
    let input = input.trim();
    if input.is_empty() {
        return Err(DomainError::Required { field }.into());
    }
    let outside = || {
        ServiceError::from(FieldError::coded(
            field,
            "division.outside",
            Message::new("msg.transfer.division_outside").text("input", input.chars().take(40).collect::<String>()),
        ))
    };
    let Ok(code) = DivisionCode::parse(input) else { return Err(outside()) };
    let root = deployment::root(db).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    if !root.code.contains(&code) || division::Entity::find_by_id(code.to_string()).one(db).await?.is_none() {
        return Err(outside());
    }
    let town = match code.level() {
        DivisionLevel::Town => code,
        DivisionLevel::Village => code.parent().ok_or_else(outside)?,
        _ => return Err(outside()),
    };
    Ok((code, town))
}

/// Validates an optional free-text reason (sealed later).
fn reason_text(field: &'static str, input: &str) -> ServiceResult<Option<String>> {
    let t = input.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Ok(Some(jindu_domain::event::validate_free_text(field, t, rules::MAX_REASON_CHARS)?))
}

async fn path_of<C: ConnectionTrait>(db: &C, code: &str) -> ServiceResult<String> {
    if let Some(d) = division::Entity::find_by_id(code.to_string()).one(db).await? {
        return Ok(d.name_path);
    }
    // Outside this deployment: the county's name from the shipped list, never more.
    Ok(county_name(code).unwrap_or_else(|| code.to_string()))
}

/// Name path of the county of `code` from the shipped national list (for places outside the
/// deployment).
fn county_name(code: &str) -> Option<String> {
    let c = DivisionCode::parse(code).ok()?;
    let county = DivisionCode::parse(c.to_string().get(..6)?).ok()?;
    crate::divisions::embedded_subtree(county).ok()?.into_iter().find(|r| r.code == county).map(|r| r.name_path)
}

#[allow(clippy::too_many_arguments)]
async fn insert_row<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    id: Uuid,
    p: &person::Model,
    to: (DivisionCode, DivisionCode),
    status: TransferStatus,
    pull: bool,
    requested_by: Option<Uuid>,
    reason: Option<&str>,
    now: Now,
) -> ServiceResult<()> {
    transfer::Entity::insert(transfer::ActiveModel {
        id: Set(id),
        person_id: Set(p.id),
        from_division_code: Set(p.division_code.clone()),
        from_town_code: Set(p.town_code.clone()),
        to_division_code: Set(to.0.to_string()),
        to_town_code: Set(to.1.to_string()),
        status: Set(status.as_code().to_string()),
        pull: Set(pull),
        requested_by: Set(requested_by),
        requested_at: Set(now.instant),
        reason: Set(vault.seal_opt("transfer", "reason", id, reason)?),
        decided_by: Set(None),
        decided_at: Set(None),
        decided_on: Set(None),
        reject_reason: Set(None),
        report_deadline: Set(None),
        reported_on: Set(None),
        external: Set(false),
        file_hash: Set(None),
    })
    .exec(db)
    .await?;
    Ok(())
}

/// Timeline note and detail of a transfer step.
/// What the audit record of an accepted transfer names.
struct AcceptAudit<'a> {
    transfer: Uuid,
    /// (12-digit code, name path) of the unit the person leaves.
    from: (&'a str, &'a str),
    /// (12-digit code, name path) of the unit that takes the person over.
    to: (&'a str, &'a str),
    /// The social worker cleared: `name [id]` or `none`.
    worker: &'a str,
    /// Every duty moved, `kind due-date`, by kind.
    duties: &'a [String],
    /// The 15-day report duty at the new place (戒毒条例 §22).
    report_due: Option<NaiveDate>,
}

/// The detail of `transfer.accept`: `transfer ID; division CODE PATH -> CODE PATH;
/// social_worker NAME [ID] -> none; duties moved: KIND DATE, …; transfer_report DATE`.
fn accept_audit_text(a: &AcceptAudit<'_>) -> String {
    format!(
        "transfer {}; division {} {} -> {} {}; social_worker {} -> none; duties moved: {}; transfer_report {}",
        a.transfer,
        a.from.0,
        a.from.1,
        a.to.0,
        a.to.1,
        a.worker,
        if a.duties.is_empty() { "none".to_string() } else { a.duties.join(", ") },
        a.report_due.map_or_else(|| "none".to_string(), |d| d.to_string())
    )
}

/// Moves the person to `division_code` in `town_code` (the place of execution changed: 戒毒条例
/// §22), without a social worker until the new place assigns one, if nobody changed the record
/// since `p` was read.
///
/// # Errors
/// `Conflict` when the record changed meanwhile; `Db`.
pub(crate) async fn move_person<C: ConnectionTrait>(
    db: &C,
    p: &person::Model,
    division_code: &str,
    town_code: &str,
    now: Now,
) -> ServiceResult<()> {
    let moved = person::Entity::update_many()
        .set(person::ActiveModel {
            division_code: Set(division_code.to_string()),
            town_code: Set(town_code.to_string()),
            social_worker_id: Set(None),
            version: Set(p.version + 1),
            updated_at: Set(now.instant),
            ..Default::default()
        })
        .filter(person::Column::Id.eq(p.id))
        .filter(person::Column::Version.eq(p.version))
        .exec(db)
        .await?;
    if moved.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    Ok(())
}

fn step_detail(t_id: Uuid, step: &str, from: &str, to: &str) -> String {
    serde_json::json!({ "transfer_id": t_id.to_string(), "step": step, "from": from, "to": to }).to_string()
}

/// Town A asks to move the person's place of execution to another town or community of the
/// deployment (戒毒条例 §22). Needs `ManageMeasures` and the person in scope (else 404). Refused
/// for the current town, a person with an open transfer, or a status that allows no transfer
/// (deceased, abroad). Returns the transfer id.
pub async fn request<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: &TransferRequest,
) -> ServiceResult<Uuid> {
    let (txn, p) = open_person_write(db, actor, now, Permission::ManageMeasures, person_id, Sealed::Allowed).await?;
    let mut errors = Vec::new();
    let to = deployment_division(&txn, "to_division", &input.to_division).await.map_err(|e| push(&mut errors, e)).ok();
    let reason = reason_text("reason", &input.reason).map_err(|e| push(&mut errors, e)).ok().flatten();
    open_request(txn, vault, actor, now, &p, to, reason, errors, RequestedBy::From).await
}

/// Which side asked: the person's town ([`request`]) or the new place ([`request_pull`]).
#[derive(Clone, Copy, PartialEq, Eq)]
enum RequestedBy {
    From,
    To,
}

/// The shared end of [`request`] and [`request_pull`]: checks the status and the open transfer,
/// refuses with every problem found (`errors` carries those of the form), then writes the
/// transfer, its timeline event and audit record in `txn` and commits.
#[allow(clippy::too_many_arguments)]
async fn open_request<T: ConnectionTrait + sea_orm::TransactionSession>(
    txn: crate::service::UnitOfWork<T>,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    p: &person::Model,
    to: Option<(DivisionCode, DivisionCode)>,
    reason: Option<String>,
    mut errors: Vec<FieldError>,
    by: RequestedBy,
) -> ServiceResult<Uuid> {
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    if let Err(e) = jindu_domain::status::check_event_allowed(status, EventKind::Transfer) {
        errors.push(e.into());
    }
    if let Some((_, town)) = to
        && let Err(e) = rules::check_request(&p.town_code, &town.to_string(), open_of(&txn, p.id).await?.is_some())
    {
        errors.push(e.into());
    }
    let (Some(to), true) = (to, errors.is_empty()) else { return Err(ServiceError::Invalid(errors)) };
    let id = Uuid::now_v7();
    let pull = by == RequestedBy::To;
    insert_row(&txn, vault, id, p, to, TransferStatus::Requested, pull, Some(actor.user_id), reason.as_deref(), now)
        .await?;
    let (from_path, to_path) = (path_of(&txn, &p.division_code).await?, path_of(&txn, &to.0.to_string()).await?);
    let (note, action) = if pull {
        (format!("接收地申请接收（变更执行地）：{from_path} → {to_path}"), "transfer.request_pull")
    } else {
        (format!("申请变更执行地：{from_path} → {to_path}"), "transfer.request")
    };
    let detail = step_detail(id, "requested", &p.division_code, &to.0.to_string());
    TimelineEvent::new(p.id, EventKind::Transfer, now.today)
        .note(vault, &note)
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    let entry = audit::Entry::ok(action, "person", p.id).with_detail(format!("{id} -> {}", to.0));
    crate::service::casework::finish_write(txn, p.id, None, entry).await?;
    Ok(id)
}

fn push(errors: &mut Vec<FieldError>, e: ServiceError) {
    match e {
        ServiceError::Invalid(mut es) => errors.append(&mut es),
        other => errors.push(FieldError::coded("", "internal", Message::new("msg.internal").text("detail", other))),
    }
}

/// The new place (after a duplicate registration) asks to take over the person with this ID
/// number into `to_division` (in the actor's own scope); the person's current town decides.
/// Errors: `Invalid` when the number is not registered elsewhere in this deployment, when the
/// person is already in the actor's scope, or as [`request`].
pub async fn request_pull<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    input: &PullRequest,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageMeasures)?;
    let number = IdNumber::parse_on(&input.id_number, now.today)
        .map_err(|reason| DomainError::IdNumber { field: "id_number", reason })?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageMeasures).await?;
    let not_here = || ServiceError::from(FieldError::of("id_number", Message::new("msg.transfer.not_elsewhere")));
    let Some(p) = person::Entity::find()
        .filter(person::Column::IdNumberBidx.is_in(vault.id_number_search(number.as_str())))
        .one(&txn)
        .await?
    else {
        return Err(not_here());
    };
    let root = deployment::root(&txn).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    if actor.sees(&p.division_code) || !p.division_code.starts_with(&root.code.prefix()) {
        return Err(not_here());
    }
    let mut errors = Vec::new();
    let to = deployment_division(&txn, "to_division", &input.to_division).await.map_err(|e| push(&mut errors, e)).ok();
    if let Some((d, _)) = to
        && !actor.sees(&d.to_string())
    {
        errors.push(DomainError::OutOfScope { field: "to_division" }.into());
    }
    let reason = reason_text("reason", &input.reason).map_err(|e| push(&mut errors, e)).ok().flatten();
    open_request(txn, vault, actor, now, &p, to, reason, errors, RequestedBy::To).await
}

/// What a decision led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decided {
    pub status: TransferStatus,
    /// The actor still sees the person (false after handing them over to another town).
    pub person_visible: bool,
}

/// Accepts, returns (with a reason) or withdraws the open transfer of a person.
/// - accept / reject: the deciding side (the new place; the old place for a pull request);
/// - cancel: the asking side.
///
/// Needs `ManageMeasures`; a person the actor neither sees nor has an open transfer to decide
/// answers 404. On accept, in one transaction: the person's division, town and obligations move
/// to the new place, the social worker is cleared, a Transfer event is recorded and the 15-day
/// report duty is set. A transfer someone else decided first gives `Conflict`.
pub async fn decide<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    input: &TransferDecision,
) -> ServiceResult<Decided> {
    actor.require(Permission::ManageMeasures)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageMeasures).await?;
    let p = person::Entity::find_by_id(person_id).one(&txn).await?.ok_or(ServiceError::NotFound("person"))?;
    let visible = load_visible(&txn, actor, person_id).await.is_ok();
    // The transfer the form was shown for: a missing or malformed id decides nothing (it must
    // never act on some other open transfer the user did not see).
    let typed = input.transfer.trim();
    let parsed = Uuid::parse_str(typed).ok();
    let shown = match parsed {
        Some(tid) => transfer::Entity::find_by_id(tid).one(&txn).await?.filter(|t| t.person_id == person_id),
        None => None,
    };
    let involved = shown.as_ref().is_some_and(|t| actor.sees(decider_code(t)) || actor.sees(requester_code(t)));
    if !visible && !involved {
        return Err(ServiceError::NotFound("person"));
    }
    if parsed.is_none() {
        return Err(if typed.is_empty() {
            DomainError::Required { field: "transfer" }.into()
        } else {
            DomainError::InvalidChoice { field: "transfer", input: typed.chars().take(40).collect() }.into()
        });
    }
    let Some(action) = TransferAction::from_form(&input.action) else {
        return Err(if input.action.trim().is_empty() {
            DomainError::Required { field: "action" }.into()
        } else {
            DomainError::InvalidChoice { field: "action", input: input.action.chars().take(20).collect() }.into()
        });
    };
    let Some(t) = shown else { return Err(ServiceError::NotFound("transfer")) };
    let side_ok = match action {
        TransferAction::Accept | TransferAction::Reject => actor.sees(decider_code(&t)),
        _ => actor.sees(requester_code(&t)),
    };
    if !side_ok {
        return Err(ServiceError::Forbidden(Permission::ManageMeasures));
    }
    let from = status_of(&t)?;
    if from != TransferStatus::Requested && !input.transfer.trim().is_empty() {
        // Decided by someone else since the form was shown.
        return Err(ServiceError::Conflict);
    }
    let to_status = rules::check_step(from, action)?;
    let reject_reason = match action {
        TransferAction::Reject => {
            let r = rules::check_reject_reason(&input.reject_reason)?;
            Some(jindu_domain::event::validate_free_text("reject_reason", r, rules::MAX_REASON_CHARS)?)
        }
        _ => None,
    };
    let cal = deployment::calendar(&txn).await?;
    let deadline = (action == TransferAction::Accept).then(|| rules::report_deadline(now.today, &cal));
    let res = transfer::Entity::update_many()
        .set(transfer::ActiveModel {
            status: Set(to_status.as_code().to_string()),
            decided_by: Set(Some(actor.user_id)),
            decided_at: Set(Some(now.instant)),
            decided_on: Set(Some(now.today)),
            reject_reason: Set(vault.seal_opt("transfer", "reject_reason", t.id, reject_reason.as_deref())?),
            report_deadline: Set(deadline),
            ..Default::default()
        })
        .filter(transfer::Column::Id.eq(t.id))
        .filter(transfer::Column::Status.eq(TransferStatus::Requested.as_code()))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    let (from_path, to_path) = (path_of(&txn, &t.from_division_code).await?, path_of(&txn, &t.to_division_code).await?);
    let note = match action {
        TransferAction::Accept => format!(
            "变更执行地已接收：{from_path} → {to_path}，应于{}前到新执行地报到（戒毒条例第二十二条）",
            deadline.unwrap_or(now.today)
        ),
        TransferAction::Reject => format!("变更执行地申请被退回：{to_path}"),
        _ => format!("变更执行地申请已撤回：{from_path} → {to_path}"),
    };
    // What an acceptance moves, for its audit record (issue #18 item 2): both units, the
    // social worker cleared, every duty with its due date, and the new report duty.
    let mut audit_detail = format!("transfer {}", t.id);
    if action == TransferAction::Accept {
        let duties =
            person_rows(&txn, obligation::Column::PersonId, p.id, &[(obligation::Column::Kind, Order::Asc)]).await?;
        let worker = match p.social_worker_id {
            Some(w) => match app_user::Entity::find_by_id(w).one(&txn).await? {
                Some(u) => format!("{} [{}]", u.display_name, u.id),
                None => format!("? [{w}]"),
            },
            None => "none".to_string(),
        };
        let moved: Vec<String> = duties.iter().map(|o| format!("{} {}", o.kind, o.due_date)).collect();
        audit_detail = accept_audit_text(&AcceptAudit {
            transfer: t.id,
            from: (&t.from_division_code, &from_path),
            to: (&t.to_division_code, &to_path),
            worker: &worker,
            duties: &moved,
            report_due: deadline,
        });
        move_person(&txn, &p, &t.to_division_code, &t.to_town_code, now).await?;
    }
    let open_measure = measure::Entity::find()
        .filter(measure::Column::PersonId.eq(p.id))
        .filter(measure::Column::EndedOn.is_null())
        .order_by_desc(measure::Column::DecisionDate)
        .one(&txn)
        .await?
        .map(|m| m.id);
    let detail = step_detail(t.id, to_status.as_code(), &t.from_division_code, &t.to_division_code);
    TimelineEvent::new(p.id, EventKind::Transfer, now.today)
        .measure(open_measure)
        .note(vault, &note)
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    let entry = audit::Entry::ok(format!("transfer.{}", action.as_code()), "person", p.id)
        .with_detail(if action == TransferAction::Accept { audit_detail } else { t.id.to_string() });
    crate::service::casework::finish_write(txn, p.id, None, entry).await?;
    let person_visible = match action {
        TransferAction::Accept => actor.sees(&t.to_division_code) && !actor.caseload_only(),
        _ => visible,
    };
    Ok(Decided { status: to_status, person_visible })
}

/// Called in the transaction of a check-in recorded on `date`: when the person has an accepted
/// transfer decided on or before `date`, the check-in is the report at the new place
/// (戒毒条例 §22) and the transfer ends as reported.
pub(crate) async fn record_report<T: ConnectionTrait + sea_orm::TransactionSession>(
    db: &crate::service::UnitOfWork<T>,
    person_id: Uuid,
    date: NaiveDate,
) -> ServiceResult<()> {
    let Some(t) = open_of(db, person_id).await? else { return Ok(()) };
    if t.status != TransferStatus::Accepted.as_code() || t.decided_on.is_some_and(|d| date < d) {
        return Ok(());
    }
    rules::check_step(TransferStatus::Accepted, TransferAction::Report)?;
    let res = transfer::Entity::update_many()
        .set(transfer::ActiveModel {
            status: Set(TransferStatus::Reported.as_code().to_string()),
            reported_on: Set(Some(date)),
            ..Default::default()
        })
        .filter(transfer::Column::Id.eq(t.id))
        .filter(transfer::Column::Status.eq(TransferStatus::Accepted.as_code()))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    db.audit(audit::Entry::ok("transfer.report", "person", person_id).with_detail(format!("{} {date}", t.id))).await
}

async fn view_of<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    t: transfer::Model,
) -> ServiceResult<TransferView> {
    let status = status_of(&t)?;
    let p = person::Entity::find_by_id(t.person_id).one(db).await?;
    let (name_masked, id_number_masked, sex, age) = match &p {
        Some(p) => {
            let opened = crate::service::record::open_person(vault, p.clone())?;
            (
                jindu_crypto::mask_name(&opened.name),
                jindu_crypto::mask_id_number(&opened.id_number),
                jindu_domain::Sex::from_code(&p.sex),
                jindu_domain::days::age_full_years(p.birth_date, now.today),
            )
        }
        None => (String::new(), String::new(), None, 0),
    };
    let measure = measure::Entity::find()
        .filter(measure::Column::PersonId.eq(t.person_id))
        .filter(measure::Column::EndedOn.is_null())
        .order_by_desc(measure::Column::DecisionDate)
        .one(db)
        .await?
        .and_then(|m| jindu_domain::MeasureKind::from_code(&m.kind));
    let person_visible = load_visible(db, actor, t.person_id).await.is_ok();
    Ok(TransferView {
        id: t.id,
        person_id: t.person_id,
        name_masked,
        id_number_masked,
        sex,
        age,
        measure,
        from_path: path_of(db, &t.from_division_code).await?,
        to_path: path_of(db, &t.to_division_code).await?,
        status,
        requested_on: jindu_domain::clock::Now::at(t.requested_at).today,
        reason: vault.open_opt("transfer", "reason", t.id, t.reason.as_deref())?,
        reject_reason: vault.open_opt("transfer", "reject_reason", t.id, t.reject_reason.as_deref())?,
        decided_on: t.decided_on,
        report_deadline: t.report_deadline,
        reported_on: t.reported_on,
        external: t.external,
        pull: t.pull,
        may_decide: status == TransferStatus::Requested && actor.sees(decider_code(&t)),
        may_cancel: status == TransferStatus::Requested && actor.sees(requester_code(&t)),
        person_visible,
    })
}

/// Most transfers listed per side.
pub const LIST_LIMIT: u64 = 100;

/// Transfers touching the actor's scope, newest first: `incoming` are those the actor's side
/// decides (or received), `outgoing` those it asked for or handed over. Needs `ManageMeasures`.
pub async fn list<C: ConnectionTrait>(db: &C, vault: &Vault, actor: &Actor, now: Now) -> ServiceResult<TransferLists> {
    actor.require(Permission::ManageMeasures)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let rows = transfer::Entity::find()
        .filter(
            Condition::any()
                .add(transfer::Column::ToDivisionCode.between(lo.clone(), hi.clone()))
                .add(transfer::Column::FromDivisionCode.between(lo, hi)),
        )
        .order_by_desc(transfer::Column::RequestedAt)
        .limit(LIST_LIMIT * 2)
        .all(db)
        .await?;
    let mut lists = TransferLists::default();
    for t in rows {
        let incoming = actor.sees(decider_code(&t)) && !(t.pull && actor.sees(&t.to_division_code))
            || (t.external && actor.sees(&t.to_division_code));
        let v = view_of(db, vault, actor, now, t).await?;
        if incoming || v.may_decide {
            lists.incoming.push(v);
        } else {
            lists.outgoing.push(v);
        }
    }
    Ok(lists)
}

/// For the person page: the open transfer (if any) and the places a request may go to. Needs
/// `ManageMeasures` (empty otherwise) and the person in scope.
pub async fn for_person<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
) -> ServiceResult<PersonTransfers> {
    if !actor.can(Permission::ManageMeasures) {
        return Ok(PersonTransfers::default());
    }
    let p = load_visible(db, actor, person_id).await?;
    let open = match open_of(db, person_id).await? {
        Some(t) => Some(view_of(db, vault, actor, now, t).await?),
        None => None,
    };
    let Some(root) = deployment::root(db).await? else { return Ok(PersonTransfers { open, targets: Vec::new() }) };
    let mut targets = Vec::new();
    for town in deployment::in_scope(db, root.code, DivisionLevel::Town).await? {
        if town.code.to_string() == p.town_code {
            continue;
        }
        let communities = deployment::children(db, town.code).await?;
        targets.push(town);
        targets.extend(communities);
    }
    Ok(PersonTransfers { open, targets })
}

/// Where a duplicate ID number is registered, in words that are safe for any scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Duplicate {
    /// In the actor's own scope: open the record.
    InScope(Uuid),
    /// Elsewhere in this deployment: the town's name only.
    OtherTown(String),
    /// Handed over outside this deployment: the county's name only.
    OtherCounty(String),
    /// Sealed after three years' abstinence (戒毒条例 §7): only the district office can open it.
    Sealed,
}

impl Duplicate {
    /// The field error shown on the registration (and import) form.
    pub fn error(&self) -> FieldError {
        match self {
            Duplicate::InScope(_) => FieldError::of("id_number", Message::new("msg.id_number.duplicate_here")),
            Duplicate::OtherTown(town) => FieldError::coded(
                "id_number",
                "id_number.duplicate_elsewhere",
                Message::new("msg.id_number.duplicate_elsewhere").text("town", town),
            ),
            Duplicate::Sealed => FieldError::of("id_number", Message::new("msg.id_number.duplicate_sealed")),
            Duplicate::OtherCounty(county) => FieldError::coded(
                "id_number",
                "id_number.duplicate_elsewhere",
                Message::new("msg.id_number.duplicate_other_county").text("county", county),
            ),
        }
    }

    /// The person to open (in scope only).
    pub fn person(&self) -> Option<Uuid> {
        match self {
            Duplicate::InScope(id) => Some(*id),
            _ => None,
        }
    }

    /// True when a transfer request into the actor's area can be offered.
    pub fn offers_transfer(&self) -> bool {
        matches!(self, Duplicate::OtherTown(_))
    }
}

/// Looks up an ID number (normalised) by blind index and says where it is registered, for
/// `actor`; `None` when it is not registered.
pub async fn find_duplicate<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    number: &IdNumber,
) -> ServiceResult<Option<Duplicate>> {
    let Some(p) = person::Entity::find()
        .filter(person::Column::IdNumberBidx.is_in(vault.id_number_search(number.as_str())))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if load_visible(db, actor, p.id).await.is_ok() {
        return Ok(Some(Duplicate::InScope(p.id)));
    }
    if p.sealed_on.is_some() {
        return Ok(Some(Duplicate::Sealed));
    }
    let in_deployment = match deployment::root(db).await? {
        Some(root) => p.division_code.starts_with(&root.code.prefix()),
        None => true,
    };
    if in_deployment {
        let town = division::Entity::find_by_id(p.town_code.clone())
            .one(db)
            .await?
            .map(|d| d.name)
            .unwrap_or_else(|| p.town_code.clone());
        Ok(Some(Duplicate::OtherTown(town)))
    } else {
        Ok(Some(Duplicate::OtherCounty(
            county_name(&p.division_code).unwrap_or_else(|| p.division_code.get(..6).unwrap_or_default().to_string()),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_messages_name_only_the_town_or_county() {
        let e = Duplicate::OtherTown("广东路街道".into()).error();
        let (zh, en) = jindu_messages::render_both(&e.message);
        assert_eq!(
            zh,
            "该身份证号已在其他辖区（广东路街道）登记，请联系该街道禁毒专干或区禁毒办；如该人员已在本辖区居住，可申请变更执行地。"
        );
        assert!(en.contains("(广东路街道)"));
        assert!(
            jindu_messages::render(&Duplicate::InScope(Uuid::nil()).error().message, "zh").contains("已在本系统登记")
        );
        assert_eq!(Duplicate::OtherCounty("雁峰区".into()).error().code, "id_number.duplicate_elsewhere");
    }
}
