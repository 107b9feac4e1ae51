//! 登记 The registry: persons, their measures and timeline, transfers, police filings and figures.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod person {
    //! 在册吸毒人员 a registered person. Edits use optimistic concurrency on `version`.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        /// Normalised 18-character GB 11643 number; unique in the deployment.
        #[sea_orm(unique)]
        pub id_number: String,
        pub sex: String,
        pub birth_date: Date,
        pub phone: Option<String>,
        pub address: Option<String>,
        /// 12-digit code of the community (village level) or town the person is managed in.
        pub division_code: String,
        /// 12-digit code of the town/street (denormalised for filters).
        pub town_code: String,
        pub control_status: String,
        pub risk_tier: String,
        pub addiction_finding: String,
        pub substance: Option<String>,
        pub social_worker_id: Option<Uuid>,
        /// Date the person was first found using drugs (初次发现日期).
        pub first_found_on: Option<Date>,
        pub note: Option<String>,
        /// HMAC blind index of the normalised name (exact search without decrypting).
        pub name_bidx: Option<String>,
        /// HMAC blind index of the ID number.
        pub id_number_bidx: Option<String>,
        /// 有稳定就业; `None` = not recorded (risk assessment counts it as no).
        pub employed: Option<bool>,
        /// 有固定住所; `None` = not recorded.
        pub stable_housing: Option<bool>,
        /// 有家庭支持; `None` = not recorded.
        pub family_support: Option<bool>,
        /// 有暴力或自伤自残行为 on record (puts the person in the high risk tier).
        pub violent_or_self_harm: Option<bool>,
        /// Day the person was recorded as lost (失控) and not yet found; `None` when not lost.
        pub lost_since: Option<Date>,
        /// Day the record was sealed after three years' abstinence was confirmed (戒毒条例 §7):
        /// routine lists and searches leave it out.
        pub sealed_on: Option<Date>,
        /// Day of the latest risk assessment (the monthly re-assessment reads it).
        pub risk_assessed_on: Option<Date>,
        /// Score of the latest risk assessment.
        pub risk_score: Option<i32>,
        pub version: i32,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod person_part {
    //! 属地 A division (community or town) that held a person who has moved since: one row per
    //! division of such a person's split contribution (`person_indicator.cells`), so a town's
    //! community figures and lists find the persons it held before they left. Persons who never
    //! moved have no rows.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "person_part")]
    pub struct Model {
        /// 12-digit code of the division that held the person for some months.
        #[sea_orm(primary_key, auto_increment = false)]
        pub division_code: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod measure {
    //! 戒毒措施 one measure of a person with its clock.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "measure")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub kind: String,
        pub decision_date: Date,
        pub reported_on: Option<Date>,
        /// JSON array of `jindu_domain::Suspension`.
        pub suspensions: String,
        pub ended_on: Option<Date>,
        pub end_reason: Option<String>,
        /// Denormalised `MeasureStatus` code as of the last write (filters); the clock is the truth.
        pub status: String,
        pub report_deadline: Option<Date>,
        pub planned_last_day: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod event {
    //! 工作记录 an append-only timeline event. Corrections are `amendment` events.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "event")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub measure_id: Option<Uuid>,
        pub kind: String,
        /// The calendar day it happened (Asia/Shanghai).
        pub occurred_on: Date,
        pub recorded_at: DateTimeUtc,
        pub recorded_by: Option<Uuid>,
        pub test_method: Option<String>,
        pub test_result: Option<String>,
        pub substance: Option<String>,
        pub note: Option<String>,
        /// For an amendment: the event it corrects.
        pub amends_event_id: Option<Uuid>,
        /// Extra structured data (JSON object), e.g. old/new status.
        pub detail: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod transfer {
    //! 变更执行地 one transfer of a person's place of execution (戒毒条例 §22), from town A to town B
    //! in this deployment, or handed over to / received from another deployment (`external`).
    //! Rows are never deleted: the history stays.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "transfer")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        /// 12-digit code of the community or town the person was managed in when asked.
        pub from_division_code: String,
        /// 12-digit code of the old town (A).
        pub from_town_code: String,
        /// 12-digit code of the new community or town (B); outside the deployment for a hand-over.
        pub to_division_code: String,
        /// 12-digit code of the new town (B), or of the county for a hand-over to another system.
        pub to_town_code: String,
        /// `jindu_domain::transfer::TransferStatus` code.
        pub status: String,
        /// True when the new place asked to take the person over (after a duplicate registration):
        /// then the old place decides. False (the usual case): the old place asks, the new decides.
        pub pull: bool,
        pub requested_by: Option<Uuid>,
        pub requested_at: DateTimeUtc,
        /// Reason of the request, sealed (free text about the person).
        pub reason: Option<String>,
        pub decided_by: Option<Uuid>,
        pub decided_at: Option<DateTimeUtc>,
        /// Calendar day of the decision (Asia/Shanghai): the handover day of the 15-day report.
        pub decided_on: Option<Date>,
        /// Reason for returning the request, sealed.
        pub reject_reason: Option<String>,
        /// Last day to report at the new place (legal deadline, 戒毒条例 §22).
        pub report_deadline: Option<Date>,
        pub reported_on: Option<Date>,
        /// True for a hand-over to, or a receipt from, another deployment (transfer file).
        pub external: bool,
        /// Hex SHA-256 of the transfer file (external transfers only).
        pub file_hash: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod police_report {
    //! 公安月报 the monthly figures of one police unit (a county bureau or a town's station, by its
    //! division code): cases solved, suspects arrested, drug users dealt with and drugs seized.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "police_report")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub division_code: String,
        /// yyyymm.
        #[sea_orm(primary_key, auto_increment = false)]
        pub month: i32,
        pub cases_solved: i32,
        pub suspects_arrested: i32,
        pub users_dealt: i32,
        /// JSON object: substance code → milligrams seized.
        #[sea_orm(column_type = "Text")]
        pub seized_mg: String,
        pub filed_by: Option<Uuid>,
        pub filed_at: DateTimeUtc,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod write_receipt {
    //! 重复提交 the receipt of a timeline event recorded with an idempotency key (issue #20): a
    //! retry with the same key by the same user answers the first event instead of recording
    //! another. Kept 7 days (local default), pruned by later writes.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "write_receipt")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        /// The key the client sent (the event form's hidden field, the API's `Idempotency-Key`),
        /// at most 100 characters.
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub person_id: Uuid,
        pub event_id: Uuid,
        pub created_at: DateTimeUtc,
        /// SHA-256 (hex) of the write's fields ([`crate::service::measures::NewEvent::digest`]);
        /// none on receipts kept before m0019.
        pub digest: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
