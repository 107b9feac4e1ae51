//! 我的工作台 the worklist (due today, overdue, this week) and the district overview counts.
//! Both read obligations and persons through range reads on (division_code, due_date) and
//! (division_code, control_status) indexes bounded by the actor's scope.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::days::{add_days, overdue_days};
use jindu_domain::indicator::Headcount;
use jindu_domain::{ControlStatus, DivisionCode, DivisionLevel, MeasureKind, ObligationKind, Permission};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use uuid::Uuid;

use crate::entities::{measure, obligation, person};
use crate::service::{Actor, Page, ServiceResult, deployment, scope_bounds, stored};

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
    worklist_filtered(db, vault, actor, now, &CheckedWorklistFilter::default(), limit).await
}

/// [`worklist_up_to`] narrowed to one town and/or one kind of duty (the workbench's filter; its
/// list and page are not used), for the exports of the workbench's lists.
pub async fn worklist_filtered<C: ConnectionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    filter: &CheckedWorklistFilter,
    limit: Option<u64>,
) -> ServiceResult<Worklist> {
    actor.require(Permission::ViewPersons)?;
    let horizon = add_days(now.today, 7);
    let q = in_scope(actor, filter).filter(obligation::Column::DueDate.lte(horizon));
    let obligations = q.order_by_asc(obligation::Column::DueDate).limit(limit).all(db).await?;
    let mut out = Worklist::default();
    for item in items(db, vault, now, obligations).await? {
        match item.overdue_days {
            d if d > 0 => out.overdue.push(item),
            0 => out.today.push(item),
            _ => out.this_week.push(item),
        }
    }
    Ok(out)
}

/// The obligations the actor sees (scope; a social worker: own caseload), narrowed by the
/// filter's town and kind.
fn in_scope(actor: &Actor, filter: &CheckedWorklistFilter) -> sea_orm::Select<obligation::Entity> {
    let (lo, hi) = scope_bounds(&actor.scope);
    let mut q = obligation::Entity::find().filter(obligation::Column::DivisionCode.between(lo, hi));
    if actor.caseload_only() {
        q = q.filter(obligation::Column::SocialWorkerId.eq(actor.user_id));
    }
    if let Some(t) = filter.town {
        let (lo, hi) = scope_bounds(&t);
        q = q.filter(obligation::Column::DivisionCode.between(lo, hi));
    }
    if let Some(k) = filter.kind {
        q = q.filter(obligation::Column::Kind.eq(k.as_code()));
    }
    q
}

/// The lines of `obligations` (in their order), with the persons' names opened from the vault.
async fn items<C: ConnectionTrait>(
    db: &C,
    vault: &crate::Vault,
    now: Now,
    obligations: Vec<obligation::Model>,
) -> ServiceResult<Vec<DueItem>> {
    let ids: Vec<Uuid> = obligations.iter().map(|o| o.person_id).collect();
    let mut persons = BTreeMap::new();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Id.is_in(chunk.to_vec())).all(db).await? {
            persons.insert(p.id, p);
        }
    }
    let mut out = Vec::with_capacity(obligations.len());
    for o in obligations {
        let Some(p) = persons.get(&o.person_id) else {
            continue;
        };
        let row = p.id.to_string();
        let id_number = vault.open("person", "id_number", &row, &p.id_number)?;
        let masked = jindu_domain::IdNumber::parse(&id_number).map(|n| n.masked()).unwrap_or_default();
        out.push(DueItem {
            person_id: p.id,
            name: vault.open("person", "name", &row, &p.name)?,
            id_number_masked: masked,
            kind: stored("obligation kind", &o.kind, ObligationKind::from_code)?,
            due_date: o.due_date,
            overdue_days: overdue_days(o.due_date, now.today),
        });
    }
    Ok(out)
}

/// One of the three lists of the workbench.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DueList {
    /// Due before today.
    Overdue,
    /// Due today.
    Today,
    /// Due in the next 7 days after today.
    Week,
}

impl DueList {
    /// Every list, in the page's order.
    pub const ALL: &'static [DueList] = &[DueList::Overdue, DueList::Today, DueList::Week];

    /// Query code: `overdue`, `today`, `week`.
    pub fn as_code(self) -> &'static str {
        match self {
            DueList::Overdue => "overdue",
            DueList::Today => "today",
            DueList::Week => "week",
        }
    }
}

/// The workbench's query as typed: `town` (9-digit code), `kind` (obligation kind code), `list`
/// (`overdue`, `today`, `week`; empty: the three lists, each its first page) and `page`.
#[derive(Debug, Clone, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct WorklistFilter {
    pub town: String,
    pub kind: String,
    pub list: String,
    pub page: String,
}

/// A [`WorklistFilter`] read strictly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckedWorklistFilter {
    pub town: Option<DivisionCode>,
    pub kind: Option<ObligationKind>,
    pub list: Option<DueList>,
    /// 1-based page of `list` (1 when no list is chosen).
    pub page: u64,
}

impl WorklistFilter {
    /// Reads the query strictly ([`jindu_domain::query`]): `town` a 9-digit town inside the
    /// actor's scope, `kind` an obligation kind code, `list` one of the three lists, `page` 1 to
    /// 1,000,000.
    ///
    /// # Errors
    /// `Invalid` naming every refused parameter.
    pub fn check(&self, actor: &Actor) -> ServiceResult<CheckedWorklistFilter> {
        // The lists are of persons: the permission before the query (403, then 422).
        actor.require(Permission::ViewPersons)?;
        use jindu_domain::query;
        let mut c = query::Check::new();
        let f = CheckedWorklistFilter {
            town: c.take(query::division("town", &self.town, DivisionLevel::Town, &actor.scope)),
            kind: c.take(query::choice("kind", &self.kind, ObligationKind::ALL, ObligationKind::as_code)),
            list: c.take(query::choice("list", &self.list, DueList::ALL, DueList::as_code)),
            page: c.take(query::page("page", &self.page)),
        };
        crate::service::query_checked(c)?;
        Ok(f)
    }
}

