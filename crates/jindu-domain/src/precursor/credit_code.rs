//! 统一社会信用代码 the unified social credit code of an organisation (GB 32100-2015 《法人和其他组织
//! 统一社会信用代码编码规则》), the key of an enterprise in the precursor register (MODULES §1.7).
//!
//! 18 characters from the 31-character alphabet `0-9 A-H J-N P-R T-U W-Y` (no I, O, Z, S, V, so a
//! code read aloud or copied by hand cannot confuse 1/I, 0/O, 2/Z, 5/S, U/V):
//!
//! | positions | part                                                        |
//! |-----------|-------------------------------------------------------------|
//! | 1         | 登记管理部门代码 registration authority (`9` 工商/市场监管, `5` 民政, `1` 机构编制, `Y` 其他 …) |
//! | 2         | 机构类别代码 organisation type within that authority           |
//! | 3–8       | 登记管理机关行政区划码 6-digit division code (GB/T 2260)          |
//! | 9–17      | 主体标识码 the 9-character organisation code (GB 11714-1997), its 9th character its own check |
//! | 18        | 校验码 check character (GB 32100-2015 §4.3)                     |
//!
//! **Check character** (GB 32100-2015 §4.3): with `Cᵢ` the value of the i-th character in the
//! alphabet (0–30) and `Wᵢ = 3^(i−1) mod 31` (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24,
//! 10, 30, 28), `C₁₈ = 31 − (Σ Cᵢ·Wᵢ mod 31)`, where 31 is written `0`.
//!
//! **Organisation code check** (GB 11714-1997 §5): digits count their value, letters `A`=10 …
//! `Z`=35; weights 3, 7, 9, 10, 5, 8, 4, 2 over the eight body characters; `C₉ = 11 − (Σ mod 11)`,
//! where 10 is written `X` and 11 is written `0`.
//!
//! **Input as people type it** (local rule, documented here): every whitespace character
//! (spaces, the full-width space U+3000, line breaks) is removed, full-width forms (`９１４４`,
//! `ＭＡ`) become ASCII, and lower-case letters become upper case — the code's letters are all
//! upper case and no lower-case letter could mean anything else, so `91440300708461136t` is the
//! same code as `…136T`. The stored and shown form is always the 18 upper-case ASCII characters.
//! Authority and type codes are not checked against a list: the list has grown since 2015
//! (外交, 司法行政, 文化, 旅游, 宗教, 工会, 中央军委, 农业 …), and a code the registrar issued must not be
//! refused by an old table.

use serde::{Deserialize, Serialize};

use crate::message::Message;

/// The 31 characters of GB 32100-2015, in the order of their values 0–30.
pub const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// `Wᵢ = 3^(i−1) mod 31` for positions 1–17 (GB 32100-2015 §4.3).
pub const WEIGHTS: [u32; 17] = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/// Weights of the eight body characters of an organisation code (GB 11714-1997 §5).
pub const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Why a credit code was refused. Wrapped in
/// [`DomainError::CreditCode`](crate::DomainError::CreditCode) with the form field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CreditCodeError {
    /// Nothing was entered. Code `credit_code.empty`.
    #[error("credit code is empty")]
    Empty,
    /// Not 18 characters after removing spaces. Code `credit_code.length`.
    #[error("credit code has {len} characters instead of 18")]
    Length {
        /// Characters found (after removing whitespace).
        len: usize,
    },
    /// A character outside the 31-character alphabet (`I`, `O`, `Z`, `S`, `V`, punctuation,
    /// Chinese characters …). Code `credit_code.character`.
    #[error("credit code has an invalid character {found:?} at position {position}")]
    Character {
        /// 1-based position.
        position: usize,
        /// The character found.
        found: char,
    },
    /// Positions 3–8 (the division code) hold a letter. Code `credit_code.division`.
    #[error("credit code positions 3-8 are not digits")]
    Division {
        /// The six characters found.
        found: String,
    },
    /// The 17th character is not the GB 11714 check of positions 9–16. Code
    /// `credit_code.org_check`.
    #[error("organisation code check is wrong: expected {expected}, found {found}")]
    OrgCheck {
        /// The check character positions 9–16 require.
        expected: char,
        /// The character given.
        found: char,
    },
    /// The 18th character is not the GB 32100 check of positions 1–17. Code
    /// `credit_code.check`.
    #[error("credit code check character is wrong: expected {expected}, found {found}")]
    Check {
        /// The check character positions 1–17 require.
        expected: char,
        /// The character given.
        found: char,
    },
}

