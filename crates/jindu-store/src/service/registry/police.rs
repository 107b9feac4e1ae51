//! 公安月报 the police monthly form: one row per police unit (a county bureau or a town's
//! station, by division code) and month. Filing or correcting a form adds the difference to the
//! indicator cells in the same transaction, like every other write.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::indicator::police::{PoliceMonth, parse_count, parse_grams, seized_fields};
use jindu_domain::indicator::{Month, Period};
use jindu_domain::{DivisionCode, DivisionLevel, DomainError, Permission};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use serde::{Deserialize, Serialize};

use crate::entities::police_report;
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, indicators, scope_bounds};

/// The form as typed: month `2026-10`, the unit's division code (empty = the user's own),
/// counts and grams as text, and the version read (empty for a new form).
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct PoliceInput {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub division: String,
    #[serde(default)]
    pub cases_solved: String,
    #[serde(default)]
    pub suspects_arrested: String,
    #[serde(default)]
    pub users_dealt: String,
    /// Grams by field name (`seized_heroin`, …); other fields of the form are ignored.
    #[serde(flatten)]
    pub seized: BTreeMap<String, String>,
    #[serde(default)]
    pub version: String,
}

/// One filed form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoliceRow {
    pub division_code: String,
    pub month: Month,
    pub figures: PoliceMonth,
    pub filed_at: chrono::DateTime<chrono::Utc>,
    pub version: i32,
}

/// Validates the form; every problem at once, naming its field.
fn parse(
    actor: &Actor,
    today: NaiveDate,
    input: &PoliceInput,
) -> Result<(DivisionCode, Month, PoliceMonth), ServiceError> {
    let mut errors: Vec<FieldError> = Vec::new();
    let mut keep = |r: Result<u32, DomainError>| r.map_err(|e| errors.push(e.into())).unwrap_or(0);
    let cases_solved = keep(parse_count("cases_solved", &input.cases_solved));
    let suspects_arrested = keep(parse_count("suspects_arrested", &input.suspects_arrested));
    let users_dealt = keep(parse_count("users_dealt", &input.users_dealt));
    let mut seized_mg = BTreeMap::new();
    for (s, field) in seized_fields() {
        match parse_grams(field, input.seized.get(field).map_or("", |v| v.as_str())) {
            Ok(0) => {}
            Ok(mg) => {
                seized_mg.insert(s, mg);
            }
            Err(e) => errors.push(e.into()),
        }
    }
    let month = match Period::parse(&input.month) {
        Ok(Period::Month(m)) if m <= Month::of(today) => Some(m),
        Ok(Period::Month(m)) => {
            errors
                .push(DomainError::DateInFuture { field: "month", date: m.first_day().unwrap_or(today), today }.into());
            None
        }
        Ok(_) | Err(_) => {
            errors.push(
                DomainError::InvalidPeriod { field: "month", input: input.month.trim().chars().take(40).collect() }
                    .into(),
            );
            None
        }
    };
    let division = if input.division.trim().is_empty() {
        Some(actor.scope)
    } else {
        match DivisionCode::parse(&input.division) {
            Ok(d) if actor.scope.contains(&d) => Some(d),
            Ok(_) => {
                errors.push(DomainError::OutOfScope { field: "division" }.into());
                None
            }
            Err(e) => {
                errors.push(e.into());
                None
            }
        }
    };
    let division = match division {
        Some(d) if matches!(d.level(), DivisionLevel::Village) => d.parent(),
        other => other,
    };
    match (division, month) {
        (Some(d), Some(m)) if errors.is_empty() => {
            Ok((d, m, PoliceMonth { cases_solved, suspects_arrested, users_dealt, seized_mg }))
        }
        _ => Err(ServiceError::Invalid(errors)),
    }
}

