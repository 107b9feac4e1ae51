//! 账号管理 (issue #20 item 6): an account can be disabled (`disabled_at`), every session of an
//! account can be ended at once (`sessions_ended_at`: a change of status, role or unit), and a
//! 成员单位 account is linked to its member unit (`member_unit_code`, a `member_unit.code`).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_accounts"
    }
}

/// One `ALTER TABLE … ADD COLUMN` per column (SQLite takes one at a time).
async fn add_column(m: &SchemaManager<'_>, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(Table::alter().table(a("app_user")).add_column(&mut col).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_column(m, timestamp_with_time_zone_null(a("disabled_at"))).await?;
        add_column(m, timestamp_with_time_zone_null(a("sessions_ended_at"))).await?;
        add_column(m, string_null(a("member_unit_code"))).await?;
        index(m, "app_user", "ix_app_user_member_unit", &["member_unit_code"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_app_user_member_unit").table(a("app_user")).to_owned()).await?;
        for col in ["member_unit_code", "sessions_ended_at", "disabled_at"] {
            m.alter_table(Table::alter().table(a("app_user")).drop_column(a(col)).to_owned()).await?;
        }
        Ok(())
    }
}
