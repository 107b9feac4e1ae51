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
