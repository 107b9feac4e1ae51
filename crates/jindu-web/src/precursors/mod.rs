//! 易制毒 pages (issue #21): the enterprise register and its ledgers.

pub mod enterprises;
pub mod ledger;
