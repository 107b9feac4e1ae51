//! Case management in depth (issue #4): the person's circumstances that risk assessment reads,
//! stored risk assessments with their breakdown, leave (请假/销假) and unauthorised absences,
//! the alerts inbox with per-user acknowledgement, the working group (工作小组), and the
//! lost-contact and sealing dates.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use super::{a, index};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m0004_casework"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One ALTER per statement: SQLite cannot add several columns at once.
        let columns = [
            boolean_null(a("employed")),
            boolean_null(a("stable_housing")),
            boolean_null(a("family_support")),
            boolean_null(a("violent_or_self_harm")),
            date_null(a("lost_since")),
            date_null(a("sealed_on")),
            date_null(a("risk_assessed_on")),
            integer_null(a("risk_score")),
        ];
        for mut col in columns {
            m.alter_table(Table::alter().table(a("person")).add_column(&mut col).to_owned()).await?;
        }
        index(m, "person", "ix_person_lost_since", &["lost_since"], false).await?;
        index(m, "person", "ix_person_risk_assessed", &["risk_assessed_on"], false).await?;

        m.create_table(
            Table::create()
                .table(a("risk_assessment"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(date(a("assessed_on")))
                .col(timestamp_with_time_zone(a("assessed_at")))
                .col(string(a("trigger")))
                .col(string(a("tier")))
                .col(integer(a("score")))
                .col(boolean(a("overridden")))
                .col(text(a("breakdown")))
                .col(uuid_null(a("assessed_by")))
                .to_owned(),
        )
        .await?;
        index(m, "risk_assessment", "ix_risk_person", &["person_id", "assessed_at"], false).await?;

        m.create_table(
            Table::create()
                .table(a("leave_request"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(date(a("requested_on")))
                .col(date(a("leave_from")))
                .col(date(a("leave_to")))
                .col(text(a("destination")))
                .col(text_null(a("reason")))
                .col(string(a("status")))
                .col(uuid_null(a("requested_by")))
                .col(uuid_null(a("decided_by")))
                .col(date_null(a("decided_on")))
                .col(text_null(a("decision_note")))
                .col(date_null(a("returned_on")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "leave_request", "ix_leave_person", &["person_id", "leave_from"], false).await?;
        index(m, "leave_request", "ix_leave_status", &["status", "leave_to"], false).await?;

        m.create_table(
            Table::create()
                .table(a("absence"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(date(a("left_on")))
                .col(date_null(a("returned_on")))
                .col(uuid(a("event_id")))
                .col(uuid_null(a("return_event_id")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "absence", "ix_absence_person", &["person_id", "left_on"], false).await?;

        m.create_table(
            Table::create()
                .table(a("alert"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(string(a("kind")))
                .col(string(a("ref_key")))
                .col(string(a("division_code")))
                .col(date(a("ref_date")))
                .col(text(a("detail")))
                .col(timestamp_with_time_zone(a("raised_at")))
                .col(timestamp_with_time_zone_null(a("resolved_at")))
                .to_owned(),
        )
        .await?;
        index(m, "alert", "ux_alert_key", &["person_id", "kind", "ref_key"], true).await?;
        index(m, "alert", "ix_alert_scope", &["division_code", "resolved_at"], false).await?;

        m.create_table(
            Table::create()
                .table(a("alert_ack"))
                .col(uuid(a("alert_id")))
                .col(uuid(a("user_id")))
                .col(timestamp_with_time_zone(a("acked_at")))
                .col(text_null(a("note")))
                .primary_key(Index::create().col(a("alert_id")).col(a("user_id")))
                .to_owned(),
        )
        .await?;
        index(m, "alert_ack", "ix_alert_ack_user", &["user_id"], false).await?;

        m.create_table(
            Table::create()
                .table(a("working_group_member"))
                .col(uuid(a("id")).primary_key())
                .col(uuid(a("person_id")))
                .col(string(a("role")))
                .col(text(a("name")))
                .col(text_null(a("phone")))
                .col(uuid_null(a("user_id")))
                .col(date(a("added_on")))
                .col(timestamp_with_time_zone(a("created_at")))
                .to_owned(),
        )
        .await?;
        index(m, "working_group_member", "ix_wg_person", &["person_id"], false).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in ["working_group_member", "alert_ack", "alert", "absence", "leave_request", "risk_assessment"] {
            m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
        }
        m.drop_index(Index::drop().name("ix_person_lost_since").table(a("person")).to_owned()).await?;
        m.drop_index(Index::drop().name("ix_person_risk_assessed").table(a("person")).to_owned()).await?;
        for c in [
            "risk_score",
            "risk_assessed_on",
            "sealed_on",
            "lost_since",
            "violent_or_self_harm",
            "family_support",
            "stable_housing",
            "employed",
        ] {
            m.alter_table(Table::alter().table(a("person")).drop_column(a(c)).to_owned()).await?;
        }
        Ok(())
    }
}
