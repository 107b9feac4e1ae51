//! 审计日志 the append-only, tamper-evident audit log (等保2.0; 网安法 §21 keeps logs at least
//! 6 months). Every login, every read of a person's details, every write and every configuration
//! change is recorded with time, user, unit, address, action, object and outcome.
//!
//! **Lanes.** A record is appended inside the writer's own transaction to a *lane*: a SHA-256
//! hash chain (record N of a lane stores the hash of record N−1 of the same lane). On PostgreSQL a
//! writer takes any lane no other transaction holds (`SELECT … FOR UPDATE SKIP LOCKED`, never
//! waiting; a new lane when all are busy), so writers never queue behind one another and a lane
//! is extended by one transaction at a time, in commit order, without gaps. On SQLite the
//! database already admits one writer at a time (`BEGIN IMMEDIATE`), and lane 1 is the only one.
//!
//! **Time.** A record's time is its writer's clock reading (the `now` of its unit of work, the
//! time its other rows carry), raised when needed to the time of the record before it in sequence
//! order: a writer that read the clock earlier may append later (it waited for SQLite's write
//! lock, or behind other writers), and a log whose times ran backwards under load reads as
//! tampered with (issue #20 item 7). So times never decrease in sequence order, and a raised time
//! lies between the writer's reading and the moment it appended (the record before it was
//! appended earlier still). On SQLite the appender holds the write lock and reads the record
//! before its own; on PostgreSQL, where writers append to lanes at once, the number and the time
//! are taken together by `jindu_audit_stamp` (`crate::sql::stamp_audit_record`) under a lock held
//! for those few instructions only, never until commit. A clock set ahead (a test's, or a wrong
//! system clock) raises the times of the records after it until the clock catches up.
//!
//! **Seal.** [`seal`] (after the writes of a server every [`SEAL_EVERY_SECS`] seconds, by the
//! sweep, by `jindu audit verify|anchor|prune`) checks the records committed since the last seal
//! and stores one signed head: every lane's base and head (position and hash), the highest
//! sequence covered, a counter and the time, with an HMAC under a key derived from the
//! deployment's key ring (never in the database). It takes a short lock of its own (an advisory
//! lock on PostgreSQL, the write lock on SQLite) only while it seals; writers never take it.
//!
//! **Verify.** [`verify`] reads one consistent snapshot and walks every lane from its base: a
//! changed record (hash), a deleted one (gap, or a sealed head missing), an inserted one (broken
//! link, a record below a lane's base or in an unknown lane) and a rewritten seal (HMAC) are each
//! reported; records after the sealed heads are counted as not yet sealed, and checked for the
//! same changes. [`verify_anchor`] compares a seal kept elsewhere ([`anchor`]) with the database:
//! an older copy of the database (a rollback) lacks the anchored heads or carries an older seal.
//!
//! **Retention.** [`prune`] removes records older than the retention; each lane keeps the last
//! removed record's position and hash as its base, inside the seal, so the next record continues
//! above it (never restarting at 1) and verification starts there.

use jindu_domain::message::Message;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use jindu_domain::clock::Now;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
    TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{Actor, Page, ServiceError, ServiceResult, UnitOfWork, deployment};
use crate::Vault;
use crate::entities::{audit_lane, audit_record};
use crate::sql::Writers;

/// One stored audit record, as the audit viewer lists it (the row of `audit_record`).
pub type Record = audit_record::Model;

/// Setting holding the signed head ([`Seal`], JSON).
const SEAL_KEY: &str = "audit.seal";
/// SQLite only: the highest sequence number ever removed by [`prune`], so numbering continues
/// above it when retention removed every record (PostgreSQL's sequence never goes back).
const SEQ_FLOOR_KEY: &str = "audit.seq_floor";
/// Setting: months the audit log is kept before [`prune`] may remove records.
pub const RETENTION_KEY: &str = "audit.retention_months";
/// Shortest retention allowed (months): 网络安全法 §21(三), logs kept at least six months.
pub const MIN_RETENTION_MONTHS: u32 = 6;
/// Default retention (months; local default, configurable, never below the minimum).
pub const DEFAULT_RETENTION_MONTHS: u32 = 12;
/// Seconds between two seals of a running server (local default): records are sealed within
/// about this long after their transaction commits.
pub const SEAL_EVERY_SECS: u64 = 2;
/// The hash before the first record of a lane.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";
/// PostgreSQL advisory lock key held by [`seal`] and [`prune`] only (never by writers).
const SEAL_LOCK: i64 = 4651;

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

