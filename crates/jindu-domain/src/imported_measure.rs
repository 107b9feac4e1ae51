//! 导入的历史措施 a community measure brought in by an import (a person sheet's 管控措施, a
//! measure sheet's row) whose dates say nothing after its decision. Imported as it stands, a
//! community detox decided on 1986-05-01 with no report date and no end date is a report
//! overdue by decades on the import day ("逾期 14807 天"): the register is out of date, not the
//! person 40 years late. Such a row is a problem of the row in the dry run, asking for the end
//! date, the report date or the control status (issue #18, item 12). Pure: the import day and
//! the working-day calendar are parameters.

use crate::message::Message;
use chrono::NaiveDate;

use crate::days::{WorkCalendar, overdue_days, term_last_day};
use crate::indicator::Headcount;
use crate::kinds::{ControlStatus, MeasureKind};
use crate::measure::{MeasureClock, term_years};

/// Days after its report deadline beyond which an imported community measure with no report
/// date, no end date and no control status is taken for a register out of date rather than a
/// real overdue report: 90 days. **Local default** (configurable in a later change): one
/// quarter, the interval at which registries are reconciled with the police. In law a person who
/// has not reported by the deadline has refused community detox [戒毒条例 §14, §38], which leads to
/// a new decision [禁毒法 §38]; a report overdue longer than a quarter means the register has not
/// caught up. Counted as [`overdue_days`] of the report deadline on the import day: a report
/// overdue by exactly 90 days still imports, by 91 days it is asked about.
pub const STALE_REPORT_DAYS: i64 = 90;

/// Which sheet a measure came from: decides which columns the sentence asks to fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureSheet {
    /// 在册人员登记表: columns 报到日期, 结束日期 (with 结束原因) and 管控状态.
    Persons,
    /// 戒毒措施台账: columns 报到日期 and 解除(终止)日期 (with 结束原因).
    Measures,
}

/// What an import row says of a measure beyond its kind and decision date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportedMeasure {
    /// Kind of measure.
    pub kind: MeasureKind,
    /// Decision date.
    pub decision_date: NaiveDate,
    /// The row gives a report date.
    pub reported: bool,
    /// The row gives an end date (解除/终止).
    pub ended: bool,
    /// The control status the row gives, if any.
    pub status: Option<ControlStatus>,
}

/// A community measure the import would bring in as a long-overdue report: what Jindu would
/// otherwise conclude, for the sentence of the row's problem.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaleMeasure {
    /// Kind of measure (社区戒毒 or 社区康复).
    pub kind: MeasureKind,
    /// Decision date.
    pub decision_date: NaiveDate,
    /// Last day to report ([`MeasureClock::report_deadline`]).
    pub report_deadline: NaiveDate,
    /// Days the report would be overdue on the import day ([`overdue_days`]), more than
    /// [`STALE_REPORT_DAYS`].
    pub overdue_days: i64,
    /// The last day of the term had the person reported on the last day allowed (the latest the
    /// term could end, no suspension), when that day is before the import day: the whole term
    /// would already have run. `None` while the term could still be running.
    pub term_over_on: Option<NaiveDate>,
    /// The sheet, for the columns named.
    pub sheet: MeasureSheet,
}

/// Whether a person in status `s` has left the register (死亡, 戒断三年未复吸, 解除: not 在册,
/// [`Headcount::Registered`]), so their measures put no duty on the worklist.
pub fn out_of_register(s: ControlStatus) -> bool {
    !Headcount::Registered.includes(s)
}

/// The problem of an imported measure `m` on the import day `today`, or `None` when it imports
/// as it stands. Only community measures (社区戒毒 3 years [禁毒法 §33], 社区康复 up to 3 years
/// [禁毒法 §48]) wait for a report; their report deadline is 15 days after the decision, moved
/// past rest days [戒毒条例 §14, §38]. A row is a problem when it gives no report date and no end
/// date, its report would be overdue by more than [`STALE_REPORT_DAYS`], and:
/// - it gives no control status; or
/// - it gives a status of the register (在控, 失控, 羁押, 出境) while even a report on the last
///   day allowed would have run the whole term before the import day: no status makes a report
///   overdue by more than three years real.
///
/// A status out of the register ([`out_of_register`]) always imports: the person has no duty.
/// A status of the register with the term possibly still running is the office's confirmation
/// that the person has not reported, and the overdue report is shown.
pub fn stale_measure(
    m: &ImportedMeasure,
    sheet: MeasureSheet,
    cal: &WorkCalendar,
    today: NaiveDate,
) -> Option<StaleMeasure> {
    if m.reported || m.ended || m.status.is_some_and(out_of_register) {
        return None;
    }
    let clock = MeasureClock {
        kind: m.kind,
        decision_date: m.decision_date,
        reported_on: None,
        suspensions: Vec::new(),
        ended: None,
    };
    let deadline = clock.report_deadline(cal)?;
    let overdue = overdue_days(deadline, today);
    if overdue <= STALE_REPORT_DAYS {
        return None;
    }
    let term_over_on = term_years(m.kind).map(|y| term_last_day(deadline, y, 0)).filter(|last| *last < today);
    if m.status.is_some() && term_over_on.is_none() {
        return None;
    }
    Some(StaleMeasure {
        kind: m.kind,
        decision_date: m.decision_date,
        report_deadline: deadline,
        overdue_days: overdue,
        term_over_on,
        sheet,
    })
}

