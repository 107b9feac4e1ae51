//! The integration tests of `jindu-store` (`cargo test -p jindu-store --test it`): each test runs on
//! SQLite and on PostgreSQL (`JINDU_TEST_PG_URL`, default postgres://postgres@127.0.0.1:5432/test).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod schema;