/// Who writes: defined with the unit of work (which records who writes), named here too
/// because every audit record carries it.
pub use super::unit_of_work::Who;

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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// SHA-256 (hex) over the record's fields in a fixed order (sequence, lane and position included),
/// separated by unit separators.
pub fn record_hash(r: &audit_record::Model) -> String {
    let mut fields = vec![r.seq.to_string(), r.lane.to_string(), r.lane_seq.to_string()];
    fields.extend(entry_fields(r));
    unit_separated_sha256(&fields)
}

/// The fields of a record after its place in the chain, in the order every version of the
/// chain hashed them: time, user, username, unit, address, action, object type and id,
/// outcome, detail, the previous record's hash.
pub(crate) fn entry_fields(r: &audit_record::Model) -> [String; 11] {
    [
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
    ]
}

/// SHA-256 (hex) of `fields`, each followed by the unit separator 0x1F.
pub(crate) fn unit_separated_sha256(fields: &[String]) -> String {
    let mut h = Sha256::new();
    for f in fields {
        h.update(f.as_bytes());
        h.update([0x1f]);
    }
    hex(&h.finalize())
}

/// The lane this transaction appends to, with its base `(lane, base_seq, base_hash)`. PostgreSQL:
/// the lowest lane no other transaction holds, locked until this one ends (`SKIP LOCKED`: never
/// waits, so it cannot deadlock with the writer's row locks); a new lane when every lane is busy.
/// SQLite: lane 1 (the database admits one writer at a time).
async fn take_lane<C: ConnectionTrait>(db: &C) -> ServiceResult<(i32, i64, String)> {
    crate::sql::take_audit_lane(db, GENESIS)
        .await?
        .ok_or_else(|| ServiceError::Data("audit_lane: no lane (lane 1 missing, or a new lane not returned)".into()))
}

/// The next sequence number: PostgreSQL's `audit_record_seq`; on SQLite (one writer at a time)
/// the highest in the table plus one, never below the highest ever removed by [`prune`].
async fn next_seq<C: ConnectionTrait>(db: &C) -> ServiceResult<i64> {
    if let Some(n) = crate::sql::next_audit_seq(db).await? {
        return Ok(n);
    }
    let last = audit_record::Entity::find().order_by_desc(audit_record::Column::Seq).limit(1).one(db).await?;
    let floor = match &last {
        Some(_) => 0,
        None => deployment::get_setting(db, SEQ_FLOOR_KEY).await?.and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    Ok(last.map_or(0, |l| l.seq).max(floor) + 1)
}

impl<T: ConnectionTrait + sea_orm::TransactionSession> UnitOfWork<T> {
    /// Appends the audit record of this write, by its writer at its clock reading, in its
    /// transaction (committed with it or rolled back with it). See [`append`].
    ///
    /// # Errors
    /// `Db` on a database failure (the write then rolls back, record included).
    pub async fn audit(&self, entry: Entry) -> ServiceResult<()> {
        append(self.transaction(), self.who(), self.now(), entry, Stamping::Ordered).await
    }

    /// Appends a record made in this write by someone other than its writer: Jindu's own rule
    /// applied inside a person's write (`Who::system`, e.g. an alert raised by the lost-contact
    /// rule while a test is recorded).
    ///
    /// # Errors
    /// As [`UnitOfWork::audit`].
    pub async fn audit_as(&self, who: &Who, entry: Entry) -> ServiceResult<()> {
        append(self.transaction(), who, self.now(), entry, Stamping::Ordered).await
    }
}

/// How [`append`] takes a record's sequence number and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stamping {
    /// Together, so that times never decrease in sequence order (see the module notes, "Time").
    Ordered,
    /// A migration before `m0018_audit_stamp`: the sequence as it was, the time as read (nothing
    /// else writes while migrations run).
    Migration,
}

/// The one record a migration leaves (`m0013_audit_lanes`: the re-chaining it did). A migration
/// runs once, before any server or command writes, each in its own transaction on PostgreSQL;
/// nothing else may call this (the architecture test checks).
///
/// # Errors
/// As [`append`].
pub(crate) async fn append_in_migration<C: ConnectionTrait>(db: &C, now: Now, entry: Entry) -> ServiceResult<()> {
    append(db, &Who::system(), now, entry, Stamping::Migration).await
}

