//! 导入 on the web: upload a registry sheet, watch its rows being checked, read every row's
//! problems, download a copy of the file with an error column, then import it for real.
//!
//! An upload starts a background job ([`ImportJobs`]) that runs
//! `jindu_store::service::import::import_persons` on the file — a dry run first, always — and
//! counts rows as it goes; the job page refreshes itself every second until the report is ready
//! (no script needed). “确认导入” runs the same bytes again, for real, all or nothing. Jobs are
//! kept in memory for [`JOB_HOURS`] hours, visible only to the user who started them; one import
//! runs at a time (the write transaction of a large file would make a second one wait anyway).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect};
use jindu_domain::import::{EventColumn, PersonColumn};
use jindu_domain::{AddictionFinding, DivisionLevel, MeasureKind, Substance};
use jindu_store::service::deployment;
use jindu_store::service::import::{ImportReport, import_events, import_persons};
use jindu_store::service::{ServiceError, audit};
use rust_xlsxwriter::{Color, Format, FormatBorder, Workbook, XlsxError};
use uuid::Uuid;

use crate::auth::Authed;
use crate::export::{Formats, XLSX_CONTENT_TYPE, demo_line, start_sheet};
use crate::pages::PageResult;
use crate::view::Chrome;
use crate::{AppError, AppState};

/// Largest file accepted for import (bytes): 32 MiB, room for 100,000 rows of the template in
/// .xlsx (≈ 9 MB) or .csv (≈ 14 MB). Local default.
pub const IMPORT_LIMIT: usize = 32 * 1024 * 1024;

/// Hours a finished job (its file and report) is kept in memory.
pub const JOB_HOURS: i64 = 2;

/// How an import job ended.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    /// The report: a dry run's, or a real run's (created > 0 unless every row existed).
    Report(ImportReport),
    /// The file could not be read at all (no sheet, no header…): the sentence in both languages.
    Refused { zh: String, en: String },
}

/// What an uploaded sheet holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SheetKind {
    /// 在册人员 with their first measure (`import_persons`).
    Persons,
    /// 检测、报到、走访… records of registered persons (`import_events`).
    Events,
}

/// One upload being checked or imported.
#[derive(Debug)]
pub struct ImportJob {
    pub id: Uuid,
    /// The user who started it: no one else sees it.
    pub owner: Uuid,
    pub file_name: String,
    pub bytes: Arc<Vec<u8>>,
    /// What the sheet holds: persons, or events of registered persons.
    pub sheet: SheetKind,
    pub dry_run: bool,
    pub started: chrono::DateTime<chrono::Utc>,
    /// Rows processed so far, and the data rows of the file (0 while the file is being read).
    pub done: AtomicUsize,
    pub total: AtomicUsize,
    pub outcome: Mutex<Option<JobOutcome>>,
}

impl ImportJob {
    /// The outcome, once the job has ended.
    pub fn outcome(&self) -> Option<JobOutcome> {
        self.outcome.lock().map(|o| o.clone()).unwrap_or_else(|e| e.into_inner().clone())
    }

    /// Rows processed so far.
    pub fn done_rows(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Data rows of the file (0 while it is being read).
    pub fn total_rows(&self) -> usize {
        self.total.load(Ordering::Relaxed)
    }

    /// Percent of rows done (0–100).
    pub fn percent(&self) -> usize {
        let total = self.total.load(Ordering::Relaxed);
        (self.done.load(Ordering::Relaxed) * 100).checked_div(total).unwrap_or(0)
    }
}

/// The import jobs of this server process (in memory; a restart forgets them, never half an
/// import: an unfinished transaction is rolled back by the database).
#[derive(Clone, Default)]
pub struct ImportJobs(Arc<Mutex<HashMap<Uuid, Arc<ImportJob>>>>);

impl ImportJobs {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Uuid, Arc<ImportJob>>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The job `id` if `owner` started it.
    pub fn get(&self, id: Uuid, owner: Uuid) -> Option<Arc<ImportJob>> {
        self.lock().get(&id).filter(|j| j.owner == owner).cloned()
    }

    /// `owner`'s jobs, newest first.
    pub fn of(&self, owner: Uuid) -> Vec<Arc<ImportJob>> {
        let mut v: Vec<_> = self.lock().values().filter(|j| j.owner == owner).cloned().collect();
        v.sort_by_key(|j| std::cmp::Reverse(j.started));
        v
    }

