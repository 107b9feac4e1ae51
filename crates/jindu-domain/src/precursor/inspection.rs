//! 监督检查 inspections of precursor enterprises (issue #21 item 6; MODULES §1.7 "Inspection",
//! §1.10 item 4): the kinds (专项督查, 双随机, 日常, 联合), the shipped checklist (as data: each
//! item 符合 / 不符合 / 不适用), the result, the rectification deadline and the re-check, and the
//! day the next inspection is due by the enterprise's risk tier.
//!
//! The frequencies are an office setting (`precursor.inspection_frequency`); the shipped values
//! (high 90 days, medium 180, low 365 since the last inspection) are a **local default**: no
//! national frequency exists (the 双随机 catalogue sets none).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days;
use crate::kinds::{RiskTier, coded_enum};
use crate::message::Message;

coded_enum!(
    /// 检查类别.
    InspectionKind {
        /// 专项督查 (e.g. the 涉爆 four chemicals' special campaign).
        Special => ("special", "专项督查", "Special campaign"),
        /// 双随机、一公开 random inspection.
        DoubleRandom => ("double_random", "双随机检查", "Random inspection"),
        /// 日常检查.
        Routine => ("routine", "日常检查", "Routine inspection"),
        /// 联合检查 (police with 应急管理 / 市场监管).
        Joint => ("joint", "联合检查", "Joint inspection"),
    }
);

coded_enum!(
    /// One checklist item's result.
    ItemResult {
        /// 符合.
        Complies => ("complies", "符合", "Complies"),
        /// 不符合.
        Fails => ("fails", "不符合", "Does not comply"),
        /// 不适用.
        NotApplicable => ("na", "不适用", "Not applicable"),
    }
);

coded_enum!(
    /// 检查结论.
    InspectionResult {
        /// 合格: nothing to rectify.
        Passed => ("passed", "合格", "Passed"),
        /// 责令限期整改.
        Rectify => ("rectify", "限期整改", "Rectify by a deadline"),
        /// 不合格 (serious: rectify and referred for a penalty).
        Failed => ("failed", "不合格", "Failed"),
    }
);

coded_enum!(
    /// 复查结论.
    RecheckResult {
        /// 整改到位.
        Passed => ("passed", "整改到位", "Rectified"),
        /// 整改不到位.
        Failed => ("failed", "整改不到位", "Not rectified"),
    }
);

/// The shipped checklist (检查表) for 易制毒化学品 enterprises, after MODULES §1.4 and §1.7
/// (ledger, 2-year retention, copies of buyers' credentials, storage, labels, internal rules):
/// (code, Chinese, English). A **local default** template; the form shows every item.
pub const CHECKLIST: [(&str, &str, &str); 10] = [
    ("credentials", "证照齐全有效", "Licences and filings complete and valid"),
    ("ledger", "台账记录完整（保存2年）", "Ledger complete (kept 2 years)"),
    ("stock", "账物相符", "Stock matches the ledger"),
    ("storage", "专库专柜、双人双锁", "Dedicated store, two persons two locks"),
    ("sales_filing", "销售备案及时", "Sales filed with the police in time"),
    ("flow", "流向登记（购买方证明复印件留存）", "Flows recorded (buyers' credentials kept)"),
    ("cash", "无现金或实物交易", "No cash or barter deals"),
    ("cctv", "视频监控正常", "Video surveillance working"),
    ("training", "人员培训及岗位责任", "Staff trained, duties assigned"),
    ("rules", "内部管理制度及标识", "Internal rules and labels in place"),
];

/// The label of a checklist item in `lang` (`en` or Chinese); the code itself when unknown.
pub fn checklist_label(code: &str, lang: &str) -> String {
    CHECKLIST
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, zh, en)| if lang == "en" { (*en).to_string() } else { (*zh).to_string() })
        .unwrap_or_else(|| code.to_string())
}

