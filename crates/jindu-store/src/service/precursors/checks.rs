//! 易制毒 checks on stored data (issue #21 item 5; MODULES §1.8): every finding of an enterprise
//! computed from the database with the domain's pure checks (`jindu_domain::precursor::checks`,
//! `matching`, `ledger`) and reconciled with `precursor_finding` — new ones inserted, those that no
//! longer hold resolved (`resolved_at`), the rest left as they are (unique per enterprise × rule ×
//! reference, so a re-run never duplicates). The supervising police unit reads them in its inbox
//! ([`inbox`]) and marks them handled ([`handle`], the note sealed).
//!
//! What is checked from stored data: P-02, P-03, P-05, P-07, P-09 on sales; P-05 on any movement
//! naming a credential; P-06 on credentials; P-10 on transports; P-13 on incidents; the monthly
//! mass balance (BAL) per warehouse × chemical against stock-takes; flow matching (FLOW-S on the
//! seller, FLOW-P on the buyer) between two enterprises of the register; the red flags RF-01..03.
//! Not checked here: P-01 (a stored movement was resolved on the catalogue when written), P-04
//! (needs the credentials service's use ledger), P-08, P-12, P-14 (no records of annual reports
//! or activity starts yet).
//!
//! A flow whose counterparty is not on the register is not matched and is no finding: the pages
//! say 对方未在本系统登记 ([`unregistered_flows`]).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::precursor::checks::{
    self as rules, Buyer, Finding, Payment, RedFlagSettings, Rule, Sale, StoredMessage,
};
use jindu_domain::precursor::credential::{Credential, CredentialKind, CredentialLine, CredentialStatus};
use jindu_domain::precursor::ledger::{BalanceTolerances, Movement, MovementKind, StockTake, monthly_balances};
use jindu_domain::precursor::matching::{Flow, MatchSettings, match_flows};
use jindu_domain::precursor::{Catalogue, Category};
use jindu_domain::{Permission, Role, WorkCalendar};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entities::{
    precursor_credential as cred, precursor_enterprise as ent, precursor_finding as fnd, precursor_incident as inc,
    precursor_movement as mv, precursor_stock_take as st, precursor_transport as tr,
};
use crate::service::{Actor, FieldError, Page, ServiceError, ServiceResult, UnitOfWork, audit, deployment};
use crate::vault::Vault;

/// Table name in the audit log and the vault's AAD.
const TABLE: &str = "precursor_finding";
/// Setting: [`BalanceTolerances`] as JSON (office setting; domain default 0 for category 1).
pub const BALANCE_KEY: &str = "precursor.balance_tolerances";
/// Setting: [`MatchSettings`] as JSON (office setting; default 0.5 %, the filing windows).
pub const MATCHING_KEY: &str = "precursor.matching";
/// Setting: [`RedFlagSettings`] as JSON.
pub const RED_FLAGS_KEY: &str = "precursor.red_flags";
/// Setting: hours within which a loss must be reported (P-13; local default 24).
pub const LOSS_HOURS_KEY: &str = "precursor.loss_report_hours";
/// Setting: division-code prefixes of the MPS key areas (P-10), a JSON list.
pub const KEY_AREAS_KEY: &str = "precursor.key_areas";
/// Findings per inbox page.
pub const PER_PAGE: u64 = 30;
/// Longest handling note, in characters.
pub const NOTE_MAX: usize = 500;

/// The office settings the checks read (each with its local default).
#[derive(Debug, Clone, Default)]
pub struct CheckSettings {
    pub matching: MatchSettings,
    pub balance: BalanceTolerances,
    pub red_flags: RedFlagSettings,
    pub loss_hours: i64,
    pub key_areas: Vec<String>,
}

async fn json_setting<C: ConnectionTrait, T: serde::de::DeserializeOwned>(
    db: &C,
    key: &str,
) -> ServiceResult<Option<T>> {
    match deployment::get_setting(db, key).await? {
        Some(v) => serde_json::from_str(&v).map(Some).map_err(|e| ServiceError::Data(format!("setting {key}: {e}"))),
        None => Ok(None),
    }
}

/// The checks' settings as stored, defaults for those never set.
///
/// # Errors
/// `Db`; `Data` for a stored value that does not parse.
pub async fn settings<C: ConnectionTrait>(db: &C) -> ServiceResult<CheckSettings> {
    Ok(CheckSettings {
        matching: json_setting(db, MATCHING_KEY).await?.unwrap_or_default(),
        balance: json_setting(db, BALANCE_KEY).await?.unwrap_or_default(),
        red_flags: json_setting(db, RED_FLAGS_KEY).await?.unwrap_or_default(),
        loss_hours: json_setting(db, LOSS_HOURS_KEY).await?.unwrap_or(24),
        key_areas: json_setting(db, KEY_AREAS_KEY).await?.unwrap_or_default(),
    })
}

/// What the checks need besides the records: catalogue, calendar, settings (read once per run).
struct Context {
    cat: Catalogue,
    cal: WorkCalendar,
    s: CheckSettings,
}

async fn context<C: ConnectionTrait>(db: &C) -> ServiceResult<Context> {
    Ok(Context {
        cat: super::catalogue::current(db).await?,
        cal: deployment::calendar(db).await?,
        s: settings(db).await?,
    })
}

