//! 请假/销假 leave from the county during a community measure [戒毒条例 §19]: a person who leaves
//! the county (县、市、区) for 3 days or more gives written notice beforehand; the town approves;
//! the person reports back (销假). Leaving without approval counts toward serious breach
//! [戒毒条例 §20]; so do the days after an approved leave's return day until the person is back
//! (see [`crate::breach::Conduct::Overstay`]).
//!
//! Days away are counted as every period in Jindu (DOMAIN §11): leaving 2026-12-01 and back
//! 2026-12-04 is 3 days.

use chrono::NaiveDate;

use crate::breach::Conduct;
use crate::error::DomainError;
use crate::kinds::LeaveStatus;

/// Days away from which written notice and approval are needed [戒毒条例 §19].
pub const NOTICE_DAYS: i64 = 3;

/// Longest leave granted at once: **local default, configurable** (90 days).
pub const MAX_LEAVE_DAYS: i64 = 90;

/// Days away of a leave from `from` (the day of leaving) to `to` (the day back).
pub fn days_away(from: NaiveDate, to: NaiveDate) -> i64 {
    (to - from).num_days()
}

/// Whether a trip from `from` to `to` needs notice and approval (3 days or more) [§19].
pub fn needs_notice(from: NaiveDate, to: NaiveDate) -> bool {
    days_away(from, to) >= NOTICE_DAYS
}

/// Checks the dates of a leave request: the day back after the day of leaving, and at most
/// [`MAX_LEAVE_DAYS`] away.
///
/// # Errors
/// [`DomainError::DateBefore`] (field `leave_to`) when the day back is not after the day of
/// leaving; [`DomainError::InvalidChoice`] (field `leave_to`) for a leave longer than the maximum.
pub fn check_dates(from: NaiveDate, to: NaiveDate) -> Result<(), DomainError> {
    if to <= from {
        return Err(DomainError::DateBefore { field: "leave_to", date: to, other_field: "leave_from", other: from });
    }
    if days_away(from, to) > MAX_LEAVE_DAYS {
        return Err(DomainError::InvalidChoice {
            field: "leave_to",
            input: format!("{} > {MAX_LEAVE_DAYS}", days_away(from, to)),
        });
    }
    Ok(())
}

/// What can be done to a leave request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeaveAction {
    Approve,
    Reject,
    Cancel,
    /// 销假: the person is back.
    Return,
}

impl LeaveAction {
    /// Stable code (`approve`, `reject`, `cancel`, `return`).
    pub fn as_code(self) -> &'static str {
        match self {
            LeaveAction::Approve => "approve",
            LeaveAction::Reject => "reject",
            LeaveAction::Cancel => "cancel",
            LeaveAction::Return => "return",
        }
    }

    /// Parses a code; `None` for anything else.
    pub fn from_code(code: &str) -> Option<LeaveAction> {
        [LeaveAction::Approve, LeaveAction::Reject, LeaveAction::Cancel, LeaveAction::Return]
            .into_iter()
            .find(|a| a.as_code() == code)
    }
}

/// The status after `action` on a request in `status`: requested → approved, rejected or
/// cancelled; approved → returned (销假) or cancelled (the trip did not happen).
///
/// # Errors
/// [`DomainError::IllegalTransition`] for anything else.
pub fn next_status(status: LeaveStatus, action: LeaveAction) -> Result<LeaveStatus, DomainError> {
    use LeaveAction as A;
    use LeaveStatus as S;
    match (status, action) {
        (S::Requested, A::Approve) => Ok(S::Approved),
        (S::Requested, A::Reject) => Ok(S::Rejected),
        (S::Requested | S::Approved, A::Cancel) => Ok(S::Cancelled),
        (S::Approved, A::Return) => Ok(S::Returned),
        _ => Err(DomainError::IllegalTransition { from: state_code(status), action: action_code(action) }),
    }
}

/// The code of a leave status in [`DomainError::IllegalTransition`] (`leave_` + the status code,
/// so that it is not mistaken for a transfer's status of the same name).
fn state_code(status: LeaveStatus) -> &'static str {
    match status {
        LeaveStatus::Requested => "leave_requested",
        LeaveStatus::Approved => "leave_approved",
        LeaveStatus::Rejected => "leave_rejected",
        LeaveStatus::Cancelled => "leave_cancelled",
        LeaveStatus::Returned => "leave_returned",
    }
}

/// The code of a leave action in [`DomainError::IllegalTransition`] (`leave_` + the action).
fn action_code(action: LeaveAction) -> &'static str {
    match action {
        LeaveAction::Approve => "leave_approve",
        LeaveAction::Reject => "leave_reject",
        LeaveAction::Cancel => "leave_cancel",
        LeaveAction::Return => "leave_return",
    }
}

/// The overstay of an approved leave as conduct toward §20, dated on its return day:
/// approved and still away after `leave_to` → open overstay; returned after `leave_to` → an
/// overstay ending on the day back. `None` otherwise (back in time, or not approved).
pub fn overstay(
    status: LeaveStatus,
    leave_to: NaiveDate,
    returned_on: Option<NaiveDate>,
    today: NaiveDate,
) -> Option<Conduct> {
    match (status, returned_on) {
        (LeaveStatus::Approved, _) if today > leave_to => Some(Conduct::Overstay { returned: None }),
        (LeaveStatus::Returned, Some(back)) if back > leave_to => Some(Conduct::Overstay { returned: Some(back) }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_days::d;

    #[test]
    fn notice_from_three_days() {
        assert!(!needs_notice(d("2026-12-01"), d("2026-12-03")));
        assert!(needs_notice(d("2026-12-01"), d("2026-12-04")));
        assert_eq!(days_away(d("2026-12-01"), d("2026-12-04")), 3);
        assert!(check_dates(d("2026-12-01"), d("2026-12-01")).is_err());
        assert!(check_dates(d("2026-12-01"), d("2027-03-01")).is_ok()); // 90 days
        assert!(check_dates(d("2026-12-01"), d("2027-03-02")).is_err()); // 91 days
    }

    #[test]
    fn transitions() {
        assert_eq!(next_status(LeaveStatus::Requested, LeaveAction::Approve), Ok(LeaveStatus::Approved));
        assert_eq!(next_status(LeaveStatus::Approved, LeaveAction::Return), Ok(LeaveStatus::Returned));
        assert_eq!(
            next_status(LeaveStatus::Rejected, LeaveAction::Approve),
            Err(DomainError::IllegalTransition { from: "leave_rejected", action: "leave_approve" })
        );
        assert!(next_status(LeaveStatus::Requested, LeaveAction::Return).is_err());
        assert!(next_status(LeaveStatus::Returned, LeaveAction::Cancel).is_err());
    }

    #[test]
    fn overstays() {
        let to = d("2026-12-10");
        assert_eq!(overstay(LeaveStatus::Approved, to, None, d("2026-12-10")), None);
        assert_eq!(
            overstay(LeaveStatus::Approved, to, None, d("2026-12-11")),
            Some(Conduct::Overstay { returned: None })
        );
        assert_eq!(
            overstay(LeaveStatus::Returned, to, Some(d("2026-12-12")), d("2026-12-20")),
            Some(Conduct::Overstay { returned: Some(d("2026-12-12")) })
        );
        assert_eq!(overstay(LeaveStatus::Returned, to, Some(d("2026-12-09")), d("2026-12-20")), None);
        assert_eq!(overstay(LeaveStatus::Rejected, to, None, d("2026-12-20")), None);
    }
}
