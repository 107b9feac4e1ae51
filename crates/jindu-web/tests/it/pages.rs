//! Issue #18, the page items: the 工作台 grouped by town and kind and paged (16), strict query
//! parameters on every list, export and the API (18), and the correction of a mistyped measure
//! date with its clocks recomputed (19). Each on SQLite and PostgreSQL.

use crate::common::*;
use chrono::NaiveDate;
use jindu_domain::Role;
use jindu_store::entities::{event, measure, obligation};
use jindu_store::service::persons::NewPerson;
use reqwest::StatusCode;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

fn synthetic_id(seq: u32) -> String {
    id_in_month("199101", seq)
}

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// A name of three characters that no other name of the caseload contains: 测 + two digits.
fn name(n: u32) -> String {
    const D: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    format!("测{}{}", D[(n / 10 % 10) as usize], D[(n % 10) as usize])
}

/// Registers person `n` in `community` under community detox (decided 2026-11-01, reported
/// 2026-11-02), then replaces the duties the schedule gave with `duties` (kind, due date) owned by
/// `worker`: a caseload whose every due date is chosen by hand.
async fn person_with(app: &TestApp, n: u32, community: &str, worker: Option<Uuid>, duties: &[(&str, &str)]) -> Uuid {
    let id = app
        .register(NewPerson {
            name: name(n),
            id_number: synthetic_id(n),
            division: community.into(),
            measure_kind: "community_detox".into(),
            decision_date: "2026-11-01".into(),
            report_date: "2026-11-02".into(),
            ..Default::default()
        })
        .await;
    obligation::Entity::delete_many().filter(obligation::Column::PersonId.eq(id)).exec(&app.db).await.unwrap();
    for (kind, due) in duties {
        obligation::Entity::insert(obligation::ActiveModel {
            person_id: Set(id),
            kind: Set(kind.to_string()),
            due_date: Set(day(due)),
            division_code: Set(community.to_string()),
            social_worker_id: Set(worker),
            measure_id: Set(None),
        })
        .exec(&app.db)
        .await
        .unwrap();
    }
    id
}

/// The hand-built caseload of the workbench tests (today 2026-11-29):
/// - 广东路 430405009 (community 430405009007): persons 1–55 each a drug test overdue, due
///   2026-11-01 + (n − 1) mod 5 days (eleven on each of 11-01 … 11-05); persons 1–3 also a visit
///   due today; persons 4–5 a check-in due 2026-12-03 (within 7 days). Persons 1–3 are the
///   social worker's.
/// - 430405007 (community 430405007006): persons 61–64 each a visit overdue (2026-11-20); person
///   61 a drug test due 2026-12-06 (the 7th day: within the week), person 62 one due 2026-12-07
///   (later: on no list).
///
/// Overdue 55 + 4 = 59; today 3; within 7 days 2 + 1 = 3.
async fn caseload(app: &TestApp, worker: Uuid) {
    let dates = ["2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"];
    for n in 1..=55u32 {
        let mut duties = vec![("drug_test", dates[((n - 1) % 5) as usize])];
        if n <= 3 {
            duties.push(("visit", "2026-11-29"));
        }
        if n == 4 || n == 5 {
            duties.push(("check_in", "2026-12-03"));
        }
        person_with(app, n, "430405009007", (n <= 3).then_some(worker), &duties).await;
    }
    for n in 61..=64u32 {
        let mut duties = vec![("visit", "2026-11-20")];
        match n {
            61 => duties.push(("drug_test", "2026-12-06")),
            62 => duties.push(("drug_test", "2026-12-07")),
            _ => {}
        }
        person_with(app, n, "430405007006", None, &duties).await;
    }
}

/// The number shown in the element with `data-testid="{id}"`.
fn figure(html: &str, id: &str) -> u64 {
    let marker = format!("data-testid=\"{id}\">");
    let at = html.find(&marker).unwrap_or_else(|| panic!("no {id} in page"));
    let rest = &html[at + marker.len()..];
    rest[..rest.find('<').unwrap()].trim().parse().unwrap_or_else(|_| panic!("{id}: {}", &rest[..20]))
}

/// The three counts (overdue, today, week) of the summary row of `town` and `kind` (empty: the
/// town's total row).
fn group_row(html: &str, town: &str, kind: &str) -> Option<[u64; 3]> {
    let marker = format!("data-town=\"{town}\" data-kind=\"{kind}\">");
    let at = html.find(&marker)?;
    let row = &html[at..at + html[at..].find("</tr>").unwrap()];
    let mut out = [0u64; 3];
    for (i, list) in ["overdue", "today", "week"].iter().enumerate() {
        let cell = &row[row.find(&format!("data-list=\"{list}\"")).unwrap()..];
        let a = &cell[cell.find("\">").unwrap() + 2..];
        let a = &a[a.find("\">").unwrap() + 2..];
        out[i] = a[..a.find('<').unwrap()].parse().unwrap();
    }
    Some(out)
}

/// How many duty lines of `kind` the page lists (each has one 记录 link).
fn lines(html: &str, kind: &str) -> usize {
    html.matches(&format!("?record={kind}#record")).count()
}

