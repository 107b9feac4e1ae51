//! 预警提醒 the alerts of one person, derived from what is true of them today, and the
//! lost-contact (失控) rules. The store keeps one row per alert while its condition holds and
//! resolves it when the condition clears; a user's inbox shows the open alerts of the kinds
//! their role receives ([`audience`]) within their scope, less those they acknowledged.
//!
//! The numbers in [`AlertRules`] are **local defaults, configurable** (setting `alert.rules`);
//! the deadlines they watch are legal ones (戒毒条例 §14, §20, §23, §34, §38).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::abstinence::Abstinence;
use crate::access::Role;
use crate::days::{add_days, overdue_days};
use crate::kinds::{AlertKind, ControlStatus, MeasureKind, ObligationKind, RiskTier};
use crate::obligation::Due;

/// Thresholds of the alerts and of the lost-contact rule; **local default, configurable**.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRules {
    /// Warn this many days before a report deadline (default 3).
    pub report_warn_days: u32,
    /// A check-in or drug test overdue by this many days or more sets the person lost
    /// (失控), unless 0 (rule off). Default 30.
    pub lost_after_overdue_days: u32,
    /// A person lost for this many days or more is escalated from the town to the district
    /// office (default 7).
    pub escalate_after_days: u32,
}

impl Default for AlertRules {
    fn default() -> Self {
        AlertRules { report_warn_days: 3, lost_after_overdue_days: 30, escalate_after_days: 7 }
    }
}

/// The roles whose inbox receives alerts of `kind` (local default):
/// - duties, leave and high risk: the social worker of the caseload, the town officer, the office;
/// - report deadlines, lost contact, serious breach and expiry: also the police station
///   (it registers, tests and finds people, and issues the release notice, 戒毒条例 §23);
/// - escalated lost contact and the three-year candidates: the office (and the police for the
///   former; the town officer proposes the latter);
/// - release from isolation and transfers: the town officer and the office.
pub fn audience(kind: AlertKind) -> &'static [Role] {
    use Role::*;
    match kind {
        AlertKind::DutyOverdue | AlertKind::LeaveOverdue | AlertKind::HighRisk => &[SocialWorker, TownOfficer, Office],
        AlertKind::ReportDue | AlertKind::LostContact => &[SocialWorker, TownOfficer, Office, Police],
        AlertKind::SeriousBreach | AlertKind::ExpiryNotice => &[TownOfficer, Office, Police],
        AlertKind::LostEscalated => &[Office, Police],
        AlertKind::AbstinenceCandidate => &[TownOfficer, Office],
        AlertKind::ReleaseNotice | AlertKind::TransferPending => &[TownOfficer, Office],
    }
}

/// The kinds a role receives.
pub fn kinds_for(role: Role) -> Vec<AlertKind> {
    AlertKind::ALL.iter().copied().filter(|k| audience(*k).contains(&role)).collect()
}

/// The open measure as the alerts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasureFacts {
    pub kind: MeasureKind,
    /// Planned last day of the term, once started.
    pub planned_last_day: Option<NaiveDate>,
    /// Day from which the release notice is due (compulsory isolation).
    pub release_notice_date: Option<NaiveDate>,
    /// Last day of the 7-day expiry notice (community measures past their term).
    pub expiry_notice_deadline: Option<NaiveDate>,
    /// Day the measure started (report day), for the serious-breach key.
    pub start_date: Option<NaiveDate>,
}

/// What is true of one person today, as far as alerts are concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonFacts {
    pub today: NaiveDate,
    pub status: ControlStatus,
    /// Sealed records raise nothing.
    pub sealed: bool,
    pub tier: RiskTier,
    /// Day of the latest assessment (the day a high tier was given).
    pub tier_since: Option<NaiveDate>,
    /// The stored duties (应办事项).
    pub duties: Vec<Due>,
    pub lost_since: Option<NaiveDate>,
    /// The serious-breach grounds are met (戒毒条例 §20), since this day.
    pub breach_since: Option<NaiveDate>,
    pub measure: Option<MeasureFacts>,
    /// Approved leave whose return day has passed without the person back: the return day.
    pub leave_overdue_since: Option<NaiveDate>,
    /// Qualification for leaving dynamic control (no measure open).
    pub abstinence: Option<Abstinence>,
    /// A transfer into another town is waiting for its decision: the request day.
    pub transfer_requested_on: Option<NaiveDate>,
}

