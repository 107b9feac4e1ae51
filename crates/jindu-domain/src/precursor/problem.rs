//! The refusals of the precursor work line, carried by [`crate::DomainError::Precursor`] with the
//! form field (or CSV column) they belong to. Each has a stable code `precursor.<…>` and its
//! sentence `msg.precursor.<…>` in `crates/jindu-messages/locales/msg_precursors.yml`.

use chrono::NaiveDate;

use crate::message::{Message, shorten};

use super::quantity::Measure;

/// Why a catalogue lookup found nothing in force (see [`super::catalogue::NotControlled`]),
/// as stored in a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotControlledReason {
    /// No entry, alias, salt or CAS number of the catalogue matches the name.
    Unknown,
    /// The entry exists but was not yet in force on the day.
    NotYet,
    /// The entry was no longer in force on the day.
    NoLonger,
    /// A salt of a category-3 substance: not controlled (附表 note).
    SaltOfCategory3,
}

/// What is wrong with a row of a catalogue CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CsvReason {
    /// The header row does not have the columns of any catalogue file.
    Header,
    /// The row has a different number of cells from the header (`found`, `expected`).
    Columns {
        /// Cells in the header.
        expected: usize,
        /// Cells in the row.
        found: usize,
    },
    /// A required cell is empty.
    Required,
    /// A cell that does not parse (a date, a category, a flag, a number).
    Invalid {
        /// The cell as written.
        input: String,
    },
    /// A second row with the same key (an entry id with overlapping periods, an alias twice).
    Duplicate {
        /// The key.
        key: String,
    },
    /// A reference to an entry or amendment no file defines.
    UnknownRef {
        /// The key referred to.
        key: String,
    },
}

/// A refusal of the precursor work line (with [`crate::DomainError::Precursor`]'s field).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Not a decimal number (`24.5`, `1 000`, `1,5` are read; `abc`, `1e3` are not) or too large
    /// for an `i64` of grams/millilitres.
    QuantityInvalid {
        /// The text given.
        input: String,
    },
    /// Zero or negative: a movement's quantity is positive (corrections are reversing entries).
    QuantityNotPositive {
        /// The text given.
        input: String,
    },
    /// Finer than one gram or one millilitre (`0.0005 kg`).
    QuantityTooPrecise {
        /// The text given.
        input: String,
    },
    /// A unit other than 吨/t, 千克/公斤/kg, 克/g, 升/L, 毫升/mL.
    UnitUnknown {
        /// The unit as written.
        input: String,
    },
    /// A volume for a chemical kept by mass (or a mass for one kept by volume) and no density.
    NeedsDensity {
        /// The measure given.
        from: Measure,
        /// The chemical's measure.
        to: Measure,
    },
    /// A concentration that is not a percentage from 0 to 100 with at most two decimals.
    ConcentrationInvalid {
        /// The text given.
        input: String,
    },
    /// The chemical is not controlled on the day (P-01).
    NotControlled {
        /// The name given.
        name: String,
        /// The day.
        date: NaiveDate,
        /// Why.
        reason: NotControlledReason,
        /// For `NotYet`/`NoLonger`: the day the entry came into / went out of force.
        boundary: Option<NaiveDate>,
    },
    /// A reversing entry names a movement that is not in the ledger, or one already reversed.
    Reversal {
        /// The id of the movement named.
        id: String,
    },
    /// A problem in a catalogue file (file, row counted from 1 with the header as row 1).
    Csv {
        /// The file's name.
        file: String,
        /// The row.
        row: usize,
        /// What is wrong.
        reason: CsvReason,
    },
}

