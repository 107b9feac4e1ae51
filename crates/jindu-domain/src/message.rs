//! A sentence to show a person, as a stable code and its parameters; the words themselves are in
//! the one catalogue (`crates/jindu-messages/locales/*.yml`, zh-CN and en) and are rendered at
//! the edge (pages, API, CLI) by `jindu_messages::render`. The domain and the services return a
//! [`Message`]; they never write a sentence.

use std::borrow::Cow;

/// One parameter of a [`Message`], substituted for `%{name}` in the catalogue's sentence.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub enum Arg {
    /// The same in every language: a number, a date, a code, the input echoed back.
    Text(String),
    /// A label that differs by language (a field's name, a status), chosen when rendering.
    Label {
        /// The Chinese label.
        zh: Cow<'static, str>,
        /// The English label.
        en: Cow<'static, str>,
    },
    /// Another message, rendered in the same language (a reason inside a sentence, the problem
    /// of one row after "Row 3:").
    Message(Box<Message>),
}

/// A sentence by its catalogue code (`msg.…`) and its named parameters.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Message {
    /// The catalogue key, e.g. `msg.date.before`.
    pub code: &'static str,
    /// The parameters by name (`field`, `row`, `date`, …), in no particular order.
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    /// A message without parameters.
    pub fn new(code: &'static str) -> Self {
        Message { code, args: Vec::new() }
    }

    /// Adds a parameter that reads the same in every language (a number, a date, input).
    pub fn text(mut self, name: &'static str, value: impl ToString) -> Self {
        self.args.push((name, Arg::Text(value.to_string())));
        self
    }

    /// Adds a parameter whose words differ by language.
    pub fn label(
        mut self,
        name: &'static str,
        zh: impl Into<Cow<'static, str>>,
        en: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.args.push((name, Arg::Label { zh: zh.into(), en: en.into() }));
        self
    }

    /// Adds a form field's label (see [`crate::error::field_label`]) as the parameter `name`.
    pub fn field(self, name: &'static str, field: &str) -> Self {
        self.label(name, crate::error::field_label(field, "zh"), crate::error::field_label(field, "en"))
    }

    /// Adds another message as the parameter `name`, rendered in the same language.
    pub fn nested(mut self, name: &'static str, message: Message) -> Self {
        self.args.push((name, Arg::Message(Box::new(message))));
        self
    }

    /// A text given in both languages by the caller (`msg.inline`): only for words that exist
    /// as stored data (sentences kept in records written before the catalogue). New sentences
    /// get a code of their own in the catalogue.
    pub fn bilingual(zh: impl Into<String>, en: impl Into<String>) -> Self {
        Message::new("msg.inline").label("text", zh.into(), en.into())
    }

    /// The parameter `name`, if given.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        self.args.iter().find(|(n, _)| *n == name).map(|(_, a)| a)
    }
}

/// Keeps echoed user input short in messages (40 characters, then `…`).
pub fn shorten(input: &str) -> String {
    let mut s: String = input.chars().take(40).collect();
    if input.chars().count() > 40 {
        s.push('…');
    }
    s
}

/// For the domain's own tests: renders a [`Message`] from the catalogue files themselves
/// (`crates/jindu-messages/locales/*.yml`, read at test time), so a test can pin a sentence
/// without depending on `jindu-messages` (which depends on this crate). The edge renders with
/// `jindu_messages::render`; `jindu-messages`' tests check that both agree.
#[cfg(test)]
pub(crate) mod testing {
    use super::{Arg, Message};
    use std::collections::HashMap;
    use std::sync::OnceLock;

    fn catalogue() -> &'static HashMap<(String, &'static str), String> {
        static CATALOGUE: OnceLock<HashMap<(String, &'static str), String>> = OnceLock::new();
        CATALOGUE.get_or_init(|| {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../jindu-messages/locales");
            let mut out = HashMap::new();
            for entry in std::fs::read_dir(dir).unwrap() {
                let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
                let mut key = String::new();
                for line in text.lines() {
                    if let Some(k) = line.strip_suffix(':').filter(|_| !line.starts_with(' ')) {
                        key = k.to_string();
                    } else if let Some(v) = line.strip_prefix("  zh-CN: ") {
                        out.insert((key.clone(), "zh"), unquote(v));
                    } else if let Some(v) = line.strip_prefix("  en: ") {
                        out.insert((key.clone(), "en"), unquote(v));
                    }
                }
            }
            out
        })
    }

    fn unquote(v: &str) -> String {
        v.trim()
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(v)
            .replace("\\\"", "\"")
            .replace("\\\\", "\\")
    }

    /// `m` in `lang` (`zh` or `en`).
    pub(crate) fn render(m: &Message, lang: &'static str) -> String {
        let mut s =
            catalogue().get(&(m.code.to_string(), lang)).cloned().unwrap_or_else(|| panic!("{} missing", m.code));
        for (name, arg) in &m.args {
            let v = match arg {
                Arg::Text(t) => t.clone(),
                Arg::Label { zh, en } => {
                    if lang == "en" {
                        en.to_string()
                    } else {
                        zh.to_string()
                    }
                }
                Arg::Message(inner) => render(inner, lang),
            };
            s = s.replace(&format!("%{{{name}}}"), &v);
        }
        s
    }

    /// `m` in Chinese.
    pub(crate) fn zh(m: &Message) -> String {
        render(m, "zh")
    }

    /// `m` in English.
    pub(crate) fn en(m: &Message) -> String {
        render(m, "en")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_keeps_the_parameters_in_order() {
        let m = Message::new("msg.required").field("field", "id_number").text("row", 3);
        assert_eq!(m.code, "msg.required");
        assert_eq!(m.arg("row"), Some(&Arg::Text("3".into())));
        assert_eq!(m.arg("field"), Some(&Arg::Label { zh: "身份证号".into(), en: "ID number".into() }));
        assert_eq!(m.arg("nothing"), None);
        assert_eq!(shorten(&"字".repeat(41)).chars().count(), 41);
    }
}
