//! 定责考责 (issue #7) on SQLite and PostgreSQL: responsibility letters of the ten towns of 珠晖区
//! with scans (kept with their SHA-256, refused when not PDF/PNG/JPEG), the units without a signed
//! letter, plan tasks with their status on 2026-11-29 (the tests' today), evidence, close-out
//! (销账), reopening, the scope of a town's officer, and the pages.

use crate::common::Sentences;
use crate::common::*;
use jindu_domain::clock::Now;
use jindu_domain::responsibility::{LetterStatus, TaskStatus};
use jindu_store::service::responsibility::{self, LetterForm, TaskForm, Upload};
use jindu_store::service::{ServiceError, users};
use reqwest::StatusCode;
use sha2::Digest;

fn now() -> Now {
    Now::at(fixed_instant())
}

const GUANGDONG: &str = "430405009000";
const DONGFENG: &str = "430405010000";
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";

fn fields(e: ServiceError) -> Vec<&'static str> {
    match e {
        ServiceError::Invalid(errors) => errors.iter().map(|e| e.field).collect(),
        other => panic!("{other:?}"),
    }
}

both!(letters_are_kept_with_their_scans_and_the_unsigned_units_listed, |app: TestApp| async move {
    let rows = responsibility::letters(&app.db, &app.admin, 2026).await.unwrap();
    assert_eq!(rows.len(), 10);
    assert!(rows.iter().all(|r| r.status == LetterStatus::Missing));
    // Signed with a scan; registered without one.
    let signed = LetterForm {
        year: "2026".into(),
        unit_code: GUANGDONG.into(),
        parties: "珠晖区禁毒委员会 — 广东路街道办事处".into(),
        signed_on: "2026年3月15日".into(),
        scan: Some(Upload { file_name: "C:\\扫描\\广东路责任书.pdf".into(), bytes: PDF.to_vec() }),
    };
    assert_eq!(
        responsibility::save_letter(&app.db, &app.vault, &app.admin, now(), signed).await.unwrap(),
        LetterStatus::Signed
    );
    let pending = LetterForm {
        year: "2026".into(),
        unit_code: DONGFENG.into(),
        parties: "珠晖区禁毒委员会 — 东风路街道办事处".into(),
        signed_on: "2026-03-16".into(),
        scan: None,
    };
    assert_eq!(
        responsibility::save_letter(&app.db, &app.vault, &app.admin, now(), pending).await.unwrap(),
        LetterStatus::Pending
    );
    let rows = responsibility::letters(&app.db, &app.admin, 2026).await.unwrap();
    let gd = rows.iter().find(|r| r.unit_code == GUANGDONG).unwrap();
    let file = gd.attachment.clone().unwrap();
    assert_eq!(file.file_name, "广东路责任书.pdf", "the path the browser sent is dropped");
    assert_eq!(file.content_type, "application/pdf");
    assert_eq!(file.size, PDF.len() as i64);
    let sha: String = sha2::Sha256::digest(PDF).iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(file.sha256, sha);
    assert_eq!(gd.signed_on, chrono::NaiveDate::from_ymd_opt(2026, 3, 15));
    let unsigned: Vec<&str> =
        rows.iter().filter(|r| r.status != LetterStatus::Signed).map(|r| r.unit_code.as_str()).collect();
    assert_eq!(unsigned.len(), 9);
    assert!(unsigned.contains(&DONGFENG) && !unsigned.contains(&GUANGDONG));
    // Another year has none.
    assert!(
        responsibility::letters(&app.db, &app.admin, 2025)
            .await
            .unwrap()
            .iter()
            .all(|r| r.status == LetterStatus::Missing)
    );

    // Every problem at once, nothing stored.
    let bad = LetterForm {
        year: "公元".into(),
        unit_code: "430406001000".into(),
        parties: " ".into(),
        signed_on: "2026-02-30".into(),
        scan: Some(Upload { file_name: "责任书.docx".into(), bytes: b"PK\x03\x04".to_vec() }),
    };
    let e = responsibility::save_letter(&app.db, &app.vault, &app.admin, now(), bad).await.unwrap_err();
    assert_eq!(fields(e), vec!["year", "unit", "parties", "signed_on", "scan"]);
    let future = LetterForm { signed_on: "2026-12-01".into(), ..pending_form() };
    match responsibility::save_letter(&app.db, &app.vault, &app.admin, now(), future).await.unwrap_err() {
        ServiceError::Invalid(errors) => assert_eq!(errors[0].zh(), "签订日期不能晚于今天。"),
        other => panic!("{other:?}"),
    }
    assert_eq!(app.audited("letter.save").await.len(), 2);

    // A leader reads the scan (audited); a town officer elsewhere cannot.
    let leader_id = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader_id).await.unwrap().unwrap();
    let (info, body) = responsibility::attachment_body(&app.db, &app.vault, &leader, now(), file.id).await.unwrap();
    assert_eq!((info.sha256, body), (sha, PDF.to_vec()));
    assert_eq!(app.audited("attachment.download").await.len(), 1);
    let officer_id = app.user("zg10", "专干", "town_officer", DONGFENG, false).await;
    let officer = users::actor(&app.db, officer_id).await.unwrap().unwrap();
    assert!(matches!(
        responsibility::attachment_body(&app.db, &app.vault, &officer, now(), file.id).await,
        Err(ServiceError::NotFound(_))
    ));
    assert!(matches!(
        responsibility::save_letter(&app.db, &app.vault, &leader, now(), pending_form()).await,
        Err(ServiceError::Forbidden(_))
    ));
    app
});

