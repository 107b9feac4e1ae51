//! Validation of timeline events: dates as people type them (including Excel forms) and notes.

use chrono::{Days, NaiveDate};

use crate::error::DomainError;
use crate::id_number::to_half_width;

/// Maximum characters of a note (备注); local default.
pub const MAX_NOTE_CHARS: usize = 2000;

/// Largest Excel date serial (9999-12-31).
const EXCEL_MAX_SERIAL: u32 = 2_958_465;

/// An event date may not lie after today (the Asia/Shanghai date, DOMAIN §11).
///
/// # Errors
/// [`DomainError::DateInFuture`] for `field`.
pub fn validate_event_date(field: &'static str, date: NaiveDate, today: NaiveDate) -> Result<(), DomainError> {
    if date > today {
        return Err(DomainError::DateInFuture { field, date, today });
    }
    Ok(())
}

/// An event date may lie neither after today (DOMAIN §11) nor before the earlier date the event
/// follows: `since` is that date's field and value (a leave's first day, the departure an
/// absence ends, a measure's decision or start, the person's birth date).
///
/// # Errors
/// [`DomainError::DateInFuture`] for `field` after `today`; [`DomainError::DateBefore`] (field
/// `field`, other field `since.0`) before `since.1`. The same day is allowed.
pub fn validate_event_date_since(
    field: &'static str,
    date: NaiveDate,
    since: (&'static str, NaiveDate),
    today: NaiveDate,
) -> Result<(), DomainError> {
    validate_event_date(field, date, today)?;
    let (other_field, other) = since;
    if date < other {
        return Err(DomainError::DateBefore { field, date, other_field, other });
    }
    Ok(())
}

/// Parses a date as typed or pasted: `2023-05-06`, `2023/5/6`, `2023.5.6`, `2023年5月6日`,
/// `20230506`, or an Excel date serial (`45052` → 2023-05-06; serial 1 = 1900-01-01, Excel's
/// fictitious 1900-02-29 (serial 60) refused, valid 1..=2958465; a fractional time part is
/// ignored). Spaces are trimmed, full-width digits and punctuation converted, and a trailing
/// time (`2023/5/6 0:00`) ignored.
///
/// # Errors
/// [`DomainError::InvalidDate`] for `field` with the input, for anything else (including
/// impossible dates such as 2023-02-30).
pub fn parse_date(field: &'static str, input: &str) -> Result<NaiveDate, DomainError> {
    let bad = || DomainError::InvalidDate { field, input: input.trim().chars().take(40).collect() };
    let half: String = input.chars().map(to_half_width).collect();
    let mut tokens = half.split_whitespace();
    let first = tokens.next().ok_or_else(bad)?;
    let rest: Vec<&str> = tokens.collect();
    let text = match rest.as_slice() {
        [] => first.to_string(),
        [time] if time.contains(':') && time.chars().all(|c| c.is_ascii_digit() || c == ':' || c == '.') => {
            first.to_string()
        }
        _ => half.split_whitespace().collect(),
    };
    parse_compact(&text).ok_or_else(bad)
}

/// Parses one whitespace-free token.
fn parse_compact(s: &str) -> Option<NaiveDate> {
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if all_digits(s) {
        return match s.len() {
            8 => ymd(&s[..4], &s[4..6], &s[6..]),
            1..=7 => excel_serial(s.parse().ok()?),
            _ => None,
        };
    }
    // Excel serial with a time fraction, e.g. 45052.375.
    if let Some((int, frac)) = s.split_once('.')
        && int.len() <= 7
        && all_digits(int)
        && all_digits(frac)
        && !frac.contains('.')
        && s.matches('.').count() == 1
    {
        return excel_serial(int.parse().ok()?);
    }
    let normalised: String = s
        .trim_end_matches('日')
        .chars()
        .map(|c| if matches!(c, '年' | '月' | '/' | '.' | '-') { '-' } else { c })
        .collect();
    let parts: Vec<&str> = normalised.split('-').collect();
    match parts.as_slice() {
        [y, m, d] if y.len() == 4 && (1..=2).contains(&m.len()) && (1..=2).contains(&d.len()) => {
            if !(all_digits(y) && all_digits(m) && all_digits(d)) {
                return None;
            }
            // One separator style only: 2023-5/6 is refused.
            let seps: Vec<char> = s.chars().filter(|c| !c.is_ascii_digit() && *c != '日').collect();
            let consistent = seps.windows(2).all(|w| w[0] == w[1]) || seps == ['年', '月'];
            if !consistent {
                return None;
            }
            if s.ends_with('日') && seps != ['年', '月'] {
                return None;
            }
            ymd(y, m, d)
        }
        _ => None,
    }
}

fn ymd(y: &str, m: &str, d: &str) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y.parse().ok()?, m.parse().ok()?, d.parse().ok()?)
}

