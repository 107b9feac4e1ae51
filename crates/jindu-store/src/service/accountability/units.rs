//! 单位: who carries responsibility and is scored. The towns (乡镇（街道）) come from the division
//! list; the member units (成员单位) of the district's anti-drug committee are a register the office
//! keeps here. Both sign 责任书, own 规划任务 and are ranked in a 考评 run of their kind.
//!
//! A member unit sits at its district: it is in an actor's scope when the district is (the
//! district's office and anything above it), not for a town's users.

use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::responsibility::{member_unit_code, parse_member_unit_code};
use jindu_domain::{DivisionCode, DivisionLevel, Permission};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};

use crate::entities::member_unit;
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, deployment};

/// The kind of a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitKind {
    /// 乡镇（街道）: a town-level division.
    Town,
    /// 成员单位: a member unit of the committee.
    MemberUnit,
}

impl UnitKind {
    /// `乡镇（街道）` / `成员单位`.
    pub fn label_zh(self) -> &'static str {
        match self {
            UnitKind::Town => "乡镇（街道）",
            UnitKind::MemberUnit => "成员单位",
        }
    }
}

/// A unit: its code (12 digits for a town, `430405U07` for a member unit), name, the division it
/// sits at (its own code for a town, the district for a member unit) and its name path
/// (`湖南省/衡阳市/珠晖区/广东路街道`, `湖南省/衡阳市/珠晖区/区公安分局`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub division: DivisionCode,
    pub name_path: String,
    pub kind: UnitKind,
}

/// A member unit as registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberUnit {
    pub unit: Unit,
    /// 禁毒工作职责 (free text, may be empty).
    pub duties: String,
}

fn to_member(m: member_unit::Model, district: &deployment::Division) -> MemberUnit {
    MemberUnit {
        unit: Unit {
            name_path: format!("{}/{}", district.name_path, m.name),
            code: m.code,
            name: m.name,
            division: district.code,
            kind: UnitKind::MemberUnit,
        },
        duties: m.duties,
    }
}

fn town_unit(d: deployment::Division) -> Unit {
    Unit { code: d.code.to_string(), name: d.name, division: d.code, name_path: d.name_path, kind: UnitKind::Town }
}

/// The member units of the districts inside `scope` (and of the district containing it, when
/// `scope` is the district itself), by code.
async fn members_in<C: ConnectionTrait>(db: &C, scope: DivisionCode) -> ServiceResult<Vec<MemberUnit>> {
    let rows = member_unit::Entity::find().order_by_asc(member_unit::Column::Code).all(db).await?;
    let mut out = Vec::with_capacity(rows.len());
    let mut districts: Vec<deployment::Division> = Vec::new();
    for m in rows {
        let Ok(code) = m.division_code.parse::<DivisionCode>() else { continue };
        if !scope.contains(&code) {
            continue;
        }
        let district = match districts.iter().find(|d| d.code == code) {
            Some(d) => d.clone(),
            None => {
                let Some(d) = deployment::division_by_code(db, code).await? else { continue };
                districts.push(d.clone());
                d
            }
        };
        out.push(to_member(m, &district));
    }
    Ok(out)
}

/// The units inside `scope` of one kind (or both: the towns, then the member units), each kind
/// in code order.
///
/// # Errors
/// Store errors.
pub async fn in_scope<C: ConnectionTrait>(
    db: &C,
    scope: DivisionCode,
    kind: Option<UnitKind>,
) -> ServiceResult<Vec<Unit>> {
    let mut out = Vec::new();
    if kind != Some(UnitKind::MemberUnit) {
        out.extend(deployment::in_scope(db, scope, DivisionLevel::Town).await?.into_iter().map(town_unit));
    }
    if kind != Some(UnitKind::Town) {
        out.extend(members_in(db, scope).await?.into_iter().map(|m| m.unit));
    }
    Ok(out)
}

/// The unit of a code (a town's 12 digits or a member unit's code), if there is one.
///
/// # Errors
/// Store errors.
pub async fn by_code<C: ConnectionTrait>(db: &C, code: &str) -> ServiceResult<Option<Unit>> {
    let code = code.trim();
    if let Ok(c) = code.parse::<DivisionCode>() {
        return Ok(deployment::division_by_code(db, c)
            .await?
            .filter(|d| d.level == DivisionLevel::Town)
            .map(town_unit));
    }
    if parse_member_unit_code(code).is_none() {
        return Ok(None);
    }
    let Some(m) = member_unit::Entity::find_by_id(code.to_string()).one(db).await? else { return Ok(None) };
    let Ok(district) = m.division_code.parse::<DivisionCode>() else { return Ok(None) };
    let Some(district) = deployment::division_by_code(db, district).await? else { return Ok(None) };
    Ok(Some(to_member(m, &district).unit))
}

