//! Architecture test (issue #19 item 1): the edges translate only, every audit record is
//! appended inside a transaction, the service modules form no cycle and keep no SQL text.
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
//!    with its reason; today only the precursor bench (debt, said there).
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
//! 5. **No cycles among the service modules.** Every `.rs` file under
//!    `crates/jindu-store/src/service` is a module (a folder's `mod.rs` included); the test
//!    collects the references between them — `use crate::service::…`, `super::…`, `crate::…`
//!    paths, and the paths through a module a `use` binds (`casework::finish_write`), resolved
//!    through the `pub use` re-exports to the module that defines the name — and fails, printing
//!    each cycle with the line behind every step, when the graph has one. A folder's `mod` and
//!    `pub use` lines are its layout, not references; test modules (`#[cfg(test)]` on) are
//!    skipped.
//! 6. **SQL in one module.** No line of `crates/jindu-store/src/service` may hold SQL text or
//!    match the database backend ([`SERVICE_SQL_FORBIDDEN`]): those are named functions of
//!    `crates/jindu-store/src/persistence/sql.rs`, each saying why it is raw or backend-specific.
//!
//! What it cannot check: it reads text, so a transaction opened through a macro or an alias of
//! `begin` by another name passes here; code review keeps those out.

// A test: an unreadable source tree fails it, naming the path.
#![allow(clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};
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

/// What the services (`crates/jindu-store/src/service`) may not contain, with the reason (rule
/// 6): SQL text and what depends on the database live in `persistence/sql.rs`, as named
/// functions saying why each must be raw or backend-specific.
const SERVICE_SQL_FORBIDDEN: &[(&str, &str)] = &[
    ("Statement::from", "SQL text belongs in persistence/sql.rs, as a named function"),
    ("from_sql_and_values", "SQL text belongs in persistence/sql.rs, as a named function"),
    ("DbBackend::", "a backend match belongs in persistence/sql.rs (`sql::writers`, `sql::snapshot_options`, …)"),
    ("DatabaseBackend::", "a backend match belongs in persistence/sql.rs"),
    ("get_database_backend() ==", "a backend match belongs in persistence/sql.rs"),
    ("get_database_backend() !=", "a backend match belongs in persistence/sql.rs"),
    ("execute_unprepared(\"", "SQL text belongs in persistence/sql.rs"),
    ("\"SELECT ", "SQL text belongs in persistence/sql.rs"),
    ("\"INSERT ", "SQL text belongs in persistence/sql.rs"),
    ("\"UPDATE ", "SQL text belongs in persistence/sql.rs"),
    ("\"DELETE ", "SQL text belongs in persistence/sql.rs"),
    ("PRAGMA ", "SQL text belongs in persistence/sql.rs"),
];

/// Wiring allowed to stay in the edges: (path relative to the repository root, the pattern,
/// why). The session store keeps its rows through `jindu_store::sessions`, and `AppState` holds
/// `jindu_store::DatabaseConnection` (a re-export), so neither names SeaORM. The one entry is
/// debt: the precursor bench's bulk generator and its plain-SQL comparison belong in
/// `jindu-demo` beside the other bench generators.
const EDGE_ALLOWED: &[(&str, &str, &str)] = &[
    (
        "crates/jindu-cli/src/bench_precursors.rs",
        "entities::",
        "the bench's bulk generator writes enterprises and movements in multi-row inserts (to move to jindu-demo)",
    ),
    (
        "crates/jindu-cli/src/bench_precursors.rs",
        "sea_orm",
        "the bench times a plain SQL self-join beside the service's matching (to move to jindu-demo)",
    ),
];

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

/// A service module: its path below `service` (`["registry", "measures"]`; empty for
/// `service/mod.rs`). A module is a file, a folder's `mod.rs` included.
type Module = Vec<String>;

/// The text of the service modules and what their `pub use` lines re-export, to resolve a path
/// (`crate::service::measures::insert_decision`, `super::persons`, `casework::reconcile`) to the
/// module that defines what it names.
struct ServiceTree {
    /// Each module's code: comment lines and everything from `#[cfg(test)]` on blanked, so line
    /// numbers stay those of the file; with the file's path for messages.
    code: BTreeMap<Module, (String, String)>,
    /// (module, name) → the path a `pub use` of that module gives the name.
    reexports: BTreeMap<(Module, String), Vec<String>>,
    /// module → the paths of its glob re-exports (`pub use derived::*`).
    globs: BTreeMap<Module, Vec<Vec<String>>>,
}

