//! Indicator cells (统计单元): the counts every indicator is computed from, kept per division
//! and month. A person's record contributes a set of cells ([`Contribution`]); the store keeps,
//! for every division and its ancestors, the sum of the contributions, and adjusts it by the
//! difference between a person's old and new contribution in the transaction of every write.
//!
//! Two kinds of cell:
//! - **stock** (存量, e.g. persons lost): the record holds `+1` in the month a state began and
//!   `−1` in the month it ended; the figure at the end of month M is the sum over months ≤ M.
//!   The store also keeps the running total in [`Month::TOTAL`], so the current figure is one
//!   row and a past month is the total minus the few months after it;
//! - **flow** (流量, e.g. tests done): a count in the month it happened; a period sums its months.

use std::collections::BTreeMap;

use crate::error::DomainError;
use crate::kinds::{ControlStatus, Substance};

use super::period::Month;

/// What a cell counts. Codes are stored; never renumber them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellKey {
    /// Stock: persons whose control status is this one (在控/失控/羁押/出境/死亡/戒断三年/解除).
    Status(ControlStatus),
    /// Stock: community detox and rehabilitation measures in force (decided, not ended) (应执行).
    CommunityOrdered,
    /// Stock: of those, the ones the person has reported to (executing, 已执行).
    CommunityExecuting,
    /// Flow: persons first found using drugs in the month (新发现), by first-found date.
    NewlyFound,
    /// Flow: relapses recorded (复吸人次).
    Relapse,
    /// Flow: community detox and rehabilitation decisions (报到率 denominator), by decision date.
    CommunityDecided,
    /// Flow: of those decisions, reported on or before the report deadline, by decision date.
    ReportedInTime,
    /// Flow: drug tests taken (result positive or negative; refusals are not tests).
    TestsDone,
    /// Flow: positive tests.
    TestsPositive,
    /// Flow: test duties falling due in the month (应检测), by due date.
    TestsDue,
    /// Flow: of those, met on or before the due date (按时检测).
    TestsDueMet,
    /// Flow: visits made (走访).
    VisitsDone,
    /// Flow: visit duties falling due in the month, by due date.
    VisitsDue,
    /// Flow: of those, met on or before the due date.
    VisitsDueMet,
    /// Stock: towns and streets (乡镇街道) in the division list.
    Towns,
    /// Stock: towns with at least one workstation (已建工作站).
    TownsWithWorkstation,
    /// Stock: social-worker accounts (禁毒社工).
    SocialWorkers,
    /// Flow (police monthly form): drug cases solved (破获毒品刑事案件, cases).
    CasesSolved,
    /// Flow (police monthly form): suspects arrested (抓获犯罪嫌疑人, persons).
    SuspectsArrested,
    /// Flow (police monthly form): persons dealt with for drug use (查处吸毒人员, persons).
    UsersDealtWith,
    /// Flow (police monthly form): drugs seized (缴获毒品) of one kind, in **milligrams** (the
    /// form takes grams with up to three decimals).
    Seized(Substance),
}

/// Every control status, in the order stock cells are listed.
const STATUSES: [ControlStatus; 7] = [
    ControlStatus::UnderControl,
    ControlStatus::LostContact,
    ControlStatus::InCustody,
    ControlStatus::Abroad,
    ControlStatus::Deceased,
    ControlStatus::Abstinent3y,
    ControlStatus::Released,
];

/// Every drug kind a seizure is reported by.
pub const SEIZURE_KINDS: [Substance; 8] = [
    Substance::Methamphetamine,
    Substance::Heroin,
    Substance::Ketamine,
    Substance::Mdma,
    Substance::Cannabis,
    Substance::Cocaine,
    Substance::Morphine,
    Substance::Other,
];

impl CellKey {
    /// Whether the cell is a stock (summed over all months up to a day) rather than a flow.
    pub fn is_stock(self) -> bool {
        matches!(
            self,
            CellKey::Status(_)
                | CellKey::CommunityOrdered
                | CellKey::CommunityExecuting
                | CellKey::Towns
                | CellKey::TownsWithWorkstation
                | CellKey::SocialWorkers
        )
    }

    /// Stable storage code, e.g. `st.lost_contact`, `tests_done`, `seized.heroin`.
    pub fn code(self) -> String {
        match self {
            CellKey::Status(s) => format!("st.{}", s.as_code()),
            CellKey::Seized(s) => format!("seized.{}", s.as_code()),
            other => other.simple_code().to_string(),
        }
    }

