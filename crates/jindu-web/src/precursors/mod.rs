//! 易制毒 pages (issue #21): the enterprise register.

pub mod enterprises;
