//! Import of sheets written by other programs than Jindu's own writer (issue #6, "Tests"), on
//! SQLite and PostgreSQL. The files are committed in `tests/fixtures/import/`; `make.sh` there
//! regenerates them and names the programs and versions. Every person in them is invented.
//!
//! - `libreoffice.xlsx`, saved by LibreOffice Calc 7.4.7 (`soffice --headless --convert-to xlsx`
//!   from a CSV imported with typed columns): the dates are real date cells (Excel serials with
//!   a `yyyy-mm-dd` format, checked here with calamine), phone numbers are number cells, the
//!   header is in row 1 with full-width brackets (乡镇（街道）), a leap day (2024-02-29) comes in as
//!   a serial, and a village is named as offices say it (金甲村 for 金甲村委会).
//! - `openpyxl.xlsx`, written by openpyxl 3.1.5: two merged title rows above the header (row 3),
//!   the office's own header words (姓 名 with a space, 公民身份号码, 所属街道, 社区(村), 责任社工),
//!   决定日期 as datetime cells in three number formats (one with a time of day, one with the
//!   Chinese 年月日 format), 报到日期 as text (2026年9月8日), a formatted but empty row after the
//!   tenth person, a social worker named by display name; 20 persons.
//! - `gbk.csv`, made by `iconv -f UTF-8 -t GBK` from a CSV laid out as Windows Excel saves one:
//!   a title row and a 填报单位 row padded with commas, CRLF line endings, dates as 2026/9/1, the
//!   short forms 强戒/社戒/社康, an ID number ending in X, a quoted note holding a comma.
//! - `one_bad_row.xlsx`, written by openpyxl: 1,000 persons under a merged title; the ID number
//!   in spreadsheet row 618 has a wrong check digit, so that row alone is named and nothing is
//!   stored.
//!
//! - `date1904.xlsx` (issue #18 item 4), written by openpyxl in the 1904 date system: 决定日期
//!   as date cells, 报到日期 and 初次发现日期 as plain serial numbers of that system.
//! - `merged_footer.xlsx` (issue #18 item 5), written by openpyxl: towns, the measure and a
//!   decision date written once over several rows (vertical merges), and footer rows under the
//!   table (合计, 填表人/审核人/制表日期, 备注).
//!
//! Each valid file is imported, read back (division resolved to its code, measure kind, decision
//! and report dates exactly as given), and imported again, which creates nothing.

use crate::common::Sentences;
use crate::common::*;
use calamine::{Data, Reader};
use jindu_domain::clock::Now;
use jindu_store::entities::{measure, person};
use jindu_store::service::import::{ImportReport, import_persons};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

const LIBREOFFICE: &[u8] = include_bytes!("fixtures/import/libreoffice.xlsx");
const OPENPYXL: &[u8] = include_bytes!("fixtures/import/openpyxl.xlsx");
const GBK: &[u8] = include_bytes!("fixtures/import/gbk.csv");
const ONE_BAD_ROW: &[u8] = include_bytes!("fixtures/import/one_bad_row.xlsx");
const DATE1904: &[u8] = include_bytes!("fixtures/import/date1904.xlsx");
const MERGED_FOOTER: &[u8] = include_bytes!("fixtures/import/merged_footer.xlsx");

async fn run(app: &TestApp, name: &str, bytes: &[u8]) -> ImportReport {
    import_persons(&app.db, &app.vault, &app.admin, Now::at(fixed_instant()), name, bytes, false, |_, _| {})
        .await
        .unwrap()
}

/// What was stored for the person with `id_number`, read back from the entities.
#[derive(Debug, PartialEq, Eq)]
struct Stored {
    name: String,
    division: String,
    phone: Option<String>,
    note: Option<String>,
    social_worker: Option<Uuid>,
    /// (kind, decision date, report date) of the one measure, if any.
    measure: Option<(String, String, Option<String>)>,
}

