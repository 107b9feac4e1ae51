//! 导入任务 kept in the database instead of the server's memory (issue #20 item 1): the file an
//! import checked (`import_file`, until it is imported or 24 hours have passed) and each check or
//! import of it with its report (`import_job`), so that a finished job holds no memory and a job
//! checked on one server can be imported on another sharing the database.

use sea_orm_migration::prelude::*;

use super::{create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_import_job"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(m, "import_file", "id uuid pk, owner_id uuid, size bigint, body blob, created_at timestamptz")
            .await?;
        index(m, "import_file", "ix_import_file_created", &["created_at"], false).await?;
        create_table(
            m,
            "import_job",
            "id uuid pk, owner_id uuid, file_id uuid, file_name string, sheet string, dry_run bool, \
             header_row int?, mapping text, workers string, started_at timestamptz, finished_at timestamptz?, \
             summary text?, outcome text?",
        )
        .await?;
        index(m, "import_job", "ix_import_job_owner", &["owner_id", "started_at"], false).await?;
        index(m, "import_job", "ix_import_job_started", &["started_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["import_job", "import_file"]).await
    }
}
