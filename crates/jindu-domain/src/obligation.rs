//! Scheduled duties (应办事项) of a person under a measure: check-ins, drug tests and visits
//! (DOMAIN §3). The intervals are **local defaults, configurable** per deployment. They are duties
//! the office schedules itself, so rest days do not move them (DOMAIN §11); only the legal report
//! deadline does.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days::{WorkCalendar, add_days, add_months, overdue_days};
use crate::kinds::{MeasureKind, MeasureStatus, ObligationKind, RiskTier};
use crate::measure::MeasureClock;

/// Intervals of the scheduled duties; **local default, configurable** (DOMAIN §3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    /// Months between drug tests in years 1, 2 and 3 of the measure. Default 1 / 2 / 3
    /// (仙游县 2012; local default, configurable).
    pub test_interval_months: [u32; 3],
    /// Days between check-ins in months 1–6. Default 15 (half-monthly; local rule,
    /// **unconfirmed**, configurable).
    pub checkin_interval_days_first_half_year: u32,
    /// Months between check-ins in months 7–12 of year 1, in year 2 and in year 3. Default
    /// 1 / 2 / 3 (local rule, **unconfirmed**, configurable).
    pub checkin_interval_months: [u32; 3],
    /// Days between visits by risk tier: high, medium, low. Default 7 / 14 / 30 (local default,
    /// configurable).
    pub visit_interval_days: [u32; 3],
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            test_interval_months: [1, 2, 3],
            checkin_interval_days_first_half_year: 15,
            checkin_interval_months: [1, 2, 3],
            visit_interval_days: [7, 14, 30],
        }
    }
}

impl Schedule {
    /// Days between visits for `tier`.
    pub fn visit_interval(&self, tier: RiskTier) -> u32 {
        match tier {
            RiskTier::High => self.visit_interval_days[0],
            RiskTier::Medium => self.visit_interval_days[1],
            RiskTier::Low => self.visit_interval_days[2],
        }
    }
}

/// One due duty: its kind and the last day to do it (a duty done on its due date is on time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    /// Kind of duty.
    pub kind: ObligationKind,
    /// Last day to do it.
    pub due_date: NaiveDate,
}

/// Where a due date stands relative to today, for the worklist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DueBucket {
    /// Past its due date ([`is_overdue`]).
    Overdue,
    /// Due today.
    Today,
    /// Due within the next 7 days after today.
    ThisWeek,
    /// Later.
    Later,
}

impl DueBucket {
    /// Stable code: `overdue`, `today`, `this_week`, `later`.
    pub fn as_code(self) -> &'static str {
        match self {
            DueBucket::Overdue => "overdue",
            DueBucket::Today => "today",
            DueBucket::ThisWeek => "this_week",
            DueBucket::Later => "later",
        }
    }

    /// Chinese label.
    pub fn label_zh(self) -> &'static str {
        match self {
            DueBucket::Overdue => "已逾期",
            DueBucket::Today => "今日到期",
            DueBucket::ThisWeek => "7日内到期",
            DueBucket::Later => "以后",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            DueBucket::Overdue => "Overdue",
            DueBucket::Today => "Due today",
            DueBucket::ThisWeek => "Due within 7 days",
            DueBucket::Later => "Later",
        }
    }

    /// Label in `lang` (`"en"` English, anything else Chinese).
    pub fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_zh() }
    }
}

/// Whether a duty due on `due` is overdue on `today`: [`overdue_days`] > 0, i.e. from the day
/// after the due date (DOMAIN §11).
pub fn is_overdue(due: NaiveDate, today: NaiveDate) -> bool {
    overdue_days(due, today) > 0
}

/// Bucket of `due` on `today`: overdue, today, within the next 7 days, or later.
pub fn due_bucket(due: NaiveDate, today: NaiveDate) -> DueBucket {
    match overdue_days(due, today) {
        d if d > 0 => DueBucket::Overdue,
        0 => DueBucket::Today,
        d if d >= -7 => DueBucket::ThisWeek,
        _ => DueBucket::Later,
    }
}

