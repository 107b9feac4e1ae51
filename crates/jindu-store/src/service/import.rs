//! 导入 an office's sheets (.xlsx or .csv): persons with their first measure, later and past
//! measures (戒毒措施台账), and events (检测、报到、走访…). Every row goes through the rules of
//! its form (`persons::register_in`, `measures::decide_in`, `measures::record_event_in`), inside
//! one transaction: a dry run rolls it back and reports; a real run commits only when no row has
//! a problem. Nothing is ever half imported. What is already registered in the actor's scope is
//! skipped (so re-importing a file creates no duplicates); a row repeating an earlier row is a
//! problem naming that row. The header is found by its words, or read as the user mapped it
//! ([`ColumnMapping`]). Audited with the file's SHA-256.
//!
//! One engine (`run`) reads the sheet, finds the header, opens the unit of
//! work, feeds the rows to a `SheetImport` and writes the report and the audit record;
//! each kind of sheet says only what one row does.

use jindu_domain::message::Message;
use std::collections::{BTreeMap, HashMap};
use std::future::Future;

use jindu_domain::clock::Now;
use jindu_domain::import::{
    ColumnMapping, DivisionIndex, DivisionLookup, EventColumn, HeaderError, HeaderMap, MeasureColumn, PersonColumn,
    SheetColumn, TaskColumn, clean_cell, control_status_of, date_cell_1904, division_of, end_reason_of, event_kind_of,
    excel_number_damage, excel_number_message, find_header_mapped, footer_text, masked_number, masked_number_message,
    measure_kind_of, normalize_header, test_method_of, test_result_of, yes_of,
};
use jindu_domain::imported_measure::{ImportedMeasure, MeasureSheet, StaleMeasure, stale_measure};
use jindu_domain::{
    AddictionFinding, ControlStatus, DomainError, EndReason, IdNumber, MeasureKind, Permission, Role, WorkCalendar,
};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionTrait};
use sha2::Digest;
use uuid::Uuid;

use super::persons::{self, NewPerson};
use super::transfers::{Duplicate, find_duplicate};
use super::{Actor, FieldError, ServiceError, ServiceResult, audit, indicators, measures, record, workstations};
use crate::Vault;
use crate::entities::{app_user, division, event, measure};
use crate::sheet::{read_book, read_sheet};
use jindu_domain::workstation::{WorkstationColumn, staff_names};

/// The kinds of sheet Jindu imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SheetKind {
    /// 在册人员 with their first measure ([`PersonColumn`]).
    Persons,
    /// 戒毒措施: later decisions and the history of ended measures ([`MeasureColumn`]).
    Measures,
    /// 检测、报到、走访… records of registered persons ([`EventColumn`]).
    Events,
    /// 规划任务 of a plan ([`TaskColumn`]); needs `ManageEvaluation`.
    Tasks,
    /// 工作站及社工名册: workstations of the towns and their staff
    /// ([`jindu_domain::workstation::WorkstationColumn`]); needs `Configure`.
    Workstations,
}

impl SheetKind {
    /// Every kind, in the order the import page offers them.
    pub const ALL: [SheetKind; 5] =
        [SheetKind::Persons, SheetKind::Measures, SheetKind::Events, SheetKind::Tasks, SheetKind::Workstations];

    /// The code used in URLs and on the command line: `persons`, `measures`, `events`.
    pub fn as_code(self) -> &'static str {
        match self {
            SheetKind::Persons => "persons",
            SheetKind::Measures => "measures",
            SheetKind::Events => "events",
            SheetKind::Tasks => "tasks",
            SheetKind::Workstations => "workstations",
        }
    }

    /// The kind of a code, if any.
    pub fn from_code(code: &str) -> Option<SheetKind> {
        SheetKind::ALL.into_iter().find(|k| k.as_code() == code)
    }

    /// The Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            SheetKind::Persons => "在册人员",
            SheetKind::Measures => "戒毒措施",
            SheetKind::Events => "检测走访等工作记录",
            SheetKind::Tasks => "规划任务",
            SheetKind::Workstations => "工作站及社工",
        }
    }

    /// The English name.
    pub fn label_en(self) -> &'static str {
        match self {
            SheetKind::Persons => "Registered persons",
            SheetKind::Measures => "Measures",
            SheetKind::Events => "Tests, visits and other records",
            SheetKind::Tasks => "Plan tasks",
            SheetKind::Workstations => "Workstations and staff",
        }
    }

    /// The columns of this kind of sheet: (field, template header), in the template's order.
    pub fn columns(self) -> Vec<(&'static str, &'static str)> {
        fn of<C: SheetColumn>() -> Vec<(&'static str, &'static str)> {
            C::COLUMNS.iter().map(|c| (c.field(), c.template_header())).collect()
        }
        match self {
            SheetKind::Persons => of::<PersonColumn>(),
            SheetKind::Measures => of::<MeasureColumn>(),
            SheetKind::Events => of::<EventColumn>(),
            SheetKind::Tasks => of::<TaskColumn>(),
            SheetKind::Workstations => of::<jindu_domain::workstation::WorkstationColumn>(),
        }
    }
}

/// What to import and how to read it.
#[derive(Debug, Clone, Copy)]
pub struct ImportRequest<'a> {
    /// The file's name as uploaded (its extension decides how it is read).
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    /// Check only: everything is done and then rolled back.
    pub dry_run: bool,
    /// The header row (1-based) when the user gave it; `None` searches for it.
    pub header_row: Option<usize>,
    /// The user's column mapping: (header as in the file, field; `-` ignores the column).
    pub mapping: &'a [(String, String)],
    /// What to do with a social worker a person sheet names who has no account in scope.
    pub unknown_workers: UnknownWorkers,
}

/// What a person import does with a 责任社工 the sheet names who has no social-worker account in
/// scope (a fresh deployment has none yet; issue #18 item 7).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownWorkers {
    /// A problem of the row (the default): the report lists the names
    /// ([`ImportReport::unknown_workers`]) so that the office can choose.
    #[default]
    Refuse,
    /// Create a caseload-owner account per name and town, which cannot sign in (no password; the
    /// system administrator gives it a login), listed in [`ImportReport::new_workers`] and audited
    /// (`user.create_from_import`).
    Create,
    /// Import the persons without a social worker, each with a warning
    /// ([`ImportReport::warnings`]).
    Unassigned,
}

impl UnknownWorkers {
    /// The code of a form or the command line: `refuse`, `create`, `unassigned`.
    pub fn from_code(code: &str) -> Option<UnknownWorkers> {
        match code.trim() {
            "refuse" | "" => Some(UnknownWorkers::Refuse),
            "create" => Some(UnknownWorkers::Create),
            "unassigned" => Some(UnknownWorkers::Unassigned),
            _ => None,
        }
    }

    /// The code (see [`UnknownWorkers::from_code`]).
    pub fn as_code(self) -> &'static str {
        match self {
            UnknownWorkers::Refuse => "refuse",
            UnknownWorkers::Create => "create",
            UnknownWorkers::Unassigned => "unassigned",
        }
    }
}

/// A social-worker account an import made (or, on a dry run, would make) for a name of the sheet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct NewWorker {
    /// The name as the sheet writes it (the account's display name).
    pub name: String,
    /// The generated user name, `sw-{town}-{n}`.
    pub username: String,
    /// The town the account serves (12 digits).
    pub division_code: String,
}

impl<'a> ImportRequest<'a> {
    /// A request reading the header by its words.
    pub fn new(file_name: &'a str, bytes: &'a [u8], dry_run: bool) -> Self {
        ImportRequest {
            file_name,
            bytes,
            dry_run,
            header_row: None,
            mapping: &[],
            unknown_workers: UnknownWorkers::Refuse,
        }
    }
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// Row number as the spreadsheet shows it (1-based, header and title rows counted).
    pub row: usize,
    /// Field (`id_number`, `division`, …; `row` for the row as a whole).
    pub field: String,
    /// The problem, rendered at the edge from the catalogue.
    pub message: Message,
}

