//! Schema migrations: one source for SQLite and PostgreSQL (sea-orm-migration).
//! Never edit a shipped migration; add a new one. On SQLite keep one ALTER per step.

use sea_orm_migration::prelude::*;

mod m0001_initial;
mod m0002_security;
mod m0003_second_factor;
mod m0004_casework;
mod m0005_transfer;
mod m0006_indicators;
mod m0007_evaluation;
mod m0008_responsibility;
mod m0009_member_unit;
mod m0010_workstation;
mod m0011_import;
mod m0012_person_part;
mod m0013_audit_lanes;
mod m0014_sign_in_throttle;
mod m0015_write_receipt;
mod m0016_import_job;
mod m0017_accounts;
mod m0018_audit_stamp;
mod m0019_receipt_digest;
mod m0020_precursor_enterprise;

/// All migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_initial::Migration),
            Box::new(m0002_security::Migration),
            Box::new(m0003_second_factor::Migration),
            Box::new(m0004_casework::Migration),
            Box::new(m0005_transfer::Migration),
            Box::new(m0006_indicators::Migration),
            Box::new(m0007_evaluation::Migration),
            Box::new(m0008_responsibility::Migration),
            Box::new(m0009_member_unit::Migration),
            Box::new(m0010_workstation::Migration),
            Box::new(m0011_import::Migration),
            Box::new(m0012_person_part::Migration),
            Box::new(m0013_audit_lanes::Migration),
            Box::new(m0014_sign_in_throttle::Migration),
            Box::new(m0015_write_receipt::Migration),
            Box::new(m0016_import_job::Migration),
            Box::new(m0017_accounts::Migration),
            Box::new(m0018_audit_stamp::Migration),
            Box::new(m0019_receipt_digest::Migration),
            Box::new(m0020_precursor_enterprise::Migration),
        ]
    }
}

/// An identifier from a string.
pub(crate) fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// Creates an index `name` on `table(cols…)`.
pub(crate) async fn index(
    m: &SchemaManager<'_>,
    table: &str,
    name: &str,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(a(table));
    for c in cols {
        idx.col(a(c));
    }
    if unique {
        idx.unique();
    }
    m.create_index(idx.to_owned()).await
}
