//! The one error type of the domain, with stable codes and its sentences as catalogue messages
//! (the words are in `crates/jindu-messages/locales/domain.yml`). Every validation in Jindu
//! reports through [`DomainError`], so the web forms, the CLI and the importers show the same
//! words for the same mistake.

use chrono::NaiveDate;

use crate::id_number::IdNumberError;
use crate::kinds::{ControlStatus, EventKind, MeasureStatus};
use crate::message::{Message, shorten};
use crate::transfer::TransferStatus;

/// A rule of the domain was broken. Each variant has a stable [`code`](DomainError::code)
/// (snake_case, dotted), the form [`field`](DomainError::field) it belongs to, and its sentence as
/// a catalogue [`message`](DomainError::message) (`msg.<code>` with the field's label and the
/// values as parameters), rendered in Chinese or English at the edge.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DomainError {
    /// An identity number failed GB 11643-1999 validation (DOMAIN §9). Code `id_number.<reason>`.
    IdNumber {
        /// Form field, e.g. `id_number`.
        field: &'static str,
        /// What is wrong with the number.
        reason: IdNumberError,
    },
    /// A date lies after today (Asia/Shanghai calendar date, DOMAIN §11). Code `date.in_future`.
    DateInFuture {
        /// Form field.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// Today.
        today: NaiveDate,
    },
    /// A date lies before another date it must follow (e.g. report date before decision date).
    /// Code `date.before`.
    DateBefore {
        /// Form field of the date given.
        field: &'static str,
        /// The date given.
        date: NaiveDate,
        /// Field of the date it must not precede.
        other_field: &'static str,
        /// The date it must not precede.
        other: NaiveDate,
    },
    /// Text that is not a date in any accepted form. Code `date.invalid`.
    InvalidDate {
        /// Form field.
        field: &'static str,
        /// The text given (as typed).
        input: String,
    },
    /// A required field is empty. Code `required`.
    Required {
        /// Form field.
        field: &'static str,
    },
    /// A value not among the allowed choices. Code `invalid_choice`.
    InvalidChoice {
        /// Form field.
        field: &'static str,
        /// The value given.
        input: String,
    },
    /// A malformed administrative division code (GB/T 2260 style, 2/4/6/9/12 digits).
    /// Code `division.malformed`.
    DivisionCode {
        /// Form field.
        field: &'static str,
        /// The text given.
        input: String,
    },
    /// A division outside the deployment or the user's scope. Code `division.out_of_scope`.
    OutOfScope {
        /// Form field.
        field: &'static str,
    },
    /// An action not allowed in the current state, e.g. a test for a deceased person or resuming
    /// a measure that is not suspended. `from` and `action` are storage codes
    /// ([`ControlStatus`], [`MeasureStatus`], [`EventKind`] codes or `report`, `suspend`,
    /// `resume`, `end`). Code `transition.illegal`.
    IllegalTransition {
        /// Code of the current state.
        from: &'static str,
        /// Code of the refused action.
        action: &'static str,
    },
    /// A status change to the status the person already has. Code `status.unchanged`.
    SameStatus {
        /// Code of the status.
        status: &'static str,
    },
    /// A measure cannot take this step; `reason` is one of `no_report_for_kind`,
    /// `already_reported`, `already_ended`, `not_started`. Code `measure.<reason>`.
    MeasureState {
        /// Stable reason code.
        reason: &'static str,
    },
    /// The record does not exist or is not visible to the user. Code `not_found`.
    NotFound {
        /// What was looked for, e.g. `person`.
        what: &'static str,
    },
    /// Someone else changed the record first (stale optimistic-concurrency version).
    /// Code `conflict`.
    Conflict,
    /// Text longer than allowed (counted in characters, not bytes). Code `too_long`.
    TooLong {
        /// Form field.
        field: &'static str,
        /// Maximum number of characters.
        max: usize,
    },
    /// Text with control, zero-width or direction characters, or a name without any letter.
    InvalidText {
        /// Form field.
        field: &'static str,
    },
    /// A reporting period not in a known form (month `2026-10`, quarter `2026-Q4`, year `2026`).
    /// Code `period.invalid`.
    InvalidPeriod {
        /// Form field (`period`, `month`).
        field: &'static str,
        /// The text given.
        input: String,
    },
    /// Not a number in range: a whole number from 0 to `max`, or for weights grams with at most
    /// three decimals. Code `number.invalid`.
    InvalidNumber {
        /// Form field.
        field: &'static str,
        /// The text given.
        input: String,
        /// Largest value allowed.
        max: u64,
    },
    /// A transfer of the place of execution (变更执行地, 戒毒条例 §22) cannot be made; `reason`
    /// is `same_town` (the target is the current town) or `open_exists` (the person already has
    /// an open transfer). Code `transfer.<reason>`.
    Transfer {
        /// Stable reason code.
        reason: &'static str,
    },
    /// A query parameter of a list, export or API address (`?town=abc`, `?page=-1`) that is not
    /// one of the values the address takes ([`crate::query`]). Code `query.<expected code>`.
    InvalidFilter {
        /// The query parameter, e.g. `town`.
        field: &'static str,
        /// The value given.
        input: String,
        /// What the parameter takes.
        expected: crate::query::Expected,
    },
    /// A rule of the precursor-chemical work line (易制毒化学品, MODULES §1) refused the input; the
    /// problem says which ([`crate::precursor::Problem`]). Code `precursor.<…>`.
    Precursor {
        /// Form field or CSV column.
        field: &'static str,
        /// What is wrong.
        problem: crate::precursor::Problem,
    },
    /// A 统一社会信用代码 failed GB 32100-2015 (issue #21). Code `credit_code.<reason>`.
    CreditCode {
        /// Form field, e.g. `credit_code`.
        field: &'static str,
        /// What is wrong with the code.
        reason: crate::precursor::credit_code::CreditCodeError,
    },
    /// A field of a precursor enterprise refused for a reason of its own (no role, a phone, a
    /// division level, a warehouse row, a taken credit code). Code `precursor.enterprise.<reason>`.
    Enterprise {
        /// Form field.
        field: &'static str,
        /// What is wrong.
        reason: crate::precursor::enterprise::EnterpriseProblem,
    },
}