/// Appends one record inside `db` (a write transaction the caller commits): takes a lane (see
/// the module notes), takes its sequence number and time (module notes, "Time": nothing
/// deployment-wide stays locked past that instant), chains the record to the lane's last one and
/// inserts it; the record is sealed by the next [`seal`]. Private: a write
/// appends through [`UnitOfWork::audit`], a read or a refusal through [`record`].
///
/// # Errors
/// `Db` on a database failure (the caller's transaction then rolls back, record included).
async fn append<C: ConnectionTrait>(
    db: &C,
    who: &Who,
    now: Now,
    entry: Entry,
    stamping: Stamping,
) -> ServiceResult<()> {
    if !enabled() {
        return Ok(());
    }
    let (lane, base_seq, base_hash) = take_lane(db).await?;
    let last = audit_record::Entity::find()
        .filter(audit_record::Column::Lane.eq(lane))
        .order_by_desc(audit_record::Column::LaneSeq)
        .limit(1)
        .one(db)
        .await?;
    let read = stored_instant(now.instant);
    let stamped = match stamping {
        Stamping::Ordered => crate::sql::stamp_audit_record(db, read.timestamp_micros()).await?,
        Stamping::Migration => None,
    };
    let (seq, at) = match (stamped, &last) {
        // PostgreSQL: number and time taken together, the time raised to the latest so far.
        (Some((seq, micros)), _) => (seq, DateTime::from_timestamp_micros(micros).unwrap_or(read)),
        // SQLite: lane 1 is the only lane, so its last record holds the highest number and the
        // latest time, and no other writer appends until this transaction ends.
        (None, Some(l)) if crate::sql::writers(db) == Writers::One => {
            let at = if stamping == Stamping::Ordered { read.max(l.at) } else { read };
            (l.seq + 1, at)
        }
        (None, _) => (next_seq(db).await?, read),
    };
    let (lane_seq, prev_hash) = match last {
        Some(l) if l.lane_seq > base_seq => (l.lane_seq + 1, l.hash),
        _ => (base_seq + 1, base_hash),
    };
    let mut record = audit_record::Model {
        seq,
        lane,
        lane_seq,
        at,
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
    audit_record::Entity::insert(audit_record::ActiveModel {
        seq: Set(record.seq),
        lane: Set(record.lane),
        lane_seq: Set(record.lane_seq),
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
    Ok(())
}

/// Records one entry in its own transaction (reads, logins, refusals).
///
/// # Errors
/// As [`append`].
pub async fn record<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    who: &Who,
    now: Now,
    entry: Entry,
) -> ServiceResult<()> {
    if !enabled() {
        return Ok(());
    }
    let uow = UnitOfWork::begin_record(db, who.clone(), now).await?;
    uow.audit(entry).await?;
    uow.commit().await
}

// ---------------------------------------------------------------------------------------------
// The seal
// ---------------------------------------------------------------------------------------------

/// One lane as sealed: `(lane, base_seq, base_hash, head_seq, head_hash)`; the head is the base
/// when no kept record of the lane is sealed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SealedLane {
    /// The lane (`audit_lane.lane`).
    pub lane: i32,
    /// Position of the last record removed by retention (0 when none).
    pub base_seq: i64,
    /// Its hash (64 zeros when none).
    pub base_hash: String,
    /// Position of the last sealed record (the base when none is kept).
    pub head_seq: i64,
    /// Its hash (hex SHA-256).
    pub head_hash: String,
}

/// The signed head of the audit log, as stored (setting `audit.seal`) and as exported by
/// `jindu audit anchor`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Seal {
    /// Format tag, `jindu-audit-seal/1`.
    pub format: String,
    /// 1, 2, 3, …: how many times the log was sealed; a copy of the database with a lower one is
    /// older than the anchor.
    pub n: u64,
    /// When it was sealed (UTC, RFC 3339, microseconds).
    pub at: String,
    /// The highest record sequence number covered (0 when none).
    pub seq: i64,
    /// Every lane's base and sealed head, by lane.
    pub lanes: Vec<SealedLane>,
    /// Key version of the HMAC.
    pub key_version: u32,
    /// HMAC (hex) over [`Seal::message`] under the audit subkey of that key version.
    pub hmac: String,
}

const SEAL_FORMAT: &str = "jindu-audit-seal/1";

impl Seal {
    /// The bytes the HMAC covers: every field but the HMAC, one per line.
    pub fn message(&self) -> Vec<u8> {
        let mut m = format!("{}\n{}\n{}\n{}\n", self.format, self.n, self.at, self.seq);
        for l in &self.lanes {
            let _ = writeln!(m, "{}:{}:{}:{}:{}", l.lane, l.base_seq, l.base_hash, l.head_seq, l.head_hash);
        }
        m.into_bytes()
    }

