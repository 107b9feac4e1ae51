//! 易制毒 pages (issue #21): the enterprise register and its ledgers, credentials and the public
//! verify page, the findings inbox, inspections.

pub mod credentials;
pub mod enterprises;
pub mod findings;
pub mod inspections;
pub mod ledger;

/// A query-string value percent-encoded (RFC 3986 unreserved characters kept, every other byte
/// of its UTF-8 as `%XX`), for the links that carry a list's filters to its pages and export.
pub(crate) fn url_escape(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