async fn stored(app: &TestApp, id_number: &str) -> Stored {
    let found = person::Entity::find()
        .filter(person::Column::IdNumberBidx.eq(app.vault.id_number_index(id_number)))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1, "one person with {id_number}");
    let p = &found[0];
    let row = p.id.to_string();
    assert_eq!(app.vault.open("person", "id_number", &row, &p.id_number).unwrap(), id_number);
    let measures = measure::Entity::find().filter(measure::Column::PersonId.eq(p.id)).all(&app.db).await.unwrap();
    assert!(measures.len() <= 1, "{measures:?}");
    Stored {
        name: app.vault.open("person", "name", &row, &p.name).unwrap(),
        division: p.division_code.clone(),
        phone: app.vault.open_opt("person", "phone", p.id, p.phone.as_deref()).unwrap(),
        note: app.vault.open_opt("person", "note", p.id, p.note.as_deref()).unwrap(),
        social_worker: p.social_worker_id,
        measure: measures
            .first()
            .map(|m| (m.kind.clone(), m.decision_date.to_string(), m.reported_on.map(|d| d.to_string()))),
    }
}

/// Expected measure: kind, decision date, report date.
fn measure(kind: &str, decision: &str, report: Option<&str>) -> Option<(String, String, Option<String>)> {
    Some((kind.to_string(), decision.to_string(), report.map(str::to_string)))
}

/// The first sheet's cells as calamine gives them (to pin what the other program wrote).
fn cells(bytes: &[u8]) -> calamine::Range<Data> {
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).unwrap();
    book.worksheet_range_at(0).unwrap().unwrap()
}

/// A cell by its spreadsheet address (row 1-based, column letter).
fn cell(range: &calamine::Range<Data>, row: u32, col: char) -> Data {
    range.get_value((row - 1, col as u32 - 'A' as u32)).cloned().unwrap_or(Data::Empty)
}

fn serial(d: &Data) -> f64 {
    match d {
        Data::DateTime(x) => x.as_f64(),
        other => panic!("a date cell, not {other:?}"),
    }
}

/// Imports a file every row of which is right: no problem, the header found at `header_row`
/// (1-based), each of its `rows` rows a person registered anew.
async fn import_all(app: &TestApp, name: &str, bytes: &[u8], header_row: usize, rows: usize) -> ImportReport {
    let before = app.person_count().await;
    let r = run(app, name, bytes).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.header_row, r.rows, r.valid, r.existing, r.created), (header_row, rows, rows, 0, rows));
    assert_eq!(app.person_count().await, before + rows as u64);
    r
}

/// Imports the same file again: every person is found registered, nothing is created.
async fn import_again(app: &TestApp, name: &str, bytes: &[u8], rows: usize) {
    let before = app.person_count().await;
    let r = run(app, name, bytes).await;
    assert_eq!((r.rows, r.valid, r.existing, r.created), (rows, 0, rows, 0), "{:?}", r.problems);
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!(app.person_count().await, before);
}

both!(a_libreoffice_xlsx_with_date_cells_imports, |app: TestApp| async move {
    // What LibreOffice wrote: dates as date cells (serials), the ID number as text, the phone as
    // a number.
    let range = cells(LIBREOFFICE);
    assert_eq!(cell(&range, 1, 'H'), Data::String("决定日期".into()));
    assert_eq!(serial(&cell(&range, 2, 'H')), 46266.0, "2026-09-01");
    assert_eq!(serial(&cell(&range, 2, 'I')), 46273.0, "2026-09-08");
    assert_eq!(serial(&cell(&range, 7, 'H')), 45351.0, "2024-02-29");
    assert_eq!(cell(&range, 2, 'C'), Data::String("43040519850312011X".into()));
    assert_eq!(cell(&range, 2, 'D'), Data::Float(13907341201.0));

    let r = import_all(&app, "libreoffice.xlsx", LIBREOFFICE, 1, 8).await;
    assert_eq!(r.ignored, vec!["序号".to_string()]);

    assert_eq!(
        stored(&app, "43040519850312011X").await,
        Stored {
            name: "陈志远".into(),
            division: "430405009007".into(),
            phone: Some("13907341201".into()),
            note: None,
            social_worker: None,
            measure: measure("community_detox", "2026-09-01", Some("2026-09-08")),
        }
    );
    // The leap day, a date cell too; a community of 衡州路街道 without a phone.
    let zheng = stored(&app, "430405199902280625").await;
    assert_eq!((zheng.name.as_str(), zheng.division.as_str(), zheng.phone), ("郑雨婷", "430405007006", None));
    assert_eq!(zheng.measure, measure("community_rehab", "2024-02-29", Some("2024-03-04")));
    // Compulsory isolation without a report date; a village given as 金甲村; the town alone;
    // voluntary detox.
    let zhou = stored(&app, "430405198810230423").await;
    assert_eq!(zhou.division, "430405012001");
    assert_eq!(zhou.measure, measure("compulsory_isolation", "2026-03-18", None));
    assert_eq!(stored(&app, "430405197006010513").await.division, "430405100219");
    assert_eq!(stored(&app, "430405198309090711").await.division, "430405011000");
    let sun = stored(&app, "430405199504170826").await;
    assert_eq!(sun.measure, measure("voluntary_detox", "2026-06-30", None));

    import_again(&app, "libreoffice.xlsx", LIBREOFFICE, 8).await;
    app
});