both!(workbench_groups_by_town_and_kind_and_pages_the_lists, |app: TestApp| async move {
    let worker = app.user("sgw", "社工", "social_worker", "430405009", false).await;
    caseload(&app, worker).await;
    app.login().await;

    let (s, html) = app.get("/").await;
    assert_eq!(s, StatusCode::OK);
    // The figures of the whole district at the top.
    assert_eq!(figure(&html, "count-overdue"), 59);
    assert_eq!(figure(&html, "count-today"), 3);
    assert_eq!(figure(&html, "count-week"), 3);
    // The summary by town and kind.
    assert!(html.contains("data-testid=\"workbench-groups\""));
    assert_eq!(group_row(&html, "430405009", ""), Some([55, 3, 2]));
    assert_eq!(group_row(&html, "430405009", "drug_test"), Some([55, 0, 0]));
    assert_eq!(group_row(&html, "430405009", "visit"), Some([0, 3, 0]));
    assert_eq!(group_row(&html, "430405009", "check_in"), Some([0, 0, 2]));
    assert_eq!(group_row(&html, "430405007", ""), Some([4, 0, 1]));
    assert_eq!(group_row(&html, "430405007", "visit"), Some([4, 0, 0]));
    assert_eq!(group_row(&html, "430405007", "drug_test"), Some([0, 0, 1]));
    assert_eq!(group_row(&html, "430405009", "report"), None, "no row without duties");
    assert!(html.contains("href=\"/?town=430405009&#38;kind=drug_test&#38;list=overdue\""), "a count opens its list");
    // The three lists, each a first page of at most 50: 50 of 59 overdue, the 3 of today, the 3
    // of the week.
    assert_eq!(figure(&html, "total-overdue"), 59);
    assert_eq!(figure(&html, "total-due-today"), 3);
    assert_eq!(figure(&html, "total-week"), 3);
    assert_eq!(lines(&html, "drug_test"), 50 + 1, "50 overdue tests (one due within the week)");
    assert_eq!(lines(&html, "visit"), 3, "today's visits; the 4 overdue visits are due 11-20, after 50 tests");
    assert!(html.contains("href=\"/?list=overdue&#38;page=2\""), "the next page of the overdue list");

    // One town and kind, page 2: the last 5 of 55. Eleven are due on each of 11-01 … 11-05; the
    // ones due 11-05 are persons 5, 10, …, 55 (in order of registration): page 1 ends with 30.
    let (s, html) = app.get("/?town=430405009&kind=drug_test&list=overdue&page=2").await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(figure(&html, "count-overdue"), 59, "the figures stay the district's");
    assert_eq!(figure(&html, "total-overdue"), 55);
    assert!(!html.contains("data-testid=\"section-due-today\""), "only the chosen list");
    assert_eq!(lines(&html, "drug_test"), 5);
    for n in [35, 40, 45, 50, 55] {
        assert!(html.contains(&format!(">{}</a>", name(n))), "person {n} is on page 2");
    }
    assert!(!html.contains(&format!(">{}</a>", name(30))), "person 30 is on page 1");
    assert!(html.contains("第 2 / 2 页") || html.contains(">2 / 2<") || html.contains(" 2 / 2"), "page 2 of 2");
    assert!(
        html.contains("href=\"/?town=430405009&#38;kind=drug_test&#38;list=overdue&#38;page=1\""),
        "paging keeps the filter"
    );
    let (_, page1) = app.get("/?town=430405009&kind=drug_test&list=overdue").await;
    assert_eq!(lines(&page1, "drug_test"), 50);
    assert!(page1.contains(&format!(">{}</a>", name(30))) && !page1.contains(&format!(">{}</a>", name(35))));
    // A page past the end (a link kept after the list shrank) shows the last page, never
    // "page 3 of 2" with no rows.
    for past in [3, 999] {
        let (s, html) = app.get(&format!("/?town=430405009&kind=drug_test&list=overdue&page={past}")).await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(lines(&html, "drug_test"), 5, "page {past} shows page 2");
        assert!(html.contains(" 2 / 2") && !html.contains(&format!(" {past} / 2")), "page {past}");
    }
    // The same for the person list: 20 a page.
    let (_, first) = app.get("/persons").await;
    let total = figure(&first, "person-total");
    let pages = total.div_ceil(20);
    assert!(pages >= 2, "{total} persons");
    let (s, html) = app.get("/persons?page=40").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains(&format!(" {pages} / {pages}")), "page 40 shows the last of {pages}");

    // The other town; a kind over both towns.
    let (_, html) = app.get("/?town=430405007").await;
    assert_eq!(
        (figure(&html, "total-overdue"), figure(&html, "total-due-today"), figure(&html, "total-week")),
        (4, 0, 1)
    );
    let (_, html) = app.get("/?kind=visit").await;
    assert_eq!(
        (figure(&html, "total-overdue"), figure(&html, "total-due-today"), figure(&html, "total-week")),
        (4, 3, 0)
    );
    // The town form sends 12 digits; the same town.
    let (_, html) = app.get("/?town=430405007000&kind=visit&list=overdue").await;
    assert_eq!(figure(&html, "total-overdue"), 4);

    // The exports follow the filter: 4 overdue visits in 430405007.
    let r = app.client.get(app.url("/export/overdue/csv?town=430405007&kind=visit")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains(",2026-11-20,")).count(), 4, "{csv}");
    assert_eq!(csv.lines().filter(|l| l.starts_with("测")).count(), 4, "{csv}");

    // A social worker's own caseload stays simple: own figures, no summary, no filter form.
    let sw = cookie_client();
    let r = sign_in(&sw, &app.base, "sgw", Some("/")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = sw.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert_eq!((figure(&html, "count-overdue"), figure(&html, "count-today"), figure(&html, "count-week")), (3, 3, 0));
    assert!(!html.contains("workbench-groups") && !html.contains("workbench-filter"));
    assert_eq!(lines(&html, "drug_test"), 3);
    assert_eq!(lines(&html, "visit"), 3);
    app
});

