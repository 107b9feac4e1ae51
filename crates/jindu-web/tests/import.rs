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
    assert!(r.problems[0].zh.contains("尚未结束"), "{}", r.problems[0].zh);
    assert!(r.problems[1].zh.contains("2026-09-01 至 至今"), "{}", r.problems[1].zh);
    assert!(r.problems[4].zh.contains("豁免已核查"), "{}", r.problems[4].zh);
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
    let logged = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("measure.import"))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(logged, 2, "each real run that committed is audited");
    assert!(matches!(audit::verify(&app.db).await.unwrap(), audit::Verdict::Intact { .. }));
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
            assert!(errors[0].zh.contains("列对应"), "{}", errors[0].zh);
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
    let detail = audit_record::Entity::find()
        .filter(audit_record::Column::Action.eq("person.import"))
        .one(&app.db)
        .await
        .unwrap()
        .and_then(|a| a.detail)
        .unwrap();
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
