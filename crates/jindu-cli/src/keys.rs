//! 密钥 the field-encryption keys on the command line: where the key file lives, creating it at
//! `init`/`demo`, and `jindu keys rotate` / `jindu keys status`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Result, bail};
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use jindu_crypto::{Algorithm, KeyRing};
use jindu_store::vault::{KEY_ENV_VAR, RELOAD_CHECK};
use jindu_store::{Vault, db, rekey, service::deployment};

use crate::{labelled, say};

/// Where the keys come from.
#[derive(Args, Debug, Clone, Default)]
pub struct KeyArgs {
    /// Key file (JSON, mode 0600). Default: `<file>.key` beside a SQLite database, `jindu.key`
    /// in the working directory for PostgreSQL. The variable JINDU_KEYS, when set, wins.
    #[arg(long)]
    pub key_file: Option<PathBuf>,
}

impl KeyArgs {
    /// The key file for database `url`.
    pub fn path(&self, url: &str) -> PathBuf {
        self.key_file.clone().unwrap_or_else(|| default_key_file(url))
    }
}

/// `<path>.key` for `sqlite://<path>`, else `jindu.key`.
pub fn default_key_file(url: &str) -> PathBuf {
    match url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")) {
        Some(rest) => {
            let path = rest.split('?').next().unwrap_or(rest);
            PathBuf::from(format!("{path}.key"))
        }
        None => PathBuf::from("jindu.key"),
    }
}

fn env_keys() -> bool {
    std::env::var(KEY_ENV_VAR).is_ok_and(|v| !v.trim().is_empty())
}

/// Loads the keys of an initialised database, checks they are its keys and that no person is
/// stored unencrypted (what `serve` needs).
pub async fn open(conn: &jindu_store::DatabaseConnection, url: &str, args: &KeyArgs) -> Result<Vault> {
    let vault = open_keys(conn, url, args).await?;
    refuse_plaintext(conn).await?;
    Ok(vault)
}

/// Loads the keys of an initialised database and checks they are its keys (the audit
/// commands, which need the key of the audit seal but read no person).
pub async fn open_keys(conn: &jindu_store::DatabaseConnection, url: &str, args: &KeyArgs) -> Result<Vault> {
    let path = args.path(url);
    let vault = Vault::load(&path)?;
    if !env_keys() {
        jindu_crypto::check_key_file_permissions(&path)?;
    }
    deployment::check_keys(conn, &vault).await?;
    Ok(vault)
}

/// Refuses a database whose persons were stored in clear by an older version.
pub async fn refuse_plaintext(conn: &jindu_store::DatabaseConnection) -> Result<()> {
    let n = rekey::plaintext_persons(conn).await?;
    if n > 0 {
        bail!("{}", say("cli.keys.plaintext", &[("n", n.to_string())]));
    }
    Ok(())
}

/// Loads the key file, or creates one (mode 0600) with `algorithm` when there is none.
/// Returns the vault and whether a file was created.
pub fn load_or_create(path: &Path, algorithm: Algorithm) -> Result<(Vault, bool)> {
    if env_keys() {
        return Ok((Vault::load(path)?, false));
    }
    if path.exists() {
        jindu_crypto::check_key_file_permissions(path)?;
        return Ok((Vault::from_file(path)?, false));
    }
    let ring = KeyRing::generate(algorithm)?;
    ring.write_key_file(path, false)?;
    Ok((Vault::from_file(path)?, true))
}

#[derive(Subcommand, Debug)]
pub enum KeysCommand {
    /// 轮换密钥 / Add a new key version, make it active and re-encrypt every sealed value in
    /// batches while the server keeps running.
    Rotate {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: KeyArgs,
        /// Rows per batch (one short write transaction each).
        #[arg(long, default_value_t = 500)]
        batch: u64,
        /// Remove the old key versions from the file once nothing uses them.
        #[arg(long)]
        retire: bool,
    },
    /// 密钥状态 / Algorithm, key versions and values not yet under the active key.
    Status {
        #[arg(long, default_value = "sqlite://jindu.db")]
        db: String,
        #[command(flatten)]
        keys: KeyArgs,
    },
}