/// The stored detail of a finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Detail {
    pub message: StoredMessage,
    pub evidence: Vec<String>,
    pub source: String,
}

/// What a re-check changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecheckReport {
    pub enterprises: u64,
    pub raised: u64,
    pub resolved: u64,
}

/// One computed finding, keyed as stored.
struct Computed {
    enterprise: Uuid,
    rule: Rule,
    ref_key: String,
    date: NaiveDate,
    detail: String,
}

fn detail_json(f: &Finding) -> ServiceResult<String> {
    serde_json::to_string(&Detail {
        message: StoredMessage::of(&f.message),
        evidence: f.evidence.clone(),
        source: f.source.to_string(),
    })
    .map_err(|e| ServiceError::Data(format!("finding detail: {e}")))
}

fn category(n: i32) -> Category {
    match n {
        1 => Category::One,
        2 => Category::Two,
        _ => Category::Three,
    }
}

#[derive(Deserialize)]
struct StoredLine {
    entry: String,
    licensed: Option<i64>,
}

fn credential(m: &cred::Model) -> Option<Credential> {
    let lines: Vec<StoredLine> = serde_json::from_str(&m.lines).ok()?;
    Some(Credential {
        id: m.id.to_string(),
        number: m.number.clone(),
        kind: CredentialKind::from_code(&m.kind)?,
        holder: m.enterprise_id.to_string(),
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        status: CredentialStatus::from_code(&m.status)?,
        status_since: m.status_since,
        lines: lines.into_iter().map(|l| CredentialLine { entry: l.entry, licensed: l.licensed }).collect(),
    })
}

const SALE: &str = "sale";
const PURCHASE: &str = "purchase";

/// Re-checks `enterprises` inside the caller's unit of work (`db` is the unit): computes every
/// finding of theirs from the database and reconciles `precursor_finding` (insert the new,
/// resolve those that no longer hold, leave the rest). Flows are matched for every pair of
/// enterprises one of which is among `enterprises`, so the counterparties' FLOW findings about
/// these trades are reconciled too. The caller audits its own write; the findings are derived.
///
/// # Errors
/// `Db`; `Data` for a stored setting or catalogue that does not parse.
pub async fn recheck<C: ConnectionTrait>(db: &C, now: Now, enterprises: &[Uuid]) -> ServiceResult<()> {
    let ctx = context(db).await?;
    recheck_with(db, &ctx, now, enterprises).await.map(|_| ())
}

/// A full re-check of every enterprise from scratch, `chunk` enterprises per unit of work (by
/// `system`, one audit record `precursor.findings.recheck` per chunk that changed something).
/// Run by the hourly sweep and by `jindu precursors check`.
///
/// # Errors
/// As [`recheck`].
pub async fn recheck_all<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: Now,
    chunk: u64,
) -> ServiceResult<RecheckReport> {
    let ctx = context(db).await?;
    let mut report = RecheckReport::default();
    let mut after: Option<Uuid> = None;
    loop {
        let mut q = ent::Entity::find().select_only().column(ent::Column::Id).order_by_asc(ent::Column::Id);
        if let Some(a) = after {
            q = q.filter(ent::Column::Id.gt(a));
        }
        let ids: Vec<Uuid> = q.limit(chunk.max(1)).into_tuple().all(db).await?;
        let Some(last) = ids.last().copied() else { break };
        let uow = UnitOfWork::begin_as(db, audit::Who::system(), now).await?;
        let r = recheck_with(&uow, &ctx, now, &ids).await?;
        if r.raised + r.resolved > 0 {
            uow.audit(audit::Entry::ok("precursor.findings.recheck", TABLE, Uuid::nil()).with_detail(format!(
                "enterprises {}: raised {}, resolved {}",
                ids.len(),
                r.raised,
                r.resolved
            )))
            .await?;
        }
        uow.commit().await?;
        report.enterprises += r.enterprises;
        report.raised += r.raised;
        report.resolved += r.resolved;
        after = Some(last);
    }
    Ok(report)
}

/// The enterprises' rows by id and by credit code.
struct Register {
    by_id: HashMap<Uuid, ent::Model>,
    by_code: HashMap<String, Uuid>,
}

impl Register {
    async fn load<C: ConnectionTrait>(db: &C, ids: &[Uuid], codes: &[String]) -> ServiceResult<Register> {
        let mut by_id = HashMap::new();
        for part in ids.chunks(500) {
            for m in ent::Entity::find().filter(ent::Column::Id.is_in(part.to_vec())).all(db).await? {
                by_id.insert(m.id, m);
            }
        }
        for part in codes.chunks(500) {
            for m in ent::Entity::find().filter(ent::Column::CreditCode.is_in(part.to_vec())).all(db).await? {
                by_id.insert(m.id, m);
            }
        }
        let by_code = by_id.values().map(|m| (m.credit_code.clone(), m.id)).collect();
        Ok(Register { by_id, by_code })
    }
}

