//! Calendar months and reporting periods (月度, 季度, 年度) of the indicators.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A calendar month as the number `yyyymm` (e.g. `202610` for October 2026). Indicator cells
/// are kept per month; `Month(0)` is reserved for the running total of a stock figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Month(pub i32);

impl Month {
    /// The row that holds the running total of a stock figure (all months summed).
    pub const TOTAL: Month = Month(0);

    /// The month of a calendar day.
    pub fn of(day: NaiveDate) -> Month {
        Month(day.year() * 100 + day.month() as i32)
    }

    /// From year and month (1–12); `None` for a month out of range.
    pub fn new(year: i32, month: u32) -> Option<Month> {
        (1..=12).contains(&month).then_some(Month(year * 100 + month as i32))
    }

    /// The year.
    pub fn year(self) -> i32 {
        self.0 / 100
    }

    /// The month of the year, 1–12.
    pub fn month(self) -> u32 {
        (self.0 % 100) as u32
    }

    /// The month `n` months later (earlier when negative).
    pub fn plus(self, n: i32) -> Month {
        let idx = self.year() * 12 + self.month() as i32 - 1 + n;
        Month(idx.div_euclid(12) * 100 + idx.rem_euclid(12) + 1)
    }

    /// First day of the month.
    pub fn first_day(self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year(), self.month(), 1)
    }

    /// Last day of the month.
    pub fn last_day(self) -> Option<NaiveDate> {
        self.plus(1).first_day().and_then(|d| d.pred_opt())
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{:02}", self.year(), self.month())
    }
}

/// A reporting period: a month, a quarter or a year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    /// 月度, e.g. `2026-10`.
    Month(Month),
    /// 季度 (year, quarter 1–4), e.g. `2026-Q4`.
    Quarter(i32, u32),
    /// 年度, e.g. `2026`.
    Year(i32),
}

impl Period {
    /// Parses `2026-10` (month), `2026-Q4` or `2026Q4` (quarter), `2026` (year); full-width
    /// digits and surrounding spaces are allowed, and `2026年10月`, `2026年第4季度`, `2026年`.
    ///
    /// # Errors
    /// [`DomainError::InvalidPeriod`] for anything else (years 2000–2100).
    pub fn parse(input: &str) -> Result<Period, DomainError> {
        let bad = || DomainError::InvalidPeriod { field: "period", input: input.trim().chars().take(40).collect() };
        let s: String = input
            .trim()
            .chars()
            .map(crate::id_number::to_half_width)
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_uppercase()
            .replace("年第", "-Q")
            .replace("季度", "")
            .replace('年', "-")
            .replace('月', "");
        let s = s.trim_end_matches('-');
        let year = |y: &str| -> Result<i32, DomainError> {
            let y: i32 = y.parse().map_err(|_| bad())?;
            if (2000..=2100).contains(&y) { Ok(y) } else { Err(bad()) }
        };
        if let Some((y, q)) = s.split_once('Q') {
            let y = year(y.trim_end_matches('-'))?;
            let q: u32 = q.parse().map_err(|_| bad())?;
            return if (1..=4).contains(&q) { Ok(Period::Quarter(y, q)) } else { Err(bad()) };
        }
        if let Some((y, m)) = s.split_once('-') {
            let y = year(y)?;
            let m: u32 = m.parse().map_err(|_| bad())?;
            return Month::new(y, m).map(Period::Month).ok_or_else(bad);
        }
        Ok(Period::Year(year(s)?))
    }

    /// The period of the same kind that contains `day`.
    pub fn containing(kind: PeriodKind, day: NaiveDate) -> Period {
        match kind {
            PeriodKind::Month => Period::Month(Month::of(day)),
            PeriodKind::Quarter => Period::Quarter(day.year(), (day.month() - 1) / 3 + 1),
            PeriodKind::Year => Period::Year(day.year()),
        }
    }

    /// Its kind.
    pub fn kind(self) -> PeriodKind {
        match self {
            Period::Month(_) => PeriodKind::Month,
            Period::Quarter(..) => PeriodKind::Quarter,
            Period::Year(_) => PeriodKind::Year,
        }
    }

