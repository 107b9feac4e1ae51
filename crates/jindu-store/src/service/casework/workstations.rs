//! 社区戒毒(康复)工作站 the workstations of the towns and their staff (禁毒社工), kept by the office:
//! created on the 工作站 page, with `jindu workstation`, or from a sheet of units and staff
//! (`jindu import workstations`, the import page). A workstation serves one town (乡镇（街道）);
//! the towns with at least one open workstation make the 工作站覆盖率 of the 驾驶舱 (speech of
//! 8·31: 17 workstations, coverage 46 %), counted from the month the first one opened.
//!
//! Staff are social-worker accounts linked to a workstation (`app_user.workstation_id`); an
//! account keeps its own unit (data scope), which must lie in the workstation's town.

use jindu_domain::message::Message;
use std::collections::BTreeMap;

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{CellKey, Contribution, Figure, Month};
use jindu_domain::{DivisionCode, DivisionLevel, Permission, Role};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{app_user, workstation};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, deployment, indicators};

/// One member of a workstation's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
}

/// A workstation as the page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkstationRow {
    pub id: Uuid,
    pub name: String,
    /// The town it serves (12 digits).
    pub town: DivisionCode,
    /// `湖南省/衡阳市/珠晖区/广东路街道`.
    pub town_path: String,
    pub address: String,
    /// 成立日期; `None` for workstations kept before the date was asked.
    pub opened_on: Option<NaiveDate>,
    /// Social workers linked to it, by user name.
    pub staff: Vec<StaffMember>,
}

/// Coverage of a scope: towns, towns with a workstation opened on or before the day, and the
/// 工作站覆盖率 as the 驾驶舱 computes it (`figure.display(Unit::Percent)` → `45.9%`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub towns: u64,
    pub covered: u64,
    pub figure: Figure,
}

/// The workstation form, as typed: `town` by 9- or 12-digit code, name (`广东路街道`) or name
/// path; `opened_on` in any form `jindu_domain::event::parse_date` takes (empty: not known).
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct WorkstationForm {
    pub name: String,
    pub town: String,
    pub address: String,
    pub opened_on: String,
}

/// A form that passed the checks.
#[derive(Debug, Clone)]
pub(in crate::service) struct Checked {
    pub name: String,
    pub town: deployment::Division,
    pub address: String,
    pub opened_on: Option<NaiveDate>,
}

/// The town (level 乡镇（街道）) in the actor's scope that `text` names: a 9- or 12-digit code, the
/// name, the name path (with or without `/`) or the name without 街道/镇/乡.
pub(in crate::service) async fn town_named<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    text: &str,
) -> ServiceResult<Result<deployment::Division, FieldError>> {
    let t: String = text.split_whitespace().collect();
    if t.is_empty() {
        return Ok(Err(FieldError::of("town", Message::new("msg.workstation.town_required"))));
    }
    let towns = deployment::in_scope(db, actor.scope, DivisionLevel::Town).await?;
    let hits: Vec<&deployment::Division> = towns
        .iter()
        .filter(|d| jindu_domain::division::names_unit(&t, &d.code.to_string(), &d.name, &d.name_path))
        .collect();
    let shown: String = t.chars().take(30).collect();
    Ok(match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(FieldError::of("town", Message::new("msg.workstation.town").text("shown", shown))),
        many => Err(FieldError::of(
            "town",
            Message::new("msg.workstation.town_ambiguous").text("shown", shown).label(
                "towns",
                (many.iter().map(|d| d.name_path.as_str()).collect::<Vec<_>>().join("、")).to_string(),
                (many.iter().map(|d| d.name_path.as_str()).collect::<Vec<_>>().join(", ")).to_string(),
            ),
        )),
    })
}

