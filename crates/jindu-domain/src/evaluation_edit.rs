//! Editing a 考评方案 (evaluation scheme) one item at a time, from a form of text fields: the
//! shipped examples of DOMAIN.md §8 are templates an office copies and then adapts to its own
//! year's document. Pure: the store keeps the edited scheme and audits the edit.
//!
//! - An item is a group (分组: its points are the sum of its scored children, kept so after every
//!   edit) or a leaf with one of the rules of [`Rule`]: 人工评分, 达标得分 (steps), 线性, 扣分,
//!   一票否决, 加分.
//! - A rule's parameters are plain text as an office writes them: steps `90:3；95:6` (value:
//!   points), a cap, a line's zero and full points.
//! - An edit that leaves the scheme unable to score (a duplicate code, a group without children,
//!   a rule that cannot score, bands out of order) is refused with the reason
//!   ([`SchemeError`]); the scheme is then unchanged.

use crate::evaluation::{EvaluationScheme, GradeBand, Points, Rule, SchemeError, SchemeItem, Source, Step, Subject};
use crate::indicator::{Direction, Indicator};
use crate::message::Message;

/// A problem with one field of the item form: the field and its sentence (`msg.scheme_item.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditProblem {
    /// The field of the item form.
    pub field: &'static str,
    /// The sentence, rendered from the catalogue at the edge.
    pub message: Message,
}

impl EditProblem {
    fn new(field: &'static str, message: Message) -> EditProblem {
        EditProblem { field, message }
    }
}

/// The kinds of item: (code, Chinese, English). `group` has children; the others are rules.
pub const ITEM_KINDS: [(&str, &str, &str); 10] = [
    ("group", "分组（下设子项）", "Group (has sub-items)"),
    ("manual", "人工评分", "Scored by an inspector"),
    ("steps", "达标得分（分档）", "Steps"),
    ("linear", "线性得分", "Linear"),
    ("deduction", "扣分（每次）", "Deduction per occurrence"),
    ("veto", "一票否决", "Veto"),
    ("bonus", "加分", "Bonus"),
    ("precursor_mismatch", "易制毒流向不明扣分（每笔）", "Precursor: deduction per unmatched flow"),
    ("precursor_closure", "易制毒流向闭环率达标", "Precursor: flow closure rate reaches the target"),
    ("precursor_inspections", "易制毒企业检查完成率", "Precursor: share of due inspections done"),
];

/// The kind code of an item's rule (`group` for none).
pub fn kind_code(rule: Option<&Rule>) -> &'static str {
    match rule {
        None => "group",
        Some(Rule::Manual) => "manual",
        Some(Rule::Steps { .. }) => "steps",
        Some(Rule::Linear { .. }) => "linear",
        Some(Rule::Deduction { .. }) => "deduction",
        Some(Rule::Veto { .. }) => "veto",
        Some(Rule::Bonus { .. }) => "bonus",
        Some(Rule::PrecursorMismatch { .. }) => "precursor_mismatch",
        Some(Rule::PrecursorClosure { .. }) => "precursor_closure",
        Some(Rule::PrecursorInspections) => "precursor_inspections",
    }
}

/// The code of a source in a form: `control_rate` for an indicator's value, `tests_due-tests_done`
/// for a shortfall.
pub fn source_code(source: &Source) -> String {
    match source {
        Source::Value { indicator } => indicator.code().to_string(),
        Source::Shortfall { due, done } => format!("{}-{}", due.code(), done.code()),
    }
}

/// The source a form's code names (see [`source_code`]); `None` for an unknown code.
pub fn parse_source(code: &str) -> Option<Source> {
    let code = code.trim();
    match code.split_once('-') {
        Some((due, done)) => {
            Some(Source::Shortfall { due: Indicator::from_code(due)?, done: Indicator::from_code(done)? })
        }
        None => Some(Source::Value { indicator: Indicator::from_code(code)? }),
    }
}

/// The sources a form offers: (code, Chinese label): every indicator of the 驾驶舱 and the two
/// shortfalls (应检测 − 已检测, 应走访 − 已走访).
pub fn source_choices() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        Source::Shortfall { due: Indicator::TestsDue, done: Indicator::TestsDone },
        Source::Shortfall { due: Indicator::VisitsDue, done: Indicator::VisitsDone },
    ]
    .iter()
    .map(|s| (source_code(s), s.label_zh()))
    .collect();
    out.extend(Indicator::ALL.iter().map(|i| (i.code().to_string(), i.definition().label_zh.to_string())));
    out
}

