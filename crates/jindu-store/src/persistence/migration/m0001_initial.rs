//! The foundation schema: divisions, users, workstations, persons, measures, events,
//! obligations, sessions, settings and the working-day calendar.

use sea_orm_migration::prelude::*;

use super::{create_table, create_table_keyed, drop_tables, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        create_table(m, "division", "code string pk, name string, level string, parent_code string?, name_path string")
            .await?;
        index(m, "division", "ix_division_parent", &["parent_code"], false).await?;
        index(m, "division", "ix_division_name", &["name"], false).await?;

        create_table(m, "workstation", "id uuid pk, name string, division_code string, created_at timestamptz").await?;

        create_table(
            m,
            "app_user",
            "id uuid pk, username string unique, display_name string, password_hash string?, role string, \
             division_code string, workstation_id uuid?, must_change_password bool, created_at timestamptz",
        )
        .await?;
        index(m, "app_user", "ix_user_division_role", &["division_code", "role"], false).await?;

        create_table(
            m,
            "person",
            "id uuid pk, name string, id_number string unique, sex string, birth_date date, phone string?, \
             address string?, division_code string, town_code string, control_status string, risk_tier string, \
             addiction_finding string, substance string?, social_worker_id uuid?, first_found_on date?, \
             note text?, version int, created_at timestamptz, updated_at timestamptz",
        )
        .await?;
        index(m, "person", "ix_person_division", &["division_code", "control_status"], false).await?;
        index(m, "person", "ix_person_town", &["town_code", "control_status"], false).await?;
        index(m, "person", "ix_person_name", &["name"], false).await?;
        index(m, "person", "ix_person_worker", &["social_worker_id"], false).await?;

        create_table(
            m,
            "measure",
            "id uuid pk, person_id uuid, kind string, decision_date date, reported_on date?, suspensions text, \
             ended_on date?, end_reason string?, status string, report_deadline date?, planned_last_day date?, \
             created_at timestamptz",
        )
        .await?;
        index(m, "measure", "ix_measure_person", &["person_id", "decision_date"], false).await?;

        create_table(
            m,
            "event",
            "id uuid pk, person_id uuid, measure_id uuid?, kind string, occurred_on date, recorded_at timestamptz, \
             recorded_by uuid?, test_method string?, test_result string?, substance string?, note text?, \
             amends_event_id uuid?, detail text?",
        )
        .await?;
        index(m, "event", "ix_event_person", &["person_id", "occurred_on"], false).await?;
        index(m, "event", "ix_event_kind_day", &["kind", "occurred_on"], false).await?;

        create_table_keyed(
            m,
            "obligation",
            "person_id uuid, kind string, due_date date, division_code string, social_worker_id uuid?, \
             measure_id uuid?",
            &["person_id", "kind"],
        )
        .await?;
        index(m, "obligation", "ix_obligation_scope_due", &["division_code", "due_date"], false).await?;
        index(m, "obligation", "ix_obligation_worker_due", &["social_worker_id", "due_date"], false).await?;

        create_table(m, "web_session", "id string pk, data text, expires_at timestamptz").await?;
        create_table(m, "setting", "key string pk, value text").await?;
        create_table(m, "work_calendar_day", "day date pk, kind string").await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        drop_tables(
            m,
            &[
                "work_calendar_day",
                "setting",
                "web_session",
                "obligation",
                "event",
                "measure",
                "person",
                "app_user",
                "workstation",
                "division",
            ],
        )
        .await
    }
}
