//! 预警提醒 the alerts inbox of one user: the open alerts of the kinds their role receives
//! (`jindu_domain::alert::audience`), within their scope (a social worker: their caseload),
//! less those they acknowledged. Acknowledging (已阅) is per user, with an optional note.

use chrono::NaiveDate;
use jindu_domain::alert::kinds_for;
use jindu_domain::breach::Ground;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::{AlertKind, Permission};
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};
use uuid::Uuid;

use crate::entities::{alert, alert_ack, person};
use crate::service::{Actor, ServiceError, ServiceResult, audit, scope_bounds, stored};
use crate::vault::Vault;

/// One alert as the inbox shows it.
#[derive(Debug, Clone)]
pub struct AlertView {
    pub id: Uuid,
    pub person_id: Uuid,
    pub person_name: String,
    pub kind: AlertKind,
    pub ref_date: NaiveDate,
    /// Days past (positive) or before (negative) the reference day, as of today.
    pub days: i64,
    /// For a serious breach: the grounds met, as catalogue messages.
    pub grounds: Vec<Message>,
    /// For a serious breach: the ids of the evidence events.
    pub evidence: Vec<Uuid>,
    /// For a serious breach: the day it was reported to the police.
    pub reported_on: Option<NaiveDate>,
    /// For an overdue duty or a report deadline: which duty.
    pub duty: Option<jindu_domain::ObligationKind>,
    pub raised_at: chrono::DateTime<chrono::Utc>,
    /// The viewer's acknowledgement: when, and the note.
    pub acked: Option<(chrono::DateTime<chrono::Utc>, Option<String>)>,
}

/// Counts per kind for the 工作台 (unacknowledged only), in the order of `AlertKind::ALL`.
#[derive(Debug, Clone, Default)]
pub struct AlertCounts {
    pub total: u64,
    pub by_kind: Vec<(AlertKind, u64)>,
}

/// The open alerts of the actor's kinds in scope, with the actor's acknowledgements.
async fn open_for<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> ServiceResult<Vec<(alert::Model, Option<alert_ack::Model>)>> {
    let kinds: Vec<&str> = kinds_for(actor.role).into_iter().map(|k| k.as_code()).collect();
    if kinds.is_empty() || !actor.can(Permission::ViewPersons) {
        return Ok(Vec::new());
    }
    let (lo, hi) = scope_bounds(&actor.scope);
    let alerts = alert::Entity::find()
        .filter(alert::Column::DivisionCode.between(lo, hi))
        .filter(alert::Column::ResolvedAt.is_null())
        .filter(alert::Column::Kind.is_in(kinds))
        .order_by_asc(alert::Column::RefDate)
        .all(db)
        .await?;
    let alerts = if actor.caseload_only() {
        let mine: std::collections::HashSet<Uuid> = person::Entity::find()
            .filter(person::Column::SocialWorkerId.eq(actor.user_id))
            .all(db)
            .await?
            .into_iter()
            .map(|p| p.id)
            .collect();
        alerts.into_iter().filter(|a| mine.contains(&a.person_id)).collect()
    } else {
        alerts
    };
    let acks = alert_ack::Entity::find().filter(alert_ack::Column::UserId.eq(actor.user_id)).all(db).await?;
    let acks: std::collections::HashMap<Uuid, alert_ack::Model> = acks.into_iter().map(|a| (a.alert_id, a)).collect();
    Ok(alerts
        .into_iter()
        .map(|a| {
            let ack = acks.get(&a.id).cloned();
            (a, ack)
        })
        .collect())
}

