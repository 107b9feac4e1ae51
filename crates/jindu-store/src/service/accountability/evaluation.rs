//! 考评 in the store: schemes (from the shipped templates, editable), runs over the towns of a
//! jurisdiction for a period with every unit's result and trace, inspectors' scores of manual
//! items, adjustments with a reason, freezing and publishing. The scoring itself is
//! `jindu_domain::evaluation`; this module only gathers its inputs (the indicator values of each
//! unit, from the kept cells, and the manual scores) and keeps its outputs. Every write is
//! audited.
//!
//! A `draft` run is recomputed from live data on every change (and on [`recompute`]); a
//! `frozen` run keeps its results whatever happens to the data afterwards; a `published` run is
//! frozen and shown on the 驾驶舱 and in the 通报.

use jindu_domain::message::Message;
use std::collections::{BTreeMap, HashMap};

use jindu_domain::clock::Now;
use jindu_domain::evaluation::{
    self, EvaluationScheme, ManualScore, Points, SchemeError, Subject, UnitInputs, UnitScore,
};
use jindu_domain::evaluation_edit::{EditProblem, ItemDraft, format_bands, parse_bands};
use jindu_domain::indicator::{Period, evaluate};
use jindu_domain::{DivisionCode, Permission};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use uuid::Uuid;

use crate::entities::{evaluation_manual, evaluation_result, evaluation_run, evaluation_scheme};
use crate::service::units::{self, UnitKind};
use crate::service::{Actor, FieldError, ServiceError, ServiceResult, audit, deployment, indicators};

/// Status of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// 草稿: recomputed from live data.
    Draft,
    /// 已冻结: results kept as they are.
    Frozen,
    /// 已发布: frozen and shown to leaders and in the 通报.
    Published,
}

impl RunStatus {
    /// `draft`, `frozen`, `published`.
    pub fn as_code(self) -> &'static str {
        match self {
            RunStatus::Draft => "draft",
            RunStatus::Frozen => "frozen",
            RunStatus::Published => "published",
        }
    }

    /// The status of a code.
    pub fn from_code(code: &str) -> Option<RunStatus> {
        [RunStatus::Draft, RunStatus::Frozen, RunStatus::Published].into_iter().find(|s| s.as_code() == code)
    }

    /// 草稿 / 已冻结 / 已发布.
    pub fn label_zh(self) -> &'static str {
        match self {
            RunStatus::Draft => "草稿",
            RunStatus::Frozen => "已冻结",
            RunStatus::Published => "已发布",
        }
    }
}

/// A scheme as stored.
#[derive(Debug, Clone)]
pub struct SchemeRecord {
    pub id: Uuid,
    pub year: i32,
    pub scheme: EvaluationScheme,
    pub version: i32,
}

/// One unit's stored result.
#[derive(Debug, Clone)]
pub struct UnitResult {
    pub unit_code: String,
    pub unit_name: String,
    pub score: UnitScore,
    /// The scheme's total before the adjustment.
    pub computed_total: Points,
    pub adjustment: Points,
    pub adjustment_reason: Option<String>,
    /// computed + adjustment, at least 0.
    pub total: Points,
    pub rank: Option<u32>,
    pub grade: String,
}

/// A run with its results in rank order.
#[derive(Debug, Clone)]
pub struct RunView {
    pub id: Uuid,
    pub name: String,
    pub period: Period,
    /// The jurisdiction's division code (12 digits).
    pub scope: String,
    /// The jurisdiction's name, e.g. `珠晖区`.
    pub scope_name: String,
    pub status: RunStatus,
    pub scheme: EvaluationScheme,
    pub computed_at: chrono::DateTime<chrono::Utc>,
    /// When the run was published (None before).
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub results: Vec<UnitResult>,
}

fn data_error(what: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Data(format!("{what}: {e}"))
}

fn scheme_of(body: &str) -> ServiceResult<EvaluationScheme> {
    serde_json::from_str(body).map_err(|e| data_error("evaluation scheme", e))
}

/// The schemes, newest year first. Needs `ViewCounts`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn schemes<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Vec<SchemeRecord>> {
    actor.require(Permission::ViewCounts)?;
    evaluation_scheme::Entity::find()
        .order_by_desc(evaluation_scheme::Column::Year)
        .order_by_asc(evaluation_scheme::Column::Name)
        .all(db)
        .await?
        .into_iter()
        .map(|m| Ok(SchemeRecord { id: m.id, year: m.year, scheme: scheme_of(&m.body)?, version: m.version }))
        .collect()
}

