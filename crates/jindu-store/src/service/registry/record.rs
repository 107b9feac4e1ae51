//! 个人档案 The stored record of one person, below every work line that writes about them: the
//! data-scope rule and loading the person within it, opening a write about them, the optimistic
//! version and the sealed-record check, locking the person for derived state, the control
//! status, the timeline's plain events, a measure's clock as stored, and the open transfer. The
//! registry, casework, statistics and audit modules build on it; it depends on nothing of theirs
//! (the service root, the unit of work and the entities only).

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::measure::MeasureClock;
use jindu_domain::message::Message;
use jindu_domain::transfer::TransferStatus;
use jindu_domain::{ControlStatus, EndReason, EventKind, MeasureKind, Permission, Suspension};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use crate::entities::{event, measure, person, transfer};
use crate::service::{Actor, FieldError, Sealed, ServiceError, ServiceResult, UnitOfWork, stored};
use crate::vault::Vault;

/// A person row with its sealed columns opened (plaintext). Never write it back as is.
pub(crate) fn open_person(vault: &Vault, mut m: person::Model) -> ServiceResult<person::Model> {
    let row = m.id.to_string();
    m.name = vault.open("person", "name", &row, &m.name)?;
    m.id_number = vault.open("person", "id_number", &row, &m.id_number)?;
    m.phone = vault.open_opt("person", "phone", m.id, m.phone.as_deref())?;
    m.address = vault.open_opt("person", "address", m.id, m.address.as_deref())?;
    m.note = vault.open_opt("person", "note", m.id, m.note.as_deref())?;
    Ok(m)
}

/// Optimistic concurrency for forms: an empty `version` (an old client) is not checked; any
/// other value must equal the stored version, else `Conflict`.
pub fn check_version(version: &str, stored: i32) -> ServiceResult<()> {
    match version.trim() {
        "" => Ok(()),
        v if v.parse::<i32>().ok() == Some(stored) => Ok(()),
        _ => Err(ServiceError::Conflict),
    }
}

/// Refuses work on a record sealed after three years' abstinence (戒毒条例 §7): it is out of
/// dynamic control. A relapse (recorded as an event) brings it back.
pub fn ensure_not_sealed(p: &person::Model) -> ServiceResult<()> {
    match p.sealed_on {
        Some(day) => Err(FieldError::of("action", Message::new("msg.person.sealed").text("day", day)).into()),
        None => Ok(()),
    }
}

/// The data-scope rule for one person's record, written once: the actor sees it when its
/// division lies in the actor's scope, when it is on the actor's own caseload if the role is
/// limited to one (社工), and when it is not sealed (three years abstinent) unless the role may
/// open sealed records. Every read of a person ([`load_visible`], the drill-down behind a figure,
/// the caseload picker) asks this.
pub fn visible_to(actor: &Actor, p: &person::Model) -> bool {
    actor.sees(&p.division_code)
        && (!actor.caseload_only() || p.social_worker_id == Some(actor.user_id))
        && (p.sealed_on.is_none() || actor.can(Permission::OpenSealed))
}

/// Loads a person the actor may see ([`visible_to`]); anything else answers
/// `NotFound("person")`, so an out-of-scope id looks exactly like a missing one.
pub async fn load_visible<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<person::Model> {
    match person::Entity::find_by_id(id).one(db).await? {
        Some(p) if visible_to(actor, &p) => Ok(p),
        _ => Err(ServiceError::NotFound("person")),
    }
}

/// The beginning of every write about one person: checks `permission` (403 before anything is
/// read), opens the unit of work ([`UnitOfWork::begin`]) and loads the person within the actor's
/// data scope ([`load_visible`]: outside it, or outside a social worker's own caseload,
/// the person is `NotFound`, like a missing one), refusing a sealed record unless `sealed` allows
/// it. The caller writes in the returned unit and ends with
/// `casework::finish_write` (derived state, audit record, commit).
///
/// # Errors
/// `Forbidden`, `NotFound`, `Invalid` (`person.sealed`), `Db`.
pub(crate) async fn open_person_write<C: ConnectionTrait + sea_orm::TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    permission: Permission,
    person_id: Uuid,
    sealed: Sealed,
) -> ServiceResult<(UnitOfWork<C::Transaction>, person::Model)> {
    let uow = UnitOfWork::begin(db, actor, now, permission).await?;
    let p = load_visible(&uow, actor, person_id).await?;
    if sealed == Sealed::Refused {
        ensure_not_sealed(&p)?;
    }
    Ok((uow, p))
}

