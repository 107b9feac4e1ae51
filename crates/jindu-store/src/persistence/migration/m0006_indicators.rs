//! Indicators (issue #5): the cells of every jurisdiction (`indicator_cell`, one row per scope,
//! month and key, kept by the write that changes them), each person's last contribution
//! (`person_indicator`, so the next write adds only the difference) and the police monthly
//! form (`police_report`).

use sea_orm_migration::prelude::*;

use super::{create_table, create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0006_indicators"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Primary key (scope, month, key): a dashboard reads one scope's months from a month on.
        create_table_keyed(
            m,
            "indicator_cell",
            "scope string, month int, key string, value bigint",
            &["scope", "month", "key"],
        )
        .await?;
        create_table(m, "person_indicator", "person_id uuid pk, town_code string, division_code string, cells text")
            .await?;
        index(m, "person_indicator", "ix_person_indicator_town", &["town_code"], false).await?;
        create_table_keyed(
            m,
            "police_report",
            "division_code string, month int, cases_solved int, suspects_arrested int, users_dealt int, \
             seized_mg text, filed_by uuid?, filed_at timestamptz, version int",
            &["division_code", "month"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["police_report", "person_indicator", "indicator_cell"]).await
    }
}