impl CreditCodeError {
    /// Stable code, e.g. `credit_code.check`.
    pub fn code(&self) -> &'static str {
        self.codes().0
    }

    fn codes(&self) -> (&'static str, &'static str) {
        match self {
            CreditCodeError::Empty => ("credit_code.empty", "msg.precursor.credit_code.empty"),
            CreditCodeError::Length { .. } => ("credit_code.length", "msg.precursor.credit_code.length"),
            CreditCodeError::Character { .. } => ("credit_code.character", "msg.precursor.credit_code.character"),
            CreditCodeError::Division { .. } => ("credit_code.division", "msg.precursor.credit_code.division"),
            CreditCodeError::OrgCheck { .. } => ("credit_code.org_check", "msg.precursor.credit_code.org_check"),
            CreditCodeError::Check { .. } => ("credit_code.check", "msg.precursor.credit_code.check"),
        }
    }

    /// The sentence (`msg.precursor.credit_code.*`) with the label of `field` as `field`.
    pub fn message(&self, field: &str) -> Message {
        let (zh, en) =
            super::enterprise::field_label(field).unwrap_or(("统一社会信用代码", "Unified social credit code"));
        let m = Message::new(self.codes().1).label("field", zh, en);
        match self {
            CreditCodeError::Empty => m,
            CreditCodeError::Length { len } => m.text("len", len),
            CreditCodeError::Character { position, found } => m.text("position", position).text("found", found),
            CreditCodeError::Division { found } => m.text("found", found),
            CreditCodeError::OrgCheck { expected, found } | CreditCodeError::Check { expected, found } => {
                m.text("expected", expected).text("found", found)
            }
        }
    }
}

/// A valid 统一社会信用代码 in its normalised form (18 upper-case ASCII characters). Serialised as
/// the string; deserialising validates.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UnifiedSocialCreditCode(String);

/// The value 0–30 of `c` in [`ALPHABET`], or `None`.
fn value(c: u8) -> Option<u32> {
    ALPHABET.iter().position(|a| *a == c).map(|p| p as u32)
}

/// The GB 32100-2015 check character of the first 17 characters (each in [`ALPHABET`]; a
/// character outside it counts 0).
pub fn check_character(first17: &[u8; 17]) -> char {
    let sum: u32 = first17.iter().zip(WEIGHTS).map(|(c, w)| value(*c).unwrap_or(0) * w).sum();
    char::from(ALPHABET[((31 - sum % 31) % 31) as usize])
}

/// The GB 11714-1997 check character of an organisation code's eight body characters (digits
/// and upper-case letters; anything else counts 0).
pub fn org_check_character(body: &[u8; 8]) -> char {
    let v = |c: u8| match c {
        b'0'..=b'9' => u32::from(c - b'0'),
        b'A'..=b'Z' => u32::from(c - b'A') + 10,
        _ => 0,
    };
    let sum: u32 = body.iter().zip(ORG_WEIGHTS).map(|(c, w)| v(*c) * w).sum();
    match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from_digit(n, 10).unwrap_or('0'),
    }
}

/// Full-width ASCII forms (U+FF01–U+FF5E) to ASCII; everything else unchanged.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}

