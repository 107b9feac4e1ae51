//! 审计日志 the append-only, hash-chained audit log (等保2.0; 网安法 §21 keeps logs at least
//! 6 months — Jindu deletes none). Every login, every read of a person's details, every write
//! and every configuration change is recorded with time, user, unit, address, action, object
//! and outcome. Record N stores the SHA-256 of record N−1; the head (last seq and hash) is also
//! kept in the settings, so `verify` finds a changed, inserted or deleted record, including
//! the last one.
//!
//! Appends are serialised: a write service takes [`lock`] before it opens its transaction and
//! appends inside that transaction (on PostgreSQL an advisory lock also serialises several
//! server processes), so the chain never forks.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use tokio::sync::{Mutex, MutexGuard};
use uuid::Uuid;

use super::{Actor, Page, ServiceError, ServiceResult, deployment};
use crate::entities::audit_record;

static APPEND_LOCK: Mutex<()> = Mutex::const_new(());
const HEAD_KEY: &str = "audit.head";
/// Setting holding `seq:hash` of the last record removed by [`prune`]: the chain restarts there.
const ANCHOR_KEY: &str = "audit.anchor";
/// Setting: months the audit log is kept before [`prune`] may remove records.
pub const RETENTION_KEY: &str = "audit.retention_months";
/// Shortest retention allowed (months): 网络安全法 §21(三), logs kept at least six months.
pub const MIN_RETENTION_MONTHS: u32 = 6;
/// Default retention (months; local default, configurable, never below the minimum).
pub const DEFAULT_RETENTION_MONTHS: u32 = 12;
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Benchmarks only: when cleared, [`append`] and [`record`] do nothing (see
/// [`disable_for_bench`]). Set for every real run.
static ENABLED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(true);

/// Turns auditing off for the rest of the process, so `jindu bench pages --security off` can
/// measure its cost as a ratio. Never called by `serve` or `demo`.
#[doc(hidden)]
pub fn disable_for_bench() {
    ENABLED.store(false, std::sync::atomic::Ordering::SeqCst);
}

fn enabled() -> bool {
    ENABLED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Takes the process-wide audit append lock. Hold it for the whole write transaction.
pub async fn lock() -> MutexGuard<'static, ()> {
    APPEND_LOCK.lock().await
}

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Refused by a permission or scope check.
    Denied,
    /// Failed (wrong password, invalid input).
    Failed,
}

impl Outcome {
    /// Stored code.
    pub fn as_code(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }
}

/// Who did it, when the actor is not a signed-in user (a failed login, the CLI).
#[derive(Debug, Clone)]
pub struct Who {
    pub user_id: Option<Uuid>,
    pub username: String,
    pub unit: String,
    pub address: String,
}

impl Who {
    /// The signed-in actor.
    pub fn actor(a: &Actor) -> Who {
        Who {
            user_id: Some(a.user_id),
            username: a.username.clone(),
            unit: a.scope.to_string(),
            address: a.address.clone(),
        }
    }

    /// Jindu itself applying a configured rule (the sweep, the lost-contact rule).
    pub fn system() -> Who {
        Who { user_id: None, username: "system".into(), unit: String::new(), address: "local".into() }
    }

    /// The command line (`jindu …`) acting as the operator of the server.
    pub fn cli() -> Who {
        Who { user_id: None, username: "cli".into(), unit: String::new(), address: "local".into() }
    }
}

/// One thing to record.
#[derive(Debug, Clone)]
pub struct Entry {
    /// e.g. `login`, `person.read`, `person.create`, `event.create`, `measure.suspend`.
    pub action: String,
    pub object_type: Option<&'static str>,
    pub object_id: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
}

impl Entry {
    /// A successful action on an object.
    pub fn ok(action: impl Into<String>, object_type: &'static str, object_id: impl ToString) -> Entry {
        Entry {
            action: action.into(),
            object_type: Some(object_type),
            object_id: Some(object_id.to_string()),
            outcome: Outcome::Ok,
            detail: None,
        }
    }

    /// Adds a detail text.
    pub fn with_detail(mut self, detail: impl Into<String>) -> Entry {
        self.detail = Some(detail.into());
        self
    }
}

/// The instant as stored: whole microseconds (PostgreSQL's precision), so hashes match on both backends.
fn stored_instant(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap_or(t)
}

