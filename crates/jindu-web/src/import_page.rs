//! 导入 on the web: upload a registry sheet, watch its rows being checked, read every row's
//! problems, download a copy of the file with an error column, then import it for real.
//!
//! An upload starts a background job ([`ImportJobs`]) that runs
//! `jindu_store::service::import::import_sheet` on the file — a dry run first, always — and
//! counts rows as it goes; the job page refreshes itself every second until the report is ready
//! (no script needed). When the header is not what Jindu reads, or a column is read wrongly, the
//! job page offers 列对应: the header row and each column's meaning, chosen by hand; that starts
//! a new check with the mapping, which the commit then keeps. “确认导入” runs the same bytes and
//! mapping again, for real, all or nothing. A job's file and report are kept in the database
//! (`jindu_store::import_jobs`) for [`JOB_HOURS`] hours, visible only to the user who started
//! them; only the progress of a running job is in memory ([`ImportJobs`]), and running jobs are
//! bounded per user and in all ([`JobLimits`], issue #20 item 1).

use jindu_domain::message::Message;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::import::{PersonColumn, normalize_header};
use jindu_domain::{AddictionFinding, DivisionLevel, MeasureKind, Substance};
use jindu_store::service::deployment;
pub use jindu_store::service::import::SheetKind;
use jindu_store::service::import::{ImportReport, ImportRequest, UnknownWorkers, import_sheet, sheet_preview};
use jindu_store::service::{ServiceError, audit};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use uuid::Uuid;

use crate::auth::Authed;
use crate::page::{PageResult, first_value};
use crate::strict_query::StrictQuery;
use crate::view::Chrome;
use crate::{AppError, AppState};
use jindu_documents::sheet::{Formats, XLSX_CONTENT_TYPE, demo_line, start_sheet};

/// Largest file accepted for import (bytes): 32 MiB, room for 100,000 rows of the template in
/// .xlsx (≈ 9 MB) or .csv (≈ 14 MB). Local default.
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

/// Hours a job (its file and report, in the database) is kept: 24 (local default).
pub const JOB_HOURS: i64 = jindu_store::import_jobs::KEEP_HOURS;

/// Hours after which a job that never ended, and is not running in this server, is reported as
/// stopped (its server stopped in the middle; nothing of it was stored).
pub const LOST_AFTER_HOURS: i64 = 6;

/// How an import job ended.
#[derive(Debug, Clone)]
// One outcome per import job, held while its page is shown: the report's size does not matter.
#[allow(clippy::large_enum_variant)]
pub enum JobOutcome {
    /// The report: a dry run's, or a real run's (created > 0 unless every row existed).
    Report(ImportReport),
    /// The file could not be read at all (no sheet, no header…): the sentence in both languages,
    /// and when the header was the problem, the first rows of the sheet to map it by hand.
    Refused { zh: String, en: String, preview: Vec<Vec<String>> },
}

/// Rows and columns of a sheet shown for choosing its header by hand.
pub const PREVIEW_ROWS: usize = 20;
/// See [`PREVIEW_ROWS`].
pub const PREVIEW_COLUMNS: usize = 40;

/// One check or import of an upload, as stored (`jindu_store::import_jobs`), with its progress
/// when it runs in this server.
#[derive(Debug, Clone)]
pub struct ImportJob {
    pub id: Uuid,
    /// The user who started it: no one else sees it.
    pub owner: Uuid,
    /// The stored file it reads (removed once imported, or after [`JOB_HOURS`] hours).
    pub file_id: Uuid,
    pub file_name: String,
    /// What the sheet holds: persons, measures, or events of registered persons.
    pub sheet: SheetKind,
    pub dry_run: bool,
    /// The header row the user gave (1-based), if any.
    pub header_row: Option<usize>,
    /// The user's column mapping: (header, field or `-`).
    pub mapping: Vec<(String, String)>,
    /// What to do with a 责任社工 without an account (chosen after a check that named some).
    pub unknown_workers: UnknownWorkers,
    pub started: chrono::DateTime<chrono::Utc>,
    /// Rows processed so far, and the data rows of the file (0 while the file is being read, or
    /// when the job runs in another server).
    pub done: usize,
    pub total: usize,
    /// The outcome, once the job has ended.
    pub outcome: Option<JobOutcome>,
}

impl ImportJob {
    /// The outcome, once the job has ended.
    pub fn outcome(&self) -> Option<JobOutcome> {
        self.outcome.clone()
    }

    /// Rows processed so far.
    pub fn done_rows(&self) -> usize {
        self.done
    }

    /// Data rows of the file (0 while it is being read).
    pub fn total_rows(&self) -> usize {
        self.total
    }

    /// Percent of rows done (0–100).
    pub fn percent(&self) -> usize {
        (self.done * 100).checked_div(self.total).unwrap_or(0)
    }
}

/// Check and import jobs running at once (issue #20 item 1): each holds its file and its rows
/// in memory while it runs. Local defaults: one per user, two in all (`jindu serve
/// --import-jobs N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobLimits {
    /// Jobs one user may have running; one more is refused with 429.
    pub per_user: usize,
    /// Jobs the server runs at once; one more is refused with 503.
    pub total: usize,
}

impl Default for JobLimits {
    fn default() -> Self {
        JobLimits { per_user: 1, total: 2 }
    }
}

/// Progress of a job running in this server.
#[derive(Debug)]
struct Running {
    owner: Uuid,
    done: AtomicUsize,
    total: AtomicUsize,
}

/// The import jobs running in this server process: only their progress, and only while they
/// run (a finished job's report and file are in the database, `jindu_store::import_jobs`);
/// bounded by [`JobLimits`].
#[derive(Clone, Default)]
pub struct ImportJobs {
    running: Arc<Mutex<HashMap<Uuid, Arc<Running>>>>,
    limits: JobLimits,
}

/// A place among the running jobs, given back when dropped (the job ended, or failed to start).
struct Slot {
    jobs: ImportJobs,
    id: Uuid,
    running: Arc<Running>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.jobs.lock().remove(&self.id);
    }
}

impl ImportJobs {
    /// No job running; at most `limits` at once.
    pub fn new(limits: JobLimits) -> Self {
        ImportJobs { running: Arc::default(), limits }
    }

    /// The limits.
    pub fn limits(&self) -> JobLimits {
        self.limits
    }

