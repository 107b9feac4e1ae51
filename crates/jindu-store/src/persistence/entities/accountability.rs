//! 责任与考评 Accountability: member units, responsibility letters, plan tasks and their evidence, evaluation schemes, runs and results.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod member_unit {
    //! 成员单位 a member unit of the district's anti-drug committee.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "member_unit")]
    pub struct Model {
        /// `430405U07`: see `jindu_domain::responsibility::member_unit_code`.
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
        /// 12-digit code of the district whose committee the unit belongs to.
        pub division_code: String,
        /// 禁毒工作职责, free text.
        pub duties: String,
        /// The number in the code.
        pub number: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod responsibility_letter {
    //! 责任书 a unit's responsibility letter for a year: parties, signed date, the scan.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "responsibility_letter")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub year: i32,
        /// 12-digit code of the town.
        pub unit_code: String,
        pub unit_name: String,
        /// 签订双方, e.g. `珠晖区禁毒委员会 — 广东路街道办事处`.
        pub parties: String,
        pub signed_on: Option<Date>,
        pub attachment_id: Option<Uuid>,
        pub version: i32,
        pub updated_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod plan_task {
    //! 规划任务 a task of a multi-year plan with its owner unit, co-units, due date and close-out.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "plan_task")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The plan, e.g. `6·27工程三年行动`.
        pub plan: String,
        pub title: String,
        /// 12-digit code of the owner town (牵头单位).
        pub owner_code: String,
        pub owner_name: String,
        /// 配合单位, names joined with `、`.
        pub co_units: String,
        pub due_on: Date,
        /// The first evidence or progress note.
        pub started_at: Option<DateTimeUtc>,
        /// 销账: when the office closed it out.
        pub closed_at: Option<DateTimeUtc>,
        pub close_note: Option<String>,
        /// The reason of the last reopening.
        pub reopen_reason: Option<String>,
        pub version: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod task_evidence {
    //! 佐证材料 a task's evidence: a note, with a stored file or none.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "task_evidence")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub task_id: Uuid,
        pub attachment_id: Option<Uuid>,
        pub note: String,
        pub added_by: Option<Uuid>,
        pub added_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod attachment {
    //! A stored file: a scanned 责任书 or a task's evidence (PDF, PNG or JPEG), with its SHA-256.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "attachment")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub file_name: String,
        pub content_type: String,
        /// Bytes.
        pub size: i64,
        /// Lower-case hex SHA-256 of the body.
        pub sha256: String,
        pub body: Vec<u8>,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation_scheme {
    //! 考评方案 an evaluation scheme of a year: its items and bands (`body`, the JSON of
    //! `jindu_domain::evaluation::EvaluationScheme`).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_scheme")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub year: i32,
        pub name: String,
        /// `towns` or `member_units`.
        pub subject: String,
        pub body: String,
        /// Optimistic-concurrency version.
        pub version: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation_run {
    //! 考评 an evaluation run: one scheme over the units of a jurisdiction for a period. `draft`
    //! runs are recomputed from live data; `frozen` and `published` ones keep their results.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_run")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub scheme_id: Uuid,
        pub name: String,
        /// Period code: `2026`, `2026-Q4`, `2026-11`.
        pub period: String,
        /// 12-digit code of the jurisdiction whose units are scored.
        pub scope: String,
        /// `draft`, `frozen`, `published`.
        pub status: String,
        /// The scheme as it was when the run was made (JSON).
        pub scheme_body: String,
        pub version: i32,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub computed_at: DateTimeUtc,
        pub frozen_at: Option<DateTimeUtc>,
        pub published_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation_result {
    //! 得分 one unit's result in a run: every item with its trace (`result`, the JSON of
    //! `jindu_domain::evaluation::UnitScore`), the adjustment with its reason, the total, rank and
    //! grade. Points in hundredths.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_result")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub run_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_code: String,
        pub unit_name: String,
        pub result: String,
        /// The scheme's total before the adjustment (hundredths).
        pub computed_total: i64,
        /// 调整 (hundredths, either sign).
        pub adjustment: i64,
        pub adjustment_reason: Option<String>,
        /// computed_total + adjustment, at least 0 (hundredths).
        pub total: i64,
        /// Competition rank (1224) by total.
        pub rank: Option<i32>,
        /// The grade band's Chinese label.
        pub grade: String,
        /// False while a manual item awaits its score.
        pub complete: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod evaluation_manual {
    //! 人工评分 an inspector's score of a manual item for a unit in a run (hundredths), with a note.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "evaluation_manual")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub run_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub unit_code: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub item_code: String,
        pub points: i64,
        pub note: String,
        pub scored_by: Option<Uuid>,
        pub scored_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
