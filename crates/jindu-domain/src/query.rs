//! Query parameters of lists, exports and the JSON API (`?town=430405009&page=2`): each value is
//! read strictly. An empty or absent parameter means "no filter"; any other value must be one the
//! address takes, or the request is refused (422) with a sentence naming the parameter
//! ([`DomainError::InvalidFilter`]). Never "ignore it and show everything": a mistyped filter that
//! silently returns the whole scope is read as the answer (issue #18, item 18; local rule).
//!
//! Pure: the caller passes the user's scope.

use crate::message::Message;
use chrono::NaiveDate;
use uuid::Uuid;

use crate::division::{DivisionCode, DivisionLevel};
use crate::error::DomainError;

/// Highest page number a list accepts (a local bound: far above any real list).
pub const MAX_PAGE: u64 = 1_000_000;

/// What a query parameter takes, for the sentence of a refused value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expected {
    /// A whole page number from 1 to [`MAX_PAGE`].
    Page,
    /// One of these codes.
    OneOf(Vec<&'static str>),
    /// A division code of this level (2, 4, 6, 9 or 12 digits).
    Division(DivisionLevel),
    /// A division inside the user's area, whose code starts with this prefix.
    InScope(String),
    /// A calendar date such as 2026-11-29.
    Date,
    /// `1` or `0`.
    Flag,
    /// A record id (UUID).
    Id,
    /// A whole number from `min` to `max`.
    Number {
        /// Smallest value.
        min: u64,
        /// Largest value.
        max: u64,
    },
    /// Free text of at most this many characters, without control characters.
    Text(usize),
}

impl Expected {
    /// Stable code of the refusal: `query.page`, `query.choice`, `query.division`,
    /// `query.out_of_scope`, `query.date`, `query.flag`, `query.id`, `query.number` or
    /// `query.text`.
    pub fn code(&self) -> &'static str {
        match self {
            Expected::Page => "query.page",
            Expected::OneOf(_) => "query.choice",
            Expected::Division(_) => "query.division",
            Expected::InScope(_) => "query.out_of_scope",
            Expected::Date => "query.date",
            Expected::Flag => "query.flag",
            Expected::Id => "query.id",
            Expected::Number { .. } => "query.number",
            Expected::Text(_) => "query.text",
        }
    }

    /// What the parameter takes, as the end of the sentence `msg.query.invalid`
    /// (`msg.` + [`code`](Expected::code)).
    pub fn message(&self) -> Message {
        match self {
            Expected::Page => Message::new("msg.query.page").text("max", MAX_PAGE),
            Expected::OneOf(codes) => {
                Message::new("msg.query.choice").label("codes", codes.join("、"), codes.join(", "))
            }
            Expected::Division(level) => Message::new("msg.query.division").text("digits", level.digits()).label(
                "level",
                level.label_zh(),
                level.label_en().to_lowercase(),
            ),
            Expected::InScope(prefix) => Message::new("msg.query.out_of_scope").text("prefix", prefix),
            Expected::Date => Message::new("msg.query.date"),
            Expected::Flag => Message::new("msg.query.flag"),
            Expected::Id => Message::new("msg.query.id"),
            Expected::Number { min, max } => Message::new("msg.query.number").text("min", min).text("max", max),
            Expected::Text(max) => Message::new("msg.query.text").text("max", max),
        }
    }
}

fn refuse(field: &'static str, raw: &str, expected: Expected) -> DomainError {
    DomainError::InvalidFilter { field, input: raw.trim().chars().take(40).collect(), expected }
}

/// A page number: empty → 1; else a whole number from 1 to [`MAX_PAGE`].
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.page`) for `0`, `-1`, `abc`, `2.5` or more than
/// [`MAX_PAGE`].
pub fn page(field: &'static str, raw: &str) -> Result<u64, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(1);
    }
    t.parse::<u64>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| refuse(field, raw, Expected::Page))
}

/// One of the codes of `all` (e.g. `ControlStatus::ALL` with `as_code`): empty → `None`.
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.choice`) listing the codes.
pub fn choice<T: Copy>(
    field: &'static str,
    raw: &str,
    all: &[T],
    as_code: fn(T) -> &'static str,
) -> Result<Option<T>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    all.iter()
        .copied()
        .find(|v| as_code(*v) == t)
        .map(Some)
        .ok_or_else(|| refuse(field, raw, Expected::OneOf(all.iter().map(|v| as_code(*v)).collect())))
}