/// [`create_scheme`] from the form that starts a scheme: `template` the index of one of
/// [`evaluation::templates`], `year` as typed; the scheme is named `{year}年{template name}`.
/// The permission is checked first (403), then the fields.
///
/// # Errors
/// Forbidden; `Invalid` (field `template`: 请选择模板; field `year`: not a number); as
/// [`create_scheme`].
pub async fn create_scheme_from_template<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    template: &str,
    year: &str,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEvaluation)?;
    let template = template.trim().parse::<usize>().ok().and_then(|i| evaluation::templates().into_iter().nth(i));
    let year = year.trim().parse::<i32>().ok();
    match (template, year) {
        (Some(mut t), Some(y)) => {
            t.name = format!("{y}年{}", t.name);
            create_scheme(db, actor, now, y, t).await
        }
        (None, _) => Err(FieldError::of("template", Message::new("msg.template.invalid")).into()),
        (_, None) => Err(FieldError::coded("year", "year.invalid", Message::new("msg.year.invalid")).into()),
    }
}

/// Stores a scheme for `year` (a copy of a template, or one edited); it must pass
/// [`EvaluationScheme::validate`]. Needs `ManageEvaluation`. Audited `evaluation.scheme_create`.
///
/// # Errors
/// Forbidden; `Invalid` (field `scheme`) with the validation's sentence, or (field `year`) for a
/// year outside 2000–2100; store errors.
pub async fn create_scheme<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    year: i32,
    scheme: EvaluationScheme,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEvaluation)?;
    if !(2000..=2100).contains(&year) {
        return Err(FieldError::coded("year", "year.invalid", Message::new("msg.year.out_of_range")).into());
    }
    scheme.validate().map_err(|e| FieldError::coded("scheme", "scheme.invalid", e.message()))?;
    let body = serde_json::to_string(&scheme).map_err(|e| data_error("evaluation scheme", e))?;
    let id = Uuid::now_v7();
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    evaluation_scheme::ActiveModel {
        id: Set(id),
        year: Set(year),
        name: Set(scheme.name.chars().take(100).collect()),
        subject: Set(match scheme.subject {
            Subject::Towns => "towns".into(),
            Subject::MemberUnits => "member_units".into(),
        }),
        body: Set(body),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
        updated_at: Set(now.instant),
    }
    .insert(&txn)
    .await?;
    txn.audit(
        audit::Entry::ok("evaluation.scheme_create", "evaluation_scheme", id)
            .with_detail(format!("{year} {}", scheme.name)),
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// One scheme, by id. Needs `ViewCounts`.
///
/// # Errors
/// Forbidden; NotFound; store errors.
pub async fn scheme<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<SchemeRecord> {
    actor.require(Permission::ViewCounts)?;
    let m = evaluation_scheme::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("scheme"))?;
    Ok(SchemeRecord { id: m.id, year: m.year, scheme: scheme_of(&m.body)?, version: m.version })
}

/// An edit of a scheme (see `jindu_domain::evaluation_edit`).
#[derive(Debug, Clone)]
pub enum SchemeEdit {
    /// Replace the item coded `original`, or add one under `parent` (blank: top level).
    PutItem { original: Option<String>, parent: Option<String>, draft: Box<ItemDraft> },
    /// Remove an item and everything below it.
    RemoveItem { code: String },
    /// Rename, and replace the bands (`90 优秀；80 合格；…`).
    Settings { name: String, bands: String },
}

