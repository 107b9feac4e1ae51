//! Audit times in sequence order (issue #20 item 7): on PostgreSQL a record's sequence number and
//! its time are taken together by `jindu_audit_stamp`, under a lock held only for those few
//! instructions, so that times never decrease in sequence order although writers append to
//! lanes of their own at once (see `service::audit`, "Time"). The floor of the next time is kept
//! in the sequence `audit_at_floor` (microseconds since 1970): like `audit_record_seq` it is not
//! transactional, so a writer never waits for another's commit. SQLite needs nothing: one writer
//! at a time, and the appender reads the record before its own.

use sea_orm::{ConnectionTrait, DbBackend, Statement};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0018_audit_stamp"
    }
}

/// The advisory lock key `jindu_audit_stamp` holds (session level, released before it returns).
const STAMP_LOCK: i64 = 4652;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let run = |sql: String| Statement::from_string(DbBackend::Postgres, sql);
        db.execute_raw(run("CREATE SEQUENCE audit_at_floor MINVALUE 0 START WITH 0".into())).await?;
        // The floor starts at the latest time already recorded.
        db.execute_raw(run("SELECT setval('audit_at_floor', COALESCE((SELECT CAST(floor(EXTRACT(EPOCH FROM max(at)) * 1000000) AS BIGINT) FROM audit_record), 0), true)".into())).await?;
        // The lock is released on every way out, a cancelled query included (OTHERS does not
        // catch query_canceled); a lost connection releases it with its session.
        db.execute_raw(run(format!(
            "CREATE FUNCTION jindu_audit_stamp(wanted BIGINT, OUT seq BIGINT, OUT at_micros BIGINT) \
             LANGUAGE plpgsql AS $$ \
             BEGIN \
               PERFORM pg_advisory_lock({STAMP_LOCK}); \
               BEGIN \
                 at_micros := GREATEST(wanted, (SELECT last_value FROM audit_at_floor)); \
                 PERFORM setval('audit_at_floor', at_micros, true); \
                 seq := nextval('audit_record_seq'); \
               EXCEPTION WHEN OTHERS OR query_canceled THEN \
                 PERFORM pg_advisory_unlock({STAMP_LOCK}); \
                 RAISE; \
               END; \
               PERFORM pg_advisory_unlock({STAMP_LOCK}); \
             END $$"
        )))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        if db.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let run = |sql: &str| Statement::from_string(DbBackend::Postgres, sql);
        db.execute_raw(run("DROP FUNCTION IF EXISTS jindu_audit_stamp(BIGINT)")).await?;
        db.execute_raw(run("DROP SEQUENCE IF EXISTS audit_at_floor")).await?;
        Ok(())
    }
}
