//! 易制毒 pages (issue #21): the enterprise register, inspections.

pub mod enterprises;
pub mod inspections;
