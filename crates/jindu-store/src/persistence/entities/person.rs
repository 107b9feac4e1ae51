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
    /// 有稳定就业; `None` = not recorded (risk assessment counts it as no).
    pub employed: Option<bool>,
    /// 有固定住所; `None` = not recorded.
    pub stable_housing: Option<bool>,
    /// 有家庭支持; `None` = not recorded.
    pub family_support: Option<bool>,
    /// 有暴力或自伤自残行为 on record (puts the person in the high risk tier).
    pub violent_or_self_harm: Option<bool>,
    /// Day the person was recorded as lost (失控) and not yet found; `None` when not lost.
    pub lost_since: Option<Date>,
    /// Day the record was sealed after three years' abstinence was confirmed (戒毒条例 §7):
    /// routine lists and searches leave it out.
    pub sealed_on: Option<Date>,
    /// Day of the latest risk assessment (the monthly re-assessment reads it).
    pub risk_assessed_on: Option<Date>,
    /// Score of the latest risk assessment.
    pub risk_score: Option<i32>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
