//! 证照 licences (许可证) and filing certificates (备案证明) of precursor enterprises: kinds, status,
//! validity on a day (P-05), quantity burn-down (P-04), renewal reminders (P-06) and which
//! credential an activity of a category needs (MODULES §1.3, §1.7).

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use super::catalogue::{Category, Entry};

crate::kinds::coded_enum!(
    /// 活动 what an enterprise does with a precursor chemical (MODULES §1.3 rows).
    Activity {
        /// 生产.
        Produce => ("produce", "生产", "produce"),
        /// 经营 (trade, sell).
        Trade => ("trade", "经营", "trade"),
        /// 购买.
        Buy => ("buy", "购买", "buy"),
        /// 运输 (only across a 设区的市 boundary, §20).
        Transport => ("transport", "运输", "transport"),
        /// 进口.
        Import => ("import", "进口", "import"),
        /// 出口.
        Export => ("export", "出口", "export"),
    }
);

crate::kinds::coded_enum!(
    /// 证照种类 kind of credential (MODULES §1.7).
    CredentialKind {
        /// 生产许可证 (category 1) [条例 §8].
        ProductionLicence => ("production_licence", "生产许可证", "Production licence"),
        /// 经营许可证 (category 1) [条例 §10].
        TradeLicence => ("trade_licence", "经营许可证", "Trade licence"),
        /// 生产备案证明 (categories 2, 3) [条例 §13].
        ProductionFiling => ("production_filing", "生产备案证明", "Production filing"),
        /// 经营备案证明 (categories 2, 3) [条例 §13].
        TradeFiling => ("trade_filing", "经营备案证明", "Trade filing"),
        /// 购买许可证 (category 1) [条例 §15].
        PurchaseLicence => ("purchase_licence", "购买许可证", "Purchase licence"),
        /// 购买备案证明 (categories 2, 3) [条例 §17].
        PurchaseFiling => ("purchase_filing", "购买备案证明", "Purchase filing"),
        /// 运输许可证, one trip (category 1) [条例 §20–§22].
        TransportOneTrip => ("transport_one_trip", "运输许可证（一次有效）", "Transport permit (one trip)"),
        /// 运输许可证, 3 months (category 2) [条例 §22].
        TransportThreeMonths => ("transport_3_months", "运输许可证（3个月有效）", "Transport permit (3 months)"),
        /// 运输许可证, 12 months (category 2, after 6 months of safe transport) [条例 §22].
        TransportTwelveMonths => ("transport_12_months", "运输许可证（12个月有效）", "Transport permit (12 months)"),
        /// 运输备案证明 (category 3) [条例 §20].
        TransportFiling => ("transport_filing", "运输备案证明", "Transport filing"),
        /// 进口许可证 (商务部).
        ImportLicence => ("import_licence", "进口许可证", "Import licence"),
        /// 出口许可证 (商务部).
        ExportLicence => ("export_licence", "出口许可证", "Export licence"),
    }
);

impl CredentialKind {
    /// Whether the kind is good for one trip only (一次有效, 条例 §22).
    pub fn single_use(self) -> bool {
        matches!(self, CredentialKind::TransportOneTrip)
    }
}

crate::kinds::coded_enum!(
    /// 证照状态 as recorded (MODULES §1.7). Expiry is also computed from `valid_to`.
    CredentialStatus {
        /// 有效.
        Valid => ("valid", "有效", "Valid"),
        /// 已使用 (a one-trip permit after its trip).
        Used => ("used", "已使用", "Used"),
        /// 过期.
        Expired => ("expired", "过期", "Expired"),
        /// 注销.
        Cancelled => ("cancelled", "注销", "Cancelled"),
        /// 吊销.
        Revoked => ("revoked", "吊销", "Revoked"),
    }
);

/// A chemical a credential covers, with the quantity it allows (`None`: no quantity stated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CredentialLine {
    /// Catalogue entry id.
    pub entry: String,
    /// Licensed or filed quantity in the entry's measure (g or mL).
    pub licensed: Option<i64>,
}

