//! Import of an office's registry sheet (issue #6) on SQLite and PostgreSQL: a GBK CSV with a
//! title row and the office's own headers, a dry run that stores nothing, the real run, a
//! re-import that creates no duplicates, one bad row among 1,000 named by its row number with
//! nothing stored, repeats inside the file, and an .xlsx.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jindu_domain::clock::Now;
use jindu_store::entities::{audit_record, measure, person};
use jindu_store::service::import::{ImportReport, import_persons};
use jindu_store::service::{ServiceError, audit, indicators};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn now() -> Now {
    Now::at(fixed_instant())
}

/// A valid synthetic ID number with sequence `seq` (born 1985-03-0d).
fn id_for(seq: u32) -> String {
    let first17 = format!("430405198503{:02}{:03}", 1 + seq / 1000 % 28, seq % 1000);
    let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
    format!("{first17}{}", jindu_domain::id_number::check_digit(&bytes))
}

async fn run(app: &TestApp, name: &str, bytes: &[u8], dry_run: bool) -> ImportReport {
    import_persons(&app.db, &app.vault, &app.admin, now(), name, bytes, dry_run, |_, _| {}).await.unwrap()
}

/// The office's own layout: a merged title, a 填报单位 line, then 序号 and synonyms.
fn office_csv(rows: &[String]) -> String {
    let mut s =
        String::from("珠晖区社区戒毒社区康复人员登记表,,,,,,,\n填报单位：珠晖区禁毒办,,,,,填报日期：2026年11月,,\n");
    s.push_str("序号,姓 名,公民身份号码,所属街道,社区(村),管控措施,决定日期,报到日期\n");
    for (i, r) in rows.iter().enumerate() {
        s.push_str(&format!("{},{r}\n", i + 1));
    }
    s
}

both!(a_gbk_sheet_is_checked_then_imported_once, |app: TestApp| async move {
    let rows = vec![
        format!("张三,{},广东路街道,湖北路社区,社区戒毒,2026/9/1,2026年9月8日", id_for(1)),
        format!("李四,{},珠晖区广东路街道,,社区康复,2026-08-15,2026-08-20", id_for(2)),
        format!("王五,{},东风街道,,强戒,45901,", id_for(3)),
    ];
    let text = office_csv(&rows);
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let before = app.person_count().await;

    let r = run(&app, "登记表.csv", &gbk, true).await;
    assert_eq!(r.header_row, 3);
    assert_eq!((r.rows, r.valid, r.existing, r.created), (3, 3, 0, 0), "{:?}", r.problems);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.ignored, vec!["序号".to_string()]);
    assert_eq!(app.person_count().await, before, "a dry run stores nothing");

    let r = run(&app, "登记表.csv", &gbk, false).await;
    assert_eq!((r.valid, r.created), (3, 3), "{:?}", r.problems);
    assert_eq!(app.person_count().await, before + 3);
    // The import's upkeep of the indicator cells, summed and applied once, equals a recomputation.
    let kept = indicators::all_cells(&app.db).await.unwrap();
    indicators::rebuild(&app.db, |_| {}).await.unwrap();
    assert_eq!(kept, indicators::all_cells(&app.db).await.unwrap());
    let registered = kept.get(&("430405000000".to_string(), 0, "st.under_control".to_string())).copied();
    assert!(registered.unwrap_or(0) >= 3, "{kept:?}");
    // The community given by its short name, the town run together with the district, the
    // short form 强戒 and an Excel serial date (45901 = 2025-09-01).
    let zhang =
        person::Entity::find().filter(person::Column::DivisionCode.eq("430405009007")).all(&app.db).await.unwrap();
    assert_eq!(zhang.len(), 1);
    let li =
        person::Entity::find().filter(person::Column::DivisionCode.eq("430405009000")).count(&app.db).await.unwrap();
    assert_eq!(li, 1);
    let m =
        measure::Entity::find().filter(measure::Column::PersonId.eq(zhang[0].id)).one(&app.db).await.unwrap().unwrap();
    assert_eq!(
        (m.kind.as_str(), m.decision_date.to_string(), m.reported_on.map(|d| d.to_string())),
        ("community_detox", "2026-09-01".to_string(), Some("2026-09-08".to_string()))
    );
    let isolation =
        measure::Entity::find().filter(measure::Column::Kind.eq("compulsory_isolation")).all(&app.db).await.unwrap();
    assert!(isolation.iter().any(|m| m.decision_date.to_string() == "2025-09-01"), "{isolation:?}");

    // The same file again: every person is already registered; nothing new.
    let r = run(&app, "登记表.csv", &gbk, false).await;
    assert_eq!((r.rows, r.valid, r.existing, r.created), (3, 0, 3, 0));
    assert_eq!(app.person_count().await, before + 3);

    // Each import is audited with the file's hash, and the chain holds.
    let imports = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("person.import"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(imports.len(), 2);
    assert!(imports[0].detail.as_deref().unwrap_or_default().contains(&format!("sha256={}", r.file_hash)));
    assert!(matches!(audit::verify(&app.db).await.unwrap(), audit::Verdict::Intact { .. }));
    app
});

