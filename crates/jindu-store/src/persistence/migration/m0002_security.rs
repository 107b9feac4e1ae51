//! Security (issue #3): the hash-chained audit log, API tokens, login hardening columns on
//! users, and blind-index columns for encrypted person fields. One ALTER per statement.

use sea_orm_migration::prelude::*;

use super::{add_columns, create_table, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0002_security"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "audit_record",
            "seq bigint pk, at timestamptz, user_id uuid?, username string, unit string, address string, \
             action string, object_type string?, object_id string?, outcome string, detail text?, \
             prev_hash string, hash string",
        )
        .await?;
        index(m, "audit_record", "ix_audit_object", &["object_type", "object_id", "seq"], false).await?;
        index(m, "audit_record", "ix_audit_at", &["at"], false).await?;
        index(m, "audit_record", "ix_audit_user", &["user_id", "at"], false).await?;

        create_table(
            m,
            "api_token",
            "id uuid pk, name string, token_hash string unique, user_id uuid, role string, division_code string, \
             created_at timestamptz, expires_at timestamptz, revoked_at timestamptz?, last_used_at timestamptz?",
        )
        .await?;

        add_columns(
            m,
            "app_user",
            "failed_logins int default 0, locked_until timestamptz?, totp_secret text?, \
             totp_enabled bool default false, password_changed_at timestamptz?",
        )
        .await?;
        add_columns(m, "person", "name_bidx string?, id_number_bidx string?").await?;
        index(m, "person", "ix_person_name_bidx", &["name_bidx"], false).await?;
        index(m, "person", "ix_person_id_number_bidx", &["id_number_bidx"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["api_token", "audit_record"]).await
    }
}
