//! 一次写入 The unit of work: the one path every write of Jindu takes (issue #19 item 1).
//!
//! A write — from a page, the API, the CLI, an import, a transfer file, the sweep or the demo —
//! begins a [`UnitOfWork`] with the actor (or the system or CLI as [`Who`]) and one clock
//! reading ([`Now`]): the permission is checked before anything is read
//! ([`UnitOfWork::begin`]), the write transaction is opened (`BEGIN IMMEDIATE` on SQLite),
//! the command runs against the unit (it is a [`ConnectionTrait`], so every query and helper
//! takes it where it took the transaction), derived state is kept current by the command
//! (`casework::finish_write` for a person: duties, risk, alerts, indicator cells), its audit
//! records are appended with [`UnitOfWork::audit`] in the same transaction, and
//! [`UnitOfWork::commit`] ends it. Dropped without `commit` (an error on the way), it rolls back,
//! audit records included.
//!
//! The type is the rule: the audit log's append is private to `service::audit`, reachable only
//! through [`UnitOfWork::audit`] (and `audit::record`, which opens a unit for one record of a
//! read or a refusal), so no audit record can be written outside a write transaction; and
//! `crates/jindu-store/tests/architecture.rs` fails the build when code outside this module
//! opens a write transaction.
//!
//! Before it takes a pooled connection a unit waits for this process's leave to write
//! ([`SQLITE_WRITERS`], [`POSTGRES_WRITERS`]), so that reads always find a connection; the one
//! audit record of a read queues behind one writer at most. A unit must therefore never begin
//! another before it commits (on SQLite the second would wait for leave the first holds); the
//! services call helpers that take `&UnitOfWork` instead.

use jindu_domain::Permission;
use jindu_domain::clock::Now;
use sea_orm::{
    ConnectionTrait, DbBackend, DbErr, ExecResult, QueryResult, Statement, TransactionSession, TransactionTrait,
};
use tokio::sync::{Semaphore, SemaphorePermit};
use uuid::Uuid;

use super::{Actor, ServiceResult};
use crate::sql::Writers;

/// Who writes (and who an audit record names): a signed-in user ([`Who::actor`]), Jindu itself
/// ([`Who::system`]) or the command line ([`Who::cli`]).
#[derive(Debug, Clone)]
pub struct Who {
    /// The signed-in user; `None` for the system and the command line.
    pub user_id: Option<Uuid>,
    /// The user name the audit log shows (`system`, `cli` for those).
    pub username: String,
    /// The user's data scope (division code); empty for the system and the command line.
    pub unit: String,
    /// The client address; `local` for the system and the command line.
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

/// One write: a write transaction with who writes and when. `T` is the transaction type of the
/// connection it was begun on (`DatabaseTransaction` for a pool or a transaction).
#[derive(Debug)]
pub struct UnitOfWork<T> {
    txn: T,
    who: Who,
    now: Now,
    /// The signed-in user, when a person writes (`None` for the system and the CLI): derived
    /// state records who brought it about (a risk reassessment's assessor).
    user_id: Option<Uuid>,
    /// This process's leave to hold a write transaction (see [`leave`]); `None` for the one
    /// audit record of a read on PostgreSQL.
    _permit: Option<SemaphorePermit<'static>>,
}

/// How many units of work of one process may hold a write transaction at once (local default,
/// configurable here). SQLite admits one writer at a time: a second would only wait inside the
/// database (sleeping in its busy handler) while holding one of the pool's 4 connections.
/// PostgreSQL writes in parallel, but each transaction holds one of the pool's 16 connections.
/// Writers beyond the limit wait for leave before they take a connection, so reads (a person
/// page: a dozen queries) always find one.
pub const SQLITE_WRITERS: usize = 1;
/// See [`SQLITE_WRITERS`].
pub const POSTGRES_WRITERS: usize = 6;

/// SQLite: the one write transaction of the process.
static SQLITE_LOCK: Semaphore = Semaphore::const_new(SQLITE_WRITERS);
/// SQLite: writers pass here one at a time to queue for [`SQLITE_LOCK`], so that the audit
/// record of a read, which queues for the lock directly, waits behind one writer at most.
static SQLITE_GATE: Semaphore = Semaphore::const_new(1);
/// PostgreSQL: the writers of the process.
static POSTGRES_PERMITS: Semaphore = Semaphore::const_new(POSTGRES_WRITERS);

/// What a unit of work waits for before it takes a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leave {
    /// A write: [`SQLITE_WRITERS`] or [`POSTGRES_WRITERS`] at a time, in turn.
    Write,
    /// The one audit record of a read or a refusal: on SQLite the database's write lock ahead
    /// of all writers but the one holding it and the next; on PostgreSQL nothing (its record
    /// takes a lane of its own).
    Record,
}

