//! Schema migrations: one source for SQLite and PostgreSQL (sea-orm-migration).
//! Never edit a shipped migration; add a new one. On SQLite keep one ALTER per step.
//! A table is declared, not built: `create_table(m, "name", "id uuid pk, note text?, …")` (see
//! [`columns`]). m0001–m0019 were rewritten once from builder chains into declarations (issue
//! #19); the schema snapshots of `jindu-store`'s tests (`tests/it/schema.rs`) show that a fresh
//! database gets the very same schema on SQLite and PostgreSQL.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

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
mod m0021_precursor_catalogue;
mod m0022_precursor_ledger;

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
            Box::new(m0021_precursor_catalogue::Migration),
            Box::new(m0022_precursor_ledger::Migration),
        ]
    }
}

/// An identifier from a string.
fn a(name: &str) -> Alias {
    Alias::new(name)
}

/// The columns a declaration names, in order: comma-separated `name type [pk] [unique]
/// [default VALUE]`, the type one of `string`, `text`, `uuid`, `date`, `int`, `bigint`, `bool`,
/// `blob`, `timestamptz`, followed by `?` when the column may be NULL (NOT NULL otherwise), as
/// in `"id uuid pk, note text?, failed_logins int default 0, address string default ''"`.
///
/// Each column is the one the sea-orm-migration helper of that type builds (`string`,
/// `string_null`, `timestamp_with_time_zone`, …), so a table declared this way is created with
/// exactly the SQL of the builder chains the migrations were first written with (pinned by the
/// schema snapshots of `jindu-store`'s tests). A declaration that does not parse is a
/// `DbErr::Migration` naming the column.
pub(crate) fn columns(declaration: &str) -> Result<Vec<ColumnDef>, DbErr> {
    declaration.split(',').map(|c| column(c.trim())).collect()
}

/// One column of a [`columns`] declaration.
fn column(declaration: &str) -> Result<ColumnDef, DbErr> {
    let bad = |why: &str| DbErr::Migration(format!("column declaration `{declaration}`: {why}"));
    let mut words = declaration.split_whitespace();
    let (Some(name), Some(kind)) = (words.next(), words.next()) else {
        return Err(bad("expected a name and a type"));
    };
    let (kind, nullable) = match kind.strip_suffix('?') {
        Some(k) => (k, true),
        None => (kind, false),
    };
    let name = a(name);
    let mut col = match (kind, nullable) {
        ("string", false) => string(name),
        ("string", true) => string_null(name),
        ("text", false) => text(name),
        ("text", true) => text_null(name),
        ("uuid", false) => uuid(name),
        ("uuid", true) => uuid_null(name),
        ("date", false) => date(name),
        ("date", true) => date_null(name),
        ("int", false) => integer(name),
        ("int", true) => integer_null(name),
        ("bigint", false) => big_integer(name),
        ("bigint", true) => big_integer_null(name),
        ("bool", false) => boolean(name),
        ("bool", true) => boolean_null(name),
        ("blob", false) => blob(name),
        ("blob", true) => blob_null(name),
        ("timestamptz", false) => timestamp_with_time_zone(name),
        ("timestamptz", true) => timestamp_with_time_zone_null(name),
        _ => return Err(bad("unknown type")),
    };
    while let Some(word) = words.next() {
        match word {
            "pk" => col.primary_key(),
            "unique" => col.unique_key(),
            "default" => {
                let value = words.next().ok_or_else(|| bad("default without a value"))?;
                let value: Value = match kind {
                    "string" | "text" => match value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')) {
                        Some(v) => v.into(),
                        None => return Err(bad("a text default is quoted: 'value'")),
                    },
                    "int" | "bigint" => value.parse::<i32>().map_err(|_| bad("not a whole number"))?.into(),
                    "bool" => value.parse::<bool>().map_err(|_| bad("not true or false"))?.into(),
                    _ => return Err(bad("no default for this type")),
                };
                col.default(value)
            }
            _ => return Err(bad("unknown word")),
        };
    }
    Ok(col)
}

/// Creates `table` with the columns of `declaration` (see [`columns`]), one of them marked `pk`.
pub(crate) async fn create_table(m: &SchemaManager<'_>, table: &str, declaration: &str) -> Result<(), DbErr> {
    m.create_table(table_statement(table, declaration, &[])?).await
}

