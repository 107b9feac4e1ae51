//! `jindu transfer export|import`: 异地执行 across deployments (戒毒条例 §22). The exporting
//! office hands the encrypted file and, by another channel, the one-time passphrase to the
//! receiving office, which imports it into one of its towns.

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use jindu_domain::clock::Now;
use jindu_store::db;
use jindu_store::service::{audit, transfer_file};
use uuid::Uuid;

use crate::{explain, keys, labelled, say};

#[derive(Subcommand, Debug)]
pub enum TransferCommand {
    /// 导出移交文件（口令只显示一次）/ Export a person's transfer file to another deployment;
    /// the passphrase is shown once. The person leaves this system's lists (history kept).
    Export {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// The person's id (from the person page address).
        #[arg(long)]
        person: String,
        /// Division code of the receiving place, outside this deployment (e.g. 430406).
        #[arg(long)]
        to: String,
        /// Where to write the file.
        #[arg(long)]
        out: PathBuf,
    },
    /// 导入移交文件 / Import a transfer file into a town or community of this deployment.
    /// The passphrase is asked for, or read from JINDU_TRANSFER_PASSPHRASE.
    Import {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: keys::KeyArgs,
        /// The receiving town or community (division code of this deployment).
        #[arg(long)]
        town: String,
        /// The transfer file.
        file: PathBuf,
    },
}

pub async fn run(command: TransferCommand) -> Result<()> {
    let now = Now::system();
    match command {
        TransferCommand::Export { db: url, keys: key_args, person, to, out } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open(&conn, &url, &key_args).await?;
            let Ok(person) = Uuid::parse_str(person.trim()) else {
                bail!("{}", say("cli.transfer.person_malformed", &[("person", person.clone())]));
            };
            if out.exists() {
                bail!("{}", say("cli.file.exists", &[("file", out.display().to_string())]));
            }
            let exported =
                transfer_file::export(&conn, &vault, &audit::Who::cli(), now, person, &to).await.map_err(explain)?;
            std::fs::write(&out, &exported.bytes)
                .with_context(|| say("cli.file.unwritable", &[("file", out.display().to_string())]))?;
            println!("{}", labelled("cli.transfer.written", out.display()));
            println!("SHA-256: {}", exported.file_hash);
            println!("{}", say("cli.transfer.passphrase_shown_once", &[]));
            println!("{}", exported.passphrase);
            Ok(())
        }
        TransferCommand::Import { db: url, keys: key_args, town, file } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open(&conn, &url, &key_args).await?;
            let bytes = std::fs::read(&file)
                .with_context(|| say("cli.file.unreadable", &[("file", file.display().to_string())]))?;
            let passphrase = crate::secret(
                "JINDU_TRANSFER_PASSPHRASE",
                "cli.transfer.passphrase_prompt",
                "cli.transfer.no_passphrase",
            )?;
            let done = transfer_file::import(&conn, &vault, &audit::Who::cli(), now, &bytes, &passphrase, &town)
                .await
                .map_err(explain)?;
            if done.created {
                let args = [("person", done.person_id.to_string()), ("deadline", done.report_deadline.to_string())];
                println!("{}", say("cli.transfer.imported", &args));
            } else {
                println!("{}", say("cli.transfer.imported_before", &[("person", done.person_id.to_string())]));
            }
            Ok(())
        }
    }
}
