//! Caseloads and the lists the offices work from: the working group of a person (工作小组,
//! 戒毒条例 §17), the assignment of persons to social workers (bulk reassignment), the lost list
//! for the police (失控人员), the three-year candidates (戒断三年, 戒毒条例 §7) with confirmation
//! and sealing, and the risk assessments with the office's factor table.

use chrono::NaiveDate;
use jindu_domain::abstinence::Abstinence;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::risk::{FactorScore, FactorTable};
use jindu_domain::{AssessmentTrigger, ControlStatus, DomainError, EventKind, GroupRole, Permission, RiskTier, Role};
use sea_orm::Order;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use uuid::Uuid;

use crate::entities::{app_user, event, measure, person, risk_assessment, working_group_member};
use crate::service::Sealed;
use crate::service::person_rows;
use crate::service::record::load_visible;
use crate::service::record::open_person_write;
use crate::service::record::{TimelineEvent, set_status};
use crate::service::{
    Actor, FieldError, ServiceError, ServiceResult, audit, casework, deployment, parse_code, scope_bounds, stored,
};
use crate::vault::Vault;

/// A working-group member as the person page shows it.
#[derive(Debug, Clone)]
pub struct MemberView {
    pub id: Uuid,
    pub role: GroupRole,
    pub name: String,
    pub phone: Option<String>,
    pub added_on: NaiveDate,
}

/// The working group of a person (callers have loaded the person within scope); phones masked
/// (138****5678) unless `full_phones`.
pub async fn group_of<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    person_id: Uuid,
    full_phones: bool,
) -> ServiceResult<Vec<MemberView>> {
    person_rows(
        db,
        working_group_member::Column::PersonId,
        person_id,
        &[(working_group_member::Column::CreatedAt, Order::Asc)],
    )
    .await?
    .into_iter()
    .map(|m| {
        let row = m.id.to_string();
        Ok(MemberView {
            id: m.id,
            role: stored("group role", &m.role, GroupRole::from_code)?,
            name: vault.open("working_group_member", "name", &row, &m.name)?,
            phone: m
                .phone
                .as_deref()
                .map(|p| vault.open("working_group_member", "phone", &row, p))
                .transpose()?
                .map(|p| if full_phones { p } else { jindu_crypto::mask_phone(&p) }),
            added_on: m.added_on,
        })
    })
    .collect()
}

/// Adds a member to a person's working group (戒毒条例 §17): role, name, optional phone. Needs
/// `RecordWork`. Name and phone are sealed.
#[allow(clippy::too_many_arguments)]
pub async fn add_member<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    role: &str,
    name: &str,
    phone: &str,
) -> ServiceResult<Uuid> {
    let (txn, _) = open_person_write(db, actor, now, Permission::RecordWork, person_id, Sealed::Refused).await?;
    let mut errors = Vec::new();
    let role = parse_code("role", role, GroupRole::from_code).map_err(|e| errors.push(e)).ok();
    let name = jindu_domain::event::validate_name("member_name", name).map_err(|e| errors.push(e.into())).ok();
    let phone = match phone.trim() {
        "" => None,
        p if p.chars().count() <= crate::service::persons::MAX_PHONE_CHARS
            && p.chars().all(|c| c.is_ascii_digit() || c == '-' || c == '+' || c == ' ') =>
        {
            Some(p.to_string())
        }
        _ => {
            errors.push(FieldError::of("phone", Message::new("msg.phone.format")));
            None
        }
    };
    let (Some(role), Some(name), true) = (role, name, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let id = Uuid::now_v7();
    let row = id.to_string();
    working_group_member::Entity::insert(working_group_member::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        role: Set(role.as_code().to_string()),
        name: Set(vault.seal("working_group_member", "name", &row, &name)?),
        phone: Set(phone.map(|p| vault.seal("working_group_member", "phone", &row, &p)).transpose()?),
        user_id: Set(None),
        added_on: Set(now.today),
        created_at: Set(now.instant),
    })
    .exec(&txn)
    .await?;
    txn.audit(audit::Entry::ok("group.add", "person", person_id).with_detail(format!("{} {id}", role.as_code())))
        .await?;
    txn.commit().await?;
    Ok(id)
}

