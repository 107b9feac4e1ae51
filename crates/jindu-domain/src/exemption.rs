//! 不适用强制隔离戒毒 the exemptions of 禁毒法 §39, warned about when a compulsory isolation is
//! recorded: it is **not** applied to a pregnant woman or a woman nursing her own baby under one
//! year old, and **may** be waived for a person under 16 (age in full years on the decision
//! date, DOMAIN §11); the exempted do community detox instead. Jindu cannot know of a pregnancy
//! or a baby, so for every woman it asks the officer to confirm.

use crate::message::Message;
use chrono::NaiveDate;

use crate::days::age_full_years;
use crate::kinds::Sex;

/// Age under which compulsory isolation may be waived [禁毒法 §39].
pub const MIN_AGE: u32 = 16;

/// One exemption to check before deciding compulsory isolation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exemption {
    /// 未满16周岁: may be waived (可以不适用).
    UnderSixteen { age: u32 },
    /// 妇女: not applied if pregnant or nursing her own baby under 1 year (不适用) — to confirm.
    PregnantOrNursing,
}

impl Exemption {
    /// Stable code (`under_16`, `pregnant_or_nursing`).
    pub fn as_code(self) -> &'static str {
        match self {
            Exemption::UnderSixteen { .. } => "under_16",
            Exemption::PregnantOrNursing => "pregnant_or_nursing",
        }
    }

    /// The warning citing the article (`msg.exemption.*`).
    pub fn warning(self) -> Message {
        match self {
            Exemption::UnderSixteen { age } => Message::new("msg.exemption.under_sixteen").text("age", age),
            Exemption::PregnantOrNursing => Message::new("msg.exemption.pregnant_or_nursing"),
        }
    }
}

/// The exemptions to warn about for a compulsory isolation decided on `decision_date` for a
/// person of `sex` born on `birth`.
pub fn isolation_exemptions(sex: Sex, birth: NaiveDate, decision_date: NaiveDate) -> Vec<Exemption> {
    let mut out = Vec::new();
    let age = age_full_years(birth, decision_date);
    if age < MIN_AGE {
        out.push(Exemption::UnderSixteen { age });
    }
    if sex == Sex::Female {
        out.push(Exemption::PregnantOrNursing);
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_days::d;

    #[test]
    fn sixteen_is_reached_the_day_after_the_birthday() {
        let birth = d("2010-12-01");
        // On the 16th birthday the person is still 15 (法释〔2006〕1号 §2).
        assert_eq!(isolation_exemptions(Sex::Male, birth, d("2026-12-01")), vec![Exemption::UnderSixteen { age: 15 }]);
        assert_eq!(isolation_exemptions(Sex::Male, birth, d("2026-12-02")), vec![]);
        assert_eq!(isolation_exemptions(Sex::Female, birth, d("2026-12-02")), vec![Exemption::PregnantOrNursing]);
        assert_eq!(
            isolation_exemptions(Sex::Female, birth, d("2026-11-30")),
            vec![Exemption::UnderSixteen { age: 15 }, Exemption::PregnantOrNursing]
        );
    }
}
