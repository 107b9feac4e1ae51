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

use crate::{explain, keys};

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
                bail!("人员编号“{person}”格式不正确 / '{person}' is not a person id");
            };
            if out.exists() {
                bail!("文件 {} 已存在，未覆盖 / {} exists; not overwritten", out.display(), out.display());
            }
            let exported =
                transfer_file::export(&conn, &vault, &audit::Who::cli(), now, person, &to).await.map_err(explain)?;
            std::fs::write(&out, &exported.bytes).with_context(|| format!("writing {}", out.display()))?;
            println!("已导出移交文件 / transfer file written: {}", out.display());
            println!("SHA-256: {}", exported.file_hash);
            println!(
                "一次性口令（只显示这一次，请另行告知接收方）/ one-time passphrase (shown once; send it separately):"
            );
            println!("{}", exported.passphrase);
            Ok(())
        }
        TransferCommand::Import { db: url, keys: key_args, town, file } => {
            let conn = db::connect_existing(&url).await?;
            let vault = keys::open(&conn, &url, &key_args).await?;
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let passphrase = match std::env::var("JINDU_TRANSFER_PASSPHRASE") {
                Ok(p) => p,
                Err(_) => rpassword::prompt_password("口令 / passphrase: ")?,
            };
            let done = transfer_file::import(&conn, &vault, &audit::Who::cli(), now, &bytes, &passphrase, &town)
                .await
                .map_err(explain)?;
            if done.created {
                println!(
                    "已导入 / imported: person {}，应于 {} 前报到 / must report by {}",
                    done.person_id, done.report_deadline, done.report_deadline
                );
            } else {
                println!(
                    "该文件此前已导入，未新增任何内容 / this file was imported before; nothing new: person {}",
                    done.person_id
                );
            }
            Ok(())
        }
    }
}