/// What an import found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub file_hash: String,
    /// Row number (1-based) of the header.
    pub header_row: usize,
    /// The cells of the header row, as the file writes them (for the column-mapping form).
    pub header_cells: Vec<String>,
    /// The columns recognised: (field, the file's header).
    pub columns: Vec<(String, String)>,
    /// Headers not recognised (ignored).
    pub ignored: Vec<String>,
    /// The column mapping the user gave, as (normalised header, field or `-`).
    pub mapping: Vec<(String, String)>,
    /// Data rows read (blank rows and footer rows skipped).
    pub rows: usize,
    /// Footer rows under (or between) the records, recognised and skipped (合计：3人, 填表人：…,
    /// 审核人：…, 制表日期：…, 备注：…): (row number as the spreadsheet shows it, the row's text).
    pub skipped: Vec<(usize, String)>,
    /// Rows already registered in scope: skipped.
    pub existing: usize,
    /// Rows that pass (created, or to be created on a real run).
    pub valid: usize,
    /// Records created (0 on a dry run or when any row has a problem).
    pub created: usize,
    pub problems: Vec<RowProblem>,
    /// Rows imported with something left out (a social worker without an account, imported
    /// unassigned): not problems, the rows are stored.
    pub warnings: Vec<RowProblem>,
    /// Social workers the sheet names who have no account in scope (person sheets).
    pub unknown_workers: Vec<String>,
    /// Accounts made for them ([`UnknownWorkers::Create`]; on a dry run, those it would make).
    pub new_workers: Vec<NewWorker>,
    pub dry_run: bool,
    /// Rows with at least one problem, counted as the rows are checked (see
    /// [`ImportReport::rows_with_problems`]).
    pub problem_rows: usize,
    /// Problems found past the first [`MAX_PROBLEMS`], counted but not kept in `problems`.
    pub left_out: usize,
}

/// Problems an import's report keeps (local default; issue #20 item 1): past them they are only
/// counted ([`ImportReport::left_out`]). Nothing is stored when any row has a problem, so the
/// first 10,000 are enough to correct the file.
pub const MAX_PROBLEMS: usize = 10_000;

impl ImportReport {
    /// Rows with at least one problem.
    pub fn rows_with_problems(&self) -> usize {
        let mut rows: Vec<usize> = self.problems.iter().map(|p| p.row).collect();
        rows.sort_unstable();
        rows.dedup();
        // Some problems left out: the rows counted while checking.
        if self.left_out > 0 { rows.len().max(self.problem_rows) } else { rows.len() }
    }
}

/// The import page (批量导入), its jobs, their reports and the templates are for roles that
/// register persons (`EditPersons`): checked before an upload is read or a job looked up (403
/// first). What each sheet writes is checked again by [`import_sheet`].
///
/// # Errors
/// Forbidden.
pub fn authorize(actor: &Actor) -> ServiceResult<()> {
    actor.require(Permission::EditPersons)
}

/// The first rows of a sheet, for choosing its header row by hand when it cannot be found: at
/// most `rows` rows of at most `columns` cells, cleaned.
///
/// # Errors
/// `Invalid` (field `file`) when the file cannot be read.
pub fn sheet_preview(file_name: &str, bytes: &[u8], rows: usize, columns: usize) -> ServiceResult<Vec<Vec<String>>> {
    let sheet = read_sheet(file_name, bytes).map_err(file_error)?;
    Ok(sheet.iter().take(rows).map(|r| r.iter().take(columns).map(|c| clean_cell(c)).collect()).collect())
}

fn file_error(e: crate::sheet::SheetError) -> ServiceError {
    ServiceError::Invalid(vec![FieldError::coded("file", "file.invalid", e.message())])
}

/// Imports the persons of a sheet reading its header by its words: [`import_sheet`] for
/// [`SheetKind::Persons`].
///
/// # Errors
/// As [`import_sheet`].
#[allow(clippy::too_many_arguments)]
pub async fn import_persons<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    progress: impl FnMut(usize, usize) + Send,
) -> ServiceResult<ImportReport> {
    import_sheet(db, vault, actor, now, SheetKind::Persons, ImportRequest::new(file_name, bytes, dry_run), progress)
        .await
}

/// Imports the events of a sheet reading its header by its words: [`import_sheet`] for
/// [`SheetKind::Events`].
///
/// # Errors
/// As [`import_sheet`].
#[allow(clippy::too_many_arguments)]
pub async fn import_events<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    progress: impl FnMut(usize, usize) + Send,
) -> ServiceResult<ImportReport> {
    import_sheet(db, vault, actor, now, SheetKind::Events, ImportRequest::new(file_name, bytes, dry_run), progress)
        .await
}

/// Imports a sheet of `kind` (see the module). `progress(done, total)` after each row.
///
/// - **Persons**: each row is registered as the registration form does, with its first measure;
///   a person already registered in scope is `existing`; needs `EditPersons`.
/// - **Measures**: each row is a decision for a person registered in scope, found by ID number
///   (a 姓名 given must be the registered one). Without 解除(终止)日期 it is decided as the measure
///   form does (a compulsory isolation ends an open community detox, 禁毒法 §38; any other new
///   decision while a measure is open is a problem); with one it is a past measure that must not
///   overlap another. Rows apply in order of decision date. The same person, kind and decision
///   date already registered is `existing`. Needs `ManageMeasures`.
/// - **Events**: each row is a 检测、报到、走访、谈话 or 帮扶 record of a person registered in
///   scope, under the event form's rules (no future dates, a test's method and result, a
///   positive result's substance); the same person, kind, day (and result) already recorded is
///   `existing`. Needs the permission of each kind.
///
/// # Errors
/// [`ServiceError::Forbidden`]; [`ServiceError::Invalid`] with field `file` when the file cannot
/// be read, `header` when it has no usable header (the sentence names what is missing), or
/// `mapping` when the mapping names no field; store errors. Problems of rows are not errors: they
/// are in the report, and then nothing is stored.
pub async fn import_sheet<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    kind: SheetKind,
    request: ImportRequest<'_>,
    progress: impl FnMut(usize, usize) + Send,
) -> ServiceResult<ImportReport> {
    match kind {
        SheetKind::Persons => {
            actor.require(Permission::EditPersons)?;
            let rows = PersonRows {
                vault,
                actor,
                now,
                workers: social_workers(db, actor).await?,
                divisions: division_index(db, actor).await?,
                seen: FirstRows::default(),
                policy: request.unknown_workers,
                made: HashMap::new(),
                unknown: Vec::new(),
                new_workers: Vec::new(),
                warnings: Vec::new(),
                cal: super::deployment::calendar(db).await?,
            };
            Box::pin(run(db, actor, now, request, rows, progress)).await
        }
        SheetKind::Measures => {
            actor.require(Permission::ManageMeasures)?;
            let rows = MeasureRows {
                finder: PersonFinder::new(vault, actor, now),
                seen: FirstRows::default(),
                cal: super::deployment::calendar(db).await?,
            };
            Box::pin(run(db, actor, now, request, rows, progress)).await
        }
        SheetKind::Events => {
            if ![Permission::RecordWork, Permission::RecordTests, Permission::RecordContact]
                .iter()
                .any(|p| actor.can(*p))
            {
                return Err(ServiceError::Forbidden(Permission::RecordWork));
            }
            let rows = EventRows { finder: PersonFinder::new(vault, actor, now), seen: FirstRows::default() };
            Box::pin(run(db, actor, now, request, rows, progress)).await
        }
        SheetKind::Tasks => {
            actor.require(Permission::ManageEvaluation)?;
            let towns = super::units::in_scope(db, actor.scope, None)
                .await?
                .into_iter()
                .map(|t| (t.code, t.name, t.name_path))
                .collect();
            let rows = TaskRows { actor, now, towns, seen: FirstRows::default() };
            Box::pin(run(db, actor, now, request, rows, progress)).await
        }
        SheetKind::Workstations => {
            actor.require(Permission::Configure)?;
            let rows = WorkstationRows::new(actor, now);
            Box::pin(run(db, actor, now, request, rows, progress)).await
        }
    }
}

