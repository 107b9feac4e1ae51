//! 登录限制 (issue #20 item 2): failed sign-ins under a user name that has no account, counted
//! like an account's own (`app_user.failed_logins`), so that an unknown name locks after the same
//! number of failures and answers exactly as a locked account does.

use sea_orm_migration::prelude::*;

use super::{create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_sign_in_throttle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "sign_in_throttle",
            "username string pk, failed_logins int, locked_until timestamptz?, updated_at timestamptz",
        )
        .await?;
        index(m, "sign_in_throttle", "ix_sign_in_throttle_updated", &["updated_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["sign_in_throttle"]).await
    }
}
