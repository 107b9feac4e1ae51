//! 原生 SQL The statements Jindu writes as SQL text, and every place where what it does depends on
//! the database (SQLite or PostgreSQL), in one module. The services (`crate::service`) use the
//! query builder, which SeaORM renders for either database; what the builder cannot say — row
//! locks that skip or wait (`FOR UPDATE SKIP LOCKED`, `FOR NO KEY UPDATE`), advisory locks,
//! sequences, planner settings, `PRAGMA` — or what is kept as plain SQL on purpose is here, each
//! function saying why. A backend's behaviour a service must know (how many may write at once,
//! how a consistent snapshot is opened) is asked here too ([`writers`], [`snapshot_options`]),
//! never by matching the backend in a service; `crates/jindu-store/tests/architecture.rs` fails
//! when raw SQL or a backend match appears under `src/service/`.
//!
//! Everything returns [`DbErr`]; the services turn it into their own errors.

use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, TransactionOptions};
use uuid::Uuid;

/// How many transactions may write at once on a database.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writers {
    /// SQLite: one writer at a time (the database file's write lock); a second waits for it.
    One,
    /// PostgreSQL: many writers at once, each waiting only for the rows it locks.
    Many,
}

/// How many may write at once on `db`'s database ([`Writers`]): the unit of work's leave to
/// write, the audit log's numbering (SQLite numbers records from the table, PostgreSQL from a
/// sequence) and its pruning depend on it.
pub fn writers<C: ConnectionTrait>(db: &C) -> Writers {
    match db.get_database_backend() {
        DbBackend::Postgres => Writers::Many,
        _ => Writers::One,
    }
}

/// The options of a read-only transaction that sees one consistent snapshot, or `None` when a
/// plain (deferred) transaction already does: PostgreSQL needs `REPEATABLE READ READ ONLY`
/// (its default, READ COMMITTED, takes a new snapshot per statement); on SQLite in WAL mode the
/// first read of a deferred transaction fixes its snapshot. For `audit::verify`, which reads the
/// whole log while writers keep appending.
pub fn snapshot_options<C: ConnectionTrait>(db: &C) -> Option<TransactionOptions> {
    (db.get_database_backend() == DbBackend::Postgres).then_some(TransactionOptions {
        isolation_level: Some(sea_orm::IsolationLevel::RepeatableRead),
        access_mode: Some(sea_orm::AccessMode::ReadOnly),
        sqlite_transaction_mode: None,
    })
}

/// Serialises the writes that recompute one person's derived state until the caller's
/// transaction ends. PostgreSQL: locks the person's row `FOR NO KEY UPDATE`, which the query
/// builder cannot express; it does not conflict with the key-share locks that inserting the
/// person's events takes, so two writers of one person queue here instead of deadlocking.
/// SQLite: nothing (one writer at a time anyway).
///
/// # Errors
/// Database failure.
pub async fn lock_person<C: ConnectionTrait>(db: &C, person_id: Uuid) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT 1 FROM person WHERE id = $1 FOR NO KEY UPDATE",
            [person_id.into()],
        ))
        .await?;
    }
    Ok(())
}

/// The audit lane this transaction appends to, as `(lane, base_seq, base_hash)`; `None` when
/// there is none (SQLite's lane 1 missing, or PostgreSQL's new lane not returned).
///
/// PostgreSQL: the lowest lane no other transaction holds, locked until this one ends with
/// `FOR UPDATE SKIP LOCKED` (never waits, so it cannot deadlock with the writer's row locks); when
/// every lane is busy a new one numbered from the sequence `audit_lane_seq`, starting at
/// `genesis`. Both need SQL text: the builder has neither `SKIP LOCKED` nor `nextval`.
/// SQLite: lane 1 (one writer at a time).
///
/// # Errors
/// Database failure.
pub async fn take_audit_lane<C: ConnectionTrait>(db: &C, genesis: &str) -> Result<Option<(i32, i64, String)>, DbErr> {
    let backend = db.get_database_backend();
    let row = if backend == DbBackend::Postgres {
        let free = db
            .query_one_raw(Statement::from_string(
                backend,
                "SELECT lane, base_seq, base_hash FROM audit_lane ORDER BY lane LIMIT 1 FOR UPDATE SKIP LOCKED",
            ))
            .await?;
        match free {
            Some(r) => Some(r),
            None => {
                db.query_one_raw(Statement::from_sql_and_values(
                    backend,
                    "INSERT INTO audit_lane (lane, base_seq, base_hash) \
                     VALUES (CAST(nextval('audit_lane_seq') AS INTEGER), 0, $1) RETURNING lane, base_seq, base_hash",
                    [genesis.into()],
                ))
                .await?
            }
        }
    } else {
        db.query_one_raw(Statement::from_string(
            backend,
            "SELECT lane, base_seq, base_hash FROM audit_lane WHERE lane = 1",
        ))
        .await?
    };
    row.map(|r| Ok((r.try_get("", "lane")?, r.try_get("", "base_seq")?, r.try_get("", "base_hash")?))).transpose()
}

