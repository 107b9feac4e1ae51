//! `jindu import persons|measures|events FILE [--dry-run] [--header-row N] [--map 表头=字段]…`:
//! an office's sheet (.xlsx or .csv, UTF-8 or GBK) into the registry, all rows or none, with a
//! progress bar and a report of every row's problems. Acts as an existing account
//! (`--username`), which the audit log names.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::service::{import, users};

use crate::{both, explain, keys, labelled, say, sentence};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 导入人员登记表 / Import persons (with their first measure) from .xlsx or .csv; every row is
    /// checked first, and nothing is stored unless all pass.
    Persons(ImportArgs),
    /// 导入戒毒措施 / Import measures of registered persons found by ID number: later decisions,
    /// and past measures with their end date and reason; all or nothing, like persons.
    Measures(ImportArgs),
    /// 导入检测、报到、走访记录 / Import events (tests, check-ins, visits, talks, assistance) of
    /// registered persons, one per row, found by ID number; all or nothing, like persons.
    Events(ImportArgs),
    /// 导入规划任务 / Import plan tasks (所属规划, 任务内容, 牵头单位, 配合单位, 完成时限); a task
    /// already there (same plan, task and owner) is skipped; all or nothing. Needs the office's
    /// 管理考评 permission.
    Tasks(ImportArgs),
    /// 导入工作站及社工 / Import workstations (工作站名称, 乡镇(街道), 地址, 成立日期, 禁毒社工) and
    /// link their social workers (existing accounts, by user name or name); a workstation already
    /// there (same town and name) only gains the staff named; all or nothing. Needs 系统配置.
    Workstations(ImportArgs),
}

/// What every import takes.
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    #[arg(long, default_value = "sqlite://jindu.db")]
    db: String,
    #[command(flatten)]
    keys: keys::KeyArgs,
    /// The account the import is made as (its permissions and scope bound the rows).
    #[arg(long)]
    username: String,
    /// Check and report only; store nothing.
    #[arg(long)]
    dry_run: bool,
    /// 表头所在行 / The header row (1-based) when Jindu cannot find it.
    #[arg(long)]
    header_row: Option<usize>,
    /// 列对应 / Read a column as a field: `--map 证照号=id_number` (`=-` ignores the column;
    /// repeat for each column). The fields are listed in the error of a wrong one.
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    map: Vec<String>,
    /// 责任社工没有账号时 / A 责任社工 without an account: `refuse` (a problem of the row),
    /// `create` (a caseload-owner account per name and town that cannot sign in), `unassigned`
    /// (import the person without one, with a warning).
    #[arg(long, default_value = "refuse", value_name = "refuse|create|unassigned")]
    unknown_workers: String,
    /// The sheet (.xlsx, .xls, .ods or .csv).
    file: PathBuf,
}

