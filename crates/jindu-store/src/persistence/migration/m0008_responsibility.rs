//! Responsibility (issue #7): stored files (`attachment`: scans of letters, task evidence, with
//! their SHA-256), 责任书 per unit and year (`responsibility_letter`), 规划任务 of a plan
//! (`plan_task`) with their evidence (`task_evidence`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0008_responsibility"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("attachment"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("file_name")))
                .col(string(a("content_type")))
                .col(big_integer(a("size")))
                .col(string(a("sha256")))
                .col(blob(a("body")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(a("responsibility_letter"))
                .col(uuid(a("id")).primary_key())
                .col(integer(a("year")))
                .col(string(a("unit_code")))
                .col(string(a("unit_name")))
                .col(string(a("parties")))
                .col(date_null(a("signed_on")))
                .col(uuid_null(a("attachment_id")))
                .col(integer(a("version")))
                .col(uuid_null(a("updated_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(m, "responsibility_letter", "ux_letter_year_unit", &["year", "unit_code"], true).await?;
        m.create_table(
            Table::create()
                .table(a("plan_task"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("plan")))
                .col(string(a("title")))
                .col(string(a("owner_code")))
                .col(string(a("owner_name")))
                .col(text(a("co_units")))
                .col(date(a("due_on")))
                .col(timestamp_with_time_zone_null(a("started_at")))
                .col(timestamp_with_time_zone_null(a("closed_at")))
                .col(text_null(a("close_note")))
                .col(text_null(a("reopen_reason")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "plan_task", "ix_plan_task_owner", &["owner_code"], false).await?;
        m.create_table(
            Table::create()
                .table(a("task_evidence"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("task_id")))
                .col(uuid_null(a("attachment_id")))
                .col(text(a("note")))
                .col(uuid_null(a("added_by")))
                .col(timestamp_with_time_zone(a("added_at")))
                .to_owned(),
        )
        .await?;
        index(m, "task_evidence", "ix_task_evidence_task", &["task_id"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["task_evidence", "plan_task", "responsibility_letter", "attachment"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
