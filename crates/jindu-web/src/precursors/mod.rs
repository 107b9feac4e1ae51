//! 易制毒 pages (issue #21): the enterprise register and the findings inbox.

pub mod enterprises;
pub mod findings;
