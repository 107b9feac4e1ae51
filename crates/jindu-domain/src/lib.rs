//! Jindu (禁毒) domain rules: pure types, validation and legal deadlines. No I/O, no clock
//! reads except [`clock::system_now`]. Rules cite their source: a law and article, or "local
//! default, configurable" (see `DOMAIN.md`).
//!
//! - [`id_number`]: resident ID numbers (GB 11643-1999, DOMAIN §9).
//! - [`division`]: administrative division codes and scope.
//! - [`days`]: counting days and legal deadlines (DOMAIN §11).
//! - [`measure`]: the clock of a measure (DOMAIN §2).
//! - [`obligation`]: scheduled duties (DOMAIN §3).
//! - [`status`]: control-status rules.
//! - [`event`]: date and note validation for timeline events.
//! - [`transfer`]: transfers of the place of execution (戒毒条例 §22).
//! - [`access`]: roles, permissions and the data scope.
//! - [`error`]: the one error type with stable codes; [`message`]: a sentence as a code and its
//!   parameters, rendered from the catalogue (`jindu-messages`) at the edge.
//! - [`risk`]: risk tiers from a factor table; [`breach`]: serious breach (戒毒条例 §20);
//!   [`leave`]: leave and overstay (§19); [`alert`]: the alerts of a person and the lost-contact
//!   rule; [`abstinence`]: three years off drugs (§7); [`exemption`]: 禁毒法 §39.
//! - [`responsibility`]: 责任书 and 规划任务 status, and the files kept as proof.
//! - [`precursor`]: 易制毒化学品: the catalogue as versioned data, quantities, credentials,
//!   ledgers and mass balance, flow matching, the checks P-01…P-14, an enterprise's risk tier,
//!   credit codes and the enterprise register's form.
//! - [`indicator`]: the indicators (统计指标), their cells and what a person's record adds.

pub mod abstinence;
pub mod access;
pub mod alert;
pub mod breach;
pub mod clock;
pub mod days;
pub mod division;
pub mod error;
pub mod evaluation;
pub mod evaluation_edit;
pub mod event;
pub mod exemption;
pub mod id_number;
pub mod ids;
pub mod import;
pub mod imported_measure;
pub mod indicator;
pub mod kinds;
pub mod leave;
pub mod measure;
pub mod message;
pub mod obligation;
pub mod precursor;
pub mod query;
pub mod responsibility;
pub mod risk;
pub mod status;
pub mod transfer;
pub mod workstation;

pub use access::{Permission, Role, RoleProfile};
pub use days::WorkCalendar;
pub use division::{DivisionCode, DivisionLevel};
pub use error::DomainError;
pub use id_number::IdNumber;
pub use ids::*;
pub use kinds::*;
pub use measure::{MeasureClock, Suspension};
pub use obligation::{Due, Schedule};

/// Test helper: a calendar day written `YYYY-MM-DD`.
#[cfg(test)]
pub(crate) mod test_days {
    /// The day `s` (`YYYY-MM-DD`); panics on anything else (tests only).
    #[allow(clippy::unwrap_used)]
    pub(crate) fn d(s: &str) -> chrono::NaiveDate {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }
}
