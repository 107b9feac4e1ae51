//! Excel in and out over HTTP (issue #6) on SQLite and PostgreSQL: the person list exported as
//! .xlsx and CSV equals the list the page shows (masked the same way), an unmasked export shows
//! the ID numbers in full and says so in the audit log; every list exports; the import page
//! checks an upload in a background job, names the bad row on the page and in an .xlsx copy with
//! a 问题说明 column, stores nothing, then imports a clean file after 确认导入; the template
//! Jindu hands out is read back by the import's own header finder.

use std::io::Cursor;

use crate::common::*;
use calamine::{Data, Reader, Xlsx};
use jindu_store::entities::audit_record;
use reqwest::StatusCode;

/// A valid synthetic ID number with sequence `seq` (born 1988-05-dd).
fn id_for(seq: u32) -> String {
    id_in_month("198805", seq)
}

async fn download(app: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let r = app.client.get(app.url(path)).send().await.unwrap();
    let status = r.status();
    let ct = r.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    (status, ct, r.bytes().await.unwrap().to_vec())
}

fn sheet(bytes: &[u8]) -> calamine::Range<Data> {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let name = wb.sheet_names()[0].clone();
    wb.worksheet_range(&name).unwrap()
}

fn text(r: &calamine::Range<Data>, row: u32, col: u32) -> String {
    r.get_value((row, col)).map(|d| d.to_string()).unwrap_or_default()
}

async fn last_audit(app: &TestApp, action: &str) -> audit_record::Model {
    app.audited(action).await.pop().unwrap_or_else(|| panic!("no audit record {action}"))
}

both!(the_person_export_equals_the_list_and_is_audited, |app: TestApp| async move {
    app.login().await;
    let names = ["赵一", "钱二", "孙三"];
    for (i, n) in names.iter().enumerate() {
        app.person(n, &id_for(i as u32 + 1), "2026-09-01", "2026-09-08").await;
    }
    let (s, html) = app.get("/persons").await;
    assert_eq!(s, StatusCode::OK);
    let (s, ct, bytes) = download(&app, "/export/persons/xlsx").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("application/vnd.openxmlformats"), "{ct}");
    let r = sheet(&bytes);
    assert_eq!(text(&r, 0, 0), "珠晖区在册人员名单（2026-11-29）".replace("2026-11-29", &fixed_day()));
    assert_eq!(text(&r, 1, 0), "姓名");
    assert_eq!(text(&r, 1, 1), "身份证号");
    // Rows 3..5: the three persons, each name and masked ID number shown on the page too.
    let mut exported = Vec::new();
    for row in 2..5 {
        let (name, id) = (text(&r, row, 0), text(&r, row, 1));
        assert!(html.contains(&format!(">{name}</a>")), "{name} is on the page");
        assert!(html.contains(&id), "{id} is on the page");
        assert!(id.contains('*'), "masked: {id}");
        exported.push(name);
    }
    exported.sort();
    let mut want: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(exported, want);
    assert_eq!(text(&r, 6, 0), "演示数据", "the demo line under the rows");
    let rec = last_audit(&app, "export.persons").await;
    assert!(rec.detail.as_deref().unwrap().starts_with("xlsx rows=3"), "{:?}", rec.detail);

    // CSV: BOM, title, headers, the same three rows.
    let (s, ct, bytes) = download(&app, "/export/persons/csv?measure=community_detox").await;
    assert_eq!(s, StatusCode::OK);
    assert!(ct.starts_with("text/csv"), "{ct}");
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let csv = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[1].starts_with("姓名,身份证号,性别,年龄,所属辖区,管控措施"), "{}", lines[1]);
    assert_eq!(lines.iter().filter(|l| l.contains("社区戒毒")).count(), 3);
    let rec = last_audit(&app, "export.persons").await;
    assert_eq!(rec.detail.as_deref(), Some("csv rows=3 measure=community_detox"));

    // Unmasked: the full ID numbers, and the audit says so.
    let (_, _, bytes) = download(&app, "/export/persons/xlsx?unmask=1").await;
    let r = sheet(&bytes);
    let ids: Vec<String> = (2..5).map(|row| text(&r, row, 1)).collect();
    assert!(ids.contains(&id_for(1)), "{ids:?}");
    assert_eq!(text(&r, 1, 12), "联系电话");
    let rec = last_audit(&app, "export.persons").await;
    assert!(rec.detail.as_deref().unwrap().contains("unmasked"), "{:?}", rec.detail);
    app
});

/// The fixed test day as the export titles write it.
fn fixed_day() -> String {
    jindu_domain::clock::Now::at(fixed_instant()).today.format("%Y-%m-%d").to_string()
}

