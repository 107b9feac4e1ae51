//! 台账 ledger movements per enterprise × warehouse × chemical (append-only; a correction is a
//! reversing entry, never an edit — MODULES §1.7 LedgerMovement) and the monthly mass balance
//! against stock-takes (MODULES §1.8 reconciliation rules: no legal tolerance exists; the
//! tolerance is an office setting, default 0 for category 1).

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

use super::catalogue::{Catalogue, Category};
use super::problem::Problem;
use super::quantity::{Concentration, Density, Quantity};

crate::kinds::coded_enum!(
    /// 出入库类型 kind of a ledger movement (MODULES §1.7).
    MovementKind {
        /// 购入 (in).
        Purchase => ("purchase", "购入", "Purchase"),
        /// 生产 (in).
        Production => ("production", "生产", "Production"),
        /// 退回 (in: goods returned by a buyer).
        Return => ("return", "退回", "Return"),
        /// 销售 (out).
        Sale => ("sale", "销售", "Sale"),
        /// 使用/消耗 (out).
        Use => ("use", "使用", "Use"),
        /// 丢失/被盗 (out, documented loss).
        Loss => ("loss", "丢失", "Loss"),
        /// 销毁 (out).
        Destruction => ("destruction", "销毁", "Destruction"),
    }
);

impl MovementKind {
    /// +1 for the kinds that bring stock in, −1 for those that take it out.
    pub fn sign(self) -> i64 {
        match self {
            MovementKind::Purchase | MovementKind::Production | MovementKind::Return => 1,
            MovementKind::Sale | MovementKind::Use | MovementKind::Loss | MovementKind::Destruction => -1,
        }
    }
}

/// A checked ledger movement. `quantity` is positive, in the entry's measure (g or mL); a
/// reversing entry has `reverses` set and the same kind and quantity as the movement it cancels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Movement {
    /// Record id.
    pub id: String,
    /// Enterprise id.
    pub enterprise: String,
    /// Warehouse id.
    pub warehouse: String,
    /// Catalogue entry id in force on `date`.
    pub entry: String,
    /// Category of the entry on `date`.
    pub category: Category,
    /// Kind.
    pub kind: MovementKind,
    /// Positive quantity, g or mL.
    pub quantity: i64,
    /// Day of the movement.
    pub date: NaiveDate,
    /// Counterparty (enterprise id or a person's reference), for sales and purchases.
    pub counterparty: Option<String>,
    /// The movement this entry reverses.
    pub reverses: Option<String>,
    /// 含量: the concentration, kept apart from the quantity (the quantity is of the product as
    /// weighed or measured), when stated.
    pub concentration: Option<Concentration>,
}

impl Movement {
    /// The signed effect on stock: + for in, − for out, the opposite for a reversing entry.
    pub fn effect(&self) -> i64 {
        let s = self.kind.sign() * self.quantity;
        if self.reverses.is_some() { -s } else { s }
    }
}

/// A movement as entered on a form or read from a sheet row: raw strings, checked by
/// [`check_movement`].
#[derive(Debug, Clone, Default)]
pub struct MovementInput<'a> {
    /// Record id given by the caller.
    pub id: &'a str,
    /// Enterprise id.
    pub enterprise: &'a str,
    /// Warehouse id.
    pub warehouse: &'a str,
    /// The chemical as written (name, alias, salt, CAS).
    pub chemical: &'a str,
    /// Kind code ([`MovementKind::as_code`]).
    pub kind: &'a str,
    /// Amount as written (`24.5`).
    pub amount: &'a str,
    /// Unit as written (`千克`).
    pub unit: &'a str,
    /// Density (mg/mL) when the unit's measure differs from the chemical's.
    pub density: Option<Density>,
    /// Day.
    pub date: Option<NaiveDate>,
    /// Counterparty.
    pub counterparty: Option<&'a str>,
    /// Id of the movement reversed.
    pub reverses: Option<&'a str>,
    /// Concentration as written (`36.5%`), empty when not stated.
    pub concentration: &'a str,
}