/// SHA-256 (hex) over the record's fields in a fixed order, separated by unit separators.
pub fn record_hash(r: &audit_record::Model) -> String {
    let mut h = Sha256::new();
    let fields = [
        r.seq.to_string(),
        r.at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
        r.user_id.map(|u| u.to_string()).unwrap_or_default(),
        r.username.clone(),
        r.unit.clone(),
        r.address.clone(),
        r.action.clone(),
        r.object_type.clone().unwrap_or_default(),
        r.object_id.clone().unwrap_or_default(),
        r.outcome.clone(),
        r.detail.clone().unwrap_or_default(),
        r.prev_hash.clone(),
    ];
    for f in fields {
        h.update(f.as_bytes());
        h.update([0x1f]);
    }
    h.finalize().iter().fold(String::with_capacity(64), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

tokio::task_local! {
    /// The head not yet written, inside [`deferring_head`].
    static DEFERRED_HEAD: std::cell::RefCell<Option<String>>;
}

/// Runs `f` with the head setting (`audit.head`) kept in memory: [`append`] inside it chains
/// records as usual but does not rewrite the setting row; [`write_deferred_head`], called inside
/// `f` before its transaction commits, writes it once. For an import, which appends one record per
/// row inside one transaction: PostgreSQL keeps every version of a row updated in a transaction
/// until it commits, so rewriting the one setting row per record made each update slower than the
/// last. The chain is unchanged: the records and the final head are the same as without it.
pub async fn deferring_head<F: std::future::Future>(f: F) -> F::Output {
    DEFERRED_HEAD.scope(std::cell::RefCell::new(None), f).await
}

/// Inside [`deferring_head`]: writes the head of the last record appended, if any. Outside it,
/// does nothing.
pub async fn write_deferred_head<C: ConnectionTrait>(db: &C) -> ServiceResult<()> {
    if let Some(head) = DEFERRED_HEAD.try_with(|h| h.borrow_mut().take()).ok().flatten() {
        deployment::put_setting(db, HEAD_KEY, &head).await?;
    }
    Ok(())
}

/// Appends one record inside `db` (a transaction the caller commits). The caller holds [`lock`].
pub async fn append<C: ConnectionTrait>(db: &C, who: &Who, now: Now, entry: Entry) -> ServiceResult<()> {
    if !enabled() {
        return Ok(());
    }
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_string(DbBackend::Postgres, "SELECT pg_advisory_xact_lock(4650)")).await?;
    }
    let last = audit_record::Entity::find().order_by_desc(audit_record::Column::Seq).limit(1).one(db).await?;
    let (seq, prev_hash) = match last {
        Some(l) => (l.seq + 1, l.hash),
        None => (1, GENESIS.to_string()),
    };
    let mut record = audit_record::Model {
        seq,
        at: stored_instant(now.instant),
        user_id: who.user_id,
        username: who.username.clone(),
        unit: who.unit.clone(),
        address: who.address.clone(),
        action: entry.action,
        object_type: entry.object_type.map(str::to_string),
        object_id: entry.object_id,
        outcome: entry.outcome.as_code().to_string(),
        detail: entry.detail.map(|d| d.chars().take(2000).collect()),
        prev_hash,
        hash: String::new(),
    };
    record.hash = record_hash(&record);
    let head = format!("{}:{}", record.seq, record.hash);
    audit_record::Entity::insert(audit_record::ActiveModel {
        seq: Set(record.seq),
        at: Set(record.at),
        user_id: Set(record.user_id),
        username: Set(record.username),
        unit: Set(record.unit),
        address: Set(record.address),
        action: Set(record.action),
        object_type: Set(record.object_type),
        object_id: Set(record.object_id),
        outcome: Set(record.outcome),
        detail: Set(record.detail),
        prev_hash: Set(record.prev_hash),
        hash: Set(record.hash),
    })
    .exec(db)
    .await?;
    let kept = DEFERRED_HEAD.try_with(|h| *h.borrow_mut() = Some(head.clone())).is_ok();
    if !kept {
        deployment::put_setting(db, HEAD_KEY, &head).await?;
    }
    Ok(())
}

/// Records one entry in its own transaction (reads, logins, refusals).
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Who,
    now: Now,
    entry: Entry,
) -> ServiceResult<()> {
    if !enabled() {
        return Ok(());
    }
    let _guard = lock().await;
    let txn = super::begin_write(db).await?;
    append(&txn, who, now, entry).await?;
    txn.commit().await?;
    Ok(())
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every record chains to the previous one and the head matches: `records` checked.
    Intact { records: u64 },
    /// The first record whose stored hash does not match its fields (changed).
    Modified { seq: i64 },
    /// A record whose `prev_hash` does not match the record before it (inserted or reordered).
    BrokenLink { seq: i64 },
    /// Sequence numbers jump from `after` to `next` (records deleted between them).
    Gap { after: i64, next: i64 },
    /// The head kept in the settings does not match the last record (the last records deleted
    /// or the log rewritten).
    HeadMismatch { expected: String, found: String },
}

