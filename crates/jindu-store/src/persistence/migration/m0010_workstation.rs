//! Workstations kept by the office (issue #18, 8·31): a 社区戒毒(康复)工作站's address and the day it
//! opened, so coverage counts from the day it served, not from the day it was typed in.

use sea_orm_migration::prelude::*;

use super::{add_columns, drop_columns, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_workstation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(m, "workstation", "address string default '', opened_on date?").await?;
        index(m, "workstation", "ix_workstation_division", &["division_code"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_columns(m, "workstation", &["opened_on", "address"]).await
    }
}
