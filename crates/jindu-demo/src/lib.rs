//! Synthetic data, never a deployment's: the demo district of `jindu demo` ([`district`]: 珠晖区
//! with 862 invented registered persons and two years of history) and the national caseload of
//! `jindu bench indicators` ([`synthetic`]). Both are deterministic for a seed and a date, write
//! through `jindu_store::seed` (the store's bulk loader) and the store's services, and invent
//! every person (names from common characters, ID numbers with a valid check digit).
//!
//! Used by `jindu-cli` and by tests that need a caseload; the production library (`jindu-store`)
//! and the web edge (`jindu-web`, except as a dev-dependency) do not depend on it.

pub mod district;
mod rows;
pub mod synthetic;