impl Verdict {
    /// A sentence in Chinese and English.
    pub fn message(&self) -> String {
        match self {
            Verdict::Intact { records } => format!(
                "审计日志完整：共 {records} 条记录，哈希链校验通过。/ Audit log intact: {records} records, hash chain verified."
            ),
            Verdict::Modified { seq } => {
                format!("第 {seq} 条审计记录被修改（哈希不符）。/ Audit record {seq} was modified (hash mismatch).")
            }
            Verdict::BrokenLink { seq } => format!(
                "第 {seq} 条审计记录与前一条不衔接（插入或篡改）。/ Audit record {seq} does not chain to the previous one (inserted or altered)."
            ),
            Verdict::Gap { after, next } => format!(
                "第 {after} 条与第 {next} 条审计记录之间有记录被删除。/ Audit records between {after} and {next} were deleted."
            ),
            Verdict::HeadMismatch { expected, found } => format!(
                "审计日志末尾不符（应为 {expected}，实为 {found}）：末尾记录被删除或日志被重写。/ The end of the audit log does not match (expected {expected}, found {found}): the last records were deleted or the log was rewritten."
            ),
        }
    }
}

/// Walks the whole log in sequence order (1,000 records at a time) and reports the first
/// problem, or `Intact`.
pub async fn verify<C: ConnectionTrait>(db: &C) -> ServiceResult<Verdict> {
    let (mut prev_seq, mut prev_hash) = anchor(db).await?;
    let mut count = 0u64;
    loop {
        let batch = audit_record::Entity::find()
            .filter(audit_record::Column::Seq.gt(prev_seq))
            .order_by_asc(audit_record::Column::Seq)
            .limit(1000)
            .all(db)
            .await?;
        if batch.is_empty() {
            break;
        }
        for r in batch {
            if r.seq != prev_seq + 1 {
                return Ok(Verdict::Gap { after: prev_seq, next: r.seq });
            }
            if record_hash(&r) != r.hash {
                return Ok(Verdict::Modified { seq: r.seq });
            }
            if r.prev_hash != prev_hash {
                return Ok(Verdict::BrokenLink { seq: r.seq });
            }
            prev_seq = r.seq;
            prev_hash = r.hash;
            count += 1;
        }
    }
    let head = deployment::get_setting(db, HEAD_KEY).await?.unwrap_or_else(|| format!("0:{GENESIS}"));
    let found = format!("{prev_seq}:{prev_hash}");
    if head != found {
        return Ok(Verdict::HeadMismatch { expected: head, found });
    }
    Ok(Verdict::Intact { records: count })
}

/// Where the chain starts: `(0, genesis)`, or the last record removed by [`prune`].
async fn anchor<C: ConnectionTrait>(db: &C) -> ServiceResult<(i64, String)> {
    Ok(match deployment::get_setting(db, ANCHOR_KEY).await? {
        Some(a) => match a.split_once(':') {
            Some((seq, hash)) => {
                (seq.parse().map_err(|_| ServiceError::Data(format!("{ANCHOR_KEY}: {a}")))?, hash.to_string())
            }
            None => return Err(ServiceError::Data(format!("{ANCHOR_KEY}: {a}"))),
        },
        None => (0, GENESIS.to_string()),
    })
}

/// The retention in force (months).
pub async fn retention_months<C: ConnectionTrait>(db: &C) -> ServiceResult<u32> {
    Ok(deployment::get_setting(db, RETENTION_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_RETENTION_MONTHS)
        .max(MIN_RETENTION_MONTHS))
}

/// Removes the records older than the retention (whole calendar months before `now`), keeping
/// the chain verifiable: the last removed record's sequence number and hash become the anchor
/// [`verify`] starts from, and the removal itself is recorded (`audit.prune`). Returns the
/// number of records removed.
pub async fn prune<C: ConnectionTrait + TransactionTrait>(db: &C, who: &Who, now: Now) -> ServiceResult<u64> {
    let months = retention_months(db).await?;
    let cutoff = now.instant.checked_sub_months(chrono::Months::new(months)).unwrap_or(now.instant);
    let _guard = lock().await;
    let txn = super::begin_write(db).await?;
    let last = audit_record::Entity::find()
        .filter(audit_record::Column::At.lt(stored_instant(cutoff)))
        .order_by_desc(audit_record::Column::Seq)
        .limit(1)
        .one(&txn)
        .await?;
    let removed = match last {
        Some(l) => {
            let res =
                audit_record::Entity::delete_many().filter(audit_record::Column::Seq.lte(l.seq)).exec(&txn).await?;
            deployment::put_setting(&txn, ANCHOR_KEY, &format!("{}:{}", l.seq, l.hash)).await?;
            res.rows_affected
        }
        None => 0,
    };
    append(
        &txn,
        who,
        now,
        Entry::ok("audit.prune", "audit", months)
            .with_detail(format!("removed {removed} records older than {months} months")),
    )
    .await?;
    txn.commit().await?;
    Ok(removed)
}

