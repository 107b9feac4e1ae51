//! The clock of a measure (措施) (DOMAIN §2): report deadline, start, suspensions, term, end and
//! the notices that follow. Pure: "today" is always a parameter.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days::{WorkCalendar, add_days, legal_deadline, overdue_days, term_last_day};
use crate::error::DomainError;
use crate::kinds::{EndReason, MeasureKind, MeasureStatus};

/// Days to report after receiving a community detox or rehabilitation decision
/// [戒毒条例 §14, §38]; a legal deadline (moves past rest days, DOMAIN §11).
pub const REPORT_DAYS: u32 = 15;
/// Days after expiry within which the police tell the town/street office [戒毒条例 §23, §40].
pub const EXPIRY_NOTICE_DAYS: u32 = 7;
/// Days before release from compulsory isolation that the facility tells the deciding
/// authority [戒毒条例 §34].
pub const RELEASE_NOTICE_DAYS_BEFORE: u32 = 3;

/// Term in years: community detox 3 [禁毒法 §33], compulsory isolation 2 [禁毒法 §47],
/// community rehabilitation up to 3 [禁毒法 §48]; `None` for voluntary detox (by agreement,
/// 戒毒条例 §10) and maintenance therapy (open-ended).
pub fn term_years(kind: MeasureKind) -> Option<u32> {
    match kind {
        MeasureKind::CommunityDetox | MeasureKind::CommunityRehab => Some(3),
        MeasureKind::CompulsoryIsolation => Some(2),
        MeasureKind::VoluntaryDetox | MeasureKind::MaintenanceTherapy => None,
    }
}

/// A suspension (中止) on detention or arrest, resumed on release [戒毒条例 §24]; for compulsory
/// isolation also time as an escapee [戒毒条例 §32]. `to` is the resumption date; the suspended
/// days are `to − from` (an open suspension counts up to today). Each suspended day moves the
/// last day of the term one day on (DOMAIN §11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suspension {
    /// First suspended day.
    pub from: NaiveDate,
    /// Resumption date (first day running again); `None` while suspended.
    pub to: Option<NaiveDate>,
}

impl Suspension {
    /// Suspended days up to (not including) `until`: `min(to, until) − from`, never negative.
    pub fn days_until(&self, until: NaiveDate) -> u32 {
        let end = self.to.map_or(until, |t| t.min(until));
        u32::try_from((end - self.from).num_days()).unwrap_or(0)
    }
}

/// The dates of one measure and the rules that follow from them (DOMAIN §2, §11).
/// `ended` holds the end date and reason; for [`EndReason::Expiry`] the end date is the last day
/// of the term ("至…止").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureClock {
    /// Kind of measure.
    pub kind: MeasureKind,
    /// Date of the decision (served on the person).
    pub decision_date: NaiveDate,
    /// Date the person reported (报到), which starts community measures [戒毒条例 §14].
    pub reported_on: Option<NaiveDate>,
    /// Suspensions in date order.
    pub suspensions: Vec<Suspension>,
    /// End date and reason, once ended.
    pub ended: Option<(NaiveDate, EndReason)>,
}

impl MeasureClock {
    /// A newly decided measure.
    ///
    /// # Errors
    /// [`DomainError::DateInFuture`] (field `decision_date`) when the decision date is after today.
    pub fn decide(kind: MeasureKind, decision_date: NaiveDate, today: NaiveDate) -> Result<MeasureClock, DomainError> {
        if decision_date > today {
            return Err(DomainError::DateInFuture { field: "decision_date", date: decision_date, today });
        }
        Ok(MeasureClock { kind, decision_date, reported_on: None, suspensions: Vec::new(), ended: None })
    }

    /// Whether the person must report to start the measure: community detox [戒毒条例 §14] and
    /// community rehabilitation [戒毒条例 §38].
    pub fn needs_report(&self) -> bool {
        matches!(self.kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab)
    }