/// The clock of a stored measure (kind, decision, report, suspensions, end) as the domain
/// computes with it.
///
/// # Errors
/// `Data` when a stored code or the suspensions cannot be read back.
pub(crate) fn clock_of(m: &measure::Model) -> ServiceResult<MeasureClock> {
    let kind = stored("measure kind", &m.kind, MeasureKind::from_code)?;
    let suspensions: Vec<Suspension> =
        serde_json::from_str(&m.suspensions).map_err(|e| ServiceError::Data(format!("suspensions: {e}")))?;
    let ended = match (m.ended_on, m.end_reason.as_deref()) {
        (Some(d), Some(r)) => Some((d, stored("end reason", r, EndReason::from_code)?)),
        _ => None,
    };
    Ok(MeasureClock { kind, decision_date: m.decision_date, reported_on: m.reported_on, suspensions, ended })
}

/// A plain event (no test fields) for a person's timeline: its kind and day, the measure it
/// belongs to, a note (sealed with the vault that comes with it: `event.note` is encrypted at
/// rest) and a detail (JSON the timeline shows). The one place such an event is inserted:
/// [`TimelineEvent::insert`] records it as the acting user, [`TimelineEvent::insert_by`] as a
/// user or the system (transfers, transfer files, sweeps).
#[must_use = "an event is stored only by `insert` or `insert_by`"]
pub(crate) struct TimelineEvent<'a> {
    person_id: Uuid,
    kind: EventKind,
    on: NaiveDate,
    measure_id: Option<Uuid>,
    note: Option<(&'a crate::Vault, &'a str)>,
    detail: Option<String>,
}

impl<'a> TimelineEvent<'a> {
    /// An event of `kind` about the person `person_id` on the day `on`, with no measure, note
    /// or detail.
    pub(crate) fn new(person_id: Uuid, kind: EventKind, on: NaiveDate) -> Self {
        TimelineEvent { person_id, kind, on, measure_id: None, note: None, detail: None }
    }

    /// The measure the event belongs to (`None`: none).
    pub(crate) fn measure(mut self, measure_id: impl Into<Option<Uuid>>) -> Self {
        self.measure_id = measure_id.into();
        self
    }

    /// A note, sealed with `vault` when the event is inserted.
    pub(crate) fn note(self, vault: &'a crate::Vault, text: &'a str) -> Self {
        self.note_opt(Some((vault, text)))
    }

    /// A note when there is one, with the vault that seals it.
    pub(crate) fn note_opt(mut self, note: Option<(&'a crate::Vault, &'a str)>) -> Self {
        self.note = note;
        self
    }

    /// The detail the timeline shows (JSON; `None`: none).
    pub(crate) fn detail(mut self, detail: impl Into<Option<String>>) -> Self {
        self.detail = detail.into();
        self
    }

    /// Inserts the event as recorded by `actor` at `now`; returns its id.
    ///
    /// # Errors
    /// `Db`; `Vault` when the note cannot be sealed.
    pub(crate) async fn insert<C: ConnectionTrait>(self, db: &C, actor: &Actor, now: Now) -> ServiceResult<Uuid> {
        self.insert_by(db, Some(actor.user_id), now).await
    }

    /// Inserts the event as recorded by `recorded_by` (a user, or `None` for the system) at
    /// `now`; returns its id.
    ///
    /// # Errors
    /// `Db`; `Vault` when the note cannot be sealed.
    pub(crate) async fn insert_by<C: ConnectionTrait>(
        self,
        db: &C,
        recorded_by: Option<Uuid>,
        now: Now,
    ) -> ServiceResult<Uuid> {
        let id = Uuid::now_v7();
        let note = self.note.map(|(vault, text)| vault.seal("event", "note", &id.to_string(), text)).transpose()?;
        event::Entity::insert(event::ActiveModel {
            id: Set(id),
            person_id: Set(self.person_id),
            measure_id: Set(self.measure_id),
            kind: Set(self.kind.as_code().to_string()),
            occurred_on: Set(self.on),
            recorded_at: Set(now.instant),
            recorded_by: Set(recorded_by),
            test_method: Set(None),
            test_result: Set(None),
            substance: Set(None),
            note: Set(note),
            amends_event_id: Set(None),
            detail: Set(self.detail),
        })
        .exec(db)
        .await?;
        Ok(id)
    }
}

/// Writes a new control status with the optimistic-concurrency check on `version`.
pub(crate) async fn set_status<C: ConnectionTrait>(
    db: &C,
    p: &person::Model,
    status: ControlStatus,
    now: Now,
) -> ServiceResult<()> {
    let res = person::Entity::update_many()
        .col_expr(person::Column::ControlStatus, sea_orm::sea_query::Expr::value(status.as_code()))
        .col_expr(person::Column::Version, sea_orm::sea_query::Expr::value(p.version + 1))
        .col_expr(person::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now.instant))
        .filter(person::Column::Id.eq(p.id))
        .filter(person::Column::Version.eq(p.version))
        .exec(db)
        .await?;
    if res.rows_affected != 1 {
        return Err(ServiceError::Conflict);
    }
    Ok(())
}