/// Free text to match as given (a user name, an action prefix): trimmed; empty means no filter.
/// A NUL or any other control character, or more than `max` characters, is refused rather than
/// sent to the database (PostgreSQL cannot store a NUL and answered 500; issue #20 item 7).
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.text`).
pub fn text(field: &'static str, raw: &str, max: usize) -> Result<String, DomainError> {
    let t = raw.trim();
    if t.chars().any(char::is_control) || t.chars().count() > max {
        // The refused value is echoed with its control characters shown as U+FFFD.
        let shown: String = raw.chars().map(|c| if c.is_control() { '\u{FFFD}' } else { c }).collect();
        return Err(refuse(field, &shown, Expected::Text(max)));
    }
    Ok(t.to_string())
}

/// A yes/no flag: empty or `0` → false, `1` → true.
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.flag`) for anything else.
pub fn flag(field: &'static str, raw: &str) -> Result<bool, DomainError> {
    match raw.trim() {
        "" | "0" => Ok(false),
        "1" => Ok(true),
        _ => Err(refuse(field, raw, Expected::Flag)),
    }
}

/// A division of exactly `level` inside `scope` (the user's area), by its own digits or padded to
/// 12 (`430405009` or `430405009000` for a town): empty → `None`.
///
/// # Errors
/// [`DomainError::InvalidFilter`]: `query.division` when it is not a division code of that level
/// (`abc`, `4304050091`, a county for a town); `query.out_of_scope` when it lies outside `scope`.
pub fn division(
    field: &'static str,
    raw: &str,
    level: DivisionLevel,
    scope: &DivisionCode,
) -> Result<Option<DivisionCode>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let code = DivisionCode::parse(t)
        .ok()
        .filter(|c| c.level() == level)
        .ok_or_else(|| refuse(field, raw, Expected::Division(level)))?;
    if !scope.contains(&code) {
        return Err(refuse(field, raw, Expected::InScope(scope.prefix())));
    }
    Ok(Some(code))
}

/// A calendar date in any form [`crate::event::parse_date`] reads: empty → `None`.
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.date`) for `2026-13-40`, `yesterday`, ….
pub fn date(field: &'static str, raw: &str) -> Result<Option<NaiveDate>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    crate::event::parse_date(field, t).map(Some).map_err(|_| refuse(field, raw, Expected::Date))
}

/// A record id: empty → `None`.
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.id`) when it is not a UUID.
pub fn id(field: &'static str, raw: &str) -> Result<Option<Uuid>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(t).map(Some).map_err(|_| refuse(field, raw, Expected::Id))
}

/// A whole number from `min` to `max`: empty → `None`.
///
/// # Errors
/// [`DomainError::InvalidFilter`] (`query.number`).
pub fn number(field: &'static str, raw: &str, min: u64, max: u64) -> Result<Option<u64>, DomainError> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<u64>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .map(Some)
        .ok_or_else(|| refuse(field, raw, Expected::Number { min, max }))
}

/// Collects the errors of several parameters: every bad parameter is named, not only the first.
#[derive(Debug, Default)]
pub struct Check {
    errors: Vec<DomainError>,
}

impl Check {
    /// An empty check.
    pub fn new() -> Check {
        Check::default()
    }

    /// The value of `r`, or `T::default()` after keeping its error.
    pub fn take<T: Default>(&mut self, r: Result<T, DomainError>) -> T {
        match r {
            Ok(v) => v,
            Err(e) => {
                self.errors.push(e);
                T::default()
            }
        }
    }

    /// `Ok` when no parameter was refused, else every error in the order checked.
    ///
    /// # Errors
    /// The refused parameters.
    pub fn finish(self) -> Result<(), Vec<DomainError>> {
        if self.errors.is_empty() { Ok(()) } else { Err(self.errors) }
    }
}

/// Why a query string was refused before its values were read: what the address's parameters
/// cannot hold at all. Answered 400 with a sentence naming the parameter, on every page and in
/// the API alike (issue #18, item 18; local rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryStringError {
    /// A parameter given more than once (`?status=a&status=b`): which value is meant cannot be
    /// known, and taking either would answer another question than the one asked.
    Repeated(String),
    /// A parameter the address cannot read (`detail` says why, as the reader found it), or the
    /// query string as a whole when `parameter` is `None`.
    Malformed {
        /// The parameter, when the reader named it.
        parameter: Option<String>,
        /// Why, in the reader's words (English).
        detail: String,
    },
}

