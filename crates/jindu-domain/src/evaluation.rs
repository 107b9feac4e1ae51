//! 考评 evaluation: a scheme (考评方案) is a tree of items with points; each leaf is scored
//! automatically from an indicator or by an inspector; veto items (一票否决) zero a unit's total,
//! bonus items (加分项) add to it; the totals are ranked (equal totals share a rank) and graded in
//! bands. Pure: the store supplies each unit's indicator values and the inspectors' scores, and
//! keeps the results with their traces.
//!
//! Points are exact hundredths ([`Points`]): a linear score is rounded half away from zero to
//! 0.01 once, at the leaf; sums and caps are then exact.
//!
//! Sources: DOMAIN.md §8 (local examples: −0.5 per person lost from control, −0.5 per missed
//! urine test, 在控率 17 of 35, bands ≥ 90 / 80–90 / 60–79 / < 60); every number in a scheme is
//! local and configurable.

use crate::message::Message;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::indicator::{Direction, Indicator};

/// Points in hundredths: `Points(1750)` is 17.5 points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Points(pub i64);

impl Points {
    /// Zero points.
    pub const ZERO: Points = Points(0);

    /// Whole points: `Points::whole(17)` is 17.00.
    pub const fn whole(n: i64) -> Points {
        Points(n * 100)
    }

    /// The nearest hundredth of `x` points, halves away from zero; `None` for NaN or infinity.
    pub fn from_f64(x: f64) -> Option<Points> {
        if !x.is_finite() || x.abs() > 1e12 {
            return None;
        }
        Some(Points((x * 100.0).round() as i64))
    }

    /// Parses `17`, `17.5`, `-0.5`, `0.25` (at most two decimals).
    ///
    /// # Errors
    /// [`crate::DomainError::InvalidNumber`] naming `field`.
    pub fn parse(field: &'static str, text: &str) -> Result<Points, crate::DomainError> {
        let t = text.trim();
        let bad = || crate::DomainError::InvalidNumber { field, input: t.chars().take(20).collect(), max: 1_000_000 };
        let (neg, digits) = t.strip_prefix('-').map_or((false, t), |d| (true, d));
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty() && frac.is_empty()
            || frac.len() > 2
            || !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit())
            || whole.len() > 9
        {
            return Err(bad());
        }
        let w: i64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| bad())? };
        let f: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
        let v = w * 100 + f;
        Ok(Points(if neg { -v } else { v }))
    }

    /// As a float (for display and ranking).
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl std::ops::Add for Points {
    type Output = Points;
    fn add(self, o: Points) -> Points {
        Points(self.0.saturating_add(o.0))
    }
}

impl std::ops::Sub for Points {
    type Output = Points;
    fn sub(self, o: Points) -> Points {
        Points(self.0.saturating_sub(o.0))
    }
}

impl std::iter::Sum for Points {
    fn sum<I: Iterator<Item = Points>>(iter: I) -> Points {
        iter.fold(Points::ZERO, |a, b| a + b)
    }
}

/// `17`, `17.5`, `17.25`, `-0.5`: no trailing zeros.
impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let (w, c) = (self.0.abs() / 100, self.0.abs() % 100);
        match c {
            0 => write!(f, "{sign}{w}"),
            c if c % 10 == 0 => write!(f, "{sign}{w}.{}", c / 10),
            c => write!(f, "{sign}{w}.{c:02}"),
        }
    }
}

/// What a rule reads: an indicator's value, or the shortfall between two counts (e.g. 应检测 −
/// 已检测 = missed tests, never below 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Source {
    /// The indicator's value for the unit and period.
    Value { indicator: Indicator },
    /// `due − done`, at least 0.
    Shortfall { due: Indicator, done: Indicator },
}

impl Source {
    /// The value for a unit, from its indicator values; `None` when an indicator has no value.
    pub fn read(&self, values: &BTreeMap<Indicator, Option<f64>>) -> Option<f64> {
        let get = |i: &Indicator| values.get(i).copied().flatten();
        match self {
            Source::Value { indicator } => get(indicator),
            Source::Shortfall { due, done } => Some((get(due)? - get(done)?).max(0.0)),
        }
    }

    /// The Chinese name: `在控率`, `应检测 − 已检测`.
    pub fn label_zh(&self) -> String {
        match self {
            Source::Value { indicator } => indicator.definition().label_zh.to_string(),
            Source::Shortfall { due, done } => {
                format!("{} − {}", due.definition().label_zh, done.definition().label_zh)
            }
        }
    }

    /// The indicators it reads.
    pub fn indicators(&self) -> Vec<Indicator> {
        match self {
            Source::Value { indicator } => vec![*indicator],
            Source::Shortfall { due, done } => vec![*due, *done],
        }
    }
}

/// A step of a [`Rule::Steps`]: reaching `at` earns `points`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub at: f64,
    pub points: Points,
}

/// How a leaf item is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Rule {
    /// 人工评分: an inspector gives 0 to the item's points, with a note.
    Manual,
    /// 达标得分: the best step the value reaches earns its points (≥ `at` when higher is better,
    /// ≤ `at` when lower is better); none reached earns 0. E.g. 知晓率 > 95 % = 3, > 98 % = 5.
    Steps { source: Source, direction: Direction, steps: Vec<Step> },
    /// 线性: 0 points at `zero_at`, the item's points at `full_at`, a straight line between and
    /// clamped outside (either direction: `full_at` below `zero_at` means lower is better).
    Linear { source: Source, zero_at: f64, full_at: f64 },
    /// 扣分: the item's points less `each` per occurrence (the source is a count), at most
    /// `cap` deducted (default: all the item's points), never below 0. E.g. −0.5 per person lost.
    Deduction { source: Source, each: Points, cap: Option<Points> },
    /// 一票否决: triggered when the source's count is above 0, or by an inspector's finding
    /// (`source` none); a triggered veto makes the unit's total 0.
    Veto { source: Option<Source> },
    /// 加分: `each` per occurrence of the source (or an inspector's score when none), at most the
    /// item's points, added on top of the base total.
    Bonus { source: Option<Source>, each: Points },
    /// 易制毒流向不明扣分 (issue #21 item 7): the item's points less `each` per open mismatch
    /// (open `FLOW-S` and `FLOW-P` findings) of the enterprises in the unit's division, at most
    /// `cap` deducted (default: all the item's points), never below 0.
    PrecursorMismatch { each: Points, cap: Option<Points> },
    /// 易制毒流向闭环率达标: the item's points when the unit's 流向闭环率 in the period reaches
    /// `target` percent, else 0; a unit without sales in the period earns the points (nothing
    /// was left open).
    PrecursorClosure { target: f64 },
    /// 易制毒企业检查完成率: the item's points × inspections done / due in the period (at most
    /// the item's points, rounded to 0.01); nothing due earns the points.
    PrecursorInspections,
}