    /// First and last month, inclusive.
    pub fn months(self) -> (Month, Month) {
        match self {
            Period::Month(m) => (m, m),
            Period::Quarter(y, q) => (Month(y * 100 + (q as i32 - 1) * 3 + 1), Month(y * 100 + q as i32 * 3)),
            Period::Year(y) => (Month(y * 100 + 1), Month(y * 100 + 12)),
        }
    }

    /// The same period one year earlier (同期).
    pub fn year_before(self) -> Period {
        match self {
            Period::Month(m) => Period::Month(m.plus(-12)),
            Period::Quarter(y, q) => Period::Quarter(y - 1, q),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// The period before this one (上期), e.g. 2026-Q1 → 2025-Q4.
    pub fn previous(self) -> Period {
        match self {
            Period::Month(m) => Period::Month(m.plus(-1)),
            Period::Quarter(y, 1) => Period::Quarter(y - 1, 4),
            Period::Quarter(y, q) => Period::Quarter(y, q - 1),
            Period::Year(y) => Period::Year(y - 1),
        }
    }

    /// Machine form, the inverse of [`parse`](Self::parse): `2026-10`, `2026-Q4`, `2026`.
    pub fn code(self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Quarter(y, q) => format!("{y}-Q{q}"),
            Period::Year(y) => y.to_string(),
        }
    }

    /// Chinese label: `2026年10月`, `2026年第4季度`, `2026年`.
    pub fn label_zh(self) -> String {
        match self {
            Period::Month(m) => format!("{}年{}月", m.year(), m.month()),
            Period::Quarter(y, q) => format!("{y}年第{q}季度"),
            Period::Year(y) => format!("{y}年"),
        }
    }

    /// English label: `Oct 2026` style kept numeric: `2026-10`, `2026 Q4`, `2026`.
    pub fn label_en(self) -> String {
        match self {
            Period::Month(m) => m.to_string(),
            Period::Quarter(y, q) => format!("{y} Q{q}"),
            Period::Year(y) => y.to_string(),
        }
    }

    /// Label in `lang` (`"en"` English, anything else Chinese).
    pub fn label(self, lang: &str) -> String {
        if lang == "en" { self.label_en() } else { self.label_zh() }
    }

    /// The day its figures are taken to when the period is not over on `today` (its last day
    /// is today or later): `Some(today)`, shown as 截至12月6日 (a partial period, whose flows
    /// and rates are not comparable with whole ones); `None` for a complete period.
    pub fn as_of(self, today: NaiveDate) -> Option<NaiveDate> {
        let (_, last) = self.months();
        (last >= Month::of(today)).then_some(today)
    }

    /// Whether the period has begun on `today` (its first month is today's or earlier): a period
    /// that has not has no figures and is refused, never shown with today's (local rule).
    pub fn has_begun(self, today: NaiveDate) -> bool {
        self.months().0 <= Month::of(today)
    }

    /// The last complete month on `today` (the month before today's): the 驾驶舱 opens on it.
    pub fn last_complete_month(today: NaiveDate) -> Period {
        Period::Month(Month::of(today).plus(-1))
    }

    /// Its label with the partial mark when not over on `today`: `2026年12月（截至12月6日）`,
    /// `2026-12 (as of 6 Dec)`; the plain label otherwise.
    pub fn label_on(self, today: NaiveDate, lang: &str) -> String {
        match self.as_of(today) {
            Some(d) if lang == "en" => format!("{} ({})", self.label(lang), as_of_label(d, lang)),
            Some(d) => format!("{}（{}）", self.label(lang), as_of_label(d, lang)),
            None => self.label(lang),
        }
    }
}

/// The partial-period mark: `截至12月6日` / `as of 6 Dec` (the day included).
pub fn as_of_label(day: NaiveDate, lang: &str) -> String {
    if lang == "en" {
        format!("as of {}", day.format("%-d %b"))
    } else {
        format!("截至{}月{}日", day.month(), day.day())
    }
}

/// Kind of a reporting period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PeriodKind {
    /// 月度.
    Month,
    /// 季度.
    Quarter,
    /// 年度.
    Year,
}

#[cfg(test)]
mod tests {

