//! 易制毒化学品 the rest of the work line's records (issue #21 items 3–7, MODULES §1.7): credentials
//! (证照), the two-sided ledger (台账: movements, stock-takes, transports, incidents), the kept
//! mapping of an enterprise's ERP material names to catalogue entries, the findings of the
//! automatic checks (the supervising police unit's inbox), inspections and the risk tier.
//!
//! Quantities are whole grams or millilitres (`bigint`), concentrations apart in basis points;
//! never floats. Movements are append-only: a correction is a reversing entry (`reverses`).
//! Free text about people (an individual buyer's reference, an incident's description, an
//! inspection's findings) is sealed by the vault (AAD `<table>.<column>:<id>`).

use sea_orm_migration::prelude::*;

use super::{create_table, create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0022_precursor_ledger"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(
            m,
            "precursor_credential",
            "id uuid pk, enterprise_id uuid, kind string, number string, issuer string, valid_from date, \
             valid_to date?, status string, status_since date?, lines text, version int, created_by uuid?, \
             created_at timestamptz, updated_at timestamptz",
        )
        .await?;
        index(m, "precursor_credential", "ux_precursor_credential_number", &["number"], true).await?;
        index(m, "precursor_credential", "ix_precursor_credential_enterprise", &["enterprise_id"], false).await?;
        index(m, "precursor_credential", "ix_precursor_credential_valid_to", &["valid_to"], false).await?;
        create_table(
            m,
            "precursor_movement",
            "id uuid pk, enterprise_id uuid, division_code string, warehouse_id uuid, entry string, category int, \
             measure string, kind string, quantity bigint, concentration_bp int?, occurred_on date, \
             document_no string, counterparty_code string?, counterparty_id uuid?, counterparty_name text?, \
             payment string?, credential_id uuid?, filed_on date?, reverses uuid?, source string, \
             import_job_id uuid?, recorded_by uuid, recorded_at timestamptz",
        )
        .await?;
        index(m, "precursor_movement", "ux_precursor_movement_document", &["enterprise_id", "document_no"], true)
            .await?;
        index(m, "precursor_movement", "ix_precursor_movement_enterprise", &["enterprise_id", "occurred_on"], false)
            .await?;
        index(m, "precursor_movement", "ix_precursor_movement_stock", &["warehouse_id", "entry", "occurred_on"], false)
            .await?;
        index(
            m,
            "precursor_movement",
            "ix_precursor_movement_counterparty",
            &["counterparty_code", "entry", "occurred_on"],
            false,
        )
        .await?;
        index(m, "precursor_movement", "ix_precursor_movement_division", &["division_code", "occurred_on"], false)
            .await?;
        index(m, "precursor_movement", "ix_precursor_movement_reverses", &["reverses"], false).await?;
        index(m, "precursor_movement", "ix_precursor_movement_credential", &["credential_id"], false).await?;
        create_table(
            m,
            "precursor_stock_take",
            "id uuid pk, enterprise_id uuid, warehouse_id uuid, entry string, counted_on date, counted bigint, \
             recorded_by uuid, recorded_at timestamptz",
        )
        .await?;
        index(m, "precursor_stock_take", "ux_precursor_stock_take", &["warehouse_id", "entry", "counted_on"], true)
            .await?;
        index(m, "precursor_stock_take", "ix_precursor_stock_take_enterprise", &["enterprise_id"], false).await?;
        create_table(
            m,
            "precursor_transport",
            "id uuid pk, enterprise_id uuid, entry string, quantity bigint, origin string, destination string, \
             departed_on date, credential_id uuid?, carrier string, vehicle string?, document_no string, \
             recorded_by uuid, recorded_at timestamptz",
        )
        .await?;
        index(m, "precursor_transport", "ix_precursor_transport_enterprise", &["enterprise_id", "departed_on"], false)
            .await?;
        create_table(
            m,
            "precursor_incident",
            "id uuid pk, enterprise_id uuid, kind string, entry string?, quantity bigint?, \
             discovered_at timestamptz, reported_at timestamptz?, description text, recorded_by uuid, \
             recorded_at timestamptz",
        )
        .await?;
        index(m, "precursor_incident", "ix_precursor_incident_enterprise", &["enterprise_id"], false).await?;
        create_table_keyed(
            m,
            "precursor_material_map",
            "enterprise_id uuid, material string, entry string, created_by uuid, created_at timestamptz",
            &["enterprise_id", "material"],
        )
        .await?;
        create_table(
            m,
            "precursor_finding",
            "id uuid pk, enterprise_id uuid, rule string, ref_key string, division_code string, ref_date date, \
             detail text, raised_at timestamptz, resolved_at timestamptz?, handled_by uuid?, \
             handled_at timestamptz?, handled_note text?",
        )
        .await?;
        index(m, "precursor_finding", "ux_precursor_finding", &["enterprise_id", "rule", "ref_key"], true).await?;
        index(m, "precursor_finding", "ix_precursor_finding_inbox", &["division_code", "resolved_at"], false).await?;
        create_table(
            m,
            "precursor_inspection",
            "id uuid pk, enterprise_id uuid, division_code string, kind string, inspected_on date, \
             inspectors string, checklist text, result string, findings text?, rectification_due date?, \
             rechecked_on date?, recheck_result string?, version int, recorded_by uuid, recorded_at timestamptz",
        )
        .await?;
        index(
            m,
            "precursor_inspection",
            "ix_precursor_inspection_enterprise",
            &["enterprise_id", "inspected_on"],
            false,
        )
        .await?;
        index(m, "precursor_inspection", "ix_precursor_inspection_division", &["division_code", "inspected_on"], false)
            .await?;
        create_table(
            m,
            "precursor_risk",
            "enterprise_id uuid pk, tier string, score int, reasons text, assessed_at timestamptz",
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            m,
            &[
                "precursor_risk",
                "precursor_inspection",
                "precursor_finding",
                "precursor_material_map",
                "precursor_incident",
                "precursor_transport",
                "precursor_stock_take",
                "precursor_movement",
                "precursor_credential",
            ],
        )
        .await
    }
}
