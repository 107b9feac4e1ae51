//! 密钥轮换 re-encryption after a key rotation (`jindu keys rotate`), in small batches so a
//! running server keeps working: each batch is one short write transaction.
//!
//! A value needs re-encryption when it is not sealed under the ring's algorithm and active
//! version, or is plaintext left from before encryption (which is sealed here for the first
//! time). Blind indexes are recomputed with the row.

use sea_orm::sea_query::{Expr, ExprTrait, Func, SimpleExpr};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
    TransactionTrait,
};

use crate::Vault;
use crate::entities::{alert_ack, app_user, attachment, event, leave_request, person, transfer, working_group_member};
use crate::service::audit::{Entry, Who};
use crate::service::{ServiceResult, UnitOfWork};

/// Values still to re-encrypt, per table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pending {
    /// Person rows with at least one sealed column not under the active key.
    pub persons: u64,
    /// Events whose note is not under the active key.
    pub events: u64,
    /// Accounts whose TOTP secret is not under the active key.
    pub users: u64,
    /// Case-work rows (leave requests, working-group members, alert notes, transfer reasons)
    /// not under it.
    pub casework: u64,
    /// Stored files (scans, evidence) not sealed under it, or kept unsealed from before files
    /// were sealed (issue #20 item 5).
    pub attachments: u64,
}

impl Pending {
    /// Total rows pending.
    pub fn total(&self) -> u64 {
        self.persons + self.events + self.users + self.casework + self.attachments
    }
}

/// `column` holds a value not sealed under the active key (NULL counts as current).
fn stale(vault: &Vault, column: impl sea_orm::sea_query::IntoColumnRef + Copy) -> SimpleExpr {
    let ring = vault.ring();
    let current = format!("j1:{}:{}:%", ring.algorithm().as_code(), ring.active_version());
    Expr::col(column).is_not_null().and(Expr::col(column).not_like(current))
}

fn person_stale(vault: &Vault) -> Condition {
    Condition::any()
        .add(stale(vault, person::Column::Name))
        .add(stale(vault, person::Column::IdNumber))
        .add(stale(vault, person::Column::Phone))
        .add(stale(vault, person::Column::Address))
        .add(stale(vault, person::Column::Note))
}

fn leave_stale(vault: &Vault) -> Condition {
    Condition::any()
        .add(stale(vault, leave_request::Column::Destination))
        .add(stale(vault, leave_request::Column::Reason))
        .add(stale(vault, leave_request::Column::DecisionNote))
}

fn transfer_stale(vault: &Vault) -> Condition {
    Condition::any().add(stale(vault, transfer::Column::Reason)).add(stale(vault, transfer::Column::RejectReason))
}

fn member_stale(vault: &Vault) -> Condition {
    Condition::any()
        .add(stale(vault, working_group_member::Column::Name))
        .add(stale(vault, working_group_member::Column::Phone))
}

/// Most stored files one batch re-seals (each may be several megabytes, held in memory twice
/// while it is rewritten), whatever the batch size of the other tables.
pub const ATTACHMENT_BATCH: u64 = 8;

/// `attachment.body` does not start with the header of a file sealed now
/// (`j1b:<alg>:<active version>:`): sealed under another key or algorithm, or never sealed.
/// `substr` on a BLOB (SQLite) or `bytea` (PostgreSQL) counts bytes on both.
fn attachment_stale(vault: &Vault) -> SimpleExpr {
    let header = vault.current_bytes_header();
    let len = i32::try_from(header.len()).unwrap_or(i32::MAX);
    Expr::expr(Func::cust("substr").arg(Expr::col(attachment::Column::Body)).arg(1).arg(len)).ne(header)
}

