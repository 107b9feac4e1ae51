//! Architecture test (issue #19 item 1): the edges translate only, and every audit record is
//! appended inside a transaction.
//!
//! What it checks, by reading the source tree (a plain text scan, no parser):
//!
//! 1. **The edges.** Every `.rs` file under `crates/jindu-web/src` and `crates/jindu-cli/src`:
//!    no line of code may contain `sea_orm`, `entities::`, `audit::append`, `.require(`,
//!    `begin_write` or `.begin(`. Permission checks, audit appends, transactions and queries
//!    belong to the `jindu_store::service` function the handler or command calls, so that the
//!    pages, the API and the CLI share one check and one write path. Lines that are only a
//!    comment (`//`, `///`, `//!`) are skipped; a comment after code on the same line is scanned
//!    too (conservative). The wiring that remains is listed in [`EDGE_ALLOWED`], each entry
//!    with its reason; today the list is empty.
//! 2. **The store's one write path.** In `crates/jindu-store/src`, a write transaction is opened
//!    only by `service::unit_of_work` (`UnitOfWork::begin`, `begin_checked`, `begin_as`): no
//!    other line of code may contain `begin_write(`, `.begin()`, `.begin_with_options(`,
//!    `.begin_with_config(` or `.transaction(`, except the files in [`STORE_ALLOWED`], each with
//!    its reason. The audit log's `append` is private to `service::audit` (the compiler refuses
//!    any other caller; this test checks it stays private), so an audit record is written only
//!    through `UnitOfWork::audit`/`audit_as` in a unit's transaction, through `audit::record`
//!    (which opens a unit for one record of a read or a refusal), or by the one migration that
//!    calls `append_in_migration`.
//!
//! 3. **The documents.** `crates/jindu-documents/src` (the .docx/.xlsx writers) renders views the
//!    store has built: the same rule as the edges, no SeaORM, entities, audit appends,
//!    permission checks or transactions.
//! 4. **The generators.** `crates/jindu-demo/src` (the demo district and the bench caseloads)
//!    writes rows in bulk through `jindu_store::seed`, but opens its transactions only as units
//!    of work (`seed::UnitOfWork::begin_as`) and never appends to the audit log itself: no
//!    `audit::append`, `audit::record`, `.require(` or a bare `.begin(` ([`GENERATOR_FORBIDDEN`]).
//!
//! What it cannot check: it reads text, so a transaction opened through a macro or an alias of
//! `begin` by another name passes here; code review keeps those out.

// A test: an unreadable source tree fails it, naming the path.
#![allow(clippy::panic)]

use std::path::{Path, PathBuf};

/// What the edges (jindu-web, jindu-cli) may not contain, with the reason shown on failure.
const EDGE_FORBIDDEN: &[(&str, &str)] = &[
    ("sea_orm", "SeaORM is jindu-store's: call a service"),
    ("entities::", "entities are jindu-store's persistence: call a service"),
    ("audit::append", "audit records are appended by store services inside their transaction"),
    (".require(", "permission checks belong to the service the handler calls"),
    ("begin_write", "write transactions are opened by store services"),
    (".begin(", "transactions are opened by store services"),
];

/// What the synthetic-data generators (`jindu-demo`) may not contain, with the reason.
const GENERATOR_FORBIDDEN: &[(&str, &str)] = &[
    ("audit::append", "the generators append no audit records; the services they call do"),
    ("audit::record", "the generators append no audit records; the services they call do"),
    (".require(", "permission checks belong to the services the generators call"),
    (".begin(", "transactions are units of work opened through `seed::UnitOfWork::begin_as`"),
];

/// Wiring allowed to stay in the edges: (path relative to the repository root, the pattern,
/// why). Empty: the session store keeps its rows through `jindu_store::sessions`, and
/// `AppState` holds `jindu_store::DatabaseConnection` (a re-export), so neither names SeaORM.
const EDGE_ALLOWED: &[(&str, &str, &str)] = &[];

