//! 定责考责 page `/responsibility`: the responsibility letters (责任书) of the towns and member
//! units of a year with the units still without a signed one, the register of member units
//! (成员单位名录), and the plan tasks (规划任务) with their status, evidence,
//! close-out (销账) and reopening. Handlers only translate to `service::responsibility`; a refused
//! form comes back on the page with its sentences (422). Files arrive as multipart forms whose
//! CSRF token is in the query string (as the import page does).

use jindu_domain::message::Message;
use std::collections::HashMap;

use crate::csrf::CheckedMultipart;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use chrono::Datelike;
use jindu_domain::responsibility::{ATTACHMENT_LIMIT, LetterStatus, TaskStatus};
use jindu_store::service::ServiceError;
use jindu_store::service::responsibility::{self, LetterForm, LetterRow, TaskForm, TaskRow, Upload};
use jindu_store::service::units::{self, MemberUnit, MemberUnitForm, Unit, UnitKind};
use uuid::Uuid;

use crate::AppState;
use crate::auth::Authed;
use crate::error::AppError;
use crate::form::Form;
use crate::page::{PageResult, parse_id};
use crate::strict_query::StrictQuery;
use crate::view::{Chrome, FormState};

/// Largest request with a file: the file limit and 1 MiB for the other fields.
pub const UPLOAD_LIMIT: usize = ATTACHMENT_LIMIT + 1024 * 1024;

/// "The file is too large: at most 10 MB" (the attachment limit, not [`UPLOAD_LIMIT`]).
pub fn too_large() -> Message {
    Message::new("msg.upload.too_large").text("max", ATTACHMENT_LIMIT / 1048576)
}

/// `/responsibility`.
#[derive(Template, WebTemplate)]
#[template(path = "responsibility.html")]
pub struct ResponsibilityPage {
    pub c: Chrome,
    pub year: i32,
    pub letters: Vec<LetterRow>,
    pub tasks: Vec<TaskRow>,
    /// The towns, then the member units, in scope, for the forms.
    pub units: Vec<Unit>,
    /// The register of member units (成员单位名录) in scope.
    pub members: Vec<MemberUnit>,
    pub form: FormState,
}

impl ResponsibilityPage {
    /// The units without a signed letter.
    pub fn unsigned(&self) -> Vec<&LetterRow> {
        self.letters.iter().filter(|l| l.status != LetterStatus::Signed).collect()
    }

    /// A letter status as shown.
    pub fn letter_status(&self, s: &LetterStatus) -> &'static str {
        if self.c.l() == "en" { s.label_en() } else { s.label_zh() }
    }

    /// A task status as shown, with the days late.
    pub fn task_status(&self, s: &TaskStatus) -> String {
        let label = if self.c.l() == "en" { s.label_en() } else { s.label_zh() };
        match s {
            TaskStatus::Overdue { days } if self.c.l() == "en" => format!("{label} {days} d"),
            TaskStatus::Overdue { days } => format!("{label} {days} 天"),
            _ => label.to_string(),
        }
    }

    /// The units of a kind, for an `<optgroup>`.
    pub fn units_of(&self, town: &bool) -> Vec<&Unit> {
        let kind = if *town { UnitKind::Town } else { UnitKind::MemberUnit };
        self.units.iter().filter(|u| u.kind == kind).collect()
    }

    /// Size of a file as shown: `1.2 MB`, `35 KB`.
    pub fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / 1048576.0)
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
    }
}

/// `?year=2026`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct YearQuery {
    pub year: String,
}

async fn render(state: &AppState, a: Authed, year: i32, form: FormState, status: StatusCode) -> PageResult {
    let now = state.clock.now();
    let letters = responsibility::letters(&state.db, &a.actor, year).await?;
    let tasks = responsibility::tasks(&state.db, &a.actor, now, false).await?;
    let units = units::in_scope(&state.db, a.actor.scope, None).await?;
    let members = units::member_units(&state.db, &a.actor).await?;
    Ok((status, ResponsibilityPage { c: a.chrome, year, letters, tasks, units, members, form }).into_response())
}

