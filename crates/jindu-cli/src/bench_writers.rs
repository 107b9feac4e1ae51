//! `jindu bench writers`: person-page reads while many users write (issue #19 item 6).
//!
//! Generates the demo caseload in a fresh database, serves it in-process, and for `seconds`
//! each phase has `readers` signed-in clients read person pages (`/persons/{id}`, each an
//! audited read of personal data) as fast as they can: first alone, then while `writers`
//! concurrent writers record a visit (走访) each through the write path
//! (`measures::record_event`: one unit of work with the person's derived state and the audit
//! record), each writer on its own person. Prints reads/s alone and under load, their ratio,
//! writes/s and failed writes, then verifies the audit chain. Prints figures; asserts nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jindu_demo::district as demo;
use jindu_domain::clock::Now;
use jindu_store::service::{audit, measures, users};
use jindu_store::{Vault, db};
use jindu_web::{AppState, Clock};

use crate::bench::signed_in;

/// What one `jindu bench writers` run is asked for.
#[derive(Debug, Clone)]
pub struct Options {
    /// Database URL (must be empty); `None`: a new SQLite file in the temporary directory.
    pub url: Option<String>,
    pub persons: usize,
    pub readers: usize,
    pub writers: usize,
    /// Length of each phase, seconds.
    pub seconds: u64,
}

/// Counts of one phase.
#[derive(Debug, Default)]
struct Phase {
    reads: u64,
    failed_reads: u64,
    writes: u64,
    failed_writes: u64,
    elapsed_s: f64,
}

/// Runs the benchmark (see the module notes).
///
/// # Errors
/// A database that cannot be opened or generated, a server that does not answer, a login that
/// fails.
pub async fn run(o: Options) -> Result<()> {
    let (url, temp) = match &o.url {
        Some(u) => (u.clone(), None),
        None => {
            let dir = std::env::temp_dir().join(format!("jindu-bench-writers-{}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            (format!("sqlite://{}", dir.join("bench.db").display()), Some(dir))
        }
    };
    let res = measure(&url, &o).await;
    if let Some(dir) = temp {
        let _ = std::fs::remove_dir_all(dir);
    }
    res
}

async fn measure(url: &str, o: &Options) -> Result<()> {
    let ring =
        jindu_crypto::KeyRing::generate(jindu_crypto::Algorithm::Aes256Gcm).map_err(|e| anyhow::anyhow!("{e}"))?;
    let vault = Vault::new(ring);
    let conn = db::connect(url).await?;
    let s = demo::generate(&conn, &vault, Now::system(), 2026, o.persons).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("demo: {} persons, {} events on {}", s.persons, s.events, url.split(':').next().unwrap_or(""));

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = AppState::new(conn.clone(), vault.clone(), Clock::System, true);
    tokio::spawn(async move {
        let _ = jindu_web::serve(listener, state).await;
    });

    // The persons: the first page of the list as the office sees it; readers and writers each
    // take their own so that no two writers wait on one person's row.
    let first = signed_in(&base).await?;
    let list = first.get(format!("{base}/persons")).send().await?.text().await?;
    let mut ids: Vec<uuid::Uuid> =
        list.split("href=\"/persons/").skip(1).filter_map(|r| r.split('"').next()?.parse().ok()).collect();
    ids.dedup();
    anyhow::ensure!(ids.len() >= 2, "only {} persons in the list", ids.len());
    let mut readers = Vec::new();
    for _ in 0..o.readers {
        readers.push(signed_in(&base).await?);
    }
    let actor = users::actor_by_username(&conn, demo::DEMO_ADMIN)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
        .context("the demo administrator")?;

    println!(
        "{} readers of person pages, {} s a phase; writers record a visit each on their own person",
        o.readers, o.seconds
    );
    let alone = phase(&base, &readers, &ids, None, o.seconds).await;
    let loaded = phase(&base, &readers, &ids, Some((&conn, &vault, &actor, o.writers)), o.seconds).await;
    let rate = |n: u64, p: &Phase| n as f64 / p.elapsed_s.max(1e-9);
    println!("{:<40} {:>10} {:>10} {:>10} {:>10}", "", "reads/s", "failed", "writes/s", "failed");
    println!(
        "{:<40} {:>10.1} {:>10} {:>10} {:>10}",
        "person pages alone",
        rate(alone.reads, &alone),
        alone.failed_reads,
        "-",
        "-"
    );
    println!(
        "{:<40} {:>10.1} {:>10} {:>10.1} {:>10}",
        format!("person pages under {} writers", o.writers),
        rate(loaded.reads, &loaded),
        loaded.failed_reads,
        rate(loaded.writes, &loaded),
        loaded.failed_writes
    );
    println!(
        "reads kept under load: {:.0} % of the unloaded rate",
        100.0 * rate(loaded.reads, &loaded) / rate(alone.reads, &alone).max(1e-9)
    );
    let t = Instant::now();
    audit::seal(&conn, &vault, Now::system()).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let v = audit::verify(&conn, &vault).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("audit verify after the load ({:.2} s): {}", t.elapsed().as_secs_f64(), crate::both(&v.message()));
    Ok(())
}

type Writers<'a> = (&'a jindu_store::DatabaseConnection, &'a Vault, &'a jindu_store::service::Actor, usize);

/// One phase: readers (and writers, when given) for `seconds`.
async fn phase(
    base: &str,
    readers: &[reqwest::Client],
    ids: &[uuid::Uuid],
    writers: Option<Writers<'_>>,
    seconds: u64,
) -> Phase {
    let stop = Arc::new(AtomicBool::new(false));
    let counts: Arc<[AtomicU64; 4]> = Arc::new(Default::default());
    let mut tasks = Vec::new();
    for (i, client) in readers.iter().enumerate() {
        let (client, stop, counts) = (client.clone(), stop.clone(), counts.clone());
        let url = format!("{base}/persons/{}", ids[i % ids.len()]);
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ok = match client.get(&url).send().await {
                    Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                    Err(_) => false,
                };
                counts[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    if let Some((conn, vault, actor, n)) = writers {
        for w in 0..n {
            let (conn, vault, actor, stop, counts) =
                (conn.clone(), vault.clone(), actor.clone(), stop.clone(), counts.clone());
            let person = ids[(readers.len() + w) % ids.len()];
            tasks.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    let now = Now::system();
                    let input = measures::NewEvent {
                        kind: "visit".into(),
                        date: now.today.to_string(),
                        note: "性能测试走访（演示数据）".into(),
                        ..Default::default()
                    };
                    let ok = measures::record_event(&conn, &vault, &actor, now, person, input).await.is_ok();
                    counts[2 + usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
                }
            }));
        }
    }
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = t.await;
    }
    let elapsed_s = started.elapsed().as_secs_f64();
    Phase {
        reads: counts[0].load(Ordering::Relaxed),
        failed_reads: counts[1].load(Ordering::Relaxed),
        writes: counts[2].load(Ordering::Relaxed),
        failed_writes: counts[3].load(Ordering::Relaxed),
        elapsed_s,
    }
}
