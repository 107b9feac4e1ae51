//! The bulk loader for synthetic data: what the generators of the crate `jindu-demo` (the demo
//! district of `jindu demo`, the national caseload of `jindu bench indicators`) need to write
//! invented records directly, in bulk, without one service call per record.
//!
//! Only synthetic data comes this way: `jindu demo` refuses a database made by `jindu init`, and
//! no page, API or CLI command of a deployment reaches these functions. Everything here writes
//! inside a unit of work the generator opened as the system ([`UnitOfWork::begin_as`] with
//! [`Who::system`], the store's one way to open a write transaction), with the same columns the
//! services write: personal fields sealed by [`seal_person`], a measure's clock columns by
//! [`clock_columns`], the indicator structure by [`add_structure`] / [`apply_structure`],
//! derived state by [`reconcile`] and the cells rebuilt by [`rebuild`]. The generators
//! append no audit records themselves; the records they make through services
//! (`service::transfers::request`, `service::police::file`, …) are audited by those services.

pub use crate::divisions::{DivisionRow, embedded_all, embedded_subtree, store_rows};
/// The tables the generators fill row by row.
pub use crate::entities::{
    absence, app_user, event, leave_request, measure, person, transfer, working_group_member, workstation,
};
pub use crate::service::UnitOfWork;
pub use crate::service::audit::Who;
pub use crate::service::indicators::{add_structure, apply_structure, rebuild};
pub use crate::service::measures::clock_columns;
pub use crate::service::persons::{SealedPerson, seal_person};

/// Brings everything derived about an invented person up to date in the generator's unit of
/// work (risk, duties, lost contact, alerts, indicator cells), exactly as every write of the
/// services does (`casework::reconcile`, which stays private to the store).
///
/// # Errors
/// Store errors.
pub async fn reconcile<T: sea_orm::ConnectionTrait + sea_orm::TransactionSession>(
    uow: &UnitOfWork<T>,
    person_id: uuid::Uuid,
    trigger: Option<jindu_domain::AssessmentTrigger>,
) -> crate::service::ServiceResult<()> {
    crate::service::casework::reconcile(uow, person_id, trigger).await.map(|_| ())
}
