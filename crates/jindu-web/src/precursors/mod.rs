//! 易制毒 pages (issue #21): the enterprise register, the findings inbox, inspections.

pub mod enterprises;
pub mod findings;
pub mod inspections;