/// A credential (证照).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    /// Record id.
    pub id: String,
    /// 证号.
    pub number: String,
    /// Kind.
    pub kind: CredentialKind,
    /// Holder (enterprise id).
    pub holder: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day (inclusive), `None` without end.
    pub valid_to: Option<NaiveDate>,
    /// Status as recorded.
    pub status: CredentialStatus,
    /// For `Cancelled`, `Revoked`, `Used`: from which day (the status applies from that day on).
    pub status_since: Option<NaiveDate>,
    /// The chemicals and quantities.
    pub lines: Vec<CredentialLine>,
}

/// Why a credential is not good on a day (P-05).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidity {
    /// Before `valid_from`.
    NotYetValid {
        /// First valid day.
        valid_from: NaiveDate,
    },
    /// After `valid_to`.
    Expired {
        /// Last valid day.
        valid_to: NaiveDate,
    },
    /// 注销 or 吊销 from `since` (or with no day recorded).
    Withdrawn {
        /// The status.
        status: CredentialStatus,
        /// From.
        since: Option<NaiveDate>,
    },
    /// A one-trip permit whose trip was made on `on` (before the day asked about).
    Used {
        /// The day of the trip.
        on: NaiveDate,
    },
}

impl Credential {
    /// Whether the credential is good on `day` (P-05) [条例 §22; 许可办法]. `first_use`: the day of
    /// the first movement made under it (for single-use kinds); a second use on a later day — or a
    /// recorded `Used` status from an earlier day — makes it used. `Expired` as a recorded status
    /// counts from the day after `valid_to` or, without one, from `status_since`.
    ///
    /// # Errors
    /// The [`Invalidity`].
    pub fn check_on(&self, day: NaiveDate, first_use: Option<NaiveDate>) -> Result<(), Invalidity> {
        if day < self.valid_from {
            return Err(Invalidity::NotYetValid { valid_from: self.valid_from });
        }
        if let Some(to) = self.valid_to.filter(|to| day > *to) {
            return Err(Invalidity::Expired { valid_to: to });
        }
        let since_applies = self.status_since.is_none_or(|s| day >= s);
        match self.status {
            CredentialStatus::Cancelled | CredentialStatus::Revoked if since_applies => {
                return Err(Invalidity::Withdrawn { status: self.status, since: self.status_since });
            }
            CredentialStatus::Expired if since_applies => {
                return Err(Invalidity::Expired { valid_to: self.valid_to.or(self.status_since).unwrap_or(day) });
            }
            CredentialStatus::Used => {
                if let Some(s) = self.status_since.filter(|s| day > *s) {
                    return Err(Invalidity::Used { on: s });
                }
            }
            _ => {}
        }
        if self.kind.single_use()
            && let Some(u) = first_use.filter(|u| day > *u)
        {
            return Err(Invalidity::Used { on: u });
        }
        Ok(())
    }

    /// The line of the credential for `entry`.
    pub fn line(&self, entry: &str) -> Option<&CredentialLine> {
        self.lines.iter().find(|l| l.entry == entry)
    }

    /// The day to remind the holder to renew (P-06): `valid_to` − 3 months (clamped to the end of
    /// a shorter month: 2027-05-31 → 2027-02-28). `None` without `valid_to`. Source: 第三类经营备案
    /// 指南 (re-file in the last 3 months) [S, MODULES §1.3]; applied to every credential with an
    /// end (local default, configurable).
    pub fn renewal_reminder(&self) -> Option<NaiveDate> {
        self.valid_to.map(|to| to.checked_sub_months(Months::new(3)).unwrap_or(NaiveDate::MIN))
    }
}

impl Credential {
    /// Whether a renewal reminder is due on `today` (P-06): from [`Credential::renewal_reminder`]
    /// to `valid_to` inclusive, while the recorded status is 有效.
    pub fn renewal_due(&self, today: NaiveDate) -> bool {
        match (self.renewal_reminder(), self.valid_to) {
            (Some(from), Some(to)) => self.status == CredentialStatus::Valid && from <= today && today <= to,
            _ => false,
        }
    }
}

