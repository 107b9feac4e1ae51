//! 严重违反社区戒毒协议 serious breach of the community detox agreement [戒毒条例 §20]: any of
//! (1) evading or refusing tests 3 or more times, (2) leaving the county without permission 3 or
//! more times, (3) leaving without permission for more than 30 days in total. A serious breach must
//! be reported to the police promptly [戒毒条例 §21] and may lead to compulsory isolation [禁毒法 §38].
//!
//! The thresholds are the regulation's numbers, not local defaults. Days away are counted as
//! every other period in Jindu (DOMAIN §11): the day of leaving does not count, the day of return
//! does (left 2026-01-01, back 2026-01-31 = 30 days); an absence not yet ended counts up to today;
//! overlapping records of the same absence are counted once.

use crate::message::Message;
use chrono::NaiveDate;

/// Evading or refusing tests: this many times or more is a serious breach (戒毒条例 §20(一)).
pub const TEST_REFUSALS: u32 = 3;
/// Leaving the county without permission: this many times or more (戒毒条例 §20(二)).
pub const UNAUTHORISED_DEPARTURES: u32 = 3;
/// Days away without permission: more than this many in total (戒毒条例 §20(三)).
pub const ABSENCE_DAYS: i64 = 30;

/// One recorded piece of conduct that counts toward §20.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conduct {
    /// 逃避检测: did not come to a test (called and not found, or a scheduled test missed).
    TestEvaded,
    /// 拒绝检测: refused a test.
    TestRefused,
    /// 擅自离开: left the county without the approval 戒毒条例 §19 requires, on the record's day;
    /// `returned` is the day back (`None` while still away).
    UnauthorisedDeparture { returned: Option<NaiveDate> },
    /// 请假逾期未归: approved leave whose return day (the record's day) passed without the person
    /// back; the days after it are days away without permission (§20(三)) but not a departure
    /// (§20(二)). `returned` is the day back (`None` while still away).
    Overstay { returned: Option<NaiveDate> },
}

/// A conduct record: what, on which day, and the id of the event that records it (the evidence).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConductRecord<Id> {
    pub id: Id,
    pub on: NaiveDate,
    pub conduct: Conduct,
}

/// A ground of serious breach that is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Ground {
    /// §20(一): tests evaded or refused `count` times (≥ 3).
    TestRefusals { count: u32 },
    /// §20(二): left the county without permission `count` times (≥ 3).
    UnauthorisedDepartures { count: u32 },
    /// §20(三): `days` days away without permission in total (> 30).
    ProlongedAbsence { days: i64 },
}

impl Ground {
    /// The ground as a sentence citing the article (`msg.breach.*`).
    pub fn message(&self) -> Message {
        match self {
            Ground::TestRefusals { count } => Message::new("msg.breach.test_refusals").text("count", count),
            Ground::UnauthorisedDepartures { count } => {
                Message::new("msg.breach.unauthorised_departures").text("count", count)
            }
            Ground::ProlongedAbsence { days } => Message::new("msg.breach.prolonged_absence").text("days", days),
        }
    }
}

/// The §20 assessment of one community detox: the counts, the grounds met (empty = no serious
/// breach) and the evidence (ids of the records counted, in date order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreachAssessment<Id> {
    pub test_refusals: u32,
    pub departures: u32,
    /// Days away without permission in total, up to today.
    pub absence_days: i64,
    pub grounds: Vec<Ground>,
    pub evidence: Vec<Id>,
}

impl<Id> BreachAssessment<Id> {
    /// True when at least one ground of 戒毒条例 §20 is met.
    pub fn is_serious(&self) -> bool {
        !self.grounds.is_empty()
    }
}

