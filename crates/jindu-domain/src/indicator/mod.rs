//! 统计指标 the indicators of the speeches and of DESIGN §7, defined once: each [`Indicator`] has
//! its formula, unit, source, direction and default target ([`Definition`]), and is computed by
//! [`evaluate`] from the cell sums of one jurisdiction ([`ScopeCells`]) for a [`Period`].
//!
//! - [`period`]: months, quarters and years;
//! - [`cell`]: the counts kept per division and month, and what a record adds to them;
//! - [`person`]: what one person's record adds (the status timeline, measures, duties).
//! - [`police`]: the police monthly form (公安月报).
//!
//! Stock indicators (registered, lost, …) are taken at the end of the period's last month (the
//! figure now, for the current month); flow indicators (tests done, new discoveries, …) sum the
//! period's months. A rate is `None` when its denominator is zero (shown as “—”).

pub mod cell;
pub mod headcount;
pub mod period;
pub mod person;
pub mod police;

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::kinds::ControlStatus;
pub use cell::{CellKey, Contribution, SEIZURE_KINDS, decode_parts, encode_parts, split_by_town};
pub use headcount::Headcount;
pub use period::{Month, Period, PeriodKind, as_of_label};

/// Whether a higher or a lower value is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// 越高越好.
    HigherIsBetter,
    /// 越低越好.
    LowerIsBetter,
}

/// Unit of an indicator's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Unit {
    /// 人.
    Persons,
    /// 人次 (events, a person may count more than once).
    PersonTimes,
    /// 次 (duties, tests).
    Times,
    /// % (one decimal).
    Percent,
    /// 个.
    Count,
    /// 起 (cases).
    Cases,
    /// 人/名 (registered persons per social worker, one decimal).
    PerWorker,
    /// 克 (grams, three decimals).
    Grams,
}

impl Unit {
    /// Chinese unit label.
    pub fn label_zh(self) -> &'static str {
        match self {
            Unit::Persons => "人",
            Unit::PersonTimes => "人次",
            Unit::Times => "次",
            Unit::Percent => "%",
            Unit::Count => "个",
            Unit::Cases => "起",
            Unit::PerWorker => "人/名",
            Unit::Grams => "克",
        }
    }

    /// English unit label.
    pub fn label_en(self) -> &'static str {
        match self {
            Unit::Persons => "persons",
            Unit::PersonTimes => "times",
            Unit::Times => "times",
            Unit::Percent => "%",
            Unit::Count => "",
            Unit::Cases => "cases",
            Unit::PerWorker => "per worker",
            Unit::Grams => "g",
        }
    }
}

