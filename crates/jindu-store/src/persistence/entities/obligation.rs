//! 应办事项 the next due duty of one kind for a person: one row per (person, kind),
//! rewritten in the same transaction as every event that moves it. Indexed by
//! (division_code, due_date) so "due or overdue within scope X" is a range read.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "obligation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    pub due_date: Date,
    pub division_code: String,
    pub social_worker_id: Option<Uuid>,
    pub measure_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
