//! Import of an office's registry sheet (issue #6) on SQLite and PostgreSQL: a GBK CSV with a
//! title row and the office's own headers, a dry run that stores nothing, the real run, a
//! re-import that creates no duplicates, one bad row among 1,000 named by its row number with
//! nothing stored, repeats inside the file, and an .xlsx.

use crate::common::Sentences;
use crate::common::*;
use jindu_domain::clock::Now;
use jindu_store::entities::{event, measure, person};
use jindu_store::service::import::{ImportReport, import_persons};
use jindu_store::service::{ServiceError, audit, indicators};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

fn now() -> Now {
    Now::at(fixed_instant())
}

/// A valid synthetic ID number with sequence `seq` (born 1985-03-0d).
fn id_for(seq: u32) -> String {
    id_in_month("198503", seq)
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
    indicators::rebuild(&app.db, jindu_domain::clock::Now::at(fixed_instant()).today, |_| {}).await.unwrap();
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
    let imports = app.audited("person.import").await;
    assert_eq!(imports.len(), 2);
    assert!(imports[0].detail.as_deref().unwrap_or_default().contains(&format!("sha256={}", r.file_hash)));
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), audit::Verdict::Intact { .. }));
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
    assert!(r.problems[0].zh().contains("校验码"), "{}", r.problems[0].zh());
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
    assert_eq!(r.problems[0].zh(), "所属辖区“不存在街道”不存在或不在本辖区范围内（填乡镇街道、社区名称或区划代码）。");
    assert!(r.problems[1].zh().contains("社区戒毒"), "the choices are listed: {}", r.problems[1].zh());
    assert_eq!(r.problems[2].zh(), "身份证号与第 4 行重复。");

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
        Err(ServiceError::Invalid(v)) => assert_eq!(v[0].zh(), "表头缺少必填列：乡镇(街道)。"),
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
    assert!(r.problems[0].zh().contains("不是本辖区的在册人员"), "{}", r.problems[0].zh());
    assert!(!r.problems[0].zh().contains(&unregistered), "the number is masked in the message");
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
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), audit::Verdict::Intact { .. }));
    app
});

async fn measures(app: &TestApp, bytes: &[u8], dry_run: bool) -> ImportReport {
    jindu_store::service::import::import_sheet(
        &app.db,
        &app.vault,
        &app.admin,
        now(),
        jindu_store::service::import::SheetKind::Measures,
        jindu_store::service::import::ImportRequest::new("措施.csv", bytes, dry_run),
        |_, _| {},
    )
    .await
    .unwrap()
}

/// (kind, decision date, end date, end reason) of a person's measures, oldest decision first.
async fn measures_of(app: &TestApp, person: uuid::Uuid) -> Vec<(String, String, Option<String>, Option<String>)> {
    let mut v: Vec<_> = measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.kind, m.decision_date.to_string(), m.ended_on.map(|d| d.to_string()), m.end_reason))
        .collect();
    v.sort_by(|a, b| a.1.cmp(&b.1));
    v
}

both!(a_measure_sheet_brings_later_and_past_measures_once, |app: TestApp| async move {
    // id_for(601), (602): men born 1985; id_for(604): a woman (even 17th digit).
    let man = app.person("张措", &id_for(601), "2026-09-01", "2026-09-08").await;
    app.person("李措", &id_for(602), "2026-09-01", "2026-09-08").await;
    let woman = app.person("王措", &id_for(604), "2026-09-01", "2026-09-08").await;
    let header = "戒毒措施台账,,,,,,,\n身份证号码,姓名,措施类型,责令日期,报到时间,解除日期,解除原因,豁免已核查\n";
    let good = [
        // Row 3: compulsory isolation; ends the open community detox (禁毒法 §38).
        format!("{},张措,强戒,2026-10-10,,,,\n", id_for(601)),
        // Row 4: a past community detox, ended at expiry three years later.
        format!("{},,社区戒毒,2020-01-05,2020-01-10,2023-01-09,期满,\n", id_for(601)),
    ];
    let bad = [
        // Row 5: a community rehabilitation while the detox is open.
        format!("{},,社区康复,2026-10-01,,,,\n", id_for(602)),
        // Row 6: a past measure overlapping the open detox (from 2026-09-01).
        format!("{},,社戒,2021-03-01,,2026-09-15,期满解除,\n", id_for(602)),
        // Row 7: no one registered here.
        format!("{},,社区戒毒,2026-10-01,,,,\n", id_for(699)),
        // Row 8: an end reason without its date.
        format!("{},,强制隔离戒毒,2026-10-01,,,期满,\n", id_for(602)),
        // Row 9: a woman's compulsory isolation without the §39 check.
        format!("{},,强制隔离戒毒,2026-10-20,,,,\n", id_for(604)),
    ];
    let measures_before = measure::Entity::find().count(&app.db).await.unwrap();
    let text = format!("{header}{}{}", good.concat(), bad.concat());
    let r = measures(&app, text.as_bytes(), false).await;
    assert_eq!((r.rows, r.created), (7, 0));
    let rows: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(
        rows,
        vec![(5, "measure_kind"), (6, "end_date"), (7, "id_number"), (8, "end_date"), (9, "exemptions_checked")],
        "{:?}",
        r.problems
    );
    assert!(r.problems[0].zh().contains("尚未结束"), "{}", r.problems[0].zh());
    assert!(r.problems[1].zh().contains("2026-09-01 至 至今"), "{}", r.problems[1].zh());
    assert!(r.problems[4].zh().contains("豁免已核查"), "{}", r.problems[4].zh());
    assert_eq!(measure::Entity::find().count(&app.db).await.unwrap(), measures_before, "nothing stored");

    // The good rows and the woman's row with the check done: three measures, once.
    let checked = format!("{},王措,强制隔离戒毒,2026-10-20,,,,是\n", id_for(604));
    let text = format!("{header}{}{checked}", good.concat());
    let r = measures(&app, text.as_bytes(), false).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.valid, r.existing, r.created), (3, 3, 0, 3));
    let s = |v: &str| v.to_string();
    assert_eq!(
        measures_of(&app, man).await,
        vec![
            (s("community_detox"), s("2020-01-05"), Some(s("2023-01-09")), Some(s("expiry"))),
            (s("community_detox"), s("2026-09-01"), Some(s("2026-10-10")), Some(s("to_compulsory_isolation"))),
            (s("compulsory_isolation"), s("2026-10-10"), None, None),
        ]
    );
    assert_eq!(
        measures_of(&app, woman).await,
        vec![
            (s("community_detox"), s("2026-09-01"), Some(s("2026-10-20")), Some(s("to_compulsory_isolation"))),
            (s("compulsory_isolation"), s("2026-10-20"), None, None),
        ]
    );
    // The past measure's report and end are on the timeline with the sheet's dates.
    let ended: Vec<String> = event::Entity::find()
        .filter(event::Column::PersonId.eq(man))
        .filter(event::Column::Kind.eq("measure_ended"))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.occurred_on.to_string())
        .collect();
    assert_eq!(ended.len(), 2);
    assert!(ended.contains(&s("2023-01-09")) && ended.contains(&s("2026-10-10")), "{ended:?}");
    let r = measures(&app, text.as_bytes(), false).await;
    assert_eq!((r.existing, r.created), (3, 0), "{:?}", r.problems);
    assert_eq!(measure::Entity::find().count(&app.db).await.unwrap(), measures_before + 3);
    let logged = app.audited("measure.import").await.len();
    assert_eq!(logged, 2, "each real run that committed is audited");
    assert!(matches!(audit::verify(&app.db, &app.vault).await.unwrap(), audit::Verdict::Intact { .. }));
    app
});