/// Filters of the audit viewer; empty strings mean "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditFilter {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub object_id: String,
    #[serde(default)]
    pub outcome: String,
    #[serde(default)]
    pub page: String,
}

impl AuditFilter {
    /// Reads the filter strictly ([`jindu_domain::query`]): `outcome` one of `ok`, `denied`,
    /// `failed`; `page` 1 to 1,000,000 (returned). User name, action prefix and object id are
    /// free text matched as given.
    ///
    /// # Errors
    /// `Invalid` naming every refused parameter.
    pub fn check(&self) -> ServiceResult<u64> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        c.take(query::choice(
            "outcome",
            &self.outcome,
            &[Outcome::Ok, Outcome::Denied, Outcome::Failed],
            Outcome::as_code,
        ));
        let page = c.take(query::page("page", &self.page));
        super::query_checked(c)?;
        Ok(page)
    }
}

/// Audit records per viewer page.
pub const AUDIT_PER_PAGE: u64 = 50;

/// The audit log, newest first, for the audit viewer. Needs `ReadAudit`; reading it is audited.
pub async fn search<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    filter: &AuditFilter,
) -> ServiceResult<Page<audit_record::Model>> {
    actor.require(jindu_domain::Permission::ReadAudit)?;
    let page = filter.check()?;
    let q = search_query(filter);
    let total = q.clone().count(db).await?;
    let rows = q
        .order_by_desc(audit_record::Column::Seq)
        .offset((page - 1) * AUDIT_PER_PAGE)
        .limit(AUDIT_PER_PAGE)
        .all(db)
        .await?;
    record(
        db,
        &Who::actor(actor),
        now,
        Entry { action: "audit.read".into(), object_type: None, object_id: None, outcome: Outcome::Ok, detail: None },
    )
    .await?;
    Ok(Page { rows, page, per_page: AUDIT_PER_PAGE, total })
}

/// Most records an export of the audit log holds (the newest); narrow the filter for older ones.
pub const AUDIT_EXPORT_LIMIT: u64 = 100_000;

/// Every record matching `filter` (its page ignored), newest first, at most
/// [`AUDIT_EXPORT_LIMIT`], for an export. Needs `ReadAudit`; the caller audits the export.
pub async fn search_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &AuditFilter,
) -> ServiceResult<Vec<audit_record::Model>> {
    actor.require(jindu_domain::Permission::ReadAudit)?;
    filter.check()?;
    Ok(search_query(filter).order_by_desc(audit_record::Column::Seq).limit(AUDIT_EXPORT_LIMIT).all(db).await?)
}

fn search_query(filter: &AuditFilter) -> sea_orm::Select<audit_record::Entity> {
    let mut q = audit_record::Entity::find();
    if !filter.username.trim().is_empty() {
        q = q.filter(audit_record::Column::Username.eq(filter.username.trim()));
    }
    if !filter.action.trim().is_empty() {
        q = q.filter(audit_record::Column::Action.starts_with(filter.action.trim()));
    }
    if !filter.object_id.trim().is_empty() {
        q = q.filter(audit_record::Column::ObjectId.eq(filter.object_id.trim()));
    }
    if !filter.outcome.trim().is_empty() {
        q = q.filter(audit_record::Column::Outcome.eq(filter.outcome.trim()));
    }
    q
}

/// Who viewed a person's record: the latest `limit` `person.read`/`person.unmask` records for
/// the person. Needs `ViewRecordAccess` and the person in scope.
pub async fn person_access<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    person_id: Uuid,
    limit: u64,
) -> ServiceResult<Vec<audit_record::Model>> {
    actor.require(jindu_domain::Permission::ViewRecordAccess)?;
    super::persons::load_visible(db, actor, person_id).await?;
    Ok(audit_record::Entity::find()
        .filter(audit_record::Column::ObjectType.eq("person"))
        .filter(audit_record::Column::ObjectId.eq(person_id.to_string()))
        .filter(audit_record::Column::Action.is_in(["person.read", "person.unmask"]))
        .order_by_desc(audit_record::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}
