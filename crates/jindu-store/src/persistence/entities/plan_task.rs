//! 规划任务 a task of a multi-year plan with its owner unit, co-units, due date and close-out.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "plan_task")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// The plan, e.g. `6·27工程三年行动`.
    pub plan: String,
    pub title: String,
    /// 12-digit code of the owner town (牵头单位).
    pub owner_code: String,
    pub owner_name: String,
    /// 配合单位, names joined with `、`.
    pub co_units: String,
    pub due_on: Date,
    /// The first evidence or progress note.
    pub started_at: Option<DateTimeUtc>,
    /// 销账: when the office closed it out.
    pub closed_at: Option<DateTimeUtc>,
    pub close_note: Option<String>,
    /// The reason of the last reopening.
    pub reopen_reason: Option<String>,
    pub version: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
