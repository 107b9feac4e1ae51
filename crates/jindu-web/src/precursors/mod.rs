//! 易制毒 pages (issue #21): the enterprise register, credentials, the public verify page.

pub mod credentials;
pub mod enterprises;