/// Creates `table` with the columns of `declaration` and the primary key made of `key`.
pub(crate) async fn create_table_keyed(
    m: &SchemaManager<'_>,
    table: &str,
    declaration: &str,
    key: &[&str],
) -> Result<(), DbErr> {
    m.create_table(table_statement(table, declaration, key)?).await
}

/// The `CREATE TABLE` of `table`: the columns of `declaration`, and a primary key of the
/// columns `key` unless it is empty.
fn table_statement(table: &str, declaration: &str, key: &[&str]) -> Result<TableCreateStatement, DbErr> {
    let mut statement = Table::create();
    statement.table(a(table));
    for mut col in columns(declaration)? {
        statement.col(&mut col);
    }
    if !key.is_empty() {
        let mut pk = Index::create();
        for c in key {
            pk.col(a(c));
        }
        statement.primary_key(&mut pk);
    }
    Ok(statement.to_owned())
}

/// Adds the columns of `declaration` to `table`, one `ALTER TABLE … ADD COLUMN` each (SQLite
/// takes one at a time).
pub(crate) async fn add_columns(m: &SchemaManager<'_>, table: &str, declaration: &str) -> Result<(), DbErr> {
    for mut col in columns(declaration)? {
        m.alter_table(Table::alter().table(a(table)).add_column(&mut col).to_owned()).await?;
    }
    Ok(())
}

/// Drops the columns `names` of `table`, one `ALTER TABLE … DROP COLUMN` each.
pub(crate) async fn drop_columns(m: &SchemaManager<'_>, table: &str, names: &[&str]) -> Result<(), DbErr> {
    for c in names {
        m.alter_table(Table::alter().table(a(table)).drop_column(a(c)).to_owned()).await?;
    }
    Ok(())
}

/// Drops the tables `names`, in that order.
pub(crate) async fn drop_tables(m: &SchemaManager<'_>, names: &[&str]) -> Result<(), DbErr> {
    for t in names {
        m.drop_table(Table::drop().table(a(t)).to_owned()).await?;
    }
    Ok(())
}

/// Drops the index `name` of `table`.
pub(crate) async fn drop_index(m: &SchemaManager<'_>, table: &str, name: &str) -> Result<(), DbErr> {
    m.drop_index(Index::drop().name(name).table(a(table)).to_owned()).await
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

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::*;
    use sea_orm_migration::schema::*;

    use super::{a, columns, table_statement};

    /// A declaration builds the same SQL as the builder chain it stands for, on both backends.
    #[test]
    fn a_declaration_is_the_builder_chain() {
        let declared = table_statement(
            "t",
            "id uuid pk, name string unique, note text?, n int default 0, big bigint?, on_day date, \
             at timestamptz?, ok bool default false, body blob, address string default ''",
            &[],
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let chained = Table::create()
            .table(a("t"))
            .col(uuid(a("id")).primary_key())
            .col(string(a("name")).unique_key())
            .col(text_null(a("note")))
            .col(integer(a("n")).default(0))
            .col(big_integer_null(a("big")))
            .col(date(a("on_day")))
            .col(timestamp_with_time_zone_null(a("at")))
            .col(boolean(a("ok")).default(false))
            .col(blob(a("body")))
            .col(string(a("address")).default(""))
            .to_owned();
        assert_eq!(declared.to_string(SqliteQueryBuilder), chained.to_string(SqliteQueryBuilder));
        assert_eq!(declared.to_string(PostgresQueryBuilder), chained.to_string(PostgresQueryBuilder));
    }

    /// A composite key is declared apart from the columns.
    #[test]
    fn a_composite_key() {
        let declared = table_statement("k", "a string, b int", &["a", "b"]).unwrap_or_else(|e| panic!("{e}"));
        let chained = Table::create()
            .table(a("k"))
            .col(string(a("a")))
            .col(integer(a("b")))
            .primary_key(Index::create().col(a("a")).col(a("b")))
            .to_owned();
        assert_eq!(declared.to_string(PostgresQueryBuilder), chained.to_string(PostgresQueryBuilder));
    }

    /// What does not parse is refused, naming the column.
    #[test]
    fn a_bad_declaration_is_refused() {
        for (bad, why) in [
            ("id", "expected a name and a type"),
            ("id number", "unknown type"),
            ("id uuid primary", "unknown word"),
            ("n int default", "default without a value"),
            ("n int default x", "not a whole number"),
            ("s string default x", "quoted"),
            ("d date default 1", "no default for this type"),
        ] {
            let e = columns(bad).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(e.contains(why) && e.contains(bad), "{bad}: {e}");
        }
    }
}
