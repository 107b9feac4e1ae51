//! 证照 the credentials of precursor enterprises (issue #21 items 3 and 8; MODULES §1.3, §1.7):
//! licences (许可证) and filing certificates (备案证明) registered by the 禁毒办 and the police
//! (`ManageCredentials`), read with the enterprise (`ViewEnterprises`, a 企业 account: its own
//! enterprise's only, read-only).
//!
//! - [`create`]: a credential with its chemicals resolved through the catalogue in force on
//!   `valid_from` (P-01) and its licensed quantities converted to whole g or mL.
//! - [`change_status`]: 注销 / 吊销 / 已使用 from a day, audited.
//! - [`wallet`]: an enterprise's credentials with their state today (expiry computed, P-05), the
//!   renewal reminder day (P-06) and the burn-down per chemical (P-04).
//! - [`list`] / [`list_all`]: every credential in scope with filters, for the list and its export.
//! - [`verify`]: the public "verify a credential by number" answer (validity only).
//! - [`domain_credentials`]: the stored credentials as the domain's [`Credential`], for the checks.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::NaiveDate;
use jindu_domain::Permission;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::precursor::credential::{
    self as rule, Credential, CredentialKind, CredentialLine, CredentialStatus, CredentialUse, Invalidity,
};
use jindu_domain::precursor::{Catalogue, Quantity};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait, TransactionTrait,
};
use uuid::Uuid;

use super::enterprises::{load_visible, visible_query};
use crate::entities::{
    precursor_credential as cred, precursor_enterprise as ent, precursor_movement as mv, precursor_transport as tr,
};
use crate::service::{Actor, FieldError, Page, ServiceError, ServiceResult, UnitOfWork, audit};

/// The table name in the audit log.
const TABLE: &str = "precursor_credential";

/// Credentials per list page.
pub const PER_PAGE: u64 = 50;

/// Longest 证号 accepted (forms and the public verify page).
pub const MAX_NUMBER: usize = 64;

/// Longest 发证机关.
pub const MAX_ISSUER: usize = 100;

/// Most chemicals on one credential.
pub const MAX_LINES: usize = 20;

/// One chemical of the form: as written, with its quantity and unit (quantity empty: none stated).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct LineForm {
    pub chemical: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
}

/// The new-credential form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CredentialForm {
    /// A [`CredentialKind`] code.
    pub kind: String,
    /// 证号.
    pub number: String,
    /// 发证机关.
    pub issuer: String,
    /// `YYYY-MM-DD`.
    pub valid_from: String,
    /// `YYYY-MM-DD`, empty: without end.
    pub valid_to: String,
    /// A [`CredentialStatus`] code, empty: 有效.
    pub status: String,
    /// `YYYY-MM-DD`: from when a recorded 注销/吊销/已使用 applies.
    pub status_since: String,
    pub lines: Vec<LineForm>,
}

/// The state of a credential on a day, as shown (the recorded status with expiry computed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum CredentialState {
    /// 有效.
    Valid,
    /// 尚未生效 (before `valid_from`).
    NotYet,
    /// 已过期.
    Expired,
    /// 已注销.
    Cancelled,
    /// 已吊销.
    Revoked,
    /// 已使用.
    Used,
}

