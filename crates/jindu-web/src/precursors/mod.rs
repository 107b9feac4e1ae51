//! 易制毒 pages (issue #21): the enterprise register and its ledgers, credentials and the public
//! verify page, the findings inbox, inspections.

pub mod credentials;
pub mod enterprises;
pub mod findings;
pub mod inspections;
pub mod ledger;
