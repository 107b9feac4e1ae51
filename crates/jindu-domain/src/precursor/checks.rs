//! The automatic checks of MODULES §1.8 as pure functions: each returns findings with the rule id,
//! the evidence (record ids), the source and the sentence as a catalogue message. Legal rules
//! (P-xx) cite their article; red flags (RF-xx) are heuristics with office settings (local
//! default, configurable), shown with their evidence and **never punishing**.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::days::{WorkCalendar, legal_deadline};
use crate::message::Message;

use super::catalogue::{Catalogue, Category};
use super::credential::{Activity, Credential, CredentialUse, Invalidity, burn_down, requirement};
use super::filing::{FilingState, filing_deadline, filing_state};
use super::matching::Flow;
use super::quantity::{Concentration, Measure};

crate::kinds::coded_enum!(
    /// 规则 the rule a finding comes from (MODULES §1.8).
    Rule {
        /// Not on the catalogue on the day [条例 附表 + amendments].
        P01 => ("P-01", "不在当日品种目录内", "Not on the catalogue that day"),
        /// Individual buyer of category 1 or 2 [条例 §16].
        P02 => ("P-02", "个人购买第一、二类", "Individual buying category 1 or 2"),
        /// No buyer's purchase licence / filing [条例 §14–§15, §17].
        P03 => ("P-03", "购买方无许可或备案证明", "Buyer without licence or filing"),
        /// Over the licensed quantity [条例 §40; 购销办法].
        P04 => ("P-04", "超出许可（备案）数量", "Over the licensed quantity"),
        /// Credential not valid that day [条例 §22; 许可办法].
        P05 => ("P-05", "证照当日无效", "Credential not valid that day"),
        /// Renewal reminder: a credential ends within 3 months [第三类经营备案指南, S].
        P06 => ("P-06", "证照即将到期", "Credential expiring soon"),
        /// Late police filing of a sale [条例 §19].
        P07 => ("P-07", "销售备案逾期", "Late sales filing"),
        /// Cash or barter [条例 §5].
        P09 => ("P-09", "现金或实物交易", "Cash or barter deal"),
        /// Transport across a 设区的市 boundary without permit or filing [条例 §20–§22].
        P10 => ("P-10", "跨设区的市运输无许可或备案", "Cross-city transport without permit"),
        /// Loss or theft reported late [条例 §34, unconfirmed].
        P13 => ("P-13", "丢失被盗报告迟延", "Loss reported late"),
        /// Category 2/3 production or trade filed more than 30 days after starting [条例 §13].
        P14 => ("P-14", "生产经营备案逾期", "Production or trade filed late"),
        /// Mass balance: book and counted stock differ by more than the office tolerance.
        Balance => ("BAL", "账实不符", "Book and stock differ"),
        /// 流向不明 on the seller's side: a sale the registered buyer did not record.
        FlowSale => ("FLOW-S", "流向不明（销售方）", "Flow unmatched (seller)"),
        /// 流向不明 on the buyer's side: a purchase the registered seller did not record.
        FlowPurchase => ("FLOW-P", "流向不明（购买方）", "Flow unmatched (buyer)"),
        /// Repeated purchases just under a threshold (structuring).
        RfUnderThreshold => ("RF-01", "多次略低于限量购买", "Repeated purchases just under a threshold"),
        /// Cash, barter or an uncommon payment that no rule forbids.
        RfPayment => ("RF-02", "现金或非常规付款", "Cash or uncommon payment"),
        /// New customer with a large order.
        RfNewCustomer => ("RF-03", "新客户大量订购", "New customer with a large order"),
    }
);

impl Rule {
    /// Whether the rule is a heuristic red flag (shown, never punishing).
    pub fn is_red_flag(self) -> bool {
        matches!(self, Rule::RfUnderThreshold | Rule::RfPayment | Rule::RfNewCustomer)
    }

    /// The rule's source as cited in every alert.
    pub fn source(self) -> &'static str {
        match self {
            Rule::P01 => "易制毒化学品管理条例 附表及历次增补",
            Rule::P02 => "易制毒化学品管理条例 §16",
            Rule::P03 => "易制毒化学品管理条例 §14–§15、§17；购销办法 §3",
            Rule::P04 => "易制毒化学品管理条例 §40（条号未核实）；购销办法",
            Rule::P05 => "易制毒化学品管理条例 §22；许可办法",
            Rule::P06 => {
                "第三类易制毒化学品经营备案指南（有效期最后3个月内重新备案）；本地设置适用于所有有截止日的证照"
            }
            Rule::P07 => "易制毒化学品管理条例 §19",
            Rule::P09 => "易制毒化学品管理条例 §5",
            Rule::P10 => "易制毒化学品管理条例 §20–§22、§24、§41",
            Rule::P13 => "易制毒化学品管理条例 §34（条号未核实）；报告时限为本地设置",
            Rule::P14 => "易制毒化学品管理条例 §13",
            Rule::Balance => "易制毒化学品管理条例 §19（台账）；容差为本地设置（第一类默认为0）",
            Rule::FlowSale | Rule::FlowPurchase => {
                "易制毒化学品管理条例 §19（销售台账）；数量容差与时间窗为本地设置（流向闭环）"
            }
            Rule::RfUnderThreshold => "本地设置（参照 DEA 21 CFR 1310 累计阈值、反洗钱拆分交易识别）",
            Rule::RfPayment => "本地设置（参照 DEA 21 CFR 1310.05 非常规付款）",
            Rule::RfNewCustomer => "本地设置（参照欧盟 273/2004：12个月内交付不足3次）",
        }
    }
}

/// A finding: the rule, the evidence and the sentence. `date` is the day of the fact found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Rule.
    pub rule: Rule,
    /// Ids of the records that show it (movements, credentials, stock-takes, incidents).
    pub evidence: Vec<String>,
    /// The rule's source ([`Rule::source`]).
    pub source: &'static str,
    /// The sentence.
    pub message: Message,
    /// Day of the fact.
    pub date: NaiveDate,
}

fn finding(rule: Rule, evidence: Vec<String>, date: NaiveDate, message: Message) -> Finding {
    Finding { rule, evidence, source: rule.source(), message, date }
}

crate::kinds::coded_enum!(
    /// 付款方式 (MODULES §1.7 Transaction).
    Payment {
        /// 转账.
        Transfer => ("transfer", "转账", "bank transfer"),
        /// 现金.
        Cash => ("cash", "现金", "cash"),
        /// 实物 (barter).
        Barter => ("barter", "实物", "barter"),
        /// 其他 (third-party payer, personal account).
        Other => ("other", "其他", "other"),
    }
);

/// The buyer of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Buyer {
    /// An enterprise, by id.
    Enterprise(String),
    /// A person, by a reference (never the ID number in clear).
    Individual(String),
}

