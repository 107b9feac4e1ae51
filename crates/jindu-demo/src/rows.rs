//! What the two generators ([`crate::district`], [`crate::synthetic`]) share: drawing a control
//! status, building a measure row with its clock columns and an event row.

use chrono::NaiveDate;
use jindu_domain::clock::Now;
use jindu_domain::measure::MeasureClock;
use jindu_domain::{ControlStatus, EventKind, MeasureKind, WorkCalendar};
use jindu_store::seed::{event, measure};
use jindu_store::service::ServiceResult;
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use sea_orm::ActiveValue::Set;
use uuid::Uuid;

/// A control status drawn with one number of `rng`: `upto` are the cumulative shares of 在控,
/// 失控, 羁押, 死亡, 出境 and 戒断三年未复吸 (e.g. `[0.75, 0.79, …]`: 75 % under control, 4 % lost,
/// …); the rest is 解除.
pub(crate) fn draw_status(rng: &mut ChaCha8Rng, upto: [f64; 6]) -> ControlStatus {
    const ORDER: [ControlStatus; 6] = [
        ControlStatus::UnderControl,
        ControlStatus::LostContact,
        ControlStatus::InCustody,
        ControlStatus::Deceased,
        ControlStatus::Abroad,
        ControlStatus::Abstinent3y,
    ];
    let roll: f64 = rng.random();
    ORDER.iter().zip(upto).find(|(_, up)| roll < *up).map_or(ControlStatus::Released, |(s, _)| *s)
}

/// The row of measure `id` of `person_id`: its kind and decision date, created at `now`, with the
/// clock columns of `clock` (report day, suspensions, end, status) as the registry writes them.
///
/// # Errors
/// What `jindu_store::seed::clock_columns` returns.
pub(crate) fn measure_row(
    id: Uuid,
    person_id: Uuid,
    kind: MeasureKind,
    decision: NaiveDate,
    clock: &MeasureClock,
    now: Now,
    cal: &WorkCalendar,
) -> ServiceResult<measure::ActiveModel> {
    let mut am = measure::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        kind: Set(kind.as_code().to_string()),
        decision_date: Set(decision),
        created_at: Set(now.instant),
        ..Default::default()
    };
    jindu_store::seed::clock_columns(&mut am, clock, now, cal)?;
    Ok(am)
}

/// The row of event `id` of `person_id` (under `measure_id`, if any): `kind` on `on`, recorded at
/// `now` by `recorded_by` (none for the system), without a test, note, amendment or detail.
pub(crate) fn event_row(
    id: Uuid,
    person_id: Uuid,
    measure_id: Option<Uuid>,
    kind: EventKind,
    on: NaiveDate,
    now: Now,
    recorded_by: Option<Uuid>,
) -> event::ActiveModel {
    event::ActiveModel {
        id: Set(id),
        person_id: Set(person_id),
        measure_id: Set(measure_id),
        kind: Set(kind.as_code().to_string()),
        occurred_on: Set(on),
        recorded_at: Set(now.instant),
        recorded_by: Set(recorded_by),
        test_method: Set(None),
        test_result: Set(None),
        substance: Set(None),
        note: Set(None),
        amends_event_id: Set(None),
        detail: Set(None),
    }
}
