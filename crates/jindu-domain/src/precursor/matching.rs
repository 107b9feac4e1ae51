//! 流向闭环 flow matching: each sale A→B should meet a purchase recorded by B from A (MODULES §1.8
//! reconciliation rules, §1.10 item 1; the MPS First Research Institute's complaint, §1.5). No
//! legal tolerance exists: the quantity tolerance and the window are office settings (local
//! default, configurable: 0.5 % and the 5/30-day filing windows of 条例 §19).
//!
//! **The rule.** A sale `s` and a purchase `p` are *compatible* when they name the same seller,
//! buyer and catalogue entry, `|p.date − s.date| ≤ window(s)` days (the setting, or by default
//! [`filing_days`] of the sale's category), and `|p.quantity − s.quantity| × 10000 ≤
//! s.quantity × tolerance_bp`. Sales are taken in order of (date, quantity, id); each takes, among
//! the compatible purchases not yet taken, the one first in order of (date, quantity, id). Every
//! purchase is used at most once. What is left is 流向不明: unmatched sales (the goods did not
//! arrive on the buyer's books) and unmatched purchases (goods on the buyer's books that no seller
//! reports).
//!
//! This greedy assignment is deterministic and explainable ("the earliest fitting purchase");
//! it is not a maximum matching in contrived cases, which the rule accepts for the sake of a
//! worklist a person can follow. [`match_flows`] runs in O(n log n) plus the purchases it skips
//! inside a window for being out of tolerance; [`match_flows_naive`] is the reference (O(n·m)),
//! equal by a property test.

use std::collections::{BTreeSet, HashMap};
use std::ops::Bound;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::days::add_days;

use super::catalogue::Category;
use super::filing::filing_days;

/// One side of a flow: a sale recorded by the seller or a purchase recorded by the buyer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    /// Ledger movement id (evidence).
    pub id: String,
    /// Seller enterprise id.
    pub seller: String,
    /// Buyer enterprise id.
    pub buyer: String,
    /// Catalogue entry id.
    pub entry: String,
    /// Category of the entry on the day (sets the default window).
    pub category: Category,
    /// Quantity, g or mL (> 0).
    pub quantity: i64,
    /// Day of the sale or of the receipt.
    pub date: NaiveDate,
}

/// Matching settings (office setting, local default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchSettings {
    /// Relative quantity tolerance in basis points of the sale's quantity (50 = 0.5 %).
    pub tolerance_bp: u32,
    /// Days either side of the sale; `None`: the filing window of the sale's category (5 or 30).
    pub window_days: Option<u32>,
}

impl Default for MatchSettings {
    fn default() -> Self {
        MatchSettings { tolerance_bp: 50, window_days: None }
    }
}

impl MatchSettings {
    fn window(&self, sale: &Flow) -> i64 {
        i64::from(self.window_days.unwrap_or_else(|| filing_days(sale.category)))
    }

    fn quantity_fits(&self, sale: &Flow, purchase: &Flow) -> bool {
        let diff = (i128::from(purchase.quantity) - i128::from(sale.quantity)).abs();
        diff * 10_000 <= i128::from(sale.quantity) * i128::from(self.tolerance_bp)
    }

    /// Whether `sale` and `purchase` are compatible under the rule (module docs).
    pub fn compatible(&self, sale: &Flow, purchase: &Flow) -> bool {
        sale.seller == purchase.seller
            && sale.buyer == purchase.buyer
            && sale.entry == purchase.entry
            && (purchase.date - sale.date).num_days().abs() <= self.window(sale)
            && self.quantity_fits(sale, purchase)
    }
}

/// The outcome: matched pairs and what is left on each side, by id. Pairs and unmatched sales are
/// in the order sales are taken (date, quantity, id); unmatched purchases in (date, quantity, id).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MatchResult {
    /// (sale id, purchase id).
    pub pairs: Vec<(String, String)>,
    /// 流向不明 on the seller's side.
    pub unmatched_sales: Vec<String>,
    /// 流向不明 on the buyer's side.
    pub unmatched_purchases: Vec<String>,
}

impl MatchResult {
    /// 流向闭环率 in basis points: matched sales / all sales (10000 when there are no sales).
    pub fn closure_bp(&self) -> u32 {
        let all = self.pairs.len() + self.unmatched_sales.len();
        if all == 0 {
            return 10_000;
        }
        u32::try_from(self.pairs.len() * 10_000 / all).unwrap_or(10_000)
    }
}

fn order(f: &Flow) -> (NaiveDate, i64, &str) {
    (f.date, f.quantity, f.id.as_str())
}