async fn recheck_with<C: ConnectionTrait>(
    db: &C,
    ctx: &Context,
    now: Now,
    enterprises: &[Uuid],
) -> ServiceResult<RecheckReport> {
    let set: BTreeSet<Uuid> = enterprises.iter().copied().collect();
    if set.is_empty() {
        return Ok(RecheckReport::default());
    }
    let ids: Vec<Uuid> = set.iter().copied().collect();
    let reg0 = Register::load(db, &ids, &[]).await?;
    let own_codes: Vec<String> = reg0.by_id.values().map(|m| m.credit_code.clone()).collect();
    // The enterprises' own movements, and the others' sales and purchases naming them.
    let mut own: Vec<mv::Model> = Vec::new();
    for part in ids.chunks(500) {
        own.extend(mv::Entity::find().filter(mv::Column::EnterpriseId.is_in(part.to_vec())).all(db).await?);
    }
    // In the order of the ledger, so evidence lists read the same on every database.
    own.sort_by_key(|x| (x.occurred_on, x.id));
    let mut others: Vec<mv::Model> = Vec::new();
    for part in own_codes.chunks(500) {
        others.extend(
            mv::Entity::find()
                .filter(mv::Column::CounterpartyCode.is_in(part.to_vec()))
                .filter(mv::Column::EnterpriseId.is_not_in(ids.clone()))
                .filter(mv::Column::Kind.is_in([SALE, PURCHASE]))
                .all(db)
                .await?,
        );
    }
    let mut codes: BTreeSet<String> = own.iter().filter_map(|m| m.counterparty_code.clone()).collect();
    codes.extend(own_codes.iter().cloned());
    let other_ids: BTreeSet<Uuid> = others.iter().map(|m| m.enterprise_id).collect();
    let mut all_ids = ids.clone();
    all_ids.extend(other_ids.iter().copied());
    let reg = Register::load(db, &all_ids, &codes.into_iter().collect::<Vec<_>>()).await?;

    let mut computed: Vec<Computed> = Vec::new();
    let mut push = |enterprise: Uuid, f: Finding, ref_key: String| -> ServiceResult<()> {
        computed.push(Computed { enterprise, rule: f.rule, date: f.date, detail: detail_json(&f)?, ref_key });
        Ok(())
    };

    // Flow matching over every pair with one side among the enterprises.
    let reversed: HashSet<Uuid> = own.iter().chain(&others).filter_map(|m| m.reverses).collect();
    let live = |m: &&mv::Model| m.reverses.is_none() && !reversed.contains(&m.id);
    let (mut sales, mut purchases) = (Vec::new(), Vec::new());
    let mut mover: HashMap<String, Uuid> = HashMap::new();
    for m in own.iter().chain(&others).filter(live) {
        let Some(other) = m.counterparty_code.as_ref().and_then(|c| reg.by_code.get(c)) else { continue };
        let flow = |seller: Uuid, buyer: Uuid| Flow {
            id: m.id.to_string(),
            seller: seller.to_string(),
            buyer: buyer.to_string(),
            entry: m.entry.clone(),
            category: category(m.category),
            quantity: m.quantity,
            date: m.occurred_on,
        };
        match m.kind.as_str() {
            SALE => sales.push(flow(m.enterprise_id, *other)),
            PURCHASE => purchases.push(flow(*other, m.enterprise_id)),
            _ => continue,
        }
        mover.insert(m.id.to_string(), m.enterprise_id);
    }
    let result = match_flows(&sales, &purchases, &ctx.s.matching);
    let name_of = |id: &str| {
        id.parse::<Uuid>().ok().and_then(|u| reg.by_id.get(&u)).map_or_else(|| id.to_string(), |e| e.name.clone())
    };
    for f in rules::flow_findings(&result, &sales, &purchases, &ctx.cat, &name_of) {
        let key = f.evidence.first().cloned().unwrap_or_default();
        if let Some(e) = mover.get(&key) {
            push(*e, f, key)?;
        }
    }
    let flow_scope: HashSet<String> = own.iter().chain(&others).map(|m| m.id.to_string()).collect();

    // Credentials of the enterprises and of the registered buyers of their sales.
    let mut holders: BTreeSet<Uuid> = set.clone();
    for m in own.iter().filter(|m| m.kind == SALE) {
        if let Some(b) = m.counterparty_code.as_ref().and_then(|c| reg.by_code.get(c)) {
            holders.insert(*b);
        }
    }
    let mut creds: HashMap<String, Credential> = HashMap::new();
    let mut creds_of: HashMap<String, Vec<Credential>> = HashMap::new();
    let holder_ids: Vec<Uuid> = holders.into_iter().collect();
    for part in holder_ids.chunks(500) {
        for c in cred::Entity::find().filter(cred::Column::EnterpriseId.is_in(part.to_vec())).all(db).await? {
            if let Some(c) = credential(&c) {
                creds_of.entry(c.holder.clone()).or_default().push(c.clone());
                creds.insert(c.id.clone(), c);
            }
        }
    }
    // First use of each credential (one-trip permits).
    let mut first_use: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    for m in own.iter().filter(live) {
        if let Some(c) = m.credential_id {
            first_use.entry(c).or_default().push(m.occurred_on);
        }
    }
    for v in first_use.values_mut() {
        v.sort();
    }
    for c in creds.values().filter(|c| c.holder.parse::<Uuid>().is_ok_and(|h| set.contains(&h))) {
        if let (Some(f), Ok(h)) = (rules::p06_renewal(c, now.today), c.holder.parse::<Uuid>()) {
            push(h, f, c.id.clone())?;
        }
    }

    // Movement rules.
    let mut by_ent: BTreeMap<Uuid, Vec<&mv::Model>> = BTreeMap::new();
    for m in &own {
        by_ent.entry(m.enterprise_id).or_default().push(m);
    }
    for (e, ms) in &by_ent {
        let mut sale_flows: Vec<Flow> = Vec::new();
        let mut buys: Vec<Flow> = Vec::new();
        for m in ms.iter().filter(|m| live(m)) {
            let id = m.id.to_string();
            let entry = ctx.cat.entries().iter().find(|x| x.id == m.entry);
            if let Some(cid) = m.credential_id.map(|c| c.to_string())
                && let Some(c) = creds.get(&cid)
            {
                let earlier = first_use.get(&m.credential_id.unwrap_or_default()).and_then(|v| v.first().copied());
                let first = earlier.filter(|d| *d < m.occurred_on);
                if let Some(f) = rules::p05_credential_invalid(c, &id, m.occurred_on, first) {
                    push(*e, f, id.clone())?;
                }
            }
            let counter = m.counterparty_code.clone();
            let registered = counter.as_ref().and_then(|c| reg.by_code.get(c)).copied();
            if m.kind == SALE {
                let buyer = match (&counter, registered) {
                    (_, Some(b)) => Buyer::Enterprise(b.to_string()),
                    (Some(c), None) => Buyer::Enterprise(c.clone()),
                    (None, None) => Buyer::Individual(id.clone()),
                };
                let sale = Sale {
                    id: id.clone(),
                    seller: e.to_string(),
                    buyer: buyer.clone(),
                    entry: m.entry.clone(),
                    category: category(m.category),
                    pharma: entry.is_some_and(|x| x.pharma),
                    preparation: false,
                    quantity: m.quantity,
                    measure: entry.map_or(jindu_domain::precursor::Measure::Mass, |x| x.measure),
                    date: m.occurred_on,
                    payment: m.payment.as_deref().and_then(Payment::from_code).unwrap_or(Payment::Transfer),
                    buyer_credential: m.credential_id.map(|c| c.to_string()),
                    filed_on: m.filed_on,
                    mixture: None,
                };
                let mut found = vec![
                    rules::p02_individual_buyer(&sale, &ctx.cat),
                    rules::p07_filing(&sale, now.today, &ctx.cal),
                    rules::p09_payment(&sale),
                    rules::rf_payment(&sale),
                ];
                if let Some(b) = registered {
                    let held = creds_of.get(&b.to_string()).map_or(&[][..], Vec::as_slice);
                    found.push(rules::p03_buyer_credential(&sale, held, &ctx.cat));
                }
                for f in found.into_iter().flatten() {
                    push(*e, f, id.clone())?;
                }
                sale_flows.push(Flow {
                    id: id.clone(),
                    seller: e.to_string(),
                    buyer: counter.clone().unwrap_or_else(|| id.clone()),
                    entry: m.entry.clone(),
                    category: category(m.category),
                    quantity: m.quantity,
                    date: m.occurred_on,
                });
            } else if m.kind == PURCHASE {
                buys.push(Flow {
                    id: id.clone(),
                    seller: counter.clone().unwrap_or_default(),
                    buyer: e.to_string(),
                    entry: m.entry.clone(),
                    category: category(m.category),
                    quantity: m.quantity,
                    date: m.occurred_on,
                });
            }
        }
        // RF-01 on the enterprise's purchases; RF-03 on its sales, per customer.
        for f in rules::rf_under_threshold(&buys, &ctx.s.red_flags) {
            let key = f.evidence.first().cloned().unwrap_or_default();
            push(*e, f, key)?;
        }
        let mut per_buyer: HashMap<&str, Vec<&Flow>> = HashMap::new();
        for f in &sale_flows {
            per_buyer.entry(f.buyer.as_str()).or_default().push(f);
        }
        for hist in per_buyer.values() {
            let history: Vec<Flow> = hist.iter().map(|f| (*f).clone()).collect();
            for s in hist {
                if let Some(f) = rules::rf_new_customer(s, &history, &ctx.s.red_flags) {
                    push(*e, f, s.id.clone())?;
                }
            }
        }
        // The monthly mass balance against stock-takes.
        let movements: Vec<Movement> = ms
            .iter()
            .filter_map(|m| {
                Some(Movement {
                    id: m.id.to_string(),
                    enterprise: e.to_string(),
                    warehouse: m.warehouse_id.to_string(),
                    entry: m.entry.clone(),
                    category: category(m.category),
                    kind: MovementKind::from_code(&m.kind)?,
                    quantity: m.quantity,
                    date: m.occurred_on,
                    counterparty: None,
                    reverses: m.reverses.map(|r| r.to_string()),
                    concentration: None,
                })
            })
            .collect();
        let takes: Vec<StockTake> = st::Entity::find()
            .filter(st::Column::EnterpriseId.eq(*e))
            .all(db)
            .await?
            .into_iter()
            .map(|t| StockTake {
                id: t.id.to_string(),
                warehouse: t.warehouse_id.to_string(),
                entry: t.entry,
                date: t.counted_on,
                counted: t.counted,
            })
            .collect();
        if !takes.is_empty() {
            let balances = monthly_balances(&movements, &takes, &HashMap::new(), &ctx.s.balance);
            for b in balances.iter().filter(|b| b.flagged) {
                let key = format!("{}:{}:{:04}-{:02}", b.warehouse, b.entry, b.year, b.month);
                for f in rules::balance_findings(std::slice::from_ref(b), &ctx.cat) {
                    push(*e, f, key.clone())?;
                }
            }
        }
    }
    // Transports (P-10) and incidents (P-13).
    for part in ids.chunks(500) {
        for t in tr::Entity::find().filter(tr::Column::EnterpriseId.is_in(part.to_vec())).all(db).await? {
            let id = t.id.to_string();
            let first = t
                .credential_id
                .and_then(|c| first_use.get(&c))
                .and_then(|v| v.first().copied())
                .filter(|d| *d < t.departed_on);
            let tt = rules::Transport {
                id: id.clone(),
                shipper: t.enterprise_id.to_string(),
                entry: t.entry.clone(),
                origin: t.origin.clone(),
                destination: t.destination.clone(),
                departed_on: t.departed_on,
                credential: t.credential_id.map(|c| c.to_string()),
                first_use: first,
            };
            let held = creds_of.get(&t.enterprise_id.to_string()).map_or(&[][..], Vec::as_slice);
            if let Some(f) = rules::p10_transport(&tt, held, &ctx.cat, &ctx.s.key_areas) {
                push(t.enterprise_id, f, id)?;
            }
        }
        for i in inc::Entity::find().filter(inc::Column::EnterpriseId.is_in(part.to_vec())).all(db).await? {
            let ii =
                rules::Incident { id: i.id.to_string(), discovered_at: i.discovered_at, reported_at: i.reported_at };
            if let Some(f) = rules::p13_loss_report(&ii, now.instant, ctx.s.loss_hours) {
                push(i.enterprise_id, f, ii.id)?;
            }
        }
    }

    // Reconcile.
    let mut report = RecheckReport { enterprises: set.len() as u64, ..Default::default() };
    let flow_rules = [Rule::FlowSale.as_code(), Rule::FlowPurchase.as_code()];
    let mut stored: Vec<fnd::Model> = Vec::new();
    for part in all_ids.chunks(500) {
        stored.extend(fnd::Entity::find().filter(fnd::Column::EnterpriseId.is_in(part.to_vec())).all(db).await?);
    }
    let in_scope = |f: &fnd::Model| {
        if flow_rules.contains(&f.rule.as_str()) {
            flow_scope.contains(&f.ref_key)
        } else {
            set.contains(&f.enterprise_id)
        }
    };
    let mut existing: HashMap<(Uuid, &str, &str), &fnd::Model> = HashMap::new();
    for f in stored.iter().filter(|f| in_scope(f)) {
        existing.insert((f.enterprise_id, f.rule.as_str(), f.ref_key.as_str()), f);
    }
    let mut holding: HashSet<Uuid> = HashSet::new();
    let mut inserts = Vec::new();
    let mut seen: HashSet<(Uuid, &str, &str)> = HashSet::new();
    for c in &computed {
        let k = (c.enterprise, c.rule.as_code(), c.ref_key.as_str());
        if !seen.insert(k) {
            continue;
        }
        match existing.get(&k) {
            Some(f) => {
                holding.insert(f.id);
                if f.resolved_at.is_some() {
                    // It holds again: reopened as new.
                    fnd::Entity::update_many()
                        .col_expr(fnd::Column::ResolvedAt, Expr::value(Option::<DateTime<Utc>>::None))
                        .col_expr(fnd::Column::HandledAt, Expr::value(Option::<DateTime<Utc>>::None))
                        .col_expr(fnd::Column::HandledBy, Expr::value(Option::<Uuid>::None))
                        .col_expr(fnd::Column::HandledNote, Expr::value(Option::<String>::None))
                        .col_expr(fnd::Column::RaisedAt, Expr::value(now.instant))
                        .col_expr(fnd::Column::Detail, Expr::value(c.detail.clone()))
                        .col_expr(fnd::Column::RefDate, Expr::value(c.date))
                        .filter(fnd::Column::Id.eq(f.id))
                        .exec(db)
                        .await?;
                    report.raised += 1;
                } else if f.detail != c.detail || f.ref_date != c.date {
                    fnd::Entity::update_many()
                        .col_expr(fnd::Column::Detail, Expr::value(c.detail.clone()))
                        .col_expr(fnd::Column::RefDate, Expr::value(c.date))
                        .filter(fnd::Column::Id.eq(f.id))
                        .exec(db)
                        .await?;
                }
            }
            None => {
                let division = reg.by_id.get(&c.enterprise).map(|e| e.police_unit.clone()).unwrap_or_default();
                inserts.push(fnd::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    enterprise_id: Set(c.enterprise),
                    rule: Set(c.rule.as_code().to_string()),
                    ref_key: Set(c.ref_key.clone()),
                    division_code: Set(division),
                    ref_date: Set(c.date),
                    detail: Set(c.detail.clone()),
                    raised_at: Set(now.instant),
                    resolved_at: Set(None),
                    handled_by: Set(None),
                    handled_at: Set(None),
                    handled_note: Set(None),
                });
            }
        }
    }
    report.raised += inserts.len() as u64;
    while !inserts.is_empty() {
        let rest = inserts.split_off(inserts.len().min(200));
        fnd::Entity::insert_many(std::mem::replace(&mut inserts, rest)).exec_without_returning(db).await?;
    }
    let stale: Vec<Uuid> =
        existing.values().filter(|f| f.resolved_at.is_none() && !holding.contains(&f.id)).map(|f| f.id).collect();
    report.resolved = stale.len() as u64;
    for part in stale.chunks(500) {
        fnd::Entity::update_many()
            .col_expr(fnd::Column::ResolvedAt, Expr::value(now.instant))
            .filter(fnd::Column::Id.is_in(part.to_vec()))
            .exec(db)
            .await?;
    }
    Ok(report)
}

