//! 社区戒毒(康复)工作站 a workstation at a town or street.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "workstation")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// 12-digit code of the town/street it serves.
    pub division_code: String,
    /// 地址 (may be empty).
    pub address: String,
    /// 成立日期: the day it began to serve (coverage counts from its month); `None` for rows
    /// kept before it was asked, which count from `created_at`.
    pub opened_on: Option<Date>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
