//! 台账 the two-sided ledger of a precursor enterprise (issue #21 item 4; MODULES §1.7–§1.8):
//! movements (append-only; a correction is a reversing entry, never an update), stock-takes,
//! transports and incidents, the movement list with its filters and the monthly mass balance.
//!
//! Every write: `RecordLedger` before anything is read, the enterprise within the actor's scope
//! (a 企业 account: its own only; any other answers `NotFound` like a missing one, by
//! [`enterprises::load_visible`]), one [`UnitOfWork`] with its audit record, and then
//! [`after_ledger_write`]. An individual buyer's reference and an incident's description are
//! sealed by the vault (AAD `<table>.<column>:<id>`).

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, TimeZone, Utc};
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_domain::precursor::checks::Payment;
use jindu_domain::precursor::ledger::{
    self as rule, BalanceTolerances, IncidentKind, Movement, MovementInput, MovementKind, StockTake,
};
use jindu_domain::precursor::{Catalogue, Category, Density, Measure, Quantity, UnifiedSocialCreditCode};
use jindu_domain::{DivisionCode, DomainError, Permission};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{
    precursor_credential as cred, precursor_enterprise as ent, precursor_incident as inc, precursor_movement as mv,
    precursor_stock_take as st, precursor_transport as tr, precursor_warehouse as wh,
};
use crate::service::precursors::{catalogue, enterprises};
use crate::service::{Actor, FieldError, Page, ServiceError, ServiceResult, UnitOfWork, audit};
use crate::vault::Vault;

/// Movements per list page.
pub const PER_PAGE: u64 = 50;

/// Longest 单据号, carrier, vehicle (characters).
const MAX_SHORT: usize = 64;
/// Longest free text (an individual's reference, an incident's description, a reason).
const MAX_TEXT: usize = 2000;

/// Runs at the end of every ledger write, inside its unit of work before the commit, with the
/// enterprises the write touched (the enterprise and, for a flow, its counterparty on the
/// register): the automatic checks re-run for them (`checks::recheck`: P-01…P-14, the mass
/// balance, flow matching on both sides) and their risk tier is re-assessed (`risk::reassess`),
/// so the police inbox is current when the write returns.
pub(super) async fn after_ledger_write<C: ConnectionTrait>(
    db: &C,
    now: Now,
    enterprises: &[Uuid],
) -> ServiceResult<()> {
    super::checks::recheck(db, now, enterprises).await?;
    super::risk::reassess(db, now, enterprises).await
}

/// A movement as typed on the form or read from an import row: raw strings.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct MovementForm {
    /// Warehouse id, its order number (`1`) or its address; empty when the enterprise has one.
    #[serde(default)]
    pub warehouse: String,
    /// The chemical as written (name, alias, salt, CAS).
    #[serde(default)]
    pub chemical: String,
    /// [`MovementKind`] code or its Chinese label (`购入`).
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
    /// g/mL (`1.18`), when the unit's measure differs from the chemical's.
    #[serde(default)]
    pub density: String,
    /// 含量 (`36.5%`).
    #[serde(default)]
    pub concentration: String,
    #[serde(default)]
    pub date: String,
    /// 单据号, unique per enterprise.
    #[serde(default)]
    pub document_no: String,
    /// The counterparty's 统一社会信用代码 (purchase, sale, return).
    #[serde(default)]
    pub counterparty_code: String,
    /// An individual buyer's reference (sealed).
    #[serde(default)]
    pub counterparty_name: String,
    /// [`Payment`] code or label.
    #[serde(default)]
    pub payment: String,
    /// 证号 of the licence or filing the movement is made under.
    #[serde(default)]
    pub credential: String,
    /// 备案日期.
    #[serde(default)]
    pub filed_on: String,
}

/// A stock-take as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct StockTakeForm {
    #[serde(default)]
    pub warehouse: String,
    #[serde(default)]
    pub chemical: String,
    /// `0` allowed.
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub density: String,
    #[serde(default)]
    pub date: String,
}

/// A transport as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct TransportForm {
    #[serde(default)]
    pub chemical: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub density: String,
    /// 12-digit (or shorter) division codes.
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub destination: String,
    #[serde(default)]
    pub departed_on: String,
    /// 运输许可证/备案证明 证号.
    #[serde(default)]
    pub credential: String,
    #[serde(default)]
    pub carrier: String,
    #[serde(default)]
    pub vehicle: String,
    #[serde(default)]
    pub document_no: String,
}

/// An incident as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct IncidentForm {
    /// [`IncidentKind`] code.
    #[serde(default)]
    pub kind: String,
    /// Optional.
    #[serde(default)]
    pub chemical: String,
    /// Optional (with `unit`).
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub unit: String,
    /// `2026-12-01 09:30` (Beijing time) or a day.
    #[serde(default)]
    pub discovered_at: String,
    #[serde(default)]
    pub reported_at: String,
    /// Sealed.
    #[serde(default)]
    pub description: String,
}

fn invalid(errs: Vec<FieldError>) -> ServiceError {
    ServiceError::Invalid(errs)
}

fn msg(field: &'static str, code: &'static str) -> FieldError {
    FieldError::of(field, Message::new(code))
}

fn too_long(field: &'static str, max: usize) -> FieldError {
    FieldError::of(field, Message::new("msg.precursor.ledger.too_long").field("field", field).text("max", max))
}

/// A required short text, trimmed.
fn short(errs: &mut Vec<FieldError>, field: &'static str, text: &str, required: bool, max: usize) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        if required {
            errs.push(DomainError::Required { field }.into());
        }
        None
    } else if t.chars().count() > max || t.chars().any(char::is_control) && max == MAX_SHORT {
        errs.push(too_long(field, max));
        None
    } else {
        Some(t.to_string())
    }
}

