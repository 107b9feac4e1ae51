//! Resident identity numbers (居民身份证号码), GB 11643-1999 (DOMAIN §9).
//!
//! An ID number is text from end to end: [`IdNumber`] always holds the normalised 18-character
//! form (ASCII digits and an upper-case `X` check character).

use crate::message::Message;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::kinds::Sex;

/// Weights of digits 1–17 for the check character (GB 11643-1999 §7.2).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character for Σ mod 11 = 0…10 (GB 11643-1999 §7.2).
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// Why an ID number was refused (GB 11643-1999; DOMAIN §9). Wrapped in
/// [`DomainError::IdNumber`](crate::DomainError::IdNumber) with the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    /// Nothing was entered. Code `id_number.empty`.
    #[error("ID number is empty")]
    Empty,
    /// Not 18 (or old-form 15) characters after removing spaces. Code `id_number.length`.
    #[error("ID number has {len} characters instead of 18")]
    Length {
        /// Number of characters found.
        len: usize,
    },
    /// A character that is not a digit (or `X` as the 18th). Code `id_number.character`.
    #[error("ID number has an invalid character {found:?} at position {position}")]
    Character {
        /// 1-based position in the number after removing spaces.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Digits 7–14 are not a real calendar date. Code `id_number.birth_date`.
    #[error("ID number contains an impossible date of birth")]
    BirthDate,
    /// The 18th character does not match digits 1–17. Code `id_number.check_digit`.
    #[error("ID number check digit is wrong: expected {expected}, found {found}")]
    CheckDigit {
        /// The check character digits 1–17 require.
        expected: char,
        /// The character given.
        found: char,
    },
    /// The value looks like a number Excel has already converted (scientific notation or a
    /// decimal point); its last digits are lost and cannot be recovered (DOMAIN §9).
    /// Code `id_number.excel_number`.
    #[error("ID number looks like an Excel number; format the column as text")]
    ExcelNumber,
    /// The first two digits are no province code of GB/T 2260 (11–15, 21–23, 31–37, 41–46,
    /// 50–54, 61–65, 71, 81, 82). Abolished county codes stay valid (DOMAIN §9); an unknown
    /// province cannot be one. Code `id_number.region`.
    #[error("ID number starts with an unknown province code")]
    Region {
        /// The two digits found.
        code: String,
    },
    /// The date of birth lies after today. Code `id_number.birth_in_future`.
    #[error("ID number has a date of birth in the future")]
    BirthInFuture,
}

impl IdNumberError {
    /// Stable code, e.g. `id_number.check_digit`.
    pub fn code(&self) -> &'static str {
        self.codes().0
    }

    /// The stable code and the catalogue key of its sentence (`msg.` + the code).
    fn codes(&self) -> (&'static str, &'static str) {
        match self {
            IdNumberError::Empty => ("id_number.empty", "msg.id_number.empty"),
            IdNumberError::Length { .. } => ("id_number.length", "msg.id_number.length"),
            IdNumberError::Character { .. } => ("id_number.character", "msg.id_number.character"),
            IdNumberError::BirthDate => ("id_number.birth_date", "msg.id_number.birth_date"),
            IdNumberError::CheckDigit { .. } => ("id_number.check_digit", "msg.id_number.check_digit"),
            IdNumberError::ExcelNumber => ("id_number.excel_number", "msg.id_number.excel_number"),
            IdNumberError::BirthInFuture => ("id_number.birth_in_future", "msg.id_number.birth_in_future"),
            IdNumberError::Region { .. } => ("id_number.region", "msg.id_number.region"),
        }
    }

    /// The sentence (`msg.` + [`code`](IdNumberError::code)) with the label of `field` as the
    /// parameter `field`.
    pub fn message(&self, field: &str) -> Message {
        let m = Message::new(self.codes().1).field("field", field);
        match self {
            IdNumberError::Length { len } => m.text("len", len),
            IdNumberError::Character { position, found } => m.text("position", position).text("found", found),
            IdNumberError::CheckDigit { expected, found } => m.text("expected", expected).text("found", found),
            IdNumberError::Region { code } => m.text("code", code),
            _ => m,
        }
    }
}

/// A valid resident identity number in its normalised 18-character form (GB 11643-1999,
/// DOMAIN §9). Serialised as the 18-character string; deserialising validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdNumber(String);

/// Check character for the first 17 digits (ASCII bytes `b'0'..=b'9'`), GB 11643-1999 §7.2:
/// Σ(digitᵢ × weightᵢ) mod 11 mapped through `10X98765432`. Bytes that are not digits count as 0.
pub fn check_digit(first17: &[u8; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(b, w)| u32::from(b.wrapping_sub(b'0')).min(9) * w).sum();
    CHECK_CHARS[(sum % 11) as usize]
}

/// Full-width ASCII forms (U+FF01–U+FF5E) to ASCII; everything else unchanged.
pub(crate) fn to_half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

