//! The foundation schema: divisions, users, workstations, persons, measures, events,
//! obligations, sessions, settings and the working-day calendar.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(a("division"))
                .col(string(a("code")).primary_key())
                .col(string(a("name")))
                .col(string(a("level")))
                .col(string_null(a("parent_code")))
                .col(string(a("name_path")))
                .to_owned(),
        )
        .await?;
        index(m, "division", "ix_division_parent", &["parent_code"], false).await?;
        index(m, "division", "ix_division_name", &["name"], false).await?;

        m.create_table(
            Table::create()
                .table(a("workstation"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("name")))
                .col(string(a("division_code")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("app_user"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("username")).unique_key())
                .col(string(a("display_name")))
                .col(string_null(a("password_hash")))
                .col(string(a("role")))
                .col(string(a("division_code")))
                .col(uuid_null(a("workstation_id")))
                .col(boolean(a("must_change_password")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "app_user", "ix_user_division_role", &["division_code", "role"], false).await?;

        m.create_table(
            Table::create()
                .table(a("person"))
                .col(uuid(a("id")).primary_key())
                .col(string(a("name")))
                .col(string(a("id_number")).unique_key())
                .col(string(a("sex")))
                .col(date(a("birth_date")))
                .col(string_null(a("phone")))
                .col(string_null(a("address")))
                .col(string(a("division_code")))
                .col(string(a("town_code")))
                .col(string(a("control_status")))
                .col(string(a("risk_tier")))
                .col(string(a("addiction_finding")))
                .col(string_null(a("substance")))
                .col(uuid_null(a("social_worker_id")))
                .col(date_null(a("first_found_on")))
                .col(text_null(a("note")))
                .col(integer(a("version")))
                .col(timestamp_with_time_zone(a("created_at")))
                .col(timestamp_with_time_zone(a("updated_at")))
                .to_owned(),
        )
        .await?;
        index(m, "person", "ix_person_division", &["division_code", "control_status"], false).await?;
        index(m, "person", "ix_person_town", &["town_code", "control_status"], false).await?;
        index(m, "person", "ix_person_name", &["name"], false).await?;
        index(m, "person", "ix_person_worker", &["social_worker_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("measure"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(string(a("kind")))
                .col(date(a("decision_date")))
                .col(date_null(a("reported_on")))
                .col(text(a("suspensions")))
                .col(date_null(a("ended_on")))
                .col(string_null(a("end_reason")))
                .col(string(a("status")))
                .col(date_null(a("report_deadline")))
                .col(date_null(a("planned_last_day")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "measure", "ix_measure_person", &["person_id", "decision_date"], false).await?;

        m.create_table(
            Table::create()
                .table(a("event"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(uuid_null(a("measure_id")))
                .col(string(a("kind")))
                .col(date(a("occurred_on")))
                .col(timestamp_with_time_zone(a("recorded_at")))
                .col(uuid_null(a("recorded_by")))
                .col(string_null(a("test_method")))
                .col(string_null(a("test_result")))
                .col(string_null(a("substance")))
                .col(text_null(a("note")))
                .col(uuid_null(a("amends_event_id")))
                .col(text_null(a("detail")))
                .to_owned(),
        )
        .await?;
        index(m, "event", "ix_event_person", &["person_id", "occurred_on"], false).await?;
        index(m, "event", "ix_event_kind_day", &["kind", "occurred_on"], false).await?;

        m.create_table(
            Table::create()
                .table(a("obligation"))
                .col(uuid(a("person_id")))
                .col(string(a("kind")))
                .col(date(a("due_date")))
                .col(string(a("division_code")))
                .col(uuid_null(a("social_worker_id")))
                .col(uuid_null(a("measure_id")))
                .primary_key(Index::create().col(a("person_id")).col(a("kind")))
                .to_owned(),
        )
        .await?;
        index(m, "obligation", "ix_obligation_scope_due", &["division_code", "due_date"], false).await?;
        index(m, "obligation", "ix_obligation_worker_due", &["social_worker_id", "due_date"], false).await?;

        m.create_table(
            Table::create()
                .table(a("web_session"))
                .col(string(a("id")).primary_key())
                .col(text(a("data")))
                .col(timestamp_with_time_zone(a("expires_at")))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create().table(a("setting")).col(string(a("key")).primary_key()).col(text(a("value"))).to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(a("work_calendar_day"))
                .col(date(a("day")).primary_key())
                .col(string(a("kind")))
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
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
        ] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        Ok(())
    }
}
