//! 公安月报 the monthly figures of one police unit (a county bureau or a town's station, by its
//! division code): cases solved, suspects arrested, drug users dealt with and drugs seized.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "police_report")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub division_code: String,
    /// yyyymm.
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    pub cases_solved: i32,
    pub suspects_arrested: i32,
    pub users_dealt: i32,
    /// JSON object: substance code → milligrams seized.
    #[sea_orm(column_type = "Text")]
    pub seized_mg: String,
    pub filed_by: Option<Uuid>,
    pub filed_at: DateTimeUtc,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
