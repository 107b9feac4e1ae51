//! 得分 one unit's result in a run: every item with its trace (`result`, the JSON of
//! `jindu_domain::evaluation::UnitScore`), the adjustment with its reason, the total, rank and
//! grade. Points in hundredths.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_result")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub run_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub unit_code: String,
    pub unit_name: String,
    pub result: String,
    /// The scheme's total before the adjustment (hundredths).
    pub computed_total: i64,
    /// 调整 (hundredths, either sign).
    pub adjustment: i64,
    pub adjustment_reason: Option<String>,
    /// computed_total + adjustment, at least 0 (hundredths).
    pub total: i64,
    /// Competition rank (1224) by total.
    pub rank: Option<i32>,
    /// The grade band's Chinese label.
    pub grade: String,
    /// False while a manual item awaits its score.
    pub complete: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
