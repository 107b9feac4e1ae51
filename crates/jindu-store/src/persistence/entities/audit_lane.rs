//! 审计通道 one lane of the audit log: a hash chain that one write transaction at a time appends
//! to (the row is locked by the writer, `FOR UPDATE SKIP LOCKED` on PostgreSQL), so several
//! writers append at once without one global queue. The keyed seal (`service::audit::seal`)
//! covers every lane's base and head.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_lane")]
pub struct Model {
    /// 1, 2, … (lane 1 is the only one on SQLite, whose writers are serialised by the database).
    #[sea_orm(primary_key, auto_increment = false)]
    pub lane: i32,
    /// Position of the last record removed by retention (0 when none): the lane continues at
    /// `base_seq + 1`, never below.
    pub base_seq: i64,
    /// Hash of that record (64 zeros when none): the first kept record's `prev_hash`.
    pub base_hash: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
