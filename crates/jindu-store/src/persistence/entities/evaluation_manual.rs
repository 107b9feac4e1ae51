//! 人工评分 an inspector's score of a manual item for a unit in a run (hundredths), with a note.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_manual")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub item_code: String,
    pub points: i64,
    pub note: String,
    pub scored_by: Option<Uuid>,
    pub scored_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