both!(an_openpyxl_xlsx_with_merged_titles_and_a_blank_row_imports, |app: TestApp| async move {
    // The social worker the sheet names (by display name), of 广东路街道.
    let worker = app.user("sg07", "周敏(社工)", "social_worker", "430405009", false).await;
    let range = cells(OPENPYXL);
    assert_eq!(cell(&range, 1, 'A'), Data::String("珠晖区社区戒毒社区康复人员花名册".into()));
    assert_eq!(cell(&range, 1, 'B'), Data::Empty, "the rest of the merged title is empty");
    assert_eq!(cell(&range, 3, 'B'), Data::String("姓 名".into()));
    assert_eq!(serial(&cell(&range, 4, 'G')), 46266.0, "2026-09-01 as a datetime cell");
    let with_time = serial(&cell(&range, 6, 'G'));
    assert!((with_time - (46268.0 + 14.5 / 24.0)).abs() < 1e-6, "2026-09-03 14:30: {with_time}");
    assert_eq!(serial(&cell(&range, 7, 'G')), 46154.0, "2026-05-12 in the 年月日 format");
    assert_eq!(cell(&range, 4, 'H'), Data::String("2026年9月8日".into()));
    assert!((1..=10).all(|c| cell(&range, 14, (b'A' + c - 1) as char) == Data::Empty), "row 14 is blank");

    let before = app.person_count().await;
    let r = run(&app, "花名册.xlsx", OPENPYXL).await;
    // Issue #18 item 12: 王立新's 社区康复 decided 2026-06-18 gives no report date; the deadline
    // (Fri 2026-07-03) passed 149 days before the import day, more than 90: the row is asked
    // about, nothing is stored.
    let asked: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(asked, vec![(12, "report_date")], "{:?}", r.problems);
    assert!(r.problems[0].zh().starts_with("第 12 行：措施决定日期 2026-06-18，"), "{}", r.problems[0].zh());
    assert!(r.problems[0].zh().contains("报到期限 2026-07-03 已过 149 天"), "{}", r.problems[0].zh());
    assert_eq!((r.rows, r.valid, r.created), (20, 19, 0), "the blank row is no person");
    assert_eq!(app.person_count().await, before);
    assert_eq!(r.header_row, 3, "below the two merged title rows");
    assert_eq!(r.ignored, vec!["序号".to_string()]);
    let columns: Vec<(&str, &str)> = r.columns.iter().map(|(f, h)| (f.as_str(), h.as_str())).collect();
    assert_eq!(
        columns,
        vec![
            ("name", "姓 名"),
            ("id_number", "公民身份号码"),
            ("town", "所属街道"),
            ("division", "社区(村)"),
            ("measure_kind", "管控措施"),
            ("decision_date", "决定日期"),
            ("report_date", "报到日期"),
            ("social_worker", "责任社工"),
            ("note", "备注"),
        ]
    );
    // The office confirms that 王立新 has not reported (管控状态 在控): the cells as the import
    // read them from the .xlsx, with that column added, saved as CSV, import all 20.
    let confirmed = confirmed_csv(OPENPYXL, 12);
    import_all(&app, "花名册.csv", confirmed.as_bytes(), 3, 20).await;

    assert_eq!(
        stored(&app, "430405198602140132").await,
        Stored {
            name: "李文博".into(),
            division: "430405009007".into(),
            phone: None,
            note: None,
            social_worker: Some(worker),
            measure: measure("community_detox", "2026-09-01", Some("2026-09-08")),
        }
    );
    // A datetime with a time of day is the day; the 年月日 number format; a village (太山村 for
    // 太山村委会) and one listed without a suffix (民星村); the person after the blank row.
    let zhao = stored(&app, "430405199705110352").await;
    assert_eq!((zhao.name.as_str(), zhao.division.as_str()), ("赵子豪", "430405009015"));
    assert_eq!(zhao.measure, measure("community_detox", "2026-09-03", Some("2026-09-10")));
    assert_eq!(zhao.social_worker, Some(worker));
    let qian = stored(&app, "430405199311190468").await;
    assert_eq!(qian.measure, measure("compulsory_isolation", "2026-05-12", None));
    assert_eq!(qian.social_worker, None);
    assert_eq!(stored(&app, "430405196804150807").await.division, "430405014202");
    assert_eq!(stored(&app, "430405197909210911").await.division, "430405014222");
    let chen = stored(&app, "430405200001010156").await;
    assert_eq!((chen.name.as_str(), chen.division.as_str()), ("陈宇航", "430405200207"));
    assert_eq!(chen.measure, measure("community_detox", "2026-11-02", Some("2026-11-06")));

    import_again(&app, "花名册.csv", confirmed.as_bytes(), 20).await;
    app
});