/// What may open a write transaction in the store besides `service/unit_of_work.rs`:
/// (path relative to the repository root, why).
const STORE_ALLOWED: &[(&str, &str)] = &[(
    "crates/jindu-store/src/service/audit.rs",
    "the audit chain's own bookkeeping (seal, anchor, prune) writes the chain's tables, not a \
         record of the work; `audit::record` opens a unit of work",
)];

/// What opens a transaction, for rule 2.
const TRANSACTION_OPENERS: &[&str] =
    &["begin_write(", ".begin()", ".begin_with_options(", ".begin_with_config(", ".transaction("];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("reading {}: {e}", d.display())).path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn relative(path: &Path) -> String {
    let root = root().canonicalize().unwrap_or_else(|e| panic!("repository root: {e}"));
    let full = path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    full.strip_prefix(&root).unwrap_or(&full).to_string_lossy().replace('\\', "/")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

/// The findings of rule 1 in `source` (a file at `rel`): "rel:line: pattern — why: code".
fn edge_findings(rel: &str, source: &str) -> Vec<String> {
    forbidden_findings(rel, source, EDGE_FORBIDDEN, EDGE_ALLOWED)
}

/// The lines of code of `source` (a file at `rel`) containing a `forbidden` pattern not in
/// `allowed`: "rel:line: pattern — why: code".
fn forbidden_findings(
    rel: &str,
    source: &str,
    forbidden: &[(&str, &str)],
    allowed: &[(&str, &str, &str)],
) -> Vec<String> {
    let mut found = Vec::new();
    for (i, line) in source.lines().enumerate() {
        if is_comment(line) {
            continue;
        }
        for (pattern, why) in forbidden {
            let excused = allowed.iter().any(|(path, p, _)| *path == rel && p == pattern);
            if line.contains(pattern) && !excused {
                found.push(format!("{rel}:{}: `{pattern}` — {why}: {}", i + 1, line.trim()));
            }
        }
    }
    found
}

/// The findings of rule 2 in `source` (a file at `rel`).
fn store_findings(rel: &str, source: &str) -> Vec<String> {
    let mut found = Vec::new();
    let opens_allowed = rel.ends_with("service/unit_of_work.rs") || STORE_ALLOWED.iter().any(|(p, _)| *p == rel);
    for (i, line) in source.lines().enumerate() {
        if is_comment(line) {
            continue;
        }
        if !opens_allowed && let Some(p) = TRANSACTION_OPENERS.iter().find(|p| line.contains(*p)) {
            found.push(format!(
                "{rel}:{}: `{p}` opens a transaction outside the unit of work (use \
                 `UnitOfWork::begin`/`begin_as`): {}",
                i + 1,
                line.trim()
            ));
        }
        if line.contains("append_in_migration(")
            && !rel.ends_with("service/audit.rs")
            && rel != "crates/jindu-store/src/persistence/migration/m0013_audit_lanes.rs"
        {
            found.push(format!("{rel}:{}: `append_in_migration` outside its one migration: {}", i + 1, line.trim()));
        }
        if rel.ends_with("service/audit.rs") && line.contains("pub") && line.contains("fn append<") {
            found.push(format!(
                "{rel}:{}: the audit log's `append` must stay private (writes append through \
                 `UnitOfWork::audit`): {}",
                i + 1,
                line.trim()
            ));
        }
    }
    found
}

#[test]
fn edges_translate_only() {
    let mut found = Vec::new();
    let mut files = 0;
    for dir in ["crates/jindu-web/src", "crates/jindu-cli/src", "crates/jindu-documents/src"] {
        for path in rust_files(&root().join(dir)) {
            files += 1;
            found.extend(edge_findings(&relative(&path), &read(&path)));
        }
    }
    assert!(files > 20, "only {files} files found under the edges: is the tree where the test looks?");
    assert!(
        found.is_empty(),
        "jindu-web, jindu-cli and jindu-documents must translate only (issue #19): move these into the jindu-store \
         service they call, or list real wiring in EDGE_ALLOWED with its reason:\n{}",
        found.join("\n")
    );
}

#[test]
fn store_writes_only_through_the_unit_of_work() {
    let mut found = Vec::new();
    let mut files = 0;
    for path in rust_files(&root().join("crates/jindu-store/src")) {
        files += 1;
        found.extend(store_findings(&relative(&path), &read(&path)));
    }
    assert!(files > 50, "only {files} files found in jindu-store: is the tree where the test looks?");
    let uow = read(&root().join("crates/jindu-store/src/service/unit_of_work.rs"));
    assert!(uow.contains("fn begin_write"), "the unit of work no longer opens the write transaction");
    let audit = read(&root().join("crates/jindu-store/src/service/audit.rs"));
    assert!(audit.contains("\nasync fn append<"), "the audit log's private `append` is gone or public");
    assert!(found.is_empty(), "writes outside the unit of work (issue #19):\n{}", found.join("\n"));
}

#[test]
fn generators_write_through_the_store() {
    let mut found = Vec::new();
    let files = rust_files(&root().join("crates/jindu-demo/src"));
    assert!(files.len() >= 2, "no generators found under crates/jindu-demo/src: is the tree where the test looks?");
    for path in files {
        found.extend(forbidden_findings(&relative(&path), &read(&path), GENERATOR_FORBIDDEN, &[]));
    }
    assert!(
        found.is_empty(),
        "jindu-demo writes through jindu_store::seed and the services (issue #19):\n{}",
        found.join("\n")
    );
}

/// The scans themselves find what they must (so a passing run means something).
#[test]
fn the_scans_catch_what_they_forbid() {
    let edge = "use sea_orm::EntityTrait;\n// a comment naming audit::append is fine\n    a.actor.require(Permission::X)?;\n    let t = jindu_store::service::begin_write(&db).await?;\n";
    let found = edge_findings("crates/jindu-web/src/x.rs", edge);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].starts_with("crates/jindu-web/src/x.rs:1: `sea_orm`"), "{found:?}");
    assert!(found[1].starts_with("crates/jindu-web/src/x.rs:3: `.require(`"), "{found:?}");
    assert!(found[2].starts_with("crates/jindu-web/src/x.rs:4: `begin_write`"), "{found:?}");

    let generator = "    let txn = seed::UnitOfWork::begin_as(db, Who::system(), now).await?;\n    let t = db.begin().await?;\n    audit::append(&txn, &who, now, e).await?;\n";
    let found = forbidden_findings("crates/jindu-demo/src/x.rs", generator, GENERATOR_FORBIDDEN, &[]);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("crates/jindu-demo/src/x.rs:2: `.begin(`"), "{found:?}");
    assert!(found[1].starts_with("crates/jindu-demo/src/x.rs:3: `audit::append`"), "{found:?}");

    let store = r#"
pub async fn service<C: ConnectionTrait + TransactionTrait>(db: &C) -> ServiceResult<()> {
    let txn = super::begin_write(db).await?;
    // db.begin() in a comment is fine
    let t2 = db.begin().await?;
    audit::append_in_migration(&txn, now, entry).await?;
    txn.commit().await
}
"#;
    let found = store_findings("crates/jindu-store/src/service/x.rs", store);
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(found[0].contains("x.rs:3:") && found[0].contains("`begin_write(`"), "{found:?}");
    assert!(found[1].contains("x.rs:5:") && found[1].contains("`.begin()`"), "{found:?}");
    assert!(found[2].contains("x.rs:6:") && found[2].contains("append_in_migration"), "{found:?}");
    assert!(store_findings("crates/jindu-store/src/service/unit_of_work.rs", "let t = begin_write(db);").is_empty());
    let public = "pub(crate) async fn append<C: ConnectionTrait>(db: &C) {}";
    assert_eq!(store_findings("crates/jindu-store/src/service/audit.rs", public).len(), 1);
}
