//! 登录限制 (issue #20 item 2): failed sign-ins under a user name that has no account, counted
//! like an account's own (`app_user.failed_logins`), so that an unknown name locks after the same
//! number of failures and answers exactly as a locked account does.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0014_sign_in_throttle"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("sign_in_throttle"))
                .col(string(a("username")).primary_key())
                .col(integer(a("failed_logins")))
                .col(timestamp_with_time_zone_null(a("locked_until")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(m, "sign_in_throttle", "ix_sign_in_throttle_updated", &["updated_at"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("sign_in_throttle")).to_owned()).await
    }
}
