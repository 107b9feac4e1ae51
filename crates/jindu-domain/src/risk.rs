//! 分级分类管控 risk assessment: a factor table scores a person's situation into 高/中/低风险, and
//! every assessment keeps its factor breakdown so the person page can say why.
//!
//! The national table (禁毒办通〔2016〕37号) is not public; the default here follows the factors of the
//! Zhejiang (2022) scheme named in DOMAIN §4 — drug type, degree of addiction, recent use, detox
//! episodes, time off drugs, behaviour, family and employment — with points and thresholds chosen
//! for Jindu (**local default, configurable**: the office edits the table).

use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::kinds::{AddictionFinding, RiskTier, Substance};

/// What the assessment looks at, as of the assessment day.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RiskFactors {
    /// Main substance (主要滥用毒品); `None` when unknown.
    pub substance: Option<Substance>,
    pub finding: Option<AddictionFinding>,
    /// Positive tests in the last 90 days.
    pub positive_tests_90d: u32,
    /// Duties (check-in, test, visit) that went overdue in the last 90 days.
    pub missed_duties_90d: u32,
    /// Earlier detox measures (community detox, compulsory isolation, rehabilitation) ended.
    pub detox_episodes: u32,
    /// Days since the last known use (positive test or recorded use); `None` when none recorded.
    pub days_since_last_use: Option<i64>,
    pub employed: bool,
    pub stable_housing: bool,
    pub family_support: bool,
    /// Violent or self-harming behaviour on record (an override: always high).
    pub violent_or_self_harm: bool,
    /// A ground of serious breach (戒毒条例 §20) is met in the current community detox.
    pub serious_breach: bool,
    /// The person is lost (失控).
    pub lost: bool,
}

/// The factor table: points per factor and the tier thresholds. Serialised as the office's
/// edited table (setting `risk.table`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorTable {
    /// Points for opioids (heroin, morphine) and cocaine.
    pub opioid_points: u32,
    /// Points for synthetic drugs (methamphetamine, ketamine, MDMA).
    pub synthetic_points: u32,
    /// Points for other or unknown substances.
    pub other_points: u32,
    pub addicted_points: u32,
    pub severely_addicted_points: u32,
    /// Points per positive test in 90 days, and their cap.
    pub per_positive_test: u32,
    pub positive_tests_cap: u32,
    /// Points per missed duty in 90 days, and their cap.
    pub per_missed_duty: u32,
    pub missed_duties_cap: u32,
    /// Points per earlier detox episode, and their cap.
    pub per_detox_episode: u32,
    pub detox_episodes_cap: u32,
    /// Points when the last use was less than 180 days / 1 year / 2 years ago (or unknown: 0).
    pub last_use_180d: u32,
    pub last_use_1y: u32,
    pub last_use_2y: u32,
    pub unemployed_points: u32,
    pub no_housing_points: u32,
    pub no_family_support_points: u32,
    /// Points for a serious breach in the current community detox (default 3).
    #[serde(default = "three")]
    pub breach_points: u32,
    /// Points while the person is lost (default 3).
    #[serde(default = "three")]
    pub lost_points: u32,
    /// A score at or above this is high risk.
    pub high_at: u32,
    /// A score at or above this (and below `high_at`) is medium risk.
    pub medium_at: u32,
}

impl Default for FactorTable {
    fn default() -> Self {
        FactorTable {
            opioid_points: 3,
            synthetic_points: 2,
            other_points: 1,
            addicted_points: 1,
            severely_addicted_points: 3,
            per_positive_test: 3,
            positive_tests_cap: 6,
            per_missed_duty: 1,
            missed_duties_cap: 3,
            per_detox_episode: 1,
            detox_episodes_cap: 3,
            last_use_180d: 3,
            last_use_1y: 2,
            last_use_2y: 1,
            unemployed_points: 1,
            no_housing_points: 1,
            no_family_support_points: 1,
            breach_points: 3,
            lost_points: 3,
            high_at: 9,
            medium_at: 5,
        }
    }
}

/// How the tiers are shown: a label per tier (Chinese and English) and a colour, in the order
/// high, medium, low. **Local default, configurable**: 高风险/中风险/低风险 in red, amber and green
/// (some places use 红/黄/绿 or 红/黄/蓝/绿 as the labels themselves).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierDisplay {
    pub labels_zh: [String; 3],
    pub labels_en: [String; 3],
    /// `#rrggbb` colours.
    pub colours: [String; 3],
}

