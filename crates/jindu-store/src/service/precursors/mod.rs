//! 易制毒化学品 precursor chemicals (issue #21; MODULES §1): the services of the work line.
//!
//! - [`enterprises`]: the register of 易制毒化学品生产经营单位 and the 企业 account's own record.

pub mod enterprises;