/// What one row came to.
enum RowOutcome {
    /// Written (to be kept on a real run without problems).
    Valid,
    /// Already registered: skipped.
    Existing,
    /// The row's problems; nothing of it is kept.
    Problems(Vec<FieldError>),
}

/// One kind of sheet: its columns and what one row does inside the import's transaction.
trait SheetImport: Send {
    type Column: SheetColumn + Send + Sync;
    /// The audit object: `person`, `measure`, `event` (actions `{object}.import`,
    /// `{object}.import_check`, `{object}.import_refused`).
    const OBJECT: &'static str;

    /// Puts the data rows in the order they apply (default: the file's order).
    fn order(&self, _header: &HeaderMap<Self::Column>, _rows: &mut [(usize, &Vec<String>)]) {}

    /// Adds what the rows found besides their problems to the report (after the last row).
    fn finish(&mut self, _report: &mut ImportReport) {}

    /// Checks and writes one row (`row` as the spreadsheet numbers it).
    fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<Self::Column>,
    ) -> impl Future<Output = ServiceResult<RowOutcome>> + Send;
}

/// The engine every import runs (see the module): reads the sheet and its header, opens one
/// unit of work for all rows (no savepoint per row), brings the
/// indicator cells and the audit head up to date once, commits only a real run without problems,
/// and audits the outcome with the file's hash.
async fn run<C: ConnectionTrait + TransactionTrait, S: SheetImport>(
    db: &C,
    actor: &Actor,
    now: Now,
    request: ImportRequest<'_>,
    mut rows: S,
    mut progress: impl FnMut(usize, usize) + Send,
) -> ServiceResult<ImportReport> {
    let mapping = ColumnMapping::<S::Column>::from_pairs(
        request.header_row,
        request.mapping.iter().map(|(h, f)| (h.as_str(), f.as_str())),
    )
    .map_err(|m| ServiceError::Invalid(vec![FieldError::coded("mapping", "mapping.invalid", m)]))?;
    let book = read_book(request.file_name, request.bytes).map_err(file_error)?;
    let mut sheet = book.rows;
    let header = find_header_mapped(&sheet, &mapping).map_err(|e: HeaderError<S::Column>| {
        ServiceError::Invalid(vec![FieldError::coded("header", "header.invalid", e.message())])
    })?;
    if book.date1904 {
        // A plain number in a date column is a serial of the workbook's 1904 date system
        // (date-formatted cells were read as dates already).
        let dates: Vec<usize> = header.columns.iter().filter(|(c, _)| c.is_date()).map(|(_, i)| *i).collect();
        for row in sheet.iter_mut().skip(header.row + 1) {
            for i in &dates {
                if let Some(cell) = row.get_mut(*i)
                    && let Some(date) = date_cell_1904(&clean_cell(cell))
                {
                    *cell = date;
                }
            }
        }
    }
    let header_cells: Vec<String> = sheet[header.row].iter().map(|c| clean_cell(c)).collect();
    let mut report = ImportReport {
        file_name: request.file_name.chars().take(120).collect(),
        file_hash: hex(&sha2::Sha256::digest(request.bytes)),
        header_row: header.row + 1,
        columns: header
            .columns
            .iter()
            .map(|(c, i)| (c.field().to_string(), header_cells.get(*i).cloned().unwrap_or_default()))
            .collect(),
        header_cells,
        ignored: header.ignored.iter().map(|(_, h)| h.clone()).collect(),
        mapping: mapping.pairs(),
        dry_run: request.dry_run,
        ..Default::default()
    };
    let mut data: Vec<(usize, &Vec<String>)> = Vec::new();
    for (i, r) in sheet.iter().enumerate().skip(header.row + 1) {
        if !r.iter().any(|c| !clean_cell(c).is_empty()) {
            continue;
        }
        match footer_text(r, &header) {
            Some(text) => report.skipped.push((i + 1, text)),
            None => data.push((i + 1, r)),
        }
    }
    // The columns whose text must keep its digits (ID numbers, phones).
    let digit_columns: Vec<(S::Column, usize)> =
        header.columns.iter().filter(|(c, _)| c.keeps_digits()).map(|(c, i)| (*c, *i)).collect();
    rows.order(&header, &mut data);
    report.rows = data.len();
    // One unit of work for the whole import (the caller checked the kind's permission): every
    // row is written inside this one transaction, without savepoints, or none is.
    let txn = super::UnitOfWork::begin_checked(db, actor, now).await?;
    // PostgreSQL plans each statement for the tables as the import grows them.
    crate::sql::plan_for_growing_tables(&txn).await?;
    // The indicator cells are brought up to date once for all rows (see `indicators::deferring`).
    indicators::deferring(async {
        for (k, (row, cells)) in data.iter().enumerate() {
            // A number Excel cut to 15 digits is refused whatever the row's rules say of it.
            let damaged: Vec<FieldError> = digit_columns
                .iter()
                .filter_map(|(c, i)| {
                    let text = clean_cell(cells.get(*i).map_or("", String::as_str));
                    let label = c.template_header().trim_end_matches('*');
                    if excel_number_damage(&text) {
                        Some(FieldError::of(c.field(), excel_number_message(label, c.field(), &text)))
                    } else if masked_number(&text) {
                        Some(FieldError::of(c.field(), masked_number_message(label, c.field(), &text)))
                    } else {
                        None
                    }
                })
                .collect();
            // Boxed: a row's future (the form's rules, the writes) is large; kept off the engine's.
            let outcome = Box::pin(rows.row(&txn, *row, cells, &header)).await?;
            let problems = match outcome {
                RowOutcome::Valid if damaged.is_empty() => {
                    report.valid += 1;
                    Vec::new()
                }
                RowOutcome::Existing if damaged.is_empty() => {
                    report.existing += 1;
                    Vec::new()
                }
                // A row written in spite of a damaged cell is rolled back with the import.
                RowOutcome::Valid | RowOutcome::Existing => damaged,
                RowOutcome::Problems(more) => {
                    let mut all = damaged;
                    let taken: Vec<&'static str> = all.iter().map(|e| e.field).collect();
                    all.extend(more.into_iter().filter(|e| !taken.contains(&e.field)));
                    all
                }
            };
            let mut problems: Vec<RowProblem> = problems
                .into_iter()
                .map(|e| RowProblem {
                    row: *row,
                    field: if e.field.is_empty() { "row".to_string() } else { e.field.to_string() },
                    message: e.message,
                })
                .collect();
            // Every problem of the row, in the order of the sheet's columns.
            problems.sort_by_key(|p| column_order(&header, &p.field));
            if !problems.is_empty() {
                report.problem_rows += 1;
            }
            // The first MAX_PROBLEMS are kept; the others only counted (a report of every
            // problem of 100,000 bad rows would hold hundreds of megabytes).
            let room = MAX_PROBLEMS.saturating_sub(report.problems.len());
            report.left_out += problems.len().saturating_sub(room);
            report.problems.extend(problems.into_iter().take(room));
            progress(k + 1, data.len());
        }
        rows.finish(&mut report);
        report.problems.sort_by_key(|p| p.row);
        if !request.dry_run && report.problems.is_empty() {
            indicators::apply_deferred(&txn, now.today).await?;
            report.created = report.valid;
            txn.audit(audit::Entry {
                action: format!("{}.import", S::OBJECT),
                object_type: None,
                object_id: None,
                outcome: audit::Outcome::Ok,
                detail: Some(format!(
                    "{} sha256={} rows={} created={} existing={}{}",
                    report.file_name,
                    report.file_hash,
                    report.rows,
                    report.created,
                    report.existing,
                    mapping_note(&report)
                )),
            })
            .await?;
        }
        Ok::<(), ServiceError>(())
    })
    .await?;
    if !request.dry_run && report.problems.is_empty() {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
        // Refusals and dry runs are recorded too, in a write transaction of their own (the
        // import's was rolled back).
        audit::record(
            db,
            &audit::Who::actor(actor),
            now,
            audit::Entry {
                action: format!("{}.{}", S::OBJECT, if request.dry_run { "import_check" } else { "import_refused" }),
                object_type: None,
                object_id: None,
                outcome: if request.dry_run { audit::Outcome::Ok } else { audit::Outcome::Failed },
                detail: Some(format!(
                    "{} sha256={} rows={} problems={}{}",
                    report.file_name,
                    report.file_hash,
                    report.rows,
                    report.problems.len() + report.left_out,
                    mapping_note(&report)
                )),
            },
        )
        .await?;
    }
    Ok(report)
}