/// Every GET route of the pages and the API with the query parameters it reads: the ones read
/// strictly (a value the route does not take is a 422 naming the parameter), then the ones that
/// take any text (a search, a redirect target that is sanitised), then why a route is not strict
/// yet. A route added without a line here fails `every_get_route_has_its_query_parameters_listed`.
const GET_QUERIES: &[(&str, &[&str], &[&str], &str)] = &[
    ("/", &["town", "kind", "list", "page"], &[], ""),
    ("/login", &[], &["next"], "next is sanitised to a local path"),
    ("/login/totp", &[], &[], ""),
    ("/lang", &[], &["to", "back"], "to: en or else Chinese; back sanitised to a local path"),
    ("/account", &[], &[], ""),
    ("/account/password", &[], &[], ""),
    ("/account/totp", &[], &[], ""),
    ("/persons", &["town", "community", "measure", "status", "risk", "page", "sealed"], &["q"], ""),
    ("/persons/new", &[], &[], ""),
    ("/export/audit/{format}", &["outcome"], &["username", "action", "object_id"], ""),
    ("/export/indicators/{format}", &["scope", "period", "rank"], &[], "a scope outside the user's is 404"),
    (
        "/export/{list}/{format}",
        &["town", "community", "measure", "status", "risk", "sealed", "unmask", "kind", "acked"],
        &["q"],
        "",
    ),
    ("/import", &[], &[], ""),
    ("/import/template.xlsx", &["kind"], &[], ""),
    ("/import/{job}", &["header_row"], &[], "read before the job is looked up"),
    ("/import/{job}/problems.xlsx", &[], &[], ""),
    ("/evaluation", &[], &[], ""),
    ("/responsibility", &["year"], &[], ""),
    ("/workstations", &[], &[], ""),
    ("/precursors/findings", &["rule", "town", "state", "enterprise", "page"], &[], ""),
    ("/precursors/findings.xlsx", &["rule", "town", "state", "enterprise", "page"], &[], ""),
    ("/precursors/enterprises", &["town", "role", "status", "q", "tier", "category", "flag", "page"], &[], ""),
    ("/precursors/enterprises.xlsx", &["town", "role", "status", "q", "tier", "category", "flag", "page"], &[], ""),
    ("/precursors/enterprises/{ent}/inspections/new", &[], &[], ""),
    ("/precursors/inspections", &["division", "until", "tier"], &[], ""),
    ("/precursors/inspections.xlsx", &["division", "until", "tier"], &[], ""),
    ("/precursors/enterprises/new", &[], &[], ""),
    ("/precursors/enterprises/{ent}", &["full"], &[], ""),
    ("/precursors/enterprises/{ent}/edit", &[], &[], ""),
    ("/precursors/enterprises/{ent}/credentials/new", &[], &[], ""),
    ("/precursors/enterprises/{ent}/annual-report.xlsx", &["year"], &[], ""),
    ("/precursors/credentials", &["kind", "status", "expiring", "page"], &[], ""),
    ("/precursors/credentials.xlsx", &["kind", "status", "expiring", "page"], &[], ""),
    ("/verify/credential", &["number"], &[], "public: at most 64 characters, no control characters"),
    ("/precursors/enterprises/{ent}/ledger", &["chemical", "kind", "month", "page"], &[], ""),
    ("/precursors/enterprises/{ent}/ledger.xlsx", &["chemical", "kind", "month", "page"], &[], ""),
    ("/precursors/enterprises/{ent}/ledger/{form}/new", &[], &[], ""),
    ("/attachments/{file}", &[], &[], ""),
    ("/evaluation/schemes/{scheme}", &[], &["edit", "parent"], "a form page: an unknown item opens the new-item form"),
    ("/evaluation/{run}", &[], &[], ""),
    ("/evaluation/{run}/bulletin.docx", &[], &[], ""),
    ("/evaluation/{run}/bulletin.xlsx", &[], &[], ""),
    ("/evaluation/{run}/units/{unit}", &[], &[], ""),
    ("/persons/{id}", &["record", "unmask", "decide"], &[], ""),
    ("/persons/{id}/edit", &[], &[], ""),
    ("/alerts", &["kind", "acked", "page"], &[], ""),
    ("/lost", &[], &[], ""),
    ("/abstinence", &["confirmed"], &[], ""),
    ("/caseload", &["from", "moved"], &[], ""),
    ("/settings/risk", &["saved"], &[], ""),
    ("/transfers", &[], &[], ""),
    ("/overview", &[], &[], ""),
    ("/dashboard", &["scope", "period", "rank"], &[], "a scope outside the user's is 404"),
    ("/dashboard/rows", &["scope", "period", "indicator", "page"], &[], ""),
    ("/dashboard.xlsx", &["scope", "period", "rank"], &[], ""),
    ("/dashboard/bulletin.docx", &["scope", "period", "rank"], &[], ""),
    ("/dashboard/bulletin.xlsx", &["scope", "period", "rank"], &[], ""),
    ("/settings/indicators", &["saved"], &[], ""),
    ("/police", &["month", "division", "saved"], &[], ""),
    ("/audit", &["outcome", "page"], &["username", "action", "object_id"], ""),
    ("/admin/users", &[], &[], ""),
    ("/admin/users/{uid}", &[], &[], ""),
    ("/admin/roles", &[], &[], ""),
    ("/admin/settings", &[], &[], ""),
    ("/static/app.css", &[], &[], ""),
    ("/static/tiers.css", &[], &[], ""),
    ("/healthz", &[], &[], ""),
    ("/api/v1/persons", &["town", "community", "measure", "status", "risk", "page"], &["q"], ""),
    ("/api/v1/persons/{id}", &[], &[], ""),
    ("/api/v1/persons/{id}/events", &[], &[], ""),
    ("/api/v1/persons/{id}/measures", &[], &[], ""),
    ("/api/v1/obligations", &["town", "kind"], &[], ""),
    ("/api/v1/precursor-enterprises", &["town", "role", "status", "q", "page"], &[], ""),
    ("/api/v1/precursor-enterprises/{ent}", &[], &[], ""),
    ("/api/v1/precursor-enterprises/{ent}/credentials", &[], &[], ""),
    ("/api/openapi.json", &[], &[], ""),
];