fn pending_form() -> LetterForm {
    LetterForm {
        year: "2026".into(),
        unit_code: DONGFENG.into(),
        parties: "珠晖区禁毒委员会 — 东风路街道办事处".into(),
        signed_on: String::new(),
        scan: None,
    }
}

fn task(title: &str, owner: &str, due: &str) -> TaskForm {
    TaskForm {
        plan: "6·27工程三年行动".into(),
        title: title.into(),
        owner_code: owner.into(),
        co_units: "区公安分局, 区卫健局；".into(),
        due_on: due.into(),
    }
}

both!(tasks_run_from_not_started_to_closed_out_and_back, |app: TestApp| async move {
    // Today is 2026-11-29: due 2026-10-31 is 29 days late; due 2026-11-29 is not late.
    let late = responsibility::create_task(
        &app.db,
        &app.admin,
        now(),
        task("建成社区戒毒康复工作站", GUANGDONG, "2026-10-31"),
    )
    .await
    .unwrap();
    let today =
        responsibility::create_task(&app.db, &app.admin, now(), task("开展禁毒宣传月活动", GUANGDONG, "2026-11-29"))
            .await
            .unwrap();
    let other =
        responsibility::create_task(&app.db, &app.admin, now(), task("排查易制毒化学品企业", DONGFENG, "2027-06-30"))
            .await
            .unwrap();
    let status = |rows: &[responsibility::TaskRow], id| rows.iter().find(|t| t.id == id).unwrap().status;
    let rows = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(
        rows.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![late, today, other],
        "overdue first, then by due date"
    );
    assert_eq!(status(&rows, late), TaskStatus::Overdue { days: 29 });
    assert_eq!(status(&rows, today), TaskStatus::NotStarted);
    assert_eq!(rows[0].co_units, "区公安分局、区卫健局");

    // The owner town's officer reports progress with a photo; the other town's officer cannot.
    let gd_id = app.user("zg09", "专干", "town_officer", GUANGDONG, false).await;
    let gd = users::actor(&app.db, gd_id).await.unwrap().unwrap();
    let df_id = app.user("zg10", "专干", "town_officer", DONGFENG, false).await;
    let df = users::actor(&app.db, df_id).await.unwrap().unwrap();
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    responsibility::add_evidence(
        &app.db,
        &app.vault,
        &gd,
        now(),
        today,
        "宣传月活动已部署",
        Some(Upload { file_name: "现场.png".into(), bytes: png }),
    )
    .await
    .unwrap();
    assert!(matches!(
        responsibility::add_evidence(&app.db, &app.vault, &df, now(), today, "越权", None).await,
        Err(ServiceError::NotFound(_))
    ));
    assert_eq!(responsibility::tasks(&app.db, &df, now(), false).await.unwrap().len(), 1, "its own town's task only");
    let rows = responsibility::tasks(&app.db, &gd, now(), false).await.unwrap();
    assert_eq!(status(&rows, today), TaskStatus::InProgress);
    let ev = &rows.iter().find(|t| t.id == today).unwrap().evidence;
    assert_eq!(ev.len(), 1);
    assert_eq!(ev[0].1.as_ref().unwrap().content_type, "image/png");
    assert_eq!(
        fields(responsibility::add_evidence(&app.db, &app.vault, &gd, now(), today, "  ", None).await.unwrap_err()),
        vec!["note"]
    );

    // 销账 needs a note and the office; then it is done, even though late; no more evidence.
    assert_eq!(
        fields(responsibility::close_or_reopen(&app.db, &app.admin, now(), late, true, "").await.unwrap_err()),
        vec!["note"]
    );
    assert!(matches!(
        responsibility::close_or_reopen(&app.db, &gd, now(), late, true, "完成").await,
        Err(ServiceError::Forbidden(_))
    ));
    responsibility::close_or_reopen(&app.db, &app.admin, now(), late, true, "工作站已挂牌运行").await.unwrap();
    let rows = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(status(&rows, late), TaskStatus::Done);
    assert_eq!(rows.last().unwrap().id, late, "done tasks last");
    assert_eq!(responsibility::tasks(&app.db, &app.admin, now(), true).await.unwrap().len(), 2, "open tasks only");
    assert_eq!(
        fields(responsibility::add_evidence(&app.db, &app.vault, &gd, now(), late, "补充", None).await.unwrap_err()),
        vec!["task"]
    );
    assert_eq!(
        fields(responsibility::close_or_reopen(&app.db, &app.admin, now(), late, true, "再次").await.unwrap_err()),
        vec!["task"]
    );
    // Reopened with a reason: late again, by 29 days.
    responsibility::close_or_reopen(&app.db, &app.admin, now(), late, false, "抽查发现未配备社工").await.unwrap();
    let rows = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(status(&rows, late), TaskStatus::Overdue { days: 29 });
    assert_eq!(rows[0].reopen_reason.as_deref(), Some("抽查发现未配备社工"));
    assert_eq!(rows[0].close_note.as_deref(), Some("工作站已挂牌运行"));
    assert_eq!(app.audited("task.close").await.len(), 1);
    assert_eq!(app.audited("task.reopen").await.len(), 1);
    assert_eq!(app.audited("task.evidence").await.len(), 1);

    // Bad tasks: every field named, nothing stored.
    let bad = TaskForm {
        plan: String::new(),
        title: "x".repeat(301),
        owner_code: "430405".into(),
        co_units: String::new(),
        due_on: "明年".into(),
    };
    assert_eq!(
        fields(responsibility::create_task(&app.db, &app.admin, now(), bad).await.unwrap_err()),
        vec!["plan", "title", "owner", "due_on"]
    );
    assert_eq!(responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap().len(), 3);
    app
});

