//! 重复提交 (issue #20 item 4): the receipt of a write made with an idempotency key, so that a
//! retry after a cut connection, or a double click, returns the first answer instead of storing
//! the write twice.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_write_receipt"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("write_receipt"))
                .col(uuid(a("user_id")))
                .col(string(a("key")))
                .col(uuid(a("person_id")))
                .col(uuid(a("event_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                .primary_key(Index::create().col(a("user_id")).col(a("key")))
                .to_owned(),
        )
        .await?;
        index(m, "write_receipt", "ix_write_receipt_created", &["created_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("write_receipt")).to_owned()).await
    }
}