both!(a_column_mapping_reads_the_office_layout, |app: TestApp| async move {
    use jindu_store::service::import::{ImportRequest, SheetKind, import_sheet};
    // 证照号 and 当事人 are not words Jindu knows; 编号 is a column to ignore.
    let text = format!(
        "人员名单,,,\n\n编号,当事人,证照号,所属街道\n1,孙映,{},东风街道\n2,周射,{},广东路街道\n",
        id_for(701),
        id_for(702)
    );
    let e = import_persons(&app.db, &app.vault, &app.admin, now(), "名单.csv", text.as_bytes(), true, |_, _| {})
        .await
        .unwrap_err();
    match e {
        ServiceError::Invalid(errors) => {
            assert_eq!(errors[0].field, "header");
            assert!(errors[0].zh().contains("列对应"), "{}", errors[0].zh());
        }
        other => panic!("{other:?}"),
    }
    let mapping = vec![
        ("当事人".to_string(), "name".to_string()),
        ("证照号".to_string(), "id_number".to_string()),
        ("编号".to_string(), "-".to_string()),
    ];
    let before = app.person_count().await;
    let request = ImportRequest {
        header_row: Some(3),
        mapping: &mapping,
        ..ImportRequest::new("名单.csv", text.as_bytes(), false)
    };
    let r = import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Persons, request, |_, _| {}).await.unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.header_row, r.rows, r.created), (3, 2, 2));
    assert_eq!(r.header_cells, vec!["编号", "当事人", "证照号", "所属街道"]);
    assert_eq!(r.ignored, vec!["编号".to_string()]);
    assert_eq!(app.person_count().await, before + 2);
    let detail = app.audited("person.import").await.remove(0).detail.unwrap();
    assert!(detail.contains("map=") && detail.contains("证照号>id_number"), "{detail}");
    // A field that does not exist is refused before anything is read.
    let wrong = vec![("证照号".to_string(), "passport".to_string())];
    let request = ImportRequest { mapping: &wrong, ..ImportRequest::new("名单.csv", text.as_bytes(), true) };
    match import_sheet(&app.db, &app.vault, &app.admin, now(), SheetKind::Persons, request, |_, _| {}).await {
        Err(ServiceError::Invalid(errors)) => assert_eq!(errors[0].field, "mapping"),
        other => panic!("{other:?}"),
    }
    app
});

/// The Chinese sentence refusing a cell Excel cut to 15 digits.
fn cut(label: &str, text: &str) -> String {
    format!(
        "{label}“{text}”已被Excel存成数字：Excel只保留15位有效数字，末尾几位已丢失，无法还原。请把该列单元格格式设为“文本”后重新输入，或在号码前加英文单引号（'）后重新输入。"
    )
}

