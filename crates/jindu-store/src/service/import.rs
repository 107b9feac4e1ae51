//! 导入 an office's registry sheet (.xlsx or .csv) as persons with their first measure. Every
//! row goes through the registration form's own rules (`persons::register`), inside one
//! transaction: a dry run rolls it back and reports; a real run commits only when no row has a
//! problem. Nothing is ever half imported. A person already registered in the actor's scope is
//! skipped (so re-importing a file creates no duplicates); a row repeating an earlier row's ID
//! number is a problem naming that row. Audited with the file's SHA-256.

use std::collections::HashMap;

use jindu_domain::clock::Now;
use jindu_domain::import::{
    DivisionIndex, DivisionLookup, EventColumn, HeaderMap, PersonColumn, division_of, event_kind_of, find_header,
    find_header_of, test_method_of, test_result_of,
};
use jindu_domain::{AddictionFinding, IdNumber, MeasureKind, Permission, Role, Substance};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect, TransactionSession,
    TransactionTrait,
};
use sha2::Digest;
use uuid::Uuid;

use super::persons::{self, NewPerson};
use super::transfers::{Duplicate, find_duplicate};
use super::{Actor, FieldError, ServiceError, ServiceResult, audit, indicators};
use crate::Vault;
use crate::entities::{app_user, division, event};
use crate::sheet::read_sheet;

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowProblem {
    /// Row number as the spreadsheet shows it (1-based, header and title rows counted).
    pub row: usize,
    /// Field (`id_number`, `division`, …; `row` for the row as a whole).
    pub field: String,
    pub zh: String,
    pub en: String,
}

/// What an import found and did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportReport {
    pub file_name: String,
    /// SHA-256 of the file, hex.
    pub file_hash: String,
    /// Row number (1-based) of the header.
    pub header_row: usize,
    /// The columns recognised: (field, the file's header).
    pub columns: Vec<(String, String)>,
    /// Headers not recognised (ignored).
    pub ignored: Vec<String>,
    /// Data rows read (blank rows skipped).
    pub rows: usize,
    /// Persons already registered in scope: skipped.
    pub existing: usize,
    /// Rows that pass (created, or to be created on a real run).
    pub valid: usize,
    /// Persons created (0 on a dry run or when any row has a problem).
    pub created: usize,
    pub problems: Vec<RowProblem>,
    pub dry_run: bool,
}

impl ImportReport {
    /// Rows with at least one problem.
    pub fn rows_with_problems(&self) -> usize {
        let mut rows: Vec<usize> = self.problems.iter().map(|p| p.row).collect();
        rows.dedup();
        rows.len()
    }
}

