//! The integration tests of `jindu-crypto`, one test binary (`cargo test -p jindu-crypto --test it`):
//! each module was a test binary of its own, and every binary linked the whole dependency tree.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod blind_index;
mod encryption;
mod env;
mod keyfile;
mod masking;
mod robustness;
mod throughput;