/// Edits a stored scheme whose version is `version` (the one the form showed) and returns the
/// new version. Runs already started keep the scheme as it was when they started; new runs use
/// the edited one. Needs `ManageEvaluation`. Audited `evaluation.scheme_edit` with what changed.
///
/// # Errors
/// Forbidden; NotFound; `Conflict` when someone saved the scheme since `version`; `Invalid`
/// naming the item form's field, or `scheme` with the reason the edited scheme could not score
/// (nothing stored); store errors.
pub async fn edit_scheme<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    id: Uuid,
    version: i32,
    edit: SchemeEdit,
) -> ServiceResult<i32> {
    actor.require(Permission::ManageEvaluation)?;
    let problem = |p: EditProblem| FieldError::coded(p.field, "scheme.item", p.message);
    let refused = |e: SchemeError| FieldError::coded("scheme", "scheme.invalid", e.message());
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let m = evaluation_scheme::Entity::find_by_id(id).one(&txn).await?.ok_or(ServiceError::NotFound("scheme"))?;
    if m.version != version {
        return Err(ServiceError::Conflict);
    }
    let mut scheme = scheme_of(&m.body)?;
    let detail = match edit {
        SchemeEdit::PutItem { original, parent, draft } => {
            let item = draft.parse().map_err(|ps| ServiceError::Invalid(ps.into_iter().map(problem).collect()))?;
            let blank = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
            let (original, parent) = (blank(original), blank(parent));
            let detail = match &original {
                Some(o) => format!("item {o} → {} {} ({} points)", item.code, item.title, item.points),
                None => format!("item {} {} added under {}", item.code, item.title, parent.as_deref().unwrap_or("top")),
            };
            scheme.put_item(original.as_deref(), parent.as_deref(), item).map_err(refused)?;
            detail
        }
        SchemeEdit::RemoveItem { code } => {
            scheme.remove_item(code.trim()).map_err(refused)?;
            format!("item {} removed", code.trim())
        }
        SchemeEdit::Settings { name, bands } => {
            let mut errors = Vec::new();
            if name.trim().is_empty() || name.trim().chars().count() > 100 {
                errors.push(FieldError::of("name", Message::new("msg.scheme.name")));
            }
            let bands = parse_bands(&bands).map_err(|p| errors.push(problem(p))).ok();
            match bands {
                Some(bands) if errors.is_empty() => {
                    scheme.set_name_and_bands(&name, bands).map_err(refused)?;
                }
                _ => return Err(ServiceError::Invalid(errors)),
            }
            format!("name {} bands {}", scheme.name, format_bands(&scheme.bands))
        }
    };
    let body = serde_json::to_string(&scheme).map_err(|e| data_error("evaluation scheme", e))?;
    let mut am: evaluation_scheme::ActiveModel = m.clone().into();
    am.name = Set(scheme.name.chars().take(100).collect());
    am.body = Set(body);
    am.version = Set(m.version + 1);
    am.updated_at = Set(now.instant);
    am.update(&txn).await?;
    txn.audit(
        audit::Entry::ok("evaluation.scheme_edit", "evaluation_scheme", id)
            .with_detail(format!("v{} {detail}", m.version + 1)),
    )
    .await?;
    txn.commit().await?;
    Ok(m.version + 1)
}

/// The indicator values of each unit for `period`: for every indicator the scheme reads, the
/// figure the 驾驶舱 shows (`None` where a rate has no denominator).
async fn unit_values<C: ConnectionTrait>(
    db: &C,
    units: &[String],
    period: Period,
    scheme: &EvaluationScheme,
) -> ServiceResult<HashMap<String, BTreeMap<jindu_domain::indicator::Indicator, Option<f64>>>> {
    if scheme.indicators().is_empty() {
        // Manual items only (every scheme of member units): nothing to read.
        return Ok(units.iter().map(|u| (u.clone(), BTreeMap::new())).collect());
    }
    let settings = indicators::settings(db).await?;
    let (first, _) = period.months();
    let mut cells = indicators::cells_of(db, units, first).await?;
    let wanted = scheme.indicators();
    Ok(units
        .iter()
        .map(|u| {
            let c = cells.remove(u).unwrap_or_default();
            let values = wanted.iter().map(|i| (*i, evaluate(*i, &c, period, &settings).value)).collect();
            (u.clone(), values)
        })
        .collect())
}