/// Checks a movement (MODULES §1.7; Issue #21 bad input): the day is given and not after `today`
/// ([`DomainError::DateInFuture`], field `date`); the kind is known (`kind`); the quantity is a
/// positive amount in a known unit, converted to the chemical's measure (`quantity`, `unit`,
/// `density`); the chemical is in the catalogue on that day (P-01, `chemical`). Every problem at
/// once.
///
/// # Errors
/// The problems, each naming its field.
pub fn check_movement(
    input: &MovementInput<'_>,
    catalogue: &Catalogue,
    today: NaiveDate,
) -> Result<Movement, Vec<DomainError>> {
    let mut errs = Vec::new();
    let date = match input.date {
        None => {
            errs.push(DomainError::Required { field: "date" });
            None
        }
        Some(d) if d > today => {
            errs.push(DomainError::DateInFuture { field: "date", date: d, today });
            None
        }
        Some(d) => Some(d),
    };
    let kind = MovementKind::from_code(input.kind);
    if kind.is_none() {
        errs.push(DomainError::InvalidChoice { field: "kind", input: input.kind.to_string() });
    }
    let quantity = Quantity::parse("quantity", input.amount, "unit", input.unit).map_err(|e| errs.push(e)).ok();
    let concentration = if input.concentration.trim().is_empty() {
        None
    } else {
        Concentration::parse("concentration", input.concentration).map_err(|e| errs.push(e)).ok()
    };
    let entry = match date {
        Some(d) if !input.chemical.trim().is_empty() => {
            catalogue.require("chemical", input.chemical, d).map(|r| r.entry).map_err(|e| errs.push(e)).ok()
        }
        _ if input.chemical.trim().is_empty() => {
            errs.push(DomainError::Required { field: "chemical" });
            None
        }
        _ => None,
    };
    let amount = match (quantity, entry) {
        (Some(q), Some(e)) => {
            q.to_measure(e.measure, input.density, "density").map(|q| q.amount).map_err(|e| errs.push(e)).ok()
        }
        _ => None,
    };
    match (date, kind, amount, entry) {
        (Some(date), Some(kind), Some(quantity), Some(e)) if errs.is_empty() => Ok(Movement {
            id: input.id.to_string(),
            enterprise: input.enterprise.to_string(),
            warehouse: input.warehouse.to_string(),
            entry: e.id.clone(),
            category: e.category,
            kind,
            quantity,
            date,
            counterparty: input.counterparty.map(str::to_string),
            reverses: input.reverses.map(str::to_string),
            concentration,
        }),
        _ => Err(errs),
    }
}

/// Checks that a reversing entry names a movement of `ledger` with the same enterprise,
/// warehouse, chemical, kind and quantity, not itself a reversal and not reversed before.
///
/// # Errors
/// [`Problem::Reversal`] naming `reverses`.
pub fn check_reversal(reversal: &Movement, ledger: &[Movement]) -> Result<(), DomainError> {
    let Some(target) = reversal.reverses.as_deref() else { return Ok(()) };
    let err = || DomainError::Precursor { field: "reverses", problem: Problem::Reversal { id: target.to_string() } };
    let original = ledger.iter().find(|m| m.id == target && m.reverses.is_none()).ok_or_else(err)?;
    let already = ledger.iter().any(|m| m.reverses.as_deref() == Some(target) && m.id != reversal.id);
    let same = original.enterprise == reversal.enterprise
        && original.warehouse == reversal.warehouse
        && original.entry == reversal.entry
        && original.kind == reversal.kind
        && original.quantity == reversal.quantity;
    if already || !same { Err(err()) } else { Ok(()) }
}

/// A stock-take (盘点): the counted quantity of a chemical in a warehouse at the end of `date`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockTake {
    /// Record id.
    pub id: String,
    /// Warehouse id.
    pub warehouse: String,
    /// Entry id.
    pub entry: String,
    /// Day counted.
    pub date: NaiveDate,
    /// Counted quantity, g or mL (≥ 0).
    pub counted: i64,
}

/// The tolerance of a balance gap for one category: a gap is flagged when
/// `|gap| > absolute + book_closing × basis_points / 10000` (rounded down). Office setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tolerance {
    /// g or mL.
    pub absolute: i64,
    /// Share of the book closing, 1/10000.
    pub basis_points: u32,
}

/// Balance tolerances per category (local default, configurable): 0 for category 1 (MODULES
/// §1.8 suggestion); 0.5 % for category 2 and 1 % for category 3 to absorb evaporation and
/// weighing error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BalanceTolerances {
    /// Category 1.
    pub cat1: Tolerance,
    /// Category 2.
    pub cat2: Tolerance,
    /// Category 3.
    pub cat3: Tolerance,
}

