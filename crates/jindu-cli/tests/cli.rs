//! The `jindu` binary refuses bad input with a sentence and exit code 1, and stores nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

fn jindu(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu"))
        .args(args)
        .env("JINDU_PASSWORD", "Strong-Password-1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn temp_db() -> (std::path::PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("jindu-cli-{}-{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("t.db").display());
    (dir, url)
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

#[test]
fn init_loads_the_district_and_refuses_unknown_codes() {
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["init", "--division", "439999", "--db", &db]);
    assert_eq!(code, 1);
    assert!(err.contains("区划代码 439999 不存在"), "{err}");
    let (code, _, err) = jindu(&["init", "--division", "43a405", "--db", &db]);
    assert_eq!(code, 1);
    assert!(err.contains("区划代码"), "{err}");
    let (code, out, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    // 湖南省, 衡阳市, 珠晖区, 10 towns and 75 communities.
    assert!(out.contains("已载入区划 88 个"), "{out}");
    assert!(out.contains("初始密码"));
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 1);
    assert!(err.contains("该数据库已初始化（辖区：湖南省/衡阳市/珠晖区）"), "{err}");
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("审计日志完整：共 2 条记录"), "{out}");
    // A user outside the deployment, and a weak password, are refused.
    let (code, _, err) =
        jindu(&["user", "add", "--db", &db, "--username", "sg09", "--role", "social_worker", "--division", "110105"]);
    assert_eq!(code, 1);
    assert!(err.contains("不在本系统辖区内"), "{err}");
    let out = Command::new(env!("CARGO_BIN_EXE_jindu"))
        .args(["user", "add", "--db", &db, "--username", "sg09", "--role", "social_worker", "--division", "430405009"])
        .env("JINDU_PASSWORD", "short")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("密码至少10位"));
    let (code, out, err) = jindu(&[
        "user",
        "add",
        "--db",
        &db,
        "--username",
        "sg09",
        "--role",
        "social_worker",
        "--division",
        "430405009",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已创建用户"));
    let (code, _, err) = jindu(&["user", "add", "--db", &db, "--username", "sg09", "--role", "social_worker"]);
    assert_eq!(code, 1);
    assert!(err.contains("该用户名已被使用"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bad_database_urls_are_explained() {
    let (code, _, err) = jindu(&["serve", "--db", "mysql://x", "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("数据库地址无效"), "{err}");
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["serve", "--db", &db, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("不存在，请先运行 jindu init"), "{err}");
    assert!(!dir.join("t.db").exists(), "serve creates no database file");
    // A database that exists but was never initialised.
    let (code, _, _) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 1, "no file: refused");
    std::fs::write(dir.join("t.db"), b"").unwrap();
    let (code, _, err) = jindu(&["serve", "--db", &db, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("数据库尚未初始化"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn demo_is_deterministic_for_a_seed_and_reuses_its_database() {
    let (dir, db) = temp_db();
    let (code, out, err) = jindu(&["demo", "--db", &db, "--persons", "60", "--seed", "7", "--no-serve"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("60 人 persons"), "{out}");
    let (code, out2, _) = jindu(&["demo", "--db", &db, "--no-serve"]);
    assert_eq!(code, 0);
    assert!(out2.contains("沿用已有演示数据"), "{out2}");
    let (dir2, db2) = temp_db();
    let (_, out3, _) = jindu(&["demo", "--db", &db2, "--persons", "60", "--seed", "7", "--no-serve"]);
    let events = |s: &str| s.split("persons, ").nth(1).and_then(|r| r.split(' ').next()).map(str::to_string);
    assert_eq!(events(&out), events(&out3), "same seed, same number of events");
    std::fs::remove_dir_all(dir).unwrap();
    std::fs::remove_dir_all(dir2).unwrap();
}