/// Removes a member from a person's working group. Needs `RecordWork`.
pub async fn remove_member<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    member_id: Uuid,
) -> ServiceResult<()> {
    let (txn, _) = open_person_write(db, actor, now, Permission::RecordWork, person_id, Sealed::Refused).await?;
    let res = working_group_member::Entity::delete_many()
        .filter(working_group_member::Column::Id.eq(member_id))
        .filter(working_group_member::Column::PersonId.eq(person_id))
        .exec(&txn)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::NotFound("member"));
    }
    txn.audit(audit::Entry::ok("group.remove", "person", person_id).with_detail(member_id.to_string())).await?;
    txn.commit().await?;
    Ok(())
}

/// [`remove_member`] with the member's id as typed in the form: the permission (403) and the
/// person's scope (404) are checked before the id, so a blank or unreadable id is a field error
/// (422, field `member`) only for someone who may change the group.
///
/// # Errors
/// As [`remove_member`]; `Invalid` (field `member`) for an id that is not one.
pub async fn remove_member_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
    member_id: &str,
) -> ServiceResult<()> {
    actor.require(Permission::RecordWork)?;
    load_visible(db, actor, person_id).await?;
    let member_id = crate::service::sub_id("member", member_id)?;
    remove_member(db, actor, now, person_id, member_id).await
}

/// One social worker's caseload figure.
#[derive(Debug, Clone)]
pub struct WorkerLoad {
    pub id: Uuid,
    pub name: String,
    pub division_code: String,
    /// Persons assigned (not sealed, not deceased).
    pub persons: u64,
}

/// The social workers in the actor's scope with their caseloads, and the persons without one.
/// Needs `ManageMeasures` (the town officer and the office manage caseloads).
pub async fn loads<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<(Vec<WorkerLoad>, u64)> {
    actor.require(Permission::ManageMeasures)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let workers = app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DivisionCode.between(lo.clone(), hi.clone()))
        .order_by_asc(app_user::Column::DivisionCode)
        .order_by_asc(app_user::Column::Username)
        .all(db)
        .await?;
    let persons: Vec<(Option<Uuid>,)> = {
        use sea_orm::QuerySelect;
        person::Entity::find()
            .select_only()
            .column(person::Column::SocialWorkerId)
            .filter(person::Column::DivisionCode.between(lo, hi))
            .filter(person::Column::SealedOn.is_null())
            .filter(person::Column::ControlStatus.ne(ControlStatus::Deceased.as_code()))
            .into_tuple()
            .all(db)
            .await?
    };
    let mut counts: std::collections::HashMap<Option<Uuid>, u64> = std::collections::HashMap::new();
    for (w,) in persons {
        *counts.entry(w).or_default() += 1;
    }
    let unassigned = counts.get(&None).copied().unwrap_or(0);
    Ok((
        workers
            .into_iter()
            .map(|w| WorkerLoad {
                persons: counts.get(&Some(w.id)).copied().unwrap_or(0),
                id: w.id,
                name: w.display_name,
                division_code: w.division_code,
            })
            .collect(),
        unassigned,
    ))
}

/// [`reassign`] with the persons' ids as the form's checkboxes sent them: the permission is
/// checked first (403), then every id (one `InvalidChoice` of field `persons` for each that is
/// not one, nothing moved), then [`reassign`].
///
/// # Errors
/// As [`reassign`]; `Invalid` (field `persons`) for unreadable ids.
pub async fn reassign_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    persons: &[String],
    to_worker: &str,
) -> ServiceResult<u64> {
    actor.require(Permission::ManageMeasures)?;
    let mut ids = Vec::with_capacity(persons.len());
    let mut errors: Vec<FieldError> = Vec::new();
    for v in persons {
        match Uuid::parse_str(v.trim()) {
            Ok(id) => ids.push(id),
            Err(_) => {
                errors.push(DomainError::InvalidChoice { field: "persons", input: v.chars().take(40).collect() }.into())
            }
        }
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    reassign(db, actor, now, &ids, to_worker).await
}

/// The persons of one social worker (`Some(id)`) or the unassigned (`None`) in the actor's
/// scope, to pick on the caseload page: (id, name, division code), by division then name.
/// Sealed and deceased persons are left out (they are not reassigned), and only persons the
/// actor may see are listed (`record::visible_to`). Needs `ManageMeasures`.
///
/// # Errors
/// Forbidden; store errors; `Vault` when a name cannot be opened.
pub async fn persons_of_worker<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    worker: Option<Uuid>,
) -> ServiceResult<Vec<(Uuid, String, String)>> {
    actor.require(Permission::ManageMeasures)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let q = person::Entity::find()
        .filter(person::Column::DivisionCode.between(lo, hi))
        .filter(person::Column::SealedOn.is_null())
        .filter(person::Column::ControlStatus.ne(ControlStatus::Deceased.as_code()));
    let q = match worker {
        Some(w) => q.filter(person::Column::SocialWorkerId.eq(w)),
        None => q.filter(person::Column::SocialWorkerId.is_null()),
    };
    let mut out = Vec::new();
    for p in q.all(db).await?.into_iter().filter(|p| crate::service::record::visible_to(actor, p)) {
        let name = vault.open("person", "name", &p.id.to_string(), &p.name)?;
        out.push((p.id, name, p.division_code));
    }
    out.sort_by(|x, y| x.2.cmp(&y.2).then(x.1.cmp(&y.1)));
    Ok(out)
}