impl CredentialState {
    pub const ALL: &'static [CredentialState] = &[
        CredentialState::Valid,
        CredentialState::NotYet,
        CredentialState::Expired,
        CredentialState::Cancelled,
        CredentialState::Revoked,
        CredentialState::Used,
    ];

    /// Stable code.
    pub fn as_code(self) -> &'static str {
        match self {
            CredentialState::Valid => "valid",
            CredentialState::NotYet => "not_yet",
            CredentialState::Expired => "expired",
            CredentialState::Cancelled => "cancelled",
            CredentialState::Revoked => "revoked",
            CredentialState::Used => "used",
        }
    }

    /// The page word's key (`pc.state.valid`…).
    pub fn key(self) -> &'static str {
        match self {
            CredentialState::Valid => "pc.state.valid",
            CredentialState::NotYet => "pc.state.not_yet",
            CredentialState::Expired => "pc.state.expired",
            CredentialState::Cancelled => "pc.state.cancelled",
            CredentialState::Revoked => "pc.state.revoked",
            CredentialState::Used => "pc.state.used",
        }
    }

    /// The state of `c` on `day`, the one-trip permit's first use given ([`Credential::check_on`]).
    pub fn of(c: &Credential, day: NaiveDate, first_use: Option<NaiveDate>) -> CredentialState {
        match c.check_on(day, first_use) {
            Ok(()) => CredentialState::Valid,
            Err(Invalidity::NotYetValid { .. }) => CredentialState::NotYet,
            Err(Invalidity::Expired { .. }) => CredentialState::Expired,
            Err(Invalidity::Withdrawn { status: CredentialStatus::Revoked, .. }) => CredentialState::Revoked,
            Err(Invalidity::Withdrawn { .. }) => CredentialState::Cancelled,
            Err(Invalidity::Used { .. }) => CredentialState::Used,
        }
    }
}

/// One chemical of a credential in the wallet, with its burn-down (P-04).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalletLine {
    /// Catalogue entry id.
    pub entry: String,
    /// 名称 of the entry (in force on `valid_from`).
    pub name: String,
    /// `g` or `mL`.
    pub measure: String,
    /// Licensed quantity, g or mL (`None`: none stated).
    pub licensed: Option<i64>,
    /// Uses under the credential, reversals netted.
    pub used: i64,
    /// `licensed − used` when a quantity is licensed.
    pub remaining: Option<i64>,
    /// The use (movement or transport id) that took the total over the licensed quantity.
    pub crossing: Option<String>,
}

/// A credential of the wallet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct WalletItem {
    pub id: Uuid,
    pub enterprise_id: Uuid,
    pub number: String,
    pub kind: CredentialKind,
    pub issuer: String,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
    /// As recorded.
    pub status: CredentialStatus,
    pub status_since: Option<NaiveDate>,
    /// On `today`.
    pub state: CredentialState,
    /// P-06: `valid_to` − 3 months.
    pub renewal_reminder: Option<NaiveDate>,
    /// Whether the reminder is due today.
    pub renewal_due: bool,
    pub lines: Vec<WalletLine>,
    pub version: i32,
}

/// A row of the credential list: the wallet item and its holder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CredentialRow {
    pub item: WalletItem,
    pub holder_name: String,
    pub holder_code: String,
}

/// The list's filter as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct CredentialFilter {
    /// A [`CredentialKind`] code; empty: all.
    #[serde(default)]
    pub kind: String,
    /// A [`CredentialState`] code (today); empty: all.
    #[serde(default)]
    pub status: String,
    /// Days: only credentials whose last valid day is from today to today + N (1–3650).
    #[serde(default)]
    pub expiring: String,
    #[serde(default)]
    pub page: String,
}

struct CheckedFilter {
    kind: Option<CredentialKind>,
    state: Option<CredentialState>,
    expiring: Option<u64>,
    page: u64,
}

impl CredentialFilter {
    fn check(&self) -> ServiceResult<CheckedFilter> {
        use jindu_domain::query;
        let mut c = query::Check::new();
        let f = CheckedFilter {
            kind: c.take(query::choice("kind", &self.kind, CredentialKind::ALL, CredentialKind::as_code)),
            state: c.take(query::choice("status", &self.status, CredentialState::ALL, |s| s.as_code())),
            expiring: c.take(query::number("expiring", &self.expiring, 1, 3650)),
            page: c.take(query::page("page", &self.page)),
        };
        crate::service::query_checked(c)?;
        Ok(f)
    }
}

/// The answer of the public verify page: the same shape whether the number is known or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Verification {
    /// The number as asked.
    pub number: String,
    /// `None`: 查无此证.
    pub kind: Option<CredentialKind>,
    pub holder: Option<String>,
    /// `None`: 查无此证.
    pub state: Option<CredentialState>,
}

