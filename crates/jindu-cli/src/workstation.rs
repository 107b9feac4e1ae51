//! `jindu workstation list|add|staff`: the 社区戒毒(康复)工作站 of the towns and their social
//! workers from the command line, as the 工作站 page keeps them (a sheet of many:
//! `jindu import workstations FILE`). Acts as an existing account (`--username`, which needs
//! 系统配置 to change anything), which the audit log names.

use std::io::Write;

use anyhow::{Result, bail};
use clap::Subcommand;
use jindu_domain::clock::Now;
use jindu_domain::indicator::Unit;
use jindu_store::db;
use jindu_store::service::{Actor, users, workstations};
use uuid::Uuid;

use crate::{UsageError, explain, labelled, say};

#[derive(Subcommand, Debug)]
pub enum WorkstationCommand {
    /// 工作站名册 / List the workstations in the account's scope with their staff and the coverage.
    List(Account),
    /// 新建工作站 / Open a workstation at a town.
    Add {
        #[command(flatten)]
        account: Account,
        /// 工作站名称.
        #[arg(long)]
        name: String,
        /// The town: 12- or 9-digit code or name (广东路街道).
        #[arg(long)]
        town: String,
        #[arg(long, default_value = "")]
        address: String,
        /// 成立日期, e.g. 2019-06-26.
        #[arg(long, default_value = "")]
        opened_on: String,
    },
    /// 添加社工 / Add a social worker (user name or name) to a workstation's staff.
    Staff {
        #[command(flatten)]
        account: Account,
        /// The workstation's id (from `list`).
        #[arg(long)]
        id: String,
        /// The social worker's user name (or name).
        #[arg(long)]
        worker: String,
    },
}

/// The database and the account a command acts as (its permissions and scope bound the work).
#[derive(clap::Args, Debug)]
pub struct Account {
    #[arg(long, default_value = "sqlite://jindu.db")]
    db: String,
    #[arg(long)]
    username: String,
}

impl Account {
    /// Opens the database and finds the account.
    async fn open(&self) -> Result<(jindu_store::DatabaseConnection, Actor)> {
        let conn = db::connect_existing(&self.db).await?;
        let username = &self.username;
        match users::actor_by_username(&conn, username).await.map_err(explain)? {
            Some(actor) => Ok((conn, actor)),
            None => bail!("{}", say("cli.user.unknown", &[("username", username.to_string())])),
        }
    }
}

pub async fn run(command: WorkstationCommand) -> Result<()> {
    match command {
        WorkstationCommand::List(account) => {
            let (conn, actor) = account.open().await?;
            let now = Now::system();
            let rows = workstations::list(&conn, &actor).await.map_err(explain)?;
            let cov = workstations::coverage(&conn, &actor, now.today).await.map_err(explain)?;
            // Written with errors handled: `| head` closing the pipe ends the listing quietly.
            let coverage = [
                ("figure", cov.figure.display(Unit::Percent)),
                ("covered", cov.covered.to_string()),
                ("towns", cov.towns.to_string()),
            ];
            let mut lines = vec![say("cli.workstation.coverage", &coverage)];
            for w in rows {
                let staff: Vec<String> =
                    w.staff.iter().map(|s| format!("{}({})", s.display_name, s.username)).collect();
                lines.push(format!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    w.id,
                    w.name,
                    w.town_path,
                    w.opened_on.map(|d| d.to_string()).unwrap_or_else(|| "-".into()),
                    w.address,
                    staff.join("、")
                ));
            }
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
        WorkstationCommand::Add { account, name, town, address, opened_on } => {
            let (conn, actor) = account.open().await?;
            let form = workstations::WorkstationForm { name, town, address, opened_on };
            let id = workstations::create(&conn, &actor, Now::system(), &form).await.map_err(explain)?;
            println!("{}", labelled("cli.workstation.created", id));
            Ok(())
        }
        WorkstationCommand::Staff { account, id, worker } => {
            let Ok(id) = Uuid::parse_str(id.trim()) else {
                return Err(UsageError(say("cli.workstation.id_malformed", &[("id", id.clone())])).into());
            };
            let (conn, actor) = account.open().await?;
            workstations::add_staff(&conn, &actor, Now::system(), id, &worker).await.map_err(explain)?;
            println!("{}", labelled("cli.workstation.staff_added", &worker));
            Ok(())
        }
    }
}