    /// Jobs running now in this server.
    pub fn running(&self) -> usize {
        self.lock().len()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<Running>>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// (done, total) of job `id` if it runs here.
    fn progress(&self, id: Uuid) -> Option<(usize, usize)> {
        self.lock().get(&id).map(|r| (r.done.load(Ordering::Relaxed), r.total.load(Ordering::Relaxed)))
    }

    /// A place for job `id` of `owner`, unless the owner or the server runs as many as allowed.
    fn reserve(&self, id: Uuid, owner: Uuid) -> Result<Slot, AppError> {
        let mut jobs = self.lock();
        if jobs.values().filter(|r| r.owner == owner).count() >= self.limits.per_user {
            return Err(AppError::Form {
                status: axum::http::StatusCode::TOO_MANY_REQUESTS,
                message: Message::new("msg.import.busy_user").text("max", self.limits.per_user),
            });
        }
        if jobs.len() >= self.limits.total {
            return Err(AppError::Form {
                status: axum::http::StatusCode::SERVICE_UNAVAILABLE,
                message: Message::new("msg.import.busy_all").text("max", self.limits.total),
            });
        }
        let running = Arc::new(Running { owner, done: AtomicUsize::new(0), total: AtomicUsize::new(0) });
        jobs.insert(id, running.clone());
        Ok(Slot { jobs: self.clone(), id, running })
    }
}

/// What the job list shows of a job.
#[derive(Debug, Clone)]
pub struct JobLine {
    pub id: Uuid,
    pub file_name: String,
    pub dry_run: bool,
    pub started: chrono::DateTime<chrono::Utc>,
    /// `running`, `ok`, `bad` or `refused`.
    pub state: &'static str,
    /// Rows that pass, records created, rows with problems (of a report).
    pub valid: usize,
    pub created: usize,
    pub bad_rows: usize,
    /// Percent done of a job running here.
    pub percent: usize,
}

/// What the job list keeps of an outcome (stored as JSON beside it).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
struct Summary {
    refused: bool,
    valid: usize,
    created: usize,
    bad_rows: usize,
}

/// An outcome as stored: each problem's sentence in both languages (a [`Message`] is rendered
/// from the catalogue when stored and read back as those words).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum StoredOutcome {
    Report(Box<StoredReport>),
    Refused { zh: String, en: String, preview: Vec<Vec<String>> },
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredReport {
    file_name: String,
    file_hash: String,
    header_row: usize,
    header_cells: Vec<String>,
    columns: Vec<(String, String)>,
    ignored: Vec<String>,
    mapping: Vec<(String, String)>,
    rows: usize,
    skipped: Vec<(usize, String)>,
    existing: usize,
    valid: usize,
    created: usize,
    problems: Vec<StoredProblem>,
    warnings: Vec<StoredProblem>,
    unknown_workers: Vec<String>,
    new_workers: Vec<(String, String, String)>,
    dry_run: bool,
    problem_rows: usize,
    left_out: usize,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct StoredProblem {
    row: usize,
    field: String,
    zh: String,
    en: String,
}

impl StoredProblem {
    fn of(p: &jindu_store::service::import::RowProblem) -> Self {
        let (zh, en) = jindu_messages::render_both(&p.message);
        StoredProblem { row: p.row, field: p.field.clone(), zh, en }
    }

    fn problem(self) -> jindu_store::service::import::RowProblem {
        jindu_store::service::import::RowProblem {
            row: self.row,
            field: self.field,
            message: Message::bilingual(self.zh, self.en),
        }
    }
}

impl StoredOutcome {
    fn of(outcome: &JobOutcome) -> Self {
        match outcome {
            JobOutcome::Refused { zh, en, preview } => {
                StoredOutcome::Refused { zh: zh.clone(), en: en.clone(), preview: preview.clone() }
            }
            JobOutcome::Report(r) => StoredOutcome::Report(Box::new(StoredReport {
                file_name: r.file_name.clone(),
                file_hash: r.file_hash.clone(),
                header_row: r.header_row,
                header_cells: r.header_cells.clone(),
                columns: r.columns.clone(),
                ignored: r.ignored.clone(),
                mapping: r.mapping.clone(),
                rows: r.rows,
                skipped: r.skipped.clone(),
                existing: r.existing,
                valid: r.valid,
                created: r.created,
                problems: r.problems.iter().map(StoredProblem::of).collect(),
                warnings: r.warnings.iter().map(StoredProblem::of).collect(),
                unknown_workers: r.unknown_workers.clone(),
                new_workers: r
                    .new_workers
                    .iter()
                    .map(|w| (w.name.clone(), w.username.clone(), w.division_code.clone()))
                    .collect(),
                dry_run: r.dry_run,
                problem_rows: r.problem_rows,
                left_out: r.left_out,
            })),
        }
    }

    fn outcome(self) -> JobOutcome {
        match self {
            StoredOutcome::Refused { zh, en, preview } => JobOutcome::Refused { zh, en, preview },
            StoredOutcome::Report(r) => JobOutcome::Report(ImportReport {
                file_name: r.file_name,
                file_hash: r.file_hash,
                header_row: r.header_row,
                header_cells: r.header_cells,
                columns: r.columns,
                ignored: r.ignored,
                mapping: r.mapping,
                rows: r.rows,
                skipped: r.skipped,
                existing: r.existing,
                valid: r.valid,
                created: r.created,
                problems: r.problems.into_iter().map(StoredProblem::problem).collect(),
                warnings: r.warnings.into_iter().map(StoredProblem::problem).collect(),
                unknown_workers: r.unknown_workers,
                new_workers: r
                    .new_workers
                    .into_iter()
                    .map(|(name, username, division_code)| jindu_store::service::import::NewWorker {
                        name,
                        username,
                        division_code,
                    })
                    .collect(),
                dry_run: r.dry_run,
                problem_rows: r.problem_rows,
                left_out: r.left_out,
            }),
        }
    }
}

impl Summary {
    fn of(outcome: &JobOutcome) -> Self {
        match outcome {
            JobOutcome::Refused { .. } => Summary { refused: true, ..Summary::default() },
            JobOutcome::Report(r) => {
                Summary { refused: false, valid: r.valid, created: r.created, bad_rows: r.rows_with_problems() }
            }
        }
    }
}

/// The upload form and the user's recent jobs.
#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub jobs: Vec<JobLine>,
    pub columns: Vec<(&'static str, String)>,
}

/// `GET /import`.
pub async fn form(State(state): State<AppState>, a: Authed) -> PageResult {
    jindu_store::service::import::authorize(&a.actor)?;
    let since = state.clock.now().instant - chrono::Duration::hours(JOB_HOURS);
    let lines = jindu_store::import_jobs::list(&state.db, a.actor.user_id, since).await?;
    let jobs = lines
        .into_iter()
        .map(|l| {
            let summary: Option<Summary> = l.summary.as_deref().and_then(|s| serde_json::from_str(s).ok());
            let state_of = match &summary {
                None => "running",
                Some(s) if s.refused => "refused",
                Some(s) if s.bad_rows > 0 => "bad",
                Some(_) => "ok",
            };
            let s = summary.unwrap_or_default();
            let percent = state.imports.progress(l.id).map_or(0, |(d, t)| (d * 100).checked_div(t).unwrap_or(0));
            JobLine {
                id: l.id,
                file_name: l.file_name,
                dry_run: l.dry_run,
                started: l.started_at,
                state: state_of,
                valid: s.valid,
                created: s.created,
                bad_rows: s.bad_rows,
                percent,
            }
        })
        .collect();
    let lang = a.chrome.l();
    let columns =
        PersonColumn::ALL.iter().map(|c| (c.template_header(), hint(SheetKind::Persons, c.field(), lang))).collect();
    Ok(ImportPage { c: a.chrome, jobs, columns }.into_response())
}

/// `POST /import` (multipart: `file`, `mode` = `check` or `commit`): starts a job, shows its page.
pub async fn upload(State(state): State<AppState>, a: Authed, form: crate::csrf::CheckedMultipart) -> PageResult {
    jindu_store::service::import::authorize(&a.actor)?;
    let Ok(mut form) = form.form() else {
        return Err(AppError::Form {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: Message::new("msg.import.no_file"),
        });
    };
    let bad = |code: &'static str| AppError::Form {
        status: axum::http::StatusCode::BAD_REQUEST,
        message: Message::new(code),
    };
    // Over the limit, whether the limit is met between fields or inside the file (issue #20
    // item 7: it was told to retry): say the limit.
    let too_large = || AppError::Form {
        status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        message: Message::new("msg.import.too_large").text("max", IMPORT_LIMIT / 1024 / 1024),
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut dry_run = true;
    let mut sheet = SheetKind::Persons;
    let mut workers = UnknownWorkers::Refuse;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => {
                return Err(bad("msg.import.upload_unreadable"));
            }
        };
        let field_name = field.name().unwrap_or("").to_string();
        match field_name.as_str() {
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field.bytes().await.map_err(|e| {
                    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                        too_large()
                    } else {
                        bad("msg.upload.incomplete")
                    }
                })?;
                // The buffer itself when it is not shared (no copy of a 32 MB file).
                file = Some((name, Vec::from(bytes)));
            }
            "mode" => dry_run = field.text().await.unwrap_or_default() != "commit",
            "sheet" => {
                let code = field.text().await.unwrap_or_default();
                // An unknown kind is refused, never read as a person sheet.
                sheet = match SheetKind::from_code(code.trim()) {
                    Some(k) => k,
                    None if code.trim().is_empty() => SheetKind::Persons,
                    None => {
                        let shown: String = code.chars().take(20).collect();
                        let kinds: Vec<&str> = SheetKind::ALL.iter().map(|k| k.as_code()).collect();
                        return Err(AppError::Invalid(vec![jindu_store::service::FieldError::of(
                            "sheet",
                            Message::new("msg.import.sheet_unknown").text("shown", shown).label(
                                "kinds",
                                kinds.join("、"),
                                kinds.join(", "),
                            ),
                        )]));
                    }
                }
            }
            "workers" => {
                workers = UnknownWorkers::from_code(&field.text().await.unwrap_or_default()).unwrap_or_default()
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return Err(bad("msg.import.choose_file"));
    };
    // The place among the running jobs first: a refused upload stores nothing.
    let id = Uuid::now_v7();
    let slot = state.imports.reserve(id, a.actor.user_id)?;
    let now = state.clock.now().instant;
    jindu_store::import_jobs::delete_before(&state.db, now - chrono::Duration::hours(JOB_HOURS)).await?;
    let file_id = Uuid::now_v7();
    jindu_store::import_jobs::save_file(&state.db, &state.vault, file_id, a.actor.user_id, bytes, now).await?;
    let job = NewJob { file_id, file_name: name, sheet, dry_run, header_row: None, mapping: Vec::new(), workers };
    start_job(&state, &a, slot, job).await?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

/// `POST /import/{job}/commit`: imports for real the file a clean dry run checked.
pub async fn commit(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    jindu_store::service::import::authorize(&a.actor)?;
    let checked = job_of(&state, &a, &id).await?;
    match checked.outcome() {
        Some(JobOutcome::Report(r)) if r.dry_run && r.problems.is_empty() => {}
        _ => {
            return Err(AppError::Form {
                status: axum::http::StatusCode::CONFLICT,
                message: Message::new("msg.import.not_checked"),
            });
        }
    }
    again(&state, &a, &checked, false, checked.header_row, checked.mapping.clone(), checked.unknown_workers).await
}

/// `POST /import/{job}/map` (urlencoded: `header_row`, and `col{i}` = a field, `-` to ignore,
/// `auto` to read by the header's words, for each cell `i` of that header row): checks the same
/// file again with this 列对应.
pub async fn remap(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<Vec<(String, String)>>,
) -> PageResult {
    let checked = job_of(&state, &a, &id).await?;
    let value = |k: &str| first_value(&form, k).trim().to_string();
    let workers = match form.iter().find(|(n, _)| n == "workers") {
        None => checked.unknown_workers,
        Some((_, v)) => UnknownWorkers::from_code(v).ok_or_else(|| AppError::Form {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            message: Message::new("msg.import.workers_choice"),
        })?,
    };
    if !form.iter().any(|(n, _)| n == "header_row") {
        // Only the choice for social workers without an account: the same reading of the file.
        return again(&state, &a, &checked, true, checked.header_row, checked.mapping.clone(), workers).await;
    }
    let header_row = match value("header_row").as_str() {
        "" => None,
        v => match v.parse::<usize>() {
            Ok(n) if (1..=PREVIEW_ROWS).contains(&n) => Some(n),
            _ => {
                return Err(AppError::Form {
                    status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    message: Message::new("msg.import.header_row").text("max", PREVIEW_ROWS),
                });
            }
        },
    };
    let cells = header_cells(&state, &checked, header_row).await?;
    let mut mapping: Vec<(String, String)> = Vec::new();
    for (i, cell) in cells.iter().enumerate() {
        let field = value(&format!("col{i}"));
        if field.is_empty() || field == "auto" || normalize_header(cell).is_empty() {
            continue;
        }
        let known = field == "-" || checked.sheet.columns().iter().any(|(f, _)| *f == field);
        if !known {
            return Err(AppError::Form {
                status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                message: Message::new("msg.import.mapping_unknown")
                    .text("column", i + 1)
                    .text("field", field.chars().take(30).collect::<String>()),
            });
        }
        mapping.push((cell.clone(), field));
    }
    again(&state, &a, &checked, true, header_row, mapping, workers).await
}

/// The cells of the header row a job read, or of row `header_row` of its preview when given
/// (the user choosing the row by hand).
async fn header_cells(state: &AppState, job: &ImportJob, header_row: Option<usize>) -> Result<Vec<String>, AppError> {
    Ok(match (job.outcome(), header_row) {
        (Some(JobOutcome::Report(r)), None) => r.header_cells,
        (Some(JobOutcome::Report(r)), Some(n)) if n == r.header_row => r.header_cells,
        (_, row) => {
            let preview = match job.outcome() {
                Some(JobOutcome::Refused { preview, .. }) if !preview.is_empty() => preview,
                _ => preview_of(state, job).await?,
            };
            let n = row.unwrap_or_else(|| likely_header(&preview));
            preview.get(n.saturating_sub(1)).cloned().unwrap_or_default()
        }
    })
}

/// The first rows of a job's file (read again from the database).
async fn preview_of(state: &AppState, job: &ImportJob) -> Result<Vec<Vec<String>>, AppError> {
    let bytes = file_of(state, job).await?;
    Ok(sheet_preview(&job.file_name, &bytes, PREVIEW_ROWS, PREVIEW_COLUMNS).unwrap_or_default())
}

/// The file a job reads, or 410 with a sentence when it is no longer kept.
async fn file_of(state: &AppState, job: &ImportJob) -> Result<Vec<u8>, AppError> {
    jindu_store::import_jobs::file(&state.db, &state.vault, job.file_id, job.owner).await?.ok_or_else(|| {
        AppError::Form {
            status: axum::http::StatusCode::GONE,
            message: Message::new("msg.import.file_gone").text("hours", JOB_HOURS),
        }
    })
}

/// The row (1-based) most likely to be the header of a preview: the first with the most filled
/// cells (a title row has one).
pub fn likely_header(preview: &[Vec<String>]) -> usize {
    let filled = |r: &Vec<String>| r.iter().filter(|c| !c.is_empty()).count();
    let most = preview.iter().map(filled).max().unwrap_or(0);
    preview.iter().position(|r| filled(r) == most).map_or(1, |i| i + 1)
}

/// What a new job reads and how.
struct NewJob {
    file_id: Uuid,
    file_name: String,
    sheet: SheetKind,
    dry_run: bool,
    header_row: Option<usize>,
    mapping: Vec<(String, String)>,
    workers: UnknownWorkers,
}

/// A new job on the file of `checked` (its name, file and sheet) with these settings, and the
/// redirect to its page.
async fn again(
    state: &AppState,
    a: &Authed,
    checked: &ImportJob,
    dry_run: bool,
    header_row: Option<usize>,
    mapping: Vec<(String, String)>,
    workers: UnknownWorkers,
) -> PageResult {
    let id = Uuid::now_v7();
    let slot = state.imports.reserve(id, a.actor.user_id)?;
    // The file must still be kept (imported already, or expired: 410 naming why).
    if !jindu_store::import_jobs::file_kept(&state.db, checked.file_id, checked.owner).await? {
        return Err(AppError::Form {
            status: axum::http::StatusCode::GONE,
            message: Message::new("msg.import.file_gone").text("hours", JOB_HOURS),
        });
    }
    let job = NewJob {
        file_id: checked.file_id,
        file_name: checked.file_name.clone(),
        sheet: checked.sheet,
        dry_run,
        header_row,
        mapping,
        workers,
    };
    start_job(state, a, slot, job).await?;
    Ok(Redirect::to(&format!("/import/{id}")).into_response())
}

/// Records job `slot.id` and runs it in the background: the file is read from the database, the
/// outcome written there when it ends (then nothing of the job is left in memory), the file
/// removed once imported, and the place among the running jobs given back.
async fn start_job(state: &AppState, a: &Authed, slot: Slot, job: NewJob) -> Result<(), AppError> {
    let now = state.clock.now();
    jindu_store::import_jobs::start(
        &state.db,
        jindu_store::import_jobs::StoredJob {
            id: slot.id,
            owner: a.actor.user_id,
            file_id: job.file_id,
            file_name: job.file_name.clone(),
            sheet: job.sheet.as_code().to_string(),
            dry_run: job.dry_run,
            header_row: job.header_row.and_then(|n| i32::try_from(n).ok()),
            mapping: serde_json::to_string(&job.mapping).unwrap_or_else(|_| "[]".into()),
            workers: job.workers.as_code().to_string(),
            started_at: now.instant,
            finished_at: None,
            summary: None,
            outcome: None,
        },
    )
    .await?;
    let (db, vault, actor, clock) = (state.db.clone(), state.vault.clone(), a.actor.clone(), state.clock.clone());
    tokio::spawn(async move {
        let (outcome, unreadable) = run_job(&db, &vault, &actor, now, &slot, &job).await;
        // Imported, or a file that cannot be read at all (too large unpacked, past the limits,
        // damaged): the file is not needed any more.
        let done_with_file =
            unreadable || matches!(&outcome, JobOutcome::Report(r) if !r.dry_run && r.problems.is_empty());
        let summary = serde_json::to_string(&Summary::of(&outcome)).unwrap_or_default();
        let stored = serde_json::to_string(&StoredOutcome::of(&outcome)).unwrap_or_default();
        drop(outcome);
        // The heavy part is over: the place is given back before the outcome is written, so
        // that whoever sees the job ended can start the next one at once.
        let (id, file_id) = (slot.id, job.file_id);
        drop(job);
        drop(slot);
        let ended = clock.now().instant;
        if let Err(e) = jindu_store::import_jobs::finish(&db, id, ended, summary, stored).await {
            tracing::error!(error = %e, "import job outcome not stored");
        }
        if done_with_file && let Err(e) = jindu_store::import_jobs::delete_file(&db, file_id).await {
            tracing::error!(error = %e, "imported file not removed");
        }
    });
    Ok(())
}

/// Runs one job to its outcome; true with it when the file itself could not be read.
async fn run_job(
    db: &jindu_store::DatabaseConnection,
    vault: &jindu_store::Vault,
    actor: &jindu_store::service::Actor,
    now: jindu_domain::clock::Now,
    slot: &Slot,
    job: &NewJob,
) -> (JobOutcome, bool) {
    let internal = || {
        let (zh, en) = jindu_messages::render_both(&Message::new("msg.import.internal"));
        JobOutcome::Refused { zh, en, preview: Vec::new() }
    };
    let bytes = match jindu_store::import_jobs::file(db, vault, job.file_id, actor.user_id).await {
        Ok(Some(b)) => b,
        Ok(None) => {
            let (zh, en) = jindu_messages::render_both(&Message::new("msg.import.file_gone").text("hours", JOB_HOURS));
            return (JobOutcome::Refused { zh, en, preview: Vec::new() }, false);
        }
        Err(e) => {
            tracing::error!(error = %e, "import file not read");
            return (internal(), false);
        }
    };
    let running = slot.running.clone();
    let progress = |done: usize, total: usize| {
        running.total.store(total, Ordering::Relaxed);
        running.done.store(done, Ordering::Relaxed);
    };
    let request = ImportRequest {
        file_name: &job.file_name,
        bytes: &bytes,
        dry_run: job.dry_run,
        header_row: job.header_row,
        mapping: &job.mapping,
        unknown_workers: job.workers,
    };
    match import_sheet(db, vault, actor, now, job.sheet, request, progress).await {
        Ok(report) => (JobOutcome::Report(report), false),
        Err(ServiceError::Invalid(errors)) => (
            JobOutcome::Refused {
                zh: errors.iter().map(|e| jindu_messages::render(&e.message, "zh")).collect::<Vec<_>>().join(" "),
                en: errors.iter().map(|e| jindu_messages::render(&e.message, "en")).collect::<Vec<_>>().join(" "),
                // A header Jindu could not read: the first rows, to map it by hand.
                preview: if errors.iter().any(|e| e.field == "header") {
                    sheet_preview(&job.file_name, &bytes, PREVIEW_ROWS, PREVIEW_COLUMNS).unwrap_or_default()
                } else {
                    Vec::new()
                },
            },
            errors.iter().any(|e| e.field == "file"),
        ),
        Err(e) => {
            tracing::error!(error = %e, "import job failed");
            (internal(), false)
        }
    }
}

/// Job `id` of the signed-in user, read from the database, with its progress when it runs here;
/// 404 when it is not theirs or no longer kept.
async fn job_of(state: &AppState, a: &Authed, id: &str) -> Result<ImportJob, AppError> {
    jindu_store::service::import::authorize(&a.actor)?;
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    let stored = jindu_store::import_jobs::get(&state.db, id, a.actor.user_id).await?.ok_or(AppError::NotFound)?;
    let progress = state.imports.progress(id);
    let outcome = match stored.outcome.as_deref() {
        Some(json) => match serde_json::from_str::<StoredOutcome>(json) {
            Ok(o) => Some(o.outcome()),
            Err(e) => return Err(AppError::Internal(format!("import job {id}: {e}"))),
        },
        // Never ended and not running here for hours: its server stopped in the middle.
        None if progress.is_none()
            && stored.started_at < state.clock.now().instant - chrono::Duration::hours(LOST_AFTER_HOURS) =>
        {
            let (zh, en) = jindu_messages::render_both(&Message::new("msg.import.internal"));
            Some(JobOutcome::Refused { zh, en, preview: Vec::new() })
        }
        None => None,
    };
    let (done, total) = progress.unwrap_or((0, 0));
    Ok(ImportJob {
        id,
        owner: stored.owner,
        file_id: stored.file_id,
        file_name: stored.file_name,
        sheet: SheetKind::from_code(&stored.sheet).unwrap_or(SheetKind::Persons),
        dry_run: stored.dry_run,
        header_row: stored.header_row.and_then(|n| usize::try_from(n).ok()),
        mapping: serde_json::from_str(&stored.mapping).unwrap_or_default(),
        unknown_workers: UnknownWorkers::from_code(&stored.workers).unwrap_or_default(),
        started: stored.started_at,
        done,
        total,
        outcome,
    })
}

/// A job's page: progress while it runs, then its report.
#[derive(Template, WebTemplate)]
#[template(path = "import_job.html")]
pub struct JobPage {
    pub c: Chrome,
    pub job: ImportJob,
    pub outcome: Option<JobOutcome>,
    /// The 列对应 form: the header row offered (1-based) and its cells, each with the field it
    /// is read as now (`-` ignored) and the choice preselected (`auto` or a field).
    pub map_row: usize,
    pub map_cells: Vec<MapCell>,
    /// The fields of this kind of sheet: (field, header), for the form's choices.
    pub fields: Vec<(&'static str, &'static str)>,
}

/// One column of the 列对应 form.
#[derive(Debug, Clone)]
pub struct MapCell {
    /// Column index (0-based) in the header row.
    pub index: usize,
    pub header: String,
    /// What the header's words make of it: a field, or empty.
    pub auto: String,
    /// The user's choice kept from the last check: a field, `-`, or `auto`.
    pub chosen: String,
}

impl JobPage {
    /// The header named for a field code (`id_number` → 身份证号), for the problems table.
    pub fn field_label(&self, field: &str) -> String {
        if self.c.lang == "en" {
            return field.to_string();
        }
        self.fields.iter().find(|(f, _)| *f == field).map(|(_, h)| h.trim_end_matches('*').to_string()).unwrap_or_else(
            || match field {
                "division" | "row" | "exemptions_checked" => self.c.t(&format!("tpl.field.{field}")),
                "confirm_exemptions" => self.c.t("tpl.field.exemptions_checked"),
                _ => field.to_string(),
            },
        )
    }