/// The inbox's filter as typed (query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct FindingFilter {
    /// A rule code (`P-07`, `FLOW-S`); empty: all.
    #[serde(default)]
    pub rule: String,
    /// 9-digit town (the supervising 派出所's) inside the scope; empty: the whole scope.
    #[serde(default)]
    pub town: String,
    /// `open` (default), `handled` or `resolved`.
    #[serde(default)]
    pub state: String,
    /// An enterprise id; empty: all.
    #[serde(default)]
    pub enterprise: String,
    #[serde(default)]
    pub page: String,
}

/// The state of a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum FindingState {
    /// Holds, not handled.
    Open,
    /// 已处理.
    Handled,
    /// No longer holds.
    Resolved,
}

impl FindingState {
    pub fn as_code(self) -> &'static str {
        match self {
            FindingState::Open => "open",
            FindingState::Handled => "handled",
            FindingState::Resolved => "resolved",
        }
    }
}

struct CheckedFilter {
    rule: Option<Rule>,
    town: Option<jindu_domain::DivisionCode>,
    state: FindingState,
    enterprise: Option<Uuid>,
    page: u64,
}

const STATES: &[FindingState] = &[FindingState::Open, FindingState::Handled, FindingState::Resolved];

impl FindingFilter {
    fn check(&self, actor: &Actor) -> ServiceResult<CheckedFilter> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let f = CheckedFilter {
            rule: c.take(query::choice("rule", &self.rule, Rule::ALL, Rule::as_code)),
            town: c.take(query::division("town", &self.town, jindu_domain::DivisionLevel::Town, &actor.scope)),
            state: c
                .take(query::choice("state", &self.state, STATES, FindingState::as_code))
                .unwrap_or(FindingState::Open),
            enterprise: c.take(query::id("enterprise", &self.enterprise)),
            page: c.take(query::page("page", &self.page)),
        };
        crate::service::query_checked(c)?;
        Ok(f)
    }
}