/// Unacknowledged alerts per kind, for the 工作台: one grouped count in the database (the
/// inbox itself loads the rows).
pub async fn counts<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<AlertCounts> {
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{QuerySelect, sea_query::ExprTrait};
    let kinds: Vec<&str> = kinds_for(actor.role).into_iter().map(|k| k.as_code()).collect();
    if kinds.is_empty() || !actor.can(Permission::ViewPersons) {
        return Ok(AlertCounts::default());
    }
    let (lo, hi) = scope_bounds(&actor.scope);
    let mut q = alert::Entity::find()
        .select_only()
        .column(alert::Column::Kind)
        .column_as(Expr::col(alert::Column::Id).count(), "n")
        .filter(alert::Column::DivisionCode.between(lo, hi))
        .filter(alert::Column::ResolvedAt.is_null())
        .filter(alert::Column::Kind.is_in(kinds))
        .filter(
            Expr::col(alert::Column::Id).not_in_subquery(
                Query::select()
                    .column(alert_ack::Column::AlertId)
                    .from(alert_ack::Entity)
                    .and_where(Expr::col(alert_ack::Column::UserId).eq(actor.user_id))
                    .to_owned(),
            ),
        )
        .group_by(alert::Column::Kind);
    if actor.caseload_only() {
        q = q.filter(
            Expr::col(alert::Column::PersonId).in_subquery(
                Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .and_where(Expr::col(person::Column::SocialWorkerId).eq(actor.user_id))
                    .to_owned(),
            ),
        );
    }
    let rows: Vec<(String, i64)> = q.into_tuple().all(db).await?;
    let mut by_kind = Vec::new();
    let mut total = 0;
    for k in AlertKind::ALL {
        if let Some((_, n)) = rows.iter().find(|(code, _)| code == k.as_code()) {
            let n = u64::try_from(*n).unwrap_or(0);
            by_kind.push((*k, n));
            total += n;
        }
    }
    Ok(AlertCounts { total, by_kind })
}

/// Filters of the inbox.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct AlertFilter {
    /// An alert kind code; empty = all.
    pub kind: String,
    /// `1`: also the alerts the viewer acknowledged.
    pub acked: String,
    /// 1-based page as typed; anything unreadable is page 1.
    pub page: String,
}

impl AlertFilter {
    /// Reads the filter strictly ([`jindu_domain::query`]): `kind` an alert kind code, `acked`
    /// 1 or 0, `page` 1 to 1,000,000. Returns (kind, with acknowledged, page).
    ///
    /// # Errors
    /// `Invalid` naming every refused parameter.
    pub fn check(&self) -> ServiceResult<(Option<AlertKind>, bool, u64)> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let kind = c.take(query::choice("kind", &self.kind, AlertKind::ALL, AlertKind::as_code));
        let acked = c.take(query::flag("acked", &self.acked));
        let page = c.take(query::page("page", &self.page));
        crate::service::query_checked(c)?;
        Ok((kind, acked, page))
    }
}

/// Alerts per inbox page.
pub const ALERTS_PER_PAGE: usize = 100;

/// The inbox: open alerts (unacknowledged first unless asked for all), each with the person's
/// name (opened from the vault) and, for breaches, the grounds and evidence.
pub async fn inbox<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    filter: &AlertFilter,
) -> ServiceResult<Vec<AlertView>> {
    actor.require(Permission::ViewPersons)?;
    let (want, with_acked, _) = filter.check()?;
    let open = open_for(db, actor).await?;
    let open: Vec<_> = open
        .into_iter()
        .filter(|(a, ack)| (with_acked || ack.is_none()) && want.is_none_or(|k| a.kind == k.as_code()))
        .collect();
    let ids: Vec<Uuid> = open.iter().map(|(a, _)| a.person_id).collect();
    let persons = person::Entity::find().filter(person::Column::Id.is_in(ids)).all(db).await?;
    let mut out = Vec::with_capacity(open.len());
    for (a, ack) in open {
        let Some(p) = persons.iter().find(|p| p.id == a.person_id) else { continue };
        let detail: serde_json::Value = serde_json::from_str(&a.detail).unwrap_or(serde_json::Value::Null);
        let grounds = stored_grounds(&detail);
        let evidence = detail
            .get("evidence")
            .and_then(|g| g.as_array())
            .map(|g| g.iter().filter_map(|s| s.as_str().and_then(|s| Uuid::parse_str(s).ok())).collect())
            .unwrap_or_default();
        let note = match &ack {
            Some(k) => {
                let row = format!("{}:{}", k.alert_id, k.user_id);
                k.note.as_deref().map(|n| vault.open("alert_ack", "note", &row, n)).transpose()?
            }
            None => None,
        };
        let reported_on = detail.get("reported_on").and_then(|v| v.as_str()).and_then(|d| d.parse().ok());
        let duty = a.ref_key.split(':').next().and_then(jindu_domain::ObligationKind::from_code);
        out.push(AlertView {
            reported_on,
            duty,
            id: a.id,
            person_id: a.person_id,
            person_name: vault.open("person", "name", &p.id.to_string(), &p.name)?,
            kind: stored("alert kind", &a.kind, AlertKind::from_code)?,
            ref_date: a.ref_date,
            days: jindu_domain::days::overdue_days(a.ref_date, now.today),
            grounds,
            evidence,
            raised_at: a.raised_at,
            acked: ack.map(|k| (k.acked_at, note)),
        });
    }
    out.sort_by_key(|v| (v.acked.is_some(), std::cmp::Reverse(v.days)));
    Ok(out)
}

