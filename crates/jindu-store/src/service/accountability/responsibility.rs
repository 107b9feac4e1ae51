//! 定责考责 in the store: responsibility letters (责任书) of the towns per year with their scans,
//! plan tasks (规划任务) with evidence, close-out (销账) and reopening, and the stored files. The
//! rules (a letter's and a task's status, which files are kept) are
//! `jindu_domain::responsibility`; every write and every download is audited.
//!
//! Who may do what: reading needs `ViewCounts` within the actor's scope; registering letters,
//! adding tasks, closing them out and reopening them need `ManageEvaluation` (the office); the
//! owner town's users (`ViewCounts`, scope containing the task's owner) report progress and add
//! evidence.

use chrono::{Datelike, NaiveDate};
use jindu_domain::Permission;
use jindu_domain::clock::Now;
use jindu_domain::event::parse_date;
use jindu_domain::message::Message;
use jindu_domain::responsibility::{LetterStatus, TaskStatus, check_attachment};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::Vault;
use crate::entities::{attachment, plan_task, responsibility_letter, task_evidence};
use crate::service::units::{self, UnitKind};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit};

/// A file as uploaded: its name and bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A stored file's description (no body).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentInfo {
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

fn info(m: &attachment::Model) -> AttachmentInfo {
    AttachmentInfo {
        id: m.id,
        file_name: m.file_name.clone(),
        content_type: m.content_type.clone(),
        size: m.size,
        sha256: m.sha256.clone(),
    }
}

fn invalid(field: &'static str, code: &'static str, message: Message) -> ServiceError {
    FieldError::coded(field, code, message).into()
}

/// The cell a file's bytes are sealed for (AAD `attachment.body:<id>`).
const BODY: (&str, &str) = ("attachment", "body");

/// Checks and stores an upload in `db` (inside the caller's transaction). The bytes are sealed
/// with the field key ([`Vault::seal_bytes`], AAD `attachment.body:<id>`; issue #20 item 5); the
/// name, type, size and SHA-256 (of the file as uploaded) stay readable for the lists.
async fn store_file<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    field: &'static str,
    up: &Upload,
) -> ServiceResult<AttachmentInfo> {
    let kind = check_attachment(&up.bytes).map_err(|e| invalid(field, "attachment.invalid", e.message()))?;
    // The last part of a path, whether the browser sent `/` or Windows' `\\`.
    let name: String = up
        .file_name
        .rsplit(['/', '\\'])
        .next()
        .map(|n| n.trim().chars().filter(|c| !c.is_control()).take(120).collect())
        .filter(|n: &String| !n.is_empty())
        .unwrap_or_else(|| "扫描件".to_string());
    let id = Uuid::now_v7();
    let body = vault.seal_bytes(BODY.0, BODY.1, &id.to_string(), &up.bytes)?;
    let m = attachment::ActiveModel {
        id: Set(id),
        file_name: Set(name),
        content_type: Set(kind.content_type().into()),
        size: Set(i64::try_from(up.bytes.len()).unwrap_or(i64::MAX)),
        sha256: Set(Sha256::digest(&up.bytes).iter().map(|b| format!("{b:02x}")).collect()),
        body: Set(body),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
    }
    .insert(db)
    .await?;
    Ok(info(&m))
}

/// A stored file for download: (description, body as uploaded, opened with the field key, or as
/// stored when it was kept before files were sealed). Needs `ViewCounts`, and the file must
/// belong to a letter or task within the actor's scope. Audited `attachment.download`.
///
/// # Errors
/// Forbidden; NotFound (also for a file outside the scope); `Vault` when its bytes do not open
/// with the key file (another deployment's keys, or altered).
pub async fn attachment_body<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
) -> ServiceResult<(AttachmentInfo, Vec<u8>)> {
    actor.require(Permission::ViewCounts)?;
    let letter = responsibility_letter::Entity::find()
        .filter(responsibility_letter::Column::AttachmentId.eq(id))
        .one(db)
        .await?
        .map(|l| l.unit_code);
    let owner = match letter {
        Some(u) => Some(u),
        None => match task_evidence::Entity::find().filter(task_evidence::Column::AttachmentId.eq(id)).one(db).await? {
            Some(e) => plan_task::Entity::find_by_id(e.task_id).one(db).await?.map(|t| t.owner_code),
            None => None,
        },
    };
    let in_scope = match owner {
        Some(o) => units::in_actor_scope(db, actor, &o).await?.is_some(),
        None => false,
    };
    if !in_scope {
        return Err(ServiceError::NotFound("attachment"));
    }
    let m = attachment::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("attachment"))?;
    let info = info(&m);
    let body = vault.open_bytes(BODY.0, BODY.1, &id.to_string(), m.body)?;
    // The download is audited in a write transaction of its own (a read opens none).
    audit::record(
        db,
        &audit::Who::actor(actor),
        now,
        audit::Entry::ok("attachment.download", "attachment", id).with_detail(format!("sha256={}", info.sha256)),
    )
    .await?;
    Ok((info, body))
}