/// A sale as the checks see it (MODULES §1.7 Transaction).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sale {
    /// Movement id.
    pub id: String,
    /// Seller enterprise id.
    pub seller: String,
    /// Buyer.
    pub buyer: Buyer,
    /// Entry id (resolved on `date`).
    pub entry: String,
    /// Category on `date`.
    pub category: Category,
    /// Entry is 药品类.
    pub pharma: bool,
    /// A single-ingredient pharmaceutical preparation (单方制剂), not the raw material.
    pub preparation: bool,
    /// Quantity, g or mL.
    pub quantity: i64,
    /// Measure of the quantity.
    pub measure: Measure,
    /// Day.
    pub date: NaiveDate,
    /// Payment.
    pub payment: Payment,
    /// The buyer's credential named on the sale (id), if any.
    pub buyer_credential: Option<String>,
    /// Day the seller filed the sale with the police.
    pub filed_on: Option<NaiveDate>,
    /// Concentration and product type, for mixture concessions.
    pub mixture: Option<(Concentration, String)>,
}

fn chemical(cat: &Catalogue, entry: &str, on: NaiveDate) -> (String, String) {
    cat.entry_on(entry, on)
        .or_else(|| cat.entries().iter().find(|e| e.id == entry))
        .map_or_else(|| (entry.to_string(), entry.to_string()), |e| (e.name_zh.clone(), e.name_en.clone()))
}

/// A quantity as people read it: `24.5 kg`, `500 g`, `2 L` (trailing zeros dropped).
pub fn display_quantity(amount: i64, measure: Measure) -> String {
    let (big, small) = match measure {
        Measure::Mass => ("kg", "g"),
        Measure::Volume => ("L", "mL"),
    };
    if amount.abs() < 1000 {
        return format!("{amount} {small}");
    }
    let whole = amount / 1000;
    let frac = (amount % 1000).abs();
    if frac == 0 {
        format!("{whole} {big}")
    } else {
        format!("{whole}.{} {big}", format!("{frac:03}").trim_end_matches('0'))
    }
}

/// P-01: `name` on a movement of `date` is not controlled on that day; `Ok` with the entry id
/// when it is [条例 附表 + amendments].
///
/// # Errors
/// The finding (the movement is outside the regime that day: the other checks do not apply).
pub fn p01_controlled(cat: &Catalogue, movement: &str, name: &str, date: NaiveDate) -> Result<String, Finding> {
    cat.resolve(name, date).map(|r| r.entry.id.clone()).map_err(|_| {
        finding(
            Rule::P01,
            vec![movement.to_string()],
            date,
            Message::new("msg.precursor.finding.p01").text("name", crate::message::shorten(name)).text("date", date),
        )
    })
}

/// P-02: an individual may not buy category 1 or 2 [条例 §16].
pub fn p02_individual_buyer(sale: &Sale, cat: &Catalogue) -> Option<Finding> {
    let individual = matches!(sale.buyer, Buyer::Individual(_));
    (individual && sale.category != Category::Three).then(|| {
        let (zh, en) = chemical(cat, &sale.entry, sale.date);
        finding(
            Rule::P02,
            vec![sale.id.clone()],
            sale.date,
            Message::new("msg.precursor.finding.p02").label("chemical", zh, en).label(
                "category",
                sale.category.label_zh(),
                sale.category.label_en(),
            ),
        )
    })
}

/// P-03: a sale to an enterprise needs the buyer's 购买许可证 (category 1) or 购买备案证明
/// (categories 2, 3) naming the chemical, issued on or before the sale day [条例 §14–§15, §17;
/// 购销办法 §3]; the credential named on the sale if one is, else any of the buyer's. A mixture
/// concession for buying (GBL ≤ 60 % / ≤ 20 %) lifts it. Individual buyers are left to P-02
/// (their small 高锰酸钾 purchases are exempt, §17, with no quantity in the text: not checked).
pub fn p03_buyer_credential(sale: &Sale, buyer_credentials: &[Credential], cat: &Catalogue) -> Option<Finding> {
    let Buyer::Enterprise(buyer) = &sale.buyer else { return None };
    let entry = cat.entry_on(&sale.entry, sale.date)?;
    if let Some((c, product)) = &sale.mixture
        && cat.mixture_exemption(&entry.id, *c, product, Activity::Buy, sale.date).is_some()
    {
        return None;
    }
    let req = requirement(Activity::Buy, entry, false)?;
    let fits = |c: &&Credential| {
        &c.holder == buyer && req.kinds.contains(&c.kind) && c.line(&sale.entry).is_some() && c.valid_from <= sale.date
    };
    let ok = match &sale.buyer_credential {
        Some(id) => buyer_credentials.iter().filter(|c| &c.id == id).any(|c| fits(&c)),
        None => buyer_credentials.iter().any(|c| fits(&c)),
    };
    let kind = req.kinds.first().copied()?;
    (!ok).then(|| {
        let mut evidence = vec![sale.id.clone()];
        evidence.extend(sale.buyer_credential.iter().cloned());
        finding(
            Rule::P03,
            evidence,
            sale.date,
            Message::new("msg.precursor.finding.p03")
                .label("chemical", entry.name_zh.clone(), entry.name_en.clone())
                .label("kind", kind.label_zh(), kind.label_en()),
        )
    })
}

/// P-04: the use that takes the total of a chemical over the credential's licensed quantity
/// ([`burn_down`]) [条例 §40, numbering unconfirmed; 购销办法].
pub fn p04_over_licence(credential: &Credential, uses: &[CredentialUse], cat: &Catalogue) -> Vec<Finding> {
    burn_down(credential, uses)
        .into_iter()
        .filter_map(|b| {
            let crossing = b.crossing?;
            let date = uses.iter().find(|u| u.movement == crossing).map_or(credential.valid_from, |u| u.date);
            let (zh, en) = chemical(cat, &b.entry, date);
            let measure = cat.entry_on(&b.entry, date).map_or(Measure::Mass, |e| e.measure);
            Some(finding(
                Rule::P04,
                vec![crossing, credential.id.clone()],
                date,
                Message::new("msg.precursor.finding.p04")
                    .text("number", &credential.number)
                    .label("chemical", zh, en)
                    .text("licensed", display_quantity(b.licensed, measure))
                    .text("used", display_quantity(b.used, measure)),
            ))
        })
        .collect()
}