impl Problem {
    /// Stable code, e.g. `precursor.quantity.invalid`.
    pub fn code(&self) -> &'static str {
        match self {
            Problem::QuantityInvalid { .. } => "precursor.quantity.invalid",
            Problem::QuantityNotPositive { .. } => "precursor.quantity.not_positive",
            Problem::QuantityTooPrecise { .. } => "precursor.quantity.too_precise",
            Problem::UnitUnknown { .. } => "precursor.unit.unknown",
            Problem::NeedsDensity { .. } => "precursor.unit.needs_density",
            Problem::ConcentrationInvalid { .. } => "precursor.concentration.invalid",
            Problem::NotControlled { reason, .. } => match reason {
                NotControlledReason::Unknown => "precursor.chemical.unknown",
                NotControlledReason::NotYet => "precursor.chemical.not_yet",
                NotControlledReason::NoLonger => "precursor.chemical.no_longer",
                NotControlledReason::SaltOfCategory3 => "precursor.chemical.salt_of_category3",
            },
            Problem::Reversal { .. } => "precursor.ledger.reversal",
            Problem::Csv { reason, .. } => match reason {
                CsvReason::Header => "precursor.csv.header",
                CsvReason::Columns { .. } => "precursor.csv.columns",
                CsvReason::Required => "precursor.csv.required",
                CsvReason::Invalid { .. } => "precursor.csv.invalid",
                CsvReason::Duplicate { .. } => "precursor.csv.duplicate",
                CsvReason::UnknownRef { .. } => "precursor.csv.unknown_ref",
            },
        }
    }

    /// The sentence, with the field's label as `%{field}`.
    pub fn message(&self, field: &str) -> Message {
        let f = |m: Message| m.label("field", field_label(field, "zh"), field_label(field, "en"));
        match self {
            Problem::QuantityInvalid { input } => {
                f(Message::new("msg.precursor.quantity.invalid")).text("input", shorten(input))
            }
            Problem::QuantityNotPositive { input } => {
                f(Message::new("msg.precursor.quantity.not_positive")).text("input", shorten(input))
            }
            Problem::QuantityTooPrecise { input } => {
                f(Message::new("msg.precursor.quantity.too_precise")).text("input", shorten(input))
            }
            Problem::UnitUnknown { input } => {
                f(Message::new("msg.precursor.unit.unknown")).text("input", shorten(input))
            }
            Problem::NeedsDensity { from, to } => Message::new("msg.precursor.unit.needs_density")
                .label("field", field_label(field, "zh"), field_label(field, "en").to_lowercase())
                .label("from", from.label_zh(), from.label_en())
                .label("to", to.label_zh(), to.label_en()),
            Problem::ConcentrationInvalid { input } => {
                f(Message::new("msg.precursor.concentration.invalid")).text("input", shorten(input))
            }
            Problem::NotControlled { name, date, reason, boundary } => {
                let m = match reason {
                    NotControlledReason::Unknown => Message::new("msg.precursor.chemical.unknown"),
                    NotControlledReason::NotYet => Message::new("msg.precursor.chemical.not_yet"),
                    NotControlledReason::NoLonger => Message::new("msg.precursor.chemical.no_longer"),
                    NotControlledReason::SaltOfCategory3 => Message::new("msg.precursor.chemical.salt_of_category3"),
                };
                let m = f(m).text("name", shorten(name)).text("date", date);
                match boundary {
                    Some(b) => m.text("boundary", b),
                    None => m,
                }
            }
            Problem::Reversal { id } => f(Message::new("msg.precursor.ledger.reversal")).text("id", shorten(id)),
            Problem::Csv { file, row, reason } => {
                let m = match reason {
                    CsvReason::Header => Message::new("msg.precursor.csv.header"),
                    CsvReason::Columns { expected, found } => {
                        Message::new("msg.precursor.csv.columns").text("expected", expected).text("found", found)
                    }
                    CsvReason::Required => Message::new("msg.precursor.csv.required"),
                    CsvReason::Invalid { input } => {
                        Message::new("msg.precursor.csv.invalid").text("input", shorten(input))
                    }
                    CsvReason::Duplicate { key } => {
                        Message::new("msg.precursor.csv.duplicate").text("key", shorten(key))
                    }
                    CsvReason::UnknownRef { key } => {
                        Message::new("msg.precursor.csv.unknown_ref").text("key", shorten(key))
                    }
                };
                m.text("file", shorten(file)).text("row", row).text("column", field)
            }
        }
    }
}

/// Label of a field of the precursor forms (`chemical`, `quantity`, `unit`, `concentration`,
/// `density`, `reverses` …) in `lang`: [`crate::error::field_label`], where they are listed.
pub fn field_label(field: &str, lang: &str) -> &'static str {
    crate::error::field_label(field, lang)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::DomainError;
    use crate::message::testing::{en, zh};
    use crate::precursor::{Catalogue, Measure, Quantity};
    use crate::test_days::d;

    #[test]
    fn refusals_read_as_sentences_naming_the_field() {
        let e = Quantity::parse("quantity", "-3", "unit", "kg").unwrap_err();
        assert_eq!(zh(&e.message()), "数量必须大于0，填写的是“-3”；更正请录入冲销记录。");
        let e = Quantity::parse("quantity", "5", "unit", "桶").unwrap_err();
        assert_eq!(en(&e.message()), "Unit \"桶\" is not known: use t, kg, g, L or mL.");
        let e = Quantity::parse("quantity", "2", "unit", "L")
            .unwrap()
            .to_measure(Measure::Mass, None, "density")
            .unwrap_err();
        assert_eq!(zh(&e.message()), "该品种按质量计量，按体积填写时须同时填写密度，否则无法换算。");
        assert_eq!(
            en(&e.message()),
            "This chemical is kept by mass; a quantity by volume needs the density to be converted."
        );
        let cat = Catalogue::shipped().unwrap();
        let e = cat.require("chemical", "4-哌啶酮", d("2023-05-10")).unwrap_err();
        assert_eq!(zh(&e.message()), "易制毒化学品品种“4-哌啶酮”自2025-07-20起列入品种目录，2023-05-10尚未列管。");
        let e = cat.require("chemical", "盐酸甲苯", d("2023-05-10")).unwrap_err();
        assert_eq!(e.code(), "precursor.chemical.salt_of_category3");
        let e = cat.require("chemical", "可乐", d("2023-05-10")).unwrap_err();
        assert_eq!(
            en(&e.message()),
            "Chemical \"可乐\" is not in the precursor catalogue (2023-05-10), nor a known alias, salt or CAS number."
        );
        assert_eq!(zh(&DomainError::Required { field: "chemical" }.message()), "请填写易制毒化学品品种。");
        let e = DomainError::Precursor { field: "reverses", problem: Problem::Reversal { id: "m9".into() } };
        assert_eq!(e.field(), Some("reverses"));
        assert_eq!(zh(&e.message()), "被冲销的记录“m9”无法冲销：台账中没有该记录、记录内容不一致，或已被冲销。");
    }
}