/// The code and the field, for logs and internal errors (`division.malformed (division)`); the
/// sentence a person reads is [`DomainError::message`], rendered from the catalogue.
impl std::fmt::Display for DomainError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.field() {
            Some(field) => write!(f, "{} ({field})", self.code()),
            None => f.write_str(self.code()),
        }
    }
}

impl DomainError {
    /// Stable snake_case code, e.g. `id_number.check_digit`; safe to store, test and translate.
    pub fn code(&self) -> &'static str {
        match self {
            DomainError::IdNumber { reason, .. } => reason.code(),
            DomainError::DateInFuture { .. } => "date.in_future",
            DomainError::DateBefore { .. } => "date.before",
            DomainError::InvalidDate { .. } => "date.invalid",
            DomainError::Required { .. } => "required",
            DomainError::InvalidChoice { .. } => "invalid_choice",
            DomainError::DivisionCode { .. } => "division.malformed",
            DomainError::OutOfScope { .. } => "division.out_of_scope",
            DomainError::IllegalTransition { .. } => "transition.illegal",
            DomainError::SameStatus { .. } => "status.unchanged",
            DomainError::MeasureState { reason } => match *reason {
                "no_report_for_kind" => "measure.no_report_for_kind",
                "already_reported" => "measure.already_reported",
                "already_ended" => "measure.already_ended",
                "not_started" => "measure.not_started",
                _ => "measure.state",
            },
            DomainError::NotFound { .. } => "not_found",
            DomainError::Conflict => "conflict",
            DomainError::TooLong { .. } => "too_long",
            DomainError::InvalidText { .. } => "text.invalid",
            DomainError::InvalidNumber { .. } => "number.invalid",
            DomainError::InvalidPeriod { .. } => "period.invalid",
            DomainError::Transfer { reason } => match *reason {
                "same_town" => "transfer.same_town",
                "open_exists" => "transfer.open_exists",
                _ => "transfer.state",
            },
            DomainError::InvalidFilter { expected, .. } => expected.code(),
            DomainError::Precursor { problem, .. } => problem.code(),
            DomainError::CreditCode { reason, .. } => reason.code(),
            DomainError::Enterprise { reason, .. } => reason.code(),
        }
    }

    /// The form field the error belongs to (e.g. `id_number`, `report_date`); `None` for errors
    /// about the record as a whole.
    pub fn field(&self) -> Option<&'static str> {
        match self {
            DomainError::IdNumber { field, .. }
            | DomainError::DateInFuture { field, .. }
            | DomainError::DateBefore { field, .. }
            | DomainError::InvalidDate { field, .. }
            | DomainError::Required { field }
            | DomainError::InvalidChoice { field, .. }
            | DomainError::DivisionCode { field, .. }
            | DomainError::OutOfScope { field }
            | DomainError::TooLong { field, .. }
            | DomainError::InvalidText { field }
            | DomainError::InvalidNumber { field, .. } => Some(field),
            DomainError::InvalidPeriod { field, .. }
            | DomainError::InvalidFilter { field, .. }
            | DomainError::Precursor { field, .. }
            | DomainError::CreditCode { field, .. }
            | DomainError::Enterprise { field, .. } => Some(field),
            DomainError::Transfer { reason: "same_town" } => Some("to_division"),
            DomainError::Transfer { .. } => None,
            DomainError::IllegalTransition { .. }
            | DomainError::SameStatus { .. }
            | DomainError::MeasureState { .. }
            | DomainError::NotFound { .. }
            | DomainError::Conflict => None,
        }
    }

    /// The sentence to show, as its catalogue code (`msg.` + [`code`](DomainError::code), or
    /// `msg.query.invalid` for a refused query parameter) and its parameters; the edge renders
    /// it with `jindu_messages::render`, e.g. `身份证号校验码错误：应为X，实为3。`
    pub fn message(&self) -> Message {
        match self {
            DomainError::IdNumber { field, reason } => reason.message(field),
            DomainError::DateInFuture { field, date, today } => {
                Message::new("msg.date.in_future").field("field", field).text("date", date).text("today", today)
            }
            DomainError::DateBefore { field, date, other_field, other } => Message::new("msg.date.before")
                .field("field", field)
                .text("date", date)
                .label("other_field", field_label(other_field, "zh"), field_label(other_field, "en").to_lowercase())
                .text("other", other),
            DomainError::InvalidDate { field, input } => {
                Message::new("msg.date.invalid").field("field", field).text("input", shorten(input))
            }
            DomainError::Required { field } => Message::new("msg.required").field("field", field),
            DomainError::InvalidChoice { field, input } => Message::new("msg.invalid_choice")
                .label("field", field_label(field, "zh"), field_label(field, "en").to_lowercase())
                .text("input", shorten(input)),
            DomainError::DivisionCode { field, input } => {
                Message::new("msg.division.malformed").field("field", field).text("input", shorten(input))
            }
            DomainError::OutOfScope { field } => Message::new("msg.division.out_of_scope").field("field", field),
            DomainError::IllegalTransition { from, action } => Message::new("msg.transition.illegal")
                .label("from", code_label(from, "zh"), code_label(from, "en"))
                .label("action", code_label(action, "zh"), code_label(action, "en")),
            DomainError::SameStatus { status } => {
                Message::new("msg.status.unchanged").label("status", code_label(status, "zh"), code_label(status, "en"))
            }
            DomainError::MeasureState { reason } => match *reason {
                "no_report_for_kind" => Message::new("msg.measure.no_report_for_kind"),
                "already_reported" => Message::new("msg.measure.already_reported"),
                "already_ended" => Message::new("msg.measure.already_ended"),
                "not_started" => Message::new("msg.measure.not_started"),
                other => Message::new("msg.measure.state").text("reason", other),
            },
            DomainError::NotFound { what } => {
                Message::new("msg.not_found").label("what", what_label(what, "zh"), what_label(what, "en"))
            }
            DomainError::Conflict => Message::new("msg.conflict"),
            DomainError::TooLong { field, max } => Message::new("msg.too_long").field("field", field).text("max", max),
            DomainError::InvalidText { field } => Message::new("msg.text.invalid").field("field", field),
            DomainError::InvalidPeriod { field, input } => {
                Message::new("msg.period.invalid").field("field", field).text("input", shorten(input))
            }
            DomainError::InvalidNumber { field, input, max } => {
                Message::new("msg.number.invalid").field("field", field).text("input", shorten(input)).text("max", max)
            }
            DomainError::Transfer { reason } => match *reason {
                "same_town" => Message::new("msg.transfer.same_town"),
                "open_exists" => Message::new("msg.transfer.open_exists"),
                other => Message::new("msg.transfer.state").text("reason", other),
            },
            DomainError::InvalidFilter { field, input, expected } => Message::new("msg.query.invalid")
                .text("field", field)
                .text("input", shorten(input))
                .nested("expected", expected.message()),
            DomainError::Precursor { field, problem } => problem.message(field),
            DomainError::CreditCode { field, reason } => reason.message(field),
            DomainError::Enterprise { field, reason } => reason.message(field),
        }
    }
}

