//! The schema a fresh database gets, pinned by a snapshot per backend: `snapshots/schema_sqlite.txt`
//! and `snapshots/schema_postgres.txt` hold a canonical dump of a database that every migration
//! has just run on. A change to a migration (or to the way migrations declare their tables) that
//! changes a table, a column's type, nullability or default, an index, a constraint, a sequence,
//! a function or a migration's name shows as a change of those files.
//!
//! Shipped migrations never change what they create (CONTRIBUTING.md); a new migration changes
//! the snapshot on purpose: rewrite it with `JINDU_UPDATE_SNAPSHOTS=1 cargo test -p jindu-store
//! --test it schema::` and commit it with the migration.

use std::path::PathBuf;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

/// Where the snapshot of `backend` is kept.
fn snapshot_path(backend: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("tests/it/snapshots/schema_{backend}.txt"))
}

/// The rows of `sql`, each as its columns' values joined by ` | ` (NULL as `∅`).
async fn rows(db: &DatabaseConnection, sql: &str, columns: &[&str]) -> Vec<String> {
    let backend = db.get_database_backend();
    let found = db.query_all_raw(Statement::from_string(backend, sql)).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    found
        .iter()
        .map(|row| {
            columns
                .iter()
                .map(|c| {
                    if let Ok(v) = row.try_get::<Option<String>>("", c) {
                        v.unwrap_or_else(|| "∅".into())
                    } else if let Ok(v) = row.try_get::<Option<i64>>("", c) {
                        v.map_or_else(|| "∅".into(), |n| n.to_string())
                    } else if let Ok(v) = row.try_get::<Option<i32>>("", c) {
                        v.map_or_else(|| "∅".into(), |n| n.to_string())
                    } else {
                        let v: Option<bool> = row.try_get("", c).unwrap_or_else(|e| panic!("{sql}, {c}: {e}"));
                        v.map_or_else(|| "∅".into(), |b| b.to_string())
                    }
                })
                .collect::<Vec<_>>()
                .join(" | ")
        })
        .collect()
}

/// Appends a section `title` with `lines` to `out`.
fn section(out: &mut String, title: &str, lines: Vec<String>) {
    out.push_str(&format!("## {title}\n"));
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
    out.push('\n');
}

/// SQLite: every object's `CREATE` text as stored, then each table's columns (`pragma
/// table_info`: position, name, type, not null, default, primary-key position) and indexes
/// (`pragma index_list` with each index's columns).
async fn dump_sqlite(db: &DatabaseConnection) -> String {
    let mut out = String::new();
    let objects = "SELECT type, name, tbl_name, sql FROM sqlite_master \
                   WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";
    section(&mut out, "sqlite_master", rows(db, objects, &["type", "name", "tbl_name", "sql"]).await);
    let tables = rows(
        db,
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        &["name"],
    )
    .await;
    for table in tables {
        let columns = format!("SELECT cid, name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('{table}')");
        section(
            &mut out,
            &format!("columns of {table}"),
            rows(db, &columns, &["cid", "name", "type", "notnull", "dflt_value", "pk"]).await,
        );
        let indexes = format!(
            "SELECT l.name AS name, l.\"unique\" AS uniq, l.origin AS origin, l.partial AS partial, \
             (SELECT group_concat(i.name, ',') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY seqno) i) \
             AS cols FROM pragma_index_list('{table}') l ORDER BY l.name"
        );
        section(
            &mut out,
            &format!("indexes of {table}"),
            rows(db, &indexes, &["name", "uniq", "origin", "partial", "cols"]).await,
        );
    }
    out
}