impl Default for TierDisplay {
    fn default() -> Self {
        TierDisplay {
            labels_zh: ["高风险".into(), "中风险".into(), "低风险".into()],
            labels_en: ["High".into(), "Medium".into(), "Low".into()],
            colours: ["#c62828".into(), "#f9a825".into(), "#2e7d32".into()],
        }
    }
}

/// Longest tier label (characters).
pub const MAX_TIER_LABEL_CHARS: usize = 10;

impl TierDisplay {
    fn index(tier: RiskTier) -> usize {
        match tier {
            RiskTier::High => 0,
            RiskTier::Medium => 1,
            RiskTier::Low => 2,
        }
    }

    /// The label of `tier` in `lang` (`en` or anything else for Chinese).
    pub fn label(&self, tier: RiskTier, lang: &str) -> &str {
        let i = Self::index(tier);
        if lang == "en" { &self.labels_en[i] } else { &self.labels_zh[i] }
    }

    /// The colour of `tier`.
    pub fn colour(&self, tier: RiskTier) -> &str {
        &self.colours[Self::index(tier)]
    }

    /// Checks every label (1–10 characters, no hidden characters) and colour (`#rrggbb`);
    /// returns the trimmed display.
    ///
    /// # Errors
    /// The first problem: [`DomainError::Required`], [`DomainError::TooLong`] or
    /// [`DomainError::InvalidText`] naming `tier_label_<n>` / `tier_label_en_<n>`, or
    /// [`DomainError::InvalidChoice`] naming `tier_colour_<n>` (n = 0 high, 1 medium, 2 low).
    pub fn checked(self) -> Result<TierDisplay, DomainError> {
        const ZH: [&str; 3] = ["tier_label_0", "tier_label_1", "tier_label_2"];
        const EN: [&str; 3] = ["tier_label_en_0", "tier_label_en_1", "tier_label_en_2"];
        const COLOUR: [&str; 3] = ["tier_colour_0", "tier_colour_1", "tier_colour_2"];
        let label = |field: &'static str, v: &str| -> Result<String, DomainError> {
            let t = crate::event::validate_free_text(field, v, MAX_TIER_LABEL_CHARS)?;
            if t.is_empty() { Err(DomainError::Required { field }) } else { Ok(t) }
        };
        let colour = |field: &'static str, v: &str| -> Result<String, DomainError> {
            let t = v.trim().to_ascii_lowercase();
            let ok = t.len() == 7 && t.starts_with('#') && t[1..].bytes().all(|b| b.is_ascii_hexdigit());
            if ok { Ok(t) } else { Err(DomainError::InvalidChoice { field, input: v.chars().take(20).collect() }) }
        };
        let mut out = self.clone();
        for i in 0..3 {
            out.labels_zh[i] = label(ZH[i], &self.labels_zh[i])?;
            out.labels_en[i] = label(EN[i], &self.labels_en[i])?;
            out.colours[i] = colour(COLOUR[i], &self.colours[i])?;
        }
        Ok(out)
    }
}

fn three() -> u32 {
    3
}

/// One line of an assessment's breakdown: the factor (a stable code), its points, and what was
/// seen, as a short Chinese phrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FactorScore {
    pub factor: String,
    pub points: u32,
    pub seen: String,
}

/// The result: tier, total score and the lines that gave points (zero lines are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAssessment {
    pub tier: RiskTier,
    pub score: u32,
    /// Violent or self-harming behaviour put the person in the high tier whatever the score.
    pub overridden: bool,
    pub breakdown: Vec<FactorScore>,
}

