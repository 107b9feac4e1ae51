//! The deployment: its root division, the divisions loaded for it, settings and calendar (as
//! stored: loading them is `setup::init`, above the indicators it fills).

use jindu_domain::access::{DeploymentSetting, check_deployment_wide};
use jindu_domain::{DivisionCode, DivisionLevel, Schedule, WorkCalendar};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};

use crate::entities::{division, setting, work_calendar};
use crate::service::{ServiceError, ServiceResult};

/// Setting key of the deployment's root division (written by `setup::init`).
pub(crate) const ROOT_KEY: &str = "deployment.root";
const SCHEDULE_KEY: &str = "schedule";

/// A division as stored for the deployment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Division {
    pub code: DivisionCode,
    pub name: String,
    pub level: DivisionLevel,
    pub parent: Option<DivisionCode>,
    pub name_path: String,
}

fn to_division(m: division::Model) -> ServiceResult<Division> {
    let code = DivisionCode::parse(&m.code).map_err(|_| ServiceError::Data(format!("division {}", m.code)))?;
    let parent = m.parent_code.as_deref().and_then(|p| DivisionCode::parse(p).ok());
    Ok(Division { code, name: m.name, level: code.level(), parent, name_path: m.name_path })
}

/// Stores a setting (replacing any old value).
pub async fn put_setting<C: ConnectionTrait>(db: &C, key: &str, value: &str) -> ServiceResult<()> {
    // An upsert, not delete + insert: the audit head is rewritten on every audited action, and
    // on PostgreSQL an in-place update keeps the table free of dead rows between vacuums.
    setting::Entity::insert(setting::ActiveModel { key: Set(key.to_string()), value: Set(value.to_string()) })
        .on_conflict(
            sea_orm::sea_query::OnConflict::column(setting::Column::Key)
                .update_column(setting::Column::Value)
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(())
}

/// `Ok` when `actor` may change the deployment-wide `setting`: their scope covers the
/// deployment's root ([`check_deployment_wide`], issue #18 item 1). Call before any write of a
/// role profile or deployment-wide setting, after the permission check.
///
/// # Errors
/// [`ServiceError::Refused`] (403) naming the setting and the root's name path, field `setting`,
/// code `deployment.root_only`; `NotFound("deployment")` before `init`.
pub async fn require_deployment_wide<C: ConnectionTrait>(
    db: &C,
    actor: &crate::service::Actor,
    setting: DeploymentSetting,
) -> ServiceResult<()> {
    let root = root(db).await?.ok_or(ServiceError::NotFound("deployment"))?;
    check_deployment_wide(setting, &actor.scope, &root.code, &root.name_path)
        .map_err(|e| ServiceError::Refused(crate::service::FieldError::of("setting", e.message())))
}

/// A stored setting, if any.
pub async fn get_setting<C: ConnectionTrait>(db: &C, key: &str) -> ServiceResult<Option<String>> {
    Ok(setting::Entity::find_by_id(key.to_string()).one(db).await?.map(|s| s.value))
}

/// Setting key of the key check: a known text sealed with the deployment's keys at `init`.
pub const KEY_CHECK_KEY: &str = "crypto.check";
const KEY_CHECK_TEXT: &str = "jindu key check";

/// Binds the keys to the database: the first call seals a known text into setting
/// [`KEY_CHECK_KEY`]; later calls (server start, CLI commands) open it, so a wrong or missing key
/// file is reported at once instead of at the first person page.
///
/// # Errors
/// [`ServiceError::Vault`] with [`crate::vault::VaultError::WrongKeys`] when the keys are not
/// this database's.
pub async fn check_keys<C: ConnectionTrait>(db: &C, vault: &crate::Vault) -> ServiceResult<()> {
    match get_setting(db, KEY_CHECK_KEY).await? {
        None => put_setting(db, KEY_CHECK_KEY, &vault.seal("setting", "value", KEY_CHECK_KEY, KEY_CHECK_TEXT)?).await,
        Some(stored) if vault.opens_to("setting", "value", KEY_CHECK_KEY, &stored, KEY_CHECK_TEXT) => {
            if vault.needs_rotation(&stored) {
                put_setting(db, KEY_CHECK_KEY, &vault.seal("setting", "value", KEY_CHECK_KEY, KEY_CHECK_TEXT)?).await?;
            }
            Ok(())
        }
        Some(_) => Err(crate::vault::VaultError::WrongKeys.into()),
    }
}

/// Setting key marking a database made by `jindu demo`: every page then says 演示数据.
pub const DEMO_KEY: &str = "demo";

/// True when the database was made by `jindu demo`.
pub async fn is_demo<C: ConnectionTrait>(db: &C) -> ServiceResult<bool> {
    Ok(get_setting(db, DEMO_KEY).await?.as_deref() == Some("true"))
}

/// The deployment's root division, or `None` before `jindu init`.
pub async fn root<C: ConnectionTrait>(db: &C) -> ServiceResult<Option<Division>> {
    let Some(s) = setting::Entity::find_by_id(ROOT_KEY.to_string()).one(db).await? else {
        return Ok(None);
    };
    match division::Entity::find_by_id(s.value).one(db).await? {
        Some(m) => Ok(Some(to_division(m)?)),
        None => Ok(None),
    }
}

/// A division by its code (any of 2–12 digits), if loaded for this deployment.
pub async fn division_by_code<C: ConnectionTrait>(db: &C, code: DivisionCode) -> ServiceResult<Option<Division>> {
    match division::Entity::find_by_id(code.to_string()).one(db).await? {
        Some(m) => Ok(Some(to_division(m)?)),
        None => Ok(None),
    }
}

/// A division by its full name path, e.g. `湖南省/衡阳市/珠晖区/广东路街道`.
pub async fn division_by_path<C: ConnectionTrait>(db: &C, path: &str) -> ServiceResult<Option<Division>> {
    let path = path.trim().trim_matches('/');
    match division::Entity::find().filter(division::Column::NamePath.eq(path)).one(db).await? {
        Some(m) => Ok(Some(to_division(m)?)),
        None => Ok(None),
    }
}

/// The children of a division, ordered by code.
pub async fn children<C: ConnectionTrait>(db: &C, parent: DivisionCode) -> ServiceResult<Vec<Division>> {
    divisions_where(db, division::Column::ParentCode.eq(parent.to_string())).await
}

/// The divisions matching `condition`, ordered by code.
async fn divisions_where<C: ConnectionTrait>(
    db: &C,
    condition: impl sea_orm::sea_query::IntoCondition,
) -> ServiceResult<Vec<Division>> {
    division::Entity::find()
        .filter(condition)
        .order_by_asc(division::Column::Code)
        .all(db)
        .await?
        .into_iter()
        .map(to_division)
        .collect()
}

/// All divisions of one level inside `scope`, ordered by code.
pub async fn in_scope<C: ConnectionTrait>(
    db: &C,
    scope: DivisionCode,
    level: DivisionLevel,
) -> ServiceResult<Vec<Division>> {
    let (lo, hi) = crate::service::scope_bounds(&scope);
    divisions_where(
        db,
        sea_orm::Condition::all()
            .add(division::Column::Code.between(lo, hi))
            .add(division::Column::Level.eq(level.as_code())),
    )
    .await
}

/// The obligation schedule in force (local default unless the office changed it).
pub async fn schedule<C: ConnectionTrait>(db: &C) -> ServiceResult<Schedule> {
    match setting::Entity::find_by_id(SCHEDULE_KEY.to_string()).one(db).await? {
        Some(s) => serde_json::from_str(&s.value).map_err(|e| ServiceError::Data(format!("schedule: {e}"))),
        None => Ok(Schedule::default()),
    }
}

/// The working-day calendar: weekends plus the holidays and make-up days the office entered.
pub async fn calendar<C: ConnectionTrait>(db: &C) -> ServiceResult<WorkCalendar> {
    let mut cal = WorkCalendar::new();
    for d in work_calendar::Entity::find().all(db).await? {
        cal = match d.kind.as_str() {
            "holiday" => cal.with_holiday(d.day),
            _ => cal.with_makeup_workday(d.day),
        };
    }
    Ok(cal)
}