/// PostgreSQL: the columns (`information_schema.columns`: type, length, nullability, default),
/// the indexes (`pg_indexes`), the constraints (`pg_constraint`), the sequences and the functions
/// of the `public` schema, and the migrations applied.
async fn dump_postgres(db: &DatabaseConnection) -> String {
    let mut out = String::new();
    let columns = "SELECT table_name::text AS t, ordinal_position::bigint AS pos, column_name::text AS c, \
                   data_type::text AS ty, udt_name::text AS udt, character_maximum_length::bigint AS len, \
                   is_nullable::text AS nullable, column_default::text AS dflt \
                   FROM information_schema.columns WHERE table_schema = 'public' ORDER BY t, pos";
    section(&mut out, "columns", rows(db, columns, &["t", "pos", "c", "ty", "udt", "len", "nullable", "dflt"]).await);
    let indexes = "SELECT tablename::text AS t, indexname::text AS i, indexdef::text AS def \
                   FROM pg_indexes WHERE schemaname = 'public' ORDER BY t, i";
    section(&mut out, "indexes", rows(db, indexes, &["t", "i", "def"]).await);
    let constraints = "SELECT conrelid::regclass::text AS t, conname::text AS n, contype::text AS ty, \
                       pg_get_constraintdef(oid) AS def FROM pg_constraint \
                       WHERE connamespace = 'public'::regnamespace ORDER BY t, n";
    section(&mut out, "constraints", rows(db, constraints, &["t", "n", "ty", "def"]).await);
    let sequences = "SELECT sequence_name::text AS s, data_type::text AS ty, start_value::text AS start, \
                     minimum_value::text AS min, maximum_value::text AS max, increment::text AS inc \
                     FROM information_schema.sequences WHERE sequence_schema = 'public' ORDER BY s";
    section(&mut out, "sequences", rows(db, sequences, &["s", "ty", "start", "min", "max", "inc"]).await);
    let functions = "SELECT p.proname::text AS f, pg_get_functiondef(p.oid) AS def FROM pg_proc p \
                     WHERE p.pronamespace = 'public'::regnamespace ORDER BY f";
    section(&mut out, "functions", rows(db, functions, &["f", "def"]).await);
    out
}

/// The migrations a fresh database recorded, by name and in order (the names must never change:
/// a deployed database knows its migrations by them).
async fn migration_names(db: &DatabaseConnection) -> Vec<String> {
    rows(db, "SELECT version FROM seaql_migrations ORDER BY version", &["version"]).await
}

/// Compares `actual` with the snapshot of `backend`, or rewrites it with `JINDU_UPDATE_SNAPSHOTS=1`.
fn check(backend: &str, actual: &str) {
    let path = snapshot_path(backend);
    if std::env::var_os("JINDU_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    let update = "if the change is intended (a new migration), rewrite the snapshot with \
                  `JINDU_UPDATE_SNAPSHOTS=1 cargo test -p jindu-store --test it schema::` and commit it";
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the snapshot {}: {e}; {update}", path.display()));
    if actual != expected {
        // A schema change is a few lines gone and a few new (a column, an index): list them all.
        let gone: Vec<&str> = expected.lines().filter(|l| !actual.lines().any(|a| a == *l)).collect();
        let new: Vec<&str> = actual.lines().filter(|l| !expected.lines().any(|e| e == *l)).collect();
        if gone.is_empty() && new.is_empty() {
            panic!("the {backend} schema holds the lines of {} in another order; {update}", path.display());
        }
        panic!(
            "the {backend} schema differs from {}\n- in the snapshot only:\n  {}\n- in the database only:\n  {}\n{update}",
            path.display(),
            gone.join("\n  "),
            new.join("\n  ")
        );
    }
}

/// The dump as the snapshot holds it: the migrations, then the backend's own dump.
async fn dump(db: &DatabaseConnection) -> String {
    let mut out = String::new();
    section(&mut out, "migrations", migration_names(db).await);
    out.push_str(&match db.get_database_backend() {
        DbBackend::Sqlite => dump_sqlite(db).await,
        _ => dump_postgres(db).await,
    });
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_schema_matches_the_snapshot() {
    let dir = std::env::temp_dir().join(format!("jindu-store-schema-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = jindu_store::db::connect(&format!("sqlite://{}", dir.join("s.db").display())).await.unwrap();
    let actual = dump(&db).await;
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(actual.contains("CREATE TABLE \"person\""), "the dump holds the tables:\n{actual}");
    check("sqlite", &actual);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_schema_matches_the_snapshot() {
    let admin = std::env::var("JINDU_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("jindu_store_schema_{}", std::process::id());
    let url = jindu_store::db::create_postgres_database(&admin, &name).await.unwrap();
    let db = jindu_store::db::connect(&url).await.unwrap();
    let actual = dump(&db).await;
    db.close().await.unwrap();
    jindu_store::db::drop_postgres_database(&admin, &name).await.unwrap();
    assert!(actual.contains("person | 1 | id | uuid"), "the dump holds the tables:\n{actual}");
    check("postgres", &actual);
}
