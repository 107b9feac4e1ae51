//! 考评方案 an evaluation scheme of a year: its items and bands (`body`, the JSON of
//! `jindu_domain::evaluation::EvaluationScheme`).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_scheme")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    pub name: String,
    /// `towns` or `member_units`.
    pub subject: String,
    pub body: String,
    /// Optimistic-concurrency version.
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