/// Reassigns `persons` to the social worker `to_worker`, all or none, in one transaction: each
/// person must be visible to the actor and lie in the worker's town (a worker serves the
/// persons of their own workstation's town). Obligations follow the person. Each person moved
/// gets a `Reassigned` timeline event whose detail ([`ReassignDetail`]) names the previous and
/// the new worker, and one audit record `caseload.reassign` on the person with before and after
/// ([`ReassignDetail::audit_text`]), in the same transaction (issue #18 item 2). Returns how
/// many moved (persons already assigned to that worker are left as they are, without a record).
/// Needs `ManageMeasures`.
pub async fn reassign<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    persons: &[Uuid],
    to_worker: &str,
) -> ServiceResult<u64> {
    actor.require(Permission::ManageMeasures)?;
    if persons.is_empty() {
        return Err(DomainError::Required { field: "persons" }.into());
    }
    let worker = match Uuid::parse_str(to_worker.trim()) {
        Ok(id) => app_user::Entity::find_by_id(id).one(db).await?.filter(|u| {
            u.role == Role::SocialWorker.as_code() && u.disabled_at.is_none() && actor.sees(&u.division_code)
        }),
        Err(_) => None,
    };
    let Some(worker) = worker else {
        return Err(
            DomainError::InvalidChoice { field: "to_worker", input: to_worker.chars().take(40).collect() }.into()
        );
    };
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageMeasures).await?;
    let worker_prefix = jindu_domain::DivisionCode::parse(&worker.division_code)
        .map(|d| d.prefix())
        .map_err(|_| ServiceError::Data(format!("worker division {}", worker.division_code)))?;
    let mut moved = 0;
    for id in persons {
        let p = load_visible(&txn, actor, *id).await?;
        crate::service::record::ensure_not_sealed(&p)?;
        if !p.division_code.starts_with(&worker_prefix) {
            return Err(FieldError::of(
                "to_worker",
                Message::new("msg.caseload.other_town").text("town", town_name(&txn, &p.town_code).await?),
            )
            .into());
        }
        if p.social_worker_id == Some(worker.id) {
            continue;
        }
        let previous = match p.social_worker_id {
            Some(w) => app_user::Entity::find_by_id(w).one(&txn).await?.map(|u| (u.id, u.display_name)),
            None => None,
        };
        person::Entity::update_many()
            .col_expr(person::Column::SocialWorkerId, Expr::value(worker.id))
            .col_expr(person::Column::Version, Expr::value(p.version + 1))
            .col_expr(person::Column::UpdatedAt, Expr::value(now.instant))
            .filter(person::Column::Id.eq(p.id))
            .filter(person::Column::Version.eq(p.version))
            .exec(&txn)
            .await
            .map_err(ServiceError::from)
            .and_then(|r| if r.rows_affected == 1 { Ok(()) } else { Err(ServiceError::Conflict) })?;
        let detail = ReassignDetail {
            from: previous.as_ref().map(|(id, _)| *id).or(p.social_worker_id),
            from_name: previous.map(|(_, name)| name),
            to: worker.id,
            to_name: worker.display_name.clone(),
        };
        let json = serde_json::to_string(&detail).map_err(|e| ServiceError::Data(e.to_string()))?;
        TimelineEvent::new(p.id, EventKind::Reassigned, now.today).detail(json).insert(&txn, actor, now).await?;
        crate::service::casework::refresh_obligations(&txn, p.id, now).await?;
        txn.audit(audit::Entry::ok("caseload.reassign", "person", p.id).with_detail(detail.audit_text())).await?;
        moved += 1;
    }
    txn.commit().await?;
    Ok(moved)
}

