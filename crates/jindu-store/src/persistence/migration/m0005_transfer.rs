//! Transfers of the place of execution (变更执行地, 戒毒条例 §22; issue #4): one row per request,
//! kept for the history. Indexes serve "pending transfers into my town", "out of my town" and
//! "of this person"; the file hash is unique so that importing the same transfer file twice
//! creates nothing new.

use sea_orm_migration::prelude::*;

use super::{create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_transfer"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "transfer",
            "id uuid pk, person_id uuid, from_division_code string, from_town_code string, to_division_code string, \
             to_town_code string, status string, pull bool, requested_by uuid?, requested_at timestamptz, \
             reason text?, decided_by uuid?, decided_at timestamptz?, decided_on date?, reject_reason text?, \
             report_deadline date?, reported_on date?, external bool, file_hash string?",
        )
        .await?;
        index(m, "transfer", "ix_transfer_to_town", &["to_town_code", "status"], false).await?;
        index(m, "transfer", "ix_transfer_from_town", &["from_town_code", "status"], false).await?;
        index(m, "transfer", "ix_transfer_person", &["person_id", "requested_at"], false).await?;
        index(m, "transfer", "ux_transfer_file_hash", &["file_hash"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["transfer"]).await
    }
}
