//! `jindu`: the command line of the Jindu drug-control platform.

use std::net::SocketAddr;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_store::service::{FieldError, ServiceError, audit, deployment, users};
use jindu_store::{db, demo};
use jindu_web::{AppState, Clock};
use rand::Rng;

mod bench;
mod token;

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
    },
    /// 启动服务 / Serve the web application.
    Serve {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
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
        /// Number of synthetic persons (the speech's figure by default).
        #[arg(long, default_value_t = demo::DEMO_PERSONS)]
        persons: usize,
        /// Generate (or reuse) the data and exit without serving.
        #[arg(long)]
        no_serve: bool,
    },
    /// 性能测试 / Benchmarks that print figures (no pass/fail).
    /// 审计日志 / The audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// 用户管理 / Accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// API令牌 / API tokens for the JSON API.
    Token {
        #[command(subcommand)]
        command: token::TokenCommand,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// 校验哈希链 / Verify the hash chain; exit 1 at the first changed, inserted or deleted record.
    Verify {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
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
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// 新增用户 / Add an account. The password is read from JINDU_PASSWORD or asked for.
    Add {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: Option<String>,
        /// Role: system_admin, office, town_officer, social_worker, police, member_unit, leader, auditor.
        #[arg(long)]
        role: String,
        /// Division code of the user's unit; defaults to the deployment's root.
        #[arg(long)]
        division: Option<String>,
    },
}

fn explain(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Invalid(errs) => anyhow::anyhow!(
            "{}",
            errs.iter().map(|e: &FieldError| format!("{} / {}", e.zh, e.en)).collect::<Vec<_>>().join("\n")
        ),
        other => anyhow::anyhow!("{other}"),
    }
}

fn generated_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    let body: String = (0..14).map(|_| CHARS[rng.random_range(0..CHARS.len())] as char).collect();
    format!("{body}-7a")
}

async fn serve(db_url: &str, conn: jindu_store::DatabaseConnection, listen: SocketAddr, demo_flag: bool) -> Result<()> {
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("无法监听 / cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    println!("Jindu 正在运行 / serving {db_url} at http://{addr}/");
    jindu_web::serve(listener, AppState::new(conn, Clock::System, demo_flag)).await?;
    Ok(())
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Init { division, db: url, admin } => {
            let code = DivisionCode::parse(&division)
                .map_err(|e| anyhow::anyhow!("{} / {}", e.message_zh(), e.message_en()))?;
            let conn = db::connect(&url).await?;
            if let Some(root) = deployment::root(&conn).await.map_err(explain)? {
                bail!(
                    "该数据库已初始化（辖区：{}）；新增账号请用 jindu user add / this database is already initialised for {}; add accounts with jindu user add",
                    root.name_path,
                    root.code.prefix()
                );
            }
            let started = Instant::now();
            let n = deployment::init(&conn, code).await.map_err(explain)?;
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
        Command::Serve { db: url, listen } => {
            let conn = db::connect_existing(&url).await?;
            if deployment::root(&conn).await.map_err(explain)?.is_none() {
                bail!(
                    "数据库尚未初始化，请先运行 jindu init --division CODE / the database is not initialised: run jindu init --division CODE first"
                );
            }
            let demo_flag = deployment::is_demo(&conn).await.map_err(explain)?;
            serve(&url, conn, listen, demo_flag).await
        }
        Command::Demo { db: url, listen, seed, persons, no_serve } => {
            let started = Instant::now();
            let conn = db::connect(&url).await?;
            let summary = demo::generate(&conn, Now::system(), seed, persons).await.map_err(explain)?;
            let secs = started.elapsed().as_secs_f64();
            if summary.generated {
                println!(
                    "演示数据已生成 / demo data generated: {} 人 persons, {} 条记录 events, {} 名社工 social workers, {secs:.1} s",
                    summary.persons, summary.events, summary.social_workers
                );
            } else {
                println!(
                    "沿用已有演示数据 / reusing the existing demo database: {} 人 persons, {} 条记录 events",
                    summary.persons, summary.events
                );
            }
            let others: Vec<&str> = demo::DEMO_ROLE_ACCOUNTS.iter().map(|(u, _, _)| *u).collect();
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
            serve(&url, conn, listen, true).await
        }
        Command::Audit { command: AuditCommand::Verify { db: url } } => {
            let conn = db::connect_existing(&url).await?;
            let verdict = jindu_store::service::audit::verify(&conn).await.map_err(explain)?;
            if matches!(verdict, jindu_store::service::audit::Verdict::Intact { .. }) {
                println!("{}", verdict.message());
                Ok(())
            } else {
                bail!("{}", verdict.message())
            }
        }
        Command::Bench { command: BenchCommand::Pages { db: url, persons, requests } } => {
            let (url, temp) = match url {
                Some(u) => (u, None),
                None => {
                    let dir = std::env::temp_dir().join(format!("jindu-bench-{}", std::process::id()));
                    std::fs::create_dir_all(&dir)?;
                    (format!("sqlite://{}", dir.join("bench.db").display()), Some(dir))
                }
            };
            let res = bench::pages(&url, persons, requests).await;
            if let Some(dir) = temp {
                let _ = std::fs::remove_dir_all(dir);
            }
            res
        }
        Command::Token { command } => token::run(command).await,
        Command::User { command: UserCommand::Add { db: url, username, display_name, role, division } } => {
            let conn = db::connect_existing(&url).await?;
            let root = deployment::root(&conn)
                .await
                .map_err(explain)?
                .context("数据库尚未初始化 / the database is not initialised")?;
            let division = match division {
                Some(d) => {
                    let code = DivisionCode::parse(&d)
                        .map_err(|e| anyhow::anyhow!("{} / {}", e.message_zh(), e.message_en()))?;
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
            let id = users::add(
                &conn,
                Now::system(),
                users::NewUser {
                    display_name: display_name.unwrap_or_else(|| username.clone()),
                    username,
                    password: Some(password),
                    role,
                    division,
                    workstation_id: None,
                    must_change_password: true,
                },
            )
            .await
            .map_err(explain)?;
            audit::record(&conn, &audit::Who::cli(), Now::system(), audit::Entry::ok("user.create", "user", id))
                .await
                .map_err(explain)?;
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
        std::process::exit(1);
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