    /// Last day to report: decision date + 15 days, moved past rest days
    /// ([`legal_deadline`]) [戒毒条例 §14, §38; 民法典 §201, §203]. `None` for measures without a
    /// report. E.g. decision 2024-02-21 → 2024-03-07.
    pub fn report_deadline(&self, cal: &WorkCalendar) -> Option<NaiveDate> {
        self.needs_report().then(|| legal_deadline(self.decision_date, REPORT_DAYS, cal))
    }

    /// First day of the term: the report date for community detox and rehabilitation
    /// [戒毒条例 §14, §38]; the decision date for compulsory isolation [戒毒条例 §27]; the report
    /// (enrolment) date or else the decision date for voluntary detox and maintenance therapy.
    pub fn start_date(&self) -> Option<NaiveDate> {
        match self.kind {
            MeasureKind::CommunityDetox | MeasureKind::CommunityRehab => self.reported_on,
            MeasureKind::CompulsoryIsolation => Some(self.decision_date),
            MeasureKind::VoluntaryDetox | MeasureKind::MaintenanceTherapy => {
                Some(self.reported_on.unwrap_or(self.decision_date))
            }
        }
    }

    /// The open suspension, if any.
    pub fn open_suspension(&self) -> Option<&Suspension> {
        self.suspensions.last().filter(|s| s.to.is_none())
    }

    /// Status on `today`: ended → `Expired` (reason expiry) or `Terminated`; an open suspension →
    /// `Suspended`; not started (no report, or start after today) → `AwaitingReport`; else `Active`.
    /// Reaching the planned last day does not end a measure by itself: the office records the
    /// end (see [`expiry_notice_deadline`](Self::expiry_notice_deadline)).
    pub fn status(&self, today: NaiveDate) -> MeasureStatus {
        if let Some((_, reason)) = self.ended {
            return if reason == EndReason::Expiry { MeasureStatus::Expired } else { MeasureStatus::Terminated };
        }
        if self.open_suspension().is_some() {
            return MeasureStatus::Suspended;
        }
        match self.start_date() {
            Some(s) if s <= today => MeasureStatus::Active,
            _ => MeasureStatus::AwaitingReport,
        }
    }

    /// Total suspended days (an open suspension counts up to `today`) [戒毒条例 §24, §32].
    pub fn suspended_days(&self, today: NaiveDate) -> u32 {
        self.suspensions.iter().map(|s| s.days_until(today)).fold(0u32, u32::saturating_add)
    }

    /// Planned last day of the term: [`term_last_day`] of the start date, [`term_years`] and the
    /// suspended days (DOMAIN §11). `None` before the start or for measures without a term.
    /// E.g. community detox reported 2023-05-06 → 2026-05-05.
    pub fn planned_last_day(&self, today: NaiveDate) -> Option<NaiveDate> {
        let years = term_years(self.kind)?;
        let start = self.start_date()?;
        Some(term_last_day(start, years, self.suspended_days(today)))
    }

    /// Checks a `date` of `field` that may be neither after `today` nor before the decision.
    ///
    /// # Errors
    /// [`DomainError::DateInFuture`] (field `field`) after `today`; [`DomainError::DateBefore`]
    /// (field `field`, other `decision_date`) before the decision date.
    fn check_since_decision(&self, field: &'static str, date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
        crate::event::validate_event_date_since(field, date, ("decision_date", self.decision_date), today)
    }

    /// Records the person's report, which starts a community measure [戒毒条例 §14, §38].
    ///
    /// # Errors
    /// - [`DomainError::MeasureState`] `no_report_for_kind` for compulsory isolation (it runs
    ///   from the decision date, 戒毒条例 §27); `already_reported` when a report is recorded;
    /// - [`DomainError::IllegalTransition`] (action `report`) when the measure has ended;
    /// - [`DomainError::DateInFuture`] (field `report_date`);
    /// - [`DomainError::DateBefore`] (field `report_date`, other `decision_date`).
    pub fn record_report(&mut self, date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
        if self.kind == MeasureKind::CompulsoryIsolation {
            return Err(DomainError::MeasureState { reason: "no_report_for_kind" });
        }
        if self.ended.is_some() {
            return Err(DomainError::IllegalTransition { from: self.status(today).as_code(), action: "report" });
        }
        if self.reported_on.is_some() {
            return Err(DomainError::MeasureState { reason: "already_reported" });
        }
        self.check_since_decision("report_date", date, today)?;
        self.reported_on = Some(date);
        Ok(())
    }

