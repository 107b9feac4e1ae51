//! 审计 The audit log: its records and lanes.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod audit_record {
    //! 审计日志 one audit record. Append-only; each record carries the hash of the previous record of
    //! its lane (see `service::audit`).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_record")]
    pub struct Model {
        /// Identity and display order across the whole log: increasing, with gaps where a writer's
        /// transaction rolled back (PostgreSQL sequence `audit_record_seq`; on SQLite max + 1).
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        /// The chain (lane) the record was appended to; see `audit_lane`.
        pub lane: i32,
        /// Position in its lane: base + 1, base + 2, … without gaps.
        pub lane_seq: i64,
        pub at: DateTimeUtc,
        pub user_id: Option<Uuid>,
        pub username: String,
        /// The user's unit (division code) at the time.
        pub unit: String,
        /// Client address as seen by the server.
        pub address: String,
        /// e.g. `login`, `person.read`, `person.unmask`, `event.create`, `export`, `config.change`.
        pub action: String,
        pub object_type: Option<String>,
        pub object_id: Option<String>,
        /// `ok`, `denied`, `failed`.
        pub outcome: String,
        pub detail: Option<String>,
        /// Hex SHA-256 of the previous record of the lane (the lane's base hash for the first).
        pub prev_hash: String,
        /// Hex SHA-256 over this record's fields (lane and position included) and `prev_hash`.
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod audit_lane {
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
}