/// One alert that holds today: its kind, a key that identifies it among the person's alerts of
/// that kind (the same condition always gives the same key, so re-deriving never duplicates),
/// the day it is about, and a figure (days overdue, days lost, days to the deadline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertSpec {
    pub kind: AlertKind,
    pub key: String,
    pub ref_date: NaiveDate,
    /// Days past (positive) or before (negative) `ref_date`, counted as [`overdue_days`].
    pub days: i64,
}

impl AlertSpec {
    fn new(kind: AlertKind, key: impl Into<String>, ref_date: NaiveDate, today: NaiveDate) -> AlertSpec {
        AlertSpec { kind, key: key.into(), ref_date, days: overdue_days(ref_date, today) }
    }
}

/// The alerts that hold for `f` under `rules`, in a stable order. A deceased person, a person
/// abroad and a sealed record have none. Each kind:
/// - [`AlertKind::DutyOverdue`]: each check-in, test or visit past its due date (key
///   `kind:due`); not while lost (the lost alert says it);
/// - [`AlertKind::ReportDue`]: the report deadline (first report, or report at a new place after
///   a transfer) within `report_warn_days` or past;
/// - [`AlertKind::SeriousBreach`]: §20 grounds met (key = the day they were met);
/// - [`AlertKind::LostContact`] while lost, and [`AlertKind::LostEscalated`] from
///   `escalate_after_days` after the day lost;
/// - [`AlertKind::LeaveOverdue`]; [`AlertKind::ReleaseNotice`] from 3 days before the end of
///   compulsory isolation; [`AlertKind::ExpiryNotice`] once a community term has run and is not
///   yet ended; [`AlertKind::HighRisk`]; [`AlertKind::AbstinenceCandidate`] once qualified;
///   [`AlertKind::TransferPending`].
pub fn derive(f: &PersonFacts, rules: &AlertRules) -> Vec<AlertSpec> {
    let mut out = Vec::new();
    if f.sealed || matches!(f.status, ControlStatus::Deceased | ControlStatus::Abroad) {
        return out;
    }
    let today = f.today;
    if f.status != ControlStatus::LostContact {
        for d in &f.duties {
            match d.kind {
                ObligationKind::Report | ObligationKind::TransferReport
                    if overdue_days(d.due_date, today) >= -i64::from(rules.report_warn_days) =>
                {
                    let key = format!("{}:{}", d.kind.as_code(), d.due_date);
                    out.push(AlertSpec::new(AlertKind::ReportDue, key, d.due_date, today));
                }
                ObligationKind::Report | ObligationKind::TransferReport => {}
                k if overdue_days(d.due_date, today) > 0 => {
                    out.push(AlertSpec::new(
                        AlertKind::DutyOverdue,
                        format!("{}:{}", k.as_code(), d.due_date),
                        d.due_date,
                        today,
                    ));
                }
                _ => {}
            }
        }
    }
    if let Some(since) = f.breach_since {
        out.push(AlertSpec::new(AlertKind::SeriousBreach, since.to_string(), since, today));
    }
    if let (ControlStatus::LostContact, Some(since)) = (f.status, f.lost_since) {
        out.push(AlertSpec::new(AlertKind::LostContact, since.to_string(), since, today));
        if overdue_days(since, today) >= i64::from(rules.escalate_after_days) {
            out.push(AlertSpec::new(AlertKind::LostEscalated, since.to_string(), since, today));
        }
    }
    if let Some(back_by) = f.leave_overdue_since {
        out.push(AlertSpec::new(AlertKind::LeaveOverdue, back_by.to_string(), back_by, today));
    }
    if let Some(m) = f.measure {
        if let (MeasureKind::CompulsoryIsolation, Some(from), Some(last)) =
            (m.kind, m.release_notice_date, m.planned_last_day)
            && today >= from
        {
            out.push(AlertSpec::new(AlertKind::ReleaseNotice, last.to_string(), last, today));
        }
        if let (Some(deadline), Some(last)) = (m.expiry_notice_deadline, m.planned_last_day)
            && today > last
        {
            out.push(AlertSpec::new(AlertKind::ExpiryNotice, last.to_string(), deadline, today));
        }
    }
    if f.tier == RiskTier::High && f.status == ControlStatus::UnderControl {
        let since = f.tier_since.unwrap_or(today);
        out.push(AlertSpec::new(AlertKind::HighRisk, since.to_string(), since, today));
    }
    if let Some(a) = f.abstinence
        && f.measure.is_none()
        && a.qualifies(today)
        && matches!(f.status, ControlStatus::UnderControl | ControlStatus::Released)
    {
        out.push(AlertSpec::new(AlertKind::AbstinenceCandidate, a.anchor.to_string(), a.qualifies_on, today));
    }
    if let Some(on) = f.transfer_requested_on {
        out.push(AlertSpec::new(AlertKind::TransferPending, on.to_string(), on, today));
    }
    out
}