/// Lines per page of a workbench list.
pub const WORKBENCH_PER_PAGE: u64 = 50;

/// One line of the workbench's summary: the duties of one town and kind, per list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupRow {
    /// The town's 9-digit code.
    pub town: String,
    /// The town's name (the code when the division list does not know it).
    pub town_name: String,
    pub kind: ObligationKind,
    pub overdue: u64,
    pub today: u64,
    pub week: u64,
}

/// The 工作台: the figures of the whole scope, the duties grouped by town and kind, and the
/// three lists narrowed by the filter, one page each.
#[derive(Debug, Clone)]
pub struct Workbench {
    /// Exact counts of the whole scope (the filter not applied): overdue, today, next 7 days.
    pub overdue_total: u64,
    pub today_total: u64,
    pub week_total: u64,
    /// Towns × kinds with at least one duty, by town code then kind.
    pub groups: Vec<GroupRow>,
    /// Each list with the filter's town and kind, a page of [`WORKBENCH_PER_PAGE`] (the chosen
    /// list at the filter's page, the others at page 1).
    pub overdue: Page<DueItem>,
    pub today: Page<DueItem>,
    pub week: Page<DueItem>,
}

/// The date bounds of a list: (first due date, last due date), both inclusive.
fn bounds(list: DueList, today: NaiveDate) -> (Option<NaiveDate>, NaiveDate) {
    match list {
        DueList::Overdue => (None, add_days(today, -1)),
        DueList::Today => (Some(today), today),
        DueList::Week => (Some(add_days(today, 1)), add_days(today, 7)),
    }
}

/// The workbench of the actor (a social worker: own caseload). Counts are grouped reads over
/// the index `(division_code, due_date)`, bounded by communities × kinds; each list reads one
/// page of obligations. Needs `ViewPersons`.
pub async fn workbench<C: ConnectionTrait>(
    db: &C,
    vault: &crate::Vault,
    actor: &Actor,
    now: Now,
    filter: &CheckedWorklistFilter,
) -> ServiceResult<Workbench> {
    actor.require(Permission::ViewPersons)?;
    let names: BTreeMap<String, String> = deployment::in_scope(db, actor.scope, DivisionLevel::Town)
        .await?
        .into_iter()
        .map(|d| (d.code.prefix(), d.name))
        .collect();
    let mut groups: BTreeMap<(String, ObligationKind), GroupRow> = BTreeMap::new();
    let mut totals = [0u64; 3];
    for (i, list) in DueList::ALL.iter().enumerate() {
        let (from, to) = bounds(*list, now.today);
        let rows: Vec<(String, String, i64)> = in_scope(actor, &CheckedWorklistFilter::default())
            .select_only()
            .column(obligation::Column::DivisionCode)
            .column(obligation::Column::Kind)
            .column_as(Expr::from(Func::count(Expr::col(obligation::Column::PersonId))), "n")
            .apply_if(from, |q, d| q.filter(obligation::Column::DueDate.gte(d)))
            .filter(obligation::Column::DueDate.lte(to))
            .group_by(obligation::Column::DivisionCode)
            .group_by(obligation::Column::Kind)
            .into_tuple()
            .all(db)
            .await?;
        for (code, kind, n) in rows {
            let n = u64::try_from(n).unwrap_or(0);
            let kind = stored("obligation kind", &kind, ObligationKind::from_code)?;
            let town: String = code.chars().take(9).collect();
            let row = groups.entry((town.clone(), kind)).or_insert_with(|| GroupRow {
                town_name: names.get(&town).cloned().unwrap_or_else(|| town.clone()),
                town,
                kind,
                overdue: 0,
                today: 0,
                week: 0,
            });
            match list {
                DueList::Overdue => row.overdue += n,
                DueList::Today => row.today += n,
                DueList::Week => row.week += n,
            }
            if let Some(t) = totals.get_mut(i) {
                *t += n;
            }
        }
    }
    let mut pages = Vec::with_capacity(3);
    for list in DueList::ALL {
        let page = if filter.list == Some(*list) { filter.page } else { 1 };
        let (from, to) = bounds(*list, now.today);
        let q = in_scope(actor, filter)
            .apply_if(from, |q, d| q.filter(obligation::Column::DueDate.gte(d)))
            .filter(obligation::Column::DueDate.lte(to));
        let total = q.clone().count(db).await?;
        let page = crate::service::page_within(page, total, WORKBENCH_PER_PAGE);
        let rows = q
            .order_by_asc(obligation::Column::DueDate)
            .order_by_asc(obligation::Column::DivisionCode)
            .order_by_asc(obligation::Column::PersonId)
            .order_by_asc(obligation::Column::Kind)
            .offset((page - 1) * WORKBENCH_PER_PAGE)
            .limit(WORKBENCH_PER_PAGE)
            .all(db)
            .await?;
        pages.push(Page { rows: items(db, vault, now, rows).await?, page, per_page: WORKBENCH_PER_PAGE, total });
    }
    let mut pages = pages.into_iter();
    let [overdue_total, today_total, week_total] = totals;
    let empty = || Page { rows: Vec::new(), page: 1, per_page: WORKBENCH_PER_PAGE, total: 0 };
    Ok(Workbench {
        overdue_total,
        today_total,
        week_total,
        groups: groups.into_values().collect(),
        overdue: pages.next().unwrap_or_else(empty),
        today: pages.next().unwrap_or_else(empty),
        week: pages.next().unwrap_or_else(empty),
    })
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
