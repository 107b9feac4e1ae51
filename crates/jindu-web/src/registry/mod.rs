//! 人员登记 registry pages: persons and transfers of the place of execution.

pub(crate) mod persons;
pub(crate) mod transfers;