/// Computes a draft run's results from live data and the manual scores, and stores them with
/// their ranks and grades (adjustments kept). Inside the caller's transaction.
async fn compute_in<C: ConnectionTrait>(db: &C, run: &evaluation_run::Model, now: Now) -> ServiceResult<()> {
    let scheme = scheme_of(&run.scheme_body)?;
    let period = Period::parse(&run.period).map_err(|e| data_error("run period", e.to_string()))?;
    let scope: DivisionCode = run.scope.parse().map_err(|_| data_error("run scope", &run.scope))?;
    let towns = units::in_scope(db, scope, Some(unit_kind(scheme.subject))).await?;
    let codes: Vec<String> = towns.iter().map(|t| t.code.clone()).collect();
    let values = unit_values(db, &codes, period, &scheme).await?;
    let mut precursor = HashMap::new();
    if scheme.reads_precursors() {
        // The precursor rules read live counts of each town (open mismatches as they are now).
        let (from, to) = crate::service::precursors::indicators::period_days(period);
        for code in &codes {
            if let Ok(d) = code.parse::<DivisionCode>() {
                precursor.insert(code.clone(), crate::service::precursors::indicators::counts(db, d, from, to).await?);
            }
        }
    }
    let mut manual: HashMap<String, BTreeMap<String, ManualScore>> = HashMap::new();
    for m in evaluation_manual::Entity::find().filter(evaluation_manual::Column::RunId.eq(run.id)).all(db).await? {
        manual
            .entry(m.unit_code)
            .or_default()
            .insert(m.item_code, ManualScore { points: Points(m.points), note: m.note });
    }
    let kept: HashMap<String, evaluation_result::Model> = evaluation_result::Entity::find()
        .filter(evaluation_result::Column::RunId.eq(run.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.unit_code.clone(), r))
        .collect();
    let mut rows: Vec<evaluation_result::ActiveModel> = Vec::with_capacity(towns.len());
    let mut totals = Vec::with_capacity(towns.len());
    for town in &towns {
        let code = town.code.clone();
        let inputs = UnitInputs {
            values: values.get(&code).cloned().unwrap_or_default(),
            manual: manual.remove(&code).unwrap_or_default(),
            precursor: precursor.get(&code).copied(),
        };
        let score = evaluation::score_unit(&scheme, &inputs);
        let (adjustment, reason) = kept.get(&code).map_or((0, None), |k| (k.adjustment, k.adjustment_reason.clone()));
        let total = Points((score.total.0 + adjustment).max(0));
        totals.push(total);
        rows.push(evaluation_result::ActiveModel {
            run_id: Set(run.id),
            unit_code: Set(code),
            unit_name: Set(town.name.clone()),
            result: Set(serde_json::to_string(&score).map_err(|e| data_error("unit score", e))?),
            computed_total: Set(score.total.0),
            adjustment: Set(adjustment),
            adjustment_reason: Set(reason),
            total: Set(total.0),
            rank: Set(None),
            grade: Set(scheme.grade(total).map(|g| g.label_zh.clone()).unwrap_or_default()),
            complete: Set(score.complete),
        });
    }
    let ranks = evaluation::rank_totals(&totals);
    evaluation_result::Entity::delete_many().filter(evaluation_result::Column::RunId.eq(run.id)).exec(db).await?;
    for (mut row, rank) in rows.into_iter().zip(ranks) {
        row.rank = Set(i32::try_from(rank).ok());
        row.insert(db).await?;
    }
    evaluation_run::Entity::update_many()
        .col_expr(evaluation_run::Column::ComputedAt, sea_orm::sea_query::Expr::value(now.instant))
        .filter(evaluation_run::Column::Id.eq(run.id))
        .exec(db)
        .await?;
    Ok(())
}

/// Starts a run of a scheme over the towns of the actor's jurisdiction for `period` (`2026`,
/// `2026-Q4`, `2026-11`) and computes it. Needs `ManageEvaluation`. Audited `evaluation.run_create`.
///
/// # Errors
/// Forbidden; NotFound (`scheme`); `Invalid` (field `period`); `Invalid` (field `scheme`) when
/// the scheme's subject has no unit in the actor's scope (no member unit registered yet); store
/// errors.
pub async fn create_run<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    scheme_id: Uuid,
    period: &str,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEvaluation)?;
    let period = Period::parse(period).map_err(|e| ServiceError::Invalid(vec![e.into()]))?;
    let stored =
        evaluation_scheme::Entity::find_by_id(scheme_id).one(db).await?.ok_or(ServiceError::NotFound("scheme"))?;
    let scheme = scheme_of(&stored.body)?;
    if units::in_scope(db, actor.scope, Some(unit_kind(scheme.subject))).await?.is_empty() {
        return Err(match scheme.subject {
            Subject::MemberUnits => FieldError::of("scheme", Message::new("msg.scheme.member_units")),
            Subject::Towns => FieldError::of("scheme", Message::new("msg.scheme.towns")),
        }
        .into());
    }
    let id = Uuid::now_v7();
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let run = evaluation_run::ActiveModel {
        id: Set(id),
        scheme_id: Set(scheme_id),
        name: Set(format!("{}（{}）", scheme.name, period.label_zh())),
        period: Set(period.code()),
        scope: Set(actor.scope.to_string()),
        status: Set(RunStatus::Draft.as_code().into()),
        scheme_body: Set(stored.body.clone()),
        version: Set(1),
        created_by: Set(Some(actor.user_id)),
        created_at: Set(now.instant),
        computed_at: Set(now.instant),
        frozen_at: Set(None),
        published_at: Set(None),
    }
    .insert(&txn)
    .await?;
    compute_in(&txn, &run, now).await?;
    txn.audit(audit::Entry::ok("evaluation.run_create", "evaluation_run", id).with_detail(format!(
        "{} {}",
        period.code(),
        scheme.name
    )))
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// The kind of unit a scheme scores.
fn unit_kind(subject: Subject) -> UnitKind {
    match subject {
        Subject::Towns => UnitKind::Town,
        Subject::MemberUnits => UnitKind::MemberUnit,
    }
}