// ---------------------------------------------------------------------------------------------
// 责任书

/// One town's letter for a year (or its absence).
#[derive(Debug, Clone)]
pub struct LetterRow {
    pub unit_code: String,
    pub unit_name: String,
    /// A town or a member unit.
    pub unit_kind: UnitKind,
    pub status: LetterStatus,
    pub parties: Option<String>,
    pub signed_on: Option<NaiveDate>,
    pub attachment: Option<AttachmentInfo>,
}

/// The attachments `ids` without their bytes (name, type, size, hash, who and when), for the
/// lists that show them; none read when `ids` is empty.
async fn attachment_heads<C: ConnectionTrait>(db: &C, ids: Vec<Uuid>) -> ServiceResult<Vec<attachment::Model>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(attachment::Entity::find()
        .select_only()
        .columns([
            attachment::Column::Id,
            attachment::Column::FileName,
            attachment::Column::ContentType,
            attachment::Column::Size,
            attachment::Column::Sha256,
            attachment::Column::CreatedBy,
            attachment::Column::CreatedAt,
        ])
        .filter(attachment::Column::Id.is_in(ids))
        .into_model::<AttachmentHead>()
        .all(db)
        .await?
        .into_iter()
        .map(AttachmentHead::into_model)
        .collect())
}

/// The units of the actor's scope (the towns, then the member units, each in code order; a
/// 成员单位 account: its own unit only) with their letter for `year`. Needs `ViewCounts`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn letters<C: ConnectionTrait>(db: &C, actor: &Actor, year: i32) -> ServiceResult<Vec<LetterRow>> {
    actor.require(Permission::ViewCounts)?;
    let mut towns = units::in_scope(db, actor.scope, None).await?;
    if let Some(own) = units::member_unit_limit(actor) {
        towns.retain(|u| Some(u.code.as_str()) == own);
    }
    let kept: Vec<responsibility_letter::Model> =
        responsibility_letter::Entity::find().filter(responsibility_letter::Column::Year.eq(year)).all(db).await?;
    let ids: Vec<Uuid> = kept.iter().filter_map(|l| l.attachment_id).collect();
    let files = attachment_heads(db, ids).await?;
    Ok(towns
        .iter()
        .map(|t| {
            let code = t.code.clone();
            match kept.iter().find(|l| l.unit_code == code) {
                None => LetterRow {
                    unit_code: code,
                    unit_name: t.name.clone(),
                    unit_kind: t.kind,
                    status: LetterStatus::Missing,
                    parties: None,
                    signed_on: None,
                    attachment: None,
                },
                Some(l) => {
                    let file = l.attachment_id.and_then(|id| files.iter().find(|f| f.id == id)).map(info);
                    LetterRow {
                        unit_code: code,
                        unit_name: t.name.clone(),
                        unit_kind: t.kind,
                        status: LetterStatus::of(l.signed_on, file.is_some()),
                        parties: Some(l.parties.clone()),
                        signed_on: l.signed_on,
                        attachment: file,
                    }
                }
            }
        })
        .collect())
}

/// An attachment's columns without its body (for lists).
#[derive(Debug, sea_orm::FromQueryResult)]
struct AttachmentHead {
    id: Uuid,
    file_name: String,
    content_type: String,
    size: i64,
    sha256: String,
    created_by: Option<Uuid>,
    created_at: chrono::DateTime<chrono::Utc>,
}

