//! `jindu import persons FILE [--dry-run]`: an office's registry sheet (.xlsx or .csv, UTF-8 or
//! GBK) into the registry, all rows or none, with a progress bar and a report of every row's
//! problems. Acts as an existing account (`--username`), which the audit log names.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::entities::app_user;
use jindu_store::service::{import, users};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use crate::{explain, keys};

#[derive(Subcommand, Debug)]
pub enum ImportCommand {
    /// 导入人员登记表 / Import persons (with their first measure) from .xlsx or .csv; every row is
    /// checked first, and nothing is stored unless all pass.
    Persons {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// The account the import is made as (needs 人员编辑; its scope bounds the rows).
        #[arg(long)]
        username: String,
        /// Check and report only; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// The sheet (.xlsx, .xls, .ods or .csv).
        file: PathBuf,
    },
    /// 导入检测、报到、走访记录 / Import events (tests, check-ins, visits, talks, assistance) of
    /// registered persons, one per row, found by ID number; all or nothing, like persons.
    Events {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// The account the import is made as (needs the permission of each event kind).
        #[arg(long)]
        username: String,
        /// Check and report only; store nothing.
        #[arg(long)]
        dry_run: bool,
        /// The sheet (.xlsx, .xls, .ods or .csv).
        file: PathBuf,
    },
}

pub async fn run(command: ImportCommand) -> Result<()> {
    let (events, url, key_args, username, dry_run, file) = match command {
        ImportCommand::Persons { db, keys, username, dry_run, file } => (false, db, keys, username, dry_run, file),
        ImportCommand::Events { db, keys, username, dry_run, file } => (true, db, keys, username, dry_run, file),
    };
    let conn = db::connect_existing(&url).await?;
    let vault = keys::open(&conn, &url, &key_args).await?;
    let bytes = std::fs::read(&file).with_context(|| format!("读取 / reading {}", file.display()))?;
    let Some(user) = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(username.trim().to_lowercase()))
        .one(&conn)
        .await?
    else {
        bail!("用户“{username}”不存在 / no user '{username}'");
    };
    let Some(actor) = users::actor(&conn, user.id).await.map_err(explain)? else {
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
    let report = if events {
        import::import_events(&conn, &vault, &actor, Now::system(), &name, &bytes, dry_run, progress).await
    } else {
        import::import_persons(&conn, &vault, &actor, Now::system(), &name, &bytes, dry_run, progress).await
    }
    .map_err(explain)?;
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
        if events { "条已记录(跳过) already recorded" } else { "人已登记(跳过) already registered" },
        report.rows_with_problems(),
        secs,
        report.rows as f64 / secs.max(1e-9)
    );
    for p in &report.problems {
        println!("第 {} 行 row {} [{}]: {} / {}", p.row, p.row, p.field, p.zh, p.en);
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
        if events {
            println!("已导入 {} 条记录 / imported {} events", report.created, report.created);
        } else {
            println!("已导入 {} 人 / imported {} persons", report.created, report.created);
        }
    }
    Ok(())
}