    /// Reads an exported seal (JSON).
    ///
    /// # Errors
    /// `Data` naming what is wrong with the text.
    pub fn parse(text: &str) -> ServiceResult<Seal> {
        let seal: Seal = serde_json::from_str(text).map_err(|e| ServiceError::Data(format!("audit seal: {e}")))?;
        if seal.format != SEAL_FORMAT {
            return Err(ServiceError::Data(format!("audit seal: format {}", seal.format)));
        }
        Ok(seal)
    }

    /// The seal as JSON (one line), for the setting and the anchor file.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    fn lane(&self, lane: i32) -> Option<&SealedLane> {
        self.lanes.iter().find(|l| l.lane == lane)
    }

    fn sign(mut self, vault: &Vault) -> ServiceResult<Seal> {
        let (version, tag) = vault.audit_tag(&self.message())?;
        self.key_version = version;
        self.hmac = tag;
        Ok(self)
    }

    fn genuine(&self, vault: &Vault) -> ServiceResult<bool> {
        Ok(vault.audit_tag_matches(self.key_version, &self.message(), &self.hmac)?)
    }
}

async fn read_seal<C: ConnectionTrait>(db: &C) -> ServiceResult<Option<Seal>> {
    match deployment::get_setting(db, SEAL_KEY).await? {
        Some(text) => Ok(Some(Seal::parse(&text)?)),
        None => Ok(None),
    }
}

/// What [`seal`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sealed {
    /// Records up to sequence `seq` are sealed (seal number `n`); `new` records were added to it.
    Sealed { n: u64, seq: i64, new: u64 },
    /// Nothing new to seal.
    Unchanged,
    /// Sealing stopped at a record that does not chain (changed, inserted, or a lane's sealed
    /// base rewritten); run [`verify`] for the details. Nothing after it is sealed.
    Refused,
}

async fn lanes<C: ConnectionTrait>(db: &C) -> ServiceResult<Vec<audit_lane::Model>> {
    Ok(audit_lane::Entity::find().order_by_asc(audit_lane::Column::Lane).all(db).await?)
}

/// Takes the lock that keeps sealing, anchoring and pruning apart ([`SEAL_LOCK`], until the
/// transaction ends; [`crate::sql::advisory_lock`]).
async fn take_seal_lock<C: ConnectionTrait>(db: &C) -> ServiceResult<()> {
    Ok(crate::sql::advisory_lock(db, SEAL_LOCK).await?)
}

fn seal_instant(now: Now) -> String {
    stored_instant(now.instant).format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Seals the records committed since the last seal (see the module notes): checks that each
/// lane's new records chain from its sealed head, then stores a new signed head. Holds a lock
/// of its own only while it runs (writers never take it). Safe to run from several processes.
///
/// # Errors
/// `Db`; `Vault` when the key ring lacks the version of the stored seal; `Data` for an
/// unreadable seal.
pub async fn seal<C: ConnectionTrait + TransactionTrait>(db: &C, vault: &Vault, now: Now) -> ServiceResult<Sealed> {
    let txn = super::begin_write(db).await?;
    take_seal_lock(&txn).await?;
    let old = read_seal(&txn).await?;
    if let Some(o) = &old
        && !o.genuine(vault)?
    {
        tracing::error!("audit seal does not verify: not sealing; run `jindu audit verify`");
        return Ok(Sealed::Refused);
    }
    let mut out = Vec::new();
    let mut max_seq = old.as_ref().map_or(0, |o| o.seq);
    let mut new = 0u64;
    let mut refused = false;
    let lanes = lanes(&txn).await?;
    // A sealed lane that disappeared would drop out of the next seal unnoticed: refuse.
    if let Some(o) = &old
        && o.lanes.iter().any(|s| !lanes.iter().any(|l| l.lane == s.lane))
    {
        tracing::error!("a sealed audit lane is missing: not sealing; run `jindu audit verify`");
        return Ok(Sealed::Refused);
    }
    for l in lanes {
        let (mut head_seq, mut head_hash) = match old.as_ref().and_then(|o| o.lane(l.lane)) {
            Some(s) if s.base_seq != l.base_seq || s.base_hash != l.base_hash => {
                tracing::error!("audit lane {} base differs from its seal: not sealing", l.lane);
                return Ok(Sealed::Refused);
            }
            Some(s) => (s.head_seq, s.head_hash.clone()),
            // A lane born after the last seal starts at the genesis; one with a retention base
            // the seal does not know was made by hand.
            None if old.is_some() && (l.base_seq != 0 || l.base_hash != GENESIS) => {
                tracing::error!("audit lane {} has a base its seal does not know: not sealing", l.lane);
                return Ok(Sealed::Refused);
            }
            None => (l.base_seq, l.base_hash.clone()),
        };
        'walk: loop {
            let batch = audit_record::Entity::find()
                .filter(audit_record::Column::Lane.eq(l.lane))
                .filter(audit_record::Column::LaneSeq.gt(head_seq))
                .order_by_asc(audit_record::Column::LaneSeq)
                .limit(1000)
                .all(&txn)
                .await?;
            if batch.is_empty() {
                break;
            }
            for r in batch {
                if r.lane_seq != head_seq + 1 || r.prev_hash != head_hash || record_hash(&r) != r.hash {
                    tracing::error!("audit record {} does not chain: sealing stops before it", r.seq);
                    refused = true;
                    break 'walk;
                }
                head_seq = r.lane_seq;
                head_hash = r.hash;
                max_seq = max_seq.max(r.seq);
                new += 1;
            }
        }
        out.push(SealedLane { lane: l.lane, base_seq: l.base_seq, base_hash: l.base_hash, head_seq, head_hash });
    }
    if new == 0 && old.as_ref().is_some_and(|o| o.lanes == out && o.key_version == vault.audit_key_version()) {
        txn.commit().await?;
        return Ok(if refused { Sealed::Refused } else { Sealed::Unchanged });
    }
    let n = old.as_ref().map_or(0, |o| o.n) + 1;
    let seal = Seal {
        format: SEAL_FORMAT.into(),
        n,
        at: seal_instant(now),
        seq: max_seq,
        lanes: out,
        key_version: 0,
        hmac: String::new(),
    }
    .sign(vault)?;
    deployment::put_setting(&txn, SEAL_KEY, &seal.to_json()).await?;
    txn.commit().await?;
    Ok(if refused { Sealed::Refused } else { Sealed::Sealed { n, seq: max_seq, new } })
}

