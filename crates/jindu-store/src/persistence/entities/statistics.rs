//! 统计 Statistics: the indicator cells and what each person's record added to them.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod indicator_cell {
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
}

pub mod person_indicator {
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
}
