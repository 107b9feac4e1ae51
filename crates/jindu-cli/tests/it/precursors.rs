//! `jindu precursors catalogue import|show` (issue #21 item 1): a future 公告 is added without a
//! release, judged together with the shipped catalogue; a bad row is refused naming the file, the
//! row and the column, nothing stored; the same file twice is stored once; the import is audited.

use std::path::Path;
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

fn suffix() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
}

const ENTRY_HEADER: &str = "id,name_zh,name_en,category,pharma,salts,family,key,unit,cas,hs_code,effective_from,effective_to,amendment,confidence,unconfirmed,note";
const AMENDMENT_HEADER: &str = "id,document,issuer,dated,effective,confidence,unconfirmed,source,note";

/// The count line of `show` on `day`.
fn count_line(db: &str, day: &str) -> (String, String) {
    let (code, out, err) = jindu(&["precursors", "catalogue", "show", "--db", db, "--on", day]);
    assert_eq!(code, 0, "{out}{err}");
    (out.lines().last().unwrap_or_default().to_string(), out)
}

async fn check(db: &str, dir: &Path) {
    use jindu_store::entities::{audit_record, precursor_catalogue};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let (code, out, err) = jindu(&["init", "--division", "430405", "--db", db]);
    assert_eq!(code, 0, "{out}{err}");

    // A made-up 公告 in force from 2027-01-01: its amendment record and one category-2 chemical
    // (synthetic test data, not a real listing).
    let amend = dir.join("2027-amendment.csv");
    std::fs::write(
        &amend,
        format!("{AMENDMENT_HEADER}\nA2027,测试公告（演示数据）,公安部等,2026-11-20,2027-01-01,confirmed,,test,\n"),
    )
    .unwrap();
    let entry = dir.join("2027-entries.csv");
    std::fs::write(
        &entry,
        format!("{ENTRY_HEADER}\ne48,测试品甲,test chemical A,2,no,yes,no,no,g,,,2027-01-01,,A2027,confirmed,,\n"),
    )
    .unwrap();

    // Shipped counts (data/precursors/README.md): 47 entries in force from 2025-07-20, none ending.
    let (before, _) = count_line(db, "2027-01-01");
    assert_eq!(before, "2027-01-01在列品种共47个。 / 47 entries in force on 2027-01-01.");

    // A bad row: category 4 (only 1, 2, 3 exist) and an amendment no file defines. Refused with
    // the file, the row and the column; exit 1; nothing stored.
    let bad = dir.join("bad.csv");
    std::fs::write(
        &bad,
        format!("{ENTRY_HEADER}\ne48,测试品甲,test chemical A,4,no,yes,no,no,g,,,2027-01-01,,A2027,confirmed,,\ne49,测试品乙,test chemical B,2,no,yes,no,no,g,,,2027-01-01,,A2099,confirmed,,\n"),
    )
    .unwrap();
    let (code, out, err) =
        jindu(&["precursors", "catalogue", "import", "--db", db, amend.to_str().unwrap(), bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(err.contains("文件bad.csv第2行“category”列的值“4”无效。"), "{err}");
    assert!(err.contains("File bad.csv, row 2: \"4\" is not a valid value of column \"category\"."), "{err}");
    assert!(err.contains("文件bad.csv第3行“amendment”列引用的“A2099”不存在。"), "{err}");
    assert_eq!(count_line(db, "2027-01-01").0, before);
    let conn = jindu_store::db::connect_existing(db).await.unwrap();
    assert_eq!(precursor_catalogue::Entity::find().count(&conn).await.unwrap(), 0);

    // The good 公告.
    let (code, out, err) =
        jindu(&["precursors", "catalogue", "import", "--db", db, amend.to_str().unwrap(), entry.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("已导入目录文件2027-amendment.csv, 2027-entries.csv：新增品种1个（e48 测试品甲 2027-01-01），修订记录1个（A2027），别名0个，混合物规则0个。"),
        "{out}"
    );
    // Not yet in force the day before; in force from its first day: 47 + 1.
    let (line, out) = count_line(db, "2026-12-31");
    assert_eq!(line, "2026-12-31在列品种共47个。 / 47 entries in force on 2026-12-31.");
    assert!(!out.contains("e48"), "{out}");
    let (line, out) = count_line(db, "2027-01-01");
    assert_eq!(line, "2027-01-01在列品种共48个。 / 48 entries in force on 2027-01-01.");
    assert!(out.contains("e48\t测试品甲\t2\t-\t-\t2027-01-01\t-"), "{out}");
    // 重点 and unconfirmed marks as shipped: 丙酮 (e41) is one of the four 重点; #19 unconfirmed.
    assert!(out.contains("\t丙酮\t3\t重点 / key\t-\t2005-11-01\t-"), "{out}");
    assert!(out.contains("e19\t"), "{out}");
    assert!(
        out.contains("未核实：category;effective_from;amendment / unconfirmed: category;effective_from;amendment"),
        "{out}"
    );

    // The same file again stores nothing and says so.
    let (code, out, err) = jindu(&["precursors", "catalogue", "import", "--db", db, entry.to_str().unwrap()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("文件2027-entries.csv与已导入或随版本发布的文件相同，未重复保存。"), "{out}");
    assert!(out.contains("未保存任何内容。 / Nothing was stored."), "{out}");
    assert_eq!(count_line(db, "2027-01-01").0, "2027-01-01在列品种共48个。 / 48 entries in force on 2027-01-01.");

    // Stored: two files with their kinds from the header; one audit record naming them.
    let files = precursor_catalogue::Entity::find().all(&conn).await.unwrap();
    let mut kinds: Vec<(String, String, String)> =
        files.iter().map(|f| (f.file_name.clone(), f.kind.clone(), f.imported_by.clone())).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("2027-amendment.csv".to_string(), "amendments".to_string(), "cli".to_string()),
            ("2027-entries.csv".to_string(), "catalogue".to_string(), "cli".to_string()),
        ]
    );
    let audited = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("precursor.catalogue_import"))
        .all(&conn)
        .await
        .unwrap();
    assert_eq!(audited.len(), 1, "one import stored; the refused and the repeated ones none");
    let detail = audited[0].detail.clone().unwrap_or_default();
    assert!(
        detail.contains("2027-amendment.csv (amendments") && detail.contains("2027-entries.csv (catalogue"),
        "{detail}"
    );
    assert!(detail.contains("entries: e48 测试品甲 from 2027-01-01; amendments: A2027;"), "{detail}");
    assert_eq!(audited[0].username, "cli");
    conn.close().await.unwrap();
    let (code, out, err) = jindu(&["audit", "verify", "--db", db]);
    assert_eq!(code, 0, "{out}{err}");
}

#[tokio::test]
async fn a_future_announcement_is_imported_without_a_release_sqlite() {
    let dir = std::env::temp_dir().join(format!("jindu-pcat-{}-{}", std::process::id(), suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}", dir.join("t.db").display());
    check(&db, &dir).await;
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn a_future_announcement_is_imported_without_a_release_postgres() {
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jindu_pcat_{}", suffix());
    let pg = jindu_store::db::create_postgres_database(&admin, &name).await.unwrap();
    let dir = std::env::temp_dir().join(format!("jindu-pcat-pg-{}-{}", std::process::id(), suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    check(&pg, &dir).await;
    jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}
