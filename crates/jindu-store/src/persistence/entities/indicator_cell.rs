//! 统计单元 one indicator cell of one jurisdiction: the sum, over the records of the
//! jurisdiction, of a `jindu_domain::indicator::CellKey` in one month (`month` = yyyymm; 0 holds
//! the running total of a stock cell). `scope` is the 12-digit code of a town, county, city or
//! province, or `000000000000` for the whole country.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "indicator_cell")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub scope: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub month: i32,
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub value: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
