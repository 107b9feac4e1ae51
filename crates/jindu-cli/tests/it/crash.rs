//! Crash safety of an import (issue #6): `jindu import persons` killed with SIGKILL at random
//! moments leaves the database with none or all of the file's rows, the SQLite integrity check
//! passes, the audit chain verifies, and a final run imports everything once. On SQLite and
//! PostgreSQL.
//!
//! The file has `JINDU_CRASH_ROWS` rows (default 300, so that the suite stays quick in a debug
//! build; the figures for 100,000 rows in a release build are in the README). The kill moments
//! are drawn uniformly from 2 % to 110 % of the time an uninterrupted check of the same file
//! takes, so some land while the file is being read, most while rows are written, and some
//! around or after the commit; the seed is printed (set `JINDU_CRASH_SEED` to repeat a run).
//! `JINDU_CRASH_ROUNDS` bounds the kills (default 6); `JINDU_CRASH_FULL_SECS` gives the
//! uninterrupted time instead of measuring it (for 100,000 rows, where a check takes minutes).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Statement};

fn jindu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A valid synthetic ID number, unique for `seq` below 336,000 (born 1977, month and day from
/// `seq`).
fn id(seq: u32) -> String {
    let first17 = format!("4304051977{:02}{:02}{:03}", 1 + seq / 28_000 % 12, 1 + seq / 1000 % 28, seq % 1000);
    let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
}

/// A registry sheet of `rows` persons in the towns of 珠晖区, with measures.
fn sheet(path: &Path, rows: u32) {
    let towns = ["广东路街道", "东风街道", "苗圃街道", "粤汉街道", "冶金街道"];
    let mut s = String::from("姓名,身份证号,乡镇(街道),管控措施,决定日期,报到日期\n");
    for i in 0..rows {
        s.push_str(&format!("测试{i},{},{},社区戒毒,2026-09-01,2026-09-05\n", id(i), towns[i as usize % towns.len()]));
    }
    std::fs::write(path, s).unwrap();
}

async fn persons(url: &str) -> u64 {
    let db = jindu_store::db::connect(url).await.unwrap();
    let n = jindu_store::entities::person::Entity::find().count(&db).await.unwrap();
    db.close().await.unwrap();
    n
}

async fn integrity(url: &str) {
    if !url.starts_with("sqlite:") {
        return;
    }
    let db = jindu_store::db::connect(url).await.unwrap();
    let row = db
        .query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA integrity_check"))
        .await
        .unwrap()
        .unwrap();
    let verdict: String = row.try_get_by_index(0).unwrap();
    assert_eq!(verdict, "ok", "SQLite integrity check");
    db.close().await.unwrap();
}

async fn crash_run(url: &str, dir: &Path) {
    let key = dir.join("k.key");
    let key = key.to_str().unwrap();
    let (code, out, err) = jindu(&["demo", "--no-serve", "--persons", "10", "--db", url, "--key-file", key]);
    assert_eq!(code, 0, "{out}{err}");
    let rows: u32 = std::env::var("JINDU_CRASH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(300);
    let file = dir.join("登记表.csv");
    sheet(&file, rows);
    let file = file.to_str().unwrap();
    let import = ["import", "persons", "--db", url, "--key-file", key, "--username", "office"];
    let base = persons(url).await;

    // How long an uninterrupted run takes (a check does the same work and rolls back).
    let full = match std::env::var("JINDU_CRASH_FULL_SECS").ok().and_then(|v| v.parse::<f64>().ok()) {
        Some(secs) => std::time::Duration::from_secs_f64(secs),
        None => {
            let started = Instant::now();
            let (code, out, err) = jindu(&[&import[..], &["--dry-run", file]].concat());
            assert_eq!(code, 0, "{out}{err}");
            assert_eq!(persons(url).await, base);
            started.elapsed()
        }
    };
    let rounds: u32 = std::env::var("JINDU_CRASH_ROUNDS").ok().and_then(|v| v.parse().ok()).unwrap_or(6);

    let seed: u64 = std::env::var("JINDU_CRASH_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or_else(rand::random);
    println!("{url}: {rows} rows, an uninterrupted check takes {full:?}; seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut outcomes = (0, 0);
    for round in 0..rounds {
        let at = full.mul_f64(rng.random_range(0.02..1.10));
        let log = dir.join(format!("round-{round}.log"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_jindu"))
            .args([&import[..], &[file]].concat())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        std::thread::sleep(at);
        // SIGKILL: no destructor, no rollback by the process itself.
        let _ = child.kill();
        let status = child.wait().unwrap();
        // A run that ended before the kill must have succeeded: an error is a defect, not a
        // crash to survive.
        assert!(
            status.code().is_none_or(|c| c == 0),
            "round {round}: the import failed on its own ({status}) before the kill at {at:?}: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        let n = persons(url).await;
        println!("round {round}: killed after {at:?} ({status}); persons {} → {n}", base);
        assert!(
            n == base || n == base + u64::from(rows),
            "after a kill at {at:?}: {n} persons, expected {base} or {}",
            base + u64::from(rows)
        );
        integrity(url).await;
        let (code, out, err) = jindu(&["audit", "verify", "--db", url, "--key-file", key]);
        assert_eq!(code, 0, "audit chain after a kill at {at:?}: {out}{err}");
        if n == base {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
            break;
        }
    }
    println!("{url}: {} kills left nothing, {} found the import committed", outcomes.0, outcomes.1);
    // A final run imports every row, once.
    let started = Instant::now();
    let (code, out, err) = jindu(&[&import[..], &[file]].concat());
    assert_eq!(code, 0, "{out}{err}");
    println!("{url}: the final run took {:?}:\n{out}", started.elapsed());
    assert_eq!(persons(url).await, base + u64::from(rows));
    integrity(url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_leaves_none_or_all_rows_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("jindu-crash-{}", uuid_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    crash_run(&url, &dir).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_import_leaves_none_or_all_rows_on_postgres() {
    let dir = std::env::temp_dir().join(format!("jindu-crash-pg-{}", uuid_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jindu_crash_{}", uuid_suffix());
    let url = jindu_store::db::create_postgres_database(&admin, &name).await.unwrap();
    crash_run(&url, &dir).await;
    jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

fn uuid_suffix() -> String {
    format!(
        "{}_{}",
        std::process::id(),
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
    )
}

#[test]
fn the_generated_sheet_repeats_no_id_number_up_to_100000_rows() {
    // A repeat would make the import refuse the file, and every round would "leave nothing".
    let ids: std::collections::HashSet<String> = (0..100_000).map(id).collect();
    assert_eq!(ids.len(), 100_000);
}