impl Default for BalanceTolerances {
    fn default() -> Self {
        BalanceTolerances {
            cat1: Tolerance { absolute: 0, basis_points: 0 },
            cat2: Tolerance { absolute: 0, basis_points: 50 },
            cat3: Tolerance { absolute: 0, basis_points: 100 },
        }
    }
}

impl BalanceTolerances {
    /// The tolerance of `category`.
    pub fn of(&self, category: Category) -> Tolerance {
        match category {
            Category::One => self.cat1,
            Category::Two => self.cat2,
            Category::Three => self.cat3,
        }
    }
}

/// One month's balance of a chemical in a warehouse (MODULES §1.8): opening + ins − outs = book
/// closing; `gap` = book closing − counted (positive: stock missing; negative: surplus).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    /// Warehouse id.
    pub warehouse: String,
    /// Entry id.
    pub entry: String,
    /// Category (of the month's movements).
    pub category: Category,
    /// Year and month (`2026`, `10`).
    pub year: i32,
    /// Month 1–12.
    pub month: u32,
    /// Opening stock: the previous month's count when there was one, else its book closing;
    /// for the first month, the opening given.
    pub opening: i64,
    /// Sum of in-movements (reversals netted).
    pub ins: i64,
    /// Sum of out-movements (reversals netted).
    pub outs: i64,
    /// opening + ins − outs.
    pub book_closing: i64,
    /// The last stock-take of the month, if any.
    pub counted: Option<i64>,
    /// book_closing − counted.
    pub gap: Option<i64>,
    /// |gap| above the tolerance.
    pub flagged: bool,
    /// Evidence: the movements and the stock-take of the month.
    pub evidence: Vec<String>,
}

/// The monthly balances per warehouse × chemical × month (MODULES §1.8) from `movements` and
/// `stock_takes`, each warehouse × chemical starting from `openings` (default 0) at its first
/// month with a movement or a count, months without either skipped but carried. Sorted by
/// warehouse, entry, month.
pub fn monthly_balances(
    movements: &[Movement],
    stock_takes: &[StockTake],
    openings: &HashMap<(String, String), i64>,
    tolerances: &BalanceTolerances,
) -> Vec<Balance> {
    type Key = (String, String, i32, u32);
    #[derive(Default)]
    struct Month {
        ins: i64,
        outs: i64,
        counted: Option<(NaiveDate, i64, String)>,
        category: Option<Category>,
        evidence: Vec<String>,
    }
    let mut months: BTreeMap<Key, Month> = BTreeMap::new();
    for m in movements {
        let k = (m.warehouse.clone(), m.entry.clone(), m.date.year(), m.date.month());
        let e = months.entry(k).or_default();
        let v = m.effect();
        if m.kind.sign() > 0 {
            e.ins += v;
        } else {
            e.outs -= v;
        }
        e.category = Some(m.category);
        e.evidence.push(m.id.clone());
    }
    for s in stock_takes {
        let k = (s.warehouse.clone(), s.entry.clone(), s.date.year(), s.date.month());
        let e = months.entry(k).or_default();
        if e.counted.as_ref().is_none_or(|(d, _, id)| (s.date, &s.id) > (*d, id)) {
            e.counted = Some((s.date, s.counted, s.id.clone()));
        }
    }
    let mut out = Vec::with_capacity(months.len());
    let mut prev: Option<(String, String, i64, Category)> = None;
    for ((warehouse, entry, year, month), m) in months {
        let carried = match &prev {
            Some((w, e, stock, cat)) if *w == warehouse && *e == entry => Some((*stock, *cat)),
            _ => None,
        };
        let opening =
            carried.map_or_else(|| openings.get(&(warehouse.clone(), entry.clone())).copied().unwrap_or(0), |c| c.0);
        let category = m.category.or(carried.map(|c| c.1)).unwrap_or(Category::One);
        let book_closing = opening + m.ins - m.outs;
        let counted = m.counted.as_ref().map(|c| c.1);
        let gap = counted.map(|c| book_closing - c);
        let t = tolerances.of(category);
        let allowed = t.absolute
            + i64::try_from(i128::from(book_closing.max(0)) * i128::from(t.basis_points) / 10_000).unwrap_or(i64::MAX);
        let flagged = gap.is_some_and(|g| g.abs() > allowed);
        let mut evidence = m.evidence;
        if let Some((_, _, id)) = &m.counted {
            evidence.push(id.clone());
        }
        prev = Some((warehouse.clone(), entry.clone(), counted.unwrap_or(book_closing), category));
        out.push(Balance {
            warehouse,
            entry,
            category,
            year,
            month,
            opening,
            ins: m.ins,
            outs: m.outs,
            book_closing,
            counted,
            gap,
            flagged,
            evidence,
        });
    }
    out
}