both!(every_list_exports_and_unknown_lists_are_404, |app: TestApp| async move {
    app.login().await;
    app.person("周四", &id_for(7), "2026-09-01", "2026-09-08").await;
    for list in ["persons", "overdue", "due", "alerts", "lost", "indicators"] {
        for format in ["xlsx", "csv"] {
            let (s, _, bytes) = download(&app, &format!("/export/{list}/{format}")).await;
            assert_eq!(s, StatusCode::OK, "{list}.{format}");
            assert!(bytes.len() > 3, "{list}.{format}");
            let rec = last_audit(&app, &format!("export.{list}")).await;
            assert!(rec.detail.unwrap().starts_with(format), "{list}");
        }
    }
    // The indicator export carries the 驾驶舱's figures: 在册人数 is 1.
    let (_, _, bytes) = download(&app, "/export/indicators/xlsx").await;
    let r = sheet(&bytes);
    assert_eq!(text(&r, 1, 0), "指标");
    assert!(r.rows().count() > 5);
    for bad in ["/export/secrets/xlsx", "/export/persons/pdf"] {
        assert_eq!(download(&app, bad).await.0, StatusCode::NOT_FOUND, "{bad}");
    }
    // The audit log is the auditor's: 403 for the office, the whole filtered log for an auditor.
    assert_eq!(download(&app, "/export/audit/xlsx").await.0, StatusCode::FORBIDDEN);
    app.user("aud", "审计员", "auditor", "430405", false).await;
    let auditor = cookie_client();
    let r = sign_in(&auditor, &app.base, "aud", Some("/")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = auditor.get(app.url("/export/audit/csv?action=export.")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    // The office's 13 exports above, newest first, each with its user and chain hash.
    let rows: Vec<&str> = csv.lines().skip(2).filter(|l| !l.starts_with("演示数据")).collect();
    assert_eq!(rows.len(), 13, "{csv}");
    // One row per indicator: 29 since #18 added 在册 and 新发现 growth and 涉毒区划占比.
    assert!(rows[0].contains(",xlsx rows=29,"), "{}", rows[0]);
    assert!(rows[0].contains(",office,") && rows[0].contains("export.indicators"), "{}", rows[0]);
    app
});

/// The page of the import job at `job` once it has ended: (job path, page).
async fn follow(app: &TestApp, job: &str) -> (String, String) {
    (job.to_string(), follow_job(app, job).await)
}

fn testid(html: &str, id: &str) -> String {
    let at = html.find(&format!("data-testid=\"{id}\">")).unwrap_or_else(|| panic!("{id} in {html}"));
    html[at..].split_once('>').unwrap().1.split('<').next().unwrap().to_string()
}

both!(the_import_page_checks_names_the_bad_row_then_imports, |app: TestApp| async move {
    app.login().await;
    let before = app.person_count().await;
    let sheet_of = |bad: bool| {
        let mut csv = String::from("姓名,身份证号,乡镇(街道),社区(村),管控措施,决定日期,报到日期\n");
        for i in 0..40u32 {
            let mut id = id_for(100 + i);
            if bad && i == 25 {
                // The same number with a wrong check digit.
                let last = if id.ends_with('0') { '1' } else { '0' };
                id.pop();
                id.push(last);
            }
            csv.push_str(&format!("人员{i},{id},广东路街道,湖北路社区,社区戒毒,2026-09-01,2026-09-08\n"));
        }
        csv
    };
    let csv = sheet_of(true);
    let (job, html) = upload_for_check(&app, "登记表.csv", csv.clone().into_bytes()).await;
    assert_eq!(testid(&html, "rows"), "40");
    assert_eq!(testid(&html, "valid"), "39");
    assert_eq!(testid(&html, "bad"), "1");
    // Row 27 of the sheet (header in row 1, the 26th data row).
    assert!(html.contains("<tr><td>27</td><td>身份证号</td>"), "{html}");
    assert!(!html.contains("data-testid=\"import-commit\""), "no commit after problems");
    assert_eq!(app.person_count().await, before, "a check stores nothing");

    // The copy of the file with the 问题说明 column.
    let (s, _, bytes) = download(&app, &format!("{job}/problems.xlsx")).await;
    assert_eq!(s, StatusCode::OK);
    let r = sheet(&bytes);
    assert_eq!(text(&r, 0, 7), "问题说明");
    assert!(text(&r, 26, 7).contains("身份证号"), "{}", text(&r, 26, 7));
    assert_eq!(text(&r, 26, 0), "人员25");
    assert_eq!(text(&r, 25, 7), "");
    // A commit of a job with problems is refused.
    let (s, _, _) = app.post(&format!("{job}/commit"), &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);

    // The corrected file: clean check, then 确认导入 imports all 40 at once.
    let (job, html) = upload_for_check(&app, "登记表.csv", sheet_of(false).into_bytes()).await;
    assert!(html.contains("data-testid=\"import-clean\""), "{html}");
    let (s, _, loc) = app.post(&format!("{job}/commit"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = follow(&app, &loc.unwrap()).await;
    assert_eq!(testid(&html, "created"), "40");
    assert_eq!(app.person_count().await, before + 40);
    let rec = last_audit(&app, "person.import").await;
    assert!(rec.detail.unwrap().contains("rows=40 created=40"));

    // The jobs are listed on the import page.
    let jobs_page = app.get("/import").await.1;
    assert!(jobs_page.contains("登记表.csv"));
    app
});

both!(a_file_that_is_no_sheet_is_refused_in_both_languages, |app: TestApp| async move {
    app.login().await;
    let (_, html) = upload_for_check(&app, "photo.xlsx", b"not a zip file at all".to_vec()).await;
    assert!(html.contains("data-testid=\"import-refused\""), "{html}");
    assert!(html.contains("未保存任何数据"));
    // No file at all: a sentence, not a 500.
    let token = csrf(&app.client, &app.base).await;
    let form = upload_form(&token).text("mode", "check");
    let r = app.client.post(app.url("/import")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("请选择要导入的文件"));
    app
});

both!(the_template_is_read_back_by_the_import, |app: TestApp| async move {
    app.login().await;
    let (s, _, bytes) = download(&app, "/import/template.xlsx").await;
    assert_eq!(s, StatusCode::OK);
    let rows = jindu_store::sheet::read_sheet("模板.xlsx", &bytes).unwrap();
    let header = jindu_domain::import::find_header(&rows).unwrap();
    assert_eq!(header.row, 1, "the header is in row 2, under the title");
    assert_eq!(header.columns.len(), jindu_domain::import::PersonColumn::ALL.len());
    assert!(header.ignored.is_empty());
    // The example row can never be imported by mistake: its check digit is wrong.
    let (_, html) = upload_for_check(&app, "模板.xlsx", bytes).await;
    assert_eq!(testid(&html, "bad"), "1");
    assert!(html.contains("<tr><td>3</td><td>身份证号</td>"), "{html}");
    app
});

both!(the_measures_events_and_tasks_templates_are_read_back, |app: TestApp| async move {
    use jindu_domain::import::{EventColumn, MeasureColumn, find_header_of};
    app.login().await;
    let (s, _, bytes) = download(&app, "/import/template.xlsx?kind=measures").await;
    assert_eq!(s, StatusCode::OK);
    let rows = jindu_store::sheet::read_sheet("模板.xlsx", &bytes).unwrap();
    let header = find_header_of::<MeasureColumn>(&rows).unwrap();
    assert_eq!((header.row, header.columns.len()), (1, MeasureColumn::ALL.len()));
    let (s, _, bytes) = download(&app, "/import/template.xlsx?kind=events").await;
    assert_eq!(s, StatusCode::OK);
    let rows = jindu_store::sheet::read_sheet("模板.xlsx", &bytes).unwrap();
    let header = find_header_of::<EventColumn>(&rows).unwrap();
    assert_eq!((header.row, header.columns.len()), (1, EventColumn::ALL.len()));
    // The tasks template: read back, and its example row (owner 示例街道) is refused.
    let (s, _, bytes) = download(&app, "/import/template.xlsx?kind=tasks").await;
    assert_eq!(s, StatusCode::OK);
    let rows = jindu_store::sheet::read_sheet("模板.xlsx", &bytes).unwrap();
    let header = find_header_of::<jindu_domain::import::TaskColumn>(&rows).unwrap();
    assert_eq!((header.row, header.columns.len()), (1, jindu_domain::import::TaskColumn::ALL.len()));
    let report = jindu_store::service::import::import_sheet(
        &app.db,
        &app.vault,
        &app.admin,
        jindu_domain::clock::Now::at(fixed_instant()),
        jindu_store::service::import::SheetKind::Tasks,
        jindu_store::service::import::ImportRequest::new("模板.xlsx", &bytes, true),
        |_, _| {},
    )
    .await
    .unwrap();
    assert_eq!(report.problems.iter().map(|p| (p.row, p.field.as_str())).collect::<Vec<_>>(), vec![(3, "owner")]);
    app
});

both!(a_layout_jindu_cannot_read_is_mapped_by_hand_then_imported, |app: TestApp| async move {
    app.login().await;
    let before = app.person_count().await;
    // A title, a blank row, then headers Jindu does not know (当事人, 证照号) and one to ignore.
    let csv = format!(
        "人员名单,,,\n\n编号,当事人,证照号,所属街道\n1,钱映,{},东风街道\n2,吴照,{},广东路街道\n",
        id_for(301),
        id_for(302)
    );
    let (job, html) = upload_for_check(&app, "名单.csv", csv.into_bytes()).await;
    assert!(html.contains("data-testid=\"import-refused\""), "{html}");
    assert!(html.contains("列对应"), "the sentence points to the mapping");
    // The first rows are shown, and the form offers the fullest row (row 3) and its cells.
    assert!(html.contains("data-testid=\"import-preview\""), "{html}");
    assert!(html.contains("name=\"header_row\" value=\"3\""), "{html}");
    assert!(html.contains("<label for=\"col2\">证照号</label>"), "{html}");
    // Another row can be shown; an impossible one falls back to the guess.
    let (_, other) = app.get(&format!("{job}?header_row=1")).await;
    assert!(other.contains("<label for=\"col0\">人员名单</label>"), "{other}");

    // A field that does not exist is refused with a sentence.
    let (s, body, _) = app.post(&format!("{job}/map"), &[("header_row", "3"), ("col2", "passport")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不是可选的字段"), "{body}");
    let (s, body, _) = app.post(&format!("{job}/map"), &[("header_row", "99")]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    let (s, _, loc) = app
        .post(
            &format!("{job}/map"),
            &[("header_row", "3"), ("col0", "-"), ("col1", "name"), ("col2", "id_number"), ("col3", "auto")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (mapped, html) = follow(&app, &loc.unwrap()).await;
    assert!(html.contains("data-testid=\"import-clean\""), "{html}");
    assert_eq!(testid(&html, "valid"), "2");
    assert!(html.contains("data-testid=\"mapping-used\""), "{html}");
    // The form shows the choices kept.
    assert!(html.contains("<option value=\"id_number\" selected>"), "{html}");
    assert_eq!(app.person_count().await, before, "a check stores nothing");
    // The commit reads the file with the same mapping.
    let (s, _, loc) = app.post(&format!("{mapped}/commit"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = follow(&app, &loc.unwrap()).await;
    assert_eq!(testid(&html, "created"), "2");
    assert_eq!(app.person_count().await, before + 2);
    let rec = last_audit(&app, "person.import").await;
    assert!(rec.detail.unwrap().contains("证照号>id_number"));
    app
});

both!(an_english_reader_gets_english_words_in_exports_and_templates, |app: TestApp| async move {
    app.login().await;
    app.person("周五", &id_for(8), "2026-09-01", "2026-09-08").await;
    let r = app.client.get(app.url("/lang?to=en")).send().await.unwrap();
    assert!(r.status().is_success() || r.status().is_redirection(), "{}", r.status());
    // The person list: sheet name, title and headers from the catalogue (exports.yml).
    let (s, _, bytes) = download(&app, "/export/persons/xlsx").await;
    assert_eq!(s, StatusCode::OK);
    let wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names()[0], "Registered persons");
    let r = sheet(&bytes);
    assert!(text(&r, 0, 0).starts_with("Registered persons, "), "{}", text(&r, 0, 0));
    assert_eq!(
        (text(&r, 1, 0), text(&r, 1, 1), text(&r, 1, 8)),
        ("Name".into(), "ID number".into(), "Control status".into())
    );
    // The overdue list and the alert list too.
    let (_, _, bytes) = download(&app, "/export/overdue/xlsx").await;
    let r = sheet(&bytes);
    assert_eq!(text(&r, 1, 4), "Days overdue");
    let (_, _, bytes) = download(&app, "/export/alerts/csv").await;
    let csv = String::from_utf8_lossy(&bytes).to_string();
    assert!(csv.contains("Alert,Name,Date,Days since,Details,Read"), "{csv}");
    // The template: instructions in English, headers still the Chinese ones the import reads.
    let (s, _, bytes) = download(&app, "/import/template.xlsx?kind=events").await;
    assert_eq!(s, StatusCode::OK);
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), vec!["Tests and visits".to_string(), "How to fill".to_string()]);
    let how = wb.worksheet_range("How to fill").unwrap();
    assert_eq!(text(&how, 2, 0), "身份证号*");
    assert_eq!(text(&how, 2, 1), "Required. A person registered in the jurisdiction.");
    let rows = jindu_store::sheet::read_sheet("template.xlsx", &bytes).unwrap();
    let header = jindu_domain::import::find_header_of::<jindu_domain::import::EventColumn>(&rows).unwrap();
    assert_eq!(header.columns.len(), jindu_domain::import::EventColumn::ALL.len());
    assert_eq!(rows[2][7], "Example row: delete before importing");
    let r = app.client.get(app.url("/import/template.xlsx")).send().await.unwrap();
    let disposition = r.headers().get("content-disposition").unwrap().to_str().unwrap().to_string();
    assert!(disposition.contains("registry-import-template.xlsx"), "{disposition}");
    app
});