    /// True when the check named social workers without an account and no choice was made yet.
    pub fn asks_for_workers(&self, r: &ImportReport) -> bool {
        !r.unknown_workers.is_empty() && self.job.unknown_workers == UnknownWorkers::Refuse
    }

    /// A skipped footer row's number as the page says it: 第7行 / row 7.
    pub fn skipped_row(&self, row: impl std::fmt::Display) -> String {
        jindu_messages::render_code("tpl.row", &[("row", row.to_string())], self.c.l())
    }

    /// True when the job ended and its file can be mapped by hand (a report, or a header that
    /// could not be read).
    pub fn can_map(&self) -> bool {
        !self.map_cells.is_empty()
    }
}

/// Query of a job page: `header_row` to show another row in the 列对应 form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct JobQuery {
    #[serde(default)]
    pub header_row: Option<String>,
}

/// `GET /import/{job}[?header_row=N]`.
pub async fn job(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    StrictQuery(q): StrictQuery<JobQuery>,
) -> PageResult {
    // The header row the user picked on the preview: a whole number of the rows shown, else 422
    // naming the parameter (never silently the detected row); read before the job is looked up.
    let asked =
        jindu_domain::query::number("header_row", q.header_row.as_deref().unwrap_or(""), 1, PREVIEW_ROWS as u64)
            .map_err(|e| AppError::from(vec![e]))?
            .and_then(|n| usize::try_from(n).ok());
    let job = job_of(&state, &a, &id).await?;
    let outcome = job.outcome();
    let (map_row, auto_of): (usize, Vec<String>) = match &outcome {
        Some(JobOutcome::Report(r)) if asked.is_none_or(|n| n == r.header_row) => {
            let auto = r
                .header_cells
                .iter()
                .map(|h| r.columns.iter().find(|(_, header)| header == h).map(|(f, _)| f.clone()).unwrap_or_default())
                .collect();
            (r.header_row, auto)
        }
        Some(JobOutcome::Report(_)) | Some(JobOutcome::Refused { .. }) => {
            let preview = match &outcome {
                Some(JobOutcome::Refused { preview, .. }) if !preview.is_empty() => preview.clone(),
                // A file that could not be read: nothing to choose a header from.
                Some(JobOutcome::Refused { .. }) => Vec::new(),
                _ => preview_of(&state, &job).await?,
            };
            (asked.unwrap_or_else(|| likely_header(&preview)), Vec::new())
        }
        None => (0, Vec::new()),
    };
    let cells =
        if outcome.is_some() && !matches!(&outcome, Some(JobOutcome::Refused { preview, .. }) if preview.is_empty()) {
            header_cells(&state, &job, Some(map_row)).await?
        } else {
            Vec::new()
        };
    let map_cells = cells
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.is_empty())
        .map(|(index, header)| {
            let chosen = job
                .mapping
                .iter()
                .find(|(h, _)| normalize_header(h) == normalize_header(header))
                .map_or_else(|| "auto".to_string(), |(_, f)| f.clone());
            MapCell { index, header: header.clone(), auto: auto_of.get(index).cloned().unwrap_or_default(), chosen }
        })
        .collect();
    let fields = job.sheet.columns();
    Ok(JobPage { c: a.chrome, job, outcome, map_row, map_cells, fields }.into_response())
}

