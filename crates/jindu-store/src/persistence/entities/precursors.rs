//! 易制毒化学品 precursor chemicals (issue #21): the enterprise register and its warehouses.

pub mod precursor_enterprise {
    //! 易制毒化学品生产经营单位 an enterprise of the register (MODULES §1.7). Personal data of its
    //! legal representative and 易制毒 manager (ID numbers, phones) is sealed by the vault (AAD
    //! `precursor_enterprise.<column>:<id>`); the ID numbers are found by their blind index.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_enterprise")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// 统一社会信用代码, 18 upper-case characters (GB 32100-2015), unique.
        pub credit_code: String,
        pub name: String,
        /// Role codes joined by `,` (`jindu_domain::precursor::enterprise::roles_code`).
        pub roles: String,
        /// 经营范围.
        pub business_scope: String,
        pub registered_address: String,
        /// 12-digit division of the registered address (the data scope).
        pub division_code: String,
        pub legal_rep_name: String,
        /// Sealed.
        pub legal_rep_id_number: Option<String>,
        /// Blind index of the legal representative's ID number.
        pub legal_rep_id_bidx: Option<String>,
        /// Sealed.
        pub legal_rep_phone: Option<String>,
        pub responsible_name: String,
        /// Sealed.
        pub responsible_id_number: Option<String>,
        pub responsible_id_bidx: Option<String>,
        /// Sealed.
        pub responsible_phone: Option<String>,
        /// 危险化学品经营许可证编号.
        pub hazardous_licence: Option<String>,
        /// `jindu_domain::precursor::EnterpriseStatus` code.
        pub status: String,
        /// 12-digit division code of the town whose 派出所 supervises it.
        pub police_unit: String,
        /// 安监 unit (name).
        pub safety_unit: String,
        /// Optimistic-concurrency version, 1 on creation, +1 per update.
        pub version: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_warehouse {
    //! 仓库 a warehouse of an enterprise, with the division it lies in.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_warehouse")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub enterprise_id: Uuid,
        /// 1-based order on the enterprise's record.
        pub seq: i32,
        pub address: String,
        /// 12-digit division code.
        pub division_code: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