/// The next number of the audit log from PostgreSQL's sequence `audit_record_seq` (`nextval`,
/// which the builder cannot call); `None` on SQLite, which has no sequence: the caller numbers
/// from the table (one writer at a time).
///
/// # Errors
/// Database failure; `RecordNotFound` when the sequence returns no row.
pub async fn next_audit_seq<C: ConnectionTrait>(db: &C) -> Result<Option<i64>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_string(backend, "SELECT nextval('audit_record_seq') AS n"))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_record_seq: no value".into()))?;
    Ok(Some(row.try_get("", "n")?))
}

/// PostgreSQL: the sequence number and the time (microseconds since 1970) of the next audit
/// record, taken together by `jindu_audit_stamp` (migration `m0018_audit_stamp`): the time is
/// `wanted`, raised to the latest time stamped so far, under a lock held only while the two are
/// taken — so times never decrease in sequence order. `None` on SQLite (one writer at a time;
/// the appender orders them itself).
///
/// # Errors
/// Database failure.
pub async fn stamp_audit_record<C: ConnectionTrait>(db: &C, wanted_micros: i64) -> Result<Option<(i64, i64)>, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(None);
    }
    let row = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT seq, at_micros FROM jindu_audit_stamp($1)",
            [wanted_micros.into()],
        ))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("jindu_audit_stamp: no row".into()))?;
    Ok(Some((row.try_get("", "seq")?, row.try_get("", "at_micros")?)))
}

/// Takes the transaction-scoped advisory lock `key` (PostgreSQL `pg_advisory_xact_lock`, released
/// at commit or rollback; there is no table to lock), so that sealing, anchoring and pruning the
/// audit log never run at once. SQLite: nothing (one writer at a time).
///
/// # Errors
/// Database failure.
pub async fn advisory_lock<C: ConnectionTrait>(db: &C, key: i64) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_string(DbBackend::Postgres, format!("SELECT pg_advisory_xact_lock({key})")))
            .await?;
    }
    Ok(())
}

/// True when this transaction now holds audit lane `lane`, false when another transaction is
/// appending to it (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so pruning passes over a busy lane
/// instead of waiting for it). SQLite: always true (one writer at a time).
///
/// # Errors
/// Database failure.
pub async fn lock_audit_lane_if_free<C: ConnectionTrait>(db: &C, lane: i32) -> Result<bool, DbErr> {
    let backend = db.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(true);
    }
    let free = db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            "SELECT lane FROM audit_lane WHERE lane = $1 FOR UPDATE SKIP LOCKED",
            [lane.into()],
        ))
        .await?;
    Ok(free.is_some())
}

/// Plans every statement of this transaction for the tables as they are now. PostgreSQL: `SET
/// LOCAL plan_cache_mode = force_custom_plan` (a setting, no builder form). An import starts on
/// small tables; a prepared statement's cached generic plan chose a sequential scan of the
/// two-page `person` table and kept it while the transaction grew it to thousands of pages (a
/// 100,000-row import slowed to ~17 rows/s after 10,000 rows). SQLite: nothing.
///
/// # Errors
/// Database failure.
pub async fn plan_for_growing_tables<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
    }
    Ok(())
}

/// Refreshes the planner's statistics after the hourly sweep. SQLite gathers them only when
/// asked (`PRAGMA optimize`, no builder form); PostgreSQL's autovacuum analyzes on its own, so
/// nothing there.
///
/// # Errors
/// Database failure.
pub async fn optimize<C: ConnectionTrait>(db: &C) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA optimize").await?;
    }
    Ok(())
}

/// A 12-digit division code as an SQL literal (digits only, so no quoting issue can arise).
fn code_literal(code: &str) -> Result<String, DbErr> {
    if code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit()) {
        Ok(format!("'{code}'"))
    } else {
        Err(DbErr::Custom(format!("scope code {code}")))
    }
}

