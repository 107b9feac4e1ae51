//! SeaORM entities. Dates are `NaiveDate` (stored as dates), instants are UTC.
//! Enumerations are stored as the stable codes of `jindu_domain::kinds`.

pub mod absence;
pub mod alert;
pub mod alert_ack;
pub mod api_token;
pub mod app_user;
pub mod attachment;
pub mod audit_lane;
pub mod audit_record;
pub mod division;
pub mod evaluation_manual;
pub mod evaluation_result;
pub mod evaluation_run;
pub mod evaluation_scheme;
pub mod event;
pub mod indicator_cell;
pub mod leave_request;
pub mod measure;
pub mod member_unit;
pub mod obligation;
pub mod person;
pub mod person_indicator;
pub mod person_part;
pub mod plan_task;
pub mod police_report;
pub mod responsibility_letter;
pub mod risk_assessment;
pub mod session;
pub mod setting;
pub mod task_evidence;
pub mod transfer;
pub mod work_calendar;
pub mod working_group_member;
pub mod workstation;