/// Scores `f` with `table`.
pub fn assess(f: &RiskFactors, table: &FactorTable) -> RiskAssessment {
    let mut lines = Vec::new();
    let mut add = |factor: &str, points: u32, seen: String| {
        if points > 0 {
            lines.push(FactorScore { factor: factor.to_string(), points, seen });
        }
    };
    if let Some(s) = f.substance {
        let points = match s {
            Substance::Heroin | Substance::Morphine | Substance::Cocaine => table.opioid_points,
            Substance::Methamphetamine | Substance::Ketamine | Substance::Mdma => table.synthetic_points,
            Substance::Cannabis | Substance::Other => table.other_points,
        };
        add("substance", points, format!("主要滥用{}", s.label_zh()));
    }
    match f.finding {
        Some(AddictionFinding::SeverelyAddicted) => add("finding", table.severely_addicted_points, "成瘾严重".into()),
        Some(AddictionFinding::Addicted) => add("finding", table.addicted_points, "成瘾".into()),
        _ => {}
    }
    add(
        "positive_tests",
        (f.positive_tests_90d * table.per_positive_test).min(table.positive_tests_cap),
        format!("近90日检测阳性{}次", f.positive_tests_90d),
    );
    add(
        "missed_duties",
        (f.missed_duties_90d * table.per_missed_duty).min(table.missed_duties_cap),
        format!("近90日逾期未履行{}项", f.missed_duties_90d),
    );
    add(
        "detox_episodes",
        (f.detox_episodes * table.per_detox_episode).min(table.detox_episodes_cap),
        format!("既往戒毒{}次", f.detox_episodes),
    );
    if let Some(days) = f.days_since_last_use {
        let points = match days {
            d if d < 180 => table.last_use_180d,
            d if d < 365 => table.last_use_1y,
            d if d < 730 => table.last_use_2y,
            _ => 0,
        };
        add("last_use", points, format!("距末次吸毒{days}日"));
    }
    if !f.employed {
        add("employment", table.unemployed_points, "无稳定就业".into());
    }
    if !f.stable_housing {
        add("housing", table.no_housing_points, "无固定住所".into());
    }
    if !f.family_support {
        add("family", table.no_family_support_points, "缺乏家庭支持".into());
    }
    if f.serious_breach {
        add("breach", table.breach_points, "严重违反社区戒毒协议".into());
    }
    if f.lost {
        add("lost", table.lost_points, "失控".into());
    }
    let score = lines.iter().map(|l| l.points).sum();
    let overridden = f.violent_or_self_harm;
    if overridden {
        lines.push(FactorScore {
            factor: "behaviour".into(),
            points: 0,
            seen: "有暴力或自伤自残行为（直接列为高风险）".into(),
        });
    }
    let tier = if overridden || score >= table.high_at {
        RiskTier::High
    } else if score >= table.medium_at {
        RiskTier::Medium
    } else {
        RiskTier::Low
    };
    RiskAssessment { tier, score, overridden, breakdown: lines }
}

