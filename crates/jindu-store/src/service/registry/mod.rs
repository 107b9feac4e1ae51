//! 人员登记 registry: persons, their measures and events, transfers of the place of execution (and transfer files between deployments), and the police's filings.

pub mod measures;
pub mod persons;
pub mod police;
pub mod receipts;
pub mod record;
pub mod transfer_file;
pub mod transfers;
