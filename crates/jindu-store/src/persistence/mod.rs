//! 持久化 Persistence: how Jindu's records are kept, apart from what the work does with them
//! (`crate::service`, the application).
//!
//! - `entities`, `migration`: the schema (SeaORM), one source for SQLite and PostgreSQL; a
//!   migration is history and never changes once shipped.
//! - `db`: connecting (settings of every pooled connection) and migrating; creating and dropping
//!   the PostgreSQL databases of tests.
//! - `vault`: the sealed (encrypted) columns and their blind indexes, under the key ring of
//!   `jindu-crypto`; `rekey`: re-encrypting stored values under a new key.
//! - `backup`: consistent copies of a serving database and their restore, each checked.
//! - `sessions`: the rows of the web sessions (`web_session`), for the web's session store.
//! - `import_jobs`: the rows of the import jobs (`import_file`, `import_job`): the file a check
//!   read and its report, kept in the database rather than in the server's memory.
//!
//! Each is re-exported at the crate root (`jindu_store::entities`, `jindu_store::db`, …).

pub mod backup;
pub mod db;
pub mod entities;
pub mod import_jobs;
pub mod migration;
pub mod rekey;
pub mod sessions;
pub mod sql;
pub mod vault;