impl Rule {
    /// True for rules an inspector scores (manual items, manual vetoes, manual bonuses).
    pub fn is_manual(&self) -> bool {
        matches!(self, Rule::Manual | Rule::Veto { source: None } | Rule::Bonus { source: None, .. })
    }

    /// True for the precursor rules, which read the unit's precursor counts
    /// ([`UnitInputs::precursor`]) rather than an indicator.
    pub fn is_precursor(&self) -> bool {
        matches!(self, Rule::PrecursorMismatch { .. } | Rule::PrecursorClosure { .. } | Rule::PrecursorInspections)
    }

    /// The source it reads, if any.
    pub fn source(&self) -> Option<&Source> {
        match self {
            Rule::Manual
            | Rule::PrecursorMismatch { .. }
            | Rule::PrecursorClosure { .. }
            | Rule::PrecursorInspections => None,
            Rule::Steps { source, .. } | Rule::Linear { source, .. } | Rule::Deduction { source, .. } => Some(source),
            Rule::Veto { source } | Rule::Bonus { source, .. } => source.as_ref(),
        }
    }
}

/// An item of a scheme: a group with children, or a leaf with a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeItem {
    /// Stable code within the scheme, e.g. `2.1`.
    pub code: String,
    pub title: String,
    /// The item's points (for a bonus its maximum; for a veto 0).
    pub points: Points,
    /// How a leaf is scored; `None` for a group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    /// What the inspector checks, or how the rule reads (shown with the item).
    #[serde(default)]
    pub note: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<SchemeItem>,
}

impl SchemeItem {
    fn counts_in_base(&self) -> bool {
        !matches!(self.rule, Some(Rule::Veto { .. } | Rule::Bonus { .. }))
    }

    /// Every item of this subtree in tree order with its depth (0 for this one).
    pub fn walk(&self) -> Vec<(usize, &SchemeItem)> {
        let mut out = vec![(0, self)];
        for c in &self.children {
            out.extend(c.walk().into_iter().map(|(d, i)| (d + 1, i)));
        }
        out
    }
}

/// A grade band: a total of at least `min` earns `label`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GradeBand {
    pub min: Points,
    pub label_zh: String,
    pub label_en: String,
}

/// The default bands (DOMAIN §8; local, configurable): ≥ 90 优秀, 80–89.99 合格, 60–79.99 基本合格,
/// below 60 不合格.
pub fn default_bands() -> Vec<GradeBand> {
    [(90, "优秀", "Excellent"), (80, "合格", "Pass"), (60, "基本合格", "Basic pass"), (0, "不合格", "Fail")]
        .into_iter()
        .map(|(min, zh, en)| GradeBand { min: Points::whole(min), label_zh: zh.into(), label_en: en.into() })
        .collect()
}

/// Who a scheme scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// 乡镇（街道）: every town of the district.
    Towns,
    /// 成员单位: the member units of the anti-drug committee.
    MemberUnits,
}

/// 考评方案: the items, the bands and who is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationScheme {
    pub name: String,
    pub subject: Subject,
    pub items: Vec<SchemeItem>,
    pub bands: Vec<GradeBand>,
}

/// Why a scheme cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SchemeError {
    /// Two items share a code.
    DuplicateCode(String),
    /// A leaf without a rule, or a group with one.
    Shape(String),
    /// A group's points are not the sum of its scored children's: (code, points, sum).
    PointsMismatch(String, Points, Points),
    /// A rule that cannot score: (code, why).
    Rule(String, String),
    /// Bands not in descending order of `min`, or the last not 0.
    Bands,
}

impl SchemeError {
    /// The sentence (`msg.scheme.*`) naming the item.
    pub fn message(&self) -> Message {
        match self {
            SchemeError::DuplicateCode(c) => Message::new("msg.scheme.duplicate_code").text("code", c),
            SchemeError::Shape(c) => Message::new("msg.scheme.shape").text("code", c),
            SchemeError::PointsMismatch(c, p, s) => {
                Message::new("msg.scheme.points_mismatch").text("code", c).text("points", p).text("sum", s)
            }
            SchemeError::Rule(c, why) => Message::new("msg.scheme.rule").text("code", c).text("why", why),
            SchemeError::Bands => Message::new("msg.scheme.bands"),
        }
    }
}

impl EvaluationScheme {
    /// Every item in tree order with its depth.
    pub fn walk(&self) -> Vec<(usize, &SchemeItem)> {
        self.items.iter().flat_map(SchemeItem::walk).collect()
    }

    /// The base points: the sum of the top-level items that are neither veto nor bonus (100 in
    /// the usual scheme).
    pub fn base_points(&self) -> Points {
        self.items.iter().filter(|i| i.counts_in_base()).map(|i| i.points).sum()
    }

    /// The indicators the scheme's rules read.
    pub fn indicators(&self) -> BTreeSet<Indicator> {
        self.walk()
            .into_iter()
            .filter_map(|(_, i)| i.rule.as_ref().and_then(Rule::source))
            .flat_map(Source::indicators)
            .collect()
    }

    /// True when a rule of the scheme reads the units' precursor counts.
    pub fn reads_precursors(&self) -> bool {
        self.walk().iter().any(|(_, i)| i.rule.as_ref().is_some_and(Rule::is_precursor))
    }

