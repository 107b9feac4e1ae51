//! `jindu bench indicators`: a synthetic national caseload over the real divisions (default
//! 250,000 persons with two years of events), then, for the country, 湖南省 and 珠晖区: the p50/p99
//! of the 驾驶舱 read from the kept cells, the same figures by a plain `GROUP BY` over the base
//! tables and the ratio, and the throughput of event writes with and without the upkeep of the
//! cells. Prints figures; asserts nothing. Several `--persons` values give the growth ratio.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use jindu_demo::synthetic::{self, Plan};
use jindu_domain::DivisionCode;
use jindu_domain::clock::Now;
use jindu_domain::indicator::{CellKey, Indicator, Month, Period};
use jindu_store::service::dashboard::{self, Jurisdiction};
use jindu_store::service::{Actor, deployment, indicators, measures};
use jindu_store::{Vault, db};

use crate::bench::summary;

/// Options of one run.
pub struct Options {
    /// Database: `None` for a temporary SQLite file per size; a `postgres://` URL of a server
    /// database to create a fresh database per size from (dropped afterwards).
    pub db: Option<String>,
    pub persons: Vec<usize>,
    /// Timed 驾驶舱 requests per scope.
    pub requests: usize,
    /// Timed event writes per mode (with and without upkeep).
    pub writes: usize,
    /// Divisions to load (default: the whole country).
    pub within: Option<DivisionCode>,
}

/// Figures of one scope.
struct ScopeFigures {
    label: String,
    p50: f64,
    p99: f64,
    group_by_p50: f64,
}

/// Figures of one size.
struct SizeFigures {
    persons: usize,
    scopes: Vec<ScopeFigures>,
    writes_with: f64,
    writes_without: f64,
}

/// Runs the bench for every size in `opts.persons`, then prints the comparison and the targets.
pub async fn run(opts: Options) -> Result<()> {
    let postgres = opts.db.as_deref().is_some_and(|u| u.starts_with("postgres"));
    let mut sizes = Vec::new();
    for &n in &opts.persons {
        let (url, cleanup) = fresh_database(opts.db.as_deref(), n).await?;
        let res = one_size(&url, n, &opts, postgres).await;
        cleanup.run().await;
        sizes.push(res?);
    }
    println!();
    println!("== summary ({}) ==", if postgres { "PostgreSQL" } else { "SQLite" });
    println!(
        "{:<10} {:<24} {:>9} {:>9} {:>12} {:>10}",
        "persons", "scope", "p50 ms", "p99 ms", "GROUP BY ms", "× faster"
    );
    for s in &sizes {
        for f in &s.scopes {
            println!(
                "{:<10} {:<24} {:>9.2} {:>9.2} {:>12.2} {:>10.1}",
                s.persons,
                f.label,
                f.p50,
                f.p99,
                f.group_by_p50,
                f.group_by_p50 / f.p50.max(1e-9)
            );
        }
    }
    for s in &sizes {
        let share = 1.0 - s.writes_with / s.writes_without.max(1e-9);
        println!(
            "{:<10} event writes: {:.0}/s with upkeep, {:.0}/s without; upkeep costs {:.1} % of throughput (target ≤ 20 %)",
            s.persons,
            s.writes_with,
            s.writes_without,
            share * 100.0
        );
    }
    if let (Some(small), Some(large)) = (sizes.first(), sizes.last())
        && sizes.len() > 1
    {
        for (a, b) in small.scopes.iter().zip(&large.scopes) {
            println!(
                "p50 growth {} → {} persons, {}: {:.2} × (target ≤ 1.5 ×)",
                small.persons,
                large.persons,
                a.label,
                b.p50 / a.p50.max(1e-9)
            );
        }
    }
    if !postgres && let Some(s) = sizes.iter().find(|s| s.persons == 250_000) {
        let worst = s.scopes.iter().map(|f| f.p50).fold(0.0, f64::max);
        println!("SQLite p50 at 250,000 persons: worst scope {worst:.2} ms (target < 20 ms)");
    }
    println!("peak memory (VmHWM): {}", peak_memory());
    Ok(())
}

/// A database to drop (PostgreSQL) or a directory to remove (SQLite) after a size.
enum Cleanup {
    Dir(std::path::PathBuf),
    Postgres { admin: String, name: String },
}

impl Cleanup {
    async fn run(self) {
        match self {
            Cleanup::Dir(d) => {
                let _ = std::fs::remove_dir_all(d);
            }
            Cleanup::Postgres { admin, name } => {
                let _ = db::drop_postgres_database(&admin, &name).await;
            }
        }
    }
}