impl UnifiedSocialCreditCode {
    /// Parses a code as people type or paste it (see the module: whitespace removed, full-width
    /// to ASCII, lower case to upper case) and checks it by GB 32100-2015.
    ///
    /// # Errors
    /// [`CreditCodeError`], the first that applies in this order: `Empty`; `Length` (not 18);
    /// `Character` (first character outside the alphabet, 1-based); `Division` (positions 3–8
    /// not all digits); `OrgCheck` (position 17, GB 11714); `Check` (position 18, naming the
    /// expected character).
    pub fn parse(input: &str) -> Result<UnifiedSocialCreditCode, CreditCodeError> {
        let s: String =
            input.chars().filter(|c| !c.is_whitespace()).map(half_width).map(|c| c.to_ascii_uppercase()).collect();
        if s.is_empty() {
            return Err(CreditCodeError::Empty);
        }
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != 18 {
            return Err(CreditCodeError::Length { len: chars.len() });
        }
        for (i, &c) in chars.iter().enumerate() {
            if !c.is_ascii() || value(c as u8).is_none() {
                return Err(CreditCodeError::Character { position: i + 1, found: c });
            }
        }
        // All 18 are ASCII now: byte indexing is character indexing.
        let b = s.as_bytes();
        if !b[2..8].iter().all(u8::is_ascii_digit) {
            return Err(CreditCodeError::Division { found: s[2..8].to_string() });
        }
        let mut body = [0u8; 8];
        body.copy_from_slice(&b[8..16]);
        let expected = org_check_character(&body);
        if char::from(b[16]) != expected {
            return Err(CreditCodeError::OrgCheck { expected, found: char::from(b[16]) });
        }
        let mut first17 = [0u8; 17];
        first17.copy_from_slice(&b[..17]);
        let expected = check_character(&first17);
        if char::from(b[17]) != expected {
            return Err(CreditCodeError::Check { expected, found: char::from(b[17]) });
        }
        Ok(UnifiedSocialCreditCode(s))
    }

    /// The 18 characters.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: 登记管理部门代码 (`9` 市场监管).
    pub fn authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Position 2: 机构类别代码.
    pub fn organisation_type(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// Positions 3–8: the registering authority's 6-digit division code (`440300`).
    pub fn division(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the organisation code (`70846113-6` without the hyphen).
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }
}

impl std::fmt::Display for UnifiedSocialCreditCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for UnifiedSocialCreditCode {
    type Error = CreditCodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UnifiedSocialCreditCode::parse(&s)
    }
}

impl From<UnifiedSocialCreditCode> for String {
    fn from(c: UnifiedSocialCreditCode) -> String {
        c.0
    }
}

