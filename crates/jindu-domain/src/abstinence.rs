//! 戒断三年未复吸 three years off drugs: a person who has stayed off drugs for 3 years leaves dynamic
//! control [戒毒条例 §7]. Jindu computes the anchor — the later of the last positive test, the last
//! recorded use and the end of the last measure (DOMAIN §1) — and the day the person qualifies, and
//! lists candidates for the office to confirm.
//!
//! Counting (DOMAIN §11, 民法典 §201/§203): the 3 years run from the anchor, the anchor day itself
//! not counted, and end at 24:00 of the same calendar date 3 years later (1 March for a 29 February
//! anchor in a common year). The person qualifies the day after: anchor 2023-05-06 → qualifies
//! 2026-05-07.

use chrono::NaiveDate;

use crate::days::{add_days, anniversary};

/// Years off drugs before leaving dynamic control [戒毒条例 §7].
pub const YEARS: u32 = 3;

/// What the anchor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnchorKind {
    /// 末次阳性检测
    LastPositiveTest,
    /// 末次吸毒记录 (relapse or use recorded)
    LastRecordedUse,
    /// 末次戒毒措施结束
    LastMeasureEnded,
}

impl AnchorKind {
    /// The kind in Chinese, for the candidates list.
    pub fn label_zh(self) -> &'static str {
        match self {
            AnchorKind::LastPositiveTest => "末次阳性检测",
            AnchorKind::LastRecordedUse => "末次吸毒记录",
            AnchorKind::LastMeasureEnded => "末次戒毒措施结束",
        }
    }
}

/// The anchor date, what it is, and the first day the person qualifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Abstinence {
    pub anchor: NaiveDate,
    pub kind: AnchorKind,
    /// First day on which 3 full years have passed since the anchor.
    pub qualifies_on: NaiveDate,
}

impl Abstinence {
    /// True when the person qualifies on `today`.
    pub fn qualifies(&self, today: NaiveDate) -> bool {
        today >= self.qualifies_on
    }
}

/// The anchor from the three dates (any may be unknown); `None` when none is known (the person
/// cannot be assessed: nothing says when they last used). On a tie the earlier-listed kind is
/// named (positive test, then recorded use, then measure end). A measure still running has no
/// end date and gives `None` for its part; callers pass `None` for "still under a measure" only
/// after checking there is none open.
pub fn anchor(
    last_positive_test: Option<NaiveDate>,
    last_recorded_use: Option<NaiveDate>,
    last_measure_ended: Option<NaiveDate>,
) -> Option<Abstinence> {
    let mut best: Option<(NaiveDate, AnchorKind)> = None;
    for (date, kind) in [
        (last_positive_test, AnchorKind::LastPositiveTest),
        (last_recorded_use, AnchorKind::LastRecordedUse),
        (last_measure_ended, AnchorKind::LastMeasureEnded),
    ] {
        if let Some(d) = date
            && best.is_none_or(|(b, _)| d > b)
        {
            best = Some((d, kind));
        }
    }
    best.map(|(anchor, kind)| Abstinence { anchor, kind, qualifies_on: add_days(anniversary(anchor, YEARS), 1) })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn d(s: &str) -> Option<NaiveDate> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
    }

    #[test]
    fn the_anchor_is_the_latest_of_three_histories() {
        // A positive test after the measure ended: the test anchors.
        let a = anchor(d("2023-05-06"), d("2022-01-10"), d("2023-01-31")).unwrap();
        assert_eq!(
            (a.anchor, a.kind, a.qualifies_on),
            (d("2023-05-06").unwrap(), AnchorKind::LastPositiveTest, d("2026-05-07").unwrap())
        );
        assert!(!a.qualifies(d("2026-05-06").unwrap()));
        assert!(a.qualifies(d("2026-05-07").unwrap()));
        // A relapse recorded without a test, later than everything else.
        let b = anchor(d("2021-03-01"), d("2023-08-15"), d("2022-12-31")).unwrap();
        assert_eq!((b.kind, b.qualifies_on), (AnchorKind::LastRecordedUse, d("2026-08-16").unwrap()));
        // Clean tests throughout a 3-year community detox that ended 2024-02-28: the end anchors.
        let c = anchor(None, d("2021-02-20"), d("2024-02-28")).unwrap();
        assert_eq!((c.kind, c.qualifies_on), (AnchorKind::LastMeasureEnded, d("2027-03-01").unwrap()));
    }

    #[test]
    fn a_29_february_anchor_qualifies_on_2_march() {
        // 2024-02-29 + 3 years → 1 March 2027 (no 29 February), the period ends there; qualifies 2 March.
        let a = anchor(d("2024-02-29"), None, None).unwrap();
        assert_eq!(a.qualifies_on, d("2027-03-02").unwrap());
    }

    #[test]
    fn nothing_known_means_no_anchor_and_ties_name_the_test() {
        assert_eq!(anchor(None, None, None), None);
        assert_eq!(anchor(d("2023-01-01"), d("2023-01-01"), None).unwrap().kind, AnchorKind::LastPositiveTest);
    }
}