async fn reencrypt(conn: &jindu_store::DatabaseConnection, vault: &Vault, batch: u64) -> Result<u64> {
    let pending = rekey::pending(conn, vault).await?;
    let bar = ProgressBar::new(pending.total());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, {eta})")?.progress_chars("=> "),
    );
    bar.set_message(say("cli.keys.reencrypting", &[]));
    let mut total = 0;
    loop {
        let n = rekey::rotate_batch(conn, vault, batch).await?;
        if n == 0 {
            break;
        }
        total += n;
        bar.inc(n);
    }
    bar.finish_and_clear();
    Ok(total)
}

pub async fn run(command: KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Status { db: url, keys } => {
            let conn = db::connect_existing(&url).await?;
            let vault = open_keys(&conn, &url, &keys).await?;
            let ring = vault.ring();
            let p = rekey::pending(&conn, &vault).await?;
            println!(
                "{}  {}  {}",
                labelled("cli.keys.algorithm", ring.algorithm().as_code()),
                labelled("cli.keys.active_version", ring.active_version()),
                labelled("cli.keys.versions", format!("{:?}", ring.versions()))
            );
            let pending = [
                ("persons", p.persons.to_string()),
                ("events", p.events.to_string()),
                ("accounts", p.users.to_string()),
                ("casework", p.casework.to_string()),
                ("files", p.attachments.to_string()),
            ];
            println!("{}", say("cli.keys.pending", &pending));
            Ok(())
        }
        KeysCommand::Rotate { db: url, keys, batch, retire } => {
            if env_keys() {
                bail!("{}", say("cli.keys.env_no_rotate", &[("var", KEY_ENV_VAR.to_string())]));
            }
            let batch = batch.clamp(1, 100_000);
            let path = keys.path(&url);
            let conn = db::connect_existing(&url).await?;
            open_keys(&conn, &url, &keys).await?;
            let mut ring = KeyRing::read_key_file(&path)?;
            let old: Vec<u32> = ring.versions();
            let version = ring.rotate()?;
            ring.write_key_file(&path, true)?;
            println!("{} ({})", labelled("cli.keys.new_version", version), path.display());
            let vault = Vault::from_file(&path)?;
            deployment::check_keys(&conn, &vault).await?;
            let started = Instant::now();
            let mut total = reencrypt(&conn, &vault, batch).await?;
            // A running server notices the new file within RELOAD_CHECK; values it sealed with
            // the old key meanwhile are caught by a second pass after that.
            tokio::time::sleep(RELOAD_CHECK + std::time::Duration::from_secs(1)).await;
            total += reencrypt(&conn, &vault, batch).await?;
            let secs = format!("{:.1}", started.elapsed().as_secs_f64());
            println!("{}", say("cli.keys.reencrypted", &[("n", total.to_string()), ("secs", secs)]));
            let left = rekey::pending(&conn, &vault).await?;
            // The audit seal is signed again with the new key, so retiring the old one keeps the
            // log verifiable (anchors exported before stay checkable only while it is kept).
            jindu_store::service::audit::seal(&conn, &vault, jindu_domain::clock::Now::system()).await?;
            if retire {
                if left.total() > 0 {
                    bail!("{}", say("cli.keys.still_pending", &[("n", left.total().to_string())]));
                }
                for v in old {
                    ring.retire_version(v)?;
                }
                ring.write_key_file(&path, true)?;
                println!("{}", say("cli.keys.retired", &[]));
            } else {
                println!("{}", say("cli.keys.old_kept", &[("versions", format!("{old:?}"))]));
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_file_sits_beside_a_sqlite_database() {
        assert_eq!(default_key_file("sqlite://jindu-demo.db"), PathBuf::from("jindu-demo.db.key"));
        assert_eq!(default_key_file("sqlite:///var/lib/jindu/j.db?mode=rwc"), PathBuf::from("/var/lib/jindu/j.db.key"));
        assert_eq!(default_key_file("postgres://u@h/db"), PathBuf::from("jindu.key"));
    }
}