/// Matches `sales` against `purchases` by the rule of the module (sort and sweep per seller ×
/// buyer × entry, a B-tree of unused purchases per group).
pub fn match_flows(sales: &[Flow], purchases: &[Flow], settings: &MatchSettings) -> MatchResult {
    type Group<'a> = (Vec<usize>, BTreeSet<(NaiveDate, i64, &'a str, usize)>);
    let mut groups: HashMap<(&str, &str, &str), Group<'_>> = HashMap::new();
    for (i, s) in sales.iter().enumerate() {
        groups.entry((&s.seller, &s.buyer, &s.entry)).or_default().0.push(i);
    }
    for (i, p) in purchases.iter().enumerate() {
        if let Some(g) = groups.get_mut(&(p.seller.as_str(), p.buyer.as_str(), p.entry.as_str())) {
            g.1.insert((p.date, p.quantity, &p.id, i));
        }
    }
    let mut matched_sale: Vec<Option<usize>> = vec![None; sales.len()];
    let mut used = vec![false; purchases.len()];
    for (sale_ids, free) in groups.values_mut() {
        sale_ids.sort_by(|a, b| (order(&sales[*a]), *a).cmp(&(order(&sales[*b]), *b)));
        for &si in sale_ids.iter() {
            let s = &sales[si];
            let w = settings.window(s);
            let lo = (add_days(s.date, -w), i64::MIN, "", 0usize);
            let hi = (add_days(s.date, w + 1), i64::MIN, "", 0usize);
            let found = free
                .range((Bound::Included(lo), Bound::Excluded(hi)))
                .find(|(_, _, _, pi)| settings.quantity_fits(s, &purchases[*pi]))
                .copied();
            if let Some(k) = found {
                free.remove(&k);
                used[k.3] = true;
                matched_sale[si] = Some(k.3);
            }
        }
    }
    collect(sales, purchases, &matched_sale, &used)
}

/// The reference matcher: the same rule, checking every purchase for every sale (O(n·m)). For
/// tests and for the bench's comparison.
pub fn match_flows_naive(sales: &[Flow], purchases: &[Flow], settings: &MatchSettings) -> MatchResult {
    let mut sale_order: Vec<usize> = (0..sales.len()).collect();
    sale_order.sort_by(|a, b| (order(&sales[*a]), *a).cmp(&(order(&sales[*b]), *b)));
    let mut matched_sale: Vec<Option<usize>> = vec![None; sales.len()];
    let mut used = vec![false; purchases.len()];
    for si in sale_order {
        let s = &sales[si];
        let best = (0..purchases.len())
            .filter(|pi| !used[*pi] && settings.compatible(s, &purchases[*pi]))
            .min_by(|a, b| (order(&purchases[*a]), *a).cmp(&(order(&purchases[*b]), *b)));
        if let Some(pi) = best {
            used[pi] = true;
            matched_sale[si] = Some(pi);
        }
    }
    collect(sales, purchases, &matched_sale, &used)
}