/// Days between inspections by risk tier (setting `precursor.inspection_frequency`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InspectionFrequency {
    /// High risk.
    pub high: u32,
    /// Medium risk.
    pub medium: u32,
    /// Low risk (and not yet assessed).
    pub low: u32,
}

impl Default for InspectionFrequency {
    /// Local default: high every 90 days, medium 180, low 365.
    fn default() -> Self {
        InspectionFrequency { high: 90, medium: 180, low: 365 }
    }
}

impl InspectionFrequency {
    /// The days between inspections for `tier` (`None`: not assessed, as low).
    pub fn days(&self, tier: Option<RiskTier>) -> u32 {
        match tier {
            Some(RiskTier::High) => self.high,
            Some(RiskTier::Medium) => self.medium,
            Some(RiskTier::Low) | None => self.low,
        }
    }
}

/// The day the next inspection is due: `frequency` days counted from the last inspection
/// (DOMAIN §11: the day itself not counted, so 2026-01-10 + 90 → 2026-04-10); an enterprise
/// never inspected is due from the day it was registered (`registered`).
pub fn next_due(
    last: Option<NaiveDate>,
    registered: NaiveDate,
    tier: Option<RiskTier>,
    f: &InspectionFrequency,
) -> NaiveDate {
    match last {
        Some(d) => days::period_last_day(d, f.days(tier)),
        None => registered,
    }
}

/// True when an inspection still has an open finding: its result needs rectification and no
/// passing re-check followed.
pub fn finding_open(result: InspectionResult, recheck: Option<RecheckResult>) -> bool {
    result != InspectionResult::Passed && recheck != Some(RecheckResult::Passed)
}

/// True when the rectification is overdue on `today`: the finding is open and `today` is past
/// the deadline (overdue from 00:00 of the day after, DOMAIN §11).
pub fn rectification_overdue(
    result: InspectionResult,
    recheck: Option<RecheckResult>,
    due: Option<NaiveDate>,
    today: NaiveDate,
) -> bool {
    finding_open(result, recheck) && due.is_some_and(|d| days::overdue_days(d, today) > 0)
}

/// The inspection form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct InspectionForm {
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub inspected_on: String,
    /// Names, separated by `、` `,` `，` or spaces.
    pub inspectors: String,
    /// (item code, result code) for every item of [`CHECKLIST`].
    pub items: Vec<(String, String)>,
    pub result: String,
    /// Free text (sealed).
    pub findings: String,
    /// `YYYY-MM-DD`; needed when the result is not 合格.
    pub rectification_due: String,
}

/// A checked inspection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectionInput {
    pub kind: InspectionKind,
    pub inspected_on: NaiveDate,
    pub inspectors: Vec<String>,
    /// Every item of [`CHECKLIST`] in order with its result.
    pub items: Vec<(&'static str, ItemResult)>,
    pub result: InspectionResult,
    pub findings: Option<String>,
    pub rectification_due: Option<NaiveDate>,
}

/// A problem of the inspection form: the field and its sentence (`msg.precursor.inspection.*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormProblem {
    pub field: &'static str,
    pub message: Message,
}

fn problem(field: &'static str, code: &'static str) -> FormProblem {
    FormProblem { field, message: Message::new(code) }
}

fn date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// Most inspectors on one record; most characters of the findings.
pub const MAX_INSPECTORS: usize = 10;
/// Most characters of the findings text.
pub const MAX_FINDINGS: usize = 2000;

