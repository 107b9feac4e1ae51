//! The seller's filing of a sale with the police (销售备案, P-07): category 1 within 5 days of the
//! sale, categories 2 and 3 within 30 days [易制毒化学品管理条例 §19, MODULES §1.4]. Days are counted
//! per DOMAIN §11 ([`crate::days::legal_deadline`]): the day of the sale is not counted, and a
//! last day that is a rest day moves to the next working day (the rest-day extension is an
//! interpretation for this regime, **unconfirmed**, MODULES §1.3).

use chrono::NaiveDate;

use crate::days::{WorkCalendar, legal_deadline, overdue_days};

use super::catalogue::Category;

/// Days the seller has to file a sale with the police: 5 for category 1, 30 for 2 and 3
/// [条例 §19].
pub fn filing_days(category: Category) -> u32 {
    match category {
        Category::One => 5,
        Category::Two | Category::Three => 30,
    }
}

/// Last day to file a sale made on `sale_date` (P-07): `sale_date` + [`filing_days`], moved past
/// rest days of `cal` [条例 §19; DOMAIN §11]. E.g. a category-1 sale on 2026-09-28 with
/// 2026-10-01…07 entered as holidays: 09-28 + 5 = 10-03 (a holiday), so 10-08.
pub fn filing_deadline(sale_date: NaiveDate, category: Category, cal: &WorkCalendar) -> NaiveDate {
    legal_deadline(sale_date, filing_days(category), cal)
}

/// Where a sale's filing stands on `today`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilingState {
    /// Filed on or before the last day.
    OnTime {
        /// The day filed.
        filed_on: NaiveDate,
    },
    /// Filed after the last day, `days_late` days after it.
    Late {
        /// The day filed.
        filed_on: NaiveDate,
        /// Days after the last day (≥ 1).
        days_late: i64,
    },
    /// Not filed, and the last day has not passed (`days_left` ≥ 0, 0 on the last day).
    Open {
        /// Days to the last day.
        days_left: i64,
    },
    /// Not filed, and the last day has passed `days_over` days ago (≥ 1).
    Overdue {
        /// Days since the last day.
        days_over: i64,
    },
}

/// The state of the filing of a sale of `category` made on `sale_date`, filed on `filed_on`
/// (if it was), seen on `today`. Overdue begins at 00:00 after the last day (DOMAIN §11).
pub fn filing_state(
    sale_date: NaiveDate,
    category: Category,
    filed_on: Option<NaiveDate>,
    today: NaiveDate,
    cal: &WorkCalendar,
) -> FilingState {
    let last = filing_deadline(sale_date, category, cal);
    match filed_on {
        Some(f) if f <= last => FilingState::OnTime { filed_on: f },
        Some(f) => FilingState::Late { filed_on: f, days_late: overdue_days(last, f) },
        None if today <= last => FilingState::Open { days_left: -overdue_days(last, today) },
        None => FilingState::Overdue { days_over: overdue_days(last, today) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_days::d;

    fn national_day_2026() -> WorkCalendar {
        let mut cal = WorkCalendar::new();
        for day in 1..=7 {
            cal.add_holiday(NaiveDate::from_ymd_opt(2026, 10, day).unwrap_or(NaiveDate::MIN));
        }
        cal
    }

    #[test]
    fn category_one_sale_before_national_day() {
        // Issue #21: 2026-09-28 + 5 = 2026-10-03, a holiday (and a Saturday); 10-04…07 are
        // holidays too; 2026-10-08 is a Thursday: the last day [条例 §19; DOMAIN §11].
        let cal = national_day_2026();
        assert_eq!(filing_deadline(d("2026-09-28"), Category::One, &cal), d("2026-10-08"));
        // Without the holidays 10-03 is a Saturday, so Monday 10-05.
        assert_eq!(filing_deadline(d("2026-09-28"), Category::One, &WorkCalendar::new()), d("2026-10-05"));
        // 2026-09-24 (Thu) + 5 = 09-29 (Tue), a working day: unchanged.
        assert_eq!(filing_deadline(d("2026-09-24"), Category::One, &cal), d("2026-09-29"));
    }

    #[test]
    fn categories_two_and_three_have_thirty_days() {
        let cal = WorkCalendar::new();
        // 2026-03-02 + 30 = 2026-04-01, a Wednesday.
        assert_eq!(filing_deadline(d("2026-03-02"), Category::Two, &cal), d("2026-04-01"));
        assert_eq!(filing_deadline(d("2026-03-02"), Category::Three, &cal), d("2026-04-01"));
        // 2026-09-03 + 30 = 2026-10-03, in the holidays: 10-08.
        assert_eq!(filing_deadline(d("2026-09-03"), Category::Three, &national_day_2026()), d("2026-10-08"));
        assert_eq!((filing_days(Category::One), filing_days(Category::Two)), (5, 30));
    }

    #[test]
    fn states_on_both_sides_of_the_last_day() {
        let cal = national_day_2026();
        let sale = d("2026-09-28");
        let st = |filed, today| filing_state(sale, Category::One, filed, today, &cal);
        assert_eq!(st(Some(d("2026-10-08")), d("2026-12-01")), FilingState::OnTime { filed_on: d("2026-10-08") });
        assert_eq!(
            st(Some(d("2026-10-09")), d("2026-12-01")),
            FilingState::Late { filed_on: d("2026-10-09"), days_late: 1 }
        );
        assert_eq!(st(None, d("2026-10-08")), FilingState::Open { days_left: 0 });
        assert_eq!(st(None, d("2026-10-01")), FilingState::Open { days_left: 7 });
        assert_eq!(st(None, d("2026-10-10")), FilingState::Overdue { days_over: 2 });
    }
}
