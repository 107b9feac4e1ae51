//! 预警提醒 an alert about a person, kept while its condition holds: unique per
//! (person, kind, ref_key) so that re-deriving never duplicates; `resolved_at` is set when the
//! condition clears. `detail` is JSON of figures and evidence ids (no free text about the person).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "alert")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub person_id: Uuid,
    /// `jindu_domain::alert::AlertKind` code.
    pub kind: String,
    pub ref_key: String,
    /// Whose inbox it reaches: the person's division (for a transfer, the receiving division).
    pub division_code: String,
    /// The day the alert is about (a due date, the day lost, the release day…).
    pub ref_date: Date,
    pub detail: String,
    pub raised_at: DateTimeUtc,
    pub resolved_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