/// An evidence row as shown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EvidenceRow {
    pub id: String,
    /// `movement`, `credential`, `stock_take`, `transport`, `incident` or `record`.
    pub kind: &'static str,
    /// Short description: document number, kind, day, quantity; a credential's number.
    pub text: String,
    /// The enterprise the record belongs to (its page is the link).
    pub enterprise: Option<Uuid>,
}

/// A finding as shown.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FindingRow {
    pub id: Uuid,
    pub enterprise: Uuid,
    pub enterprise_name: String,
    pub division_code: String,
    pub rule: Rule,
    pub source: String,
    pub date: NaiveDate,
    pub message: Option<Message>,
    pub evidence: Vec<EvidenceRow>,
    pub raised_at: DateTime<Utc>,
    pub state: FindingState,
    pub handled_at: Option<DateTime<Utc>>,
}

fn state_of(f: &fnd::Model) -> FindingState {
    if f.resolved_at.is_some() {
        FindingState::Resolved
    } else if f.handled_at.is_some() {
        FindingState::Handled
    } else {
        FindingState::Open
    }
}

/// The findings the actor's unit supervises: `division_code` within the actor's scope.
fn scoped(actor: &Actor) -> Select<fnd::Entity> {
    let (lo, hi) = crate::service::scope_bounds(&actor.scope);
    fnd::Entity::find().filter(fnd::Column::DivisionCode.between(lo, hi))
}

