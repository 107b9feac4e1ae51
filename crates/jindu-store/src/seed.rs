//! The bulk loader for synthetic data: what the generators of the crate `jindu-demo` (the demo
//! district of `jindu demo`, the national caseload of `jindu bench indicators`) need to write
//! invented records directly, in bulk, without one service call per record.
//!
//! Only synthetic data comes this way: `jindu-demo` refuses a database made by `jindu init`, and
//! no page, API or CLI command of a deployment reaches these functions. Everything here writes
//! inside a transaction the generator opened with [`begin_write`] (the store's one way to open a
//! write transaction), with the same columns the services write: personal fields sealed by
//! [`seal_person`], a measure's clock columns by [`clock_columns`], the indicator structure by
//! [`add_structure`] / [`apply_structure`] and the cells rebuilt by [`rebuild`]. The generators
//! append no audit records themselves; the records they make through services
//! (`service::transfers::request`, `service::police::file`, …) are audited by those services.

use jindu_domain::WorkCalendar;
use jindu_domain::clock::Now;
use jindu_domain::measure::MeasureClock;
use uuid::Uuid;

pub use crate::divisions::{DivisionRow, embedded_all, embedded_subtree, store_rows};
/// The tables the generators fill row by row.
pub use crate::entities::{
    absence, app_user, event, leave_request, measure, person, transfer, working_group_member, workstation,
};
use crate::service::ServiceResult;
pub use crate::service::begin_write;
pub use crate::service::indicators::{add_structure, apply_structure, rebuild};
pub use crate::service::persons::SealedPerson;
use crate::vault::Vault;

/// Seals an invented person's personal fields for row `id`, exactly as the registry does for a
/// real one (encrypted columns and blind indexes).
///
/// # Errors
/// `ServiceError` if the vault cannot seal a field.
pub fn seal_person(
    vault: &Vault,
    id: Uuid,
    name: &str,
    id_number: &str,
    phone: Option<&str>,
    address: Option<&str>,
    note: Option<&str>,
) -> ServiceResult<SealedPerson> {
    crate::service::persons::seal_person(vault, id, name, id_number, phone, address, note)
}

/// Fills a measure row's clock columns (report day, suspensions, end, status, deadlines) from
/// `clock` on the day of `now`, exactly as the registry does when it records a measure.
///
/// # Errors
/// `ServiceError::Data` if the suspensions cannot be serialised.
pub fn clock_columns(
    am: &mut measure::ActiveModel,
    clock: &MeasureClock,
    now: Now,
    cal: &WorkCalendar,
) -> ServiceResult<()> {
    crate::service::measures::clock_columns(am, clock, now, cal)
}
