//! 请假 a request to leave the county (戒毒条例 §19), its approval and the return (销假).
//! `destination`, `reason` and `decision_note` are sealed by the vault.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leave_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub requested_on: Date,
    /// First day away.
    pub leave_from: Date,
    /// Last approved day away; back by the end of this day.
    pub leave_to: Date,
    pub destination: String,
    pub reason: Option<String>,
    /// `jindu_domain::leave::LeaveStatus` code.
    pub status: String,
    pub requested_by: Option<Uuid>,
    pub decided_by: Option<Uuid>,
    pub decided_on: Option<Date>,
    pub decision_note: Option<String>,
    pub returned_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
