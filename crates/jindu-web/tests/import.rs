//! Import of an office's registry sheet (issue #6) on SQLite and PostgreSQL: a GBK CSV with a
//! title row and the office's own headers, a dry run that stores nothing, the real run, a
//! re-import that creates no duplicates, one bad row among 1,000 named by its row number with
//! nothing stored, repeats inside the file, and an .xlsx.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use jindu_domain::clock::Now;
use jindu_store::entities::{audit_record, event, measure, person};
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

async fn events(app: &TestApp, name: &str, bytes: &[u8], dry_run: bool) -> ImportReport {
    jindu_store::service::import::import_events(&app.db, &app.vault, &app.admin, now(), name, bytes, dry_run, |_, _| {})
        .await
        .unwrap()
}

both!(an_event_sheet_is_checked_row_by_row_then_recorded_once, |app: TestApp| async move {
    let a = app.person("张检", &id_for(501), "2026-09-01", "2026-09-08").await;
    app.person("李访", &id_for(502), "2026-09-01", "2026-09-08").await;
    let unregistered = id_for(599);
    // A title row, the office's words; rows 3–9: three good, four with problems.
    let sheet = |bad: bool| {
        let mut s =
            String::from("2026年10月检测走访台账,,,,,,\n公民身份号码,姓名,事项,检测时间,检测结果,检出毒品,情况\n");
        s.push_str(&format!("{},张检,尿检,2026-10-05,阴性,,按时检测\n", id_for(501)));
        s.push_str(&format!("{},,家访,2026/10/6,,,见到本人\n", id_for(502)));
        s.push_str(&format!("{},张检,毛发检测,2026年10月20日,阳性,冰毒,\n", id_for(501)));
        if bad {
            s.push_str(&format!("{unregistered},王某,尿检,2026-10-07,阴性,,\n")); // row 6: not registered here
            s.push_str(&format!("{},李某,走访,2026-10-08,,,\n", id_for(502))); // row 7: wrong name
            s.push_str(&format!("{},,报到,2026-12-01,,,\n", id_for(502))); // row 8: in the future
            s.push_str(&format!("{},,检测,2026-10-09,,,\n", id_for(501))); // row 9: no method, no result
        }
        s
    };
    let events_before = app.event_count().await;
    let r = events(&app, "台账.csv", sheet(true).as_bytes(), false).await;
    assert_eq!(r.header_row, 2);
    assert_eq!((r.rows, r.created), (7, 0));
    let rows: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(rows[0], (6, "id_number"), "{:?}", r.problems);
    assert!(r.problems[0].zh.contains("不是本辖区的在册人员"), "{}", r.problems[0].zh);
    assert!(!r.problems[0].zh.contains(&unregistered), "the number is masked in the message");
    assert_eq!(rows[1], (7, "name"));
    assert_eq!(rows[2].0, 8);
    assert!(rows[2..].iter().any(|(row, f)| *row == 9 && *f == "test_result"), "{:?}", r.problems);
    assert_eq!(app.event_count().await, events_before, "nothing recorded when any row has a problem");

    // The three good rows: recorded once; a second run finds them and records nothing.
    let r = events(&app, "台账.csv", sheet(false).as_bytes(), false).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.valid, r.existing, r.created), (3, 3, 0, 3));
    let recorded = event::Entity::find()
        .filter(event::Column::PersonId.eq(a))
        .filter(event::Column::Kind.eq("drug_test"))
        .all(&app.db)
        .await
        .unwrap();
    type Test = (String, Option<String>, Option<String>, Option<String>);
    let mut tests: Vec<Test> = recorded
        .iter()
        .map(|e| (e.occurred_on.to_string(), e.test_method.clone(), e.test_result.clone(), e.substance.clone()))
        .collect();
    tests.sort();
    assert_eq!(
        tests,
        vec![
            ("2026-10-05".into(), Some("urine".into()), Some("negative".into()), None),
            ("2026-10-20".into(), Some("hair".into()), Some("positive".into()), Some("methamphetamine".into())),
        ]
    );
    let r = events(&app, "台账.csv", sheet(false).as_bytes(), false).await;
    assert_eq!((r.existing, r.created), (3, 0));
    assert_eq!(app.event_count().await, events_before + 3);
    assert!(matches!(audit::verify(&app.db).await.unwrap(), audit::Verdict::Intact { .. }));
    app
});