/// Where a problem's field stands among the sheet's columns (a problem of no column last): the
/// form's field names that differ from the sheet's are mapped to their column.
fn column_order<C: SheetColumn>(header: &HeaderMap<C>, field: &str) -> usize {
    let alias = match field {
        "social_worker_id" => "social_worker",
        "division" => "town",
        "town" => "division",
        _ => field,
    };
    header.index_of_field(field).or_else(|| header.index_of_field(alias)).unwrap_or(usize::MAX)
}

/// The mapping for the audit detail: ` map=证照号>id_number,…` (empty without one).
fn mapping_note(report: &ImportReport) -> String {
    if report.mapping.is_empty() {
        return String::new();
    }
    let pairs: Vec<String> =
        report.mapping.iter().map(|(h, f)| format!("{}>{}", h.chars().take(20).collect::<String>(), f)).collect();
    format!(" map={}", pairs.join(","))
}

/// The rows of a person sheet.
struct PersonRows<'a> {
    vault: &'a Vault,
    actor: &'a Actor,
    now: Now,
    /// Social workers in scope: (user name, display name, id, division code).
    workers: Vec<(String, String, Uuid, String)>,
    divisions: DivisionIndex,
    /// ID numbers seen in the file → the row that first gave them.
    seen: FirstRows<String>,
    /// What to do with a social worker who has no account.
    policy: UnknownWorkers,
    /// (name, town code) → the account made for it in this import.
    made: HashMap<(String, String), Uuid>,
    /// Names without an account, in the order the sheet first gives them.
    unknown: Vec<String>,
    new_workers: Vec<NewWorker>,
    warnings: Vec<RowProblem>,
    /// The deployment's working-day calendar (report deadlines).
    cal: WorkCalendar,
}

impl PersonRows<'_> {
    /// What a registered row's 结束日期 and 管控状态 say, inside the import's transaction: the
    /// row's measure ended on that day for that reason (as the measure form ends one), then the
    /// person's status changed on the import day (the sheet gives no date for it). Returns the
    /// problems the rules of those forms find, named at the sheet's columns.
    async fn after_registration<T: ConnectionTrait + sea_orm::TransactionSession>(
        &self,
        txn: &super::UnitOfWork<T>,
        person_id: Uuid,
        end: Option<(chrono::NaiveDate, EndReason)>,
        status: Option<ControlStatus>,
    ) -> ServiceResult<Vec<FieldError>> {
        let at = |field: &'static str, errors: Vec<FieldError>| -> Vec<FieldError> {
            errors.into_iter().map(|e| FieldError { field, ..e }).collect()
        };
        if let Some((on, reason)) = end
            && let Some(m) = measure::Entity::find().filter(measure::Column::PersonId.eq(person_id)).one(txn).await?
        {
            let action = measures::MeasureAction::End(reason);
            match measures::act_in(txn, self.actor, self.now, person_id, m.id, action, &on.to_string()).await {
                Ok(()) => {}
                Err(ServiceError::Invalid(errors)) => return Ok(at("end_date", errors)),
                Err(e) => return Err(e),
            }
        }
        if let Some(to) = status.filter(|s| *s != ControlStatus::UnderControl) {
            let p = record::load_visible(txn, self.actor, person_id).await?;
            match persons::change_status_in(txn, self.vault, self.actor, self.now, &p, to, self.now.today).await {
                Ok(()) => {}
                Err(ServiceError::Invalid(errors)) => return Ok(at("control_status", errors)),
                Err(e) => return Err(e),
            }
        }
        Ok(Vec::new())
    }

    /// The caseload-owner account for the social worker `name` of `town` (12 digits): the one
    /// this import already made, or a new one that cannot sign in (no password; the system
    /// administrator gives it a login), user name `sw-{town9}-{n}`, audited.
    async fn worker_for<T: ConnectionTrait + sea_orm::TransactionSession>(
        &mut self,
        txn: &super::UnitOfWork<T>,
        name: &str,
        town: &str,
    ) -> ServiceResult<Uuid> {
        let key = (name.to_string(), town.to_string());
        if let Some(id) = self.made.get(&key) {
            return Ok(*id);
        }
        let town_code = jindu_domain::DivisionCode::parse(town).map_err(|e| ServiceError::Data(e.to_string()))?;
        let mut n = 1;
        let username = loop {
            let candidate = format!("sw-{}-{n}", town_code.prefix());
            let taken = app_user::Entity::find().filter(app_user::Column::Username.eq(&candidate)).count(txn).await?;
            if taken == 0 {
                break candidate;
            }
            n += 1;
        };
        let id = super::users::add(
            txn,
            self.now,
            super::users::NewUser {
                username: username.clone(),
                display_name: name.to_string(),
                password: None,
                role: Role::SocialWorker.as_code().to_string(),
                division: town_code,
                workstation_id: None,
                must_change_password: true,
                member_unit: None,
            },
        )
        .await?;
        txn.audit(audit::Entry {
            action: "user.create_from_import".to_string(),
            object_type: Some("user"),
            object_id: Some(id.to_string()),
            outcome: audit::Outcome::Ok,
            detail: Some(format!("{username} {name} {town} role=social_worker login=disabled")),
        })
        .await?;
        self.made.insert(key, id);
        self.workers.push((username.clone(), name.to_string(), id, town.to_string()));
        self.new_workers.push(NewWorker { name: name.to_string(), username, division_code: town.to_string() });
        Ok(id)
    }
}

impl SheetImport for PersonRows<'_> {
    type Column = PersonColumn;
    const OBJECT: &'static str = "person";

    fn finish(&mut self, report: &mut ImportReport) {
        report.unknown_workers = std::mem::take(&mut self.unknown);
        report.new_workers = std::mem::take(&mut self.new_workers);
        report.warnings = std::mem::take(&mut self.warnings);
    }

    async fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<PersonColumn>,
    ) -> ServiceResult<RowOutcome> {
        // The sheet's own words (places, social worker, choices) first; a field that failed
        // there is given blank to the form's rules, which then check every other field, so a
        // row's problems are all named at once.
        let (mut input, mut problems, missing) = row_input(header, cells, &self.workers, &self.divisions, self.policy);
        let cell = |c: PersonColumn| header.cell(cells, c);
        let end = end_of(&cell(PersonColumn::EndDate), &cell(PersonColumn::EndReason), &mut problems);
        if !cell(PersonColumn::EndDate).is_empty() && cell(PersonColumn::MeasureKind).is_empty() {
            problems.push(FieldError::of("end_date", Message::new("msg.import.end_without_measure")));
        }
        let status_text = cell(PersonColumn::ControlStatus);
        let status = control_status_of(&status_text);
        if status.is_none() && !status_text.is_empty() {
            problems.push(unrecognised("control_status", "管控状态", &status_text, "msg.import.values.control_status"));
        }
        let measure = RowMeasure {
            kind_code: &input.measure_kind,
            decision_text: &input.decision_date,
            reported: !input.report_date.trim().is_empty(),
            ended: !cell(PersonColumn::EndDate).is_empty(),
            status,
        };
        problems.extend(measure.stale_problem(row, MeasureSheet::Persons, &self.cal, self.now));
        if let Some(name) = missing {
            if !self.unknown.contains(&name) {
                self.unknown.push(name.clone());
            }
            match self.policy {
                UnknownWorkers::Create if problems.is_empty() && input.division.len() == 12 => {
                    // The account belongs to the person's town (a social worker serves a town).
                    let town = format!("{}000", &input.division[..9]);
                    input.social_worker_id = self.worker_for(txn, &name, &town).await?.to_string();
                }
                UnknownWorkers::Create | UnknownWorkers::Refuse => {}
                UnknownWorkers::Unassigned => self.warnings.push(RowProblem {
                    row,
                    field: "social_worker".into(),
                    message: Message::new("msg.import.worker_unassigned").text("name", name),
                }),
            }
        }
        // Repeats inside the file, then persons already registered.
        if let Ok(n) = IdNumber::parse_on(&input.id_number, self.now.today) {
            if let Err(repeat) = self.seen.keep(n.as_str().to_string(), row, "id_number", "msg.import.repeat_person") {
                return Ok(RowOutcome::Problems(vec![repeat]));
            }
            if problems.is_empty()
                && let Some(Duplicate::InScope(_)) = find_duplicate(txn, self.vault, self.actor, &n).await?
            {
                return Ok(RowOutcome::Existing);
            }
        }
        match persons::register_in(txn, self.vault, self.actor, self.now, input).await {
            Ok(pid) if problems.is_empty() => {
                // Boxed: the end and status writes are large futures, kept off the row's own.
                let more = Box::pin(self.after_registration(txn, pid, end, status)).await?;
                Ok(if more.is_empty() { RowOutcome::Valid } else { RowOutcome::Problems(more) })
            }
            // Written although the sheet's words failed: the import is rolled back.
            Ok(_) => Ok(RowOutcome::Problems(problems)),
            Err(ServiceError::Invalid(errors)) => {
                let taken: Vec<&'static str> = problems.iter().map(|e| e.field).collect();
                let blanked = |f: &str| match f {
                    "social_worker_id" => taken.contains(&"social_worker"),
                    _ => taken.contains(&f),
                };
                problems.extend(errors.into_iter().filter(|e| !blanked(e.field)));
                Ok(RowOutcome::Problems(problems))
            }
            Err(e) => Err(e),
        }
    }
}