fn date_of(errs: &mut Vec<FieldError>, field: &'static str, text: &str, today: NaiveDate) -> Option<NaiveDate> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match jindu_domain::event::parse_date(field, t) {
        Ok(d) if d > today => {
            errs.push(DomainError::DateInFuture { field, date: d, today }.into());
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errs.push(e.into());
            None
        }
    }
}

/// A density in g/mL (`1.18`, `1.18g/mL`) as mg/mL; empty → `None`.
fn density_of(errs: &mut Vec<FieldError>, text: &str) -> Option<Density> {
    let t: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    let t = t.trim_end_matches("g/mL").trim_end_matches("g/ml").trim_end_matches("克/毫升");
    if t.is_empty() {
        return None;
    }
    let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
    let ok = !whole.is_empty()
        && whole.len() <= 3
        && frac.len() <= 3
        && whole.chars().all(|c| c.is_ascii_digit())
        && frac.chars().all(|c| c.is_ascii_digit());
    let mg = if ok {
        let w: i64 = whole.parse().unwrap_or(0);
        let f: i64 = format!("{frac:0<3}").parse().unwrap_or(0);
        w * 1000 + f
    } else {
        0
    };
    if mg <= 0 {
        errs.push(FieldError::of(
            "density",
            Message::new("msg.precursor.ledger.density_invalid")
                .text("input", text.trim().chars().take(40).collect::<String>()),
        ));
        return None;
    }
    Some(Density { mg_per_ml: mg })
}

/// A movement kind from its code or its Chinese or English label (ERP exports write 购入, 采购入库…).
fn kind_of(text: &str) -> Option<MovementKind> {
    let t = text.trim();
    if let Some(k) = MovementKind::from_code(t) {
        return Some(k);
    }
    if let Some(k) = MovementKind::ALL.iter().find(|k| k.label_zh() == t || k.label_en().eq_ignore_ascii_case(t)) {
        return Some(*k);
    }
    let has = |words: &[&str]| words.iter().any(|w| t.contains(w));
    if has(&["冲销", "红冲"]) {
        None
    } else if has(&["采购", "购入", "购进"]) {
        Some(MovementKind::Purchase)
    } else if has(&["生产入库", "产成品", "生产"]) {
        Some(MovementKind::Production)
    } else if has(&["退回", "退货"]) {
        Some(MovementKind::Return)
    } else if has(&["销售", "售出"]) {
        Some(MovementKind::Sale)
    } else if has(&["领用", "使用", "消耗", "生产领料"]) {
        Some(MovementKind::Use)
    } else if has(&["丢失", "被盗", "遗失"]) {
        Some(MovementKind::Loss)
    } else if has(&["销毁", "报废"]) {
        Some(MovementKind::Destruction)
    } else {
        None
    }
}

fn payment_of(text: &str) -> Option<Payment> {
    let t = text.trim();
    if let Some(p) = Payment::from_code(t) {
        return Some(p);
    }
    if let Some(p) = Payment::ALL.iter().copied().find(|p| p.label_zh() == t || p.label_en().eq_ignore_ascii_case(t)) {
        return Some(p);
    }
    match t {
        "银行转账" | "对公转账" | "电汇" | "汇款" => Some(Payment::Transfer),
        "现款" | "现金支付" => Some(Payment::Cash),
        _ => None,
    }
}

fn category_number(c: Category) -> i32 {
    match c {
        Category::One => 1,
        Category::Two => 2,
        Category::Three => 3,
    }
}

fn category_of(n: i32) -> Category {
    match n {
        1 => Category::One,
        2 => Category::Two,
        _ => Category::Three,
    }
}

/// The warehouse a form or row names: its id, its order number on the record (`1`), or its
/// address; empty when the enterprise has exactly one.
fn warehouse_of(errs: &mut Vec<FieldError>, warehouses: &[wh::Model], text: &str) -> Option<Uuid> {
    let t = text.trim();
    let found = if t.is_empty() && warehouses.len() == 1 {
        warehouses.first()
    } else if t.is_empty() {
        errs.push(DomainError::Required { field: "warehouse" }.into());
        return None;
    } else {
        warehouses.iter().find(|w| {
            w.id.to_string() == t || w.seq.to_string() == t || w.address == t || format!("仓库{}", w.seq) == t
        })
    };
    match found {
        Some(w) => Some(w.id),
        None => {
            errs.push(FieldError::of(
                "warehouse",
                Message::new("msg.precursor.ledger.warehouse_unknown")
                    .text("input", t.chars().take(60).collect::<String>()),
            ));
            None
        }
    }
}

async fn credential_of<C: ConnectionTrait>(
    db: &C,
    errs: &mut Vec<FieldError>,
    field: &'static str,
    text: &str,
) -> ServiceResult<Option<Uuid>> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match cred::Entity::find().filter(cred::Column::Number.eq(t)).one(db).await? {
        Some(c) => Ok(Some(c.id)),
        None => {
            errs.push(FieldError::of(
                field,
                Message::new("msg.precursor.ledger.credential_unknown")
                    .text("number", t.chars().take(60).collect::<String>()),
            ));
            Ok(None)
        }
    }
}

/// The enterprise's warehouses in their order.
async fn warehouses_of<C: ConnectionTrait>(db: &C, enterprise: Uuid) -> ServiceResult<Vec<wh::Model>> {
    Ok(wh::Entity::find().filter(wh::Column::EnterpriseId.eq(enterprise)).order_by_asc(wh::Column::Seq).all(db).await?)
}

fn duplicate_document(no: &str) -> FieldError {
    FieldError::of("document_no", Message::new("msg.precursor.ledger.document_duplicate").text("number", no))
}

/// A movement checked against the catalogue and the register, ready to insert.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    pub(crate) id: Uuid,
    pub(crate) model: mv::ActiveModel,
    pub(crate) counterparty_id: Option<Uuid>,
    pub(crate) document_no: String,
    pub(crate) entry: String,
    pub(crate) summary: String,
}