// ---------------------------------------------------------------------------------------------
// Reading the stored rows

fn stored_kind(code: &str) -> ServiceResult<CredentialKind> {
    CredentialKind::from_code(code).ok_or_else(|| ServiceError::Data(format!("credential kind {code}")))
}

fn stored_status(code: &str) -> ServiceResult<CredentialStatus> {
    CredentialStatus::from_code(code).ok_or_else(|| ServiceError::Data(format!("credential status {code}")))
}

/// The stored row as the domain's credential (id and holder as uuid strings).
fn to_domain(m: &cred::Model) -> ServiceResult<Credential> {
    let lines: Vec<CredentialLine> =
        serde_json::from_str(&m.lines).map_err(|e| ServiceError::Data(format!("credential lines: {e}")))?;
    Ok(Credential {
        id: m.id.to_string(),
        number: m.number.clone(),
        kind: stored_kind(&m.kind)?,
        holder: m.enterprise_id.to_string(),
        valid_from: m.valid_from,
        valid_to: m.valid_to,
        status: stored_status(&m.status)?,
        status_since: m.status_since,
        lines,
    })
}

/// The credentials held by `enterprise_ids`, as the domain's [`Credential`] (`id` and `holder`
/// the uuids as strings), by holder then number. No permission check: for the checks, which
/// run as the system over enterprises already chosen.
///
/// # Errors
/// Db; Data for a stored value that no longer reads.
pub async fn domain_credentials<C: ConnectionTrait>(db: &C, enterprise_ids: &[Uuid]) -> ServiceResult<Vec<Credential>> {
    if enterprise_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for chunk in enterprise_ids.chunks(500) {
        for m in cred::Entity::find()
            .filter(cred::Column::EnterpriseId.is_in(chunk.iter().copied()))
            .order_by_asc(cred::Column::EnterpriseId)
            .order_by_asc(cred::Column::Number)
            .all(db)
            .await?
        {
            out.push(to_domain(&m)?);
        }
    }
    Ok(out)
}

/// The uses of each credential of `models` (P-04): the holder's own `purchase` movements naming
/// it, a reversed movement and its reversal both left out; and the transports naming it.
async fn uses_of<C: ConnectionTrait>(
    db: &C,
    models: &[cred::Model],
) -> ServiceResult<HashMap<Uuid, Vec<CredentialUse>>> {
    let mut out: HashMap<Uuid, Vec<CredentialUse>> = HashMap::new();
    if models.is_empty() {
        return Ok(out);
    }
    let holder: HashMap<Uuid, Uuid> = models.iter().map(|m| (m.id, m.enterprise_id)).collect();
    for chunk in models.chunks(500) {
        let ids: Vec<Uuid> = chunk.iter().map(|m| m.id).collect();
        let movements = mv::Entity::find()
            .filter(mv::Column::CredentialId.is_in(ids.clone()))
            .filter(mv::Column::Kind.eq("purchase"))
            .all(db)
            .await?;
        let originals: Vec<Uuid> = movements.iter().filter(|m| m.reverses.is_none()).map(|m| m.id).collect();
        let mut reversed: HashSet<Uuid> = movements.iter().filter_map(|m| m.reverses).collect();
        for part in originals.chunks(500) {
            for r in mv::Entity::find().filter(mv::Column::Reverses.is_in(part.iter().copied())).all(db).await? {
                if let Some(x) = r.reverses {
                    reversed.insert(x);
                }
            }
        }
        for m in movements {
            let Some(c) = m.credential_id else { continue };
            if m.reverses.is_some() || reversed.contains(&m.id) || holder.get(&c) != Some(&m.enterprise_id) {
                continue;
            }
            out.entry(c).or_default().push(CredentialUse {
                movement: m.id.to_string(),
                entry: m.entry,
                date: m.occurred_on,
                quantity: m.quantity,
            });
        }
        for t in tr::Entity::find().filter(tr::Column::CredentialId.is_in(ids)).all(db).await? {
            let Some(c) = t.credential_id else { continue };
            out.entry(c).or_default().push(CredentialUse {
                movement: t.id.to_string(),
                entry: t.entry,
                date: t.departed_on,
                quantity: t.quantity,
            });
        }
    }
    Ok(out)
}

