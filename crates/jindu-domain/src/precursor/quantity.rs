//! Quantities of precursor chemicals: whole grams (mass) or whole millilitres (volume) in an
//! `i64`, never a float; the concentration kept apart in basis points (1/100 of a percent).
//! Source: MODULES §1.7 ("quantity in a canonical base unit, integer grams/millilitres, never
//! floats") and §4; the canonical measure of each chemical is a column of the catalogue data
//! (local default, configurable).

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

use super::problem::Problem;

crate::kinds::coded_enum!(
    /// 计量方式 what a quantity measures: mass in grams or volume in millilitres.
    Measure {
        /// 质量, in grams.
        Mass => ("g", "质量", "mass"),
        /// 体积, in millilitres.
        Volume => ("mL", "体积", "volume"),
    }
);

crate::kinds::coded_enum!(
    /// 计量单位 a unit a ledger or form writes.
    Unit {
        /// 吨 (t) = 1 000 000 g.
        Tonne => ("t", "吨", "t"),
        /// 千克/公斤 (kg) = 1000 g.
        Kilogram => ("kg", "千克", "kg"),
        /// 克 (g).
        Gram => ("g", "克", "g"),
        /// 升 (L) = 1000 mL.
        Litre => ("L", "升", "L"),
        /// 毫升 (mL).
        Millilitre => ("mL", "毫升", "mL"),
    }
);

impl Unit {
    /// The measure of the unit and how many grams / millilitres one unit holds.
    pub fn base(self) -> (Measure, i64) {
        match self {
            Unit::Tonne => (Measure::Mass, 1_000_000),
            Unit::Kilogram => (Measure::Mass, 1_000),
            Unit::Gram => (Measure::Mass, 1),
            Unit::Litre => (Measure::Volume, 1_000),
            Unit::Millilitre => (Measure::Volume, 1),
        }
    }

    /// Reads a unit as ledgers write it: 吨/t/T/ton, 千克/公斤/kg/KG, 克/g, 升/l/L, 毫升/ml/mL
    /// (full-width letters too), `None` otherwise.
    pub fn parse(text: &str) -> Option<Unit> {
        let t: String = normalise(text).to_lowercase();
        Some(match t.as_str() {
            "吨" | "t" | "ton" | "tonne" => Unit::Tonne,
            "千克" | "公斤" | "kg" => Unit::Kilogram,
            "克" | "g" => Unit::Gram,
            "升" | "l" | "公升" => Unit::Litre,
            "毫升" | "ml" => Unit::Millilitre,
            _ => return None,
        })
    }
}

/// Full-width ASCII to half-width, spaces removed.
pub(crate) fn normalise(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            c => c,
        })
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// A quantity: `amount` whole grams ([`Measure::Mass`]) or whole millilitres
/// ([`Measure::Volume`]). Positive when it comes from [`Quantity::parse`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quantity {
    /// Grams or millilitres.
    pub amount: i64,
    /// Which.
    pub measure: Measure,
}

/// A density in milligrams per millilitre (= grams per litre; water 1000), to turn a volume into a
/// mass or back. Given per movement or per material by the enterprise; none is shipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Density {
    /// mg/mL, > 0.
    pub mg_per_ml: i64,
}

/// A concentration (含量) in basis points: 10000 = 100 %, 6000 = 60 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Concentration {
    /// 0..=10000.
    pub basis_points: u32,
}

impl Concentration {
    /// Reads `36.5`, `36.5%`, `36.5 ％` (percent, at most two decimals, 0–100) into basis points
    /// (`36.5` → 3650).
    ///
    /// # Errors
    /// [`DomainError::Precursor`] with [`Problem::ConcentrationInvalid`] naming `field`.
    pub fn parse(field: &'static str, text: &str) -> Result<Concentration, DomainError> {
        let bad =
            || DomainError::Precursor { field, problem: Problem::ConcentrationInvalid { input: text.to_string() } };
        let t = normalise(text);
        let t = t.strip_suffix('%').unwrap_or(&t);
        let bp = decimal_scaled(t, 100).ok_or_else(bad)?;
        if !(0..=10_000).contains(&bp) {
            return Err(bad());
        }
        u32::try_from(bp).map(|basis_points| Concentration { basis_points }).map_err(|_| bad())
    }
}

/// `text` (digits, at most one `.`, optional leading `+`/`-`, thousands separators `,` only when
/// followed by three digits… read simply: `,` and `_` and spaces are dropped) times `scale`,
/// exactly; `None` when it is not a number, has more decimals than `scale` allows, or overflows.
fn decimal_scaled(text: &str, scale: i64) -> Option<i64> {
    let t: String = text.chars().filter(|c| !matches!(c, ',' | '_' | ' ')).collect();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(&t)),
    };
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    if !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Decimals allowed by the scale: 1000 → 3, 100 → 2, 1 → 0.
    let mut places = 0usize;
    let mut s = scale;
    while s >= 10 && s % 10 == 0 {
        s /= 10;
        places += 1;
    }
    let frac_trimmed = frac.trim_end_matches('0');
    if frac_trimmed.len() > places {
        return None;
    }
    let mut value: i64 = 0;
    for b in int.bytes() {
        value = value.checked_mul(10)?.checked_add(i64::from(b - b'0'))?;
    }
    value = value.checked_mul(scale)?;
    let mut unit = scale;
    for b in frac_trimmed.bytes() {
        unit /= 10;
        value = value.checked_add(i64::from(b - b'0').checked_mul(unit)?)?;
    }
    Some(if neg { -value } else { value })
}