/// Checks a movement form of `enterprise` (every problem at once): the domain's
/// [`rule::check_movement`] (date, kind, quantity, unit, density, chemical on the catalogue that
/// day), the warehouse, the 单据号 (given, not used before by the enterprise — the caller checks
/// duplicates within a file), the counterparty (a valid credit code, or an individual's reference,
/// for purchases, sales and returns), the payment, the credential number and the filing day.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn prepare_movement<C: ConnectionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: &ent::Model,
    warehouses: &[wh::Model],
    cat: &Catalogue,
    form: &MovementForm,
    source: &str,
) -> ServiceResult<Result<Prepared, Vec<FieldError>>> {
    let mut errs = Vec::new();
    let id = Uuid::now_v7();
    let warehouse = warehouse_of(&mut errs, warehouses, &form.warehouse);
    let density = density_of(&mut errs, &form.density);
    let date = match form.date.trim() {
        "" => None,
        t => match jindu_domain::event::parse_date("date", t) {
            Ok(d) => Some(d),
            Err(e) => {
                errs.push(e.into());
                None
            }
        },
    };
    let kind = kind_of(&form.kind);
    let kind_code = kind.map_or_else(|| form.kind.trim().to_string(), |k| k.as_code().to_string());
    let id_text = id.to_string();
    let ent_text = enterprise.id.to_string();
    let wh_text = warehouse.map(|w| w.to_string()).unwrap_or_default();
    let input = MovementInput {
        id: &id_text,
        enterprise: &ent_text,
        warehouse: &wh_text,
        chemical: form.chemical.trim(),
        kind: &kind_code,
        amount: form.amount.trim(),
        unit: form.unit.trim(),
        density,
        date: if form.date.trim().is_empty() { None } else { date },
        counterparty: None,
        reverses: None,
        concentration: form.concentration.trim(),
    };
    let checked = if form.date.trim().is_empty() || date.is_some() {
        match rule::check_movement(&input, cat, now.today) {
            Ok(m) => Some(m),
            Err(es) => {
                errs.extend(es.into_iter().map(FieldError::from));
                None
            }
        }
    } else {
        None
    };
    let document_no = short(&mut errs, "document_no", &form.document_no, true, MAX_SHORT);
    if let Some(no) = &document_no
        && mv::Entity::find()
            .filter(mv::Column::EnterpriseId.eq(enterprise.id))
            .filter(mv::Column::DocumentNo.eq(no.as_str()))
            .count(db)
            .await?
            > 0
    {
        errs.push(duplicate_document(no));
    }
    let flow = matches!(kind, Some(MovementKind::Purchase | MovementKind::Sale | MovementKind::Return));
    let code_text = form.counterparty_code.trim();
    let name = short(&mut errs, "counterparty_name", &form.counterparty_name, false, MAX_TEXT);
    let mut counterparty_code = None;
    let mut counterparty_id = None;
    if !code_text.is_empty() {
        match UnifiedSocialCreditCode::parse(code_text) {
            Ok(c) => {
                counterparty_id = ent::Entity::find()
                    .filter(ent::Column::CreditCode.eq(c.as_str()))
                    .one(db)
                    .await?
                    .map(|m| m.id)
                    .filter(|i| *i != enterprise.id);
                counterparty_code = Some(c.as_str().to_string());
            }
            Err(reason) => errs.push(DomainError::CreditCode { field: "counterparty_code", reason }.into()),
        }
    } else if flow && name.is_none() {
        errs.push(DomainError::Required { field: "counterparty_code" }.into());
    }
    let payment = match form.payment.trim() {
        "" => None,
        t => match payment_of(t) {
            Some(p) => Some(p),
            None => {
                errs.push(DomainError::InvalidChoice { field: "payment", input: t.chars().take(40).collect() }.into());
                None
            }
        },
    };
    let credential_id = credential_of(db, &mut errs, "credential", &form.credential).await?;
    let filed_on = date_of(&mut errs, "filed_on", &form.filed_on, now.today);
    let (Some(m), Some(warehouse), Some(document_no), true) = (checked, warehouse, document_no, errs.is_empty()) else {
        return Ok(Err(errs));
    };
    let sealed_name = match &name {
        Some(n) => Some(vault.seal("precursor_movement", "counterparty_name", &id_text, n)?),
        None => None,
    };
    let measure = cat.entries().iter().find(|e| e.id == m.entry).map_or(Measure::Mass, |e| e.measure);
    let summary = format!(
        "document_no={document_no} warehouse={warehouse} entry={} kind={} quantity={}{} date={} counterparty={} individual={} credential={}",
        m.entry,
        m.kind.as_code(),
        m.quantity,
        measure.as_code(),
        m.date,
        counterparty_code.as_deref().unwrap_or("-"),
        if name.is_some() { "yes" } else { "no" },
        credential_id.map_or_else(|| "-".to_string(), |c| c.to_string()),
    );
    let model = mv::ActiveModel {
        id: Set(id),
        enterprise_id: Set(enterprise.id),
        division_code: Set(enterprise.division_code.clone()),
        warehouse_id: Set(warehouse),
        entry: Set(m.entry.clone()),
        category: Set(category_number(m.category)),
        measure: Set(measure.as_code().to_string()),
        kind: Set(m.kind.as_code().to_string()),
        quantity: Set(m.quantity),
        concentration_bp: Set(m.concentration.map(|c| i32::try_from(c.basis_points).unwrap_or(i32::MAX))),
        occurred_on: Set(m.date),
        document_no: Set(document_no.clone()),
        counterparty_code: Set(counterparty_code),
        counterparty_id: Set(counterparty_id),
        counterparty_name: Set(sealed_name),
        payment: Set(payment.map(|p| p.as_code().to_string())),
        credential_id: Set(credential_id),
        filed_on: Set(filed_on),
        reverses: Set(None),
        source: Set(source.to_string()),
        import_job_id: Set(None),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    };
    Ok(Ok(Prepared { id, model, counterparty_id, document_no, entry: m.entry.clone(), summary }))
}