/// Loads a run the actor may see (its scope within the actor's).
async fn load_run<C: ConnectionTrait>(db: &C, actor: &Actor, id: Uuid) -> ServiceResult<evaluation_run::Model> {
    let run = evaluation_run::Entity::find_by_id(id).one(db).await?.ok_or(ServiceError::NotFound("evaluation run"))?;
    match run.scope.parse::<DivisionCode>() {
        Ok(scope) if actor.scope.contains(&scope) => Ok(run),
        _ => Err(ServiceError::NotFound("evaluation run")),
    }
}

fn require_draft(run: &evaluation_run::Model) -> ServiceResult<()> {
    if run.status == RunStatus::Draft.as_code() {
        Ok(())
    } else {
        Err(FieldError::of("run", Message::new("msg.evaluation.frozen")).into())
    }
}

/// Runs `f` on a draft run inside a write transaction, recomputes it, audits `action` with
/// `detail`, commits.
async fn change_draft<C, F>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    action: &str,
    detail: String,
    f: F,
) -> ServiceResult<()>
where
    C: ConnectionTrait + TransactionTrait,
    F: AsyncFnOnce(&crate::service::UnitOfWork<C::Transaction>, &EvaluationScheme) -> ServiceResult<()>,
{
    actor.require(Permission::ManageEvaluation)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let run = load_run(&txn, actor, run_id).await?;
    require_draft(&run)?;
    let scheme = scheme_of(&run.scheme_body)?;
    f(&txn, &scheme).await?;
    compute_in(&txn, &run, now).await?;
    txn.audit(audit::Entry::ok(action.to_string(), "evaluation_run", run_id).with_detail(detail)).await?;
    txn.commit().await?;
    Ok(())
}

/// [`create_run`] from the form that starts a run: `scheme` the scheme's id as chosen, `period`
/// as typed. The permission is checked first (403), then the fields.
///
/// # Errors
/// Forbidden; `Invalid` (field `scheme`: 请选择考评方案) for an id that is not one; as
/// [`create_run`].
pub async fn create_run_form<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    scheme: &str,
    period: &str,
) -> ServiceResult<Uuid> {
    actor.require(Permission::ManageEvaluation)?;
    match Uuid::parse_str(scheme.trim()) {
        Ok(id) => create_run(db, actor, now, id, period).await,
        Err(_) => Err(FieldError::of("scheme", Message::new("msg.scheme.invalid")).into()),
    }
}

/// The buttons of a run page: `recompute` ([`recompute`]), `freeze` and `publish`
/// ([`advance`]). Needs `ManageEvaluation`, checked before the action is read.
///
/// # Errors
/// Forbidden; `Invalid` (field `run`, 未知的操作) for another action; as the action's service.
pub async fn run_action<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    action: &str,
) -> ServiceResult<()> {
    actor.require(Permission::ManageEvaluation)?;
    match action.trim() {
        "recompute" => recompute(db, actor, now, run_id).await,
        "freeze" => advance(db, actor, now, run_id, RunStatus::Frozen).await,
        "publish" => advance(db, actor, now, run_id, RunStatus::Published).await,
        _ => Err(FieldError::of("run", Message::new("msg.action.invalid")).into()),
    }
}

/// Records that the actor downloaded the 考评结果通报 of `run` (which they loaded with [`run`])
/// as `format` (`docx`, `xlsx`): `bulletin.evaluation` on the run, in its own write transaction.
///
/// # Errors
/// Store errors.
pub async fn record_bulletin<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run: &RunView,
    format: &str,
) -> ServiceResult<()> {
    audit::record(
        db,
        &audit::Who::actor(actor),
        now,
        audit::Entry::ok("bulletin.evaluation", "evaluation_run", run.id).with_detail(format.to_string()),
    )
    .await
}

/// Recomputes a draft run from live data. Needs `ManageEvaluation`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` (field `run`) when frozen; store errors.
pub async fn recompute<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
) -> ServiceResult<()> {
    change_draft(
        db,
        actor,
        now,
        run_id,
        "evaluation.recompute",
        String::new(),
        async |_: &crate::service::UnitOfWork<C::Transaction>, _: &EvaluationScheme| Ok(()),
    )
    .await
}

