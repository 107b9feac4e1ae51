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

use crate::{explain, keys};

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
        bail!(
            "--unknown-workers 只能是 refuse、create 或 unassigned / --unknown-workers must be refuse, create or unassigned"
        );
    };
    let mut mapping: Vec<(String, String)> = Vec::new();
    for m in &map {
        let Some((header, field)) = m.rsplit_once('=') else {
            bail!("--map “{m}” 应写作 表头=字段 / --map '{m}' must be HEADER=FIELD");
        };
        mapping.push((header.to_string(), field.to_string()));
    }
    let conn = db::connect_existing(&url).await?;
    let vault = keys::open(&conn, &url, &key_args).await?;
    let bytes = std::fs::read(&file).with_context(|| format!("读取 / reading {}", file.display()))?;
    let Some(actor) = users::actor_by_username(&conn, &username).await.map_err(explain)? else {
        bail!("用户“{username}”不存在 / no user '{username}'");
    };
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} 行 rows {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(if dry_run { "检查 checking" } else { "导入 importing" });
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
        "文件 / file: {} (SHA-256 {}), 表头在第 {} 行 / header on row {}",
        report.file_name, report.file_hash, report.header_row, report.header_row
    );
    println!(
        "识别的列 / columns: {}",
        report.columns.iter().map(|(f, h)| format!("{h}→{f}")).collect::<Vec<_>>().join(", ")
    );
    if !report.ignored.is_empty() {
        println!("未使用的列 / ignored columns: {}", report.ignored.join(", "));
    }
    println!(
        "{} 行 rows: {} 行可导入 valid, {} {} (skipped), {} 行有问题 with problems; {:.1} s ({:.0} 行/秒 rows/s)",
        report.rows,
        report.valid,
        report.existing,
        match kind {
            import::SheetKind::Persons => "人已登记(跳过) already registered",
            _ => "条已登记(跳过) already recorded",
        },
        report.rows_with_problems(),
        secs,
        report.rows as f64 / secs.max(1e-9)
    );
    for (row, text) in &report.skipped {
        println!("第 {row} 行 row {row}: 表尾行，已跳过 / footer row, skipped: {text}");
    }
    for w in &report.new_workers {
        println!(
            "{} 社工账号 / social-worker account {} ({}), {} — 不能登录 / cannot sign in",
            if dry_run { "将创建 / would create" } else { "已创建 / created" },
            w.username,
            w.name,
            w.division_code
        );
    }
    for p in &report.warnings {
        println!("第 {} 行 row {} [{}]: {}", p.row, p.row, p.field, crate::both(&p.message));
    }
    if !report.unknown_workers.is_empty() && unknown_workers == import::UnknownWorkers::Refuse {
        println!(
            "没有账号的责任社工 / social workers without an account: {} — --unknown-workers create|unassigned",
            report.unknown_workers.join("、")
        );
    }
    for p in &report.problems {
        println!("第 {} 行 row {} [{}]: {}", p.row, p.row, p.field, crate::both(&p.message));
    }
    if !report.problems.is_empty() {
        bail!(
            "有 {} 行存在问题，未导入任何数据 / {} rows have problems; nothing was imported",
            report.rows_with_problems(),
            report.rows_with_problems()
        );
    }
    if dry_run {
        println!("检查通过，未写入数据(--dry-run) / all rows pass; nothing stored (--dry-run)");
    } else {
        match kind {
            import::SheetKind::Persons => {
                println!("已导入 {} 人 / imported {} persons", report.created, report.created)
            }
            import::SheetKind::Measures => {
                println!("已导入 {} 项措施 / imported {} measures", report.created, report.created)
            }
            import::SheetKind::Events => {
                println!("已导入 {} 条记录 / imported {} events", report.created, report.created)
            }
            import::SheetKind::Tasks => {
                println!("已导入 {} 项任务 / imported {} tasks", report.created, report.created)
            }
            import::SheetKind::Workstations => println!(
                "已导入 {} 个工作站（新建或补充社工）/ imported {} workstations (new, or with staff added)",
                report.created, report.created
            ),
        }
    }
    Ok(())
}
