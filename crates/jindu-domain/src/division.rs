//! Administrative division codes (统计用区划代码, 12 digits: province 2, city 2, county 2,
//! town 3, village 3). Scope checks compare significant prefixes.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::id_number::to_half_width;

/// 10¹², one past the largest 12-digit code.
const LIMIT: u64 = 1_000_000_000_000;

/// Level of a division.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DivisionLevel {
    /// 省级 (2 significant digits).
    Province,
    /// 地级 (4).
    City,
    /// 县级 (6).
    County,
    /// 乡级: town, township, street (9).
    Town,
    /// 村级: village, community (12).
    Village,
}

impl DivisionLevel {
    /// Every level, from the top.
    pub const ALL: &'static [DivisionLevel] = &[
        DivisionLevel::Province,
        DivisionLevel::City,
        DivisionLevel::County,
        DivisionLevel::Town,
        DivisionLevel::Village,
    ];

    /// Stable code: `province`, `city`, `county`, `town`, `village`.
    pub fn as_code(self) -> &'static str {
        match self {
            DivisionLevel::Province => "province",
            DivisionLevel::City => "city",
            DivisionLevel::County => "county",
            DivisionLevel::Town => "town",
            DivisionLevel::Village => "village",
        }
    }

    /// Parses a code from [`as_code`](Self::as_code); `None` if unknown.
    pub fn from_code(code: &str) -> Option<DivisionLevel> {
        DivisionLevel::ALL.iter().copied().find(|l| l.as_code() == code)
    }

    /// Chinese label: 省级/地级/县级/乡级/村级.
    pub fn label_zh(self) -> &'static str {
        match self {
            DivisionLevel::Province => "省级",
            DivisionLevel::City => "地级",
            DivisionLevel::County => "县级",
            DivisionLevel::Town => "乡级",
            DivisionLevel::Village => "村级",
        }
    }

    /// English label.
    pub fn label_en(self) -> &'static str {
        match self {
            DivisionLevel::Province => "Province",
            DivisionLevel::City => "City",
            DivisionLevel::County => "County",
            DivisionLevel::Town => "Town",
            DivisionLevel::Village => "Village",
        }
    }

    /// Label in `lang` (`"en"` English, anything else Chinese).
    pub fn label(self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en() } else { self.label_zh() }
    }

    /// Number of significant digits: 2, 4, 6, 9 or 12.
    pub fn digits(self) -> usize {
        match self {
            DivisionLevel::Province => 2,
            DivisionLevel::City => 4,
            DivisionLevel::County => 6,
            DivisionLevel::Town => 9,
            DivisionLevel::Village => 12,
        }
    }
}

/// The four municipalities directly under the central government (直辖市): 北京市, 天津市,
/// 上海市, 重庆市, by province code.
pub const MUNICIPALITIES: [(&str, &str); 4] = [("11", "北京市"), ("12", "天津市"), ("31", "上海市"), ("50", "重庆市")];

/// True for the statistical placeholder level of a municipality: the city-level rows 市辖区
/// (1101, 1201, 3101, 5001) and 县 (5002) of the national list, which no address, sheet or
/// person ever names (上海市杨浦区控江路街道, not 上海市市辖区杨浦区…). Such a level is left out of
/// the name paths below it (`上海市/杨浦区/控江路街道`); its own row keeps its name.
pub fn is_transparent_level(code: &DivisionCode, name: &str) -> bool {
    code.level() == DivisionLevel::City
        && MUNICIPALITIES.iter().any(|(p, _)| code.prefix().starts_with(p))
        && matches!(name.trim(), "市辖区" | "县")
}

/// A name path without the municipalities' placeholder level (see [`is_transparent_level`]):
/// `上海市/市辖区/杨浦区/控江路街道` → `上海市/杨浦区/控江路街道`, `重庆市/县/城口县` →
/// `重庆市/城口县`; any other path unchanged. For name paths stored before the level was left out.
pub fn transparent_path(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [province, level, rest @ ..]
            if !rest.is_empty()
                && MUNICIPALITIES.iter().any(|(_, n)| n == province)
                && matches!(*level, "市辖区" | "县") =>
        {
            std::iter::once(*province).chain(rest.iter().copied()).collect::<Vec<_>>().join("/")
        }
        _ => path.to_string(),
    }
}

/// A 12-digit administrative division code. Serialised as the number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct DivisionCode(u64);