/// Checks a workstation form: name 1–50 characters, a town of the actor's scope, address at
/// most 100 characters, the opening date a date not after today. Every problem is returned, in
/// form order.
pub(in crate::service) async fn check<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    form: &WorkstationForm,
) -> ServiceResult<Result<Checked, Vec<FieldError>>> {
    let mut errors = Vec::new();
    let name: String = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let hidden = |t: &str| t.chars().any(jindu_domain::event::is_hidden);
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(FieldError::of("name", Message::new("msg.workstation.name")));
    } else if hidden(&name) || !name.chars().any(char::is_alphanumeric) {
        errors.push(FieldError::of("name", Message::new("msg.workstation.name_hidden")));
    }
    let town = match town_named(db, actor, &form.town).await? {
        Ok(t) => Some(t),
        Err(e) => {
            errors.push(e);
            None
        }
    };
    let address = form.address.trim().to_string();
    if address.chars().count() > 100 {
        errors.push(FieldError::of("address", Message::new("msg.workstation.address")));
    } else if hidden(&address) {
        errors.push(FieldError::of("address", Message::new("msg.workstation.address_hidden")));
    }
    let opened_on = if form.opened_on.trim().is_empty() {
        None
    } else {
        match jindu_domain::event::parse_date("opened_on", &form.opened_on) {
            // Community detox and rehabilitation began with the 禁毒法 (in force 2008-06-01): no
            // workstation for them opened earlier.
            Ok(d) if d < jindu_domain::workstation::COMMUNITY_MEASURES_FROM => {
                errors.push(FieldError::of("opened_on", Message::new("msg.workstation.opened_early").text("d", d)));
                None
            }
            Ok(d) if d > now.today => {
                errors.push(FieldError::of("opened_on", Message::new("msg.workstation.opened_future").text("d", d)));
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.push(e.into());
                None
            }
        }
    };
    Ok(match (town, errors.is_empty()) {
        (Some(town), true) => Ok(Checked { name, town, address, opened_on }),
        _ => Err(errors),
    })
}

/// The month a town's coverage counts from: the earliest opening (or entry) of its workstations.
fn first_month(rows: &[workstation::Model]) -> Option<Month> {
    rows.iter().map(|w| w.opened_on.unwrap_or(Now::at(w.created_at).today)).min().map(Month::of)
}

/// Brings the town's 已建工作站 cell up to date after its workstations changed (`before` as they
/// were), in the caller's transaction.
async fn recount_town<C: ConnectionTrait>(db: &C, town: &str, before: &[workstation::Model]) -> ServiceResult<()> {
    let after = workstation::Entity::find().filter(workstation::Column::DivisionCode.eq(town)).all(db).await?;
    let (old, new) = (first_month(before), first_month(&after));
    if old == new {
        return Ok(());
    }
    let mut c = Contribution::new();
    if let Some(m) = old {
        c.add(CellKey::TownsWithWorkstation, m, -1);
    }
    if let Some(m) = new {
        c.add(CellKey::TownsWithWorkstation, m, 1);
    }
    indicators::apply_structure(db, town, &c).await
}

/// The refusal of a name the town's workstations already have.
fn duplicate_name(checked: &Checked) -> FieldError {
    FieldError::of(
        "name",
        Message::new("msg.workstation.duplicate").text("town", &checked.town.name).text("name", &checked.name),
    )
}

/// Inserts a checked workstation in the caller's transaction (no audit record:
/// the caller's) and returns its id. `Invalid` naming `name` when the town already has one of
/// that name.
pub(in crate::service) async fn insert<C: ConnectionTrait>(db: &C, now: Now, checked: &Checked) -> ServiceResult<Uuid> {
    let town = checked.town.code.to_string();
    let before = workstation::Entity::find().filter(workstation::Column::DivisionCode.eq(&town)).all(db).await?;
    if before.iter().any(|w| w.name == checked.name) {
        return Err(duplicate_name(checked).into());
    }
    let id = Uuid::now_v7();
    workstation::ActiveModel {
        id: Set(id),
        name: Set(checked.name.clone()),
        division_code: Set(town.clone()),
        address: Set(checked.address.clone()),
        opened_on: Set(checked.opened_on),
        created_at: Set(now.instant),
    }
    .insert(db)
    .await?;
    recount_town(db, &town, &before).await?;
    Ok(id)
}