/// What a reassignment changed, kept as the `Reassigned` event's detail (JSON) and shown on the
/// timeline: the previous worker (`None` when the person had none) and the new one, by id and
/// display name at the time.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReassignDetail {
    pub from: Option<Uuid>,
    pub from_name: Option<String>,
    pub to: Uuid,
    pub to_name: String,
}

impl ReassignDetail {
    /// The audit record's detail: `social_worker <before> -> <after>`, each side
    /// `name [id]` or `none`, e.g. `social_worker 社工一 [0192…] -> 社工二 [0193…]`.
    pub fn audit_text(&self) -> String {
        let side = |id: Option<Uuid>, name: Option<&str>| match id {
            Some(id) => format!("{} [{id}]", name.unwrap_or("?")),
            None => "none".to_string(),
        };
        format!(
            "social_worker {} -> {}",
            side(self.from, self.from_name.as_deref()),
            side(Some(self.to), Some(&self.to_name))
        )
    }
}

/// The name of a division code (the code itself when unknown).
async fn town_name<C: ConnectionTrait>(db: &C, code: &str) -> ServiceResult<String> {
    Ok(crate::entities::division::Entity::find_by_id(code.to_string())
        .one(db)
        .await?
        .map(|d| d.name)
        .unwrap_or_else(|| code.to_string()))
}

/// A lost person on the police list.
#[derive(Debug, Clone)]
pub struct LostRow {
    pub person_id: Uuid,
    pub name: String,
    /// Masked ID number and phone (the person page shows them in full to roles with Unmask).
    pub id_masked: String,
    pub phone_masked: Option<String>,
    /// The last check-in, test or visit before the loss.
    pub last_contact: Option<NaiveDate>,
    pub town_code: String,
    pub lost_since: Option<NaiveDate>,
    pub days: i64,
    /// Lost longer than the escalation period: the district office has it.
    pub escalated: bool,
}

/// The persons lost (失控) in the actor's scope, longest lost first: the list the police work
/// from. Needs `ViewPersons`.
pub async fn lost_list<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
) -> ServiceResult<Vec<LostRow>> {
    actor.require(Permission::ViewPersons)?;
    let rules = casework::alert_rules(db).await?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let mut q = person::Entity::find()
        .filter(person::Column::DivisionCode.between(lo, hi))
        .filter(person::Column::ControlStatus.eq(ControlStatus::LostContact.as_code()))
        .filter(person::Column::SealedOn.is_null());
    if actor.caseload_only() {
        q = q.filter(person::Column::SocialWorkerId.eq(actor.user_id));
    }
    let mut rows = q
        .all(db)
        .await?
        .into_iter()
        .map(|p| {
            let days = p.lost_since.map(|d| (now.today - d).num_days()).unwrap_or(0);
            let row = p.id.to_string();
            let id_number = vault.open("person", "id_number", &row, &p.id_number)?;
            let phone = p.phone.as_deref().map(|ph| vault.open("person", "phone", &row, ph)).transpose()?;
            Ok(LostRow {
                person_id: p.id,
                id_masked: jindu_domain::IdNumber::parse(&id_number).map(|n| n.masked()).unwrap_or_default(),
                phone_masked: phone.as_deref().map(jindu_crypto::mask_phone),
                last_contact: None,
                name: vault.open("person", "name", &row, &p.name)?,
                town_code: p.town_code,
                lost_since: p.lost_since,
                days,
                escalated: days >= i64::from(rules.escalate_after_days),
            })
        })
        .collect::<ServiceResult<Vec<_>>>()?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.person_id).collect();
    let mut last: std::collections::HashMap<Uuid, NaiveDate> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        use sea_orm::QuerySelect;
        use sea_orm::sea_query::{Expr, ExprTrait};
        let rows: Vec<(Uuid, Option<NaiveDate>)> = event::Entity::find()
            .select_only()
            .column(event::Column::PersonId)
            .column_as(Expr::col(event::Column::OccurredOn).max(), "last")
            .filter(event::Column::PersonId.is_in(chunk.to_vec()))
            .filter(event::Column::Kind.is_in([
                EventKind::CheckIn.as_code(),
                EventKind::DrugTest.as_code(),
                EventKind::Visit.as_code(),
            ]))
            .group_by(event::Column::PersonId)
            .into_tuple()
            .all(db)
            .await?;
        last.extend(rows.into_iter().filter_map(|(id, d)| d.map(|d| (id, d))));
    }
    for r in &mut rows {
        r.last_contact = last.get(&r.person_id).copied();
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.days));
    Ok(rows)
}