/// The wallet items of `models` on `today`.
async fn items<C: ConnectionTrait>(db: &C, today: NaiveDate, models: &[cred::Model]) -> ServiceResult<Vec<WalletItem>> {
    let catalogue = super::catalogue::current(db).await?;
    let uses = uses_of(db, models).await?;
    let none = Vec::new();
    models
        .iter()
        .map(|m| {
            let c = to_domain(m)?;
            let used = uses.get(&m.id).unwrap_or(&none);
            let first_use = used.iter().map(|u| u.date).min();
            let burn: BTreeMap<String, rule::BurnDown> =
                rule::burn_down(&c, used).into_iter().map(|b| (b.entry.clone(), b)).collect();
            let lines = c
                .lines
                .iter()
                .map(|l| {
                    let e = catalogue
                        .entry_on(&l.entry, c.valid_from)
                        .or_else(|| catalogue.entries().iter().find(|e| e.id == l.entry));
                    let used_all: i64 = used.iter().filter(|u| u.entry == l.entry).map(|u| u.quantity).sum();
                    let b = burn.get(&l.entry);
                    WalletLine {
                        entry: l.entry.clone(),
                        name: e.map_or_else(|| l.entry.clone(), |e| e.name_zh.clone()),
                        measure: e.map_or("g", |e| e.measure.as_code()).to_string(),
                        licensed: l.licensed,
                        used: b.map_or(used_all, |b| b.used),
                        remaining: b.map(|b| b.remaining),
                        crossing: b.and_then(|b| b.crossing.clone()),
                    }
                })
                .collect();
            Ok(WalletItem {
                id: m.id,
                enterprise_id: m.enterprise_id,
                number: m.number.clone(),
                kind: c.kind,
                issuer: m.issuer.clone(),
                valid_from: c.valid_from,
                valid_to: c.valid_to,
                status: c.status,
                status_since: c.status_since,
                state: CredentialState::of(&c, today, first_use),
                renewal_reminder: c.renewal_reminder(),
                renewal_due: c.renewal_due(today)
                    && CredentialState::of(&c, today, first_use) == CredentialState::Valid,
                lines,
                version: m.version,
            })
        })
        .collect()
}

/// An enterprise's credentials (证照夹) on `now.today`: state (expiry computed), renewal reminder
/// day and burn-down per chemical, by validity end (open-ended last) then number. Needs
/// `ViewEnterprises`; the enterprise within the actor's scope (a 企业 account: its own), else
/// `NotFound`.
///
/// # Errors
/// Forbidden, NotFound, Db, Data.
pub async fn wallet<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
) -> ServiceResult<Vec<WalletItem>> {
    actor.require(Permission::ViewEnterprises)?;
    load_visible(db, actor, enterprise).await?;
    let models = cred::Entity::find()
        .filter(cred::Column::EnterpriseId.eq(enterprise))
        .order_by_asc(cred::Column::ValidFrom)
        .order_by_asc(cred::Column::Number)
        .all(db)
        .await?;
    let mut items = items(db, now.today, &models).await?;
    items.sort_by(|a, b| {
        (a.valid_to.is_none(), a.valid_to, &a.number).cmp(&(b.valid_to.is_none(), b.valid_to, &b.number))
    });
    Ok(items)
}