/// Counts what is left to re-encrypt under `vault`'s active key.
pub async fn pending<C: ConnectionTrait>(db: &C, vault: &Vault) -> ServiceResult<Pending> {
    Ok(Pending {
        persons: person::Entity::find().filter(person_stale(vault)).count(db).await?,
        events: event::Entity::find().filter(stale(vault, event::Column::Note)).count(db).await?,
        users: app_user::Entity::find().filter(stale(vault, app_user::Column::TotpSecret)).count(db).await?,
        casework: leave_request::Entity::find().filter(leave_stale(vault)).count(db).await?
            + working_group_member::Entity::find().filter(member_stale(vault)).count(db).await?
            + alert_ack::Entity::find().filter(stale(vault, alert_ack::Column::Note)).count(db).await?
            + transfer::Entity::find().filter(transfer_stale(vault)).count(db).await?,
        attachments: attachment::Entity::find().filter(attachment_stale(vault)).count(db).await?,
    })
}

/// Person rows still holding plaintext from before field encryption (made by an older
/// version); `jindu keys rotate` seals them.
pub async fn plaintext_persons<C: ConnectionTrait>(db: &C) -> ServiceResult<u64> {
    Ok(person::Entity::find()
        .filter(
            Condition::any().add(person::Column::Name.not_like("j1:%")).add(person::Column::IdNumber.not_like("j1:%")),
        )
        .count(db)
        .await?)
}

/// Opens a stored value, or takes it as it is when it was never sealed (plaintext from before
/// encryption).
fn open_or_legacy(vault: &Vault, table: &str, column: &str, row: &str, stored: &str) -> ServiceResult<String> {
    if stored.starts_with("j1:") { Ok(vault.open(table, column, row, stored)?) } else { Ok(stored.to_string()) }
}

fn reseal(vault: &Vault, table: &str, column: &str, row: &str, stored: Option<&str>) -> ServiceResult<Option<String>> {
    stored
        .map(|s| {
            let plain = open_or_legacy(vault, table, column, row, s)?;
            Ok(vault.seal(table, column, row, &plain)?)
        })
        .transpose()
}

