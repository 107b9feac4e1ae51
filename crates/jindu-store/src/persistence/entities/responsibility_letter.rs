//! 责任书 a unit's responsibility letter for a year: parties, signed date, the scan.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "responsibility_letter")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub year: i32,
    /// 12-digit code of the town.
    pub unit_code: String,
    pub unit_name: String,
    /// 签订双方, e.g. `珠晖区禁毒委员会 — 广东路街道办事处`.
    pub parties: String,
    pub signed_on: Option<Date>,
    pub attachment_id: Option<Uuid>,
    pub version: i32,
    pub updated_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
