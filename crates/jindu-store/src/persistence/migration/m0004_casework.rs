//! Case management in depth (issue #4): the person's circumstances that risk assessment reads,
//! stored risk assessments with their breakdown, leave (请假/销假) and unauthorised absences,
//! the alerts inbox with per-user acknowledgement, the working group (工作小组), and the
//! lost-contact and sealing dates.

use sea_orm_migration::prelude::*;

use super::{add_columns, create_table, create_table_keyed, drop_columns, drop_index, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_casework"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            m,
            "person",
            "employed bool?, stable_housing bool?, family_support bool?, violent_or_self_harm bool?, \
             lost_since date?, sealed_on date?, risk_assessed_on date?, risk_score int?",
        )
        .await?;
        index(m, "person", "ix_person_lost_since", &["lost_since"], false).await?;
        index(m, "person", "ix_person_risk_assessed", &["risk_assessed_on"], false).await?;

        create_table(
            m,
            "risk_assessment",
            "id uuid pk, person_id uuid, assessed_on date, assessed_at timestamptz, trigger string, tier string, \
             score int, overridden bool, breakdown text, assessed_by uuid?",
        )
        .await?;
        index(m, "risk_assessment", "ix_risk_person", &["person_id", "assessed_at"], false).await?;

        create_table(
            m,
            "leave_request",
            "id uuid pk, person_id uuid, requested_on date, leave_from date, leave_to date, destination text, \
             reason text?, status string, requested_by uuid?, decided_by uuid?, decided_on date?, \
             decision_note text?, returned_on date?, created_at timestamptz",
        )
        .await?;
        index(m, "leave_request", "ix_leave_person", &["person_id", "leave_from"], false).await?;
        index(m, "leave_request", "ix_leave_status", &["status", "leave_to"], false).await?;

        create_table(
            m,
            "absence",
            "id uuid pk, person_id uuid, left_on date, returned_on date?, event_id uuid, return_event_id uuid?, \
             created_at timestamptz",
        )
        .await?;
        index(m, "absence", "ix_absence_person", &["person_id", "left_on"], false).await?;

        create_table(
            m,
            "alert",
            "id uuid pk, person_id uuid, kind string, ref_key string, division_code string, ref_date date, \
             detail text, raised_at timestamptz, resolved_at timestamptz?",
        )
        .await?;
        index(m, "alert", "ux_alert_key", &["person_id", "kind", "ref_key"], true).await?;
        index(m, "alert", "ix_alert_scope", &["division_code", "resolved_at"], false).await?;

        create_table_keyed(
            m,
            "alert_ack",
            "alert_id uuid, user_id uuid, acked_at timestamptz, note text?",
            &["alert_id", "user_id"],
        )
        .await?;
        index(m, "alert_ack", "ix_alert_ack_user", &["user_id"], false).await?;

        create_table(
            m,
            "working_group_member",
            "id uuid pk, person_id uuid, role string, name text, phone text?, user_id uuid?, added_on date, \
             created_at timestamptz",
        )
        .await?;
        index(m, "working_group_member", "ix_wg_person", &["person_id"], false).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(m, &["working_group_member", "alert_ack", "alert", "absence", "leave_request", "risk_assessment"])
            .await?;
        drop_index(m, "person", "ix_person_lost_since").await?;
        drop_index(m, "person", "ix_person_risk_assessed").await?;
        drop_columns(
            m,
            "person",
            &[
                "risk_score",
                "risk_assessed_on",
                "sealed_on",
                "lost_since",
                "violent_or_self_harm",
                "family_support",
                "stable_housing",
                "employed",
            ],
        )
        .await
    }
}
