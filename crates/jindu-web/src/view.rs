//! Page models (askama templates) and the helpers templates call: translations, labels and
//! form state with errors next to their fields.

use jindu_domain::message::Message;
use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use chrono::NaiveDate;
use jindu_domain::{ControlStatus, EndReason, EventKind, MeasureKind, Substance, TestMethod, TestResult};
use jindu_store::service::FieldError;
use jindu_store::service::Page;
use jindu_store::service::deployment::Division;
use jindu_store::service::persons::{PersonDetail, PersonFilter, PersonView};
use jindu_store::service::worklist::Overview;

/// A date or optional date as templates hand it over (by value or by any depth of reference).
pub trait DateLike {
    /// The date (for an optional date: `None` is never passed to `Chrome::date`).
    fn day(&self) -> NaiveDate {
        self.opt_day().unwrap_or_default()
    }
    /// The date, if any.
    fn opt_day(&self) -> Option<NaiveDate>;
}

impl DateLike for NaiveDate {
    fn opt_day(&self) -> Option<NaiveDate> {
        Some(*self)
    }
}

impl DateLike for Option<NaiveDate> {
    fn opt_day(&self) -> Option<NaiveDate> {
        *self
    }
}

impl<T: DateLike + ?Sized> DateLike for &T {
    fn opt_day(&self) -> Option<NaiveDate> {
        (**self).opt_day()
    }
}

/// What every page shares: language, demo banner, the signed-in user's name.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub lang: &'static str,
    pub demo: bool,
    pub user: Option<String>,
    /// Permission codes of the signed-in user's role (empty before sign-in).
    pub perms: Vec<&'static str>,
    /// The role's label in the page language.
    pub role_label: String,
    /// The session's CSRF token, put in every form (see [`crate::csrf`]).
    pub csrf: String,
    /// How risk tiers are labelled (the office's setting).
    pub tiers: jindu_domain::risk::TierDisplay,
}

impl Chrome {
    /// Chrome for `lang` (`en` or `zh-CN`).
    pub fn new(lang: &'static str, demo: bool, user: Option<String>, csrf: String) -> Self {
        Chrome {
            lang,
            demo,
            user,
            perms: Vec::new(),
            role_label: String::new(),
            csrf,
            tiers: jindu_domain::risk::TierDisplay::default(),
        }
    }

    /// Chrome for a signed-in actor: navigation follows the role's permissions.
    pub fn for_actor(lang: &'static str, demo: bool, actor: &jindu_store::service::Actor, csrf: String) -> Self {
        let l = if lang == "en" { "en" } else { "zh" };
        Chrome {
            lang,
            demo,
            user: Some(actor.display_name.clone()),
            perms: actor.profile.permissions.iter().map(|p| p.as_code()).collect(),
            role_label: actor.role.label(l).to_string(),
            csrf,
            tiers: jindu_domain::risk::TierDisplay::default(),
        }
    }

    /// The label of a risk tier as the office set it.
    pub fn tier(&self, t: &jindu_domain::RiskTier) -> String {
        self.tiers.label(*t, self.l()).to_string()
    }

    /// True when the user's role may record events of `kind` (the event form offers only these).
    pub fn may_record(&self, kind: &jindu_domain::EventKind) -> bool {
        self.can(jindu_domain::access::permission_for_event(*kind).as_code())
    }

    /// True when the user's role holds the permission with this code (for showing links and forms).
    /// A new idempotency key (UUID v7) for one form as drawn: a double click or a resent form
    /// posts the same key and the write is stored once (issue #20 item 4).
    pub fn write_key(&self) -> String {
        uuid::Uuid::now_v7().to_string()
    }

    pub fn can(&self, code: &str) -> bool {
        self.perms.contains(&code)
    }

    /// The translation of `key` from the one catalogue (`crates/jindu-messages/locales/`).
    pub fn t(&self, key: &str) -> String {
        jindu_messages::t(key, self.lang)
    }

    /// A catalogue message (an error's sentence) in the page's language.
    pub fn render(&self, message: &jindu_domain::message::Message) -> String {
        jindu_messages::render(message, self.lang)
    }

