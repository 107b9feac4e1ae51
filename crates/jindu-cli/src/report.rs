//! `jindu report indicators`: the 驾驶舱 of one division of the deployment for one period, as
//! JSON or as an Excel workbook, for scheduled reports run by the operator on the server (from
//! cron, like `jindu audit`). It reads the kept indicator cells (no keys needed: no names are
//! read) and is recorded in the audit log as `report.indicators`.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jindu_documents::export;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{Indicator, Period};
use jindu_store::db;
use jindu_store::service::dashboard::{self, Jurisdiction};
use jindu_store::service::{audit, deployment};

use crate::{UsageError, both, explain, say, sentence};

#[derive(Subcommand, Debug)]
pub enum ReportCommand {
    /// 指标报表 / The indicators of a division for a period (every figure with its target and
    /// the same period a year before, the divisions below ranked, 12-month trends, seizures),
    /// as JSON (to standard output) or an Excel workbook. Audited.
    Indicators {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// Division code of the deployment (2–12 digits), e.g. 430405 or 430405009.
        #[arg(long)]
        scope: String,
        /// 统计期间: 2026-10 (month), 2026-Q4 (quarter) or 2026 (year).
        #[arg(long)]
        period: String,
        /// json or xlsx.
        #[arg(long)]
        format: String,
        /// Output file (json: standard output by default; xlsx: indicators-CODE-PERIOD.xlsx in
        /// the current directory by default). An existing file is replaced.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Indicator code ranking the divisions below, e.g. loss_rate, control_rate, registered.
        #[arg(long, default_value = "loss_rate")]
        rank_by: String,
        /// Language of the workbook's sheet names and headers: zh or en.
        #[arg(long, default_value = "zh")]
        lang: String,
    },
}

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Xlsx,
}

/// The refusal `key` (a field of the command line and the value given): exit code 2.
fn usage(key: &'static str, args: &[(&'static str, String)]) -> anyhow::Error {
    UsageError(say(key, args)).into()
}

fn parse_format(s: &str) -> Result<Format> {
    match s.trim().to_ascii_lowercase().as_str() {
        "json" => Ok(Format::Json),
        "xlsx" | "excel" => Ok(Format::Xlsx),
        _ => Err(usage("cli.report.format_invalid", &[("value", s.to_string())])),
    }
}

fn parse_period(s: &str) -> Result<Period> {
    Period::parse(s).map_err(|_| usage("cli.report.period_invalid", &[("value", s.to_string())]))
}

fn parse_rank_by(s: &str) -> Result<Indicator> {
    Indicator::from_code(s.trim()).ok_or_else(|| {
        let codes = Indicator::ALL.iter().map(|i| i.code()).collect::<Vec<_>>().join(", ");
        usage("cli.report.rank_by_invalid", &[("value", s.to_string()), ("codes", codes)])
    })
}

fn parse_lang(s: &str) -> Result<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "zh" | "zh-cn" => Ok("zh-CN"),
        "en" => Ok("en"),
        _ => Err(usage("cli.report.lang_invalid", &[("value", s.to_string())])),
    }
}

fn parse_scope(s: &str) -> Result<DivisionCode> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("nation") || (!t.is_empty() && t.bytes().all(|b| b == b'0')) {
        return Err(usage("cli.report.scope_nation", &[("value", t.to_string())]));
    }
    DivisionCode::parse(t).map_err(|_| {
        let shown: String = t.chars().take(40).collect();
        usage("cli.report.scope_malformed", &[("value", shown)])
    })
}

/// Writes `bytes` to `path` through a temporary file beside it, so a reader never sees half a
/// report.
fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).with_context(|| say("cli.file.unwritable", &[("file", tmp.display().to_string())]))?;
    std::fs::rename(&tmp, path).with_context(|| say("cli.file.unwritable", &[("file", path.display().to_string())]))?;
    Ok(())
}

pub async fn run(command: ReportCommand) -> Result<()> {
    let ReportCommand::Indicators { db: url, scope, period, format, out, rank_by, lang } = command;
    // Everything that needs no database is checked first.
    let format = parse_format(&format)?;
    let period = parse_period(&period)?;
    let rank_by = parse_rank_by(&rank_by)?;
    let lang = parse_lang(&lang)?;
    let code = parse_scope(&scope)?;

    let conn = db::connect_existing(&url).await?;
    let Some(root) = deployment::root(&conn).await.map_err(explain)? else {
        bail!("{}", say("cli.db.not_initialised", &[]));
    };
    let division = match deployment::division_by_code(&conn, code).await.map_err(explain)? {
        Some(d) if root.code.contains(&code) => d,
        _ => {
            let args = [
                ("code", code.prefix().to_string()),
                ("place", root.name_path.clone()),
                ("root", root.code.prefix().to_string()),
            ];
            return Err(usage("cli.report.scope_outside", &args));
        }
    };
    // The breadcrumb from the deployment's root down to the scope.
    let jurisdiction = |d: &deployment::Division| Jurisdiction {
        code: d.code.to_string(),
        name: d.name.clone(),
        level: Some(d.level),
    };
    let mut trail = vec![jurisdiction(&division)];
    let mut cur = division.parent;
    while let Some(p) = cur.filter(|p| root.code.contains(p)) {
        match deployment::division_by_code(&conn, p).await.map_err(explain)? {
            Some(pd) => {
                cur = pd.parent;
                trail.push(jurisdiction(&pd));
            }
            None => break,
        }
    }
    trail.reverse();
    // A period not over is marked 截至… in the JSON and the workbook (issue #18, item 17).
    let d = dashboard::dashboard_of(&conn, jurisdiction(&division), trail, period, rank_by, Now::system().today)
        .await
        .map_err(explain)?;
    let demo = deployment::is_demo(&conn).await.map_err(explain)?;
    let now = Now::system();

    let (bytes, target) = match format {
        Format::Json => {
            let mut j = export::dashboard_json(&d);
            if let Some(o) = j.as_object_mut() {
                o.insert("demo".into(), demo.into());
                o.insert("generated_at".into(), now.instant.to_rfc3339().into());
            }
            let mut text = serde_json::to_string_pretty(&j).context("JSON")?;
            text.push('\n');
            (text.into_bytes(), out)
        }
        Format::Xlsx => {
            let bytes = export::dashboard_xlsx(&d, lang, demo).map_err(|e| anyhow::anyhow!("{e}"))?;
            (bytes, Some(out.unwrap_or_else(|| PathBuf::from(export::xlsx_file_name(&d)))))
        }
    };
    // Recorded before anything leaves: a report that cannot be audited is not given out.
    let format_code = if format == Format::Json { "json" } else { "xlsx" };
    audit::record(
        &conn,
        &audit::Who::cli(),
        now,
        audit::Entry::ok("report.indicators", "division", code).with_detail(format!(
            "scope {} period {} format {format_code} rank_by {}",
            code.prefix(),
            period.code(),
            rank_by.code()
        )),
    )
    .await
    .map_err(explain)?;
    match target {
        None => {
            use std::io::Write;
            std::io::stdout().write_all(&bytes).context("stdout")?;
        }
        Some(path) => {
            write_file(&path, &bytes)?;
            let args = [
                ("file", path.display().to_string()),
                ("place", d.jurisdiction.name.clone()),
                ("bytes", bytes.len().to_string()),
            ];
            let written = sentence("cli.report.written", &args).label("period", period.label_zh(), period.label_en());
            println!("{}", both(&written));
        }
    }
    Ok(())
}
