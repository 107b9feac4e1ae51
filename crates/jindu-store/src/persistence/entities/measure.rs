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