impl DivisionCode {
    /// Parses 2, 4, 6, 9 or 12 digits (spaces and full-width digits allowed), padding on the
    /// right with zeros to 12 digits: `430405` → `430405000000`.
    ///
    /// # Errors
    /// [`DomainError::DivisionCode`] with field `division` for any other length, a non-digit,
    /// or a province part `00`.
    pub fn parse(input: &str) -> Result<DivisionCode, DomainError> {
        let bad = || DomainError::DivisionCode { field: "division", input: input.trim().chars().take(40).collect() };
        let s: String = input.chars().filter(|c| !c.is_whitespace()).map(to_half_width).collect();
        if !matches!(s.len(), 2 | 4 | 6 | 9 | 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let padded = format!("{s:0<12}");
        let n: u64 = padded.parse().map_err(|_| bad())?;
        DivisionCode::from_u64(n).ok_or_else(bad)
    }

    /// From the 12-digit number; `None` if it has more than 12 digits or province part `00`.
    pub fn from_u64(n: u64) -> Option<DivisionCode> {
        (n < LIMIT && n / 10_000_000_000 != 0).then_some(DivisionCode(n))
    }

    /// The 12-digit number.
    pub fn as_u64(&self) -> u64 {
        self.0
    }

    /// Level from which trailing parts are zero: village if digits 10–12 are not all zero, town
    /// if 7–9, county if 5–6, city if 3–4, else province.
    pub fn level(&self) -> DivisionLevel {
        let n = self.0;
        let village = n % 1000;
        let town = (n / 1000) % 1000;
        let county = (n / 1_000_000) % 100;
        let city = (n / 100_000_000) % 100;
        if village != 0 {
            DivisionLevel::Village
        } else if town != 0 {
            DivisionLevel::Town
        } else if county != 0 {
            DivisionLevel::County
        } else if city != 0 {
            DivisionLevel::City
        } else {
            DivisionLevel::Province
        }
    }

    /// Significant prefix (2, 4, 6, 9 or 12 digits by [`level`](Self::level)), e.g. `430405`
    /// for the county `430405000000`.
    pub fn prefix(&self) -> String {
        let s = self.to_string();
        s[..self.level().digits()].to_string()
    }

    /// Same as [`prefix`](Self::prefix).
    pub fn short(&self) -> String {
        self.prefix()
    }

    /// The enclosing division (its own level's digits set to zero); `None` for a province.
    /// A county whose city part is `00` has the province as parent.
    pub fn parent(&self) -> Option<DivisionCode> {
        let keep = match self.level() {
            DivisionLevel::Province => return None,
            DivisionLevel::City => 10_000_000_000,
            DivisionLevel::County => 100_000_000,
            DivisionLevel::Town => 1_000_000,
            DivisionLevel::Village => 1000,
        };
        DivisionCode::from_u64(self.0 / keep * keep)
    }

    /// Whether `other` lies within this division (or is it): `other`'s 12 digits start with
    /// this code's [`prefix`](Self::prefix). Used for deployment and user scope.
    pub fn contains(&self, other: &DivisionCode) -> bool {
        other.to_string().starts_with(&self.prefix())
    }
}

impl fmt::Display for DivisionCode {
    /// The 12 digits, zero-padded.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:012}", self.0)
    }
}

impl FromStr for DivisionCode {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DivisionCode::parse(s)
    }
}

impl TryFrom<u64> for DivisionCode {
    type Error = String;
    fn try_from(n: u64) -> Result<Self, Self::Error> {
        DivisionCode::from_u64(n).ok_or_else(|| format!("invalid division code {n}"))
    }
}

impl From<DivisionCode> for u64 {
    fn from(c: DivisionCode) -> u64 {
        c.0
    }
}

