//! 风险评估记录 one risk assessment of a person, kept with its factor breakdown (JSON of
//! `jindu_domain::risk::FactorScore`) so the person page can say why.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "risk_assessment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    pub assessed_on: Date,
    pub assessed_at: DateTimeUtc,
    /// Why it ran: `registration`, `event`, `profile`, `monthly`, `table`, `manual`.
    pub trigger: String,
    pub tier: String,
    pub score: i32,
    pub overridden: bool,
    pub breakdown: String,
    pub assessed_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
