//! The integration tests of the `jindu` binary, one test binary (`cargo test -p jindu-cli --test it`):
//! the command line (`cli`) and crash safety of the import (`crash`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod backup;
mod cli;
mod crash;
mod precursors;