impl AttachmentHead {
    fn into_model(self) -> attachment::Model {
        attachment::Model {
            id: self.id,
            file_name: self.file_name,
            content_type: self.content_type,
            size: self.size,
            sha256: self.sha256,
            body: Vec::new(),
            created_by: self.created_by,
            created_at: self.created_at,
        }
    }
}

/// A letter as entered: the year, the town (12-digit code), the parties, the signed date (any
/// form [`parse_date`] reads, blank for none) and the scan (optional: a later save may add it).
#[derive(Debug, Clone, Default)]
pub struct LetterForm {
    pub year: String,
    pub unit_code: String,
    pub parties: String,
    pub signed_on: String,
    pub scan: Option<Upload>,
}

/// The 责任书 page needs `ViewCounts`: checked before the query (year) is read (403 first).
///
/// # Errors
/// Forbidden.
pub fn authorize_page(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ViewCounts)
}

/// Saving a 责任书 needs `ManageEvaluation`: checked before the upload is read (403 first), then
/// again by [`save_letter`].
///
/// # Errors
/// Forbidden.
pub fn authorize_letter(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ManageEvaluation)
}

/// Adding evidence to a task needs `ViewCounts`: checked before the upload is read (403 first),
/// then again by [`add_evidence`].
///
/// # Errors
/// Forbidden.
pub fn authorize_evidence(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ViewCounts)
}

/// Registers or updates a town's letter for a year; a new scan replaces the old one (which stays
/// stored, with its hash in the audit log). Needs `ManageEvaluation`. Audited `letter.save` with
/// the status and the scan's SHA-256.
///
/// # Errors
/// Forbidden; `Invalid` naming `year` (not 2000–2100), `unit` (not a town in scope), `parties`
/// (blank or over 200 characters), `signed_on` (not a date, in the future, or more than a year
/// away from the letter's year), `scan` (empty, over 10 MiB, not PDF/PNG/JPEG); nothing stored.
pub async fn save_letter<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    form: LetterForm,
) -> ServiceResult<LetterStatus> {
    actor.require(Permission::ManageEvaluation)?;
    let mut errors = Vec::new();
    let year = form.year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
    if year.is_none() {
        errors.push(FieldError::of("year", Message::new("msg.letter.year")));
    }
    let town = units::in_actor_scope(db, actor, &form.unit_code).await?;
    if town.is_none() {
        errors.push(FieldError::of("unit", Message::new("msg.letter.unit")));
    }
    let parties = form.parties.trim().to_string();
    if parties.is_empty() || parties.chars().count() > 200 {
        errors.push(FieldError::of("parties", Message::new("msg.letter.parties")));
    }
    let mut signed_on = None;
    if !form.signed_on.trim().is_empty() {
        match parse_date("signed_on", &form.signed_on) {
            Err(e) => errors.push(e.into()),
            Ok(d) if d > now.today => errors.push(FieldError::of("signed_on", Message::new("msg.letter.future"))),
            Ok(d) if year.is_some_and(|y| (d.year() - y).abs() > 1) => {
                errors.push(FieldError::of("signed_on", Message::new("msg.letter.year_mismatch").text("d", d)))
            }
            Ok(d) => signed_on = Some(d),
        }
    }
    if let Some(scan) = &form.scan
        && let Err(e) = check_attachment(&scan.bytes)
    {
        errors.push(FieldError::coded("scan", "attachment.invalid", e.message()));
    }
    let (Some(year), Some(town), true) = (year, town, errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let code = town.code.clone();
    let file = match &form.scan {
        Some(up) => Some(store_file(&txn, vault, actor, now, "scan", up).await?),
        None => None,
    };
    let kept = responsibility_letter::Entity::find()
        .filter(responsibility_letter::Column::Year.eq(year))
        .filter(responsibility_letter::Column::UnitCode.eq(&code))
        .one(&txn)
        .await?;
    let (id, attachment_id) = match kept {
        Some(l) => {
            let attachment_id = file.as_ref().map(|f| f.id).or(l.attachment_id);
            let mut am: responsibility_letter::ActiveModel = l.clone().into();
            am.parties = Set(parties);
            am.signed_on = Set(signed_on);
            am.attachment_id = Set(attachment_id);
            am.version = Set(l.version + 1);
            am.updated_by = Set(Some(actor.user_id));
            am.updated_at = Set(now.instant);
            am.update(&txn).await?;
            (l.id, attachment_id)
        }
        None => {
            let id = Uuid::now_v7();
            responsibility_letter::ActiveModel {
                id: Set(id),
                year: Set(year),
                unit_code: Set(code),
                unit_name: Set(town.name.clone()),
                parties: Set(parties),
                signed_on: Set(signed_on),
                attachment_id: Set(file.as_ref().map(|f| f.id)),
                version: Set(1),
                updated_by: Set(Some(actor.user_id)),
                created_at: Set(now.instant),
                updated_at: Set(now.instant),
            }
            .insert(&txn)
            .await?;
            (id, file.as_ref().map(|f| f.id))
        }
    };
    let status = LetterStatus::of(signed_on, attachment_id.is_some());
    let mut detail = format!("{year} {} {}", town.name, status.label_en());
    if let Some(f) = &file {
        detail.push_str(&format!(" scan sha256={}", f.sha256));
    }
    txn.audit(audit::Entry::ok("letter.save", "responsibility_letter", id).with_detail(detail)).await?;
    txn.commit().await?;
    Ok(status)
}

// ---------------------------------------------------------------------------------------------
// 规划任务

/// A task as listed, with its status on the day asked.
#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: Uuid,
    pub plan: String,
    pub title: String,
    pub owner_code: String,
    pub owner_name: String,
    pub co_units: String,
    pub due_on: NaiveDate,
    pub status: TaskStatus,
    pub close_note: Option<String>,
    pub reopen_reason: Option<String>,
    /// Evidence, oldest first: (note, file, when).
    pub evidence: Vec<(String, Option<AttachmentInfo>, chrono::DateTime<chrono::Utc>)>,
}