macro_rules! indicators {
    ($($(#[$m:meta])* $v:ident => ($code:literal, $zh:literal, $en:literal, $unit:ident, $dir:ident, $target:expr, $formula:literal, $source:literal)),+ $(,)?) => {
        /// One indicator. See [`Indicator::definition`] for formula, unit, source and target.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Indicator { $($(#[$m])* $v),+ }

        impl Indicator {
            /// Every indicator, in the order the 驾驶舱 shows them.
            pub const ALL: &'static [Indicator] = &[$(Indicator::$v),+];

            /// Its definition.
            pub fn definition(self) -> Definition {
                match self {
                    $(Indicator::$v => Definition {
                        indicator: Indicator::$v,
                        code: $code,
                        label_zh: $zh,
                        label_en: $en,
                        unit: Unit::$unit,
                        direction: Direction::$dir,
                        default_target: $target,
                        formula_zh: $formula,
                        source: $source,
                    }),+
                }
            }
        }
    };
}

indicators! {
    /// 在册人数 = 在控 (incl. 羁押) + 失控 + 出境 (persons under dynamic control, 戒毒条例 §4).
    Registered => ("registered", "在册人数", "Registered persons", Persons, LowerIsBetter, None,
        "在控（含羁押）+ 失控 + 出境（不含死亡、戒断三年未复吸、解除）", "戒毒条例 §4, §7"),
    /// 在册人数同比增长率 (年均增速 of the speeches) = (在册 at the end of the period − 在册 at
    /// the end of the same period a year before) ÷ the latter × 100 %; none when that is 0.
    RegisteredGrowth => ("registered_growth", "在册人数同比增长率", "Registered, growth on a year before", Percent, LowerIsBetter, None,
        "（期末在册 − 上年同期末在册）÷ 上年同期末在册 × 100%（上年同期为0时无值）", "讲话：吸毒人员“以年均20%左右的速度急增”（同比口径，local）"),
    /// 涉毒区划占比 = direct sub-divisions with at least one registered person ÷ all direct
    /// sub-divisions × 100 % ([`affected_share`]; needs the jurisdictions below).
    AffectedShare => ("affected_share", "涉毒区划占比", "Sub-divisions with registered persons", Percent, LowerIsBetter, None,
        "期末有在册人员的直属下级区划 ÷ 直属下级区划 × 100%", "讲话：涉毒县区“占全省县（区）总数的79%”（local）"),
    /// 在控人数 = 在控 + 羁押.
    UnderControl => ("under_control", "在控人数", "Under control", Persons, HigherIsBetter, None,
        "管控状态为在控或羁押的人数", "戒毒条例 §4"),
    /// 失控人数.
    Lost => ("lost", "失控人数", "Lost from control", Persons, LowerIsBetter, Some(0.0),
        "管控状态为失控的人数", "DOMAIN §1（local）"),
    /// 失控率 = 失控 / (在控 + 失控).
    LossRate => ("loss_rate", "失控率", "Loss rate", Percent, LowerIsBetter, Some(5.0),
        "失控 ÷（在控 + 失控）× 100%", "DOMAIN §1；银川 2008 考评：低于5%加分（local, configurable）"),
    /// 管控率 = 在控 / 在册.
    ControlRate => ("control_rate", "管控率", "Control rate", Percent, HigherIsBetter, Some(95.0),
        "在控 ÷ 在册 × 100%", "8·31工程（DOMAIN §7）；目标值 local, configurable"),
    /// 报到率 = 期内决定的社区戒毒/康复中按期（15日内）报到的 / 期内决定数.
    ReportRate => ("report_rate", "报到率", "Report rate", Percent, HigherIsBetter, Some(95.0),
        "期内作出的社区戒毒、社区康复决定中，在报到期限内报到的 ÷ 期内决定数 × 100%", "戒毒条例 §14, §38"),
    /// 执行率 = 已报到执行的社区戒毒/康复 / 在执行期内的决定.
    ExecutionRate => ("execution_rate", "执行率", "Execution rate", Percent, HigherIsBetter, Some(95.0),
        "期末已报到执行的社区戒毒、社区康复 ÷ 期末未结束的社区戒毒、社区康复决定 × 100%", "8·31工程（DOMAIN §7）"),
    /// 戒断三年未复吸人数.
    Abstinent3y => ("abstinent_3y", "戒断三年未复吸人数", "Abstinent three years", Persons, HigherIsBetter, None,
        "管控状态为戒断三年未复吸的人数", "戒毒条例 §7"),
    /// 戒断三年未复吸率 = 戒断三年 / (在册 + 戒断三年).
    AbstinenceRate => ("abstinence_rate", "戒断三年未复吸率", "Three-year abstinence rate", Percent, HigherIsBetter, None,
        "戒断三年未复吸 ÷（在册 + 戒断三年未复吸）× 100%", "戒毒条例 §7"),
    /// 新发现吸毒人员 (by first-found date).
    NewlyFound => ("newly_found", "新发现吸毒人员", "Newly found", Persons, LowerIsBetter, None,
        "初次发现日期在期内的人数", "禁毒法 §32"),
    /// 新发现同比增长率 = (新发现 in the period − in the same period a year before) ÷ the latter
    /// × 100 %; none when that is 0.
    NewlyFoundGrowth => ("newly_found_growth", "新发现同比增长率", "Newly found, growth on a year before", Percent, LowerIsBetter, None,
        "（期内新发现 − 上年同期新发现）÷ 上年同期新发现 × 100%（上年同期为0时无值）", "讲话：年均增速（同比口径，local）"),
    /// 复吸人次.
    Relapses => ("relapses", "复吸人次", "Relapses", PersonTimes, LowerIsBetter, None,
        "期内记录的复吸", "禁毒法 §38"),
    /// 应检测次数 (test duties falling due in the period).
    TestsDue => ("tests_due", "应检测", "Tests due", Times, HigherIsBetter, None,
        "期内到期的检测任务（按检测周期推算）", "戒毒条例 §19；检测周期 local, configurable"),
    /// 已检测次数.
    TestsDone => ("tests_done", "已检测", "Tests done", Times, HigherIsBetter, None,
        "期内完成的检测（阴性或阳性；拒绝不计）", "戒毒条例 §19"),
    /// 按期检测率 = 期内到期并按期完成的 / 期内到期的.
    TestsOnTimeRate => ("tests_on_time_rate", "按期检测率", "Tests on time", Percent, HigherIsBetter, Some(95.0),
        "期内到期的检测任务中在到期日前完成的 ÷ 期内到期的检测任务 × 100%", "local, configurable"),
    /// 检测阳性率 = 阳性 / 已检测.
    TestPositiveRate => ("test_positive_rate", "检测阳性率", "Positive rate", Percent, LowerIsBetter, None,
        "阳性 ÷ 已检测 × 100%", "戒毒条例 §19"),
    /// 应走访次数.
    VisitsDue => ("visits_due", "应走访", "Visits due", Times, HigherIsBetter, None,
        "期内到期的走访任务（按风险等级的走访周期推算）", "local, configurable"),
    /// 已走访次数.
    VisitsDone => ("visits_done", "已走访", "Visits done", Times, HigherIsBetter, None,
        "期内完成的走访", "戒毒条例 §17"),
    /// 按期走访率.
    VisitsOnTimeRate => ("visits_on_time_rate", "按期走访率", "Visits on time", Percent, HigherIsBetter, Some(95.0),
        "期内到期的走访任务中在到期日前完成的 ÷ 期内到期的走访任务 × 100%", "local, configurable"),
    /// 工作站覆盖率 = 已建工作站的乡镇街道 / 乡镇街道.
    WorkstationCoverage => ("workstation_coverage", "工作站覆盖率", "Workstation coverage", Percent, HigherIsBetter, Some(100.0),
        "建有社区戒毒（康复）工作站的乡镇街道 ÷ 辖区乡镇街道 × 100%", "8·31工程：每个乡镇街道建工作站（DOMAIN §7）"),
    /// 禁毒社工人数.
    SocialWorkers => ("social_workers", "禁毒社工", "Social workers", Persons, HigherIsBetter, None,
        "禁毒社工账号数", "戒毒条例 §17"),
    /// 人均管理在册人数 = 在册 / 社工.
    PersonsPerWorker => ("persons_per_worker", "社工人均在册人数", "Registered per social worker", PerWorker, LowerIsBetter, Some(30.0),
        "在册 ÷ 禁毒社工", "讲话：30名在册人员配1名社工（DOMAIN §8，local, configurable）"),
    /// 社工缺口 = ⌈在册 / 配比⌉ − 社工 (not below 0).
    WorkerGap => ("worker_gap", "社工缺口", "Social-worker gap", Persons, LowerIsBetter, Some(0.0),
        "⌈在册 ÷ 配比（默认30）⌉ − 禁毒社工，最少为0", "讲话：30:1（DOMAIN §8，local, configurable）"),
    /// 破获毒品刑事案件 (police monthly form).
    CasesSolved => ("cases_solved", "破获毒品刑事案件", "Drug cases solved", Cases, HigherIsBetter, None,
        "公安月报汇总", "公安月报"),
    /// 抓获犯罪嫌疑人.
    SuspectsArrested => ("suspects_arrested", "抓获犯罪嫌疑人", "Suspects arrested", Persons, HigherIsBetter, None,
        "公安月报汇总", "公安月报"),
    /// 查处吸毒人员.
    UsersDealtWith => ("users_dealt", "查处吸毒人员", "Drug users dealt with", PersonTimes, HigherIsBetter, None,
        "公安月报汇总", "公安月报；禁毒法 §32"),
    /// 缴获毒品 (all kinds, grams).
    Seized => ("seized", "缴获毒品", "Drugs seized", Grams, HigherIsBetter, None,
        "公安月报各类毒品缴获量之和（克）", "公安月报"),
}

/// What an indicator is: code, labels, unit, direction, default target, formula and source.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Definition {
    /// The indicator.
    pub indicator: Indicator,
    /// Stable code (URLs, settings, exports), e.g. `loss_rate`.
    pub code: &'static str,
    /// Chinese name.
    pub label_zh: &'static str,
    /// English name.
    pub label_en: &'static str,
    /// Unit of the value.
    pub unit: Unit,
    /// Whether higher or lower is better.
    pub direction: Direction,
    /// Default target (local default, configurable in [`IndicatorSettings`]).
    pub default_target: Option<f64>,
    /// The formula in words.
    pub formula_zh: &'static str,
    /// Where the rule or the target comes from.
    pub source: &'static str,
}

impl Definition {
    /// Name in `lang` (`"en"` English, anything else Chinese).
    pub fn label(&self, lang: &str) -> &'static str {
        if lang == "en" { self.label_en } else { self.label_zh }
    }
}