/// One use of a credential: a sale or transport against it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialUse {
    /// The movement's id (evidence).
    pub movement: String,
    /// Catalogue entry id.
    pub entry: String,
    /// Day.
    pub date: NaiveDate,
    /// Quantity (g or mL, the entry's measure).
    pub quantity: i64,
}

/// The burn-down of one chemical on a credential (P-04).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BurnDown {
    /// Entry id.
    pub entry: String,
    /// Licensed quantity.
    pub licensed: i64,
    /// Sum of the uses.
    pub used: i64,
    /// `licensed − used` (negative when exceeded).
    pub remaining: i64,
    /// The use that first took the total over the licensed quantity, if any.
    pub crossing: Option<String>,
}

/// The burn-down of every line of `credential` with a licensed quantity (P-04) [条例 §40 over-licence
/// item, numbering **unconfirmed**; 购销办法: sales beyond the certificate]. Uses are taken in
/// order of date, then movement id; the use that makes the running total exceed the licensed
/// quantity is `crossing`. Uses of chemicals the credential does not cover are left out (P-03
/// reports them).
pub fn burn_down(credential: &Credential, uses: &[CredentialUse]) -> Vec<BurnDown> {
    let mut sorted: Vec<&CredentialUse> = uses.iter().collect();
    sorted.sort_by(|a, b| (a.date, &a.movement).cmp(&(b.date, &b.movement)));
    credential
        .lines
        .iter()
        .filter_map(|l| l.licensed.map(|licensed| (l, licensed)))
        .map(|(l, licensed)| {
            let mut used = 0i64;
            let mut crossing = None;
            for u in sorted.iter().filter(|u| u.entry == l.entry) {
                used = used.saturating_add(u.quantity);
                if crossing.is_none() && used > licensed {
                    crossing = Some(u.movement.clone());
                }
            }
            BurnDown { entry: l.entry.clone(), licensed, used, remaining: licensed.saturating_sub(used), crossing }
        })
        .collect()
}

crate::kinds::coded_enum!(
    /// 发证（备案）机关 the authority that issues a credential or takes a filing (MODULES §1.3).
    Issuer {
        /// 省级药品监督管理部门 (药品类 category 1).
        ProvincialDrugAdmin => ("provincial_drug_admin", "省级药品监督管理部门", "Provincial drug administration"),
        /// 省级应急管理部门 (formerly 安监; non-pharmaceutical category 1 production and trade).
        ProvincialEmergency => ("provincial_emergency", "省级应急管理部门", "Provincial emergency management"),
        /// 设区的市级应急管理部门 (category 2/3 production filings, category 2 trade filings).
        CityEmergency => ("city_emergency", "设区的市级应急管理部门", "City emergency management"),
        /// 县级应急管理部门 (category 3 trade filings).
        CountyEmergency => ("county_emergency", "县级应急管理部门", "County emergency management"),
        /// 省级公安机关 (non-pharmaceutical category 1 purchase licences).
        ProvincialPolice => ("provincial_police", "省级公安机关", "Provincial police"),
        /// 设区的市级公安机关 of the place of departure (category 1 transport).
        CityPolice => ("city_police", "设区的市级公安机关", "City police"),
        /// 县级公安机关 (category 2/3 purchase filings; category 2/3 transport).
        CountyPolice => ("county_police", "县级公安机关", "County police"),
        /// 商务主管部门 (import and export; delegable to the provincial level).
        Commerce => ("commerce", "商务主管部门", "Commerce authority"),
    }
);

/// When the credential must exist relative to the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// Before the activity (licences; purchase and transport filings).
    Before,
    /// Within `days` days after starting (production and trade filings, 条例 §13).
    WithinDaysAfterStart {
        /// Days.
        days: u32,
    },
}