/// One `use` declaration: whether it is `pub` (a re-export), the byte offset where it starts,
/// and each (path, name it binds) of its tree (`use a::{b, c::d as e}` → `a::b` as `b`,
/// `a::c::d` as `e`; `a::{self}` → `a` as `a`; a glob keeps `*` as its last segment).
struct UseDecl {
    public: bool,
    at: usize,
    items: Vec<(Vec<String>, String)>,
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The code of a service file as [`ServiceTree`] keeps it.
fn code_of(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    let mut tests = false;
    for line in source.lines() {
        tests |= line.trim_start().starts_with("#[cfg(test)]");
        if !tests && !is_comment(line) {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

/// Parses the use tree at `s[i..]` below `prefix` into `out`; returns where it ends.
fn parse_use_tree(s: &[char], mut i: usize, prefix: &[String], out: &mut Vec<(Vec<String>, String)>) -> usize {
    let mut path: Vec<String> = prefix.to_vec();
    let mut current = String::new();
    while i < s.len() {
        let c = s[i];
        if is_ident_char(c) || c == '*' {
            current.push(c);
            i += 1;
        } else if c == ':' && s.get(i + 1) == Some(&':') {
            path.push(std::mem::take(&mut current));
            i += 2;
        } else if c == '{' {
            i += 1;
            loop {
                while i < s.len() && (s[i].is_whitespace() || s[i] == ',') {
                    i += 1;
                }
                if i >= s.len() || s[i] == '}' {
                    return i + 1;
                }
                i = parse_use_tree(s, i, &path, out);
            }
        } else if c.is_whitespace() {
            i += 1;
            // `x as y`
            let rest: String = s[i..].iter().take(3).collect();
            if rest == "as " && !current.is_empty() {
                let mut j = i + 3;
                while j < s.len() && s[j] == ' ' {
                    j += 1;
                }
                let alias: String = s[j..].iter().take_while(|c| is_ident_char(**c)).collect();
                let end = j + alias.len();
                path.push(current);
                out.push((path, alias));
                return end;
            }
        } else {
            break;
        }
    }
    if !current.is_empty() {
        let name = if current == "self" { path.last().cloned().unwrap_or_default() } else { current.clone() };
        path.push(current);
        out.push((path, name));
    }
    i
}

/// The `use` declarations of `code` (each starting a line, `pub`, `pub(crate)`, … or not).
fn use_decls(code: &str) -> Vec<UseDecl> {
    let mut found = Vec::new();
    let mut offset = 0;
    for line in code.split_inclusive('\n') {
        let t = line.trim_start();
        let public = t.starts_with("pub ") || t.starts_with("pub(");
        let rest = match t.strip_prefix("pub") {
            Some(r) if r.starts_with('(') => r.split_once(')').map_or("", |(_, r)| r.trim_start()),
            Some(r) if r.starts_with(' ') => r.trim_start(),
            _ => t,
        };
        if let Some(tree) = rest.strip_prefix("use ") {
            let start = offset + (line.len() - tree.len());
            let chars: Vec<char> = code[start..].chars().take_while(|c| *c != ';').collect();
            let mut items = Vec::new();
            parse_use_tree(&chars, 0, &[], &mut items);
            found.push(UseDecl { public, at: offset, items });
        }
        offset += line.len();
    }
    found
}

/// The paths written in `code` outside its `use` declarations (`a::b::c`, as the segments),
/// each with its byte offset.
fn paths_in(code: &str) -> Vec<(usize, Vec<String>)> {
    let chars: Vec<(usize, char)> = code.char_indices().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let starts = is_ident_char(c)
            && !c.is_ascii_digit()
            && (i == 0 || !(is_ident_char(chars[i - 1].1) || chars[i - 1].1 == ':'));
        if !starts {
            i += 1;
            continue;
        }
        let mut segments = vec![String::new()];
        while i < chars.len() {
            let c = chars[i].1;
            if is_ident_char(c) {
                if let Some(last) = segments.last_mut() {
                    last.push(c);
                }
                i += 1;
            } else if c == ':' && chars.get(i + 1).is_some_and(|(_, d)| *d == ':') {
                segments.push(String::new());
                i += 2;
            } else {
                break;
            }
        }
        segments.retain(|s| !s.is_empty());
        if segments.len() > 1 {
            found.push((at, segments));
        }
    }
    found
}

impl ServiceTree {
    /// The tree of `files`: (path relative to the repository root, source) of every `.rs` file
    /// under `crates/jindu-store/src/service`.
    fn new(files: &[(String, String)]) -> Self {
        let mut tree = ServiceTree { code: BTreeMap::new(), reexports: BTreeMap::new(), globs: BTreeMap::new() };
        for (rel, source) in files {
            let below = rel.split_once("src/service/").map_or(rel.as_str(), |(_, b)| b);
            let mut module: Module = below.trim_end_matches(".rs").split('/').map(str::to_string).collect();
            if module.last().is_some_and(|l| l == "mod") {
                module.pop();
            }
            tree.code.insert(module, (rel.clone(), code_of(source)));
        }
        for (module, (_, code)) in &tree.code {
            for decl in use_decls(code).into_iter().filter(|d| d.public) {
                for (path, name) in decl.items {
                    if path.last().is_some_and(|l| l == "*") {
                        tree.globs.entry(module.clone()).or_default().push(path[..path.len() - 1].to_vec());
                    } else {
                        tree.reexports.insert((module.clone(), name), path);
                    }
                }
            }
        }
        tree
    }

    fn is_module(&self, m: &[String]) -> bool {
        self.code.contains_key(m)
    }

    /// The module that defines what `segments` names, starting in module `at`; `None` when the
    /// path leaves the service (`crate::entities`, `sea_orm::…`) or is not a service path.
    fn resolve_path(&self, at: &[String], segments: &[String], depth: usize) -> Option<Module> {
        let first = segments.first()?;
        match first.as_str() {
            "crate" => (segments.get(1).map(String::as_str) == Some("service"))
                .then(|| self.resolve(&[], &segments[2..], depth)),
            "super" | "self" => Some(self.resolve(at, segments, depth)),
            _ => {
                let child: Module = at.iter().chain([first]).cloned().collect();
                let named = self.reexports.contains_key(&(at.to_vec(), first.clone()));
                (self.is_module(&child) || named).then(|| self.resolve(at, segments, depth))
            }
        }
    }

    /// Walks `segments` down from module `at`: child modules, re-exports, then a glob re-export;
    /// the first name that is none of these is an item of the module reached.
    fn resolve(&self, at: &[String], segments: &[String], depth: usize) -> Module {
        let mut m: Module = at.to_vec();
        for s in segments {
            match s.as_str() {
                "self" | "*" => continue,
                "super" => {
                    m.pop();
                    continue;
                }
                _ => {}
            }
            let mut child = m.clone();
            child.push(s.clone());
            if self.is_module(&child) {
                m = child;
            } else if let Some(path) = self.reexports.get(&(m.clone(), s.clone())).filter(|_| depth < 8) {
                match self.resolve_path(&m, path, depth + 1) {
                    Some(t) => m = t,
                    None => return m,
                }
            } else if let Some(glob) = self.globs.get(&m).and_then(|g| g.first()).filter(|_| depth < 8) {
                return self.resolve_path(&m, glob, depth + 1).unwrap_or(m);
            } else {
                return m;
            }
        }
        m
    }

    /// The references between modules: (from, to) → where the first one is written
    /// ("file:line: code"). A folder's `mod` and `pub use` lines are its layout, not references;
    /// `use` of a module binds its name, and the paths through that name are the references.
    fn edges(&self) -> BTreeMap<(Module, Module), String> {
        let mut edges = BTreeMap::new();
        for (module, (rel, code)) in &self.code {
            let folder = rel.ends_with("mod.rs");
            let line_of = |at: usize| {
                let n = code[..at].matches('\n').count();
                let text = code.lines().nth(n).unwrap_or("").trim();
                format!("{rel}:{}: {text}", n + 1)
            };
            let mut add = |to: Module, at: usize| {
                if &to != module {
                    edges.entry((module.clone(), to)).or_insert_with(|| line_of(at));
                }
            };
            let mut aliases: BTreeMap<String, Module> = BTreeMap::new();
            let decls = use_decls(code);
            for decl in &decls {
                if decl.public && folder {
                    continue;
                }
                for (path, name) in &decl.items {
                    let path: Vec<String> = path.iter().filter(|s| *s != "*").cloned().collect();
                    let Some(to) = self.resolve_path(module, &path, 0) else { continue };
                    let binds_module = self.is_module(&to) && path.last().is_some_and(|l| l == "self" || l == name);
                    if binds_module && to.last() == Some(name) {
                        aliases.insert(name.clone(), to);
                    } else {
                        add(to, decl.at);
                    }
                }
            }
            // The code outside the `use` declarations.
            let mut body = code.clone();
            for decl in &decls {
                let end = body[decl.at..].find(';').map_or(body.len(), |e| decl.at + e + 1);
                // Blanks of the same byte length, so offsets stay those of `code`.
                let blank: String = body[decl.at..end]
                    .chars()
                    .map(|c| if c == '\n' { "\n".to_string() } else { " ".repeat(c.len_utf8()) })
                    .collect();
                body.replace_range(decl.at..end, &blank);
            }
            for (at, path) in paths_in(&body) {
                let to = match aliases.get(&path[0]) {
                    Some(m) => Some(self.resolve(m, &path[1..], 0)),
                    None => self.resolve_path(module, &path, 0),
                };
                if let Some(to) = to {
                    add(to, at);
                }
            }
        }
        edges
    }
}

fn module_name(m: &[String]) -> String {
    if m.is_empty() { "service".to_string() } else { m.join("::") }
}

/// The cycles of the module graph `edges`: for each strongly connected set of two or more
/// modules, one cycle through it, each step with the reference that makes it.
fn cycles(edges: &BTreeMap<(Module, Module), String>) -> Vec<String> {
    let mut next: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    // Modules that reach each other: `a` reaches `b` and `b` reaches `a`.
    let reach = |from: &Module| {
        let mut seen: BTreeSet<&Module> = BTreeSet::new();
        let mut stack = vec![from];
        while let Some(m) = stack.pop() {
            for n in next.get(m).into_iter().flatten() {
                if seen.insert(n) {
                    stack.push(n);
                }
            }
        }
        seen
    };
    let mut reported: BTreeSet<&Module> = BTreeSet::new();
    let mut found = Vec::new();
    for start in next.keys().copied() {
        if reported.contains(start) || !reach(start).contains(start) {
            continue;
        }
        // The shortest way from `start` back to itself (breadth first).
        let mut back: BTreeMap<&Module, &Module> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        let mut closed = None;
        while let Some(m) = queue.pop_front() {
            for n in next.get(m).into_iter().flatten().copied() {
                if n == start {
                    closed = Some(m);
                    break;
                }
                if !back.contains_key(n) {
                    back.insert(n, m);
                    queue.push_back(n);
                }
            }
            if closed.is_some() {
                break;
            }
        }
        let Some(last) = closed else { continue };
        let mut chain = vec![last];
        while let Some(prev) = back.get(chain[chain.len() - 1]).copied().filter(|p| *p != start) {
            chain.push(prev);
        }
        chain.push(start);
        chain.reverse();
        let members = reach(start);
        let knot: Vec<&Module> =
            next.keys().copied().filter(|m| members.contains(m) && reach(m).contains(start)).collect();
        reported.extend(knot.iter().copied());
        let mut text = chain.iter().map(|m| module_name(m)).collect::<Vec<_>>().join(" → ");
        text.push_str(&format!(" → {}", module_name(start)));
        if knot.len() > chain.len() {
            let names: Vec<String> = knot.iter().map(|m| module_name(m)).collect();
            text.push_str(&format!(
                " (one cycle of {} modules that all reach each other: {})",
                knot.len(),
                names.join(", ")
            ));
        }
        for pair in chain.iter().copied().chain([start]).collect::<Vec<_>>().windows(2) {
            let why = edges.get(&(pair[0].clone(), pair[1].clone())).map_or("", String::as_str);
            text.push_str(&format!("\n    {} → {}: {why}", module_name(pair[0]), module_name(pair[1])));
        }
        found.push(text);
    }
    found
}

/// The service modules of `crates/jindu-store/src/service`: (path relative to the root, source).
fn service_files() -> Vec<(String, String)> {
    rust_files(&root().join("crates/jindu-store/src/service")).iter().map(|p| (relative(p), read(p))).collect()
}

/// Rule 5: the service modules reference each other without cycles, so each work line can be
/// read (and changed) from the bottom up: `service` (mod.rs) and `unit_of_work` at the bottom,
/// `audit` above them, the record of a person, derived state, then the work lines.
#[test]
fn service_modules_have_no_cycles() {
    let files = service_files();
    assert!(files.len() > 20, "only {} service files found: is the tree where the test looks?", files.len());
    let tree = ServiceTree::new(&files);
    let edges = tree.edges();
    assert!(
        edges.contains_key(&(vec!["registry".into(), "measures".into()], vec!["casework".into(), "derived".into()])),
        "the scan no longer sees measures → casework::derived (reconcile): is it still reading paths?"
    );
    let found = cycles(&edges);
    assert!(
        found.is_empty(),
        "the service modules reference each other in cycles: move what both need into a lower module, or pass \
         data instead of calling back:\n{}",
        found.join("\n")
    );
}

/// The cycle scan finds what it must.
#[test]
fn the_cycle_scan_sees_uses_paths_and_reexports() {
    let file = |p: &str, s: &str| (format!("crates/jindu-store/src/service/{p}"), s.to_string());
    let files = vec![
        file("mod.rs", "pub mod work;\npub mod low;\npub use work::{high, mid};\npub struct Actor;\n"),
        file("work/mod.rs", "mod derived;\npub use derived::*;\npub mod high;\npub mod mid;\n"),
        file("work/derived.rs", "use crate::service::{Actor, mid};\npub fn reconcile() { mid::helper() }\n"),
        file("work/mid.rs", "// use crate::service::work::high; in a comment\npub fn helper() { super::high::x() }\n"),
        file(
            "work/high.rs",
            "use crate::service::work;\npub fn x() { work::reconcile(); crate::service::low::y() }\n#[cfg(test)]\nmod tests { use crate::service::work::mid; }\n",
        ),
        file("low.rs", "use super::Actor;\npub fn y() {}\n"),
    ];
    let tree = ServiceTree::new(&files);
    let edges = tree.edges();
    let m = |s: &str| -> Module { if s.is_empty() { vec![] } else { s.split("::").map(str::to_string).collect() } };
    let has = |a: &str, b: &str| edges.contains_key(&(m(a), m(b)));
    assert!(has("work::derived", ""), "{edges:?}");
    assert!(has("work::derived", "work::mid"), "{edges:?}");
    assert!(has("work::mid", "work::high"), "{edges:?}");
    assert!(has("work::high", "work::derived"), "a glob re-export resolves: {edges:?}");
    assert!(has("work::high", "low"), "{edges:?}");
    assert!(has("low", ""), "{edges:?}");
    assert!(!has("", "work::high"), "a folder's layout is no reference: {edges:?}");
    assert!(!has("work::high", "work::mid"), "test modules are skipped: {edges:?}");
    let found = cycles(&edges);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("work::derived → work::mid → work::high → work::derived"), "{found:?}");
    assert!(found[0].contains("work/mid.rs:2: pub fn helper() { super::high::x() }"), "{found:?}");
}

/// Rule 6: no SQL text and no backend match in the services; `persistence/sql.rs` holds them.
#[test]
fn services_hold_no_raw_sql() {
    let files = rust_files(&root().join("crates/jindu-store/src/service"));
    assert!(files.len() > 20, "only {} service files found: is the tree where the test looks?", files.len());
    let mut found = Vec::new();
    for path in files {
        found.extend(forbidden_findings(&relative(&path), &read(&path), SERVICE_SQL_FORBIDDEN, &[]));
    }
    let sql = read(&root().join("crates/jindu-store/src/persistence/sql.rs"));
    assert!(sql.contains("FOR NO KEY UPDATE"), "persistence/sql.rs no longer holds the statements: where did they go?");
    assert!(
        found.is_empty(),
        "raw SQL or a backend match in the services: move it into a named function of \
         crates/jindu-store/src/persistence/sql.rs:\n{}",
        found.join("\n")
    );
}

/// The SQL scan finds what it forbids.
#[test]
fn the_sql_scan_catches_raw_sql() {
    let service = r#"
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_raw(Statement::from_string(backend, "SELECT 1")).await?;
    }
    // a comment naming "SELECT " is fine
    db.execute_unprepared("PRAGMA optimize").await?;
    let b = crate::sql::writers(db);
"#;
    let found = forbidden_findings("crates/jindu-store/src/service/x.rs", service, SERVICE_SQL_FORBIDDEN, &[]);
    let lines: Vec<&str> = found.iter().filter_map(|f| f.split(": `").next()).collect();
    assert_eq!(
        lines,
        [
            "crates/jindu-store/src/service/x.rs:2",
            "crates/jindu-store/src/service/x.rs:2",
            "crates/jindu-store/src/service/x.rs:3",
            "crates/jindu-store/src/service/x.rs:3",
            "crates/jindu-store/src/service/x.rs:6",
            "crates/jindu-store/src/service/x.rs:6",
        ],
        "{found:?}"
    );
}