/// P-05: `credential` used by `movement` on `date` is not valid that day: not yet valid, expired,
/// cancelled or revoked, or a one-trip permit already used (`first_use`) [条例 §22; 许可办法].
pub fn p05_credential_invalid(
    credential: &Credential,
    movement: &str,
    date: NaiveDate,
    first_use: Option<NaiveDate>,
) -> Option<Finding> {
    let why = credential.check_on(date, first_use).err()?;
    let m = match why {
        Invalidity::NotYetValid { valid_from } => {
            Message::new("msg.precursor.finding.p05_not_yet").text("from", valid_from)
        }
        Invalidity::Expired { valid_to } => Message::new("msg.precursor.finding.p05_expired").text("to", valid_to),
        Invalidity::Withdrawn { status, .. } => {
            Message::new("msg.precursor.finding.p05_withdrawn").label("status", status.label_zh(), status.label_en())
        }
        Invalidity::Used { on } => Message::new("msg.precursor.finding.p05_used").text("on", on),
    };
    let m = m.text("number", &credential.number).text("date", date);
    Some(finding(Rule::P05, vec![movement.to_string(), credential.id.clone()], date, m))
}

/// P-07: the seller's police filing of `sale` is late, or not made and past its last day, on
/// `today` ([`filing_deadline`]) [条例 §19; DOMAIN §11].
pub fn p07_filing(sale: &Sale, today: NaiveDate, cal: &WorkCalendar) -> Option<Finding> {
    let deadline = filing_deadline(sale.date, sale.category, cal);
    let m = match filing_state(sale.date, sale.category, sale.filed_on, today, cal) {
        FilingState::Late { filed_on, days_late } => {
            Message::new("msg.precursor.finding.p07_late").text("filed_on", filed_on).text("days", days_late)
        }
        FilingState::Overdue { days_over } => Message::new("msg.precursor.finding.p07_overdue").text("days", days_over),
        FilingState::OnTime { .. } | FilingState::Open { .. } => return None,
    };
    let m = m.text("sale_date", sale.date).text("deadline", deadline);
    Some(finding(Rule::P07, vec![sale.id.clone()], sale.date, m))
}

/// Whether cash or barter is allowed for `sale`: an individual's lawful purchase of category 3 or
/// of a category-1 pharmaceutical single-ingredient preparation [条例 §5].
fn cash_allowed(sale: &Sale) -> bool {
    matches!(sale.buyer, Buyer::Individual(_))
        && (sale.category == Category::Three || (sale.category == Category::One && sale.pharma && sale.preparation))
}

/// P-09: payment in cash or in kind, unless allowed (see the exception above) [条例 §5].
pub fn p09_payment(sale: &Sale) -> Option<Finding> {
    let cash = matches!(sale.payment, Payment::Cash | Payment::Barter);
    (cash && !cash_allowed(sale)).then(|| {
        finding(
            Rule::P09,
            vec![sale.id.clone()],
            sale.date,
            Message::new("msg.precursor.finding.p09").label(
                "payment",
                sale.payment.label_zh(),
                sale.payment.label_en(),
            ),
        )
    })
}

/// Whether a transport from division `from` to division `to` (12-digit codes) crosses a 设区的市
/// boundary [条例 §20]: the first 4 digits differ; for a 直辖市 (11, 12, 31, 50) the first 2
/// (the city boundary); for a county-level unit directly under a province (`xx90`) the first 6.
/// Also true when both lie in an MPS key area (`key_areas`: division-code prefixes, office
/// setting) and the county (first 6 digits) differs.
pub fn crosses_city(from: &str, to: &str, key_areas: &[String]) -> bool {
    let prefix = |code: &str| -> usize {
        match code.get(..2) {
            Some("11" | "12" | "31" | "50") => 2,
            _ if code.get(2..4) == Some("90") => 6,
            _ => 4,
        }
    };
    let n = prefix(from).max(prefix(to));
    if from.get(..n) != to.get(..n) {
        return true;
    }
    let in_key = |c: &str| key_areas.iter().any(|k| !k.is_empty() && c.starts_with(k.as_str()));
    in_key(from) && in_key(to) && from.get(..6) != to.get(..6)
}

/// A transport as the checks see it (MODULES §1.7 Transport).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transport {
    /// Record id.
    pub id: String,
    /// Shipper (货主) enterprise id: holder of the permit or filing.
    pub shipper: String,
    /// Entry id.
    pub entry: String,
    /// Origin division (12 digits).
    pub origin: String,
    /// Destination division (12 digits).
    pub destination: String,
    /// Day of departure.
    pub departed_on: NaiveDate,
    /// Credential id named on the transport, if any.
    pub credential: Option<String>,
    /// For a one-trip permit: the day of its first trip, if it was used before.
    pub first_use: Option<NaiveDate>,
}

/// P-10: a transport crossing a 设区的市 boundary ([`crosses_city`]) without a permit or filing of
/// the kind its category needs, held by the shipper, naming the chemical, issued on or before
/// departure and valid on that day [条例 §20–§22]. A filing dated after departure is a finding.
pub fn p10_transport(
    t: &Transport,
    credentials: &[Credential],
    cat: &Catalogue,
    key_areas: &[String],
) -> Option<Finding> {
    if !crosses_city(&t.origin, &t.destination, key_areas) {
        return None;
    }
    let entry = cat.entry_on(&t.entry, t.departed_on)?;
    let req = requirement(Activity::Transport, entry, true)?;
    let fits = |c: &Credential| {
        c.holder == t.shipper
            && req.kinds.contains(&c.kind)
            && c.line(&t.entry).is_some()
            && c.check_on(t.departed_on, t.first_use).is_ok()
    };
    let ok = match &t.credential {
        Some(id) => credentials.iter().any(|c| &c.id == id && fits(c)),
        None => credentials.iter().any(fits),
    };
    let kind = req.kinds.first().copied()?;
    (!ok).then(|| {
        let mut evidence = vec![t.id.clone()];
        evidence.extend(t.credential.iter().cloned());
        finding(
            Rule::P10,
            evidence,
            t.departed_on,
            Message::new("msg.precursor.finding.p10")
                .text("from", &t.origin)
                .text("to", &t.destination)
                .label("chemical", entry.name_zh.clone(), entry.name_en.clone())
                .label("kind", kind.label_zh(), kind.label_en()),
        )
    })
}

/// A loss, theft or robbery (丢失、被盗、被抢) as the checks see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Incident {
    /// Record id.
    pub id: String,
    /// When it was discovered.
    pub discovered_at: DateTime<Utc>,
    /// When the police were told, if they were.
    pub reported_at: Option<DateTime<Utc>>,
}

/// P-13: a loss reported to the police more than `tolerance_hours` after discovery, or not
/// reported and `now` is past that (the law says "immediately" [条例 §34, number unconfirmed];
/// the tolerance is an office setting, local default 24 h).
pub fn p13_loss_report(i: &Incident, now: DateTime<Utc>, tolerance_hours: i64) -> Option<Finding> {
    let limit = chrono::Duration::hours(tolerance_hours);
    let late = match i.reported_at {
        Some(r) => r - i.discovered_at > limit,
        None => now - i.discovered_at > limit,
    };
    let hours = (i.reported_at.unwrap_or(now) - i.discovered_at).num_hours();
    late.then(|| {
        let m = match i.reported_at {
            Some(_) => Message::new("msg.precursor.finding.p13_late"),
            None => Message::new("msg.precursor.finding.p13_unreported"),
        };
        let date = crate::clock::shanghai_date(i.discovered_at);
        finding(Rule::P13, vec![i.id.clone()], date, m.text("hours", hours).text("limit", tolerance_hours))
    })
}