both!(numbers_excel_cut_to_15_digits_are_refused_never_rebuilt, |app: TestApp| async move {
    // An .xlsx whose ID and phone columns are number-typed (issue #18 item 3).
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["姓名", "身份证号", "联系电话", "乡镇(街道)"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    // Row 2: 310110198503190012 typed into a number cell: Excel kept 310110198503190000.
    ws.write_string(1, 0, "甲").unwrap();
    ws.write_number(1, 1, 310_110_198_503_190_000.0).unwrap();
    ws.write_string(1, 3, "东风街道").unwrap();
    // Row 3: an 18-digit number ending in 000.
    ws.write_string(2, 0, "乙").unwrap();
    ws.write_number(2, 1, 430_405_198_503_010_000.0).unwrap();
    ws.write_string(2, 3, "东风街道").unwrap();
    // Row 4: a valid old 15-digit number and an 11-digit phone as numbers: exact, accepted.
    ws.write_string(3, 0, "丙").unwrap();
    ws.write_number(3, 1, 430_405_850_312_113.0).unwrap();
    ws.write_number(3, 2, 13_907_341_201.0).unwrap();
    ws.write_string(3, 3, "东风街道").unwrap();
    // Row 5: text, as it should be.
    ws.write_string(4, 0, "丁").unwrap();
    ws.write_string(4, 1, id_for(500)).unwrap();
    ws.write_string(4, 3, "东风街道").unwrap();
    let bytes = book.save_to_buffer().unwrap();
    let before = app.person_count().await;
    let r = run(&app, "号码.xlsx", &bytes, false).await;
    let got: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str(), &*p.zh().leak())).collect();
    assert_eq!(
        got,
        vec![
            (2, "id_number", cut("身份证号", "3.1011019850319E+17").as_str()),
            (3, "id_number", cut("身份证号", "4.3040519850301E+17").as_str()),
        ]
    );
    assert!(r.problems[0].en().contains("Excel keeps only 15 significant digits"), "{}", r.problems[0].en());
    assert_eq!((r.rows, r.valid, r.created), (4, 2, 0));
    assert_eq!(app.person_count().await, before, "nothing stored, no 310110198503190000 made up");

    // A CSV saved from what Excel showed: the same kind as text, with other columns' problems.
    let csv = format!(
        "姓名,身份证号,联系电话,乡镇(街道)\n戊,3.10110198503E+17,,东风街道\n己,{},1.38E+10,东风街道\n庚,310110198503190000.0,1.39e10,东风街道\n辛,{},13907341201,东风街道\n",
        id_for(501),
        id_for(502)
    );
    let r = run(&app, "号码.csv", csv.as_bytes(), true).await;
    let got: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str(), &*p.zh().leak())).collect();
    assert_eq!(
        got,
        vec![
            (2, "id_number", cut("身份证号", "3.10110198503E+17").as_str()),
            (3, "phone", cut("联系电话", "1.38E+10").as_str()),
            (4, "id_number", cut("身份证号", "310110198503190000.0").as_str()),
            (4, "phone", cut("联系电话", "1.39e10").as_str()),
        ]
    );
    assert_eq!((r.rows, r.valid), (4, 1));

    // An event sheet's ID number too.
    let r =
        events(&app, "记录.csv", "身份证号,类型,日期\n3.1011019850319E+17,走访,2026-11-20\n".as_bytes(), true).await;
    let got: Vec<(usize, &str, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str(), &*p.zh().leak())).collect();
    assert_eq!(got, vec![(2, "id_number", cut("身份证号", "3.1011019850319E+17").as_str())]);
    app
});

both!(every_problem_of_a_row_is_named_in_column_order, |app: TestApp| async move {
    app.login().await;
    // Row 2: a wrong check digit and an unknown social worker. Row 3: six fields wrong at once.
    // Row 4: clean.
    let good = id_for(700);
    let expected_check = good.chars().last().unwrap();
    let wrong = format!("{}{}", &good[..17], if expected_check == '0' { '1' } else { '0' });
    let csv = format!(
        "姓名,身份证号,联系电话,乡镇(街道),管控措施,决定日期,责任社工,滥用毒品种类\n\
         甲,{wrong},,东风街道,,,社工03,\n\
         乙,{},1.38E+10,不存在街道,戒烟,2026/13/45,社工03,可乐\n\
         丙,{},,东风街道,社区戒毒,2026-09-01,,冰毒\n",
        id_for(701),
        id_for(702)
    );
    let r = run(&app, "问题.csv", csv.as_bytes(), true).await;
    let got: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(
        got,
        vec![
            (2, "id_number"),
            (2, "social_worker"),
            (3, "phone"),
            (3, "division"),
            (3, "measure_kind"),
            (3, "decision_date"),
            (3, "social_worker"),
            (3, "substance"),
        ],
        "{:?}",
        r.problems
    );
    let check = format!("身份证号校验码错误：应为{expected_check}，实为{}。", wrong.chars().last().unwrap());
    assert_eq!(r.problems[0].zh(), check);
    let worker = "责任社工“社工03”不是本辖区的社工账号（填用户名或姓名）；新系统尚未建社工账号时，可选择“按表创建社工”或“暂不分配社工”后重新检查。";
    assert_eq!(r.problems[1].zh(), worker);
    assert_eq!(r.problems[3].zh(), "所属辖区“不存在街道”不存在或不在本辖区范围内（填乡镇街道、社区名称或区划代码）。");
    assert!(r.problems[5].zh().contains("2026/13/45"), "{}", r.problems[5].zh());
    assert_eq!((r.rows, r.valid, r.rows_with_problems()), (3, 1, 2));

    // The page lists both problems of row 2, and the problem copy holds both in its note.
    let (job, html) = upload_for_check(&app, "问题.csv", csv.clone().into_bytes()).await;
    let at = html.find("<tr><td>2</td><td>身份证号</td>").unwrap_or_else(|| panic!("{html}"));
    let next = html[at..].find("<tr><td>2</td><td>责任社工</td>").expect("the second problem of row 2");
    assert!(html[at..at + next].contains(&check), "{html}");
    let r = app.client.get(app.url(&format!("{job}/problems.xlsx"))).send().await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let bytes = r.bytes().await.unwrap().to_vec();
    let rows = jindu_store::sheet::read_sheet("问题.xlsx", &bytes).unwrap();
    assert_eq!(rows[0][8], "问题说明");
    assert_eq!(rows[1][8], format!("{check}\n{worker}"));
    assert_eq!(rows[2][8].lines().count(), 6, "{}", rows[2][8]);
    assert_eq!(rows[3].get(8).map_or("", String::as_str), "");
    app
});