/// The enterprise `id` for a ledger write or read by `actor`: `NotFound` outside the scope and,
/// for a 企业 account, for any enterprise but its own.
pub(crate) async fn ledger_enterprise<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    id: Uuid,
) -> ServiceResult<ent::Model> {
    enterprises::load_visible(db, actor, id).await
}

/// Whether the actor may write ledgers (the forms are drawn only then).
///
/// # Errors
/// Forbidden (`RecordLedger`).
pub fn authorize_record(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::RecordLedger)
}

/// Records a movement in the ledger of `enterprise`. Needs `RecordLedger`; the enterprise in
/// the actor's scope (a 企业 account: its own). Audited `precursor.movement.create` (the
/// individual's reference only as present or not).
///
/// # Errors
/// Forbidden; NotFound; `Invalid` with every problem at once, each naming its field; nothing
/// stored.
pub async fn record_movement<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &MovementForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    let warehouses = warehouses_of(&uow, e.id).await?;
    let p = prepare_movement(&uow, vault, actor, now, &e, &warehouses, &cat, form, "form").await?.map_err(invalid)?;
    p.model.insert(&uow).await?;
    uow.audit(audit::Entry::ok("precursor.movement.create", "precursor_movement", p.id).with_detail(p.summary)).await?;
    let touched: Vec<Uuid> = std::iter::once(e.id).chain(p.counterparty_id).collect();
    after_ledger_write(&uow, now, &touched).await?;
    uow.commit().await?;
    Ok(p.id)
}

/// Records the reversing entry (冲销) of `movement`: a new entry of the same warehouse, chemical,
/// kind and quantity, dated as the movement it cancels (so the month's balance nets out), with
/// its own 单据号 (`document_no`; empty: the reversed one's with `-冲销`), never an update. The
/// domain's [`rule::check_reversal`]: not a reversal itself, not reversed before. `reason` is
/// required and kept in the audit record `precursor.movement.reverse`.
///
/// # Errors
/// Forbidden; NotFound (enterprise or movement); `Invalid` naming `reverses`, `reason` or
/// `document_no`; nothing stored.
#[allow(clippy::too_many_arguments)]
pub async fn reverse_movement<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    movement: &str,
    document_no: &str,
    reason: &str,
) -> ServiceResult<Uuid> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let movement = crate::service::sub_id("movement", movement)?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    let original = mv::Entity::find_by_id(movement)
        .filter(mv::Column::EnterpriseId.eq(e.id))
        .one(&uow)
        .await?
        .ok_or(ServiceError::NotFound("precursor_movement"))?;
    let mut errs = Vec::new();
    let reason = short(&mut errs, "reason", reason, true, MAX_TEXT);
    let no = match document_no.trim() {
        "" => format!("{}-冲销", original.document_no),
        t => t.to_string(),
    };
    let no = short(&mut errs, "document_no", &no, true, MAX_SHORT);
    if let Some(n) = &no
        && mv::Entity::find()
            .filter(mv::Column::EnterpriseId.eq(e.id))
            .filter(mv::Column::DocumentNo.eq(n.as_str()))
            .count(&uow)
            .await?
            > 0
    {
        errs.push(duplicate_document(n));
    }
    let related = mv::Entity::find()
        .filter(mv::Column::EnterpriseId.eq(e.id))
        .filter(sea_orm::Condition::any().add(mv::Column::Id.eq(original.id)).add(mv::Column::Reverses.eq(original.id)))
        .all(&uow)
        .await?;
    let ledger: Vec<Movement> = related.iter().map(domain_movement).collect::<ServiceResult<_>>()?;
    let id = Uuid::now_v7();
    let mut reversal = domain_movement(&original)?;
    reversal.id = id.to_string();
    reversal.reverses = Some(original.id.to_string());
    if let Err(err) = rule::check_reversal(&reversal, &ledger) {
        errs.push(err.into());
    }
    let (Some(reason), Some(no), true) = (reason, no, errs.is_empty()) else {
        return Err(invalid(errs));
    };
    mv::ActiveModel {
        id: Set(id),
        enterprise_id: Set(e.id),
        division_code: Set(original.division_code.clone()),
        warehouse_id: Set(original.warehouse_id),
        entry: Set(original.entry.clone()),
        category: Set(original.category),
        measure: Set(original.measure.clone()),
        kind: Set(original.kind.clone()),
        quantity: Set(original.quantity),
        concentration_bp: Set(original.concentration_bp),
        occurred_on: Set(original.occurred_on),
        document_no: Set(no.clone()),
        counterparty_code: Set(original.counterparty_code.clone()),
        counterparty_id: Set(original.counterparty_id),
        counterparty_name: Set(None),
        payment: Set(original.payment.clone()),
        credential_id: Set(original.credential_id),
        filed_on: Set(None),
        reverses: Set(Some(original.id)),
        source: Set("reversal".into()),
        import_job_id: Set(None),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    uow.audit(
        audit::Entry::ok("precursor.movement.reverse", "precursor_movement", id)
            .with_detail(format!("reverses={} document_no={no} reason={reason}", original.id)),
    )
    .await?;
    let touched: Vec<Uuid> = std::iter::once(e.id).chain(original.counterparty_id).collect();
    after_ledger_write(&uow, now, &touched).await?;
    uow.commit().await?;
    Ok(id)
}

