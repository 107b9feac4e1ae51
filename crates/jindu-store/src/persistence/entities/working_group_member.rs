//! 工作小组成员 a member of a person's working group (戒毒条例 §17). `name` and `phone` are sealed
//! by the vault.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "working_group_member")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `jindu_domain::GroupRole` code.
    pub role: String,
    pub name: String,
    pub phone: Option<String>,
    pub user_id: Option<Uuid>,
    pub added_on: Date,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