/// Files or corrects the form of a unit for a month (all or nothing): the difference to the
/// form on file goes into the indicator cells of the unit and every jurisdiction above it.
/// A correction must carry the version read (else [`ServiceError::Conflict`]).
///
/// # Errors
/// [`ServiceError::Forbidden`] without `ReportPolice`; [`ServiceError::Invalid`] naming every
/// bad field (counts 0–1,000,000, grams with at most three decimals, a month not in the future,
/// a unit within the user's scope).
pub async fn file<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    input: &PoliceInput,
) -> ServiceResult<()> {
    actor.require(Permission::ReportPolice)?;
    let (division, month, figures) = parse(actor, now.today, input)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ReportPolice).await?;
    let code = division.to_string();
    let old = police_report::Entity::find_by_id((code.clone(), month.0)).one(&txn).await?;
    let (old_figures, version) = match &old {
        Some(o) => {
            if input.version.trim() != o.version.to_string() {
                return Err(ServiceError::Conflict);
            }
            (indicators::police_figures(o)?, o.version + 1)
        }
        None => (PoliceMonth::default(), 1),
    };
    let seized: BTreeMap<&str, u64> = figures.seized_mg.iter().map(|(s, v)| (s.as_code(), *v)).collect();
    let row = police_report::ActiveModel {
        division_code: Set(code.clone()),
        month: Set(month.0),
        cases_solved: Set(figures.cases_solved as i32),
        suspects_arrested: Set(figures.suspects_arrested as i32),
        users_dealt: Set(figures.users_dealt as i32),
        seized_mg: Set(serde_json::to_string(&seized).map_err(|e| ServiceError::Data(e.to_string()))?),
        filed_by: Set(Some(actor.user_id)),
        filed_at: Set(now.instant),
        version: Set(version),
    };
    if old.is_some() {
        police_report::Entity::update(row).exec(&txn).await?;
    } else {
        police_report::Entity::insert(row).exec(&txn).await?;
    }
    let delta = figures.contribution(month).minus(&old_figures.contribution(month));
    indicators::apply(&txn, &code, &delta).await?;
    txn.audit(
        audit::Entry::ok(if old.is_some() { "police.correct" } else { "police.file" }, "police_report", &code)
            .with_detail(format!(
                "{month} cases {} arrests {} users {} seized_mg {}",
                figures.cases_solved,
                figures.suspects_arrested,
                figures.users_dealt,
                figures.seized_total_mg()
            )),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// The forms filed within the actor's scope, newest month first (at most `limit`).
pub async fn list<C: ConnectionTrait>(db: &C, actor: &Actor, limit: u64) -> ServiceResult<Vec<PoliceRow>> {
    if !actor.can(Permission::ReportPolice) && !actor.can(Permission::ViewCounts) {
        return Err(ServiceError::Forbidden(Permission::ReportPolice));
    }
    use sea_orm::QuerySelect;
    let (lo, hi) = scope_bounds(&actor.scope);
    police_report::Entity::find()
        .filter(police_report::Column::DivisionCode.between(lo, hi))
        .order_by_desc(police_report::Column::Month)
        .order_by_asc(police_report::Column::DivisionCode)
        .limit(limit)
        .all(db)
        .await?
        .iter()
        .map(|r| {
            Ok(PoliceRow {
                division_code: r.division_code.clone(),
                month: Month(r.month),
                figures: indicators::police_figures(r)?,
                filed_at: r.filed_at,
                version: r.version,
            })
        })
        .collect()
}

/// The 公安月报 form needs `ReportPolice`: checked before the query (month, unit) is read, so a
/// role without it is refused (403) before any 422.
///
/// # Errors
/// Forbidden.
pub fn authorize_form(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ReportPolice)
}

/// The form of one unit and month, if filed (within the actor's scope).
pub async fn get<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    division: &DivisionCode,
    month: Month,
) -> ServiceResult<Option<PoliceRow>> {
    actor.require(Permission::ReportPolice)?;
    if !actor.scope.contains(division) {
        return Err(ServiceError::NotFound("police_report"));
    }
    let Some(r) = police_report::Entity::find_by_id((division.to_string(), month.0)).one(db).await? else {
        return Ok(None);
    };
    Ok(Some(PoliceRow {
        division_code: r.division_code.clone(),
        month: Month(r.month),
        figures: indicators::police_figures(&r)?,
        filed_at: r.filed_at,
        version: r.version,
    }))
}