/// Seals (see [`seal`]) and returns the signed head, for `jindu audit anchor`: an office keeps
/// it elsewhere and later checks the database against it with [`verify_anchor`].
///
/// # Errors
/// As [`seal`]; `Data` when the log has never been sealed and has no lane (not initialised).
pub async fn anchor<C: ConnectionTrait + TransactionTrait>(db: &C, vault: &Vault, now: Now) -> ServiceResult<Seal> {
    seal(db, vault, now).await?;
    match read_seal(db).await? {
        Some(s) => Ok(s),
        None => {
            // An empty log: seal its lanes as they are.
            let txn = super::begin_write(db).await?;
            take_seal_lock(&txn).await?;
            let lanes = lanes(&txn)
                .await?
                .into_iter()
                .map(|l| SealedLane {
                    lane: l.lane,
                    base_seq: l.base_seq,
                    head_seq: l.base_seq,
                    head_hash: l.base_hash.clone(),
                    base_hash: l.base_hash,
                })
                .collect();
            let seal = Seal {
                format: SEAL_FORMAT.into(),
                n: 1,
                at: seal_instant(now),
                seq: 0,
                lanes,
                key_version: 0,
                hmac: String::new(),
            }
            .sign(vault)?;
            deployment::put_setting(&txn, SEAL_KEY, &seal.to_json()).await?;
            txn.commit().await?;
            Ok(seal)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Verification
// ---------------------------------------------------------------------------------------------

/// What `verify` found. Sequence numbers are the records' `seq`; lane positions are named as such.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every record chains to the previous one of its lane and the sealed heads match:
    /// `records` checked, of which `unsealed` were appended after the last seal.
    Intact { records: u64, unsealed: u64 },
    /// A record whose stored hash does not match its fields (changed).
    Modified { seq: i64 },
    /// A record that does not chain to the record before it in its lane, lies at or below its
    /// lane's base, or sits in a lane that does not exist (inserted or altered).
    BrokenLink { seq: i64 },
    /// Positions in `lane` jump from `after` to `next` (records deleted between them).
    Gap { lane: i32, after: i64, next: i64 },
    /// The sealed head of a lane is missing or different (`expected` and `found` as
    /// `lane:position:hash`): the last records were deleted or the log was rewritten.
    HeadMismatch { expected: String, found: String },
    /// The stored seal does not carry a valid HMAC, or a lane's base differs from the sealed one:
    /// the seal or the retention anchor was rewritten without the key.
    SealForged,
    /// The database is older than an anchor kept elsewhere (`anchor` and `found` are seal
    /// numbers), or lacks a record the anchor covers: a rollback to an older copy.
    RolledBack { anchor: u64, found: u64 },
    /// The anchor file itself does not carry a valid HMAC for this deployment's keys.
    AnchorForged,
}

impl Verdict {
    /// The verdict as a catalogue message (`msg.audit.*`), rendered by the CLI.
    pub fn message(&self) -> jindu_domain::message::Message {
        use jindu_domain::message::Message;
        match self {
            Verdict::Intact { records, unsealed: 0 } => Message::new("msg.audit.intact").text("records", records),
            Verdict::Intact { records, unsealed } => {
                Message::new("msg.audit.intact_unsealed").text("records", records).text("unsealed", unsealed)
            }
            Verdict::Modified { seq } => Message::new("msg.audit.modified").text("seq", seq),
            Verdict::BrokenLink { seq } => Message::new("msg.audit.broken_link").text("seq", seq),
            Verdict::Gap { lane, after, next } => {
                Message::new("msg.audit.gap").text("lane", lane).text("after", after).text("next", next)
            }
            Verdict::HeadMismatch { expected, found } => {
                Message::new("msg.audit.head_mismatch").text("expected", expected).text("found", found)
            }
            Verdict::SealForged => Message::new("msg.audit.seal_forged"),
            Verdict::RolledBack { anchor, found } => {
                Message::new("msg.audit.rolled_back").text("anchor", anchor).text("found", found)
            }
            Verdict::AnchorForged => Message::new("msg.audit.anchor_forged"),
        }
    }
}

/// Opens the read-only snapshot verification reads: `REPEATABLE READ READ ONLY` on PostgreSQL,
/// one read transaction (one WAL snapshot) on SQLite.
async fn snapshot<C: ConnectionTrait + TransactionTrait>(db: &C) -> ServiceResult<C::Transaction> {
    match crate::sql::snapshot_options(db) {
        Some(options) => Ok(db.begin_with_options(options).await?),
        // SQLite (WAL): the first read of a deferred transaction fixes its snapshot.
        None => Ok(db.begin().await?),
    }
}

/// Checks the whole log in one consistent snapshot (writers may keep running) and reports the
/// first problem, or `Intact` with the count of records not yet sealed. Does not seal; the CLI
/// seals first.
///
/// # Errors
/// `Db`; `Vault` when the ring lacks the seal's key version; `Data` for an unreadable seal.
pub async fn verify<C: ConnectionTrait + TransactionTrait>(db: &C, vault: &Vault) -> ServiceResult<Verdict> {
    let txn = snapshot(db).await?;
    let verdict = verify_in(&txn, vault).await?;
    txn.commit().await?;
    Ok(verdict.0)
}

/// [`verify`], then the database against an anchor kept elsewhere: the anchor must carry a valid
/// HMAC, the database's seal must be at least as new, and every lane head the anchor sealed must
/// still be in the database with the same hash (or lie below the lane's base, removed by
/// retention since).
///
/// # Errors
/// As [`verify`].
pub async fn verify_anchor<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    anchor: &Seal,
) -> ServiceResult<Verdict> {
    if !anchor.genuine(vault)? {
        return Ok(Verdict::AnchorForged);
    }
    let txn = snapshot(db).await?;
    let (verdict, seal) = verify_in(&txn, vault).await?;
    if !matches!(verdict, Verdict::Intact { .. }) {
        txn.commit().await?;
        return Ok(verdict);
    }
    let found = seal.as_ref().map_or(0, |s| s.n);
    let rolled_back = Verdict::RolledBack { anchor: anchor.n, found };
    let Some(seal) = seal else {
        txn.commit().await?;
        return Ok(rolled_back);
    };
    if seal.n < anchor.n || seal.seq < anchor.seq {
        txn.commit().await?;
        return Ok(rolled_back);
    }
    for a in &anchor.lanes {
        let Some(now_lane) = seal.lane(a.lane) else {
            txn.commit().await?;
            return Ok(rolled_back);
        };
        if a.head_seq <= now_lane.base_seq {
            // Removed by retention since the anchor: the base carries on from at least there.
            if a.head_seq == now_lane.base_seq && a.head_hash != now_lane.base_hash {
                txn.commit().await?;
                return Ok(rolled_back);
            }
            continue;
        }
        let r = audit_record::Entity::find()
            .filter(audit_record::Column::Lane.eq(a.lane))
            .filter(audit_record::Column::LaneSeq.eq(a.head_seq))
            .one(&txn)
            .await?;
        if r.is_none_or(|r| r.hash != a.head_hash) || now_lane.head_seq < a.head_seq {
            txn.commit().await?;
            return Ok(rolled_back);
        }
    }
    txn.commit().await?;
    Ok(verdict)
}

/// The verification proper, inside a snapshot; also returns the (genuine) seal read.
async fn verify_in<C: ConnectionTrait>(db: &C, vault: &Vault) -> ServiceResult<(Verdict, Option<Seal>)> {
    let seal = read_seal(db).await?;
    if let Some(s) = &seal
        && !s.genuine(vault)?
    {
        return Ok((Verdict::SealForged, seal));
    }
    let lanes = lanes(db).await?;
    // Every sealed lane must still exist with the sealed base.
    if let Some(s) = &seal {
        for sl in &s.lanes {
            match lanes.iter().find(|l| l.lane == sl.lane) {
                Some(l) if l.base_seq == sl.base_seq && l.base_hash == sl.base_hash => {}
                _ => return Ok((Verdict::SealForged, seal)),
            }
        }
    }
    let known: Vec<i32> = lanes.iter().map(|l| l.lane).collect();
    if let Some(stray) = audit_record::Entity::find()
        .filter(audit_record::Column::Lane.is_not_in(known))
        .order_by_asc(audit_record::Column::Seq)
        .one(db)
        .await?
    {
        return Ok((Verdict::BrokenLink { seq: stray.seq }, seal));
    }
    let mut records = 0u64;
    let mut unsealed = 0u64;
    for l in &lanes {
        let sealed = seal.as_ref().and_then(|s| s.lane(l.lane));
        if sealed.is_none() && (l.base_seq != 0 || l.base_hash != GENESIS) && seal.is_some() {
            // A lane with a retention base that the seal does not know.
            return Ok((Verdict::SealForged, seal));
        }
        if let Some(below) = audit_record::Entity::find()
            .filter(audit_record::Column::Lane.eq(l.lane))
            .filter(audit_record::Column::LaneSeq.lte(l.base_seq))
            .order_by_asc(audit_record::Column::LaneSeq)
            .one(db)
            .await?
        {
            return Ok((Verdict::BrokenLink { seq: below.seq }, seal));
        }
        let (sealed_seq, sealed_hash) =
            sealed.map_or((l.base_seq, l.base_hash.as_str()), |s| (s.head_seq, s.head_hash.as_str()));
        let (mut pos, mut hash) = (l.base_seq, l.base_hash.clone());
        loop {
            let batch = audit_record::Entity::find()
                .filter(audit_record::Column::Lane.eq(l.lane))
                .filter(audit_record::Column::LaneSeq.gt(pos))
                .order_by_asc(audit_record::Column::LaneSeq)
                .limit(1000)
                .all(db)
                .await?;
            if batch.is_empty() {
                break;
            }
            for r in batch {
                if r.lane_seq != pos + 1 {
                    return Ok((Verdict::Gap { lane: l.lane, after: pos, next: r.lane_seq }, seal));
                }
                if record_hash(&r) != r.hash {
                    return Ok((Verdict::Modified { seq: r.seq }, seal));
                }
                if r.prev_hash != hash {
                    return Ok((Verdict::BrokenLink { seq: r.seq }, seal));
                }
                if r.lane_seq == sealed_seq && r.hash != sealed_hash {
                    return Ok((
                        Verdict::HeadMismatch {
                            expected: format!("{}:{sealed_seq}:{sealed_hash}", l.lane),
                            found: format!("{}:{}:{}", l.lane, r.lane_seq, r.hash),
                        },
                        seal,
                    ));
                }
                pos = r.lane_seq;
                hash = r.hash;
                records += 1;
                if pos > sealed_seq {
                    unsealed += 1;
                }
            }
        }
        if pos < sealed_seq {
            return Ok((
                Verdict::HeadMismatch {
                    expected: format!("{}:{sealed_seq}:{sealed_hash}", l.lane),
                    found: format!("{}:{pos}:{hash}", l.lane),
                },
                seal,
            ));
        }
    }
    Ok((Verdict::Intact { records, unsealed }, seal))
}

// ---------------------------------------------------------------------------------------------
// Retention
// ---------------------------------------------------------------------------------------------

/// The retention in force (months).
pub async fn retention_months<C: ConnectionTrait>(db: &C) -> ServiceResult<u32> {
    Ok(deployment::get_setting(db, RETENTION_KEY)
        .await?
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_RETENTION_MONTHS)
        .max(MIN_RETENTION_MONTHS))
}

