//! What one person's record adds to the indicator cells ([`contribution`]). A pure function of
//! the stored facts and the day the figures are taken on ([`PersonRecord::as_of`], passed in,
//! never read from a clock), so the figures kept incrementally equal a recomputation from
//! scratch on the same day. Missed duties accrue as days pass: the hourly sweep reconciles every
//! person, which brings each one's cells to today.

use chrono::NaiveDate;

use crate::days::WorkCalendar;
use crate::kinds::{ControlStatus, EventKind, MeasureKind, ObligationKind, RiskTier, TestResult};
use crate::measure::MeasureClock;
use crate::obligation::{Schedule, next_due};
use crate::status::status_after;

use super::cell::{CellKey, Contribution};
use super::period::Month;

/// One timeline event as the indicators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventFact {
    /// Kind of event.
    pub kind: EventKind,
    /// The day it happened.
    pub on: NaiveDate,
    /// Result of a drug test.
    pub test_result: Option<TestResult>,
    /// For `StatusChanged`: the status it changed to (from the event's detail).
    pub status_to: Option<ControlStatus>,
}

/// One measure as the indicators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureFact {
    /// Its clock (kind, decision, report, suspensions, end).
    pub clock: MeasureClock,
    /// The stored report deadline (decision + 15 days on working days, 戒毒条例 §14, §38).
    pub report_deadline: Option<NaiveDate>,
}

/// A person's record as the indicators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord<'a> {
    /// Day the record entered Jindu (its creation, Asia/Shanghai). The person is counted from
    /// [`registered_from`]: this day or an earlier legal date the record gives.
    pub registered_on: NaiveDate,
    /// 初次发现日期, for 新发现.
    pub first_found_on: Option<NaiveDate>,
    /// The control status stored now; the replayed timeline ends in it.
    pub status: ControlStatus,
    /// Risk tier now (sets the visit interval of the replayed schedule).
    pub tier: RiskTier,
    /// Timeline events, any order.
    pub events: &'a [EventFact],
    /// Measures, any order.
    pub measures: &'a [MeasureFact],
    /// The day the figures are taken on (today, Asia/Shanghai). A scheduled test or visit due
    /// before it and not met is a missed duty: it stays due in its month and the schedule runs
    /// on from it ([`replay_duties`]).
    pub as_of: NaiveDate,
}