/// Finds the person a measure or event row is about: by ID number among those registered in
/// the actor's scope (a person registered elsewhere gets the same masked sentence as an unknown
/// number), checking a given 姓名 against the registered one. Remembers each number.
struct PersonFinder<'a> {
    vault: &'a Vault,
    actor: &'a Actor,
    now: Now,
    /// ID number → (person id, registered name), or `None` when not in scope.
    found: HashMap<String, Option<(Uuid, String)>>,
}

impl<'a> PersonFinder<'a> {
    fn new(vault: &'a Vault, actor: &'a Actor, now: Now) -> Self {
        PersonFinder { vault, actor, now, found: HashMap::new() }
    }

    /// The person of `id_text` (pushing a problem when there is none) and the problem of a
    /// `name` that is not theirs.
    async fn find<T: ConnectionTrait>(
        &mut self,
        txn: &T,
        id_text: &str,
        name: &str,
        problems: &mut Vec<FieldError>,
    ) -> ServiceResult<Option<Uuid>> {
        let n = match IdNumber::parse_on(id_text, self.now.today) {
            Ok(n) => n,
            Err(reason) => {
                problems.push(DomainError::IdNumber { field: "id_number", reason }.into());
                return Ok(None);
            }
        };
        if !self.found.contains_key(n.as_str()) {
            let found = match find_duplicate(txn, self.vault, self.actor, &n).await? {
                Some(Duplicate::InScope(pid)) => {
                    let p = record::load_visible(txn, self.actor, pid).await?;
                    Some((pid, self.vault.open("person", "name", &pid.to_string(), &p.name)?))
                }
                _ => None,
            };
            self.found.insert(n.as_str().to_string(), found);
        }
        let Some((pid, registered)) = self.found.get(n.as_str()).cloned().flatten() else {
            problems.push(FieldError::of(
                "id_number",
                Message::new("msg.import.not_registered").text("masked", n.masked()),
            ));
            return Ok(None);
        };
        if !name.is_empty() && normalize_header(name) != normalize_header(&registered) {
            let shown: String = name.chars().take(20).collect();
            problems.push(FieldError::of("name", Message::new("msg.import.name_mismatch").text("shown", shown)));
        }
        Ok(Some(pid))
    }
}

/// A problem with a cell whose text is not recognised (`msg.import.unrecognised`): the column
/// (its header in Chinese, its field in English), the text and what the column takes (the
/// catalogue's sentence `values`, e.g. `msg.import.values.test_result`).
fn unrecognised(field: &'static str, header_zh: &str, text: &str, values: &'static str) -> FieldError {
    let shown: String = text.chars().take(20).collect();
    FieldError::coded(
        field,
        "choice.invalid",
        Message::new("msg.import.unrecognised")
            .label("column", header_zh.to_string(), field)
            .text("shown", shown)
            .nested("hint", Message::new(values)),
    )
}

/// The end of a measure a row gives: its 解除(终止)日期 and 结束原因, both needed; the problems of
/// either are pushed (an end reason without a date, a date that cannot be read, a reason missing
/// or not recognised).
fn end_of(end_text: &str, reason_text: &str, problems: &mut Vec<FieldError>) -> Option<(chrono::NaiveDate, EndReason)> {
    if end_text.is_empty() {
        if !reason_text.is_empty() {
            problems.push(FieldError::of("end_date", Message::new("msg.import.end_date_missing")));
        }
        return None;
    }
    let date = jindu_domain::event::parse_date("end_date", end_text).map_err(|e| problems.push(e.into())).ok();
    let reason = end_reason_of(reason_text);
    if reason_text.is_empty() {
        problems.push(DomainError::Required { field: "end_reason" }.into());
    } else if reason.is_none() {
        problems.push(unrecognised("end_reason", "结束原因", reason_text, "msg.import.values.end_reason"));
    }
    date.zip(reason)
}

/// The rows of a file by what each gives (an ID number; a person's measure, event; a task), to
/// refuse a row that repeats an earlier one of the same file (`import.repeat`).
struct FirstRows<K> {
    /// What a row gave → the row (as the report numbers rows) that first gave it.
    rows: HashMap<K, usize>,
}

impl<K> Default for FirstRows<K> {
    fn default() -> Self {
        FirstRows { rows: HashMap::new() }
    }
}

impl<K: std::hash::Hash + Eq> FirstRows<K> {
    /// Keeps `key` as given by `row`, or — when an earlier row gave it — the problem naming that
    /// row: field `field`, code `import.repeat`, the sentence `message`
    /// (`msg.import.repeat_person`, …) with the row as `first`.
    ///
    /// # Errors
    /// The problem of the repeated row (the first row stays the one kept).
    fn keep(&mut self, key: K, row: usize, field: &'static str, message: &'static str) -> Result<(), FieldError> {
        if let Some(first) = self.rows.get(&key) {
            return Err(FieldError::coded(field, "import.repeat", Message::new(message).text("first", first)));
        }
        self.rows.insert(key, row);
        Ok(())
    }
}

/// What an import row says of its measure, as typed.
struct RowMeasure<'a> {
    /// The measure kind's code (blank or unknown: no measure to check).
    kind_code: &'a str,
    /// The decision date as the sheet writes it.
    decision_text: &'a str,
    /// The row gives a report date.
    reported: bool,
    /// The row gives an end date.
    ended: bool,
    /// The control status the row gives.
    status: Option<ControlStatus>,
}

impl RowMeasure<'_> {
    /// The problem of the row (spreadsheet row `row`) when its community measure would come in
    /// as a report overdue for long ([`stale_measure`], issue #18 item 12); nothing when the
    /// kind or the decision date cannot be read (their own problems name them).
    fn stale_problem(&self, row: usize, sheet: MeasureSheet, cal: &WorkCalendar, now: Now) -> Option<FieldError> {
        let imported = ImportedMeasure {
            kind: MeasureKind::from_code(self.kind_code)?,
            decision_date: jindu_domain::event::parse_date("decision_date", self.decision_text).ok()?,
            reported: self.reported,
            ended: self.ended,
            status: self.status,
        };
        let stale = stale_measure(&imported, sheet, cal, now.today)?;
        Some(FieldError::coded(stale.field(), StaleMeasure::CODE, stale.message(row)))
    }
}

/// The rows of a measure sheet.
struct MeasureRows<'a> {
    finder: PersonFinder<'a>,
    /// (person, kind, decision date) seen in the file → the row that first gave it.
    seen: FirstRows<(Uuid, MeasureKind, chrono::NaiveDate)>,
    /// The deployment's working-day calendar (report deadlines).
    cal: WorkCalendar,
}