/// Reading the register needs `ViewCounts` (counts, no personal data) or `Configure` (who keeps
/// it: the system administrator holds no `ViewCounts`).
fn require_view(actor: &Actor) -> ServiceResult<()> {
    if actor.can(Permission::Configure) { Ok(()) } else { actor.require(Permission::ViewCounts) }
}

fn forbidden_unless_configure(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::Configure)
}

/// Creates a workstation. Needs `Configure` (禁毒办, 系统管理员); the town must lie in the actor's
/// scope. Audited `workstation.create`; the 驾驶舱's coverage counts it from its opening month.
///
/// # Errors
/// Forbidden; `Invalid` naming `name`, `town`, `address`, `opened_on` (every problem at once);
/// nothing stored.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    form: &WorkstationForm,
) -> ServiceResult<Uuid> {
    forbidden_unless_configure(actor)?;
    let checked = check(db, actor, now, form).await?.map_err(ServiceError::Invalid)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
    let id = insert(&txn, now, &checked).await?;
    txn.audit(audit::Entry::ok("workstation.create", "workstation", id.to_string()).with_detail(format!(
        "{} town={} opened_on={}",
        checked.name,
        checked.town.code,
        checked.opened_on.map(|d| d.to_string()).unwrap_or_default()
    )))
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// The workstation `id` when its town lies in the actor's scope (an out-of-scope one is missing).
async fn visible<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<workstation::Model> {
    workstation::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|w| actor.sees(&w.division_code))
        .ok_or(ServiceError::NotFound("workstation"))
}

/// Changes a workstation's name, address and opening date (its town stays: a workstation of
/// another town is another workstation). Needs `Configure`; audited `workstation.update` with
/// the values before and after.
///
/// # Errors
/// Forbidden; `NotFound` outside the scope; `Invalid` as for [`create`] (and `town` when the
/// form names another town).
pub async fn update<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    form: &WorkstationForm,
) -> ServiceResult<()> {
    forbidden_unless_configure(actor)?;
    let kept = visible(db, actor, id).await?;
    let mut form = form.clone();
    if form.town.trim().is_empty() {
        form.town = kept.division_code.clone();
    }
    let checked = check(db, actor, now, &form).await?.map_err(ServiceError::Invalid)?;
    if checked.town.code.to_string() != kept.division_code {
        return Err(FieldError::of("town", Message::new("msg.workstation.town_fixed")).into());
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
    let before =
        workstation::Entity::find().filter(workstation::Column::DivisionCode.eq(&kept.division_code)).all(&txn).await?;
    if before.iter().any(|w| w.id != id && w.name == checked.name) {
        return Err(duplicate_name(&checked).into());
    }
    let show = |name: &str, address: &str, opened: Option<NaiveDate>| {
        format!("name={name} address={address} opened_on={}", opened.map(|d| d.to_string()).unwrap_or_default())
    };
    let detail = format!(
        "{} → {}",
        show(&kept.name, &kept.address, kept.opened_on),
        show(&checked.name, &checked.address, checked.opened_on)
    );
    let mut model = kept.clone().into_active_model();
    model.name = Set(checked.name.clone());
    model.address = Set(checked.address.clone());
    model.opened_on = Set(checked.opened_on);
    model.update(&txn).await?;
    recount_town(&txn, &kept.division_code, &before).await?;
    txn.audit(audit::Entry::ok("workstation.update", "workstation", id.to_string()).with_detail(detail)).await?;
    txn.commit().await?;
    Ok(())
}

/// The social-worker account `username` (or display name, when one account has it) that may
/// join the workstation of `town`: a social worker whose unit lies in that town.
pub(in crate::service) async fn staff_account<C: ConnectionTrait>(
    db: &C,
    town: &deployment::Division,
    who: &str,
) -> ServiceResult<Result<app_user::Model, FieldError>> {
    let who = who.trim();
    if who.is_empty() {
        return Ok(Err(FieldError::of("staff", Message::new("msg.workstation.staff_required"))));
    }
    let in_town = app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DivisionCode.starts_with(town.code.prefix()))
        .all(db)
        .await?;
    let lower = who.to_lowercase();
    let display = |u: &app_user::Model| u.display_name.split(['(', '（']).next().unwrap_or_default().trim().to_string();
    let by_name: Vec<&app_user::Model> = in_town.iter().filter(|u| u.username == lower).collect();
    let hits: Vec<&app_user::Model> =
        if by_name.is_empty() { in_town.iter().filter(|u| display(u) == who).collect() } else { by_name };
    let shown: String = who.chars().take(30).collect();
    Ok(match hits.as_slice() {
        [one] => Ok((*one).clone()),
        [] => Err(FieldError::of(
            "staff",
            Message::new("msg.workstation.staff_unknown").text("shown", shown).text("name", &town.name),
        )),
        _ => Err(FieldError::of(
            "staff",
            Message::new("msg.workstation.staff_ambiguous").text("name", &town.name).text("shown", shown),
        )),
    })
}

