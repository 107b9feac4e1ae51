//! Checks (filled below).

/// Whether a transport from `from` to `to` crosses a 设区的市 boundary.
pub fn crosses_city(from: &str, to: &str) -> bool {
    from.get(..4) != to.get(..4)
}