/// The person's cells:
/// - **status** (stock): the control status replayed from registration ([`registered_from`],
///   在控) through each
///   `ContactLost`, `ContactRestored`, `Relapse` and `StatusChanged` in date order (the rules of
///   [`status_after`]); when the replay does not end in the stored status, the stored status
///   wins from the last change. Changes dated before registration count from registration.
/// - **community measures** (community detox and rehabilitation): `CommunityDecided` in the
///   decision month and `ReportedInTime` there too when reported on or before the report
///   deadline; `CommunityOrdered` from the decision month and `CommunityExecuting` from the
///   report month, both until the month the measure ended.
/// - **flows**: `NewlyFound` in the first-found month; each `Relapse`; each test with a positive
///   or negative result (`TestsDone`, `TestsPositive`); each visit (`VisitsDone`).
/// - **duties due** ([`replay_duties`]): every test and visit duty the schedule of a measure
///   served in the community set up to [`PersonRecord::as_of`], missed or not, counted in the
///   month it fell due once its due date is before `as_of` (or it was met early: the open duty
///   is not due yet), and met when done by the due date; an ended measure keeps its duties; none from the day the person left
///   dynamic control (died, three years abstinent, released: [`super::Headcount::Registered`]).
pub fn contribution(record: &PersonRecord<'_>, schedule: &Schedule, cal: &WorkCalendar) -> Contribution {
    let mut c = Contribution::new();
    for (status, from, to) in status_timeline(record) {
        c.add(CellKey::Status(status), Month::of(from), 1);
        if let Some(to) = to {
            c.add(CellKey::Status(status), Month::of(to), -1);
        }
    }
    if let Some(found) = record.first_found_on {
        c.add(CellKey::NewlyFound, Month::of(found), 1);
    }
    for e in record.events {
        let m = Month::of(e.on);
        match e.kind {
            EventKind::Relapse => c.add(CellKey::Relapse, m, 1),
            EventKind::Visit => c.add(CellKey::VisitsDone, m, 1),
            EventKind::DrugTest => match e.test_result {
                Some(TestResult::Positive) => {
                    c.add(CellKey::TestsDone, m, 1);
                    c.add(CellKey::TestsPositive, m, 1);
                }
                Some(TestResult::Negative) => c.add(CellKey::TestsDone, m, 1),
                _ => {}
            },
            _ => {}
        }
    }
    // Duties stop when the person leaves dynamic control (死亡, 戒断三年, 解除).
    let left_on = status_timeline(record)
        .into_iter()
        .find(|(s, _, _)| !super::Headcount::Registered.includes(*s))
        .map(|(_, from, _)| from);
    for mf in record.measures {
        let clock = &mf.clock;
        if clock.needs_report() {
            let decided = Month::of(clock.decision_date);
            c.add(CellKey::CommunityDecided, decided, 1);
            c.add(CellKey::CommunityOrdered, decided, 1);
            if let (Some(rep), Some(deadline)) = (clock.reported_on, mf.report_deadline)
                && rep <= deadline
            {
                c.add(CellKey::ReportedInTime, decided, 1);
            }
            if let Some(rep) = clock.reported_on {
                c.add(CellKey::CommunityExecuting, Month::of(rep), 1);
            }
            if let Some((end, _)) = clock.ended {
                c.add(CellKey::CommunityOrdered, Month::of(end), -1);
                if clock.reported_on.is_some() {
                    c.add(CellKey::CommunityExecuting, Month::of(end), -1);
                }
            }
        }
        for (kind, event, due_key, met_key) in [
            (ObligationKind::DrugTest, EventKind::DrugTest, CellKey::TestsDue, CellKey::TestsDueMet),
            (ObligationKind::Visit, EventKind::Visit, CellKey::VisitsDue, CellKey::VisitsDueMet),
        ] {
            let done: Vec<NaiveDate> = record
                .events
                .iter()
                .filter(|e| e.kind == event && e.test_result != Some(TestResult::Refused))
                .map(|e| e.on)
                .collect();
            for duty in replay_duties(schedule, kind, clock, record.tier, &done, record.as_of, cal) {
                if left_on.is_some_and(|l| duty.due >= l) {
                    break;
                }
                // The open duty counts once it falls due (or is met early): figures taken
                // mid-month count the duties of the month so far.
                if duty.met_on.is_none() && duty.due >= record.as_of {
                    continue;
                }
                c.add(due_key, Month::of(duty.due), 1);
                if duty.met_on.is_some_and(|d| d <= duty.due) {
                    c.add(met_key, Month::of(duty.due), 1);
                }
            }
        }
    }
    c
}

/// The day a person counts as registered (在册) from: the earliest of the day the record entered
/// Jindu, the first-found date (police register a person found using drugs, 禁毒法 §32) and the
/// decision date of any measure. History entered later (an import of an older registry) thus
/// counts from its legal dates, as its duties do (issue #18, item 12): a person decided on
/// 2026-10-10 and imported on 2026-12-06 is 在册 in October and November, when the tests it was
/// due fell due.
pub fn registered_from(record: &PersonRecord<'_>) -> NaiveDate {
    record
        .measures
        .iter()
        .map(|m| m.clock.decision_date)
        .chain(record.first_found_on)
        .fold(record.registered_on, NaiveDate::min)
}

/// The control status over time from [`registered_from`]: `(status, from, until)` with `until`
/// the day the next status began (`None` for the current one).
pub fn status_timeline(record: &PersonRecord<'_>) -> Vec<(ControlStatus, NaiveDate, Option<NaiveDate>)> {
    let registered_on = registered_from(record);
    let mut evs: Vec<&EventFact> = record
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::ContactLost | EventKind::ContactRestored | EventKind::Relapse | EventKind::StatusChanged
            )
        })
        .collect();
    evs.sort_by_key(|e| e.on);
    let mut changes: Vec<(ControlStatus, NaiveDate)> = vec![(ControlStatus::UnderControl, registered_on)];
    let mut cur = ControlStatus::UnderControl;
    for e in evs {
        let next = match e.kind {
            EventKind::StatusChanged => e.status_to.unwrap_or(cur),
            k => status_after(cur, k),
        };
        if next != cur {
            changes.push((next, e.on.max(registered_on)));
            cur = next;
        }
    }
    if cur != record.status {
        let on = changes.last().map_or(registered_on, |(_, d)| *d);
        changes.push((record.status, on));
    }
    let mut out = Vec::with_capacity(changes.len());
    for (i, (s, from)) in changes.iter().enumerate() {
        out.push((*s, *from, changes.get(i + 1).map(|(_, d)| *d)));
    }
    out
}