/// Every credential in the actor's scope (a 企业 account: its own enterprise's) with `filter`,
/// by validity end then number.
async fn filtered<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    filter: &CredentialFilter,
) -> ServiceResult<(Vec<CredentialRow>, u64)> {
    actor.require(Permission::ViewEnterprises)?;
    let f = filter.check()?;
    let enterprises: HashMap<Uuid, (String, String)> =
        visible_query(actor).all(db).await?.into_iter().map(|e| (e.id, (e.name, e.credit_code))).collect();
    let visible = visible_query(actor).select_only().column(ent::Column::Id).into_query();
    let mut q = cred::Entity::find().filter(cred::Column::EnterpriseId.in_subquery(visible));
    if let Some(k) = f.kind {
        q = q.filter(cred::Column::Kind.eq(k.as_code()));
    }
    if let Some(days) = f.expiring {
        let until = now.today + chrono::Days::new(days);
        q = q.filter(cred::Column::ValidTo.between(now.today, until));
    }
    let models = q.order_by_asc(cred::Column::ValidTo).order_by_asc(cred::Column::Number).all(db).await?;
    let mut rows: Vec<CredentialRow> = items(db, now.today, &models)
        .await?
        .into_iter()
        .filter(|i| f.state.is_none_or(|s| s == i.state))
        .map(|item| {
            let (holder_name, holder_code) = enterprises.get(&item.enterprise_id).cloned().unwrap_or_default();
            CredentialRow { item, holder_name, holder_code }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.item.valid_to.is_none(), a.item.valid_to, &a.item.number).cmp(&(
            b.item.valid_to.is_none(),
            b.item.valid_to,
            &b.item.number,
        ))
    });
    Ok((rows, f.page))
}

/// The credential list (`/precursors/credentials`): kind, state today and "expiring within N
/// days" filters, paged. Needs `ViewEnterprises`.
///
/// # Errors
/// Forbidden; `Invalid` naming a refused filter value; Db.
pub async fn list<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    filter: &CredentialFilter,
) -> ServiceResult<Page<CredentialRow>> {
    let (rows, page) = filtered(db, actor, now, filter).await?;
    let total = rows.len() as u64;
    let page = crate::service::page_within(page, total, PER_PAGE);
    let skip = usize::try_from((page - 1) * PER_PAGE).unwrap_or(usize::MAX);
    let rows = rows.into_iter().skip(skip).take(PER_PAGE as usize).collect();
    Ok(Page { rows, page, per_page: PER_PAGE, total })
}

/// Every row of [`list`] (its page ignored), for the Excel export.
///
/// # Errors
/// As [`list`].
pub async fn list_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    filter: &CredentialFilter,
) -> ServiceResult<Vec<CredentialRow>> {
    Ok(filtered(db, actor, now, filter).await?.0)
}

/// The public answer for `number` on `now.today`: kind, holder name and state only; the same
/// shape for an unknown number (all `None`). The number is read strictly: at most
/// [`MAX_NUMBER`] characters, no control characters (else `Invalid` naming `number`). No
/// sign-in, nothing audited (nothing personal is shown).
///
/// # Errors
/// `Invalid` naming `number`; Db.
pub async fn verify<C: ConnectionTrait>(db: &C, now: Now, number: &str) -> ServiceResult<Verification> {
    if number.chars().any(char::is_control) || number.chars().count() > MAX_NUMBER {
        return Err(FieldError::of(
            "number",
            Message::new("msg.precursor.credential.verify_number").text("max", MAX_NUMBER),
        )
        .into());
    }
    let number = number.trim().to_string();
    let unknown = Verification { number: number.clone(), kind: None, holder: None, state: None };
    if number.is_empty() {
        return Ok(unknown);
    }
    let Some(m) = cred::Entity::find().filter(cred::Column::Number.eq(number.as_str())).one(db).await? else {
        return Ok(unknown);
    };
    let holder = ent::Entity::find_by_id(m.enterprise_id).one(db).await?.map(|e| e.name);
    let item = items(db, now.today, std::slice::from_ref(&m)).await?.pop();
    Ok(Verification { number, kind: item.as_ref().map(|i| i.kind), holder, state: item.map(|i| i.state) })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// A checked credential.
struct Checked {
    kind: CredentialKind,
    number: String,
    issuer: String,
    valid_from: NaiveDate,
    valid_to: Option<NaiveDate>,
    status: CredentialStatus,
    status_since: Option<NaiveDate>,
    lines: Vec<CredentialLine>,
}

fn date_field(
    field: &'static str,
    zh: &'static str,
    en: &'static str,
    raw: &str,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDate> {
    let t = raw.trim();
    if t.is_empty() {
        return None;
    }
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::of(
                field,
                Message::new("msg.precursor.credential.date").label("field", zh, en).text("input", shorten(t)),
            ));
            None
        }
    }
}