/// Label of a form field in `lang` (`"en"` English, anything else Chinese), for messages and
/// form labels. Unknown fields give a generic label ("该项" / "This field").
pub fn field_label(field: &str, lang: &str) -> &'static str {
    let (zh, en) = match field {
        "id_number" => ("身份证号", "ID number"),
        "name" => ("姓名", "Name"),
        "sex" => ("性别", "Sex"),
        "birth_date" => ("出生日期", "Date of birth"),
        "decision_date" => ("决定日期", "Decision date"),
        "report_date" => ("报到日期", "Report date"),
        "event_date" => ("日期", "Date"),
        "date" => ("日期", "Date"),
        "period" => ("统计期间", "Period"),
        "month" => ("月份", "Month"),
        "worker_ratio" => ("社工配比（在册人数:1名社工）", "Registered persons per social worker"),
        "cases_solved" => ("破获毒品刑事案件", "Drug cases solved"),
        "suspects_arrested" => ("抓获犯罪嫌疑人", "Suspects arrested"),
        "users_dealt" => ("查处吸毒人员", "Drug users dealt with"),
        "seized" => ("缴获毒品", "Drugs seized"),
        "seized_methamphetamine" => ("缴获甲基苯丙胺(冰毒)", "Methamphetamine seized"),
        "seized_heroin" => ("缴获海洛因", "Heroin seized"),
        "seized_ketamine" => ("缴获氯胺酮(K粉)", "Ketamine seized"),
        "seized_mdma" => ("缴获MDMA(摇头丸)", "MDMA seized"),
        "seized_cannabis" => ("缴获大麻", "Cannabis seized"),
        "seized_cocaine" => ("缴获可卡因", "Cocaine seized"),
        "seized_morphine" => ("缴获吗啡", "Morphine seized"),
        "seized_other" => ("缴获其他毒品", "Other drugs seized"),
        "scope" => ("统计范围", "Scope"),
        "indicator" => ("指标", "Indicator"),
        "start_date" => ("开始日期", "Start date"),
        "end_date" => ("结束日期", "End date"),
        "suspend_date" => ("中止日期", "Suspension date"),
        "resume_date" => ("恢复日期", "Resumption date"),
        "first_found_on" => ("初次发现日期", "Date first found"),
        "division" => ("所属辖区", "Division"),
        "household_division" => ("户籍地", "Place of household registration"),
        "residence_division" => ("现住地", "Place of residence"),
        "address" => ("现住址", "Address"),
        "phone" => ("联系电话", "Phone"),
        "note" => ("备注", "Note"),
        "kind" => ("记录类型", "Kind of record"),
        "measure_kind" => ("管控措施", "Measure"),
        "end_reason" => ("结束原因", "End reason"),
        "action" => ("操作", "Action"),
        "status" | "control_status" => ("管控状态", "Control status"),
        "risk_tier" => ("风险等级", "Risk tier"),
        "addiction_finding" => ("成瘾认定", "Addiction finding"),
        "test_method" => ("检测方式", "Test method"),
        "test_result" => ("检测结果", "Test result"),
        "substance" => ("毒品种类", "Substance"),
        "social_worker_id" => ("责任社工", "Social worker"),
        "amends" => ("被更正的记录", "Corrected record"),
        "current" => ("当前密码", "Current password"),
        "confirm" => ("确认密码", "Password confirmation"),
        "username" => ("用户名", "Username"),
        "password" => ("密码", "Password"),
        "version" => ("版本", "Version"),
        "leave_from" => ("离开日期", "Day of leaving"),
        "leave_to" => ("返回日期", "Day back"),
        "destination" => ("前往地点", "Destination"),
        "reason" => ("理由", "Reason"),
        "returned_on" => ("返回日期", "Day back"),
        "left_on" => ("离开日期", "Day of leaving"),
        "lost_since" => ("失控日期", "Day lost"),
        "alert" => ("预警编号", "Alert"),
        "leave" => ("请假记录编号", "Leave request"),
        "member" => ("工作小组成员编号", "Working-group member"),
        "role" => ("身份", "Role"),
        "member_name" => ("成员姓名", "Member's name"),
        "persons" => ("人员", "Persons"),
        "to_worker" => ("调整后的责任社工", "New social worker"),
        "employed" => ("就业情况", "Employment"),
        "stable_housing" => ("住所情况", "Housing"),
        "family_support" => ("家庭支持", "Family support"),
        "violent_or_self_harm" => ("暴力或自伤自残行为", "Violent or self-harming behaviour"),
        "risk_table" => ("风险评估表", "Risk factor table"),
        "tier_label_0" => ("高风险等级名称", "Name of the high tier"),
        "tier_label_1" => ("中风险等级名称", "Name of the medium tier"),
        "tier_label_2" => ("低风险等级名称", "Name of the low tier"),
        "tier_label_en_0" | "tier_label_en_1" | "tier_label_en_2" => ("等级英文名称", "English name of a tier"),
        "tier_colour_0" | "tier_colour_1" | "tier_colour_2" => ("等级颜色（#rrggbb）", "Tier colour (#rrggbb)"),
        "confirm_exemptions" => ("法定不适用情形确认", "Exemption check"),
        "to_division" => ("变更后的执行地", "New place of execution"),
        "reject_reason" => ("退回理由", "Reason for returning"),
        "passphrase" => ("口令", "Passphrase"),
        "town" => ("接收街道", "Receiving town"),
        "file" => ("移交文件", "Transfer file"),
        "transfer" => ("变更执行地申请", "Transfer request"),
        "chemical" => ("易制毒化学品品种", "Chemical"),
        "quantity" => ("数量", "Quantity"),
        "unit" => ("单位", "Unit"),
        "concentration" => ("含量（浓度）", "Concentration"),
        "density" => ("密度", "Density"),
        "reverses" => ("被冲销的记录", "Reversed entry"),
        f => match f.strip_prefix("target.").and_then(crate::indicator::Indicator::from_code) {
            // An indicator's target on the settings form: the indicator's name.
            Some(i) => (i.definition().label_zh, i.definition().label_en),
            None => crate::precursor::enterprise::field_label(f)
                .or_else(|| crate::precursor::ledger::field_label(f))
                .unwrap_or(("该项", "This field")),
        },
    };
    if lang == "en" { en } else { zh }
}