/// The lost-contact rule (失控, local default, configurable): the first check-in or drug test
/// overdue by `rules.lost_after_overdue_days` or more gives the day the person counts as lost
/// (its due date + that many days) and the duty that triggered it. `None` when the rule is off
/// (0), the person is not under control, or nothing is that late.
///
/// E.g. a test due 2026-10-01 with the default 30 days: lost on 2026-10-31, found by a sweep on
/// any day from then on.
pub fn lost_by_rule(
    status: ControlStatus,
    duties: &[Due],
    counted_from: Option<NaiveDate>,
    today: NaiveDate,
    rules: &AlertRules,
) -> Option<(NaiveDate, Due)> {
    if rules.lost_after_overdue_days == 0 || status != ControlStatus::UnderControl {
        return None;
    }
    let n = i64::from(rules.lost_after_overdue_days);
    let from = |d: &Due| counted_from.map_or(d.due_date, |r| r.max(d.due_date));
    duties
        .iter()
        .filter(|d| matches!(d.kind, ObligationKind::CheckIn | ObligationKind::DrugTest))
        .filter(|d| overdue_days(from(d), today) >= n)
        .min_by_key(|d| from(d))
        .map(|d| (add_days(from(d), n), *d))
}

/// Days a lost person was out of control: from the day lost to the day found (DOMAIN §11).
pub fn lost_gap_days(lost_since: NaiveDate, restored_on: NaiveDate) -> i64 {
    (restored_on - lost_since).num_days().max(0)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::abstinence::AnchorKind;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn facts(today: &str) -> PersonFacts {
        PersonFacts {
            today: d(today),
            status: ControlStatus::UnderControl,
            sealed: false,
            tier: RiskTier::Low,
            tier_since: None,
            duties: Vec::new(),
            lost_since: None,
            breach_since: None,
            measure: None,
            leave_overdue_since: None,
            abstinence: None,
            transfer_requested_on: None,
        }
    }

    fn kinds(specs: &[AlertSpec]) -> Vec<AlertKind> {
        specs.iter().map(|s| s.kind).collect()
    }

    #[test]
    fn duties_and_report_deadline() {
        let mut f = facts("2026-11-29");
        f.duties = vec![
            Due { kind: ObligationKind::DrugTest, due_date: d("2026-11-28") },
            Due { kind: ObligationKind::Visit, due_date: d("2026-11-29") },
            Due { kind: ObligationKind::Report, due_date: d("2026-12-02") },
        ];
        let got = derive(&f, &AlertRules::default());
        // Test 1 day overdue; the visit is due today (not overdue); the report deadline is 3
        // days away: warned.
        assert_eq!(kinds(&got), vec![AlertKind::DutyOverdue, AlertKind::ReportDue]);
        assert_eq!(got[0].key, "drug_test:2026-11-28");
        assert_eq!(got[0].days, 1);
        assert_eq!((got[1].key.as_str(), got[1].days), ("report:2026-12-02", -3));
        // The report at a new place after a transfer warns the same way.
        let moved = PersonFacts {
            duties: vec![Due { kind: ObligationKind::TransferReport, due_date: d("2026-11-27") }],
            ..facts("2026-11-29")
        };
        let got = derive(&moved, &AlertRules::default());
        assert_eq!(
            (got[0].kind, got[0].key.as_str(), got[0].days),
            (AlertKind::ReportDue, "transfer_report:2026-11-27", 2)
        );
        // 4 days away: not yet.
        f.duties[2].due_date = d("2026-12-03");
        assert_eq!(kinds(&derive(&f, &AlertRules::default())), vec![AlertKind::DutyOverdue]);
    }

    #[test]
    fn lost_escalates_after_seven_days() {
        let mut f = facts("2026-11-29");
        f.status = ControlStatus::LostContact;
        f.lost_since = Some(d("2026-11-23"));
        f.duties = vec![Due { kind: ObligationKind::DrugTest, due_date: d("2026-10-01") }];
        // 6 days lost: the town's alert only; duties are not repeated while lost.
        assert_eq!(kinds(&derive(&f, &AlertRules::default())), vec![AlertKind::LostContact]);
        f.lost_since = Some(d("2026-11-22"));
        let got = derive(&f, &AlertRules::default());
        assert_eq!(kinds(&got), vec![AlertKind::LostContact, AlertKind::LostEscalated]);
        assert_eq!(got[1].days, 7);
    }

    #[test]
    fn lost_rule_thirty_days() {
        let duties = [
            Due { kind: ObligationKind::Visit, due_date: d("2026-09-01") },
            Due { kind: ObligationKind::DrugTest, due_date: d("2026-10-01") },
            Due { kind: ObligationKind::CheckIn, due_date: d("2026-10-15") },
        ];
        let r = AlertRules::default();
        // 2026-10-30: the test is 29 days overdue; visits do not count.
        assert_eq!(lost_by_rule(ControlStatus::UnderControl, &duties, None, d("2026-10-30"), &r), None);
        let (on, due) = lost_by_rule(ControlStatus::UnderControl, &duties, None, d("2026-10-31"), &r).unwrap();
        assert_eq!((on, due.kind), (d("2026-10-31"), ObligationKind::DrugTest));
        // A late sweep still dates the loss from the rule, not from the sweep.
        let (on, _) = lost_by_rule(ControlStatus::UnderControl, &duties, None, d("2026-11-29"), &r).unwrap();
        assert_eq!(on, d("2026-10-31"));
        assert_eq!(lost_by_rule(ControlStatus::InCustody, &duties, None, d("2026-11-29"), &r), None);
        let off = AlertRules { lost_after_overdue_days: 0, ..r };
        assert_eq!(lost_by_rule(ControlStatus::UnderControl, &duties, None, d("2026-11-29"), &off), None);
        // Found (or registered) on 2026-11-20: the overdue test counts from then; lost again
        // only on 2026-12-20.
        let found = Some(d("2026-11-20"));
        assert_eq!(lost_by_rule(ControlStatus::UnderControl, &duties, found, d("2026-12-19"), &r), None);
        let (on, _) = lost_by_rule(ControlStatus::UnderControl, &duties, found, d("2026-12-20"), &r).unwrap();
        assert_eq!(on, d("2026-12-20"));
        assert_eq!(lost_gap_days(d("2026-10-31"), d("2026-11-29")), 29);
    }

    #[test]
    fn measures_risk_and_abstinence() {
        let mut f = facts("2026-11-29");
        f.measure = Some(MeasureFacts {
            kind: MeasureKind::CompulsoryIsolation,
            planned_last_day: Some(d("2026-12-01")),
            release_notice_date: Some(d("2026-11-28")),
            expiry_notice_deadline: None,
            start_date: Some(d("2024-12-02")),
        });
        f.tier = RiskTier::High;
        f.tier_since = Some(d("2026-11-01"));
        assert_eq!(kinds(&derive(&f, &AlertRules::default())), vec![AlertKind::ReleaseNotice, AlertKind::HighRisk]);
        // A community detox whose term ended on 2026-11-27 and is not closed: notice by 12-04.
        f.measure = Some(MeasureFacts {
            kind: MeasureKind::CommunityDetox,
            planned_last_day: Some(d("2026-11-27")),
            release_notice_date: None,
            expiry_notice_deadline: Some(d("2026-12-04")),
            start_date: Some(d("2023-11-28")),
        });
        f.tier = RiskTier::Low;
        let got = derive(&f, &AlertRules::default());
        assert_eq!(kinds(&got), vec![AlertKind::ExpiryNotice]);
        assert_eq!((got[0].ref_date, got[0].days), (d("2026-12-04"), -5));
        // No measure, qualified on 2026-05-07: a candidate.
        f.measure = None;
        f.abstinence = Some(Abstinence {
            anchor: d("2023-05-06"),
            kind: AnchorKind::LastPositiveTest,
            qualifies_on: d("2026-05-07"),
        });
        assert_eq!(kinds(&derive(&f, &AlertRules::default())), vec![AlertKind::AbstinenceCandidate]);
        f.sealed = true;
        assert!(derive(&f, &AlertRules::default()).is_empty());
    }

    #[test]
    fn audiences() {
        assert_eq!(kinds_for(Role::Leader), vec![]);
        assert_eq!(kinds_for(Role::Auditor), vec![]);
        assert!(kinds_for(Role::Police).contains(&AlertKind::SeriousBreach));
        assert!(!kinds_for(Role::SocialWorker).contains(&AlertKind::SeriousBreach));
        assert!(kinds_for(Role::Office).contains(&AlertKind::LostEscalated));
        assert!(!kinds_for(Role::TownOfficer).contains(&AlertKind::LostEscalated));
    }
}
