//! 考评 an evaluation run: one scheme over the units of a jurisdiction for a period. `draft`
//! runs are recomputed from live data; `frozen` and `published` ones keep their results.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_run")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub scheme_id: Uuid,
    pub name: String,
    /// Period code: `2026`, `2026-Q4`, `2026-11`.
    pub period: String,
    /// 12-digit code of the jurisdiction whose units are scored.
    pub scope: String,
    /// `draft`, `frozen`, `published`.
    pub status: String,
    /// The scheme as it was when the run was made (JSON).
    pub scheme_body: String,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub computed_at: DateTimeUtc,
    pub frozen_at: Option<DateTimeUtc>,
    pub published_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