/// Whether `text`, as an office writes a town in a sheet or a form, names the unit with `code`
/// (12 digits), `name` (`广东路街道`) and `name_path` (`湖南省/衡阳市/珠晖区/广东路街道`): its code
/// (12 digits, or at least its first 9), its name, its path with or without `/`, the end of its
/// path (`珠晖区广东路街道`), or its name without 街道办事处/街道/镇/乡 (`广东路`). Spaces and the
/// full-width forms are the caller's to normalise. Used for 牵头单位 and 工作站 towns alike.
pub fn names_unit(text: &str, code: &str, name: &str, name_path: &str) -> bool {
    let short = |n: &str| {
        n.trim_end_matches("街道办事处")
            .trim_end_matches("街道")
            .trim_end_matches('镇')
            .trim_end_matches('乡')
            .to_string()
    };
    let path: String = name_path.chars().filter(|c| *c != '/').collect();
    if text.is_empty() {
        return false;
    }
    (text.bytes().all(|b| b.is_ascii_digit()) && text.len() >= 9 && code.starts_with(text))
        || text == name
        || text == name_path
        || text == path
        || (text.chars().count() > name.chars().count() && path.ends_with(text))
        || (!short(name).is_empty() && short(text) == short(name))
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_unit_is_named_as_offices_write_it() {
        let (code, name, path) = ("430405009000", "广东路街道", "湖南省/衡阳市/珠晖区/广东路街道");
        for text in [
            "430405009000",
            "430405009",
            "广东路街道",
            "广东路",
            path,
            "湖南省衡阳市珠晖区广东路街道",
            "珠晖区广东路街道",
        ] {
            assert!(names_unit(text, code, name, path), "{text}");
        }
        for text in ["", "43040500", "430405010", "东风街道", "广东", "路街道"] {
            assert!(!names_unit(text, code, name, path), "{text}");
        }
        // A member unit: no short form to strip, found by its name and path.
        assert!(names_unit("区公安分局", "430405U01", "区公安分局", "湖南省/衡阳市/珠晖区/区公安分局"));
        assert!(names_unit("和平", "430405200000", "和平乡", "湖南省/衡阳市/珠晖区/和平乡"));
    }
    use super::*;

    fn c(s: &str) -> DivisionCode {
        DivisionCode::parse(s).unwrap()
    }

    #[test]
    fn county() {
        let k = c("430405");
        assert_eq!(k.level(), DivisionLevel::County);
        assert_eq!(k.prefix(), "430405");
        assert_eq!(k.short(), "430405");
        assert_eq!(k.to_string(), "430405000000");
        assert_eq!(k.as_u64(), 430_405_000_000);
        assert!(k.contains(&c("430405009001")));
        assert!(k.contains(&k));
        assert!(!k.contains(&c("430406000000")));
        assert_eq!(k.parent(), Some(c("4304")));
    }

    #[test]
    fn town_village_province() {
        let t = c("430405009");
        assert_eq!(t.level(), DivisionLevel::Town);
        assert_eq!(t.parent(), Some(c("430405")));
        let v = c("430405009001");
        assert_eq!(v.level(), DivisionLevel::Village);
        assert_eq!(v.parent(), Some(t));
        assert_eq!(v.prefix(), "430405009001");
        let p = c("43");
        assert_eq!(p.level(), DivisionLevel::Province);
        assert_eq!(p.parent(), None);
        assert_eq!(c("4304").parent(), Some(p));
        assert_eq!(c("4300 05").level(), DivisionLevel::County);
        assert_eq!(c("430005").parent(), Some(p));
        assert_eq!(c("４３０４０５"), c("430405"));
    }

    #[test]
    fn malformed() {
        for bad in ["", "4", "43040", "4304050", "43040500900", "4304050090011", "43a405", "00"] {
            assert_eq!(
                DivisionCode::parse(bad),
                Err(DomainError::DivisionCode { field: "division", input: bad.to_string() }),
                "{bad}"
            );
        }
        assert!(DivisionCode::try_from(LIMIT).is_err());
        assert_eq!(DivisionLevel::from_code("town"), Some(DivisionLevel::Town));
        assert_eq!(DivisionLevel::Town.label_zh(), "乡级");
    }

    #[test]
    fn the_placeholder_level_of_municipalities_is_transparent() {
        let c = |s: &str| DivisionCode::parse(s).expect("code");
        for (code, name) in
            [("3101", "市辖区"), ("1101", "市辖区"), ("1201", "市辖区"), ("5001", "市辖区"), ("5002", "县")]
        {
            assert!(is_transparent_level(&c(code), name), "{code} {name}");
        }
        // A real city's 市辖区 is not a municipality's; a municipality's district is a real level.
        assert!(!is_transparent_level(&c("4304"), "市辖区"));
        assert!(!is_transparent_level(&c("310110"), "杨浦区"));
        assert!(!is_transparent_level(&c("31"), "上海市"));
        assert_eq!(transparent_path("上海市/市辖区/杨浦区/控江路街道"), "上海市/杨浦区/控江路街道");
        assert_eq!(transparent_path("重庆市/县/城口县"), "重庆市/城口县");
        assert_eq!(transparent_path("北京市/市辖区/东城区"), "北京市/东城区");
        assert_eq!(transparent_path("天津市/市辖区"), "天津市/市辖区", "the level's own row keeps its name");
        assert_eq!(transparent_path("湖南省/衡阳市/市辖区"), "湖南省/衡阳市/市辖区");
        assert_eq!(transparent_path("湖南省/衡阳市/珠晖区"), "湖南省/衡阳市/珠晖区");
    }
}