impl StaleMeasure {
    /// Stable code of the problem.
    pub const CODE: &'static str = "import.stale_measure";

    /// The field the problem is shown at: `end_date` once the whole term would have run (only an
    /// end or a status out of the register fits), else `report_date`.
    pub fn field(&self) -> &'static str {
        if self.term_over_on.is_some() { "end_date" } else { "report_date" }
    }

    /// The sentence (`msg.import.stale_measure`) for spreadsheet row `row` (1-based, as the
    /// sheet shows it): what the row gives, what Jindu would conclude and what to fill in.
    pub fn message(&self, row: usize) -> Message {
        let (given, fill) = match self.sheet {
            MeasureSheet::Persons => (
                "msg.import.stale.given_persons",
                match self.term_over_on {
                    Some(_) => "msg.import.stale.fill_persons_over",
                    None => "msg.import.stale.fill_persons",
                },
            ),
            MeasureSheet::Measures => ("msg.import.stale.given_measures", "msg.import.stale.fill_measures"),
        };
        let conclusion = match self.term_over_on {
            Some(last) => Message::new("msg.import.stale.term_over")
                .text("deadline", self.report_deadline)
                .label("kind", self.kind.label_zh(), self.kind.label_en().to_lowercase())
                .text("last", last)
                .text("days", self.overdue_days),
            None => Message::new("msg.import.stale.overdue")
                .text("deadline", self.report_deadline)
                .text("days", self.overdue_days)
                .text("limit", STALE_REPORT_DAYS),
        };
        Message::new("msg.import.stale_measure")
            .text("row", row)
            .text("decision_date", self.decision_date)
            .nested("given", Message::new(given))
            .nested("conclusion", conclusion)
            .nested("fill", Message::new(fill))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn row(kind: MeasureKind, decided: NaiveDate) -> ImportedMeasure {
        ImportedMeasure { kind, decision_date: decided, reported: false, ended: false, status: None }
    }

    const TODAY: (i32, u32, u32) = (2026, 11, 29);

    fn today() -> NaiveDate {
        d(TODAY.0, TODAY.1, TODAY.2)
    }

    #[test]
    fn a_detox_of_1986_has_run_its_whole_term() {
        // Decided Thu 1986-05-01; + 15 days = Fri 1986-05-16, a working day: the last day to
        // report. Reported that day, the 3-year term's last day is 1989-05-15. 1986-05-16 to
        // 2026-11-29 is 14,807 days.
        let s = stale_measure(
            &row(MeasureKind::CommunityDetox, d(1986, 5, 1)),
            MeasureSheet::Persons,
            &WorkCalendar::new(),
            today(),
        )
        .unwrap();
        assert_eq!(
            s,
            StaleMeasure {
                kind: MeasureKind::CommunityDetox,
                decision_date: d(1986, 5, 1),
                report_deadline: d(1986, 5, 16),
                overdue_days: 14_807,
                term_over_on: Some(d(1989, 5, 15)),
                sheet: MeasureSheet::Persons,
            }
        );
        assert_eq!(s.field(), "end_date");
        assert_eq!(
            testing::zh(&s.message(7)),
            "第 7 行：措施决定日期 1986-05-01，未填报到日期、结束日期和管控状态；即使按最迟报到日 1986-05-16 起算，社区戒毒期限也已于 1989-05-15 届满；照此导入，Jindu 将认定此人逾期未报到 14807 天。请填写结束日期（及结束原因）、报到日期，或已不在册的管控状态（解除、戒断三年未复吸、死亡）。"
        );
        assert_eq!(
            testing::en(&s.message(7)),
            "Row 7: the measure was decided on 1986-05-01 and the row gives no report date, no end date and no control status; even counted from the last day to report (1986-05-16), the term of community detox ran out on 1989-05-15; imported as it is, Jindu would show the report overdue by 14807 days. Fill in the end date (with the end reason), the report date, or a status out of the register (解除, 戒断三年未复吸, 死亡)."
        );
    }

    #[test]
    fn the_threshold_is_ninety_days_after_the_deadline_either_kind() {
        // Decided Sun 2026-08-16; + 15 = Mon 2026-08-31, the deadline. 2026-08-31 + 90 days =
        // 2026-11-29: on that day the report is 90 days overdue (imports), the next day 91.
        for kind in [MeasureKind::CommunityDetox, MeasureKind::CommunityRehab] {
            let m = row(kind, d(2026, 8, 16));
            let cal = WorkCalendar::new();
            assert_eq!(stale_measure(&m, MeasureSheet::Measures, &cal, d(2026, 11, 28)), None, "{kind:?}: 89 days");
            assert_eq!(stale_measure(&m, MeasureSheet::Measures, &cal, d(2026, 11, 29)), None, "{kind:?}: 90 days");
            let s = stale_measure(&m, MeasureSheet::Measures, &cal, d(2026, 11, 30)).unwrap();
            assert_eq!((s.report_deadline, s.overdue_days, s.term_over_on), (d(2026, 8, 31), 91, None), "{kind:?}");
            assert_eq!(s.field(), "report_date");
        }
        let s = stale_measure(
            &row(MeasureKind::CommunityRehab, d(2026, 8, 16)),
            MeasureSheet::Measures,
            &WorkCalendar::new(),
            d(2026, 11, 30),
        )
        .unwrap();
        assert_eq!(
            testing::zh(&s.message(3)),
            "第 3 行：措施决定日期 2026-08-16，未填报到日期和解除(终止)日期；报到期限 2026-08-31 已过 91 天（超过 90 天）；照此导入，Jindu 将认定此人逾期未报到 91 天。请填写解除(终止)日期（及结束原因）或报到日期。"
        );
        assert_eq!(
            testing::en(&s.message(3)),
            "Row 3: the measure was decided on 2026-08-16 and the row gives no report date and no end date; the last day to report (2026-08-31) passed 91 days ago (more than 90); imported as it is, Jindu would show the report overdue by 91 days. Fill in the end date (with the end reason) or the report date."
        );
    }

    #[test]
    fn the_term_is_over_the_day_after_its_last_day() {
        // Decided Mon 2023-11-13; + 15 = Tue 2023-11-28; reported then, the term's last day is
        // 2026-11-27. On 2026-11-27 the term could still run, on 2026-11-28 it has run.
        let m = row(MeasureKind::CommunityRehab, d(2023, 11, 13));
        let cal = WorkCalendar::new();
        let on = |t| stale_measure(&m, MeasureSheet::Persons, &cal, t).unwrap().term_over_on;
        assert_eq!(on(d(2026, 11, 27)), None);
        assert_eq!(on(d(2026, 11, 28)), Some(d(2026, 11, 27)));
    }

    #[test]
    fn a_report_an_end_or_a_status_out_of_the_register_imports() {
        let cal = WorkCalendar::new();
        let old = row(MeasureKind::CommunityDetox, d(1986, 5, 1));
        for m in [
            ImportedMeasure { reported: true, ..old },
            ImportedMeasure { ended: true, ..old },
            ImportedMeasure { status: Some(ControlStatus::Released), ..old },
            ImportedMeasure { status: Some(ControlStatus::Abstinent3y), ..old },
            ImportedMeasure { status: Some(ControlStatus::Deceased), ..old },
        ] {
            assert_eq!(stale_measure(&m, MeasureSheet::Persons, &cal, today()), None, "{m:?}");
        }
        // A status of the register cannot make a term that has run a real overdue report …
        for s in
            [ControlStatus::UnderControl, ControlStatus::LostContact, ControlStatus::InCustody, ControlStatus::Abroad]
        {
            let m = ImportedMeasure { status: Some(s), ..old };
            assert!(stale_measure(&m, MeasureSheet::Persons, &cal, today()).is_some(), "{s:?}");
        }
        // … but confirms one of a term that may still run: decided Mon 2026-05-04, deadline Tue
        // 2026-05-19, 194 days overdue on 2026-11-29.
        let recent = row(MeasureKind::CommunityDetox, d(2026, 5, 4));
        let s = stale_measure(&recent, MeasureSheet::Persons, &cal, today()).unwrap();
        assert_eq!((s.report_deadline, s.overdue_days, s.term_over_on), (d(2026, 5, 19), 194, None));
        let confirmed = ImportedMeasure { status: Some(ControlStatus::UnderControl), ..recent };
        assert_eq!(stale_measure(&confirmed, MeasureSheet::Persons, &cal, today()), None);
    }

    #[test]
    fn measures_without_a_report_are_never_asked_about() {
        let cal = WorkCalendar::new();
        for kind in [MeasureKind::CompulsoryIsolation, MeasureKind::VoluntaryDetox, MeasureKind::MaintenanceTherapy] {
            assert_eq!(stale_measure(&row(kind, d(1986, 5, 1)), MeasureSheet::Persons, &cal, today()), None);
        }
    }

    #[test]
    fn a_rest_day_deadline_moves_the_count() {
        // Decided Sat 2026-08-15: + 15 = Sun 2026-08-30, moved to Mon 2026-08-31; with Mon
        // 2026-08-31 a holiday, to Tue 2026-09-01: 90 days on 2026-11-30, so not asked.
        let cal = WorkCalendar::new().with_holiday(d(2026, 8, 31));
        let m = row(MeasureKind::CommunityDetox, d(2026, 8, 15));
        assert_eq!(stale_measure(&m, MeasureSheet::Persons, &cal, d(2026, 11, 30)), None);
        assert_eq!(stale_measure(&m, MeasureSheet::Persons, &cal, d(2026, 12, 1)).unwrap().overdue_days, 91);
    }
}
