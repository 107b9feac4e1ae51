//! `jindu token …`: API tokens for the JSON API (create, list, revoke).

use anyhow::{Result, bail};
use clap::Subcommand;
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::service::{audit, tokens};
use uuid::Uuid;

use crate::{explain, labelled, say};

#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// 创建API令牌（密钥只显示一次）/ Create an API token; the secret is shown once.
    Create {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// The user the token acts for; it gets the user's role.
        #[arg(long)]
        username: String,
        /// A name to recognise the token by, e.g. the calling system.
        #[arg(long)]
        name: String,
        /// Validity in days (1–365).
        #[arg(long, default_value_t = tokens::DEFAULT_DAYS)]
        days: u32,
        /// Division code to narrow the token to (inside the user's own); default the user's.
        #[arg(long)]
        division: Option<String>,
    },
    /// 列出用户的API令牌 / List a user's API tokens.
    List {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[arg(long)]
        username: String,
    },
    /// 吊销API令牌 / Revoke an API token.
    Revoke {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        /// The token id (from `jindu token list`).
        #[arg(long)]
        id: String,
    },
}

async fn owner(
    conn: &jindu_store::DatabaseConnection,
    username: &str,
) -> Result<(Uuid, jindu_domain::Role, DivisionCode)> {
    match tokens::owner(conn, username).await.map_err(explain)? {
        Some(o) => Ok(o),
        None => bail!("{}", say("cli.user.unknown", &[("username", username.to_string())])),
    }
}

/// An instant in Beijing time (UTC+8, no daylight saving since 1991), to the minute.
fn beijing(t: chrono::DateTime<chrono::Utc>) -> String {
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(offset) => t.with_timezone(&offset).format("%Y-%m-%d %H:%M").to_string(),
        None => t.format("%Y-%m-%d %H:%M UTC").to_string(),
    }
}

pub async fn run(command: TokenCommand) -> Result<()> {
    let now = Now::system();
    match command {
        TokenCommand::Create { db: url, username, name, days, division } => {
            let conn = db::connect_existing(&url).await?;
            let (user_id, role, own) = owner(&conn, &username).await?;
            let division = match division {
                Some(d) => DivisionCode::parse(&d).map_err(|e| anyhow::anyhow!("{}", crate::both(&e.message())))?,
                None => own,
            };
            let (id, secret) =
                tokens::create(&conn, now, user_id, &name, role, division, days).await.map_err(explain)?;
            audit::record(
                &conn,
                &audit::Who::cli(),
                now,
                audit::Entry::ok("token.create", "api_token", id).with_detail(format!("{username} {division} {days}d")),
            )
            .await
            .map_err(explain)?;
            println!("{}", labelled("cli.token.created", id));
            println!("{secret}");
            println!("{} (UTC+8)", labelled("cli.token.expires", beijing(tokens::expires_at(now, days))));
            println!("{}", say("cli.token.shown_once", &[]));
            Ok(())
        }
        TokenCommand::List { db: url, username } => {
            let conn = db::connect_existing(&url).await?;
            let (user_id, _, _) = owner(&conn, &username).await?;
            let list = tokens::list(&conn, user_id).await.map_err(explain)?;
            if list.is_empty() {
                println!("{}", say("cli.token.none", &[]));
            }
            let fmt = beijing;
            for t in list {
                let state = match (t.revoked_at, t.is_active(now)) {
                    (Some(r), _) => format!("{} {}", say("cli.token.state_revoked", &[]), fmt(r)),
                    (None, true) => say("cli.token.state_active", &[]),
                    (None, false) => say("cli.token.state_expired", &[]),
                };
                println!(
                    "{}  {}  {} {}  {} {}  {} {}  {}",
                    t.id,
                    t.name,
                    t.role.as_code(),
                    t.division_code,
                    say("cli.token.expires", &[]),
                    fmt(t.expires_at),
                    say("cli.token.last_used", &[]),
                    t.last_used_at.map(fmt).unwrap_or_else(|| "—".into()),
                    state
                );
            }
            Ok(())
        }
        TokenCommand::Revoke { db: url, id } => {
            let Ok(id) = Uuid::parse_str(id.trim()) else {
                bail!("{}", say("cli.token.id_malformed", &[("id", id.clone())]));
            };
            let conn = db::connect_existing(&url).await?;
            match tokens::revoke(&conn, now, id).await {
                Ok(()) => {}
                Err(jindu_store::service::ServiceError::NotFound(_)) => {
                    bail!("{}", say("cli.token.not_found", &[("id", id.to_string())]))
                }
                Err(e) => return Err(explain(e)),
            }
            audit::record(&conn, &audit::Who::cli(), now, audit::Entry::ok("token.revoke", "api_token", id))
                .await
                .map_err(explain)?;
            println!("{}", labelled("cli.token.revoked", id));
            Ok(())
        }
    }
}