    /// `lang` attribute of the page.
    pub fn html_lang(&self) -> &'static str {
        if self.lang == "en" { "en" } else { "zh-CN" }
    }

    /// Short language code for enum labels (`en` or `zh`).
    pub fn l(&self) -> &'static str {
        if self.lang == "en" { "en" } else { "zh" }
    }

    /// The other language, for the toggle link.
    pub fn other_lang(&self) -> &'static str {
        if self.lang == "en" { "zh-CN" } else { "en" }
    }

    /// A date in the page's language: 2026年11月29日 or 2026-11-29.
    pub fn date<D: DateLike>(&self, d: D) -> String {
        let d = d.day();
        if self.lang == "en" { d.format("%Y-%m-%d").to_string() } else { d.format("%Y年%-m月%-d日").to_string() }
    }

    /// An instant as Beijing time, to the minute: 2026-11-29 23:15.
    pub fn instant(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M").to_string()
    }

    /// "第2年" / "year 2" of a measure.
    pub fn year_n<Y: std::fmt::Display>(&self, y: Y) -> String {
        if self.lang == "en" { format!("year {y}") } else { format!("第{y}年") }
    }

    /// An optional date, or a dash.
    pub fn odate<D: DateLike>(&self, d: D) -> String {
        d.opt_day().map(|d| self.date(d)).unwrap_or_else(|| "—".to_string())
    }
}

/// Submitted values and the errors found in them, shown next to each field.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    /// Which form on the page the state belongs to (e.g. `event`, `measure`).
    pub form: String,
    pub values: HashMap<String, String>,
    pub errors: Vec<FieldError>,
    pub lang: &'static str,
}

impl FormState {
    /// Empty state for `form`.
    pub fn new(form: &str, lang: &'static str) -> Self {
        FormState { form: form.to_string(), lang, ..Default::default() }
    }

    /// The submitted value of `field`, or empty.
    pub fn v(&self, field: &str) -> &str {
        self.values.get(field).map(String::as_str).unwrap_or("")
    }

    /// True when the submitted value of `field` is `value` (for selects).
    pub fn is(&self, field: &str, value: &str) -> bool {
        self.v(field) == value
    }

    /// The error sentence for `field`, if any.
    pub fn e(&self, field: &str) -> Option<String> {
        self.errors.iter().find(|e| e.field == field).map(|e| jindu_messages::render(&e.message, self.lang))
    }

    /// Errors that belong to no field shown by the form (listed at its top).
    pub fn general(&self, shown: &[&str]) -> Vec<String> {
        self.errors
            .iter()
            .filter(|e| !shown.contains(&e.field))
            .map(|e| jindu_messages::render(&e.message, self.lang))
            .collect()
    }

    /// True when this state belongs to the form `prefix-id` (one form per measure or event).
    pub fn is_for(&self, prefix: &str, id: &uuid::Uuid) -> bool {
        self.form.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) == Some(id.to_string().as_str())
    }

    /// Every error sentence, in form order (the summary at the top of a page).
    pub fn all_messages(&self) -> Vec<String> {
        self.general(&[])
    }

    /// True when the form has errors.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage<'a> {
    pub zh: &'a str,
    pub en: &'a str,
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub c: Chrome,
    pub username: String,
    pub next: String,
    pub error: Option<LoginError>,
}

/// Why a sign-in was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginError {
    /// Wrong user name or password.
    Wrong,
    /// Locked until this Asia/Shanghai time of day (HH:MM).
    Locked(String),
    /// The password was right but the account is disabled (停用).
    Disabled,
}

#[derive(Template, WebTemplate)]
#[template(path = "totp_login.html")]
pub struct TotpLoginPage {
    pub c: Chrome,
    pub error: Option<LoginError>,
}

#[derive(Template, WebTemplate)]
#[template(path = "totp_setup.html")]
pub struct TotpSetupPage {
    pub c: Chrome,
    /// Already set up: the page only says so.
    pub enabled: bool,
    /// The new secret, base32 in groups of four (to type by hand).
    pub secret: String,
    /// QR code of the otpauth address (SVG markup generated here, no script).
    pub qr_svg: String,
    pub url: String,
    /// The role requires it before anything else.
    pub forced: bool,
    pub form: FormState,
}