    fn simple_code(self) -> &'static str {
        match self {
            CellKey::CommunityOrdered => "cm_ordered",
            CellKey::CommunityExecuting => "cm_executing",
            CellKey::NewlyFound => "newly_found",
            CellKey::Relapse => "relapse",
            CellKey::CommunityDecided => "cm_decided",
            CellKey::ReportedInTime => "reported_in_time",
            CellKey::TestsDone => "tests_done",
            CellKey::TestsPositive => "tests_positive",
            CellKey::TestsDue => "tests_due",
            CellKey::TestsDueMet => "tests_due_met",
            CellKey::VisitsDone => "visits_done",
            CellKey::VisitsDue => "visits_due",
            CellKey::VisitsDueMet => "visits_due_met",
            CellKey::Towns => "towns",
            CellKey::TownsWithWorkstation => "towns_ws",
            CellKey::SocialWorkers => "social_workers",
            CellKey::CasesSolved => "cases_solved",
            CellKey::SuspectsArrested => "suspects_arrested",
            CellKey::UsersDealtWith => "users_dealt",
            CellKey::Status(_) | CellKey::Seized(_) => "",
        }
    }

    /// Every key, statuses and seizure kinds included.
    pub fn all() -> Vec<CellKey> {
        let mut v: Vec<CellKey> = STATUSES.iter().map(|s| CellKey::Status(*s)).collect();
        v.extend([
            CellKey::CommunityOrdered,
            CellKey::CommunityExecuting,
            CellKey::NewlyFound,
            CellKey::Relapse,
            CellKey::CommunityDecided,
            CellKey::ReportedInTime,
            CellKey::TestsDone,
            CellKey::TestsPositive,
            CellKey::TestsDue,
            CellKey::TestsDueMet,
            CellKey::VisitsDone,
            CellKey::VisitsDue,
            CellKey::VisitsDueMet,
            CellKey::Towns,
            CellKey::TownsWithWorkstation,
            CellKey::SocialWorkers,
            CellKey::CasesSolved,
            CellKey::SuspectsArrested,
            CellKey::UsersDealtWith,
        ]);
        v.extend(SEIZURE_KINDS.iter().map(|s| CellKey::Seized(*s)));
        v
    }

    /// Parses a code from [`code`](Self::code); `None` if unknown.
    pub fn from_code(code: &str) -> Option<CellKey> {
        if let Some(s) = code.strip_prefix("st.") {
            return ControlStatus::from_code(s).map(CellKey::Status);
        }
        if let Some(s) = code.strip_prefix("seized.") {
            return Substance::from_code(s).map(CellKey::Seized);
        }
        CellKey::all()
            .into_iter()
            .find(|k| !matches!(k, CellKey::Status(_) | CellKey::Seized(_)) && k.simple_code() == code)
    }
}

/// A set of cells with their values: what one person's record (or one police form) adds to the
/// figures of its division. Zero values are dropped, so two contributions are equal exactly when
/// they add the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contribution {
    cells: BTreeMap<(CellKey, Month), i64>,
}

impl Contribution {
    /// Empty.
    pub fn new() -> Contribution {
        Contribution::default()
    }

    /// Adds `value` to the cell (`key`, `month`).
    pub fn add(&mut self, key: CellKey, month: Month, value: i64) {
        if value == 0 {
            return;
        }
        let v = self.cells.entry((key, month)).or_insert(0);
        *v += value;
        if *v == 0 {
            self.cells.remove(&(key, month));
        }
    }