impl Indicator {
    /// Stable code.
    pub fn code(self) -> &'static str {
        self.definition().code
    }

    /// Parses a code from [`code`](Self::code).
    pub fn from_code(code: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.code() == code)
    }

    /// Whether the value is a count of persons whose rows can be listed (drill-down to persons).
    pub fn counts_persons(self) -> bool {
        self.drill_keys().is_some()
    }

    /// The person cells whose rows make up the value, for drill-down: the value is the number
    /// of persons (or acts) whose contribution holds these cells in the period. `None` for
    /// rates and figures not made of person records (workstations, police forms).
    pub fn drill_keys(self) -> Option<&'static [CellKey]> {
        use ControlStatus as S;
        Some(match self {
            Indicator::Registered => &[
                CellKey::Status(S::UnderControl),
                CellKey::Status(S::InCustody),
                CellKey::Status(S::LostContact),
                CellKey::Status(S::Abroad),
            ],
            Indicator::UnderControl => &[CellKey::Status(S::UnderControl), CellKey::Status(S::InCustody)],
            Indicator::Lost => &[CellKey::Status(S::LostContact)],
            Indicator::Abstinent3y => &[CellKey::Status(S::Abstinent3y)],
            Indicator::NewlyFound => &[CellKey::NewlyFound],
            Indicator::Relapses => &[CellKey::Relapse],
            Indicator::TestsDue => &[CellKey::TestsDue],
            Indicator::TestsDone => &[CellKey::TestsDone],
            Indicator::VisitsDue => &[CellKey::VisitsDue],
            Indicator::VisitsDone => &[CellKey::VisitsDone],
            _ => return None,
        })
    }
}

/// The office's settings for indicators: targets and the social-worker ratio. Local defaults,
/// configurable (stored as JSON).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorSettings {
    /// Registered persons per social worker; default 30 (speech 3, DOMAIN §8).
    pub worker_ratio: u32,
    /// Targets by indicator code, replacing the defaults; a code mapped to `null` has no target.
    #[serde(default)]
    pub targets: BTreeMap<String, Option<f64>>,
}

impl Default for IndicatorSettings {
    fn default() -> IndicatorSettings {
        IndicatorSettings { worker_ratio: 30, targets: BTreeMap::new() }
    }
}

impl IndicatorSettings {
    /// The target in force for `i`.
    pub fn target(&self, i: Indicator) -> Option<f64> {
        match self.targets.get(i.code()) {
            Some(t) => *t,
            None if i == Indicator::PersonsPerWorker => Some(f64::from(self.worker_ratio)),
            None => i.definition().default_target,
        }
    }
}

