//! Member units (issue #7): the register of the 成员单位 of the district's anti-drug committee,
//! which sign 责任书, own 规划任务 and are scored in their own 考评.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0009_member_unit"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("member_unit"))
                .col(string(a("code")).primary_key())
                .col(string(a("name")))
                .col(string(a("division_code")))
                .col(text(a("duties")))
                .col(integer(a("number")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "member_unit", "ux_member_unit_name", &["division_code", "name"], true).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("member_unit")).to_owned()).await
    }
}
