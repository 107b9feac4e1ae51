//! 易制毒化学品 precursor chemicals (issue #21; MODULES §1): the services of the work line.
//!
//! - [`catalogue`]: the versioned catalogue, the shipped files plus every imported 公告.
//! - [`credentials`]: 证照, their wallet, burn-down, renewal and the public verify answer.
//! - [`annual_report`]: the enterprise's annual report (MODULES §1.4) from its ledger.
//! - [`enterprises`]: the register of 易制毒化学品生产经营单位 and the 企业 account's own record.

pub mod annual_report;
pub mod catalogue;
pub mod credentials;
pub mod enterprises;
