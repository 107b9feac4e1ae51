//! Jindu's one message catalogue: every sentence and label a person sees, in Chinese (zh-CN, the
//! default) and English, read by the pages, the API and the CLI alike.
//!
//! The catalogue is `locales/*.yml` (rust-i18n, `_version: 2`: one key, then `zh-CN` and `en`).
//! Page labels have keys such as `imp.title`; sentences of errors and refusals have keys
//! `msg.<code>` and `%{name}` placeholders. The domain and the services return a
//! [`jindu_domain::message::Message`] (code and parameters) and the edge renders it with
//! [`render`] in the reader's language. The tests of this crate walk the code base: a `msg.*`
//! code written anywhere in `crates/*/src` or a key used by a template must exist in both
//! languages with the same placeholders, so a missing sentence fails the build's tests rather
//! than showing up as a bare key on a page.

pub use jindu_domain::message::{Arg, Message};

rust_i18n::i18n!("locales", fallback = "zh-CN");

/// The catalogue's locale for a language code: `en` gives English, anything else Chinese.
fn locale(lang: &str) -> &'static str {
    if lang == "en" { "en" } else { "zh-CN" }
}

/// The catalogue entry `key` in `lang` (`en` or Chinese), without substitution; a key missing
/// from the catalogue gives the key itself (the tests make sure none is).
pub fn t(key: &str, lang: &str) -> String {
    match _rust_i18n_try_translate(locale(lang), key) {
        Some(s) => s.into_owned(),
        None => key.to_string(),
    }
}

/// The sentence `code` in `lang` with each `%{name}` replaced by the parameter `name`.
/// A parameter the sentence does not use is ignored; a placeholder without a parameter stays
/// visible as `%{name}`.
pub fn render_code(code: &str, args: &[(&str, String)], lang: &str) -> String {
    substitute(&t(code, lang), |name| args.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
}

/// `message` rendered in `lang` (`en` or Chinese): its sentence from the catalogue with every
/// parameter substituted; labels in the language, nested messages rendered in the same one.
pub fn render(message: &Message, lang: &str) -> String {
    substitute(&t(message.code, lang), |name| message.arg(name).map(|a| render_arg(a, lang)))
}

/// Both renderings of `message`, Chinese first: for the API's `message_zh` / `message_en` and
/// the CLI's `中文 / English` lines.
pub fn render_both(message: &Message) -> (String, String) {
    (render(message, "zh"), render(message, "en"))
}

/// One parameter in `lang`.
fn render_arg(arg: &Arg, lang: &str) -> String {
    match arg {
        Arg::Text(s) => s.clone(),
        Arg::Label { zh, en } => {
            if lang == "en" {
                en.to_string()
            } else {
                zh.to_string()
            }
        }
        Arg::Message(m) => render(m, lang),
    }
}

/// Replaces each `%{name}` of `template` by `value(name)`, leaving unknown ones as they are.
fn substitute(template: &str, value: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find("%{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match value(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push_str("%{");
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests;