/// For a 成员单位 account, the one unit whose 责任书 and 规划任务 it sees: `Some(Some(code))`, or
/// `Some(None)` for an account not linked to a unit (it sees none); `None` for every other role,
/// whose data scope decides (issue #20 item 6).
pub fn member_unit_limit(actor: &Actor) -> Option<Option<&str>> {
    (actor.role == jindu_domain::Role::MemberUnit).then_some(actor.member_unit.as_deref())
}

/// The unit of `code` when it lies in the actor's scope (for a 成员单位 account: only its own
/// unit, [`member_unit_limit`]).
///
/// # Errors
/// Store errors.
pub async fn in_actor_scope<C: ConnectionTrait>(db: &C, actor: &Actor, code: &str) -> ServiceResult<Option<Unit>> {
    if let Some(own) = member_unit_limit(actor)
        && own != Some(code.trim())
    {
        return Ok(None);
    }
    Ok(by_code(db, code).await?.filter(|u| actor.scope.contains(&u.division)))
}

/// The register of member units in the actor's scope, by code. Needs `ViewCounts`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn member_units<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Vec<MemberUnit>> {
    actor.require(Permission::ViewCounts)?;
    members_in(db, actor.scope).await
}

/// A member unit as entered: its name (`区公安分局`) and duties.
#[derive(Debug, Clone, Default)]
pub struct MemberUnitForm {
    pub name: String,
    pub duties: String,
}

/// Registers a member unit of the deployment's district and returns its code (the next number
/// of the district: `430405U01`, `430405U02`…). Needs `ManageEvaluation` and the district within
/// the actor's scope. Audited `member_unit.create`.
///
/// # Errors
/// Forbidden; `Invalid` naming `name` (blank, over 50 characters, already registered, or an
/// actor below the district) or `duties` (over 500 characters); nothing stored. `Data`
/// before `jindu init`.
pub async fn create_member_unit<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    form: MemberUnitForm,
) -> ServiceResult<String> {
    actor.require(Permission::ManageEvaluation)?;
    let root = deployment::root(db).await?.ok_or_else(|| ServiceError::Data("no deployment root".into()))?;
    // The committee is the district's: the district of the deployment, or of the actor in a
    // city-wide one. A town's office cannot register one.
    let district = if root.level == DivisionLevel::County {
        Some(root).filter(|d| actor.scope.contains(&d.code))
    } else if actor.scope.level() == DivisionLevel::County {
        deployment::division_by_code(db, actor.scope).await?
    } else {
        None
    };
    let Some(district) = district else {
        return Err(FieldError::of("name", Message::new("msg.unit.scope")).into());
    };
    let name: String = form.name.split_whitespace().collect::<Vec<_>>().join(" ");
    let duties = form.duties.trim().to_string();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 50 {
        errors.push(FieldError::of("name", Message::new("msg.unit.name")));
    }
    if duties.chars().count() > 500 {
        errors.push(FieldError::of("duties", Message::new("msg.unit.duties")));
    }
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let kept = member_unit::Entity::find()
        .filter(member_unit::Column::DivisionCode.eq(district.code.to_string()))
        .all(&txn)
        .await?;
    if !name.is_empty() && kept.iter().any(|m| m.name == name) {
        errors.push(FieldError::of("name", Message::new("msg.unit.duplicate").text("name", &name)));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Invalid(errors));
    }
    let number = kept.iter().map(|m| m.number).max().unwrap_or(0) + 1;
    let code = member_unit_code(district.code, u32::try_from(number).unwrap_or(u32::MAX));
    member_unit::ActiveModel {
        code: Set(code.clone()),
        name: Set(name.clone()),
        division_code: Set(district.code.to_string()),
        duties: Set(duties),
        number: Set(number),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
    }
    .insert(&txn)
    .await?;
    txn.audit(audit::Entry::ok("member_unit.create", "member_unit", code.clone()).with_detail(name)).await?;
    txn.commit().await?;
    Ok(code)
}
