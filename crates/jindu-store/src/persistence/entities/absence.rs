//! 擅自离开 an unauthorised departure from the county (戒毒条例 §20(二)(三)): the day left and the
//! day back, with the timeline events that record them (the evidence of a serious breach).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "absence")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub left_on: Date,
    pub returned_on: Option<Date>,
    pub event_id: Uuid,
    pub return_event_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
