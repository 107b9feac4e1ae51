//! 易制毒化学品 precursor chemicals: the pure rules of the work line (MODULES.md §1, issue #21).
//! No I/O, no clock (the day is an argument), no database.
//!
//! - [`catalogue`]: the versioned catalogue (易制毒化学品的分类和品种目录) as data
//!   (`data/precursors/*.csv`), its parser and the lookup of a name, alias, salt or CAS on a day.
//! - [`quantity`]: quantities as integer grams or millilitres, concentrations in basis points.
//! - [`credential`]: licences and filings (证照), validity, burn-down, renewal, what an activity needs.
//! - [`ledger`]: ledger movements (台账) and the monthly mass balance.
//! - [`filing`]: the seller's police filing deadline (P-07).
//! - [`matching`]: flow matching (流向闭环) of sales and purchases.
//! - [`checks`]: the automatic checks P-01…P-14 and the red flags, as findings.
//! - [`risk`]: an enterprise's risk tier, explained.
//! - [`inspection`]: inspections, their checklist and the day the next one is due.
//! - [`indicators`]: the precursor figures of the 驾驶舱 and of evaluation.
//! - [`problem`]: the refusals of this work line ([`crate::DomainError::Precursor`]).
//! - [`credit_code`]: 统一社会信用代码 (GB 32100-2015) with its check characters.
//! - [`enterprise`]: 易制毒化学品生产经营单位, the enterprise register's form and its checks.

pub mod catalogue;
pub mod checks;
pub mod credential;
pub mod credit_code;
pub mod enterprise;
pub mod filing;
pub mod indicators;
pub mod inspection;
pub mod ledger;
pub mod matching;
pub mod problem;
pub mod quantity;
pub mod risk;

pub use catalogue::{Catalogue, Category, Entry, NotControlled, Resolved};
pub use credit_code::UnifiedSocialCreditCode;
pub use enterprise::{EnterpriseRole, EnterpriseStatus};
pub use problem::Problem;
pub use quantity::{Concentration, Density, Measure, Quantity, Unit};