/// The tasks whose owner is within the actor's scope (for a 成员单位 account: its own unit's,
/// [`units::member_unit_limit`]), overdue first (longest late first), then not started, in
/// progress and done, each by due date. `only_open` leaves out the done ones. Needs `ViewCounts`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn tasks<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    only_open: bool,
) -> ServiceResult<Vec<TaskRow>> {
    actor.require(Permission::ViewCounts)?;
    let mut q = plan_task::Entity::find()
        .filter(plan_task::Column::OwnerCode.starts_with(actor.scope.prefix()))
        .order_by_asc(plan_task::Column::DueOn);
    if only_open {
        q = q.filter(plan_task::Column::ClosedAt.is_null());
    }
    if let Some(own) = units::member_unit_limit(actor) {
        // A member unit's users see their own unit's tasks only (none before it is linked).
        q = q.filter(plan_task::Column::OwnerCode.eq(own.unwrap_or_default()));
    }
    let rows = q.all(db).await?;
    let ids: Vec<Uuid> = rows.iter().map(|t| t.id).collect();
    let evidence = if ids.is_empty() {
        Vec::new()
    } else {
        task_evidence::Entity::find()
            .filter(task_evidence::Column::TaskId.is_in(ids))
            .order_by_asc(task_evidence::Column::AddedAt)
            .all(db)
            .await?
    };
    let file_ids: Vec<Uuid> = evidence.iter().filter_map(|e| e.attachment_id).collect();
    let files = attachment_heads(db, file_ids).await?;
    let mut out: Vec<TaskRow> = rows
        .into_iter()
        .map(|t| TaskRow {
            status: TaskStatus::on(now.today, t.due_on, t.started_at.is_some(), t.closed_at.is_some()),
            evidence: evidence
                .iter()
                .filter(|e| e.task_id == t.id)
                .map(|e| {
                    let f = e.attachment_id.and_then(|id| files.iter().find(|f| f.id == id)).map(info);
                    (e.note.clone(), f, e.added_at)
                })
                .collect(),
            id: t.id,
            plan: t.plan,
            title: t.title,
            owner_code: t.owner_code,
            owner_name: t.owner_name,
            co_units: t.co_units,
            due_on: t.due_on,
            close_note: t.close_note,
            reopen_reason: t.reopen_reason,
        })
        .collect();
    out.sort_by(|a, b| {
        let key = |s: TaskStatus| match s {
            TaskStatus::Overdue { days } => (0, -days),
            TaskStatus::NotStarted => (1, 0),
            TaskStatus::InProgress => (2, 0),
            TaskStatus::Done => (3, 0),
        };
        key(a.status).cmp(&key(b.status)).then(a.due_on.cmp(&b.due_on))
    });
    Ok(out)
}