/// The longest parameter name a sentence repeats (a name is the user's text).
const NAME_SHOWN: usize = 40;

fn shown(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(NAME_SHOWN).collect()
}

impl QueryStringError {
    /// Stable code: `query.repeated` or `query.malformed`.
    pub fn code(&self) -> &'static str {
        match self {
            QueryStringError::Repeated(_) => "query.repeated",
            QueryStringError::Malformed { .. } => "query.malformed",
        }
    }

    /// The parameter named, if any (shortened to 40 characters, control characters removed).
    pub fn parameter(&self) -> Option<String> {
        match self {
            QueryStringError::Repeated(p) => Some(shown(p)),
            QueryStringError::Malformed { parameter, .. } => parameter.as_deref().map(shown),
        }
    }

    /// The sentence (`msg.query.repeated`, `.malformed`, `.unreadable`) naming the parameter.
    pub fn message(&self) -> Message {
        match (self, self.parameter()) {
            (QueryStringError::Repeated(_), Some(p)) => Message::new("msg.query.repeated").text("parameter", p),
            (QueryStringError::Malformed { detail, .. }, Some(p)) => {
                Message::new("msg.query.malformed").text("parameter", p).text("detail", shown(detail))
            }
            (_, _) => Message::new("msg.query.unreadable"),
        }
    }
}

/// The first parameter name that `keys` (the query string's names, in order) gives more than
/// once; `None` when each is given once.
pub fn repeated_parameter<'a>(keys: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let mut seen = std::collections::BTreeSet::new();
    keys.into_iter().find(|k| !seen.insert(*k))
}