/// `GET /import/{job}/problems.xlsx`: the uploaded sheet as it was read, with a 问题说明 column
/// after the last column naming every problem of each row, those rows shaded; the header row
/// frozen.
pub async fn problems_xlsx(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let job = job_of(&state, &a, &id).await?;
    let Some(JobOutcome::Report(report)) = job.outcome() else {
        return Err(AppError::NotFound);
    };
    let bytes = file_of(&state, &job).await?;
    let rows = jindu_store::sheet::read_sheet(&job.file_name, &bytes)
        .map_err(|e| AppError::Form { status: axum::http::StatusCode::BAD_REQUEST, message: e.message() })?;
    let bytes = annotated_copy(&rows, &report, a.chrome.lang).map_err(|e| AppError::Internal(e.to_string()))?;
    audit_download(
        &state,
        &a,
        "person.import_problems_export",
        format!("{} sha256={} problems={}", report.file_name, report.file_hash, report.problems.len()),
    )
    .await?;
    let stem = job.file_name.rsplit_once('.').map_or(job.file_name.as_str(), |(s, _)| s);
    let name = jindu_messages::render_code("tpl.check.file", &[("stem", stem.to_string())], a.chrome.l());
    Ok(attachment(XLSX_CONTENT_TYPE, &name, bytes))
}