fn inbox_permission(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::HandleFindings)?;
    actor.require(Permission::ViewEnterprises)?;
    if actor.role == Role::Enterprise {
        return Err(ServiceError::Forbidden(Permission::HandleFindings));
    }
    Ok(())
}

fn filtered(actor: &Actor, f: &CheckedFilter) -> Select<fnd::Entity> {
    let mut q = scoped(actor);
    if let Some(t) = f.town {
        let (lo, hi) = crate::service::scope_bounds(&t);
        q = q.filter(fnd::Column::DivisionCode.between(lo, hi));
    }
    if let Some(r) = f.rule {
        q = q.filter(fnd::Column::Rule.eq(r.as_code()));
    }
    if let Some(e) = f.enterprise {
        q = q.filter(fnd::Column::EnterpriseId.eq(e));
    }
    match f.state {
        FindingState::Open => q.filter(fnd::Column::ResolvedAt.is_null()).filter(fnd::Column::HandledAt.is_null()),
        FindingState::Handled => {
            q.filter(fnd::Column::ResolvedAt.is_null()).filter(fnd::Column::HandledAt.is_not_null())
        }
        FindingState::Resolved => q.filter(fnd::Column::ResolvedAt.is_not_null()),
    }
}

async fn rows<C: ConnectionTrait>(db: &C, found: Vec<fnd::Model>) -> ServiceResult<Vec<FindingRow>> {
    let details: Vec<Option<Detail>> = found.iter().map(|f| serde_json::from_str(&f.detail).ok()).collect();
    let ids: BTreeSet<Uuid> =
        details.iter().flatten().flat_map(|d| d.evidence.iter().filter_map(|e| e.parse::<Uuid>().ok())).collect();
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let mut evidence: HashMap<Uuid, EvidenceRow> = HashMap::new();
    for part in ids.chunks(500) {
        for m in mv::Entity::find().filter(mv::Column::Id.is_in(part.to_vec())).all(db).await? {
            let kind = MovementKind::from_code(&m.kind).map_or(m.kind.clone(), |k| k.label_zh().to_string());
            evidence.insert(
                m.id,
                EvidenceRow {
                    id: m.id.to_string(),
                    kind: "movement",
                    text: format!(
                        "{} {} {} {}",
                        m.document_no,
                        kind,
                        m.occurred_on,
                        rules::display_quantity(
                            m.quantity,
                            jindu_domain::precursor::Measure::from_code(&m.measure)
                                .unwrap_or(jindu_domain::precursor::Measure::Mass)
                        )
                    ),
                    enterprise: Some(m.enterprise_id),
                },
            );
        }
        for c in cred::Entity::find().filter(cred::Column::Id.is_in(part.to_vec())).all(db).await? {
            evidence.insert(
                c.id,
                EvidenceRow {
                    id: c.id.to_string(),
                    kind: "credential",
                    text: c.number.clone(),
                    enterprise: Some(c.enterprise_id),
                },
            );
        }
        for s in st::Entity::find().filter(st::Column::Id.is_in(part.to_vec())).all(db).await? {
            evidence.insert(
                s.id,
                EvidenceRow {
                    id: s.id.to_string(),
                    kind: "stock_take",
                    text: format!(
                        "{} {}",
                        s.counted_on,
                        rules::display_quantity(s.counted, jindu_domain::precursor::Measure::Mass)
                    ),
                    enterprise: Some(s.enterprise_id),
                },
            );
        }
    }
    let ent_ids: Vec<Uuid> = found.iter().map(|f| f.enterprise_id).collect::<BTreeSet<_>>().into_iter().collect();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for part in ent_ids.chunks(500) {
        for (id, name) in ent::Entity::find()
            .select_only()
            .column(ent::Column::Id)
            .column(ent::Column::Name)
            .filter(ent::Column::Id.is_in(part.to_vec()))
            .into_tuple::<(Uuid, String)>()
            .all(db)
            .await?
        {
            names.insert(id, name);
        }
    }
    let mut out = Vec::with_capacity(found.len());
    for (f, d) in found.into_iter().zip(details) {
        let Some(rule) = Rule::from_code(&f.rule) else { continue };
        let (message, ev, source) = match d {
            Some(d) => (d.message.message(), d.evidence, d.source),
            None => (None, Vec::new(), rule.source().to_string()),
        };
        out.push(FindingRow {
            state: state_of(&f),
            id: f.id,
            enterprise: f.enterprise_id,
            enterprise_name: names.get(&f.enterprise_id).cloned().unwrap_or_default(),
            division_code: f.division_code,
            rule,
            source,
            date: f.ref_date,
            message,
            evidence: ev
                .iter()
                .map(|e| {
                    e.parse::<Uuid>().ok().and_then(|u| evidence.get(&u).cloned()).unwrap_or_else(|| EvidenceRow {
                        id: e.clone(),
                        kind: "record",
                        text: e.clone(),
                        enterprise: None,
                    })
                })
                .collect(),
            raised_at: f.raised_at,
            handled_at: f.handled_at,
        });
    }
    Ok(out)
}