/// Assesses the conduct recorded during a community detox that started on `since` (the report
/// day), as of `today`. Records before `since` or after `today` are ignored.
pub fn assess<Id: Copy>(records: &[ConductRecord<Id>], since: NaiveDate, today: NaiveDate) -> BreachAssessment<Id> {
    let mut in_term: Vec<&ConductRecord<Id>> = records.iter().filter(|r| r.on >= since && r.on <= today).collect();
    in_term.sort_by_key(|r| r.on);
    let test_refusals =
        in_term.iter().filter(|r| matches!(r.conduct, Conduct::TestEvaded | Conduct::TestRefused)).count() as u32;
    let departures =
        in_term.iter().filter(|r| matches!(r.conduct, Conduct::UnauthorisedDeparture { .. })).count() as u32;
    let mut away: Vec<(NaiveDate, NaiveDate)> = in_term
        .iter()
        .filter_map(|r| match r.conduct {
            Conduct::UnauthorisedDeparture { returned } | Conduct::Overstay { returned } => {
                Some((r.on, returned.unwrap_or(today).clamp(r.on, today)))
            }
            _ => None,
        })
        .collect();
    away.sort();
    // Merge overlapping absences; each contributes (back − left) days.
    let mut absence_days = 0i64;
    let mut current: Option<(NaiveDate, NaiveDate)> = None;
    for (left, back) in away {
        current = match current {
            Some((l, b)) if left <= b => Some((l, b.max(back))),
            Some((l, b)) => {
                absence_days += (b - l).num_days();
                Some((left, back))
            }
            None => Some((left, back)),
        };
    }
    if let Some((l, b)) = current {
        absence_days += (b - l).num_days();
    }
    let mut grounds = Vec::new();
    if test_refusals >= TEST_REFUSALS {
        grounds.push(Ground::TestRefusals { count: test_refusals });
    }
    if departures >= UNAUTHORISED_DEPARTURES {
        grounds.push(Ground::UnauthorisedDepartures { count: departures });
    }
    if absence_days > ABSENCE_DAYS {
        grounds.push(Ground::ProlongedAbsence { days: absence_days });
    }
    let evidence = if grounds.is_empty() { Vec::new() } else { in_term.iter().map(|r| r.id).collect() };
    BreachAssessment { test_refusals, departures, absence_days, grounds, evidence }
}

/// The first day on which a ground of §20 was met, as the records stand (`None` when none is
/// met by `today`). The counts only grow as the day moves on, so the day is found by halving
/// the range from `since` to `today`. E.g. departures on 07-01, 08-01 and 09-01 (each back the
/// same week): met on 09-01; one departure from 2026-09-01 not back: met on 2026-10-02 (31 days).
pub fn met_on<Id: Copy>(records: &[ConductRecord<Id>], since: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    if !assess(records, since, today).is_serious() {
        return None;
    }
    let (mut lo, mut hi) = (since, today);
    while lo < hi {
        let mid = lo + chrono::Days::new(((hi - lo).num_days() / 2) as u64);
        if assess(records, since, mid).is_serious() { hi = mid } else { lo = mid + chrono::Days::new(1) }
    }
    Some(lo)
}

