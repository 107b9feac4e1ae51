//! `jindu`: the command line of the Jindu drug-control platform.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use jindu_demo::district as demo;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::service::{FieldError, ServiceError, audit, deployment, users};
use jindu_web::{AppState, Clock};
use rand::Rng;

mod bench;
mod bench_indicators;
mod bench_writers;
mod import;
mod keys;
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

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errs) => {
            anyhow::anyhow!("{}", errs.iter().map(|e: &FieldError| both(&e.message)).collect::<Vec<_>>().join("\n"))
        }
        ServiceError::Refused(e) => anyhow::anyhow!("{}", both(&e.message)),
        other => anyhow::anyhow!("{other}"),
    }
}

/// A catalogue message as the CLI prints it: `中文 / English`.
pub(crate) fn both(message: &jindu_domain::message::Message) -> String {
    let (zh, en) = jindu_messages::render_both(message);
    format!("{zh} / {en}")
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
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听 / cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Jindu 正在运行 / serving {db_url} at http://{addr}/");
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
    println!("Jindu 已停止 / stopped");
    Ok(())
}

/// What a sweep did, in one line for the log and the shell.
fn sweep_line(r: &jindu_store::service::casework::SweepReport, took: std::time::Duration) -> String {
    format!(
        "巡检完成 / sweep done: {} 人 persons, {} 次评估 assessed, {} 人按规则失控 lost by rule, 新预警 {} raised, 解除 {} resolved ({:.1} s)",
        r.persons,
        r.assessed,
        r.lost,
        r.alerts_raised,
        r.alerts_resolved,
        took.as_secs_f64()
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
            println!(
                "备份完成 / backup written: {} ({:.1} MB, 0600); {}",
                to.display(),
                report.bytes as f64 / 1_048_576.0,
                both(&verdict.message())
            );
            println!(
                "密钥文件 {} 不在备份中：请另行妥善保管，没有它备份无法读取 / the key file {} is not in the backup: keep a copy apart; without it the backup cannot be read",
                key_args.path(&url).display(),
                key_args.path(&url).display()
            );
            Ok(())
        }
        Command::Restore { from, db: url, keys: key_args } => {
            let conn = jindu_store::backup::restore(&from, &url).await?;
            let vault = match keys::open_keys(&conn, &url, &key_args).await {
                Ok(v) => v,
                Err(e) => bail!(
                    "{e}\n已恢复到 {url}，但未能核验审计日志：请用 --key-file 指定原系统的密钥文件后运行 jindu audit verify / restored to {url}, but the audit log was not verified: run jindu audit verify with --key-file of the original deployment"
                ),
            };
            let verdict = audit::verify(&conn, &vault).await.map_err(explain)?;
            if !matches!(verdict, jindu_store::service::audit::Verdict::Intact { .. }) {
                bail!(
                    "已恢复到 {url}，但审计日志核验未通过 / restored to {url}, but the audit log failed verification: {}",
                    both(&verdict.message())
                );
            }
            println!("恢复完成 / restored into {url}; {}", both(&verdict.message()));
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
                Err(e) => eprintln!(
                    "审计日志未签封（密钥不可用），将由服务或 jindu audit verify 签封 / audit log not sealed (keys unavailable: {e}); the server or jindu audit verify will seal it"
                ),
            }
            println!("{}", sweep_line(&r, started.elapsed()));
            Ok(())
        }
        Command::Init { division, db: url, admin, keys: key_args, algorithm } => {
            let code = DivisionCode::parse(&division).map_err(|e| anyhow::anyhow!("{}", both(&e.message())))?;
            let algorithm = jindu_crypto::Algorithm::from_code(&algorithm).map_err(|e| anyhow::anyhow!("{e}"))?;
            let conn = db::connect(&url).await?;
            if let Some(root) = deployment::root(&conn).await.map_err(explain)? {
                bail!(
                    "该数据库已初始化（辖区：{}）；新增账号请用 jindu user add / this database is already initialised for {}; add accounts with jindu user add",
                    root.name_path,
                    root.code.prefix()
                );
            }
            let key_path = key_args.path(&url);
            let (vault, created) = keys::load_or_create(&key_path, algorithm)?;
            deployment::check_keys(&conn, &vault).await.map_err(explain)?;
            if created {
                println!(
                    "已生成加密密钥 / field-encryption keys written to {}（{}，权限 0600）；请备份，丢失后数据无法解密 / back it up: without it the data cannot be read",
                    key_path.display(),
                    vault.ring().algorithm().as_code()
                );
            }
            let started = Instant::now();
            let n = jindu_store::service::setup::init(&conn, code).await.map_err(explain)?;
            println!(
                "已载入区划 {n} 个（{:.1} 秒）/ loaded {n} divisions in {:.1} s",
                started.elapsed().as_secs_f64(),
                started.elapsed().as_secs_f64()
            );
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
            println!("管理员 / administrator: {admin}  初始密码 / initial password: {password}");
            println!("请妥善保管，首次登录后修改 / keep it safe and change it after the first sign-in.");
            println!(
                "系统管理员不能查看案件数据；请用 jindu user add --role office 创建禁毒办账号 / the system administrator sees no case data: create office accounts with jindu user add --role office"
            );
            Ok(())
        }
        Command::Serve { db: url, listen, keys: key_args, behind_tls, import_jobs, import_jobs_per_user } => {
            let conn = db::connect_existing(&url).await?;
            // A damaged SQLite file is refused before anything is served or written to it.
            jindu_store::backup::integrity(&conn).await?;
            if deployment::root(&conn).await.map_err(explain)?.is_none() {
                bail!(
                    "数据库尚未初始化，请先运行 jindu init --division CODE / the database is not initialised: run jindu init --division CODE first"
                );
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
                bail!(
                    "{url} 是正式数据库（由 jindu init 创建），演示数据不能写入其中 / {url} is a real database (made by jindu init): the demo will not write invented persons and demo accounts into it"
                );
            }
            let key_path = key_args.path(&url);
            if !key_path.exists()
                && std::env::var_os(jindu_store::vault::KEY_ENV_VAR).is_none()
                && deployment::get_setting(&conn, deployment::KEY_CHECK_KEY).await.map_err(explain)?.is_some()
            {
                bail!(
                    "演示数据库 {url} 的密钥文件 {} 不存在，删除演示数据库后重试 / the key file {} of demo database {url} is missing: delete the demo database and run again",
                    key_path.display(),
                    key_path.display()
                );
            }
            let (vault, _) = keys::load_or_create(&key_path, jindu_crypto::Algorithm::Aes256Gcm)?;
            if let Err(e) = deployment::check_keys(&conn, &vault).await {
                bail!(
                    "{}；演示数据库与密钥文件 {} 不配套，删除演示数据库后重试 / the demo database does not match key file {}: delete the demo database and run again",
                    explain(e),
                    key_args.path(&url).display(),
                    key_args.path(&url).display()
                );
            }
            if keys::refuse_plaintext(&conn).await.is_err() {
                bail!(
                    "演示数据库由旧版本生成（人员信息未加密），请删除 {} 后重新运行 / the demo database was made by an older version without encryption: delete it and run again",
                    url
                );
            }
            let summary = demo::generate(&conn, &vault, Now::system(), seed, persons).await.map_err(explain)?;
            let secs = started.elapsed().as_secs_f64();
            if summary.generated {
                println!(
                    "演示数据已生成 / demo data generated: {} 人 persons, {} 条记录 events, {} 名社工 social workers, {secs:.1} s; 在册 {} 人 registered of {} 份档案 records (死亡、戒断三年、解除 not registered)",
                    summary.registered, summary.events, summary.social_workers, summary.registered, summary.persons
                );
            } else {
                println!(
                    "沿用已有演示数据 / reusing the existing demo database: {} 人 persons, {} 条记录 events",
                    summary.persons, summary.events
                );
            }
            let mut others: Vec<&str> = demo::DEMO_ROLE_ACCOUNTS.iter().map(|(u, _, _)| *u).collect();
            others.push(demo::DEMO_ENTERPRISE_ACCOUNT);
            println!(
                "演示账号 / demo login: {}（禁毒办 office）, {}（社工 social worker）, {}；密码 / password: {}",
                demo::DEMO_ADMIN,
                demo::DEMO_SOCIAL_WORKER,
                others.join(", "),
                demo::DEMO_PASSWORD
            );
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
                    let text = std::fs::read_to_string(&path).with_context(|| {
                        format!("无法读取锚点文件 / cannot read the anchor file {}", path.display())
                    })?;
                    let anchor = audit::Seal::parse(&text).map_err(|e| {
                        anyhow::anyhow!("锚点文件格式不对 / the anchor file is not a Jindu audit anchor: {e}")
                    })?;
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
                    std::fs::write(&path, format!("{json}\n")).with_context(|| {
                        format!("无法写入锚点文件 / cannot write the anchor file {}", path.display())
                    })?;
                    println!(
                        "已导出审计锚点：签封 {}，序号 {}，时间 {} → {} / audit anchor exported: seal {}, sequence {}, at {} → {}",
                        seal.n,
                        seal.seq,
                        seal.at,
                        path.display(),
                        seal.n,
                        seal.seq,
                        seal.at,
                        path.display()
                    );
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
            println!(
                "已清理 {n} 条超过 {months} 个月的审计记录 / removed {n} audit records older than {months} months"
            );
            Ok(())
        }
        Command::Bench { command: BenchCommand::Pages { db: url, persons, requests, security } } => {
            bench::run(url, persons, requests, &security).await
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
                    "--within {} 必须包含珠晖区(430405)，例如 43、4304 或 430405 / --within {} must contain 珠晖区 (430405), e.g. 43, 4304 or 430405",
                    w.prefix(),
                    w.prefix()
                );
            }
            anyhow::ensure!(
                !persons.is_empty() && persons.iter().all(|n| *n >= 10),
                "--persons 每个规模至少 10 人 / --persons needs sizes of at least 10"
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
        Command::Transfer { command } => transfer::run(command).await,
        Command::User { command: UserCommand::Reset { db: url, username, action } } => {
            let conn = db::connect_existing(&url).await?;
            match jindu_store::service::admin::user_action_from_shell(&conn, Now::system(), &username, &action)
                .await
                .map_err(explain)?
            {
                Some(p) => println!("{username} 新初始密码 / new initial password: {p}"),
                None => println!("已完成 / done: {action} {username}"),
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
                println!("未改变 / nothing changed: {username}");
            }
            for (action, old, new) in &changes.changed {
                println!("{action} {username}: {old} → {new}");
            }
            if changes.tokens_revoked > 0 {
                println!("已作废接口令牌 / API tokens revoked: {}", changes.tokens_revoked);
            }
            Ok(())
        }
        Command::User {
            command: UserCommand::Add { db: url, username, display_name, role, division, member_unit, enterprise },
        } => {
            let conn = db::connect_existing(&url).await?;
            let root = deployment::root(&conn)
                .await
                .map_err(explain)?
                .context("数据库尚未初始化 / the database is not initialised")?;
            let division = match division {
                Some(d) => {
                    let code = DivisionCode::parse(&d).map_err(|e| anyhow::anyhow!("{}", both(&e.message())))?;
                    if !root.code.contains(&code)
                        || deployment::division_by_code(&conn, code).await.map_err(explain)?.is_none()
                    {
                        bail!("区划 {d} 不在本系统辖区内 / division {d} is outside this deployment");
                    }
                    code
                }
                None => root.code,
            };
            let password = match std::env::var("JINDU_PASSWORD") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("密码 / password: ")?,
            };
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
            println!("已创建用户 / account created: {id}");
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
        let mut msg = e.to_string();
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !msg.contains(&c) {
                msg.push_str(": ");
                msg.push_str(&c);
            }
        }
        eprintln!("错误 / error: {msg}");
        std::process::exit(if e.downcast_ref::<UsageError>().is_some() { 2 } else { 1 });
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        super::Cli::command().debug_assert();
    }
}