impl IndicatorSettings {
    /// Settings from the office's form: `worker_ratio` (1–1000) and `target.<code>` for every
    /// indicator (empty = no target; a number ≥ 0, at most 100 for a rate, up to three
    /// decimals). Every target is stored explicitly, so a later change of a default does not move
    /// an office's choice.
    ///
    /// # Errors
    /// Every problem, each naming its field ([`DomainError::InvalidNumber`]).
    pub fn from_form(form: &BTreeMap<String, String>) -> Result<IndicatorSettings, Vec<crate::DomainError>> {
        let mut errors = Vec::new();
        let get = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or("");
        let ratio = get("worker_ratio");
        let worker_ratio = match ratio.parse::<u32>() {
            Ok(n) if (1..=1000).contains(&n) => n,
            _ => {
                errors.push(crate::DomainError::InvalidNumber {
                    field: "worker_ratio",
                    input: ratio.chars().take(40).collect(),
                    max: 1000,
                });
                30
            }
        };
        let mut targets = BTreeMap::new();
        for i in Indicator::ALL {
            let field = i.target_field();
            let raw = get(field);
            if raw.is_empty() {
                targets.insert(i.code().to_string(), None);
                continue;
            }
            let max = if i.definition().unit == Unit::Percent { 100.0 } else { 1e12 };
            let ok = raw.parse::<f64>().ok().filter(|v| v.is_finite() && *v >= 0.0 && *v <= max);
            let decimals = raw.split_once('.').map_or(0, |(_, f)| f.len());
            match ok {
                Some(v) if decimals <= 3 => {
                    targets.insert(i.code().to_string(), Some(v));
                }
                _ => errors.push(crate::DomainError::InvalidNumber {
                    field,
                    input: raw.chars().take(40).collect(),
                    max: max as u64,
                }),
            }
        }
        if errors.is_empty() { Ok(IndicatorSettings { worker_ratio, targets }) } else { Err(errors) }
    }
}

impl Indicator {
    /// The form field of this indicator's target, e.g. `target.loss_rate`.
    pub fn target_field(self) -> &'static str {
        macro_rules! fields {
            ($($v:ident => $f:literal),+ $(,)?) => { match self { $(Indicator::$v => $f),+ } };
        }
        fields! {
            Registered => "target.registered", RegisteredGrowth => "target.registered_growth",
            AffectedShare => "target.affected_share", NewlyFoundGrowth => "target.newly_found_growth",
            UnderControl => "target.under_control", Lost => "target.lost",
            LossRate => "target.loss_rate", ControlRate => "target.control_rate", ReportRate => "target.report_rate",
            ExecutionRate => "target.execution_rate", Abstinent3y => "target.abstinent_3y",
            AbstinenceRate => "target.abstinence_rate", NewlyFound => "target.newly_found",
            Relapses => "target.relapses", TestsDue => "target.tests_due", TestsDone => "target.tests_done",
            TestsOnTimeRate => "target.tests_on_time_rate", TestPositiveRate => "target.test_positive_rate",
            VisitsDue => "target.visits_due", VisitsDone => "target.visits_done",
            VisitsOnTimeRate => "target.visits_on_time_rate", WorkstationCoverage => "target.workstation_coverage",
            SocialWorkers => "target.social_workers", PersonsPerWorker => "target.persons_per_worker",
            WorkerGap => "target.worker_gap", CasesSolved => "target.cases_solved",
            SuspectsArrested => "target.suspects_arrested", UsersDealtWith => "target.users_dealt",
            Seized => "target.seized",
        }
    }
}

/// The cell sums of one jurisdiction as read from the store: the running totals of the stock
/// cells and every cell's value per month from some month on (`from`). A stock figure at the end
/// of month M is the total minus the months after M, so `from` must be at most M + 1.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeCells {
    totals: HashMap<CellKey, i64>,
    months: HashMap<(CellKey, Month), i64>,
}

impl ScopeCells {
    /// Empty (every figure zero).
    pub fn new() -> ScopeCells {
        ScopeCells::default()
    }

    /// Adds one stored cell: `Month::TOTAL` rows are running totals.
    pub fn add(&mut self, key: CellKey, month: Month, value: i64) {
        if month == Month::TOTAL {
            *self.totals.entry(key).or_insert(0) += value;
        } else {
            *self.months.entry((key, month)).or_insert(0) += value;
        }
    }

    /// From a contribution (every month, with totals for the stock cells).
    pub fn from_contribution(c: &Contribution) -> ScopeCells {
        let mut s = ScopeCells::new();
        for (k, m, v) in c.iter() {
            s.add(k, m, v);
            if k.is_stock() {
                s.add(k, Month::TOTAL, v);
            }
        }
        s
    }

    /// A stock cell at the end of month `m`.
    pub fn stock_at(&self, key: CellKey, m: Month) -> i64 {
        let later: i64 = self.months.iter().filter(|((k, mm), _)| *k == key && *mm > m).map(|(_, v)| v).sum();
        self.totals.get(&key).copied().unwrap_or(0) - later
    }

    /// A flow cell summed over months `from..=to`.
    pub fn flow(&self, key: CellKey, from: Month, to: Month) -> i64 {
        self.months.iter().filter(|((k, m), _)| *k == key && *m >= from && *m <= to).map(|(_, v)| v).sum()
    }

    /// A cell over a period: stock at its end, flow summed.
    pub fn cell(&self, key: CellKey, period: Period) -> i64 {
        let (from, to) = period.months();
        if key.is_stock() { self.stock_at(key, to) } else { self.flow(key, from, to) }
    }
}