fn shorten(s: &str) -> String {
    jindu_domain::message::shorten(s)
}

fn text_ok(s: &str, max: usize) -> bool {
    !s.chars().any(char::is_control) && s.chars().count() <= max
}

/// Checks the form: every problem at once, each naming its field (a chemical's problem naming
/// its line, 1-based). Chemicals are resolved through the catalogue in force on `valid_from`.
fn check(catalogue: &Catalogue, form: &CredentialForm) -> Result<Checked, Vec<FieldError>> {
    let mut errors = Vec::new();
    let kind = CredentialKind::from_code(form.kind.trim());
    if kind.is_none() {
        errors.push(FieldError::of(
            "kind",
            Message::new("msg.precursor.credential.kind").text("input", shorten(form.kind.trim())),
        ));
    }
    let number = form.number.trim().to_string();
    if number.is_empty() {
        errors.push(FieldError::of("number", Message::new("msg.precursor.credential.number_required")));
    } else if !text_ok(&number, MAX_NUMBER) {
        errors.push(FieldError::of(
            "number",
            Message::new("msg.precursor.credential.number_invalid").text("max", MAX_NUMBER),
        ));
    }
    let issuer = form.issuer.trim().to_string();
    if issuer.is_empty() {
        errors.push(FieldError::of("issuer", Message::new("msg.precursor.credential.issuer_required")));
    } else if !text_ok(&issuer, MAX_ISSUER) {
        errors.push(FieldError::of(
            "issuer",
            Message::new("msg.precursor.credential.issuer_invalid").text("max", MAX_ISSUER),
        ));
    }
    let valid_from = date_field("valid_from", "有效期起", "Valid from", &form.valid_from, &mut errors);
    if form.valid_from.trim().is_empty() {
        errors.push(FieldError::of("valid_from", Message::new("msg.precursor.credential.valid_from_required")));
    }
    let valid_to = date_field("valid_to", "有效期至", "Valid to", &form.valid_to, &mut errors);
    if let (Some(f), Some(t)) = (valid_from, valid_to)
        && t < f
    {
        errors.push(FieldError::of(
            "valid_to",
            Message::new("msg.precursor.credential.valid_to_before").text("from", f).text("to", t),
        ));
    }
    let status = if form.status.trim().is_empty() {
        Some(CredentialStatus::Valid)
    } else {
        CredentialStatus::from_code(form.status.trim())
    };
    if status.is_none() {
        errors.push(FieldError::of(
            "status",
            Message::new("msg.precursor.credential.status").text("input", shorten(form.status.trim())),
        ));
    }
    let status_since = date_field("status_since", "状态起始日期", "Status since", &form.status_since, &mut errors);
    if let Some(s) = status
        && matches!(s, CredentialStatus::Cancelled | CredentialStatus::Revoked | CredentialStatus::Used)
        && form.status_since.trim().is_empty()
    {
        errors.push(FieldError::of(
            "status_since",
            Message::new("msg.precursor.credential.since_required").label("status", s.label_zh(), s.label_en()),
        ));
    }
    let written: Vec<(usize, &LineForm)> = form
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !(l.chemical.trim().is_empty() && l.quantity.trim().is_empty()))
        .map(|(i, l)| (i + 1, l))
        .collect();
    if written.is_empty() {
        errors.push(FieldError::of("lines", Message::new("msg.precursor.credential.no_lines")));
    } else if written.len() > MAX_LINES {
        errors.push(FieldError::of(
            "lines",
            Message::new("msg.precursor.credential.too_many_lines").text("max", MAX_LINES),
        ));
    }
    let mut lines: Vec<CredentialLine> = Vec::new();
    let line_error = |n: usize, problem: Message| {
        FieldError::of(
            "lines",
            Message::new("msg.precursor.credential.line").text("line", n).nested("problem", problem),
        )
    };
    if let Some(on) = valid_from {
        for (n, l) in &written {
            let entry = match catalogue.require("chemical", l.chemical.trim(), on) {
                Ok(r) => r.entry,
                Err(e) => {
                    errors.push(line_error(*n, e.message()));
                    continue;
                }
            };
            if lines.iter().any(|x| x.entry == entry.id) {
                errors.push(line_error(
                    *n,
                    Message::new("msg.precursor.credential.line_repeated").text("name", &entry.name_zh),
                ));
                continue;
            }
            let licensed = if l.quantity.trim().is_empty() {
                None
            } else {
                match Quantity::parse("quantity", &l.quantity, "unit", &l.unit)
                    .and_then(|q| q.to_measure(entry.measure, None, "unit"))
                {
                    Ok(q) => Some(q.amount),
                    Err(e) => {
                        errors.push(line_error(*n, e.message()));
                        continue;
                    }
                }
            };
            lines.push(CredentialLine { entry: entry.id.clone(), licensed });
        }
    }
    match (kind, valid_from, status) {
        (Some(kind), Some(valid_from), Some(status)) if errors.is_empty() => Ok(Checked {
            kind,
            number,
            issuer,
            valid_from,
            valid_to,
            status,
            status_since: if status == CredentialStatus::Valid { None } else { status_since },
            lines,
        }),
        _ => Err(errors),
    }
}