/// The quantity of a form in the entry's measure (`allow_zero`: a stock-take of nothing).
fn quantity_in(
    errs: &mut Vec<FieldError>,
    amount: &str,
    unit: &str,
    density: Option<Density>,
    measure: Option<Measure>,
    allow_zero: bool,
) -> Option<i64> {
    if amount.trim().is_empty() {
        errs.push(DomainError::Required { field: "quantity" }.into());
        return None;
    }
    let zero = allow_zero && {
        let t = amount.trim();
        !t.is_empty() && t.trim_start_matches(['0', '.']).is_empty() && t.starts_with('0')
    };
    if zero {
        // Check the unit all the same.
        if jindu_domain::precursor::Unit::parse(unit).is_none() {
            errs.push(
                DomainError::Precursor {
                    field: "unit",
                    problem: jindu_domain::precursor::Problem::UnitUnknown { input: unit.trim().to_string() },
                }
                .into(),
            );
            return None;
        }
        return Some(0);
    }
    match Quantity::parse("quantity", amount, "unit", unit) {
        Ok(q) => match measure {
            Some(m) => q.to_measure(m, density, "density").map(|q| q.amount).map_err(|e| errs.push(e.into())).ok(),
            None => Some(q.amount),
        },
        Err(e) => {
            errs.push(e.into());
            None
        }
    }
}

/// The catalogue entry of `chemical` on `date` (P-01: refused when not in force).
fn entry_on<'a>(
    errs: &mut Vec<FieldError>,
    cat: &'a Catalogue,
    chemical: &str,
    date: Option<NaiveDate>,
    required: bool,
) -> Option<&'a jindu_domain::precursor::Entry> {
    let t = chemical.trim();
    if t.is_empty() {
        if required {
            errs.push(DomainError::Required { field: "chemical" }.into());
        }
        return None;
    }
    let d = date?;
    cat.require("chemical", t, d).map(|r| r.entry).map_err(|e| errs.push(e.into())).ok()
}

/// Records a stock-take (盘点): the counted quantity (0 allowed) of a chemical in a warehouse of
/// `enterprise` at the end of a day not in the future; one count per warehouse × chemical × day.
/// Needs `RecordLedger`; audited `precursor.stock_take.create`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming each field; nothing stored.
pub async fn record_stock_take<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &StockTakeForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    let warehouses = warehouses_of(&uow, e.id).await?;
    let mut errs = Vec::new();
    let warehouse = warehouse_of(&mut errs, &warehouses, &form.warehouse);
    let date = date_of(&mut errs, "date", &form.date, now.today);
    if form.date.trim().is_empty() {
        errs.push(DomainError::Required { field: "date" }.into());
    }
    let density = density_of(&mut errs, &form.density);
    let entry = entry_on(&mut errs, &cat, &form.chemical, date, true);
    let counted = quantity_in(&mut errs, &form.amount, &form.unit, density, entry.map(|x| x.measure), true);
    let (Some(warehouse), Some(date), Some(entry), Some(counted), true) =
        (warehouse, date, entry, counted, errs.is_empty())
    else {
        return Err(invalid(errs));
    };
    let exists = st::Entity::find()
        .filter(st::Column::WarehouseId.eq(warehouse))
        .filter(st::Column::Entry.eq(entry.id.as_str()))
        .filter(st::Column::CountedOn.eq(date))
        .count(&uow)
        .await?;
    if exists > 0 {
        return Err(FieldError::of(
            "date",
            Message::new("msg.precursor.ledger.stock_take_duplicate").text("date", date),
        )
        .into());
    }
    let id = Uuid::now_v7();
    st::ActiveModel {
        id: Set(id),
        enterprise_id: Set(e.id),
        warehouse_id: Set(warehouse),
        entry: Set(entry.id.clone()),
        counted_on: Set(date),
        counted: Set(counted),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    uow.audit(
        audit::Entry::ok("precursor.stock_take.create", "precursor_stock_take", id)
            .with_detail(format!("warehouse={warehouse} entry={} counted={counted} date={date}", entry.id)),
    )
    .await?;
    after_ledger_write(&uow, now, &[e.id]).await?;
    uow.commit().await?;
    Ok(id)
}

fn division_of(errs: &mut Vec<FieldError>, field: &'static str, text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        errs.push(DomainError::Required { field }.into());
        return None;
    }
    match DivisionCode::parse(t) {
        Ok(c) => Some(c.to_string()),
        Err(_) => {
            errs.push(DomainError::InvalidChoice { field, input: t.chars().take(40).collect() }.into());
            None
        }
    }
}

/// Records a transport (运输记录) of `enterprise` as shipper: chemical on the catalogue on the
/// day of departure (not in the future), quantity, origin and destination as division codes, the
/// permit's or filing's 证号 (known, when given), carrier, vehicle, 单据号. Needs `RecordLedger`;
/// audited `precursor.transport.create`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming each field; nothing stored.
pub async fn record_transport<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &TransportForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    let mut errs = Vec::new();
    let date = date_of(&mut errs, "departed_on", &form.departed_on, now.today);
    if form.departed_on.trim().is_empty() {
        errs.push(DomainError::Required { field: "departed_on" }.into());
    }
    let density = density_of(&mut errs, &form.density);
    let entry = entry_on(&mut errs, &cat, &form.chemical, date, true);
    let quantity = quantity_in(&mut errs, &form.amount, &form.unit, density, entry.map(|x| x.measure), false);
    let origin = division_of(&mut errs, "origin", &form.origin);
    let destination = division_of(&mut errs, "destination", &form.destination);
    let credential_id = credential_of(&uow, &mut errs, "credential", &form.credential).await?;
    let carrier = short(&mut errs, "carrier", &form.carrier, true, MAX_SHORT);
    let vehicle = short(&mut errs, "vehicle", &form.vehicle, false, MAX_SHORT);
    let document_no = short(&mut errs, "document_no", &form.document_no, true, MAX_SHORT);
    let (Some(date), Some(entry), Some(quantity), Some(origin), Some(destination), Some(carrier), Some(no), true) =
        (date, entry, quantity, origin, destination, carrier, document_no, errs.is_empty())
    else {
        return Err(invalid(errs));
    };
    let id = Uuid::now_v7();
    tr::ActiveModel {
        id: Set(id),
        enterprise_id: Set(e.id),
        entry: Set(entry.id.clone()),
        quantity: Set(quantity),
        origin: Set(origin.clone()),
        destination: Set(destination.clone()),
        departed_on: Set(date),
        credential_id: Set(credential_id),
        carrier: Set(carrier.clone()),
        vehicle: Set(vehicle),
        document_no: Set(no.clone()),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    uow.audit(audit::Entry::ok("precursor.transport.create", "precursor_transport", id).with_detail(format!(
        "entry={} quantity={quantity} origin={origin} destination={destination} departed_on={date} document_no={no}",
        entry.id
    )))
    .await?;
    after_ledger_write(&uow, now, &[e.id]).await?;
    uow.commit().await?;
    Ok(id)
}

