//! The `jindu` binary refuses bad input with a sentence and exit code 1, and stores nothing.

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

/// Fills the database at `url` with the demo district of `persons` persons (`jindu demo
/// --no-serve`), its personal data sealed under the key file `key` when one is given.
fn demo(url: &str, persons: &str, key: Option<&std::path::Path>) {
    let mut args = vec!["demo", "--no-serve", "--persons", persons, "--db", url];
    if let Some(key) = key {
        args.extend(["--key-file", key.to_str().unwrap()]);
    }
    let (code, out, err) = jindu(&args);
    assert_eq!(code, 0, "{out}{err}");
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
    // No API token for the system administrator (it would step around the second factor).
    let (code, _, err) = jindu(&["token", "create", "--db", &db, "--username", "admin", "--name", "x"]);
    assert_eq!(code, 1);
    assert!(err.contains("系统管理员不能申请接口令牌"), "{err}");
    // The demo never writes invented persons and demo accounts into a real database.
    let (code, _, err) = jindu(&["demo", "--no-serve", "--db", &db, "--persons", "5"]);
    assert_eq!(code, 1);
    assert!(err.contains("是正式数据库") && err.contains("real database"), "{err}");
    // From the shell, when no administrator can sign in: a new initial password, audited.
    let (code, out, err) = jindu(&["user", "reset", "--db", &db, "--username", "admin", "--action", "reset_password"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("admin 新初始密码 / new initial password: "), "{out}");
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "nobody", "--action", "unlock"]);
    assert_eq!(code, 1);
    // The kind of record in both languages (msg.not_found with msg.object.user), no code word.
    assert!(err.contains("找不到该用户") && err.contains("The user was not found"), "{err}");
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "admin", "--action", "explode"]);
    assert_eq!(code, 1);
    assert!(err.contains("action"), "{err}");
    // Nothing is older than the retention yet; the prune itself is recorded and the chain holds.
    let (code, out, err) = jindu(&["audit", "prune", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已清理 0 条超过 12 个月的审计记录"), "{out}");
    let (_, out, _) = jindu(&["audit", "verify", "--db", &db]);
    assert!(out.contains("审计日志完整：共 4 条记录"), "{out}");
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
    // No person yet: the sweep finds nothing, in both languages.
    let (code, out, err) = jindu(&["sweep", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("巡检完成：0 人，评估 0 次，按规则失控 0 人，新预警 0 条，解除 0 条（"), "{out}");
    assert!(
        out.contains(" / sweep done: 0 persons, 0 assessed, 0 lost by rule, 0 alerts raised, 0 resolved ("),
        "{out}"
    );
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
    // The Chinese sentence, then the English one (the counts of events and records follow from
    // the seed).
    assert!(out.contains("演示数据已生成：60 人，"), "{out}");
    assert!(out.contains(" / demo data generated: 60 persons, "), "{out}");
    // Issue #18 item 10: `--persons` is the 在册 of the demo (862 by default, the speech's).
    assert!(out.contains("；在册 60 人，共 ") && out.contains("; 60 registered of "), "{out}");
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

/// Plaintexts of the demo's persons (through the key file) and the staff display names.
struct Clear {
    names: Vec<String>,
    id_numbers: Vec<String>,
    phones: Vec<String>,
    staff: Vec<String>,
}

async fn clear_values(url: &str, key: &std::path::Path) -> Clear {
    use jindu_store::entities::{app_user, person};
    use sea_orm::EntityTrait;
    let conn = jindu_store::db::connect_existing(url).await.unwrap();
    let vault = jindu_store::Vault::from_file(key).unwrap();
    let mut c = Clear { names: vec![], id_numbers: vec![], phones: vec![], staff: vec![] };
    for p in person::Entity::find().all(&conn).await.unwrap() {
        let row = p.id.to_string();
        assert!(p.name.starts_with("j1:aes-256-gcm:"), "sealed: {}", p.name);
        c.names.push(vault.open("person", "name", &row, &p.name).unwrap());
        c.id_numbers.push(vault.open("person", "id_number", &row, &p.id_number).unwrap());
        if let Some(ph) = &p.phone {
            c.phones.push(vault.open("person", "phone", &row, ph).unwrap());
        }
    }
    for u in app_user::Entity::find().all(&conn).await.unwrap() {
        c.staff.push(u.display_name.trim_end_matches("(社工)").to_string());
    }
    conn.close().await.unwrap();
    c
}

/// Fails if `bytes` holds any demo name, ID number or phone number in clear. Names that are
/// part of a staff member's display name are skipped (staff names are not case data and are
/// stored in clear: a person 邓静 and a social worker 邓静峰 share the text 邓静); a positive
/// control proves the scan reads text.
fn assert_nothing_in_clear(what: &str, bytes: &[u8], c: &Clear) {
    assert!(c.names.len() >= 200 && c.id_numbers.len() >= 200, "{what}: the demo has persons");
    let mut patterns: Vec<&str> =
        c.names.iter().filter(|n| !c.staff.iter().any(|s| s.contains(n.as_str()))).map(String::as_str).collect();
    assert!(patterns.len() > 150, "{what}: most names are checked");
    patterns.extend(c.id_numbers.iter().map(String::as_str));
    patterns.extend(c.phones.iter().map(String::as_str));
    let finder = aho_corasick::AhoCorasick::new(&patterns).unwrap();
    if let Some(m) = finder.find(bytes) {
        panic!("{what} holds a demo value in clear: {}", patterns[m.pattern().as_usize()]);
    }
    let control = aho_corasick::AhoCorasick::new(["珠晖区", "j1:aes-256-gcm:1:"]).unwrap();
    assert_eq!(
        control.find_iter(bytes).map(|m| m.pattern().as_usize()).collect::<std::collections::BTreeSet<_>>().len(),
        2,
        "{what}: control strings found"
    );
}

#[tokio::test]
async fn the_demo_at_rest_holds_no_names_or_id_numbers_in_clear() {
    // SQLite: the database file and its write-ahead log.
    let (dir, url) = temp_db();
    let key = dir.join("demo.key");
    demo(&url, "200", Some(&key));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&key).unwrap().permissions().mode() & 0o777, 0o600);
    }
    let clear = clear_values(&url, &key).await;
    let mut bytes = std::fs::read(dir.join("t.db")).unwrap();
    if let Ok(wal) = std::fs::read(dir.join("t.db-wal")) {
        bytes.extend(wal);
    }
    assert_nothing_in_clear("the SQLite file", &bytes, &clear);

    // PostgreSQL: a plain-text pg_dump of the demo database.
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jindu_rest_{}", rand_suffix());
    let pg = jindu_store::db::create_postgres_database(&admin, &name).await.unwrap();
    let pg_key = dir.join("pg.key");
    demo(&pg, "200", Some(&pg_key));
    let clear = clear_values(&pg, &pg_key).await;
    let dump = Command::new("pg_dump").arg("--dbname").arg(&pg).output().unwrap();
    assert!(dump.status.success(), "{}", String::from_utf8_lossy(&dump.stderr));
    assert_nothing_in_clear("the PostgreSQL dump", &dump.stdout, &clear);
    jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn keys_rotate_reencrypts_everything_and_a_wrong_key_is_refused() {
    use jindu_store::entities::person;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (dir, url) = temp_db();
    let key = dir.join("t.key");
    let key_arg = key.to_str().unwrap();
    demo(&url, "60", Some(&key));
    let before = clear_values(&url, &key).await;

    // Another database's keys are refused before anything is served.
    let other = dir.join("other.key");
    let (code, _, err) = jindu(&[
        "demo",
        "--no-serve",
        "--persons",
        "5",
        "--db",
        &format!("sqlite://{}", dir.join("other.db").display()),
        "--key-file",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        jindu(&["serve", "--db", &url, "--key-file", other.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("密钥与数据库不匹配") && err.contains("do not belong to this database"), "{err}");
    assert!(!err.contains("ERROR"), "a sentence, not a log line: {err}");
    // A demo database whose key file is gone is refused, and no new (wrong) key file is made.
    std::fs::remove_file(&other).unwrap();
    let other_db = format!("sqlite://{}", dir.join("other.db").display());
    let (code, _, err) = jindu(&["demo", "--no-serve", "--db", &other_db, "--key-file", other.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("密钥文件") && err.contains("is missing"), "{err}");
    assert!(!other.exists());

    let (code, out, err) = jindu(&["keys", "rotate", "--db", &url, "--key-file", key_arg, "--batch", "7", "--retire"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("新密钥版本 / new key version: 2"), "{out}");
    assert!(out.contains("旧密钥版本已移除"), "{out}");
    let (code, out, err) = jindu(&["keys", "status", "--db", &url, "--key-file", key_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("active version: 2") && out.contains("versions: [2]"), "{out}");
    let nothing_pending = "待重新加密：0 人员，0 记录，0 账号，0 个案工作，0 附件 / not yet under the active key: \
                           0 persons, 0 events, 0 accounts, 0 case work, 0 files\n";
    assert!(out.ends_with(nothing_pending), "{out}");

    // Every value now opens with version 2 alone, unchanged; blind indexes find the same persons.
    let after = clear_values(&url, &key).await;
    assert_eq!(before.names, after.names);
    assert_eq!(before.id_numbers, after.id_numbers);
    let conn = jindu_store::db::connect_existing(&url).await.unwrap();
    let vault = jindu_store::Vault::from_file(&key).unwrap();
    assert_eq!(vault.ring().versions(), vec![2]);
    for id in &after.id_numbers[..10] {
        let n = person::Entity::find()
            .filter(person::Column::IdNumberBidx.is_in(vault.id_number_search(id)))
            .count(&conn)
            .await
            .unwrap();
        assert_eq!(n, 1, "{id} found by its blind index after rotation");
    }
    let stale = person::Entity::find().filter(person::Column::Name.not_like("j1:aes-256-gcm:2:%")).count(&conn).await;
    assert_eq!(stale.unwrap(), 0);
    // The case-work values (working-group names) open with the new key alone.
    let members = jindu_store::entities::working_group_member::Entity::find().all(&conn).await.unwrap();
    assert!(!members.is_empty(), "the demo has working groups");
    for m in &members {
        assert!(m.name.starts_with("j1:aes-256-gcm:2:"), "{}", m.name);
        vault.open("working_group_member", "name", &m.id.to_string(), &m.name).unwrap();
    }
    conn.close().await.unwrap();
    let (code, out, err) = jindu(&["audit", "verify", "--db", &url, "--key-file", key_arg]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn plaintext_left_by_an_older_version_is_refused_then_sealed_by_keys_rotate() {
    use jindu_store::entities::person;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, EntityTrait};
    let (dir, url) = temp_db();
    let key = dir.join("t.key");
    let key_arg = key.to_str().unwrap();
    demo(&url, "20", Some(&key));
    let before = clear_values(&url, &key).await;
    // Write three persons back in clear, as a database made before encryption holds them.
    let conn = jindu_store::db::connect_existing(&url).await.unwrap();
    let vault = jindu_store::Vault::from_file(&key).unwrap();
    for p in person::Entity::find().all(&conn).await.unwrap().into_iter().take(3) {
        let row = p.id.to_string();
        let name = vault.open("person", "name", &row, &p.name).unwrap();
        let id_number = vault.open("person", "id_number", &row, &p.id_number).unwrap();
        let mut am: person::ActiveModel = p.into();
        am.name = Set(name);
        am.id_number = Set(id_number);
        am.update(&conn).await.unwrap();
    }
    conn.close().await.unwrap();
    let (code, _, err) = jindu(&["serve", "--db", &url, "--key-file", key_arg, "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("3 名人员的信息尚未加密") && err.contains("jindu keys rotate"), "{err}");
    let (code, out, err) = jindu(&["keys", "status", "--db", &url, "--key-file", key_arg]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("待重新加密：3 人员，") && out.contains("not yet under the active key: 3 persons, "), "{out}");
    let (code, out, err) = jindu(&["keys", "rotate", "--db", &url, "--key-file", key_arg]);
    assert_eq!(code, 0, "{out}{err}");
    let after = clear_values(&url, &key).await;
    assert_eq!(before.names, after.names, "every name reads back the same, now sealed");
    assert_eq!(before.id_numbers, after.id_numbers);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn init_can_choose_national_cryptography() {
    let (dir, db) = temp_db();
    let key = dir.join("sm.key");
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db, "--algorithm", "rot13"]);
    assert_eq!(code, 1);
    assert!(err.contains("rot13"), "{err}");
    let (code, out, err) = jindu(&[
        "init",
        "--division",
        "430405",
        "--db",
        &db,
        "--algorithm",
        "sm4-gcm",
        "--key-file",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sm4-gcm"), "{out}");
    assert!(std::fs::read_to_string(&key).unwrap().contains("\"algorithm\": \"sm4-gcm\""));
    let (code, out, err) = jindu(&["keys", "status", "--db", &db, "--key-file", key.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("算法 / algorithm: sm4-gcm  当前版本 / active version: 1"), "{out}");
    // Without the key file nothing starts, and the message says which file is missing.
    let missing = dir.join("missing.key");
    let (code, _, err) =
        jindu(&["serve", "--db", &db, "--key-file", missing.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
    assert_eq!(code, 1);
    assert!(err.contains("密钥文件不存在") && err.contains("missing.key"), "{err}");
    // A key file others can read is refused.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let (code, _, err) =
            jindu(&["serve", "--db", &db, "--key-file", key.to_str().unwrap(), "--listen", "127.0.0.1:0"]);
        assert_eq!(code, 1);
        assert!(err.contains("0600"), "{err}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

/// `jindu report indicators` in the current directory `dir`.
fn report(dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jindu"))
        .args(["report", "indicators"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn value_of(report: &serde_json::Value, code: &str) -> f64 {
    let list = report["indicators"].as_array().unwrap();
    list.iter().find(|i| i["code"] == code).unwrap_or_else(|| panic!("{code}"))["value"].as_f64().unwrap()
}

#[tokio::test]
async fn report_indicators_agrees_with_the_person_table_and_writes_a_workbook() {
    use jindu_domain::indicator::{Indicator, Month, Period};
    use jindu_store::entities::{audit_record, person};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let (dir, db) = temp_db();
    demo(&db, "150", None);
    // The current month: stock figures are the registry as it stands.
    let period = Period::Month(Month::of(jindu_domain::clock::Now::system().today)).code();

    let (code, out, err) = report(&dir, &["--db", &db, "--scope", "430405", "--period", &period, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let r: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(r["jurisdiction"]["code"], "430405");
    assert_eq!(r["jurisdiction"]["name"], "珠晖区");
    assert_eq!(r["period"]["code"], period.as_str());
    assert_eq!(r["demo"], true);
    assert_eq!(r["indicators"].as_array().unwrap().len(), Indicator::ALL.len());

    // 在册 = 在控 + 羁押 + 失控 + 出境, counted in the person table.
    let conn = jindu_store::db::connect_existing(&db).await.unwrap();
    let persons = person::Entity::find().all(&conn).await.unwrap();
    let registered = |prefix: &str| {
        persons
            .iter()
            .filter(|p| p.division_code.starts_with(prefix))
            .filter(|p| ["under_control", "in_custody", "lost_contact", "abroad"].contains(&p.control_status.as_str()))
            .count() as f64
    };
    // (Persons handed over to another county are no longer the district's.)
    let with = |status: &[&str]| {
        persons
            .iter()
            .filter(|p| p.division_code.starts_with("430405") && status.contains(&p.control_status.as_str()))
            .count() as f64
    };
    assert!(registered("430405") > 50.0, "the demo has registered persons");
    assert_eq!(value_of(&r, "registered"), registered("430405"));
    assert_eq!(value_of(&r, "under_control"), with(&["under_control", "in_custody"]));
    assert_eq!(value_of(&r, "lost"), with(&["lost_contact"]));
    assert_eq!(value_of(&r, "abstinent_3y"), with(&["abstinent_3y"]));
    // The towns below add up to the district, ranked on 失控率.
    let kids = r["children"].as_array().unwrap();
    assert_eq!(kids.len(), 10, "珠晖区 has 10 streets and towns");
    let sum: f64 = kids.iter().map(|k| k["figures"]["registered"]["value"].as_f64().unwrap()).sum();
    assert_eq!(sum, registered("430405"));
    assert_eq!(r["rank_by"], "loss_rate");
    assert_eq!(kids[0]["rank"], 1);

    // A town and a community: their own persons (a community's figures are summed from its
    // persons, cells being kept per town).
    let mut by_community: std::collections::BTreeMap<&str, usize> = Default::default();
    for p in &persons {
        *by_community.entry(p.division_code.as_str()).or_default() += 1;
    }
    let (community, _) = by_community.iter().max_by_key(|(_, n)| **n).unwrap();
    let town = &community[..9];
    for scope in [town, *community] {
        let (code, out, err) = report(
            &dir,
            &["--db", &db, "--scope", scope, "--period", &period, "--format", "json", "--rank-by", "registered"],
        );
        assert_eq!(code, 0, "{scope}: {err}");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(value_of(&r, "registered"), registered(scope), "{scope}");
        assert!(value_of(&r, "registered") > 0.0, "{scope}");
    }

    // The workbook: to --out, or to indicators-CODE-PERIOD.xlsx in the current directory.
    let (code, out, err) = report(
        &dir,
        &["--db", &db, "--scope", "430405", "--period", &period, "--format", "xlsx", "--out", "report.xlsx"],
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("report.xlsx"), "{out}");
    let (code, _, err) = report(&dir, &["--db", &db, "--scope", "430405", "--period", "2026-Q4", "--format", "xlsx"]);
    assert_eq!(code, 0, "{err}");
    assert!(dir.join("indicators-430405-2026-Q4.xlsx").exists());
    {
        use calamine::{Data, Reader, Xlsx};
        let mut wb: Xlsx<_> = calamine::open_workbook(dir.join("report.xlsx")).unwrap();
        assert_eq!(wb.sheet_names(), ["指标", "下级排名", "趋势", "缴获毒品"]);
        let sheet = wb.worksheet_range("指标").unwrap();
        let cell = |r: u32, c: u32| sheet.get_value((r, c)).cloned().unwrap_or(Data::Empty);
        assert!(matches!(cell(0, 0), Data::String(s) if s.starts_with("【演示数据】珠晖区（430405）")));
        assert_eq!(cell(1, 0), Data::String("指标".into()));
        assert_eq!(cell(1, 2), Data::String("数值".into()));
        assert_eq!(cell(2, 0), Data::String("在册人数".into()));
        assert_eq!(cell(2, 2), Data::Float(registered("430405")));
        let ranking = wb.worksheet_range("下级排名").unwrap();
        assert_eq!(ranking.get_value((1, 0)), Some(&Data::String("排名".into())));
        assert_eq!(ranking.get_value((2, 0)), Some(&Data::Float(1.0)));
    }

    // Refused input: the field named, exit code 2, nothing audited.
    let refused: [(&[&str], &str); 7] = [
        (&["--scope", "430405", "--period", "2026-13", "--format", "json"], "统计期间"),
        (&["--scope", "430405", "--period", "十月", "--format", "xlsx"], "统计期间"),
        (&["--scope", "439999", "--period", &period, "--format", "json"], "统计范围"),
        (&["--scope", "43a405", "--period", &period, "--format", "json"], "统计范围"),
        (&["--scope", "nation", "--period", &period, "--format", "json"], "统计范围"),
        (&["--scope", "430405", "--period", &period, "--format", "csv"], "导出格式"),
        (&["--scope", "430405", "--period", &period, "--format", "json", "--rank-by", "nope"], "排名指标"),
    ];
    for (args, field) in refused {
        let (code, out, err) = report(&dir, &[&["--db", db.as_str()][..], args].concat());
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(field) && err.contains(" / "), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }

    // Each report given out is in the audit log, and the chain holds.
    let audited = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("report.indicators"))
        .order_by_asc(audit_record::Column::Seq)
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(audited.len(), 5, "json ×3, xlsx ×2");
    assert_eq!(audited[0].username, "cli");
    let detail = format!("scope 430405 period {period} format json rank_by loss_rate");
    assert_eq!(audited[0].detail.as_deref(), Some(detail.as_str()));
    assert_eq!(audited[4].object_id.as_deref(), Some("430405000000"));
    conn.close().await.unwrap();
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn bench_indicators_prints_every_figure_and_the_kept_cells_agree_with_group_by() {
    // Two tiny sizes over 珠晖区's divisions only (the national list takes a minute in a debug
    // build): every scope prints timings, and "yes" means the kept cells equal a GROUP BY over
    // the base tables (persons by status, tests done and positive in the month).
    let (code, out, err) = jindu(&[
        "bench",
        "indicators",
        "--persons",
        "60,120",
        "--within",
        "430405",
        "--requests",
        "5",
        "--writes",
        "8",
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("persons: 60 in 1 counties"), "{out}");
    assert!(out.contains("persons: 120 in 1 counties"), "{out}");
    for scope in ["全国 000000000000", "湖南省 430000000000", "珠晖区 430405000000"] {
        let lines: Vec<&str> = out.lines().filter(|l| l.contains(scope)).collect();
        // Two sizes, each with a timing line and a summary line, and the growth line.
        assert_eq!(lines.len(), 5, "{scope}: {out}");
        assert_eq!(lines.iter().filter(|l| l.contains("  yes (在册")).count(), 2, "{scope}: {out}");
    }
    assert!(!out.contains(" NO "), "{out}");
    assert_eq!(out.matches("upkeep costs").count(), 4, "{out}");
    assert_eq!(out.matches("p50 growth 60 → 120 persons").count(), 3, "{out}");
    assert!(out.contains("peak memory (VmHWM)"), "{out}");

    // Refused input: a scope without 珠晖区, an empty size, a database that is not PostgreSQL.
    let (code, _, err) = jindu(&["bench", "indicators", "--persons", "60", "--within", "110105"]);
    assert_eq!(code, 1);
    assert!(err.contains("必须包含珠晖区") && err.contains("must contain"), "{err}");
    let (code, _, err) = jindu(&["bench", "indicators", "--persons", "0"]);
    assert_eq!(code, 1);
    assert!(err.contains("至少 10 人"), "{err}");
    let (code, _, err) =
        jindu(&["bench", "indicators", "--persons", "60", "--within", "430405", "--db", "sqlite://x.db"]);
    assert_eq!(code, 1);
    assert!(err.contains("postgres://"), "{err}");
}

#[test]
fn import_persons_checks_then_imports_once_and_names_bad_rows() {
    let (dir, db) = temp_db();
    demo(&db, "10", None);
    let id = |seq: u32| {
        let first17 = format!("43040519850301{seq:03}");
        let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
        format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
    };
    // Excel's "CSV UTF-8" (with a byte-order mark), the office's own headers.
    let good = dir.join("登记表.csv");
    // Decided two months ago (the CLI runs on today's date; an older unreported decision would
    // be asked for its report or end date).
    let decided = jindu_domain::days::add_days(jindu_domain::clock::Now::system().today, -60);
    let text = format!(
        "\u{FEFF}姓名,公民身份号码,乡镇（街道）,管控措施,决定日期\n测试甲,{},东风街道,社区戒毒,{decided}\n测试乙,{},广东路街道,,\n",
        id(901),
        id(902)
    );
    std::fs::write(&good, text).unwrap();
    let file = good.to_str().unwrap();
    let import = |extra: &[&str]| {
        let mut args = vec!["import", "persons", "--db", &db, "--username", "office"];
        args.extend_from_slice(extra);
        jindu(&args)
    };
    let (code, out, err) = import(&["--dry-run", file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("\n2 行：2 行可导入，0 人已登记(跳过)，0 行有问题；"), "{out}");
    assert!(out.contains(" / 2 rows: 2 valid, 0 already registered (skipped), 0 with problems; "), "{out}");
    assert!(out.contains("nothing stored (--dry-run)"), "{out}");
    let (code, out, err) = import(&[file]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已导入 2 人 / imported 2 persons"), "{out}");
    let (code, out, _) = import(&[file]);
    assert_eq!(code, 0);
    assert!(out.contains("\n2 行：0 行可导入，2 人已登记(跳过)，0 行有问题；"), "{out}");
    assert!(out.contains(" / 2 rows: 0 valid, 2 already registered (skipped), 0 with problems; "), "{out}");
    assert!(out.ends_with("\n已导入 0 人 / imported 0 persons\n"), "{out}");

    // One bad row: named with its row number, exit 1, nothing stored.
    let bad = dir.join("bad.csv");
    let wrong = format!("{}X", &id(904)[..17]);
    std::fs::write(&bad, format!("姓名,身份证号,乡镇(街道)\n测试丙,{},东风街道\n测试丁,{wrong},东风街道\n", id(903)))
        .unwrap();
    let (code, out, err) = import(&[bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    // The row's problem from the catalogue in both languages (the check digit 904 should have).
    let expected = id(904).chars().nth(17).unwrap();
    let row_3 = format!(
        "\n第 3 行 [id_number]：身份证号校验码错误：应为{expected}，实为X。 / \
         row 3 [id_number]: ID number check digit is wrong: expected {expected}, found X.\n"
    );
    assert!(out.contains(&row_3), "{out}");
    assert!(out.contains("\n2 行：1 行可导入，0 人已登记(跳过)，1 行有问题；"), "{out}");
    assert_eq!(err, "错误 / error: 有 1 行存在问题，未导入任何数据 / 1 rows have problems; nothing was imported\n");
    let (_, out, _) = import(&[bad.to_str().unwrap()]);
    assert!(out.contains("\n2 行：1 行可导入，0 人已登记(跳过)，1 行有问题；"), "the good row was not stored: {out}");

    // Not a sheet; an unknown account.
    std::fs::write(dir.join("x.pdf"), b"%PDF").unwrap();
    let (code, _, err) = import(&[dir.join("x.pdf").to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("不支持的文件类型") && err.contains("Unsupported file type"), "{err}");
    let (code, _, err) = jindu(&["import", "persons", "--db", &db, "--username", "nobody", file]);
    assert_eq!(code, 1);
    assert!(err.contains("用户“nobody”不存在"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn workstations_are_listed_added_and_staffed_from_the_shell() {
    let (dir, db) = temp_db();
    demo(&db, "10", None);
    let ws = |args: &[&str]| {
        let mut all = vec!["workstation"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--db", &db, "--username", "office"]);
        jindu(&all)
    };
    // The demo leaves the last two of 珠晖区's ten towns without one: 8 / 10.
    let (code, out, err) = ws(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("工作站覆盖率：80.0%（8 / 10 个乡镇街道） / coverage: 80.0% (8 / 10 towns)\n"), "{out}");
    let (code, _, err) = ws(&["add", "--name", "和平乡工作站", "--town", "和平乡", "--opened-on", "2099-01-01"]);
    assert_eq!(code, 1);
    assert!(err.contains("成立日期 2099-01-01 晚于今天") && err.contains("is after today"), "{err}");
    let (code, out, err) = ws(&["add", "--name", "和平乡工作站", "--town", "430405200", "--opened-on", "2020-05-04"]);
    assert_eq!(code, 0, "{err}");
    let id = out.trim().rsplit(": ").next().unwrap().to_string();
    let (_, out, _) = ws(&["list"]);
    assert!(
        out.starts_with("工作站覆盖率：90.0%（9 / 10 个乡镇街道） / coverage: 90.0% (9 / 10 towns)\n")
            && out.contains("和平乡工作站\t湖南省/衡阳市/珠晖区/和平乡\t2020-05-04"),
        "{out}"
    );
    let (code, _, err) = ws(&["staff", "--id", "not-an-id", "--worker", "sg01"]);
    assert_eq!(code, 2, "a malformed id is a usage error");
    assert!(err.contains("--id"), "{err}");
    let (code, _, err) = ws(&["staff", "--id", &id, "--worker", "nobody"]);
    assert_eq!(code, 1);
    assert!(err.contains("“nobody”不是和平乡的禁毒社工账号"), "{err}");
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("审计日志完整"), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// `jindu audit anchor` exports the signed head; after the database file is replaced by an
/// older copy, `jindu audit verify --anchor` says it was rolled back, while the older anchor
/// still verifies; a file that is not an anchor is refused with a sentence.
#[test]
fn audit_anchor_detects_a_database_rolled_back_to_an_older_copy() {
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    let first = dir.join("first.json");
    let (code, out, err) = jindu(&["audit", "anchor", "--db", &db, "--out", first.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("已导出审计锚点") && out.contains("audit anchor exported"), "{out}");
    // The older copy (the database file and its write-ahead log, if any).
    let copy = dir.join("old.db");
    std::fs::copy(dir.join("t.db"), &copy).unwrap();
    let wal = dir.join("t.db-wal").exists();
    if wal {
        std::fs::copy(dir.join("t.db-wal"), dir.join("old.db-wal")).unwrap();
    }
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "admin", "--action", "unlock"]);
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = jindu(&["audit", "anchor", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(json.contains("\"format\":\"jindu-audit-seal/1\"") && json.contains("\"hmac\""), "{json}");
    let second = dir.join("second.json");
    std::fs::write(&second, &json).unwrap();
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db, "--anchor", second.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("审计日志完整"), "{out}");
    // Roll back to the older copy.
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("t.db{suffix}")));
    }
    std::fs::copy(&copy, dir.join("t.db")).unwrap();
    if wal {
        std::fs::copy(dir.join("old.db-wal"), dir.join("t.db-wal")).unwrap();
    }
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "on its own the older copy is consistent: {err}");
    assert!(out.contains("审计日志完整"), "{out}");
    let (code, _, err) = jindu(&["audit", "verify", "--db", &db, "--anchor", second.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("回滚") && err.contains("rolled back"), "{err}");
    let (code, _, err) = jindu(&["audit", "verify", "--db", &db, "--anchor", first.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let bad = dir.join("bad.json");
    std::fs::write(&bad, "{\"format\":\"something else\"}").unwrap();
    let (code, _, err) = jindu(&["audit", "verify", "--db", &db, "--anchor", bad.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("锚点文件格式不对"), "{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

/// The 24 complete months before the current one, oldest first, as `YYYY-MM`.
fn last_24_months() -> Vec<String> {
    use jindu_domain::indicator::Month;
    let this = Month::of(jindu_domain::clock::Now::system().today);
    (1..=24).rev().map(|back| this.plus(-back).to_string()).collect()
}

/// Issue #18 item 20: the demo moves like a district over two years. Checks a demo of 400
/// registered persons on `db` month by month through `jindu report indicators`, and its
/// transfer history in the database.
async fn check_demo_dynamics(dir: &std::path::Path, db: &str) {
    use jindu_store::entities::{person, transfer};
    use sea_orm::EntityTrait;
    let (code, out, err) = jindu(&["demo", "--no-serve", "--persons", "400", "--db", db]);
    assert_eq!(code, 0, "{out}{err}");
    let mut series: std::collections::BTreeMap<&str, Vec<f64>> = Default::default();
    let codes = [
        "registered",
        "newly_found",
        "relapses",
        "lost",
        "abstinent_3y",
        "social_workers",
        "tests_due",
        "tests_done",
        "tests_on_time_rate",
        "visits_on_time_rate",
    ];
    for m in last_24_months() {
        let (code, out, err) = report(dir, &["--db", db, "--scope", "430405", "--period", &m, "--format", "json"]);
        assert_eq!(code, 0, "{m}: {err}");
        let r: serde_json::Value = serde_json::from_str(&out).unwrap();
        for c in codes {
            series.entry(c).or_default().push(value_of(&r, c));
        }
    }
    let s = |c: &str| series[c].clone();
    let months_with = |c: &str| s(c).iter().filter(|v| **v > 0.0).count();
    let distinct = |c: &str| {
        let mut v: Vec<i64> = s(c).iter().map(|x| (*x * 10.0) as i64).collect();
        v.sort_unstable();
        v.dedup();
        v.len()
    };
    let steps = |c: &str| {
        let v = s(c);
        let ups = v.windows(2).filter(|w| w[1] > w[0]).count();
        let downs = v.windows(2).filter(|w| w[1] < w[0]).count();
        (ups, downs)
    };
    let all = format!("{series:?}");
    // New discoveries and relapses nearly every month; 在册 moving, not flat.
    assert!(months_with("newly_found") >= 16, "新发现 in most months: {all}");
    assert!(months_with("relapses") >= 20, "复吸 in most months: {all}");
    assert!(distinct("registered") >= 8, "在册 moves: {all}");
    // Losses rise and fall: persons lost, and persons found again.
    let (ups, downs) = steps("lost");
    assert!(ups >= 3 && downs >= 3, "失控 rises and falls ({ups} up, {downs} down): {all}");
    // Persons leave the register for three years' abstinence across the two years.
    assert!(steps("abstinent_3y").0 >= 6, "戒断三年 grows: {all}");
    assert!(distinct("social_workers") >= 2, "social workers were taken on: {all}");
    // Duties: every month has tests due, done near the number due (an ended measure keeps its
    // duties), mostly on time.
    for (i, (due, done)) in s("tests_due").iter().zip(s("tests_done")).enumerate() {
        assert!(*due > 0.0 && done / due > 0.6 && done / due < 1.6, "month {i}: {due} due, {done} done: {all}");
    }
    for c in ["tests_on_time_rate", "visits_on_time_rate"] {
        assert!(s(c).iter().all(|r| (55.0..=100.0).contains(r)), "{c}: {all}");
    }
    // Transfers of the two years: moved between towns, received from and handed over to other
    // counties; the persons handed over are no longer the district's.
    let conn = jindu_store::db::connect_existing(db).await.unwrap();
    let transfers = transfer::Entity::find().all(&conn).await.unwrap();
    let count = |external: bool, status: &str| {
        transfers.iter().filter(|t| t.external == external && t.status == status).count()
    };
    assert!(count(false, "reported") >= 3, "moved between towns");
    assert!(count(true, "reported") >= 3, "received from another county");
    assert!(count(true, "handed_over") >= 3, "handed over to another county");
    let persons = person::Entity::find().all(&conn).await.unwrap();
    for t in transfers.iter().filter(|t| t.status == "handed_over") {
        let p = persons.iter().find(|p| p.id == t.person_id).unwrap();
        assert!(!p.division_code.starts_with("430405"), "handed over: out of the district");
    }
    conn.close().await.unwrap();
}

#[tokio::test]
async fn the_demo_moves_like_a_district_over_two_years() {
    let (dir, db) = temp_db();
    check_demo_dynamics(&dir, &db).await;
    std::fs::remove_dir_all(&dir).unwrap();
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jindu_moves_{}", rand_suffix());
    let pg = jindu_store::db::create_postgres_database(&admin, &name).await.unwrap();
    let (dir, _) = temp_db();
    check_demo_dynamics(&dir, &pg).await;
    jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn serve_stops_cleanly_on_sigterm() {
    // Issue #20 item 4: SIGTERM (a service manager, `docker stop`) cut the server off; now it
    // lets requests in flight finish, seals the audit log and exits 0.
    use std::io::{BufRead, BufReader, Read};
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    let mut server = Command::new(env!("CARGO_BIN_EXE_jindu"))
        .args(["serve", "--db", &db, "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(server.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|r| r.split('/').next()).expect(&line).to_string();
    // The server answers, then gets SIGTERM.
    let mut stream = std::net::TcpStream::connect(&addr).unwrap();
    std::io::Write::write_all(&mut stream, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200") && answer.ends_with("ok"), "{answer}");
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let status = loop {
        if let Some(status) = server.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(30), "still running 30 s after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(status.code(), Some(0), "exit after SIGTERM: {status:?}; {rest}");
    assert!(rest.contains("已停止 / stopped"), "{rest}");
    // Nothing is left half-done: the audit log verifies.
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{out}{err}");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn user_edit_disable_and_enable_from_the_shell() {
    // Issue #20 item 6: a change of unit, disable and enable, each printed and audited; the only
    // administrator is kept; a member-unit account needs its unit.
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) =
        jindu(&["user", "add", "--db", &db, "--username", "zg01", "--role", "town_officer", "--division", "430405009"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = jindu(&["user", "edit", "--db", &db, "--username", "ZG01", "--division", "430405007"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "user.division zg01: 430405009000 → 430405007000\n");
    let (code, out, _) = jindu(&["user", "edit", "--db", &db, "--username", "zg01", "--division", "430405007"]);
    assert_eq!((code, out.as_str()), (0, "未改变 / nothing changed: zg01\n"));
    let (code, out, err) = jindu(&["user", "reset", "--db", &db, "--username", "zg01", "--action", "disable"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "已完成 / done: disable zg01\n");
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "zg01", "--action", "disable"]);
    assert_eq!(code, 1);
    assert!(err.contains("该账号已停用。 / This account is already disabled."), "{err}");
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "zg01", "--action", "enable"]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = jindu(&["user", "reset", "--db", &db, "--username", "admin", "--action", "disable"]);
    assert_eq!(code, 1);
    assert!(err.contains("不能停用最后一个启用的系统管理员账号"), "{err}");
    let (code, _, err) = jindu(&["user", "edit", "--db", &db, "--username", "admin", "--role", "office"]);
    assert_eq!(code, 1);
    assert!(err.contains("不能停用最后一个启用的系统管理员账号"), "{err}");
    let (code, _, err) = jindu(&["user", "add", "--db", &db, "--username", "jyj01", "--role", "member_unit"]);
    assert_eq!(code, 1);
    assert!(err.contains("成员单位账号须选择所属成员单位。 / A member-unit account needs its member unit."), "{err}");
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    // init's 2, zg01's creation, the change of unit, disable, enable.
    assert!(out.contains("审计日志完整：共 6 条记录"), "{out}");
    std::fs::remove_dir_all(dir).ok();
}

/// Without JINDU_PASSWORD (or JINDU_TRANSFER_PASSPHRASE) and without a terminal — cron, a pipe,
/// a service — `user add` and `transfer import` say which variable to set, exit 2 and store
/// nothing (they used to print "No such device or address (os error 6)" from the prompt).
#[test]
fn a_secret_asked_for_without_a_terminal_names_the_variable_to_set() {
    let (dir, db) = temp_db();
    let (code, _, err) = jindu(&["init", "--division", "430405", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    let without_terminal = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_jindu"))
            .args(args)
            .env_remove("JINDU_PASSWORD")
            .env_remove("JINDU_TRANSFER_PASSPHRASE")
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, out, err) = without_terminal(&["user", "add", "--db", &db, "--username", "sg09", "--role", "office"]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(
        err,
        "错误 / error: 未提供密码：请设置环境变量 JINDU_PASSWORD，或在终端中运行本命令并输入密码 / \
         no password given: set JINDU_PASSWORD, or run the command in a terminal and type it\n"
    );
    let file = dir.join("from-elsewhere.jindu");
    std::fs::write(&file, b"a transfer file").unwrap();
    let (code, out, err) =
        without_terminal(&["transfer", "import", "--db", &db, "--town", "430405009", file.to_str().unwrap()]);
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(
        err,
        "错误 / error: 未提供口令：请设置环境变量 JINDU_TRANSFER_PASSPHRASE，或在终端中运行本命令并输入口令 / \
         no passphrase given: set JINDU_TRANSFER_PASSPHRASE, or run the command in a terminal and type it\n"
    );
    // Nothing was written: the audit log holds init's two records only, and the same account is
    // made once the variable is set.
    let (code, out, err) = jindu(&["audit", "verify", "--db", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("审计日志完整：共 2 条记录"), "{out}");
    let (code, out, err) = jindu(&["user", "add", "--db", &db, "--username", "sg09", "--role", "office"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("已创建用户 / account created: "), "{out}");
    std::fs::remove_dir_all(dir).unwrap();
}
