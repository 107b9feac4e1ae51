//! The integration tests of `jindu-web`, one test binary (`cargo test -p jindu-web --test it`): the
//! real router over a fresh database, every test on SQLite and on PostgreSQL (`JINDU_TEST_PG_URL`,
//! default postgres://postgres@127.0.0.1:5432/test). `common` holds the harness ([`common::TestApp`]
//! and the `both!` macro); PostgreSQL tests start from a copy of one migrated template database.
//! Filter by module as before: `cargo test -p jindu-web --test it security::`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

mod accounts;
mod api;
mod casework;
mod evaluation;
mod exports;
mod hardening;
mod http;
mod import;
mod import_fixtures;
mod import_limits;
mod indicators;
mod openapi;
mod pages;
mod precursor_credentials;
mod precursor_findings;
mod precursor_inspections;
mod precursor_ledger;
mod precursors;
mod responsibility;
mod security;
mod workstations;