/// Checks the form on `today`: a known kind; a date not in the future; 1 to 10 inspectors of
/// at most 20 characters each (at least two are required by practice but one is accepted);
/// every checklist item answered; a known result; a result other than 合格 needs findings and
/// a rectification deadline after the inspection; any item 不符合 forbids 合格.
///
/// # Errors
/// Every problem at once, each naming its field.
pub fn check(form: &InspectionForm, today: NaiveDate) -> Result<InspectionInput, Vec<FormProblem>> {
    let mut out = Vec::new();
    let kind = InspectionKind::from_code(form.kind.trim());
    if kind.is_none() {
        out.push(problem("kind", "msg.precursor.inspection.kind"));
    }
    let inspected_on = date(&form.inspected_on);
    match inspected_on {
        None => out.push(problem("inspected_on", "msg.precursor.inspection.date")),
        Some(d) if d > today => out.push(problem("inspected_on", "msg.precursor.inspection.future")),
        _ => {}
    }
    let inspectors: Vec<String> = form
        .inspectors
        .split(['、', ',', '，', ' ', ';', '；'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if inspectors.is_empty()
        || inspectors.len() > MAX_INSPECTORS
        || inspectors.iter().any(|n| n.chars().count() > 20 || n.chars().any(char::is_control))
    {
        out.push(problem("inspectors", "msg.precursor.inspection.inspectors"));
    }
    let mut items = Vec::with_capacity(CHECKLIST.len());
    let mut any_fails = false;
    let mut unanswered = Vec::new();
    for (code, zh, _) in CHECKLIST {
        let given = form.items.iter().find(|(c, _)| c == code).and_then(|(_, r)| ItemResult::from_code(r.trim()));
        match given {
            Some(r) => {
                any_fails |= r == ItemResult::Fails;
                items.push((code, r));
            }
            None => unanswered.push(zh),
        }
    }
    if !unanswered.is_empty() {
        out.push(FormProblem {
            field: "checklist",
            message: Message::new("msg.precursor.inspection.checklist").text("items", unanswered.join("、")),
        });
    }
    let result = InspectionResult::from_code(form.result.trim());
    let findings = form.findings.trim();
    if findings.chars().count() > MAX_FINDINGS {
        out.push(problem("findings", "msg.precursor.inspection.findings_long"));
    }
    let due = if form.rectification_due.trim().is_empty() { None } else { date(&form.rectification_due) };
    if !form.rectification_due.trim().is_empty() && due.is_none() {
        out.push(problem("rectification_due", "msg.precursor.inspection.date"));
    }
    match result {
        None => out.push(problem("result", "msg.precursor.inspection.result")),
        Some(InspectionResult::Passed) => {
            if any_fails {
                out.push(problem("result", "msg.precursor.inspection.passed_with_failures"));
            }
        }
        Some(_) => {
            if findings.is_empty() {
                out.push(problem("findings", "msg.precursor.inspection.findings_needed"));
            }
            match (due, inspected_on) {
                (None, _) if form.rectification_due.trim().is_empty() => {
                    out.push(problem("rectification_due", "msg.precursor.inspection.due_needed"))
                }
                (Some(d), Some(on)) if d <= on => {
                    out.push(problem("rectification_due", "msg.precursor.inspection.due_before"))
                }
                _ => {}
            }
        }
    }
    match (kind, inspected_on, result) {
        (Some(kind), Some(inspected_on), Some(result)) if out.is_empty() => Ok(InspectionInput {
            kind,
            inspected_on,
            inspectors,
            items,
            result,
            findings: (!findings.is_empty()).then(|| findings.to_string()),
            rectification_due: if result == InspectionResult::Passed { None } else { due },
        }),
        _ => Err(out),
    }
}

/// Checks a re-check: a known result, a date not in the future and not before the inspection.
///
/// # Errors
/// Every problem at once (`rechecked_on`, `recheck_result`).
pub fn check_recheck(
    rechecked_on: &str,
    result: &str,
    inspected_on: NaiveDate,
    today: NaiveDate,
) -> Result<(NaiveDate, RecheckResult), Vec<FormProblem>> {
    let mut out = Vec::new();
    let d = date(rechecked_on);
    match d {
        None => out.push(problem("rechecked_on", "msg.precursor.inspection.date")),
        Some(d) if d > today => out.push(problem("rechecked_on", "msg.precursor.inspection.future")),
        Some(d) if d < inspected_on => out.push(problem("rechecked_on", "msg.precursor.inspection.recheck_before")),
        _ => {}
    }
    let r = RecheckResult::from_code(result.trim());
    if r.is_none() {
        out.push(problem("recheck_result", "msg.precursor.inspection.recheck_result"));
    }
    match (d, r) {
        (Some(d), Some(r)) if out.is_empty() => Ok((d, r)),
        _ => Err(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn all(result: &str) -> Vec<(String, String)> {
        CHECKLIST.iter().map(|(c, _, _)| (c.to_string(), result.to_string())).collect()
    }

    #[test]
    fn due_dates_by_tier() {
        let f = InspectionFrequency::default();
        let last = Some(d("2026-01-10"));
        let reg = d("2025-06-01");
        assert_eq!(next_due(last, reg, Some(RiskTier::High), &f), d("2026-04-10"));
        assert_eq!(next_due(last, reg, Some(RiskTier::Medium), &f), d("2026-07-09"));
        assert_eq!(next_due(last, reg, Some(RiskTier::Low), &f), d("2027-01-10"));
        assert_eq!(next_due(last, reg, None, &f), d("2027-01-10"));
        assert_eq!(next_due(None, reg, Some(RiskTier::High), &f), reg);
        let office = InspectionFrequency { high: 30, medium: 60, low: 90 };
        assert_eq!(next_due(last, reg, Some(RiskTier::High), &office), d("2026-02-09"));
    }

    #[test]
    fn open_findings_and_overdue() {
        use InspectionResult as I;
        use RecheckResult as R;
        assert!(!finding_open(I::Passed, None));
        assert!(finding_open(I::Rectify, None));
        assert!(finding_open(I::Failed, Some(R::Failed)));
        assert!(!finding_open(I::Rectify, Some(R::Passed)));
        let due = Some(d("2026-12-06"));
        assert!(!rectification_overdue(I::Rectify, None, due, d("2026-12-06")));
        assert!(rectification_overdue(I::Rectify, None, due, d("2026-12-07")));
        assert!(!rectification_overdue(I::Rectify, Some(R::Passed), due, d("2026-12-07")));
    }

    #[test]
    fn form_checks() {
        let today = d("2026-12-07");
        let good = InspectionForm {
            kind: "double_random".into(),
            inspected_on: "2026-12-01".into(),
            inspectors: "张警官、李警官".into(),
            items: all("complies"),
            result: "passed".into(),
            ..Default::default()
        };
        let i = check(&good, today).unwrap();
        assert_eq!(i.inspectors, ["张警官", "李警官"]);
        assert_eq!(i.items.len(), 10);
        assert_eq!(i.rectification_due, None);
        // 合格 with an item 不符合; a future date; no inspectors; an item unanswered.
        let mut items = all("complies");
        items[2].1 = "fails".into();
        items.pop();
        let bad = InspectionForm { inspected_on: "2026-12-08".into(), inspectors: " ".into(), items, ..good.clone() };
        let fields: Vec<&str> = check(&bad, today).unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["inspected_on", "inspectors", "checklist", "result"]);
        // 限期整改 needs findings and a deadline after the inspection.
        let r = InspectionForm { result: "rectify".into(), rectification_due: "2026-12-01".into(), ..good.clone() };
        let fields: Vec<&str> = check(&r, today).unwrap_err().iter().map(|p| p.field).collect();
        assert_eq!(fields, ["findings", "rectification_due"]);
        let r = InspectionForm { findings: "台账缺3笔".into(), rectification_due: "2026-12-31".into(), ..r };
        let i = check(&r, today).unwrap();
        assert_eq!((i.result, i.rectification_due), (InspectionResult::Rectify, Some(d("2026-12-31"))));
        assert!(check_recheck("2026-12-05", "passed", d("2026-12-01"), today).is_ok());
        let p = check_recheck("2026-11-30", "x", d("2026-12-01"), today).unwrap_err();
        assert_eq!(p.iter().map(|p| p.field).collect::<Vec<_>>(), ["rechecked_on", "recheck_result"]);
    }
}
