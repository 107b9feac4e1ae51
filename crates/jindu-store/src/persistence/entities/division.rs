//! 行政区划 a statistical division loaded for this deployment.
use sea_orm::entity::prelude::*;

/// One division row: `code` is the 12-digit code as text, `level` a `DivisionLevel` code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "division")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub name: String,
    pub level: String,
    pub parent_code: Option<String>,
    /// Full name path, e.g. `湖南省/衡阳市/珠晖区/广东路街道`.
    pub name_path: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