impl SheetImport for MeasureRows<'_> {
    type Column = MeasureColumn;
    const OBJECT: &'static str = "measure";

    /// In order of decision date (rows whose date cannot be read first, to report them), so a
    /// compulsory isolation ends the community detox decided before it.
    fn order(&self, header: &HeaderMap<MeasureColumn>, rows: &mut [(usize, &Vec<String>)]) {
        rows.sort_by_cached_key(|(_, cells)| {
            jindu_domain::event::parse_date("decision_date", &header.cell(cells, MeasureColumn::DecisionDate)).ok()
        });
    }

    async fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<MeasureColumn>,
    ) -> ServiceResult<RowOutcome> {
        let cell = |c: MeasureColumn| header.cell(cells, c);
        let mut problems = Vec::new();
        let person =
            self.finder.find(txn, &cell(MeasureColumn::IdNumber), &cell(MeasureColumn::Name), &mut problems).await?;
        let kind_text = cell(MeasureColumn::MeasureKind);
        let kind = measure_kind_of(&kind_text);
        if kind_text.is_empty() {
            problems.push(DomainError::Required { field: "measure_kind" }.into());
        } else if kind.is_none() {
            problems.push(unrecognised("measure_kind", "管控措施", &kind_text, "msg.import.values.measure_kind"));
        }
        let decision_text = cell(MeasureColumn::DecisionDate);
        let report_text = cell(MeasureColumn::ReportDate);
        let decision =
            measures::parse_decision(kind.map_or("", |k| k.as_code()), &decision_text, &report_text, self.finder.now);
        if let Err(errors) = &decision {
            // The kind's own problem is already there.
            problems.extend(errors.iter().filter(|e| e.field != "measure_kind").cloned());
        }
        let end_text = cell(MeasureColumn::EndDate);
        let end = end_of(&end_text, &cell(MeasureColumn::EndReason), &mut problems);
        let measure = RowMeasure {
            kind_code: kind.map_or("", |k| k.as_code()),
            decision_text: &decision_text,
            reported: !report_text.is_empty(),
            ended: !end_text.is_empty(),
            status: None,
        };
        problems.extend(measure.stale_problem(row, MeasureSheet::Measures, &self.cal, self.finder.now));
        let (Some(pid), Ok(input), true) = (person, decision, problems.is_empty()) else {
            return Ok(RowOutcome::Problems(problems));
        };
        let key = (pid, input.kind, input.decision_date);
        if let Err(repeat) = self.seen.keep(key, row, "row", "msg.import.repeat_measure") {
            return Ok(RowOutcome::Problems(vec![repeat]));
        }
        let registered = measure::Entity::find()
            .filter(measure::Column::PersonId.eq(pid))
            .filter(measure::Column::Kind.eq(input.kind.as_code()))
            .filter(measure::Column::DecisionDate.eq(input.decision_date))
            .count(txn)
            .await?;
        if registered > 0 {
            return Ok(RowOutcome::Existing);
        }
        let actor = self.finder.actor;
        let now = self.finder.now;
        let written = match end {
            Some((ended_on, reason)) => {
                measures::record_past_measure_in(txn, actor, now, pid, input, ended_on, reason).await.map(|_| ())
            }
            None => measures::decide_in(
                txn,
                actor,
                now,
                pid,
                input.kind.as_code(),
                &decision_text,
                &report_text,
                yes_of(&cell(MeasureColumn::ExemptionsChecked)),
            )
            .await
            .map(|_| ()),
        };
        match written {
            Ok(()) => Ok(RowOutcome::Valid),
            Err(ServiceError::Invalid(errors)) => Ok(RowOutcome::Problems(
                errors
                    .into_iter()
                    .map(|e| {
                        if e.field == "confirm_exemptions" {
                            // The form's checkbox is this sheet's column.
                            FieldError::coded(
                                "exemptions_checked",
                                e.code,
                                Message::new("msg.import.exemptions_checked").nested("problem", e.message),
                            )
                        } else {
                            e
                        }
                    })
                    .collect(),
            )),
            Err(e) => Err(e),
        }
    }
}

/// The rows of an event sheet.
struct EventRows<'a> {
    finder: PersonFinder<'a>,
    /// (person, kind, day, result) seen in the file → the row that first gave it.
    seen: FirstRows<(Uuid, String, String, String)>,
}

impl SheetImport for EventRows<'_> {
    type Column = EventColumn;
    const OBJECT: &'static str = "event";

    async fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<EventColumn>,
    ) -> ServiceResult<RowOutcome> {
        let cell = |c: EventColumn| header.cell(cells, c);
        let mut problems = Vec::new();
        let person =
            self.finder.find(txn, &cell(EventColumn::IdNumber), &cell(EventColumn::Name), &mut problems).await?;
        let kind_text = cell(EventColumn::Kind);
        let kind = event_kind_of(&kind_text);
        if kind_text.is_empty() {
            problems.push(FieldError::coded("kind", "required", Message::new("msg.import.kind_required")));
        } else if kind.is_none() {
            problems.push(unrecognised("kind", "类型", &kind_text, "msg.import.values.kind"));
        }
        let method_text = cell(EventColumn::TestMethod);
        let method = if method_text.is_empty() { kind.and_then(|(_, m)| m) } else { test_method_of(&method_text) };
        if !method_text.is_empty() && method.is_none() {
            problems.push(unrecognised("test_method", "检测方式", &method_text, "msg.import.values.test_method"));
        }
        let result_text = cell(EventColumn::TestResult);
        let result = test_result_of(&result_text);
        if !result_text.is_empty() && result.is_none() {
            problems.push(unrecognised("test_result", "检测结果", &result_text, "msg.import.values.test_result"));
        }
        let substance_text = cell(EventColumn::Substance);
        let substance = if substance_text.is_empty() {
            String::new()
        } else {
            match jindu_domain::import::substance_of(&substance_text) {
                Some(s) => s.as_code().to_string(),
                None => {
                    let shown: String = substance_text.chars().take(20).collect();
                    problems.push(FieldError::coded(
                        "substance",
                        "choice.invalid",
                        Message::new("msg.import.drug_found_unknown").text("shown", shown),
                    ));
                    String::new()
                }
            }
        };
        let date =
            jindu_domain::event::parse_date("date", &cell(EventColumn::Date)).map_err(|e| problems.push(e.into())).ok();
        let (Some(pid), Some((kind, _)), Some(day), true) = (person, kind, date, problems.is_empty()) else {
            return Ok(RowOutcome::Problems(problems));
        };
        let key = (pid, kind.as_code().to_string(), day.to_string(), result.map_or("", |r| r.as_code()).to_string());
        if let Err(repeat) = self.seen.keep(key, row, "row", "msg.import.repeat_event") {
            return Ok(RowOutcome::Problems(vec![repeat]));
        }
        let mut recorded = event::Entity::find()
            .filter(event::Column::PersonId.eq(pid))
            .filter(event::Column::Kind.eq(kind.as_code()))
            .filter(event::Column::OccurredOn.eq(day));
        if let Some(r) = result {
            recorded = recorded.filter(event::Column::TestResult.eq(r.as_code()));
        }
        if recorded.count(txn).await? > 0 {
            return Ok(RowOutcome::Existing);
        }
        let input = measures::NewEvent {
            kind: kind.as_code().to_string(),
            date: day.to_string(),
            test_method: method.map(|m| m.as_code().to_string()).unwrap_or_default(),
            test_result: result.map(|r| r.as_code().to_string()).unwrap_or_default(),
            substance,
            note: cell(EventColumn::Note),
            ..Default::default()
        };
        match measures::record_event_in(txn, self.finder.vault, self.finder.actor, self.finder.now, pid, input).await {
            Ok(_) => Ok(RowOutcome::Valid),
            Err(ServiceError::Invalid(errors)) => Ok(RowOutcome::Problems(errors)),
            Err(ServiceError::Forbidden(_)) => Ok(RowOutcome::Problems(vec![FieldError::coded(
                "kind",
                "forbidden",
                Message::new("msg.import.kind_forbidden").label("kind", kind.label_zh(), kind.label_en()),
            )])),
            Err(e) => Err(e),
        }
    }
}