/// The ids of movements that are reversed by another movement of `ledger` (to show them struck
/// through); a reversed movement and its reversal net to zero in [`monthly_balances`].
pub fn reversed_ids(ledger: &[Movement]) -> HashSet<&str> {
    ledger.iter().filter_map(|m| m.reverses.as_deref()).collect()
}

/// Labels of the ledger forms' fields (Chinese, English); `None` for a field not of these
/// forms. Used by [`crate::error::field_label`] for the shared sentences (请填写…).
pub fn field_label(field: &str) -> Option<(&'static str, &'static str)> {
    Some(match field {
        "warehouse" => ("仓库", "Warehouse"),
        "document_no" => ("单据号", "Document number"),
        "counterparty_code" => ("往来单位统一社会信用代码", "Counterparty's credit code"),
        "counterparty_name" => ("往来单位或个人", "Counterparty"),
        "payment" => ("付款方式", "Payment"),
        "credential" => ("证号", "Credential number"),
        "filed_on" => ("备案日期", "Filed on"),
        "counted" => ("盘点数量", "Counted quantity"),
        "origin" => ("起运地", "Origin"),
        "destination" => ("目的地", "Destination"),
        "departed_on" => ("起运日期", "Departed on"),
        "carrier" => ("承运单位", "Carrier"),
        "vehicle" => ("车牌号", "Vehicle"),
        "incident_kind" => ("案事件类型", "Kind of incident"),
        "discovered_at" => ("发现时间", "Discovered at"),
        "reported_at" => ("报告公安时间", "Reported to the police at"),
        "description" => ("情况描述", "Description"),
        "material" => ("物料名称", "Material"),
        "entry" => ("目录品种", "Catalogue entry"),
        "movement" => ("台账记录", "Ledger entry"),
        _ => return None,
    })
}

