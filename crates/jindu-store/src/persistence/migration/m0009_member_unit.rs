//! Member units (issue #7): the register of the 成员单位 of the district's anti-drug committee,
//! which sign 责任书, own 规划任务 and are scored in their own 考评.

use sea_orm_migration::prelude::*;

use super::{create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_member_unit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "member_unit",
            "code string pk, name string, division_code string, duties text, number int, created_by uuid?, \
             created_at timestamptz",
        )
        .await?;
        index(m, "member_unit", "ux_member_unit_name", &["division_code", "name"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["member_unit"]).await
    }
}