/// The refusal when `user` is on the staff of another workstation than `ws` (a worker moves only
/// after being taken off the old one, so no workstation loses staff unseen).
pub(in crate::service) async fn on_other_staff<C: ConnectionTrait>(
    db: &C,
    ws: &workstation::Model,
    user: &app_user::Model,
) -> ServiceResult<Option<FieldError>> {
    let Some(other) = user.workstation_id.filter(|w| *w != ws.id) else { return Ok(None) };
    let name = workstation::Entity::find_by_id(other).one(db).await?.map(|w| w.name).unwrap_or_default();
    Ok(Some(FieldError::of(
        "staff",
        Message::new("msg.workstation.staff_elsewhere").text("display_name", &user.display_name).text("name", name),
    )))
}

/// Links `user` to workstation `ws` in the caller's transaction and audits it
/// (`workstation.staff_add`, with the workstation before and after). Returns false when the
/// account was already linked to it.
pub(in crate::service) async fn link<T: ConnectionTrait + sea_orm::TransactionSession>(
    db: &crate::service::UnitOfWork<T>,
    ws: &workstation::Model,
    user: &app_user::Model,
) -> ServiceResult<bool> {
    if user.workstation_id == Some(ws.id) {
        return Ok(false);
    }
    let before = user.workstation_id.map(|w| w.to_string()).unwrap_or_else(|| "-".into());
    let mut model = user.clone().into_active_model();
    model.workstation_id = Set(Some(ws.id));
    model.update(db).await?;
    db.audit(
        audit::Entry::ok("workstation.staff_add", "user", user.id.to_string())
            .with_detail(format!("{} workstation {before} → {} ({})", user.username, ws.id, ws.name)),
    )
    .await?;
    Ok(true)
}