    #![allow(clippy::unwrap_used)]
    use super::*;
    #[test]
    fn a_period_has_begun_from_its_first_day() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let today = day(2026, 11, 29);
        for (p, begun) in [
            ("2026-11", true),
            ("2026-12", false),
            ("2026-Q4", true),
            ("2027-Q1", false),
            ("2026", true),
            ("2027", false),
            ("2100", false),
        ] {
            assert_eq!(Period::parse(p).unwrap().has_begun(today), begun, "{p}");
        }
        assert!(Period::parse("2026-12").unwrap().has_begun(day(2026, 12, 1)));
    }

    #[test]
    fn months_add_across_years() {
        assert_eq!(Month(202611).plus(2), Month(202701));
        assert_eq!(Month(202601).plus(-1), Month(202512));
        assert_eq!(Month(202610).plus(-12), Month(202510));
        assert_eq!(Month(202602).last_day(), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(Month(202402).last_day(), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(Month::of(NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()), Month(202611));
    }

    #[test]
    fn periods_parse_in_every_written_form() {
        assert_eq!(Period::parse("2026-10").unwrap(), Period::Month(Month(202610)));
        assert_eq!(Period::parse(" ２０２６-10 ").unwrap(), Period::Month(Month(202610)));
        assert_eq!(Period::parse("2026年10月").unwrap(), Period::Month(Month(202610)));
        assert_eq!(Period::parse("2026-Q4").unwrap(), Period::Quarter(2026, 4));
        assert_eq!(Period::parse("2026q4").unwrap(), Period::Quarter(2026, 4));
        assert_eq!(Period::parse("2026年第4季度").unwrap(), Period::Quarter(2026, 4));
        assert_eq!(Period::parse("2026").unwrap(), Period::Year(2026));
        assert_eq!(Period::parse("2026年").unwrap(), Period::Year(2026));
        for bad in ["", "2026-13", "2026-Q5", "26-10", "abc", "2026-10-01", "1999"] {
            assert!(Period::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn periods_span_their_months_and_compare_with_last_year() {
        assert_eq!(Period::Quarter(2026, 4).months(), (Month(202610), Month(202612)));
        assert_eq!(Period::Year(2026).months(), (Month(202601), Month(202612)));
        assert_eq!(Period::Quarter(2026, 1).previous(), Period::Quarter(2025, 4));
        assert_eq!(Period::Month(Month(202601)).previous(), Period::Month(Month(202512)));
        assert_eq!(Period::Month(Month(202610)).year_before(), Period::Month(Month(202510)));
        let day = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(Period::containing(PeriodKind::Quarter, day), Period::Quarter(2026, 4));
        assert_eq!(Period::Quarter(2026, 4).code(), "2026-Q4");
        assert_eq!(Period::parse(&Period::Quarter(2026, 4).code()).unwrap(), Period::Quarter(2026, 4));
        assert_eq!(Period::Quarter(2026, 4).label_zh(), "2026年第4季度");
    }

    /// On 2026-12-06 December, Q4 and 2026 are partial; November is the last complete month.
    /// On 2026-11-29 (the tests' clock) November is partial and October complete.
    #[test]
    fn partial_periods_are_marked_as_of_today() {
        let dec6 = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        assert_eq!(Period::Month(Month(202612)).as_of(dec6), Some(dec6));
        assert_eq!(Period::Quarter(2026, 4).as_of(dec6), Some(dec6));
        assert_eq!(Period::Year(2026).as_of(dec6), Some(dec6));
        assert_eq!(Period::Month(Month(202611)).as_of(dec6), None);
        assert_eq!(Period::Year(2025).as_of(dec6), None);
        assert_eq!(Period::last_complete_month(dec6), Period::Month(Month(202611)));
        assert_eq!(Period::Month(Month(202612)).label_on(dec6, "zh-CN"), "2026年12月（截至12月6日）");
        assert_eq!(Period::Month(Month(202612)).label_on(dec6, "en"), "2026-12 (as of 6 Dec)");
        assert_eq!(Period::Month(Month(202611)).label_on(dec6, "zh-CN"), "2026年11月");
        let nov29 = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert_eq!(Period::last_complete_month(nov29), Period::Month(Month(202610)));
        assert_eq!(Period::Month(Month(202611)).label_on(nov29, "zh-CN"), "2026年11月（截至11月29日）");
        let jan3 = NaiveDate::from_ymd_opt(2027, 1, 3).unwrap();
        assert_eq!(Period::last_complete_month(jan3), Period::Month(Month(202612)));
    }
}