/// A candidate for leaving dynamic control after three years off drugs.
#[derive(Debug, Clone)]
pub struct CandidateRow {
    pub person_id: Uuid,
    pub name: String,
    pub town_code: String,
    pub status: ControlStatus,
    pub abstinence: Abstinence,
}

/// The persons in scope with no open measure who have been off drugs three years by today
/// (戒毒条例 §7), with the anchor explained; qualified longest first. Needs `ManageMeasures`.
pub async fn abstinence_candidates<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
) -> ServiceResult<Vec<CandidateRow>> {
    actor.require(Permission::ManageMeasures)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let persons = person::Entity::find()
        .filter(person::Column::DivisionCode.between(lo, hi))
        .filter(
            person::Column::ControlStatus
                .is_in([ControlStatus::UnderControl.as_code(), ControlStatus::Released.as_code()]),
        )
        .filter(person::Column::SealedOn.is_null())
        .all(db)
        .await?;
    let ids: Vec<Uuid> = persons.iter().map(|p| p.id).collect();
    let mut measures: std::collections::HashMap<Uuid, Vec<measure::Model>> = std::collections::HashMap::new();
    for chunk in ids.chunks(500) {
        for m in measure::Entity::find().filter(measure::Column::PersonId.is_in(chunk.to_vec())).all(db).await? {
            measures.entry(m.person_id).or_default().push(m);
        }
    }
    let mut out = Vec::new();
    for p in persons {
        let ms = measures.remove(&p.id).unwrap_or_default();
        if ms.iter().any(|m| m.ended_on.is_none()) {
            continue;
        }
        let events = event::Entity::find()
            .filter(event::Column::PersonId.eq(p.id))
            .filter(event::Column::Kind.is_in([EventKind::DrugTest.as_code(), EventKind::Relapse.as_code()]))
            .all(db)
            .await?;
        let Some(a) = casework::abstinence_of(&events, &ms) else { continue };
        if !a.qualifies(now.today) {
            continue;
        }
        out.push(CandidateRow {
            name: vault.open("person", "name", &p.id.to_string(), &p.name)?,
            person_id: p.id,
            town_code: p.town_code,
            status: stored("control_status", &p.control_status, ControlStatus::from_code)?,
            abstinence: a,
        });
    }
    out.sort_by_key(|c| c.abstinence.qualifies_on);
    Ok(out)
}

/// Confirms that a candidate has been off drugs three years (戒毒条例 §7): status
/// `Abstinent3y`, the record sealed from routine lists and searches from today, a
/// `StatusChanged` event naming the anchor, audited. Refused when the person does not qualify
/// today (an open measure, or the three years not yet run). Needs `ManageMeasures` and
/// `OpenSealed` (the office: after sealing only it can open the record).
pub async fn confirm_abstinence<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
) -> ServiceResult<()> {
    actor.require(Permission::ManageMeasures)?;
    let (txn, p) = open_person_write(db, actor, now, Permission::OpenSealed, person_id, Sealed::Allowed).await?;
    let status = stored("control_status", &p.control_status, ControlStatus::from_code)?;
    let ms = measure::Entity::find().filter(measure::Column::PersonId.eq(person_id)).all(&txn).await?;
    let events = event::Entity::find()
        .filter(event::Column::PersonId.eq(person_id))
        .filter(event::Column::Kind.is_in([EventKind::DrugTest.as_code(), EventKind::Relapse.as_code()]))
        .all(&txn)
        .await?;
    let a = casework::abstinence_of(&events, &ms);
    if status == ControlStatus::Abstinent3y {
        return Err(FieldError::of("action", Message::new("msg.abstinence.confirmed")).into());
    }
    let ok = matches!(status, ControlStatus::UnderControl | ControlStatus::Released)
        && !ms.iter().any(|m| m.ended_on.is_none())
        && a.is_some_and(|a| a.qualifies(now.today));
    let Some(a) = a.filter(|_| ok) else {
        return Err(FieldError::of("action", Message::new("msg.abstinence.not_qualified")).into());
    };
    set_status(&txn, &p, ControlStatus::Abstinent3y, now).await?;
    person::Entity::update_many()
        .col_expr(person::Column::SealedOn, Expr::value(now.today))
        .filter(person::Column::Id.eq(person_id))
        .exec(&txn)
        .await?;
    let detail = serde_json::json!({
        "from": status.as_code(),
        "to": ControlStatus::Abstinent3y.as_code(),
        "anchor": a.anchor,
        "anchor_kind": a.kind.label_zh(),
        "qualifies_on": a.qualifies_on,
    })
    .to_string();
    let note = format!("确认戒断三年未复吸：{}{}，{}起满三年；档案封存", a.kind.label_zh(), a.anchor, a.qualifies_on);
    TimelineEvent::new(person_id, EventKind::StatusChanged, now.today)
        .note(vault, &note)
        .detail(detail)
        .insert(&txn, actor, now)
        .await?;
    casework::finish_write(
        txn,
        person_id,
        None,
        audit::Entry::ok("person.abstinence_confirm", "person", person_id).with_detail(format!("anchor {}", a.anchor)),
    )
    .await?;
    Ok(())
}