/// A task as entered: plan, title, the owner town (12-digit code), co-units (free text, names
/// separated by `、` or commas), the due date.
#[derive(Debug, Clone, Default)]
pub struct TaskForm {
    pub plan: String,
    pub title: String,
    pub owner_code: String,
    pub co_units: String,
    pub due_on: String,
}

/// A task that passed [`check_task`]: (plan, title, owner code, owner name, co-units, due).
#[derive(Debug, Clone)]
pub(crate) struct CheckedTask {
    pub plan: String,
    pub title: String,
    pub owner_code: String,
    pub owner_name: String,
    pub co_units: String,
    pub due: NaiveDate,
}

/// Checks a task form against the towns of the actor's scope: every problem, field by field.
pub(crate) async fn check_task<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    form: &TaskForm,
) -> ServiceResult<Result<CheckedTask, Vec<FieldError>>> {
    let mut errors = Vec::new();
    let text = |v: &str, max: usize| Some(v.trim().to_string()).filter(|t| !t.is_empty() && t.chars().count() <= max);
    let plan = text(&form.plan, 100);
    if plan.is_none() {
        errors.push(FieldError::of("plan", Message::new("msg.task.plan")));
    }
    let title = text(&form.title, 300);
    if title.is_none() {
        errors.push(FieldError::of("title", Message::new("msg.task.title")));
    }
    let owner = units::in_actor_scope(db, actor, &form.owner_code).await?;
    if owner.is_none() {
        errors.push(FieldError::coded("owner", "task.owner", Message::new("msg.task.owner")));
    }
    let co_units: Vec<String> = form
        .co_units
        .split(['、', ',', '，', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let co_units = co_units.join("、");
    if co_units.chars().count() > 500 {
        errors.push(FieldError::of("co_units", Message::new("msg.task.co_units")));
    }
    let due = match parse_date("due_on", &form.due_on) {
        Ok(d) => Some(d),
        Err(e) => {
            errors.push(e.into());
            None
        }
    };
    Ok(match (plan, title, owner, due, errors.is_empty()) {
        (Some(plan), Some(title), Some(owner), Some(due), true) => {
            Ok(CheckedTask { plan, title, owner_code: owner.code, owner_name: owner.name, co_units, due })
        }
        _ => Err(errors),
    })
}

/// Stores a checked task and audits `task.create` (`detail` after the owner and due date), in
/// the caller's unit of work.
pub(crate) async fn insert_task<T: ConnectionTrait + sea_orm::TransactionSession>(
    db: &crate::service::UnitOfWork<T>,
    actor: &Actor,
    now: Now,
    t: CheckedTask,
    detail: &str,
) -> ServiceResult<Uuid> {
    let id = Uuid::now_v7();
    let summary = format!("{} due {}{detail}", t.owner_name, t.due);
    plan_task::ActiveModel {
        id: Set(id),
        plan: Set(t.plan),
        title: Set(t.title),
        owner_code: Set(t.owner_code),
        owner_name: Set(t.owner_name),
        co_units: Set(t.co_units),
        due_on: Set(t.due),
        started_at: Set(None),
        closed_at: Set(None),
        close_note: Set(None),
        reopen_reason: Set(None),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
    }
    .insert(db)
    .await?;
    db.audit(audit::Entry::ok("task.create", "plan_task", id).with_detail(summary)).await?;
    Ok(id)
}

/// Adds a task. Needs `ManageEvaluation`. Audited `task.create`.
///
/// # Errors
/// Forbidden; `Invalid` naming `plan` or `title` (blank or too long: 100 and 300 characters),
/// `owner` (not a town in scope), `co_units` (over 500 characters), `due_on` (not a date).
pub async fn create_task<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    form: TaskForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEvaluation)?;
    let checked = check_task(db, actor, &form).await?.map_err(ServiceError::Invalid)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let id = insert_task(&txn, actor, now, checked, "").await?;
    txn.commit().await?;
    Ok(id)
}