/// The value of an indicator with the numbers it came from.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Figure {
    /// The value (a percentage for rates); `None` when a rate's denominator is zero.
    pub value: Option<f64>,
    /// Numerator of a rate (or the value of a count).
    pub numerator: i64,
    /// Denominator of a rate (1 for counts).
    pub denominator: i64,
}

impl Figure {
    fn count(n: i64) -> Figure {
        Figure { value: Some(n as f64), numerator: n, denominator: 1 }
    }

    /// A rate in %: `num` of `den`, no value when `den` is 0.
    pub fn rate(num: i64, den: i64) -> Figure {
        Figure { value: (den != 0).then(|| num as f64 * 100.0 / den as f64), numerator: num, denominator: den }
    }

    /// Growth in % of `now` on `before` (同比增长率): `(now − before) ÷ before × 100`, `None`
    /// when `before` is 0; numerator `now`, denominator `before`. E.g. 120 on 100 → 20.0 %,
    /// 90 on 100 → −10.0 %.
    pub fn growth(now: i64, before: i64) -> Figure {
        Figure {
            value: (before != 0).then(|| (now - before) as f64 * 100.0 / before as f64),
            numerator: now,
            denominator: before,
        }
    }

    /// The value rounded as shown: rates and per-worker ratios to one decimal, grams to three,
    /// counts whole; “—” when there is no value.
    pub fn display(&self, unit: Unit) -> String {
        match (self.value, unit) {
            (None, _) => "—".to_string(),
            (Some(v), Unit::Percent) => format!("{v:.1}%"),
            (Some(v), Unit::PerWorker) => format!("{v:.1}"),
            (Some(v), Unit::Grams) => format!("{v:.3}"),
            (Some(v), _) => format!("{v:.0}"),
        }
    }
}

/// Whether `value` lies on the wrong side of `target` for `direction` (shown red).
pub fn misses_target(value: Option<f64>, target: Option<f64>, direction: Direction) -> bool {
    match (value, target) {
        (Some(v), Some(t)) => match direction {
            Direction::HigherIsBetter => v < t,
            Direction::LowerIsBetter => v > t,
        },
        _ => false,
    }
}

/// 涉毒区划占比: the share in % of the direct sub-divisions with at least one registered person,
/// from each sub-division's 在册 at the end of the period (`registered`, one entry per
/// sub-division); `None` without sub-divisions. E.g. 34 of 43 counties → 79.1 %.
pub fn affected_share(registered: &[i64]) -> Figure {
    let with = registered.iter().filter(|n| **n > 0).count() as i64;
    Figure::rate(with, registered.len() as i64)
}

/// The value of `indicator` for a jurisdiction's cells over `period`, with the settings' worker
/// ratio. The counts of persons are those of [`Headcount`] (在册 = 在控(含羁押) + 失控 + 出境).
/// Growth rates compare with the same period a year before (its months must be in `cells`).
/// [`Indicator::AffectedShare`] needs the jurisdictions below ([`affected_share`]): from one
/// jurisdiction's cells it has no value.
pub fn evaluate(indicator: Indicator, cells: &ScopeCells, period: Period, settings: &IndicatorSettings) -> Figure {
    let c = |k: CellKey| cells.cell(k, period);
    let st = |s: ControlStatus| c(CellKey::Status(s));
    let under_control = Headcount::UnderControl.count(st);
    let lost = Headcount::Lost.count(st);
    let registered = Headcount::Registered.count(st);
    let before = |i: Indicator| evaluate(i, cells, period.year_before(), settings).numerator;
    match indicator {
        Indicator::Registered => Figure::count(registered),
        Indicator::RegisteredGrowth => Figure::growth(registered, before(Indicator::Registered)),
        Indicator::AffectedShare => Figure { value: None, numerator: 0, denominator: 0 },
        Indicator::NewlyFoundGrowth => Figure::growth(c(CellKey::NewlyFound), before(Indicator::NewlyFound)),
        Indicator::UnderControl => Figure::count(under_control),
        Indicator::Lost => Figure::count(lost),
        Indicator::LossRate => Figure::rate(lost, under_control + lost),
        Indicator::ControlRate => Figure::rate(under_control, registered),
        Indicator::ReportRate => Figure::rate(c(CellKey::ReportedInTime), c(CellKey::CommunityDecided)),
        Indicator::ExecutionRate => Figure::rate(c(CellKey::CommunityExecuting), c(CellKey::CommunityOrdered)),
        Indicator::Abstinent3y => Figure::count(Headcount::Abstinent3y.count(st)),
        Indicator::AbstinenceRate => {
            let abstinent = Headcount::Abstinent3y.count(st);
            Figure::rate(abstinent, registered + abstinent)
        }
        Indicator::NewlyFound => Figure::count(c(CellKey::NewlyFound)),
        Indicator::Relapses => Figure::count(c(CellKey::Relapse)),
        Indicator::TestsDue => Figure::count(c(CellKey::TestsDue)),
        Indicator::TestsDone => Figure::count(c(CellKey::TestsDone)),
        Indicator::TestsOnTimeRate => Figure::rate(c(CellKey::TestsDueMet), c(CellKey::TestsDue)),
        Indicator::TestPositiveRate => Figure::rate(c(CellKey::TestsPositive), c(CellKey::TestsDone)),
        Indicator::VisitsDue => Figure::count(c(CellKey::VisitsDue)),
        Indicator::VisitsDone => Figure::count(c(CellKey::VisitsDone)),
        Indicator::VisitsOnTimeRate => Figure::rate(c(CellKey::VisitsDueMet), c(CellKey::VisitsDue)),
        Indicator::WorkstationCoverage => Figure::rate(c(CellKey::TownsWithWorkstation), c(CellKey::Towns)),
        Indicator::SocialWorkers => Figure::count(c(CellKey::SocialWorkers)),
        Indicator::PersonsPerWorker => {
            let w = c(CellKey::SocialWorkers);
            Figure { value: (w != 0).then(|| registered as f64 / w as f64), numerator: registered, denominator: w }
        }
        Indicator::WorkerGap => Figure::count(worker_gap(registered, c(CellKey::SocialWorkers), settings.worker_ratio)),
        Indicator::CasesSolved => Figure::count(c(CellKey::CasesSolved)),
        Indicator::SuspectsArrested => Figure::count(c(CellKey::SuspectsArrested)),
        Indicator::UsersDealtWith => Figure::count(c(CellKey::UsersDealtWith)),
        Indicator::Seized => {
            let mg: i64 = SEIZURE_KINDS.iter().map(|s| c(CellKey::Seized(*s))).sum();
            Figure { value: Some(mg as f64 / 1000.0), numerator: mg, denominator: 1000 }
        }
    }
}