/// One stored assessment, for the person page.
#[derive(Debug, Clone)]
pub struct AssessmentView {
    pub assessed_on: NaiveDate,
    pub trigger: AssessmentTrigger,
    pub tier: RiskTier,
    pub score: i32,
    pub overridden: bool,
    pub breakdown: Vec<FactorScore>,
}

/// The assessments of a person, newest first (at most `limit`).
pub async fn assessments_of<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    limit: u64,
) -> ServiceResult<Vec<AssessmentView>> {
    use sea_orm::QuerySelect;
    risk_assessment::Entity::find()
        .filter(risk_assessment::Column::PersonId.eq(person_id))
        .order_by_desc(risk_assessment::Column::AssessedAt)
        .order_by_desc(risk_assessment::Column::Id)
        .limit(limit)
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            Ok(AssessmentView {
                assessed_on: r.assessed_on,
                trigger: stored("trigger", &r.trigger, AssessmentTrigger::from_code)?,
                tier: stored("tier", &r.tier, RiskTier::from_code)?,
                score: r.score,
                overridden: r.overridden,
                breakdown: serde_json::from_str(&r.breakdown).map_err(|e| ServiceError::Data(e.to_string()))?,
            })
        })
        .collect()
}

/// Re-assesses one person now (人工复评). Needs `RecordWork`.
pub async fn reassess<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    person_id: Uuid,
) -> ServiceResult<()> {
    let (txn, _) = open_person_write(db, actor, now, Permission::RecordWork, person_id, Sealed::Refused).await?;
    casework::finish_write(
        txn,
        person_id,
        Some(AssessmentTrigger::Manual),
        audit::Entry::ok("risk.reassess", "person", person_id),
    )
    .await?;
    Ok(())
}

/// Saves the office's factor table (JSON fields as typed in the form), the alert rules and the
/// tier labels and colours, then
/// re-assesses every person of the deployment with the new table (trigger `table`), one short
/// transaction each, with one audit record `risk.table_reassess` for each person whose tier or
/// alerts changed (before and after). Needs `Configure`; deployment-wide, so only a user whose scope is the whole
/// deployment may save. Returns how many persons were re-assessed.
///
/// # Errors
/// `Refused` (403) for a scope smaller than the deployment; `Invalid` naming `risk_table` when the thresholds are inconsistent (medium must be below high
/// and above 0).
pub async fn save_risk_table<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    table: &FactorTable,
    rules: &jindu_domain::alert::AlertRules,
    display: jindu_domain::risk::TierDisplay,
) -> ServiceResult<u64> {
    actor.require(Permission::Configure)?;
    deployment::require_deployment_wide(db, actor, jindu_domain::access::DeploymentSetting::RiskTable).await?;
    let display = display.checked()?;
    if table.medium_at == 0 || table.medium_at >= table.high_at {
        return Err(FieldError::of("risk_table", Message::new("msg.risk.thresholds")).into());
    }
    {
        let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
        let json = serde_json::to_string(table).map_err(|e| ServiceError::Data(e.to_string()))?;
        deployment::put_setting(&txn, casework::RISK_TABLE_KEY, &json).await?;
        let rjson = serde_json::to_string(rules).map_err(|e| ServiceError::Data(e.to_string()))?;
        deployment::put_setting(&txn, casework::ALERT_RULES_KEY, &rjson).await?;
        let djson = serde_json::to_string(&display).map_err(|e| ServiceError::Data(e.to_string()))?;
        deployment::put_setting(&txn, casework::TIER_DISPLAY_KEY, &djson).await?;
        txn.audit(audit::Entry {
            action: "settings.risk_table".into(),
            object_type: None,
            object_id: None,
            outcome: audit::Outcome::Ok,
            detail: Some(json),
        })
        .await?;
        txn.commit().await?;
    }
    let ids: Vec<Uuid> = {
        use sea_orm::QuerySelect;
        person::Entity::find()
            .select_only()
            .column(person::Column::Id)
            .filter(person::Column::SealedOn.is_null())
            .filter(person::Column::ControlStatus.ne(ControlStatus::Deceased.as_code()))
            .into_tuple()
            .all(db)
            .await?
    };
    for id in &ids {
        let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
        let r = casework::reconcile(&txn, *id, Some(AssessmentTrigger::Table)).await?;
        // A bulk change: one record per person it changed, with before and after (issue #18
        // item 2), by the editor of the table, in the same transaction.
        if let Some(text) = r.audit_text() {
            txn.audit(audit::Entry::ok("risk.table_reassess", "person", *id).with_detail(text)).await?;
        }
        txn.commit().await?;
    }
    Ok(ids.len() as u64)
}