both!(one_bad_row_among_a_thousand_stores_nothing, |app: TestApp| async move {
    let mut rows: Vec<String> = (0..1000).map(|i| format!("人员{i},{},东风街道,,,,", id_for(100 + i))).collect();
    // Row 500 of the data (sheet row 3 + 500 = 503) has a wrong check digit.
    let bad = id_for(600);
    let wrong = format!("{}{}", &bad[..17], if bad.ends_with('0') { '1' } else { '0' });
    rows[499] = format!("人员499,{wrong},东风街道,,,,");
    let before = app.person_count().await;
    let r = run(&app, "big.csv", office_csv(&rows).as_bytes(), false).await;
    assert_eq!(r.rows, 1000);
    assert_eq!(r.created, 0);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert_eq!(r.problems[0].row, 503);
    assert_eq!(r.problems[0].field, "id_number");
    assert!(r.problems[0].zh.contains("校验码"), "{}", r.problems[0].zh);
    assert_eq!(app.person_count().await, before, "nothing stored when any row fails");
    app
});

both!(repeats_unknown_places_and_bad_files_are_named, |app: TestApp| async move {
    let rows = vec![
        format!("甲,{},东风街道,,,,", id_for(7)),
        format!("乙,{},不存在街道,,,,", id_for(8)),
        format!("丙,{},东风街道,,戒烟,,", id_for(9)),
        format!("丁,{},东风街道,,,,", id_for(7)),
    ];
    let r = run(&app, "x.csv", office_csv(&rows).as_bytes(), true).await;
    let by_row: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(by_row, vec![(5, "division"), (6, "measure_kind"), (7, "id_number")], "{:?}", r.problems);
    assert_eq!(r.problems[0].zh, "所属辖区“不存在街道”不存在或不在本辖区范围内（填乡镇街道、社区名称或区划代码）。");
    assert!(r.problems[1].zh.contains("社区戒毒"), "the choices are listed: {}", r.problems[1].zh);
    assert_eq!(r.problems[2].zh, "身份证号与第 4 行重复。");

    // A file that is no sheet, and a sheet without the required columns.
    let e = import_persons(&app.db, &app.vault, &app.admin, now(), "x.xlsx", b"PK\x03\x04junk", true, |_, _| {}).await;
    assert!(matches!(&e, Err(ServiceError::Invalid(v)) if v[0].field == "file"), "{e:?}");
    let e = import_persons(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        "x.csv",
        "姓名,身份证号,电话\n".as_bytes(),
        true,
        |_, _| {},
    )
    .await;
    match e {
        Err(ServiceError::Invalid(v)) => assert_eq!(v[0].zh, "表头缺少必填列：乡镇(街道)。"),
        other => panic!("{other:?}"),
    }
    app
});

both!(an_xlsx_with_a_merged_title_imports, |app: TestApp| async move {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.merge_range(0, 0, 0, 3, "人员登记表", &rust_xlsxwriter::Format::new()).unwrap();
    for (c, h) in ["姓名", "身份证号码", "乡镇（街道）", "决定日期"].iter().enumerate() {
        sheet.write_string(1, c as u16, *h).unwrap();
    }
    sheet.write_string(2, 0, "赵六").unwrap();
    // The ID number typed as text; a date cell as a real Excel date.
    sheet.write_string(2, 1, id_for(42)).unwrap();
    sheet.write_string(2, 2, "东风街道").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let before = app.person_count().await;
    let r = run(&app, "名单.xlsx", &bytes, false).await;
    assert_eq!(r.header_row, 2);
    assert_eq!((r.rows, r.created), (1, 1), "{:?}", r.problems);
    assert_eq!(app.person_count().await, before + 1);
    app
});