    /// The cells with non-zero values, in key and month order.
    pub fn iter(&self) -> impl Iterator<Item = (CellKey, Month, i64)> + '_ {
        self.cells.iter().map(|((k, m), v)| (*k, *m, *v))
    }

    /// Number of non-zero cells.
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// Whether it adds nothing.
    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }

    /// Value of one cell (0 when absent).
    pub fn get(&self, key: CellKey, month: Month) -> i64 {
        self.cells.get(&(key, month)).copied().unwrap_or(0)
    }

    /// `self − old`: what must be added to the figures to replace `old` by `self`.
    pub fn minus(&self, old: &Contribution) -> Contribution {
        let mut d = self.clone();
        for (k, m, v) in old.iter() {
            d.add(k, m, -v);
        }
        d
    }

    /// Sum of a flow cell over months `from..=to`, or of a stock cell over all months `≤ to`.
    pub fn value(&self, key: CellKey, from: Month, to: Month) -> i64 {
        self.iter().filter(|(k, m, _)| *k == key && *m <= to && (key.is_stock() || *m >= from)).map(|(_, _, v)| v).sum()
    }

    /// Compact text form kept with the person, `code@yyyymm=value` joined by `;`, e.g.
    /// `st.under_control@202403=1;tests_done@202404=2`.
    pub fn encode(&self) -> String {
        let mut s = String::with_capacity(self.cells.len() * 24);
        for (i, (k, m, v)) in self.iter().enumerate() {
            if i > 0 {
                s.push(';');
            }
            s.push_str(&k.code());
            s.push('@');
            s.push_str(&m.0.to_string());
            s.push('=');
            s.push_str(&v.to_string());
        }
        s
    }

    /// Parses [`encode`](Self::encode)'s form.
    ///
    /// # Errors
    /// [`DomainError::InvalidChoice`] (field `indicator`) naming the first malformed part.
    pub fn decode(text: &str) -> Result<Contribution, DomainError> {
        let mut c = Contribution::new();
        for part in text.split(';').filter(|p| !p.is_empty()) {
            let bad = || DomainError::InvalidChoice { field: "indicator", input: part.chars().take(40).collect() };
            let (key, rest) = part.split_once('@').ok_or_else(bad)?;
            let (month, value) = rest.split_once('=').ok_or_else(bad)?;
            let key = CellKey::from_code(key).ok_or_else(bad)?;
            let month: i32 = month.parse().map_err(|_| bad())?;
            let value: i64 = value.parse().map_err(|_| bad())?;
            c.add(key, Month(month), value);
        }
        Ok(c)
    }
}

/// 属地 Splits a person's contribution among the towns (or communities: any division codes) that
/// held them, so that a town's past figures stay with the town that did the work when the person
/// moves on (a transfer of the place of execution, 戒毒条例 §22, or a corrected division). The
/// store splits by community and sums the parts per town. `first` held the person until the first
/// move; each move `(month, town)` hands the person to `town` from that month on (the moves in
/// month order; a later move in the same month wins).
///
/// The rule: **a month belongs to the town that holds the person at its end** — the same instant
/// the 驾驶舱 counts 在册 at. A flow cell (tests done, visits, duties due…) goes to the town of its
/// month; a stock cell (status, measures under execution) is that town's for the months it held
/// the person: the receiving town gets the value the person brings (`+stock` in the move's
/// month), and the town left behind closes it (`−stock` there), so its earlier months keep their
/// value. The parts sum to `c` cell by cell. Towns with nothing left are omitted; with no move the
/// whole contribution is `first`'s.
pub fn split_by_town(c: &Contribution, first: &str, moves: &[(Month, String)]) -> BTreeMap<String, Contribution> {
    // Segments: (town, from month inclusive or None = always, to month exclusive or None).
    let mut segments: Vec<(&str, Option<Month>, Option<Month>)> = Vec::new();
    let mut town = first;
    let mut from: Option<Month> = None;
    for (m, to) in moves {
        if from.is_some_and(|f| *m <= f) {
            // Two moves in one month: the later one holds the month.
            town = to;
            continue;
        }
        if to != town {
            segments.push((town, from, Some(*m)));
            town = to;
            from = Some(*m);
        }
    }
    segments.push((town, from, None));
    let mut parts: BTreeMap<String, Contribution> = BTreeMap::new();
    if segments.len() == 1 {
        if !c.is_empty() {
            parts.insert(town.to_string(), c.clone());
        }
        return parts;
    }
    for (seg_town, a, b) in &segments {
        let part = parts.entry((*seg_town).to_string()).or_default();
        let inside = |m: Month| a.is_none_or(|a| m >= a) && b.is_none_or(|b| m < b);
        for (k, m, v) in c.iter() {
            if !k.is_stock() {
                if inside(m) {
                    part.add(k, m, v);
                }
                continue;
            }
            // Stock: the deltas strictly inside the segment, the value brought in at its start,
            // and the value handed on at its end.
            match a {
                Some(a) if m <= *a => part.add(k, *a, v),
                _ if inside(m) => part.add(k, m, v),
                _ => {}
            }
            if let Some(b) = b
                && m < *b
            {
                part.add(k, *b, -v);
            }
        }
    }
    parts.retain(|_, p| !p.is_empty());
    parts
}

