//! Evaluation (issue #7): schemes (`evaluation_scheme`, the item tree and bands as JSON), runs
//! for a period (`evaluation_run`, with the scheme as it was when the run was made), each unit's
//! result with its trace (`evaluation_result`) and the inspectors' scores of manual items
//! (`evaluation_manual`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_evaluation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("evaluation_scheme"))
                .col(uuid(a("id")).primary_key())
                .col(integer(a("year")))
                .col(string(a("name")))
                .col(string(a("subject")))
                .col(text(a("body")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("evaluation_run"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("scheme_id")))
                .col(string(a("name")))
                .col(string(a("period")))
                .col(string(a("scope")))
                .col(string(a("status")))
                .col(text(a("scheme_body")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("computed_at")))
                .col(timestamp_with_time_zone_null(a("frozen_at")))
                .col(timestamp_with_time_zone_null(a("published_at")))
                .to_owned(),
        )
        .await?;
        index(m, "evaluation_run", "ix_evaluation_run_period", &["period"], false).await?;
        m.create_table(
            Table::create()
                .table(a("evaluation_result"))
                .col(uuid(a("run_id")))
                .col(string(a("unit_code")))
                .col(string(a("unit_name")))
                .col(text(a("result")))
                .col(big_integer(a("computed_total")))
                .col(big_integer(a("adjustment")))
                .col(text_null(a("adjustment_reason")))
                .col(big_integer(a("total")))
                .col(integer_null(a("rank")))
                .col(string(a("grade")))
                .col(boolean(a("complete")))
                .primary_key(Index::create().col(a("run_id")).col(a("unit_code")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("evaluation_manual"))
                .col(uuid(a("run_id")))
                .col(string(a("unit_code")))
                .col(string(a("item_code")))
                .col(big_integer(a("points")))
                .col(text(a("note")))
                .col(uuid_null(a("scored_by")))
                .col(timestamp_with_time_zone(a("scored_at")))
                .primary_key(Index::create().col(a("run_id")).col(a("unit_code")).col(a("item_code")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["evaluation_manual", "evaluation_result", "evaluation_run", "evaluation_scheme"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