fn duplicate(number: &str) -> ServiceError {
    FieldError::of("number", Message::new("msg.precursor.credential.number_taken").text("number", shorten(number)))
        .into()
}

/// Whether the actor may register credentials (the form is drawn only then).
///
/// # Errors
/// Forbidden (`ManageCredentials`).
pub fn authorize_create(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::ManageCredentials)
}

/// Registers a credential for `enterprise`. Needs `ManageCredentials` (禁毒办, 派出所); the
/// enterprise within the actor's scope (else `NotFound`); the 证号 not yet registered; each
/// chemical on the catalogue in force on `valid_from` (P-01), its quantity converted to the
/// entry's whole g or mL. Audited `precursor.credential.create` with the values.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` with every problem at once, each naming its field (a line's
/// naming the line); nothing stored.
pub async fn create<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &CredentialForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageCredentials)?;
    load_visible(db, actor, enterprise).await?;
    let catalogue = super::catalogue::current(db).await?;
    let c = check(&catalogue, form).map_err(ServiceError::Invalid)?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::ManageCredentials).await?;
    if cred::Entity::find().filter(cred::Column::Number.eq(c.number.as_str())).one(&uow).await?.is_some() {
        return Err(duplicate(&c.number));
    }
    let id = Uuid::now_v7();
    let lines = serde_json::to_string(&c.lines).map_err(|e| ServiceError::Data(format!("credential lines: {e}")))?;
    cred::ActiveModel {
        id: Set(id),
        enterprise_id: Set(enterprise),
        kind: Set(c.kind.as_code().to_string()),
        number: Set(c.number.clone()),
        issuer: Set(c.issuer.clone()),
        valid_from: Set(c.valid_from),
        valid_to: Set(c.valid_to),
        status: Set(c.status.as_code().to_string()),
        status_since: Set(c.status_since),
        lines: Set(lines.clone()),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
        updated_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    let detail = format!(
        "enterprise={enterprise} kind={} number={} issuer={} valid={}..{} status={}{} lines={lines}",
        c.kind.as_code(),
        c.number,
        c.issuer,
        c.valid_from,
        c.valid_to.map_or_else(|| "-".to_string(), |d| d.to_string()),
        c.status.as_code(),
        c.status_since.map_or_else(String::new, |d| format!(" since {d}")),
    );
    uow.audit(audit::Entry::ok("precursor.credential.create", TABLE, id).with_detail(detail)).await?;
    // A new credential can clear findings (P-03, P-05, P-10) and raise P-06.
    super::checks::recheck(&uow, now, &[enterprise]).await?;
    super::risk::reassess(&uow, now, &[enterprise]).await?;
    uow.commit().await?;
    Ok(id)
}

