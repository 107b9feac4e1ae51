//! What one person's record last added to the indicator cells (`Contribution::encode`), and
//! where: the next write adds only the difference. Also read for community figures and
//! drill-down within a town.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person_indicator")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub person_id: Uuid,
    /// The town the cells were added to.
    pub town_code: String,
    /// The person's division (community or town) when they were added.
    pub division_code: String,
    #[sea_orm(column_type = "Text")]
    pub cells: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