both!(footer_rows_of_any_sheet_are_skipped_and_listed, |app: TestApp| async move {
    app.login().await;
    let rows =
        vec![format!("张甲,{},广东路街道,湖北路社区,,,", id_for(801)), format!("李乙,{},东风街道,,,,", id_for(802))];
    let mut text = office_csv(&rows);
    text.push_str("合计：2人,,,,,,,\n");
    text.push_str("填表人：王五,,,审核人：赵六,,制表日期：2026年11月30日,,\n");
    text.push_str("\n注：本表由街道禁毒办填报。,,,,,,,\n");
    let r = run(&app, "登记表.csv", text.as_bytes(), true).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.valid), (2, 2));
    assert_eq!(
        r.skipped,
        vec![
            (6, "合计：2人".to_string()),
            (7, "填表人：王五 审核人：赵六 制表日期：2026年11月30日".to_string()),
            (9, "注：本表由街道禁毒办填报。".to_string()),
        ]
    );
    // A row with an ID number is a person, whatever its first cell says.
    let csv = format!("姓名,身份证号,乡镇(街道)\n合计,{},东风街道\n合计：,,\n", id_for(803));
    let r = run(&app, "x.csv", csv.as_bytes(), true).await;
    assert_eq!((r.rows, r.valid, r.skipped.len()), (1, 1, 1), "{:?}", r.problems);
    // The page says which rows were skipped.
    let (_, html) = upload_for_check(&app, "登记表.csv", text.into_bytes()).await;
    assert!(html.contains("第6行“合计：2人”"), "{html}");
    assert!(html.contains("第9行“注：本表由街道禁毒办填报。”"), "{html}");
    app
});

both!(a_municipal_deployment_resolves_its_places_by_every_name_path, |app: TestApp| async move {
    use jindu_domain::DivisionCode;
    use jindu_store::service::{setup, users};
    setup::init(&app.db, DivisionCode::parse("310110").unwrap()).await.unwrap();
    app.user("yangpu", "杨浦区禁毒办", "office", "310110", false).await;
    let office = users::authenticate(&app.db, "yangpu", PASSWORD).await.unwrap().unwrap();
    let places = [
        ("上海市杨浦区控江路街道", "", "310110012000"),
        ("上海市/杨浦区/控江路街道", "", "310110012000"),
        ("杨浦区控江路街道", "", "310110012000"),
        ("控江路街道", "", "310110012000"),
        ("上海市市辖区杨浦区控江路街道", "", "310110012000"),
        ("上海市杨浦区控江路街道", "控一居委会", "310110012001"),
        ("", "上海市/杨浦区/控江路街道/控一居委会", "310110012001"),
        ("", "上海市杨浦区定海路街道", "310110001000"),
    ];
    let mut csv = String::from("姓名,身份证号,乡镇(街道),社区(村)\n");
    for (i, (town, community, _)) in places.iter().enumerate() {
        let name = ["钱甲", "钱乙", "钱丙", "钱丁", "钱戊", "钱己", "钱庚", "钱辛"][i];
        csv.push_str(&format!("{name},{},{town},{community}\n", id_for(900 + i as u32)));
    }
    let r = import_persons(&app.db, &app.vault, &office, now(), "杨浦.csv", csv.as_bytes(), false, |_, _| {})
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.created, places.len());
    for (i, (_, _, code)) in places.iter().enumerate() {
        let n = id_for(900 + i as u32);
        let p = person::Entity::find()
            .filter(person::Column::IdNumberBidx.eq(app.vault.id_number_index(&n)))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.division_code, *code, "row {}", i + 2);
    }
    // The stored name paths leave the 市辖区 level out.
    let d = jindu_store::entities::division::Entity::find_by_id("310110012000".to_string())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d.name_path, "上海市/杨浦区/控江路街道");
    // A deployment initialised before keeps the level in its stored paths: the migration's
    // rewrite takes it out of the paths below it, and the level's own row keeps its name.
    use sea_orm::ConnectionTrait;
    app.db
        .execute_unprepared(
            "UPDATE division SET name_path = REPLACE(name_path, '上海市/', '上海市/市辖区/') WHERE code LIKE '310110%'",
        )
        .await
        .unwrap();
    let old = |code: &'static str| {
        let db = app.db.clone();
        async move {
            jindu_store::entities::division::Entity::find_by_id(code.to_string())
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .name_path
        }
    };
    assert_eq!(old("310110012000").await, "上海市/市辖区/杨浦区/控江路街道");
    let changed = jindu_store::divisions::drop_municipal_placeholder_level(&app.db).await.unwrap();
    assert_eq!(
        changed as usize,
        jindu_store::entities::division::Entity::find()
            .filter(jindu_store::entities::division::Column::Code.starts_with("310110"))
            .count(&app.db)
            .await
            .unwrap() as usize
    );
    assert_eq!(old("310110012000").await, "上海市/杨浦区/控江路街道");
    assert_eq!(old("310110012001").await, "上海市/杨浦区/控江路街道/控一居委会");
    assert_eq!(old("310100000000").await, "上海市/市辖区");
    app
});

/// What a deployment holds of each person, comparable across deployments: (name, ID number,
/// division, phone, address, first found on, open measure (kind, decision, report)), sorted.
#[allow(clippy::type_complexity)]
async fn registry(
    app: &TestApp,
) -> Vec<(
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<(String, String, Option<String>)>,
)> {
    let mut out = Vec::new();
    for p in person::Entity::find().all(&app.db).await.unwrap() {
        let row = p.id.to_string();
        let m = measure::Entity::find().filter(measure::Column::PersonId.eq(p.id)).one(&app.db).await.unwrap();
        out.push((
            app.vault.open("person", "name", &row, &p.name).unwrap(),
            app.vault.open("person", "id_number", &row, &p.id_number).unwrap(),
            p.division_code.clone(),
            app.vault.open_opt("person", "phone", p.id, p.phone.as_deref()).unwrap(),
            app.vault.open_opt("person", "address", p.id, p.address.as_deref()).unwrap(),
            p.first_found_on.map(|d| d.to_string()),
            m.map(|m| (m.kind, m.decision_date.to_string(), m.reported_on.map(|d| d.to_string()))),
        ));
    }
    out.sort();
    out
}