/// Removes the sealed records older than the retention (whole calendar months before `now`),
/// keeping the log verifiable: each lane's last removed record becomes its base (position and
/// hash), written into a new seal, so the lane continues above it even when every record was
/// removed. Seals first; a lane a writer holds at that moment is left for the next prune. The
/// removal itself is recorded (`audit.prune`). Returns the number of records removed.
///
/// # Errors
/// `Refused` when the log does not verify as sealed (a forged seal: nothing is removed); as
/// [`seal`] otherwise.
pub async fn prune<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    who: &Who,
    now: Now,
) -> ServiceResult<u64> {
    let months = retention_months(db).await?;
    let cutoff = stored_instant(now.instant.checked_sub_months(chrono::Months::new(months)).unwrap_or(now.instant));
    seal(db, vault, now).await?;
    let txn = super::begin_write(db).await?;
    take_seal_lock(&txn).await?;
    let refused = || ServiceError::Refused(super::FieldError::of("", Message::new("msg.audit.seal_invalid")));
    let Some(mut current) = read_seal(&txn).await? else {
        // Nothing was ever sealed: nothing may be removed.
        txn.commit().await?;
        return Ok(0);
    };
    if !current.genuine(vault)? {
        return Err(refused());
    }
    let mut removed = 0u64;
    let mut floor: i64 = 0;
    for sl in current.lanes.iter_mut() {
        // A lane another transaction is appending to is passed over (PostgreSQL).
        if !crate::sql::lock_audit_lane_if_free(&txn, sl.lane).await? {
            continue;
        }
        let Some(last) = audit_record::Entity::find()
            .filter(audit_record::Column::Lane.eq(sl.lane))
            .filter(audit_record::Column::LaneSeq.lte(sl.head_seq))
            .filter(audit_record::Column::At.lt(cutoff))
            .order_by_desc(audit_record::Column::LaneSeq)
            .limit(1)
            .one(&txn)
            .await?
        else {
            continue;
        };
        let gone = audit_record::Entity::find()
            .filter(audit_record::Column::Lane.eq(sl.lane))
            .filter(audit_record::Column::LaneSeq.lte(last.lane_seq))
            .order_by_desc(audit_record::Column::Seq)
            .limit(1)
            .one(&txn)
            .await?;
        floor = floor.max(gone.map_or(0, |g| g.seq));
        let res = audit_record::Entity::delete_many()
            .filter(audit_record::Column::Lane.eq(sl.lane))
            .filter(audit_record::Column::LaneSeq.lte(last.lane_seq))
            .exec(&txn)
            .await?;
        removed += res.rows_affected;
        audit_lane::Entity::update_many()
            .col_expr(audit_lane::Column::BaseSeq, sea_orm::sea_query::Expr::value(last.lane_seq))
            .col_expr(audit_lane::Column::BaseHash, sea_orm::sea_query::Expr::value(last.hash.clone()))
            .filter(audit_lane::Column::Lane.eq(sl.lane))
            .exec(&txn)
            .await?;
        sl.base_seq = last.lane_seq;
        sl.base_hash = last.hash;
    }
    if removed > 0 {
        if crate::sql::writers(&txn) == Writers::One {
            let old: i64 =
                deployment::get_setting(&txn, SEQ_FLOOR_KEY).await?.and_then(|v| v.parse().ok()).unwrap_or(0);
            deployment::put_setting(&txn, SEQ_FLOOR_KEY, &old.max(floor).to_string()).await?;
        }
        current.n += 1;
        current.at = seal_instant(now);
        current.key_version = 0;
        current.hmac = String::new();
        let signed = current.sign(vault)?;
        deployment::put_setting(&txn, SEAL_KEY, &signed.to_json()).await?;
    }
    append(
        &txn,
        who,
        now,
        Entry::ok("audit.prune", "audit", months)
            .with_detail(format!("removed {removed} records older than {months} months")),
        Stamping::Ordered,
    )
    .await?;
    txn.commit().await?;
    seal(db, vault, now).await?;
    Ok(removed)
}

/// Filters of the audit viewer; empty strings mean "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AuditFilter {
    pub username: String,
    pub action: String,
    pub object_id: String,
    pub outcome: String,
    pub page: String,
}

impl AuditFilter {
    /// Reads the filter strictly ([`jindu_domain::query`]): `outcome` one of `ok`, `denied`,
    /// `failed`; `page` 1 to 1,000,000 (returned). User name, action prefix and object id are
    /// free text matched as given, at most 100 characters without control characters.
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
        c.take(query::text("username", &self.username, 100));
        c.take(query::text("action", &self.action, 100));
        c.take(query::text("object_id", &self.object_id, 100));
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
    let page = crate::service::page_within(page, total, AUDIT_PER_PAGE);
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
    super::record::load_visible(db, actor, person_id).await?;
    Ok(audit_record::Entity::find()
        .filter(audit_record::Column::ObjectType.eq("person"))
        .filter(audit_record::Column::ObjectId.eq(person_id.to_string()))
        .filter(audit_record::Column::Action.is_in(["person.read", "person.unmask"]))
        .order_by_desc(audit_record::Column::Seq)
        .limit(limit)
        .all(db)
        .await?)
}
