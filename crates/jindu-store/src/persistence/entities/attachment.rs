//! A stored file: a scanned 责任书 or a task's evidence (PDF, PNG or JPEG), with its SHA-256.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub file_name: String,
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Lower-case hex SHA-256 of the body.
    pub sha256: String,
    pub body: Vec<u8>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
