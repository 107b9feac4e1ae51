//! 变更执行地 / 异地执行 transfers of the place of execution (DOMAIN §2; 戒毒条例 §22): the old
//! place (town A) asks, the new place (town B) accepts or returns the request with a reason, the
//! person must report at B within 15 days, and the time already served keeps counting (the
//! measure clock is not touched). Pure rules: the states, the allowed steps and the deadline.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days::{WorkCalendar, legal_deadline};
use crate::error::DomainError;
use crate::kinds::coded_enum;

/// Days the person has to report at the new place of execution, counted from the day the new
/// place accepts (or, across deployments, the day the file is imported), that day not counted
/// [戒毒条例 §22; 民法典 §201]. Statutory, not a local default.
pub const REPORT_DAYS: u32 = 15;

/// Longest reason text (characters) for a request or a refusal. Local default.
pub const MAX_REASON_CHARS: usize = 500;

coded_enum!(
    /// 变更执行地状态 where a transfer stands.
    TransferStatus {
        /// 待接收: asked by the old place, waiting for the new place.
        Requested => ("requested", "待接收", "Awaiting acceptance"),
        /// 已接收: the new place took the person over; the 15-day report runs.
        Accepted => ("accepted", "已接收", "Accepted"),
        /// 已退回: the new place refused, with a reason; the person stays at the old place.
        Rejected => ("rejected", "已退回", "Returned"),
        /// 已报到: the person reported at the new place [戒毒条例 §22].
        Reported => ("reported", "已报到", "Reported"),
        /// 已撤回: the old place withdrew the request before a decision.
        Cancelled => ("cancelled", "已撤回", "Withdrawn"),
        /// 已移交(系统外): the file was exported to another deployment (异地执行 outside this
        /// system); the person left this system's lists.
        HandedOver => ("handed_over", "已移交（系统外）", "Handed over (outside this system)"),
    }
);

/// A step of a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferAction {
    /// 接收, by the new place.
    Accept,
    /// 退回, by the new place, with a reason.
    Reject,
    /// 撤回, by the old place, before a decision.
    Cancel,
    /// 报到 at the new place.
    Report,
}

impl TransferAction {
    /// Stable code (`accept`, `reject`, `cancel`, `report_at_new_place`), used in forms and
    /// in [`DomainError::IllegalTransition`].
    pub fn as_code(self) -> &'static str {
        match self {
            TransferAction::Accept => "accept",
            TransferAction::Reject => "reject",
            TransferAction::Cancel => "cancel",
            TransferAction::Report => "report_at_new_place",
        }
    }

    /// Parses a form code (`accept`, `reject`, `cancel`).
    pub fn from_form(code: &str) -> Option<TransferAction> {
        match code.trim() {
            "accept" => Some(TransferAction::Accept),
            "reject" => Some(TransferAction::Reject),
            "cancel" => Some(TransferAction::Cancel),
            _ => None,
        }
    }

    /// The status after the step.
    pub fn to(self) -> TransferStatus {
        match self {
            TransferAction::Accept => TransferStatus::Accepted,
            TransferAction::Reject => TransferStatus::Rejected,
            TransferAction::Cancel => TransferStatus::Cancelled,
            TransferAction::Report => TransferStatus::Reported,
        }
    }
}

impl TransferStatus {
    /// True while the transfer is open: requested, or accepted and not yet reported. A person
    /// has at most one open transfer.
    pub fn is_open(self) -> bool {
        matches!(self, TransferStatus::Requested | TransferStatus::Accepted)
    }
}

/// Checks that `action` may be taken on a transfer in status `from`: accept, reject and cancel
/// only while requested; the report only once accepted.
///
/// # Errors
/// [`DomainError::IllegalTransition`] (`from` = the status code, `action` = the action code),
/// e.g. accepting a returned transfer.
pub fn check_step(from: TransferStatus, action: TransferAction) -> Result<TransferStatus, DomainError> {
    let ok = match action {
        TransferAction::Accept | TransferAction::Reject | TransferAction::Cancel => from == TransferStatus::Requested,
        TransferAction::Report => from == TransferStatus::Accepted,
    };
    if ok {
        Ok(action.to())
    } else {
        Err(DomainError::IllegalTransition { from: from.as_code(), action: action.as_code() })
    }
}

/// Checks a new request: the target town must differ from the current one (both as 9-digit
/// town prefixes or 12-digit codes of the town), and the person must have no open transfer.
///
/// # Errors
/// [`DomainError::Transfer`] with reason `same_town` (field `to_division`) or `open_exists`.
pub fn check_request(from_town: &str, to_town: &str, has_open: bool) -> Result<(), DomainError> {
    if has_open {
        return Err(DomainError::Transfer { reason: "open_exists" });
    }
    if from_town == to_town {
        return Err(DomainError::Transfer { reason: "same_town" });
    }
    Ok(())
}

