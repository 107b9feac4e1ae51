//! 人员口径: the counts of persons by control status, each defined **once** here. The 驾驶舱
//! ([`super::evaluate`]), its drill-down, the 辖区概况 overview, the person list's header, the
//! API and `jindu report indicators` all count through [`Headcount`], so 在册 means the same
//! number on every page (issue #18, item 10).
//!
//! Sources: DOMAIN §1 — police register every person found using drugs (禁毒法 §32) and keep
//! them under dynamic control (动态管控, 戒毒条例 §4); a person three years abstinent leaves it
//! (戒毒条例 §7). 失控 = registered but whereabouts unknown (DOMAIN §1, local).

use serde::Serialize;

use crate::kinds::ControlStatus;

/// One count of persons by control status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Headcount {
    /// 在册 (also 现有吸毒人员, the speeches' 在册登记吸毒人员): persons under dynamic control =
    /// 在控 + 羁押 + 失控 + 出境. Not counted: 死亡, 戒断三年未复吸 (out of dynamic control,
    /// 戒毒条例 §7), 解除 (released from the register).
    Registered,
    /// 在控 (also 在管): 在控 + 羁押 (a person in custody is under control).
    UnderControl,
    /// 失控: whereabouts unknown (DOMAIN §1).
    Lost,
    /// 出境: abroad, still registered.
    Abroad,
    /// 戒断三年未复吸: three years without relapse, out of dynamic control (戒毒条例 §7).
    Abstinent3y,
    /// 死亡.
    Deceased,
    /// 解除: released from the register.
    Released,
}

impl Headcount {
    /// Every count, in the order the glossary lists them.
    pub const ALL: [Headcount; 7] = [
        Headcount::Registered,
        Headcount::UnderControl,
        Headcount::Lost,
        Headcount::Abroad,
        Headcount::Abstinent3y,
        Headcount::Deceased,
        Headcount::Released,
    ];

    /// The control statuses whose persons it counts.
    pub fn statuses(self) -> &'static [ControlStatus] {
        use ControlStatus as S;
        match self {
            Headcount::Registered => &[S::UnderControl, S::InCustody, S::LostContact, S::Abroad],
            Headcount::UnderControl => &[S::UnderControl, S::InCustody],
            Headcount::Lost => &[S::LostContact],
            Headcount::Abroad => &[S::Abroad],
            Headcount::Abstinent3y => &[S::Abstinent3y],
            Headcount::Deceased => &[S::Deceased],
            Headcount::Released => &[S::Released],
        }
    }

    /// Whether a person in status `s` is counted.
    pub fn includes(self, s: ControlStatus) -> bool {
        self.statuses().contains(&s)
    }

    /// The count from the number of persons in each status (`by_status`).
    pub fn count(self, by_status: impl Fn(ControlStatus) -> i64) -> i64 {
        self.statuses().iter().map(|s| by_status(*s)).sum()
    }

    /// Stable code (API, filters): `registered`, `in_control`, `lost`, `abroad`,
    /// `abstinent_3y`, `deceased`, `released`.
    pub fn code(self) -> &'static str {
        match self {
            Headcount::Registered => "registered",
            Headcount::UnderControl => "in_control",
            Headcount::Lost => "lost",
            Headcount::Abroad => "abroad",
            Headcount::Abstinent3y => "abstinent_3y",
            Headcount::Deceased => "deceased",
            Headcount::Released => "released",
        }
    }

    /// From [`code`](Self::code).
    pub fn from_code(code: &str) -> Option<Headcount> {
        Headcount::ALL.into_iter().find(|h| h.code() == code)
    }

    /// Chinese name.
    pub fn label_zh(self) -> &'static str {
        match self {
            Headcount::Registered => "在册",
            Headcount::UnderControl => "在控",
            Headcount::Lost => "失控",
            Headcount::Abroad => "出境",
            Headcount::Abstinent3y => "戒断三年未复吸",
            Headcount::Deceased => "死亡",
            Headcount::Released => "解除",
        }
    }

    /// English name.
    pub fn label_en(self) -> &'static str {
        match self {
            Headcount::Registered => "Registered",
            Headcount::UnderControl => "Under control",
            Headcount::Lost => "Lost",
            Headcount::Abroad => "Abroad",
            Headcount::Abstinent3y => "Abstinent 3 years",
            Headcount::Deceased => "Deceased",
            Headcount::Released => "Released",
        }
    }

    /// Name in `lang` (`"en"` English, anything else Chinese).
    pub fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_zh() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A hand-counted district: 40 在控, 5 羁押, 3 失控, 1 出境, 6 戒断三年, 4 死亡, 2 解除 (61
    /// records): 在册 49, 在控 45, 失控 3.
    #[test]
    fn each_count_is_defined_once() {
        let n = |s: ControlStatus| match s {
            ControlStatus::UnderControl => 40,
            ControlStatus::InCustody => 5,
            ControlStatus::LostContact => 3,
            ControlStatus::Abroad => 1,
            ControlStatus::Abstinent3y => 6,
            ControlStatus::Deceased => 4,
            ControlStatus::Released => 2,
        };
        assert_eq!(Headcount::Registered.count(n), 49);
        assert_eq!(Headcount::UnderControl.count(n), 45);
        assert_eq!(Headcount::Lost.count(n), 3);
        assert_eq!(Headcount::Abstinent3y.count(n), 6);
        // Every status is in exactly one of the disjoint counts.
        // (All but 登记在册, which overlaps them.)
        let disjoint: Vec<Headcount> = Headcount::ALL.into_iter().filter(|h| *h != Headcount::Registered).collect();
        assert_eq!(disjoint.len(), 6);
        for s in ControlStatus::ALL {
            assert_eq!(disjoint.iter().filter(|h| h.includes(*s)).count(), 1, "{s:?}");
        }
        assert!(!Headcount::Registered.includes(ControlStatus::Abstinent3y));
        assert!(!Headcount::Registered.includes(ControlStatus::Deceased));
        assert!(Headcount::Registered.includes(ControlStatus::InCustody));
        for h in Headcount::ALL {
            assert_eq!(Headcount::from_code(h.code()), Some(h));
        }
    }
}
