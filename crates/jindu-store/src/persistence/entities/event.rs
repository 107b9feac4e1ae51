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
