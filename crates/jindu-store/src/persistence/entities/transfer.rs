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