/// The next duty of `kind` for a person under the measure `clock` (DOMAIN §3; intervals are a
/// local default, configurable). Returns `None` when no such duty applies:
/// - measure awaiting report: only [`ObligationKind::Report`], due on the report deadline
///   ([`MeasureClock::report_deadline`], a legal deadline per `cal`) [戒毒条例 §14, §38];
/// - measure suspended, ended, or compulsory isolation (the person is in a facility): none;
/// - active: `CheckIn` for community detox and rehabilitation; `DrugTest` for those and for
///   maintenance therapy (year-1 interval); `Visit` for every measure served in the community
///   (all kinds but compulsory isolation), by risk `tier`.
///
/// The anchor is `last_done` (if on or after the start) or the start date. The interval is chosen
/// by the [phase year](MeasureClock::phase_year) of the anchor; check-ins anchored in the first
/// six months after the start are every `checkin_interval_days_first_half_year` days. Duties
/// falling after the planned last day of the term are not due.
pub fn next_due(
    schedule: &Schedule,
    kind: ObligationKind,
    clock: &MeasureClock,
    tier: RiskTier,
    last_done: Option<NaiveDate>,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> Option<Due> {
    let status = clock.status(today);
    if status == MeasureStatus::AwaitingReport {
        return match kind {
            ObligationKind::Report => clock.report_deadline(cal).map(|due_date| Due { kind, due_date }),
            _ => None,
        };
    }
    if status != MeasureStatus::Active || clock.kind == MeasureKind::CompulsoryIsolation {
        return None;
    }
    let start = clock.start_date()?;
    let anchor = last_done.filter(|d| *d >= start).unwrap_or(start);
    let phase = usize::from(clock.phase_year(anchor).unwrap_or(1).clamp(1, 3)) - 1;
    let community = matches!(clock.kind, MeasureKind::CommunityDetox | MeasureKind::CommunityRehab);
    let due_date = match kind {
        // The transfer report is set by the transfer itself, not by the measure's schedule.
        ObligationKind::Report | ObligationKind::TransferReport => return None,
        ObligationKind::CheckIn if community => {
            if anchor < add_months(start, 6) {
                add_days(anchor, i64::from(schedule.checkin_interval_days_first_half_year))
            } else {
                add_months(anchor, schedule.checkin_interval_months[phase])
            }
        }
        ObligationKind::CheckIn => return None,
        ObligationKind::DrugTest if community => add_months(anchor, schedule.test_interval_months[phase]),
        ObligationKind::DrugTest if clock.kind == MeasureKind::MaintenanceTherapy => {
            add_months(anchor, schedule.test_interval_months[0])
        }
        ObligationKind::DrugTest => return None,
        ObligationKind::Visit => add_days(anchor, i64::from(schedule.visit_interval(tier))),
    };
    if clock.planned_last_day(today).is_some_and(|last| due_date > last) {
        return None;
    }
    Some(Due { kind, due_date })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::EndReason;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// Community detox decided 2024-02-20, reported 2024-03-01: year 1 runs to 2025-02-28,
    /// year 2 to 2026-02-28, year 3 to 2027-02-28.
    fn detox() -> MeasureClock {
        let mut c = MeasureClock::decide(MeasureKind::CommunityDetox, d(2024, 2, 20), d(2024, 2, 20)).unwrap();
        c.record_report(d(2024, 3, 1), d(2024, 3, 1)).unwrap();
        c
    }

    fn due(kind: ObligationKind, clock: &MeasureClock, last: Option<NaiveDate>, today: NaiveDate) -> Option<NaiveDate> {
        next_due(&Schedule::default(), kind, clock, RiskTier::Medium, last, today, &WorkCalendar::new())
            .map(|d| d.due_date)
    }

    #[test]
    fn tests_by_phase() {
        let c = detox();
        let t = ObligationKind::DrugTest;
        assert_eq!(due(t, &c, None, d(2024, 3, 2)), Some(d(2024, 4, 1)));
        assert_eq!(due(t, &c, Some(d(2024, 1, 31)), d(2024, 3, 2)), Some(d(2024, 4, 1)));
        assert_eq!(due(t, &c, Some(d(2025, 1, 31)), d(2025, 2, 2)), Some(d(2025, 2, 28)));
        assert_eq!(due(t, &c, Some(d(2025, 3, 10)), d(2025, 3, 11)), Some(d(2025, 5, 10)));
        assert_eq!(due(t, &c, Some(d(2026, 3, 10)), d(2026, 3, 11)), Some(d(2026, 6, 10)));
        // After the last day (2027-02-28) nothing more is due.
        assert_eq!(due(t, &c, Some(d(2027, 1, 10)), d(2027, 1, 11)), None);
    }

    #[test]
    fn checkins_first_half_year_then_monthly() {
        let c = detox();
        let k = ObligationKind::CheckIn;
        assert_eq!(due(k, &c, None, d(2024, 3, 2)), Some(d(2024, 3, 16)));
        assert_eq!(due(k, &c, Some(d(2024, 8, 31)), d(2024, 9, 1)), Some(d(2024, 9, 15)));
        // From 2024-09-01 (month 7) monthly.
        assert_eq!(due(k, &c, Some(d(2024, 9, 1)), d(2024, 9, 2)), Some(d(2024, 10, 1)));
        assert_eq!(due(k, &c, Some(d(2025, 4, 10)), d(2025, 4, 11)), Some(d(2025, 6, 10)));
        assert_eq!(due(k, &c, Some(d(2026, 4, 10)), d(2026, 4, 11)), Some(d(2026, 7, 10)));
    }

    #[test]
    fn visits_by_tier() {
        let c = detox();
        let s = Schedule::default();
        let cal = WorkCalendar::new();
        let v = |tier| next_due(&s, ObligationKind::Visit, &c, tier, Some(d(2024, 5, 1)), d(2024, 5, 2), &cal);
        assert_eq!(v(RiskTier::High).map(|x| x.due_date), Some(d(2024, 5, 8)));
        assert_eq!(v(RiskTier::Medium).map(|x| x.due_date), Some(d(2024, 5, 15)));
        assert_eq!(v(RiskTier::Low).map(|x| x.due_date), Some(d(2024, 5, 31)));
    }

    #[test]
    fn report_only_while_awaiting() {
        let c = MeasureClock::decide(MeasureKind::CommunityDetox, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        assert_eq!(due(ObligationKind::Report, &c, None, d(2024, 2, 22)), Some(d(2024, 3, 7)));
        assert_eq!(due(ObligationKind::DrugTest, &c, None, d(2024, 2, 22)), None);
        assert_eq!(due(ObligationKind::Visit, &c, None, d(2024, 2, 22)), None);
        assert_eq!(due(ObligationKind::Report, &detox(), None, d(2024, 3, 2)), None);
    }

    #[test]
    fn no_duties_when_suspended_ended_or_in_facility() {
        let mut c = detox();
        c.suspend(d(2024, 5, 1), d(2024, 5, 1)).unwrap();
        assert_eq!(due(ObligationKind::DrugTest, &c, None, d(2024, 5, 2)), None);
        assert_eq!(due(ObligationKind::CheckIn, &c, None, d(2024, 5, 2)), None);
        let mut e = detox();
        e.end(d(2024, 5, 1), EndReason::Imprisonment, d(2024, 5, 1)).unwrap();
        assert_eq!(due(ObligationKind::Visit, &e, None, d(2024, 5, 2)), None);
        let ci = MeasureClock::decide(MeasureKind::CompulsoryIsolation, d(2024, 2, 21), d(2024, 2, 21)).unwrap();
        for k in ObligationKind::ALL {
            assert_eq!(due(*k, &ci, None, d(2024, 3, 1)), None);
        }
    }

    #[test]
    fn maintenance_therapy_tests_monthly_no_checkins() {
        let m = MeasureClock::decide(MeasureKind::MaintenanceTherapy, d(2024, 1, 31), d(2024, 1, 31)).unwrap();
        assert_eq!(due(ObligationKind::DrugTest, &m, None, d(2024, 2, 1)), Some(d(2024, 2, 29)));
        assert_eq!(due(ObligationKind::DrugTest, &m, Some(d(2026, 5, 1)), d(2026, 5, 2)), Some(d(2026, 6, 1)));
        assert_eq!(due(ObligationKind::CheckIn, &m, None, d(2024, 2, 1)), None);
        assert_eq!(due(ObligationKind::Visit, &m, None, d(2024, 2, 1)), Some(d(2024, 2, 14)));
    }

    #[test]
    fn buckets() {
        let today = d(2024, 5, 10);
        assert!(is_overdue(d(2024, 5, 9), today));
        assert!(!is_overdue(today, today));
        assert_eq!(due_bucket(d(2024, 5, 9), today), DueBucket::Overdue);
        assert_eq!(due_bucket(today, today), DueBucket::Today);
        assert_eq!(due_bucket(d(2024, 5, 17), today), DueBucket::ThisWeek);
        assert_eq!(due_bucket(d(2024, 5, 18), today), DueBucket::Later);
    }
}
