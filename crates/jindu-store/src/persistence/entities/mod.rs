//! SeaORM entities, one file per work line (as `service/`), one inline module per table.
//! Dates are `NaiveDate` (stored as dates), instants are UTC.
//! Enumerations are stored as the stable codes of `jindu_domain::kinds`.

pub mod accountability;
pub mod administration;
pub mod audit;
pub mod casework;
pub mod precursor_catalogue;
pub mod precursors;
pub mod registry;
pub mod statistics;

pub use accountability::{
    attachment, evaluation_manual, evaluation_result, evaluation_run, evaluation_scheme, member_unit, plan_task,
    responsibility_letter, task_evidence,
};
pub use administration::{
    api_token, app_user, division, import_file, import_job, session, setting, sign_in_throttle, work_calendar,
};
pub use audit::{audit_lane, audit_record};
pub use casework::{
    absence, alert, alert_ack, leave_request, obligation, risk_assessment, working_group_member, workstation,
};
pub use precursors::{
    precursor_credential, precursor_enterprise, precursor_finding, precursor_incident, precursor_inspection,
    precursor_material_map, precursor_movement, precursor_risk, precursor_stock_take, precursor_transport,
    precursor_warehouse,
};
pub use registry::{event, measure, person, person_part, police_report, transfer, write_receipt};
pub use statistics::{indicator_cell, person_indicator};
