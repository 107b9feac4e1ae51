//! 在册吸毒人员 a registered person. Edits use optimistic concurrency on `version`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "person")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// Normalised 18-character GB 11643 number; unique in the deployment.
    #[sea_orm(unique)]
    pub id_number: String,
    pub sex: String,
    pub birth_date: Date,
    pub phone: Option<String>,
    pub address: Option<String>,
    /// 12-digit code of the community (village level) or town the person is managed in.
    pub division_code: String,
    /// 12-digit code of the town/street (denormalised for filters).
    pub town_code: String,
    pub control_status: String,
    pub risk_tier: String,
    pub addiction_finding: String,
    pub substance: Option<String>,
    pub social_worker_id: Option<Uuid>,
    /// Date the person was first found using drugs (初次发现日期).
    pub first_found_on: Option<Date>,
    pub note: Option<String>,
    /// HMAC blind index of the normalised name (exact search without decrypting).
    pub name_bidx: Option<String>,
    /// HMAC blind index of the ID number.
    pub id_number_bidx: Option<String>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
