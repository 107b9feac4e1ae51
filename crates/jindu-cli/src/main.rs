//! `jindu`: the command line of the Jindu drug-control platform.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use jindu_demo::district as demo;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_domain::message::Message;
use jindu_store::db;
use jindu_store::service::{ServiceError, audit, deployment, users};
use jindu_web::{AppState, Clock};
use rand::Rng;

mod bench;
mod bench_indicators;
mod bench_precursors;
mod bench_writers;
mod import;
mod keys;
mod precursors;
mod report;
mod token;
mod transfer;
mod workstation;

#[derive(Parser, Debug)]
#[command(name = "jindu", version, about = "禁毒工作综合管理平台 Jindu drug-control platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// 初始化：载入辖区区划并创建管理员 / Load the deployment's divisions and create an administrator.
    Init {
        /// Division code of the deployment (2–12 digits), e.g. 430405 for 珠晖区.
        #[arg(long)]
        division: String,
        /// Database URL: sqlite://PATH or postgres://USER@HOST/DB.
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// User name of the administrator to create.
        #[arg(long, default_value = "admin")]
        admin: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// Field-encryption algorithm: aes-256-gcm (HMAC-SHA256 indexes) or sm4-gcm (HMAC-SM3,
        /// for national-crypto deployments).
        #[arg(long, default_value = "aes-256-gcm")]
        algorithm: String,
    },
    /// 启动服务 / Serve the web application.
    Serve {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// Served behind a TLS-terminating reverse proxy: Secure cookies and HSTS.
        #[arg(long)]
        behind_tls: bool,
        /// 同时进行的导入检查 / Import checks and imports this server runs at once (each holds
        /// its file and rows in memory); one more is refused with 503.
        #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
        import_jobs: u16,
        /// Import checks and imports one user may have running at once; one more is refused
        /// with 429.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
        import_jobs_per_user: u16,
    },
    /// 演示：珠晖区真实区划与虚构人员 / The demo: 珠晖区's real divisions and a synthetic caseload.
    Demo {
        #[arg(long, default_value = "sqlite://jindu-demo.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed of the synthetic caseload (same seed and date, same data).
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Number of synthetic registered (在册) persons (the speech's 862 by default); about one
        /// in ten more records are of persons out of the register (died, abstinent, released).
        #[arg(long, default_value_t = demo::DEMO_PERSONS)]
        persons: usize,
        /// Generate (or reuse) the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// 审计日志 / The audit log: verify the hash chain, prune past the retention.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// 导入 / Import an office's sheets (persons from .xlsx or .csv).
    Import {
        #[command(subcommand)]
        command: import::ImportCommand,
    },
    /// 性能测试 / Benchmarks that print figures (no pass/fail).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// 用户管理 / Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// 易制毒化学品 / Precursor chemicals: the catalogue (import a new 公告, show the entries in force).
    Precursors {
        #[command(subcommand)]
        command: precursors::PrecursorsCommand,
    },
    /// 工作站 / Community detox and rehabilitation workstations and their social workers.
    Workstation {
        #[command(subcommand)]
        command: workstation::WorkstationCommand,
    },
    /// API令牌 / API tokens for the JSON API.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
    /// 异地执行移交文件 / Transfer files to and from another deployment (戒毒条例 §22).
    Transfer {
        #[command(subcommand)]
        command: transfer::TransferCommand,
    },
    /// 报表 / Reports for the office: the indicators of a division and period as JSON or Excel.
    Report {
        #[command(subcommand)]
        command: report::ReportCommand,
    },
    /// 密钥 / Field-encryption keys: status and rotation.
    Keys {
        #[command(subcommand)]
        command: keys::KeysCommand,
    },
    /// 备份 / A consistent copy of the database while it serves (SQLite: VACUUM INTO; PostgreSQL:
    /// pg_dump), mode 0600, checked, with its audit chain verified. The key file is not in it.
    Backup {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: std::path::PathBuf,
        /// The deployment's keys, to verify the copy's audit chain.
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// 恢复 / Restore a backup into a new SQLite file or an empty PostgreSQL database, check it
    /// and verify its audit chain with the deployment's key file (`--key-file`).
    Restore {
        /// The backup file written by `jindu backup`.
        #[arg(long)]
        from: std::path::PathBuf,
        /// Where to restore: a SQLite file that does not exist yet, or an empty PostgreSQL database.
        #[arg(long)]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// 巡检 / Bring every person's risk assessment, duties, lost-contact rule and alerts up to
    /// date (the server does this at start and every hour; run it from cron if no server runs).
    Sweep {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// Persons per batch (each person is one short transaction).
        #[arg(long, default_value_t = 500)]
        batch: u64,
        /// Keys for sealing the audit log afterwards (skipped, with a note, when they cannot be read).
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// 签封并校验 / Seal the records committed since the last seal, then verify the chains and the
    /// seal in one snapshot; exit 1 at the first changed, inserted or deleted record. With
    /// `--anchor FILE` (from `jindu audit anchor`), also detect a rollback to an older copy.
    Verify {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// A signed head exported earlier by `jindu audit anchor`.
        #[arg(long)]
        anchor: Option<std::path::PathBuf>,
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// 导出签封锚点 / Seal, then print the signed head (seal number, sequence, lane heads, time,
    /// HMAC) as JSON, or write it to `--out`, for an office to keep elsewhere.
    Anchor {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// Write the anchor to this file instead of printing it.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
    /// 清理过期审计记录 / Remove records older than the retention (setting, at least 6 months);
    /// the chain stays verifiable.
    Prune {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
    },
}

#[derive(Subcommand, Debug)]
enum BenchCommand {
    /// 易制毒核查: bulk-generate enterprises and movements (half sales, half matching purchases,
    /// some unmatched), time the full re-check from scratch, one new movement's re-check
    /// (p50/p99) and a plain SQL self-join doing the matching, with the ratio.
    Precursors {
        /// Database URL; must be empty (default: a new SQLite file in the temp directory).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = 50)]
        enterprises: usize,
        #[arg(long, default_value_t = 10_000)]
        movements: usize,
        /// Timed single re-checks.
        #[arg(long, default_value_t = 200)]
        samples: usize,
    },
    /// Time page requests (工作台, 人员列表, 人员页, 辖区概况) over a freshly generated demo.
    Pages {
        /// Database URL; must be empty (default: a new SQLite file in the temp directory).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = demo::DEMO_PERSONS)]
        persons: usize,
        /// Timed requests per page.
        #[arg(long, default_value_t = 100)]
        requests: usize,
        /// Field encryption and audit: `on`, `off` (to measure their cost), or `both` (each on
        /// a fresh database, with ratios; needs the default temporary SQLite database).
        #[arg(long, default_value = "both")]
        security: String,
    },
    /// Time the 驾驶舱 over a synthetic national caseload (real divisions, two years of events):
    /// p50/p99 for the country, 湖南省 and 珠晖区, against a plain GROUP BY over the base tables,
    /// and event writes with and without the upkeep of the indicator cells.
    Indicators {
        /// Persons; several sizes (comma-separated, e.g. 25000,250000) also print the growth.
        #[arg(long, value_delimiter = ',', default_value = "250000")]
        persons: Vec<usize>,
        /// A postgres:// server URL to create a fresh database per size on (dropped after);
        /// default: a temporary SQLite file per size.
        #[arg(long)]
        db: Option<String>,
        /// Timed 驾驶舱 requests per scope.
        #[arg(long, default_value_t = 200)]
        requests: usize,
        /// Timed event writes with upkeep (and as many without).
        #[arg(long, default_value_t = 400)]
        writes: usize,
        /// Load only the divisions under this code (must contain 430405; default: the country).
        #[arg(long)]
        within: Option<String>,
    },
    /// Person-page reads per second alone and while many users write (each write a visit
    /// recorded through the write path, with its audit record), then `audit verify`.
    Writers {
        /// Database URL; must be empty (default: a new SQLite file in the temp directory).
        #[arg(long)]
        db: Option<String>,
        #[arg(long, default_value_t = demo::DEMO_PERSONS)]
        persons: usize,
        /// Concurrent readers of person pages.
        #[arg(long, default_value_t = 4)]
        readers: usize,
        /// Concurrent writers in the loaded phase.
        #[arg(long, default_value_t = 16)]
        writers: usize,
        /// Length of each phase, seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// 重置账号 / Unlock an account, give it a new initial password, remove its authenticator
    /// (for when no administrator can sign in), disable or enable it. Audited.
    Reset {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long)]
        username: String,
        /// unlock, reset_password, reset_totp, disable (ends its sessions, revokes its API
        /// tokens) or enable.
        #[arg(long)]
        action: String,
    },
    /// 修改账号 / Change an account's role, unit (data scope) or member unit: its sessions end
    /// and its API tokens are revoked. Audited (old → new).
    Edit {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long)]
        username: String,
        /// New role (system_admin, office, town_officer, social_worker, police, member_unit, leader, auditor).
        #[arg(long)]
        role: Option<String>,
        /// New division code of the user's unit.
        #[arg(long)]
        division: Option<String>,
        /// Member unit code (430405U03) of a member_unit account.
        #[arg(long)]
        member_unit: Option<String>,
    },
    /// 新增用户 / Add an account. The password is read from JINDU_PASSWORD or asked for.
    Add {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Role: system_admin, office, town_officer, social_worker, police, member_unit, leader,
        /// auditor, enterprise.
        #[arg(long)]
        role: String,
        /// Division code of the user's unit; defaults to the deployment's root.
        #[arg(long)]
        division: Option<String>,
        /// Member unit code (430405U03): required for a member_unit account, whose division is
        /// the unit's district.
        #[arg(long)]
        member_unit: Option<String>,
        /// 统一社会信用代码 of a registered enterprise: required for an enterprise account, whose
        /// division is the enterprise's and whose data scope is that enterprise only.
        #[arg(long)]
        enterprise: Option<String>,
    },
}

/// Bad input on the command line (a field named in the message): exit code 2, as for clap's
/// own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A service's refusal or failure as the CLI prints it: each sentence `中文 / English` on a line.
fn explain(e: ServiceError) -> anyhow::Error {
    anyhow::anyhow!("{}", e.messages().iter().map(both).collect::<Vec<_>>().join("\n"))
}

/// One error of a chain as a person reads it: the storage layer's errors through the catalogue,
/// any other by its own words.
fn error_words(e: &(dyn std::error::Error + 'static)) -> String {
    use jindu_store::backup::BackupError;
    use jindu_store::db::ConnectError;
    use jindu_store::vault::VaultError;
    if let Some(e) = e.downcast_ref::<ServiceError>() {
        e.messages().iter().map(both).collect::<Vec<_>>().join("\n")
    } else if let Some(e) = e.downcast_ref::<ConnectError>() {
        both(&e.message())
    } else if let Some(e) = e.downcast_ref::<BackupError>() {
        both(&e.message())
    } else if let Some(e) = e.downcast_ref::<VaultError>() {
        both(&e.message())
    } else if let Some(e) = e.downcast_ref::<jindu_store::divisions::DivisionDataError>() {
        both(&e.message())
    } else {
        e.to_string()
    }
}

/// A catalogue message as the CLI prints it: `中文 / English`.
pub(crate) fn both(message: &Message) -> String {
    let (zh, en) = jindu_messages::render_both(message);
    format!("{zh} / {en}")
}

/// A sentence of the command line from the catalogue (`locales/cli.yml`, keys
/// `cli.<command>.<what>`) as the CLI prints it: `中文 / English`, each `%{name}` replaced by its
/// value (a number, a path, a code, a name: the same in both languages).
pub(crate) fn say(key: &'static str, args: &[(&'static str, String)]) -> String {
    debug_assert_eq!(
        placeholders(&jindu_messages::t(key, "zh")),
        args.iter().map(|(name, _)| *name).collect(),
        "{key}: the parameters given are the sentence's placeholders"
    );
    both(&sentence(key, args))
}

/// The `%{name}` placeholders of a catalogue sentence.
fn placeholders(template: &str) -> std::collections::BTreeSet<&str> {
    let mut out = std::collections::BTreeSet::new();
    let mut rest = template;
    while let Some(i) = rest.find("%{") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        out.insert(&after[..end]);
        rest = &after[end + 1..];
    }
    out
}

/// The sentence `key` as a [`Message`], for a parameter that is itself a message (a verdict, a
/// row's problem) or a label that differs by language; printed with [`both`].
pub(crate) fn sentence(key: &'static str, args: &[(&'static str, String)]) -> Message {
    args.iter().fold(Message::new(key), |m, (name, value)| m.text(name, value))
}