#[derive(Template, WebTemplate)]
#[template(path = "password.html")]
pub struct PasswordPage {
    pub c: Chrome,
    pub form: FormState,
    /// The initial password must be changed before anything else.
    pub forced: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "workbench.html")]
pub struct WorkbenchPage {
    pub c: Chrome,
    pub today: NaiveDate,
    pub wb: jindu_store::service::worklist::Workbench,
    pub filter: jindu_store::service::worklist::CheckedWorklistFilter,
    /// Whether the summary by town and kind and the filter are shown (not for a social worker's
    /// own caseload).
    pub summary: bool,
    /// Towns of the scope for the filter: (9-digit code, name).
    pub towns: Vec<(String, String)>,
    /// Unacknowledged alerts of the user's inbox, per kind.
    pub alerts: jindu_store::service::alerts::AlertCounts,
    /// Overdue plan tasks owned within the user's scope (规划任务逾期).
    pub tasks: Vec<jindu_store::service::responsibility::TaskRow>,
    /// Open precursor findings of the user's inbox (派出所, 禁毒办; 0 for other roles).
    pub precursor_findings: u64,
}

/// One list of the workbench as the page shows it.
pub struct DueSection<'a> {
    /// Locale key of the heading.
    pub key: &'static str,
    /// CSS class and test id suffix (`overdue`, `due-today`, `week`).
    pub cls: &'static str,
    pub list: jindu_store::service::worklist::DueList,
    pub page: &'a Page<jindu_store::service::worklist::DueItem>,
}

impl WorkbenchPage {
    /// The lists shown: the chosen one, or all three (each its first page).
    pub fn sections(&self) -> Vec<DueSection<'_>> {
        use jindu_store::service::worklist::DueList;
        [
            DueSection { key: "workbench.overdue", cls: "overdue", list: DueList::Overdue, page: &self.wb.overdue },
            DueSection { key: "workbench.today", cls: "due-today", list: DueList::Today, page: &self.wb.today },
            DueSection { key: "workbench.week", cls: "week", list: DueList::Week, page: &self.wb.week },
        ]
        .into_iter()
        .filter(|s| self.filter.list.is_none_or(|l| l == s.list))
        .collect()
    }

    /// The filter's town and kind as a query string (`town=430405009&kind=drug_test`), for the
    /// exports and the page links; empty when unfiltered.
    pub fn filter_qs(&self) -> String {
        let town = self.filter.town.map(|t| t.prefix()).unwrap_or_default();
        let kind = self.filter.kind.map(|k| k.as_code()).unwrap_or_default();
        serde_urlencoded::to_string([("town", town.as_str()), ("kind", kind)])
            .unwrap_or_default()
            .split('&')
            .filter(|kv| !kv.ends_with('='))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The address of `page` of `list` with the filter kept.
    pub fn page_link(&self, list: &jindu_store::service::worklist::DueList, page: u64) -> String {
        let f = self.filter_qs();
        format!("/?{f}{}list={}&page={page}", if f.is_empty() { "" } else { "&" }, list.as_code())
    }

    /// The address of the list `list` (`overdue`, `today`, `week`) narrowed to a town (9 digits)
    /// and a kind code; an empty town or kind does not narrow.
    pub fn group_link(&self, town: &str, kind: &str, list: &str) -> String {
        let mut parts = Vec::new();
        if !town.is_empty() {
            parts.push(format!("town={town}"));
        }
        if !kind.is_empty() {
            parts.push(format!("kind={kind}"));
        }
        parts.push(format!("list={list}"));
        format!("/?{}", parts.join("&"))
    }

    /// Whether the filter narrows the lists (town or kind chosen).
    pub fn filtered(&self) -> bool {
        self.filter.town.is_some() || self.filter.kind.is_some()
    }

    /// The chosen town's 9-digit code, or empty.
    pub fn town_code(&self) -> String {
        self.filter.town.map(|t| t.prefix()).unwrap_or_default()
    }

    /// The chosen kind's code, or empty.
    pub fn kind_code(&self) -> &'static str {
        self.filter.kind.map(|k| k.as_code()).unwrap_or_default()
    }

    /// Per town: the town's code and name and its overdue, today and week counts over every kind.
    pub fn town_totals(&self) -> Vec<(String, String, u64, u64, u64)> {
        let mut out: Vec<(String, String, u64, u64, u64)> = Vec::new();
        for g in &self.wb.groups {
            match out.last_mut() {
                Some(t) if t.0 == g.town => {
                    t.2 += g.overdue;
                    t.3 += g.today;
                    t.4 += g.week;
                }
                _ => out.push((g.town.clone(), g.town_name.clone(), g.overdue, g.today, g.week)),
            }
        }
        out
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "persons.html")]
pub struct PersonsPage {
    pub c: Chrome,
    pub page: Page<PersonView>,
    pub filter: PersonFilter,
    pub towns: Vec<Division>,
    pub communities: Vec<Division>,
    /// Query string of the filters without `page`, for paging links.
    pub qs: String,
    /// 在册, 在控, 失控 … of the list's scope and filters (the status filter aside), by the
    /// definitions of the 驾驶舱 ([`jindu_domain::indicator::Headcount`]).
    pub headcounts: Vec<(jindu_domain::indicator::Headcount, u64)>,
}

