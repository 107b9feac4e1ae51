//! Indicators (issue #5): the cells of every jurisdiction (`indicator_cell`, one row per scope,
//! month and key, kept by the write that changes them), each person's last contribution
//! (`person_indicator`, so the next write adds only the difference) and the police monthly
//! form (`police_report`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

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
        m.create_table(
            Table::create()
                .table(a("indicator_cell"))
                .col(string(a("scope")))
                .col(integer(a("month")))
                .col(string(a("key")))
                .col(big_integer(a("value")))
                .primary_key(Index::create().col(a("scope")).col(a("month")).col(a("key")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("person_indicator"))
                .col(uuid(a("person_id")).primary_key())
                .col(string(a("town_code")))
                .col(string(a("division_code")))
                .col(text(a("cells")))
                .to_owned(),
        )
        .await?;
        index(m, "person_indicator", "ix_person_indicator_town", &["town_code"], false).await?;
        m.create_table(
            Table::create()
                .table(a("police_report"))
                .col(string(a("division_code")))
                .col(integer(a("month")))
                .col(integer(a("cases_solved")))
                .col(integer(a("suspects_arrested")))
                .col(integer(a("users_dealt")))
                .col(text(a("seized_mg")))
                .col(uuid_null(a("filed_by")))
                .col(timestamp_with_time_zone(a("filed_at")))
                .col(integer(a("version")))
                .primary_key(Index::create().col(a("division_code")).col(a("month")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["police_report", "person_indicator", "indicator_cell"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
