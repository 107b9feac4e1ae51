//! Display masking and search normalisation: pure string functions, no keys.
//!
//! All functions count Unicode scalar values (`char`s), so each Chinese
//! character is one position.

/// Keeps `front` leading and `back` trailing chars of `chars` and replaces
/// everything between with one `*` per char.
fn keep_ends(chars: &[char], front: usize, back: usize) -> String {
    let n = chars.len();
    let front = front.min(n);
    let back = back.min(n - front);
    let mut out = String::with_capacity(n * 3);
    out.extend(&chars[..front]);
    out.extend(std::iter::repeat_n('*', n - front - back));
    out.extend(&chars[n - back..]);
    out
}

/// Generic rule for values of unexpected length: keep roughly the first and
/// last third, but never more than half of the characters in total
/// (`front = min(n/3, ceil(half/2))`, `back = min(n/3, half - front)` with
/// `half = n/2`). 1–2 chars become all stars.
fn mask_generic(chars: &[char]) -> String {
    let n = chars.len();
    let half = n / 2;
    let front = (n / 3).min(half.div_ceil(2));
    let back = (n / 3).min(half - front);
    keep_ends(chars, front, back)
}

/// Masks a person's name for display: first character, then one `*` per
/// hidden character, then the last character for names of 3+ characters.
///
/// `"张三明"` → `"张*明"`, `"张三"` → `"张*"`, `"欧阳娜娜"` → `"欧**娜"`,
/// a one-character name is returned unchanged. Surrounding whitespace is
/// trimmed first; `""` → `""`.
pub fn mask_name(name: &str) -> String {
    let chars: Vec<char> = name.trim().chars().collect();
    match chars.len() {
        0 | 1 => chars.into_iter().collect(),
        2 => keep_ends(&chars, 1, 0),
        _ => keep_ends(&chars, 1, 1),
    }
}

/// Masks a phone number: an 11-character (mainland mobile) number keeps
/// the first 3 and last 4 characters, `"13812345678"` → `"138****5678"`.
/// Other lengths keep at most half (see the generic rule on
/// [`mask_id_number`]). Whitespace is trimmed first.
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.trim().chars().collect();
    if chars.len() == 11 { keep_ends(&chars, 3, 4) } else { mask_generic(&chars) }
}

/// Masks an ID number: an 18-character resident ID keeps the first 6 (the
/// region code) and last 4 characters with 8 stars between,
/// `"430405199001011234"` → `"430405********1234"`.
///
/// Any other length keeps roughly the first and last third but never more
/// than half of the characters: e.g. 15 chars → 4 + 8 stars + 3, 9 chars →
/// 2 + 5 stars + 2, 4 chars → `"1**4"`, 1–2 chars → all stars. Whitespace is
/// trimmed first.
pub fn mask_id_number(id: &str) -> String {
    let chars: Vec<char> = id.trim().chars().collect();
    if chars.len() == 18 { keep_ends(&chars, 6, 4) } else { mask_generic(&chars) }
}

/// Masks an address: keeps the first 6 characters (typically province and
/// city) and appends `"****"`:
/// `"湖南省长沙市岳麓区麓山南路88号"` → `"湖南省长沙市****"`.
///
/// Addresses shorter than 12 characters keep only their first half
/// (`n / 2` chars), so a short address is never shown in full. `""` → `""`.
/// Whitespace is trimmed first.
pub fn mask_address(address: &str) -> String {
    let chars: Vec<char> = address.trim().chars().collect();
    if chars.is_empty() {
        return String::new();
    }
    let keep = if chars.len() >= 12 { 6 } else { chars.len() / 2 };
    let mut out: String = chars[..keep].iter().collect();
    out.push_str("****");
    out
}

/// Maps full-width ASCII forms (U+FF01–U+FF5E) to ASCII and the ideographic
/// space to a space; other chars unchanged.
fn half_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Normalises an ID number before computing its blind index: full-width
/// characters become ASCII, all whitespace is removed and ASCII letters are
/// upper-cased (so a trailing `x` and `X` match).
///
/// `" 43040519900101123ｘ "` → `"43040519900101123X"`.
pub fn normalize_id_number(id: &str) -> String {
    id.chars().map(half_width).filter(|c| !c.is_whitespace()).map(|c| c.to_ascii_uppercase()).collect()
}

/// Normalises a name before computing its blind index: full-width
/// characters become ASCII, all whitespace is removed, ASCII letters are
/// lower-cased, and the various middle dots used in transliterated names
/// (`・ • ‧ ∙ ⋅ ･ .` and full-width `．`) become `·` (U+00B7).
///
/// `"张 三"` → `"张三"`, `"买买提.艾力"` → `"买买提·艾力"`.
pub fn normalize_name(name: &str) -> String {
    name.chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '\u{30FB}' | '\u{2022}' | '\u{2027}' | '\u{2219}' | '\u{22C5}' | '\u{FF65}' | '.' => '\u{00B7}',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

/// Normalises a phone number: keeps only digits (full-width digits count),
/// then drops a leading `86` / `0086` country code from a 13- / 15-digit
/// mobile number. `"+86 138-1234-5678"` → `"13812345678"`.
pub fn normalize_phone(phone: &str) -> String {
    let digits: String = phone.chars().map(half_width).filter(char::is_ascii_digit).collect();
    if digits.len() == 13
        && let Some(rest) = digits.strip_prefix("86")
    {
        return rest.to_owned();
    }
    if digits.len() == 15
        && let Some(rest) = digits.strip_prefix("0086")
    {
        return rest.to_owned();
    }
    digits
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generic_rule_never_reveals_more_than_half() {
        for n in 0..60usize {
            let s: String = "0123456789".chars().cycle().take(n).collect();
            for masked in [mask_id_number(&s), mask_phone(&s)] {
                if n == 18 || n == 11 {
                    continue;
                }
                let shown = masked.chars().filter(|c| *c != '*').count();
                assert!(shown * 2 <= n, "n={n} masked={masked}");
                assert_eq!(masked.chars().count(), n);
            }
        }
    }
}