/// The inbox of the supervising unit: findings whose `division_code` (the enterprise's
/// supervising 派出所) lies within the actor's scope, filtered, newest fact first. Needs
/// `HandleFindings` and `ViewEnterprises`; a 企业 account is refused.
///
/// # Errors
/// Forbidden; `Invalid` naming a refused filter value; `Db`.
pub async fn inbox<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &FindingFilter,
) -> ServiceResult<Page<FindingRow>> {
    inbox_permission(actor)?;
    let f = filter.check(actor)?;
    let q = filtered(actor, &f);
    let total = q.clone().count(db).await?;
    let page = crate::service::page_within(f.page, total, PER_PAGE);
    let found = q
        .order_by_desc(fnd::Column::RefDate)
        .order_by_asc(fnd::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    Ok(Page { rows: rows(db, found).await?, page, per_page: PER_PAGE, total })
}

/// Every finding of the inbox with `filter` (page ignored), for the .xlsx export.
///
/// # Errors
/// As [`inbox`].
pub async fn inbox_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    filter: &FindingFilter,
) -> ServiceResult<Vec<FindingRow>> {
    inbox_permission(actor)?;
    let f = filter.check(actor)?;
    let found = filtered(actor, &f).order_by_desc(fnd::Column::RefDate).order_by_asc(fnd::Column::Id).all(db).await?;
    rows(db, found).await
}

