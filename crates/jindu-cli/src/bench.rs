//! `jindu bench pages`: generates the demo caseload in a fresh database, serves it in-process
//! and times page requests as a signed-in office user. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jindu_demo::district as demo;
use jindu_domain::clock::Now;
use jindu_store::{Vault, db};
use jindu_web::{AppState, Clock};

/// p50, p99 and mean of `samples` in milliseconds.
pub(crate) fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let at = |q: f64| {
        let i = ((samples.len() as f64 - 1.0) * q).round() as usize;
        samples.get(i).copied().map(ms).unwrap_or(0.0)
    };
    let mean =
        if samples.is_empty() { 0.0 } else { samples.iter().copied().map(ms).sum::<f64>() / samples.len() as f64 };
    (at(0.5), at(0.99), mean)
}

/// Figures of one benchmark run: demo generation seconds and (page, p50, p99, mean) in ms.
struct Figures {
    generation_s: f64,
    pages: Vec<(&'static str, f64, f64, f64)>,
}

/// `jindu bench pages`: `security` is `on`, `off` or `both` (on, then off, each on a fresh
/// temporary SQLite database, then the on/off ratios). `url` (a fresh database) allows one mode.
pub async fn run(url: Option<String>, persons: usize, requests: usize, security: &str) -> Result<()> {
    let modes: &[bool] = match (security, &url) {
        ("on", _) => &[true],
        ("off", _) => &[false],
        ("both", None) => &[true, false],
        ("both", Some(_)) => anyhow::bail!("{}", crate::say("cli.bench.security_both_needs_fresh", &[])),
        (other, _) => {
            anyhow::bail!("{}", crate::say("cli.bench.security_invalid", &[("value", other.to_string())]))
        }
    };
    let mut results = Vec::new();
    for &secure in modes {
        println!(
            "== field encryption and audit {} ==",
            if secure { "ON (as shipped)" } else { "OFF (benchmark only)" }
        );
        if !secure {
            jindu_store::service::audit::disable_for_bench();
        }
        let (target, temp) = match &url {
            Some(u) => (u.clone(), None),
            None => {
                let dir = std::env::temp_dir().join(format!(
                    "jindu-bench-{}-{}",
                    std::process::id(),
                    if secure { "on" } else { "off" }
                ));
                std::fs::create_dir_all(&dir)?;
                (format!("sqlite://{}", dir.join("bench.db").display()), Some(dir))
            }
        };
        let res = pages(&target, persons, requests, secure).await;
        if let Some(dir) = temp {
            let _ = std::fs::remove_dir_all(dir);
        }
        results.push(res?);
    }
    if let [on, off] = results.as_slice() {
        println!("== cost of field encryption + audit (on / off) ==");
        println!("{:<34} {:>9} {:>9}", "", "p50 ×", "mean ×");
        println!("{:<30} {:>9.2} {:>9}", "demo generation", on.generation_s / off.generation_s.max(1e-9), "");
        for ((name, p50_on, _, mean_on), (_, p50_off, _, mean_off)) in on.pages.iter().zip(&off.pages) {
            println!("{name:<30} {:>9.2} {:>9.2}", p50_on / p50_off.max(1e-9), mean_on / mean_off.max(1e-9));
        }
    }
    Ok(())
}

/// Runs the page benchmark on `url` (a fresh database is expected) with `persons` synthetic
/// persons and `requests` timed requests per page; `secure` false stores plaintext.
async fn pages(url: &str, persons: usize, requests: usize, secure: bool) -> Result<Figures> {
    let ring =
        jindu_crypto::KeyRing::generate(jindu_crypto::Algorithm::Aes256Gcm).map_err(|e| anyhow::anyhow!("{e}"))?;
    let vault = if secure { Vault::new(ring) } else { Vault::unencrypted_for_bench(ring) };
    let started = Instant::now();
    let conn = db::connect(url).await?;
    let s = demo::generate(&conn, &vault, Now::system(), 2026, persons).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let generation_s = started.elapsed().as_secs_f64();
    println!(
        "demo generation: {} persons, {} events in {generation_s:.2} s ({})",
        s.persons,
        s.events,
        if s.generated { "generated" } else { "reused" }
    );
    // The sweep (risk review, duties, lost rule, alerts for every person): a first pass, then a
    // second on the same day that finds nothing to change.
    for pass in ["first", "repeat"] {
        let t = Instant::now();
        let r = jindu_store::service::casework::sweep(&conn, Now::system(), 500)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "sweep ({pass}): {} persons in {secs:.2} s ({:.2} ms per person; {} alerts raised, {} resolved)",
            r.persons,
            secs * 1000.0 / r.persons.max(1) as f64,
            r.alerts_raised,
            r.alerts_resolved
        );
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(conn, vault, Clock::System, true);
    tokio::spawn(async move {
        let _ = jindu_web::serve(listener, state).await;
    });
    let base = format!("http://{addr}");
    let client = signed_in(&base).await?;
    let list = client.get(format!("{base}/persons")).send().await?.text().await?;
    let person = list
        .split("href=\"/persons/")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .find(|id| uuid::Uuid::parse_str(id).is_ok())
        .context("no person in the list")?
        .to_string();
    println!("{:<34} {:>9} {:>9} {:>9}", "page", "p50 ms", "p99 ms", "mean ms");
    let mut figures = Figures { generation_s, pages: Vec::new() };
    for (name, path) in [
        ("工作台 /", "/".to_string()),
        ("人员列表 /persons", "/persons".to_string()),
        ("人员列表 filtered+search", "/persons?town=430405009&status=under_control&q=王伟".to_string()),
        ("人员页 /persons/{id}", format!("/persons/{person}")),
        ("辖区概况 /overview", "/overview".to_string()),
        ("预警提醒 /alerts", "/alerts".to_string()),
        ("失控人员 /lost", "/lost".to_string()),
    ] {
        for _ in 0..5 {
            client.get(format!("{base}{path}")).send().await?.bytes().await?;
        }
        let mut samples = Vec::with_capacity(requests);
        for _ in 0..requests {
            let t = Instant::now();
            let r = client.get(format!("{base}{path}")).send().await?;
            anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
            r.bytes().await?;
            samples.push(t.elapsed());
        }
        let (p50, p99, mean) = summary(&mut samples);
        println!("{name:<30} {p50:>9.2} {p99:>9.2} {mean:>9.2}");
        figures.pages.push((name, p50, p99, mean));
    }
    Ok(figures)
}

/// A client signed in as the demo administrator on the server at `base`.
pub(crate) async fn signed_in(base: &str) -> Result<reqwest::Client> {
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login_page = client.get(format!("{base}/login")).send().await?.text().await?;
    let csrf = jindu_web::csrf_field_value(&login_page).unwrap_or_default();
    let login = client
        .post(format!("{base}/login"))
        .form(&[
            ("username", demo::DEMO_ADMIN),
            ("password", demo::DEMO_PASSWORD),
            ("next", "/"),
            ("csrf", csrf.as_str()),
        ])
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "login failed: {}", login.status());
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_picks_nearest_rank() {
        let mut v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let (p50, p99, mean) = summary(&mut v);
        assert_eq!((p50, p99), (51.0, 99.0));
        assert!((mean - 50.5).abs() < 1e-9);
    }
}
