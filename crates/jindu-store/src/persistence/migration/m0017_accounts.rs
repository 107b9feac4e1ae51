//! 账号管理 (issue #20 item 6): an account can be disabled (`disabled_at`), every session of an
//! account can be ended at once (`sessions_ended_at`: a change of status, role or unit), and a
//! 成员单位 account is linked to its member unit (`member_unit_code`, a `member_unit.code`).

use sea_orm_migration::prelude::*;

use super::{add_columns, drop_columns, drop_index, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0017_accounts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            m,
            "app_user",
            "disabled_at timestamptz?, sessions_ended_at timestamptz?, member_unit_code string?",
        )
        .await?;
        index(m, "app_user", "ix_app_user_member_unit", &["member_unit_code"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_index(m, "app_user", "ix_app_user_member_unit").await?;
        drop_columns(m, "app_user", &["member_unit_code", "sessions_ended_at", "disabled_at"]).await
    }
}