/// What an activity of a chemical needs (MODULES §1.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    /// Any of these kinds satisfies it.
    pub kinds: Vec<CredentialKind>,
    /// When.
    pub timing: Timing,
    /// Who issues it or takes the filing.
    pub issuer: Issuer,
    /// Days the authority has to decide (`Some(0)`: the same day), where MODULES gives them; the
    /// 许可办法 counts working days for 60/30 [S], the 条例 writes "日".
    pub decide_within_days: Option<u32>,
    /// The rule's source.
    pub source: &'static str,
}

/// The credential `activity` of `entry` needs (MODULES §1.3 table), `None` when none is needed:
/// transport that does not cross a 设区的市 boundary (`crosses_city` false; see
/// [`super::checks::crosses_city`]) [条例 §20].
///
/// | | cat 1 | cat 2 | cat 3 |
/// |---|---|---|---|
/// | produce | 生产许可 before [§8] | 生产备案 within 30 days [§13] | same |
/// | trade | 经营许可 before [§10] | 经营备案 within 30 days [§13] | same |
/// | buy | 购买许可 before [§15] | 购买备案 before [§17] | same |
/// | transport | 一次有效 permit [§20–§22] | 3- or 12-month permit [§22] | 运输备案 before [§20] |
/// | import / export | 商务部 licence | same | same |
pub fn requirement(activity: Activity, entry: &Entry, crosses_city: bool) -> Option<Requirement> {
    use CredentialKind as K;
    use Issuer as I;
    let cat1 = entry.category == Category::One;
    let pharma = cat1 && entry.pharma;
    let after30 = Timing::WithinDaysAfterStart { days: 30 };
    let (kinds, timing, issuer, days, source) = match activity {
        Activity::Produce if pharma => {
            (vec![K::ProductionLicence], Timing::Before, I::ProvincialDrugAdmin, Some(60), "易制毒化学品管理条例 §8")
        }
        Activity::Produce if cat1 => {
            (vec![K::ProductionLicence], Timing::Before, I::ProvincialEmergency, Some(60), "易制毒化学品管理条例 §8")
        }
        Activity::Produce => (vec![K::ProductionFiling], after30, I::CityEmergency, None, "易制毒化学品管理条例 §13"),
        // The level of the 药监 deciding pharmaceutical trade licences after 2018 is unconfirmed.
        Activity::Trade if pharma => {
            (vec![K::TradeLicence], Timing::Before, I::ProvincialDrugAdmin, None, "易制毒化学品管理条例 §10")
        }
        Activity::Trade if cat1 => {
            (vec![K::TradeLicence], Timing::Before, I::ProvincialEmergency, Some(30), "易制毒化学品管理条例 §10")
        }
        Activity::Trade if entry.category == Category::Two => {
            (vec![K::TradeFiling], after30, I::CityEmergency, None, "易制毒化学品管理条例 §13")
        }
        Activity::Trade => (vec![K::TradeFiling], after30, I::CountyEmergency, None, "易制毒化学品管理条例 §13"),
        Activity::Buy if pharma => {
            (vec![K::PurchaseLicence], Timing::Before, I::ProvincialDrugAdmin, Some(10), "易制毒化学品管理条例 §15")
        }
        Activity::Buy if cat1 => {
            (vec![K::PurchaseLicence], Timing::Before, I::ProvincialPolice, Some(10), "易制毒化学品管理条例 §15")
        }
        Activity::Buy => (vec![K::PurchaseFiling], Timing::Before, I::CountyPolice, None, "易制毒化学品管理条例 §17"),
        Activity::Transport if !crosses_city => return None,
        Activity::Transport => match entry.category {
            Category::One => {
                (vec![K::TransportOneTrip], Timing::Before, I::CityPolice, Some(10), "易制毒化学品管理条例 §20–§22")
            }
            Category::Two => (
                vec![K::TransportThreeMonths, K::TransportTwelveMonths],
                Timing::Before,
                I::CountyPolice,
                Some(3),
                "易制毒化学品管理条例 §20–§22",
            ),
            Category::Three => {
                (vec![K::TransportFiling], Timing::Before, I::CountyPolice, Some(0), "易制毒化学品管理条例 §20")
            }
        },
        Activity::Import => {
            (vec![K::ImportLicence], Timing::Before, I::Commerce, None, "禁毒法 §22 (商务部许可, MODULES §1.3)")
        }
        Activity::Export => {
            (vec![K::ExportLicence], Timing::Before, I::Commerce, None, "禁毒法 §22 (商务部许可, MODULES §1.3)")
        }
    };
    Some(Requirement { kinds, timing, issuer, decide_within_days: days, source })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::precursor::Catalogue;
    use crate::test_days::d;

    fn licence(kind: CredentialKind) -> Credential {
        Credential {
            id: "c1".into(),
            number: "(湘)3J43040020260001".into(),
            kind,
            holder: "ent-b".into(),
            valid_from: d("2026-01-01"),
            valid_to: Some(d("2026-12-31")),
            status: CredentialStatus::Valid,
            status_since: None,
            lines: vec![CredentialLine { entry: "e21".into(), licensed: Some(100_000) }],
        }
    }

    fn use_(id: &str, date: &str, q: i64) -> CredentialUse {
        CredentialUse { movement: id.into(), entry: "e21".into(), date: d(date), quantity: q }
    }

    #[test]
    fn validity_on_a_day() {
        let c = licence(CredentialKind::PurchaseLicence);
        assert_eq!(c.check_on(d("2025-12-31"), None), Err(Invalidity::NotYetValid { valid_from: d("2026-01-01") }));
        assert_eq!(c.check_on(d("2026-01-01"), None), Ok(()));
        assert_eq!(c.check_on(d("2026-12-31"), None), Ok(()));
        assert_eq!(c.check_on(d("2027-01-01"), None), Err(Invalidity::Expired { valid_to: d("2026-12-31") }));
        let revoked =
            Credential { status: CredentialStatus::Revoked, status_since: Some(d("2026-06-10")), ..c.clone() };
        assert_eq!(revoked.check_on(d("2026-06-09"), None), Ok(()));
        assert_eq!(
            revoked.check_on(d("2026-06-10"), None),
            Err(Invalidity::Withdrawn { status: CredentialStatus::Revoked, since: Some(d("2026-06-10")) })
        );
        // A one-trip permit: good on the day of its trip, used after it.
        let trip = licence(CredentialKind::TransportOneTrip);
        assert_eq!(trip.check_on(d("2026-03-02"), Some(d("2026-03-02"))), Ok(()));
        assert_eq!(
            trip.check_on(d("2026-03-03"), Some(d("2026-03-02"))),
            Err(Invalidity::Used { on: d("2026-03-02") })
        );
        // Multi-use kinds are not used up.
        assert_eq!(c.check_on(d("2026-03-03"), Some(d("2026-03-02"))), Ok(()));
    }

    #[test]
    fn burn_down_flags_the_crossing_movement() {
        // 100 kg licensed; 40 + 50 = 90 kg, then 15 kg → 105 kg: m3 crosses; m4 after it does not.
        let c = licence(CredentialKind::PurchaseLicence);
        let uses = [
            use_("m3", "2026-03-01", 15_000),
            use_("m1", "2026-01-10", 40_000),
            use_("m2", "2026-02-01", 50_000),
            use_("m4", "2026-04-01", 1_000),
        ];
        let b = burn_down(&c, &uses);
        assert_eq!(
            b,
            vec![BurnDown {
                entry: "e21".into(),
                licensed: 100_000,
                used: 106_000,
                remaining: -6_000,
                crossing: Some("m3".into())
            }]
        );
        // Exactly the licensed quantity does not cross.
        let b = burn_down(&c, &[use_("m1", "2026-01-10", 100_000)]);
        assert_eq!((b[0].remaining, b[0].crossing.clone()), (0, None));
    }

    #[test]
    fn renewal_three_months_before_expiry() {
        let c = licence(CredentialKind::TradeFiling);
        assert_eq!(c.renewal_reminder(), Some(d("2026-09-30")));
        let may = Credential { valid_to: Some(d("2027-05-31")), ..c.clone() };
        assert_eq!(may.renewal_reminder(), Some(d("2027-02-28")));
        // Due from 2026-09-30 to 2026-12-31, while valid.
        assert_eq!(
            (c.renewal_due(d("2026-09-29")), c.renewal_due(d("2026-09-30")), c.renewal_due(d("2026-12-31"))),
            (false, true, true)
        );
        assert!(!c.renewal_due(d("2027-01-01")));
        let cancelled = Credential { status: CredentialStatus::Cancelled, ..c.clone() };
        assert!(!cancelled.renewal_due(d("2026-10-15")));
        assert_eq!(Credential { valid_to: None, ..c }.renewal_reminder(), None);
    }

    #[test]
    fn what_each_activity_needs() {
        let cat = Catalogue::shipped().unwrap();
        let on = d("2026-01-05");
        let e = |name| cat.resolve(name, on).unwrap().entry;
        let kinds = |a, name, crosses| requirement(a, e(name), crosses).map(|r| r.kinds);
        use CredentialKind as K;
        assert_eq!(kinds(Activity::Buy, "麻黄素", false), Some(vec![K::PurchaseLicence]));
        assert_eq!(kinds(Activity::Buy, "醋酸酐", false), Some(vec![K::PurchaseFiling]));
        assert_eq!(kinds(Activity::Buy, "丙酮", false), Some(vec![K::PurchaseFiling]));
        assert_eq!(kinds(Activity::Transport, "丙酮", false), None);
        assert_eq!(kinds(Activity::Transport, "丙酮", true), Some(vec![K::TransportFiling]));
        assert_eq!(
            kinds(Activity::Transport, "醋酸酐", true),
            Some(vec![K::TransportThreeMonths, K::TransportTwelveMonths])
        );
        assert_eq!(kinds(Activity::Transport, "BMK", true), Some(vec![K::TransportOneTrip]));
        assert_eq!(kinds(Activity::Produce, "BMK", false), Some(vec![K::ProductionLicence]));
        let r = requirement(Activity::Trade, e("硫酸"), false).unwrap();
        assert_eq!((r.kinds, r.timing), (vec![K::TradeFiling], Timing::WithinDaysAfterStart { days: 30 }));
        assert_eq!(kinds(Activity::Export, "硫酸", false), Some(vec![K::ExportLicence]));
        // Who decides, and how fast (MODULES §1.3).
        let who = |a, name, crosses| requirement(a, e(name), crosses).map(|r| (r.issuer, r.decide_within_days));
        assert_eq!(who(Activity::Buy, "麻黄素", false), Some((Issuer::ProvincialDrugAdmin, Some(10))));
        assert_eq!(who(Activity::Buy, "BMK", false), Some((Issuer::ProvincialPolice, Some(10))));
        assert_eq!(who(Activity::Buy, "丙酮", false), Some((Issuer::CountyPolice, None)));
        assert_eq!(who(Activity::Produce, "BMK", false), Some((Issuer::ProvincialEmergency, Some(60))));
        assert_eq!(who(Activity::Trade, "醋酸酐", false), Some((Issuer::CityEmergency, None)));
        assert_eq!(who(Activity::Trade, "丙酮", false), Some((Issuer::CountyEmergency, None)));
        assert_eq!(who(Activity::Transport, "醋酸酐", true), Some((Issuer::CountyPolice, Some(3))));
        assert_eq!(who(Activity::Transport, "BMK", true), Some((Issuer::CityPolice, Some(10))));
        assert_eq!(who(Activity::Transport, "丙酮", true), Some((Issuer::CountyPolice, Some(0))));
    }
}