/// Label of a storage code used in [`DomainError::IllegalTransition`]: a control status, a
/// measure status, an event kind or a measure action.
fn code_label(code: &str, lang: &str) -> String {
    if let Some(s) = ControlStatus::from_code(code) {
        return s.label(lang).to_string();
    }
    if let Some(s) = MeasureStatus::from_code(code) {
        return s.label(lang).to_string();
    }
    if let Some(k) = EventKind::from_code(code) {
        return k.label(lang).to_string();
    }
    if let Some(s) = code.strip_prefix("leave_").and_then(crate::kinds::LeaveStatus::from_code) {
        return s.label(lang).to_string();
    }
    if let Some(s) = TransferStatus::from_code(code) {
        return s.label(lang).to_string();
    }
    let (zh, en) = match code {
        "leave_approve" => ("批准", "Approve"),
        "leave_reject" => ("不予批准", "Refuse"),
        "leave_cancel" => ("撤销", "Cancel"),
        "leave_return" => ("销假", "Record the return"),
        "confirm_abstinence" => ("确认戒断三年", "Confirm three years abstinent"),
        "report_breach" => ("报告公安", "Report to the police"),
        "report" => ("登记报到", "Record the report"),
        "suspend" => ("中止措施", "Suspend the measure"),
        "resume" => ("恢复措施", "Resume the measure"),
        "end" => ("结束措施", "End the measure"),
        "accept" => ("接收", "Accept"),
        "reject" => ("退回", "Return"),
        "cancel" => ("撤回", "Withdraw"),
        "report_at_new_place" => ("在新执行地报到", "Report at the new place"),
        _ => return code.to_string(),
    };
    if lang == "en" { en.to_string() } else { zh.to_string() }
}