/// Links the social worker `who` (user name, or the name when only one has it) to a workstation.
/// Needs `Configure`; the account's unit must lie in the workstation's town. Audited.
///
/// # Errors
/// Forbidden; `NotFound` for a workstation outside the scope; `Invalid` naming `staff`.
pub async fn add_staff<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    who: &str,
) -> ServiceResult<()> {
    forbidden_unless_configure(actor)?;
    let ws = visible(db, actor, id).await?;
    let code = ws.division_code.parse::<DivisionCode>().map_err(|_| ServiceError::Data("workstation town".into()))?;
    let town = deployment::division_by_code(db, code).await?.ok_or(ServiceError::NotFound("division"))?;
    let user = staff_account(db, &town, who).await?.map_err(|e| ServiceError::Invalid(vec![e]))?;
    if let Some(e) = on_other_staff(db, &ws, &user).await? {
        return Err(e.into());
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
    link(&txn, &ws, &user).await?;
    txn.commit().await?;
    Ok(())
}

/// Unlinks a social worker from a workstation (the account stays, with its caseload). Needs
/// `Configure`; audited `workstation.staff_remove`.
///
/// # Errors
/// Forbidden; `NotFound` when the workstation is outside the scope or the account is not on its
/// staff.
pub async fn remove_staff<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    user_id: Uuid,
) -> ServiceResult<()> {
    forbidden_unless_configure(actor)?;
    let ws = visible(db, actor, id).await?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::Configure).await?;
    let user = app_user::Entity::find_by_id(user_id)
        .one(&txn)
        .await?
        .filter(|u| u.workstation_id == Some(ws.id))
        .ok_or(ServiceError::NotFound("user"))?;
    let mut model = user.clone().into_active_model();
    model.workstation_id = Set(None);
    model.update(&txn).await?;
    txn.audit(
        audit::Entry::ok("workstation.staff_remove", "user", user.id.to_string())
            .with_detail(format!("{} workstation {} ({}) → -", user.username, ws.id, ws.name)),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The workstations in the actor's scope, by town then name, with their staff. Needs
/// `ViewCounts` or `Configure`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Vec<WorkstationRow>> {
    require_view(actor)?;
    let rows = workstation::Entity::find()
        .filter(workstation::Column::DivisionCode.starts_with(actor.scope.prefix()))
        .order_by_asc(workstation::Column::DivisionCode)
        .order_by_asc(workstation::Column::Name)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|w| w.id).collect();
    let mut staff: BTreeMap<Uuid, Vec<StaffMember>> = BTreeMap::new();
    for u in app_user::Entity::find()
        .filter(app_user::Column::WorkstationId.is_in(ids))
        .order_by_asc(app_user::Column::Username)
        .all(db)
        .await?
    {
        if let Some(w) = u.workstation_id {
            staff.entry(w).or_default().push(StaffMember {
                user_id: u.id,
                username: u.username,
                display_name: u.display_name,
            });
        }
    }
    let mut paths: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::with_capacity(rows.len());
    for w in rows {
        let town =
            w.division_code.parse::<DivisionCode>().map_err(|_| ServiceError::Data("workstation town".into()))?;
        let town_path = match paths.get(&w.division_code) {
            Some(p) => p.clone(),
            None => {
                let p = deployment::division_by_code(db, town)
                    .await?
                    .map(|d| d.name_path)
                    .unwrap_or_else(|| w.division_code.clone());
                paths.insert(w.division_code.clone(), p.clone());
                p
            }
        };
        out.push(WorkstationRow {
            staff: staff.remove(&w.id).unwrap_or_default(),
            id: w.id,
            name: w.name,
            town,
            town_path,
            address: w.address,
            opened_on: w.opened_on,
        });
    }
    Ok(out)
}

/// The coverage of the actor's scope on `day`: towns, towns with a workstation opened on or
/// before it, and the rate (the 驾驶舱's 工作站覆盖率, same rule). Needs `ViewCounts` or
/// `Configure`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn coverage<C: ConnectionTrait>(db: &C, actor: &Actor, day: NaiveDate) -> ServiceResult<Coverage> {
    require_view(actor)?;
    let towns = deployment::in_scope(db, actor.scope, DivisionLevel::Town).await?.len() as u64;
    let mut covered: BTreeMap<String, ()> = BTreeMap::new();
    for w in workstation::Entity::find()
        .filter(workstation::Column::DivisionCode.starts_with(actor.scope.prefix()))
        .all(db)
        .await?
    {
        if w.opened_on.unwrap_or(Now::at(w.created_at).today) <= day {
            covered.insert(w.division_code, ());
        }
    }
    let covered = covered.len() as u64;
    Ok(Coverage { towns, covered, figure: Figure::rate(covered as i64, towns as i64) })
}
