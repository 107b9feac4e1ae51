//! Counting days (DOMAIN §11): one function for every date Jindu computes. All values are
//! calendar dates ([`NaiveDate`]); all counts are in days unless the name says months or years.
//! Nothing here panics: results saturate at chrono's date bounds.

use std::collections::BTreeSet;

use chrono::{Datelike, Days, Months, NaiveDate, Weekday};

/// `date` + `days` (negative goes back), saturating at [`NaiveDate::MIN`]/[`NaiveDate::MAX`].
pub fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let n = Days::new(days.unsigned_abs());
    if days >= 0 {
        date.checked_add_days(n).unwrap_or(NaiveDate::MAX)
    } else {
        date.checked_sub_days(n).unwrap_or(NaiveDate::MIN)
    }
}

/// Last day of a period of `days` days counted from `start` ("自…之日起N日内"): the start day is
/// not counted, so the last day is `start + days` and the period ends at 24:00 of it
/// [民法典 §201, §203]. E.g. 2024-02-21 + 15 → 2024-03-07. No rest-day shift: see
/// [`legal_deadline`].
pub fn period_last_day(start: NaiveDate, days: u32) -> NaiveDate {
    add_days(start, i64::from(days))
}

/// The same calendar date `years` later; 1 March when that date does not exist (29 February
/// in a common year) (DOMAIN §11). Saturates at [`NaiveDate::MAX`].
pub fn anniversary(start: NaiveDate, years: u32) -> NaiveDate {
    let Some(year) = i32::try_from(years).ok().and_then(|y| start.year().checked_add(y)) else {
        return NaiveDate::MAX;
    };
    NaiveDate::from_ymd_opt(year, start.month(), start.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
        .unwrap_or(NaiveDate::MAX)
}

/// Last day of a term of `years` years that counts its first day `start`, as decisions write it
/// ("自2023年5月6日起至2026年5月5日止"): the day before the same calendar date `years` later
/// (1 March when that date does not exist), then moved on by `suspended_days` days, one per
/// suspended (中止) day (DOMAIN §11; 禁毒法 §33, §47; 戒毒条例 §24). E.g. 2023-05-06 + 3 years →
/// 2026-05-05; 2024-02-29 + 3 years → 2027-02-28.
pub fn term_last_day(start: NaiveDate, years: u32, suspended_days: u32) -> NaiveDate {
    let last = add_days(anniversary(start, years), -1);
    add_days(last, i64::from(suspended_days))
}

/// Overdue days of a duty whose last day is `last_day`: `today − last_day` in days (DOMAIN §11).
/// Positive means overdue; 0 on the last day itself is not overdue (the period ends at 24:00 of
/// the last day [民法典 §203]); negative counts days left. The worklist, alerts and indicators all
/// call this function.
pub fn overdue_days(last_day: NaiveDate, today: NaiveDate) -> i64 {
    (today - last_day).num_days()
}

/// Age in full years (周岁) on `on`. A year of age is reached on the day *after* the birthday
/// [法释〔2006〕1号 §2]; the birthday of a person born on 29 February is 28 February in a common
/// year (DOMAIN §11). Decides 禁毒法 §39 (under 16). 0 when `on` is not after `birth`.
pub fn age_full_years(birth: NaiveDate, on: NaiveDate) -> u32 {
    if on <= birth {
        return 0;
    }
    let years = on.year() - birth.year();
    let birthday = NaiveDate::from_ymd_opt(on.year(), birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(on.year(), 2, 28))
        .unwrap_or(on);
    let full = if on > birthday { years } else { years - 1 };
    u32::try_from(full).unwrap_or(0)
}

/// `date` + `months` calendar months, clamped to the end of the month (2024-01-31 + 1 →
/// 2024-02-29). Used for office-scheduled duties (DOMAIN §3). Saturates at [`NaiveDate::MAX`].
pub fn add_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(Months::new(months)).unwrap_or(NaiveDate::MAX)
}

/// Working-day calendar (DOMAIN §11): Saturdays and Sundays are rest days unless entered as
/// make-up working days (调休); statutory holidays are rest days. Holidays and make-up days come
/// from the State Council's yearly notice and are entered or imported by the office.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCalendar {
    holidays: BTreeSet<NaiveDate>,
    makeup_workdays: BTreeSet<NaiveDate>,
}

impl WorkCalendar {
    /// A calendar with only weekends as rest days.
    pub fn new() -> WorkCalendar {
        WorkCalendar::default()
    }

    /// Adds a statutory holiday (rest day).
    pub fn with_holiday(mut self, d: NaiveDate) -> WorkCalendar {
        self.holidays.insert(d);
        self
    }

    /// Adds a make-up working day (调休), normally a Saturday or Sunday.
    pub fn with_makeup_workday(mut self, d: NaiveDate) -> WorkCalendar {
        self.makeup_workdays.insert(d);
        self
    }

    /// Adds a holiday in place.
    pub fn add_holiday(&mut self, d: NaiveDate) {
        self.holidays.insert(d);
    }

    /// Adds a make-up working day in place.
    pub fn add_makeup_workday(&mut self, d: NaiveDate) {
        self.makeup_workdays.insert(d);
    }