#[test]
fn every_get_route_has_its_query_parameters_listed() {
    let mut routes: Vec<&str> = jindu_web::routes::ROUTES
        .iter()
        .chain(jindu_web::api::API_ROUTES)
        .filter(|r| r.method == "GET")
        .map(|r| r.path)
        .collect();
    routes.sort_unstable();
    let mut listed: Vec<&str> = GET_QUERIES.iter().map(|(p, ..)| *p).collect();
    listed.sort_unstable();
    assert_eq!(listed, routes, "GET_QUERIES must list every GET route once");
}

/// Route × bad value → 422 naming the parameter, for every strict parameter of
/// [`GET_QUERIES`] of the pages (the API's are in `api_refuses_bad_query_values_as_json`; the
/// audit log's, read as the auditor, below). Each line: route, parameter, address.
fn bad_values(person: Uuid) -> Vec<(&'static str, &'static str, String)> {
    let p = format!("/persons/{person}");
    let mut t: Vec<(&'static str, &'static str, String)> = vec![
        ("/", "town", "/?town=abc".into()),
        ("/", "town", "/?town=430406001".into()),
        ("/", "kind", "/?kind=nap".into()),
        ("/", "list", "/?list=later".into()),
        ("/", "page", "/?page=-1".into()),
        ("/persons", "town", "/persons?town=abc".into()),
        ("/persons", "town", "/persons?town=430406001".into()),
        ("/persons", "town", "/persons?town=430405".into()),
        ("/persons", "community", "/persons?community=43040500900".into()),
        ("/persons", "community", "/persons?community=110105001001".into()),
        ("/persons", "status", "/persons?status=xyz".into()),
        ("/persons", "measure", "/persons?measure=jail".into()),
        ("/persons", "risk", "/persons?risk=extreme".into()),
        ("/persons", "page", "/persons?page=-1".into()),
        ("/persons", "page", "/persons?page=0".into()),
        ("/persons", "page", "/persons?page=abc".into()),
        ("/persons", "sealed", "/persons?sealed=yes".into()),
        ("/persons/{id}", "record", format!("{p}?record=nap")),
        ("/persons/{id}", "unmask", format!("{p}?unmask=yes")),
        ("/persons/{id}", "decide", format!("{p}?decide=jail")),
        ("/alerts", "kind", "/alerts?kind=foo".into()),
        ("/alerts", "acked", "/alerts?acked=2".into()),
        ("/alerts", "page", "/alerts?page=1.5".into()),
        ("/abstinence", "confirmed", "/abstinence?confirmed=x".into()),
        ("/caseload", "from", "/caseload?from=42".into()),
        ("/caseload", "moved", "/caseload?moved=-1".into()),
        ("/settings/risk", "saved", "/settings/risk?saved=x".into()),
        ("/settings/indicators", "saved", "/settings/indicators?saved=2".into()),
        ("/responsibility", "year", "/responsibility?year=1999".into()),
        ("/responsibility", "year", "/responsibility?year=20x6".into()),
        ("/precursors/enterprises", "town", "/precursors/enterprises?town=430406001".into()),
        ("/precursors/enterprises", "role", "/precursors/enterprises?role=sell".into()),
        ("/precursors/enterprises", "status", "/precursors/enterprises?status=closed".into()),
        ("/precursors/enterprises", "q", "/precursors/enterprises?q=%01".into()),
        ("/precursors/enterprises", "page", "/precursors/enterprises?page=0".into()),
        ("/precursors/findings", "rule", "/precursors/findings?rule=P-99".into()),
        ("/precursors/findings", "town", "/precursors/findings?town=430406001".into()),
        ("/precursors/findings", "state", "/precursors/findings?state=closed".into()),
        ("/precursors/findings", "enterprise", "/precursors/findings?enterprise=abc".into()),
        ("/precursors/findings", "page", "/precursors/findings?page=0".into()),
        ("/precursors/findings.xlsx", "rule", "/precursors/findings.xlsx?rule=x".into()),
        ("/precursors/findings.xlsx", "town", "/precursors/findings.xlsx?town=abc".into()),
        ("/precursors/findings.xlsx", "state", "/precursors/findings.xlsx?state=x".into()),
        ("/precursors/findings.xlsx", "enterprise", "/precursors/findings.xlsx?enterprise=1".into()),
        ("/precursors/findings.xlsx", "page", "/precursors/findings.xlsx?page=-1".into()),
        ("/precursors/enterprises", "tier", "/precursors/enterprises?tier=extreme".into()),
        ("/precursors/enterprises", "category", "/precursors/enterprises?category=4".into()),
        ("/precursors/enterprises", "flag", "/precursors/enterprises?flag=expired".into()),
        ("/precursors/enterprises.xlsx", "tier", "/precursors/enterprises.xlsx?tier=x".into()),
        ("/precursors/enterprises.xlsx", "category", "/precursors/enterprises.xlsx?category=0".into()),
        ("/precursors/enterprises.xlsx", "flag", "/precursors/enterprises.xlsx?flag=x".into()),
        ("/precursors/inspections", "division", "/precursors/inspections?division=440000".into()),
        ("/precursors/inspections", "until", "/precursors/inspections?until=2026-13-40".into()),
        ("/precursors/inspections", "tier", "/precursors/inspections?tier=extreme".into()),
        ("/precursors/inspections.xlsx", "division", "/precursors/inspections.xlsx?division=abc".into()),
        ("/precursors/inspections.xlsx", "until", "/precursors/inspections.xlsx?until=soon".into()),
        ("/precursors/inspections.xlsx", "tier", "/precursors/inspections.xlsx?tier=x".into()),
        (
            "/precursors/enterprises/{ent}",
            "full",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000?full=yes".into(),
        ),
        ("/precursors/enterprises.xlsx", "town", "/precursors/enterprises.xlsx?town=abc".into()),
        (
            "/precursors/enterprises/{ent}/annual-report.xlsx",
            "year",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/annual-report.xlsx?year=1999".into(),
        ),
        ("/precursors/credentials", "kind", "/precursors/credentials?kind=licence".into()),
        ("/precursors/credentials", "status", "/precursors/credentials?status=ok".into()),
        ("/precursors/credentials", "expiring", "/precursors/credentials?expiring=0".into()),
        ("/precursors/credentials", "page", "/precursors/credentials?page=0".into()),
        ("/precursors/credentials.xlsx", "kind", "/precursors/credentials.xlsx?kind=x".into()),
        ("/precursors/credentials.xlsx", "status", "/precursors/credentials.xlsx?status=x".into()),
        ("/precursors/credentials.xlsx", "expiring", "/precursors/credentials.xlsx?expiring=abc".into()),
        ("/precursors/credentials.xlsx", "page", "/precursors/credentials.xlsx?page=-1".into()),
        ("/precursors/enterprises.xlsx", "role", "/precursors/enterprises.xlsx?role=x".into()),
        ("/precursors/enterprises.xlsx", "status", "/precursors/enterprises.xlsx?status=x".into()),
        ("/precursors/enterprises.xlsx", "q", "/precursors/enterprises.xlsx?q=%00".into()),
        ("/precursors/enterprises.xlsx", "page", "/precursors/enterprises.xlsx?page=-1".into()),
        (
            "/precursors/enterprises/{ent}/ledger",
            "chemical",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger?chemical=x".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger",
            "kind",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger?kind=gift".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger",
            "month",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger?month=2026-13".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger",
            "page",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger?page=0".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger.xlsx",
            "chemical",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger.xlsx?chemical=x".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger.xlsx",
            "kind",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger.xlsx?kind=gift".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger.xlsx",
            "month",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger.xlsx?month=2026-13".into(),
        ),
        (
            "/precursors/enterprises/{ent}/ledger.xlsx",
            "page",
            "/precursors/enterprises/00000000-0000-0000-0000-000000000000/ledger.xlsx?page=0".into(),
        ),
        ("/dashboard/rows", "page", "/dashboard/rows?indicator=lost&page=-1".into()),
        ("/export/{list}/{format}", "status", "/export/persons/csv?status=xyz".into()),
        ("/export/{list}/{format}", "town", "/export/persons/xlsx?town=abc".into()),
        ("/export/{list}/{format}", "town", "/export/due/xlsx?town=430406001".into()),
        ("/export/{list}/{format}", "community", "/export/persons/csv?community=1".into()),
        ("/export/{list}/{format}", "measure", "/export/persons/csv?measure=jail".into()),
        ("/export/{list}/{format}", "risk", "/export/persons/csv?risk=x".into()),
        ("/export/{list}/{format}", "sealed", "/export/persons/csv?sealed=2".into()),
        ("/export/{list}/{format}", "unmask", "/export/persons/csv?unmask=yes".into()),
        ("/export/{list}/{format}", "kind", "/export/overdue/csv?kind=nap".into()),
        ("/export/{list}/{format}", "kind", "/export/alerts/csv?kind=foo".into()),
        ("/export/{list}/{format}", "acked", "/export/alerts/csv?acked=2".into()),
        ("/import/template.xlsx", "kind", "/import/template.xlsx?kind=people".into()),
        ("/import/template.xlsx", "kind", "/import/template.xlsx?kind=PERSONS".into()),
        ("/import/{job}", "header_row", format!("/import/{}?header_row=0", Uuid::nil())),
        ("/import/{job}", "header_row", format!("/import/{}?header_row=21", Uuid::nil())),
        ("/import/{job}", "header_row", format!("/import/{}?header_row=abc", Uuid::nil())),
        ("/import/{job}", "header_row", format!("/import/{}?header_row=-3", Uuid::nil())),
    ];
    t.sort_by_key(|(r, f, _)| (*r, *f));
    t
}

