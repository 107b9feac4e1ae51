//! 公安月报 the monthly figures of one police unit, as they enter the indicators: counts of
//! cases solved, suspects arrested and drug users dealt with, and drugs seized by kind in
//! grams (kept as milligrams, so sums are exact).

use std::collections::BTreeMap;

use crate::error::DomainError;
use crate::kinds::Substance;

use super::cell::{CellKey, Contribution, SEIZURE_KINDS};
use super::period::Month;

/// Largest count a form accepts (cases, persons).
pub const MAX_COUNT: u64 = 1_000_000;
/// Largest seizure of one kind in one month, in grams (100 t).
pub const MAX_GRAMS: u64 = 100_000_000;

/// One unit's figures for one month.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PoliceMonth {
    /// 破获毒品刑事案件 (cases).
    pub cases_solved: u32,
    /// 抓获犯罪嫌疑人 (persons).
    pub suspects_arrested: u32,
    /// 查处吸毒人员 (persons).
    pub users_dealt: u32,
    /// 缴获毒品 by kind, in milligrams (kinds with nothing seized are absent).
    pub seized_mg: BTreeMap<Substance, u64>,
}

impl PoliceMonth {
    /// What the form adds to the cells of its unit in `month`.
    pub fn contribution(&self, month: Month) -> Contribution {
        let mut c = Contribution::new();
        c.add(CellKey::CasesSolved, month, i64::from(self.cases_solved));
        c.add(CellKey::SuspectsArrested, month, i64::from(self.suspects_arrested));
        c.add(CellKey::UsersDealtWith, month, i64::from(self.users_dealt));
        for (s, mg) in &self.seized_mg {
            c.add(CellKey::Seized(*s), month, i64::try_from(*mg).unwrap_or(i64::MAX));
        }
        c
    }

    /// Total seized, in milligrams.
    pub fn seized_total_mg(&self) -> u64 {
        self.seized_mg.values().sum()
    }
}

/// The form field of the seizure of `s`, e.g. `seized_heroin`.
pub fn seized_field(s: Substance) -> &'static str {
    match s {
        Substance::Methamphetamine => "seized_methamphetamine",
        Substance::Heroin => "seized_heroin",
        Substance::Ketamine => "seized_ketamine",
        Substance::Mdma => "seized_mdma",
        Substance::Cannabis => "seized_cannabis",
        Substance::Cocaine => "seized_cocaine",
        Substance::Morphine => "seized_morphine",
        Substance::Other => "seized_other",
    }
}

/// Every seizure field with its drug kind.
pub fn seized_fields() -> impl Iterator<Item = (Substance, &'static str)> {
    SEIZURE_KINDS.iter().map(|s| (*s, seized_field(*s)))
}

/// A whole number 0…[`MAX_COUNT`] (empty = 0; full-width digits and spaces allowed).
///
/// # Errors
/// [`DomainError::InvalidNumber`] naming `field`.
pub fn parse_count(field: &'static str, input: &str) -> Result<u32, DomainError> {
    let s: String = input.chars().filter(|c| !c.is_whitespace()).map(crate::id_number::to_half_width).collect();
    if s.is_empty() {
        return Ok(0);
    }
    let bad = || DomainError::InvalidNumber { field, input: input.trim().to_string(), max: MAX_COUNT };
    if !s.bytes().all(|b| b.is_ascii_digit()) || s.len() > 7 {
        return Err(bad());
    }
    let n: u64 = s.parse().map_err(|_| bad())?;
    if n > MAX_COUNT {
        return Err(bad());
    }
    u32::try_from(n).map_err(|_| bad())
}

/// Grams with at most three decimals, 0…[`MAX_GRAMS`], as milligrams (empty = 0): `1.5` → 1500.
///
/// # Errors
/// [`DomainError::InvalidNumber`] naming `field` (negative, more than three decimals, not a
/// number, too large).
pub fn parse_grams(field: &'static str, input: &str) -> Result<u64, DomainError> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ',')
        .map(crate::id_number::to_half_width)
        .map(|c| if c == '。' { '.' } else { c })
        .collect();
    if s.is_empty() {
        return Ok(0);
    }
    let bad = || DomainError::InvalidNumber { field, input: input.trim().to_string(), max: MAX_GRAMS };
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || frac.len() > 3 || whole.len() > 9 {
        return Err(bad());
    }
    let g: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
    let mg: u64 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    if g > MAX_GRAMS || (g == MAX_GRAMS && mg > 0) {
        return Err(bad());
    }
    Ok(g * 1000 + mg)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn grams_are_kept_exactly_as_milligrams() {
        assert_eq!(parse_grams("seized_heroin", "1.5").unwrap(), 1_500);
        assert_eq!(parse_grams("seized_heroin", " 1,250.125 ").unwrap(), 1_250_125);
        assert_eq!(parse_grams("seized_heroin", "０.００７").unwrap(), 7);
        assert_eq!(parse_grams("seized_heroin", ".5").unwrap(), 500);
        assert_eq!(parse_grams("seized_heroin", "").unwrap(), 0);
        assert_eq!(parse_grams("seized_heroin", "100000000").unwrap(), 100_000_000_000);
        for bad in ["-1", "1.2345", "abc", "1e3", ".", "100000000.001", "1.2.3"] {
            let e = parse_grams("seized_heroin", bad).unwrap_err();
            assert_eq!(e.code(), "number.invalid", "{bad}");
            assert_eq!(e.field(), Some("seized_heroin"));
        }
    }

    #[test]
    fn counts_are_whole_and_bounded() {
        assert_eq!(parse_count("cases_solved", "12").unwrap(), 12);
        assert_eq!(parse_count("cases_solved", "").unwrap(), 0);
        for bad in ["-3", "1.5", "1000001", "x"] {
            assert!(parse_count("cases_solved", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_month_adds_its_counts_and_grams() {
        let mut f = PoliceMonth { cases_solved: 3, suspects_arrested: 5, users_dealt: 11, ..PoliceMonth::default() };
        f.seized_mg.insert(Substance::Heroin, 1_500);
        f.seized_mg.insert(Substance::Methamphetamine, 30_250);
        let c = f.contribution(Month(202610));
        assert_eq!(c.get(CellKey::CasesSolved, Month(202610)), 3);
        assert_eq!(c.get(CellKey::UsersDealtWith, Month(202610)), 11);
        assert_eq!(c.get(CellKey::Seized(Substance::Heroin), Month(202610)), 1_500);
        assert_eq!(f.seized_total_mg(), 31_750);
        assert_eq!(c.len(), 5);
    }
}
