//! The precursor figures of the 驾驶舱 (issue #21 item 7) and of evaluation: pure formulas over
//! counts the store gathers for a division and a period.
//!
//! - 流向闭环率 = matched sales / all sales in the period, in percent (sales: non-reversed
//!   `sale` movements with a registered counterparty; unmatched: those with an open `FLOW-S`
//!   finding). No sales: no value.
//! - 检查完成率 = inspections done / inspections due in the period, in percent, at most 100.
//! - A credential expires "within 3 months" when its last valid day lies after today and on or
//!   before today + 3 calendar months (MODULES P-06).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days;

/// The precursor counts of one division and period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrecursorCounts {
    /// Sales in the period (non-reversed, registered counterparty).
    pub sales: u64,
    /// Of those, the ones with an open FLOW-S finding.
    pub unmatched_sales: u64,
    /// Open mismatches now (open FLOW-S and FLOW-P findings).
    pub open_mismatches: u64,
    /// Enterprises whose inspection fell due in or before the period (not inspected before it).
    pub inspections_due: u64,
    /// Inspections recorded in the period.
    pub inspections_done: u64,
}

/// `part / whole` in percent; `None` when `whole` is 0.
pub fn percent(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

/// 流向闭环率: (sales − unmatched) / sales in percent; `None` without sales. 8 sales of which 2
/// unmatched → 75.0.
pub fn closure_rate(sales: u64, unmatched: u64) -> Option<f64> {
    percent(sales.saturating_sub(unmatched), sales)
}

/// 检查完成率: done / due in percent, at most 100; `None` when nothing was due.
pub fn inspection_rate(done: u64, due: u64) -> Option<f64> {
    percent(done.min(due), due)
}

/// A rate as shown: `75.00 %`; `—` without a value.
pub fn format_rate(v: Option<f64>) -> String {
    v.map_or_else(|| "—".to_string(), |v| format!("{v:.2} %"))
}

/// True when a credential valid to `valid_to` expires within 3 months of `today`: after today
/// and on or before today + 3 months.
pub fn expiring_within_3_months(valid_to: NaiveDate, today: NaiveDate) -> bool {
    valid_to >= today && valid_to <= days::add_months(today, 3)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn rates() {
        assert_eq!(closure_rate(8, 2), Some(75.0));
        assert_eq!(format_rate(closure_rate(8, 2)), "75.00 %");
        assert_eq!(closure_rate(3, 1).map(|v| format!("{v:.2}")), Some("66.67".into()));
        assert_eq!(closure_rate(0, 0), None);
        assert_eq!(format_rate(None), "—");
        assert_eq!(inspection_rate(3, 4), Some(75.0));
        assert_eq!(inspection_rate(5, 4), Some(100.0));
        assert_eq!(inspection_rate(0, 0), None);
    }

    #[test]
    fn expiring() {
        let today = d("2026-12-07");
        assert!(expiring_within_3_months(d("2026-12-07"), today));
        assert!(expiring_within_3_months(d("2027-03-07"), today));
        assert!(!expiring_within_3_months(d("2027-03-08"), today));
        assert!(!expiring_within_3_months(d("2026-12-06"), today));
    }
}
