//! 部署初始化 Setting up a deployment (`jindu init`): loading the divisions of its root from the
//! shipped list, recording the root, and entering the towns into the indicators. Apart from
//! `deployment` (what is stored, read by nearly every service, the audit log included) because it
//! writes through the unit of work and fills the indicator cells, which read the deployment.

use jindu_domain::DivisionCode;
use jindu_domain::message::Message;
use sea_orm::{ConnectionTrait, TransactionTrait};

use crate::divisions::{embedded_subtree, store_rows};
use crate::service::deployment::{ROOT_KEY, put_setting};
use crate::service::{ServiceError, ServiceResult};

/// Loads the divisions of `root` (its ancestors, itself and everything below it) from the
/// shipped list and records `root` as the deployment's root. Returns the number of divisions.
/// Running it again is harmless (rows are replaced). Errors: `Invalid` for an unknown code.
pub async fn init<C: ConnectionTrait + TransactionTrait>(db: &C, root: DivisionCode) -> ServiceResult<usize> {
    let rows = embedded_subtree(root).map_err(|e| {
        ServiceError::Invalid(vec![crate::service::FieldError::of(
            "division",
            Message::new("msg.division.unknown").text("prefix", root.prefix()),
        )])
        .with_log(e.to_string())
    })?;
    let now = jindu_domain::clock::Now::system();
    let txn = crate::service::UnitOfWork::begin_as(db, crate::service::unit_of_work::Who::cli(), now).await?;
    let n = store_rows(&txn, &rows).await?;
    put_setting(&txn, ROOT_KEY, &root.to_string()).await?;
    // The towns of the list enter the indicators (workstation coverage). A fresh deployment has
    // no persons, so the day the duties are counted to does not matter; today is right anyway.
    crate::service::indicators::rebuild(&txn, now.today, |_| {}).await?;
    txn.commit().await?;
    Ok(n)
}

impl ServiceError {
    fn with_log(self, detail: String) -> Self {
        tracing::debug!("{detail}");
        self
    }
}
