//! Responsibility (issue #7): stored files (`attachment`: scans of letters, task evidence, with
//! their SHA-256), 责任书 per unit and year (`responsibility_letter`), 规划任务 of a plan
//! (`plan_task`) with their evidence (`task_evidence`).

use sea_orm_migration::prelude::*;

use super::{create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_responsibility"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "attachment",
            "id uuid pk, file_name string, content_type string, size bigint, sha256 string, body blob, \
             created_by uuid?, created_at timestamptz",
        )
        .await?;
        create_table(
            m,
            "responsibility_letter",
            "id uuid pk, year int, unit_code string, unit_name string, parties string, signed_on date?, \
             attachment_id uuid?, version int, updated_by uuid?, created_at timestamptz, updated_at timestamptz",
        )
        .await?;
        index(m, "responsibility_letter", "ux_letter_year_unit", &["year", "unit_code"], true).await?;
        create_table(
            m,
            "plan_task",
            "id uuid pk, plan string, title string, owner_code string, owner_name string, co_units text, \
             due_on date, started_at timestamptz?, closed_at timestamptz?, close_note text?, reopen_reason text?, \
             version int, created_by uuid?, created_at timestamptz",
        )
        .await?;
        index(m, "plan_task", "ix_plan_task_owner", &["owner_code"], false).await?;
        create_table(
            m,
            "task_evidence",
            "id uuid pk, task_id uuid, attachment_id uuid?, note text, added_by uuid?, added_at timestamptz",
        )
        .await?;
        index(m, "task_evidence", "ix_task_evidence_task", &["task_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["task_evidence", "plan_task", "responsibility_letter", "attachment"]).await
    }
}