/// A valid code made of `authority`, `kind`, the 6-digit `division` and the 8-character
/// organisation body: the organisation check and the code's check are computed. For synthetic
/// data (the demo) and tests; `None` when a part is not of the alphabet or not of its length.
pub fn compose(authority: char, kind: char, division: &str, body: &str) -> Option<UnifiedSocialCreditCode> {
    let body_b: [u8; 8] = body.as_bytes().try_into().ok()?;
    if division.len() != 6 || !division.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let org = org_check_character(&body_b);
    let first17 = format!("{authority}{kind}{division}{body}{org}");
    let arr: [u8; 17] = first17.as_bytes().try_into().ok()?;
    let code = format!("{first17}{}", check_character(&arr));
    UnifiedSocialCreditCode::parse(&code).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing;

    /// 华为技术有限公司, 统一社会信用代码 914403001922038216 (published on its business licence and
    /// in the 国家企业信用信息公示系统). Worked by hand:
    /// - organisation code 19220382-1: 1·3+9·7+2·9+2·10+0·5+3·8+8·4+2·2 = 164; 164 mod 11 = 10;
    ///   11 − 10 = 1 → `1` ✓.
    /// - check: Σ Cᵢ·Wᵢ = 9·1+1·3+4·9+4·27+0·19+3·26+0·16+0·17+1·20+9·29+2·25+2·13+0·8+3·24+8·10
    ///   +2·30+1·28 = 831; 831 mod 31 = 25; 31 − 25 = 6 → `6` ✓.
    const HUAWEI: &str = "914403001922038216";
    /// 深圳市腾讯计算机系统有限公司, 91440300708461136T (published likewise).
    const TENCENT: &str = "91440300708461136T";

    #[test]
    fn published_codes_pass() {
        let c = UnifiedSocialCreditCode::parse(HUAWEI).unwrap();
        assert_eq!(c.as_str(), HUAWEI);
        assert_eq!(c.authority(), '9');
        assert_eq!(c.organisation_type(), '1');
        assert_eq!(c.division(), "440300");
        assert_eq!(c.organisation_code(), "192203821");
        assert_eq!(UnifiedSocialCreditCode::parse(TENCENT).unwrap().as_str(), TENCENT);
    }

    #[test]
    fn the_weights_are_powers_of_three_mod_31() {
        let mut w = 1u32;
        for (i, &x) in WEIGHTS.iter().enumerate() {
            assert_eq!(x, w, "position {}", i + 1);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn every_other_check_character_is_refused_naming_the_expected_one() {
        // Each of the 30 other characters of the alphabet in place of the published `6`.
        for &c in ALPHABET.iter().filter(|c| **c != b'6') {
            let code = format!("{}{}", &HUAWEI[..17], char::from(c));
            assert_eq!(
                UnifiedSocialCreditCode::parse(&code),
                Err(CreditCodeError::Check { expected: '6', found: char::from(c) }),
                "{code}"
            );
        }
        let e = UnifiedSocialCreditCode::parse("914403001922038217").unwrap_err();
        let zh = testing::zh(&e.message("credit_code"));
        assert_eq!(zh, "统一社会信用代码校验码错误：第18位应为“6”，实为“7”。");
        let en = testing::en(&e.message("credit_code"));
        assert_eq!(
            en,
            "Unified social credit code check character is wrong: character 18 should be \"6\", found \"7\"."
        );
    }

    #[test]
    fn the_check_character_by_hand_for_each_value() {
        // For a body whose weighted sum is s, the check is alphabet[(31 − s mod 31) mod 31]: a sum
        // ≡ 0 gives `0` (31 written 0), ≡ 1 gives `Y` (30), ≡ 30 gives `1`.
        let zeros = *b"00000000000000000";
        assert_eq!(check_character(&zeros), '0');
        let mut one = zeros;
        one[0] = b'1'; // 1·W₁ = 1
        assert_eq!(check_character(&one), 'Y');
        let mut thirty = zeros;
        thirty[0] = b'Y'; // 30·1 = 30
        assert_eq!(check_character(&thirty), '1');
        let mut last = zeros;
        last[16] = b'1'; // 1·W₁₇ = 28 → 31 − 28 = 3
        assert_eq!(check_character(&last), '3');
        // Every value 0–30 in position 1 gives a distinct check: the mapping is a bijection.
        let mut seen = std::collections::BTreeSet::new();
        for &c in ALPHABET {
            let mut b = zeros;
            b[0] = c;
            seen.insert(check_character(&b));
        }
        assert_eq!(seen.len(), 31);
    }

    #[test]
    fn organisation_code_check_by_hand() {
        // 19220382: Σ = 164, 164 mod 11 = 10, 11 − 10 = 1.
        assert_eq!(org_check_character(b"19220382"), '1');
        // 70846113: 7·3+0·7+8·9+4·10+6·5+1·8+1·4+3·2 = 21+0+72+40+30+8+4+6 = 181; 181 mod 11 = 5;
        // 11 − 5 = 6.
        assert_eq!(org_check_character(b"70846113"), '6');
        // All zeros: Σ = 0, 11 − 0 = 11 → `0`.
        assert_eq!(org_check_character(b"00000000"), '0');
        // 00000001: Σ = 2, 11 − 2 = 9.
        assert_eq!(org_check_character(b"00000001"), '9');
        // 00000005: Σ = 10, 11 − 10 = 1; 00000006: Σ = 12 ≡ 1 → 10 → `X`.
        assert_eq!(org_check_character(b"00000005"), '1');
        assert_eq!(org_check_character(b"00000006"), 'X');
        // Letters count 10–35: A0000000 → 10·3 = 30 ≡ 8 → 3.
        assert_eq!(org_check_character(b"A0000000"), '3');
        // A wrong organisation check is refused at position 17.
        assert_eq!(
            UnifiedSocialCreditCode::parse("914403001922038206"),
            Err(CreditCodeError::OrgCheck { expected: '1', found: '0' })
        );
    }

    #[test]
    fn input_as_typed_is_normalised() {
        let want = Ok(UnifiedSocialCreditCode(TENCENT.to_string()));
        // Lower case: normalised to upper case (documented in the module).
        assert_eq!(UnifiedSocialCreditCode::parse("91440300708461136t"), want);
        // Spaces, the full-width space and a line break anywhere.
        assert_eq!(UnifiedSocialCreditCode::parse(" 9144 0300\u{3000}7084 6113 6T\n"), want);
        // Full-width digits and letters.
        assert_eq!(UnifiedSocialCreditCode::parse("９１４４０３００７０８４６１１３６Ｔ"), want);
        assert_eq!(UnifiedSocialCreditCode::parse("９１４４０３００７０８４６１１３６ｔ"), want);
    }

    #[test]
    fn malformed_input_is_refused_with_the_reason() {
        use CreditCodeError::*;
        assert_eq!(UnifiedSocialCreditCode::parse(""), Err(Empty));
        assert_eq!(UnifiedSocialCreditCode::parse(" \u{3000} "), Err(Empty));
        assert_eq!(UnifiedSocialCreditCode::parse("91440300708461136"), Err(Length { len: 17 }));
        assert_eq!(UnifiedSocialCreditCode::parse("91440300708461136TT"), Err(Length { len: 19 }));
        // 15-digit 工商注册号 of before 2015 is not a credit code.
        assert_eq!(UnifiedSocialCreditCode::parse("440301103093393"), Err(Length { len: 15 }));
        // The five letters the alphabet leaves out, each at its position.
        for (i, bad) in ['I', 'O', 'Z', 'S', 'V'].into_iter().enumerate() {
            let mut code: Vec<char> = TENCENT.chars().collect();
            code[10 + i] = bad;
            let code: String = code.into_iter().collect();
            assert_eq!(UnifiedSocialCreditCode::parse(&code), Err(Character { position: 11 + i, found: bad }));
        }
        assert_eq!(UnifiedSocialCreditCode::parse("9144030070846113-T"), Err(Character { position: 17, found: '-' }));
        assert_eq!(UnifiedSocialCreditCode::parse("91440300708461136中"), Err(Character { position: 18, found: '中' }));
        assert_eq!(UnifiedSocialCreditCode::parse("9144A300708461136T"), Err(Division { found: "44A300".into() }));
        let e = UnifiedSocialCreditCode::parse("91440300").unwrap_err();
        assert_eq!(testing::zh(&e.message("credit_code")), "统一社会信用代码应为18位，实为8位。");
        let e = UnifiedSocialCreditCode::parse("9144030070846113OT").unwrap_err();
        assert_eq!(
            testing::zh(&e.message("credit_code")),
            "统一社会信用代码第17位“O”无效：只能是数字和大写字母（不含I、O、Z、S、V）。"
        );
    }

    #[test]
    fn compose_makes_valid_codes() {
        let c = compose('9', '1', "430405", "MA4L0001").unwrap();
        assert_eq!(UnifiedSocialCreditCode::parse(c.as_str()), Ok(c.clone()));
        assert_eq!(c.division(), "430405");
        assert!(compose('9', '1', "43040", "MA4L0001").is_none());
        assert!(compose('9', '1', "430405", "MA4L001").is_none());
        // Body with a letter outside the credit-code alphabet: the result does not parse.
        assert!(compose('9', '1', "430405", "MA4I0001").is_none());
        // Serde: the string, validated.
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<UnifiedSocialCreditCode>(&json).unwrap(), c);
        assert!(serde_json::from_str::<UnifiedSocialCreditCode>("\"914403001922038217\"").is_err());
    }
}