/// Imports the persons of a sheet (see the module). `progress(done, total)` after each row.
/// Needs `EditPersons`.
///
/// # Errors
/// [`ServiceError::Forbidden`]; [`ServiceError::Invalid`] (field `file`) when the file cannot be
/// read or has no usable header; store errors. Problems of rows are not errors: they are in the
/// report, and then nothing is stored.
#[allow(clippy::too_many_arguments)]
pub async fn import_persons<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> ServiceResult<ImportReport> {
    actor.require(Permission::EditPersons)?;
    let file_error =
        |zh: String, en: String| ServiceError::Invalid(vec![FieldError::new("file", "file.invalid", zh, en)]);
    let sheet = read_sheet(file_name, bytes).map_err(|e| {
        let s = e.to_string();
        let (zh, en) = s.split_once(" / ").map_or((s.clone(), s.clone()), |(a, b)| (a.to_string(), b.to_string()));
        file_error(zh, en)
    })?;
    let header = find_header(&sheet).map_err(|e| file_error(e.message_zh(), e.message_en()))?;
    let mut report = ImportReport {
        file_name: file_name.chars().take(120).collect(),
        file_hash: hex(&sha2::Sha256::digest(bytes)),
        header_row: header.row + 1,
        columns: header
            .columns
            .iter()
            .map(|(c, i)| (c.field().to_string(), sheet[header.row].get(*i).cloned().unwrap_or_default()))
            .collect(),
        ignored: header.ignored.iter().map(|(_, h)| h.clone()).collect(),
        dry_run,
        ..Default::default()
    };
    let workers = social_workers(db, actor).await?;
    let divisions = division_index(db, actor).await?;
    let data: Vec<(usize, &Vec<String>)> = sheet
        .iter()
        .enumerate()
        .skip(header.row + 1)
        .filter(|(_, r)| r.iter().any(|c| !jindu_domain::import::clean_cell(c).is_empty()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    report.rows = data.len();
    // The audit lock for the whole import, taken before the transaction (the order every writer
    // keeps); rows are registered inside this one transaction without savepoints.
    let _audit = audit::lock().await;
    let txn = super::begin_write(db).await?;
    plan_for_growing_tables(&txn).await?;
    // The indicator cells and the audit head are brought up to date once for all rows (see
    // `indicators::deferring` and `audit::deferring_head`).
    audit::deferring_head(indicators::deferring(async {
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (k, (row, cells)) in data.iter().enumerate() {
            let row = *row;
            let mut problem = |field: &str, zh: String, en: String| {
                report.problems.push(RowProblem { row, field: field.to_string(), zh, en });
            };
            let input = match row_input(&header, cells, &workers, &divisions) {
                Ok(i) => i,
                Err(errors) => {
                    for e in errors {
                        problem(e.field, e.zh, e.en);
                    }
                    progress(k + 1, data.len());
                    continue;
                }
            };
            // Repeats inside the file, then persons already registered.
            if let Ok(n) = IdNumber::parse_on(&input.id_number, now.today) {
                if let Some(first) = seen.get(n.as_str()) {
                    problem(
                        "id_number",
                        format!("身份证号与第 {first} 行重复。"),
                        format!("The ID number repeats row {first}."),
                    );
                    progress(k + 1, data.len());
                    continue;
                }
                seen.insert(n.as_str().to_string(), row);
                if let Some(Duplicate::InScope(_)) = find_duplicate(&txn, vault, actor, &n).await? {
                    report.existing += 1;
                    progress(k + 1, data.len());
                    continue;
                }
            }
            match persons::register_in(&txn, vault, actor, now, input).await {
                Ok(_) => report.valid += 1,
                Err(ServiceError::Invalid(errors)) => {
                    for e in errors {
                        problem(e.field, e.zh, e.en);
                    }
                }
                Err(e) => return Err(e),
            }
            progress(k + 1, data.len());
        }
        if !dry_run && report.problems.is_empty() {
            indicators::apply_deferred(&txn).await?;
            report.created = report.valid;
            audit::append(
                &txn,
                &audit::Who::actor(actor),
                now,
                audit::Entry {
                    action: "person.import".into(),
                    object_type: None,
                    object_id: None,
                    outcome: audit::Outcome::Ok,
                    detail: Some(format!(
                        "{} sha256={} rows={} created={} existing={}",
                        report.file_name, report.file_hash, report.rows, report.created, report.existing
                    )),
                },
            )
            .await?;
            audit::write_deferred_head(&txn).await?;
        }
        Ok::<(), ServiceError>(())
    }))
    .await?;
    let commit = !dry_run && report.problems.is_empty();
    if commit {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
        // Refusals and dry runs are recorded too (outside the rolled-back transaction; the
        // audit lock is still held).
        audit::append(
            db,
            &audit::Who::actor(actor),
            now,
            audit::Entry {
                action: if dry_run { "person.import_check" } else { "person.import_refused" }.into(),
                object_type: None,
                object_id: None,
                outcome: if dry_run { audit::Outcome::Ok } else { audit::Outcome::Failed },
                detail: Some(format!(
                    "{} sha256={} rows={} problems={}",
                    report.file_name,
                    report.file_hash,
                    report.rows,
                    report.problems.len()
                )),
            },
        )
        .await?;
    }
    Ok(report)
}

/// Imports the events of a sheet (检测、报到、走访、谈话、帮扶 records, one per row) for persons
/// registered in the actor's scope, found by ID number; the same rules as the event form
/// (`measures::record_event`: dates not in the future, a result and method for a test, a
/// substance for a positive result, nothing for a deceased person), all rows in one transaction
/// as [`import_persons`] does: a dry run rolls back, a real run commits only without problems.
/// An event already recorded (same person, kind and day; for a test also the same result) is
/// counted in `existing` and skipped, so re-importing a file records nothing twice. A row whose
/// 姓名 is not the registered person's is a problem. Needs the permission of each event kind;
/// audited with the file's SHA-256 (`event.import`).
///
/// # Errors
/// As [`import_persons`].
#[allow(clippy::too_many_arguments)]
pub async fn import_events<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    actor: &Actor,
    now: Now,
    file_name: &str,
    bytes: &[u8],
    dry_run: bool,
    mut progress: impl FnMut(usize, usize),
) -> ServiceResult<ImportReport> {
    if ![Permission::RecordWork, Permission::RecordTests, Permission::RecordContact].iter().any(|p| actor.can(*p)) {
        return Err(ServiceError::Forbidden(Permission::RecordWork));
    }
    let file_error =
        |zh: String, en: String| ServiceError::Invalid(vec![FieldError::new("file", "file.invalid", zh, en)]);
    let sheet = read_sheet(file_name, bytes).map_err(|e| {
        let s = e.to_string();
        let (zh, en) = s.split_once(" / ").map_or((s.clone(), s.clone()), |(a, b)| (a.to_string(), b.to_string()));
        file_error(zh, en)
    })?;
    let header = find_header_of::<EventColumn>(&sheet).map_err(|e| file_error(e.message_zh(), e.message_en()))?;
    let mut report = ImportReport {
        file_name: file_name.chars().take(120).collect(),
        file_hash: hex(&sha2::Sha256::digest(bytes)),
        header_row: header.row + 1,
        columns: header
            .columns
            .iter()
            .map(|(c, i)| {
                (
                    jindu_domain::import::SheetColumn::field(*c).to_string(),
                    sheet[header.row].get(*i).cloned().unwrap_or_default(),
                )
            })
            .collect(),
        ignored: header.ignored.iter().map(|(_, h)| h.clone()).collect(),
        dry_run,
        ..Default::default()
    };
    let data: Vec<(usize, &Vec<String>)> = sheet
        .iter()
        .enumerate()
        .skip(header.row + 1)
        .filter(|(_, r)| r.iter().any(|c| !jindu_domain::import::clean_cell(c).is_empty()))
        .map(|(i, r)| (i + 1, r))
        .collect();
    report.rows = data.len();
    let txn = super::begin_write(db).await?;
    plan_for_growing_tables(&txn).await?;
    audit::deferring_head(indicators::deferring(async {
        // ID number → (person id, registered name); the rows seen (person, kind, day, result).
        let mut persons_found: HashMap<String, Option<(Uuid, String)>> = HashMap::new();
        let mut seen: HashMap<(Uuid, String, String, String), usize> = HashMap::new();
        for (k, (row, cells)) in data.iter().enumerate() {
            let row = *row;
            progress(k + 1, data.len());
            let cell = |c: EventColumn| header.cell(cells, c);
            let mut problems: Vec<(String, String, String)> = Vec::new();
            let id_text = cell(EventColumn::IdNumber);
            let person = match IdNumber::parse_on(&id_text, now.today) {
                Err(e) => {
                    problems.push(("id_number".into(), e.message_zh("身份证号"), e.message_en("ID number")));
                    None
                }
                Ok(n) => {
                    if !persons_found.contains_key(n.as_str()) {
                        let found = match find_duplicate(&txn, vault, actor, &n).await? {
                            Some(Duplicate::InScope(pid)) => {
                                let p = super::persons::load_visible(&txn, actor, pid).await?;
                                let name = vault.open("person", "name", &pid.to_string(), &p.name)?;
                                Some((pid, name))
                            }
                            _ => None,
                        };
                        persons_found.insert(n.as_str().to_string(), found);
                    }
                    match persons_found.get(n.as_str()).cloned().flatten() {
                        Some(p) => Some(p),
                        None => {
                            problems.push((
                                "id_number".into(),
                                format!("身份证号 {} 不是本辖区的在册人员：请先登记或导入人员。", n.masked()),
                                format!("ID number {} is not a person registered in your jurisdiction: register or import the person first.", n.masked()),
                            ));
                            None
                        }
                    }
                }
            };
            let name = cell(EventColumn::Name);
            if let Some((_, registered)) = &person
                && !name.is_empty()
                && jindu_domain::import::normalize_header(&name) != jindu_domain::import::normalize_header(registered)
            {
                problems.push((
                    "name".into(),
                    format!("姓名“{}”与该身份证号登记的姓名不符。", name.chars().take(20).collect::<String>()),
                    format!("Name '{}' is not the name registered for this ID number.", name.chars().take(20).collect::<String>()),
                ));
            }
            let kind_text = cell(EventColumn::Kind);
            let kind = event_kind_of(&kind_text);
            if kind.is_none() {
                problems.push((
                    "kind".into(),
                    if kind_text.is_empty() { "请填写类型（报到、检测、尿检、走访、谈话、帮扶）。".to_string() } else {
                        format!("类型“{}”无法识别，可填：报到、检测、尿检、毛发检测、走访、谈话、帮扶。", kind_text.chars().take(20).collect::<String>())
                    },
                    if kind_text.is_empty() { "Give the kind (报到, 检测, 尿检, 走访, 谈话, 帮扶).".to_string() } else {
                        format!("Kind '{}' is not recognised; use 报到, 检测, 尿检, 毛发检测, 走访, 谈话 or 帮扶.", kind_text.chars().take(20).collect::<String>())
                    },
                ));
            }
            let method_text = cell(EventColumn::TestMethod);
            let method = if method_text.is_empty() { kind.and_then(|(_, m)| m) } else { test_method_of(&method_text) };
            if !method_text.is_empty() && method.is_none() {
                problems.push((
                    "test_method".into(),
                    format!("检测方式“{}”无法识别，可填：尿检、毛发、唾液、血液。", method_text.chars().take(20).collect::<String>()),
                    format!("Test method '{}' is not recognised; use 尿检, 毛发, 唾液 or 血液.", method_text.chars().take(20).collect::<String>()),
                ));
            }
            let result_text = cell(EventColumn::TestResult);
            let result = test_result_of(&result_text);
            if !result_text.is_empty() && result.is_none() {
                problems.push((
                    "test_result".into(),
                    format!("检测结果“{}”无法识别，可填：阴性、阳性、拒检。", result_text.chars().take(20).collect::<String>()),
                    format!("Test result '{}' is not recognised; use 阴性, 阳性 or 拒检.", result_text.chars().take(20).collect::<String>()),
                ));
            }
            let substance_text = cell(EventColumn::Substance);
            let substance = if substance_text.is_empty() {
                String::new()
            } else {
                let t = jindu_domain::import::normalize_header(&substance_text);
                match Substance::ALL.iter().find(|s| {
                    let zh = jindu_domain::import::normalize_header(s.label_zh());
                    t == s.as_code() || t == zh || zh.split(['(', ')']).any(|part| !part.is_empty() && part == t)
                }) {
                    Some(s) => s.as_code().to_string(),
                    None => {
                        problems.push((
                            "substance".into(),
                            format!("检出毒品“{}”无法识别。", substance_text.chars().take(20).collect::<String>()),
                            format!("Substance '{}' is not recognised.", substance_text.chars().take(20).collect::<String>()),
                        ));
                        String::new()
                    }
                }
            };
            let date_text = cell(EventColumn::Date);
            let date = jindu_domain::event::parse_date("date", &date_text);
            if let Err(e) = &date {
                problems.push(("date".into(), e.message_zh(), e.message_en()));
            }
            if let (Some((pid, _)), Some((k, _)), Ok(day)) = (&person, kind, &date)
                && problems.is_empty()
            {
                let key = (*pid, k.as_code().to_string(), day.to_string(), result.map(|r| r.as_code()).unwrap_or("").to_string());
                if let Some(first) = seen.get(&key) {
                    problems.push((
                        "row".into(),
                        format!("与第 {first} 行是同一人同一天的同一记录。"),
                        format!("Repeats row {first}: the same person, kind and day."),
                    ));
                } else {
                    seen.insert(key, row);
                    let mut q = event::Entity::find()
                        .filter(event::Column::PersonId.eq(*pid))
                        .filter(event::Column::Kind.eq(k.as_code()))
                        .filter(event::Column::OccurredOn.eq(*day));
                    if let Some(r) = result {
                        q = q.filter(event::Column::TestResult.eq(r.as_code()));
                    }
                    if q.count(&txn).await? > 0 {
                        report.existing += 1;
                        continue;
                    }
                    let input = super::measures::NewEvent {
                        kind: k.as_code().to_string(),
                        date: day.to_string(),
                        test_method: method.map(|m| m.as_code().to_string()).unwrap_or_default(),
                        test_result: result.map(|r| r.as_code().to_string()).unwrap_or_default(),
                        substance,
                        note: cell(EventColumn::Note),
                        ..Default::default()
                    };
                    match super::measures::record_event(&txn, vault, actor, now, *pid, input).await {
                        Ok(_) => report.valid += 1,
                        Err(ServiceError::Invalid(errors)) => {
                            for e in errors {
                                problems.push((e.field.to_string(), e.zh, e.en));
                            }
                        }
                        Err(ServiceError::Forbidden(_)) => problems.push((
                            "kind".into(),
                            format!("您的角色不能记录“{}”。", k.label_zh()),
                            format!("Your role may not record {}.", k.label_en()),
                        )),
                        Err(e) => return Err(e),
                    }
                }
            }
            for (field, zh, en) in problems {
                report.problems.push(RowProblem { row, field, zh, en });
            }
        }
        if !dry_run && report.problems.is_empty() {
            indicators::apply_deferred(&txn).await?;
            report.created = report.valid;
            let _audit = audit::lock().await;
            audit::append(
                &txn,
                &audit::Who::actor(actor),
                now,
                audit::Entry {
                    action: "event.import".into(),
                    object_type: None,
                    object_id: None,
                    outcome: audit::Outcome::Ok,
                    detail: Some(format!(
                        "{} sha256={} rows={} created={} existing={}",
                        report.file_name, report.file_hash, report.rows, report.created, report.existing
                    )),
                },
            )
            .await?;
            audit::write_deferred_head(&txn).await?;
        }
        Ok::<(), ServiceError>(())
    }))
    .await?;
    if !dry_run && report.problems.is_empty() {
        txn.commit().await?;
    } else {
        txn.rollback().await?;
        let _audit = audit::lock().await;
        audit::append(
            db,
            &audit::Who::actor(actor),
            now,
            audit::Entry {
                action: if dry_run { "event.import_check" } else { "event.import_refused" }.into(),
                object_type: None,
                object_id: None,
                outcome: if dry_run { audit::Outcome::Ok } else { audit::Outcome::Failed },
                detail: Some(format!(
                    "{} sha256={} rows={} problems={}",
                    report.file_name,
                    report.file_hash,
                    report.rows,
                    report.problems.len()
                )),
            },
        )
        .await?;
    }
    Ok(report)
}

/// PostgreSQL only: plans every statement of this transaction for the tables as they are now
/// (`SET LOCAL plan_cache_mode = force_custom_plan`). An import starts on small tables; a
/// prepared statement's cached generic plan chose a sequential scan of the two-page `person`
/// table and kept it while the transaction grew it to thousands of pages, so every lookup by id
/// read the whole table (a 100,000-row import slowed to ~17 rows/s after 10,000 rows).
async fn plan_for_growing_tables<C: ConnectionTrait>(txn: &C) -> ServiceResult<()> {
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL plan_cache_mode = force_custom_plan").await?;
    }
    Ok(())
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
/// their Chinese or English names, the social worker by user name or name.
fn row_input(
    h: &HeaderMap,
    cells: &[String],
    workers: &[(String, String, Uuid, String)],
    divisions: &DivisionIndex,
) -> Result<NewPerson, Vec<FieldError>> {
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
                errors.push(FieldError::new(
                    c.field(),
                    "choice.invalid",
                    format!(
                        "{}“{}”无法识别，可填：{}。",
                        c.template_header().trim_end_matches('*'),
                        text.chars().take(40).collect::<String>(),
                        codes.iter().map(|(_, zh, _)| *zh).collect::<Vec<_>>().join("、")
                    ),
                    format!(
                        "{} '{}' is not recognised; use one of: {}.",
                        c.field(),
                        text.chars().take(40).collect::<String>(),
                        codes.iter().map(|(_, _, en)| *en).collect::<Vec<_>>().join(", ")
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
    let substances: Vec<_> = Substance::ALL.iter().map(|k| (k.as_code(), k.label_zh(), k.label_en())).collect();
    let substance = choice(PersonColumn::Substance, cell(PersonColumn::Substance), &substances);
    let findings: Vec<_> = AddictionFinding::ALL.iter().map(|k| (k.as_code(), k.label_zh(), k.label_en())).collect();
    let finding = choice(PersonColumn::AddictionFinding, cell(PersonColumn::AddictionFinding), &findings);
    let division_text = division_of(&cell(PersonColumn::Town), &cell(PersonColumn::Community));
    let division = match divisions.resolve(&division_text) {
        Ok(code) => code,
        // Empty: the form's own "required" sentence.
        Err(_) if division_text.is_empty() => String::new(),
        Err(DivisionLookup::NotFound) => {
            errors.push(FieldError::new(
                "division",
                "division.outside",
                format!("所属辖区“{division_text}”不存在或不在本辖区范围内（填乡镇街道、社区名称或区划代码）。"),
                format!("Division '{division_text}' does not exist or is outside your jurisdiction (give a town, a community or a code)."),
            ));
            String::new()
        }
        Err(DivisionLookup::Ambiguous(paths)) => {
            errors.push(FieldError::new(
                "division",
                "division.ambiguous",
                format!("所属辖区“{division_text}”有重名：{}。请连同乡镇街道填写。", paths.join("、")),
                format!("Division '{division_text}' is ambiguous: {}. Give the town with it.", paths.join(", ")),
            ));
            String::new()
        }
    };
    let worker_text = cell(PersonColumn::SocialWorker);
    let social_worker_id = if worker_text.is_empty() {
        String::new()
    } else {
        let matches: Vec<&(String, String, Uuid, String)> =
            workers.iter().filter(|(u, d, _, _)| *u == worker_text || *d == worker_text).collect();
        match matches.as_slice() {
            [one] => one.2.to_string(),
            _ => {
                errors.push(FieldError::new(
                    "social_worker",
                    if matches.is_empty() { "social_worker.unknown" } else { "social_worker.ambiguous" },
                    if matches.is_empty() {
                        format!("责任社工“{worker_text}”不是本辖区的社工账号（填用户名或姓名）。")
                    } else {
                        format!("责任社工“{worker_text}”有重名，请改填用户名。")
                    },
                    if matches.is_empty() {
                        format!("Social worker '{worker_text}' is no social-worker account in scope (give the user name or name).")
                    } else {
                        format!("Several social workers are called '{worker_text}'; give the user name.")
                    },
                ));
                String::new()
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewPerson {
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
    })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
