//! Transfers of the place of execution (变更执行地, 戒毒条例 §22; issue #4): one row per request,
//! kept for the history. Indexes serve "pending transfers into my town", "out of my town" and
//! "of this person"; the file hash is unique so that importing the same transfer file twice
//! creates nothing new.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0005_transfer"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("transfer"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(string(a("from_division_code")))
                .col(string(a("from_town_code")))
                .col(string(a("to_division_code")))
                .col(string(a("to_town_code")))
                .col(string(a("status")))
                .col(boolean(a("pull")))
                .col(uuid_null(a("requested_by")))
                .col(timestamp_with_time_zone(a("requested_at")))
                .col(text_null(a("reason")))
                .col(uuid_null(a("decided_by")))
                .col(timestamp_with_time_zone_null(a("decided_at")))
                .col(date_null(a("decided_on")))
                .col(text_null(a("reject_reason")))
                .col(date_null(a("report_deadline")))
                .col(date_null(a("reported_on")))
                .col(boolean(a("external")))
                .col(string_null(a("file_hash")))
                .to_owned(),
        )
        .await?;
        index(m, "transfer", "ix_transfer_to_town", &["to_town_code", "status"], false).await?;
        index(m, "transfer", "ix_transfer_from_town", &["from_town_code", "status"], false).await?;
        index(m, "transfer", "ix_transfer_person", &["person_id", "requested_at"], false).await?;
        index(m, "transfer", "ux_transfer_file_hash", &["file_hash"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("transfer")).to_owned()).await
    }
}