/// Parses `YYYYMMDD` (8 ASCII digits).
/// A date of birth in an ID number: a real calendar date from 1900 on (resident ID numbers
/// were first issued in 1984; nobody registered today was born before 1900).
fn ymd(digits: &str) -> Option<NaiveDate> {
    let y: i32 = digits.get(0..4)?.parse().ok()?;
    if y < 1900 {
        return None;
    }
    let m = digits.get(4..6)?.parse().ok()?;
    let d = digits.get(6..8)?.parse().ok()?;
    NaiveDate::from_ymd_opt(y, m, d)
}

impl IdNumber {
    /// Parses an ID number as people type or paste it (GB 11643-1999, DOMAIN §9): removes all
    /// whitespace (including the full-width space U+3000), converts full-width digits and
    /// `x`/`ｘ`/`Ｘ` to ASCII, accepts 18 characters with a correct check character, and upgrades
    /// an old 15-digit number (inserts `19` before the year and appends the check character).
    ///
    /// # Errors
    /// [`IdNumberError`]: `Empty`; `ExcelNumber` for scientific notation or a decimal point;
    /// `Character` (1-based position); `Length`; `BirthDate` for an impossible date;
    /// `CheckDigit`.
    pub fn parse(input: &str) -> Result<IdNumber, IdNumberError> {
        let s: String = input
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(to_half_width)
            .map(|c| if c == 'x' { 'X' } else { c })
            .collect();
        if s.is_empty() {
            return Err(IdNumberError::Empty);
        }
        let looks_numeric = s.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'E' | 'e' | '+'));
        if looks_numeric && (s.contains('.') || s.contains("E+") || s.contains("e+")) {
            return Err(IdNumberError::ExcelNumber);
        }
        let chars: Vec<char> = s.chars().collect();
        let len = chars.len();
        for (i, &c) in chars.iter().enumerate() {
            // `X` only as the last character, and never in the old 15-digit form.
            if !(c.is_ascii_digit() || (c == 'X' && i + 1 == len && len != 15)) {
                return Err(IdNumberError::Character { position: i + 1, found: c });
            }
        }
        let province = s.get(..2).unwrap_or("");
        if len == 18 || len == 15 {
            let known = matches!(
                province.parse::<u8>().unwrap_or(0),
                11..=15 | 21..=23 | 31..=37 | 41..=46 | 50..=54 | 61..=65 | 71 | 81 | 82
            );
            if !known {
                return Err(IdNumberError::Region { code: province.to_string() });
            }
        }
        match len {
            18 => {
                let body = &s[..17];
                ymd(&body[6..14]).ok_or(IdNumberError::BirthDate)?;
                let mut first17 = [0u8; 17];
                first17.copy_from_slice(body.as_bytes());
                let expected = check_digit(&first17);
                let found = chars[17];
                if expected != found {
                    return Err(IdNumberError::CheckDigit { expected, found });
                }
                Ok(IdNumber(s))
            }
            15 => {
                let body = format!("{}19{}", &s[..6], &s[6..15]);
                ymd(&body[6..14]).ok_or(IdNumberError::BirthDate)?;
                let mut first17 = [0u8; 17];
                first17.copy_from_slice(body.as_bytes());
                let check = check_digit(&first17);
                Ok(IdNumber(format!("{body}{check}")))
            }
            _ => Err(IdNumberError::Length { len }),
        }
    }

    /// [`IdNumber::parse`], and also refuses a date of birth after `today` (the Asia/Shanghai
    /// date, DOMAIN §11).
    ///
    /// # Errors
    /// As [`IdNumber::parse`], plus [`IdNumberError::BirthInFuture`].
    pub fn parse_on(input: &str, today: NaiveDate) -> Result<IdNumber, IdNumberError> {
        let n = IdNumber::parse(input)?;
        if n.birth_date() > today {
            return Err(IdNumberError::BirthInFuture);
        }
        Ok(n)
    }

    /// The normalised 18-character number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Date of birth, digits 7–14 (validated when parsed).
    pub fn birth_date(&self) -> NaiveDate {
        ymd(&self.0[6..14]).unwrap_or_default()
    }

    /// Sex from the 17th digit: odd = male, even = female (GB 11643-1999 §6.3).
    pub fn sex(&self) -> Sex {
        let d = self.0.as_bytes()[16].wrapping_sub(b'0');
        if d % 2 == 1 { Sex::Male } else { Sex::Female }
    }

    /// Address code, digits 1–6: where the number was issued, not where the person lives now;
    /// abolished codes stay valid (DOMAIN §9).
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    /// Masked form for lists and logs [个保法 §51]: first 6 + 8 `*` + last 4, e.g.
    /// `110105********002X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.0[..6], &self.0[14..])
    }

    /// Year of birth (convenience).
    pub fn birth_year(&self) -> i32 {
        self.birth_date().year()
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for IdNumber {
    type Err = IdNumberError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        IdNumber::parse(s)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdNumberError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        IdNumber::parse(&s)
    }
}