/// A start of production or trade and its filing (for P-14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Start {
    /// Evidence id (the enterprise's activity record).
    pub id: String,
    /// Produce or trade.
    pub activity: Activity,
    /// Category.
    pub category: Category,
    /// First day of the activity.
    pub started_on: NaiveDate,
    /// Day of the filing (备案), if made; its credential id in `filing`.
    pub filed_on: Option<NaiveDate>,
    /// The filing's credential id.
    pub filing: Option<String>,
}

/// P-14: category 2/3 production or trade filed more than 30 days after it started (counted per
/// DOMAIN §11 with the rest-day extension), or not filed and `today` is past that [条例 §13].
pub fn p14_filing_after_start(s: &Start, today: NaiveDate, cal: &WorkCalendar) -> Option<Finding> {
    if s.category == Category::One || !matches!(s.activity, Activity::Produce | Activity::Trade) {
        return None;
    }
    let deadline = legal_deadline(s.started_on, 30, cal);
    let late = s.filed_on.map_or(today > deadline, |f| f > deadline);
    late.then(|| {
        let mut evidence = vec![s.id.clone()];
        evidence.extend(s.filing.iter().cloned());
        finding(
            Rule::P14,
            evidence,
            s.started_on,
            Message::new("msg.precursor.finding.p14")
                .label("activity", s.activity.label_zh(), s.activity.label_en())
                .text("started_on", s.started_on)
                .text("deadline", deadline),
        )
    })
}

/// Red-flag settings (local default, configurable; MODULES §1.8 heuristics).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RedFlagSettings {
    /// Per entry id: the threshold (g or mL) purchases stay just under (an office-set quantity
    /// or a licence limit).
    pub thresholds: BTreeMap<String, i64>,
    /// Band below the threshold, basis points of it (1000 = the 10 % just under it).
    pub band_bp: u32,
    /// Rolling window in days.
    pub window_days: u32,
    /// Purchases in the band inside one window that raise the flag.
    pub min_count: usize,
    /// A customer is new with fewer deliveries than this from the seller in the last 12 months
    /// (EU practice: 3).
    pub new_customer_deliveries: usize,
    /// A large order per category (g or mL): category 1, 2, 3.
    pub large_order: [i64; 3],
}

impl Default for RedFlagSettings {
    fn default() -> Self {
        RedFlagSettings {
            thresholds: BTreeMap::new(),
            band_bp: 1000,
            window_days: 30,
            min_count: 3,
            new_customer_deliveries: 3,
            large_order: [1_000, 50_000, 500_000],
        }
    }
}

/// RF-01: a buyer's purchases of one chemical in the band just under its threshold
/// (`threshold × (1 − band)` ≤ q < threshold), at least `min_count` of them within
/// `window_days` days (from the first to the last of them, `last − first < window_days`). One
/// finding per buyer × chemical, with every purchase that belongs to such a window.
pub fn rf_under_threshold(flows: &[Flow], settings: &RedFlagSettings) -> Vec<Finding> {
    let mut groups: BTreeMap<(&str, &str), Vec<&Flow>> = BTreeMap::new();
    for f in flows {
        let Some(&t) = settings.thresholds.get(&f.entry) else { continue };
        let low = t - i64::try_from(i128::from(t) * i128::from(settings.band_bp) / 10_000).unwrap_or(t);
        if f.quantity >= low && f.quantity < t {
            groups.entry((&f.buyer, &f.entry)).or_default().push(f);
        }
    }
    let mut out = Vec::new();
    let min = settings.min_count.max(1);
    for ((_, entry), mut fs) in groups {
        fs.sort_by(|a, b| (a.date, &a.id).cmp(&(b.date, &b.id)));
        let mut flagged = vec![false; fs.len()];
        let mut i = 0;
        for j in 0..fs.len() {
            while (fs[j].date - fs[i].date).num_days() >= i64::from(settings.window_days) {
                i += 1;
            }
            if j + 1 - i >= min {
                flagged[i..=j].iter_mut().for_each(|f| *f = true);
            }
        }
        let evidence: Vec<&Flow> = fs.iter().zip(&flagged).filter(|(_, f)| **f).map(|(f, _)| *f).collect();
        let (Some(first), Some(last)) = (evidence.first(), evidence.last()) else { continue };
        let threshold = settings.thresholds.get(entry).copied().unwrap_or(0);
        out.push(finding(
            Rule::RfUnderThreshold,
            evidence.iter().map(|f| f.id.clone()).collect(),
            last.date,
            Message::new("msg.precursor.finding.rf_under_threshold")
                .text("count", evidence.len())
                .text("from", first.date)
                .text("to", last.date)
                .text("threshold", display_quantity(threshold, Measure::Mass)),
        ));
    }
    out
}

/// RF-02: cash or barter that P-09 allows (an individual's category-3 purchase), or another
/// uncommon payment (third-party payer, personal account) (DEA 1310.05 "uncommon method of
/// payment").
pub fn rf_payment(sale: &Sale) -> Option<Finding> {
    let flag = match sale.payment {
        Payment::Cash | Payment::Barter => cash_allowed(sale),
        Payment::Other => true,
        Payment::Transfer => false,
    };
    flag.then(|| {
        finding(
            Rule::RfPayment,
            vec![sale.id.clone()],
            sale.date,
            Message::new("msg.precursor.finding.rf_payment").label(
                "payment",
                sale.payment.label_zh(),
                sale.payment.label_en(),
            ),
        )
    })
}

/// RF-03: a sale of at least the large-order quantity of its category to a buyer the seller
/// delivered to fewer than `new_customer_deliveries` times in the 12 months before the sale day
/// (`history`: the seller's earlier sales as flows; the EU multi-transaction condition).
pub fn rf_new_customer(sale: &Flow, history: &[Flow], settings: &RedFlagSettings) -> Option<Finding> {
    let idx = match sale.category {
        Category::One => 0,
        Category::Two => 1,
        Category::Three => 2,
    };
    if sale.quantity < settings.large_order[idx] {
        return None;
    }
    let from = sale.date.checked_sub_months(Months::new(12)).unwrap_or(NaiveDate::MIN);
    let deliveries = history
        .iter()
        .filter(|h| h.seller == sale.seller && h.buyer == sale.buyer && h.id != sale.id)
        .filter(|h| h.date >= from && h.date < sale.date)
        .count();
    (deliveries < settings.new_customer_deliveries).then(|| {
        finding(
            Rule::RfNewCustomer,
            vec![sale.id.clone()],
            sale.date,
            Message::new("msg.precursor.finding.rf_new_customer")
                .text("deliveries", deliveries)
                .text("quantity", display_quantity(sale.quantity, Measure::Mass)),
        )
    })
}