crate::kinds::coded_enum!(
    /// 案事件类型 of an incident (条例 §34; P-13).
    IncidentKind {
        /// 丢失.
        Loss => ("loss", "丢失", "Loss"),
        /// 被盗.
        Theft => ("theft", "被盗", "Theft"),
        /// 被抢.
        Robbery => ("robbery", "被抢", "Robbery"),
        /// 可疑订单.
        SuspiciousOrder => ("suspicious_order", "可疑订单", "Suspicious order"),
    }
);

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::test_days::d;

    fn mv(id: &str, kind: MovementKind, q: i64, date: &str) -> Movement {
        Movement {
            id: id.into(),
            enterprise: "ent-a".into(),
            warehouse: "w1".into(),
            entry: "e12".into(),
            category: Category::One,
            kind,
            quantity: q,
            date: d(date),
            counterparty: None,
            reverses: None,
            concentration: None,
        }
    }

    fn take(id: &str, q: i64, date: &str) -> StockTake {
        StockTake { id: id.into(), warehouse: "w1".into(), entry: "e12".into(), date: d(date), counted: q }
    }

    #[test]
    fn the_issue_balance_gap() {
        // Issue #21: 120 kg in, 95 kg out, 24.5 kg counted → book 25 kg, gap 500 g, flagged at 0.
        let ms = [
            mv("m1", MovementKind::Purchase, 120_000, "2026-10-03"),
            mv("m2", MovementKind::Sale, 95_000, "2026-10-20"),
        ];
        let counted = crate::precursor::Quantity::parse("quantity", "24.5", "unit", "千克").unwrap().amount;
        let b =
            monthly_balances(&ms, &[take("s1", counted, "2026-10-31")], &HashMap::new(), &BalanceTolerances::default());
        assert_eq!(b.len(), 1);
        let b = &b[0];
        assert_eq!(
            (b.opening, b.ins, b.outs, b.book_closing, b.counted, b.gap),
            (0, 120_000, 95_000, 25_000, Some(24_500), Some(500))
        );
        assert!(b.flagged);
        assert_eq!(b.evidence, ["m1", "m2", "s1"]);
        // The same gap for category 3 (1 % of 25 kg = 250 g allowed) is still flagged; at 2 % (500 g) not.
        let cat3: Vec<Movement> = ms.iter().cloned().map(|m| Movement { category: Category::Three, ..m }).collect();
        let t = BalanceTolerances::default();
        assert!(monthly_balances(&cat3, &[take("s1", 24_500, "2026-10-31")], &HashMap::new(), &t)[0].flagged);
        let t = BalanceTolerances { cat3: Tolerance { absolute: 0, basis_points: 200 }, ..t };
        assert!(!monthly_balances(&cat3, &[take("s1", 24_500, "2026-10-31")], &HashMap::new(), &t)[0].flagged);
    }

    #[test]
    fn months_carry_and_reversals_net_out() {
        let mut wrong = mv("m3", MovementKind::Use, 7_000, "2026-11-05");
        wrong.id = "m3".into();
        let mut rev = mv("m4", MovementKind::Use, 7_000, "2026-11-06");
        rev.reverses = Some("m3".into());
        let ms = [
            mv("m1", MovementKind::Purchase, 120_000, "2026-10-03"),
            mv("m2", MovementKind::Sale, 95_000, "2026-10-20"),
            wrong,
            rev,
            mv("m5", MovementKind::Use, 4_500, "2026-11-10"),
        ];
        let openings = HashMap::from([(("w1".to_string(), "e12".to_string()), 1_000)]);
        let b = monthly_balances(
            &ms,
            &[take("s1", 25_500, "2026-10-31"), take("s2", 21_000, "2026-11-30")],
            &openings,
            &BalanceTolerances::default(),
        );
        // October: 1 000 + 120 000 − 95 000 = 26 000; counted 25 500 → gap 500.
        assert_eq!((b[0].book_closing, b[0].gap), (26_000, Some(500)));
        // November opens at October's count 25 500; use 7 000 reversed, 4 500 → 21 000; count 21 000.
        assert_eq!(
            (b[1].opening, b[1].outs, b[1].book_closing, b[1].gap, b[1].flagged),
            (25_500, 4_500, 21_000, Some(0), false)
        );
        assert_eq!(reversed_ids(&ms), HashSet::from(["m3"]));
        assert_eq!(check_reversal(&ms[3], &ms), Ok(()));
        let twice = Movement { id: "m6".into(), ..ms[3].clone() };
        assert_eq!(check_reversal(&twice, &ms).unwrap_err().code(), "precursor.ledger.reversal");
    }

    #[test]
    fn movements_are_checked_field_by_field() {
        let cat = Catalogue::shipped().unwrap();
        let today = d("2026-12-07");
        let ok = MovementInput {
            id: "m1",
            enterprise: "ent-a",
            warehouse: "w1",
            chemical: "醋酐",
            kind: "purchase",
            amount: "24.5",
            unit: "kg",
            date: Some(d("2026-12-01")),
            ..MovementInput::default()
        };
        let m = check_movement(&ok, &cat, today).unwrap();
        assert_eq!((m.entry.as_str(), m.category, m.quantity, m.concentration), ("e21", Category::Two, 24_500, None));
        let acid = MovementInput { chemical: "盐酸", concentration: "36.5%", ..ok.clone() };
        assert_eq!(
            check_movement(&acid, &cat, today).unwrap().concentration,
            Some(Concentration { basis_points: 3650 })
        );
        let bad_acid = MovementInput { concentration: "120%", ..acid };
        assert_eq!(check_movement(&bad_acid, &cat, today).unwrap_err()[0].code(), "precursor.concentration.invalid");
        let fields = |i: &MovementInput<'_>| {
            check_movement(i, &cat, today)
                .unwrap_err()
                .iter()
                .map(|e| (e.code(), e.field().unwrap_or("")))
                .collect::<Vec<_>>()
        };
        let future = MovementInput { date: Some(d("2026-12-08")), ..ok.clone() };
        assert_eq!(fields(&future), [("date.in_future", "date")]);
        let bad = MovementInput {
            amount: "-3",
            kind: "gift",
            chemical: "4-哌啶酮",
            date: Some(d("2023-05-10")),
            ..ok.clone()
        };
        assert_eq!(
            fields(&bad),
            [
                ("invalid_choice", "kind"),
                ("precursor.quantity.not_positive", "quantity"),
                ("precursor.chemical.not_yet", "chemical")
            ]
        );
        let litres = MovementInput { chemical: "高锰酸钾", amount: "2", unit: "L", ..ok.clone() };
        assert_eq!(fields(&litres), [("precursor.unit.needs_density", "density")]);
    }
}