/// Excel 1900 date system: serial 1 = 1900-01-01; serial 60 is the non-existent 1900-02-29
/// (Lotus bug), so serials from 61 are one day less than a plain count.
fn excel_serial(n: u32) -> Option<NaiveDate> {
    if n == 0 || n == 60 || n > EXCEL_MAX_SERIAL {
        return None;
    }
    let base = NaiveDate::from_ymd_opt(1899, 12, 31)?;
    let days = if n > 60 { n - 1 } else { n };
    base.checked_add_days(Days::new(u64::from(days)))
}

/// Trims a note and enforces [`MAX_NOTE_CHARS`] (counted in characters, not bytes). An empty
/// note is returned as `""`; whether it is required is the caller's rule.
///
/// # Errors
/// [`DomainError::TooLong`] for `field`.
pub fn validate_note(field: &'static str, text: &str) -> Result<String, DomainError> {
    validate_free_text(field, text, MAX_NOTE_CHARS)
}

/// Trims `text` and enforces at most `max` characters.
///
/// # Errors
/// [`DomainError::TooLong`] for `field`.
pub fn validate_text(field: &'static str, text: &str, max: usize) -> Result<String, DomainError> {
    let t = text.trim();
    if t.chars().count() > max {
        return Err(DomainError::TooLong { field, max });
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(s: &str) -> Result<NaiveDate, DomainError> {
        parse_date("date", s)
    }

    /// DOMAIN §11: not after today, not before the date the event follows; both ends allowed.
    #[test]
    fn an_event_date_lies_between_the_earlier_date_and_today() {
        let today = d(2026, 11, 29);
        let since = ("leave_from", d(2026, 11, 20));
        assert_eq!(validate_event_date_since("returned_on", d(2026, 11, 20), since, today), Ok(()));
        assert_eq!(validate_event_date_since("returned_on", d(2026, 11, 29), since, today), Ok(()));
        assert_eq!(
            validate_event_date_since("returned_on", d(2026, 11, 19), since, today),
            Err(DomainError::DateBefore {
                field: "returned_on",
                date: d(2026, 11, 19),
                other_field: "leave_from",
                other: d(2026, 11, 20),
            })
        );
        assert_eq!(
            validate_event_date_since("returned_on", d(2026, 11, 30), since, today),
            Err(DomainError::DateInFuture { field: "returned_on", date: d(2026, 11, 30), today })
        );
        // A date both in the future and before the earlier one (an earlier date after today) is
        // refused as in the future first.
        let later = ("leave_from", d(2026, 12, 5));
        assert_eq!(
            validate_event_date_since("returned_on", d(2026, 12, 1), later, today),
            Err(DomainError::DateInFuture { field: "returned_on", date: d(2026, 12, 1), today })
        );
    }

    #[test]
    fn accepted_forms() {
        let want = d(2023, 5, 6);
        for s in [
            "2023-05-06",
            "2023-5-6",
            "2023/5/6",
            "2023/05/06",
            "2023.5.6",
            "2023年5月6日",
            "2023年05月06日",
            "2023年5月6",
            "20230506",
            "45052",
            "45052.375",
            " 2023-05-06 ",
            "２０２３－０５－０６",
            "２０２３年５月６日",
            "2023/5/6 0:00",
            "2023-05-06 00:00:00",
        ] {
            assert_eq!(p(s), Ok(want), "{s}");
        }
    }

    #[test]
    fn excel_serials() {
        assert_eq!(p("1"), Ok(d(1900, 1, 1)));
        assert_eq!(p("59"), Ok(d(1900, 2, 28)));
        assert!(p("60").is_err());
        assert_eq!(p("61"), Ok(d(1900, 3, 1)));
        assert_eq!(p("2958465"), Ok(d(9999, 12, 31)));
        assert!(p("2958466").is_err());
        assert!(p("0").is_err());
    }

    #[test]
    fn refused_forms() {
        for s in [
            "",
            "  ",
            "2023-02-30",
            "2023-13-01",
            "2023-5/6",
            "abc",
            "05/06/2023",
            "202305061",
            "2023-05-06日",
            "2023--5-6",
        ] {
            assert_eq!(p(s), Err(DomainError::InvalidDate { field: "date", input: s.trim().to_string() }), "{s}");
        }
    }

    #[test]
    fn future_and_notes() {
        assert!(validate_event_date("date", d(2024, 1, 2), d(2024, 1, 1)).is_err());
        assert!(validate_event_date("date", d(2024, 1, 1), d(2024, 1, 1)).is_ok());
        assert_eq!(validate_note("note", "  hi  "), Ok("hi".to_string()));
        let long: String = "毒".repeat(MAX_NOTE_CHARS);
        assert_eq!(validate_note("note", &long).map(|s| s.chars().count()), Ok(MAX_NOTE_CHARS));
        let longer = format!("{long}毒");
        assert_eq!(validate_note("note", &longer), Err(DomainError::TooLong { field: "note", max: MAX_NOTE_CHARS }));
    }
}

/// Longest accepted person name (characters).
pub const MAX_NAME_CHARS: usize = 50;

/// Checks a person's name: trimmed, 1–50 characters, at least one letter (汉字 or Latin),
/// and no control, zero-width or text-direction characters (they hide or reorder what an
/// officer reads). Middle dots of minority and foreign names (·, •) are allowed.
///
/// # Errors
/// [`DomainError::Required`], [`DomainError::TooLong`] or [`DomainError::InvalidText`] for `field`.
pub fn validate_name(field: &'static str, input: &str) -> Result<String, DomainError> {
    let t = input.trim();
    if t.is_empty() {
        return Err(DomainError::Required { field });
    }
    if t.chars().count() > MAX_NAME_CHARS {
        return Err(DomainError::TooLong { field, max: MAX_NAME_CHARS });
    }
    if t.chars().any(is_hidden) || !t.chars().any(char::is_alphabetic) {
        return Err(DomainError::InvalidText { field });
    }
    Ok(t.to_string())
}

/// Control characters, zero-width characters and bidirectional overrides.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{FFFD}')
}

