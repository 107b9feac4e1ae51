//! 个案管控 casework: what is derived from a person's record after every write and by the sweep (`derived`, re-exported here), caseloads and working groups, leave and breaches, alerts, the worklist and the workstations where community measures are carried out.

mod derived;
pub use derived::*;

pub mod alerts;
pub mod caseload;
pub mod conduct;
pub mod worklist;
pub mod workstations;