fn fmt_number(v: f64) -> String {
    let s = format!("{v:.4}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Steps as an office writes them: `90:3；95:6` (reaching 90 earns 3, reaching 95 earns 6).
pub fn format_steps(steps: &[Step]) -> String {
    steps.iter().map(|s| format!("{}:{}", fmt_number(s.at), s.points)).collect::<Vec<_>>().join("；")
}

/// Reads [`format_steps`]' text (also with `,` `，` `;` between steps and `：` `=` within one);
/// `None` when a step is not `value:points`.
pub fn parse_steps(text: &str) -> Option<Vec<Step>> {
    let mut out = Vec::new();
    for part in text.split(['；', ';', ',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let (at, points) = part.split_once([':', '：', '='])?;
        let at: f64 = at.trim().trim_end_matches('%').parse().ok().filter(|v: &f64| v.is_finite())?;
        let points = Points::parse("steps", points).ok()?;
        out.push(Step { at, points });
    }
    (!out.is_empty()).then_some(out)
}

/// Bands as an office writes them: `90 优秀；80 合格；60 基本合格；0 不合格`.
pub fn format_bands(bands: &[GradeBand]) -> String {
    bands.iter().map(|b| format!("{} {}", b.min, b.label_zh)).collect::<Vec<_>>().join("；")
}

/// Reads [`format_bands`]' text; the English label of a usual grade (优秀, 合格, 基本合格, 不合格,
/// 良好) is filled in, any other keeps its Chinese. Order and the last band's 0 are checked by
/// [`EvaluationScheme::validate`].
///
/// # Errors
/// An [`EditProblem`] on `bands` naming the part that is not `points label`.
pub fn parse_bands(text: &str) -> Result<Vec<GradeBand>, EditProblem> {
    let mut out = Vec::new();
    for part in text.split(['；', ';', ',', '，', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || EditProblem::new("bands", Message::new("msg.scheme_item.band").text("part", part));
        let split = part.find(|c: char| !(c.is_ascii_digit() || c == '.')).ok_or_else(bad)?;
        let (min, label) = part.split_at(split);
        let min = Points::parse("bands", min).map_err(|_| bad())?;
        let label = label.trim().trim_start_matches(['分', '以', '上']).trim();
        if label.is_empty() || label.chars().count() > 10 {
            return Err(bad());
        }
        let en = match label {
            "优秀" => "Excellent",
            "良好" => "Good",
            "合格" => "Pass",
            "基本合格" => "Basic pass",
            "不合格" => "Fail",
            other => other,
        };
        out.push(GradeBand { min, label_zh: label.to_string(), label_en: en.to_string() });
    }
    if out.is_empty() {
        return Err(EditProblem::new("bands", Message::new("msg.scheme_item.bands")));
    }
    Ok(out)
}

/// How an item scores, in a line of Chinese: `线性：在控率 90 得 0 分，100 得满分`,
/// `扣分：失控人数 每次扣 0.5，最多扣 6`, `分组（下设 4 项）`.
pub fn rule_summary_zh(item: &SchemeItem) -> String {
    match &item.rule {
        None => format!("分组（下设 {} 项，分值为下级项之和）", item.children.len()),
        Some(Rule::Manual) => "人工评分".into(),
        Some(Rule::Steps { source, direction, steps }) => {
            let cmp = if *direction == Direction::LowerIsBetter { "≤" } else { "≥" };
            let parts: Vec<String> =
                steps.iter().map(|s| format!("{cmp} {} 得 {}", fmt_number(s.at), s.points)).collect();
            format!("达标得分：{} {}", source.label_zh(), parts.join("，"))
        }
        Some(Rule::Linear { source, zero_at, full_at }) => format!(
            "线性：{} {} 得 0 分，{} 得满分，其间按比例",
            source.label_zh(),
            fmt_number(*zero_at),
            fmt_number(*full_at)
        ),
        Some(Rule::Deduction { source, each, cap }) => {
            format!("扣分：{} 每次扣 {}，最多扣 {}", source.label_zh(), each, cap.unwrap_or(item.points))
        }
        Some(Rule::Veto { source: Some(s) }) => format!("一票否决：{} 大于 0 时总分计 0", s.label_zh()),
        Some(Rule::Veto { source: None }) => "一票否决（检查人员认定）".into(),
        Some(Rule::Bonus { source: Some(s), each }) => {
            format!("加分：{} 每次加 {}，最多加 {}", s.label_zh(), each, item.points)
        }
        Some(Rule::Bonus { source: None, .. }) => format!("加分（检查人员评定，最多加 {}）", item.points),
        Some(Rule::PrecursorMismatch { each, cap }) => {
            format!("扣分：辖区易制毒企业流向不明（未闭环）每笔扣 {}，最多扣 {}", each, cap.unwrap_or(item.points))
        }
        Some(Rule::PrecursorClosure { target }) => {
            format!("达标得分：辖区易制毒流向闭环率 ≥ {}% 得 {}（本期无销售得满分）", fmt_number(*target), item.points)
        }
        Some(Rule::PrecursorInspections) => {
            format!("按比例：辖区易制毒企业 已检查 / 应检查 × {}（无应检查得满分）", item.points)
        }
    }
}

/// One item as its form shows it: every field as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ItemDraft {
    /// 编号, e.g. `3.1`.
    pub code: String,
    /// 考评内容.
    pub title: String,
    /// 分值 (for a group: shown, recomputed from its children; for a veto: 0).
    pub points: String,
    /// One of [`ITEM_KINDS`].
    pub kind: String,
    /// [`source_code`]; blank for an inspector's veto or bonus.
    pub source: String,
    /// `higher` or `lower` (steps only).
    pub direction: String,
    /// [`format_steps`] (steps only).
    pub steps: String,
    /// The value earning 0 (linear only).
    pub zero_at: String,
    /// The value earning the item's points (linear only).
    pub full_at: String,
    /// Points per occurrence (deduction, bonus).
    pub each: String,
    /// Most deducted (deduction; blank: all the item's points).
    pub cap: String,
    /// 评分说明.
    pub note: String,
}

impl ItemDraft {
    /// The form of an existing item.
    pub fn of(item: &SchemeItem) -> ItemDraft {
        let mut d = ItemDraft {
            code: item.code.clone(),
            title: item.title.clone(),
            points: item.points.to_string(),
            kind: kind_code(item.rule.as_ref()).to_string(),
            note: item.note.clone(),
            direction: "higher".into(),
            ..ItemDraft::default()
        };
        if let Some(s) = item.rule.as_ref().and_then(Rule::source) {
            d.source = source_code(s);
        }
        match &item.rule {
            Some(Rule::Steps { direction, steps, .. }) => {
                d.direction = if *direction == Direction::LowerIsBetter { "lower" } else { "higher" }.into();
                d.steps = format_steps(steps);
            }
            Some(Rule::Linear { zero_at, full_at, .. }) => {
                d.zero_at = fmt_number(*zero_at);
                d.full_at = fmt_number(*full_at);
            }
            Some(Rule::Deduction { each, cap, .. }) => {
                d.each = each.to_string();
                d.cap = cap.map(|c| c.to_string()).unwrap_or_default();
            }
            Some(Rule::Bonus { each, .. }) => d.each = each.to_string(),
            Some(Rule::PrecursorMismatch { each, cap }) => {
                d.each = each.to_string();
                d.cap = cap.map(|c| c.to_string()).unwrap_or_default();
            }
            Some(Rule::PrecursorClosure { target }) => d.full_at = fmt_number(*target),
            _ => {}
        }
        d
    }

    /// The item the form describes (without children), or every problem, field by field.
    ///
    /// # Errors
    /// [`EditProblem`]s naming `code` (blank, over 20 characters, or with spaces), `title`
    /// (blank or over 100 characters), `points` (not 0–1000 in hundredths), `kind`, `source`
    /// (needed and unknown), `steps`, `zero_at`, `full_at`, `each`, `cap` (not numbers), `note`
    /// (over 500 characters).
    pub fn parse(&self) -> Result<SchemeItem, Vec<EditProblem>> {
        let mut problems = Vec::new();
        let code = self.code.trim().to_string();
        if code.is_empty() || code.chars().count() > 20 || code.chars().any(char::is_whitespace) {
            problems.push(EditProblem::new("code", Message::new("msg.scheme_item.code")));
        }
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 100 {
            problems.push(EditProblem::new("title", Message::new("msg.scheme_item.title")));
        }
        let note = self.note.trim().to_string();
        if note.chars().count() > 500 {
            problems.push(EditProblem::new("note", Message::new("msg.scheme_item.note")));
        }
        let kind = self.kind.trim();
        let number = |field: &'static str, text: &str, problems: &mut Vec<EditProblem>| -> Option<f64> {
            match text.trim().trim_end_matches('%').parse::<f64>() {
                Ok(v) if v.is_finite() => Some(v),
                _ => {
                    problems.push(EditProblem::new(field, Message::new("msg.scheme_item.number")));
                    None
                }
            }
        };
        let points_of = |field: &'static str, text: &str, problems: &mut Vec<EditProblem>| -> Option<Points> {
            match Points::parse(field, text) {
                Ok(p) if p >= Points::ZERO && p <= Points::whole(1000) => Some(p),
                _ => {
                    problems.push(EditProblem::new(field, Message::new("msg.scheme_item.points")));
                    None
                }
            }
        };
        let points = if kind == "veto" || kind == "group" {
            // A veto scores nothing; a group's points are its children's sum.
            Some(Points::parse("points", &self.points).unwrap_or(Points::ZERO))
        } else {
            points_of("points", &self.points, &mut problems)
        };
        let source = if self.source.trim().is_empty() { None } else { parse_source(&self.source) };
        let needs_source = matches!(kind, "steps" | "linear" | "deduction");
        if (needs_source && source.is_none()) || (!self.source.trim().is_empty() && source.is_none()) {
            problems.push(EditProblem::new("source", Message::new("msg.scheme_item.source")));
        }
        let rule = match kind {
            "group" => None,
            "manual" => Some(Rule::Manual),
            "steps" => {
                let steps = parse_steps(&self.steps);
                if steps.is_none() {
                    problems.push(EditProblem::new("steps", Message::new("msg.scheme_item.steps")));
                }
                let direction =
                    if self.direction.trim() == "lower" { Direction::LowerIsBetter } else { Direction::HigherIsBetter };
                match (source, steps) {
                    (Some(source), Some(steps)) => Some(Rule::Steps { source, direction, steps }),
                    _ => None,
                }
            }
            "linear" => {
                let zero_at = number("zero_at", &self.zero_at, &mut problems);
                let full_at = number("full_at", &self.full_at, &mut problems);
                match (source, zero_at, full_at) {
                    (Some(source), Some(zero_at), Some(full_at)) => Some(Rule::Linear { source, zero_at, full_at }),
                    _ => None,
                }
            }
            "deduction" => {
                let each = points_of("each", &self.each, &mut problems);
                let cap = if self.cap.trim().is_empty() {
                    Some(None)
                } else {
                    points_of("cap", &self.cap, &mut problems).map(Some)
                };
                match (source, each, cap) {
                    (Some(source), Some(each), Some(cap)) => Some(Rule::Deduction { source, each, cap }),
                    _ => None,
                }
            }
            "veto" => Some(Rule::Veto { source }),
            "precursor_mismatch" => {
                let each = points_of("each", &self.each, &mut problems);
                let cap = if self.cap.trim().is_empty() {
                    Some(None)
                } else {
                    points_of("cap", &self.cap, &mut problems).map(Some)
                };
                match (each, cap) {
                    (Some(each), Some(cap)) => Some(Rule::PrecursorMismatch { each, cap }),
                    _ => None,
                }
            }
            // The target is typed in the 满分点 field (a percentage).
            "precursor_closure" => {
                number("full_at", &self.full_at, &mut problems).map(|target| Rule::PrecursorClosure { target })
            }
            "precursor_inspections" => Some(Rule::PrecursorInspections),
            "bonus" => {
                let each = if self.each.trim().is_empty() && source.is_none() {
                    Some(Points::ZERO)
                } else {
                    points_of("each", &self.each, &mut problems)
                };
                each.map(|each| Rule::Bonus { source, each })
            }
            _ => {
                problems.push(EditProblem::new("kind", Message::new("msg.scheme_item.kind")));
                None
            }
        };
        match (problems.is_empty(), points) {
            (true, Some(points)) if kind == "group" || rule.is_some() => Ok(SchemeItem {
                code,
                title,
                points: if kind == "veto" { Points::ZERO } else { points },
                rule,
                note,
                children: Vec::new(),
            }),
            _ => Err(problems),
        }
    }
}

/// Where an item goes and what it replaces.
fn find_mut<'a>(items: &'a mut [SchemeItem], code: &str) -> Option<&'a mut SchemeItem> {
    for item in items.iter_mut() {
        if item.code == code {
            return Some(item);
        }
        if let Some(found) = find_mut(&mut item.children, code) {
            return Some(found);
        }
    }
    None
}