impl PersonsPage {
    /// The counts shown above the list: 在册, 在控, 失控.
    pub fn headline(&self) -> Vec<(jindu_domain::indicator::Headcount, u64)> {
        use jindu_domain::indicator::Headcount as H;
        self.headcounts
            .iter()
            .copied()
            .filter(|(h, _)| matches!(h, H::Registered | H::UnderControl | H::Lost))
            .collect()
    }

    /// The status filter's group choices (在册, 在控 incl. custody): (code, label).
    pub fn groups(&self) -> Vec<(&'static str, &'static str)> {
        use jindu_domain::indicator::Headcount as H;
        let l = self.c.l();
        [H::Registered, H::UnderControl].iter().map(|h| (h.code(), h.label(l))).collect()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    pub c: Chrome,
    pub page: jindu_store::service::Page<jindu_store::service::audit::Record>,
    pub filter: jindu_store::service::audit::AuditFilter,
    pub qs: String,
}

impl AuditPage {
    /// An instant as Asia/Shanghai local time, to the second.
    pub fn local(&self, t: &chrono::DateTime<chrono::Utc>) -> String {
        t.with_timezone(&chrono_tz::Asia::Shanghai).format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "person.html")]
pub struct PersonPage {
    pub c: Chrome,
    /// Who viewed this record (for roles with `ViewRecordAccess`): (time, user, action).
    pub access: Vec<(String, String, String)>,
    pub today: NaiveDate,
    pub d: PersonDetail,
    /// The open transfer and the places a transfer request may go to (变更执行地).
    pub transfers: jindu_store::service::transfers::PersonTransfers,
    pub form: FormState,
    /// Event kind preselected in the record form.
    pub record: String,
    /// Risk, leave, absences, breach, working group and alerts of the person.
    pub cw: crate::casework::CaseWork,
}

#[derive(Template, WebTemplate)]
#[template(path = "person_new.html")]
pub struct NewPersonPage {
    pub c: Chrome,
    pub form: FormState,
    /// Where a duplicate ID number is registered (scope-safe), with the offer that goes with it.
    pub duplicate: Option<jindu_store::service::transfers::Duplicate>,
    pub communities: Vec<Division>,
    pub workers: Vec<(uuid::Uuid, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "person_edit.html")]
pub struct EditPersonPage {
    pub c: Chrome,
    pub id: uuid::Uuid,
    pub id_number_masked: String,
    pub form: FormState,
    pub communities: Vec<Division>,
    pub workers: Vec<(uuid::Uuid, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
pub struct AccountPage {
    pub c: Chrome,
    pub username: String,
    pub scope_name: String,
    /// Every permission with whether the role holds it.
    pub permissions: Vec<(&'static str, bool)>,
    pub caseload_only: bool,
    /// The second factor is set up.
    pub totp: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
pub struct OverviewPage {
    pub c: Chrome,
    pub today: NaiveDate,
    pub ov: Overview,
    pub scope_name: String,
}

/// Choices offered by the forms, in display order.
pub struct Choices;

impl Choices {
    /// The kinds of duty of the workbench's filter.
    pub fn obligation_kinds() -> &'static [jindu_domain::ObligationKind] {
        jindu_domain::ObligationKind::ALL
    }

    pub fn event_kinds() -> &'static [EventKind] {
        jindu_store::service::measures::FORM_EVENT_KINDS
    }
    pub fn measure_kinds() -> &'static [MeasureKind] {
        MeasureKind::ALL
    }
    /// The risk tiers, for the person list's filter.
    pub fn risk_tiers() -> &'static [jindu_domain::RiskTier] {
        jindu_domain::RiskTier::ALL
    }