async fn task_in_scope<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<plan_task::Model> {
    let t = plan_task::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("task"))?;
    match units::in_actor_scope(db, actor, &t.owner_code).await? {
        Some(_) => Ok(t),
        None => Err(ServiceError::NotFound("task")),
    }
}

/// Adds progress or evidence to a task: a note (required, ≤ 500 characters) and optionally a
/// file; the task becomes 进行中 if it was 未开始. Needs `ViewCounts` and the task's owner within
/// the actor's scope (the owner town's users, the office). Audited `task.evidence`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming `note` or `file`, or `task` for a task already closed
/// out (reopen it first).
pub async fn add_evidence<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    task_id: Uuid,
    note: &str,
    file: Option<Upload>,
) -> ServiceResult<()> {
    actor.require(Permission::ViewCounts)?;
    let note = note.trim();
    let mut errors = Vec::new();
    if note.is_empty() || note.chars().count() > 500 {
        errors.push(FieldError::of("note", Message::new("msg.task.note")));
    }
    if let Some(f) = &file
        && let Err(e) = check_attachment(&f.bytes)
    {
        errors.push(FieldError::coded("file", "attachment.invalid", e.message()));
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ViewCounts).await?;
    let t = task_in_scope(&txn, actor, task_id).await?;
    if t.closed_at.is_some() {
        errors.push(FieldError::of("task", Message::new("msg.task.closed")));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let stored = match &file {
        Some(f) => Some(store_file(&txn, vault, actor, now, "file", f).await?),
        None => None,
    };
    task_evidence::ActiveModel {
        id: Set(Uuid::now_v7()),
        task_id: Set(t.id),
        attachment_id: Set(stored.as_ref().map(|f| f.id)),
        note: Set(note.to_string()),
        added_by: Set(Some(actor.user_id)),
        added_at: Set(now.instant),
    }
    .insert(&txn)
    .await?;
    let mut am: plan_task::ActiveModel = t.clone().into();
    if t.started_at.is_none() {
        am.started_at = Set(Some(now.instant));
    }
    am.version = Set(t.version + 1);
    am.update(&txn).await?;
    let detail = stored.map_or_else(|| "note".to_string(), |f| format!("file sha256={}", f.sha256));
    txn.audit(audit::Entry::ok("task.evidence", "plan_task", t.id).with_detail(detail)).await?;
    txn.commit().await?;
    Ok(())
}

/// Closes a task out (销账, with a note) or reopens it (with a reason). Needs
/// `ManageEvaluation`. Audited `task.close` / `task.reopen` with the note.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming `note` (blank or over 500 characters) or `task` (closing
/// a closed task, reopening an open one).
pub async fn close_or_reopen<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    task_id: Uuid,
    close: bool,
    note: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageEvaluation)?;
    let note = note.trim();
    if note.is_empty() || note.chars().count() > 500 {
        return Err(if close {
            invalid("note", "task.close_note", Message::new("msg.task.close_note"))
        } else {
            invalid("note", "task.reopen_reason", Message::new("msg.task.reopen_reason"))
        });
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let t = task_in_scope(&txn, actor, task_id).await?;
    if t.closed_at.is_some() == close {
        return Err(if close {
            invalid("task", "task.already_closed", Message::new("msg.task.already_closed"))
        } else {
            invalid("task", "task.not_closed", Message::new("msg.task.not_closed"))
        });
    }
    let mut am: plan_task::ActiveModel = t.clone().into();
    if close {
        am.closed_at = Set(Some(now.instant));
        am.close_note = Set(Some(note.to_string()));
    } else {
        am.closed_at = Set(None);
        am.reopen_reason = Set(Some(note.to_string()));
    }
    am.version = Set(t.version + 1);
    am.update(&txn).await?;
    let action = if close { "task.close" } else { "task.reopen" };
    txn.audit(audit::Entry::ok(action, "plan_task", t.id).with_detail(note.to_string())).await?;
    txn.commit().await?;
    Ok(())
}