impl From<IdNumber> for String {
    fn from(n: IdNumber) -> String {
        n.0
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn standard_example_is_valid() {
        let n = IdNumber::parse("11010519491231002X").unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
        assert_eq!(n.sex(), Sex::Female);
        assert_eq!(n.birth_date(), d(1949, 12, 31));
        assert_eq!(n.address_code(), "110105");
        assert_eq!(n.masked(), "110105********002X");
        assert_eq!(check_digit(b"11010519491231002"), 'X');
    }

    #[test]
    fn lenient_input_forms() {
        let want = "11010519491231002X";
        assert_eq!(IdNumber::parse("11010519491231002x").unwrap().as_str(), want);
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２Ｘ").unwrap().as_str(), want);
        assert_eq!(IdNumber::parse("１１０１０５１９４９１２３１００２ｘ").unwrap().as_str(), want);
        assert_eq!(IdNumber::parse("110105 19491231 002x").unwrap().as_str(), want);
        assert_eq!(IdNumber::parse("\u{3000}11010519491231002X\t\n").unwrap().as_str(), want);
    }

    #[test]
    fn wrong_check_digit() {
        assert_eq!(IdNumber::parse("110105194912310021"), Err(IdNumberError::CheckDigit { expected: 'X', found: '1' }));
    }

    #[test]
    fn fifteen_digits_upgrade() {
        // 110105 + 19 + 491231 + 002 → check over 11010519491231002 = X (computed above).
        let n = IdNumber::parse("110105491231002").unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
        assert_eq!(n.birth_date(), d(1949, 12, 31));
        assert_eq!(IdNumber::parse("110105990230002"), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse("11010549123100X"), Err(IdNumberError::Character { position: 15, found: 'X' }));
    }

    #[test]
    fn refusals() {
        assert_eq!(IdNumber::parse("110105199902300010"), Err(IdNumberError::BirthDate));
        assert_eq!(IdNumber::parse("11010519491231002"), Err(IdNumberError::Length { len: 17 }));
        assert_eq!(IdNumber::parse("11010519491231002Y"), Err(IdNumberError::Character { position: 18, found: 'Y' }));
        assert_eq!(IdNumber::parse("1101051949X231002X"), Err(IdNumberError::Character { position: 11, found: 'X' }));
        assert_eq!(IdNumber::parse("1.10105E+17"), Err(IdNumberError::ExcelNumber));
        assert_eq!(IdNumber::parse("110105194912310000.0"), Err(IdNumberError::ExcelNumber));
        assert_eq!(IdNumber::parse("  "), Err(IdNumberError::Empty));
        assert_eq!(IdNumber::parse("1101051949123100X"), Err(IdNumberError::Length { len: 17 }));
    }

    #[test]
    fn birth_in_future() {
        assert_eq!(IdNumber::parse_on("11010519491231002X", d(1949, 12, 30)), Err(IdNumberError::BirthInFuture));
        assert!(IdNumber::parse_on("11010519491231002X", d(1949, 12, 31)).is_ok());
    }

    #[test]
    fn try_from_validates() {
        let n = IdNumber::try_from("11010519491231002x".to_string()).unwrap();
        assert_eq!(n.as_str(), "11010519491231002X");
        assert!(IdNumber::try_from("110105194912310021".to_string()).is_err());
        assert_eq!(String::from(n), "11010519491231002X");
    }

    #[test]
    fn unknown_provinces_and_births_before_1900_are_refused() {
        let with_check = |first17: &str| {
            let bytes: [u8; 17] = first17.as_bytes().try_into().unwrap();
            format!("{first17}{}", check_digit(&bytes))
        };
        assert_eq!(IdNumber::parse(&with_check("00000019900101123")), Err(IdNumberError::Region { code: "00".into() }));
        assert_eq!(IdNumber::parse(&with_check("99999919900101123")), Err(IdNumberError::Region { code: "99".into() }));
        assert_eq!(IdNumber::parse(&with_check("43040518991231123")), Err(IdNumberError::BirthDate));
        assert!(IdNumber::parse(&with_check("81000019900101123")).is_ok(), "Hong Kong residence permits use 81");
    }

    proptest! {
        #[test]
        fn valid_numbers_round_trip(
            province in proptest::sample::select(vec![11u32, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65]),
            rest in 0u32..=9999,
            days in 0i64..45_000,
            seq in 0u32..=999,
        ) {
            let birth = d(1900, 1, 1) + chrono::Days::new(days as u64);
            let addr = province * 10_000 + rest;
            let first17 = format!("{addr:06}{}{seq:03}", birth.format("%Y%m%d"));
            let mut bytes = [0u8; 17];
            bytes.copy_from_slice(first17.as_bytes());
            let full = format!("{first17}{}", check_digit(&bytes));
            let n = IdNumber::parse(&full).unwrap();
            prop_assert_eq!(n.as_str(), full.as_str());
            prop_assert_eq!(n.birth_date(), birth);
            prop_assert_eq!(IdNumber::parse(&n.as_str().to_lowercase()).unwrap(), n.clone());
            let expected_sex = if seq % 2 == 1 { Sex::Male } else { Sex::Female };
            prop_assert_eq!(n.sex(), expected_sex);
        }
    }
}