/// A day and time of day in Beijing time (`2026-12-01 09:30`, or a day: its start).
fn instant_of(errs: &mut Vec<FieldError>, field: &'static str, text: &str, now: Now) -> Option<DateTime<Utc>> {
    let t = text.trim().replace('T', " ");
    if t.is_empty() {
        return None;
    }
    let (day, time) = match t.split_once(' ') {
        Some((d, h)) => (d.to_string(), Some(h.trim().to_string())),
        None => (t.clone(), None),
    };
    let bad = || DomainError::InvalidDate { field, input: text.trim().chars().take(40).collect() };
    let Ok(d) = jindu_domain::event::parse_date(field, &day) else {
        errs.push(bad().into());
        return None;
    };
    let time = match time {
        None => NaiveTime::MIN,
        Some(h) => {
            match NaiveTime::parse_from_str(&h, "%H:%M").or_else(|_| NaiveTime::parse_from_str(&h, "%H:%M:%S")) {
                Ok(x) => x,
                Err(_) => {
                    errs.push(bad().into());
                    return None;
                }
            }
        }
    };
    // Beijing time: UTC+8 all year (no daylight saving since 1991).
    let local = chrono::FixedOffset::east_opt(8 * 3600).and_then(|z| z.from_local_datetime(&d.and_time(time)).single());
    match local.map(|l| l.with_timezone(&Utc)) {
        Some(i) if i > now.instant => {
            errs.push(DomainError::DateInFuture { field, date: d, today: now.today }.into());
            None
        }
        Some(i) => Some(i),
        None => {
            errs.push(bad().into());
            None
        }
    }
}

/// Records an incident (案事件: loss, theft, robbery, suspicious order; 条例 §34): the kind, the
/// chemical and quantity when known, when it was discovered and reported (not in the future;
/// reported not before discovered), the description sealed. Needs `RecordLedger`; audited
/// `precursor.incident.create` without the description.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming each field; nothing stored.
pub async fn record_incident<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    form: &IncidentForm,
) -> ServiceResult<Uuid> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let mut errs = Vec::new();
    let kind = match form.kind.trim() {
        "" => {
            errs.push(DomainError::Required { field: "incident_kind" }.into());
            None
        }
        t => {
            let k =
                IncidentKind::from_code(t).or_else(|| IncidentKind::ALL.iter().copied().find(|k| k.label_zh() == t));
            if k.is_none() {
                errs.push(
                    DomainError::InvalidChoice { field: "incident_kind", input: t.chars().take(40).collect() }.into(),
                );
            }
            k
        }
    };
    let discovered = instant_of(&mut errs, "discovered_at", &form.discovered_at, now);
    if form.discovered_at.trim().is_empty() {
        errs.push(DomainError::Required { field: "discovered_at" }.into());
    }
    let reported = instant_of(&mut errs, "reported_at", &form.reported_at, now);
    if let (Some(d), Some(r)) = (discovered, reported)
        && r < d
    {
        errs.push(msg("reported_at", "msg.precursor.ledger.reported_before_discovered"));
    }
    let day = discovered.map(jindu_domain::clock::shanghai_date);
    let entry = entry_on(&mut errs, &cat, &form.chemical, day, false);
    let quantity = if form.amount.trim().is_empty() {
        None
    } else {
        quantity_in(&mut errs, &form.amount, &form.unit, None, entry.map(|x| x.measure), false)
    };
    let description = short(&mut errs, "description", &form.description, true, MAX_TEXT);
    let (Some(kind), Some(discovered), Some(description), true) = (kind, discovered, description, errs.is_empty())
    else {
        return Err(invalid(errs));
    };
    let id = Uuid::now_v7();
    let sealed = vault.seal("precursor_incident", "description", &id.to_string(), &description)?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    inc::ActiveModel {
        id: Set(id),
        enterprise_id: Set(e.id),
        kind: Set(kind.as_code().to_string()),
        entry: Set(entry.map(|x| x.id.clone())),
        quantity: Set(quantity),
        discovered_at: Set(discovered),
        reported_at: Set(reported),
        description: Set(sealed),
        recorded_by: Set(actor.user_id),
        recorded_at: Set(now.instant),
    }
    .insert(&uow)
    .await?;
    uow.audit(audit::Entry::ok("precursor.incident.create", "precursor_incident", id).with_detail(format!(
        "kind={} entry={} discovered_at={discovered} reported={}",
        kind.as_code(),
        entry.map_or("-", |x| x.id.as_str()),
        if reported.is_some() { "yes" } else { "no" }
    )))
    .await?;
    after_ledger_write(&uow, now, &[e.id]).await?;
    uow.commit().await?;
    Ok(id)
}

/// A stored movement as the domain's.
fn domain_movement(m: &mv::Model) -> ServiceResult<Movement> {
    Ok(Movement {
        id: m.id.to_string(),
        enterprise: m.enterprise_id.to_string(),
        warehouse: m.warehouse_id.to_string(),
        entry: m.entry.clone(),
        category: category_of(m.category),
        kind: crate::service::stored("movement kind", &m.kind, MovementKind::from_code)?,
        quantity: m.quantity,
        date: m.occurred_on,
        counterparty: m.counterparty_code.clone(),
        reverses: m.reverses.map(|r| r.to_string()),
        concentration: m
            .concentration_bp
            .and_then(|b| u32::try_from(b).ok())
            .map(|b| jindu_domain::precursor::Concentration { basis_points: b }),
    })
}

