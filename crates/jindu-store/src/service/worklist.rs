//! 我的工作台 the worklist (due today, overdue, this week) and the district overview counts.
//! Both read obligations and persons through range reads on (division_code, due_date) and
//! (division_code, control_status) indexes bounded by the actor's scope.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::days::{add_days, overdue_days};
use jindu_domain::indicator::Headcount;
use jindu_domain::{ControlStatus, DivisionLevel, MeasureKind, ObligationKind, Permission};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait};
use uuid::Uuid;

use super::{Actor, ServiceResult, deployment, scope_bounds, stored};
use crate::entities::{measure, obligation, person};

/// One line of the worklist.
#[derive(Debug, Clone)]
pub struct DueItem {
    pub person_id: Uuid,
    pub name: String,
    pub id_number_masked: String,
    pub kind: ObligationKind,
    pub due_date: NaiveDate,
    /// Positive = days overdue; 0 = due today; negative = days until due.
    pub overdue_days: i64,
}

/// The worklist: what is overdue, due today, and due within the next 7 days.
#[derive(Debug, Clone, Default)]
pub struct Worklist {
    pub overdue: Vec<DueItem>,
    pub today: Vec<DueItem>,
    pub this_week: Vec<DueItem>,
}

/// Most rows shown per worklist section; counts stay exact.
pub const WORKLIST_LIMIT: u64 = 500;

/// The worklist of the actor: obligations in scope (a social worker: own caseload) due on or
/// before today + 7 days, split into overdue / today / this week.
pub async fn worklist<C: ConnectionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
) -> ServiceResult<Worklist> {
    worklist_up_to(db, vault, actor, now, Some(WORKLIST_LIMIT * 3)).await
}

/// The worklist with at most `limit` obligations read (`None`: all, for an export).
pub async fn worklist_up_to<C: ConnectionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    limit: Option<u64>,
) -> ServiceResult<Worklist> {
    actor.require(Permission::ViewPersons)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let horizon = add_days(now.today, 7);
    let mut q = obligation::Entity::find()
        .filter(obligation::Column::DivisionCode.between(lo, hi))
        .filter(obligation::Column::DueDate.lte(horizon));
    if actor.caseload_only() {
        q = q.filter(obligation::Column::SocialWorkerId.eq(actor.user_id));
    }
    let obligations = q.order_by_asc(obligation::Column::DueDate).limit(limit).all(db).await?;
    let ids: Vec<Uuid> = obligations.iter().map(|o| o.person_id).collect();
    let mut persons = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            persons.insert(p.id, p);
        }
    }
    let mut out = Worklist::default();
    for o in obligations {
        let Some(p) = persons.get(&o.person_id) else {
            continue;
        };
        let row = p.id.to_string();
        let id_number = vault.open("person", "id_number", &row, &p.id_number)?;
        let masked = jindu_domain::IdNumber::parse(&id_number).map(|n| n.masked()).unwrap_or_default();
        let item = DueItem {
            person_id: p.id,
            name: vault.open("person", "name", &row, &p.name)?,
            id_number_masked: masked,
            kind: stored("obligation kind", &o.kind, ObligationKind::from_code)?,
            due_date: o.due_date,
            overdue_days: overdue_days(o.due_date, now.today),
        };
        match item.overdue_days {
            d if d > 0 => out.overdue.push(item),
            0 => out.today.push(item),
            _ => out.this_week.push(item),
        }
    }
    Ok(out)
}

/// Counts for a district overview. The counts of persons are those of
/// [`jindu_domain::indicator::Headcount`], as on the 驾驶舱 and the person list.
#[derive(Debug, Clone, Default)]
pub struct Overview {
    /// Every person record in scope, whatever the status (档案总数).
    pub total: u64,
    /// 在册, 在控 (含羁押), 失控, 出境, 戒断三年, 死亡, 解除 ([`Headcount::ALL`]).
    pub headcounts: Vec<(Headcount, u64)>,
    pub by_status: Vec<(ControlStatus, u64)>,
    pub by_measure: Vec<(MeasureKind, u64)>,
    /// Per town: code, name, total, under control, lost, overdue obligations.
    pub by_town: Vec<TownRow>,
    pub overdue_persons: u64,
}

/// One town's line of the overview.
#[derive(Debug, Clone)]
pub struct TownRow {
    pub code: String,
    pub name: String,
    /// Every record of the town.
    pub total: u64,
    /// 在册 ([`Headcount::Registered`]).
    pub registered: u64,
    /// 在控, custody included ([`Headcount::UnderControl`]).
    pub under_control: u64,
    /// 失控 ([`Headcount::Lost`]).
    pub lost: u64,
    pub overdue: u64,
}