fn collect(sales: &[Flow], purchases: &[Flow], matched_sale: &[Option<usize>], used: &[bool]) -> MatchResult {
    let mut sale_order: Vec<usize> = (0..sales.len()).collect();
    sale_order.sort_by(|a, b| (order(&sales[*a]), *a).cmp(&(order(&sales[*b]), *b)));
    let mut out = MatchResult::default();
    for si in sale_order {
        match matched_sale[si] {
            Some(pi) => out.pairs.push((sales[si].id.clone(), purchases[pi].id.clone())),
            None => out.unmatched_sales.push(sales[si].id.clone()),
        }
    }
    let mut left: Vec<usize> = (0..purchases.len()).filter(|pi| !used[*pi]).collect();
    left.sort_by(|a, b| (order(&purchases[*a]), *a).cmp(&(order(&purchases[*b]), *b)));
    out.unmatched_purchases = left.into_iter().map(|pi| purchases[pi].id.clone()).collect();
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_days::d;
    use proptest::prelude::*;

    fn flow(id: &str, seller: &str, buyer: &str, q: i64, date: &str) -> Flow {
        Flow {
            id: id.into(),
            seller: seller.into(),
            buyer: buyer.into(),
            entry: "e21".into(),
            category: Category::Two,
            quantity: q,
            date: d(date),
        }
    }

    #[test]
    fn the_issue_example() {
        // Issue #21: a sale of 50 kg; 0.5 % of 50 kg = 250 g. 49.8 kg (200 g off) matches; 48 kg
        // (2 kg off) does not.
        let s = [flow("s1", "A", "B", 50_000, "2026-10-09")];
        let r = match_flows(&s, &[flow("p1", "A", "B", 49_800, "2026-10-12")], &MatchSettings::default());
        assert_eq!(r.pairs, [("s1".to_string(), "p1".to_string())]);
        assert_eq!(r.closure_bp(), 10_000);
        let r = match_flows(&s, &[flow("p1", "A", "B", 48_000, "2026-10-12")], &MatchSettings::default());
        assert_eq!((r.unmatched_sales, r.unmatched_purchases), (vec!["s1".to_string()], vec!["p1".to_string()]));
        assert_eq!(r.pairs.len(), 0);
        // Exactly at the tolerance (50 250 g) matches, one gram more does not.
        let at = |q| match_flows(&s, &[flow("p", "A", "B", q, "2026-10-09")], &MatchSettings::default()).pairs.len();
        assert_eq!((at(50_250), at(50_251), at(49_750), at(49_749)), (1, 0, 1, 0));
    }

    #[test]
    fn window_parties_and_order() {
        let set = MatchSettings::default();
        // Category 2: 30 days either side. 2026-10-09 + 30 = 11-08 matches, 11-09 does not.
        let s = [flow("s1", "A", "B", 1_000, "2026-10-09")];
        let n = |p: Flow| match_flows(&s, &[p], &set).pairs.len();
        assert_eq!(n(flow("p", "A", "B", 1_000, "2026-11-08")), 1);
        assert_eq!(n(flow("p", "A", "B", 1_000, "2026-11-09")), 0);
        assert_eq!(n(flow("p", "A", "B", 1_000, "2026-09-09")), 1);
        // Category 1: 5 days.
        let s1 = [Flow { category: Category::One, ..s[0].clone() }];
        assert_eq!(match_flows(&s1, &[flow("p", "A", "B", 1_000, "2026-10-15")], &set).pairs.len(), 0);
        assert_eq!(match_flows(&s1, &[flow("p", "A", "B", 1_000, "2026-10-14")], &set).pairs.len(), 1);
        // Other seller, buyer or chemical: no match.
        assert_eq!(n(flow("p", "C", "B", 1_000, "2026-10-09")), 0);
        assert_eq!(n(flow("p", "A", "C", 1_000, "2026-10-09")), 0);
        assert_eq!(n(Flow { entry: "e20".into(), ..flow("p", "A", "B", 1_000, "2026-10-09") }), 0);
        // Two sales, two purchases: the earlier sale takes the earlier fitting purchase.
        let sales = [flow("s2", "A", "B", 1_000, "2026-10-10"), flow("s1", "A", "B", 1_000, "2026-10-09")];
        let purchases = [flow("p2", "A", "B", 1_000, "2026-10-12"), flow("p1", "A", "B", 1_000, "2026-10-11")];
        let r = match_flows(&sales, &purchases, &set);
        assert_eq!(r.pairs, [("s1".into(), "p1".into()), ("s2".into(), "p2".into())]);
    }

    fn arb_flow(prefix: &'static str) -> impl Strategy<Value = Flow> {
        (0..2usize, 0..3usize, 0..2usize, prop::bool::ANY, 0..6i64, 0..40i64, 0..1000u32).prop_map(
            move |(s, b, e, cat1, q, day, n)| Flow {
                id: format!("{prefix}{n}"),
                seller: ["A", "B"][s].into(),
                buyer: ["A", "B", "C"][b].into(),
                entry: ["e12", "e21"][e].into(),
                category: if cat1 { Category::One } else { Category::Two },
                quantity: 995 + q * 2,
                date: add_days(d("2026-09-20"), day),
            },
        )
    }

    proptest! {
        /// The fast matcher equals the reference on random small ledgers, for tolerances of 0 %,
        /// 0.5 % and 1 % and windows by category or fixed.
        #[test]
        fn fast_equals_naive(
            sales in prop::collection::vec(arb_flow("s"), 0..14),
            purchases in prop::collection::vec(arb_flow("p"), 0..14),
            tol in prop::sample::select(vec![0u32, 50, 100]),
            window in prop::sample::select(vec![None, Some(0u32), Some(3), Some(10)]),
        ) {
            let set = MatchSettings { tolerance_bp: tol, window_days: window };
            let fast = match_flows(&sales, &purchases, &set);
            let naive = match_flows_naive(&sales, &purchases, &set);
            prop_assert_eq!(&fast, &naive);
            prop_assert_eq!(fast.pairs.len() + fast.unmatched_sales.len(), sales.len());
            prop_assert_eq!(fast.pairs.len() + fast.unmatched_purchases.len(), purchases.len());
        }
    }
}
