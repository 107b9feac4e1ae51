//! An enterprise's risk tier (企业风险等级), explained like a person's ([`crate::risk`]): points
//! from unmatched flows, late filings, cash deals, red flags and inspection findings, each line
//! of the breakdown saying what was seen; the tier drives inspection frequency (双随机 weighting,
//! MODULES §1.10 item 4). Weights and thresholds are an office setting (**local default,
//! configurable**; no national table exists).

use serde::{Deserialize, Serialize};

use crate::kinds::RiskTier;
use crate::message::Message;

/// What the assessment counts for one enterprise over the office's look-back period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct EnterpriseFactors {
    /// Sales or purchases left unmatched (流向不明).
    pub unmatched_flows: u32,
    /// Late or overdue police filings (P-07) and late production/trade filings (P-14).
    pub late_filings: u32,
    /// Cash or barter deals (P-09 and RF-02).
    pub cash_deals: u32,
    /// Other red flags (RF-01, RF-03).
    pub red_flags: u32,
    /// Open inspection findings (监督检查 not yet rectified).
    pub inspection_findings: u32,
    /// Balance gaps flagged (mass balance).
    pub balance_gaps: u32,
}

/// Points per occurrence and their cap for one factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Weight {
    /// Points per occurrence.
    pub each: u32,
    /// Most points the factor gives.
    pub cap: u32,
}

/// The office's weights and thresholds (setting `precursor.risk_table`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnterpriseRiskTable {
    /// Unmatched flows.
    pub unmatched: Weight,
    /// Late filings.
    pub late_filing: Weight,
    /// Cash deals.
    pub cash: Weight,
    /// Red flags.
    pub red_flag: Weight,
    /// Inspection findings.
    pub inspection: Weight,
    /// Balance gaps.
    pub balance_gap: Weight,
    /// Score at or above: high.
    pub high_at: u32,
    /// Score at or above (below `high_at`): medium.
    pub medium_at: u32,
}

impl Default for EnterpriseRiskTable {
    /// Local default: diversion signals (unmatched flows, balance gaps) weigh 3 each, cash 2,
    /// late filings, red flags and inspection findings 1–2; each capped; high from 9, medium from 4.
    fn default() -> Self {
        EnterpriseRiskTable {
            unmatched: Weight { each: 3, cap: 9 },
            late_filing: Weight { each: 1, cap: 3 },
            cash: Weight { each: 2, cap: 6 },
            red_flag: Weight { each: 1, cap: 3 },
            inspection: Weight { each: 2, cap: 6 },
            balance_gap: Weight { each: 3, cap: 9 },
            high_at: 9,
            medium_at: 4,
        }
    }
}

/// One line of the breakdown: the factor code, its points and what was seen as a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reason {
    /// Stable factor code (`unmatched`, `late_filing`, `cash`, `red_flag`, `inspection`,
    /// `balance_gap`).
    pub factor: &'static str,
    /// Points.
    pub points: u32,
    /// What was seen.
    pub seen: Message,
}

/// The tier, the score and the reasons (lines with zero points left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnterpriseAssessment {
    /// Tier.
    pub tier: RiskTier,
    /// Sum of the points.
    pub score: u32,
    /// The contributing reasons, in the table's order.
    pub reasons: Vec<Reason>,
}

/// Scores `f` with `table`.
pub fn assess_enterprise(f: &EnterpriseFactors, table: &EnterpriseRiskTable) -> EnterpriseAssessment {
    let lines: [(&'static str, u32, Weight, &'static str); 6] = [
        ("unmatched", f.unmatched_flows, table.unmatched, "msg.precursor.risk.unmatched"),
        ("balance_gap", f.balance_gaps, table.balance_gap, "msg.precursor.risk.balance_gap"),
        ("late_filing", f.late_filings, table.late_filing, "msg.precursor.risk.late_filing"),
        ("cash", f.cash_deals, table.cash, "msg.precursor.risk.cash"),
        ("red_flag", f.red_flags, table.red_flag, "msg.precursor.risk.red_flag"),
        ("inspection", f.inspection_findings, table.inspection, "msg.precursor.risk.inspection"),
    ];
    let reasons: Vec<Reason> = lines
        .into_iter()
        .filter_map(|(factor, n, w, code)| {
            let points = n.saturating_mul(w.each).min(w.cap);
            (points > 0).then(|| Reason { factor, points, seen: Message::new(code).text("count", n) })
        })
        .collect();
    let score = reasons.iter().map(|r| r.points).sum();
    let tier = if score >= table.high_at {
        RiskTier::High
    } else if score >= table.medium_at {
        RiskTier::Medium
    } else {
        RiskTier::Low
    };
    EnterpriseAssessment { tier, score, reasons }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::testing::zh;

    #[test]
    fn tiers_and_reasons() {
        let t = EnterpriseRiskTable::default();
        let clean = assess_enterprise(&EnterpriseFactors::default(), &t);
        assert_eq!((clean.tier, clean.score, clean.reasons.len()), (RiskTier::Low, 0, 0));
        // One late filing (1) + one cash deal (2) = 3: low; + one red flag = 4: medium.
        let f = EnterpriseFactors { late_filings: 1, cash_deals: 1, ..Default::default() };
        assert_eq!((assess_enterprise(&f, &t).score, assess_enterprise(&f, &t).tier), (3, RiskTier::Low));
        let f = EnterpriseFactors { red_flags: 1, ..f };
        assert_eq!((assess_enterprise(&f, &t).score, assess_enterprise(&f, &t).tier), (4, RiskTier::Medium));
        // Four unmatched flows: 12 capped at 9 → high on that alone.
        let f = EnterpriseFactors { unmatched_flows: 4, ..Default::default() };
        let a = assess_enterprise(&f, &t);
        assert_eq!((a.score, a.tier), (9, RiskTier::High));
        assert_eq!(zh(&a.reasons[0].seen), "流向不明4笔");
        // The reasons say why, in the table's order.
        let f = EnterpriseFactors { unmatched_flows: 1, inspection_findings: 2, balance_gaps: 1, ..Default::default() };
        let a = assess_enterprise(&f, &t);
        let lines: Vec<(&str, u32)> = a.reasons.iter().map(|r| (r.factor, r.points)).collect();
        assert_eq!(lines, [("unmatched", 3), ("balance_gap", 3), ("inspection", 4)]);
        assert_eq!((a.score, a.tier), (10, RiskTier::High));
        // An office table that weighs cash more moves the tier.
        let strict = EnterpriseRiskTable { cash: Weight { each: 4, cap: 8 }, ..t };
        let f = EnterpriseFactors { cash_deals: 1, ..Default::default() };
        assert_eq!(
            (assess_enterprise(&f, &t).tier, assess_enterprise(&f, &strict).tier),
            (RiskTier::Low, RiskTier::Medium)
        );
    }
}