/// The cells of the .xlsx `bytes` as the import reads them, with a column 管控状态 whose cell is
/// 在控 on spreadsheet row `row` (the office confirming a real overdue report), as CSV.
fn confirmed_csv(bytes: &[u8], row: usize) -> String {
    let rows = jindu_store::sheet::read_sheet("花名册.xlsx", bytes).unwrap();
    let width = rows.iter().map(Vec::len).max().unwrap_or(0);
    let quote = |c: &str| format!("\"{}\"", c.replace('"', "\"\""));
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let mut cells: Vec<String> = (0..width).map(|j| quote(r.get(j).map_or("", String::as_str))).collect();
            cells.push(quote(match i + 1 {
                3 => "管控状态",
                n if n == row => "在控",
                _ => "",
            }));
            cells.join(",")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

both!(a_gbk_csv_saved_like_windows_excel_imports, |app: TestApp| async move {
    // The bytes are GBK (not UTF-8) with CRLF line ends.
    assert_eq!(jindu_store::sheet::decode_text(GBK).1, jindu_store::sheet::TextEncoding::Gb18030);
    assert!(GBK.ends_with(b"\r\n") && !GBK.windows(2).any(|w| w[1] == b'\n' && w[0] != b'\r'));

    // The header in row 3: below the title and 填报单位 rows.
    let r = import_all(&app, "登记表.csv", GBK, 3, 10).await;
    assert_eq!(r.ignored, vec!["序号".to_string()]);

    assert_eq!(
        stored(&app, "430405199003181244").await,
        Stored {
            name: "欧阳娜".into(),
            division: "430405009007".into(),
            phone: Some("13975401111".into()),
            note: None,
            social_worker: None,
            measure: measure("community_detox", "2026-09-01", Some("2026-09-08")),
        }
    );
    // The quoted note with its comma, whole; 强戒 with an ID number ending in X; 社康 at the town.
    let gong = stored(&app, "430405197707081330").await;
    assert_eq!((gong.name.as_str(), gong.note.as_deref()), ("龚振华", Some("已报到,按时检测")));
    assert_eq!(gong.measure, measure("community_rehab", "2026-06-15", Some("2026-06-19")));
    let tan = stored(&app, "43040519660222111X").await;
    assert_eq!((tan.name.as_str(), tan.division.as_str()), ("谭伟", "430405011005"));
    assert_eq!(tan.measure, measure("compulsory_isolation", "2026-04-30", None));
    let luo = stored(&app, "430405197509121936").await;
    assert_eq!(
        (luo.division.as_str(), luo.measure),
        ("430405100000", measure("community_rehab", "2026-03-09", Some("2026-03-12")))
    );

    import_again(&app, "登记表.csv", GBK, 10).await;
    app
});

both!(one_bad_check_digit_in_an_openpyxl_thousand_stores_nothing, |app: TestApp| async move {
    let range = cells(ONE_BAD_ROW);
    assert_eq!(range.end(), Some((1001, 5)), "a title, the header and 1,000 rows");
    let before = app.person_count().await;
    let r = run(&app, "名单.xlsx", ONE_BAD_ROW).await;
    assert_eq!(r.header_row, 2);
    assert_eq!(r.rows, 1000);
    // Every 社区戒毒 here gives no report date, decided from 2024-01-01 on: since issue #18 item 12
    // each whose report is more than 90 days overdue is asked about too (956 rows, row 618 among
    // them; the 44 others are within 90 days). The bad check digit is still named, alone of its
    // kind.
    let named: Vec<(usize, &str)> =
        r.problems.iter().filter(|p| !p.zh().contains("逾期未报到")).map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(named, vec![(618, "id_number")], "{:?}", named);
    let bad = r.problems.iter().find(|p| p.row == 618 && p.field == "id_number").unwrap();
    assert!(bad.zh().contains("校验码"), "{}", bad.zh());
    let stale = r.problems.iter().filter(|p| p.zh().contains("逾期未报到")).count();
    assert!(r.problems.iter().filter(|p| p.zh().contains("逾期未报到")).all(|p| p.field == "report_date"));
    assert_eq!((stale, r.rows_with_problems(), r.valid, r.existing, r.created), (956, 956, 44, 0, 0));
    assert_eq!(app.person_count().await, before, "nothing stored when any row fails");
    app
});

both!(a_workbook_in_the_1904_date_system_keeps_its_dates, |app: TestApp| async move {
    // What openpyxl wrote: 2018-12-15 as the 1904 system's serial 41987 (the 1900 system's
    // 2014-12-14), in a date cell; 2018-12-22 and 2018-11-30 as plain numbers.
    let r0 = cells(DATE1904);
    assert_eq!(serial(&cell(&r0, 2, 'E')), 41987.0);
    assert_eq!(cell(&r0, 2, 'F'), Data::Float(41994.0));
    assert_eq!(cell(&r0, 2, 'G'), Data::Float(41972.0));
    let r = run(&app, "date1904.xlsx", DATE1904).await;
    assert_eq!((r.rows, r.created), (2, 2), "{:?}", r.problems);
    let zhou = stored(&app, "430405198503120152").await;
    assert_eq!(zhou.measure, measure("community_detox", "2018-12-15", Some("2018-12-22")));
    let wu = stored(&app, "430405199001010249").await;
    assert_eq!(wu.measure, measure("community_rehab", "2020-02-29", Some("2020-03-02")), "a leap day");
    let found: Vec<(String, Option<String>)> = person::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|p| {
            (
                app.vault.open("person", "name", &p.id.to_string(), &p.name).unwrap(),
                p.first_found_on.map(|d| d.to_string()),
            )
        })
        .filter(|(n, _)| n == "周一鸣" || n == "吴二妹")
        .collect();
    let mut found = found;
    found.sort();
    assert_eq!(
        found,
        vec![
            ("吴二妹".to_string(), Some("2016-07-01".to_string())),
            ("周一鸣".to_string(), Some("2018-11-30".to_string()))
        ]
    );
    import_again(&app, "date1904.xlsx", DATE1904, 2).await;
    app
});