impl Quantity {
    /// Reads a decimal amount and a unit (`"24.5"`, `"千克"` → 24 500 g) exactly: no float is
    /// ever made. The unit may also be written after the number in `amount` (`"24.5kg"`) with
    /// `unit` empty.
    ///
    /// # Errors
    /// [`DomainError::Precursor`] naming `field` (the amount) or `unit_field` (the unit):
    /// [`Problem::QuantityInvalid`] (not a number, overflow), [`Problem::QuantityTooPrecise`]
    /// (finer than 1 g / 1 mL), [`Problem::QuantityNotPositive`] (zero or negative),
    /// [`Problem::UnitUnknown`].
    pub fn parse(
        field: &'static str,
        amount: &str,
        unit_field: &'static str,
        unit: &str,
    ) -> Result<Quantity, DomainError> {
        let err = |problem| DomainError::Precursor { field, problem };
        let norm = normalise(amount);
        let (number, unit_text) = if normalise(unit).is_empty() {
            let split = norm
                .char_indices()
                .find(|(_, c)| !(c.is_ascii_digit() || matches!(c, '.' | ',' | '_' | '-' | '+')))
                .map_or(norm.len(), |(i, _)| i);
            (norm[..split].to_string(), norm[split..].to_string())
        } else {
            (norm.clone(), normalise(unit))
        };
        let Some(u) = Unit::parse(&unit_text) else {
            return Err(DomainError::Precursor {
                field: unit_field,
                problem: Problem::UnitUnknown { input: unit_text },
            });
        };
        let (measure, per_unit) = u.base();
        let Some(exact) = decimal_scaled(&number, per_unit) else {
            return Err(if too_precise(&number, per_unit) {
                err(Problem::QuantityTooPrecise { input: amount.to_string() })
            } else {
                err(Problem::QuantityInvalid { input: amount.to_string() })
            });
        };
        if exact <= 0 {
            return Err(err(Problem::QuantityNotPositive { input: amount.to_string() }));
        }
        Ok(Quantity { amount: exact, measure })
    }

    /// This quantity in `to` (the chemical's canonical measure). Mass from volume is
    /// `mL × mg/mL ÷ 1000` grams, volume from mass `g × 1000 ÷ mg/mL` millilitres, each rounded to
    /// the nearest whole unit (halves away from zero): the only rounding in the module.
    ///
    /// # Errors
    /// [`Problem::NeedsDensity`] naming `field` (normally `density`) when the measures differ
    /// and no density is given; [`Problem::QuantityInvalid`] on overflow.
    pub fn to_measure(
        self,
        to: Measure,
        density: Option<Density>,
        field: &'static str,
    ) -> Result<Quantity, DomainError> {
        if self.measure == to {
            return Ok(self);
        }
        let Some(d) = density.filter(|d| d.mg_per_ml > 0) else {
            return Err(DomainError::Precursor { field, problem: Problem::NeedsDensity { from: self.measure, to } });
        };
        let (num, den) = match to {
            Measure::Mass => (i128::from(self.amount) * i128::from(d.mg_per_ml), 1000i128),
            Measure::Volume => (i128::from(self.amount) * 1000, i128::from(d.mg_per_ml)),
        };
        let rounded = (2 * num + den) / (2 * den);
        i64::try_from(rounded).map(|amount| Quantity { amount, measure: to }).map_err(|_| DomainError::Precursor {
            field,
            problem: Problem::QuantityInvalid { input: self.amount.to_string() },
        })
    }
}

