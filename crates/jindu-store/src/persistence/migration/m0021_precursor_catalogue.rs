//! 易制毒化学品品种目录 imported catalogue files (issue #21 item 1): a future 公告 is added by
//! importing its CSV files (`jindu precursors catalogue import`), not by a release. Each imported
//! file is kept whole with its kind, its SHA-256 (the same file imported twice is stored once)
//! and who imported it when; the catalogue in force is the shipped files plus these, parsed
//! together (`service::precursors::catalogue::current`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0021_precursor_catalogue"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("precursor_catalogue_file"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("file_name")))
                .col(string(a("kind")))
                .col(text(a("body")))
                .col(string(a("sha256")))
                .col(timestamp_with_time_zone(a("imported_at")))
                .col(string(a("imported_by")))
                .to_owned(),
        )
        .await?;
        index(m, "precursor_catalogue_file", "ux_precursor_catalogue_file_sha256", &["sha256"], true).await?;
        index(m, "precursor_catalogue_file", "ix_precursor_catalogue_file_imported", &["imported_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("precursor_catalogue_file")).to_owned()).await
    }
}