    /// Adds a job unless another is running; forgets jobs older than [`JOB_HOURS`].
    fn start(&self, job: ImportJob) -> Result<Arc<ImportJob>, AppError> {
        let mut jobs = self.lock();
        let horizon = job.started - chrono::Duration::hours(JOB_HOURS);
        jobs.retain(|_, j| j.started > horizon || j.outcome().is_none());
        if jobs.values().any(|j| j.outcome().is_none()) {
            return Err(AppError::Form {
                status: axum::http::StatusCode::CONFLICT,
                zh: "另一项导入正在进行，请等它完成后再试。".into(),
                en: "Another import is running; try again when it has finished.".into(),
            });
        }
        let job = Arc::new(job);
        jobs.insert(job.id, job.clone());
        Ok(job)
    }
}

/// The upload form and the user's recent jobs.
#[derive(Template, WebTemplate)]
#[template(path = "import.html")]
pub struct ImportPage {
    pub c: Chrome,
    pub jobs: Vec<Arc<ImportJob>>,
    pub columns: Vec<(&'static str, &'static str)>,
}

/// `GET /import`.
pub async fn form(State(state): State<AppState>, a: Authed) -> PageResult {
    a.actor.require(jindu_domain::Permission::EditPersons)?;
    let jobs = state.imports.of(a.actor.user_id);
    let columns = PersonColumn::ALL.iter().map(|c| (c.template_header(), c.hint_zh())).collect();
    Ok(ImportPage { c: a.chrome, jobs, columns }.into_response())
}

/// `POST /import` (multipart: `file`, `mode` = `check` or `commit`): starts a job, shows its page.
pub async fn upload(
    State(state): State<AppState>,
    a: Authed,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> PageResult {
    a.actor.require(jindu_domain::Permission::EditPersons)?;
    let Ok(mut form) = form else {
        return Err(AppError::Form {
            status: axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            zh: "请在“批量导入”页面选择文件后上传。".into(),
            en: "Choose a file on the Import page and upload it.".into(),
        });
    };
    let bad = |zh: &str, en: &str| AppError::Form {
        status: axum::http::StatusCode::BAD_REQUEST,
        zh: zh.to_string(),
        en: en.to_string(),
    };
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut dry_run = true;
    let mut sheet = SheetKind::Persons;
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(AppError::Form {
                    status: axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    zh: format!("文件过大：最大 {} MB。请分成几个文件导入。", IMPORT_LIMIT / 1024 / 1024),
                    en: format!(
                        "The file is too large: at most {} MB. Split it into several files.",
                        IMPORT_LIMIT / 1024 / 1024
                    ),
                });
            }
            Err(_) => {
                return Err(bad(
                    "上传的内容无法读取，请重新选择文件。",
                    "The upload could not be read; choose the file again.",
                ));
            }
        };
        let field_name = field.name().unwrap_or("").to_string();
        match field_name.as_str() {
            "file" => {
                let name = field.file_name().unwrap_or("").to_string();
                let bytes = field
                    .bytes()
                    .await
                    .map_err(|_| bad("文件上传不完整，请重试。", "The file did not arrive whole; try again."))?;
                file = Some((name, bytes.to_vec()));
            }
            "mode" => dry_run = field.text().await.unwrap_or_default() != "commit",
            "sheet" => {
                sheet = if field.text().await.unwrap_or_default() == "events" {
                    SheetKind::Events
                } else {
                    SheetKind::Persons
                }
            }
            _ => {}
        }
    }
    let Some((name, bytes)) = file.filter(|(n, b)| !n.is_empty() && !b.is_empty()) else {
        return Err(bad(
            "请选择要导入的文件（.xlsx、.xls、.ods 或 .csv）。",
            "Choose a file to import (.xlsx, .xls, .ods or .csv).",
        ));
    };
    let job = start_job(&state, &a, name, Arc::new(bytes), sheet, dry_run)?;
    Ok(Redirect::to(&format!("/import/{}", job.id)).into_response())
}

