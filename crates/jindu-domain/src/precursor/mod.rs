//! 易制毒化学品 precursor chemicals (issue #21; MODULES §1): the rules of the module, pure.
//!
//! - [`credit_code`]: 统一社会信用代码 (GB 32100-2015) with its check characters.
//! - [`enterprise`]: 易制毒化学品生产经营单位, the enterprise register's form and its checks.

pub mod credit_code;
pub mod enterprise;

pub use credit_code::UnifiedSocialCreditCode;
pub use enterprise::{EnterpriseRole, EnterpriseStatus};
