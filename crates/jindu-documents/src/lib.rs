//! The documents Jindu writes: the 通报 (.docx, GB/T 9704) and the workbooks (.xlsx) of the 驾驶舱,
//! of an evaluation run and of the lists people work from ([`table`]).
//!
//! Each writer takes a view the store has already built (a `Dashboard`, a `RunView`, rows) and
//! returns bytes: no database, no HTTP, no clock of its own (the date of a document is an
//! argument). The web handlers and `jindu report` send the bytes; see this crate's README.

pub mod bulletin;
pub mod evaluation_bulletin;
pub mod export;
pub mod sheet;
pub mod table;

pub use export::ExportError;

#[cfg(test)]
mod testing;