/// Leave to hold a write transaction on a database where `writers` may write at once
/// ([`crate::sql::writers`]; see [`Leave`]). With 16 writers and no leave, person-page reads fell
/// to 1 % of their unloaded rate on SQLite and 11 % on PostgreSQL (`jindu bench writers`, issue
/// #19 item 6).
async fn leave(writers: Writers, kind: Leave) -> ServiceResult<Option<SemaphorePermit<'static>>> {
    let closed = |e: tokio::sync::AcquireError| super::ServiceError::Data(format!("write leave closed: {e}"));
    match (writers, kind) {
        (Writers::Many, Leave::Write) => Ok(Some(POSTGRES_PERMITS.acquire().await.map_err(closed)?)),
        (Writers::Many, Leave::Record) => Ok(None),
        (Writers::One, Leave::Write) => {
            let _gate = SQLITE_GATE.acquire().await.map_err(closed)?;
            Ok(Some(SQLITE_LOCK.acquire().await.map_err(closed)?))
        }
        (Writers::One, Leave::Record) => Ok(Some(SQLITE_LOCK.acquire().await.map_err(closed)?)),
    }
}

/// Opens a write transaction. On SQLite it is `BEGIN IMMEDIATE`: the write lock is taken at
/// once, so a transaction that reads before it writes never finds its snapshot stale ("database
/// is locked") when another write commits in between; it waits its turn instead. PostgreSQL
/// ignores the mode.
pub(crate) async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

impl<T: ConnectionTrait + TransactionSession> UnitOfWork<T> {
    /// Begins a write by `actor` at `now` after checking that the role holds `permission`.
    ///
    /// # Errors
    /// `Forbidden(permission)` before anything is read or opened; `Db` when the transaction
    /// cannot be opened.
    pub async fn begin<C>(db: &C, actor: &Actor, now: Now, permission: Permission) -> ServiceResult<Self>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = T>,
    {
        actor.require(permission)?;
        Self::open(db, Who::actor(actor), now, Some(actor.user_id), Leave::Write).await
    }

    /// Begins a write by `actor` at `now` whose permission the caller has checked already
    /// (a write that follows a read of the same service, or one any signed-in user may make:
    /// changing one's own password).
    ///
    /// # Errors
    /// `Db` when the transaction cannot be opened.
    pub async fn begin_checked<C>(db: &C, actor: &Actor, now: Now) -> ServiceResult<Self>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = T>,
    {
        Self::open(db, Who::actor(actor), now, Some(actor.user_id), Leave::Write).await
    }

    /// Begins a write made as `who` whose permission is not a role's: Jindu itself
    /// ([`Who::system`]: the sweep), the command line ([`Who::cli`]: `jindu init`, a transfer
    /// file exported or received by the operator, the demo), or a user acting through such an
    /// operator's path (a transfer file taken in from the page, `who` naming them).
    ///
    /// # Errors
    /// `Db` when the transaction cannot be opened.
    pub async fn begin_as<C>(db: &C, who: Who, now: Now) -> ServiceResult<Self>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = T>,
    {
        let user_id = who.user_id;
        Self::open(db, who, now, user_id, Leave::Write).await
    }

    /// Begins the unit of one audit record of a read or a refusal (`audit::record`): a short
    /// transaction that does not queue behind the writes of the process (a person page would
    /// otherwise wait for every writer): see [`Leave::Record`].
    ///
    /// # Errors
    /// `Db` when the transaction cannot be opened.
    pub(super) async fn begin_record<C>(db: &C, who: Who, now: Now) -> ServiceResult<Self>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = T>,
    {
        let user_id = who.user_id;
        Self::open(db, who, now, user_id, Leave::Record).await
    }

    async fn open<C>(db: &C, who: Who, now: Now, user_id: Option<Uuid>, kind: Leave) -> ServiceResult<Self>
    where
        C: ConnectionTrait + TransactionTrait<Transaction = T>,
    {
        let permit = leave(crate::sql::writers(db), kind).await?;
        Ok(UnitOfWork { txn: begin_write(db).await?, who, now, user_id, _permit: permit })
    }

    /// The one clock reading of this write.
    pub fn now(&self) -> Now {
        self.now
    }

    /// Who writes (for the audit log).
    pub fn who(&self) -> &Who {
        &self.who
    }

    /// The signed-in user who writes; `None` for the system and the CLI.
    pub fn user_id(&self) -> Option<Uuid> {
        self.user_id
    }

    /// Ends the write: commits the transaction, audit records included.
    ///
    /// # Errors
    /// `Db` when the commit fails (nothing of the write is stored).
    pub async fn commit(self) -> ServiceResult<()> {
        self.txn.commit().await?;
        Ok(())
    }

    /// Ends the write without keeping anything (a dry run, a refused import): rolls back,
    /// audit records included.
    ///
    /// # Errors
    /// `Db` when the rollback fails (the database drops the transaction anyway).
    pub async fn rollback(self) -> ServiceResult<()> {
        self.txn.rollback().await?;
        Ok(())
    }

    /// The transaction, for `service::audit` (its append is private to that module).
    pub(super) fn transaction(&self) -> &T {
        &self.txn
    }
}

#[async_trait::async_trait]
impl<T: ConnectionTrait> ConnectionTrait for UnitOfWork<T> {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}
