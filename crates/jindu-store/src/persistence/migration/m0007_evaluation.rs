//! Evaluation (issue #7): schemes (`evaluation_scheme`, the item tree and bands as JSON), runs
//! for a period (`evaluation_run`, with the scheme as it was when the run was made), each unit's
//! result with its trace (`evaluation_result`) and the inspectors' scores of manual items
//! (`evaluation_manual`).

use sea_orm_migration::prelude::*;

use super::{create_table, create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0007_evaluation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "evaluation_scheme",
            "id uuid pk, year int, name string, subject string, body text, version int, created_by uuid?, \
             created_at timestamptz, updated_at timestamptz",
        )
        .await?;
        create_table(
            m,
            "evaluation_run",
            "id uuid pk, scheme_id uuid, name string, period string, scope string, status string, scheme_body text, \
             version int, created_by uuid?, created_at timestamptz, computed_at timestamptz, \
             frozen_at timestamptz?, published_at timestamptz?",
        )
        .await?;
        index(m, "evaluation_run", "ix_evaluation_run_period", &["period"], false).await?;
        create_table_keyed(
            m,
            "evaluation_result",
            "run_id uuid, unit_code string, unit_name string, result text, computed_total bigint, adjustment bigint, \
             adjustment_reason text?, total bigint, rank int?, grade string, complete bool",
            &["run_id", "unit_code"],
        )
        .await?;
        create_table_keyed(
            m,
            "evaluation_manual",
            "run_id uuid, unit_code string, item_code string, points bigint, note text, scored_by uuid?, \
             scored_at timestamptz",
            &["run_id", "unit_code", "item_code"],
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["evaluation_manual", "evaluation_result", "evaluation_run", "evaluation_scheme"]).await
    }
}