/// What the risk settings page (风险评估表) shows: the table, the rules and the tier display in
/// force, the persons per tier in scope (for roles that see counts, not the system
/// administrator) and, for a user below the deployment's root, why the table is read-only.
#[derive(Debug, Clone)]
pub struct RiskSettings {
    pub table: FactorTable,
    pub rules: jindu_domain::alert::AlertRules,
    pub display: jindu_domain::risk::TierDisplay,
    /// (high, medium, low), or `None` for a role that does not see counts.
    pub tiers: Option<(u64, u64, u64)>,
    /// The sentence of the deployment-wide refusal when the actor may read but not save.
    pub read_only: Option<FieldError>,
}

/// The risk settings page's data. Needs `Configure`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn risk_settings<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<RiskSettings> {
    actor.require(Permission::Configure)?;
    let read_only = match deployment::require_deployment_wide(
        db,
        actor,
        jindu_domain::access::DeploymentSetting::RiskTable,
    )
    .await
    {
        Ok(()) => None,
        Err(ServiceError::Refused(e)) => Some(e),
        Err(e) => return Err(e),
    };
    Ok(RiskSettings {
        table: casework::risk_table(db).await?,
        rules: casework::alert_rules(db).await?,
        display: casework::tier_display(db).await?,
        tiers: risk_tier_counts(db, actor).await?,
        read_only,
    })
}

/// Persons per tier in scope for the risk settings page, `None` for a role without `ViewCounts`.
///
/// # Errors
/// Store errors.
pub async fn risk_tier_counts<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Option<(u64, u64, u64)>> {
    if actor.can(Permission::ViewCounts) { Ok(Some(tier_counts(db, actor).await?)) } else { Ok(None) }
}

/// Opens the risk settings for saving: checks `Configure` and that the table is the actor's to
/// change (deployment-wide: refused with the sentence naming the root, 403), before the form is
/// read, and returns the tier display in force (names and colours left out of a submission stay
/// as they are).
///
/// # Errors
/// Forbidden; `Refused` below the deployment's root; store errors.
pub async fn risk_settings_for_edit<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> ServiceResult<jindu_domain::risk::TierDisplay> {
    actor.require(Permission::Configure)?;
    deployment::require_deployment_wide(db, actor, jindu_domain::access::DeploymentSetting::RiskTable).await?;
    casework::tier_display(db).await
}

/// The tier a count of persons have in scope, for the risk settings page: (high, medium, low).
pub async fn tier_counts<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<(u64, u64, u64)> {
    use sea_orm::PaginatorTrait;
    let (lo, hi) = scope_bounds(&actor.scope);
    let count = |t: RiskTier| {
        person::Entity::find()
            .filter(person::Column::DivisionCode.between(lo.clone(), hi.clone()))
            .filter(person::Column::ControlStatus.eq(ControlStatus::UnderControl.as_code()))
            .filter(person::Column::SealedOn.is_null())
            .filter(person::Column::RiskTier.eq(t.as_code()))
            .count(db)
    };
    Ok((count(RiskTier::High).await?, count(RiskTier::Medium).await?, count(RiskTier::Low).await?))
}
