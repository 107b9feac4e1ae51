//! 重复提交 (issue #20 item 4, found by the hostile trial): a receipt keeps a digest of the write
//! it answers, so that a key reused for a different write (another kind, date, result or note
//! about the same person) is refused instead of answered with the first event while the new
//! data is dropped. Receipts kept from before have none and answer as before.

use sea_orm_migration::prelude::*;

use super::{add_columns, drop_columns};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_receipt_digest"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(m, "write_receipt", "digest string?").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(m, "write_receipt", &["digest"]).await
    }
}