    /// Checks the scheme can score (see [`SchemeError`]).
    ///
    /// # Errors
    /// The first [`SchemeError`] found.
    pub fn validate(&self) -> Result<(), SchemeError> {
        let mut codes = BTreeSet::new();
        for (_, item) in self.walk() {
            if !codes.insert(item.code.as_str()) {
                return Err(SchemeError::DuplicateCode(item.code.clone()));
            }
            let rule_error = |why: &str| Err(SchemeError::Rule(item.code.clone(), why.to_string()));
            match (&item.rule, item.children.is_empty()) {
                (None, true) | (Some(_), false) => return Err(SchemeError::Shape(item.code.clone())),
                (None, false) => {
                    let sum: Points = item.children.iter().filter(|c| c.counts_in_base()).map(|c| c.points).sum();
                    if sum != item.points {
                        return Err(SchemeError::PointsMismatch(item.code.clone(), item.points, sum));
                    }
                }
                (Some(rule), true) => {
                    if item.points < Points::ZERO {
                        return rule_error("分值不能为负 / points cannot be negative");
                    }
                    if self.subject == Subject::MemberUnits && (rule.source().is_some() || rule.is_precursor()) {
                        return rule_error(
                            "成员单位没有辖区指标，只能人工评分 / member units have no indicators of a jurisdiction; score them by hand",
                        );
                    }
                    match rule {
                        Rule::Steps { steps, .. } => {
                            if steps.is_empty()
                                || steps.iter().any(|s| s.points > item.points || s.points < Points::ZERO)
                            {
                                return rule_error(
                                    "每档得分须在 0 与该项分值之间 / each step's points must lie within the item's",
                                );
                            }
                        }
                        Rule::Linear { zero_at, full_at, .. } => {
                            if zero_at == full_at || !zero_at.is_finite() || !full_at.is_finite() {
                                return rule_error("零分点与满分点须不同 / the zero and full points must differ");
                            }
                        }
                        Rule::Deduction { each, cap, .. } => {
                            if *each <= Points::ZERO || cap.is_some_and(|c| c < Points::ZERO) {
                                return rule_error("每次扣分须大于 0 / each deduction must be above 0");
                            }
                        }
                        Rule::Bonus { each, .. } => {
                            if *each < Points::ZERO {
                                return rule_error("加分不能为负 / a bonus cannot be negative");
                            }
                        }
                        Rule::PrecursorMismatch { each, cap } => {
                            if *each <= Points::ZERO || cap.is_some_and(|c| c < Points::ZERO) {
                                return rule_error("每次扣分须大于 0 / each deduction must be above 0");
                            }
                        }
                        Rule::PrecursorClosure { target } => {
                            if !(0.0..=100.0).contains(target) {
                                return rule_error("目标值须在 0 与 100 之间 / the target must lie within 0 and 100");
                            }
                        }
                        Rule::Manual | Rule::Veto { .. } | Rule::PrecursorInspections => {}
                    }
                }
            }
        }
        let descending = self.bands.windows(2).all(|w| w[0].min > w[1].min);
        if self.bands.is_empty() || !descending || self.bands.last().is_some_and(|b| b.min != Points::ZERO) {
            return Err(SchemeError::Bands);
        }
        Ok(())
    }

    /// The band of a total.
    pub fn grade(&self, total: Points) -> Option<&GradeBand> {
        self.bands.iter().find(|b| total >= b.min)
    }
}

/// An inspector's score of a manual item: points (for a veto: above 0 triggers it) and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManualScore {
    pub points: Points,
    pub note: String,
}

/// What a unit is scored on: its indicator values for the period (`None`: no value) and the
/// inspectors' scores of manual items by code.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct UnitInputs {
    pub values: BTreeMap<Indicator, Option<f64>>,
    pub manual: BTreeMap<String, ManualScore>,
    /// The unit's precursor counts for the period (for the precursor rules); `None` when not
    /// gathered (those rules then have no data).
    pub precursor: Option<crate::precursor::indicators::PrecursorCounts>,
}

/// How an item's score came about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScoreBasis {
    /// Computed from indicator values.
    Auto,
    /// Given by an inspector.
    Manual,
    /// A manual item not yet scored (counts 0; the unit's result is incomplete).
    Pending,
    /// An automatic item whose indicator has no value (counts 0).
    NoData,
    /// The sum of a group's children.
    Group,
}

/// One item's score with its trace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemScore {
    pub code: String,
    pub depth: usize,
    pub title: String,
    /// The item's points (a bonus: its maximum; a veto: 0).
    pub max: Points,
    /// Points earned (a veto: 0; a bonus: what it adds).
    pub earned: Points,
    pub basis: ScoreBasis,
    /// The value read, if any.
    pub value: Option<f64>,
    /// How the points follow from the value and the rule (Chinese), e.g.
    /// `失控人数 = 3；每人扣 0.5，共扣 1.5（上限 5）；得 3.5`.
    pub trace: String,
    /// True for a veto that was triggered.
    pub vetoed: bool,
}

/// A unit's result under a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnitScore {
    /// Every item in tree order.
    pub items: Vec<ItemScore>,
    /// Sum of the base items.
    pub base: Points,
    /// Sum of the bonus items.
    pub bonus: Points,
    /// The codes of the vetoes triggered.
    pub vetoed_by: Vec<String>,
    /// 0 when vetoed, else base + bonus.
    pub total: Points,
    /// False while a manual item awaits its score.
    pub complete: bool,
}