/// `POST /import/{job}/commit`: imports for real the file a clean dry run checked.
pub async fn commit(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    a.actor.require(jindu_domain::Permission::EditPersons)?;
    let checked = job_of(&state, &a, &id)?;
    match checked.outcome() {
        Some(JobOutcome::Report(r)) if r.dry_run && r.problems.is_empty() => {}
        _ => {
            return Err(AppError::Form {
                status: axum::http::StatusCode::CONFLICT,
                zh: "只有检查无误的文件才能确认导入。".into(),
                en: "Only a file whose check found no problems can be imported.".into(),
            });
        }
    }
    let job = start_job(&state, &a, checked.file_name.clone(), checked.bytes.clone(), checked.sheet, false)?;
    Ok(Redirect::to(&format!("/import/{}", job.id)).into_response())
}

fn start_job(
    state: &AppState,
    a: &Authed,
    file_name: String,
    bytes: Arc<Vec<u8>>,
    sheet: SheetKind,
    dry_run: bool,
) -> Result<Arc<ImportJob>, AppError> {
    let now = state.clock.now();
    let job = state.imports.start(ImportJob {
        id: Uuid::now_v7(),
        owner: a.actor.user_id,
        file_name,
        bytes,
        sheet,
        dry_run,
        started: now.instant,
        done: AtomicUsize::new(0),
        total: AtomicUsize::new(0),
        outcome: Mutex::new(None),
    })?;
    let (db, vault, actor, running) = (state.db.clone(), state.vault.clone(), a.actor.clone(), job.clone());
    tokio::spawn(async move {
        let progress = |done: usize, total: usize| {
            running.total.store(total, Ordering::Relaxed);
            running.done.store(done, Ordering::Relaxed);
        };
        let (name, bytes, dry_run) = (&running.file_name, &running.bytes, running.dry_run);
        let result = match running.sheet {
            SheetKind::Persons => import_persons(&db, &vault, &actor, now, name, bytes, dry_run, progress).await,
            SheetKind::Events => import_events(&db, &vault, &actor, now, name, bytes, dry_run, progress).await,
        };
        let outcome = match result {
            Ok(report) => JobOutcome::Report(report),
            Err(ServiceError::Invalid(errors)) => JobOutcome::Refused {
                zh: errors.iter().map(|e| e.zh.as_str()).collect::<Vec<_>>().join(" "),
                en: errors.iter().map(|e| e.en.as_str()).collect::<Vec<_>>().join(" "),
            },
            Err(e) => {
                tracing::error!(error = %e, "import job failed");
                JobOutcome::Refused {
                    zh: "导入因内部错误中止，未保存任何数据。请稍后重试或联系系统管理员。".into(),
                    en: "The import stopped on an internal error; nothing was stored. Try again later or ask the administrator.".into(),
                }
            }
        };
        *running.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some(outcome);
    });
    Ok(job)
}

fn job_of(state: &AppState, a: &Authed, id: &str) -> Result<Arc<ImportJob>, AppError> {
    a.actor.require(jindu_domain::Permission::EditPersons)?;
    let id = Uuid::parse_str(id).map_err(|_| AppError::NotFound)?;
    state.imports.get(id, a.actor.user_id).ok_or(AppError::NotFound)
}

/// A job's page: progress while it runs, then its report.
#[derive(Template, WebTemplate)]
#[template(path = "import_job.html")]
pub struct JobPage {
    pub c: Chrome,
    pub job: Arc<ImportJob>,
    pub outcome: Option<JobOutcome>,
}

impl JobPage {
    /// The header named for a field code (`id_number` → 身份证号), for the problems table.
    pub fn field_label(&self, field: &str) -> String {
        PersonColumn::ALL
            .iter()
            .find(|c| c.field() == field)
            .map(|c| {
                if self.c.lang == "en" {
                    field.to_string()
                } else {
                    c.template_header().trim_end_matches('*').to_string()
                }
            })
            .unwrap_or_else(|| match (field, self.c.lang) {
                (_, "en") => field.to_string(),
                ("kind", _) => "类型".to_string(),
                ("date", _) => "日期".to_string(),
                ("test_method", _) => "检测方式".to_string(),
                ("test_result", _) => "检测结果".to_string(),
                ("division", _) => "所属辖区".to_string(),
                ("row", _) => "整行".to_string(),
                _ => field.to_string(),
            })
    }
}

/// `GET /import/{job}`.
pub async fn job(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let job = job_of(&state, &a, &id)?;
    let outcome = job.outcome();
    Ok(JobPage { c: a.chrome, job, outcome }.into_response())
}