/// The sheet `rows` (as read, row 1 first) with the problems of `report` in a column after the
/// widest row. Problem rows are shaded red; the header row (`report.header_row`) is bold and frozen.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn annotated_copy(rows: &[Vec<String>], report: &ImportReport, lang: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(jindu_messages::t("tpl.check.sheet", lang))?;
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let problem_col = u16::try_from(width).unwrap_or(u16::MAX - 1);
    let header_fmt =
        Format::new().set_bold().set_background_color(Color::RGB(0xDD_E6_F0)).set_border(FormatBorder::Thin);
    let bad_fmt = Format::new().set_background_color(Color::RGB(0xFF_E0_E0));
    let note_fmt = Format::new()
        .set_text_wrap()
        .set_font_color(Color::RGB(0xC0_00_00))
        .set_background_color(Color::RGB(0xFF_E0_E0));
    let mut by_row: HashMap<usize, Vec<String>> = HashMap::new();
    for p in &report.problems {
        by_row.entry(p.row).or_default().push(jindu_messages::render(&p.message, lang));
    }
    let header = report.header_row.saturating_sub(1);
    let mut widths = vec![6usize; width];
    for (r, cells) in rows.iter().enumerate() {
        let row = u32::try_from(r).unwrap_or(u32::MAX);
        let problems = by_row.get(&(r + 1));
        for (c, text) in cells.iter().enumerate() {
            let col = u16::try_from(c).unwrap_or(u16::MAX);
            if r == header {
                ws.write_string_with_format(row, col, text, &header_fmt)?;
            } else if problems.is_some() {
                ws.write_string_with_format(row, col, text, &bad_fmt)?;
            } else {
                ws.write_string(row, col, text)?;
            }
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(text.chars().map(|ch| if ch.is_ascii() { 1 } else { 2 }).sum::<usize>().min(40));
            }
        }
        if r == header {
            ws.write_string_with_format(row, problem_col, jindu_messages::t("tpl.check.problems", lang), &header_fmt)?;
        } else if let Some(list) = problems {
            ws.write_string_with_format(row, problem_col, list.join("\n"), &note_fmt)?;
        } else if report.skipped.iter().any(|(n, _)| *n == r + 1) {
            ws.write_string(row, problem_col, jindu_messages::t("tpl.check.footer_skipped", lang))?;
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(u16::try_from(c).unwrap_or(u16::MAX), (*w + 2) as f64)?;
    }
    ws.set_column_width(problem_col, 60)?;
    if rows.len() > header {
        ws.set_freeze_panes(u32::try_from(header + 1).unwrap_or(0), 0)?;
    }
    wb.save_to_buffer()
}