/// The answer to a posted form of the page: a redirect to `to` when the service saved it; the
/// page of `year` (this year when `None`) again with the form `form`'s values and sentences (422)
/// when it refused the input; any other error as it is.
async fn answer<T>(
    state: &AppState,
    a: Authed,
    saved: Result<T, ServiceError>,
    to: &str,
    year: Option<i32>,
    form: String,
    values: HashMap<String, String>,
) -> PageResult {
    match saved {
        Ok(_) => Ok(Redirect::to(to).into_response()),
        Err(ServiceError::Invalid(errors)) => {
            let lang = a.chrome.lang;
            let shown = year.unwrap_or_else(|| state.clock.now().today.year());
            render(state, a, shown, FormState { form, values, errors, lang }, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /responsibility`.
pub async fn page(State(state): State<AppState>, a: Authed, StrictQuery(q): StrictQuery<YearQuery>) -> PageResult {
    responsibility::authorize_page(&a.actor)?;
    let this_year = state.clock.now().today.year();
    let year = jindu_domain::query::number("year", &q.year, 2000, 2100)
        .map_err(|e| AppError::from(vec![e]))?
        .and_then(|y| i32::try_from(y).ok())
        .unwrap_or(this_year);
    let lang = a.chrome.lang;
    render(&state, a, year, FormState::new("", lang), StatusCode::OK).await
}

/// The text fields and the file of a multipart form.
async fn read_multipart(
    form: CheckedMultipart,
    file_field: &str,
) -> Result<(HashMap<String, String>, Option<Upload>), AppError> {
    let bad = |status: StatusCode, message: Message| AppError::Form { status, message };
    let mut form = form.form().map_err(|_| bad(StatusCode::UNPROCESSABLE_ENTITY, Message::new("msg.form.fill_in")))?;
    let mut values = HashMap::new();
    let mut file = None;
    // Over the limit, between fields or inside the file: say the limit (issue #20 item 7).
    let too_large = || bad(StatusCode::PAYLOAD_TOO_LARGE, too_large());
    loop {
        let field = match form.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(too_large()),
            Err(_) => {
                return Err(bad(StatusCode::BAD_REQUEST, Message::new("msg.upload.unreadable")));
            }
        };
        let name = field.name().unwrap_or("").to_string();
        if name == file_field {
            let file_name = field.file_name().unwrap_or("").to_string();
            let bytes = field.bytes().await.map_err(|e| {
                if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large()
                } else {
                    bad(StatusCode::BAD_REQUEST, Message::new("msg.upload.incomplete"))
                }
            })?;
            if !file_name.is_empty() || !bytes.is_empty() {
                file = Some(Upload { file_name, bytes: bytes.to_vec() });
            }
        } else {
            values.insert(name, field.text().await.unwrap_or_default());
        }
    }
    Ok((values, file))
}

fn v(values: &HashMap<String, String>, k: &str) -> String {
    values.get(k).cloned().unwrap_or_default()
}

/// `POST /responsibility/letters` (multipart: `year`, `unit`, `parties`, `signed_on`, `scan`).
pub async fn save_letter(State(state): State<AppState>, a: Authed, form: CheckedMultipart) -> PageResult {
    // Refused (403) before the upload is read.
    responsibility::authorize_letter(&a.actor)?;
    let (values, scan) = read_multipart(form, "scan").await?;
    let f = LetterForm {
        year: v(&values, "year"),
        unit_code: v(&values, "unit"),
        parties: v(&values, "parties"),
        signed_on: v(&values, "signed_on"),
        scan,
    };
    let year = f.year.trim().parse::<i32>().ok().filter(|y| (2000..=2100).contains(y));
    let saved = responsibility::save_letter(&state.db, &state.vault, &a.actor, state.clock.now(), f).await;
    let to = format!("/responsibility?year={}#letters", year.unwrap_or_default());
    answer(&state, a, saved, &to, year, "letter".into(), values).await
}

/// The form that registers a member unit.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewMemberUnit {
    pub name: String,
    pub duties: String,
}

/// `POST /responsibility/units`: registers a member unit (成员单位).
pub async fn create_member_unit(State(state): State<AppState>, a: Authed, Form(f): Form<NewMemberUnit>) -> PageResult {
    let values = crate::page::form_values(&f);
    let form = MemberUnitForm { name: f.name, duties: f.duties };
    let saved = units::create_member_unit(&state.db, &a.actor, state.clock.now(), form).await;
    answer(&state, a, saved, "/responsibility#units", None, "unit".into(), values).await
}

/// The form that adds a task.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct NewTask {
    pub plan: String,
    pub title: String,
    pub owner: String,
    pub co_units: String,
    pub due_on: String,
}

/// `POST /responsibility/tasks`.
pub async fn create_task(State(state): State<AppState>, a: Authed, Form(f): Form<NewTask>) -> PageResult {
    let values = crate::page::form_values(&f);
    let form = TaskForm { plan: f.plan, title: f.title, owner_code: f.owner, co_units: f.co_units, due_on: f.due_on };
    let saved = responsibility::create_task(&state.db, &a.actor, state.clock.now(), form).await;
    answer(&state, a, saved, "/responsibility#tasks", None, "task".into(), values).await
}

/// `POST /responsibility/tasks/{id}/evidence` (multipart: `note`, `file`).
pub async fn add_evidence(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    form: CheckedMultipart,
) -> PageResult {
    // Refused (403) before the upload is read.
    responsibility::authorize_evidence(&a.actor)?;
    let id: Uuid = parse_id(&id)?;
    let (values, file) = read_multipart(form, "file").await?;
    let saved = responsibility::add_evidence(
        &state.db,
        &state.vault,
        &a.actor,
        state.clock.now(),
        id,
        &v(&values, "note"),
        file,
    )
    .await;
    answer(&state, a, saved, "/responsibility#tasks", None, format!("evidence-{id}"), values).await
}

/// The form of a close-out or a reopening.
#[derive(Debug, Default, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct TaskNote {
    pub note: String,
}

async fn close_or_reopen(state: AppState, a: Authed, id: &str, close: bool, note: TaskNote) -> PageResult {
    let id: Uuid = parse_id(id)?;
    let values = crate::page::form_values(&note);
    let saved = responsibility::close_or_reopen(&state.db, &a.actor, state.clock.now(), id, close, &note.note).await;
    let form = format!("{}-{id}", if close { "close" } else { "reopen" });
    answer(&state, a, saved, "/responsibility#tasks", None, form, values).await
}

/// `POST /responsibility/tasks/{id}/close`: 销账 with a note.
pub async fn close(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<TaskNote>,
) -> PageResult {
    close_or_reopen(state, a, &id, true, f).await
}

/// `POST /responsibility/tasks/{id}/reopen`: reopening with a reason.
pub async fn reopen(
    State(state): State<AppState>,
    a: Authed,
    Path(id): Path<String>,
    Form(f): Form<TaskNote>,
) -> PageResult {
    close_or_reopen(state, a, &id, false, f).await
}

/// `GET /attachments/{id}`: a stored scan or evidence file (audited).
pub async fn attachment(State(state): State<AppState>, a: Authed, Path(id): Path<String>) -> PageResult {
    let id: Uuid = parse_id(&id)?;
    let (info, body) =
        responsibility::attachment_body(&state.db, &state.vault, &a.actor, state.clock.now(), id).await?;
    let ascii: String =
        info.file_name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let encoded: String = info
        .file_name
        .bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b == b'.' { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect();
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, info.content_type.clone()),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
            ),
            (axum::http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        body,
    )
        .into_response())
}
