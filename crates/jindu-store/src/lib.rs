//! Jindu persistence and services.
//!
//! - `persistence` (re-exported here as `entities`, `migration`, `db`, `vault`, `rekey`,
//!   `sessions`, `sql`): the schema, connecting and migrating, sealed and blind-indexed columns, key
//!   rotation, the web's session rows, and every statement written as SQL text or depending on the
//!   database (`sql`).
//! - `divisions`: the shipped national division list and loading a deployment's subtree.
//! - `service`: every read and write the web and CLI do, `(db, &Actor, now, input)`,
//!   with validation by `jindu_domain` and each write in one transaction.
//! - `seed`: the bulk loader the synthetic-data generators of `jindu-demo` write through.

pub mod divisions;
pub mod persistence;
pub mod seed;
pub mod service;
pub mod sheet;

pub use persistence::{backup, db, entities, import_jobs, migration, rekey, sessions, sql, vault};

pub use sea_orm::DatabaseConnection;
pub use vault::Vault;