fn remove_from(items: &mut Vec<SchemeItem>, code: &str) -> bool {
    if let Some(k) = items.iter().position(|i| i.code == code) {
        items.remove(k);
        return true;
    }
    items.iter_mut().any(|i| remove_from(&mut i.children, code))
}

/// Sets every group's points to the sum of its scored children (veto and bonus items aside),
/// from the leaves up.
fn resum(items: &mut [SchemeItem]) {
    for item in items.iter_mut() {
        if item.rule.is_none() && !item.children.is_empty() {
            resum(&mut item.children);
            item.points = item
                .children
                .iter()
                .filter(|c| !matches!(c.rule, Some(Rule::Veto { .. } | Rule::Bonus { .. })))
                .map(|c| c.points)
                .sum();
        }
    }
}

impl EvaluationScheme {
    /// Puts an item: replaces the item coded `original` (a group keeps its children) or, when
    /// `original` is `None`, adds `item` as the last child of `parent` (`None`: at the top level).
    /// Groups' points are then re-summed and the scheme validated; on any error the scheme is
    /// unchanged.
    ///
    /// # Errors
    /// [`SchemeError::Shape`] for an unknown `original` or `parent`, a parent that is a scored
    /// leaf, or a group made a leaf while it has children; any error of
    /// [`EvaluationScheme::validate`].
    pub fn put_item(
        &mut self,
        original: Option<&str>,
        parent: Option<&str>,
        item: SchemeItem,
    ) -> Result<(), SchemeError> {
        let mut edited = self.clone();
        match original {
            Some(code) => {
                let target = find_mut(&mut edited.items, code).ok_or_else(|| SchemeError::Shape(code.to_string()))?;
                let children = std::mem::take(&mut target.children);
                if item.rule.is_some() && !children.is_empty() {
                    return Err(SchemeError::Shape(code.to_string()));
                }
                *target = SchemeItem { children, ..item };
            }
            None => match parent {
                None => edited.items.push(item),
                Some(p) => {
                    let parent = find_mut(&mut edited.items, p).ok_or_else(|| SchemeError::Shape(p.to_string()))?;
                    if parent.rule.is_some() {
                        return Err(SchemeError::Shape(p.to_string()));
                    }
                    parent.children.push(item);
                }
            },
        }
        resum(&mut edited.items);
        edited.validate()?;
        *self = edited;
        Ok(())
    }