/// Strict parameters whose refusal is another sentence than `查询参数 …` (the 驾驶舱's own
/// period, scope and indicator sentences, tested in indicators.rs; the police form's month).
const OWN_SENTENCES: &[(&str, &str)] = &[
    ("/dashboard", "scope"),
    ("/dashboard", "period"),
    ("/dashboard", "rank"),
    ("/dashboard/rows", "scope"),
    ("/dashboard/rows", "period"),
    ("/dashboard/rows", "indicator"),
    ("/dashboard.xlsx", "scope"),
    ("/dashboard.xlsx", "period"),
    ("/dashboard.xlsx", "rank"),
    ("/dashboard/bulletin.docx", "scope"),
    ("/dashboard/bulletin.docx", "period"),
    ("/dashboard/bulletin.docx", "rank"),
    ("/dashboard/bulletin.xlsx", "scope"),
    ("/dashboard/bulletin.xlsx", "period"),
    ("/dashboard/bulletin.xlsx", "rank"),
    ("/export/indicators/{format}", "scope"),
    ("/export/indicators/{format}", "period"),
    ("/export/indicators/{format}", "rank"),
    ("/police", "month"),
    // The public verify page's own sentence (precursor_credentials.rs).
    ("/verify/credential", "number"),
];

#[test]
fn every_strict_parameter_has_a_bad_value_in_the_table() {
    let table = bad_values(Uuid::nil());
    let api = ["/api/v1/persons", "/api/v1/obligations", "/api/v1/precursor-enterprises"];
    let audit = [("/audit", "outcome"), ("/audit", "page"), ("/export/audit/{format}", "outcome")];
    for (route, strict, _, _) in GET_QUERIES {
        for field in *strict {
            let covered = table.iter().any(|(r, f, _)| r == route && f == field)
                || api.contains(route)
                || audit.contains(&(*route, *field))
                || OWN_SENTENCES.contains(&(*route, *field))
                || (*route == "/police" && ["division", "saved"].contains(field));
            assert!(covered, "{route} ?{field}= has no bad value in the table");
        }
    }
}