async fn fresh_database(base: Option<&str>, n: usize) -> Result<(String, Cleanup)> {
    match base {
        Some(admin) if admin.starts_with("postgres") => {
            let name = format!("jindu_bench_{}_{n}", std::process::id());
            let url = db::create_postgres_database(admin, &name).await?;
            Ok((url, Cleanup::Postgres { admin: admin.to_string(), name }))
        }
        Some(other) => anyhow::bail!("{}", crate::say("cli.bench.db_postgres_only", &[("value", other.to_string())])),
        None => {
            let dir = std::env::temp_dir().join(format!("jindu-bench-ind-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&dir)?;
            Ok((format!("sqlite://{}", dir.join("bench.db").display()), Cleanup::Dir(dir)))
        }
    }
}

async fn one_size(url: &str, n: usize, opts: &Options, postgres: bool) -> Result<SizeFigures> {
    println!();
    println!("== {n} persons ({}) ==", if postgres { "PostgreSQL" } else { "SQLite" });
    let ring =
        jindu_crypto::KeyRing::generate(jindu_crypto::Algorithm::Aes256Gcm).map_err(|e| anyhow::anyhow!("{e}"))?;
    let vault = Vault::new(ring);
    let conn = db::connect(url).await?;
    let today = Now::system().today;
    let plan = Plan { persons: n, within: opts.within, seed: 2026, today };
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:30}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let g = synthetic::generate(&conn, &vault, &plan, |stage, done, total| {
        bar.set_message(stage.to_string());
        bar.set_length(total);
        bar.set_position(done);
    })
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    bar.finish_and_clear();
    println!(
        "divisions: {} in {:.1} s; persons: {} in {} counties (珠晖区 {} under control), {} measures, {} events, {} social workers, {} workstations in {:.1} s ({:.0} persons/s); cells rebuilt: {} in {:.1} s",
        g.divisions,
        g.divisions_s,
        g.persons,
        g.counties,
        g.district_under_control.len(),
        g.measures,
        g.events,
        g.social_workers,
        g.workstations,
        g.persons_s,
        g.persons as f64 / g.persons_s.max(1e-9),
        g.cells,
        g.rebuild_s
    );

    // The 驾驶舱 of the last full month, ranking the sub-jurisdictions by 在册.
    let period = Period::Month(Month::of(today).plus(-1));
    let (first, last) = period.months();
    let mut scopes: Vec<(Option<DivisionCode>, Jurisdiction, Vec<Jurisdiction>)> =
        vec![(None, Jurisdiction::nation(), vec![Jurisdiction::nation()])];
    for code in ["43", synthetic::DISTRICT] {
        let c =
            DivisionCode::parse(code).map_err(|e| anyhow::anyhow!("{}", jindu_messages::render(&e.message(), "en")))?;
        let d = deployment::division_by_code(&conn, c)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .with_context(|| format!("division {code} not loaded"))?;
        let j = Jurisdiction::of(&d);
        scopes.push((Some(c), j.clone(), vec![Jurisdiction::nation(), j]));
    }
    println!(
        "{:<24} {:>9} {:>9} {:>9} {:>12} {:>10}  figures agree",
        format!("驾驶舱 {}", period.code()),
        "p50 ms",
        "p99 ms",
        "mean ms",
        "GROUP BY ms",
        "× faster",
    );
    let mut out = SizeFigures { persons: n, scopes: Vec::new(), writes_with: 0.0, writes_without: 0.0 };
    for (code, j, trail) in &scopes {
        let label = format!("{} {}", j.name, j.code);
        for _ in 0..5 {
            dashboard::dashboard_of(&conn, j.clone(), trail.clone(), period, Indicator::Registered, today)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        let mut samples = Vec::with_capacity(opts.requests);
        let mut shown = None;
        for _ in 0..opts.requests {
            let t = Instant::now();
            let d = dashboard::dashboard_of(&conn, j.clone(), trail.clone(), period, Indicator::Registered, today)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            samples.push(t.elapsed());
            shown = Some(d);
        }
        let (p50, p99, mean) = summary(&mut samples);
        // The same figures from the base tables, and whether they agree with the kept cells.
        let mut gb: Vec<Duration> = Vec::new();
        let mut base = None;
        for _ in 0..(opts.requests / 20).max(3) {
            let t = Instant::now();
            base = Some(
                indicators::group_by_base(&conn, code.as_ref(), first, last)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?,
            );
            gb.push(t.elapsed());
        }
        let (gb_p50, _, _) = summary(&mut gb);
        let cells = indicators::cells_of(&conn, std::slice::from_ref(&j.code), first)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?
            .remove(&j.code)
            .unwrap_or_default();
        let agree = match &base {
            Some((by_status, done, positive)) => {
                let statuses_agree = jindu_domain::ControlStatus::ALL.iter().all(|s| {
                    by_status.get(s.as_code()).copied().unwrap_or(0)
                        == cells.stock_at(CellKey::Status(*s), Month(999_912))
                });
                statuses_agree
                    && cells.cell(CellKey::TestsDone, period) == *done
                    && cells.cell(CellKey::TestsPositive, period) == *positive
            }
            None => false,
        };
        let registered = shown
            .as_ref()
            .and_then(|d| d.row(Indicator::Registered))
            .map(|r| r.figure.display(Indicator::Registered.definition().unit))
            .unwrap_or_default();
        println!(
            "{:<24} {p50:>9.2} {p99:>9.2} {mean:>9.2} {gb_p50:>12.2} {:>10.1}  {} (在册 {registered})",
            label,
            gb_p50 / p50.max(1e-9),
            if agree { "yes" } else { "NO" }
        );
        out.scopes.push(ScopeFigures { label, p50, p99, group_by_p50: gb_p50 });
    }

    // Event writes through the service (the path of the event form), alternating rounds with
    // and without the upkeep of the cells so that drift affects both alike.
    let actor = office_actor(&conn).await?;
    // A first, untimed write to each person brings the record up to date (the lost-contact rule
    // may find a synthetic person overdue: such persons take no visit and are left out).
    // Two passes: a write can itself set the person lost, so the second finds them refused.
    let mut persons = g.district_under_control.clone();
    for _ in 0..2 {
        let mut kept = Vec::with_capacity(persons.len());
        for (k, pid) in persons.iter().enumerate() {
            if measures::record_event(&conn, &vault, &actor, Now::system(), *pid, event_input(k, today)).await.is_ok() {
                kept.push(*pid);
            }
        }
        persons = kept;
    }
    anyhow::ensure!(!persons.is_empty(), "{}", crate::say("cli.bench.no_person_to_write", &[]));
    let (mut with, mut without) = (Duration::ZERO, Duration::ZERO);
    let (mut n_with, mut n_without) = (0usize, 0usize);
    let rounds = 4;
    let per_round = (opts.writes / rounds).max(1);
    let mut k = 0usize;
    for round in 0..rounds * 2 {
        let upkeep = round.is_multiple_of(2);
        indicators::set_maintenance(upkeep);
        let t = Instant::now();
        for _ in 0..per_round {
            let pid = persons.get(k % persons.len()).copied().context("no person")?;
            let input = event_input(k, today);
            k += 1;
            measures::record_event(&conn, &vault, &actor, Now::system(), pid, input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        if upkeep {
            with += t.elapsed();
            n_with += per_round;
        } else {
            without += t.elapsed();
            n_without += per_round;
        }
    }
    indicators::set_maintenance(true);
    out.writes_with = n_with as f64 / with.as_secs_f64().max(1e-9);
    out.writes_without = n_without as f64 / without.as_secs_f64().max(1e-9);
    println!(
        "event writes (record_event, {n_with} each): {:.0}/s with upkeep ({:.2} ms each), {:.0}/s without ({:.2} ms each): upkeep costs {:.1} % of throughput",
        out.writes_with,
        1000.0 / out.writes_with.max(1e-9),
        out.writes_without,
        1000.0 / out.writes_without.max(1e-9),
        (1.0 - out.writes_with / out.writes_without.max(1e-9)) * 100.0
    );
    conn.close().await.ok();
    Ok(out)
}

/// The `k`-th timed write: a visit or a negative urine test, today.
fn event_input(k: usize, today: chrono::NaiveDate) -> measures::NewEvent {
    if k.is_multiple_of(2) {
        measures::NewEvent { kind: "visit".into(), date: today.to_string(), ..Default::default() }
    } else {
        measures::NewEvent {
            kind: "drug_test".into(),
            date: today.to_string(),
            test_method: "urine".into(),
            test_result: "negative".into(),
            ..Default::default()
        }
    }
}

/// An office account of 珠晖区 for the timed writes.
async fn office_actor(conn: &jindu_store::DatabaseConnection) -> Result<Actor> {
    let division = DivisionCode::parse(synthetic::DISTRICT)
        .map_err(|e| anyhow::anyhow!("{}", jindu_messages::render(&e.message(), "en")))?;
    let id = jindu_store::service::users::add(
        conn,
        Now::system(),
        jindu_store::service::users::NewUser {
            username: "bench-office".into(),
            display_name: "禁毒办(演示)".into(),
            password: None,
            role: jindu_domain::Role::Office.as_code().into(),
            division,
            workstation_id: None,
            must_change_password: false,
            member_unit: None,
        },
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Actor {
        user_id: id,
        username: "bench-office".into(),
        display_name: "禁毒办(演示)".into(),
        role: jindu_domain::Role::Office,
        profile: jindu_domain::access::default_profile(jindu_domain::Role::Office),
        scope: division,
        address: String::new(),
        credentials_changed_at: None,
        member_unit: None,
        enterprise: None,
    })
}

/// Peak resident memory of this process (Linux `VmHWM`), or "n/a".
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "n/a".into())
}