/// `GET /import/{job}/problems.xlsx`: the uploaded sheet as it was read, with a 问题说明 column
/// after the last column naming every problem of each row, those rows shaded; the header row
/// frozen.
pub async fn problems_xlsx(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let job = job_of(&state, &a, &id)?;
    let Some(JobOutcome::Report(report)) = job.outcome() else {
        return Err(AppError::NotFound);
    };
    let rows =
        jindu_store::sheet::read_sheet(&job.file_name, &job.bytes).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let bytes = annotated_copy(&rows, &report, a.chrome.lang).map_err(|e| AppError::Internal(e.to_string()))?;
    audit_download(
        &state,
        &a,
        "person.import_problems_export",
        format!("{} sha256={} problems={}", report.file_name, report.file_hash, report.problems.len()),
    )
    .await?;
    let stem = job.file_name.rsplit_once('.').map_or(job.file_name.as_str(), |(s, _)| s);
    Ok(attachment(XLSX_CONTENT_TYPE, &format!("{stem}-问题.xlsx"), bytes))
}

/// The sheet `rows` (as read, row 1 first) with the problems of `report` in a column after the
/// widest row. Problem rows are shaded red; the header row (`report.header_row`) is bold and frozen.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn annotated_copy(rows: &[Vec<String>], report: &ImportReport, lang: &str) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(if lang == "en" { "Check" } else { "检查结果" })?;
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
        by_row.entry(p.row).or_default().push(if lang == "en" { p.en.clone() } else { p.zh.clone() });
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
            ws.write_string_with_format(
                row,
                problem_col,
                if lang == "en" { "Problems" } else { "问题说明" },
                &header_fmt,
            )?;
        } else if let Some(list) = problems {
            ws.write_string_with_format(row, problem_col, list.join("\n"), &note_fmt)?;
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
    axum::extract::Query(q): axum::extract::Query<TemplateQuery>,
) -> PageResult {
    a.actor.require(jindu_domain::Permission::EditPersons)?;
    if q.kind == "events" {
        let bytes = events_template_xlsx(a.chrome.demo).map_err(|e| AppError::Internal(e.to_string()))?;
        return Ok(attachment(XLSX_CONTENT_TYPE, "检测走访记录导入模板.xlsx", bytes));
    }
    let towns = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Town).await?;
    let communities = deployment::in_scope(&state.db, a.actor.scope, DivisionLevel::Village).await?;
    let places: Vec<(String, String)> = towns
        .iter()
        .map(|t| (t.name.clone(), t.code.to_string()))
        .chain(communities.iter().map(|c| (c.name.clone(), c.code.to_string())))
        .collect();
    let bytes = template_xlsx(&places, a.chrome.demo).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(attachment(XLSX_CONTENT_TYPE, "在册人员导入模板.xlsx", bytes))
}

/// Query of the template download: `kind=events` for the event sheet.
#[derive(Debug, Default, serde::Deserialize)]
pub struct TemplateQuery {
    #[serde(default)]
    pub kind: String,
}

/// The template of an event sheet: the headers [`EventColumn`] reads, an example row with a
/// wrong check digit (it can never be imported by mistake), and the words each column takes.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn events_template_xlsx(demo: bool) -> Result<Vec<u8>, XlsxError> {
    use jindu_domain::import::SheetColumn;
    let f = Formats::new();
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    {
        let ws = wb.add_worksheet();
        let columns: Vec<(String, f64)> = EventColumn::ALL
            .iter()
            .map(|c| (c.template_header().to_string(), if *c == EventColumn::IdNumber { 22.0 } else { 14.0 }))
            .collect();
        start_sheet(
            ws,
            "检测走访记录",
            "检测、报到、走访记录导入模板（带*为必填；第3行为示例，导入前请删除）",
            &columns,
            &f,
        )?;
        for c in 0..EventColumn::ALL.len() {
            ws.set_column_format(u16::try_from(c).unwrap_or(0), &text)?;
        }
        for (c, v) in
            ["43040519850301001X", "示例 张三", "尿检", "2026-11-02", "尿检", "阴性", "", "示例行，导入前删除"]
                .iter()
                .enumerate()
        {
            ws.write_string_with_format(2, u16::try_from(c).unwrap_or(0), *v, &text)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        start_sheet(ws, "填写说明", "各列填写说明", &[("列".into(), 16.0), ("说明".into(), 90.0)], &f)?;
        let hints = [
            "必填。须为本辖区已登记的人员。",
            "可不填；填写时须与登记的姓名一致。",
            "必填。可填：报到、检测、尿检、毛发检测、走访、家访、谈话、帮扶。",
            "必填。不能晚于今天。格式如 2026-11-02、2026/11/2、2026年11月2日 或 Excel 日期。",
            "检测时必填（类型为尿检、毛发检测时可不填）：尿检、毛发、唾液、血液。",
            "检测时必填：阴性、阳性、拒检。",
            "检测结果为阳性时必填，如：冰毒、海洛因、氯胺酮。",
            "不超过500字。",
        ];
        for (r, (c, hint)) in EventColumn::ALL.iter().zip(hints).enumerate() {
            let row = u32::try_from(r).unwrap_or(0) + 2;
            ws.write_string(row, 0, c.template_header())?;
            ws.write_string_with_format(row, 1, hint, &f.wrap)?;
        }
        if demo {
            demo_line(ws, u32::try_from(EventColumn::ALL.len()).unwrap_or(0) + 4, "zh", &f)?;
        }
    }
    wb.save_to_buffer()
}