/// One duty of the replayed schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReplayedDuty {
    /// Its due date (last day).
    pub due: NaiveDate,
    /// The act that met it (on time when on or before `due`, late otherwise); `None` when
    /// missed or still open.
    pub met_on: Option<NaiveDate>,
}

/// Safety bound on the duties replayed for one measure and kind (weekly visits over three
/// years are 157).
const MAX_DUTIES: usize = 2_000;

/// The duties of `kind` (test or visit) a measure has had up to `as_of`, replayed with the
/// worklist's rule ([`next_due`]): the first duty counts from the start of the measure; an act
/// (`done`, any order; several on one day count once) done on or before the open duty's due
/// date meets it on time and the next duty counts from the act. An act after the due date meets
/// it late (and anchors the next one) when it comes before the duty that would have followed;
/// otherwise the duty is **missed** and the next one counts from the missed due date, so every
/// scheduled duty stays due whether or not the person turns up (issue #18: a person who never
/// tests is due every month, not once). Without acts, duties due before `as_of` are missed;
/// the first one due on or after `as_of` is the open one (on the worklist) and ends the replay.
/// It also ends when no further duty is due (isolation, term over, or due on or after the day
/// the measure ended or an open suspension began).
pub fn replay_duties(
    schedule: &Schedule,
    kind: ObligationKind,
    clock: &MeasureClock,
    tier: RiskTier,
    done: &[NaiveDate],
    as_of: NaiveDate,
    cal: &WorkCalendar,
) -> Vec<ReplayedDuty> {
    let mut out = Vec::new();
    if clock.kind == MeasureKind::CompulsoryIsolation {
        return out;
    }
    let Some(start) = clock.start_date() else {
        return out;
    };
    // While suspended now (detained, 戒毒条例 §24) nothing falls due from the suspension on;
    // duties before it are replayed on the clock without the open suspension.
    // An ended measure keeps the duties it had until it ended: the schedule is replayed on the
    // clock as it ran (without the end, which `next_due` reads as "no duty any more").
    let mut clock = clock.clone();
    let mut end = clock.ended.take().map(|(d, _)| d);
    if let Some(open) = clock.open_suspension().cloned() {
        clock.suspensions.pop();
        end = Some(end.map_or(open.from, |e| e.min(open.from)));
    }
    let mut acts: Vec<NaiveDate> =
        done.iter().copied().filter(|d| *d >= start && end.is_none_or(|e| *d <= e)).collect();
    acts.sort_unstable();
    acts.dedup();
    let next = |anchor: Option<NaiveDate>| {
        next_due(schedule, kind, &clock, tier, anchor, anchor.unwrap_or(start), cal).map(|d| d.due_date)
    };
    let mut anchor: Option<NaiveDate> = None;
    let mut i = 0;
    while out.len() < MAX_DUTIES {
        let Some(due) = next(anchor) else {
            break;
        };
        if end.is_some_and(|e| due >= e) || anchor.is_some_and(|a| due <= a) {
            break;
        }
        match acts.get(i).copied() {
            Some(act) if act <= due => {
                out.push(ReplayedDuty { due, met_on: Some(act) });
                anchor = Some(act);
                i += 1;
            }
            Some(act) if next(Some(due)).is_none_or(|following| act <= following) => {
                out.push(ReplayedDuty { due, met_on: Some(act) });
                anchor = Some(act);
                i += 1;
            }
            Some(_) => {
                out.push(ReplayedDuty { due, met_on: None });
                anchor = Some(due);
            }
            None => {
                out.push(ReplayedDuty { due, met_on: None });
                if due >= as_of {
                    break;
                }
                anchor = Some(due);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::kinds::EndReason;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ev(kind: EventKind, on: NaiveDate) -> EventFact {
        EventFact { kind, on, test_result: None, status_to: None }
    }

    fn test(on: NaiveDate, r: TestResult) -> EventFact {
        EventFact { kind: EventKind::DrugTest, on, test_result: Some(r), status_to: None }
    }

    fn detox(decided: NaiveDate, reported: Option<NaiveDate>) -> MeasureFact {
        let mut clock = MeasureClock::decide(MeasureKind::CommunityDetox, decided, decided).unwrap();
        if let Some(r) = reported {
            clock.record_report(r, r).unwrap();
        }
        let report_deadline = clock.report_deadline(&WorkCalendar::new());
        MeasureFact { clock, report_deadline }
    }

    /// A person registered on `registered`, under control, low tier, without events, with
    /// `measures`, the figures taken on `as_of`.
    fn quiet(registered: NaiveDate, measures: &[MeasureFact], as_of: NaiveDate) -> PersonRecord<'_> {
        PersonRecord {
            registered_on: registered,
            first_found_on: None,
            status: ControlStatus::UnderControl,
            tier: RiskTier::Low,
            events: &[],
            measures,
            as_of,
        }
    }

    /// Registered 2024-03-10, lost 2025-06-02, found 2025-08-20, in custody from 2026-01-05
    /// (a status change): 在控 Mar 2024–May 2025, 失控 Jun–Jul 2025, 在控 Aug–Dec 2025, 羁押 from Jan 2026.
    #[test]
    fn the_status_timeline_replays_the_events() {
        let events = [
            ev(EventKind::ContactRestored, d(2025, 8, 20)),
            ev(EventKind::ContactLost, d(2025, 6, 2)),
            EventFact {
                kind: EventKind::StatusChanged,
                on: d(2026, 1, 5),
                test_result: None,
                status_to: Some(ControlStatus::InCustody),
            },
        ];
        let r = PersonRecord {
            registered_on: d(2024, 3, 10),
            first_found_on: Some(d(2024, 3, 1)),
            status: ControlStatus::InCustody,
            tier: RiskTier::Low,
            events: &events,
            measures: &[],
            as_of: d(2026, 11, 29),
        };
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let lost = CellKey::Status(ControlStatus::LostContact);
        let custody = CellKey::Status(ControlStatus::InCustody);
        let at = |k, m| c.value(k, Month(m), Month(m));
        assert_eq!((at(uc, 202402), at(uc, 202403), at(uc, 202505), at(uc, 202506)), (0, 1, 1, 0));
        assert_eq!((at(lost, 202505), at(lost, 202506), at(lost, 202507), at(lost, 202508)), (0, 1, 1, 0));
        assert_eq!((at(uc, 202508), at(uc, 202512), at(uc, 202601)), (1, 1, 0));
        assert_eq!((at(custody, 202512), at(custody, 202601), at(custody, 202911)), (0, 1, 1));
        assert_eq!(c.get(CellKey::NewlyFound, Month(202403)), 1);
    }

    /// The stored status wins when the replay disagrees (e.g. an old record without events).
    #[test]
    fn the_stored_status_ends_the_timeline() {
        let r = PersonRecord {
            registered_on: d(2025, 1, 15),
            first_found_on: None,
            status: ControlStatus::LostContact,
            tier: RiskTier::Low,
            events: &[],
            measures: &[],
            as_of: d(2026, 11, 29),
        };
        let t = status_timeline(&r);
        assert_eq!(
            t,
            vec![
                (ControlStatus::UnderControl, d(2025, 1, 15), Some(d(2025, 1, 15))),
                (ControlStatus::LostContact, d(2025, 1, 15), None)
            ]
        );
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        assert_eq!(c.get(CellKey::Status(ControlStatus::UnderControl), Month(202501)), 0);
        assert_eq!(c.get(CellKey::Status(ControlStatus::LostContact), Month(202501)), 1);
    }

    /// Community detox decided 2026-01-05 (deadline 2026-01-20), reported 2026-01-19: in time.
    /// Year-1 tests monthly from 2026-01-19: due 02-19 (done 02-10: met), due 03-10 (done
    /// 03-20: late), due 04-20 (not done: open, not due yet) → 2 due, 1 met; 2 tests, 1 positive.
    #[test]
    fn measures_and_duties_count_in_their_months() {
        let events = [
            test(d(2026, 2, 10), TestResult::Negative),
            test(d(2026, 3, 20), TestResult::Positive),
            test(d(2026, 3, 25), TestResult::Refused),
        ];
        let measures = [detox(d(2026, 1, 5), Some(d(2026, 1, 19)))];
        assert_eq!(measures[0].report_deadline, Some(d(2026, 1, 20)));
        let r = PersonRecord {
            registered_on: d(2026, 1, 5),
            first_found_on: None,
            status: ControlStatus::UnderControl,
            tier: RiskTier::Low,
            events: &events,
            measures: &measures,
            as_of: d(2026, 2, 15),
        };
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        assert_eq!(c.get(CellKey::CommunityDecided, Month(202601)), 1);
        assert_eq!(c.get(CellKey::ReportedInTime, Month(202601)), 1);
        assert_eq!(c.get(CellKey::CommunityOrdered, Month(202601)), 1);
        assert_eq!(c.get(CellKey::CommunityExecuting, Month(202601)), 1);
        assert_eq!(c.value(CellKey::TestsDone, Month(202601), Month(202612)), 2);
        assert_eq!(c.value(CellKey::TestsPositive, Month(202601), Month(202612)), 1);
        assert_eq!(c.get(CellKey::TestsDue, Month(202602)), 1);
        assert_eq!(c.get(CellKey::TestsDueMet, Month(202602)), 1);
        assert_eq!(c.get(CellKey::TestsDue, Month(202603)), 1);
        assert_eq!(c.get(CellKey::TestsDueMet, Month(202603)), 0);
        assert_eq!(c.get(CellKey::TestsDue, Month(202604)), 0, "the open one, due 04-20, is not due on 02-15");
        assert_eq!(c.value(CellKey::TestsDue, Month(202601), Month(202612)), 2);
        assert_eq!(c.value(CellKey::TestsDueMet, Month(202601), Month(202612)), 1);
        // Low tier visits every 30 days from 2026-01-19: one open duty due 2026-02-18, not due
        // on 02-15; taken on 02-19 it is missed and due in February.
        assert_eq!(c.value(CellKey::VisitsDue, Month(202601), Month(202612)), 0);
        let c = contribution(&PersonRecord { as_of: d(2026, 2, 19), ..r }, &Schedule::default(), &WorkCalendar::new());
        assert_eq!(c.get(CellKey::VisitsDue, Month(202602)), 1);
        assert_eq!(c.value(CellKey::VisitsDue, Month(202601), Month(202612)), 1);
    }

    /// Reported after the deadline: decided but not in time; ended 2026-06-30 → out of both
    /// stocks from June.
    #[test]
    fn a_late_report_and_an_end_leave_the_stocks() {
        let mut m = detox(d(2026, 1, 5), Some(d(2026, 1, 25)));
        m.clock.end(d(2026, 6, 30), EndReason::Other, d(2026, 6, 30)).unwrap();
        let measures = [m];
        let r = quiet(d(2026, 1, 5), &measures, d(2026, 11, 29));
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        assert_eq!(c.get(CellKey::CommunityDecided, Month(202601)), 1);
        assert_eq!(c.get(CellKey::ReportedInTime, Month(202601)), 0);
        assert_eq!(c.value(CellKey::CommunityOrdered, Month(202601), Month(202605)), 1);
        assert_eq!(c.value(CellKey::CommunityOrdered, Month(202601), Month(202606)), 0);
        assert_eq!(c.value(CellKey::CommunityExecuting, Month(202601), Month(202605)), 1);
        assert_eq!(c.value(CellKey::CommunityExecuting, Month(202601), Month(202606)), 0);
    }

    /// A closed suspension (2026-03-01 to 05-01) does not stop the schedule: tests 02-15, 03-01
    /// and 05-20 meet the duties due 02-19 and 03-15 in time; the duty due 04-01 is missed (no
    /// test before the next one fell due on 05-01), 05-01 is met late on 05-20; 06-20 is open.
    /// An open suspension from 2026-03-10 leaves only the duty due 02-19.
    #[test]
    fn suspensions_in_the_replay() {
        let mut m = detox(d(2026, 1, 5), Some(d(2026, 1, 19)));
        m.clock.suspend(d(2026, 3, 1), d(2026, 3, 1)).unwrap();
        m.clock.resume(d(2026, 5, 1), d(2026, 5, 1)).unwrap();
        let done = [d(2026, 5, 20), d(2026, 2, 15), d(2026, 3, 1), d(2026, 3, 1)];
        let cal = WorkCalendar::new();
        let dues = |clock: &MeasureClock| -> Vec<_> {
            replay_duties(
                &Schedule::default(),
                ObligationKind::DrugTest,
                clock,
                RiskTier::Low,
                &done,
                d(2026, 6, 1),
                &cal,
            )
            .iter()
            .map(|x| (x.due, x.met_on))
            .collect()
        };
        assert_eq!(
            dues(&m.clock),
            vec![
                (d(2026, 2, 19), Some(d(2026, 2, 15))),
                (d(2026, 3, 15), Some(d(2026, 3, 1))),
                (d(2026, 4, 1), None),
                (d(2026, 5, 1), Some(d(2026, 5, 20))),
                (d(2026, 6, 20), None),
            ]
        );
        let mut open = detox(d(2026, 1, 5), Some(d(2026, 1, 19)));
        open.clock.suspend(d(2026, 3, 10), d(2026, 3, 10)).unwrap();
        assert_eq!(dues(&open.clock), vec![(d(2026, 2, 19), Some(d(2026, 2, 15)))]);
    }

    /// Issue #18 item 13: community detox decided 2026-01-05, reported 2026-01-19 (year 1:
    /// monthly tests; low tier: a visit every 30 days), never tested nor visited, figures taken
    /// on 2026-11-29. Tests due 02-19, 03-19, …, 11-19: one in each of the 10 months Feb–Nov,
    /// none met (rate 0 %); the open one, 12-19, not yet due. Visits due 02-18, 03-20, 04-19,
    /// 05-19, 06-18, 07-18, 08-17, 09-16, 10-16, 11-15: again one a month, none met.
    #[test]
    fn a_person_who_never_tests_is_due_every_scheduled_test() {
        let measures = [detox(d(2026, 1, 5), Some(d(2026, 1, 19)))];
        let record = |status, events: &'static [EventFact]| PersonRecord {
            registered_on: d(2026, 1, 5),
            first_found_on: None,
            status,
            tier: RiskTier::Low,
            events,
            measures: &measures,
            as_of: d(2026, 11, 29),
        };
        let c = contribution(&record(ControlStatus::UnderControl, &[]), &Schedule::default(), &WorkCalendar::new());
        for m in 202602..=202611 {
            assert_eq!(c.get(CellKey::TestsDue, Month(m)), 1, "tests due in {m}");
            assert_eq!(c.get(CellKey::VisitsDue, Month(m)), 1, "visits due in {m}");
        }
        assert_eq!(c.get(CellKey::TestsDue, Month(202601)), 0);
        assert_eq!(c.value(CellKey::TestsDue, Month(202601), Month(202611)), 10);
        assert_eq!(c.value(CellKey::TestsDueMet, Month(202601), Month(202612)), 0);
        assert_eq!(c.get(CellKey::TestsDue, Month(202612)), 0, "the open duty, due 12-19, is not due yet");
        assert_eq!(c.value(CellKey::TestsDue, Month(202701), Month(202912)), 0);
        assert_eq!(c.value(CellKey::VisitsDue, Month(202601), Month(202611)), 10);
        assert_eq!(c.get(CellKey::VisitsDue, Month(202612)), 0, "the open visit, due 12-15, is not due yet");
        // Taken on 12-16 instead: the visit due 12-15 is missed and due; the test due 12-19 not yet.
        let later = PersonRecord { as_of: d(2026, 12, 16), ..record(ControlStatus::UnderControl, &[]) };
        let c = contribution(&later, &Schedule::default(), &WorkCalendar::new());
        assert_eq!(c.get(CellKey::VisitsDue, Month(202612)), 1, "the visit due 12-15");
        assert_eq!(c.get(CellKey::TestsDue, Month(202612)), 0, "the test due 12-19");
        // A person lost from control keeps every duty due (the same 10).
        let lost = contribution(&record(ControlStatus::LostContact, &[]), &Schedule::default(), &WorkCalendar::new());
        assert_eq!(lost.value(CellKey::TestsDue, Month(202601), Month(202611)), 10);
        // A person who died has no duties from the day of death (the stored status from
        // registration here, so none at all).
        let dead = contribution(&record(ControlStatus::Deceased, &[]), &Schedule::default(), &WorkCalendar::new());
        assert_eq!(dead.value(CellKey::TestsDue, Month(202601), Month(202612)), 0);
    }

    /// An ended measure keeps the duties it had (the kind of issue #18 item 13): community detox
    /// reported 2026-01-19, tests monthly, ended 2026-06-30 (其他), figures taken 2026-11-29.
    /// Tests due 02-19, 03-19, 04-19, 05-19, 06-19 (five, all before the end), none after.
    /// Before this, the end wiped every duty of the measure from the past months.
    #[test]
    fn an_ended_measure_keeps_the_duties_it_had() {
        let mut m = detox(d(2026, 1, 5), Some(d(2026, 1, 19)));
        m.clock.end(d(2026, 6, 30), crate::kinds::EndReason::Other, d(2026, 6, 30)).unwrap();
        let r = quiet(d(2026, 1, 5), std::slice::from_ref(&m), d(2026, 11, 29));
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        for month in 202602..=202606 {
            assert_eq!(c.get(CellKey::TestsDue, Month(month)), 1, "test due in {month}");
        }
        assert_eq!(c.value(CellKey::TestsDue, Month(202601), Month(202612)), 5);
        let dues: Vec<NaiveDate> = replay_duties(
            &Schedule::default(),
            ObligationKind::DrugTest,
            &m.clock,
            RiskTier::Low,
            &[],
            d(2026, 11, 29),
            &WorkCalendar::new(),
        )
        .iter()
        .map(|x| x.due)
        .collect();
        assert_eq!(dues, vec![d(2026, 2, 19), d(2026, 3, 19), d(2026, 4, 19), d(2026, 5, 19), d(2026, 6, 19)]);
    }

    /// Tests 02-10 (on time for 02-19) and 04-25, figures taken 2026-07-01: due 03-10 missed
    /// (04-25 is after the duty that follows it, 04-10), due 04-10 met late on 04-25, then
    /// 05-25 and 06-25 missed, 07-25 open. Five due by June, one on time.
    #[test]
    fn missed_and_late_tests_each_keep_their_duty() {
        let m = detox(d(2026, 1, 5), Some(d(2026, 1, 19)));
        let done = [d(2026, 4, 25), d(2026, 2, 10)];
        let duties = replay_duties(
            &Schedule::default(),
            ObligationKind::DrugTest,
            &m.clock,
            RiskTier::Low,
            &done,
            d(2026, 7, 1),
            &WorkCalendar::new(),
        );
        let dues: Vec<_> = duties.iter().map(|x| (x.due, x.met_on)).collect();
        assert_eq!(
            dues,
            vec![
                (d(2026, 2, 19), Some(d(2026, 2, 10))),
                (d(2026, 3, 10), None),
                (d(2026, 4, 10), Some(d(2026, 4, 25))),
                (d(2026, 5, 25), None),
                (d(2026, 6, 25), None),
                (d(2026, 7, 25), None),
            ]
        );
    }

    /// Issue #18 item 12: imported history counts from its legal dates. Community detox decided
    /// 2026-10-10, reported 10-12, entered Jindu 2026-12-06, never tested: 在册 (在控) from
    /// October, as its duties (due 11-12, one in November) — not from December. A record without
    /// a measure counts from its first-found date when earlier than its entry, else from its entry.
    #[test]
    fn imported_history_counts_from_its_legal_dates() {
        let measures = [detox(d(2026, 10, 10), Some(d(2026, 10, 12)))];
        let r = quiet(d(2026, 12, 6), &measures, d(2026, 12, 6));
        assert_eq!(registered_from(&r), d(2026, 10, 10));
        let c = contribution(&r, &Schedule::default(), &WorkCalendar::new());
        let uc = CellKey::Status(ControlStatus::UnderControl);
        assert_eq!(c.value(uc, Month(202601), Month(202609)), 0);
        assert_eq!(c.value(uc, Month(202601), Month(202610)), 1, "在册 at the end of October");
        assert_eq!(c.value(uc, Month(202601), Month(202611)), 1, "and November");
        assert_eq!(c.get(CellKey::TestsDue, Month(202611)), 1);
        let found = PersonRecord { measures: &[], first_found_on: Some(d(2025, 3, 2)), ..r.clone() };
        assert_eq!(registered_from(&found), d(2025, 3, 2));
        let later = PersonRecord { measures: &[], first_found_on: Some(d(2027, 1, 1)), ..r };
        assert_eq!(registered_from(&later), d(2026, 12, 6));
    }
}