/// Social workers still needed: ⌈registered ÷ ratio⌉ − workers, never below 0 (a ratio of 0
/// means no requirement). E.g. 6,900 registered at 30:1 need 230; with 30 the gap is 200.
pub fn worker_gap(registered: i64, workers: i64, ratio: u32) -> i64 {
    if ratio == 0 || registered <= 0 {
        return 0;
    }
    let r = i64::from(ratio);
    let needed = (registered + r - 1) / r;
    (needed - workers).max(0)
}

/// Competition ranking (1224): the best value first by `direction`; equal values share a rank
/// and the next rank is skipped; items without a value come last, unranked (`None`). Returns
/// the indices of `values` in rank order with their ranks.
pub fn rank(values: &[Option<f64>], direction: Direction) -> Vec<(usize, Option<u32>)> {
    let mut idx: Vec<usize> = (0..values.len()).collect();
    let key = |v: f64| match direction {
        Direction::HigherIsBetter => -v,
        Direction::LowerIsBetter => v,
    };
    idx.sort_by(|a, b| match (values[*a], values[*b]) {
        (Some(x), Some(y)) => key(x).total_cmp(&key(y)).then(a.cmp(b)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.cmp(b),
    });
    let mut out = Vec::with_capacity(idx.len());
    let mut last: Option<(f64, u32)> = None;
    for (pos, i) in idx.into_iter().enumerate() {
        let r = values[i].map(|v| match last {
            Some((lv, lr)) if lv == v => lr,
            _ => {
                let r = u32::try_from(pos + 1).unwrap_or(u32::MAX);
                last = Some((v, r));
                r
            }
        });
        out.push((i, r));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn cells(items: &[(CellKey, i32, i64)]) -> ScopeCells {
        let mut c = Contribution::new();
        for (k, m, v) in items {
            c.add(*k, Month(*m), *v);
        }
        ScopeCells::from_contribution(&c)
    }

    const OCT: Period = Period::Month(Month(202610));

    /// Speech figures: 17 workstations in about 37 towns are 46 % coverage (45.9 to one decimal).
    #[test]
    fn seventeen_workstations_in_thirty_seven_towns_are_46_percent() {
        let c = cells(&[(CellKey::Towns, 202401, 37), (CellKey::TownsWithWorkstation, 202401, 17)]);
        let f = evaluate(Indicator::WorkstationCoverage, &c, OCT, &IndicatorSettings::default());
        assert_eq!((f.numerator, f.denominator), (17, 37));
        assert_eq!(f.display(Unit::Percent), "45.9%");
        assert_eq!(format!("{:.0}", f.value.unwrap()), "46");
        assert!(misses_target(
            f.value,
            IndicatorSettings::default().target(Indicator::WorkstationCoverage),
            Direction::HigherIsBetter
        ));
    }

    /// Speech figures: about 6,900 registered and 30 social workers at 30:1 → gap 200
    /// (230 needed); 6,901 → 231 needed, gap 201 (rounded up); 230 persons per worker.
    #[test]
    fn thirty_workers_for_6900_registered_leave_a_gap_of_200() {
        assert_eq!(worker_gap(6900, 30, 30), 200);
        assert_eq!(worker_gap(6901, 30, 30), 201);
        assert_eq!(worker_gap(6900, 300, 30), 0);
        assert_eq!(worker_gap(6900, 30, 0), 0);
        assert_eq!(worker_gap(6900, 30, 20), 315);
        let c = cells(&[
            (CellKey::Status(ControlStatus::UnderControl), 202401, 6500),
            (CellKey::Status(ControlStatus::LostContact), 202401, 350),
            (CellKey::Status(ControlStatus::Abroad), 202401, 50),
            (CellKey::SocialWorkers, 202401, 30),
        ]);
        let s = IndicatorSettings::default();
        assert_eq!(evaluate(Indicator::Registered, &c, OCT, &s).value, Some(6900.0));
        assert_eq!(evaluate(Indicator::WorkerGap, &c, OCT, &s).value, Some(200.0));
        let per = evaluate(Indicator::PersonsPerWorker, &c, OCT, &s);
        assert_eq!(per.display(Unit::PerWorker), "230.0");
        assert!(misses_target(per.value, s.target(Indicator::PersonsPerWorker), Direction::LowerIsBetter));
        let s20 = IndicatorSettings { worker_ratio: 20, ..IndicatorSettings::default() };
        assert_eq!(evaluate(Indicator::WorkerGap, &c, OCT, &s20).value, Some(315.0));
        assert_eq!(s20.target(Indicator::PersonsPerWorker), Some(20.0));
    }

    /// A hand-worked district at the end of October 2026: 在控 40 (of whom 3 became lost in
    /// October), 羁押 5, 失控 3 + 2 earlier, 出境 1, 戒断三年 6.
    #[test]
    fn status_rates_by_hand() {
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let lost = CellKey::Status(ControlStatus::LostContact);
        let c = cells(&[
            (uc, 202401, 43),
            (uc, 202610, -3),
            (lost, 202610, 3),
            (lost, 202505, 2),
            (CellKey::Status(ControlStatus::InCustody), 202502, 5),
            (CellKey::Status(ControlStatus::Abroad), 202502, 1),
            (CellKey::Status(ControlStatus::Abstinent3y), 202502, 6),
            (CellKey::Status(ControlStatus::Deceased), 202502, 4),
        ]);
        let s = IndicatorSettings::default();
        let v = |i| evaluate(i, &c, OCT, &s);
        // 在控 = 40 + 5 = 45; 失控 5; 在册 = 45 + 5 + 1 = 51.
        assert_eq!(v(Indicator::UnderControl).value, Some(45.0));
        assert_eq!(v(Indicator::Lost).value, Some(5.0));
        assert_eq!(v(Indicator::Registered).value, Some(51.0));
        // 失控率 = 5 / 50 = 10.0 %; 管控率 = 45 / 51 = 88.2 %; 戒断率 = 6 / 57 = 10.5 %.
        assert_eq!(v(Indicator::LossRate).display(Unit::Percent), "10.0%");
        assert_eq!(v(Indicator::ControlRate).display(Unit::Percent), "88.2%");
        assert_eq!(v(Indicator::AbstinenceRate).display(Unit::Percent), "10.5%");
        assert!(misses_target(v(Indicator::LossRate).value, s.target(Indicator::LossRate), Direction::LowerIsBetter));
        // A month earlier: 在控 43 + 5, 失控 2 → 失控率 2 / 50 = 4.0 %.
        let sep = Period::Month(Month(202609));
        assert_eq!(evaluate(Indicator::LossRate, &c, sep, &s).display(Unit::Percent), "4.0%");
        // A rate over nothing has no value.
        assert_eq!(evaluate(Indicator::ReportRate, &c, OCT, &s).display(Unit::Percent), "—");
    }

    /// Flows sum their months: Q4 2026 = Oct + Nov + Dec; the same quarter last year.
    #[test]
    fn flows_and_rates_over_a_quarter() {
        let c = cells(&[
            (CellKey::CommunityDecided, 202610, 4),
            (CellKey::ReportedInTime, 202610, 3),
            (CellKey::CommunityDecided, 202611, 2),
            (CellKey::ReportedInTime, 202611, 2),
            (CellKey::CommunityDecided, 202609, 9),
            (CellKey::TestsDone, 202611, 20),
            (CellKey::TestsPositive, 202611, 1),
            (CellKey::TestsDue, 202611, 24),
            (CellKey::TestsDueMet, 202611, 18),
            (CellKey::TestsDone, 202511, 10),
            (CellKey::Seized(crate::kinds::Substance::Heroin), 202611, 1_250),
            (CellKey::Seized(crate::kinds::Substance::Methamphetamine), 202612, 30_500),
        ]);
        let s = IndicatorSettings::default();
        let q4 = Period::Quarter(2026, 4);
        // 报到率 = (3 + 2) / (4 + 2) = 83.3 %.
        assert_eq!(evaluate(Indicator::ReportRate, &c, q4, &s).display(Unit::Percent), "83.3%");
        assert_eq!(evaluate(Indicator::TestPositiveRate, &c, q4, &s).display(Unit::Percent), "5.0%");
        assert_eq!(evaluate(Indicator::TestsOnTimeRate, &c, q4, &s).display(Unit::Percent), "75.0%");
        assert_eq!(evaluate(Indicator::TestsDone, &c, q4.year_before(), &s).value, Some(10.0));
        assert_eq!(evaluate(Indicator::Seized, &c, q4, &s).display(Unit::Grams), "31.750");
    }

    #[test]
    fn settings_from_the_form_name_each_bad_field() {
        let mut form: BTreeMap<String, String> = BTreeMap::new();
        form.insert("worker_ratio".into(), "20".into());
        form.insert("target.loss_rate".into(), "3.5".into());
        form.insert("target.lost".into(), "".into());
        let s = IndicatorSettings::from_form(&form).unwrap();
        assert_eq!(s.worker_ratio, 20);
        assert_eq!(s.target(Indicator::LossRate), Some(3.5));
        assert_eq!(s.target(Indicator::Lost), None);
        assert_eq!(s.target(Indicator::ControlRate), None, "an empty field means no target");
        form.insert("worker_ratio".into(), "0".into());
        form.insert("target.loss_rate".into(), "101".into());
        form.insert("target.registered".into(), "-1".into());
        form.insert("target.seized".into(), "1.2345".into());
        let errors = IndicatorSettings::from_form(&form).unwrap_err();
        let fields: Vec<_> = errors.iter().filter_map(|e| e.field()).collect();
        assert_eq!(fields, ["worker_ratio", "target.registered", "target.loss_rate", "target.seized"]);
        for i in Indicator::ALL {
            assert_eq!(i.target_field(), format!("target.{}", i.code()));
        }
    }

    #[test]
    fn ranks_share_ties_and_skip() {
        let v = [Some(90.0), Some(95.5), None, Some(90.0), Some(80.0)];
        assert_eq!(
            rank(&v, Direction::HigherIsBetter),
            vec![(1, Some(1)), (0, Some(2)), (3, Some(2)), (4, Some(4)), (2, None)]
        );
        assert_eq!(
            rank(&v, Direction::LowerIsBetter),
            vec![(4, Some(1)), (0, Some(2)), (3, Some(2)), (1, Some(4)), (2, None)]
        );
    }

    #[test]
    fn every_indicator_has_a_unique_code_and_a_source() {
        let mut codes: Vec<&str> = Indicator::ALL.iter().map(|i| i.code()).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), Indicator::ALL.len());
        for i in Indicator::ALL {
            let d = i.definition();
            assert!(!d.source.is_empty() && !d.formula_zh.is_empty(), "{}", d.code);
            assert_eq!(Indicator::from_code(d.code), Some(*i));
        }
        let s: IndicatorSettings =
            serde_json::from_str(r#"{"worker_ratio":20,"targets":{"loss_rate":3.0,"lost":null}}"#).unwrap();
        assert_eq!(s.target(Indicator::LossRate), Some(3.0));
        assert_eq!(s.target(Indicator::Lost), None);
        assert_eq!(s.target(Indicator::ControlRate), Some(95.0));
    }

    /// The drill-down of every count of persons lists the statuses of its [`Headcount`].
    #[test]
    fn drill_keys_follow_the_headcounts() {
        for (i, h) in [
            (Indicator::Registered, Headcount::Registered),
            (Indicator::UnderControl, Headcount::UnderControl),
            (Indicator::Lost, Headcount::Lost),
            (Indicator::Abstinent3y, Headcount::Abstinent3y),
        ] {
            let keys: Vec<CellKey> = h.statuses().iter().map(|s| CellKey::Status(*s)).collect();
            let mut drill = i.drill_keys().unwrap().to_vec();
            drill.sort();
            let mut keys = keys;
            keys.sort();
            assert_eq!(drill, keys, "{}", i.code());
        }
    }

    /// 在册 120 at the end of Nov 2026 against 100 a year before: +20.0 %; 新发现 9 in Nov 2026
    /// against 12 in Nov 2025: −25.0 %; none when last year's figure is 0 (Oct: 新发现 0 in Oct
    /// 2025). A quarter compares Q4 with Q4.
    #[test]
    fn growth_on_the_same_period_a_year_before() {
        let uc = CellKey::Status(ControlStatus::UnderControl);
        let c = cells(&[
            (uc, 202401, 100),
            (uc, 202603, 20),
            (CellKey::NewlyFound, 202511, 12),
            (CellKey::NewlyFound, 202611, 9),
            (CellKey::NewlyFound, 202610, 3),
        ]);
        let s = IndicatorSettings::default();
        let nov = Period::Month(Month(202611));
        let g = evaluate(Indicator::RegisteredGrowth, &c, nov, &s);
        assert_eq!((g.numerator, g.denominator, g.display(Unit::Percent)), (120, 100, "20.0%".to_string()));
        let n = evaluate(Indicator::NewlyFoundGrowth, &c, nov, &s);
        assert_eq!((n.numerator, n.denominator, n.display(Unit::Percent)), (9, 12, "-25.0%".to_string()));
        let oct = evaluate(Indicator::NewlyFoundGrowth, &c, OCT, &s);
        assert_eq!((oct.value, oct.numerator, oct.denominator), (None, 3, 0));
        let q4 = evaluate(Indicator::NewlyFoundGrowth, &c, Period::Quarter(2026, 4), &s);
        assert_eq!(q4.display(Unit::Percent), "0.0%", "12 in Q4 2026 against 12 in Q4 2025");
        assert_eq!(Figure::growth(0, 0).value, None);
        assert_eq!(Figure::growth(5, 0).display(Unit::Percent), "—");
    }

    /// 涉毒区划占比: 34 of 43 sub-divisions with registered persons → 79.1 % (the speech's 79 %);
    /// none of 3 → 0.0 %; no sub-divisions → no value.
    #[test]
    fn share_of_sub_divisions_with_registered_persons() {
        let mut v = vec![0i64; 9];
        v.extend(std::iter::repeat_n(2i64, 34));
        let f = affected_share(&v);
        assert_eq!((f.numerator, f.denominator, f.display(Unit::Percent)), (34, 43, "79.1".to_string() + "%"));
        assert_eq!(affected_share(&[0, 0, 0]).display(Unit::Percent), "0.0%");
        assert_eq!(affected_share(&[]).value, None);
        let c = cells(&[(CellKey::Status(ControlStatus::UnderControl), 202401, 5)]);
        assert_eq!(evaluate(Indicator::AffectedShare, &c, OCT, &IndicatorSettings::default()).value, None);
    }
}
