//! The OpenAPI document pinned by a snapshot: `snapshots/openapi.json` is the document as the
//! API serves it, pretty-printed with the keys of every object sorted. A change to a route, a
//! DTO or a description shows in review as a change of that file. After an intended change,
//! rewrite it with `JINDU_UPDATE_SNAPSHOTS=1 cargo test -p jindu-web --test it openapi::` and
//! commit it with the change.

use std::path::PathBuf;

use serde_json::Value;

/// Where the snapshot is kept.
fn snapshot_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/it/snapshots/openapi.json")
}

/// `v` with the keys of every object in sorted order (whatever order the map type keeps).
fn sorted(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sorted).collect()),
        other => other,
    }
}

/// The document as the snapshot holds it: sorted, pretty-printed, one final newline.
fn rendered() -> String {
    let doc = serde_json::to_value(jindu_web::api::openapi()).unwrap();
    let mut text = serde_json::to_string_pretty(&sorted(doc)).unwrap();
    text.push('\n');
    text
}

#[test]
fn openapi_document_matches_the_snapshot() {
    let actual = rendered();
    let path = snapshot_path();
    if std::env::var_os("JINDU_UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &actual).unwrap();
        eprintln!("rewrote {}", path.display());
        return;
    }
    let update = "if the change is intended, rewrite the snapshot with \
                  `JINDU_UPDATE_SNAPSHOTS=1 cargo test -p jindu-web --test it openapi::` and commit it";
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the snapshot {}: {e}; {update}", path.display()));
    if actual != expected {
        let (line, (want, got)) = expected
            .lines()
            .chain(std::iter::repeat("<end of file>"))
            .zip(actual.lines().chain(std::iter::repeat("<end of document>")))
            .enumerate()
            .find(|(_, (e, a))| e != a)
            .map(|(i, pair)| (i + 1, pair))
            .unwrap_or((0, ("", "")));
        panic!(
            "the OpenAPI document differs from {} from line {line}:\n  snapshot: {want}\n  document: {got}\n{update}",
            path.display()
        );
    }
    // The served document is the same document.
    let served: Value = serde_json::from_str(&jindu_web::api::openapi().to_pretty_json().unwrap()).unwrap();
    assert_eq!(sorted(served), serde_json::from_str::<Value>(&expected).unwrap());
}
