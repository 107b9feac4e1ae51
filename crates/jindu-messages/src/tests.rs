//! The catalogue is complete: every key in both languages with the same placeholders, every
//! `msg.*` code written in the code base and every key a template asks for present.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::*;

/// One catalogue entry as written in the .yml files: its zh-CN and en texts.
#[derive(Default)]
struct Entry {
    zh: Option<String>,
    en: Option<String>,
    file: String,
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Reads `locales/*.yml` line by line (the files keep one shape: a key at column 0, then
/// `  zh-CN: "…"` and `  en: "…"`), refusing anything else so the parser never skips a line.
fn catalogue() -> BTreeMap<String, Entry> {
    let mut out: BTreeMap<String, Entry> = BTreeMap::new();
    let dir = manifest_dir().join("locales");
    let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    for path in files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let mut key: Option<String> = None;
        for (n, line) in text.lines().enumerate() {
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with("_version:") {
                continue;
            }
            if let Some(k) = line.strip_suffix(':').filter(|_| !line.starts_with(' ')) {
                assert!(!out.contains_key(k), "{name}:{}: key {k} defined twice", n + 1);
                out.insert(k.to_string(), Entry { file: name.clone(), ..Entry::default() });
                key = Some(k.to_string());
            } else if let Some(v) = line.strip_prefix("  zh-CN: ") {
                let k = key.clone().unwrap_or_else(|| panic!("{name}:{}: value before any key", n + 1));
                out.get_mut(&k).unwrap().zh = Some(v.to_string());
            } else if let Some(v) = line.strip_prefix("  en: ") {
                let k = key.clone().unwrap_or_else(|| panic!("{name}:{}: value before any key", n + 1));
                out.get_mut(&k).unwrap().en = Some(v.to_string());
            } else {
                panic!("{name}:{}: unexpected line {line:?}", n + 1);
            }
        }
    }
    out
}

/// The `%{name}` placeholders of a sentence.
fn placeholders(s: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = s;
    while let Some(i) = rest.find("%{") {
        let after = &rest[i + 2..];
        let Some(end) = after.find('}') else { break };
        out.insert(after[..end].to_string());
        rest = &after[end + 1..];
    }
    out
}

fn files_under(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries {
        let p = e.unwrap().path();
        if p.is_dir() {
            files_under(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// Every string literal `"msg.…"` in `crates/*/src/**/*.rs`, with where it is written.
fn codes_in_source() -> BTreeMap<String, String> {
    let crates = manifest_dir().join("..");
    let mut files = Vec::new();
    for c in std::fs::read_dir(&crates).unwrap() {
        files_under(&c.unwrap().path().join("src"), "rs", &mut files);
    }
    assert!(files.len() > 50, "found the sources ({} files)", files.len());
    let mut out = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let mut rest = line;
            while let Some(i) = rest.find("\"msg.") {
                let after = &rest[i + 1..];
                let end =
                    after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')).unwrap_or(after.len());
                let code = &after[..end];
                if after[end..].starts_with('"') && !code.ends_with('.') {
                    out.entry(code.to_string()).or_insert_with(|| format!("{}:{}", f.display(), n + 1));
                }
                rest = &after[end..];
            }
        }
    }
    out
}

#[test]
fn every_entry_has_both_languages_and_the_same_placeholders() {
    let cat = catalogue();
    assert!(cat.len() > 500, "catalogue read: {} keys", cat.len());
    for (key, e) in &cat {
        let (Some(zh), Some(en)) = (&e.zh, &e.en) else {
            panic!("{}: {key} lacks {}", e.file, if e.zh.is_none() { "zh-CN" } else { "en" });
        };
        assert_eq!(placeholders(zh), placeholders(en), "{}: {key}: placeholders differ", e.file);
        assert_eq!(
            t(key, "zh"),
            *zh.strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .unwrap()
                .replace("\\\"", "\"")
                .replace("\\\\", "\\"),
            "{key} (zh) as rust-i18n reads it"
        );
    }
}

#[test]
fn every_code_in_the_source_is_in_the_catalogue() {
    let cat = catalogue();
    let codes = codes_in_source();
    assert!(codes.contains_key("msg.inline"), "the walk finds codes: {codes:?}");
    let missing: Vec<_> = codes.iter().filter(|(c, _)| !cat.contains_key(c.as_str())).collect();
    assert!(missing.is_empty(), "codes written in the source but missing from locales/*.yml: {missing:#?}");
    let unused: Vec<_> = cat.keys().filter(|k| k.starts_with("msg.") && !codes.contains_key(*k)).collect();
    assert!(unused.is_empty(), "msg.* entries no code produces (remove them): {unused:#?}");
}

#[test]
fn every_key_a_template_asks_for_is_in_the_catalogue() {
    let cat = catalogue();
    let mut files = Vec::new();
    files_under(&manifest_dir().join("../jindu-web/templates"), "html", &mut files);
    assert!(!files.is_empty());
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut rest = text.as_str();
        while let Some(i) = rest.find("t(\"") {
            let after = &rest[i + 3..];
            let end = after.find('"').unwrap();
            let key = &after[..end];
            assert!(cat.contains_key(key), "{}: t(\"{key}\") is not in the catalogue", f.display());
            rest = &after[end..];
        }
    }
}

#[test]
fn render_substitutes_labels_text_and_nested_messages() {
    let inner = Message::bilingual("内层。", "Inner.");
    assert_eq!(render(&inner, "zh"), "内层。");
    assert_eq!(render(&inner, "en"), "Inner.");
    assert_eq!(render_both(&inner), ("内层。".to_string(), "Inner.".to_string()));
    assert_eq!(render_code("msg.inline", &[("text", "x".to_string())], "en"), "x");
    assert_eq!(substitute("a %{b} %{c} %{", |n| (n == "b").then(|| "B".to_string())), "a B %{c} %{");
    assert_eq!(t("no.such.key", "en"), "no.such.key");
    assert_eq!(t("app.name", "en"), "Jindu drug-control platform");
    assert_eq!(t("app.name", "zh"), "禁毒工作综合管理平台");
}

/// The domain's sentences, rendered through the catalogue exactly as they were written before
/// the catalogue (the tests moved here from `jindu-domain`: error.rs, transfer.rs, police.rs,
/// query.rs).
mod domain_sentences {
    use chrono::NaiveDate;
    use jindu_domain::id_number::IdNumberError;
    use jindu_domain::kinds::ControlStatus;
    use jindu_domain::transfer::{TransferAction, TransferStatus, check_reject_reason, check_request, check_step};
    use jindu_domain::{DivisionCode, DivisionLevel, DomainError, query};

    use crate::{render, render_both};

    fn both(e: &DomainError) -> (String, String) {
        render_both(&e.message())
    }

    #[test]
    fn check_digit_message_names_the_field() {
        let e = DomainError::IdNumber {
            field: "id_number",
            reason: IdNumberError::CheckDigit { expected: 'X', found: '3' },
        };
        assert_eq!(
            both(&e),
            (
                "身份证号校验码错误：应为X，实为3。".into(),
                "ID number check digit is wrong: expected X, found 3.".into()
            )
        );
    }

    #[test]
    fn date_before_message() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let e = DomainError::DateBefore {
            field: "report_date",
            date: d("2024-02-20"),
            other_field: "decision_date",
            other: d("2024-02-21"),
        };
        assert_eq!(render(&e.message(), "zh"), "报到日期（2024-02-20）不能早于决定日期（2024-02-21）。");
        assert_eq!(
            render(&e.message(), "en"),
            "Report date (2024-02-20) cannot be before the decision date (2024-02-21)."
        );
    }

    #[test]
    fn transition_message_uses_labels() {
        let e = DomainError::IllegalTransition { from: "deceased", action: "drug_test" };
        assert_eq!(render(&e.message(), "zh"), "当前状态为“死亡”，不能进行“检测”。");
        assert_eq!(render(&e.message(), "en"), "\"Drug test\" is not allowed while the status is \"Deceased\".");
    }

    #[test]
    fn transfer_sentences() {
        let e = check_step(TransferStatus::Rejected, TransferAction::Accept).unwrap_err();
        assert_eq!(render(&e.message(), "zh"), "当前状态为“已退回”，不能进行“接收”。");
        assert_eq!(render(&e.message(), "en"), "\"Accept\" is not allowed while the status is \"Returned\".");
        let same = check_request("430405009000", "430405009000", false).unwrap_err();
        assert_eq!(render(&same.message(), "zh"), "变更后的执行地须为其他街道（乡镇），不能是当前所在街道。");
        let e = check_reject_reason(" ").unwrap_err();
        assert_eq!(both(&e), ("请填写退回理由。".into(), "Reason for returning is required.".into()));
    }

    #[test]
    fn police_figures_name_the_drug() {
        let e = jindu_domain::indicator::police::parse_grams("seized_heroin", "-1").unwrap_err();
        assert!(render(&e.message(), "zh").starts_with("缴获海洛因“-1”不是有效的数"));
    }

    #[test]
    fn query_choices_and_scope() {
        let e = query::choice("status", "xyz", ControlStatus::ALL, ControlStatus::as_code).unwrap_err();
        let (zh, en) = both(&e);
        assert!(zh.starts_with("查询参数 status 的取值“xyz”无效：应为以下取值之一：under_control、"), "{zh}");
        assert!(en.contains("expected one of: under_control, "), "{en}");
        let scope = DivisionCode::parse("430405").unwrap();
        let e = query::division("town", "430406001", DivisionLevel::Town, &scope).unwrap_err();
        assert!(render(&e.message(), "zh").contains("430405"));
    }
}