/// The reason of a refusal: required (a returned request must say why, so that the old place
/// can act on it), trimmed.
///
/// # Errors
/// [`DomainError::Required`] for field `reject_reason` when empty.
pub fn check_reject_reason(reason: &str) -> Result<&str, DomainError> {
    let t = reason.trim();
    if t.is_empty() { Err(DomainError::Required { field: "reject_reason" }) } else { Ok(t) }
}

/// Last day to report at the new place: [`REPORT_DAYS`] days from `handover` (the day the new
/// place accepts, or the import day across deployments), the day itself not counted, moved to
/// the next working day of `cal` when it is a rest day [戒毒条例 §22; 民法典 §201, §203; DOMAIN
/// §11]. E.g. accepted 2026-11-20 (Friday) → 2026-12-05 is a Saturday → 2026-12-07 (Monday).
pub fn report_deadline(handover: NaiveDate, cal: &WorkCalendar) -> NaiveDate {
    legal_deadline(handover, REPORT_DAYS, cal)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn deadline_skips_the_handover_day_and_rest_days() {
        let cal = WorkCalendar::new();
        // Friday 2026-11-20 + 15 = Saturday 2026-12-05 → Monday 2026-12-07.
        assert_eq!(report_deadline(d(2026, 11, 20), &cal), d(2026, 12, 7));
        // Sunday 2026-11-29 + 15 = Monday 2026-12-14: a working day, kept.
        assert_eq!(report_deadline(d(2026, 11, 29), &cal), d(2026, 12, 14));
        // Thursday 2026-11-19 + 15 = Friday 2026-12-04.
        assert_eq!(report_deadline(d(2026, 11, 19), &cal), d(2026, 12, 4));
        // A holiday on the Monday moves it on to Tuesday 2026-12-08.
        let cal = WorkCalendar::new().with_holiday(d(2026, 12, 7));
        assert_eq!(report_deadline(d(2026, 11, 20), &cal), d(2026, 12, 8));
        // A make-up working Saturday keeps the Saturday.
        let cal = WorkCalendar::new().with_makeup_workday(d(2026, 12, 5));
        assert_eq!(report_deadline(d(2026, 11, 20), &cal), d(2026, 12, 5));
        // National Day 2026 (1–7 October rest): 2026-09-20 + 15 = 2026-10-05 → 2026-10-08.
        let mut cal = WorkCalendar::new();
        for day in 1..=7 {
            cal.add_holiday(d(2026, 10, day));
        }
        assert_eq!(report_deadline(d(2026, 9, 20), &cal), d(2026, 10, 8));
    }

    #[test]
    fn steps() {
        use TransferAction::*;
        use TransferStatus::*;
        assert_eq!(check_step(Requested, Accept), Ok(Accepted));
        assert_eq!(check_step(Requested, Reject), Ok(Rejected));
        assert_eq!(check_step(Requested, Cancel), Ok(Cancelled));
        assert_eq!(check_step(Accepted, Report), Ok(Reported));
        assert_eq!(
            check_step(Rejected, Accept),
            Err(DomainError::IllegalTransition { from: "rejected", action: "accept" })
        );
        assert!(check_step(Accepted, Cancel).is_err());
        assert!(check_step(Cancelled, Reject).is_err());
        assert!(check_step(Requested, Report).is_err());
        assert!(check_step(Reported, Report).is_err());
        assert!(check_step(HandedOver, Accept).is_err());
        // Its sentence: jindu-messages' tests (domain_sentences).
        assert!(Requested.is_open() && Accepted.is_open());
        assert!(!Rejected.is_open() && !Reported.is_open() && !Cancelled.is_open() && !HandedOver.is_open());
        assert_eq!(TransferAction::from_form(" accept "), Some(Accept));
        assert_eq!(TransferAction::from_form("report_at_new_place"), None);
    }

    #[test]
    fn requests_and_reasons() {
        assert_eq!(check_request("430405009000", "430405007000", false), Ok(()));
        let same = check_request("430405009000", "430405009000", false).unwrap_err();
        assert_eq!(same.code(), "transfer.same_town");
        assert_eq!(same.field(), Some("to_division"));
        let open = check_request("430405009000", "430405007000", true).unwrap_err();
        assert_eq!(open.code(), "transfer.open_exists");
        assert_eq!(open.field(), None);
        assert_eq!(check_reject_reason("  不在本街道居住  "), Ok("不在本街道居住"));
        assert_eq!(check_reject_reason(" ").unwrap_err().code(), "required");
    }

    #[test]
    fn codes_round_trip() {
        for s in TransferStatus::ALL {
            assert_eq!(TransferStatus::from_code(s.as_code()), Some(*s));
        }
    }
}