/// `GET /import/template.xlsx`: the template (导入模板) with the headers Jindu reads, one
/// example row marked 示例 (delete it before importing; its ID number has a wrong check digit so
/// it can never be imported by mistake), a 填写说明 sheet, and the allowed values and the
/// towns and communities of the user's jurisdiction.
pub async fn template(
    State(state): State<AppState>,
    a: Authed,
    StrictQuery(q): StrictQuery<TemplateQuery>,
) -> PageResult {
    jindu_store::service::import::authorize(&a.actor)?;
    // Blank is the person sheet; any other value must be a kind of sheet (422 naming `kind`).
    let kind = jindu_domain::query::choice("kind", &q.kind, &SheetKind::ALL, SheetKind::as_code)
        .map_err(|e| AppError::from(vec![e]))?;
    if let Some(kind @ (SheetKind::Events | SheetKind::Measures | SheetKind::Tasks | SheetKind::Workstations)) = kind {
        let bytes =
            records_template_xlsx(kind, a.chrome.l(), a.chrome.demo).map_err(|e| AppError::Internal(e.to_string()))?;
        let name = jindu_messages::t(&format!("tpl.{}.file", kind.as_code()), a.chrome.l());
        return Ok(attachment(XLSX_CONTENT_TYPE, &name, bytes));
    }
    let towns = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town).await?;
    let communities = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Village).await?;
    let places: Vec<(String, String)> = towns
        .iter()
        .map(|t| (t.name.clone(), t.code.to_string()))
        .chain(communities.iter().map(|c| (c.name.clone(), c.code.to_string())))
        .collect();
    let bytes = template_xlsx(&places, a.chrome.l(), a.chrome.demo).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(XLSX_CONTENT_TYPE, &jindu_messages::t("tpl.persons.file", a.chrome.l()), bytes))
}