/// Posts a letter's multipart `form` (which starts with the CSRF token, see [`upload_form`]).
async fn post_letter(app: &TestApp, form: reqwest::multipart::Form) -> reqwest::Response {
    app.client.post(app.url("/responsibility/letters")).multipart(form).send().await.unwrap()
}

both!(the_page_takes_letters_and_tasks_and_the_workbench_shows_overdue_tasks, |app: TestApp| async move {
    app.login().await;
    let (s, page) = app.get("/responsibility").await;
    assert_eq!(s, StatusCode::OK);
    assert!(page.contains("data-testid=\"letters\"") && page.contains("广东路街道"), "{page}");
    // A letter with a scan, by multipart.
    let token = csrf(&app.client, &app.base).await;
    let form = upload_form(&token)
        .text("year", "2026")
        .text("unit", GUANGDONG)
        .text("parties", "珠晖区禁毒委员会 — 广东路街道办事处")
        .text("signed_on", "2026-03-15")
        .part("scan", reqwest::multipart::Part::bytes(PDF.to_vec()).file_name("责任书.pdf"));
    let r = post_letter(&app, form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = app.get("/responsibility?year=2026").await;
    assert!(page.contains("已签订") && page.contains("责任书.pdf"), "{page}");
    assert!(page.contains("data-testid=\"unsigned\""), "{page}");
    // A Word file as the scan: the sentence on the page, 422, nothing stored.
    let form = upload_form(&token)
        .text("year", "2026")
        .text("unit", DONGFENG)
        .text("parties", "甲 — 乙")
        .part("scan", reqwest::multipart::Part::bytes(b"PK\x03\x04word".to_vec()).file_name("责任书.docx"));
    let r = post_letter(&app, form).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("只能上传 PDF、PNG 或 JPEG 格式的扫描件。"));
    assert_eq!(app.audited("letter.save").await.len(), 1);
    // Without the token: refused.
    let form = reqwest::multipart::Form::new().text("year", "2026");
    let r = app.client.post(app.url("/responsibility/letters")).multipart(form).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A task through the form, late: on the workbench.
    let (s, _, _) = app
        .post(
            "/responsibility/tasks",
            &[
                ("plan", "6·27工程三年行动"),
                ("title", "建成社区戒毒康复工作站"),
                ("owner", GUANGDONG),
                ("co_units", ""),
                ("due_on", "2026-10-31"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body, _) = app
        .post(
            "/responsibility/tasks",
            &[("plan", "规划"), ("title", "任务"), ("owner", GUANGDONG), ("due_on", "2026-13-01")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("data-testid=\"error-summary\""), "{body}");
    let (_, page) = app.get("/").await;
    assert!(page.contains("data-testid=\"overdue-tasks\"") && page.contains("建成社区戒毒康复工作站"), "{page}");
    let (_, page) = app.get("/responsibility").await;
    assert!(page.contains("逾期 29 天"), "{page}");
    app
});

both!(tasks_import_from_a_sheet_all_or_nothing, |app: TestApp| async move {
    use jindu_store::service::import::{self, ImportRequest, SheetKind};
    // A title row, then the office's own headers (责任单位, 截止日期 are synonyms); the owner by
    // name, with its district, and by code.
    let bad = "\u{feff}珠晖区6·27工程三年行动任务清单\r\n\
所属规划,任务内容,责任单位,配合单位,截止日期\r\n\
6·27工程三年行动,建成社区戒毒社区康复工作站,广东路街道,区公安分局、区民政局,2027-06-30\r\n\
6·27工程三年行动,开展禁毒宣传月活动,珠晖区东风街道,,2026年6月30日\r\n\
6·27工程三年行动,排查易制毒化学品企业,430405009,区应急管理局,2027/3/31\r\n\
6·27工程三年行动,示例任务,示例街道,,2027-06-30\r\n\
6·27工程三年行动,完善台账,广东路街道,,2027-02-30\r\n\
6·27工程三年行动,建成社区戒毒社区康复工作站,广东路街道,,2027-06-30\r\n";
    let run = |bytes: &'static [u8], dry_run: bool| {
        let app = &app;
        async move {
            import::import_sheet(
                &app.db,
                &app.vault,
                &app.admin,
                now(),
                SheetKind::Tasks,
                ImportRequest::new("任务清单.csv", bytes, dry_run),
                |_, _| {},
            )
            .await
            .unwrap()
        }
    };
    let r = run(bad.as_bytes(), false).await;
    let problems: Vec<(usize, &str)> = r.problems.iter().map(|p| (p.row, p.field.as_str())).collect();
    assert_eq!(problems, vec![(6, "owner"), (7, "due_on"), (8, "row")], "{:?}", r.problems);
    assert_eq!(r.problems[0].zh(), "牵头单位“示例街道”不是本辖区的乡镇（街道）或已登记的成员单位。");
    assert_eq!(r.problems[2].zh(), "与第 3 行是同一规划、同一牵头单位的同一任务。");
    assert_eq!(r.created, 0);
    assert!(responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap().is_empty(), "nothing stored");

    // A member unit, once registered, owns a task by its name.
    let police = jindu_store::service::units::create_member_unit(
        &app.db,
        &app.admin,
        now(),
        jindu_store::service::units::MemberUnitForm { name: "区公安分局".into(), duties: String::new() },
    )
    .await
    .unwrap();
    let good: &'static str = "所属规划,任务内容,牵头单位,配合单位,完成时限\r\n\
6·27工程三年行动,建成社区戒毒社区康复工作站,广东路街道,区公安分局、区民政局,2027-06-30\r\n\
6·27工程三年行动,开展禁毒宣传月活动,珠晖区东风街道,,2026年6月30日\r\n\
6·27工程三年行动,排查易制毒化学品企业,430405009,区应急管理局,2027/3/31\r\n\
6·27工程三年行动,开展禁毒执法专项行动,区公安分局,,2027-12-31\r\n";
    let r = run(good.as_bytes(), false).await;
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    assert_eq!((r.rows, r.valid, r.created), (4, 4, 4));
    let rows = responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(
        rows.iter().filter(|t| t.owner_code == police).map(|t| t.owner_name.as_str()).collect::<Vec<_>>(),
        vec!["区公安分局"]
    );
    // Due 2026-06-30, today 2026-11-29: 152 days late, listed first.
    assert_eq!((rows[0].owner_code.as_str(), rows[0].status), (DONGFENG, TaskStatus::Overdue { days: 152 }));
    assert!(rows.iter().filter(|t| t.owner_code == GUANGDONG).count() == 2);
    assert_eq!(app.audited("task.create").await.len(), 4);
    assert_eq!(app.audited("task.import").await.len(), 1);
    // Again: every task is there, nothing written twice.
    let r = run(good.as_bytes(), false).await;
    assert_eq!((r.existing, r.created), (4, 0));
    assert_eq!(responsibility::tasks(&app.db, &app.admin, now(), false).await.unwrap().len(), 4);
    // A leader cannot import tasks.
    let leader_id = app.user("leader1", "领导", "leader", "430405", false).await;
    let leader = users::actor(&app.db, leader_id).await.unwrap().unwrap();
    let refused = import::import_sheet(
        &app.db,
        &app.vault,
        &leader,
        now(),
        SheetKind::Tasks,
        ImportRequest::new("任务清单.csv", good.as_bytes(), true),
        |_, _| {},
    )
    .await;
    assert!(matches!(refused, Err(ServiceError::Forbidden(_))));
    app
});