/// Re-encrypts up to `batch` rows of each table in one unit of work of the command line, with
/// one audit record (`keys.reencrypt`, the number of rows) when it rewrote any; returns the
/// number of rows rewritten (0 when nothing is left).
pub async fn rotate_batch<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    vault: &Vault,
    batch: u64,
) -> ServiceResult<u64> {
    let txn = UnitOfWork::begin_as(db, Who::cli(), jindu_domain::clock::Now::system()).await?;
    let mut done = 0;
    for p in person::Entity::find().filter(person_stale(vault)).limit(batch).all(&txn).await? {
        let row = p.id.to_string();
        let name = open_or_legacy(vault, "person", "name", &row, &p.name)?;
        let id_number = open_or_legacy(vault, "person", "id_number", &row, &p.id_number)?;
        // Only sealed columns are written; `version` guards against an edit in between.
        let res = person::Entity::update_many()
            .set(person::ActiveModel {
                name: Set(vault.seal("person", "name", &row, &name)?),
                id_number: Set(vault.seal("person", "id_number", &row, &id_number)?),
                phone: Set(reseal(vault, "person", "phone", &row, p.phone.as_deref())?),
                address: Set(reseal(vault, "person", "address", &row, p.address.as_deref())?),
                note: Set(reseal(vault, "person", "note", &row, p.note.as_deref())?),
                name_bidx: Set(Some(vault.name_index(&name))),
                id_number_bidx: Set(Some(vault.id_number_index(&id_number))),
                ..Default::default()
            })
            .filter(person::Column::Id.eq(p.id))
            .filter(person::Column::Version.eq(p.version))
            .exec(&txn)
            .await?;
        done += res.rows_affected;
    }
    for e in event::Entity::find().filter(stale(vault, event::Column::Note)).limit(batch).all(&txn).await? {
        let note = reseal(vault, "event", "note", &e.id.to_string(), e.note.as_deref())?;
        event::Entity::update_many()
            .col_expr(event::Column::Note, Expr::value(note))
            .filter(event::Column::Id.eq(e.id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    for u in app_user::Entity::find().filter(stale(vault, app_user::Column::TotpSecret)).limit(batch).all(&txn).await? {
        let secret = reseal(vault, "app_user", "totp_secret", &u.id.to_string(), u.totp_secret.as_deref())?;
        app_user::Entity::update_many()
            .col_expr(app_user::Column::TotpSecret, Expr::value(secret))
            .filter(app_user::Column::Id.eq(u.id))
            .filter(app_user::Column::TotpSecret.eq(u.totp_secret))
            .exec(&txn)
            .await?;
        done += 1;
    }
    for l in leave_request::Entity::find().filter(leave_stale(vault)).limit(batch).all(&txn).await? {
        let row = l.id.to_string();
        leave_request::Entity::update_many()
            .col_expr(
                leave_request::Column::Destination,
                Expr::value(reseal(vault, "leave_request", "destination", &row, Some(&l.destination))?),
            )
            .col_expr(
                leave_request::Column::Reason,
                Expr::value(reseal(vault, "leave_request", "reason", &row, l.reason.as_deref())?),
            )
            .col_expr(
                leave_request::Column::DecisionNote,
                Expr::value(reseal(vault, "leave_request", "decision_note", &row, l.decision_note.as_deref())?),
            )
            .filter(leave_request::Column::Id.eq(l.id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    for m in working_group_member::Entity::find().filter(member_stale(vault)).limit(batch).all(&txn).await? {
        let row = m.id.to_string();
        working_group_member::Entity::update_many()
            .col_expr(
                working_group_member::Column::Name,
                Expr::value(reseal(vault, "working_group_member", "name", &row, Some(&m.name))?),
            )
            .col_expr(
                working_group_member::Column::Phone,
                Expr::value(reseal(vault, "working_group_member", "phone", &row, m.phone.as_deref())?),
            )
            .filter(working_group_member::Column::Id.eq(m.id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    for k in alert_ack::Entity::find().filter(stale(vault, alert_ack::Column::Note)).limit(batch).all(&txn).await? {
        let row = format!("{}:{}", k.alert_id, k.user_id);
        alert_ack::Entity::update_many()
            .col_expr(
                alert_ack::Column::Note,
                Expr::value(reseal(vault, "alert_ack", "note", &row, k.note.as_deref())?),
            )
            .filter(alert_ack::Column::AlertId.eq(k.alert_id))
            .filter(alert_ack::Column::UserId.eq(k.user_id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    for t in transfer::Entity::find().filter(transfer_stale(vault)).limit(batch).all(&txn).await? {
        let row = t.id.to_string();
        transfer::Entity::update_many()
            .col_expr(
                transfer::Column::Reason,
                Expr::value(reseal(vault, "transfer", "reason", &row, t.reason.as_deref())?),
            )
            .col_expr(
                transfer::Column::RejectReason,
                Expr::value(reseal(vault, "transfer", "reject_reason", &row, t.reject_reason.as_deref())?),
            )
            .filter(transfer::Column::Id.eq(t.id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    // Stored files: opened (or taken as stored when never sealed) and sealed under the active key.
    let files = attachment::Entity::find()
        .select_only()
        .column(attachment::Column::Id)
        .filter(attachment_stale(vault))
        .limit(Ord::min(batch, ATTACHMENT_BATCH))
        .into_tuple::<uuid::Uuid>()
        .all(&txn)
        .await?;
    for id in files {
        let Some(f) = attachment::Entity::find_by_id(id).one(&txn).await? else { continue };
        let row = id.to_string();
        let plain = vault.open_bytes("attachment", "body", &row, f.body)?;
        attachment::Entity::update_many()
            .col_expr(attachment::Column::Body, Expr::value(vault.seal_bytes("attachment", "body", &row, &plain)?))
            .filter(attachment::Column::Id.eq(id))
            .exec(&txn)
            .await?;
        done += 1;
    }
    if done > 0 {
        txn.audit(
            Entry::ok("keys.reencrypt", "database", "sealed_columns")
                .with_detail(format!("{done} rows re-encrypted under key version {}", vault.ring().active_version())),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(done)
}
