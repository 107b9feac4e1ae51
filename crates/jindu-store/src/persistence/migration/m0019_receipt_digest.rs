//! 重复提交 (issue #20 item 4, found by the hostile trial): a receipt keeps a digest of the write
//! it answers, so that a key reused for a different write (another kind, date, result or note
//! about the same person) is refused instead of answered with the first event while the new
//! data is dropped. Receipts kept from before have none and answer as before.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::a;

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0019_receipt_digest"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(a("write_receipt")).add_column(string_null(a("digest"))).to_owned()).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(a("write_receipt")).drop_column(a("digest")).to_owned()).await
    }
}