/// Label of the `what` of [`DomainError::NotFound`].
fn what_label(what: &str, lang: &str) -> String {
    let (zh, en) = match what {
        "person" => ("人员", "person"),
        "measure" => ("措施", "measure"),
        "event" => ("记录", "record"),
        "user" => ("用户", "user"),
        "alert" => ("预警", "alert"),
        "leave" => ("请假记录", "leave request"),
        "absence" => ("擅自离开记录", "absence"),
        "member" => ("工作小组成员", "working-group member"),
        "division" => ("区划", "division"),
        "transfer" => ("变更执行地申请", "transfer request"),
        _ => {
            return if lang == "en" { what.to_string() } else { "记录".to_string() };
        }
    };
    if lang == "en" { en.to_string() } else { zh.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Arg;

    // The sentences themselves are checked where the catalogue is: jindu-messages' tests.

    #[test]
    fn check_digit_message_names_the_field() {
        let e = DomainError::IdNumber {
            field: "id_number",
            reason: IdNumberError::CheckDigit { expected: 'X', found: '3' },
        };
        assert_eq!(e.code(), "id_number.check_digit");
        assert_eq!(e.field(), Some("id_number"));
        assert_eq!(e.message().code, "msg.id_number.check_digit");
        assert_eq!(e.message().arg("expected"), Some(&Arg::Text("X".into())));
        assert_eq!(e.to_string(), "id_number.check_digit (id_number)");
    }

    #[test]
    fn transition_message_uses_labels() {
        let e = DomainError::IllegalTransition { from: "deceased", action: "drug_test" };
        assert_eq!(e.message().arg("from"), Some(&Arg::Label { zh: "死亡".into(), en: "Deceased".into() }));
        assert_eq!(e.field(), None);
        assert_eq!(DomainError::Conflict.code(), "conflict");
        assert_eq!(field_label("division", "zh"), "所属辖区");
        assert_eq!(field_label("unknown_field", "en"), "This field");
    }
}