    /// Removes the item coded `code` with everything below it; groups are re-summed.
    ///
    /// # Errors
    /// [`SchemeError::Shape`] for an unknown code or for the only child of a group (the group
    /// would be left empty); any error of [`EvaluationScheme::validate`].
    pub fn remove_item(&mut self, code: &str) -> Result<(), SchemeError> {
        let mut edited = self.clone();
        if !remove_from(&mut edited.items, code) {
            return Err(SchemeError::Shape(code.to_string()));
        }
        resum(&mut edited.items);
        edited.validate()?;
        *self = edited;
        Ok(())
    }

    /// Renames the scheme and replaces its bands.
    ///
    /// # Errors
    /// [`SchemeError::Bands`] for bands out of order (the scheme unchanged).
    pub fn set_name_and_bands(&mut self, name: &str, bands: Vec<GradeBand>) -> Result<(), SchemeError> {
        let mut edited = self.clone();
        edited.name = name.trim().to_string();
        edited.bands = bands;
        edited.validate()?;
        *self = edited;
        Ok(())
    }

    /// The subject's Chinese label: 乡镇（街道） or 成员单位.
    pub fn subject_label_zh(&self) -> &'static str {
        match self.subject {
            Subject::Towns => "乡镇（街道）",
            Subject::MemberUnits => "成员单位",
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use super::*;
    use crate::evaluation::{UnitInputs, score_unit, templates};
    use std::collections::BTreeMap;

    fn town() -> EvaluationScheme {
        templates().remove(0)
    }

    fn draft(code: &str, kind: &str) -> ItemDraft {
        ItemDraft { code: code.into(), title: format!("项{code}"), kind: kind.into(), ..ItemDraft::default() }
    }

    #[test]
    fn every_template_item_round_trips_through_its_form() {
        for scheme in templates() {
            for (_, item) in scheme.walk() {
                let back = ItemDraft::of(item).parse().unwrap_or_else(|p| panic!("{}: {p:?}", item.code));
                assert_eq!(SchemeItem { children: item.children.clone(), ..back }, *item);
            }
        }
    }

    #[test]
    fn a_changed_deduction_rescores_and_the_group_is_resummed() {
        // 3.4 失控人员 6 points, −0.5 each: make it 8 points, −1 each, at most 5 off.
        let mut s = town();
        let mut d = ItemDraft::of(s.walk().into_iter().find(|(_, i)| i.code == "3.4").unwrap().1);
        d.points = "8".into();
        d.each = "1".into();
        d.cap = "5".into();
        s.put_item(Some("3.4"), None, d.parse().unwrap()).unwrap();
        let group = s.items.iter().find(|i| i.code == "3").unwrap();
        assert_eq!(group.points, Points::whole(37), "17 + 6 + 6 + 8");
        assert_eq!(s.base_points(), Points::whole(102));
        // Seven lost: −7, capped at 5 → 3 of 8.
        let mut values = BTreeMap::new();
        values.insert(Indicator::Lost, Some(7.0));
        let score = score_unit(&s, &UnitInputs { values, manual: BTreeMap::new(), precursor: None });
        let item = score.items.iter().find(|i| i.code == "3.4").unwrap();
        assert_eq!(item.earned, Points::whole(3));
    }

    #[test]
    fn items_are_added_under_groups_and_removed_with_their_children() {
        let mut s = town();
        let mut d = draft("2.3", "steps");
        d.points = "4".into();
        d.source = "no_such_indicator".into();
        d.steps = "95:2；98：4".into();
        // An unknown indicator is named on its field.
        assert_eq!(d.parse().unwrap_err().iter().map(|p| p.field).collect::<Vec<_>>(), vec!["source"]);
        d.source = "tests_on_time_rate".into();
        let item = d.parse().unwrap();
        assert_eq!(
            item.rule,
            Some(Rule::Steps {
                source: Source::Value { indicator: Indicator::TestsOnTimeRate },
                direction: Direction::HigherIsBetter,
                steps: vec![Step { at: 95.0, points: Points::whole(2) }, Step { at: 98.0, points: Points::whole(4) }],
            })
        );
        s.put_item(None, Some("2"), item).unwrap();
        assert_eq!(s.items.iter().find(|i| i.code == "2").unwrap().points, Points::whole(24));
        // Under a leaf: refused, unchanged.
        let before = s.clone();
        let mut leaf = draft("1.1", "manual");
        leaf.points = "1".into();
        assert_eq!(s.put_item(None, Some("1"), leaf.parse().unwrap()), Err(SchemeError::Shape("1".into())));
        assert_eq!(s, before);
        // A duplicate code: refused.
        let mut dup = draft("2.1", "manual");
        dup.points = "1".into();
        assert_eq!(s.put_item(None, None, dup.parse().unwrap()), Err(SchemeError::DuplicateCode("2.1".into())));
        // Removing group 5 removes its three children: 100 − 25 + 4 = 79.
        s.remove_item("5").unwrap();
        assert_eq!(s.base_points(), Points::whole(79));
        assert!(s.walk().iter().all(|(_, i)| !i.code.starts_with('5')));
        assert_eq!(s.remove_item("5"), Err(SchemeError::Shape("5".into())));
        // A group's only child cannot go.
        let mut one = town();
        one.remove_item("2.2").unwrap();
        assert_eq!(one.remove_item("2.1"), Err(SchemeError::Shape("2".into())));
    }

    #[test]
    fn bad_fields_are_named_together() {
        let mut d = draft(" ", "linear");
        d.title = String::new();
        d.points = "十".into();
        d.zero_at = "x".into();
        d.full_at = "100".into();
        let fields: Vec<&str> = d.parse().unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(fields, vec!["code", "title", "points", "source", "zero_at"], "in the order of the form");
        let mut d = draft("7", "steps");
        d.points = "5".into();
        d.source = "control_rate".into();
        d.steps = "95 3".into();
        assert_eq!(d.parse().unwrap_err()[0].field, "steps");
        let mut d = draft("7", "nonsense");
        d.points = "5".into();
        assert_eq!(d.parse().unwrap_err()[0].field, "kind");
        // A deduction with a cap of −1 and an each of 0.001.
        let mut d = draft("7", "deduction");
        d.points = "5".into();
        d.source = "lost".into();
        d.each = "0.001".into();
        d.cap = "-1".into();
        assert_eq!(d.parse().unwrap_err().iter().map(|p| p.field).collect::<Vec<_>>(), vec!["each", "cap"]);
        // A step worth more than the item: the scheme refuses it.
        let mut d = draft("3.2", "steps");
        d.points = "6".into();
        d.source = "execution_rate".into();
        d.steps = "90:3;95:8".into();
        let mut s = town();
        assert!(
            matches!(s.put_item(Some("3.2"), None, d.parse().unwrap()), Err(SchemeError::Rule(c, _)) if c == "3.2")
        );
    }

    #[test]
    fn bands_are_read_as_offices_write_them() {
        let bands = parse_bands("95 优秀；85 良好; 60分以上 合格，0 不合格").unwrap();
        assert_eq!(
            bands.iter().map(|b| (b.min, b.label_zh.as_str(), b.label_en.as_str())).collect::<Vec<_>>(),
            vec![
                (Points::whole(95), "优秀", "Excellent"),
                (Points::whole(85), "良好", "Good"),
                (Points::whole(60), "合格", "Pass"),
                (Points::ZERO, "不合格", "Fail"),
            ]
        );
        assert_eq!(format_bands(&crate::evaluation::default_bands()), "90 优秀；80 合格；60 基本合格；0 不合格");
        assert_eq!(parse_bands("优秀 90").unwrap_err().field, "bands");
        assert!(parse_bands(" ").is_err());
        let mut s = town();
        assert_eq!(
            s.set_name_and_bands("x", parse_bands("60 合格；90 优秀；0 不合格").unwrap()),
            Err(SchemeError::Bands)
        );
        s.set_name_and_bands("2027年乡镇考评", bands).unwrap();
        assert_eq!(s.grade(Points(8500)).unwrap().label_zh, "良好");
    }

    #[test]
    fn rules_read_as_a_line() {
        let s = town();
        let line = |code: &str| rule_summary_zh(s.walk().into_iter().find(|(_, i)| i.code == code).unwrap().1);
        assert_eq!(line("3.1"), "线性：管控率 90 得 0 分，100 得满分，其间按比例");
        assert_eq!(line("3.2"), "达标得分：执行率 ≥ 90 得 3，≥ 95 得 6");
        assert_eq!(line("3.3"), "扣分：应检测 − 已检测 每次扣 0.5，最多扣 6");
        assert_eq!(line("3"), "分组（下设 4 项，分值为下级项之和）");
        assert_eq!(line("9"), "一票否决（检查人员认定）");
        assert_eq!(line("10"), "加分（检查人员评定，最多加 3）");
    }

    #[test]
    fn sources_round_trip() {
        for (code, _) in source_choices() {
            assert_eq!(source_code(&parse_source(&code).unwrap()), code);
        }
        assert_eq!(parse_source("tests_due-nothing"), None);
        assert_eq!(format_steps(&[Step { at: 92.5, points: Points(350) }]), "92.5:3.5");
    }

    #[test]
    fn precursor_kinds_round_trip_through_the_form() {
        let draft = ItemDraft {
            code: "6.1".into(),
            title: "易制毒流向".into(),
            points: "5".into(),
            kind: "precursor_mismatch".into(),
            each: "1".into(),
            cap: "4".into(),
            ..ItemDraft::default()
        };
        let item = draft.parse().unwrap();
        assert_eq!(item.rule, Some(Rule::PrecursorMismatch { each: Points::whole(1), cap: Some(Points::whole(4)) }));
        assert_eq!(rule_summary_zh(&item), "扣分：辖区易制毒企业流向不明（未闭环）每笔扣 1，最多扣 4");
        assert_eq!(ItemDraft::of(&item).kind, "precursor_mismatch");
        let closure = ItemDraft { kind: "precursor_closure".into(), full_at: "90".into(), ..draft.clone() };
        assert_eq!(closure.parse().unwrap().rule, Some(Rule::PrecursorClosure { target: 90.0 }));
        let bad = ItemDraft { kind: "precursor_closure".into(), full_at: "高".into(), ..draft.clone() };
        assert_eq!(bad.parse().unwrap_err()[0].field, "full_at");
        let insp = ItemDraft { kind: "precursor_inspections".into(), ..draft };
        assert_eq!(insp.parse().unwrap().rule, Some(Rule::PrecursorInspections));
    }
}
