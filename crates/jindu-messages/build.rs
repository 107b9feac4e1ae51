//! Rebuilds the catalogue (compiled in by `rust_i18n::i18n!`) when a locale file changes.

fn main() {
    println!("cargo:rerun-if-changed=locales");
}
