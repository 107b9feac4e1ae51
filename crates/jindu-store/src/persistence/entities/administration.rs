//! 管理 Administration: divisions, accounts, API tokens, web sessions, settings and the working-day calendar.
//!
//! One inline module per table (SeaORM's `Entity`, `Model`, `Column` …), reachable as
//! `entities::<table>` too.

pub mod division {
    //! 行政区划 a statistical division loaded for this deployment.
    use sea_orm::entity::prelude::*;

    /// One division row: `code` is the 12-digit code as text, `level` a `DivisionLevel` code.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "division")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub code: String,
        pub name: String,
        pub level: String,
        pub parent_code: Option<String>,
        /// Full name path, e.g. `湖南省/衡阳市/珠晖区/广东路街道`.
        pub name_path: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod app_user {
    //! 用户 an account. Social workers (禁毒社工) are users with role `social_worker`.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "app_user")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub username: String,
        pub display_name: String,
        /// argon2id PHC string; `None` for an account that cannot log in.
        pub password_hash: Option<String>,
        /// Role code (`jindu_domain::Role`).
        pub role: String,
        /// The 12-digit division code of the unit; the data scope is its significant prefix.
        pub division_code: String,
        pub workstation_id: Option<Uuid>,
        pub must_change_password: bool,
        pub created_at: DateTimeUtc,
        /// Consecutive failed sign-ins since the last success.
        pub failed_logins: i32,
        /// Sign-in refused until this instant (lockout).
        pub locked_until: Option<DateTimeUtc>,
        /// TOTP secret (base32), encrypted at rest.
        pub totp_secret: Option<String>,
        pub totp_enabled: bool,
        /// The last accepted TOTP time step (unix time / 30 s); a code of that step or earlier is
        /// refused (no replay).
        pub totp_last_step: Option<i64>,
        pub password_changed_at: Option<DateTimeUtc>,
        /// Disabled (停用) at this instant: the account cannot sign in and its API tokens do not
        /// work until it is enabled again; `None` for an enabled account.
        pub disabled_at: Option<DateTimeUtc>,
        /// Every session of the account signed in before this instant ends (a change of its
        /// status, role or unit).
        pub sessions_ended_at: Option<DateTimeUtc>,
        /// The member unit (`member_unit.code`, e.g. `430405U03`) of a 成员单位 account; `None`
        /// for every other role.
        pub member_unit_code: Option<String>,
        /// The enterprise (`precursor_enterprise.id`) of a 企业 account (issue #21): its data scope
        /// is that enterprise only; `None` for every other role.
        pub enterprise_id: Option<Uuid>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}

    impl ActiveModel {
        /// The sign-in state every new account starts in: no failed sign-ins, not locked, no
        /// second factor, enabled, no sessions ended. The caller sets who the account is (id,
        /// names, password, role, unit, workstation, member unit) and when it was made.
        pub fn new_account() -> Self {
            use sea_orm::ActiveValue::Set;
            Self {
                failed_logins: Set(0),
                locked_until: Set(None),
                totp_secret: Set(None),
                totp_enabled: Set(false),
                totp_last_step: Set(None),
                disabled_at: Set(None),
                sessions_ended_at: Set(None),
                ..Default::default()
            }
        }
    }
}

pub mod sign_in_throttle {
    //! 登录限制 failed sign-ins under a user name that has no account (issue #20): counted and
    //! locked like an account's own, so an unknown name answers as a real one does. Rows not
    //! touched for a day are removed by the next failure.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sign_in_throttle")]
    pub struct Model {
        /// The name as typed, trimmed, lower case, at most 64 characters.
        #[sea_orm(primary_key, auto_increment = false)]
        pub username: String,
        /// Consecutive failed sign-ins (restarts at 0 when they lock).
        pub failed_logins: i32,
        /// Sign-in refused until this instant.
        pub locked_until: Option<DateTimeUtc>,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_token {
    //! API token: only its SHA-256 hash is stored; scoped to a role and division; expiring, revocable.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_token")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        #[sea_orm(unique)]
        pub token_hash: String,
        /// The user on whose behalf the token acts.
        pub user_id: Uuid,
        /// Role code the token is limited to.
        pub role: String,
        /// 12-digit division code of the token's scope.
        pub division_code: String,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod session {
    //! Web session records (tower-sessions), kept in our own database.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "web_session")]
    pub struct Model {
        /// The lower-case hex SHA-256 of the session id (the id itself is never stored).
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        /// JSON of the session record.
        pub data: String,
        pub expires_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import_file {
    //! 导入文件 the file an import checked, kept until it is imported or 24 hours have passed
    //! (`import_jobs`).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_file")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The user who uploaded it: no one else reads it.
        pub owner_id: Uuid,
        /// Bytes of `body`.
        pub size: i64,
        /// The file as uploaded (at most the import limit, 32 MiB).
        pub body: Vec<u8>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod import_job {
    //! 导入任务 one check or import of an [`super::import_file`], with its report once it has
    //! ended (`import_jobs`).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_job")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// The user who started it: no one else sees it.
        pub owner_id: Uuid,
        /// The `import_file` it reads (gone once imported or expired).
        pub file_id: Uuid,
        /// The file's name as uploaded.
        pub file_name: String,
        /// The kind of sheet (`SheetKind` code).
        pub sheet: String,
        pub dry_run: bool,
        /// The header row the user gave (1-based), if any.
        pub header_row: Option<i32>,
        /// JSON of the user's column mapping: `[[header, field], …]`.
        pub mapping: String,
        /// `UnknownWorkers` code.
        pub workers: String,
        pub started_at: DateTimeUtc,
        /// When it ended (null while it runs, or when its server stopped before the end).
        pub finished_at: Option<DateTimeUtc>,
        /// JSON of what the job list shows of its outcome (the web's business).
        pub summary: Option<String>,
        /// JSON of its outcome: the report or the refusal (the web's business).
        pub outcome: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod setting {
    //! Deployment settings as key → JSON value (deployment division, schedule, …).
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "setting")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub value: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod work_calendar {
    //! 工作日历 statutory holidays (`holiday`) and make-up working days (`workday`, 调休)
    //! entered by the office; Saturdays and Sundays are rest days by default.
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_calendar_day")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub day: Date,
        /// `holiday` or `workday`.
        pub kind: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