impl Overview {
    /// One of the [`Headcount`]s.
    pub fn headcount(&self, h: Headcount) -> u64 {
        self.headcounts.iter().find(|(k, _)| *k == h).map_or(0, |(_, n)| *n)
    }
}

/// Counts by status, by open measure and by town within the actor's scope (a social worker: their
/// own caseload, as their person list), computed by grouped counts over indexed columns (no
/// person rows are loaded).
pub async fn overview<C: ConnectionTrait>(db: &C, actor: &Actor, now: Now) -> ServiceResult<Overview> {
    actor.require(Permission::ViewCounts)?;
    let (lo, hi) = scope_bounds(&actor.scope);
    let mine = actor.caseload_only().then_some(actor.user_id);
    let rows: Vec<(String, String, i64)> = person::Entity::find()
        .select_only()
        .column(person::Column::TownCode)
        .column(person::Column::ControlStatus)
        .column_as(Expr::from(Func::count(Expr::col(person::Column::Id))), "n")
        .filter(person::Column::DivisionCode.between(lo.clone(), hi.clone()))
        .apply_if(mine, |q, id| q.filter(person::Column::SocialWorkerId.eq(id)))
        .group_by(person::Column::TownCode)
        .group_by(person::Column::ControlStatus)
        .into_tuple()
        .all(db)
        .await?;
    let mut by_status: BTreeMap<ControlStatus, u64> = ControlStatus::ALL.iter().map(|s| (*s, 0)).collect();
    let mut towns: BTreeMap<String, TownRow> = BTreeMap::new();
    for d in deployment::in_scope(db, actor.scope, DivisionLevel::Town).await? {
        let code = d.code.to_string();
        towns.insert(
            code.clone(),
            TownRow { code, name: d.name, total: 0, registered: 0, under_control: 0, lost: 0, overdue: 0 },
        );
    }
    let mut total = 0;
    for (town, status, n) in rows {
        let n = u64::try_from(n).unwrap_or(0);
        let status = stored("control_status", &status, ControlStatus::from_code)?;
        *by_status.entry(status).or_default() += n;
        total += n;
        if let Some(t) = towns.get_mut(&town) {
            t.total += n;
            let counts = |h: Headcount| if h.includes(status) { n } else { 0 };
            t.registered += counts(Headcount::Registered);
            t.under_control += counts(Headcount::UnderControl);
            t.lost += counts(Headcount::Lost);
        }
    }
    let measures: Vec<(String, i64)> = measure::Entity::find()
        .select_only()
        .column(measure::Column::Kind)
        .column_as(Expr::from(Func::count(Expr::col(measure::Column::Id))), "n")
        .filter(measure::Column::EndedOn.is_null())
        .filter(
            measure::Column::PersonId.in_subquery(
                sea_orm::sea_query::Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(person::Column::DivisionCode.between(lo.clone(), hi.clone()))
                    .and_where_option(mine.map(|id| person::Column::SocialWorkerId.eq(id)))
                    .to_owned(),
            ),
        )
        .group_by(measure::Column::Kind)
        .into_tuple()
        .all(db)
        .await?;
    let by_measure = MeasureKind::ALL
        .iter()
        .map(|k| {
            (
                *k,
                measures
                    .iter()
                    .find(|(c, _)| c == k.as_code())
                    .map(|(_, n)| u64::try_from(*n).unwrap_or(0))
                    .unwrap_or(0),
            )
        })
        .collect();
    let overdue: Vec<(String, i64)> = obligation::Entity::find()
        .select_only()
        .column(obligation::Column::DivisionCode)
        .column_as(Expr::from(Func::count_distinct(Expr::col(obligation::Column::PersonId))), "n")
        .filter(obligation::Column::DivisionCode.between(lo, hi))
        .apply_if(mine, |q, id| q.filter(obligation::Column::SocialWorkerId.eq(id)))
        .filter(obligation::Column::DueDate.lt(now.today))
        .group_by(obligation::Column::DivisionCode)
        .into_tuple()
        .all(db)
        .await?;
    let mut overdue_persons = 0;
    for (code, n) in overdue {
        let n = u64::try_from(n).unwrap_or(0);
        overdue_persons += n;
        if let Some(t) = towns.values_mut().find(|t| code.starts_with(&t.code[..9])) {
            t.overdue += n;
        }
    }
    let headcounts = Headcount::ALL
        .iter()
        .map(|h| {
            let n = h.count(|s| by_status.get(&s).map_or(0, |n| i64::try_from(*n).unwrap_or(i64::MAX)));
            (*h, u64::try_from(n).unwrap_or(0))
        })
        .collect();
    Ok(Overview {
        total,
        headcounts,
        by_status: by_status.into_iter().collect(),
        by_measure,
        by_town: towns.into_values().collect(),
        overdue_persons,
    })
}