/// The kept form of a split contribution: [`Contribution::encode`] alone when `current` holds all
/// of it (every person who never moved), else one `town\tcells` line per town.
pub fn encode_parts(parts: &BTreeMap<String, Contribution>, current: &str) -> String {
    match parts.len() {
        0 => String::new(),
        1 if parts.contains_key(current) => parts.values().next().map(Contribution::encode).unwrap_or_default(),
        _ => parts.iter().map(|(t, c)| format!("{t}\t{}", c.encode())).collect::<Vec<_>>().join("\n"),
    }
}

/// Parses [`encode_parts`]' form; a plain encoding is all `current`'s.
///
/// # Errors
/// As [`Contribution::decode`].
pub fn decode_parts(text: &str, current: &str) -> Result<BTreeMap<String, Contribution>, DomainError> {
    let mut parts = BTreeMap::new();
    if !text.contains('\t') {
        let c = Contribution::decode(text)?;
        if !c.is_empty() {
            parts.insert(current.to_string(), c);
        }
        return Ok(parts);
    }
    for line in text.lines().filter(|l| !l.is_empty()) {
        let (town, cells) = line
            .split_once('\t')
            .ok_or_else(|| DomainError::InvalidChoice { field: "indicator", input: line.chars().take(40).collect() })?;
        parts.insert(town.to_string(), Contribution::decode(cells)?);
    }
    Ok(parts)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_key_round_trips_through_its_code() {
        let all = CellKey::all();
        assert_eq!(all.len(), 7 + 19 + 8);
        for k in all {
            assert_eq!(CellKey::from_code(&k.code()), Some(k), "{}", k.code());
        }
        assert_eq!(CellKey::from_code("st.nobody"), None);
        assert_eq!(CellKey::from_code(""), None);
    }

    /// A person registered in March 2026 at A (under control), lost in July, moved to B in
    /// September (accepted on the 20th), found again in October; tests in April (A), September
    /// and October: A keeps March–August as they were, B holds September on.
    #[test]
    fn a_move_leaves_past_months_with_the_town_that_held_them() {
        let (uc, lost) = (CellKey::Status(ControlStatus::UnderControl), CellKey::Status(ControlStatus::LostContact));
        let mut c = Contribution::new();
        c.add(uc, Month(202603), 1);
        c.add(uc, Month(202607), -1);
        c.add(lost, Month(202607), 1);
        c.add(lost, Month(202610), -1);
        c.add(uc, Month(202610), 1);
        c.add(CellKey::TestsDone, Month(202604), 1);
        c.add(CellKey::TestsDone, Month(202609), 2);
        c.add(CellKey::TestsDone, Month(202610), 1);
        let parts = split_by_town(&c, "A", &[(Month(202609), "B".into())]);
        let (a, b) = (&parts["A"], &parts["B"]);
        // A: under control March–June, lost July–August, nothing from September.
        for (m, u, l) in
            [(202603, 1, 0), (202606, 1, 0), (202607, 0, 1), (202608, 0, 1), (202609, 0, 0), (202612, 0, 0)]
        {
            assert_eq!((a.value(uc, Month(0), Month(m)), a.value(lost, Month(0), Month(m))), (u, l), "A {m}");
        }
        // B: lost in September, under control from October; nothing before.
        for (m, u, l) in [(202608, 0, 0), (202609, 0, 1), (202610, 1, 0), (202612, 1, 0)] {
            assert_eq!((b.value(uc, Month(0), Month(m)), b.value(lost, Month(0), Month(m))), (u, l), "B {m}");
        }
        assert_eq!(a.value(CellKey::TestsDone, Month(202601), Month(202612)), 1);
        assert_eq!(b.value(CellKey::TestsDone, Month(202601), Month(202612)), 3);
        // The parts add up to the whole, cell by cell.
        let mut sum = Contribution::new();
        for p in parts.values() {
            for (k, m, v) in p.iter() {
                sum.add(k, m, v);
            }
        }
        assert_eq!(sum, c);
        // Kept and read back; a person who never moved keeps the plain form.
        let text = encode_parts(&parts, "B");
        assert!(text.contains('\t'));
        assert_eq!(decode_parts(&text, "B").unwrap(), parts);
        let alone = split_by_town(&c, "A", &[]);
        assert_eq!(encode_parts(&alone, "A"), c.encode());
        assert_eq!(decode_parts(&c.encode(), "A").unwrap(), alone);
        assert!(decode_parts("", "A").unwrap().is_empty());
    }

    /// There and back again, two moves in one month, a move to the same town, a move before
    /// any cell: every shape of timeline keeps the sum and gives each month to its holder.
    #[test]
    fn every_timeline_shape_keeps_the_sum() {
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let mut c = Contribution::new();
        c.add(uc, Month(202601), 1);
        c.add(CellKey::VisitsDone, Month(202602), 1);
        c.add(CellKey::VisitsDone, Month(202605), 1);
        c.add(CellKey::VisitsDone, Month(202608), 1);
        // (moves, expected (town, month, under-control value at the month's end)).
        type Case<'a> = (Vec<(Month, String)>, Vec<(&'a str, i32, i64)>);
        let cases: Vec<Case> = vec![
            // A → B in April → A in July: A holds Jan–Mar and Jul–, B Apr–Jun.
            (
                vec![(Month(202604), "B".into()), (Month(202607), "A".into())],
                vec![
                    ("A", 202603, 1),
                    ("A", 202605, 0),
                    ("A", 202607, 1),
                    ("B", 202603, 0),
                    ("B", 202606, 1),
                    ("B", 202607, 0),
                ],
            ),
            // Two moves in April: C holds April on.
            (
                vec![(Month(202604), "B".into()), (Month(202604), "C".into())],
                vec![("A", 202603, 1), ("A", 202604, 0), ("C", 202604, 1)],
            ),
            // A "move" to the same town changes nothing.
            (vec![(Month(202604), "A".into())], vec![("A", 202612, 1)]),
            // Moved before the first cell: all of it is the new town's.
            (vec![(Month(202512), "B".into())], vec![("B", 202601, 1), ("B", 202612, 1)]),
        ];
        for (moves, expect) in cases {
            let parts = split_by_town(&c, "A", &moves);
            let mut sum = Contribution::new();
            for p in parts.values() {
                for (k, m, v) in p.iter() {
                    sum.add(k, m, v);
                }
            }
            assert_eq!(sum, c, "{moves:?}");
            for (town, m, v) in expect {
                let got = parts.get(town).map_or(0, |p| p.value(uc, Month(0), Month(m)));
                assert_eq!(got, v, "{moves:?}: {town} {m}");
            }
        }
        // Visits follow the month's holder: A → B in April → A in July.
        let parts = split_by_town(&c, "A", &[(Month(202604), "B".into()), (Month(202607), "A".into())]);
        assert_eq!(parts["A"].value(CellKey::VisitsDone, Month(202601), Month(202612)), 2);
        assert_eq!(parts["B"].value(CellKey::VisitsDone, Month(202601), Month(202612)), 1);
    }

    #[test]
    fn contributions_encode_subtract_and_sum() {
        let lost = CellKey::Status(ControlStatus::LostContact);
        let mut old = Contribution::new();
        old.add(CellKey::Status(ControlStatus::UnderControl), Month(202403), 1);
        old.add(CellKey::TestsDone, Month(202404), 2);
        let mut new = old.clone();
        new.add(CellKey::Status(ControlStatus::UnderControl), Month(202610), -1);
        new.add(lost, Month(202610), 1);
        new.add(CellKey::TestsDone, Month(202404), -2);
        let d = new.minus(&old);
        assert_eq!(d.len(), 3);
        assert_eq!(d.get(lost, Month(202610)), 1);
        assert_eq!(d.get(CellKey::TestsDone, Month(202404)), -2);
        let text = new.encode();
        assert_eq!(text, "st.under_control@202403=1;st.under_control@202610=-1;st.lost_contact@202610=1");
        assert_eq!(Contribution::decode(&text).unwrap(), new);
        assert_eq!(Contribution::decode("").unwrap(), Contribution::new());
        assert!(Contribution::decode("st.x@1=1").is_err());
        assert!(Contribution::decode("tests_done@20x=1").is_err());
        // Stock: the value at the end of a month sums every month up to it.
        assert_eq!(new.value(CellKey::Status(ControlStatus::UnderControl), Month(202601), Month(202609)), 1);
        assert_eq!(new.value(CellKey::Status(ControlStatus::UnderControl), Month(202601), Month(202610)), 0);
        assert_eq!(old.value(CellKey::TestsDone, Month(202405), Month(202412)), 0);
        assert_eq!(old.value(CellKey::TestsDone, Month(202401), Month(202412)), 2);
    }
}