/// A number (digits, at most one `.`) with more decimals than `scale` (a power of ten) allows.
fn too_precise(t: &str, scale: i64) -> bool {
    let t = t.trim_start_matches(['+', '-']);
    let numberish = !t.is_empty()
        && t.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b',' | b'_'))
        && t.bytes().filter(|b| *b == b'.').count() == 1;
    let places = scale.checked_ilog10().unwrap_or(0) as usize;
    numberish && t.split_once('.').is_some_and(|(_, f)| f.trim_end_matches('0').len() > places)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn q(a: &str, u: &str) -> Result<Quantity, DomainError> {
        Quantity::parse("quantity", a, "unit", u)
    }

    fn problem(r: Result<Quantity, DomainError>) -> (&'static str, &'static str) {
        match r {
            Err(e) => (e.code(), e.field().unwrap_or("")),
            Ok(v) => panic!("accepted {v:?}"),
        }
    }

    #[test]
    fn decimal_text_is_read_exactly() {
        // MODULES §4: integers in grams; 24.5 kg is exactly 24 500 g.
        assert_eq!(q("24.5", "千克").unwrap(), Quantity { amount: 24_500, measure: Measure::Mass });
        assert_eq!(q("24.5kg", "").unwrap().amount, 24_500);
        assert_eq!(q("０.００１", "吨").unwrap().amount, 1_000);
        assert_eq!(q("1.000001", "t").unwrap().amount, 1_000_001);
        assert_eq!(q("1,200", "公斤").unwrap().amount, 1_200_000);
        assert_eq!(q("2.5", "升").unwrap(), Quantity { amount: 2_500, measure: Measure::Volume });
        assert_eq!(q("750", "mL").unwrap(), Quantity { amount: 750, measure: Measure::Volume });
        assert_eq!(q("3", "g").unwrap().amount, 3);
        // 0.1 + 0.2 in floats is 0.30000000000000004; here 0.3 kg is 300 g.
        assert_eq!(q("0.3", "kg").unwrap().amount, 300);
        assert_eq!(q("9223372036854775", "g").unwrap().amount, 9_223_372_036_854_775);
    }

    #[test]
    fn bad_amounts_and_units_name_their_field() {
        assert_eq!(problem(q("0", "kg")), ("precursor.quantity.not_positive", "quantity"));
        assert_eq!(problem(q("-5", "kg")), ("precursor.quantity.not_positive", "quantity"));
        assert_eq!(problem(q("0.0005", "kg")), ("precursor.quantity.too_precise", "quantity"));
        assert_eq!(problem(q("1.5", "g")), ("precursor.quantity.too_precise", "quantity"));
        assert_eq!(problem(q("abc", "kg")), ("precursor.quantity.invalid", "quantity"));
        assert_eq!(problem(q("1e3", "kg")), ("precursor.quantity.invalid", "quantity"));
        assert_eq!(problem(q("1.2.3", "kg")), ("precursor.quantity.invalid", "quantity"));
        assert_eq!(problem(q("", "kg")), ("precursor.quantity.invalid", "quantity"));
        assert_eq!(problem(q("99999999999999999999", "t")), ("precursor.quantity.invalid", "quantity"));
        assert_eq!(problem(q("5", "桶")), ("precursor.unit.unknown", "unit"));
        assert_eq!(problem(q("5", "")), ("precursor.unit.unknown", "unit"));
    }

    #[test]
    fn volume_of_a_solid_needs_a_density() {
        // 2 L of 高锰酸钾 (kept in grams) without a density: refused, naming the density field.
        let two_litres = q("2", "L").unwrap();
        let e = two_litres.to_measure(Measure::Mass, None, "density").unwrap_err();
        assert_eq!((e.code(), e.field()), ("precursor.unit.needs_density", Some("density")));
        // With a bulk density of 1 500 mg/mL: 2000 mL × 1500 / 1000 = 3000 g.
        let m = two_litres.to_measure(Measure::Mass, Some(Density { mg_per_ml: 1500 }), "density").unwrap();
        assert_eq!(m, Quantity { amount: 3_000, measure: Measure::Mass });
        // 丙酮 kept in mL, 1 kg at 791 mg/mL: 1000 × 1000 / 791 = 1264.22… → 1264 mL.
        let kg = q("1", "kg").unwrap();
        assert_eq!(kg.to_measure(Measure::Volume, Some(Density { mg_per_ml: 791 }), "density").unwrap().amount, 1264);
        // Rounding half away from zero: 1 mL at 1500 mg/mL = 1.5 g → 2 g; 1 mL at 1499 → 1 g.
        let ml = q("1", "mL").unwrap();
        assert_eq!(ml.to_measure(Measure::Mass, Some(Density { mg_per_ml: 1500 }), "density").unwrap().amount, 2);
        assert_eq!(ml.to_measure(Measure::Mass, Some(Density { mg_per_ml: 1499 }), "density").unwrap().amount, 1);
        // Same measure: unchanged, no density needed.
        assert_eq!(kg.to_measure(Measure::Mass, None, "density").unwrap(), kg);
        // A zero density is no density.
        assert!(two_litres.to_measure(Measure::Mass, Some(Density { mg_per_ml: 0 }), "density").is_err());
    }

    #[test]
    fn concentrations_in_basis_points() {
        let c = |t| Concentration::parse("concentration", t).map(|c| c.basis_points);
        assert_eq!(c("60").unwrap(), 6000);
        assert_eq!(c("36.5%").unwrap(), 3650);
        assert_eq!(c("99.99 ％").unwrap(), 9999);
        assert_eq!(c("100").unwrap(), 10_000);
        assert_eq!(c("0").unwrap(), 0);
        for bad in ["100.01", "-1", "12.345", "abc", ""] {
            assert_eq!(c(bad).unwrap_err().code(), "precursor.concentration.invalid", "{bad}");
        }
    }
}