fn fmt_value(v: f64) -> String {
    let s = format!("{v:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// `what：note`, or `what` alone when the note is blank.
fn with_note(what: &str, note: &str) -> String {
    if note.trim().is_empty() { what.to_string() } else { format!("{what}：{}", note.trim()) }
}

/// Scores one leaf: (earned, basis, value, trace, vetoed).
fn score_leaf(item: &SchemeItem, rule: &Rule, inputs: &UnitInputs) -> (Points, ScoreBasis, Option<f64>, String, bool) {
    let max = item.points;
    let manual = inputs.manual.get(&item.code);
    if rule.is_manual() {
        return match manual {
            None => (Points::ZERO, ScoreBasis::Pending, None, "待评分".into(), false),
            Some(m) => match rule {
                Rule::Veto { .. } => {
                    let hit = m.points > Points::ZERO;
                    let trace = with_note(if hit { "一票否决" } else { "未触发" }, &m.note);
                    (Points::ZERO, ScoreBasis::Manual, None, trace, hit)
                }
                _ => {
                    let p = m.points.clamp(Points::ZERO, max);
                    let capped = if p != m.points {
                        format!("（评分 {} 超出 0–{}，按 {} 计）", m.points, max, p)
                    } else {
                        String::new()
                    };
                    (p, ScoreBasis::Manual, None, with_note(&format!("人工评分 {p}{capped}"), &m.note), false)
                }
            },
        };
    }
    if rule.is_precursor() {
        return score_precursor(max, rule, inputs.precursor.as_ref());
    }
    let Some(source) = rule.source() else {
        return (Points::ZERO, ScoreBasis::Pending, None, "待评分".into(), false);
    };
    let label = source.label_zh();
    let Some(v) = source.read(&inputs.values) else {
        return (Points::ZERO, ScoreBasis::NoData, None, format!("{label}无数据，得 0"), false);
    };
    let shown = fmt_value(v);
    match rule {
        Rule::Steps { direction, steps, .. } => {
            let reached = |s: &Step| match direction {
                Direction::HigherIsBetter => v >= s.at,
                Direction::LowerIsBetter => v <= s.at,
            };
            let best = steps.iter().filter(|s| reached(s)).max_by_key(|s| s.points);
            let (p, why) = match best {
                Some(s) => (
                    s.points,
                    format!(
                        "达到{}{}档",
                        if *direction == Direction::HigherIsBetter { "≥" } else { "≤" },
                        fmt_value(s.at)
                    ),
                ),
                None => (Points::ZERO, "未达到任何一档".into()),
            };
            (p, ScoreBasis::Auto, Some(v), format!("{label} = {shown}；{why}，得 {p}"), false)
        }
        Rule::Linear { zero_at, full_at, .. } => {
            let share = ((v - zero_at) / (full_at - zero_at)).clamp(0.0, 1.0);
            let p = Points::from_f64(max.as_f64() * share).unwrap_or(Points::ZERO).clamp(Points::ZERO, max);
            (
                p,
                ScoreBasis::Auto,
                Some(v),
                format!(
                    "{label} = {shown}；{} 得 0 分、{} 得满分 {max}，线性计 {p}",
                    fmt_value(*zero_at),
                    fmt_value(*full_at)
                ),
                false,
            )
        }
        Rule::Deduction { each, cap, .. } => {
            let count = v.max(0.0).round() as i64;
            let cap = cap.unwrap_or(max).min(max);
            let raw = Points(each.0.saturating_mul(count));
            let off = raw.min(cap);
            let p = (max - off).max(Points::ZERO);
            let capped = if raw > cap { format!("，达到扣分上限 {cap}") } else { String::new() };
            (
                p,
                ScoreBasis::Auto,
                Some(v),
                format!("{label} = {count}；每次扣 {each}，共扣 {off}{capped}；得 {p}"),
                false,
            )
        }
        Rule::Veto { .. } => {
            let hit = v > 0.0;
            let trace = if hit {
                format!("{label} = {shown}，一票否决")
            } else {
                format!("{label} = {shown}，未触发")
            };
            (Points::ZERO, ScoreBasis::Auto, Some(v), trace, hit)
        }
        Rule::Bonus { each, .. } => {
            let count = v.max(0.0).round() as i64;
            let raw = Points(each.0.saturating_mul(count));
            let p = raw.min(max);
            let capped = if raw > max { format!("，以 {max} 为限") } else { String::new() };
            (p, ScoreBasis::Auto, Some(v), format!("{label} = {count}；每次加 {each}{capped}；加 {p}"), false)
        }
        Rule::Manual | Rule::PrecursorMismatch { .. } | Rule::PrecursorClosure { .. } | Rule::PrecursorInspections => {
            (Points::ZERO, ScoreBasis::Pending, None, "待评分".into(), false)
        }
    }
}

/// Scores a precursor rule from the unit's counts: (earned, basis, value, trace, vetoed).
fn score_precursor(
    max: Points,
    rule: &Rule,
    counts: Option<&crate::precursor::indicators::PrecursorCounts>,
) -> (Points, ScoreBasis, Option<f64>, String, bool) {
    use crate::precursor::indicators::{closure_rate, inspection_rate};
    let Some(c) = counts else {
        return (Points::ZERO, ScoreBasis::NoData, None, "易制毒数据无数据，得 0".into(), false);
    };
    match rule {
        Rule::PrecursorMismatch { each, cap } => {
            let count = i64::try_from(c.open_mismatches).unwrap_or(i64::MAX);
            let cap = cap.unwrap_or(max).min(max);
            let raw = Points(each.0.saturating_mul(count));
            let off = raw.min(cap);
            let p = (max - off).max(Points::ZERO);
            let capped = if raw > cap { format!("，达到扣分上限 {cap}") } else { String::new() };
            (
                p,
                ScoreBasis::Auto,
                Some(c.open_mismatches as f64),
                format!("易制毒流向不明（未闭环） = {count}；每笔扣 {each}，共扣 {off}{capped}；得 {p}"),
                false,
            )
        }
        Rule::PrecursorClosure { target } => match closure_rate(c.sales, c.unmatched_sales) {
            None => (max, ScoreBasis::Auto, None, format!("本期无易制毒销售，得 {max}"), false),
            Some(v) => {
                let p = if v >= *target { max } else { Points::ZERO };
                let why = if v >= *target { "达到" } else { "未达到" };
                (
                    p,
                    ScoreBasis::Auto,
                    Some(v),
                    format!(
                        "流向闭环率 = {}/{} = {v:.2}%；{why}目标 {}%，得 {p}",
                        c.sales - c.unmatched_sales.min(c.sales),
                        c.sales,
                        fmt_value(*target)
                    ),
                    false,
                )
            }
        },
        Rule::PrecursorInspections => match inspection_rate(c.inspections_done, c.inspections_due) {
            None => (max, ScoreBasis::Auto, None, format!("本期无应检查企业，得 {max}"), false),
            Some(v) => {
                let p = Points::from_f64(max.as_f64() * v / 100.0).unwrap_or(Points::ZERO).clamp(Points::ZERO, max);
                (
                    p,
                    ScoreBasis::Auto,
                    Some(v),
                    format!(
                        "易制毒企业检查 已检查 {} / 应检查 {} = {v:.2}%；按比例得 {p}",
                        c.inspections_done.min(c.inspections_due),
                        c.inspections_due
                    ),
                    false,
                )
            }
        },
        _ => (Points::ZERO, ScoreBasis::Pending, None, "待评分".into(), false),
    }
}

fn score_item(item: &SchemeItem, depth: usize, inputs: &UnitInputs, out: &mut Vec<ItemScore>) -> Points {
    let at = out.len();
    out.push(ItemScore {
        code: item.code.clone(),
        depth,
        title: item.title.clone(),
        max: item.points,
        earned: Points::ZERO,
        basis: ScoreBasis::Group,
        value: None,
        trace: String::new(),
        vetoed: false,
    });
    let (earned, basis, value, trace, vetoed) = match &item.rule {
        Some(rule) => score_leaf(item, rule, inputs),
        None => {
            let mut sum = Points::ZERO;
            for c in &item.children {
                let p = score_item(c, depth + 1, inputs, out);
                if c.counts_in_base() {
                    sum = sum + p;
                }
            }
            let p = sum.min(item.points);
            (p, ScoreBasis::Group, None, format!("下级项合计 {p}"), false)
        }
    };
    let s = &mut out[at];
    s.earned = earned;
    s.basis = basis;
    s.value = value;
    s.trace = trace;
    s.vetoed = vetoed;
    earned
}

/// Scores a unit under a scheme (the scheme should have passed [`EvaluationScheme::validate`]):
/// every item with its trace, the base (sum of the top-level base items), the bonus (sum of
/// the bonus items anywhere), the vetoes triggered, and the total: 0 when any veto is
/// triggered, else base + bonus.
pub fn score_unit(scheme: &EvaluationScheme, inputs: &UnitInputs) -> UnitScore {
    let mut items = Vec::new();
    let mut base = Points::ZERO;
    for item in &scheme.items {
        let p = score_item(item, 0, inputs, &mut items);
        if item.counts_in_base() {
            base = base + p;
        }
    }
    let bonus: Points = scheme
        .walk()
        .iter()
        .zip(&items)
        .filter(|((_, i), _)| matches!(i.rule, Some(Rule::Bonus { .. })))
        .map(|(_, s)| s.earned)
        .sum();
    let vetoed_by: Vec<String> = items.iter().filter(|s| s.vetoed).map(|s| s.code.clone()).collect();
    let complete = !items.iter().any(|s| s.basis == ScoreBasis::Pending);
    let total = if vetoed_by.is_empty() { base + bonus } else { Points::ZERO };
    UnitScore { items, base, bonus, vetoed_by, total, complete }
}

/// Competition ranking of totals (1224): the highest first, equal totals share a rank and the
/// next rank is skipped. Returns each total's rank, in the order given.
pub fn rank_totals(totals: &[Points]) -> Vec<u32> {
    let values: Vec<Option<f64>> = totals.iter().map(|p| Some(p.0 as f64)).collect();
    let mut ranks = vec![0; totals.len()];
    for (i, r) in crate::indicator::rank(&values, Direction::HigherIsBetter) {
        ranks[i] = r.unwrap_or(u32::MAX);
    }
    ranks
}

/// The local examples of DOMAIN.md §8 as editable templates (local, configurable; every number
/// is an example, not a rule):
///
/// - **乡镇（街道）禁毒工作考评（示例）**, 100 points: 组织领导 10; 预防教育 20 (知晓率 above
///   95 % = 3, above 98 % = 5, as Hangzhou 2018); 社区戒毒社区康复 35 of which 在控率 17 (a town
///   scheme), with −0.5 per missed test (a county scheme) and −0.5 per person lost from control;
///   禁种铲毒 10; 工作保障 25 (30 registered persons per social worker, DOMAIN §8; −1 per missing
///   case file); a veto (重大涉毒案事件) and a bonus of up to 3.
/// - **成员单位禁毒工作考评（示例）**, 100 points after the county scheme: 组织领导 10, 宣传教育 30,
///   职责任务 30, 专项工作 30, with the same veto; scored by inspectors.
pub fn templates() -> Vec<EvaluationScheme> {
    fn item(code: &str, title: &str, points: i64, rule: Rule, note: &str) -> SchemeItem {
        SchemeItem {
            code: code.into(),
            title: title.into(),
            points: Points::whole(points),
            rule: Some(rule),
            note: note.into(),
            children: vec![],
        }
    }
    fn group(code: &str, title: &str, points: i64, children: Vec<SchemeItem>) -> SchemeItem {
        SchemeItem {
            code: code.into(),
            title: title.into(),
            points: Points::whole(points),
            rule: None,
            note: String::new(),
            children,
        }
    }
    let value = |i: Indicator| Source::Value { indicator: i };
    let veto = || {
        item(
            "9",
            "一票否决",
            0,
            Rule::Veto { source: None },
            "辖区（本单位）发生重大涉毒案（事）件、制毒案件或因禁毒工作失职被问责的，总分计 0 分。",
        )
    };
    let town = EvaluationScheme {
        name: "乡镇（街道）禁毒工作考评（示例）".into(),
        subject: Subject::Towns,
        items: vec![
            item("1", "组织领导", 10, Rule::Manual, "禁毒委员会会议、党政同责落实、经费保障、责任书签订。"),
            group(
                "2",
                "预防教育",
                20,
                vec![
                    item("2.1", "宣传教育活动", 15, Rule::Manual, "6·27工程、“五个一”、进社区进家庭活动的开展情况。"),
                    item(
                        "2.2",
                        "禁毒知识知晓率",
                        5,
                        Rule::Manual,
                        "问卷测评：知晓率 > 95% 得 3 分，> 98% 得 5 分（杭州 2018 示例）。",
                    ),
                ],
            ),
            group(
                "3",
                "社区戒毒社区康复",
                35,
                vec![
                    item(
                        "3.1",
                        "在控率",
                        17,
                        Rule::Linear { source: value(Indicator::ControlRate), zero_at: 90.0, full_at: 100.0 },
                        "管控率 90% 得 0 分，100% 得满分，其间按比例。",
                    ),
                    item(
                        "3.2",
                        "执行率",
                        6,
                        Rule::Steps {
                            source: value(Indicator::ExecutionRate),
                            direction: Direction::HigherIsBetter,
                            steps: vec![
                                Step { at: 90.0, points: Points::whole(3) },
                                Step { at: 95.0, points: Points::whole(6) },
                            ],
                        },
                        "执行率 ≥ 90% 得 3 分，≥ 95% 得 6 分。",
                    ),
                    item(
                        "3.3",
                        "按期检测",
                        6,
                        Rule::Deduction {
                            source: Source::Shortfall { due: Indicator::TestsDue, done: Indicator::TestsDone },
                            each: Points(50),
                            cap: None,
                        },
                        "每少检测一人次扣 0.5 分，扣完为止。",
                    ),
                    item(
                        "3.4",
                        "失控人员",
                        6,
                        Rule::Deduction { source: value(Indicator::Lost), each: Points(50), cap: None },
                        "每失控一人扣 0.5 分，扣完为止。",
                    ),
                ],
            ),
            item("4", "禁种铲毒", 10, Rule::Manual, "踏查、铲除和宣传情况。"),
            group(
                "5",
                "工作保障",
                25,
                vec![
                    item(
                        "5.1",
                        "禁毒社工配备",
                        10,
                        Rule::Linear { source: value(Indicator::PersonsPerWorker), zero_at: 60.0, full_at: 30.0 },
                        "按每 30 名在册人员配备 1 名社工：人均 30 人及以下得满分，60 人及以上得 0 分。",
                    ),
                    item(
                        "5.2",
                        "社区戒毒（康复）工作站",
                        5,
                        Rule::Steps {
                            source: value(Indicator::WorkstationCoverage),
                            direction: Direction::HigherIsBetter,
                            steps: vec![Step { at: 100.0, points: Points::whole(5) }],
                        },
                        "建有工作站得 5 分（8·31工程）。",
                    ),
                    item("5.3", "个案档案", 10, Rule::Manual, "抽查个案档案，每缺一份扣 1 分。"),
                ],
            ),
            veto(),
            item(
                "10",
                "加分：工作创新",
                3,
                Rule::Bonus { source: None, each: Points::ZERO },
                "经验做法被市级以上推广的，最多加 3 分。",
            ),
        ],
        bands: default_bands(),
    };
    let units = EvaluationScheme {
        name: "成员单位禁毒工作考评（示例）".into(),
        subject: Subject::MemberUnits,
        items: vec![
            item("1", "组织领导", 10, Rule::Manual, "分管领导、专人负责、会议部署。"),
            item("2", "宣传教育", 30, Rule::Manual, "本系统禁毒宣传和 6·27 工程任务。"),
            item("3", "职责任务落实", 30, Rule::Manual, "责任书和规划任务的完成与销账情况。"),
            item("4", "专项工作", 30, Rule::Manual, "禁种铲毒、易制毒化学品、娱乐场所等专项工作。"),
            veto(),
        ],
        bands: default_bands(),
    };
    vec![town, units]
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::message::testing;

    fn leaf(code: &str, points: i64, rule: Rule) -> SchemeItem {
        SchemeItem {
            code: code.into(),
            title: code.into(),
            points: Points::whole(points),
            rule: Some(rule),
            note: String::new(),
            children: vec![],
        }
    }

    fn group(code: &str, points: i64, children: Vec<SchemeItem>) -> SchemeItem {
        SchemeItem {
            code: code.into(),
            title: code.into(),
            points: Points::whole(points),
            rule: None,
            note: String::new(),
            children,
        }
    }

    fn value(i: Indicator) -> Source {
        Source::Value { indicator: i }
    }

    /// A town scheme of 100 points in the shape of DOMAIN §8: leadership 10 (manual);
    /// community detox 35 of which 在控率 17 (linear 90 % → 0, 100 % → 17), 执行率 8 (steps ≥ 90 %
    /// 4, ≥ 95 % 8), missed tests 10 (−0.5 each), lost persons (−0.5 each, at most 5 of a
    /// 5-point item … here 5 points); 禁种铲毒 15 and 宣传 40 manual; a veto; a bonus.
    fn scheme() -> EvaluationScheme {
        EvaluationScheme {
            name: "乡镇考评".into(),
            subject: Subject::Towns,
            items: vec![
                leaf("1", 10, Rule::Manual),
                group(
                    "2",
                    35,
                    vec![
                        leaf(
                            "2.1",
                            17,
                            Rule::Linear { source: value(Indicator::ControlRate), zero_at: 90.0, full_at: 100.0 },
                        ),
                        leaf(
                            "2.2",
                            8,
                            Rule::Steps {
                                source: value(Indicator::ExecutionRate),
                                direction: Direction::HigherIsBetter,
                                steps: vec![
                                    Step { at: 90.0, points: Points::whole(4) },
                                    Step { at: 95.0, points: Points::whole(8) },
                                ],
                            },
                        ),
                        leaf(
                            "2.3",
                            5,
                            Rule::Deduction {
                                source: Source::Shortfall { due: Indicator::TestsDue, done: Indicator::TestsDone },
                                each: Points(50),
                                cap: None,
                            },
                        ),
                        leaf(
                            "2.4",
                            5,
                            Rule::Deduction {
                                source: value(Indicator::Lost),
                                each: Points(50),
                                cap: Some(Points::whole(2)),
                            },
                        ),
                    ],
                ),
                leaf("3", 15, Rule::Manual),
                leaf("4", 40, Rule::Manual),
                leaf("9", 0, Rule::Veto { source: None }),
                leaf("10", 3, Rule::Bonus { source: None, each: Points::ZERO }),
            ],
            bands: default_bands(),
        }
    }

    fn inputs(control: f64, execution: f64, due: f64, done: f64, lost: f64) -> UnitInputs {
        let mut i = UnitInputs::default();
        i.values.insert(Indicator::ControlRate, Some(control));
        i.values.insert(Indicator::ExecutionRate, Some(execution));
        i.values.insert(Indicator::TestsDue, Some(due));
        i.values.insert(Indicator::TestsDone, Some(done));
        i.values.insert(Indicator::Lost, Some(lost));
        for (code, p) in [("1", 900), ("3", 1500), ("4", 3600), ("9", 0), ("10", 0)] {
            i.manual.insert(code.into(), ManualScore { points: Points(p), note: "检查记录".into() });
        }
        i
    }

    fn earned(s: &UnitScore, code: &str) -> Points {
        s.items.iter().find(|i| i.code == code).unwrap().earned
    }

    #[test]
    fn points_parse_print_and_round_exactly() {
        assert_eq!(Points::parse("p", "17.5"), Ok(Points(1750)));
        assert_eq!(Points::parse("p", "-0.5"), Ok(Points(-50)));
        assert_eq!(Points::parse("p", ".25"), Ok(Points(25)));
        assert!(
            Points::parse("p", "1.234").is_err() && Points::parse("p", "x").is_err() && Points::parse("p", "").is_err()
        );
        assert_eq!(Points(1750).to_string(), "17.5");
        assert_eq!(Points(1725).to_string(), "17.25");
        assert_eq!(Points(-50).to_string(), "-0.5");
        assert_eq!(Points(1700).to_string(), "17");
        // Halves away from zero: 12.345 → 12.35 (as f64 12.345 * 100 = 1234.4999…, so 12.35 only
        // when the value is exactly representable; the rule is tested on 0.125 → 0.13).
        assert_eq!(Points::from_f64(0.125), Some(Points(13)));
        assert_eq!(Points::from_f64(f64::NAN), None);
    }

    #[test]
    fn the_hand_worked_town_scores_item_by_item() {
        let s = scheme();
        s.validate().unwrap();
        assert_eq!(s.base_points(), Points::whole(100));
        // 在控率 96.5 %: 17 × (96.5 − 90) / 10 = 11.05. 执行率 93 %: the ≥ 90 step, 4. Tests due 40,
        // done 33: 7 missed × 0.5 = 3.5 off 5 → 1.5. Lost 3 × 0.5 = 1.5 off 5 → 3.5.
        // Group 2 = 11.05 + 4 + 1.5 + 3.5 = 20.05. Total = 9 + 20.05 + 15 + 36 = 80.05.
        let r = score_unit(&s, &inputs(96.5, 93.0, 40.0, 33.0, 3.0));
        assert_eq!(earned(&r, "2.1"), Points(1105));
        assert_eq!(earned(&r, "2.2"), Points::whole(4));
        assert_eq!(earned(&r, "2.3"), Points(150));
        assert_eq!(earned(&r, "2.4"), Points(350));
        assert_eq!(earned(&r, "2"), Points(2005));
        assert_eq!((r.base, r.bonus, r.total), (Points(8005), Points::ZERO, Points(8005)));
        assert!(r.complete && r.vetoed_by.is_empty());
        assert_eq!(s.grade(r.total).unwrap().label_zh, "合格");
        let trace = &r.items.iter().find(|i| i.code == "2.3").unwrap().trace;
        assert_eq!(trace, "应检测 − 已检测 = 7；每次扣 0.5，共扣 3.5；得 1.5");
    }

    #[test]
    fn a_deduction_stops_at_its_cap() {
        // Lost 9 × 0.5 = 4.5, capped at 2: 2.4 earns 3; 2.3 with 30 missed tests loses all 5.
        let r = score_unit(&scheme(), &inputs(100.0, 95.0, 40.0, 10.0, 9.0));
        assert_eq!(earned(&r, "2.4"), Points::whole(3));
        assert!(r.items.iter().find(|i| i.code == "2.4").unwrap().trace.contains("达到扣分上限 2"));
        assert_eq!(earned(&r, "2.3"), Points::ZERO);
        // 17 + 8 + 0 + 3 = 28; total 9 + 28 + 15 + 36 = 88.
        assert_eq!(r.total, Points::whole(88));
    }

    #[test]
    fn a_veto_zeroes_the_unit_and_a_bonus_adds_on_top() {
        let mut i = inputs(100.0, 95.0, 40.0, 40.0, 0.0);
        // Without: 9 + 35 + 15 + 36 = 95.
        assert_eq!(score_unit(&scheme(), &i).total, Points::whole(95));
        // A bonus of 2 over the 100 base: 97; a bonus above its maximum counts 3.
        i.manual.insert("10".into(), ManualScore { points: Points::whole(2), note: "创新做法".into() });
        let r = score_unit(&scheme(), &i);
        assert_eq!((r.base, r.bonus, r.total), (Points::whole(95), Points::whole(2), Points::whole(97)));
        i.manual.insert("10".into(), ManualScore { points: Points::whole(7), note: "".into() });
        assert_eq!(score_unit(&scheme(), &i).total, Points::whole(98));
        i.manual.insert("9".into(), ManualScore { points: Points::whole(1), note: "发生重大涉毒案事件".into() });
        let r = score_unit(&scheme(), &i);
        assert_eq!((r.total, r.vetoed_by.clone()), (Points::ZERO, vec!["9".to_string()]));
        assert_eq!(scheme().grade(r.total).unwrap().label_zh, "不合格");
    }

    #[test]
    fn missing_values_and_manual_scores_count_zero_and_say_so() {
        let mut i = inputs(100.0, 95.0, 40.0, 40.0, 0.0);
        i.values.insert(Indicator::ControlRate, None);
        i.manual.remove("3");
        let r = score_unit(&scheme(), &i);
        let item = |c: &str| r.items.iter().find(|s| s.code == c).unwrap().clone();
        assert_eq!((item("2.1").earned, item("2.1").basis), (Points::ZERO, ScoreBasis::NoData));
        assert_eq!((item("3").earned, item("3").basis), (Points::ZERO, ScoreBasis::Pending));
        assert!(!r.complete);
        // A manual score above the item's points counts its points, and says so.
        i.manual.insert("1".into(), ManualScore { points: Points::whole(12), note: "".into() });
        let r = score_unit(&scheme(), &i);
        assert_eq!(earned(&r, "1"), Points::whole(10));
        assert!(r.items[0].trace.contains("超出 0–10"));
    }

    #[test]
    fn lower_is_better_steps_and_a_falling_line() {
        let steps = Rule::Steps {
            source: value(Indicator::LossRate),
            direction: Direction::LowerIsBetter,
            steps: vec![Step { at: 5.0, points: Points::whole(2) }, Step { at: 2.0, points: Points::whole(5) }],
        };
        let line = Rule::Linear { source: value(Indicator::PersonsPerWorker), zero_at: 60.0, full_at: 30.0 };
        let s = EvaluationScheme {
            name: "x".into(),
            subject: Subject::Towns,
            items: vec![leaf("a", 5, steps), leaf("b", 10, line)],
            bands: default_bands(),
        };
        s.validate().unwrap();
        let mut i = UnitInputs::default();
        i.values.insert(Indicator::LossRate, Some(3.0));
        i.values.insert(Indicator::PersonsPerWorker, Some(41.0));
        let r = score_unit(&s, &i);
        // Loss rate 3 % reaches ≤ 5 (2 points), not ≤ 2. 41 per worker: 10 × (41 − 60)/(30 − 60) = 6.33.
        assert_eq!((earned(&r, "a"), earned(&r, "b")), (Points::whole(2), Points(633)));
        i.values.insert(Indicator::PersonsPerWorker, Some(25.0));
        assert_eq!(earned(&score_unit(&s, &i), "b"), Points::whole(10), "clamped at full");
    }

    #[test]
    fn ties_share_a_rank_and_the_next_is_skipped() {
        let totals = [Points(8005), Points(9200), Points(8005), Points(7000), Points(9200)];
        assert_eq!(rank_totals(&totals), vec![3, 1, 3, 5, 1]);
    }

    #[test]
    fn schemes_that_cannot_score_are_named() {
        let mut s = scheme();
        s.items[1].points = Points::whole(30);
        assert_eq!(s.validate(), Err(SchemeError::PointsMismatch("2".into(), Points::whole(30), Points::whole(35))));
        let mut s = scheme();
        s.items[0].code = "3".into();
        assert_eq!(s.validate(), Err(SchemeError::DuplicateCode("3".into())));
        let mut s = scheme();
        s.bands.reverse();
        assert_eq!(s.validate(), Err(SchemeError::Bands));
        let mut s = scheme();
        s.items[1].children[0].rule =
            Some(Rule::Linear { source: value(Indicator::ControlRate), zero_at: 5.0, full_at: 5.0 });
        assert!(matches!(s.validate(), Err(SchemeError::Rule(c, _)) if c == "2.1"));
        assert!(testing::zh(&SchemeError::Bands.message()).contains("等次"));
        // A member unit has no indicators of a jurisdiction: its rules are read by hand.
        let mut s = scheme();
        s.subject = Subject::MemberUnits;
        assert!(matches!(s.validate(), Err(SchemeError::Rule(c, why)) if c == "2.1" && why.contains("人工评分")));
    }

    #[test]
    fn the_shipped_templates_score_out_of_a_hundred() {
        for t in templates() {
            t.validate().unwrap_or_else(|e| panic!("{}: {}", t.name, testing::zh(&e.message())));
            assert_eq!(t.base_points(), Points::whole(100), "{}", t.name);
        }
        let town = &templates()[0];
        assert_eq!(
            town.indicators().into_iter().collect::<Vec<_>>(),
            vec![
                Indicator::Lost,
                Indicator::ControlRate,
                Indicator::ExecutionRate,
                Indicator::TestsDue,
                Indicator::TestsDone,
                Indicator::WorkstationCoverage,
                Indicator::PersonsPerWorker,
            ]
        );
        // In control 95 % → 8.5; execution 100 % → 6; 4 missed tests → 4; 2 lost → 5; 45 per
        // worker → 5; a workstation → 5; manual 8 + 12 + 4 + 8 + 9 = 41. Total 8.5 + 6 + 4 + 5 +
        // 5 + 5 + 41 = 74.5: 基本合格.
        let mut i = UnitInputs::default();
        for (ind, v) in [
            (Indicator::ControlRate, 95.0),
            (Indicator::ExecutionRate, 100.0),
            (Indicator::TestsDue, 30.0),
            (Indicator::TestsDone, 26.0),
            (Indicator::Lost, 2.0),
            (Indicator::PersonsPerWorker, 45.0),
            (Indicator::WorkstationCoverage, 100.0),
        ] {
            i.values.insert(ind, Some(v));
        }
        for (code, p) in [("1", 8), ("2.1", 12), ("2.2", 4), ("4", 8), ("5.3", 9), ("9", 0), ("10", 0)] {
            i.manual.insert(code.into(), ManualScore { points: Points::whole(p), note: String::new() });
        }
        let r = score_unit(town, &i);
        assert!(r.complete);
        assert_eq!(r.total, Points(7450));
        assert_eq!(town.grade(r.total).unwrap().label_zh, "基本合格");
    }

    #[test]
    fn precursor_rules_score_exactly() {
        use crate::precursor::indicators::PrecursorCounts;
        let leaf = |code: &str, points: i64, rule: Rule| SchemeItem {
            code: code.into(),
            title: code.into(),
            points: Points::whole(points),
            rule: Some(rule),
            note: String::new(),
            children: vec![],
        };
        let scheme = EvaluationScheme {
            name: "易制毒".into(),
            subject: Subject::Towns,
            items: vec![
                leaf("1", 5, Rule::PrecursorMismatch { each: Points(100), cap: Some(Points(400)) }),
                leaf("2", 3, Rule::PrecursorClosure { target: 80.0 }),
                leaf("3", 4, Rule::PrecursorInspections),
                leaf("4", 88, Rule::Manual),
            ],
            bands: default_bands(),
        };
        scheme.validate().unwrap();
        assert!(scheme.reads_precursors());
        let inputs = |c: Option<PrecursorCounts>| UnitInputs {
            manual: BTreeMap::from([("4".to_string(), ManualScore { points: Points::whole(88), note: String::new() })]),
            precursor: c,
            ..Default::default()
        };
        // 3 open mismatches: 5 − 3 × 1 = 2. 8 sales, 2 unmatched: 75 % < 80 %: 0. 3 of 4 due
        // inspections done: 4 × 0.75 = 3. Total 88 + 2 + 0 + 3 = 93.
        let c = PrecursorCounts {
            sales: 8,
            unmatched_sales: 2,
            open_mismatches: 3,
            inspections_due: 4,
            inspections_done: 3,
        };
        let r = score_unit(&scheme, &inputs(Some(c)));
        let earned: Vec<Points> = r.items.iter().map(|i| i.earned).collect();
        assert_eq!(earned, [Points(200), Points::ZERO, Points(300), Points::whole(88)]);
        assert_eq!(r.total, Points(9300));
        assert_eq!(r.items[0].trace, "易制毒流向不明（未闭环） = 3；每笔扣 1，共扣 3；得 2");
        assert_eq!(r.items[1].trace, "流向闭环率 = 6/8 = 75.00%；未达到目标 80%，得 0");
        assert_eq!(r.items[2].trace, "易制毒企业检查 已检查 3 / 应检查 4 = 75.00%；按比例得 3");
        // 7 mismatches: capped at 4 deducted → 1. 9 of 10 sales matched: 90 % ≥ 80 %: 3. Nothing
        // due, no sales: full points.
        let c = PrecursorCounts { sales: 10, unmatched_sales: 1, open_mismatches: 7, ..Default::default() };
        let r = score_unit(&scheme, &inputs(Some(c)));
        let earned: Vec<Points> = r.items.iter().map(|i| i.earned).collect();
        assert_eq!(earned, [Points(100), Points::whole(3), Points::whole(4), Points::whole(88)]);
        assert!(r.items[0].trace.ends_with("达到扣分上限 4；得 1"), "{}", r.items[0].trace);
        // Not gathered: no data, 0.
        let r = score_unit(&scheme, &inputs(None));
        assert_eq!(r.items[0].basis, ScoreBasis::NoData);
        assert_eq!(r.total, Points::whole(88));
        // Member units have no division: refused.
        let units = EvaluationScheme { subject: Subject::MemberUnits, ..scheme.clone() };
        assert!(matches!(units.validate(), Err(SchemeError::Rule(ref c, _)) if c == "1"));
        let bad = EvaluationScheme {
            items: vec![leaf("1", 100, Rule::PrecursorClosure { target: 120.0 })],
            ..scheme.clone()
        };
        assert!(matches!(bad.validate(), Err(SchemeError::Rule(..))));
        // As JSON, the rule kinds are named as documented.
        let json = serde_json::to_string(&scheme.items[0].rule).unwrap();
        assert_eq!(json, r#"{"rule":"precursor_mismatch","each":100,"cap":400}"#);
        let json = serde_json::to_string(&scheme.items[2].rule).unwrap();
        assert_eq!(json, r#"{"rule":"precursor_inspections"}"#);
    }
}