/// An inspector's score of a manual item of a unit (`points` as typed: `8`, `7.5`), with a
/// note; a veto item takes `1` (triggered) or `0`. Replaces an earlier score. Needs
/// `ManageEvaluation`; audited `evaluation.score` with the points.
///
/// # Errors
/// Forbidden; NotFound (run, unit, item); `Invalid` (field `points`) for a number that is not one,
/// outside 0 and the item's points, or an item that is not manual; (field `run`) when frozen.
#[allow(clippy::too_many_arguments)]
pub async fn score_manual<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    unit: &str,
    item: &str,
    points: &str,
    note: &str,
) -> ServiceResult<()> {
    // Permission first (403), then the number typed (422).
    actor.require(Permission::ManageEvaluation)?;
    let p = Points::parse("points", points).map_err(|e| ServiceError::Invalid(vec![e.into()]))?;
    let score = ManualEntry { unit: unit.to_string(), item: item.to_string(), points: p, note: note.to_string() };
    score_manual_all(db, actor, now, run_id, &[score]).await
}

/// One manual score for [`score_manual_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManualEntry {
    pub unit: String,
    pub item: String,
    pub points: Points,
    pub note: String,
}

/// Several manual scores at once (a sheet of an inspection), checked as [`score_manual`] does,
/// all or none, then one recomputation. Audited `evaluation.score` with every score.
///
/// # Errors
/// As [`score_manual`], for the first score that fails.
pub async fn score_manual_all<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    scores: &[ManualEntry],
) -> ServiceResult<()> {
    let detail = scores.iter().map(|s| format!("{} {} {}", s.unit, s.item, s.points)).collect::<Vec<_>>().join("; ");
    change_draft(
        db,
        actor,
        now,
        run_id,
        "evaluation.score",
        detail,
        async |txn: &crate::service::UnitOfWork<C::Transaction>, scheme: &EvaluationScheme| {
            let units: Vec<String> = evaluation_result::Entity::find()
                .filter(evaluation_result::Column::RunId.eq(run_id))
                .all(txn)
                .await?
                .into_iter()
                .map(|r| r.unit_code)
                .collect();
            for s in scores {
                let Some((_, found)) = scheme.walk().into_iter().find(|(_, i)| i.code == s.item) else {
                    return Err(ServiceError::NotFound("evaluation item"));
                };
                let rule = found.rule.as_ref().filter(|r| r.is_manual()).ok_or_else(|| {
                    ServiceError::from(FieldError::of("points", Message::new("msg.evaluation.not_manual")))
                })?;
                let max = if matches!(rule, evaluation::Rule::Veto { .. }) { Points::whole(1) } else { found.points };
                if s.points < Points::ZERO || s.points > max {
                    return Err(
                        FieldError::of("points", Message::new("msg.evaluation.points_range").text("max", max)).into()
                    );
                }
                if !units.contains(&s.unit) {
                    return Err(ServiceError::NotFound("evaluation unit"));
                }
                evaluation_manual::Entity::delete_many()
                    .filter(evaluation_manual::Column::RunId.eq(run_id))
                    .filter(evaluation_manual::Column::UnitCode.eq(s.unit.as_str()))
                    .filter(evaluation_manual::Column::ItemCode.eq(s.item.as_str()))
                    .exec(txn)
                    .await?;
                evaluation_manual::ActiveModel {
                    run_id: Set(run_id),
                    unit_code: Set(s.unit.clone()),
                    item_code: Set(s.item.clone()),
                    points: Set(s.points.0),
                    note: Set(s.note.trim().chars().take(500).collect()),
                    scored_by: Set(Some(actor.user_id)),
                    scored_at: Set(now.instant),
                }
                .insert(txn)
                .await?;
            }
            Ok(())
        },
    )
    .await
}

/// 调整: adds `points` (either sign, e.g. `-2` or `1.5`) to a unit's total with a reason (at
/// least 4 characters); `0` removes the adjustment. Needs `ManageEvaluation`; audited
/// `evaluation.adjust` with the points and the reason.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` (field `points` or `reason`); (field `run`) when frozen.
#[allow(clippy::too_many_arguments)]
pub async fn adjust<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    unit: &str,
    points: &str,
    reason: &str,
) -> ServiceResult<()> {
    // Permission first (403), then the number and the reason typed (422).
    actor.require(Permission::ManageEvaluation)?;
    let p = Points::parse("points", points).map_err(|e| ServiceError::Invalid(vec![e.into()]))?;
    let reason: String = reason.trim().chars().take(500).collect();
    if p != Points::ZERO && reason.chars().count() < 4 {
        return Err(FieldError::of("reason", Message::new("msg.evaluation.reason")).into());
    }
    let unit = unit.to_string();
    let detail = format!("{unit} {p} {reason}");
    change_draft(
        db,
        actor,
        now,
        run_id,
        "evaluation.adjust",
        detail,
        async |txn: &crate::service::UnitOfWork<C::Transaction>, _: &EvaluationScheme| {
            let res = evaluation_result::Entity::update_many()
                .col_expr(evaluation_result::Column::Adjustment, sea_orm::sea_query::Expr::value(p.0))
                .col_expr(
                    evaluation_result::Column::AdjustmentReason,
                    sea_orm::sea_query::Expr::value(if p == Points::ZERO { None } else { Some(reason.clone()) }),
                )
                .filter(evaluation_result::Column::RunId.eq(run_id))
                .filter(evaluation_result::Column::UnitCode.eq(unit.as_str()))
                .exec(txn)
                .await?;
            if res.rows_affected == 0 {
                return Err(ServiceError::NotFound("evaluation unit"));
            }
            Ok(())
        },
    )
    .await
}

