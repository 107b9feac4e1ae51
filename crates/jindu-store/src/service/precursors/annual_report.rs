//! 年度报告 an enterprise's annual report (MODULES §1.4: by 31 March, last year's production,
//! trade, purchase … per chemical; P-12) worked out from its own ledger: per chemical the opening
//! stock on 1 January, what came in (购入, 生产, 退回) and went out (销售, 使用, 丢失, 销毁) during
//! the year, the closing book stock on 31 December, and the last stock-take of the year. A
//! reversing entry counts against the kind it reverses (netted), never as a movement of its own.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use jindu_domain::Permission;
use jindu_domain::clock::Now;
use jindu_domain::precursor::ledger::MovementKind;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::enterprises::load_visible;
use crate::entities::{precursor_movement as mv, precursor_stock_take as st};
use crate::service::{Actor, ServiceError, ServiceResult};

/// One chemical of the report, quantities in whole g or mL (`measure`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReportLine {
    /// Catalogue entry id.
    pub entry: String,
    /// 名称 (in force on 31 December, else the last version).
    pub name: String,
    /// Category 1–3.
    pub category: u8,
    /// `g` or `mL`.
    pub measure: String,
    /// 期初库存 on 1 January.
    pub opening: i64,
    /// 购入.
    pub purchased: i64,
    /// 生产.
    pub produced: i64,
    /// 退回 (returned by buyers).
    pub returned: i64,
    /// 销售.
    pub sold: i64,
    /// 使用.
    pub used: i64,
    /// 丢失.
    pub lost: i64,
    /// 销毁.
    pub destroyed: i64,
    /// 期末账面库存 on 31 December: opening + in − out.
    pub closing: i64,
    /// The last stock-take of the year: its day and the quantity counted over every warehouse
    /// (each warehouse's last count of the year).
    pub last_count: Option<(NaiveDate, i64)>,
}

/// The report.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AnnualReport {
    pub enterprise_id: Uuid,
    pub name: String,
    pub credit_code: String,
    pub address: String,
    pub year: i32,
    pub lines: Vec<ReportLine>,
}

/// The annual report of `enterprise` for `year` (`YYYY`, 2000 to the current year). Needs
/// `ViewEnterprises`; the enterprise within the actor's scope (a 企业 account: its own), else
/// `NotFound`. Lines by catalogue entry id; a chemical appears when the enterprise held or moved
/// it up to the end of the year or counted it during the year.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming `year`; Db.
pub async fn annual_report<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    year: &str,
) -> ServiceResult<AnnualReport> {
    actor.require(Permission::ViewEnterprises)?;
    let this_year = u64::try_from(now.today.year()).unwrap_or(2000);
    let mut c = jindu_domain::query::Check::new();
    let y = c.take(jindu_domain::query::number("year", year, 2000, this_year));
    crate::service::query_checked(c)?;
    let e = load_visible(db, actor, enterprise).await?;
    let year = match y.and_then(|y| i32::try_from(y).ok()) {
        Some(y) => y,
        None => now.today.year() - 1,
    };
    let (first, last) = match (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) {
        (Some(f), Some(l)) => (f, l),
        _ => return Err(ServiceError::Data(format!("year {year}"))),
    };
    let catalogue = super::catalogue::current(db).await?;
    let movements = mv::Entity::find()
        .filter(mv::Column::EnterpriseId.eq(enterprise))
        .filter(mv::Column::OccurredOn.lte(last))
        .all(db)
        .await?;
    let mut lines: BTreeMap<String, ReportLine> = BTreeMap::new();
    let line = |lines: &mut BTreeMap<String, ReportLine>, entry: &str, measure: &str, category: i32| {
        lines.entry(entry.to_string()).or_insert_with(|| ReportLine {
            entry: entry.to_string(),
            measure: measure.to_string(),
            category: u8::try_from(category).unwrap_or(0),
            ..Default::default()
        });
    };
    for m in &movements {
        let kind =
            MovementKind::from_code(&m.kind).ok_or_else(|| ServiceError::Data(format!("movement kind {}", m.kind)))?;
        line(&mut lines, &m.entry, &m.measure, m.category);
        let Some(l) = lines.get_mut(&m.entry) else { continue };
        // A reversing entry takes back what its original did.
        let q = if m.reverses.is_some() { -m.quantity } else { m.quantity };
        if m.occurred_on < first {
            l.opening += kind.sign() * q;
            continue;
        }
        match kind {
            MovementKind::Purchase => l.purchased += q,
            MovementKind::Production => l.produced += q,
            MovementKind::Return => l.returned += q,
            MovementKind::Sale => l.sold += q,
            MovementKind::Use => l.used += q,
            MovementKind::Loss => l.lost += q,
            MovementKind::Destruction => l.destroyed += q,
        }
    }
    let takes = st::Entity::find()
        .filter(st::Column::EnterpriseId.eq(enterprise))
        .filter(st::Column::CountedOn.between(first, last))
        .all(db)
        .await?;
    // Each warehouse's last count of the year, per chemical.
    let mut last_by_wh: BTreeMap<(String, Uuid), (NaiveDate, i64)> = BTreeMap::new();
    for t in &takes {
        let k = (t.entry.clone(), t.warehouse_id);
        if last_by_wh.get(&k).is_none_or(|(d, _)| t.counted_on > *d) {
            last_by_wh.insert(k, (t.counted_on, t.counted));
        }
    }
    for ((entry, _), (day, counted)) in last_by_wh {
        if !lines.contains_key(&entry) {
            let (measure, category) = catalogue
                .entry_on(&entry, day)
                .map_or(("g", 0), |e| (e.measure.as_code(), e.category.as_code().parse::<i32>().unwrap_or(0)));
            line(&mut lines, &entry, measure, category);
        }
        if let Some(l) = lines.get_mut(&entry) {
            l.last_count = Some(match l.last_count {
                Some((d, n)) => (d.max(day), n + counted),
                None => (day, counted),
            });
        }
    }
    let mut out: Vec<ReportLine> = lines.into_values().collect();
    for l in &mut out {
        l.closing = l.opening + l.purchased + l.produced + l.returned - l.sold - l.used - l.lost - l.destroyed;
        let entry =
            catalogue.entry_on(&l.entry, last).or_else(|| catalogue.entries().iter().rev().find(|e| e.id == l.entry));
        l.name = entry.map_or_else(|| l.entry.clone(), |e| e.name_zh.clone());
    }
    Ok(AnnualReport {
        enterprise_id: e.id,
        name: e.name,
        credit_code: e.credit_code,
        address: e.registered_address,
        year,
        lines: out,
    })
}
