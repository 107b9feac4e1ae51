//! 成员单位 a member unit of the district's anti-drug committee.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_unit")]
pub struct Model {
    /// `430405U07`: see `jindu_domain::responsibility::member_unit_code`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    /// 12-digit code of the district whose committee the unit belongs to.
    pub division_code: String,
    /// 禁毒工作职责, free text.
    pub duties: String,
    /// The number in the code.
    pub number: i32,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
