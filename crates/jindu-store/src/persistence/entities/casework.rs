//! 管控 Casework: duties, alerts, leave and absences, risk assessments, working groups, workstations.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod obligation {
    //! 应办事项 the next due duty of one kind for a person: one row per (person, kind),
    //! rewritten in the same transaction as every event that moves it. Indexed by
    //! (division_code, due_date) so "due or overdue within scope X" is a range read.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "obligation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub person_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub kind: String,
        pub due_date: Date,
        pub division_code: String,
        pub social_worker_id: Option<Uuid>,
        pub measure_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod alert {
    //! 预警提醒 an alert about a person, kept while its condition holds: unique per
    //! (person, kind, ref_key) so that re-deriving never duplicates; `resolved_at` is set when the
    //! condition clears. `detail` is JSON of figures and evidence ids (no free text about the person).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "alert")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        /// `jindu_domain::alert::AlertKind` code.
        pub kind: String,
        pub ref_key: String,
        /// Whose inbox it reaches: the person's division (for a transfer, the receiving division).
        pub division_code: String,
        /// The day the alert is about (a due date, the day lost, the release day…).
        pub ref_date: Date,
        pub detail: String,
        pub raised_at: DateTimeUtc,
        pub resolved_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod alert_ack {
    //! 已阅 one user's acknowledgement of an alert, with an optional note (sealed by the vault).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "alert_ack")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub alert_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub acked_at: DateTimeUtc,
        pub note: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod leave_request {
    //! 请假 a request to leave the county (戒毒条例 §19), its approval and the return (销假).
    //! `destination`, `reason` and `decision_note` are sealed by the vault.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "leave_request")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub requested_on: Date,
        /// First day away.
        pub leave_from: Date,
        /// Last approved day away; back by the end of this day.
        pub leave_to: Date,
        pub destination: String,
        pub reason: Option<String>,
        /// `jindu_domain::leave::LeaveStatus` code.
        pub status: String,
        pub requested_by: Option<Uuid>,
        pub decided_by: Option<Uuid>,
        pub decided_on: Option<Date>,
        pub decision_note: Option<String>,
        pub returned_on: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod absence {
    //! 擅自离开 an unauthorised departure from the county (戒毒条例 §20(二)(三)): the day left and the
    //! day back, with the timeline events that record them (the evidence of a serious breach).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "absence")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub left_on: Date,
        pub returned_on: Option<Date>,
        pub event_id: Uuid,
        pub return_event_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod risk_assessment {
    //! 风险评估记录 one risk assessment of a person, kept with its factor breakdown (JSON of
    //! `jindu_domain::risk::FactorScore`) so the person page can say why.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "risk_assessment")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        pub assessed_on: Date,
        pub assessed_at: DateTimeUtc,
        /// Why it ran: `registration`, `event`, `profile`, `monthly`, `table`, `manual`.
        pub trigger: String,
        pub tier: String,
        pub score: i32,
        pub overridden: bool,
        pub breakdown: String,
        pub assessed_by: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod working_group_member {
    //! 工作小组成员 a member of a person's working group (戒毒条例 §17). `name` and `phone` are sealed
    //! by the vault.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "working_group_member")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub person_id: Uuid,
        /// `jindu_domain::GroupRole` code.
        pub role: String,
        pub name: String,
        pub phone: Option<String>,
        pub user_id: Option<Uuid>,
        pub added_on: Date,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod workstation {
    //! 社区戒毒(康复)工作站 a workstation at a town or street.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workstation")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        /// 12-digit code of the town/street it serves.
        pub division_code: String,
        /// 地址 (may be empty).
        pub address: String,
        /// 成立日期: the day it began to serve (coverage counts from its month); `None` for rows
        /// kept before it was asked, which count from `created_at`.
        pub opened_on: Option<Date>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