    /// Whether the report came after the report deadline (late without good reason counts as
    /// refusal, 戒毒条例 §14; the office judges the reason). `false` when not reported or no
    /// deadline applies.
    pub fn is_report_late(&self, cal: &WorkCalendar) -> bool {
        match (self.reported_on, self.report_deadline(cal)) {
            (Some(r), Some(deadline)) => r > deadline,
            _ => false,
        }
    }

    /// Days the report is overdue ([`overdue_days`], ≥ 1) while not reported and today is after
    /// the deadline; `None` otherwise (also once ended).
    pub fn report_overdue_days(&self, cal: &WorkCalendar, today: NaiveDate) -> Option<i64> {
        if self.reported_on.is_some() || self.ended.is_some() {
            return None;
        }
        let deadline = self.report_deadline(cal)?;
        let days = overdue_days(deadline, today);
        (days > 0).then_some(days)
    }

    /// Suspends (中止) the measure from `date` on detention or arrest [戒毒条例 §24].
    ///
    /// # Errors
    /// [`DomainError::IllegalTransition`] (action `suspend`) unless active; field `date`:
    /// [`DomainError::DateInFuture`]; [`DomainError::DateBefore`] the start date or the last
    /// resumption date.
    pub fn suspend(&mut self, date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
        let status = self.status(today);
        if status != MeasureStatus::Active {
            return Err(DomainError::IllegalTransition { from: status.as_code(), action: "suspend" });
        }
        if date > today {
            return Err(DomainError::DateInFuture { field: "date", date, today });
        }
        if let Some(start) = self.start_date().filter(|s| date < *s) {
            return Err(DomainError::DateBefore { field: "date", date, other_field: "start_date", other: start });
        }
        if let Some(resumed) = self.suspensions.last().and_then(|s| s.to).filter(|r| date < *r) {
            return Err(DomainError::DateBefore { field: "date", date, other_field: "resume_date", other: resumed });
        }
        self.suspensions.push(Suspension { from: date, to: None });
        Ok(())
    }

    /// Resumes the measure on `date` (release); the term continues [戒毒条例 §24].
    ///
    /// # Errors
    /// [`DomainError::IllegalTransition`] (action `resume`) unless suspended; field `date`:
    /// [`DomainError::DateInFuture`]; [`DomainError::DateBefore`] the suspension date.
    pub fn resume(&mut self, date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
        let status = self.status(today);
        let Some(open) = self.suspensions.last_mut().filter(|s| s.to.is_none() && status == MeasureStatus::Suspended)
        else {
            return Err(DomainError::IllegalTransition { from: status.as_code(), action: "resume" });
        };
        if date > today {
            return Err(DomainError::DateInFuture { field: "date", date, today });
        }
        if date < open.from {
            return Err(DomainError::DateBefore { field: "date", date, other_field: "suspend_date", other: open.from });
        }
        open.to = Some(date);
        Ok(())
    }

    /// Ends the measure on `date` for `reason`: expiry [戒毒条例 §23] (the date is the last day of
    /// the term), or termination by imprisonment, compulsory education [戒毒条例 §24], conversion
    /// to compulsory isolation [禁毒法 §38], death or other. An open suspension is closed on `date`.
    ///
    /// # Errors
    /// [`DomainError::IllegalTransition`] (action `end`) when already ended; field `date`:
    /// [`DomainError::DateInFuture`]; [`DomainError::DateBefore`] the decision date or the open
    /// suspension's date.
    pub fn end(&mut self, date: NaiveDate, reason: EndReason, today: NaiveDate) -> Result<(), DomainError> {
        if self.ended.is_some() {
            return Err(DomainError::IllegalTransition { from: self.status(today).as_code(), action: "end" });
        }
        self.check_since_decision("date", date, today)?;
        if let Some(open) = self.suspensions.last_mut().filter(|s| s.to.is_none()) {
            if date < open.from {
                return Err(DomainError::DateBefore {
                    field: "date",
                    date,
                    other_field: "suspend_date",
                    other: open.from,
                });
            }
            open.to = Some(date);
        }
        self.ended = Some((date, reason));
        Ok(())
    }

