//! 台账导入 an enterprise's own ERP export (.xlsx, .xls, .csv in UTF-8 or GBK) into its ledger
//! (issue #21 item 4): headers matched by their synonyms (日期/业务日期, 单据号/单号,
//! 物料名称/品名, 出入库类型/业务类型, 数量, 单位, 含量, 往来单位, 统一社会信用代码, 付款方式,
//! 仓库, 证号…), ERP material names mapped to catalogue entries by the mapping kept per enterprise
//! (`precursor_material_map`, [`map_material`]), every row checked as a form's movement
//! ([`ledger::prepare_movement`]); a dry run gives the row-by-row report, a real import stores all
//! rows in one unit of work or none: each row error names its row and its field.
//!
//! The file is read by the registry import's reader (`crate::sheet`, its size limits).

use std::collections::{BTreeSet, HashMap, HashSet};

use jindu_domain::Permission;
use jindu_domain::clock::Now;
use jindu_domain::import::{clean_cell, normalize_header};
use jindu_domain::message::Message;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{precursor_material_map as map, precursor_warehouse as wh};
use crate::service::precursors::{catalogue, ledger};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, UnitOfWork, audit};
use crate::vault::Vault;

/// A column of the import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Col {
    Date,
    DocumentNo,
    Material,
    Kind,
    Amount,
    Unit,
    Density,
    Concentration,
    Counterparty,
    CounterpartyCode,
    Payment,
    Warehouse,
    Credential,
    FiledOn,
}

/// The header words of each column (compared after [`normalize_header`]).
const SYNONYMS: &[(Col, &[&str])] = &[
    (Col::Date, &["日期", "业务日期", "单据日期", "出入库日期", "发生日期", "date"]),
    (Col::DocumentNo, &["单据号", "单号", "单据编号", "凭证号", "document_no", "documentno"]),
    (Col::Material, &["物料名称", "品名", "物料", "名称", "商品名称", "化学品名称", "品种", "material", "chemical"]),
    (Col::Kind, &["出入库类型", "业务类型", "类型", "单据类型", "kind"]),
    (Col::Amount, &["数量", "amount", "quantity"]),
    (Col::Unit, &["单位", "计量单位", "unit"]),
    (Col::Density, &["密度", "density"]),
    (Col::Concentration, &["含量", "浓度", "concentration"]),
    (Col::Counterparty, &["往来单位", "客户", "供应商", "客户/供应商", "购买方", "counterparty"]),
    (Col::CounterpartyCode, &["统一社会信用代码", "信用代码", "往来单位信用代码", "credit_code"]),
    (Col::Payment, &["付款方式", "结算方式", "payment"]),
    (Col::Warehouse, &["仓库", "仓库名称", "仓库地址", "warehouse"]),
    (Col::Credential, &["证号", "许可证号", "备案证明编号", "证明编号", "许可证编号", "credential"]),
    (Col::FiledOn, &["备案日期", "filed_on"]),
];

const REQUIRED: &[(Col, &str)] = &[
    (Col::Date, "日期"),
    (Col::DocumentNo, "单据号"),
    (Col::Material, "物料名称"),
    (Col::Kind, "出入库类型"),
    (Col::Amount, "数量"),
];

fn col_of(header: &str) -> Option<Col> {
    let h = normalize_header(header);
    SYNONYMS.iter().find(|(_, words)| words.iter().any(|w| normalize_header(w) == h)).map(|(c, _)| *c)
}

/// One data row's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowOutcome {
    /// Row number as the spreadsheet shows it (the header is row 1).
    pub row: usize,
    pub document_no: String,
    pub material: String,
    /// The catalogue entry the row resolved to, when it passed.
    pub entry: Option<String>,
    /// Every problem of the row, each naming the row and the field; empty: the row passes.
    pub errors: Vec<FieldError>,
}

/// What an import found (dry run) or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: Vec<RowOutcome>,
    /// ERP material names found neither in the catalogue nor in the kept mapping, to be mapped.
    pub unmapped: Vec<String>,
    /// Movements stored (0 on a dry run or when any row is bad).
    pub stored: usize,
    pub dry_run: bool,
}

impl ImportReport {
    /// Every row error, in row order.
    pub fn errors(&self) -> Vec<FieldError> {
        self.rows.iter().flat_map(|r| r.errors.iter().cloned()).collect()
    }
}

fn on_row(row: usize, e: FieldError) -> FieldError {
    FieldError::coded(
        e.field,
        e.code,
        Message::new("msg.precursor.ledger.row").text("row", row).nested("problem", e.message),
    )
}

