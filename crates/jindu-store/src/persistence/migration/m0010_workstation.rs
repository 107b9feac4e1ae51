//! Workstations kept by the office (issue #18, 8·31): a 社区戒毒(康复)工作站's address and the day it
//! opened, so coverage counts from the day it served, not from the day it was typed in.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0010_workstation"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite: one ALTER per step.
        m.alter_table(Table::alter().table(a("workstation")).add_column(string(a("address")).default("")).to_owned())
            .await?;
        m.alter_table(Table::alter().table(a("workstation")).add_column(date_null(a("opened_on"))).to_owned()).await?;
        index(m, "workstation", "ix_workstation_division", &["division_code"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(a("workstation")).drop_column(a("opened_on")).to_owned()).await?;
        m.alter_table(Table::alter().table(a("workstation")).drop_column(a("address")).to_owned()).await
    }
}