both!(a_jindu_person_export_imports_back_into_a_fresh_deployment, |app: TestApp| async move {
    use jindu_store::service::persons::NewPerson;
    app.login().await;
    let people = [
        (
            "赵一",
            id_for(1001),
            "430405009007",
            "13907341201",
            "广东路12号",
            "2026-03-02",
            "community_detox",
            "2026-09-01",
            "2026-09-08",
        ),
        ("钱二", id_for(1002), "430405010000", "", "", "", "community_rehab", "2026-08-15", ""),
        (
            "孙三",
            id_for(1003),
            "430405009009",
            "0734-8123456",
            "",
            "2025-12-30",
            "compulsory_isolation",
            "2026-03-18",
            "",
        ),
        ("李四", id_for(1004), "430405100000", "", "", "2024-06-01", "", "", ""),
    ];
    for (name, n, division, phone, address, found, kind, decided, reported) in &people {
        app.register(NewPerson {
            name: name.to_string(),
            id_number: n.clone(),
            division: division.to_string(),
            phone: phone.to_string(),
            address: address.to_string(),
            first_found_on: found.to_string(),
            measure_kind: kind.to_string(),
            decision_date: decided.to_string(),
            report_date: reported.to_string(),
            ..Default::default()
        })
        .await;
    }
    let original = registry(&app).await;
    assert_eq!(original.len(), 4);
    let get = |path: &'static str| {
        let client = app.client.clone();
        let url = app.url(path);
        async move { client.get(url).send().await.unwrap().bytes().await.unwrap().to_vec() }
    };
    let csv = get("/export/persons/csv?unmask=1").await;
    let xlsx = get("/export/persons/xlsx?unmask=1").await;
    let masked = get("/export/persons/xlsx").await;

    // A fresh deployment of the same kind: each export imports back, every person as it was.
    let backend = match sea_orm::ConnectionTrait::get_database_backend(&app.db) {
        sea_orm::DbBackend::Sqlite => Backend::Sqlite,
        _ => Backend::Postgres,
    };
    for (name, bytes) in [("在册人员.csv", &csv), ("在册人员.xlsx", &xlsx)] {
        let fresh = TestApp::start(backend).await;
        let r = run(&fresh, name, bytes, false).await;
        assert!(r.problems.is_empty(), "{name}: {:?}", r.problems);
        assert_eq!((r.header_row, r.rows, r.created), (2, 4, 4), "{name}");
        // 管控状态 is read since issue #18 item 12 (all 在控 here: nothing to change).
        assert_eq!(r.ignored, vec!["年龄".to_string(), "风险等级".into()], "{name}");
        assert!(r.columns.iter().any(|(f, h)| f == "control_status" && h == "管控状态"), "{:?}", r.columns);
        // The demo line under the rows is Jindu's own footer.
        assert_eq!(r.skipped.len(), 1, "{name}: {:?}", r.skipped);
        assert!(r.skipped[0].1.starts_with("演示数据"), "{:?}", r.skipped);
        assert_eq!(registry(&fresh).await, original, "{name}");
        // And once more: nothing twice.
        let r = run(&fresh, name, bytes, false).await;
        assert_eq!((r.existing, r.created), (4, 0), "{name}: {:?}", r.problems);
        fresh.finish().await;
    }

    // The masked export cannot come back: each number is named, nothing is stored.
    let fresh = TestApp::start(backend).await;
    let r = run(&fresh, "在册人员.xlsx", &masked, false).await;
    assert_eq!(r.created, 0);
    assert_eq!(r.rows_with_problems(), 4);
    let first = r.problems.iter().find(|p| p.field == "id_number").expect("an ID problem");
    assert!(first.zh().contains("是打码后的号码，隐去的数字无法导入"), "{}", first.zh());
    assert_eq!(fresh.person_count().await, 0);
    fresh.finish().await;
    app
});

