//! `jindu bench pages`: generates the demo caseload in a fresh database, serves it in-process
//! and times page requests as a signed-in office user. Prints figures; asserts nothing.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jindu_domain::clock::Now;
use jindu_store::{db, demo};
use jindu_web::{AppState, Clock};

/// p50, p99 and mean of `samples` in milliseconds.
fn summary(samples: &mut [Duration]) -> (f64, f64, f64) {
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

/// Runs the page benchmark on `url` (a fresh database is expected) with `persons` synthetic
/// persons and `requests` timed requests per page.
pub async fn pages(url: &str, persons: usize, requests: usize) -> Result<()> {
    let started = Instant::now();
    let conn = db::connect(url).await?;
    let s = demo::generate(&conn, Now::system(), 2026, persons).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "demo generation: {} persons, {} events in {:.2} s ({})",
        s.persons,
        s.events,
        started.elapsed().as_secs_f64(),
        if s.generated { "generated" } else { "reused" }
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(conn, Clock::System, true);
    tokio::spawn(async move {
        let _ = jindu_web::serve(listener, state).await;
    });
    let base = format!("http://{addr}");
    let client = reqwest::Client::builder().cookie_store(true).build()?;
    let login = client
        .post(format!("{base}/login"))
        .form(&[("username", demo::DEMO_ADMIN), ("password", demo::DEMO_PASSWORD), ("next", "/")])
        .send()
        .await?;
    anyhow::ensure!(login.status().is_success(), "login failed: {}", login.status());
    let list = client.get(format!("{base}/persons")).send().await?.text().await?;
    let person = list
        .split("href=\"/persons/")
        .skip(1)
        .filter_map(|r| r.split('"').next())
        .find(|id| uuid::Uuid::parse_str(id).is_ok())
        .context("no person in the list")?
        .to_string();
    println!("{:<34} {:>9} {:>9} {:>9}", "page", "p50 ms", "p99 ms", "mean ms");
    for (name, path) in [
        ("工作台 /", "/".to_string()),
        ("人员列表 /persons", "/persons".to_string()),
        ("人员列表 filtered+search", "/persons?town=430405009&status=under_control&q=王".to_string()),
        ("人员页 /persons/{id}", format!("/persons/{person}")),
        ("辖区概况 /overview", "/overview".to_string()),
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
    }
    Ok(())
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