pub async fn run(command: ImportCommand) -> Result<()> {
    let (kind, args) = match command {
        ImportCommand::Persons(a) => (import::SheetKind::Persons, a),
        ImportCommand::Measures(a) => (import::SheetKind::Measures, a),
        ImportCommand::Events(a) => (import::SheetKind::Events, a),
        ImportCommand::Tasks(a) => (import::SheetKind::Tasks, a),
        ImportCommand::Workstations(a) => (import::SheetKind::Workstations, a),
    };
    let ImportArgs { db: url, keys: key_args, username, dry_run, header_row, map, unknown_workers, file } = args;
    let Some(unknown_workers) = import::UnknownWorkers::from_code(&unknown_workers) else {
        bail!("{}", say("cli.import.unknown_workers_invalid", &[]));
    };
    let mut mapping: Vec<(String, String)> = Vec::new();
    for m in &map {
        let Some((header, field)) = m.rsplit_once('=') else {
            bail!("{}", say("cli.import.map_malformed", &[("map", m.clone())]));
        };
        mapping.push((header.to_string(), field.to_string()));
    }
    let conn = db::connect_existing(&url).await?;
    let vault = keys::open(&conn, &url, &key_args).await?;
    let bytes =
        std::fs::read(&file).with_context(|| say("cli.file.unreadable", &[("file", file.display().to_string())]))?;
    let Some(actor) = users::actor_by_username(&conn, &username).await.map_err(explain)? else {
        bail!("{}", say("cli.user.unknown", &[("username", username.clone())]));
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(&format!(
            "{{msg}} [{{bar:30}}] {{pos}}/{{len}} {} {{per_sec}} {{eta}}",
            say("cli.import.rows", &[])
        ))
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(say(if dry_run { "cli.import.checking" } else { "cli.import.importing" }, &[]));
    let started = std::time::Instant::now();
    let progress = |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let request = import::ImportRequest {
        file_name: &name,
        bytes: &bytes,
        dry_run,
        header_row,
        mapping: &mapping,
        unknown_workers,
    };
    let report =
        import::import_sheet(&conn, &vault, &actor, Now::system(), kind, request, progress).await.map_err(explain)?;
    bar.finish_and_clear();
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{} (SHA-256 {}); {}",
        labelled("cli.import.file", &report.file_name),
        report.file_hash,
        say("cli.import.header_row", &[("row", report.header_row.to_string())])
    );
    println!(
        "{}",
        labelled(
            "cli.import.columns",
            report.columns.iter().map(|(f, h)| format!("{h}→{f}")).collect::<Vec<_>>().join(", ")
        )
    );
    if !report.ignored.is_empty() {
        println!("{}", labelled("cli.import.ignored", report.ignored.join(", ")));
    }
    let summary = [
        ("rows", report.rows.to_string()),
        ("valid", report.valid.to_string()),
        ("existing", report.existing.to_string()),
        ("problems", report.rows_with_problems().to_string()),
        ("secs", format!("{secs:.1}")),
        ("rate", format!("{:.0}", report.rows as f64 / secs.max(1e-9))),
    ];
    let summary_key = match kind {
        import::SheetKind::Persons => "cli.import.summary_persons",
        _ => "cli.import.summary_records",
    };
    println!("{}", say(summary_key, &summary));
    for (row, text) in &report.skipped {
        println!("{}", say("cli.import.footer_skipped", &[("row", row.to_string()), ("text", text.clone())]));
    }
    for w in &report.new_workers {
        let key = if dry_run { "cli.import.worker_would_create" } else { "cli.import.worker_created" };
        let args = [("username", w.username.clone()), ("name", w.name.clone()), ("division", w.division_code.clone())];
        println!("{}", say(key, &args));
    }
    let row_problem = |p: &import::RowProblem| {
        let line = sentence("cli.import.row_problem", &[("row", p.row.to_string()), ("field", p.field.clone())]);
        both(&line.nested("problem", p.message.clone()))
    };
    for p in &report.warnings {
        println!("{}", row_problem(p));
    }
    if !report.unknown_workers.is_empty() && unknown_workers == import::UnknownWorkers::Refuse {
        println!(
            "{} — --unknown-workers create|unassigned",
            labelled("cli.import.workers_without_account", report.unknown_workers.join("、"))
        );
    }
    for p in &report.problems {
        println!("{}", row_problem(p));
    }
    if !report.problems.is_empty() {
        bail!("{}", say("cli.import.refused", &[("n", report.rows_with_problems().to_string())]));
    }
    if dry_run {
        println!("{}", say("cli.import.dry_run_passed", &[]));
    } else {
        let done = match kind {
            import::SheetKind::Persons => "cli.import.done_persons",
            import::SheetKind::Measures => "cli.import.done_measures",
            import::SheetKind::Events => "cli.import.done_events",
            import::SheetKind::Tasks => "cli.import.done_tasks",
            import::SheetKind::Workstations => "cli.import.done_workstations",
        };
        println!("{}", say(done, &[("n", report.created.to_string())]));
    }
    Ok(())
}