/// Imports the enterprise's ERP export `bytes` (named `file_name`: its extension tells the kind)
/// into the ledger of `enterprise`. Needs `RecordLedger`; the enterprise visible to the actor (a
/// 企业 account: its own). With `dry_run` nothing is stored and the report lists each row's
/// problems; otherwise every row is stored in one unit of work, audited
/// `precursor.movement.import`, or — when any row is bad — none, and the error lists every row's
/// problems (`Invalid`, each sentence `第N行：…` naming its field).
///
/// # Errors
/// Forbidden; NotFound; `Invalid` (file unreadable, header lacking columns, bad rows).
#[allow(clippy::too_many_arguments)]
pub async fn import<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> ServiceResult<ImportReport> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger::ledger_enterprise(db, actor, enterprise).await?;
    let sheet = crate::sheet::read_book(file_name, bytes).map_err(|err| {
        ServiceError::from(FieldError::of(
            "file",
            Message::new("msg.precursor.ledger.sheet").nested("problem", err.message()),
        ))
    })?;
    let Some(header_at) = sheet.rows.iter().position(|r| r.iter().any(|c| !clean_cell(c).is_empty())) else {
        return Err(FieldError::of("file", Message::new("msg.precursor.ledger.import_empty")).into());
    };
    let mut cols: HashMap<Col, usize> = HashMap::new();
    for (i, h) in sheet.rows[header_at].iter().enumerate() {
        if let Some(c) = col_of(h) {
            cols.entry(c).or_insert(i);
        }
    }
    let missing: Vec<&str> = REQUIRED.iter().filter(|(c, _)| !cols.contains_key(c)).map(|(_, n)| *n).collect();
    if !missing.is_empty() {
        return Err(FieldError::of(
            "file",
            Message::new("msg.precursor.ledger.import_columns").text("columns", missing.join("、")),
        )
        .into());
    }
    let cat = catalogue::current(db).await?;
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    let mapping: HashMap<String, String> = map::Entity::find()
        .filter(map::Column::EnterpriseId.eq(e.id))
        .all(&uow)
        .await?
        .into_iter()
        .map(|m| (m.material, m.entry))
        .collect();
    let warehouses = wh::Entity::find().filter(wh::Column::EnterpriseId.eq(e.id)).all(&uow).await?;
    let mut warehouses = warehouses;
    warehouses.sort_by_key(|w| w.seq);
    let mut report = ImportReport { rows: Vec::new(), unmapped: Vec::new(), stored: 0, dry_run };
    let mut unmapped = BTreeSet::new();
    let mut seen_docs: HashSet<String> = HashSet::new();
    let mut prepared = Vec::new();
    for (i, cells) in sheet.rows.iter().enumerate().skip(header_at + 1) {
        let row = i + 1;
        let cell = |c: Col| cols.get(&c).and_then(|&k| cells.get(k)).map(|s| clean_cell(s)).unwrap_or_default();
        if cells.iter().all(|c| clean_cell(c).is_empty()) {
            continue;
        }
        let material = cell(Col::Material);
        let chemical = match mapping.get(&material) {
            Some(entry) => {
                cat.entries().iter().find(|x| &x.id == entry).map_or(material.clone(), |x| x.name_zh.clone())
            }
            None => material.clone(),
        };
        let code = cell(Col::CounterpartyCode);
        let date = cell(Col::Date);
        // A date-time cell (`2026-10-03 00:00:00`) is its day.
        let date = date.split_whitespace().next().unwrap_or("").to_string();
        let form = ledger::MovementForm {
            warehouse: cell(Col::Warehouse),
            chemical,
            kind: cell(Col::Kind),
            amount: cell(Col::Amount),
            unit: cell(Col::Unit),
            density: cell(Col::Density),
            concentration: cell(Col::Concentration),
            date,
            document_no: cell(Col::DocumentNo),
            // The counterparty's name is a company's when its code is given; without a code it is
            // an individual's reference, sealed.
            counterparty_name: if code.is_empty() { cell(Col::Counterparty) } else { String::new() },
            counterparty_code: code,
            payment: cell(Col::Payment),
            credential: cell(Col::Credential),
            filed_on: cell(Col::FiledOn),
        };
        let mut outcome = RowOutcome {
            row,
            document_no: form.document_no.trim().to_string(),
            material: material.clone(),
            entry: None,
            errors: Vec::new(),
        };
        match ledger::prepare_movement(&uow, vault, actor, now, &e, &warehouses, &cat, &form, "import").await? {
            Ok(p) => {
                if !seen_docs.insert(p.document_no.clone()) {
                    outcome.errors.push(on_row(
                        row,
                        FieldError::of(
                            "document_no",
                            Message::new("msg.precursor.ledger.document_duplicate").text("number", &p.document_no),
                        ),
                    ));
                } else {
                    outcome.entry = Some(p.entry.clone());
                    prepared.push(p);
                }
            }
            Err(errs) => {
                for err in errs {
                    let err = if err.code == "precursor.chemical.unknown" && !material.is_empty() {
                        unmapped.insert(material.clone());
                        FieldError::of(
                            "material",
                            Message::new("msg.precursor.ledger.material_unmapped").text("name", &material),
                        )
                    } else {
                        err
                    };
                    outcome.errors.push(on_row(row, err));
                }
                if let Some(no) = Some(form.document_no.trim().to_string()).filter(|n| !n.is_empty()) {
                    seen_docs.insert(no);
                }
            }
        }
        report.rows.push(outcome);
    }
    report.unmapped = unmapped.into_iter().collect();
    if report.rows.is_empty() {
        return Err(FieldError::of("file", Message::new("msg.precursor.ledger.import_empty")).into());
    }
    let errors = report.errors();
    if dry_run {
        uow.rollback().await?;
        return Ok(report);
    }
    if !errors.is_empty() {
        uow.rollback().await?;
        return Err(ServiceError::Invalid(errors));
    }
    let mut touched = vec![e.id];
    for p in &prepared {
        p.model.clone().insert(&uow).await?;
        if let Some(c) = p.counterparty_id
            && !touched.contains(&c)
        {
            touched.push(c);
        }
    }
    report.stored = prepared.len();
    uow.audit(audit::Entry::ok("precursor.movement.import", "precursor_enterprise", e.id).with_detail(format!(
            "file={} rows={} documents={}",
            file_name.chars().take(80).collect::<String>(),
            prepared.len(),
            prepared
                .iter()
                .map(|p| p.document_no.as_str())
                .collect::<Vec<_>>()
                .join(",")
                .chars()
                .take(2000)
                .collect::<String>()
        )))
    .await?;
    ledger::after_ledger_write(&uow, now, &touched).await?;
    uow.commit().await?;
    Ok(report)
}

