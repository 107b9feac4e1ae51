//! 易制毒化学品 precursor chemicals (issue #21; MODULES §1): the services of the work line.
//!
//! - [`catalogue`]: the versioned catalogue, the shipped files plus every imported 公告.
//! - [`credentials`]: 证照, their wallet, burn-down, renewal and the public verify answer.
//! - [`annual_report`]: the enterprise's annual report (MODULES §1.4) from its ledger.
//! - [`checks`]: the findings of the automatic checks on stored data, reconciled, and the inbox.
//! - [`enterprises`]: the register of 易制毒化学品生产经营单位 and the 企业 account's own record.
//! - [`inspections`]: 监督检查 with checklist, findings, rectification and re-check; the worklist.
//! - [`ledger`], [`ledger_import`]: the two-sided ledger, its forms and the ERP import.
//! - [`risk`]: the enterprise risk tier, re-assessed from open findings and inspections.
//! - [`indicators`]: the precursor figures of the 驾驶舱 and of evaluation.

pub mod annual_report;
pub mod catalogue;
pub mod checks;
pub mod credentials;
pub mod enterprises;
pub mod indicators;
pub mod inspections;
pub mod ledger;
pub mod ledger_import;
pub mod risk;