/// A label from the catalogue and the value it announces, as the CLI prints it:
/// `中文 / English: value` (an id, a path, a secret: printed once, easy to cut out).
pub(crate) fn labelled(key: &'static str, value: impl std::fmt::Display) -> String {
    format!("{}: {value}", say(key, &[]))
}

/// Whether a password or passphrase can be asked for: standard input is a terminal. Without
/// one (cron, a pipe, `< /dev/null`) the prompt would fail with "No such device or address".
fn can_prompt() -> bool {
    use std::io::IsTerminal;
    std::io::stdin().is_terminal()
}

/// A secret from the environment variable `var`, else asked for on the terminal with the label
/// `prompt`; without a terminal, the usage error `missing` (which says to set `var`).
pub(crate) fn secret(var: &str, prompt: &'static str, missing: &'static str) -> Result<String> {
    if let Ok(value) = std::env::var(var) {
        return Ok(value);
    }
    let refused = || anyhow::Error::from(UsageError(say(missing, &[])));
    if !can_prompt() {
        return Err(refused());
    }
    rpassword::prompt_password(format!("{}: ", say(prompt, &[]))).map_err(|_| refused())
}

fn generated_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let body: String = (0..14).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect();
    format!("{body}-7a")
}

async fn serve(
    db_url: &str,
    conn: jindu_store::DatabaseConnection,
    vault: jindu_store::Vault,
    listen: SocketAddr,
    demo_flag: bool,
    behind_tls: bool,
    import_limits: jindu_web::import_page::JobLimits,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| say("cli.serve.cannot_listen", &[("address", listen.to_string())]))?;
    let addr = listener.local_addr()?;
    println!("{}", say("cli.serve.running", &[("db", db_url.to_string()), ("address", addr.to_string())]));
    // The sweep: what time alone changes (a duty going overdue, the lost-contact rule, the
    // monthly risk review, notices falling due) — at start, then every hour.
    let sweep_db = conn.clone();
    let sweep_vault = vault.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(SWEEP_EVERY_SECS));
        loop {
            every.tick().await;
            let started = Instant::now();
            match jindu_store::service::casework::sweep(&sweep_db, Now::system(), 500).await {
                Ok(r) => tracing::info!("{}", sweep_line(&r, started.elapsed())),
                Err(e) => tracing::error!("sweep failed: {e}"),
            }
            // The precursor checks from scratch: what time alone changes (a filing falling
            // overdue, a credential entering its renewal window).
            match jindu_store::service::precursors::checks::recheck_all(&sweep_db, Now::system(), 200).await {
                Ok(r) => tracing::info!(
                    "precursor checks: {} enterprises, {} raised, {} resolved",
                    r.enterprises,
                    r.raised,
                    r.resolved
                ),
                Err(e) => tracing::error!("precursor checks failed: {e}"),
            }
            if let Err(e) = audit::seal(&sweep_db, &sweep_vault, Now::system()).await {
                tracing::error!("audit seal after the sweep failed: {e}");
            }
        }
    });
    // The audit seal: records committed by this or any other process are sealed within seconds.
    let seal_db = conn.clone();
    let seal_vault = vault.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(std::time::Duration::from_secs(audit::SEAL_EVERY_SECS));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = audit::seal(&seal_db, &seal_vault, Now::system()).await {
                tracing::error!("audit seal failed: {e}");
            }
        }
    });
    let mut state = AppState::new(conn.clone(), vault.clone(), Clock::System, demo_flag);
    state.behind_tls = behind_tls;
    state.imports = jindu_web::import_page::ImportJobs::new(import_limits);
    jindu_web::serve(listener, state).await?;
    // The last records of the requests that just finished are sealed before the process ends.
    if let Err(e) = audit::seal(&conn, &vault, Now::system()).await {
        tracing::error!("audit seal at shutdown failed: {e}");
    }
    conn.close().await?;
    println!("{}", say("cli.serve.stopped", &[]));
    Ok(())
}