/// Query of the template download: `kind=events` or `kind=measures` (else persons).
#[derive(Debug, Default, serde::Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    pub kind: String,
}

/// The template of an event sheet ([`jindu_domain::import::EventColumn`]) or a measure sheet
/// ([`jindu_domain::import::MeasureColumn`]): the headers Jindu reads, an example row whose ID
/// number has a wrong check digit (it can never be imported by mistake), and the words each
/// column takes. `kind` [`SheetKind::Persons`] has its own ([`template_xlsx`]) and is refused.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn records_template_xlsx(kind: SheetKind, lang: &str, demo: bool) -> Result<Vec<u8>, XlsxError> {
    // The example value of each column, in the order of the template's columns.
    let examples: &[&str] = match kind {
        SheetKind::Events => &["43040519850301001X", "示例 张三", "尿检", "2026-11-02", "尿检", "阴性", "", ""],
        SheetKind::Measures => &["43040519850301001X", "示例 张三", "社区康复", "2026-10-08", "2026-10-15", "", "", ""],
        SheetKind::Tasks => {
            &["6·27工程三年行动", "建成社区戒毒社区康复工作站", "示例街道", "区公安分局、区民政局", "2027-06-30"]
        }
        SheetKind::Workstations => {
            &["示例街道社区戒毒(康复)工作站", "示例街道", "示例街道综治中心二楼", "2019-06-26", "sg01、张丽"]
        }
        SheetKind::Persons => return Err(XlsxError::ParameterError("the person template is template_xlsx".into())),
    };
    let words = |key: &str| jindu_messages::t(&format!("tpl.{}.{key}", kind.as_code()), lang);
    let f = Formats::new();
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    let columns = kind.columns();
    {
        let ws = wb.add_worksheet();
        let widths: Vec<(String, f64)> = columns
            .iter()
            .map(|(field, header)| (header.to_string(), if *field == "id_number" { 22.0 } else { 14.0 }))
            .collect();
        start_sheet(ws, &words("sheet"), &words("title"), &widths, &f)?;
        for (c, ((field, _), example)) in columns.iter().zip(examples).enumerate() {
            let col = u16::try_from(c).unwrap_or(0);
            ws.set_column_format(col, &text)?;
            let example =
                if *field == "note" { jindu_messages::t("tpl.example_note", lang) } else { (*example).to_string() };
            ws.write_string_with_format(2, col, &example, &text)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        instructions_sheet(ws, lang, &f)?;
        for (r, (field, header)) in columns.iter().enumerate() {
            let row = u32::try_from(r).unwrap_or(0) + 2;
            ws.write_string(row, 0, *header)?;
            ws.write_string_with_format(row, 1, hint(kind, field, lang), &f.wrap)?;
        }
        if demo {
            demo_line(ws, u32::try_from(columns.len()).unwrap_or(0) + 4, lang, &f)?;
        }
    }
    wb.save_to_buffer()
}