both!(a_fresh_deployment_imports_a_registry_naming_its_social_workers, |app: TestApp| async move {
    use jindu_store::entities::app_user;
    use jindu_store::service::import::{ImportRequest, SheetKind, UnknownWorkers, import_sheet};
    app.login().await;
    let sheet = |seq: u32| {
        format!(
            "姓名,身份证号,乡镇(街道),社区(村),责任社工,吸毒种类\n\
             甲,{},广东路街道,湖北路社区,社工03,冰毒\n\
             乙,{},广东路街道,,社工03,K粉\n\
             丙,{},东风街道,,社工03,麻古\n\
             丁,{},东风街道,,社工07,海洛因\n\
             戊,{},东风街道,,,摇头丸、冰毒\n",
            id_for(seq),
            id_for(seq + 1),
            id_for(seq + 2),
            id_for(seq + 3),
            id_for(seq + 4)
        )
    };
    let go = |text: String, dry_run: bool, workers: UnknownWorkers| {
        let (db, vault, actor) = (app.db.clone(), app.vault.clone(), app.admin.clone());
        async move {
            let request = ImportRequest {
                unknown_workers: workers,
                ..ImportRequest::new("名册.csv", text.as_bytes(), dry_run)
            };
            import_sheet(&db, &vault, &actor, now(), SheetKind::Persons, request, |_, _| {}).await.unwrap()
        }
    };
    let users_before = app_user::Entity::find().count(&app.db).await.unwrap();

    // By default each row naming a worker without an account is a problem; the names are listed.
    let r = go(sheet(1100), true, UnknownWorkers::Refuse).await;
    let got: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(got, vec![(2, "social_worker"), (3, "social_worker"), (4, "social_worker"), (5, "social_worker")]);
    assert_eq!(r.unknown_workers, vec!["社工03".to_string(), "社工07".to_string()]);
    assert!(r.columns.contains(&("substance".to_string(), "吸毒种类".to_string())), "{:?}", r.columns);
    assert!(r.ignored.is_empty(), "{:?}", r.ignored);

    // Create: one caseload owner per name and town (社工03 serves two towns), listed; a dry run
    // stores none of them.
    let r = go(sheet(1100), true, UnknownWorkers::Create).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let made: Vec<(&str, &str, &str)> =
        r.new_workers.iter().map(|w| (w.name.as_str(), w.username.as_str(), w.division_code.as_str())).collect();
    assert_eq!(
        made,
        vec![
            ("社工03", "sw-430405009-1", "430405009000"),
            ("社工03", "sw-430405010-1", "430405010000"),
            ("社工07", "sw-430405010-2", "430405010000"),
        ]
    );
    assert_eq!(app_user::Entity::find().count(&app.db).await.unwrap(), users_before);
    let r = go(sheet(1100), false, UnknownWorkers::Create).await;
    assert_eq!((r.created, r.new_workers.len()), (5, 3), "{:?}", r.problems);
    let accounts = app_user::Entity::find()
        .filter(app_user::Column::Username.starts_with("sw-4304050"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(accounts.len(), 3);
    assert!(accounts.iter().all(|u| u.role == "social_worker" && u.password_hash.is_none()), "no login");
    let created = app.audited("user.create_from_import").await.len();
    assert_eq!(created, 3, "one audit record per account");
    // Each person with the account of their own town, and the drug type the sheet wrote.
    let expected = [
        (1100, Some("sw-430405009-1"), "methamphetamine"),
        (1101, Some("sw-430405009-1"), "ketamine"),
        (1102, Some("sw-430405010-1"), "methamphetamine"),
        (1103, Some("sw-430405010-2"), "heroin"),
        (1104, None, "mdma"),
    ];
    for (seq, worker, substance) in expected {
        let p = person::Entity::find()
            .filter(person::Column::IdNumberBidx.eq(app.vault.id_number_index(&id_for(seq))))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap();
        let owner = accounts.iter().find(|u| Some(u.id) == p.social_worker_id).map(|u| u.username.as_str());
        assert_eq!((owner, p.substance.as_deref()), (worker, Some(substance)), "{seq}");
    }

    // The same file again: 社工03 is now two accounts, one per town; each row finds its own.
    let r = go(sheet(1100), true, UnknownWorkers::Refuse).await;
    assert!(r.problems.is_empty() && r.unknown_workers.is_empty(), "{:?}", r.problems);
    assert_eq!(r.existing, 5);

    // Unassigned, through the page: the check names the workers and offers the choice; the
    // choice checks again, and the rows are imported with a warning each.
    let text = format!(
        "姓名,身份证号,乡镇(街道),责任社工\n己,{},东风街道,社工09\n庚,{},东风街道,社工10\n辛,{},东风街道,社工03\n",
        id_for(1200),
        id_for(1201),
        id_for(1202)
    );
    let (job, html) = upload_for_check(&app, "名册.csv", text.into_bytes()).await;
    assert!(html.contains("data-testid=\"import-unknown-workers\""), "{html}");
    assert!(html.contains("社工09") && html.contains("社工10"), "{html}");
    let (s, _, loc) = app.post(&format!("{job}/map"), &[("workers", "unassigned")]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let job = loc.unwrap();
    let html = follow_job(&app, &job).await;
    assert!(html.contains("data-testid=\"import-clean\""), "{html}");
    assert!(html.contains("第2行：责任社工“社工09”没有账号"), "{html}");
    assert!(html.contains("第3行：责任社工“社工10”没有账号"), "{html}");
    let (s, _, loc) = app.post(&format!("{job}/commit"), &[]).await;
    assert_eq!(s, reqwest::StatusCode::SEE_OTHER);
    let html = follow_job(&app, &loc.unwrap()).await;
    assert!(html.contains("data-testid=\"import-done\""), "{html}");
    let unassigned = person::Entity::find()
        .filter(person::Column::IdNumberBidx.eq(app.vault.id_number_index(&id_for(1200))))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(unassigned.social_worker_id, None);
    let assigned = person::Entity::find()
        .filter(person::Column::IdNumberBidx.eq(app.vault.id_number_index(&id_for(1202))))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(accounts.iter().any(|u| Some(u.id) == assigned.social_worker_id && u.username == "sw-430405010-1"));
    app
});

// ---------------------------------------------------------------------------------------------
// Issue #18 item 12: a community measure decided long ago, imported without a report date, an
// end date or a control status, would be a report overdue for decades on the import day. The
// dry run names the row and asks for the missing column; with it the row imports and puts
// nothing overdue on the worklist. Today is 2026-11-29 (`fixed_instant`).

/// The instant 10:00 in Beijing of `day` (YYYY-MM-DD): an import day other than the fixed one.
fn on(day: &str) -> Now {
    Now::at(chrono::DateTime::parse_from_rfc3339(&format!("{day}T02:00:00Z")).unwrap().with_timezone(&chrono::Utc))
}

// The import futures are large in a debug build: boxed, so that a test awaiting several does
// not overflow the test thread's stack.
async fn persons_on(app: &TestApp, at: Now, bytes: &[u8], dry_run: bool) -> ImportReport {
    Box::pin(import_persons(&app.db, &app.vault, &app.admin, at, "登记表.csv", bytes, dry_run, |_, _| {}))
        .await
        .unwrap()
}

async fn measures_on(app: &TestApp, at: Now, bytes: &[u8], dry_run: bool) -> ImportReport {
    Box::pin(jindu_store::service::import::import_sheet(
        &app.db,
        &app.vault,
        &app.admin,
        at,
        jindu_store::service::import::SheetKind::Measures,
        jindu_store::service::import::ImportRequest::new("措施.csv", bytes, dry_run),
        |_, _| {},
    ))
    .await
    .unwrap()
}

/// (row, field, Chinese sentence) of each problem.
/// (The sentences are rendered here, so leaked to live as long as the test.)
fn problems(r: &ImportReport) -> Vec<(usize, &str, &str)> {
    r.problems.iter().map(|p| (p.row, p.field.as_str(), &*p.zh().leak())).collect()
}

/// The overdue days of a person's overdue duties on the worklist of the office on `at`.
async fn overdue_of(app: &TestApp, at: Now, id_number: &str) -> Vec<(String, i64)> {
    let n = jindu_domain::IdNumber::parse_on(id_number, at.today).unwrap();
    let Some(jindu_store::service::transfers::Duplicate::InScope(pid)) =
        jindu_store::service::transfers::find_duplicate(&app.db, &app.vault, &app.admin, &n).await.unwrap()
    else {
        panic!("{id_number} not registered");
    };
    let list = jindu_store::service::worklist::worklist_up_to(&app.db, &app.vault, &app.admin, at, None).await.unwrap();
    list.overdue.iter().filter(|d| d.person_id == pid).map(|d| (d.kind.as_code().to_string(), d.overdue_days)).collect()
}

const PERSON_HEADER: &str = "姓名,身份证号,乡镇(街道),管控措施,决定日期,报到日期,结束日期,结束原因,管控状态\n";

both!(a_person_row_decided_long_ago_without_dates_is_named_in_the_dry_run, |app: TestApp| async move {
    let csv = format!(
        "{PERSON_HEADER}\
         老甲,{},东风街道,社区戒毒,1986-05-01,,,,\n\
         老乙,{},东风街道,社区康复,2023-11-13,,,,\n\
         老丙,{},东风街道,社区戒毒,2026-05-04,,,,\n\
         老丁,{},东风街道,强制隔离戒毒,1986-05-01,,,,\n\
         老戊,{},东风街道,社区戒毒,2026-11-02,,,,\n",
        id_born("19600101", 11),
        id_born("19700202", 21),
        id_born("19800303", 31),
        id_born("19600404", 41),
        id_born("19900505", 51),
    );
    let before = app.person_count().await;
    let r = run(&app, "登记表.csv", csv.as_bytes(), true).await;
    assert_eq!(
        problems(&r),
        vec![
            // Decided Thu 1986-05-01: report by Fri 1986-05-16; reported then, the 3 years end on
            // 1989-05-15; 1986-05-16 → 2026-11-29 is 14,807 days.
            (
                2,
                "end_date",
                "第 2 行：措施决定日期 1986-05-01，未填报到日期、结束日期和管控状态；即使按最迟报到日 1986-05-16 起算，社区戒毒期限也已于 1989-05-15 届满；照此导入，Jindu 将认定此人逾期未报到 14807 天。请填写结束日期（及结束原因）、报到日期，或已不在册的管控状态（解除、戒断三年未复吸、死亡）。"
            ),
            // Decided Mon 2023-11-13: report by Tue 2023-11-28; the term's last day 2026-11-27,
            // before the import day; 1,097 days overdue.
            (
                3,
                "end_date",
                "第 3 行：措施决定日期 2023-11-13，未填报到日期、结束日期和管控状态；即使按最迟报到日 2023-11-28 起算，社区康复期限也已于 2026-11-27 届满；照此导入，Jindu 将认定此人逾期未报到 1097 天。请填写结束日期（及结束原因）、报到日期，或已不在册的管控状态（解除、戒断三年未复吸、死亡）。"
            ),
            // Decided Mon 2026-05-04: report by Tue 2026-05-19, 194 days ago; the term may run.
            (
                4,
                "report_date",
                "第 4 行：措施决定日期 2026-05-04，未填报到日期、结束日期和管控状态；报到期限 2026-05-19 已过 194 天（超过 90 天）；照此导入，Jindu 将认定此人逾期未报到 194 天。请填写报到日期、结束日期（及结束原因）或管控状态（确未报到的，填“在控”或“失控”予以确认）。"
            ),
        ],
        "{:?}",
        r.problems
    );
    assert_eq!(
        r.problems[0].en(),
        "Row 2: the measure was decided on 1986-05-01 and the row gives no report date, no end date and no control status; even counted from the last day to report (1986-05-16), the term of community detox ran out on 1989-05-15; imported as it is, Jindu would show the report overdue by 14807 days. Fill in the end date (with the end reason), the report date, or a status out of the register (解除, 戒断三年未复吸, 死亡)."
    );
    // A compulsory isolation runs from its decision (no report) and a decision of 27 days ago
    // (report overdue 12 days) are not asked about.
    assert_eq!((r.rows, r.valid, r.rows_with_problems()), (5, 2, 3));
    // The real run stores nothing.
    let r = run(&app, "登记表.csv", csv.as_bytes(), false).await;
    assert_eq!((r.created, r.rows_with_problems()), (0, 3));
    assert_eq!(app.person_count().await, before);
    app
});

both!(a_person_row_with_its_end_or_status_imports_with_nothing_overdue, |app: TestApp| async move {
    let (ended, released, abstinent, confirmed, recent) = (
        id_born("19600101", 12),
        id_born("19700202", 22),
        id_born("19600606", 32),
        id_born("19800303", 42),
        id_born("19900505", 52),
    );
    let csv = format!(
        "{PERSON_HEADER}\
         旧甲,{ended},东风街道,社区戒毒,1986-05-01,,1989-05-15,期满解除,\n\
         旧乙,{released},东风街道,社区康复,2023-11-13,,,,解除\n\
         旧丙,{abstinent},东风街道,社区戒毒,1986-05-01,,,,戒断三年未复吸\n\
         旧丁,{confirmed},东风街道,社区戒毒,2026-05-04,,,,在控\n\
         旧戊,{recent},东风街道,社区戒毒,2026-11-02,,,,\n"
    );
    let r = run(&app, "登记表.csv", csv.as_bytes(), false).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(r.created, 5);
    // The measure ended as the sheet says; the statuses are recorded.
    let m = measure::Entity::find()
        .filter(measure::Column::DecisionDate.eq(chrono::NaiveDate::from_ymd_opt(1986, 5, 1).unwrap()))
        .all(&app.db)
        .await
        .unwrap();
    let mut ends: Vec<(Option<String>, Option<String>)> =
        m.iter().map(|m| (m.ended_on.map(|d| d.to_string()), m.end_reason.clone())).collect();
    ends.sort();
    assert_eq!(ends, vec![(None, None), (Some("1989-05-15".into()), Some("expiry".into()))]);
    let statuses: Vec<String> =
        person::Entity::find().all(&app.db).await.unwrap().into_iter().map(|p| p.control_status).collect();
    assert_eq!(statuses.iter().filter(|s| *s == "released").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "abstinent_3y").count(), 1, "{statuses:?}");
    // Nothing overdue for the ended measure and the persons out of the register.
    for n in [&ended, &released, &abstinent] {
        assert_eq!(overdue_of(&app, now(), n).await, vec![], "{n}");
    }
    // The confirmed and the recent ones are real overdue reports: 194 and 12 days (deadlines
    // Tue 2026-05-19 and Tue 2026-11-17).
    assert_eq!(overdue_of(&app, now(), &confirmed).await, vec![("report".to_string(), 194)]);
    assert_eq!(overdue_of(&app, now(), &recent).await, vec![("report".to_string(), 12)]);
    app
});

both!(the_ninety_day_threshold_holds_to_the_day, |app: TestApp| async move {
    // Decided Sun 2026-08-16: report by Mon 2026-08-31. On 2026-11-29 it is 90 days overdue
    // (imports), on 2026-11-30 91 days (asked about); 2026-11-28, 89 days.
    let person = id_born("19800707", 13);
    let csv = format!("{PERSON_HEADER}边甲,{person},东风街道,社区戒毒,2026-08-16,,,,\n");
    for (day, ok) in [("2026-11-28", true), ("2026-11-29", true), ("2026-11-30", false)] {
        let r = persons_on(&app, on(day), csv.as_bytes(), true).await;
        assert_eq!(r.problems.is_empty(), ok, "{day}: {:?}", r.problems);
    }
    let r = persons_on(&app, on("2026-11-30"), csv.as_bytes(), true).await;
    assert_eq!(
        problems(&r),
        vec![(
            2,
            "report_date",
            "第 2 行：措施决定日期 2026-08-16，未填报到日期、结束日期和管控状态；报到期限 2026-08-31 已过 91 天（超过 90 天）；照此导入，Jindu 将认定此人逾期未报到 91 天。请填写报到日期、结束日期（及结束原因）或管控状态（确未报到的，填“在控”或“失控”予以确认）。"
        )]
    );
    app
});

both!(a_measure_sheet_row_decided_long_ago_is_asked_for_its_end, |app: TestApp| async move {
    // The measure sheet: a person registered without a measure, then a community rehabilitation
    // decided on Sun 2026-08-16 (report by Mon 2026-08-31) on either side of the 90 days, and a
    // community detox of 1986 without and with its end.
    let csv = format!("{PERSON_HEADER}边乙,{},东风街道,,,,,,\n", id_born("19600808", 23));
    assert_eq!(persons_on(&app, now(), csv.as_bytes(), false).await.created, 1);
    let header = "身份证号,管控措施,决定日期,报到日期,解除日期,结束原因\n";
    let rehab = format!("{header}{},社区康复,2026-08-16,,,\n", id_born("19600808", 23));
    for (day, ok) in [("2026-11-28", true), ("2026-11-29", true), ("2026-11-30", false)] {
        let r = measures_on(&app, on(day), rehab.as_bytes(), true).await;
        assert_eq!(r.problems.is_empty(), ok, "{day}: {:?}", r.problems);
    }
    let old = format!("{header}{},社区戒毒,1986-05-01,,,\n", id_born("19600808", 23));
    let r = measures_on(&app, now(), old.as_bytes(), true).await;
    assert_eq!(
        problems(&r),
        vec![(
            2,
            "end_date",
            "第 2 行：措施决定日期 1986-05-01，未填报到日期和解除(终止)日期；即使按最迟报到日 1986-05-16 起算，社区戒毒期限也已于 1989-05-15 届满；照此导入，Jindu 将认定此人逾期未报到 14807 天。请填写解除(终止)日期（及结束原因）或报到日期。"
        )]
    );
    let ended = format!("{header}{},社区戒毒,1986-05-01,,1989-05-15,期满解除\n", id_born("19600808", 23));
    let r = measures_on(&app, now(), ended.as_bytes(), false).await;
    assert_eq!((r.created, r.problems.len()), (1, 0), "{:?}", r.problems);
    assert_eq!(overdue_of(&app, now(), &id_born("19600808", 23)).await, vec![]);
    app
});
