//! Import checks within bounds (issue #20 item 1) on SQLite and PostgreSQL: a zip bomb refused
//! with the sentence before it is read, rows and columns past the limits named with the row, a
//! job's report and file kept in the database (a second server commits the check the first one
//! ran), and the file removed once imported.

use crate::common::*;
use reqwest::StatusCode;
use sea_orm::EntityTrait;
use std::io::Write;

/// An .xlsx whose one sheet is `rows` identical rows of 15 text cells: `rows` = 580,000 unpacks
/// to ≈ 350 MB of sheet XML and packs to well under 2 MB.
pub fn bomb_xlsx(rows: usize) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="在册人员" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#,
        ),
    ];
    for (name, text) in parts {
        w.start_file(name, o).unwrap();
        w.write_all(text.as_bytes()).unwrap();
    }
    w.start_file("xl/worksheets/sheet1.xml", o).unwrap();
    w.write_all(br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#).unwrap();
    let row: String = (0..15).map(|_| r#"<c t="inlineStr"><is><t>示例</t></is></c>"#).collect();
    let row = format!("<row>{row}</row>");
    let block = row.repeat(1000);
    for _ in 0..rows / 1000 {
        w.write_all(block.as_bytes()).unwrap();
    }
    w.write_all(b"</sheetData></worksheet>").unwrap();
    w.finish().unwrap().into_inner()
}

both!(a_zip_bomb_is_refused_with_the_sentence_and_stores_nothing, |app: TestApp| async move {
    let bytes = bomb_xlsx(580_000);
    assert!(bytes.len() < 3 * 1024 * 1024, "{} bytes", bytes.len());
    app.login().await;
    let before = app.person_count().await;
    let (job, html) = upload_for_check(&app, "bomb.xlsx", bytes).await;
    assert!(html.contains("data-testid=\"import-refused\""), "{html}");
    assert!(
        html.contains("表格文件解压后过大或压缩比异常（上限 256 MB，本地默认值），未读取。"),
        "the sentence names the limit: {html}"
    );
    assert_eq!(app.person_count().await, before);
    // The file is not kept: checking it again answers 410 with the sentence.
    let (s, html, _) = app.post(&format!("{job}/map"), &[("workers", "create")]).await;
    assert_eq!(s, StatusCode::GONE, "{html}");
    assert!(html.contains("该导入的文件已不再保留"), "{html}");
    app
});

both!(rows_and_columns_past_the_limits_are_named_with_the_row, |app: TestApp| async move {
    app.login().await;
    let mut csv = String::from("姓名,身份证号,所属街道\n");
    csv.push_str(&"张三,1,东风街道\n".repeat(200_000));
    let (_, html) = upload_for_check(&app, "long.csv", csv.into_bytes()).await;
    assert!(html.contains("表格超过 200000 行（第 200001 行起超出，本地默认上限），未读取。"), "{html}");
    let wide = format!("标题\n姓名,身份证号\n{}\n", vec!["x"; 201].join(","));
    let (_, html) = upload_for_check(&app, "wide.csv", wide.into_bytes()).await;
    assert!(html.contains("第 3 行超过 200 列（本地默认上限），未读取。"), "{html}");
    app
});

both!(a_check_is_kept_in_the_database_and_committed_on_another_server, |app: TestApp| async move {
    app.login().await;
    let csv = format!(
        "姓名,身份证号,所属街道,管控措施,决定日期\n甲,{},东风街道,社区戒毒,2026-09-01\n乙,{},东风街道,社区戒毒,2026-09-01\n",
        id_in_month("198704", 1),
        id_in_month("198704", 2)
    );
    let before = app.person_count().await;
    let (job, html) = upload_for_check(&app, "两人.csv", csv.clone().into_bytes()).await;
    assert!(html.contains("data-testid=\"import-clean\""), "{html}");
    // The file is kept sealed with the field key: no name or ID number of it in the row.
    let stored = jindu_store::entities::import_file::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].body.starts_with(b"j1b:"), "sealed");
    assert_eq!(stored[0].body.len(), csv.len() + 46, "header, nonce and tag around the file");
    let shows = |needle: &str| stored[0].body.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(!shows(&id_in_month("198704", 1)) && !shows("东风街道"), "nothing of the sheet in clear");
    // A second server on the same database (an empty job table in its memory) shows the report
    // and imports the checked file.
    let (base, client, _db) = app.second_server().await;
    let (s, html) = get_page(&client, &base, &job).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("data-testid=\"import-clean\""), "{html}");
    let (s, body, location) = post_form(&client, &base, &format!("{job}/commit"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let done = location.expect("the commit job");
    let mut html = String::new();
    for _ in 0..600 {
        html = get_page(&client, &base, &done).await.1;
        if !html.contains("data-testid=\"import-running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(html.contains("data-testid=\"import-done\""), "{html}");
    assert_eq!(app.person_count().await, before + 2);
    // The first server lists both jobs; the imported file is no longer kept, so the check cannot
    // be committed twice.
    let list = app.get("/import").await.1;
    assert!(list.contains(&job.replace("/import/", "")) && list.contains(&done.replace("/import/", "")), "{list}");
    let (s, html, _) = app.post(&format!("{job}/commit"), &[]).await;
    assert_eq!(s, StatusCode::GONE, "{html}");
    assert!(html.contains("该导入的文件已不再保留（已导入或超过 24 小时），请重新上传。"), "{html}");
    assert_eq!(app.person_count().await, before + 2);
    app
});

both!(a_report_keeps_the_first_ten_thousand_problems_and_counts_the_rest, |app: TestApp| async move {
    let mut csv = String::from("姓名,身份证号,所属街道\n");
    for i in 0..10_005u32 {
        csv.push_str(&format!("人{i},{},不存在街道\n", id_in_month("198705", i)));
    }
    let r = jindu_store::service::import::import_persons(
        &app.db,
        &app.vault,
        &app.admin,
        jindu_domain::clock::Now::at(fixed_instant()),
        "x.csv",
        csv.as_bytes(),
        true,
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!((r.rows, r.problems.len(), r.left_out, r.rows_with_problems()), (10_005, 10_000, 5, 10_005));
    assert_eq!(r.problems[9_999].row, 10_001);
    app
});