    /// Last day for the police to tell the town/street office that community detox or
    /// rehabilitation has expired: the last day of the term + 7 days, moved past rest days
    /// [戒毒条例 §23, §40; 民法典 §203]. The last day is the recorded end date when ended by
    /// expiry, or the planned last day once `today` has reached it while not yet ended. `None`
    /// for other kinds, terminated measures, or before the last day. E.g. last day 2026-05-05
    /// (Tuesday) → 2026-05-12.
    pub fn expiry_notice_deadline(&self, cal: &WorkCalendar, today: NaiveDate) -> Option<NaiveDate> {
        if !self.needs_report() {
            return None;
        }
        let last = match self.ended {
            Some((date, EndReason::Expiry)) => date,
            Some(_) => return None,
            None => self.planned_last_day(today).filter(|l| *l <= today)?,
        };
        Some(legal_deadline(last, EXPIRY_NOTICE_DAYS, cal))
    }

    /// Date by which a compulsory-isolation facility tells the deciding authority of the coming
    /// release: planned last day − 3 days [戒毒条例 §34]. `None` for other kinds or once ended.
    pub fn release_notice_date(&self, today: NaiveDate) -> Option<NaiveDate> {
        if self.kind != MeasureKind::CompulsoryIsolation || self.ended.is_some() {
            return None;
        }
        let last = self.planned_last_day(today)?;
        Some(add_days(last, -i64::from(RELEASE_NOTICE_DAYS_BEFORE)))
    }

    /// Year of the measure (1, 2 or 3; 3 also for anything later) that `on` falls in, counted
    /// from the start date with suspended days not counted (DOMAIN §3, §11). `None` before the
    /// start. Selects the test and check-in intervals of [`crate::obligation::Schedule`].
    pub fn phase_year(&self, on: NaiveDate) -> Option<u8> {
        let start = self.start_date()?;
        if on < start {
            return None;
        }
        let suspended: u32 = self.suspensions.iter().map(|s| s.days_until(on)).fold(0u32, u32::saturating_add);
        let effective = add_days(on, -i64::from(suspended));
        Some(if effective <= term_last_day(start, 1, 0) {
            1
        } else if effective <= term_last_day(start, 2, 0) {
            2
        } else {
            3
        })
    }
}

/// A recorded date of a measure that the office may correct when it was mistyped (issue #18,
/// item 19; local rule): the decision date, or the report date (which is the start of community
/// detox and rehabilitation, 戒毒条例 §14, §38, and of voluntary detox and maintenance therapy
/// when given).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DateField {
    /// 决定日期.
    Decision,
    /// 报到日期.
    Report,
}

impl DateField {
    /// Every correctable date.
    pub const ALL: &'static [DateField] = &[DateField::Decision, DateField::Report];

    /// Form field and stable code: `decision_date` or `report_date`.
    pub fn as_code(self) -> &'static str {
        match self {
            DateField::Decision => "decision_date",
            DateField::Report => "report_date",
        }
    }
}

impl MeasureClock {
    /// The recorded value of `field` (`None`: a report not recorded yet).
    pub fn date_of(&self, field: DateField) -> Option<NaiveDate> {
        match field {
            DateField::Decision => Some(self.decision_date),
            DateField::Report => self.reported_on,
        }
    }