#[cfg(test)]
mod display_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn tier_display_is_checked() {
        let d = TierDisplay::default();
        assert_eq!((d.label(RiskTier::Medium, "zh"), d.colour(RiskTier::Low)), ("中风险", "#2e7d32"));
        let red_yellow_green = TierDisplay {
            labels_zh: ["红".into(), "黄".into(), " 绿 ".into()],
            colours: ["#FF0000".into(), "#ffcc00".into(), "#00aa00".into()],
            ..TierDisplay::default()
        };
        let ok = red_yellow_green.checked().unwrap();
        assert_eq!((ok.label(RiskTier::Low, "zh"), ok.colour(RiskTier::High)), ("绿", "#ff0000"));
        let bad = TierDisplay { colours: ["red".into(), "#ffcc00".into(), "#00aa00".into()], ..TierDisplay::default() };
        assert_eq!(bad.checked(), Err(DomainError::InvalidChoice { field: "tier_colour_0", input: "red".into() }));
        let css_injection =
            TierDisplay { colours: ["#fff;}".into(), "#ffcc00".into(), "#00aa00".into()], ..TierDisplay::default() };
        assert!(css_injection.checked().is_err());
        let empty = TierDisplay { labels_zh: ["".into(), "黄".into(), "绿".into()], ..TierDisplay::default() };
        assert_eq!(empty.checked(), Err(DomainError::Required { field: "tier_label_0" }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Employed, housed, supported, nothing recorded: 0 points.
    fn settled() -> RiskFactors {
        RiskFactors { employed: true, stable_housing: true, family_support: true, ..Default::default() }
    }

    #[test]
    fn breach_and_lost_add_points() {
        let t = FactorTable::default();
        // Settled (0) + serious breach 3 + lost 3 = 6: medium.
        let f = RiskFactors { serious_breach: true, lost: true, ..settled() };
        let a = assess(&f, &t);
        assert_eq!((a.tier, a.score), (RiskTier::Medium, 6));
        assert_eq!(a.breakdown.iter().map(|l| l.factor.as_str()).collect::<Vec<_>>(), ["breach", "lost"]);
        // A table saved before these factors existed reads them as 3.
        let old: FactorTable = serde_json::from_str(
            r#"{"opioid_points":3,"synthetic_points":2,"other_points":1,"addicted_points":1,"severely_addicted_points":3,"per_positive_test":3,"positive_tests_cap":6,"per_missed_duty":1,"missed_duties_cap":3,"per_detox_episode":1,"detox_episodes_cap":3,"last_use_180d":3,"last_use_1y":2,"last_use_2y":1,"unemployed_points":1,"no_housing_points":1,"no_family_support_points":1,"high_at":9,"medium_at":5}"#,
        )
        .unwrap();
        assert_eq!((old.breach_points, old.lost_points), (3, 3));
    }

    #[test]
    fn tier_boundaries_of_the_default_table() {
        let t = FactorTable::default();
        // 4 points: methamphetamine 2 + addicted 1 + unemployed 1 → low (medium starts at 5).
        let four = RiskFactors {
            substance: Some(Substance::Methamphetamine),
            finding: Some(AddictionFinding::Addicted),
            employed: false,
            ..settled()
        };
        assert_eq!((assess(&four, &t).score, assess(&four, &t).tier), (4, RiskTier::Low));
        // 5 points: + one missed duty → medium.
        let five = RiskFactors { missed_duties_90d: 1, ..four.clone() };
        assert_eq!((assess(&five, &t).score, assess(&five, &t).tier), (5, RiskTier::Medium));
        // 8 points: + 3 more missed duties (capped at 3 in all) and an episode → 4+3+1 = 8, medium.
        let eight = RiskFactors { missed_duties_90d: 4, detox_episodes: 1, ..four.clone() };
        assert_eq!((assess(&eight, &t).score, assess(&eight, &t).tier), (8, RiskTier::Medium));
        // 9 points: + a second episode → high.
        let nine = RiskFactors { detox_episodes: 2, ..eight };
        assert_eq!((assess(&nine, &t).score, assess(&nine, &t).tier), (9, RiskTier::High));
    }

    #[test]
    fn recent_use_and_positive_tests_weigh_most() {
        let t = FactorTable::default();
        // Heroin 3 + severely addicted 3 + 2 positives (6, capped at 6) + last use 20 days ago 3 = 15.
        let f = RiskFactors {
            substance: Some(Substance::Heroin),
            finding: Some(AddictionFinding::SeverelyAddicted),
            positive_tests_90d: 2,
            days_since_last_use: Some(20),
            ..settled()
        };
        let a = assess(&f, &t);
        assert_eq!((a.score, a.tier), (15, RiskTier::High));
        let lines: Vec<(&str, u32)> = a.breakdown.iter().map(|l| (l.factor.as_str(), l.points)).collect();
        assert_eq!(lines, vec![("substance", 3), ("finding", 3), ("positive_tests", 6), ("last_use", 3)]);
        // Last use 179 / 180 / 364 / 365 / 729 / 730 days ago: 3, 2, 2, 1, 1, 0 points.
        for (days, points) in [(179, 3), (180, 2), (364, 2), (365, 1), (729, 1), (730, 0)] {
            let a = assess(&RiskFactors { days_since_last_use: Some(days), ..settled() }, &t);
            assert_eq!(a.score, points, "{days} days");
        }
    }

    #[test]
    fn violence_overrides_the_score_and_says_so() {
        let a = assess(&RiskFactors { violent_or_self_harm: true, ..settled() }, &FactorTable::default());
        assert_eq!((a.score, a.tier, a.overridden), (0, RiskTier::High, true));
        assert!(a.breakdown[0].seen.contains("暴力"));
    }

    #[test]
    fn an_edited_table_changes_the_tier() {
        let f = RiskFactors { substance: Some(Substance::Ketamine), ..settled() };
        assert_eq!(assess(&f, &FactorTable::default()).tier, RiskTier::Low);
        let strict = FactorTable { medium_at: 2, ..FactorTable::default() };
        assert_eq!(assess(&f, &strict).tier, RiskTier::Medium);
        let json = serde_json::to_string(&strict).unwrap_or_default();
        assert_eq!(serde_json::from_str::<FactorTable>(&json).ok(), Some(strict));
    }
}
