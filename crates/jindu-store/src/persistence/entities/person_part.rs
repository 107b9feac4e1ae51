//! 属地 A division (community or town) that held a person who has moved since: one row per
//! division of such a person's split contribution (`person_indicator.cells`), so a town's
//! community figures and lists find the persons it held before they left. Persons who never
//! moved have no rows.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_part")]
pub struct Model {
    /// 12-digit code of the division that held the person for some months.
    #[sea_orm(primary_key, auto_increment = false)]
    pub division_code: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