/// Freezes a draft run (its results no longer follow the data), or publishes a frozen one.
/// Needs `ManageEvaluation`; audited `evaluation.freeze` / `evaluation.publish`.
///
/// # Errors
/// Forbidden; NotFound; `Invalid` (field `run`) for a step out of order (publishing a draft,
/// freezing a frozen run).
pub async fn advance<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: &Actor,
    now: Now,
    run_id: Uuid,
    to: RunStatus,
) -> ServiceResult<()> {
    actor.require(Permission::ManageEvaluation)?;
    let txn = crate::service::UnitOfWork::begin(db, actor, now, Permission::ManageEvaluation).await?;
    let run = load_run(&txn, actor, run_id).await?;
    let from = RunStatus::from_code(&run.status).ok_or_else(|| data_error("run status", &run.status))?;
    let ok = matches!((from, to), (RunStatus::Draft, RunStatus::Frozen) | (RunStatus::Frozen, RunStatus::Published));
    if !ok {
        return Err(FieldError::of(
            "run",
            Message::new("msg.evaluation.order").label("from", from.label_zh(), from.as_code()).label(
                "to",
                to.label_zh(),
                to.as_code(),
            ),
        )
        .into());
    }
    let mut am: evaluation_run::ActiveModel = run.clone().into();
    am.status = Set(to.as_code().into());
    am.version = Set(run.version + 1);
    if to == RunStatus::Frozen {
        am.frozen_at = Set(Some(now.instant));
    } else {
        am.published_at = Set(Some(now.instant));
    }
    am.update(&txn).await?;
    let action = if to == RunStatus::Frozen { "evaluation.freeze" } else { "evaluation.publish" };
    txn.audit(audit::Entry::ok(action, "evaluation_run", run_id)).await?;
    txn.commit().await?;
    Ok(())
}

/// A run with its results in rank order. Needs `ViewCounts`; a run not yet published needs
/// `ManageEvaluation` too (leaders see published rankings only).
///
/// # Errors
/// Forbidden; NotFound; store errors.
pub async fn run<C: ConnectionTrait>(db: &C, actor: &Actor, run_id: Uuid) -> ServiceResult<RunView> {
    actor.require(Permission::ViewCounts)?;
    let run = load_run(db, actor, run_id).await?;
    let status = RunStatus::from_code(&run.status).ok_or_else(|| data_error("run status", &run.status))?;
    if status != RunStatus::Published {
        actor.require(Permission::ManageEvaluation)?;
    }
    let mut results: Vec<UnitResult> = evaluation_result::Entity::find()
        .filter(evaluation_result::Column::RunId.eq(run.id))
        .all(db)
        .await?
        .into_iter()
        .map(|r| {
            Ok(UnitResult {
                score: serde_json::from_str(&r.result).map_err(|e| data_error("unit score", e))?,
                unit_code: r.unit_code,
                unit_name: r.unit_name,
                computed_total: Points(r.computed_total),
                adjustment: Points(r.adjustment),
                adjustment_reason: r.adjustment_reason,
                total: Points(r.total),
                rank: r.rank.and_then(|x| u32::try_from(x).ok()),
                grade: r.grade,
            })
        })
        .collect::<ServiceResult<_>>()?;
    results.sort_by(|a, b| a.rank.cmp(&b.rank).then(a.unit_code.cmp(&b.unit_code)));
    let scope_name = match run.scope.parse::<DivisionCode>() {
        Ok(code) => deployment::division_by_code(db, code).await?.map_or_else(|| run.scope.clone(), |d| d.name),
        Err(_) => run.scope.clone(),
    };
    Ok(RunView {
        scope_name,
        id: run.id,
        name: run.name,
        period: Period::parse(&run.period).map_err(|e| data_error("run period", e.to_string()))?,
        scope: run.scope,
        status,
        scheme: scheme_of(&run.scheme_body)?,
        computed_at: run.computed_at,
        published_at: run.published_at,
        results,
    })
}