    pub fn statuses() -> &'static [ControlStatus] {
        ControlStatus::ALL
    }
    pub fn methods() -> &'static [TestMethod] {
        TestMethod::ALL
    }
    pub fn results() -> &'static [TestResult] {
        TestResult::ALL
    }
    pub fn substances() -> &'static [Substance] {
        Substance::ALL
    }
    pub fn end_reasons() -> &'static [EndReason] {
        EndReason::ALL
    }
    pub fn findings() -> &'static [jindu_domain::AddictionFinding] {
        jindu_domain::AddictionFinding::ALL
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_users.html")]
pub struct AdminUsersPage {
    pub c: Chrome,
    pub users: Vec<jindu_store::service::admin::UserRow>,
    /// (12-digit code, name path) of the units a new account may belong to.
    pub units: Vec<(String, String)>,
    /// (code, name) of the member units a 成员单位 account may belong to.
    pub member_units: Vec<(String, String)>,
    pub roles: Vec<jindu_domain::Role>,
    pub form: FormState,
    /// (user name, initial password) to show once after creating or resetting an account.
    pub notice: Option<(String, String)>,
}

/// One account's page: its state, the change of role, unit and member unit, disable/enable.
#[derive(Template, WebTemplate)]
#[template(path = "admin_user.html")]
pub struct AdminUserPage {
    pub c: Chrome,
    pub account: jindu_store::service::admin::AccountDetail,
    /// (12-digit code, name path) of the units the account may belong to.
    pub units: Vec<(String, String)>,
    /// (code, name) of the member units a 成员单位 account may belong to.
    pub member_units: Vec<(String, String)>,
    pub roles: Vec<jindu_domain::Role>,
    /// The edit form (`user_edit`; values are the account's own until a refused save), or the
    /// disable/enable form's refusal (`action`).
    pub form: FormState,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_roles.html")]
pub struct RolesPage {
    pub c: Chrome,
    /// Each role's profile in force and whether it differs from the shipped default.
    pub profiles: Vec<(jindu_domain::RoleProfile, bool)>,
    pub permissions: Vec<jindu_domain::Permission>,
    pub form: FormState,
    /// For a user below the deployment's root: why the page is read-only (no save buttons).
    pub read_only: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin_settings.html")]
pub struct SettingsPage {
    pub c: Chrome,
    pub settings: jindu_store::service::admin::SecuritySettings,
    pub roles: Vec<jindu_domain::Role>,
    pub form: FormState,
    /// For a user below the deployment's root: why the page is read-only (no save button).
    pub read_only: Option<String>,
}

impl PersonPage {
    /// A sentence for the figures recorded with an event, in the page language; empty when the
    /// event carries none worth showing.
    pub fn event_detail(&self, e: &jindu_store::service::persons::EventView) -> String {
        let Some(v) = e.detail.as_deref().and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok()) else {
            return String::new();
        };
        let num = |k: &str| v.get(k).and_then(|x| x.as_i64());
        let text = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or("").to_string();
        let message = match e.kind {
            EventKind::ContactRestored => match num("gap_days") {
                Some(g) => {
                    Message::new("msg.event.contact_restored").text("days", g).text("lost_since", text("lost_since"))
                }
                None => return String::new(),
            },
            EventKind::ContactLost if text("rule") == "overdue" => {
                let duty = jindu_domain::ObligationKind::from_code(&text("duty"));
                Message::new("msg.event.contact_lost")
                    .label("duty", duty.map_or("", |k| k.label("zh")), duty.map_or("", |k| k.label("en")))
                    .text("due_date", text("due_date"))
                    .text("days", num("after_days").unwrap_or(0))
            }
            EventKind::Amendment if v.get("field").is_some() => {
                let old = if text("old").is_empty() { "—".to_string() } else { text("old") };
                Message::new("msg.event.measure_corrected")
                    .field("field", &text("field"))
                    .text("old", old)
                    .text("new", text("new"))
            }
            EventKind::LeaveReturn => match num("late_days") {
                Some(d) if d > 0 => {
                    Message::new("msg.event.leave_late").text("days", d).text("leave_to", text("leave_to"))
                }
                _ => return String::new(),
            },
            EventKind::LeaveRequest if v.get("from").is_some() => {
                Message::new("msg.event.leave_span").text("from", text("from")).text("to", text("to"))
            }
            EventKind::Returned => match num("days") {
                Some(d) => Message::new("msg.event.returned").text("days", d),
                None => return String::new(),
            },
            EventKind::Reassigned => {
                // Names kept with the event (issue #18 item 2); older events carry ids only.
                // The name kept, else (an older event with an id only) words for that side.
                let name = |k: &str, id: &str, unnamed: &'static str| match v.get(k).and_then(|x| x.as_str()) {
                    Some(n) => Message::new("msg.inline").text("text", n),
                    None if v.get(id).is_some_and(|x| !x.is_null()) => Message::new(unnamed),
                    None => Message::new("msg.event.worker_none"),
                };
                Message::new("msg.event.reassigned")
                    .nested("from", name("from_name", "from", "msg.event.worker_former"))
                    .nested("to", name("to_name", "to", "msg.event.worker_new"))
            }
            EventKind::BreachReported => {
                let n = v.get("evidence").and_then(|x| x.as_array()).map(|a| a.len()).unwrap_or(0);
                // The grounds as kept since the catalogue (earlier reports kept them in the note).
                let grounds: Vec<jindu_domain::breach::Ground> =
                    v.get("grounds").and_then(|g| serde_json::from_value(g.clone()).ok()).unwrap_or_default();
                let mut out: Vec<String> = grounds.iter().map(|g| self.c.render(&g.message())).collect();
                out.push(self.c.render(&Message::new("msg.event.evidence_sent").text("count", n)));
                return out.join(if self.c.lang == "en" { " " } else { "" });
            }
            _ => return String::new(),
        };
        self.c.render(&message)
    }

    /// The timeline date of an evidence event, for the breach card.
    pub fn evidence_date(&self, id: &uuid::Uuid) -> String {
        self.d.events.iter().find(|e| e.id == *id).map(|e| self.c.date(e.occurred_on)).unwrap_or_default()
    }

    /// The label of an evidence event.
    pub fn evidence_label(&self, id: &uuid::Uuid) -> String {
        self.d
            .events
            .iter()
            .find(|e| e.id == *id)
            .map(|e| match e.test_result {
                Some(r) => r.label(self.c.l()).to_string(),
                None => e.kind.label(self.c.l()).to_string(),
            })
            .unwrap_or_else(|| self.c.render(&Message::new("msg.event.overstayed_leave")))
    }

    /// A yes/no/not-recorded answer in the page language.
    pub fn yes_no(&self, v: &Option<bool>) -> String {
        let key = match v {
            Some(true) => "cw.yes",
            Some(false) => "cw.no",
            None => "cw.unknown",
        };
        self.c.t(key)
    }
}

/// The choices of the case-work forms.
impl Choices {
    pub fn group_roles() -> &'static [jindu_domain::GroupRole] {
        jindu_domain::GroupRole::ALL
    }
}
