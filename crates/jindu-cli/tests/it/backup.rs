//! Backup and restore (issue #20 item 3), on SQLite and PostgreSQL: `jindu backup` taken while a
//! writer records visits through the write path is a consistent copy (mode 0600) whose audit
//! chain verifies; `jindu restore` puts it into a new database, which holds every write
//! committed before the backup began, verifies, and signs the office in. A damaged file is
//! refused by `serve`, `audit verify` and `restore`, each with a sentence.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use jindu_domain::clock::Now;
use jindu_store::entities::{app_user, event, person};
use jindu_store::service::measures::{self, NewEvent};
use jindu_store::service::users::{self, LoginOutcome};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn jindu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu")).args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Like [`jindu`], but a command still running after `secs` is killed (a `serve` that wrongly
/// started would otherwise run for ever): its code is then -1.
fn jindu_within(args: &[&str], secs: u64) -> (i32, String, String) {
    use std::io::Read;
    let mut child = Command::new(env!("CARGO_BIN_EXE_jindu"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let started = std::time::Instant::now();
    let code = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status.code().unwrap_or(-1);
        }
        if started.elapsed() > std::time::Duration::from_secs(secs) {
            child.kill().unwrap();
            child.wait().unwrap();
            break -1;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let (mut out, mut err) = (String::new(), String::new());
    child.stdout.take().unwrap().read_to_string(&mut out).unwrap();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    (code, out, err)
}

async fn events(url: &str) -> u64 {
    let db = jindu_store::db::connect_existing(url).await.unwrap();
    let n = event::Entity::find().count(&db).await.unwrap();
    db.close().await.unwrap();
    n
}

/// Backs `url` up to `dir/backup` while visits are recorded, restores it into `restore_url`.
async fn backup_under_load(url: &str, restore_url: &str, dir: &Path) {
    let key = dir.join("k.key");
    let key = key.to_str().unwrap();
    let (code, out, err) = jindu(&["demo", "--no-serve", "--persons", "20", "--db", url, "--key-file", key]);
    assert_eq!(code, 0, "{out}{err}");
    let db = jindu_store::db::connect_existing(url).await.unwrap();
    let vault = jindu_store::Vault::load(Path::new(key)).unwrap();
    let office = app_user::Entity::find()
        .filter(app_user::Column::Username.eq(jindu_demo::district::DEMO_ADMIN))
        .one(&db)
        .await
        .unwrap()
        .unwrap();
    let actor = users::actor(&db, office.id).await.unwrap().unwrap();
    let persons: Vec<uuid::Uuid> = person::Entity::find().all(&db).await.unwrap().into_iter().map(|p| p.id).collect();
    // A writer records visits through the write path until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (db, vault, actor, stop, written) =
            (db.clone(), vault.clone(), actor.clone(), stop.clone(), written.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                let now = Now::system();
                let visit = NewEvent { kind: "visit".into(), date: now.today.to_string(), ..Default::default() };
                if measures::record_event(&db, &vault, &actor, now, persons[i % persons.len()], visit).await.is_ok() {
                    written.fetch_add(1, Ordering::Relaxed);
                }
                i += 1;
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = events(url).await;
    let file = dir.join("jindu.backup");
    let file = file.to_str().unwrap().to_string();
    let backup = {
        let (url, file, key) = (url.to_string(), file.clone(), key.to_string());
        tokio::task::spawn_blocking(move || jindu(&["backup", "--db", &url, "--to", &file, "--key-file", &key]))
    };
    let (code, out, err) = backup.await.unwrap();
    let after = events(url).await;
    stop.store(true, Ordering::Relaxed);
    writer.await.unwrap();
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("备份完成") && out.contains("审计日志完整"), "{out}");
    assert!(out.contains("不在备份中"), "the key file reminder: {out}");
    assert!(written.load(Ordering::Relaxed) > 0, "the writer wrote");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600);
    // The same name again is refused, never overwritten.
    let (code, _, err) = jindu(&["backup", "--db", url, "--to", &file, "--key-file", key]);
    assert_eq!(code, 1);
    assert!(err.contains("已存在") && err.contains("exists"), "{err}");

    let (code, out, err) = jindu(&["restore", "--from", &file, "--db", restore_url, "--key-file", key]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("恢复完成") && out.contains("审计日志完整"), "{out}");
    let restored = events(restore_url).await;
    assert!(before <= restored && restored <= after, "restored {restored}, before {before}, after {after}");
    // The restored deployment signs the office in.
    let rdb = jindu_store::db::connect_existing(restore_url).await.unwrap();
    let signed =
        users::login(&rdb, Now::system(), "office", jindu_demo::district::DEMO_PASSWORD, "127.0.0.1").await.unwrap();
    assert!(matches!(signed, LoginOutcome::Ok { .. }), "{signed:?}");
    rdb.close().await.unwrap();
    // A restore never writes over a database that has data.
    let (code, _, err) = jindu(&["restore", "--from", &file, "--db", restore_url, "--key-file", key]);
    assert_eq!(code, 1);
    assert!(err.contains("已存在") || err.contains("不是空库"), "{err}");
    db.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_and_signs_in_on_sqlite() {
    let dir = std::env::temp_dir().join(format!("jindu-backup-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("live.db").display());
    let restored = format!("sqlite://{}", dir.join("restored.db").display());
    backup_under_load(&url, &restored, &dir).await;

    // A damaged copy: `serve`, `audit verify` and `restore` refuse it with a sentence.
    let damaged = dir.join("damaged.db");
    let mut bytes = std::fs::read(dir.join("jindu.backup")).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 8192] {
        *b = 0x5a;
    }
    std::fs::write(&damaged, bytes).unwrap();
    let damaged_url = format!("sqlite://{}", damaged.display());
    let key = dir.join("k.key");
    let key = key.to_str().unwrap();
    for args in [
        vec!["serve", "--db", &damaged_url, "--key-file", key, "--listen", "127.0.0.1:0"],
        vec!["audit", "verify", "--db", &damaged_url, "--key-file", key],
    ] {
        let (code, out, err) = jindu_within(&args, 60);
        assert_eq!(code, 1, "{args:?}: {out}{err}");
        assert!(err.contains("完整性检查未通过") || err.contains("无法连接数据库"), "{args:?}: {err}");
    }
    let again = format!("sqlite://{}", dir.join("again.db").display());
    let (code, _, err) = jindu(&["restore", "--from", damaged.to_str().unwrap(), "--db", &again, "--key-file", key]);
    assert_eq!(code, 1, "{err}");
    assert!(!dir.join("again.db").exists(), "a refused restore leaves no file behind");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_and_signs_in_on_postgres() {
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let (live, copy) = (format!("jindu_bk_{}", &tag[20..]), format!("jindu_rs_{}", &tag[20..]));
    let url = jindu_store::db::create_postgres_database(&admin, &live).await.unwrap();
    let restored = jindu_store::db::create_postgres_database(&admin, &copy).await.unwrap();
    let dir = std::env::temp_dir().join(format!("jindu-backup-{tag}"));
    std::fs::create_dir_all(&dir).unwrap();
    backup_under_load(&url, &restored, &dir).await;
    jindu_store::db::drop_postgres_database(&admin, &live).await.unwrap();
    jindu_store::db::drop_postgres_database(&admin, &copy).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}
