//! 重复提交 (issue #20 item 4): the receipt of a write made with an idempotency key, so that a
//! retry after a cut connection, or a double click, returns the first answer instead of storing
//! the write twice.

use sea_orm_migration::prelude::*;

use super::{create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0015_write_receipt"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table_keyed(
            m,
            "write_receipt",
            "user_id uuid, key string, person_id uuid, event_id uuid, created_at timestamptz",
            &["user_id", "key"],
        )
        .await?;
        index(m, "write_receipt", "ix_write_receipt_created", &["created_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["write_receipt"]).await
    }
}