/// The parameter a reader's message names between backticks (serde: ``duplicate field `status` ``,
/// ``unknown field `x` ``), if any.
pub fn parameter_in(detail: &str) -> Option<&str> {
    let (_, rest) = detail.split_once('`')?;
    let (name, _) = rest.split_once('`')?;
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::kinds::ControlStatus;
    use crate::message::testing;

    #[test]
    fn a_repeated_or_unreadable_parameter_is_named_in_both_languages() {
        assert_eq!(repeated_parameter(["town", "status", "page", "status"]), Some("status"));
        assert_eq!(repeated_parameter(["town", "status", "page"]), None);
        assert_eq!(repeated_parameter([]), None);
        let e = QueryStringError::Repeated("status".into());
        assert_eq!(e.code(), "query.repeated");
        assert_eq!(
            testing::zh(&e.message()),
            "查询参数 status 出现了不止一次：每个参数只能给一个值，请去掉重复的 status=…。"
        );
        assert_eq!(
            testing::en(&e.message()),
            "Query parameter status: given more than once; give it one value (remove the repeated status=…)."
        );
        assert_eq!(parameter_in("duplicate field `status`"), Some("status"));
        assert_eq!(parameter_in("invalid digit found in string"), None);
        let e = QueryStringError::Malformed { parameter: Some("page".into()), detail: "invalid digit".into() };
        assert_eq!(testing::zh(&e.message()), "查询参数 page 无法读取（invalid digit）：请检查地址中 page=… 的写法。");
        assert_eq!(
            testing::en(&e.message()),
            "Query parameter page: cannot be read (invalid digit); check how page=… is written in the address."
        );
        let e = QueryStringError::Malformed { parameter: None, detail: String::new() };
        assert!(testing::zh(&e.message()).starts_with("地址中的查询参数无法读取"));
        assert!(testing::en(&e.message()).starts_with("The query string of the address cannot be read"));
        // A name is the user's text: shortened, control characters dropped.
        let long = format!("a\u{7}{}", "b".repeat(100));
        assert_eq!(QueryStringError::Repeated(long).parameter().map(|p| p.chars().count()), Some(40));
    }

    fn scope() -> DivisionCode {
        DivisionCode::parse("430405").unwrap()
    }

    #[test]
    fn pages_are_whole_numbers_from_one() {
        assert_eq!(page("page", ""), Ok(1));
        assert_eq!(page("page", " 3 "), Ok(3));
        assert_eq!(page("page", "1000000"), Ok(1_000_000));
        for bad in ["0", "-1", "abc", "2.5", "1000001", "1e3", "+-2"] {
            let e = page("page", bad).unwrap_err();
            assert_eq!(e.code(), "query.page", "{bad}");
            assert_eq!(e.field(), Some("page"));
            assert!(testing::zh(&e.message()).contains("查询参数 page"), "{}", testing::zh(&e.message()));
            assert!(testing::en(&e.message()).contains("Query parameter page"), "{}", testing::en(&e.message()));
        }
    }

    #[test]
    fn choices_name_the_allowed_codes() {
        assert_eq!(choice("status", "", ControlStatus::ALL, ControlStatus::as_code), Ok(None));
        assert_eq!(
            choice("status", "lost_contact", ControlStatus::ALL, ControlStatus::as_code),
            Ok(Some(ControlStatus::LostContact))
        );
        let e = choice("status", "xyz", ControlStatus::ALL, ControlStatus::as_code).unwrap_err();
        assert_eq!(e.code(), "query.choice");
        assert_eq!(e.field(), Some("status"));
        // Codes are exact: no case folding, no labels.
        assert!(choice("status", "UNDER_CONTROL", ControlStatus::ALL, ControlStatus::as_code).is_err());
    }

    #[test]
    fn divisions_have_their_level_and_lie_in_scope() {
        let s = scope();
        assert_eq!(division("town", "", DivisionLevel::Town, &s), Ok(None));
        assert_eq!(
            division("town", "430405009", DivisionLevel::Town, &s),
            Ok(Some(DivisionCode::parse("430405009").unwrap()))
        );
        for bad in ["abc", "43040500", "430405", "430405009007", "4304050091"] {
            assert_eq!(division("town", bad, DivisionLevel::Town, &s).unwrap_err().code(), "query.division", "{bad}");
        }
        let e = division("town", "430406001", DivisionLevel::Town, &s).unwrap_err();
        assert_eq!(e.code(), "query.out_of_scope");
        assert_eq!(
            division("town", "430405009000", DivisionLevel::Town, &s),
            Ok(Some(DivisionCode::parse("430405009").unwrap()))
        );
        assert_eq!(
            division("community", "430405009007", DivisionLevel::Village, &s),
            Ok(Some(DivisionCode::parse("430405009007").unwrap()))
        );
        assert_eq!(
            division("community", "110105001001", DivisionLevel::Village, &s).unwrap_err().code(),
            "query.out_of_scope"
        );
    }

    #[test]
    fn dates_flags_ids_and_numbers() {
        assert_eq!(date("from", "2026-02-28"), Ok(NaiveDate::from_ymd_opt(2026, 2, 28)));
        for bad in ["2026-13-40", "2026-02-30", "tomorrow"] {
            assert_eq!(date("from", bad).unwrap_err().code(), "query.date", "{bad}");
        }
        assert_eq!(flag("sealed", ""), Ok(false));
        assert_eq!(flag("sealed", "0"), Ok(false));
        assert_eq!(flag("sealed", "1"), Ok(true));
        assert_eq!(flag("sealed", "yes").unwrap_err().code(), "query.flag");
        assert!(id("from", "0190a0a0-0000-7000-8000-000000000000").unwrap().is_some());
        assert_eq!(id("from", "42").unwrap_err().code(), "query.id");
        assert_eq!(number("year", "2026", 2000, 2100), Ok(Some(2026)));
        assert_eq!(number("year", "1999", 2000, 2100).unwrap_err().code(), "query.number");
    }

    #[test]
    fn a_check_keeps_every_error() {
        let mut c = Check::new();
        let p = c.take(page("page", "-1"));
        let s = c.take(choice("status", "xyz", ControlStatus::ALL, ControlStatus::as_code));
        let f = c.take(flag("sealed", "1"));
        assert_eq!((p, s, f), (0, None, true));
        let errs = c.finish().unwrap_err();
        assert_eq!(errs.iter().map(|e| e.field()).collect::<Vec<_>>(), vec![Some("page"), Some("status")]);
    }

    #[test]
    fn free_text_refuses_control_characters_and_overlong_values() {
        assert_eq!(text("username", "  sg01 ", 100).unwrap(), "sg01");
        assert_eq!(text("username", "", 100).unwrap(), "");
        assert_eq!(text("action", "登录", 2).unwrap(), "登录");
        // Every C0 control, DEL and the C1 controls: NUL reached PostgreSQL and gave 500.
        for c in (0u32..0x20).chain(0x7f..0xa0).filter_map(char::from_u32) {
            let raw = format!("a{c}b");
            let err = text("username", &raw, 100).unwrap_err();
            assert_eq!(err.code(), "query.text", "{:?}", c);
        }
        let err = text("action", "登录了", 2).unwrap_err();
        assert_eq!(err.field(), Some("action"));
        assert_eq!(err.code(), "query.text");
    }
}