both!(bad_query_values_are_refused_naming_the_parameter, |app: TestApp| async move {
    let person = app.person("查询甲", ID_A, "2026-11-01", "2026-11-02").await;
    app.login().await;
    let p = format!("/persons/{person}");
    for (route, field, path) in &bad_values(person) {
        let (s, body) = app.get(path).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{route}: {path}: {s}");
        assert!(body.contains(&format!("查询参数 {field} 的取值")), "{path}: {body}");
        assert!(body.contains(&format!("Query parameter {field}:")), "{path}: {body}");
    }
    // The police form (a role with ReportPolice): a division outside the scope, a bad flag, a
    // quarter for a month.
    let police = app.with_user(Role::Police, "430405").await;
    for (path, says) in [
        ("/police?division=440000", "查询参数 division 的取值"),
        ("/police?saved=yes", "查询参数 saved 的取值"),
        ("/police?month=2026-Q3", "2026-Q3"),
    ] {
        let (s, body) = police.get(path).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains(says), "{path}");
    }
    assert_eq!(police.get("/police?month=2026-10&division=430405000000&saved=1").await.0, StatusCode::OK);
    // The audit log and its export, as the auditor (the office may not read it).
    let auditor = app.with_user(Role::Auditor, "430405").await;
    for (path, field) in
        [("/audit?outcome=maybe", "outcome"), ("/audit?page=-1", "page"), ("/export/audit/csv?outcome=x", "outcome")]
    {
        let (s, body) = auditor.get(path).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(body.contains(&format!("查询参数 {field} 的取值")), "{path}");
    }
    assert_eq!(auditor.get("/audit?outcome=ok&page=1").await.0, StatusCode::OK);
    // Several bad parameters: each named.
    let (s, body) = app.get("/persons?status=xyz&page=-1&town=abc").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for f in ["status", "page", "town"] {
        assert!(body.contains(&format!("查询参数 {f} ")), "{f}: {body}");
    }
    // What the pages themselves send is accepted.
    for path in [
        "/persons?town=430405009000&community=430405009007&measure=community_detox&status=under_control&q=&risk=",
        "/persons?town=430405009&page=2&sealed=",
        "/?town=430405009&kind=drug_test&list=overdue&page=1",
        "/alerts?kind=&acked=1&page=1",
        "/caseload?from=none&moved=3",
        "/export/persons/csv?town=430405009000&risk=low",
        "/responsibility?year=2026",
        "/settings/risk?saved=3",
        "/settings/indicators?saved=1",
        "/dashboard/rows?indicator=lost&page=1",
    ] {
        let (s, body) = app.get(path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {body}");
    }
    let (s, body) = app.get(&format!("{p}?record=drug_test&unmask=0&decide=")).await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let (_, body) = app.get("/persons?town=430405009000").await;
    assert!(body.contains("查询甲"));
    let (_, body) = app.get("/persons?town=430405007").await;
    assert!(!body.contains("查询甲"), "another town lists nobody of 430405009");
    // The risk filter: the person is listed under exactly one tier, and the form offers it.
    let mut tiers = 0;
    for t in ["high", "medium", "low"] {
        let (s, body) = app.get(&format!("/persons?risk={t}")).await;
        assert_eq!(s, StatusCode::OK);
        assert!(body.contains(&format!("<option value=\"{t}\" selected>")), "{t} chosen in the form");
        tiers += usize::from(body.contains("查询甲"));
    }
    assert_eq!(tiers, 1);
    app
});

/// The kept indicator cells equal a recomputation from scratch (which then replaces them).
async fn cells_match_rebuild(app: &TestApp) {
    use jindu_store::service::indicators;
    let kept = indicators::all_cells(&app.db).await.unwrap();
    indicators::rebuild(&app.db, jindu_domain::clock::Now::at(fixed_instant()).today, |_| {}).await.unwrap();
    let fresh = indicators::all_cells(&app.db).await.unwrap();
    assert_eq!(kept, fresh, "kept cells differ from a rebuild");
}

/// The amendments (corrections of a measure's dates) on `person`'s timeline.
async fn amendments_of(app: &TestApp, person: Uuid) -> Vec<event::Model> {
    event::Entity::find()
        .filter(event::Column::PersonId.eq(person))
        .filter(event::Column::Kind.eq("amendment"))
        .all(&app.db)
        .await
        .unwrap()
}

