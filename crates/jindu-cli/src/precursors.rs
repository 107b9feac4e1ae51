//! `jindu precursors check` re-checks every enterprise's findings (`service::precursors::checks`).
//! `jindu precursors catalogue import|show`: the 易制毒化学品品种目录 as versioned data (issue #21
//! item 1). `import` adds a future 公告's CSV files (its amendment row and its entry rows, the
//! shape of `data/precursors/`) without a release, as the server's operator (or as `--username`,
//! which needs 系统配置); `show` prints the entries in force on a day. Every sentence comes from
//! `locales/cli.yml` (keys `cli.precursors.*`), printed `中文 / English`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_store::db;
use jindu_store::service::precursors::catalogue;
use jindu_store::service::users;

use crate::{UsageError, both, explain};

#[derive(Subcommand, Debug)]
pub enum PrecursorsCommand {
    /// 品种目录 / The precursor catalogue: import a new 公告's files, show the entries in force.
    Catalogue {
        #[command(subcommand)]
        command: CatalogueCommand,
    },
    /// 全面核查 / Re-check every enterprise's findings from scratch (the hourly sweep does it too):
    /// flow matching, mass balance, filings, credentials, red flags; prints what changed.
    Check {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// Enterprises per transaction.
        #[arg(long, default_value_t = 200)]
        chunk: u64,
    },
}

#[derive(Subcommand, Debug)]
pub enum CatalogueCommand {
    /// 导入目录文件 / Import catalogue CSV files (UTF-8). Each file's kind (entries, amendments,
    /// aliases, mixture rules) is told by its header row, not its name; the files are checked
    /// together with the shipped and earlier imported ones, all or nothing. A file imported
    /// before is not stored again. Audited `precursor.catalogue_import`.
    Import {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// Import as this account (needs 系统配置 / Configure); by default as the server's operator.
        #[arg(long)]
        username: Option<String>,
        /// The files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// 在列品种 / The entries in force on a day (today by default) and their count.
    Show {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// The day, YYYY-MM-DD.
        #[arg(long)]
        on: Option<String>,
    },
}

pub async fn run(command: PrecursorsCommand) -> Result<()> {
    let command = match command {
        PrecursorsCommand::Catalogue { command } => command,
        PrecursorsCommand::Check { db: url, chunk } => {
            let conn = db::connect_existing(&url).await?;
            let started = std::time::Instant::now();
            let r = jindu_store::service::precursors::checks::recheck_all(&conn, Now::system(), chunk)
                .await
                .map_err(explain)?;
            let m = Message::new("cli.precursors.check.done")
                .text("enterprises", r.enterprises)
                .text("raised", r.raised)
                .text("resolved", r.resolved)
                .text("seconds", format!("{:.2}", started.elapsed().as_secs_f64()));
            println!("{}", both(&m));
            return Ok(());
        }
    };
    match command {
        CatalogueCommand::Import { db: url, username, files } => {
            let mut texts: Vec<(String, String)> = Vec::new();
            for path in &files {
                let name = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into());
                let bytes = std::fs::read(path).map_err(|e| {
                    anyhow::anyhow!(
                        "{}",
                        both(&Message::new("cli.precursors.read_failed").text("file", path.display()).text("cause", e))
                    )
                })?;
                let text = String::from_utf8(bytes).map_err(|_| {
                    anyhow::anyhow!("{}", both(&Message::new("cli.precursors.not_utf8").text("file", &name)))
                })?;
                texts.push((name, text));
            }
            let refs: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
            let conn = db::connect_existing(&url).await?;
            let now = Now::system();
            let report = match username {
                Some(u) => {
                    let Some(actor) = users::actor_by_username(&conn, &u).await.map_err(explain)? else {
                        return Err(explain(jindu_store::service::ServiceError::NotFound("user")));
                    };
                    catalogue::import(&conn, &actor, now, &refs).await
                }
                None => catalogue::import_as_operator(&conn, now, &refs).await,
            }
            .map_err(explain)?;
            if !report.stored.is_empty() {
                let ids = |v: Vec<String>| if v.is_empty() { "-".to_string() } else { v.join(", ") };
                let m = Message::new("cli.precursors.import.stored")
                    .text("files", report.stored.iter().map(|(n, _, _)| n.as_str()).collect::<Vec<_>>().join(", "))
                    .text("entries", report.entries_added.len())
                    .text(
                        "entry_ids",
                        ids(report
                            .entries_added
                            .iter()
                            .map(|(id, name, from)| format!("{id} {name} {from}"))
                            .collect()),
                    )
                    .text("amendments", report.amendments_added.len())
                    .text("amendment_ids", ids(report.amendments_added.clone()))
                    .text("aliases", report.aliases_added)
                    .text("rules", report.mixture_rules_added.len());
                println!("{}", both(&m));
            }
            if !report.already.is_empty() {
                println!(
                    "{}",
                    both(&Message::new("cli.precursors.import.already").text("files", report.already.join(", ")))
                );
            }
            if report.stored.is_empty() {
                println!("{}", both(&Message::new("cli.precursors.import.nothing")));
            }
            Ok(())
        }
        CatalogueCommand::Show { db: url, on } => {
            let day = match on {
                Some(s) => match NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d") {
                    Ok(d) => d,
                    Err(_) => {
                        return Err(
                            UsageError(both(&Message::new("cli.precursors.on_invalid").text("input", s))).into()
                        );
                    }
                },
                None => Now::system().today,
            };
            let conn = db::connect_existing(&url).await?;
            let cat = catalogue::current(&conn).await.map_err(explain)?;
            let mut lines = vec![both(&Message::new("cli.precursors.show.header"))];
            let key = both(&Message::new("cli.precursors.show.key"));
            let mut count = 0usize;
            for e in cat.in_force(day) {
                count += 1;
                let unconfirmed = if e.unconfirmed.is_empty() {
                    "-".to_string()
                } else {
                    both(&Message::new("cli.precursors.show.unconfirmed").text("fields", e.unconfirmed.join(";")))
                };
                lines.push(format!(
                    "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                    e.id,
                    e.name_zh,
                    e.category.as_code(),
                    if e.key { key.as_str() } else { "-" },
                    unconfirmed,
                    e.effective_from,
                    e.effective_to.map_or_else(|| "-".to_string(), |d| d.to_string()),
                ));
            }
            lines.push(both(&Message::new("cli.precursors.show.count").text("date", day).text("count", count)));
            // Written with errors handled: `| head` closing the pipe ends the listing quietly.
            let mut out = std::io::stdout().lock();
            for line in lines {
                match writeln!(out, "{line}") {
                    Ok(()) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(())
        }
    }
}