    /// The clock with the mistyped `field` corrected to `date`: every date that follows from it
    /// (report deadline, start, planned last day, phase years) is then recomputed from the
    /// corrected clock. The correction must keep the measure's own order of dates: decision ≤
    /// report (start) ≤ suspensions ≤ end, nothing after today.
    ///
    /// # Errors
    /// - [`DomainError::DateInFuture`] (the corrected field) when `date` is after `today`;
    /// - for the report date: [`DomainError::MeasureState`] `no_report_for_kind` (compulsory
    ///   isolation runs from its decision, 戒毒条例 §27) or `not_started` (no report recorded:
    ///   record the report instead); [`DomainError::DateBefore`] `report_date` before
    ///   `decision_date`;
    /// - for the decision date: [`DomainError::DateBefore`] with `report_date` when the recorded
    ///   report would come before the new decision;
    /// - [`DomainError::DateBefore`] `suspend_date` / `end_date` when a recorded suspension or the
    ///   end would come before the new start or decision.
    pub fn corrected(&self, field: DateField, date: NaiveDate, today: NaiveDate) -> Result<MeasureClock, DomainError> {
        let f = field.as_code();
        if date > today {
            return Err(DomainError::DateInFuture { field: f, date, today });
        }
        let mut c = self.clone();
        match field {
            DateField::Decision => {
                if let Some(r) = c.reported_on.filter(|r| *r < date) {
                    return Err(DomainError::DateBefore {
                        field: "report_date",
                        date: r,
                        other_field: "decision_date",
                        other: date,
                    });
                }
                c.decision_date = date;
            }
            DateField::Report => {
                if c.kind == MeasureKind::CompulsoryIsolation {
                    return Err(DomainError::MeasureState { reason: "no_report_for_kind" });
                }
                if c.reported_on.is_none() {
                    return Err(DomainError::MeasureState { reason: "not_started" });
                }
                c.check_since_decision(f, date, today)?;
                c.reported_on = Some(date);
            }
        }
        if let Some(start) = c.start_date()
            && let Some(s) = c.suspensions.iter().find(|s| s.from < start)
        {
            return Err(DomainError::DateBefore {
                field: "suspend_date",
                date: s.from,
                other_field: if c.start_date() == Some(c.decision_date) && field == DateField::Decision {
                    "decision_date"
                } else {
                    "start_date"
                },
                other: start,
            });
        }
        if let Some((end, _)) = c.ended {
            let first = c.start_date().unwrap_or(c.decision_date).max(c.decision_date);
            if end < first {
                return Err(DomainError::DateBefore { field: "end_date", date: end, other_field: f, other: first });
            }
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn correcting_the_report_date_moves_the_term() {
        let today = ymd("2026-11-29");
        let mut c = MeasureClock::decide(MeasureKind::CommunityDetox, ymd("2026-02-25"), today).unwrap_or_else(|e| {
            unreachable!("{e}");
        });
        c.record_report(ymd("2026-03-10"), today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(c.planned_last_day(today), Some(ymd("2029-03-09")));
        let fixed = c.corrected(DateField::Report, ymd("2026-03-01"), today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(fixed.reported_on, Some(ymd("2026-03-01")));
        assert_eq!(fixed.start_date(), Some(ymd("2026-03-01")));
        assert_eq!(fixed.planned_last_day(today), Some(ymd("2029-02-28")));
        // Year 1 ends 2027-02-28 after the correction (it ended 2027-03-09 before).
        assert_eq!(fixed.phase_year(ymd("2027-03-01")), Some(2));
        assert_eq!(c.phase_year(ymd("2027-03-01")), Some(1));
        // The decision date moves the report deadline: 2026-02-20 + 15 days = 2026-03-07 (Saturday)
        // → Monday 2026-03-09.
        let cal = WorkCalendar::new();
        let earlier =
            c.corrected(DateField::Decision, ymd("2026-02-20"), today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(earlier.report_deadline(&cal), Some(ymd("2026-03-09")));
        assert_eq!(earlier.planned_last_day(today), c.planned_last_day(today), "the term runs from the report");
    }

    #[test]
    fn corrections_keep_the_order_of_dates() {
        let today = ymd("2026-11-29");
        let mut c = MeasureClock::decide(MeasureKind::CommunityDetox, ymd("2026-02-25"), today).unwrap_or_else(|e| {
            unreachable!("{e}");
        });
        let code = |r: Result<MeasureClock, DomainError>| r.err().map(|e| (e.code(), e.field()));
        // No report recorded: there is nothing to correct.
        assert_eq!(code(c.corrected(DateField::Report, ymd("2026-03-01"), today)), Some(("measure.not_started", None)));
        c.record_report(ymd("2026-03-10"), today).unwrap_or_else(|e| unreachable!("{e}"));
        // Decided 2026-02-25, reported 2026-03-10, today 2026-11-29: the report may move neither
        // after today nor before the decision, the decision neither after the report nor today.
        for (field, date, refused) in [
            (DateField::Report, "2026-11-30", ("date.in_future", Some("report_date"))),
            (DateField::Report, "2026-02-24", ("date.before", Some("report_date"))),
            (DateField::Decision, "2026-03-11", ("date.before", Some("report_date"))),
            (DateField::Decision, "2026-12-01", ("date.in_future", Some("decision_date"))),
        ] {
            assert_eq!(code(c.corrected(field, ymd(date), today)), Some(refused), "{date}");
        }
        // A suspension from 2026-06-01 forbids a start after it.
        c.suspend(ymd("2026-06-01"), today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            code(c.corrected(DateField::Report, ymd("2026-06-02"), today)),
            Some(("date.before", Some("suspend_date")))
        );
        assert!(c.corrected(DateField::Report, ymd("2026-05-31"), today).is_ok());
        // Compulsory isolation has no report.
        let iso = MeasureClock::decide(MeasureKind::CompulsoryIsolation, ymd("2026-02-25"), today)
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            code(iso.corrected(DateField::Report, ymd("2026-03-01"), today)),
            Some(("measure.no_report_for_kind", None))
        );
        // Its decision is its start: 2026-02-25 → 2026-02-20 moves the 2-year term.
        let fixed =
            iso.corrected(DateField::Decision, ymd("2026-02-20"), today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(fixed.planned_last_day(today), Some(ymd("2028-02-19")));
        // An end before the corrected decision is refused.
        let mut ended = iso.clone();
        ended.end(ymd("2026-03-01"), EndReason::Death, today).unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            code(ended.corrected(DateField::Decision, ymd("2026-03-02"), today)),
            Some(("date.before", Some("end_date")))
        );
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn detox_reported(report: NaiveDate) -> MeasureClock {
        let mut c = MeasureClock::decide(MeasureKind::CommunityDetox, add_days(report, -5), report).unwrap();
        c.record_report(report, report).unwrap();
        c
    }

    #[test]
    fn report_deadline() {
        let cal = WorkCalendar::new();
        let c = MeasureClock::decide(MeasureKind::CommunityDetox, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        assert_eq!(c.report_deadline(&cal), Some(d(2024, 3, 7)));
        assert_eq!(c.status(d(2024, 2, 22)), MeasureStatus::AwaitingReport);
        assert_eq!(c.report_overdue_days(&cal, d(2024, 3, 7)), None);
        assert_eq!(c.report_overdue_days(&cal, d(2024, 3, 9)), Some(2));
        let mut late = c.clone();
        late.record_report(d(2024, 3, 8), d(2024, 3, 9)).unwrap();
        assert!(late.is_report_late(&cal));
        let mut on_time = c;
        on_time.record_report(d(2024, 3, 7), d(2024, 3, 9)).unwrap();
        assert!(!on_time.is_report_late(&cal));
        let ci = MeasureClock::decide(MeasureKind::CompulsoryIsolation, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        assert_eq!(ci.report_deadline(&cal), None);
    }

    #[test]
    fn decision_in_future_refused() {
        assert_eq!(
            MeasureClock::decide(MeasureKind::CommunityDetox, d(2024, 2, 22), d(2024, 2, 21)),
            Err(DomainError::DateInFuture { field: "decision_date", date: d(2024, 2, 22), today: d(2024, 2, 21) })
        );
    }

    #[test]
    fn terms() {
        let c = detox_reported(d(2023, 5, 6));
        assert_eq!(c.start_date(), Some(d(2023, 5, 6)));
        assert_eq!(c.status(d(2023, 5, 6)), MeasureStatus::Active);
        assert_eq!(c.planned_last_day(d(2024, 1, 1)), Some(d(2026, 5, 5)));
        let ci = MeasureClock::decide(MeasureKind::CompulsoryIsolation, d(2024, 2, 29), d(2024, 2, 29)).unwrap();
        assert_eq!(ci.start_date(), Some(d(2024, 2, 29)));
        assert_eq!(ci.status(d(2024, 2, 29)), MeasureStatus::Active);
        assert_eq!(ci.planned_last_day(d(2024, 3, 1)), Some(d(2026, 2, 28)));
        assert_eq!(ci.release_notice_date(d(2024, 3, 1)), Some(d(2026, 2, 25)));
        let mm = MeasureClock::decide(MeasureKind::MaintenanceTherapy, d(2024, 2, 29), d(2024, 2, 29)).unwrap();
        assert_eq!(mm.start_date(), Some(d(2024, 2, 29)));
        assert_eq!(mm.planned_last_day(d(2024, 3, 1)), None);
    }

    #[test]
    fn suspension_moves_last_day() {
        let mut c = detox_reported(d(2023, 5, 6));
        c.suspend(d(2024, 1, 10), d(2024, 1, 10)).unwrap();
        assert_eq!(c.status(d(2024, 1, 15)), MeasureStatus::Suspended);
        assert_eq!(c.suspended_days(d(2024, 1, 15)), 5);
        assert_eq!(c.planned_last_day(d(2024, 1, 15)), Some(d(2026, 5, 10)));
        c.resume(d(2024, 1, 20), d(2024, 1, 25)).unwrap();
        assert_eq!(c.status(d(2024, 1, 25)), MeasureStatus::Active);
        assert_eq!(c.suspended_days(d(2025, 1, 1)), 10);
        assert_eq!(c.planned_last_day(d(2025, 1, 1)), Some(d(2026, 5, 15)));
    }

    #[test]
    fn refusals() {
        let mut c = MeasureClock::decide(MeasureKind::CommunityDetox, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        assert_eq!(
            c.record_report(d(2024, 2, 20), d(2024, 2, 22)),
            Err(DomainError::DateBefore {
                field: "report_date",
                date: d(2024, 2, 20),
                other_field: "decision_date",
                other: d(2024, 2, 21)
            })
        );
        assert_eq!(
            c.record_report(d(2024, 2, 23), d(2024, 2, 22)),
            Err(DomainError::DateInFuture { field: "report_date", date: d(2024, 2, 23), today: d(2024, 2, 22) })
        );
        assert_eq!(
            c.suspend(d(2024, 2, 22), d(2024, 2, 22)),
            Err(DomainError::IllegalTransition { from: "awaiting_report", action: "suspend" })
        );
        c.record_report(d(2024, 2, 22), d(2024, 2, 22)).unwrap();
        assert_eq!(
            c.record_report(d(2024, 2, 22), d(2024, 2, 22)),
            Err(DomainError::MeasureState { reason: "already_reported" })
        );
        assert_eq!(
            c.resume(d(2024, 3, 1), d(2024, 3, 1)),
            Err(DomainError::IllegalTransition { from: "active", action: "resume" })
        );
        assert_eq!(
            c.suspend(d(2024, 2, 21), d(2024, 3, 1)),
            Err(DomainError::DateBefore {
                field: "date",
                date: d(2024, 2, 21),
                other_field: "start_date",
                other: d(2024, 2, 22)
            })
        );
        c.suspend(d(2024, 3, 1), d(2024, 3, 1)).unwrap();
        assert_eq!(
            c.suspend(d(2024, 3, 2), d(2024, 3, 2)),
            Err(DomainError::IllegalTransition { from: "suspended", action: "suspend" })
        );
        assert!(matches!(c.resume(d(2024, 2, 28), d(2024, 3, 5)), Err(DomainError::DateBefore { .. })));
        c.resume(d(2024, 3, 5), d(2024, 3, 5)).unwrap();
        assert!(matches!(c.suspend(d(2024, 3, 4), d(2024, 3, 6)), Err(DomainError::DateBefore { .. })));
        c.end(d(2024, 4, 1), EndReason::Imprisonment, d(2024, 4, 1)).unwrap();
        assert_eq!(c.status(d(2024, 4, 2)), MeasureStatus::Terminated);
        assert_eq!(
            c.end(d(2024, 4, 2), EndReason::Other, d(2024, 4, 2)),
            Err(DomainError::IllegalTransition { from: "terminated", action: "end" })
        );
        let mut ci = MeasureClock::decide(MeasureKind::CompulsoryIsolation, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        assert_eq!(
            ci.record_report(d(2024, 2, 21), d(2024, 2, 21)),
            Err(DomainError::MeasureState { reason: "no_report_for_kind" })
        );
        assert!(matches!(ci.end(d(2024, 2, 20), EndReason::Other, d(2024, 3, 1)), Err(DomainError::DateBefore { .. })));
        assert!(matches!(
            ci.end(d(2024, 3, 2), EndReason::Other, d(2024, 3, 1)),
            Err(DomainError::DateInFuture { .. })
        ));
    }

    #[test]
    fn end_closes_open_suspension() {
        let mut c = detox_reported(d(2023, 5, 6));
        c.suspend(d(2024, 1, 10), d(2024, 1, 10)).unwrap();
        c.end(d(2024, 2, 1), EndReason::Imprisonment, d(2024, 2, 1)).unwrap();
        assert_eq!(c.suspended_days(d(2025, 1, 1)), 22);
        assert_eq!(c.status(d(2025, 1, 1)), MeasureStatus::Terminated);
    }

    #[test]
    fn expiry_notice() {
        let cal = WorkCalendar::new();
        let mut c = detox_reported(d(2023, 5, 6));
        assert_eq!(c.expiry_notice_deadline(&cal, d(2026, 5, 4)), None);
        // 2026-05-05 is a Tuesday; + 7 = 2026-05-12, also a Tuesday.
        assert_eq!(c.expiry_notice_deadline(&cal, d(2026, 5, 5)), Some(d(2026, 5, 12)));
        c.end(d(2026, 5, 5), EndReason::Expiry, d(2026, 5, 6)).unwrap();
        assert_eq!(c.status(d(2026, 5, 6)), MeasureStatus::Expired);
        assert_eq!(c.expiry_notice_deadline(&cal, d(2026, 5, 20)), Some(d(2026, 5, 12)));
        let mut t = detox_reported(d(2023, 5, 6));
        t.end(d(2024, 5, 5), EndReason::Imprisonment, d(2024, 5, 6)).unwrap();
        assert_eq!(t.expiry_notice_deadline(&cal, d(2026, 5, 20)), None);
    }

    #[test]
    fn phase_years() {
        // 2024-03-01 … 2025-02-28 is year 1 (365 days): day 366 is 2025-03-01.
        let c = detox_reported(d(2024, 3, 1));
        assert_eq!(c.phase_year(d(2024, 2, 29)), None);
        assert_eq!(c.phase_year(d(2024, 3, 1)), Some(1));
        assert_eq!(c.phase_year(d(2025, 2, 28)), Some(1));
        assert_eq!(c.phase_year(add_days(d(2024, 3, 1), 365)), Some(2));
        assert_eq!(c.phase_year(d(2026, 3, 1)), Some(3));
        assert_eq!(c.phase_year(d(2030, 1, 1)), Some(3));
        let mut s = c.clone();
        s.suspend(d(2024, 6, 1), d(2024, 6, 1)).unwrap();
        s.resume(d(2024, 6, 11), d(2024, 6, 11)).unwrap();
        assert_eq!(s.phase_year(d(2025, 3, 10)), Some(1));
        assert_eq!(s.phase_year(d(2025, 3, 11)), Some(2));
    }
}
