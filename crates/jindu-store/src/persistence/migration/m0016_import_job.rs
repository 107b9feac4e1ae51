//! 导入任务 kept in the database instead of the server's memory (issue #20 item 1): the file an
//! import checked (`import_file`, until it is imported or 24 hours have passed) and each check or
//! import of it with its report (`import_job`), so that a finished job holds no memory and a job
//! checked on one server can be imported on another sharing the database.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0016_import_job"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("import_file"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("owner_id")))
                .col(big_integer(a("size")))
                .col(blob(a("body")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "import_file", "ix_import_file_created", &["created_at"], false).await?;
        m.create_table(
            Table::create()
                .table(a("import_job"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("owner_id")))
                .col(uuid(a("file_id")))
                .col(string(a("file_name")))
                .col(string(a("sheet")))
                .col(boolean(a("dry_run")))
                .col(integer_null(a("header_row")))
                .col(text(a("mapping")))
                .col(string(a("workers")))
                .col(timestamp_with_time_zone(a("started_at")))
                .col(timestamp_with_time_zone_null(a("finished_at")))
                .col(text_null(a("summary")))
                .col(text_null(a("outcome")))
                .to_owned(),
        )
        .await?;
        index(m, "import_job", "ix_import_job_owner", &["owner_id", "started_at"], false).await?;
        index(m, "import_job", "ix_import_job_started", &["started_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("import_job")).to_owned()).await?;
        m.drop_table(Table::drop().table(a("import_file")).to_owned()).await
    }
}