/// The runs of the actor's jurisdiction, newest first: (id, name, period code, status). Draft
/// and frozen runs only for `ManageEvaluation`.
///
/// # Errors
/// Forbidden; store errors.
pub async fn runs<C: ConnectionTrait>(db: &C, actor: &Actor) -> ServiceResult<Vec<(Uuid, String, String, RunStatus)>> {
    actor.require(Permission::ViewCounts)?;
    let manage = actor.can(Permission::ManageEvaluation);
    Ok(evaluation_run::Entity::find()
        .order_by_desc(evaluation_run::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .filter(|r| r.scope.parse::<DivisionCode>().is_ok_and(|s| actor.scope.contains(&s)))
        .filter_map(|r| {
            let s = RunStatus::from_code(&r.status)?;
            (manage || s == RunStatus::Published).then_some((r.id, r.name, r.period, s))
        })
        .collect())
}

/// One unit's places in the published runs of a jurisdiction (考评排名走势).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandingRow {
    pub unit_code: String,
    pub unit_name: String,
    /// Per run of [`Standings::runs`], oldest first: (rank, total, grade), `None` where the unit
    /// was not in that run or had no rank.
    pub places: Vec<Option<(u32, Points, String)>>,
}

impl StandingRow {
    /// The latest place.
    pub fn latest(&self) -> Option<&(u32, Points, String)> {
        self.places.last().and_then(Option::as_ref)
    }

    /// Places moved between the two latest runs the unit was ranked in: positive when it moved
    /// up (rank 5 → 2 is +3), `None` with fewer than two.
    pub fn trend(&self) -> Option<i64> {
        let mut ranked = self.places.iter().rev().flatten();
        let last = ranked.next()?;
        let before = ranked.next()?;
        Some(i64::from(before.0) - i64::from(last.0))
    }
}

/// The published evaluation runs of one jurisdiction with every unit's place in each (the
/// 驾驶舱's 考评排名 and its trend).
#[derive(Debug, Clone, Default)]
pub struct Standings {
    /// The runs, oldest period first (by last month, then first month): (id, name, period).
    pub runs: Vec<(Uuid, String, Period)>,
    /// One row per unit, in the order of the latest run's ranking (units not in it last).
    pub units: Vec<StandingRow>,
}

/// The published runs over `scope` of schemes scoring `subject` (towns, or member units; at most
/// `limit`, the latest ones) with each unit's places. Needs `ViewCounts`; a scope outside the
/// actor's gives nothing.
///
/// # Errors
/// Forbidden; store errors.
pub async fn standings<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    scope: DivisionCode,
    subject: Subject,
    limit: usize,
) -> ServiceResult<Standings> {
    actor.require(Permission::ViewCounts)?;
    if !actor.scope.contains(&scope) {
        return Ok(Standings::default());
    }
    let mut runs: Vec<(evaluation_run::Model, Period)> = evaluation_run::Entity::find()
        .filter(evaluation_run::Column::Scope.eq(scope.to_string()))
        .filter(evaluation_run::Column::Status.eq(RunStatus::Published.as_code()))
        .all(db)
        .await?
        .into_iter()
        .filter(|r| scheme_of(&r.scheme_body).is_ok_and(|s| s.subject == subject))
        .filter_map(|r| Period::parse(&r.period).ok().map(|p| (r, p)))
        .collect();
    runs.sort_by_key(|(r, p)| {
        let (first, last) = p.months();
        (last, std::cmp::Reverse(first), r.published_at)
    });
    let skip = runs.len().saturating_sub(limit);
    let runs: Vec<_> = runs.into_iter().skip(skip).collect();
    let mut rows: BTreeMap<String, StandingRow> = BTreeMap::new();
    for (k, (run, _)) in runs.iter().enumerate() {
        let results =
            evaluation_result::Entity::find().filter(evaluation_result::Column::RunId.eq(run.id)).all(db).await?;
        for r in results {
            let row = rows.entry(r.unit_code.clone()).or_insert_with(|| StandingRow {
                unit_code: r.unit_code.clone(),
                unit_name: r.unit_name.clone(),
                places: vec![None; runs.len()],
            });
            row.unit_name = r.unit_name;
            row.places[k] = r.rank.and_then(|x| u32::try_from(x).ok()).map(|x| (x, Points(r.total), r.grade));
        }
    }
    let mut units: Vec<StandingRow> = rows.into_values().collect();
    units.sort_by_key(|u| (u.latest().map_or(u32::MAX, |p| p.0), u.unit_code.clone()));
    Ok(Standings { runs: runs.into_iter().map(|(r, p)| (r.id, r.name, p)).collect(), units })
}
