//! 不适用强制隔离戒毒 the exemptions of 禁毒法 §39, warned about when a compulsory isolation is
//! recorded: it is **not** applied to a pregnant woman or a woman nursing her own baby under one
//! year old, and **may** be waived for a person under 16 (age in full years on the decision
//! date, DOMAIN §11); the exempted do community detox instead. Jindu cannot know of a pregnancy
//! or a baby, so for every woman it asks the officer to confirm.

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

    /// The warning in Chinese, citing the article.
    pub fn warning_zh(self) -> String {
        match self {
            Exemption::UnderSixteen { age } => {
                format!("该人员决定日时{age}周岁，未满16周岁，可以不适用强制隔离戒毒（禁毒法第三十九条第二款）。")
            }
            Exemption::PregnantOrNursing => {
                "该人员为女性：怀孕或者正在哺乳自己不满一周岁婴儿的妇女，不适用强制隔离戒毒（禁毒法第三十九条第一款），请核实。"
                    .to_string()
            }
        }
    }

    /// The warning in English.
    pub fn warning_en(self) -> String {
        match self {
            Exemption::UnderSixteen { age } => format!(
                "The person was {age} on the decision date, under 16: compulsory isolation may be waived (Anti-Drug Law art. 39(2))."
            ),
            Exemption::PregnantOrNursing => "The person is a woman: compulsory isolation does not apply to a woman who is pregnant or nursing her own baby under one year (art. 39(1)). Please check.".to_string(),
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
