//! 易制毒化学品生产经营单位 the enterprise register (issue #21 item 2, MODULES §1.7): one row per
//! enterprise keyed by its 统一社会信用代码, its warehouses in a table of their own, and the link
//! of a 企业 account to its enterprise (`app_user.enterprise_id`).
//!
//! The ID numbers and phones of the legal representative and the 易制毒 manager are sealed by the
//! vault (AAD `precursor_enterprise.<column>:<id>`), the ID numbers found by their blind index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0020_precursor_enterprise"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("precursor_enterprise"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("credit_code")))
                .col(string(a("name")))
                .col(string(a("roles")))
                .col(text(a("business_scope")))
                .col(string(a("registered_address")))
                .col(string(a("division_code")))
                .col(string(a("legal_rep_name")))
                .col(text_null(a("legal_rep_id_number")))
                .col(string_null(a("legal_rep_id_bidx")))
                .col(text_null(a("legal_rep_phone")))
                .col(string(a("responsible_name")))
                .col(text_null(a("responsible_id_number")))
                .col(string_null(a("responsible_id_bidx")))
                .col(text_null(a("responsible_phone")))
                .col(string_null(a("hazardous_licence")))
                .col(string(a("status")))
                .col(string(a("police_unit")))
                .col(string(a("safety_unit")))
                .col(integer(a("version")))
                .col(uuid_null(a("created_by")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(m, "precursor_enterprise", "ux_precursor_enterprise_credit_code", &["credit_code"], true).await?;
        index(m, "precursor_enterprise", "ix_precursor_enterprise_division", &["division_code"], false).await?;
        index(m, "precursor_enterprise", "ix_precursor_enterprise_legal_rep", &["legal_rep_id_bidx"], false).await?;
        index(m, "precursor_enterprise", "ix_precursor_enterprise_responsible", &["responsible_id_bidx"], false)
            .await?;
        m.create_table(
            Table::create()
                .table(a("precursor_warehouse"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("enterprise_id")))
                .col(integer(a("seq")))
                .col(string(a("address")))
                .col(string(a("division_code")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "precursor_warehouse", "ux_precursor_warehouse_seq", &["enterprise_id", "seq"], true).await?;
        index(m, "precursor_warehouse", "ix_precursor_warehouse_division", &["division_code"], false).await?;
        m.alter_table(Table::alter().table(a("app_user")).add_column(uuid_null(a("enterprise_id"))).to_owned()).await?;
        index(m, "app_user", "ix_app_user_enterprise", &["enterprise_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("ix_app_user_enterprise").table(a("app_user")).to_owned()).await?;
        m.alter_table(Table::alter().table(a("app_user")).drop_column(a("enterprise_id")).to_owned()).await?;
        m.drop_table(Table::drop().table(a("precursor_warehouse")).to_owned()).await?;
        m.drop_table(Table::drop().table(a("precursor_enterprise")).to_owned()).await
    }
}