/// Checks free text (addresses, notes): trimmed, at most `max` characters, no hidden
/// characters except line breaks and tabs in notes.
///
/// # Errors
/// [`DomainError::TooLong`] or [`DomainError::InvalidText`] for `field`.
pub fn validate_free_text(field: &'static str, input: &str, max: usize) -> Result<String, DomainError> {
    let t = validate_text(field, input, max)?;
    if t.chars().any(|c| is_hidden(c) && c != '\n' && c != '\r' && c != '\t') {
        return Err(DomainError::InvalidText { field });
    }
    Ok(t)
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_refuse_hidden_characters() {
        assert_eq!(validate_name("name", "  张三 ").unwrap(), "张三");
        assert_eq!(validate_name("name", "阿依古丽·买买提").unwrap(), "阿依古丽·买买提");
        assert_eq!(validate_name("name", "\u{200B}"), Err(DomainError::InvalidText { field: "name" }));
        assert_eq!(validate_note("note", "a\u{7}b"), Err(DomainError::InvalidText { field: "note" }));
        assert_eq!(validate_note("note", "a\u{0}b"), Err(DomainError::InvalidText { field: "note" }));
        assert_eq!(
            validate_note("note", "abc\u{FFFD}"),
            Err(DomainError::InvalidText { field: "note" }),
            "invalid UTF-8"
        );
        assert_eq!(validate_note("note", "第一行\n第二行").unwrap(), "第一行\n第二行");
        assert_eq!(validate_name("name", "张\u{0}三"), Err(DomainError::InvalidText { field: "name" }));
        assert_eq!(validate_name("name", "张\u{202E}三"), Err(DomainError::InvalidText { field: "name" }));
        assert_eq!(validate_name("name", "\u{301}"), Err(DomainError::InvalidText { field: "name" }));
        assert_eq!(validate_name("name", "123"), Err(DomainError::InvalidText { field: "name" }));
        assert_eq!(validate_name("name", ""), Err(DomainError::Required { field: "name" }));
        assert_eq!(validate_name("name", &"张".repeat(51)), Err(DomainError::TooLong { field: "name", max: 50 }));
        assert_eq!(validate_free_text("note", "第一行\n第二行", 100).unwrap(), "第一行\n第二行");
        assert_eq!(validate_free_text("address", "路\u{7}", 100), Err(DomainError::InvalidText { field: "address" }));
    }
}