/// Serialises the writes that recompute one person's derived state (obligations, the kept
/// indicator contribution) until the caller's transaction ends ([`crate::sql::lock_person`]): on
/// PostgreSQL the person's row is locked `FOR NO KEY UPDATE` (which does not conflict with the key-share locks that inserting
/// the person's events takes, so two writers of one person queue here instead of deadlocking);
/// SQLite admits one writer at a time anyway. Writers of different persons never wait for each
/// other. Without it two transactions could both delete and re-insert the same obligation rows
/// (`obligation_pkey`), as the process-wide audit lock used to prevent by serialising everything.
///
/// # Errors
/// `Db` on a database failure.
pub async fn lock_person<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<()> {
    Ok(crate::sql::lock_person(db, person_id).await?)
}

/// The open (not ended) measure of a person, newest decision first.
pub(crate) async fn open_measure<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<Option<measure::Model>> {
    Ok(measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person_id))
        .filter(measure::Column::EndedOn.is_null())
        .order_by_desc(measure::Column::DecisionDate)
        .one(db)
        .await?)
}

/// The open (requested or accepted) transfer of a person, if any.
pub(crate) async fn open_of<C: ConnectionTrait>(db: &C, person_id: Uuid) -> ServiceResult<Option<transfer::Model>> {
    Ok(transfer::Entity::find()
        .filter(transfer::Column::PersonId.eq(person_id))
        .filter(
            transfer::Column::Status.is_in([TransferStatus::Requested.as_code(), TransferStatus::Accepted.as_code()]),
        )
        .order_by_desc(transfer::Column::RequestedAt)
        .one(db)
        .await?)
}

/// Report deadline at the new place while an accepted transfer waits for the person
/// (戒毒条例 §22), for `casework::refresh_obligations`.
pub(crate) async fn pending_report_deadline<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
) -> ServiceResult<Option<NaiveDate>> {
    Ok(open_of(db, person_id)
        .await?
        .filter(|t| t.status == TransferStatus::Accepted.as_code())
        .and_then(|t| t.report_deadline))
}

#[cfg(test)]
mod visibility_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use jindu_domain::{DivisionCode, Role};

    fn actor(role: Role, scope: &str, open_sealed: bool) -> Actor {
        let mut profile = jindu_domain::access::default_profile(role);
        if open_sealed {
            profile.permissions.insert(Permission::OpenSealed);
        } else {
            profile.permissions.remove(&Permission::OpenSealed);
        }
        Actor {
            user_id: Uuid::from_u128(7),
            username: "u".into(),
            display_name: "u".into(),
            role,
            profile,
            scope: DivisionCode::parse(scope).unwrap(),
            address: String::new(),
            credentials_changed_at: None,
            member_unit: None,
            enterprise: None,
        }
    }

    fn person(division: &str, worker: Option<u128>, sealed: bool) -> person::Model {
        let day = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let at = chrono::DateTime::<chrono::Utc>::from_timestamp(1_767_225_600, 0).unwrap();
        person::Model {
            id: Uuid::from_u128(1),
            name: String::new(),
            id_number: String::new(),
            sex: "male".into(),
            birth_date: day,
            phone: None,
            address: None,
            division_code: division.into(),
            town_code: division[..9].into(),
            control_status: "under_control".into(),
            risk_tier: "low".into(),
            addiction_finding: "addicted".into(),
            substance: None,
            social_worker_id: worker.map(Uuid::from_u128),
            first_found_on: None,
            note: None,
            name_bidx: None,
            id_number_bidx: None,
            employed: None,
            stable_housing: None,
            family_support: None,
            violent_or_self_harm: None,
            lost_since: None,
            sealed_on: sealed.then_some(day),
            risk_assessed_on: None,
            risk_score: None,
            version: 1,
            created_at: at,
            updated_at: at,
        }
    }

    /// The whole rule, every combination: scope × own caseload × sealed.
    #[test]
    fn one_rule_decides_who_sees_a_person() {
        let here = "430405001001";
        let elsewhere = "430406001001";
        let office = actor(Role::Office, "430405", false);
        let office_sealed = actor(Role::Office, "430405", true);
        let worker = actor(Role::SocialWorker, "430405001", false);
        for (who, p, sees) in [
            (&office, person(here, None, false), true),
            (&office, person(elsewhere, None, false), false),
            (&office, person(here, None, true), false),
            (&office_sealed, person(here, None, true), true),
            (&office_sealed, person(elsewhere, None, true), false),
            (&worker, person(here, Some(7), false), true),
            (&worker, person(here, Some(8), false), false),
            (&worker, person(here, None, false), false),
            (&worker, person(elsewhere, Some(7), false), false),
            (&worker, person(here, Some(7), true), false),
        ] {
            assert_eq!(
                visible_to(who, &p),
                sees,
                "{:?} {} {:?} {:?}",
                who.role,
                p.division_code,
                p.social_worker_id,
                p.sealed_on
            );
        }
    }
}