    /// The holidays entered.
    pub fn holidays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.holidays.iter().copied()
    }

    /// The make-up working days entered.
    pub fn makeup_workdays(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.makeup_workdays.iter().copied()
    }

    /// Whether `d` is a working day: a holiday is a rest day; a make-up day is a working day;
    /// otherwise Monday–Friday work and Saturday–Sunday rest.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.holidays.contains(&d) {
            return false;
        }
        if self.makeup_workdays.contains(&d) {
            return true;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// `d` if it is a working day, else the next working day [民法典 §203].
    pub fn next_working_day_on_or_after(&self, d: NaiveDate) -> NaiveDate {
        // A run of rest days is at most every holiday plus the weekends between them.
        let limit = self.holidays.len() * 3 + 10;
        let mut day = d;
        for _ in 0..limit {
            if self.is_working_day(day) {
                return day;
            }
            let next = add_days(day, 1);
            if next == day {
                break;
            }
            day = next;
        }
        day
    }
}

/// Last day of a legal deadline of `days` days from `start`: [`period_last_day`], moved to the
/// next working day of `cal` when it is a rest day [民法典 §203; 行政诉讼法 §83]. Used for the
/// 15-day report (戒毒条例 §14, §38) and the 7-day notices (戒毒条例 §23, §40). E.g. 2024-02-21
/// + 15 → 2024-03-07 (a Thursday).
pub fn legal_deadline(start: NaiveDate, days: u32, cal: &WorkCalendar) -> NaiveDate {
    cal.next_working_day_on_or_after(period_last_day(start, days))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn add_days_saturates() {
        assert_eq!(add_days(d(2024, 2, 28), 2), d(2024, 3, 1));
        assert_eq!(add_days(d(2024, 3, 1), -1), d(2024, 2, 29));
        assert_eq!(add_days(NaiveDate::MAX, 10), NaiveDate::MAX);
        assert_eq!(add_days(NaiveDate::MIN, -10), NaiveDate::MIN);
        assert_eq!(add_days(d(2024, 1, 1), i64::MIN), NaiveDate::MIN);
    }

    #[test]
    fn period_does_not_count_start_day() {
        assert_eq!(period_last_day(d(2024, 2, 21), 15), d(2024, 3, 7));
    }

    #[test]
    fn terms_of_years() {
        assert_eq!(term_last_day(d(2023, 5, 6), 3, 0), d(2026, 5, 5));
        assert_eq!(term_last_day(d(2024, 2, 29), 3, 0), d(2027, 2, 28));
        assert_eq!(term_last_day(d(2024, 2, 29), 4, 0), d(2028, 2, 28));
        assert_eq!(term_last_day(d(2023, 5, 6), 2, 10), d(2025, 5, 15));
        assert_eq!(term_last_day(d(2024, 3, 1), 1, 0), d(2025, 2, 28));
        assert_eq!(term_last_day(NaiveDate::MAX, 3, 5), NaiveDate::MAX);
    }

    #[test]
    fn overdue_starts_the_next_day() {
        assert_eq!(overdue_days(d(2024, 3, 7), d(2024, 3, 7)), 0);
        assert_eq!(overdue_days(d(2024, 3, 7), d(2024, 3, 8)), 1);
        assert_eq!(overdue_days(d(2024, 3, 7), d(2024, 3, 1)), -6);
    }

    #[test]
    fn age_is_reached_the_day_after_the_birthday() {
        assert_eq!(age_full_years(d(2010, 5, 6), d(2026, 5, 6)), 15);
        assert_eq!(age_full_years(d(2010, 5, 6), d(2026, 5, 7)), 16);
        assert_eq!(age_full_years(d(2008, 2, 29), d(2024, 2, 29)), 15);
        assert_eq!(age_full_years(d(2008, 2, 29), d(2024, 3, 1)), 16);
        assert_eq!(age_full_years(d(2008, 2, 29), d(2023, 2, 28)), 14);
        assert_eq!(age_full_years(d(2008, 2, 29), d(2023, 3, 1)), 15);
        assert_eq!(age_full_years(d(2010, 5, 6), d(2000, 1, 1)), 0);
    }

    #[test]
    fn months_clamp() {
        assert_eq!(add_months(d(2024, 1, 31), 1), d(2024, 2, 29));
        assert_eq!(add_months(d(2023, 1, 31), 1), d(2023, 2, 28));
        assert_eq!(add_months(d(2024, 3, 15), 12), d(2025, 3, 15));
        assert_eq!(add_months(NaiveDate::MAX, 1), NaiveDate::MAX);
    }

    #[test]
    fn legal_deadlines_move_past_rest_days() {
        let cal = WorkCalendar::new();
        // 2024-03-07 is a Thursday.
        assert_eq!(legal_deadline(d(2024, 2, 21), 15, &cal), d(2024, 3, 7));
        // 2024-02-24 + 15 = 2024-03-10, a Sunday; 2024-02-23 + 15 = 2024-03-09, a Saturday.
        assert_eq!(legal_deadline(d(2024, 2, 23), 15, &cal), d(2024, 3, 11));
        assert_eq!(legal_deadline(d(2024, 2, 24), 15, &cal), d(2024, 3, 11));
        let cal = WorkCalendar::new().with_holiday(d(2024, 3, 11));
        assert_eq!(legal_deadline(d(2024, 2, 23), 15, &cal), d(2024, 3, 12));
        let cal = WorkCalendar::new().with_makeup_workday(d(2024, 3, 9));
        assert!(cal.is_working_day(d(2024, 3, 9)));
        assert_eq!(legal_deadline(d(2024, 2, 23), 15, &cal), d(2024, 3, 9));
        // 2024 National Day: 1–7 October rest; the deadline lands on the 8th.
        let mut cal = WorkCalendar::new();
        for day in 1..=7 {
            cal.add_holiday(d(2024, 10, day));
        }
        assert_eq!(legal_deadline(d(2024, 9, 16), 15, &cal), d(2024, 10, 8));
        assert_eq!(cal.holidays().count(), 7);
    }
}