/// The template workbook (see [`template`]); `places` are (name, 12-digit code) of the towns and
/// communities the user may import into.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn template_xlsx(places: &[(String, String)], lang: &str, demo: bool) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    {
        let ws = wb.add_worksheet();
        let columns: Vec<(String, f64)> = PersonColumn::ALL
            .iter()
            .map(|c| (c.template_header().to_string(), if *c == PersonColumn::IdNumber { 22.0 } else { 14.0 }))
            .collect();
        start_sheet(
            ws,
            &jindu_messages::t("tpl.persons.sheet", lang),
            &jindu_messages::t("tpl.persons.title", lang),
            &columns,
            &f,
        )?;
        let example = [
            "示例 张三",
            "43040519850301001X",
            "男",
            "13800000000",
            "珠晖区某路1号",
            "广东路街道",
            "湖北路社区",
            "社区戒毒",
            "2026-09-01",
            "2026-09-08",
            "2026-08-20",
            "",
            "冰毒",
            "吸毒成瘾",
            "",
        ];
        // Every cell is text, so Excel keeps ID numbers and codes whole.
        for c in 0..PersonColumn::ALL.len() {
            ws.set_column_format(u16::try_from(c).unwrap_or(0), &text)?;
        }
        for (c, (column, v)) in PersonColumn::ALL.iter().zip(example).enumerate() {
            let v =
                if *column == PersonColumn::Note { jindu_messages::t("tpl.example_note", lang) } else { v.to_string() };
            ws.write_string_with_format(2, u16::try_from(c).unwrap_or(0), &v, &text)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        instructions_sheet(ws, lang, &f)?;
        for (r, c) in PersonColumn::ALL.iter().enumerate() {
            let row = u32::try_from(r).unwrap_or(0) + 2;
            ws.write_string(row, 0, c.template_header())?;
            ws.write_string_with_format(row, 1, hint(SheetKind::Persons, c.field(), lang), &f.wrap)?;
        }
        let mut row = u32::try_from(PersonColumn::ALL.len()).unwrap_or(0) + 3;
        for (label, values) in [
            ("measure", MeasureKind::ALL.iter().map(|k| k.label_zh()).collect::<Vec<_>>()),
            ("substance", Substance::ALL.iter().map(|k| k.label_zh()).collect()),
            ("addiction", AddictionFinding::ALL.iter().map(|k| k.label_zh()).collect()),
        ] {
            ws.write_string_with_format(row, 0, jindu_messages::t(&format!("tpl.allowed.{label}"), lang), &f.header)?;
            ws.write_string_with_format(row, 1, values.join("、"), &f.wrap)?;
            row += 1;
        }
        ws.write_string_with_format(row + 1, 1, jindu_messages::t("tpl.persons.note", lang), &f.wrap)?;
        // Not on the first sheet: a line there would be read as a data row.
        if demo {
            demo_line(ws, row + 3, lang, &f)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        let t = |key: &str| jindu_messages::t(key, lang);
        start_sheet(
            ws,
            &t("tpl.places.sheet"),
            &t("tpl.places.title"),
            &[(t("tpl.places.name"), 24.0), (t("tpl.places.code"), 16.0)],
            &f,
        )?;
        for (r, (name, code)) in places.iter().enumerate() {
            let row = u32::try_from(r).unwrap_or(0) + 2;
            ws.write_string(row, 0, name)?;
            ws.write_string(row, 1, code)?;
        }
    }
    wb.save_to_buffer()
}

/// How to fill the column `field` of a `kind` sheet, in `lang` (`tpl.hint.<kind>.<field>`).
fn hint(kind: SheetKind, field: &str, lang: &str) -> String {
    jindu_messages::t(&format!("tpl.hint.{}.{field}", kind.as_code()), lang)
}

/// Starts a template's 填写说明 sheet: its name, title and the two column headers.
fn instructions_sheet(ws: &mut rust_xlsxwriter::Worksheet, lang: &str, f: &Formats) -> Result<(), XlsxError> {
    let t = |key: &str| jindu_messages::t(key, lang);
    start_sheet(
        ws,
        &t("tpl.instructions.sheet"),
        &t("tpl.instructions.title"),
        &[(t("tpl.col.column"), 16.0), (t("tpl.col.hint"), 90.0)],
        f,
    )
}

/// A download: `Content-Type`, and `Content-Disposition` with the UTF-8 file name (RFC 6266).
pub fn attachment(content_type: &str, file_name: &str, bytes: Vec<u8>) -> axum::response::Response {
    let ascii: String =
        file_name.chars().map(|c| if c.is_ascii_alphanumeric() || ".-_".contains(c) { c } else { '_' }).collect();
    let encoded: String = file_name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b".-_".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")),
        ],
        bytes,
    )
        .into_response()
}

/// Records that `a` downloaded something (`action`, e.g. `person.export`) with `detail`.
pub(crate) async fn audit_download(state: &AppState, a: &Authed, action: &str, detail: String) -> Result<(), AppError> {
    audit::record(
        &state.db,
        &audit::Who::actor(&a.actor),
        state.clock.now(),
        audit::Entry::ok(action.to_string(), "export", "").with_detail(detail),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(e: AppError) -> (axum::http::StatusCode, &'static str) {
        match e {
            AppError::Form { status, message } => (status, message.code),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn running_jobs_are_bounded_per_user_and_in_all() {
        let jobs = ImportJobs::new(JobLimits { per_user: 1, total: 2 });
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let first = jobs.reserve(Uuid::now_v7(), a).expect("a's first job");
        // A second job of the same user: 429.
        let e = jobs.reserve(Uuid::now_v7(), a).map(|_| ()).unwrap_err();
        assert_eq!(status(e), (axum::http::StatusCode::TOO_MANY_REQUESTS, "msg.import.busy_user"));
        let _second = jobs.reserve(Uuid::now_v7(), b).expect("b's job");
        // A third job in all: 503, naming the limit.
        let e = jobs.reserve(Uuid::now_v7(), c).map(|_| ()).unwrap_err();
        assert_eq!(status(e), (axum::http::StatusCode::SERVICE_UNAVAILABLE, "msg.import.busy_all"));
        let (zh, _) = jindu_messages::render_both(&Message::new("msg.import.busy_all").text("max", 2));
        assert_eq!(zh, "服务器正在处理 2 项导入（本地默认上限），请稍后再试。");
        assert_eq!(jobs.running(), 2);
        // A job that ends gives its place back (nothing of it stays in memory).
        drop(first);
        assert_eq!(jobs.running(), 1);
        let _third = jobs.reserve(Uuid::now_v7(), c).expect("c's job once a's has ended");
    }
}