/// P-06: the renewal reminder of a credential, due from 3 months before its last day to that day
/// while it is recorded 有效 ([`Credential::renewal_due`]). The finding's day is the reminder's
/// first day [第三类经营备案指南, S; MODULES §1.3].
pub fn p06_renewal(credential: &Credential, today: NaiveDate) -> Option<Finding> {
    if !credential.renewal_due(today) {
        return None;
    }
    let (from, to) = (credential.renewal_reminder()?, credential.valid_to?);
    Some(finding(
        Rule::P06,
        vec![credential.id.clone()],
        from,
        Message::new("msg.precursor.finding.p06")
            .label("kind", credential.kind.label_zh(), credential.kind.label_en())
            .text("number", &credential.number)
            .text("to", to)
            .text("from", from),
    ))
}

/// The last day of a month.
fn month_end(year: i32, month: u32) -> NaiveDate {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(NaiveDate::MIN);
    first.checked_add_months(Months::new(1)).and_then(|d| d.pred_opt()).unwrap_or(first)
}

/// BAL: a monthly balance ([`super::ledger::monthly_balances`]) whose stock-take differs from the
/// book by more than the office tolerance (`flagged`). The finding's day is the month's last day;
/// the evidence the month's movements and the stock-take (MODULES §1.8 mass balance).
pub fn balance_findings(balances: &[super::ledger::Balance], cat: &Catalogue) -> Vec<Finding> {
    balances
        .iter()
        .filter(|b| b.flagged)
        .filter_map(|b| {
            let (gap, counted) = (b.gap?, b.counted?);
            let date = month_end(b.year, b.month);
            let (zh, en) = chemical(cat, &b.entry, date);
            let measure = cat.entries().iter().find(|e| e.id == b.entry).map_or(Measure::Mass, |e| e.measure);
            Some(finding(
                Rule::Balance,
                b.evidence.clone(),
                date,
                Message::new("msg.precursor.finding.balance")
                    .label("chemical", zh, en)
                    .text("month", format!("{:04}-{:02}", b.year, b.month))
                    .text("book", display_quantity(b.book_closing, measure))
                    .text("counted", display_quantity(counted, measure))
                    .text("gap", display_quantity(gap, measure)),
            ))
        })
        .collect()
}

/// FLOW-S and FLOW-P (流向不明): the sales and purchases that [`super::matching::match_flows`] left
/// unmatched, each a finding of its own side (the seller's sale, the buyer's purchase) with the
/// other side's name (`name_of`: enterprise id → name). Only flows between two registered
/// enterprises are matched at all: a counterparty not on the register is not a finding.
pub fn flow_findings(
    result: &super::matching::MatchResult,
    sales: &[Flow],
    purchases: &[Flow],
    cat: &Catalogue,
    name_of: &dyn Fn(&str) -> String,
) -> Vec<Finding> {
    let by_id =
        |fs: &[Flow]| -> HashMap<String, usize> { fs.iter().enumerate().map(|(i, f)| (f.id.clone(), i)).collect() };
    let (si, pi) = (by_id(sales), by_id(purchases));
    let mut out = Vec::new();
    let mut one = |f: &Flow, rule: Rule, code: &'static str, other: &str| {
        let (zh, en) = chemical(cat, &f.entry, f.date);
        let measure = cat.entries().iter().find(|e| e.id == f.entry).map_or(Measure::Mass, |e| e.measure);
        out.push(finding(
            rule,
            vec![f.id.clone()],
            f.date,
            Message::new(code)
                .text("date", f.date)
                .text("other", name_of(other))
                .label("chemical", zh, en)
                .text("quantity", display_quantity(f.quantity, measure)),
        ));
    };
    for id in &result.unmatched_sales {
        if let Some(f) = si.get(id).and_then(|i| sales.get(*i)) {
            one(f, Rule::FlowSale, "msg.precursor.finding.flow_sale", &f.buyer);
        }
    }
    for id in &result.unmatched_purchases {
        if let Some(f) = pi.get(id).and_then(|i| purchases.get(*i)) {
            one(f, Rule::FlowPurchase, "msg.precursor.finding.flow_purchase", &f.seller);
        }
    }
    out
}

/// The sentence codes of the findings, to read a stored finding's sentence back
/// ([`StoredMessage::message`]).
const FINDING_CODES: &[&str] = &[
    "msg.precursor.finding.p01",
    "msg.precursor.finding.p02",
    "msg.precursor.finding.p03",
    "msg.precursor.finding.p04",
    "msg.precursor.finding.p05_not_yet",
    "msg.precursor.finding.p05_expired",
    "msg.precursor.finding.p05_withdrawn",
    "msg.precursor.finding.p05_used",
    "msg.precursor.finding.p06",
    "msg.precursor.finding.p07_late",
    "msg.precursor.finding.p07_overdue",
    "msg.precursor.finding.p09",
    "msg.precursor.finding.p10",
    "msg.precursor.finding.p13_late",
    "msg.precursor.finding.p13_unreported",
    "msg.precursor.finding.p14",
    "msg.precursor.finding.balance",
    "msg.precursor.finding.flow_sale",
    "msg.precursor.finding.flow_purchase",
    "msg.precursor.finding.rf_under_threshold",
    "msg.precursor.finding.rf_payment",
    "msg.precursor.finding.rf_new_customer",
];

/// The parameter names the findings' sentences use.
const FINDING_ARGS: &[&str] = &[
    "name",
    "date",
    "chemical",
    "category",
    "kind",
    "number",
    "licensed",
    "used",
    "from",
    "to",
    "status",
    "on",
    "filed_on",
    "days",
    "sale_date",
    "deadline",
    "payment",
    "hours",
    "limit",
    "activity",
    "started_on",
    "count",
    "threshold",
    "deliveries",
    "quantity",
    "month",
    "book",
    "counted",
    "gap",
    "other",
];

/// One parameter of a stored sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum StoredArg {
    /// Same in every language.
    Text(String),
    /// Chinese and English.
    Label {
        /// Chinese.
        zh: String,
        /// English.
        en: String,
    },
}

/// A finding's sentence as kept in the database (`precursor_finding.detail`): its code and its
/// parameters, read back into a [`Message`] for the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredMessage {
    /// Catalogue code.
    pub code: String,
    /// Parameters by name.
    pub args: Vec<(String, StoredArg)>,
}