/// Keeps the mapping of the ERP material name `material` (trimmed) of `enterprise` to the
/// catalogue entry `entry` (`e21`), used by every later import of its ledger; a mapping kept
/// before is replaced. Needs `RecordLedger`; audited `precursor.material_map.set`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` naming `material` (blank, too long) or `entry` (unknown).
pub async fn map_material<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    enterprise: Uuid,
    material: &str,
    entry: &str,
) -> ServiceResult<()> {
    actor.require(Permission::RecordLedger)?;
    let e = ledger::ledger_enterprise(db, actor, enterprise).await?;
    let cat = catalogue::current(db).await?;
    let mut errs = Vec::new();
    let material = clean_cell(material);
    if material.is_empty() {
        errs.push(jindu_domain::DomainError::Required { field: "material" }.into());
    } else if material.chars().count() > 200 {
        errs.push(FieldError::of(
            "material",
            Message::new("msg.precursor.ledger.too_long").field("field", "material").text("max", 200),
        ));
    }
    let entry = entry.trim();
    if !cat.entries().iter().any(|x| x.id == entry) {
        errs.push(FieldError::of(
            "entry",
            Message::new("msg.precursor.ledger.entry_unknown")
                .text("input", entry.chars().take(40).collect::<String>()),
        ));
    }
    if !errs.is_empty() {
        return Err(ServiceError::Invalid(errs));
    }
    let uow = UnitOfWork::begin(db, actor, now, Permission::RecordLedger).await?;
    match map::Entity::find_by_id((e.id, material.clone())).one(&uow).await? {
        Some(m) => {
            let mut a = m.into_active_model();
            a.entry = Set(entry.to_string());
            a.created_by = Set(actor.user_id);
            a.created_at = Set(now.instant);
            a.update(&uow).await?;
        }
        None => {
            map::ActiveModel {
                enterprise_id: Set(e.id),
                material: Set(material.clone()),
                entry: Set(entry.to_string()),
                created_by: Set(actor.user_id),
                created_at: Set(now.instant),
            }
            .insert(&uow)
            .await?;
        }
    }
    uow.audit(
        audit::Entry::ok("precursor.material_map.set", "precursor_enterprise", e.id)
            .with_detail(format!("material={material} entry={entry}")),
    )
    .await?;
    uow.commit().await?;
    Ok(())
}

/// The kept mapping of `enterprise`: (material, entry id), by material. Needs `ViewEnterprises`.
///
/// # Errors
/// Forbidden; NotFound; Db.
pub async fn mappings<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    enterprise: Uuid,
) -> ServiceResult<Vec<(String, String)>> {
    actor.require(Permission::ViewEnterprises)?;
    let e = ledger::ledger_enterprise(db, actor, enterprise).await?;
    let mut v: Vec<(String, String)> = map::Entity::find()
        .filter(map::Column::EnterpriseId.eq(e.id))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.material, m.entry))
        .collect();
    v.sort();
    Ok(v)
}