/// The number of open findings in the actor's inbox (the 工作台 count); 0 for a role without the
/// inbox.
///
/// # Errors
/// `Db`.
pub async fn open_count<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<u64> {
    if inbox_permission(actor).is_err() {
        return Ok(0);
    }
    Ok(scoped(actor)
        .filter(fnd::Column::ResolvedAt.is_null())
        .filter(fnd::Column::HandledAt.is_null())
        .count(db)
        .await?)
}

/// The open (not resolved) findings of one enterprise the actor sees (the enterprise page; a 企业
/// account its own). Needs `ViewEnterprises`.
///
/// # Errors
/// Forbidden; NotFound (an enterprise the actor does not see); `Db`.
pub async fn of_enterprise<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    enterprise: Uuid,
) -> ServiceResult<Vec<FindingRow>> {
    actor.require(Permission::ViewEnterprises)?;
    super::enterprises::load_visible(db, actor, enterprise).await?;
    let found = fnd::Entity::find()
        .filter(fnd::Column::EnterpriseId.eq(enterprise))
        .filter(fnd::Column::ResolvedAt.is_null())
        .order_by_desc(fnd::Column::RefDate)
        .order_by_asc(fnd::Column::Id)
        .all(db)
        .await?;
    rows(db, found).await
}

/// The enterprise's sales and purchases whose counterparty is not on the register (not matched,
/// no finding: the page says 对方未在本系统登记). Needs `ViewEnterprises` and the enterprise in view.
///
/// # Errors
/// Forbidden; NotFound; `Db`.
pub async fn unregistered_flows<C: ConnectionTrait>(db: &C, actor: &Actor, enterprise: Uuid) -> ServiceResult<u64> {
    actor.require(Permission::ViewEnterprises)?;
    super::enterprises::load_visible(db, actor, enterprise).await?;
    let codes: Vec<Option<String>> = mv::Entity::find()
        .select_only()
        .column(mv::Column::CounterpartyCode)
        .filter(mv::Column::EnterpriseId.eq(enterprise))
        .filter(mv::Column::Kind.is_in([SALE, PURCHASE]))
        .filter(mv::Column::CounterpartyCode.is_not_null())
        .filter(mv::Column::Reverses.is_null())
        .into_tuple()
        .all(db)
        .await?;
    let distinct: BTreeSet<String> = codes.iter().flatten().cloned().collect();
    let mut known: HashSet<String> = HashSet::new();
    let list: Vec<String> = distinct.into_iter().collect();
    for part in list.chunks(500) {
        for c in ent::Entity::find()
            .select_only()
            .column(ent::Column::CreditCode)
            .filter(ent::Column::CreditCode.is_in(part.to_vec()))
            .into_tuple::<String>()
            .all(db)
            .await?
        {
            known.insert(c);
        }
    }
    Ok(codes.iter().flatten().filter(|c| !known.contains(*c)).count() as u64)
}

/// 已处理: marks an open finding handled with a note (required, at most [`NOTE_MAX`]
/// characters, sealed by the vault with AAD `precursor_finding.handled_note:<id>`). Needs
/// `HandleFindings`; the finding within the actor's scope (else `NotFound`). Audited
/// `precursor.finding.handle` (the note not in clear).
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming `note` (empty, too long, already handled); `Db`; `Vault`.
pub async fn handle<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    id: Uuid,
    note: &str,
) -> ServiceResult<()> {
    inbox_permission(actor)?;
    scoped(actor).filter(fnd::Column::Id.eq(id)).one(db).await?.ok_or(ServiceError::NotFound("precursor_finding"))?;
    let note = note.trim();
    if note.is_empty() {
        return Err(FieldError::of("note", Message::new("msg.precursor.finding.handled_note_required")).into());
    }
    if note.chars().count() > NOTE_MAX {
        return Err(FieldError::of(
            "note",
            Message::new("msg.precursor.finding.handled_note_long").text("max", NOTE_MAX),
        )
        .into());
    }
    let uow = UnitOfWork::begin(db, actor, now, Permission::HandleFindings).await?;
    let f = scoped(actor)
        .filter(fnd::Column::Id.eq(id))
        .one(&uow)
        .await?
        .ok_or(ServiceError::NotFound("precursor_finding"))?;
    if f.handled_at.is_some() {
        return Err(FieldError::of("note", Message::new("msg.precursor.finding.already_handled")).into());
    }
    let sealed = vault.seal(TABLE, "handled_note", &id.to_string(), note)?;
    let rule = f.rule.clone();
    let mut m: fnd::ActiveModel = f.into();
    m.handled_at = Set(Some(now.instant));
    m.handled_by = Set(Some(actor.user_id));
    m.handled_note = Set(Some(sealed));
    m.update(&uow).await?;
    uow.audit(audit::Entry::ok("precursor.finding.handle", TABLE, id).with_detail(format!("rule {rule}; note sealed")))
        .await?;
    uow.commit().await?;
    Ok(())
}

/// The handling note of a finding in the actor's scope, opened (for the page that shows it).
///
/// # Errors
/// Forbidden; NotFound; `Vault`.
pub async fn handled_note<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<Option<String>> {
    inbox_permission(actor)?;
    let f = scoped(actor)
        .filter(fnd::Column::Id.eq(id))
        .one(db)
        .await?
        .ok_or(ServiceError::NotFound("precursor_finding"))?;
    Ok(vault.open_opt(TABLE, "handled_note", id, f.handled_note.as_deref())?)
}