/// The rows of a workstation sheet (`SheetKind::Workstations`): each row creates its workstation
/// (or finds it: same town and name) and links the social workers its staff cell names. A row
/// whose workstation is kept and whose staff are all linked already is `existing`.
struct WorkstationRows<'a> {
    actor: &'a Actor,
    now: Now,
    /// (town code, name) → the row that first gave it.
    seen: BTreeMap<(String, String), usize>,
    /// Accounts linked by an earlier row of this file → that row.
    staffed: BTreeMap<Uuid, usize>,
}

impl<'a> WorkstationRows<'a> {
    /// The rows of a workstation sheet imported by `actor` at `now`.
    fn new(actor: &'a Actor, now: Now) -> Self {
        WorkstationRows { actor, now, seen: BTreeMap::new(), staffed: BTreeMap::new() }
    }
}

impl SheetImport for WorkstationRows<'_> {
    type Column = WorkstationColumn;
    const OBJECT: &'static str = "workstation";

    async fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<WorkstationColumn>,
    ) -> ServiceResult<RowOutcome> {
        let cell = |c: WorkstationColumn| header.cell(cells, c);
        let form = workstations::WorkstationForm {
            name: cell(WorkstationColumn::Name),
            town: cell(WorkstationColumn::Town),
            address: cell(WorkstationColumn::Address),
            opened_on: cell(WorkstationColumn::OpenedOn),
        };
        let checked = workstations::check(txn, self.actor, self.now, &form).await?;
        // The staff are checked even when the workstation's cells have problems (every problem of
        // the row at once), against the town when it is known.
        let mut problems = match &checked {
            Ok(_) => Vec::new(),
            Err(p) => p.clone(),
        };
        let mut staff = Vec::new();
        let town = match &checked {
            Ok(c) => Some(c.town.clone()),
            Err(_) => workstations::town_named(txn, self.actor, &form.town).await?.ok(),
        };
        if let Some(town) = &town {
            for who in staff_names(&cell(WorkstationColumn::Staff)) {
                match workstations::staff_account(txn, town, &who).await? {
                    Ok(u) => match self.staffed.get(&u.id) {
                        Some(first) => problems.push(FieldError::of(
                            "staff",
                            Message::new("msg.workstation.staff_repeat").text("who", who).text("first", first),
                        )),
                        None => staff.push(u),
                    },
                    Err(e) => problems.push(e),
                }
            }
        }
        let Ok(checked) = checked else { return Ok(RowOutcome::Problems(problems)) };
        let key = (checked.town.code.to_string(), checked.name.clone());
        if let Some(first) = self.seen.get(&key) {
            problems.push(FieldError::coded(
                "row",
                "import.repeat",
                Message::new("msg.import.repeat_workstation").text("first", first),
            ));
        }
        if !problems.is_empty() {
            return Ok(RowOutcome::Problems(problems));
        }
        self.seen.insert(key, row);
        for u in &staff {
            self.staffed.insert(u.id, row);
        }
        let kept = crate::entities::workstation::Entity::find()
            .filter(crate::entities::workstation::Column::DivisionCode.eq(checked.town.code.to_string()))
            .filter(crate::entities::workstation::Column::Name.eq(&checked.name))
            .one(txn)
            .await?;
        let (ws, created) = match kept {
            Some(w) => (w, false),
            None => {
                let id = workstations::insert(txn, self.now, &checked).await?;
                txn.audit(
                    audit::Entry::ok("workstation.create", "workstation", id.to_string())
                        .with_detail(format!("{} town={} (import row {row})", checked.name, checked.town.code)),
                )
                .await?;
                let w = crate::entities::workstation::Entity::find_by_id(id)
                    .one(txn)
                    .await?
                    .ok_or(ServiceError::NotFound("workstation"))?;
                (w, true)
            }
        };
        let mut elsewhere = Vec::new();
        for u in &staff {
            if let Some(e) = workstations::on_other_staff(txn, &ws, u).await? {
                elsewhere.push(e);
            }
        }
        if !elsewhere.is_empty() {
            return Ok(RowOutcome::Problems(elsewhere));
        }
        let mut linked = false;
        for u in &staff {
            linked |= workstations::link(txn, &ws, u).await?;
        }
        Ok(if created || linked { RowOutcome::Valid } else { RowOutcome::Existing })
    }
}
/// Plan-task sheets: each row through the same checks as the page's form
/// ([`responsibility::check_task`]); the owner (a town or a member unit) by name (`广东路街道`,
/// with its district before it, or without 街道/镇/乡; `区公安分局`) or code; a task with the same plan, title and owner is
/// already there (skipped), and the same one twice in the file is a problem.
struct TaskRows<'a> {
    actor: &'a Actor,
    now: Now,
    /// (code, name, name path) of the towns and member units in scope.
    towns: Vec<(String, String, String)>,
    /// (plan, title, owner) → the row that first gave it.
    seen: FirstRows<(String, String, String)>,
}

impl TaskRows<'_> {
    /// The code of the town `text` names, if exactly one does.
    fn town(&self, text: &str) -> Option<String> {
        let t = normalize_header(text);
        if t.is_empty() {
            return None;
        }
        let hits: Vec<&String> = self
            .towns
            .iter()
            .filter(|(code, name, path)| {
                jindu_domain::division::names_unit(&t, code, &normalize_header(name), &normalize_header(path))
            })
            .map(|(code, _, _)| code)
            .collect();
        match hits.as_slice() {
            [one] => Some((*one).clone()),
            _ => None,
        }
    }
}

impl SheetImport for TaskRows<'_> {
    type Column = TaskColumn;
    const OBJECT: &'static str = "task";

    async fn row<T: ConnectionTrait + sea_orm::TransactionSession + Send + Sync>(
        &mut self,
        txn: &crate::service::UnitOfWork<T>,
        row: usize,
        cells: &[String],
        header: &HeaderMap<TaskColumn>,
    ) -> ServiceResult<RowOutcome> {
        let cell = |c: TaskColumn| header.cell(cells, c);
        let owner_text = cell(TaskColumn::Owner);
        let owner = self.town(&owner_text);
        let form = super::responsibility::TaskForm {
            plan: cell(TaskColumn::Plan),
            title: cell(TaskColumn::Title),
            owner_code: owner.clone().unwrap_or_default(),
            co_units: cell(TaskColumn::CoUnits),
            due_on: cell(TaskColumn::Due),
        };
        let checked = match super::responsibility::check_task(txn, self.actor, &form).await? {
            Ok(c) => c,
            Err(mut problems) => {
                if owner.is_none()
                    && !owner_text.is_empty()
                    && let Some(p) = problems.iter_mut().find(|p| p.field == "owner")
                {
                    let shown: String = owner_text.chars().take(30).collect();
                    *p = FieldError::coded(
                        "owner",
                        "task.owner",
                        Message::new("msg.task.owner_unknown").text("shown", shown),
                    );
                }
                return Ok(RowOutcome::Problems(problems));
            }
        };
        let key = (checked.plan.clone(), checked.title.clone(), checked.owner_code.clone());
        if let Err(repeat) = self.seen.keep(key, row, "row", "msg.import.repeat_task") {
            return Ok(RowOutcome::Problems(vec![repeat]));
        }
        let there = crate::entities::plan_task::Entity::find()
            .filter(crate::entities::plan_task::Column::Plan.eq(&checked.plan))
            .filter(crate::entities::plan_task::Column::Title.eq(&checked.title))
            .filter(crate::entities::plan_task::Column::OwnerCode.eq(&checked.owner_code))
            .count(txn)
            .await?;
        if there > 0 {
            return Ok(RowOutcome::Existing);
        }
        super::responsibility::insert_task(txn, self.actor, self.now, checked, &format!(" (import row {row})")).await?;
        Ok(RowOutcome::Valid)
    }
}