/// The indicator cells `(scope, month, key, value)` of the jurisdictions `scopes` (12-digit
/// codes, at most a few hundred: the caller reads in chunks): the running totals (month 0) and
/// the months from `from` (`yyyymm`) on. Portable SQL, the same on both databases, written as
/// text with the codes inlined as literals (each checked to be 12 digits): one indexed read per
/// chunk on the 驾驶舱's hottest path, as it was first written (c3408b2); the query builder could
/// express it too.
///
/// # Errors
/// Database failure; `Custom` naming a scope that is not a 12-digit code.
pub async fn indicator_cells<C: ConnectionTrait>(
    db: &C,
    scopes: &[String],
    from: i32,
) -> Result<Vec<QueryResult>, DbErr> {
    let list = scopes.iter().map(|s| code_literal(s)).collect::<Result<Vec<_>, _>>()?.join(",");
    let sql = format!(
        "SELECT scope, month, key, value FROM indicator_cell WHERE scope IN ({list}) AND (month = 0 OR month >= {from})"
    );
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await
}

/// Persons by control status now (`control_status`, `n`) whose division lies in `lo..=hi`
/// (12-digit bounds), by a plain `GROUP BY` over the base table. Plain SQL on purpose: it is the
/// independent reference the kept indicator cells are compared with (`indicators::group_by_base`:
/// the bench and the tests), so it shares nothing with the code that keeps them.
///
/// # Errors
/// Database failure; `Custom` when a bound is not a 12-digit code.
pub async fn persons_by_status<C: ConnectionTrait>(db: &C, lo: &str, hi: &str) -> Result<Vec<QueryResult>, DbErr> {
    let (lo, hi) = (code_literal(lo)?, code_literal(hi)?);
    let sql = format!(
        "SELECT control_status, COUNT(*) AS n FROM person WHERE division_code BETWEEN {lo} AND {hi} GROUP BY control_status"
    );
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await
}

/// Drug tests by result (`r`, `n`) of persons whose division lies in `lo..=hi` (12-digit bounds)
/// on the days `first..=last`, by a plain `GROUP BY` over the base tables: the reference of
/// [`persons_by_status`], for the same reason.
///
/// # Errors
/// Database failure; `Custom` when a bound is not a 12-digit code.
pub async fn drug_tests_by_result<C: ConnectionTrait>(
    db: &C,
    lo: &str,
    hi: &str,
    first: chrono::NaiveDate,
    last: chrono::NaiveDate,
) -> Result<Vec<QueryResult>, DbErr> {
    let (lo, hi) = (code_literal(lo)?, code_literal(hi)?);
    let sql = format!(
        "SELECT e.test_result AS r, COUNT(*) AS n FROM event e JOIN person p ON p.id = e.person_id \
         WHERE p.division_code BETWEEN {lo} AND {hi} AND e.kind = 'drug_test' \
         AND e.occurred_on BETWEEN '{first}' AND '{last}' GROUP BY e.test_result"
    );
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql)).await
}

/// Writes a consistent copy of the SQLite database `db` to the new file `path`
/// (`VACUUM INTO`, SQLite ≥ 3.27): an online backup that readers and writers keep working
/// beside; the copy holds every transaction committed before it began and nothing of any
/// other. `None` on PostgreSQL (its copy is `pg_dump`'s, see `backup`).
///
/// # Errors
/// Database failure (e.g. `path` exists or cannot be written).
pub async fn vacuum_into<C: ConnectionTrait>(db: &C, path: &str) -> Result<Option<()>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(None);
    }
    db.execute_raw(Statement::from_sql_and_values(DbBackend::Sqlite, "VACUUM INTO ?", [path.into()])).await?;
    Ok(Some(()))
}

/// SQLite's own check of the database file (`PRAGMA quick_check`: every page, index and
/// constraint the file format can check, without comparing index contents to tables), as the
/// lines it prints: `["ok"]` for a sound file. Empty on PostgreSQL, whose pages are checked by
/// the server itself.
///
/// # Errors
/// Database failure (a file too damaged to be read at all answers here).
pub async fn quick_check<C: ConnectionTrait>(db: &C) -> Result<Vec<String>, DbErr> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(Vec::new());
    }
    let rows = db.query_all_raw(Statement::from_string(DbBackend::Sqlite, "PRAGMA quick_check")).await?;
    rows.iter().map(|r| r.try_get_by_index::<String>(0)).collect()
}

/// Whether the PostgreSQL database `db` has no table in its `public` schema (a database to
/// restore a backup into must be empty; `information_schema` is the catalogue's SQL view). True
/// on SQLite, where a restore makes a new file instead.
///
/// # Errors
/// Database failure.
pub async fn is_empty_postgres<C: ConnectionTrait>(db: &C) -> Result<bool, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(true);
    }
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Postgres,
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
        ))
        .await?;
    let tables: i64 = match row {
        Some(r) => r.try_get_by_index(0)?,
        None => 0,
    };
    Ok(tables == 0)
}
