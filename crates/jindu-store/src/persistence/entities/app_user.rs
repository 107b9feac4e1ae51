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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
