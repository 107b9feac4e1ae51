//! 易制毒化学品 precursor chemicals (issue #21): the enterprise register and its warehouses,
//! credentials, the two-sided ledger, the kept ERP material mapping, the checks' findings,
//! inspections and the risk tier (migration m0022).

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

pub mod precursor_credential {
    //! 证照 a licence (许可证) or filing certificate (备案证明) of an enterprise (MODULES §1.7
    //! Credential; 条例 §8–§22): its kind, number, validity, status as recorded and the chemicals
    //! it covers with their licensed quantities.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_credential")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Holder.
        pub enterprise_id: Uuid,
        /// `jindu_domain::precursor::credential::CredentialKind` code.
        pub kind: String,
        /// 证号, unique.
        pub number: String,
        /// 发证机关 (name).
        pub issuer: String,
        pub valid_from: Date,
        /// Last valid day (inclusive); `None`: without end.
        pub valid_to: Option<Date>,
        /// `CredentialStatus` code as recorded.
        pub status: String,
        /// For used, cancelled, revoked: from which day.
        pub status_since: Option<Date>,
        /// JSON array of `CredentialLine` (`[{"entry":"…","licensed":50000}]`, g or mL).
        pub lines: String,
        pub version: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_movement {
    //! 出入库记录 one ledger movement (MODULES §1.7 LedgerMovement), append-only: a correction is a
    //! reversing entry (`reverses`), never an update. Quantity in whole g or mL of the product as
    //! weighed or measured, the concentration apart.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_movement")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The enterprise whose ledger this is.
        pub enterprise_id: Uuid,
        /// 12-digit division of the enterprise (the data scope, kept for range queries).
        pub division_code: String,
        pub warehouse_id: Uuid,
        /// Catalogue entry id in force on `occurred_on`.
        pub entry: String,
        /// Category of the entry on that day, 1–3.
        pub category: i32,
        /// `g` or `mL`.
        pub measure: String,
        /// `jindu_domain::precursor::ledger::MovementKind` code.
        pub kind: String,
        /// Positive, g or mL.
        pub quantity: i64,
        /// 含量 in basis points (3650 = 36.5 %), when stated.
        pub concentration_bp: Option<i32>,
        pub occurred_on: Date,
        /// 单据号, unique per enterprise (a reversal has its own).
        pub document_no: String,
        /// The counterparty's 统一社会信用代码 (sales, purchases, returns).
        pub counterparty_code: Option<String>,
        /// The counterparty when it is on the register.
        pub counterparty_id: Option<Uuid>,
        /// Sealed: an individual buyer's reference (never an ID number in clear).
        pub counterparty_name: Option<String>,
        /// `jindu_domain::precursor::checks::Payment` code (sales, purchases).
        pub payment: Option<String>,
        /// The buyer's 购买许可证/备案证明 the sale or purchase was made under.
        pub credential_id: Option<Uuid>,
        /// Day the movement was filed with the police (备案, P-07).
        pub filed_on: Option<Date>,
        /// The movement this entry reverses.
        pub reverses: Option<Uuid>,
        /// `form`, `police`, `import`, `demo`.
        pub source: String,
        pub import_job_id: Option<Uuid>,
        pub recorded_by: Uuid,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_stock_take {
    //! 盘点 a stock-take: the counted quantity of a chemical in a warehouse at the end of a day.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_stock_take")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub enterprise_id: Uuid,
        pub warehouse_id: Uuid,
        pub entry: String,
        pub counted_on: Date,
        /// g or mL, ≥ 0.
        pub counted: i64,
        pub recorded_by: Uuid,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_transport {
    //! 运输记录 a transport (MODULES §1.7 Transport; 条例 §20–§22): shipper, chemical, route as
    //! divisions, the permit or filing named.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_transport")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// Shipper (货主).
        pub enterprise_id: Uuid,
        pub entry: String,
        /// g or mL.
        pub quantity: i64,
        /// 12-digit division codes.
        pub origin: String,
        pub destination: String,
        pub departed_on: Date,
        pub credential_id: Option<Uuid>,
        /// 承运单位 (name).
        pub carrier: String,
        /// 车牌号.
        pub vehicle: Option<String>,
        pub document_no: String,
        pub recorded_by: Uuid,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_incident {
    //! 案事件 a loss, theft, robbery or suspicious order (条例 §34; P-13). `description` is sealed.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_incident")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub enterprise_id: Uuid,
        /// `loss`, `theft`, `robbery`, `suspicious_order`.
        pub kind: String,
        pub entry: Option<String>,
        /// g or mL.
        pub quantity: Option<i64>,
        pub discovered_at: DateTimeUtc,
        /// When the police were told.
        pub reported_at: Option<DateTimeUtc>,
        /// Sealed.
        pub description: String,
        pub recorded_by: Uuid,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_material_map {
    //! 物料对照 the kept mapping of an enterprise's ERP material name to a catalogue entry, used by
    //! every later import of its ledger.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_material_map")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub enterprise_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        /// The material name as the ERP writes it (trimmed).
        pub material: String,
        /// Catalogue entry id.
        pub entry: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_finding {
    //! 预警 a finding of the automatic checks (MODULES §1.8, P-01..P-14 and the red flags) about an
    //! enterprise, kept while its condition holds: unique per (enterprise, rule, ref_key) so that
    //! re-checking never duplicates; `resolved_at` set when it clears. It reaches the inbox of the
    //! supervising police unit (`division_code`). `detail` is JSON: the message and the evidence ids.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_finding")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub enterprise_id: Uuid,
        /// `jindu_domain::precursor::checks::Rule` code.
        pub rule: String,
        /// What the finding is about (a movement id, a warehouse×entry×month, a credential id…).
        pub ref_key: String,
        /// 12 digits: the enterprise's supervising police unit.
        pub division_code: String,
        /// The day the finding is about.
        pub ref_date: Date,
        pub detail: String,
        pub raised_at: DateTimeUtc,
        pub resolved_at: Option<DateTimeUtc>,
        /// 已处理: who looked into it, when, with a sealed note (never auto-punishing).
        pub handled_by: Option<Uuid>,
        pub handled_at: Option<DateTimeUtc>,
        pub handled_note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_inspection {
    //! 检查 an inspection of an enterprise (专项督查, 双随机, 日常): checklist results, findings (sealed),
    //! rectification deadline and re-check.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_inspection")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub enterprise_id: Uuid,
        /// The enterprise's 12-digit division (scope).
        pub division_code: String,
        pub kind: String,
        pub inspected_on: Date,
        /// Inspectors' names, `、`-joined.
        pub inspectors: String,
        /// JSON of the checklist items and their results.
        pub checklist: String,
        /// `passed`, `rectify`, `failed`.
        pub result: String,
        /// Sealed.
        pub findings: Option<String>,
        pub rectification_due: Option<Date>,
        pub rechecked_on: Option<Date>,
        pub recheck_result: Option<String>,
        pub version: i32,
        pub recorded_by: Uuid,
        pub recorded_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod precursor_risk {
    //! 风险等级 an enterprise's current risk tier with its score and reasons (JSON), re-assessed after
    //! every write that changes a factor and by the sweep.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "precursor_risk")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub enterprise_id: Uuid,
        /// `jindu_domain::RiskTier` code.
        pub tier: String,
        pub score: i32,
        /// JSON array of the reasons (catalogue messages with their points).
        pub reasons: String,
        pub assessed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
