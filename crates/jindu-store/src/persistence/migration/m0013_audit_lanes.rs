//! The audit log in lanes with a keyed seal (issue #19 item 6): several writers append at once,
//! each to a lane (hash chain) of its own, and a signed head replaces the unkeyed `audit.head`
//! setting. Existing records become lane 1, positions equal to their sequence numbers, re-chained
//! under the new record hash (which covers the lane and position); the old chain is checked first
//! with the old hash and what that check found is written in an `audit.upgrade` record (records
//! from a first problem on keep their old hashes, so `verify` still shows the damage). The first
//! seal (server start, `jindu audit verify`) then seals them under the deployment's key.

use super::{add_columns, create_table, index};
use crate::entities::{audit_lane, audit_record, setting};
use crate::service::audit::{self, GENESIS};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Statement,
};
use sea_orm_migration::prelude::*;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0013_audit_lanes"
    }
}

/// The record hash before this migration (no lane, no position), to check the old chain.
fn old_hash(r: &audit_record::Model) -> String {
    let mut fields = vec![r.seq.to_string()];
    fields.extend(audit::entry_fields(r));
    audit::unit_separated_sha256(&fields)
}

async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find_by_id(key.to_string()).one(db).await?.map(|s| s.value))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(m, "audit_record", "lane int default 1, lane_seq bigint default 0").await?;
        create_table(m, "audit_lane", "lane int pk, base_seq bigint, base_hash string").await?;
        let db = m.get_connection();
        let backend = db.get_database_backend();

        // Where the old chain started (the last record an old prune removed).
        let (base_seq, base_hash) = match get(db, "audit.anchor").await? {
            Some(v) => match v.split_once(':') {
                Some((s, h)) => (s.parse::<i64>().unwrap_or(0), h.to_string()),
                None => (0, GENESIS.to_string()),
            },
            None => (0, GENESIS.to_string()),
        };
        audit_lane::Entity::insert(audit_lane::ActiveModel {
            lane: Set(1),
            base_seq: Set(base_seq),
            base_hash: Set(base_hash.clone()),
        })
        .exec(db)
        .await?;

        // Check the old chain (old hash, links, no gaps, the head setting) and re-chain it.
        let old_head = get(db, "audit.head").await?;
        let mut problem: Option<String> = None;
        let (mut prev_seq, mut old_prev, mut new_prev) = (base_seq, base_hash.clone(), base_hash.clone());
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
            for mut r in batch {
                if problem.is_none() {
                    if r.seq != prev_seq + 1 {
                        problem = Some(format!("records between {prev_seq} and {} missing", r.seq));
                    } else if old_hash(&r) != r.hash {
                        problem = Some(format!("record {} modified", r.seq));
                    } else if r.prev_hash != old_prev {
                        problem = Some(format!("record {} does not chain", r.seq));
                    }
                }
                prev_seq = r.seq;
                old_prev = r.hash.clone();
                r.lane = 1;
                r.lane_seq = r.seq;
                if problem.is_none() {
                    r.prev_hash = new_prev.clone();
                    r.hash = audit::record_hash(&r);
                    new_prev = r.hash.clone();
                }
                // From the first problem on, the records keep their old hashes: the new chain
                // shows the damage where it was, instead of sealing over it.
                audit_record::Entity::update_many()
                    .col_expr(audit_record::Column::Lane, Expr::value(1))
                    .col_expr(audit_record::Column::LaneSeq, Expr::value(r.seq))
                    .col_expr(audit_record::Column::PrevHash, Expr::value(r.prev_hash.clone()))
                    .col_expr(audit_record::Column::Hash, Expr::value(r.hash.clone()))
                    .filter(audit_record::Column::Seq.eq(r.seq))
                    .exec(db)
                    .await?;
                count += 1;
            }
        }
        if problem.is_none() && count > 0 && old_head.as_deref() != Some(format!("{prev_seq}:{old_prev}").as_str()) {
            problem = Some("the head setting does not match the last record".into());
        }
        index(m, "audit_record", "ux_audit_record_lane_seq", &["lane", "lane_seq"], true).await?;

        if backend == DbBackend::Postgres {
            let start = std::cmp::Ord::max(prev_seq, base_seq) + 1;
            db.execute_raw(Statement::from_string(
                backend,
                format!("CREATE SEQUENCE audit_record_seq START WITH {start}"),
            ))
            .await?;
            db.execute_raw(Statement::from_string(backend, "CREATE SEQUENCE audit_lane_seq START WITH 2")).await?;
        } else if base_seq > 0 {
            setting::Entity::insert(setting::ActiveModel {
                key: Set("audit.seq_floor".into()),
                value: Set(base_seq.to_string()),
            })
            .exec(db)
            .await?;
        }
        setting::Entity::delete_many()
            .filter(setting::Column::Key.is_in(["audit.head", "audit.anchor"]))
            .exec(db)
            .await?;

        if count > 0 || base_seq > 0 {
            let found = problem.unwrap_or_else(|| "intact".into());
            let now = jindu_domain::clock::Now::system();
            audit::append_in_migration(
                db,
                now,
                audit::Entry::ok("audit.upgrade", "audit", "lanes").with_detail(format!(
                    "{count} records re-chained as lane 1 under the keyed-seal scheme (m0013); old chain: {found}"
                )),
            )
            .await
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        Ok(())
    }

    async fn down(&self, _m: &SchemaManager) -> Result<(), DbErr> {
        Err(DbErr::Migration("m0013_audit_lanes cannot be undone: the records are re-chained".into()))
    }
}