/// The template workbook (see [`template`]); `places` are (name, 12-digit code) of the towns and
/// communities the user may import into.
///
/// # Errors
/// Only a fault of the workbook writer.
pub fn template_xlsx(places: &[(String, String)], demo: bool) -> Result<Vec<u8>, XlsxError> {
    let f = Formats::new();
    let mut wb = Workbook::new();
    let text = Format::new().set_num_format("@");
    {
        let ws = wb.add_worksheet();
        let columns: Vec<(String, f64)> = PersonColumn::ALL
            .iter()
            .map(|c| (c.template_header().to_string(), if *c == PersonColumn::IdNumber { 22.0 } else { 14.0 }))
            .collect();
        start_sheet(ws, "在册人员", "在册人员导入模板（带*为必填；第3行为示例，导入前请删除）", &columns, &f)?;
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
            "示例行，导入前删除",
        ];
        // Every cell is text, so Excel keeps ID numbers and codes whole.
        for c in 0..PersonColumn::ALL.len() {
            ws.set_column_format(u16::try_from(c).unwrap_or(0), &text)?;
        }
        for (c, v) in example.iter().enumerate() {
            ws.write_string_with_format(2, u16::try_from(c).unwrap_or(0), *v, &text)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        start_sheet(ws, "填写说明", "各列填写说明", &[("列".into(), 16.0), ("说明".into(), 90.0)], &f)?;
        for (r, c) in PersonColumn::ALL.iter().enumerate() {
            let row = u32::try_from(r).unwrap_or(0) + 2;
            ws.write_string(row, 0, c.template_header())?;
            ws.write_string_with_format(row, 1, c.hint_zh(), &f.wrap)?;
        }
        let mut row = u32::try_from(PersonColumn::ALL.len()).unwrap_or(0) + 3;
        for (label, values) in [
            ("管控措施可填", MeasureKind::ALL.iter().map(|k| k.label_zh()).collect::<Vec<_>>()),
            ("毒品种类可填", Substance::ALL.iter().map(|k| k.label_zh()).collect()),
            ("成瘾认定可填", AddictionFinding::ALL.iter().map(|k| k.label_zh()).collect()),
        ] {
            ws.write_string_with_format(row, 0, label, &f.header)?;
            ws.write_string_with_format(row, 1, values.join("、"), &f.wrap)?;
            row += 1;
        }
        ws.write_string_with_format(
            row + 1,
            1,
            "表头可在第1至20行之间，上方可有标题行和合并单元格；列的顺序不限，常见的其他写法（公民身份号码、证件号码、所属街道等）也能识别。已在本辖区登记的人员会跳过，重复导入同一文件不会重复登记。",
            &f.wrap,
        )?;
        // Not on the first sheet: a line there would be read as a data row.
        if demo {
            demo_line(ws, row + 3, "zh", &f)?;
        }
    }
    {
        let ws = wb.add_worksheet();
        start_sheet(
            ws,
            "辖区",
            "可填写的乡镇街道和社区（村）",
            &[("名称".into(), 24.0), ("区划代码".into(), 16.0)],
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