/// The movement list's filter as typed (query string).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct MovementFilter {
    /// A catalogue entry id (`e21`); empty: all.
    #[serde(default)]
    pub chemical: String,
    /// A kind code; empty: all.
    #[serde(default)]
    pub kind: String,
    /// `2026-10`; empty: all.
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub page: String,
}

/// A row of the movement list (no personal data: an individual counterparty shows as such).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MovementRow {
    pub id: Uuid,
    pub date: NaiveDate,
    pub document_no: String,
    pub warehouse: String,
    pub entry: String,
    pub chemical: String,
    pub kind: MovementKind,
    /// g or mL.
    pub quantity: i64,
    pub measure: String,
    /// 含量 in basis points.
    pub concentration_bp: Option<i32>,
    pub counterparty_code: Option<String>,
    /// The counterparty is an individual (reference sealed).
    pub individual: bool,
    pub payment: Option<String>,
    /// This entry reverses that one.
    pub reverses: Option<Uuid>,
    /// This entry was reversed by another.
    pub reversed: bool,
    pub source: String,
}

/// Catalogue entry ids as static text, for the refusal of a chemical filter that names none.
const ENTRY_IDS: &[&str] = &[
    "e01", "e02", "e03", "e04", "e05", "e06", "e07", "e08", "e09", "e10", "e11", "e12", "e13", "e14", "e15", "e16",
    "e17", "e18", "e19", "e20", "e21", "e22", "e23", "e24", "e25", "e26", "e27", "e28", "e29", "e30", "e31", "e32",
    "e33", "e34", "e35", "e36", "e37", "e38", "e39", "e40", "e41", "e42", "e43", "e44", "e45", "e46", "e47", "e48",
    "e49", "e50", "e51", "e52", "e53", "e54", "e55", "e56", "e57", "e58", "e59", "e60", "e61", "e62", "e63", "e64",
    "e65", "e66", "e67", "e68", "e69", "e70", "e71", "e72", "e73", "e74", "e75", "e76", "e77", "e78", "e79", "e80",
    "e81", "e82", "e83", "e84", "e85", "e86", "e87", "e88", "e89", "e90", "e91", "e92", "e93", "e94", "e95", "e96",
    "e97", "e98", "e99",
];

/// The checked filter: (entry, kind, (first, last day of the month), page).
type CheckedFilter = (Option<String>, Option<MovementKind>, Option<(NaiveDate, NaiveDate)>, u64);

fn check_filter(f: &MovementFilter, cat: &Catalogue) -> ServiceResult<CheckedFilter> {
    use jindu_domain::query;
    let mut c = query::Check::new();
    let chemical = match f.chemical.trim() {
        "" => None,
        t if cat.entries().iter().any(|e| e.id == t) => Some(t.to_string()),
        t => {
            let ids = cat
                .entries()
                .iter()
                .filter_map(|e| ENTRY_IDS.iter().find(|s| **s == e.id).copied())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            c.take::<()>(Err(DomainError::InvalidFilter {
                field: "chemical",
                input: t.chars().take(40).collect(),
                expected: query::Expected::OneOf(ids),
            }));
            None
        }
    };
    let kind = c.take(query::choice("kind", &f.kind, MovementKind::ALL, MovementKind::as_code));
    let month = match f.month.trim() {
        "" => None,
        t => {
            let first = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d").ok();
            match first {
                Some(d) => {
                    let next = if d.month() == 12 {
                        NaiveDate::from_ymd_opt(d.year() + 1, 1, 1)
                    } else {
                        NaiveDate::from_ymd_opt(d.year(), d.month() + 1, 1)
                    };
                    next.and_then(|n| n.pred_opt()).map(|last| (d, last))
                }
                None => {
                    // A month is read as its first day (`2026-10` → 2026-10-01).
                    c.take::<()>(Err(DomainError::InvalidFilter {
                        field: "month",
                        input: t.chars().take(40).collect(),
                        expected: query::Expected::Date,
                    }));
                    None
                }
            }
        }
    };
    let page = c.take(query::page("page", &f.page)).max(1);
    crate::service::query_checked(c)?;
    Ok((chemical, kind, month, page))
}

fn filtered(enterprise: Uuid, f: &CheckedFilter) -> Select<mv::Entity> {
    let mut q = mv::Entity::find().filter(mv::Column::EnterpriseId.eq(enterprise));
    if let Some(e) = &f.0 {
        q = q.filter(mv::Column::Entry.eq(e.as_str()));
    }
    if let Some(k) = f.1 {
        q = q.filter(mv::Column::Kind.eq(k.as_code()));
    }
    if let Some((a, b)) = f.2 {
        q = q.filter(mv::Column::OccurredOn.between(a, b));
    }
    q
}

fn entry_name(cat: &Catalogue, id: &str) -> String {
    cat.entries().iter().find(|e| e.id == id).map_or_else(|| id.to_string(), |e| e.name_zh.clone())
}