/// [`acknowledge`] with the alert's id as typed in the form: the permission is checked first
/// (403), then the id (a field error naming `alert`, 422).
///
/// # Errors
/// As [`acknowledge`]; `Invalid` (field `alert`) for an id that is not one.
pub async fn acknowledge_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    alert_id: &str,
    note: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ViewPersons)?;
    let alert_id = crate::service::sub_id("alert", alert_id)?;
    acknowledge(db, vault, actor, now, alert_id, note).await
}

/// One open alert of a person, as the person page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub kind: AlertKind,
    /// The date the alert refers to (a due date, the day lost…).
    pub ref_date: NaiveDate,
    /// Days since `ref_date` (negative before it).
    pub days: i64,
}

/// The unresolved alerts of a person the caller has loaded within the actor's scope (the
/// person page), in stored order; a kind this version does not know is left out.
///
/// # Errors
/// Store errors.
pub async fn open_of_person<C: ConnectionTrait>(
    db: &C,
    person_id: Uuid,
    today: NaiveDate,
) -> ServiceResult<Vec<OpenAlert>> {
    Ok(alert::Entity::find()
        .filter(alert::Column::PersonId.eq(person_id))
        .filter(alert::Column::ResolvedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .filter_map(|al| {
            AlertKind::from_code(&al.kind).map(|kind| OpenAlert {
                kind,
                ref_date: al.ref_date,
                days: jindu_domain::days::overdue_days(al.ref_date, today),
            })
        })
        .collect())
}

/// Acknowledges (已阅) an alert the actor receives, with an optional note (sealed). Again on an
/// acknowledged alert replaces the note. `NotFound` for an alert outside the actor's inbox.
pub async fn acknowledge<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    alert_id: Uuid,
    note: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ViewPersons)?;
    let note = match note.trim() {
        "" => None,
        n => Some(jindu_domain::event::validate_note("note", n)?),
    };
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ViewPersons).await?;
    let open = open_for(&txn, actor).await?;
    let Some((a, _)) = open.into_iter().find(|(a, _)| a.id == alert_id) else {
        return Err(ServiceError::NotFound("alert"));
    };
    let row = format!("{}:{}", a.id, actor.user_id);
    let sealed = note.as_deref().map(|n| vault.seal("alert_ack", "note", &row, n)).transpose()?;
    alert_ack::Entity::delete_many()
        .filter(alert_ack::Column::AlertId.eq(a.id))
        .filter(alert_ack::Column::UserId.eq(actor.user_id))
        .exec(&txn)
        .await?;
    alert_ack::Entity::insert(alert_ack::ActiveModel {
        alert_id: Set(a.id),
        user_id: Set(actor.user_id),
        acked_at: Set(now.instant),
        note: Set(sealed),
    })
    .exec(&txn)
    .await?;
    txn.audit(audit::Entry::ok("alert.ack", "person", a.person_id).with_detail(format!("{} {}", a.kind, a.id))).await?;
    txn.commit().await?;
    Ok(())
}

/// The grounds kept with a serious-breach alert: the grounds themselves (`grounds`), or, in an
/// alert raised before the catalogue, the sentences it kept in both languages.
fn stored_grounds(detail: &serde_json::Value) -> Vec<Message> {
    if let Some(g) = detail.get("grounds") {
        let grounds: Vec<Ground> = serde_json::from_value(g.clone()).unwrap_or_default();
        return grounds.iter().map(Ground::message).collect();
    }
    let sentences = |key: &str| -> Vec<String> {
        detail
            .get(key)
            .and_then(|g| g.as_array())
            .map(|g| g.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
            .unwrap_or_default()
    };
    sentences("grounds_zh")
        .into_iter()
        .zip(sentences("grounds_en"))
        .map(|(zh, en)| Message::bilingual(zh, en))
        .collect()
}
