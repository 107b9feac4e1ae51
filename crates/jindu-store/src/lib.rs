//! Jindu persistence and services.
//!
//! - `entities`, `migration`: the schema (SeaORM), one source for SQLite and PostgreSQL.
//! - `db`: connecting and migrating; the only backend-specific code.
//! - `divisions`: the shipped national division list and loading a deployment's subtree.
//! - `service`: every read and write the web and CLI do, `(db, &Actor, now, input)`,
//!   with validation by `jindu_domain` and each write in one transaction.
//! - `seed`: the bulk loader the synthetic-data generators of `jindu-demo` write through.
//! - `sessions`: the rows of the web sessions (`web_session`), for the web's session store.

pub mod db;
pub mod divisions;
pub mod entities;
pub mod migration;
pub mod rekey;
pub mod seed;
pub mod service;
pub mod sessions;
pub mod sheet;
pub mod vault;

pub use sea_orm::DatabaseConnection;
pub use vault::Vault;