#[cfg(test)]
mod overstay_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_days::d;

    /// Leave approved back by 2026-03-10, back 2026-03-31: 21 days without permission; plus a
    /// departure 2026-05-01 → 2026-05-11 (10 days): 31 days > 30 → §20(三); 1 departure only.
    #[test]
    fn overstay_counts_days_not_departures() {
        let recs = [
            ConductRecord {
                id: 1,
                on: d("2026-03-10"),
                conduct: Conduct::Overstay { returned: Some(d("2026-03-31")) },
            },
            ConductRecord {
                id: 2,
                on: d("2026-05-01"),
                conduct: Conduct::UnauthorisedDeparture { returned: Some(d("2026-05-11")) },
            },
        ];
        let a = assess(&recs, d("2026-01-01"), d("2026-06-01"));
        assert_eq!(a.departures, 1);
        assert_eq!(a.absence_days, 31);
        assert_eq!(a.grounds, vec![Ground::ProlongedAbsence { days: 31 }]);
        assert_eq!(a.evidence, vec![1, 2]);
        // Only the overstay, back after 30 days: exactly 30 is not "more than 30".
        let one = [ConductRecord {
            id: 1,
            on: d("2026-03-10"),
            conduct: Conduct::Overstay { returned: Some(d("2026-04-09")) },
        }];
        let a = assess(&one, d("2026-01-01"), d("2026-06-01"));
        assert_eq!((a.absence_days, a.is_serious()), (30, false));
        assert_eq!(met_on(&recs, d("2026-01-01"), d("2026-06-01")), Some(d("2026-05-11")));
        // Still away on 2026-04-10: 31 days counted up to today.
        let open = [ConductRecord { id: 1, on: d("2026-03-10"), conduct: Conduct::Overstay { returned: None } }];
        let a = assess(&open, d("2026-01-01"), d("2026-04-10"));
        assert_eq!((a.absence_days, a.is_serious()), (31, true));
        assert_eq!(met_on(&open, d("2026-01-01"), d("2026-04-10")), Some(d("2026-04-10")));
        assert_eq!(met_on(&open, d("2026-01-01"), d("2026-04-09")), None);
        // Three departures: met on the day of the third.
        let three: Vec<ConductRecord<u32>> = ["2026-07-01", "2026-08-01", "2026-09-01"]
            .iter()
            .enumerate()
            .map(|(i, on)| ConductRecord {
                id: i as u32,
                on: d(on),
                conduct: Conduct::UnauthorisedDeparture { returned: Some(d(on) + chrono::Days::new(2)) },
            })
            .collect();
        assert_eq!(met_on(&three, d("2026-06-01"), d("2026-11-29")), Some(d("2026-09-01")));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::message::testing;
    use crate::test_days::d;

    fn rec(id: u32, on: &str, conduct: Conduct) -> ConductRecord<u32> {
        ConductRecord { id, on: d(on), conduct }
    }

    const SINCE: &str = "2026-01-01";
    const TODAY: &str = "2026-11-29";

    #[test]
    fn the_third_refusal_triggers_and_the_second_does_not() {
        let two = [rec(1, "2026-02-01", Conduct::TestRefused), rec(2, "2026-03-01", Conduct::TestEvaded)];
        let a = assess(&two, d(SINCE), d(TODAY));
        assert_eq!((a.test_refusals, a.is_serious()), (2, false));
        assert!(a.evidence.is_empty());
        let three = [two[0], two[1], rec(3, "2026-04-01", Conduct::TestRefused)];
        let a = assess(&three, d(SINCE), d(TODAY));
        assert_eq!(a.grounds, vec![Ground::TestRefusals { count: 3 }]);
        assert_eq!(a.evidence, vec![1, 2, 3]);
        assert!(testing::zh(&a.grounds[0].message()).contains("3次"));
    }

    #[test]
    fn refusals_before_the_report_day_do_not_count() {
        let recs = [
            rec(1, "2025-12-31", Conduct::TestRefused),
            rec(2, "2026-03-01", Conduct::TestRefused),
            rec(3, "2026-04-01", Conduct::TestRefused),
        ];
        assert!(!assess(&recs, d(SINCE), d(TODAY)).is_serious());
    }

    #[test]
    fn thirty_one_days_away_trigger_and_thirty_do_not() {
        // Left 2026-05-01, back 2026-05-31: 30 days (the day of leaving does not count).
        let thirty = [rec(1, "2026-05-01", Conduct::UnauthorisedDeparture { returned: Some(d("2026-05-31")) })];
        let a = assess(&thirty, d(SINCE), d(TODAY));
        assert_eq!((a.absence_days, a.is_serious()), (30, false));
        let thirty_one = [rec(1, "2026-05-01", Conduct::UnauthorisedDeparture { returned: Some(d("2026-06-01")) })];
        let a = assess(&thirty_one, d(SINCE), d(TODAY));
        assert_eq!(a.grounds, vec![Ground::ProlongedAbsence { days: 31 }]);
    }

    #[test]
    fn absences_add_up_and_overlaps_count_once() {
        // 20 days (06-01 → 06-21) + 11 days (08-01 → 08-12) = 31; a second record of part of the
        // first absence (06-10 → 06-15) adds nothing — but it is a third departure.
        let recs = [
            rec(1, "2026-06-01", Conduct::UnauthorisedDeparture { returned: Some(d("2026-06-21")) }),
            rec(2, "2026-06-10", Conduct::UnauthorisedDeparture { returned: Some(d("2026-06-15")) }),
            rec(3, "2026-08-01", Conduct::UnauthorisedDeparture { returned: Some(d("2026-08-12")) }),
        ];
        let a = assess(&recs, d(SINCE), d(TODAY));
        assert_eq!(a.absence_days, 31);
        assert_eq!(a.grounds, vec![Ground::UnauthorisedDepartures { count: 3 }, Ground::ProlongedAbsence { days: 31 }]);
    }

    #[test]
    fn an_absence_not_yet_ended_counts_up_to_today() {
        // Left 2026-10-29, still away on 2026-11-29: 31 days.
        let recs = [rec(1, "2026-10-29", Conduct::UnauthorisedDeparture { returned: None })];
        assert_eq!(assess(&recs, d(SINCE), d(TODAY)).grounds, vec![Ground::ProlongedAbsence { days: 31 }]);
        assert_eq!(assess(&recs, d(SINCE), d("2026-11-28")).absence_days, 30);
    }

    #[test]
    fn two_departures_are_not_a_breach_but_the_third_is() {
        let back = |s: &str| Conduct::UnauthorisedDeparture { returned: Some(d(s)) };
        let two = [rec(1, "2026-02-01", back("2026-02-03")), rec(2, "2026-03-01", back("2026-03-02"))];
        let a = assess(&two, d(SINCE), d(TODAY));
        assert_eq!((a.departures, a.absence_days, a.is_serious()), (2, 3, false));
        let three = [two[0], two[1], rec(3, "2026-04-01", back("2026-04-01"))];
        assert_eq!(assess(&three, d(SINCE), d(TODAY)).grounds, vec![Ground::UnauthorisedDepartures { count: 3 }]);
    }
}