impl StoredMessage {
    /// The stored form of `m` (nested messages are not used by findings and are dropped).
    pub fn of(m: &Message) -> StoredMessage {
        use crate::message::Arg;
        StoredMessage {
            code: m.code.to_string(),
            args: m
                .args
                .iter()
                .filter_map(|(n, a)| {
                    let v = match a {
                        Arg::Text(t) => StoredArg::Text(t.clone()),
                        Arg::Label { zh, en } => StoredArg::Label { zh: zh.to_string(), en: en.to_string() },
                        Arg::Message(_) => return None,
                    };
                    Some(((*n).to_string(), v))
                })
                .collect(),
        }
    }

    /// The sentence again; `None` when the code is not a finding's (a damaged record).
    pub fn message(&self) -> Option<Message> {
        let code = FINDING_CODES.iter().find(|c| **c == self.code)?;
        let mut m = Message::new(code);
        for (n, a) in &self.args {
            let Some(name) = FINDING_ARGS.iter().find(|x| **x == n.as_str()) else { continue };
            m = match a {
                StoredArg::Text(t) => m.text(name, t),
                StoredArg::Label { zh, en } => m.label(name, zh.clone(), en.clone()),
            };
        }
        Some(m)
    }
}

/// Counts of findings by rule, for the risk tier ([`super::risk`]).
pub fn count_by_rule(findings: &[Finding]) -> HashMap<Rule, u32> {
    let mut out = HashMap::new();
    for f in findings {
        *out.entry(f.rule).or_insert(0) += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::message::testing::{en, zh};
    use crate::precursor::credential::{CredentialKind, CredentialLine, CredentialStatus};
    use crate::test_days::d;

    fn cat() -> Catalogue {
        Catalogue::shipped().unwrap()
    }

    fn sale(entry: &str, category: Category, date: &str) -> Sale {
        Sale {
            id: "s1".into(),
            seller: "A".into(),
            buyer: Buyer::Enterprise("B".into()),
            entry: entry.into(),
            category,
            pharma: false,
            preparation: false,
            quantity: 50_000,
            measure: Measure::Mass,
            date: d(date),
            payment: Payment::Transfer,
            buyer_credential: None,
            filed_on: None,
            mixture: None,
        }
    }

    fn cred(id: &str, kind: CredentialKind, holder: &str, entry: &str, from: &str, to: &str) -> Credential {
        Credential {
            id: id.into(),
            number: format!("No.{id}"),
            kind,
            holder: holder.into(),
            valid_from: d(from),
            valid_to: Some(d(to)),
            status: CredentialStatus::Valid,
            status_since: None,
            lines: vec![CredentialLine { entry: entry.into(), licensed: Some(100_000) }],
        }
    }

    #[test]
    fn p01_p02_and_sentences() {
        let c = cat();
        assert_eq!(p01_controlled(&c, "m1", "4-哌啶酮", d("2026-01-05")), Ok("e38".into()));
        let f = p01_controlled(&c, "m1", "4-哌啶酮", d("2023-05-10")).unwrap_err();
        assert_eq!((f.rule.as_code(), f.evidence.clone()), ("P-01", vec!["m1".to_string()]));
        assert_eq!(zh(&f.message), "“4-哌啶酮”在2023-05-10不属于易制毒化学品品种目录。");
        let mut s = sale("e12", Category::One, "2026-03-02");
        s.buyer = Buyer::Individual("p-77".into());
        let f = p02_individual_buyer(&s, &c).unwrap();
        assert_eq!(f.source, "易制毒化学品管理条例 §16");
        assert_eq!(
            en(&f.message),
            "An individual may not buy ephedrine-type substances (incl. ephedra extract) (Category 1)."
        );
        s.entry = "e41".into();
        s.category = Category::Three;
        assert_eq!(p02_individual_buyer(&s, &c), None);
    }

    #[test]
    fn p03_needs_the_right_credential_before_the_sale() {
        let c = cat();
        let s = sale("e21", Category::Two, "2026-03-02");
        assert_eq!(p03_buyer_credential(&s, &[], &c).unwrap().rule, Rule::P03);
        let filing = cred("c1", CredentialKind::PurchaseFiling, "B", "e21", "2026-03-02", "2026-12-31");
        assert_eq!(p03_buyer_credential(&s, std::slice::from_ref(&filing), &c), None);
        // Dated after the sale, held by another, or for another chemical: not enough.
        let late = Credential { valid_from: d("2026-03-03"), ..filing.clone() };
        let other = Credential { holder: "C".into(), ..filing.clone() };
        let licence = Credential { kind: CredentialKind::PurchaseLicence, ..filing.clone() };
        for bad in [late, other, licence] {
            assert!(p03_buyer_credential(&s, &[bad], &c).is_some());
        }
        // Category 1 needs a 购买许可证.
        let s1 = sale("e12", Category::One, "2026-03-02");
        let lic = cred("c2", CredentialKind::PurchaseLicence, "B", "e12", "2026-01-01", "2026-12-31");
        assert_eq!(p03_buyer_credential(&s1, &[lic], &c), None);
        assert_eq!(
            zh(&p03_buyer_credential(&s1, &[filing], &c).unwrap().message),
            "购买方未持有列明麻黄素类物质、于销售当日或之前取得的购买许可证。"
        );
        // GBL at 55 % in a photoresist: no purchase filing needed from 2024-01-01.
        let mut g = sale("e47", Category::Three, "2026-03-02");
        g.mixture = Some((Concentration { basis_points: 5500 }, "光刻胶".into()));
        assert_eq!(p03_buyer_credential(&g, &[], &c), None);
        g.mixture = Some((Concentration { basis_points: 6500 }, "光刻胶".into()));
        assert!(p03_buyer_credential(&g, &[], &c).is_some());
    }

    #[test]
    fn p04_p05_on_credentials() {
        let c = cat();
        let lic = cred("c1", CredentialKind::PurchaseLicence, "B", "e21", "2026-01-01", "2026-06-30");
        let u = |id: &str, date: &str, q| CredentialUse {
            movement: id.into(),
            entry: "e21".into(),
            date: d(date),
            quantity: q,
        };
        let f = p04_over_licence(&lic, &[u("m1", "2026-02-01", 60_000), u("m2", "2026-03-01", 45_000)], &c);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].evidence.clone(), f[0].date), (vec!["m2".to_string(), "c1".to_string()], d("2026-03-01")));
        assert_eq!(zh(&f[0].message), "证照No.c1列明的醋酸酐许可数量为100 kg，累计已用105 kg，本笔超出。");
        // A credential used the day after it expired.
        let f = p05_credential_invalid(&lic, "m3", d("2026-07-01"), None).unwrap();
        assert_eq!(zh(&f.message), "证照No.c1已于2026-06-30到期，2026-07-01仍被使用。");
        assert_eq!(p05_credential_invalid(&lic, "m3", d("2026-06-30"), None), None);
    }

    #[test]
    fn p07_late_and_overdue() {
        let mut cal = WorkCalendar::new();
        for day in 1..=7 {
            cal.add_holiday(NaiveDate::from_ymd_opt(2026, 10, day).unwrap());
        }
        let mut s = sale("e12", Category::One, "2026-09-28");
        // Deadline 2026-10-08 (filing.rs). On 10-08 not yet overdue; on 10-09 overdue by 1 day.
        assert_eq!(p07_filing(&s, d("2026-10-08"), &cal), None);
        let f = p07_filing(&s, d("2026-10-09"), &cal).unwrap();
        assert_eq!(zh(&f.message), "2026-09-28的销售应于2026-10-08前向公安机关备案，至今未备案，已逾期1日。");
        s.filed_on = Some(d("2026-10-10"));
        let f = p07_filing(&s, d("2026-12-01"), &cal).unwrap();
        assert_eq!(
            en(&f.message),
            "The sale of 2026-09-28 was filed with the police on 2026-10-10, 2 day(s) after the last day 2026-10-08."
        );
    }

    #[test]
    fn p09_cash_unless_allowed_and_the_payment_red_flag() {
        let mut s = sale("e21", Category::Two, "2026-03-02");
        s.payment = Payment::Cash;
        assert_eq!(p09_payment(&s).map(|f| f.rule), Some(Rule::P09));
        assert_eq!(rf_payment(&s), None);
        // An individual buying category 3 for cash: allowed, shown as a red flag only.
        s.buyer = Buyer::Individual("p-1".into());
        s.category = Category::Three;
        assert_eq!(p09_payment(&s), None);
        assert_eq!(rf_payment(&s).map(|f| f.rule), Some(Rule::RfPayment));
        // A category-1 pharmaceutical preparation: allowed; the raw material is not.
        s.category = Category::One;
        s.pharma = true;
        s.preparation = true;
        assert_eq!(p09_payment(&s), None);
        s.preparation = false;
        assert!(p09_payment(&s).is_some());
        s.payment = Payment::Transfer;
        assert_eq!((p09_payment(&s), rf_payment(&s)), (None, None));
    }

    #[test]
    fn p10_city_boundaries() {
        // 衡阳 珠晖区 430405 → 衡阳 雁峰区 430406: same city. → 长沙 430102: crosses.
        assert!(!crosses_city("430405001000", "430406002000", &[]));
        assert!(crosses_city("430405001000", "430102001000", &[]));
        // 直辖市: 北京 东城 110101 → 北京 延庆 110119 does not cross; → 天津 crosses.
        assert!(!crosses_city("110101001000", "110119001000", &[]));
        assert!(crosses_city("110101001000", "120101001000", &[]));
        // Province-administered county-level cities (4190xx): 济源 419001 → 其他 419002 crosses.
        assert!(crosses_city("419001001000", "419002001000", &[]));
        // A key area (衡阳 4304): a county boundary is enough.
        assert!(crosses_city("430405001000", "430406002000", &["4304".to_string()]));
        let c = cat();
        let t = Transport {
            id: "t1".into(),
            shipper: "A".into(),
            entry: "e41".into(),
            origin: "430405001000".into(),
            destination: "430102001000".into(),
            departed_on: d("2026-03-02"),
            credential: None,
            first_use: None,
        };
        let f = p10_transport(&t, &[], &c, &[]).unwrap();
        assert_eq!(zh(&f.message), "丙酮自430405001000运往430102001000，跨设区的市，但无有效的运输备案证明。");
        let filing = cred("c9", CredentialKind::TransportFiling, "A", "e41", "2026-03-02", "2026-03-31");
        assert_eq!(p10_transport(&t, std::slice::from_ref(&filing), &c, &[]), None);
        // Filed the day after departure: a finding.
        let late = Credential { valid_from: d("2026-03-03"), ..filing };
        assert!(p10_transport(&t, &[late], &c, &[]).is_some());
        let local = Transport { destination: "430406002000".into(), ..t };
        assert_eq!(p10_transport(&local, &[], &c, &[]), None);
    }

    #[test]
    fn p13_and_p14() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        let i = Incident {
            id: "i1".into(),
            discovered_at: at("2026-03-02T08:00:00Z"),
            reported_at: Some(at("2026-03-03T08:00:00Z")),
        };
        // Exactly 24 h: in time; one minute more: late.
        assert_eq!(p13_loss_report(&i, at("2026-03-10T00:00:00Z"), 24), None);
        let late = Incident { reported_at: Some(at("2026-03-03T08:01:00Z")), ..i.clone() };
        assert_eq!(
            zh(&p13_loss_report(&late, at("2026-03-10T00:00:00Z"), 24).unwrap().message),
            "丢失、被盗、被抢发现后24小时才报告公安机关，超过本地规定的24小时。"
        );
        let none = Incident { reported_at: None, ..i };
        assert!(p13_loss_report(&none, at("2026-03-03T07:59:00Z"), 24).is_none());
        assert!(p13_loss_report(&none, at("2026-03-03T08:01:00Z"), 24).is_some());
        // P-14: started 2026-03-02, + 30 = 2026-04-01 (Wed); filed 04-02 → late.
        let s = Start {
            id: "x1".into(),
            activity: Activity::Trade,
            category: Category::Three,
            started_on: d("2026-03-02"),
            filed_on: Some(d("2026-04-01")),
            filing: Some("c1".into()),
        };
        let cal = WorkCalendar::new();
        assert_eq!(p14_filing_after_start(&s, d("2026-12-01"), &cal), None);
        let late = Start { filed_on: Some(d("2026-04-02")), ..s.clone() };
        assert_eq!(p14_filing_after_start(&late, d("2026-12-01"), &cal).unwrap().evidence, ["x1", "c1"]);
        let cat1 = Start { category: Category::One, ..late };
        assert_eq!(p14_filing_after_start(&cat1, d("2026-12-01"), &cal), None);
    }

    fn f(id: &str, buyer: &str, q: i64, date: &str) -> Flow {
        Flow {
            id: id.into(),
            seller: "A".into(),
            buyer: buyer.into(),
            entry: "e21".into(),
            category: Category::Two,
            quantity: q,
            date: d(date),
        }
    }

    #[test]
    fn red_flags_structuring_and_new_customers() {
        // Threshold 100 kg, band 10 %: 90 kg ≤ q < 100 kg counts. Window 30 days, 3 purchases.
        let set = RedFlagSettings {
            thresholds: BTreeMap::from([("e21".to_string(), 100_000)]),
            ..RedFlagSettings::default()
        };
        let flows = [
            f("a", "B", 95_000, "2026-03-01"),
            f("b", "B", 99_999, "2026-03-15"),
            f("c", "B", 100_000, "2026-03-20"), // at the threshold: not under it
            f("d", "B", 90_000, "2026-03-30"),  // 29 days after a: inside the window
            f("e", "B", 89_999, "2026-03-31"),  // below the band
            f("g", "C", 95_000, "2026-03-01"),
        ];
        let r = rf_under_threshold(&flows, &set);
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].evidence, ["a", "b", "d"]);
        assert_eq!(zh(&r[0].message), "2026-03-01至2026-03-30期间3次购买数量均略低于100 kg。");
        // d on 03-31 (30 days after a): a falls out of the window, only b and d remain → no flag.
        let later =
            [f("a", "B", 95_000, "2026-03-01"), f("b", "B", 99_999, "2026-03-15"), f("d", "B", 90_000, "2026-03-31")];
        assert!(rf_under_threshold(&later, &set).is_empty());
        // New customer: 60 kg of category 2 (large: 50 kg) after 2 deliveries in 12 months.
        let sale = f("s", "B", 60_000, "2026-03-01");
        let history = [f("h1", "B", 1, "2025-03-01"), f("h2", "B", 1, "2025-12-01"), f("h0", "B", 1, "2025-02-28")];
        let r = rf_new_customer(&sale, &history, &set).unwrap();
        assert_eq!(zh(&r.message), "该客户近12个月仅有2次交付记录，本次订购60 kg。");
        let regular = [history[0].clone(), history[1].clone(), f("h3", "B", 1, "2026-02-01")];
        assert_eq!(rf_new_customer(&sale, &regular, &set), None);
        assert_eq!(rf_new_customer(&f("s", "B", 49_999, "2026-03-01"), &history, &set), None);
        assert_eq!(count_by_rule(&r_vec(r)).get(&Rule::RfNewCustomer), Some(&1));
    }

    fn r_vec(f: Finding) -> Vec<Finding> {
        vec![f]
    }

    #[test]
    fn p06_from_three_months_before_the_end() {
        let c = cred("c1", CredentialKind::TradeFiling, "A", "e41", "2024-04-01", "2027-03-31");
        assert_eq!(c.renewal_reminder(), Some(d("2026-12-31")));
        assert_eq!(p06_renewal(&c, d("2026-12-30")), None);
        let f = p06_renewal(&c, d("2026-12-31")).unwrap();
        assert_eq!((f.rule.as_code(), f.date, f.evidence.clone()), ("P-06", d("2026-12-31"), vec!["c1".to_string()]));
        assert_eq!(zh(&f.message), "经营备案证明No.c1将于2027-03-31到期，自2026-12-31起应办理续期（重新备案）。");
        assert!(p06_renewal(&c, d("2027-03-31")).is_some());
        assert_eq!(p06_renewal(&c, d("2027-04-01")), None);
        let cancelled = Credential { status: CredentialStatus::Cancelled, ..c };
        assert_eq!(p06_renewal(&cancelled, d("2027-01-15")), None);
    }

    #[test]
    fn balance_gap_of_500_g_is_a_finding() {
        use crate::precursor::ledger::{BalanceTolerances, Movement, MovementKind, StockTake, monthly_balances};
        let mv = |id: &str, kind, q, date: &str| Movement {
            id: id.into(),
            enterprise: "A".into(),
            warehouse: "w1".into(),
            entry: "e12".into(),
            category: Category::One,
            kind,
            quantity: q,
            date: d(date),
            counterparty: None,
            reverses: None,
            concentration: None,
        };
        let ms = [
            mv("m1", MovementKind::Purchase, 120_000, "2026-10-03"),
            mv("m2", MovementKind::Sale, 95_000, "2026-10-20"),
        ];
        let take = StockTake {
            id: "s1".into(),
            warehouse: "w1".into(),
            entry: "e12".into(),
            date: d("2026-10-31"),
            counted: 24_500,
        };
        let b = monthly_balances(&ms, &[take], &HashMap::new(), &BalanceTolerances::default());
        let f = balance_findings(&b, &cat());
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].rule.as_code(), f[0].date), ("BAL", d("2026-10-31")));
        assert_eq!(f[0].evidence, ["m1", "m2", "s1"]);
        assert_eq!(zh(&f[0].message), "2026-10麻黄素类物质账面结存25 kg，盘点24.5 kg，账实相差500 g，超出容差。");
    }

    #[test]
    fn flows_unmatched_on_both_sides() {
        use crate::precursor::matching::{MatchSettings, match_flows};
        let sale = Flow { id: "s".into(), seller: "A".into(), buyer: "B".into(), ..f("s", "B", 50_000, "2026-03-02") };
        let p = |q| Flow { id: "p".into(), ..f("p", "B", q, "2026-03-03") };
        let set = MatchSettings::default();
        let names = |id: &str| format!("企业{id}");
        // 49.8 kg against 50 kg: 200 g off, 0.4 % ≤ 0.5 %: matched, nothing to find.
        let r = match_flows(std::slice::from_ref(&sale), &[p(49_800)], &set);
        assert!(flow_findings(&r, std::slice::from_ref(&sale), &[p(49_800)], &cat(), &names).is_empty());
        // 48 kg: 4 % off: FLOW-S on the sale and FLOW-P on the purchase.
        let r = match_flows(std::slice::from_ref(&sale), &[p(48_000)], &set);
        let fs = flow_findings(&r, std::slice::from_ref(&sale), &[p(48_000)], &cat(), &names);
        assert_eq!(
            fs.iter().map(|x| (x.rule.as_code(), x.evidence[0].as_str())).collect::<Vec<_>>(),
            [("FLOW-S", "s"), ("FLOW-P", "p")]
        );
        assert_eq!(
            zh(&fs[0].message),
            "2026-03-02销售给企业B的醋酸酐50 kg，对方台账中没有相符的购入记录（流向不明）。"
        );
        assert_eq!(
            zh(&fs[1].message),
            "2026-03-03自企业A购入的醋酸酐48 kg，对方台账中没有相符的销售记录（流向不明）。"
        );
        // Stored and read back: the same sentence.
        let back = StoredMessage::of(&fs[1].message).message().unwrap();
        assert_eq!(back, fs[1].message);
        assert_eq!(StoredMessage { code: "other".into(), args: vec![] }.message(), None);
    }

    #[test]
    fn quantities_as_people_read_them() {
        assert_eq!(display_quantity(24_500, Measure::Mass), "24.5 kg");
        assert_eq!(display_quantity(500, Measure::Mass), "500 g");
        assert_eq!(display_quantity(100_000, Measure::Mass), "100 kg");
        assert_eq!(display_quantity(1_005, Measure::Volume), "1.005 L");
        assert_eq!(display_quantity(-6_000, Measure::Mass), "-6 kg");
    }
}
