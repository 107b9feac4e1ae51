//! 易制毒化学品 precursor chemicals (issue #21; MODULES §1): the services of the work line.
//!
//! - [`catalogue`]: the versioned catalogue, the shipped files plus every imported 公告.
//! - [`enterprises`]: the register of 易制毒化学品生产经营单位 and the 企业 account's own record.

pub mod catalogue;
pub mod enterprises;
pub mod ledger;
pub mod ledger_import;