both!(measure_date_correction_recomputes_the_clocks, |app: TestApp| async move {
    let person = app.person("更正甲", ID_A, "2026-02-25", "2026-03-10").await;
    let m = measure::Entity::find().filter(measure::Column::PersonId.eq(person)).one(&app.db).await.unwrap().unwrap();
    assert_eq!(m.planned_last_day, Some(day("2029-03-09")));
    let due = |kind: &'static str| {
        let db = app.db.clone();
        async move {
            obligation::Entity::find()
                .filter(obligation::Column::PersonId.eq(person))
                .filter(obligation::Column::Kind.eq(kind))
                .one(&db)
                .await
                .unwrap()
                .map(|o| o.due_date)
        }
    };
    // Reported 2026-03-10, nothing recorded since: check-in 15 days on, test a month on.
    assert_eq!(due("check_in").await, Some(day("2026-03-25")));
    assert_eq!(due("drug_test").await, Some(day("2026-04-10")));
    let visit_before = due("visit").await.unwrap();
    app.login().await;
    let path = format!("/persons/{person}/measures/{}", m.id);
    let events_before = app.event_count().await;

    // Refused: each a sentence naming the field, nothing stored.
    for (form, says) in [
        (vec![("field", "report_date"), ("date", "2026-03-01"), ("reason", " ")], "请填写理由"),
        (vec![("field", "report_date"), ("date", "2026-02-24"), ("reason", "笔误")], "不能早于决定日期"),
        (vec![("field", "report_date"), ("date", "2026-11-30"), ("reason", "笔误")], "不能晚于今天"),
        (vec![("field", "report_date"), ("date", "2026-13-40"), ("reason", "笔误")], "不是有效日期"),
        (vec![("field", "decision_date"), ("date", "2026-03-11"), ("reason", "笔误")], "不能早于决定日期"),
        (vec![("field", "report_date"), ("date", "2026-03-10"), ("reason", "笔误")], "无需更正"),
        (vec![("field", "start"), ("date", "2026-03-01"), ("reason", "笔误")], "无效"),
    ] {
        let mut form = form.clone();
        form.push(("action", "correct"));
        let (s, body, _) = app.post(&path, &form).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{form:?}");
        assert!(body.contains(says), "{form:?} should say {says}");
    }
    assert_eq!(app.event_count().await, events_before, "nothing stored");
    let same = measure::Entity::find_by_id(m.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!((same.reported_on, same.planned_last_day), (Some(day("2026-03-10")), Some(day("2029-03-09"))));

    // The correction: 2026-03-10 → 2026-03-01.
    let (s, _, loc) = app
        .post(
            &path,
            &[
                ("action", "correct"),
                ("field", "report_date"),
                ("date", "2026-03-01"),
                ("reason", "录入错误，以报到登记表为准"),
            ],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc.as_deref(), Some(format!("/persons/{person}").as_str()));
    let fixed = measure::Entity::find_by_id(m.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!(fixed.reported_on, Some(day("2026-03-01")));
    assert_eq!(fixed.planned_last_day, Some(day("2029-02-28")), "3 years from 2026-03-01");
    assert_eq!(fixed.decision_date, day("2026-02-25"));
    assert_eq!(fixed.report_deadline, Some(day("2026-03-12")), "the deadline runs from the decision");
    assert_eq!(due("check_in").await, Some(day("2026-03-16")));
    assert_eq!(due("drug_test").await, Some(day("2026-04-01")));
    assert_eq!(due("visit").await, Some(visit_before - chrono::Duration::days(9)));
    // The amendment: one timeline event with old, new, reason, who and when, pointing at the report.
    let amendments = amendments_of(&app, person).await;
    assert_eq!(amendments.len(), 1);
    let a = &amendments[0];
    let detail: serde_json::Value = serde_json::from_str(a.detail.as_deref().unwrap()).unwrap();
    assert_eq!(detail["field"], "report_date");
    assert_eq!(detail["old"], "2026-03-10");
    assert_eq!(detail["new"], "2026-03-01");
    assert_eq!(a.occurred_on, day("2026-11-29"));
    assert_eq!(a.recorded_by, Some(app.admin.user_id));
    let started = event::Entity::find_by_id(a.amends_event_id.unwrap()).one(&app.db).await.unwrap().unwrap();
    assert_eq!((started.kind.as_str(), started.occurred_on), ("measure_started", day("2026-03-10")));
    let (_, html) = app.get(&format!("/persons/{person}")).await;
    assert!(html.contains("措施日期更正：报到日期 2026-03-10 → 2026-03-01。"), "{html}");
    assert!(html.contains("录入错误，以报到登记表为准"), "the reason on the timeline");
    assert!(html.contains("data-testid=\"planned-last-day\">2029年2月28日<"), "the page shows the new end");
    let audited = app.audited("measure.correct").await;
    assert_eq!(audited.len(), 1);
    assert!(audited[0].detail.as_deref().unwrap().ends_with("report_date 2026-03-10 -> 2026-03-01"));

    // The person's indicator contributions were recomputed in the same write: the kept cells
    // equal a rebuild from scratch.
    cells_match_rebuild(&app).await;

    // The decision date moves the report deadline: 2026-02-20 + 15 days = Saturday 03-07 → 03-09.
    let (s, _, _) = app
        .post(&path, &[("action", "correct"), ("field", "decision_date"), ("date", "2026-02-20"), ("reason", "笔误")])
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let fixed = measure::Entity::find_by_id(m.id).one(&app.db).await.unwrap().unwrap();
    assert_eq!((fixed.decision_date, fixed.report_deadline), (day("2026-02-20"), Some(day("2026-03-09"))));
    assert_eq!(fixed.planned_last_day, Some(day("2029-02-28")), "the term runs from the report");
    cells_match_rebuild(&app).await;

    // A corrected decision may not overlap another measure: end this one 2026-06-30, decide
    // community rehabilitation 2026-07-15, then move that decision to 2026-06-01.
    let (s, _, _) =
        app.post(&path, &[("action", "end"), ("date", "2026-06-30"), ("end_reason", "compulsory_education")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, body, _) = app
        .post(
            &format!("/persons/{person}/measures"),
            &[("measure_kind", "community_rehab"), ("decision_date", "2026-07-15"), ("report_date", "")],
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let rehab = measure::Entity::find()
        .filter(measure::Column::PersonId.eq(person))
        .filter(measure::Column::Kind.eq("community_rehab"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let (s, body, _) = app
        .post(
            &format!("/persons/{person}/measures/{}", rehab.id),
            &[("action", "correct"), ("field", "decision_date"), ("date", "2026-06-01"), ("reason", "笔误")],
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("时间重叠"), "{body}");
    assert_eq!(amendments_of(&app, person).await.len(), 2, "the refused correction stored nothing");
    app
});

both!(api_refuses_bad_query_values_as_json, |app: TestApp| async move {
    app.person("接口甲", ID_A, "2026-11-01", "2026-11-02").await;
    let (_, secret) = app.office_token(30).await;
    for (query, field, code) in [
        ("town=abc", "town", "query.division"),
        ("town=430406001", "town", "query.out_of_scope"),
        ("community=110105001001", "community", "query.out_of_scope"),
        ("status=xyz", "status", "query.choice"),
        ("measure=jail", "measure", "query.choice"),
        ("risk=extreme", "risk", "query.choice"),
        ("page=-1", "page", "query.page"),
    ] {
        let r = app.client.get(app.url(&format!("/api/v1/persons?{query}"))).bearer_auth(&secret).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["code"], "invalid", "{query}");
        assert_eq!(v["errors"][0]["field"], field, "{query}");
        assert_eq!(v["errors"][0]["code"], code, "{query}");
        assert!(v["errors"][0]["message_zh"].as_str().unwrap().contains(&format!("查询参数 {field}")));
        assert!(v["errors"][0]["message_en"].as_str().unwrap().contains(&format!("Query parameter {field}")));
    }
    for (query, field) in [("town=abc", "town"), ("kind=nap", "kind"), ("town=430406001", "town")] {
        let r =
            app.client.get(app.url(&format!("/api/v1/obligations?{query}"))).bearer_auth(&secret).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(v["errors"][0]["field"], field, "{query}");
    }
    let r =
        app.client.get(app.url("/api/v1/obligations?town=430405009&kind=")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.client.get(app.url("/api/v1/persons?town=430405009&risk=")).bearer_auth(&secret).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(v["total"], 1);
    app
});

/// A concrete address of `route` (GET_QUERIES): the query string is read before any record is
/// looked up, so a well-formed id of nothing does.
fn concrete(route: &str, person: Uuid) -> String {
    let nil = Uuid::nil().to_string();
    route
        .replace("{id}", &person.to_string())
        .replace("{list}", "persons")
        .replace("{format}", "csv")
        .replace("{job}", &nil)
        .replace("{scheme}", &nil)
        .replace("{run}", &nil)
        .replace("{unit}", &nil)
        .replace("{file}", &nil)
        .replace("{uid}", &nil)
}

both!(a_repeated_parameter_is_refused_naming_it_on_every_route, |app: TestApp| async move {
    // Every parameter of every GET route, strict or free, given twice: 400 with the sentence in
    // both languages naming it (axum's own answer was "Failed to deserialize query string:
    // duplicate field `status`").
    let person = app.person("重复甲", ID_A, "2026-11-01", "2026-11-02").await;
    app.login().await;
    let (_, secret) = app.office_token(30).await;
    let mut tried = 0;
    for (route, strict, free, _) in GET_QUERIES {
        for field in strict.iter().chain(free.iter()) {
            let path = format!("{}?{field}=1&{field}=2", concrete(route, person));
            if route.starts_with("/api/") {
                let r = app.client.get(app.url(&path)).bearer_auth(&secret).send().await.unwrap();
                assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
                let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
                assert_eq!(v["code"], "bad_request", "{path}");
                assert_eq!(v["errors"][0]["field"], *field, "{path}");
                assert_eq!(v["errors"][0]["code"], "query.repeated", "{path}");
                assert_eq!(
                    v["message"],
                    format!(
                        "查询参数 {field} 出现了不止一次：每个参数只能给一个值，请去掉重复的 {field}=…。 / Query parameter {field}: given more than once; give it one value (remove the repeated {field}=…)."
                    ),
                    "{path}"
                );
            } else {
                let (s, body) = app.get(&path).await;
                assert_eq!(s, StatusCode::BAD_REQUEST, "{path}: {body}");
                assert!(body.contains(&format!("查询参数 {field} 出现了不止一次")), "{path}: {body}");
                assert!(body.contains(&format!("Query parameter {field}: given more than once")), "{path}: {body}");
            }
            tried += 1;
        }
    }
    assert!(tried >= 60, "{tried}");
    // The same value twice is still two values; a parameter of no route, repeated, is ignored
    // as any unknown parameter is.
    let (s, body) = app.get("/persons?status=under_control&status=under_control").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = app.get("/persons?utm=1&utm=2").await;
    assert_eq!(s, StatusCode::OK);
    app
});