/// What a sweep did, in one line for the log and the shell.
fn sweep_line(r: &jindu_store::service::casework::SweepReport, took: std::time::Duration) -> String {
    say(
        "cli.sweep.done",
        &[
            ("persons", r.persons.to_string()),
            ("assessed", r.assessed.to_string()),
            ("lost", r.lost.to_string()),
            ("raised", r.alerts_raised.to_string()),
            ("resolved", r.alerts_resolved.to_string()),
            ("secs", format!("{:.1}", took.as_secs_f64())),
        ],
    )
}

/// Seconds between sweeps of a running server (local default).
const SWEEP_EVERY_SECS: u64 = 3600;

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Backup { db: url, to, keys: key_args } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open_keys(&conn, &url, &key_args).await?;
            let report = jindu_store::backup::backup(&conn, &url, &to).await?;
            // The copy's audit chain, read with the deployment's keys (PostgreSQL: the database the
            // dump was taken from, sealed first).
            let verdict = match report.backend {
                db::Backend::Sqlite => {
                    let copy = db::connect_existing(&format!("sqlite://{}", to.display())).await?;
                    let v = audit::verify(&copy, &vault).await.map_err(explain)?;
                    copy.close().await?;
                    v
                }
                db::Backend::Postgres => {
                    audit::seal(&conn, &vault, Now::system()).await.map_err(explain)?;
                    audit::verify(&conn, &vault).await.map_err(explain)?
                }
            };
            if !matches!(verdict, jindu_store::service::audit::Verdict::Intact { .. }) {
                bail!("{}", both(&verdict.message()));
            }
            let written = sentence(
                "cli.backup.written",
                &[("file", to.display().to_string()), ("mb", format!("{:.1}", report.bytes as f64 / 1_048_576.0))],
            );
            println!("{}", both(&written.nested("verdict", verdict.message())));
            println!(
                "{}",
                say("cli.backup.key_file_apart", &[("key_file", key_args.path(&url).display().to_string())])
            );
            Ok(())
        }
        Command::Restore { from, db: url, keys: key_args } => {
            let conn = jindu_store::backup::restore(&from, &url).await?;
            let vault = match keys::open_keys(&conn, &url, &key_args).await {
                Ok(v) => v,
                Err(e) => bail!("{e}\n{}", say("cli.restore.unverified", &[("url", url.clone())])),
            };
            let verdict = audit::verify(&conn, &vault).await.map_err(explain)?;
            if !matches!(verdict, jindu_store::service::audit::Verdict::Intact { .. }) {
                let failed = sentence("cli.restore.failed_verification", &[("url", url.clone())]);
                bail!("{}", both(&failed.nested("verdict", verdict.message())));
            }
            let done = sentence("cli.restore.done", &[("url", url.clone())]);
            println!("{}", both(&done.nested("verdict", verdict.message())));
            Ok(())
        }
        Command::Sweep { db: url, batch, keys: key_args } => {
            let conn = db::connect_existing(&url).await?;
            let started = Instant::now();
            let r = jindu_store::service::casework::sweep(&conn, Now::system(), batch).await.map_err(explain)?;
            match keys::open_keys(&conn, &url, &key_args).await {
                Ok(vault) => {
                    audit::seal(&conn, &vault, Now::system()).await.map_err(explain)?;
                }
                Err(e) => eprintln!("{}: {e}", say("cli.sweep.not_sealed", &[])),
            }
            println!("{}", sweep_line(&r, started.elapsed()));
            Ok(())
        }
        Command::Init { division, db: url, admin, keys: key_args, algorithm } => {
            let code = DivisionCode::parse(&division).map_err(|e| anyhow::anyhow!("{}", both(&e.message())))?;
            let algorithm = jindu_crypto::Algorithm::from_code(&algorithm).map_err(|e| anyhow::anyhow!("{e}"))?;
            let conn = db::connect(&url).await?;
            if let Some(root) = deployment::root(&conn).await.map_err(explain)? {
                bail!("{}", say("cli.init.already", &[("place", root.name_path.clone())]));
            }
            let key_path = key_args.path(&url);
            let (vault, created) = keys::load_or_create(&key_path, algorithm)?;
            deployment::check_keys(&conn, &vault).await.map_err(explain)?;
            if created {
                println!(
                    "{}",
                    say(
                        "cli.init.keys_written",
                        &[
                            ("file", key_path.display().to_string()),
                            ("algorithm", vault.ring().algorithm().as_code().to_string()),
                        ],
                    )
                );
            }
            let started = Instant::now();
            let n = jindu_store::service::setup::init(&conn, code).await.map_err(explain)?;
            let secs = format!("{:.1}", started.elapsed().as_secs_f64());
            println!("{}", say("cli.init.divisions", &[("n", n.to_string()), ("secs", secs)]));
            let password = generated_password();
            let admin_id = users::add(
                &conn,
                Now::system(),
                users::NewUser {
                    username: admin.clone(),
                    display_name: "系统管理员".into(),
                    password: Some(password.clone()),
                    role: jindu_domain::Role::SystemAdmin.as_code().into(),
                    division: code,
                    workstation_id: None,
                    must_change_password: true,
                    member_unit: None,
                },
            )
            .await
            .map_err(explain)?;
            let who = audit::Who::cli();
            audit::record(&conn, &who, Now::system(), audit::Entry::ok("config.init", "division", code))
                .await
                .map_err(explain)?;
            audit::record(&conn, &who, Now::system(), audit::Entry::ok("user.create", "user", admin_id))
                .await
                .map_err(explain)?;
            println!(
                "{}  {}",
                labelled("cli.init.administrator", &admin),
                labelled("cli.init.initial_password", &password)
            );
            println!("{}", say("cli.init.keep_password", &[]));
            println!("{}", say("cli.init.admin_sees_no_cases", &[]));
            Ok(())
        }
        Command::Serve { db: url, listen, keys: key_args, behind_tls, import_jobs, import_jobs_per_user } => {
            let conn = db::connect_existing(&url).await?;
            // A damaged SQLite file is refused before anything is served or written to it.
            jindu_store::backup::integrity(&conn).await?;
            if deployment::root(&conn).await.map_err(explain)?.is_none() {
                bail!("{}", say("cli.db.not_initialised", &[]));
            }
            let vault = keys::open(&conn, &url, &key_args).await?;
            let demo_flag = deployment::is_demo(&conn).await.map_err(explain)?;
            let limits = jindu_web::import_page::JobLimits {
                per_user: usize::from(import_jobs_per_user),
                total: usize::from(import_jobs),
            };
            serve(&url, conn, vault, listen, demo_flag, behind_tls, limits).await
        }
        Command::Demo { db: url, listen, seed, persons, no_serve, keys: key_args } => {
            let started = Instant::now();
            let conn = db::connect(&url).await?;
            if deployment::root(&conn).await.map_err(explain)?.is_some()
                && !deployment::is_demo(&conn).await.map_err(explain)?
            {
                bail!("{}", say("cli.demo.real_database", &[("url", url.clone())]));
            }
            let key_path = key_args.path(&url);
            if !key_path.exists()
                && std::env::var_os(jindu_store::vault::KEY_ENV_VAR).is_none()
                && deployment::get_setting(&conn, deployment::KEY_CHECK_KEY).await.map_err(explain)?.is_some()
            {
                bail!(
                    "{}",
                    say(
                        "cli.demo.key_file_missing",
                        &[("url", url.clone()), ("key_file", key_path.display().to_string())]
                    )
                );
            }
            let (vault, _) = keys::load_or_create(&key_path, jindu_crypto::Algorithm::Aes256Gcm)?;
            if let Err(e) = deployment::check_keys(&conn, &vault).await {
                bail!(
                    "{}\n{}",
                    explain(e),
                    say("cli.demo.keys_mismatch", &[("key_file", key_path.display().to_string())])
                );
            }
            if keys::refuse_plaintext(&conn).await.is_err() {
                bail!("{}", say("cli.demo.plaintext", &[("url", url.clone())]));
            }
            let summary = demo::generate(&conn, &vault, Now::system(), seed, persons).await.map_err(explain)?;
            let secs = started.elapsed().as_secs_f64();
            if summary.generated {
                let args = [
                    ("registered", summary.registered.to_string()),
                    ("events", summary.events.to_string()),
                    ("workers", summary.social_workers.to_string()),
                    ("secs", format!("{secs:.1}")),
                    ("records", summary.persons.to_string()),
                ];
                println!("{}", say("cli.demo.generated", &args));
            } else {
                let args = [("persons", summary.persons.to_string()), ("events", summary.events.to_string())];
                println!("{}", say("cli.demo.reused", &args));
            }
            let mut others: Vec<&str> = demo::DEMO_ROLE_ACCOUNTS.iter().map(|(u, _, _)| *u).collect();
            others.push(demo::DEMO_ENTERPRISE_ACCOUNT);
            let accounts = [
                ("office", demo::DEMO_ADMIN.to_string()),
                ("social_worker", demo::DEMO_SOCIAL_WORKER.to_string()),
                ("others", others.join(", ")),
                ("password", demo::DEMO_PASSWORD.to_string()),
            ];
            println!("{}", say("cli.demo.accounts", &accounts));
            if no_serve {
                return Ok(());
            }
            serve(&url, conn, vault, listen, true, false, jindu_web::import_page::JobLimits::default()).await
        }
        Command::Audit { command: AuditCommand::Verify { db: url, anchor, keys: key_args } } => {
            let conn = db::connect_existing(&url).await?;
            // A chain read from a damaged file proves nothing: the file is checked first.
            jindu_store::backup::integrity(&conn).await?;
            let vault = keys::open_keys(&conn, &url, &key_args).await?;
            audit::seal(&conn, &vault, Now::system()).await.map_err(explain)?;
            let verdict = match anchor {
                Some(path) => {
                    let text = std::fs::read_to_string(&path)
                        .with_context(|| say("cli.audit.anchor_unreadable", &[("file", path.display().to_string())]))?;
                    let anchor = audit::Seal::parse(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", say("cli.audit.anchor_malformed", &[])))?;
                    audit::verify_anchor(&conn, &vault, &anchor).await.map_err(explain)?
                }
                None => audit::verify(&conn, &vault).await.map_err(explain)?,
            };
            if matches!(verdict, jindu_store::service::audit::Verdict::Intact { .. }) {
                println!("{}", both(&verdict.message()));
                Ok(())
            } else {
                bail!("{}", both(&verdict.message()))
            }
        }
        Command::Audit { command: AuditCommand::Anchor { db: url, out, keys: key_args } } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open_keys(&conn, &url, &key_args).await?;
            let seal = audit::anchor(&conn, &vault, Now::system()).await.map_err(explain)?;
            let json = seal.to_json();
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{json}\n"))
                        .with_context(|| say("cli.audit.anchor_unwritable", &[("file", path.display().to_string())]))?;
                    let args = [
                        ("seal", seal.n.to_string()),
                        ("seq", seal.seq.to_string()),
                        ("at", seal.at.to_string()),
                        ("file", path.display().to_string()),
                    ];
                    println!("{}", say("cli.audit.anchor_exported", &args));
                }
                None => println!("{json}"),
            }
            Ok(())
        }
        Command::Audit { command: AuditCommand::Prune { db: url, keys: key_args } } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open_keys(&conn, &url, &key_args).await?;
            let months = audit::retention_months(&conn).await.map_err(explain)?;
            let n = audit::prune(&conn, &vault, &audit::Who::cli(), Now::system()).await.map_err(explain)?;
            println!("{}", say("cli.audit.pruned", &[("n", n.to_string()), ("months", months.to_string())]));
            Ok(())
        }
        Command::Bench { command: BenchCommand::Pages { db: url, persons, requests, security } } => {
            bench::run(url, persons, requests, &security).await
        }
        Command::Bench { command: BenchCommand::Precursors { db: url, enterprises, movements, samples } } => {
            bench_precursors::run(bench_precursors::Options { url, enterprises, movements, samples }).await
        }
        Command::Bench { command: BenchCommand::Writers { db: url, persons, readers, writers, seconds } } => {
            bench_writers::run(bench_writers::Options { url, persons, readers, writers, seconds }).await
        }
        Command::Bench { command: BenchCommand::Indicators { persons, db: url, requests, writes, within } } => {
            let within = match within {
                Some(w) => {
                    Some(DivisionCode::parse(&w).map_err(|e| anyhow::anyhow!("--within: {}", both(&e.message())))?)
                }
                None => None,
            };
            if let Some(w) = within {
                let district = DivisionCode::parse(jindu_demo::synthetic::DISTRICT)?;
                anyhow::ensure!(
                    w.contains(&district),
                    "{}",
                    say("cli.bench.within_district", &[("code", w.prefix().to_string())])
                );
            }
            anyhow::ensure!(
                !persons.is_empty() && persons.iter().all(|n| *n >= 10),
                "{}",
                say("cli.bench.persons_min", &[])
            );
            bench_indicators::run(bench_indicators::Options {
                db: url,
                persons,
                requests: requests.max(1),
                writes,
                within,
            })
            .await
        }
        Command::Keys { command } => keys::run(command).await,
        Command::Report { command } => report::run(command).await,
        Command::Import { command } => import::run(command).await,
        Command::Token { command } => token::run(command).await,
        Command::Workstation { command } => workstation::run(command).await,
        Command::Precursors { command } => precursors::run(command).await,
        Command::Transfer { command } => transfer::run(command).await,
        Command::User { command: UserCommand::Reset { db: url, username, action } } => {
            let conn = db::connect_existing(&url).await?;
            match jindu_store::service::admin::user_action_from_shell(&conn, Now::system(), &username, &action)
                .await
                .map_err(explain)?
            {
                Some(p) => println!("{username} {}", labelled("cli.user.new_password", p)),
                None => println!("{}", labelled("cli.user.done", format!("{action} {username}"))),
            }
            Ok(())
        }
        Command::User { command: UserCommand::Edit { db: url, username, role, division, member_unit } } => {
            let conn = db::connect_existing(&url).await?;
            // User names are case-insensitive: printed as stored.
            let username = username.trim().to_lowercase();
            let changes = jindu_store::service::admin::edit_user_from_shell(
                &conn,
                Now::system(),
                &username,
                role.as_deref(),
                division.as_deref(),
                member_unit.as_deref(),
            )
            .await
            .map_err(explain)?;
            if changes.changed.is_empty() {
                println!("{}", labelled("cli.user.unchanged", &username));
            }
            for (action, old, new) in &changes.changed {
                println!("{action} {username}: {old} → {new}");
            }
            if changes.tokens_revoked > 0 {
                println!("{}", labelled("cli.user.tokens_revoked", changes.tokens_revoked));
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { db: url, username, display_name, role, division, member_unit, enterprise },
        } => {
            let conn = db::connect_existing(&url).await?;
            let root =
                deployment::root(&conn).await.map_err(explain)?.with_context(|| say("cli.db.not_initialised", &[]))?;
            let division = match division {
                Some(d) => {
                    let code = DivisionCode::parse(&d).map_err(|e| anyhow::anyhow!("{}", both(&e.message())))?;
                    if !root.code.contains(&code)
                        || deployment::division_by_code(&conn, code).await.map_err(explain)?.is_none()
                    {
                        bail!("{}", say("cli.user.division_outside", &[("code", d.clone())]));
                    }
                    code
                }
                None => root.code,
            };
            let password = secret("JINDU_PASSWORD", "cli.user.password_prompt", "cli.user.no_password")?;
            let input = users::NewUser {
                display_name: display_name.unwrap_or_else(|| username.clone()),
                username,
                password: Some(password),
                role,
                division,
                workstation_id: None,
                must_change_password: true,
                member_unit,
            };
            let id = if input.role.trim() == jindu_domain::Role::Enterprise.as_code() || enterprise.is_some() {
                // The account, its link and both audit records in one unit of work.
                let code = enterprise.unwrap_or_default();
                jindu_store::service::enterprises::add_account(&conn, audit::Who::cli(), Now::system(), input, &code)
                    .await
                    .map_err(explain)?
            } else {
                let id = users::add(&conn, Now::system(), input).await.map_err(explain)?;
                audit::record(&conn, &audit::Who::cli(), Now::system(), audit::Entry::ok("user.create", "user", id))
                    .await
                    .map_err(explain)?;
                id
            };
            println!("{}", labelled("cli.user.created", id));
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()))
        .init();
    if let Err(e) = run(Cli::parse()).await {
        // The top message, then causes it does not already contain (no triple repeats).
        let mut msg = error_words(e.as_ref());
        for cause in e.chain().skip(1) {
            let c = error_words(cause);
            if !msg.contains(&c) {
                msg.push_str(": ");
                msg.push_str(&c);
            }
        }
        eprintln!("{}", labelled("cli.error", msg));
        std::process::exit(if e.downcast_ref::<UsageError>().is_some() { 2 } else { 1 });
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use clap::CommandFactory;

    use super::*;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }

    /// The keys of `locales/cli.yml` with their zh-CN and en texts, read as written.
    fn cli_catalogue() -> BTreeMap<String, (String, String)> {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../jindu-messages/locales/cli.yml");
        let text = std::fs::read_to_string(path).unwrap();
        let mut out: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut key = String::new();
        for line in text.lines() {
            if let Some(k) = line.strip_suffix(':').filter(|_| !line.starts_with(' ') && !line.starts_with('#')) {
                key = k.to_string();
                out.insert(key.clone(), Default::default());
            } else if let Some(v) = line.strip_prefix("  zh-CN: ") {
                out.get_mut(&key).unwrap().0 = v.to_string();
            } else if let Some(v) = line.strip_prefix("  en: ") {
                out.get_mut(&key).unwrap().1 = v.to_string();
            }
        }
        out
    }

    /// Every `"cli.…"` literal in `crates/jindu-cli/src/*.rs`, with where it is written.
    fn keys_in_source() -> BTreeMap<String, String> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
        let mut out = BTreeMap::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for (n, line) in text.lines().enumerate() {
                let mut rest = line;
                while let Some(i) = rest.find("\"cli.") {
                    let after = &rest[i + 1..];
                    let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')).unwrap_or(0);
                    if after[end..].starts_with('"') && !after[..end].ends_with('.') {
                        out.entry(after[..end].to_string()).or_insert_with(|| format!("{}:{}", path.display(), n + 1));
                    }
                    rest = &after[end..];
                }
            }
        }
        out
    }

    /// Every sentence the CLI prints is in the catalogue in both languages (a missing one would
    /// print its bare key), and every `cli.*` entry is printed somewhere.
    #[test]
    fn every_cli_key_is_in_the_catalogue_and_every_entry_is_used() {
        let catalogue = cli_catalogue();
        let used = keys_in_source();
        assert!(used.len() > 100 && used.contains_key("cli.init.divisions"), "the walk finds keys: {used:?}");
        for (key, at) in &used {
            assert!(catalogue.contains_key(key), "{at}: {key} is not in locales/cli.yml");
            for lang in ["zh", "en"] {
                assert_ne!(jindu_messages::t(key, lang), *key, "{at}: {key} has no {lang} text");
            }
        }
        let unused: Vec<_> = catalogue.keys().filter(|k| !used.contains_key(*k)).collect();
        assert!(unused.is_empty(), "entries of cli.yml the CLI never prints (remove them): {unused:?}");
        for (key, (zh, en)) in &catalogue {
            assert!(key.starts_with("cli."), "{key}: cli.yml holds the cli.* keys only");
            assert_eq!(placeholders(zh), placeholders(en), "{key}: placeholders differ");
        }
    }

    #[test]
    fn say_prints_chinese_then_english_with_the_values() {
        assert_eq!(
            say("cli.init.divisions", &[("n", "88".into()), ("secs", "0.3".into())]),
            "已载入区划 88 个（0.3 秒） / loaded 88 divisions in 0.3 s"
        );
        assert_eq!(labelled("cli.keys.new_version", 2), "新密钥版本 / new key version: 2");
        let line = sentence("cli.import.row_problem", &[("row", "3".into()), ("field", "name".into())])
            .nested("problem", Message::bilingual("甲。", "A."));
        assert_eq!(both(&line), "第 3 行 [name]：甲。 / row 3 [name]: A.");
    }

    #[test]
    #[should_panic(expected = "cli.init.divisions: the parameters given are the sentence's placeholders")]
    fn say_refuses_a_missing_parameter_in_tests() {
        say("cli.init.divisions", &[("n", "88".into())]);
    }

    #[test]
    fn placeholders_are_found() {
        assert_eq!(placeholders("a %{b} c %{d}%{b} %{"), BTreeSet::from(["b", "d"]));
    }
}