async fn rows_of<C: ConnectionTrait>(
    db: &C,
    cat: &Catalogue,
    enterprise: Uuid,
    models: Vec<mv::Model>,
) -> ServiceResult<Vec<MovementRow>> {
    let warehouses: HashMap<Uuid, String> =
        warehouses_of(db, enterprise).await?.into_iter().map(|w| (w.id, w.address)).collect();
    let ids: Vec<Uuid> = models.iter().map(|m| m.id).collect();
    let reversed: HashSet<Uuid> = if ids.is_empty() {
        HashSet::new()
    } else {
        mv::Entity::find()
            .filter(mv::Column::Reverses.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .filter_map(|m| m.reverses)
            .collect()
    };
    models
        .into_iter()
        .map(|m| {
            Ok(MovementRow {
                kind: crate::service::stored("movement kind", &m.kind, MovementKind::from_code)?,
                chemical: entry_name(cat, &m.entry),
                warehouse: warehouses.get(&m.warehouse_id).cloned().unwrap_or_default(),
                reversed: reversed.contains(&m.id),
                individual: m.counterparty_name.is_some(),
                id: m.id,
                date: m.occurred_on,
                document_no: m.document_no,
                entry: m.entry,
                quantity: m.quantity,
                measure: m.measure,
                concentration_bp: m.concentration_bp,
                counterparty_code: m.counterparty_code,
                payment: m.payment,
                reverses: m.reverses,
                source: m.source,
            })
        })
        .collect()
}

/// The movements of `enterprise` with filters and paging, newest day first. Needs
/// `ViewEnterprises`; the enterprise visible to the actor (else `NotFound`). No personal data is
/// opened (an individual counterparty shows as such).
///
/// # Errors
/// Forbidden; NotFound; `Invalid` for a refused filter value.
pub async fn movements<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    enterprise: Uuid,
    filter: &MovementFilter,
) -> ServiceResult<Page<MovementRow>> {
    actor.require(Permission::ViewEnterprises)?;
    let cat = catalogue::current(db).await?;
    // The filter is read strictly before the enterprise is looked up (a bad value is a 422).
    let f = check_filter(filter, &cat)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let q = filtered(e.id, &f);
    let total = q.clone().count(db).await?;
    let page = crate::service::page_within(f.3, total, PER_PAGE);
    let models = q
        .order_by_desc(mv::Column::OccurredOn)
        .order_by_desc(mv::Column::RecordedAt)
        .order_by_desc(mv::Column::Id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE)
        .all(db)
        .await?;
    Ok(Page { rows: rows_of(db, &cat, e.id, models).await?, page, per_page: PER_PAGE, total })
}

/// Every movement of [`movements`] with `filter` (its page ignored), for the Excel export.
///
/// # Errors
/// As [`movements`].
pub async fn movements_all<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    enterprise: Uuid,
    filter: &MovementFilter,
) -> ServiceResult<Vec<MovementRow>> {
    actor.require(Permission::ViewEnterprises)?;
    let cat = catalogue::current(db).await?;
    // The filter is read strictly before the enterprise is looked up (a bad value is a 422).
    let f = check_filter(filter, &cat)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let models = filtered(e.id, &f)
        .order_by_desc(mv::Column::OccurredOn)
        .order_by_desc(mv::Column::RecordedAt)
        .order_by_desc(mv::Column::Id)
        .all(db)
        .await?;
    rows_of(db, &cat, e.id, models).await
}

/// A month's balance as shown: the domain's [`rule::Balance`] with the warehouse's address and
/// the chemical's name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BalanceRow {
    pub warehouse: String,
    pub chemical: String,
    pub measure: String,
    pub balance: rule::Balance,
}

/// The balance tolerances in force: the domain defaults (0 for category 1; MODULES §1.8).
pub fn tolerances() -> BalanceTolerances {
    BalanceTolerances::default()
}

/// The monthly balances of `enterprise` per warehouse × chemical × month (domain
/// [`rule::monthly_balances`] over every movement and stock-take, reversals netted, at
/// [`tolerances`]), flagged gaps marked. Needs `ViewEnterprises`; the enterprise visible.
///
/// # Errors
/// Forbidden; NotFound; Db.
pub async fn balances<C: ConnectionTrait>(db: &C, actor: &Actor, enterprise: Uuid) -> ServiceResult<Vec<BalanceRow>> {
    actor.require(Permission::ViewEnterprises)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let models = mv::Entity::find().filter(mv::Column::EnterpriseId.eq(e.id)).all(db).await?;
    let measures: HashMap<String, String> = models.iter().map(|m| (m.entry.clone(), m.measure.clone())).collect();
    let ms: Vec<Movement> = models.iter().map(domain_movement).collect::<ServiceResult<_>>()?;
    let takes: Vec<StockTake> = st::Entity::find()
        .filter(st::Column::EnterpriseId.eq(e.id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| StockTake {
            id: s.id.to_string(),
            warehouse: s.warehouse_id.to_string(),
            entry: s.entry,
            date: s.counted_on,
            counted: s.counted,
        })
        .collect();
    let warehouses: HashMap<String, String> =
        warehouses_of(db, e.id).await?.into_iter().map(|w| (w.id.to_string(), w.address)).collect();
    Ok(rule::monthly_balances(&ms, &takes, &HashMap::new(), &tolerances())
        .into_iter()
        .map(|b| BalanceRow {
            warehouse: warehouses.get(&b.warehouse).cloned().unwrap_or_else(|| b.warehouse.clone()),
            chemical: entry_name(&cat, &b.entry),
            measure: measures.get(&b.entry).cloned().unwrap_or_else(|| {
                cat.entries().iter().find(|x| x.id == b.entry).map_or("g", |x| x.measure.as_code()).to_string()
            }),
            balance: b,
        })
        .collect())
}

/// What the ledger forms offer: the enterprise's warehouses (id, address) and its name.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LedgerContext {
    pub enterprise: Uuid,
    pub name: String,
    pub credit_code: String,
    pub warehouses: Vec<(Uuid, String)>,
    /// The actor may write (`RecordLedger`).
    pub can_record: bool,
}

/// The enterprise's name and warehouses for the ledger pages. Needs `ViewEnterprises`; the
/// enterprise visible.
///
/// # Errors
/// Forbidden; NotFound; Db.
pub async fn context<C: ConnectionTrait>(db: &C, actor: &Actor, enterprise: Uuid) -> ServiceResult<LedgerContext> {
    actor.require(Permission::ViewEnterprises)?;
    let e = ledger_enterprise(db, actor, enterprise).await?;
    Ok(LedgerContext {
        warehouses: warehouses_of(db, e.id).await?.into_iter().map(|w| (w.id, w.address)).collect(),
        enterprise: e.id,
        name: e.name,
        credit_code: e.credit_code,
        can_record: actor.can(Permission::RecordLedger),
    })
}