both!(merged_towns_fill_their_rows_and_footers_are_skipped, |app: TestApp| async move {
    let r = run(&app, "merged_footer.xlsx", MERGED_FOOTER).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.header_row, r.rows, r.created), (2, 5, 5));
    assert_eq!(
        r.skipped,
        vec![
            (8, "合计：5人".to_string()),
            (9, "填表人：张三 审核人：李四 制表日期：2026年11月30日".to_string()),
            (10, "备注：本表不含强制隔离戒毒人员。".to_string()),
        ]
    );
    // 广东路街道 written once in D3:D5, 东风街道 in D6:D7; 社区戒毒 once in F3:F7; the decision
    // date 2026-10-10 once in G6:G7.
    let expected = [
        ("钱一", id_born("19800101", 31), "430405009007", "2026-09-01"),
        ("钱二", id_born("19810202", 42), "430405009009", "2026-09-02"),
        ("钱三", id_born("19820303", 51), "430405009000", "2026-09-03"),
        ("钱四", id_born("19830404", 62), "430405010000", "2026-10-10"),
        ("钱五", id_born("19840505", 71), "430405010000", "2026-10-10"),
    ];
    for (name, n, division, decided) in expected {
        let s = stored(&app, &n).await;
        assert_eq!((s.name.as_str(), s.division.as_str()), (name, division));
        assert_eq!(s.measure, measure("community_detox", decided, None), "{name}");
    }
    import_again(&app, "merged_footer.xlsx", MERGED_FOOTER, 5).await;
    app
});