/// The towns and communities in the actor's scope, to resolve what the sheet names.
async fn division_index<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<DivisionIndex> {
    let rows: Vec<(String, String)> = division::Entity::find()
        .select_only()
        .columns([division::Column::Code, division::Column::NamePath])
        .filter(division::Column::Code.starts_with(actor.scope.prefix()))
        .filter(
            division::Column::Level
                .is_in([jindu_domain::DivisionLevel::Town.as_code(), jindu_domain::DivisionLevel::Village.as_code()]),
        )
        .into_tuple()
        .all(db)
        .await?;
    Ok(DivisionIndex::new(rows))
}

/// Social workers the actor may assign: (user name, display name without "(社工)", id,
/// division code).
async fn social_workers<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
) -> ServiceResult<Vec<(String, String, Uuid, String)>> {
    Ok(app_user::Entity::find()
        .filter(app_user::Column::Role.eq(Role::SocialWorker.as_code()))
        .filter(app_user::Column::DivisionCode.starts_with(actor.scope.prefix()))
        .all(db)
        .await?
        .into_iter()
        .map(|u| {
            let display = u.display_name.split(['(', '（']).next().unwrap_or_default().trim().to_string();
            (u.username, display, u.id, u.division_code)
        })
        .collect())
}

/// A row as the registration form takes it; measure kind, substance and finding may be given by
/// their Chinese or English names, the social worker by user name or name. Returns the input
/// with every field the sheet's words could not give left blank, the problems of those fields
/// (a social worker without an account is one only when `policy` refuses it), and the social
/// worker the sheet names who has no account.
fn row_input(
    h: &HeaderMap,
    cells: &[String],
    workers: &[(String, String, Uuid, String)],
    divisions: &DivisionIndex,
    policy: UnknownWorkers,
) -> (NewPerson, Vec<FieldError>, Option<String>) {
    let cell = |c: PersonColumn| h.cell(cells, c);
    let mut errors = Vec::new();
    let mut choice = |c: PersonColumn, text: String, codes: &[(&'static str, &'static str, &'static str)]| {
        let t = jindu_domain::import::normalize_header(&text);
        if t.is_empty() {
            return String::new();
        }
        // Registries write 冰毒 for 甲基苯丙胺(冰毒), 吸毒成瘾 for 成瘾: either part of a label with
        // a parenthesis matches, and a leading 吸毒 is dropped.
        let short = t.strip_prefix("吸毒").filter(|s| !s.is_empty()).unwrap_or(&t);
        let names = |zh: &str| -> Vec<String> {
            let zh = jindu_domain::import::normalize_header(zh);
            let mut v: Vec<String> = zh.split(['(', ')']).filter(|s| !s.is_empty()).map(str::to_string).collect();
            v.push(zh);
            v
        };
        match codes.iter().find(|(code, zh, en)| {
            t == *code || t == en.to_ascii_lowercase() || names(zh).iter().any(|n| n == &t || n == short)
        }) {
            Some((code, _, _)) => (*code).to_string(),
            None => {
                errors.push(FieldError::coded(
                    c.field(),
                    "choice.invalid",
                    Message::new("msg.import.choice_invalid")
                        .label("field", c.template_header().trim_end_matches('*'), c.field())
                        .text("input", text.chars().take(40).collect::<String>())
                        .label(
                            "choices",
                            codes.iter().map(|(_, zh, _)| *zh).collect::<Vec<_>>().join("、"),
                            codes.iter().map(|(_, _, en)| *en).collect::<Vec<_>>().join(", "),
                        ),
                ));
                String::new()
            }
        }
    };
    let measure_kinds: Vec<_> = MeasureKind::ALL.iter().map(|k| (k.as_code(), k.label_zh(), k.label_en())).collect();
    // The short forms registries use, then the names.
    let measure_kind = match jindu_domain::import::normalize_header(&cell(PersonColumn::MeasureKind)).as_str() {
        "社戒" => MeasureKind::CommunityDetox.as_code().to_string(),
        "社康" => MeasureKind::CommunityRehab.as_code().to_string(),
        "强戒" | "强制戒毒" => MeasureKind::CompulsoryIsolation.as_code().to_string(),
        _ => choice(PersonColumn::MeasureKind, cell(PersonColumn::MeasureKind), &measure_kinds),
    };
    let findings: Vec<_> = AddictionFinding::ALL.iter().map(|k| (k.as_code(), k.label_zh(), k.label_en())).collect();
    let finding = choice(PersonColumn::AddictionFinding, cell(PersonColumn::AddictionFinding), &findings);
    let substance_text = cell(PersonColumn::Substance);
    let substance = match jindu_domain::import::substance_of(&substance_text) {
        Some(s) => s.as_code().to_string(),
        None if substance_text.is_empty() => String::new(),
        None => {
            let shown: String = substance_text.chars().take(40).collect();
            errors.push(FieldError::coded(
                "substance",
                "choice.invalid",
                Message::new("msg.import.substance_unknown").text("shown", shown),
            ));
            String::new()
        }
    };
    if measure_kind.is_empty() && !cell(PersonColumn::MeasureKind).is_empty() {
        // The kind was not recognised, so the form will not read the measure's dates: their own
        // problems are named now.
        for (c, field) in [(PersonColumn::DecisionDate, "decision_date"), (PersonColumn::ReportDate, "report_date")] {
            let text = cell(c);
            if !text.is_empty()
                && let Err(e) = jindu_domain::event::parse_date(field, &text)
            {
                errors.push(e.into());
            }
        }
    }
    let division_text = division_of(&cell(PersonColumn::Town), &cell(PersonColumn::Community));
    let division = match divisions.resolve(&division_text) {
        Ok(code) => code,
        // Empty: the form's own "required" sentence.
        Err(_) if division_text.is_empty() => String::new(),
        Err(DivisionLookup::NotFound) => {
            errors.push(FieldError::coded(
                "division",
                "division.outside",
                Message::new("msg.import.division_outside").text("division_text", division_text),
            ));
            String::new()
        }
        Err(DivisionLookup::Ambiguous(paths)) => {
            errors.push(FieldError::of(
                "division",
                Message::new("msg.division.ambiguous").text("division_text", division_text).label(
                    "paths",
                    paths.join("、"),
                    paths.join(", "),
                ),
            ));
            String::new()
        }
    };
    let worker_text = cell(PersonColumn::SocialWorker);
    let mut missing_worker = None;
    let social_worker_id = if worker_text.is_empty() {
        String::new()
    } else {
        let mut matches: Vec<&(String, String, Uuid, String)> =
            workers.iter().filter(|(u, d, _, _)| *u == worker_text || *d == worker_text).collect();
        if !division.is_empty() {
            // Only a social worker serving the person's own place can take the person (the same
            // name may serve several towns); one elsewhere counts as no account here.
            let serves =
                |w: &String| jindu_domain::DivisionCode::parse(w).is_ok_and(|c| division.starts_with(&c.prefix()));
            matches.retain(|(_, _, _, w)| serves(w));
        }
        match matches.as_slice() {
            [one] => one.2.to_string(),
            [] if policy != UnknownWorkers::Refuse => {
                missing_worker = Some(worker_text.clone());
                String::new()
            }
            _ => {
                if matches.is_empty() {
                    missing_worker = Some(worker_text.clone());
                }
                errors.push(FieldError::of(
                    "social_worker",
                    Message::new(if matches.is_empty() {
                        "msg.social_worker.unknown"
                    } else {
                        "msg.social_worker.ambiguous"
                    })
                    .text("name", &worker_text),
                ));
                String::new()
            }
        }
    };
    let input = NewPerson {
        name: cell(PersonColumn::Name),
        id_number: cell(PersonColumn::IdNumber),
        phone: cell(PersonColumn::Phone),
        address: cell(PersonColumn::Address),
        division,
        addiction_finding: finding,
        substance,
        social_worker_id,
        first_found_on: cell(PersonColumn::FirstFoundOn),
        measure_kind,
        decision_date: cell(PersonColumn::DecisionDate),
        report_date: cell(PersonColumn::ReportDate),
        note: cell(PersonColumn::Note),
        ..Default::default()
    };
    (input, errors, missing_worker)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