/// Records a credential's status: 注销 (`cancelled`), 吊销 (`revoked`) or 已使用 (`used`) from
/// `since` (`YYYY-MM-DD`, not after today), or back to 有效 (`valid`, a mistaken entry undone;
/// `since` ignored). Needs `ManageCredentials`; the holder within the actor's scope; `version`
/// the one read (else `Conflict`). Audited `precursor.credential.status` with before and after.
///
/// # Errors
/// Forbidden; NotFound; Conflict; `Invalid` naming `status` or `status_since`; nothing stored.
pub async fn change_status<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    version: i32,
    status: &str,
    since: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageCredentials)?;
    let stored = cred::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("precursor_credential"))?;
    load_visible(db, actor, stored.enterprise_id).await.map_err(|_| ServiceError::NotFound("precursor_credential"))?;
    let mut errors = Vec::new();
    let new = match CredentialStatus::from_code(status.trim()) {
        Some(
            s @ (CredentialStatus::Cancelled
            | CredentialStatus::Revoked
            | CredentialStatus::Used
            | CredentialStatus::Valid),
        ) => Some(s),
        _ => {
            errors.push(FieldError::of(
                "status",
                Message::new("msg.precursor.credential.status_change").text("input", shorten(status.trim())),
            ));
            None
        }
    };
    let day = date_field("status_since", "状态起始日期", "Status since", since, &mut errors);
    if let Some(s) = new.filter(|s| *s != CredentialStatus::Valid) {
        match day {
            None if since.trim().is_empty() => errors.push(FieldError::of(
                "status_since",
                Message::new("msg.precursor.credential.since_required").label("status", s.label_zh(), s.label_en()),
            )),
            Some(d) if d > now.today => errors.push(FieldError::of(
                "status_since",
                Message::new("msg.precursor.credential.since_future").text("date", d).text("today", now.today),
            )),
            _ => {}
        }
    }
    let Some(new) = new.filter(|_| errors.is_empty()) else {
        return Err(ServiceError::Invalid(errors));
    };
    let since = if new == CredentialStatus::Valid { None } else { day };
    let uow = UnitOfWork::begin(db, actor, now, Permission::ManageCredentials).await?;
    let current =
        cred::Entity::find_by_id(id).one(&uow).await?.ok_or(ServiceError::NotFound("precursor_credential"))?;
    if current.version != version {
        return Err(ServiceError::Conflict);
    }
    let before =
        format!("{}{}", current.status, current.status_since.map_or_else(String::new, |d| format!(" since {d}")));
    let holder = current.enterprise_id;
    let mut model = current.into_active_model();
    model.status = Set(new.as_code().to_string());
    model.status_since = Set(since);
    model.version = Set(version + 1);
    model.updated_at = Set(now.instant);
    model.update(&uow).await?;
    let after = format!("{}{}", new.as_code(), since.map_or_else(String::new, |d| format!(" since {d}")));
    uow.audit(audit::Entry::ok("precursor.credential.status", TABLE, id).with_detail(format!("{before} → {after}")))
        .await?;
    super::checks::recheck(&uow, now, &[holder]).await?;
    super::risk::reassess(&uow, now, &[holder]).await?;
    uow.commit().await?;
    Ok(())
}

/// The enterprise id of credential `id`, when the actor sees it (for the pages' redirects).
///
/// # Errors
/// Forbidden, NotFound, Db.
pub async fn holder_of<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<Uuid> {
    actor.require(Permission::ViewEnterprises)?;
    let m = cred::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("precursor_credential"))?;
    load_visible(db, actor, m.enterprise_id).await.map_err(|_| ServiceError::NotFound("precursor_credential"))?;
    Ok(m.enterprise_id)
}
