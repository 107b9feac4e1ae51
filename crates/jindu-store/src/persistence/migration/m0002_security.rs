//! Security (issue #3): the hash-chained audit log, API tokens, login hardening columns on
//! users, and blind-index columns for encrypted person fields. One ALTER per statement.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_security"
    }
}

async fn add_column(m: &SchemaManager<'_>, table: &str, col: ColumnDef) -> Result<(), DbErr> {
    let mut col = col;
    m.alter_table(Table::alter().table(a(table)).add_column(&mut col).to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("audit_record"))
                .col(big_integer(a("seq")).primary_key())
                .col(timestamp_with_time_zone(a("at")))
                .col(uuid_null(a("user_id")))
                .col(string(a("username")))
                .col(string(a("unit")))
                .col(string(a("address")))
                .col(string(a("action")))
                .col(string_null(a("object_type")))
                .col(string_null(a("object_id")))
                .col(string(a("outcome")))
                .col(text_null(a("detail")))
                .col(string(a("prev_hash")))
                .col(string(a("hash")))
                .to_owned(),
        )
        .await?;
        index(m, "audit_record", "ix_audit_object", &["object_type", "object_id", "seq"], false).await?;
        index(m, "audit_record", "ix_audit_at", &["at"], false).await?;
        index(m, "audit_record", "ix_audit_user", &["user_id", "at"], false).await?;

        m.create_table(
            Table::create()
                .table(a("api_token"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("name")))
                .col(string(a("token_hash")).unique_key())
                .col(uuid(a("user_id")))
                .col(string(a("role")))
                .col(string(a("division_code")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .col(timestamp_with_time_zone_null(a("revoked_at")))
                .col(timestamp_with_time_zone_null(a("last_used_at")))
                .to_owned(),
        )
        .await?;

        add_column(m, "app_user", integer(a("failed_logins")).default(0).to_owned()).await?;
        add_column(m, "app_user", timestamp_with_time_zone_null(a("locked_until"))).await?;
        add_column(m, "app_user", text_null(a("totp_secret"))).await?;
        add_column(m, "app_user", boolean(a("totp_enabled")).default(false).to_owned()).await?;
        add_column(m, "app_user", timestamp_with_time_zone_null(a("password_changed_at"))).await?;
        add_column(m, "person", string_null(a("name_bidx"))).await?;
        add_column(m, "person", string_null(a("id_number_bidx"))).await?;
        index(m, "person", "ix_person_name_bidx", &["name_bidx"], false).await?;
        index(m, "person", "ix_person_id_number_bidx", &["id_number_bidx"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(a("api_token")).to_owned()).await?;
        m.drop_table(Table::drop().table(a("audit_record")).to_owned()).await?;
        Ok(())
    }
}
