//! Removes the API key from text Cal.com (or the transport) hands back, so
//! that no error message, log line or `Debug` output can carry it, even if
//! an upstream error body echoes the request.

use secrecy::{ExposeSecret, SecretString};

/// What replaces the key in redacted text.
const MASK: &str = "[redacted]";

/// Key prefixes Cal.com strips before looking a key up; the rest is the
/// secret part and is masked on its own too.
const KEY_PREFIXES: [&str; 2] = ["cal_live_", "cal_"];

/// Shortest secret part worth masking on its own; shorter ones would mask
/// ordinary words.
const MIN_NEEDLE_CHARS: usize = 8;

/// Masks one API key in text. Cheap to clone; `Debug` never shows the key.
#[derive(Clone)]
pub(crate) struct Redactor {
    key: SecretString,
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Redactor([REDACTED])")
    }
}

impl Redactor {
    /// A redactor for `key`.
    pub(crate) fn new(key: SecretString) -> Self {
        Self { key }
    }

    /// `text` with every occurrence of the key (whole, or without its
    /// `cal_`/`cal_live_` prefix) replaced by a mask.
    pub(crate) fn redact(&self, text: &str) -> String {
        let key = self.key.expose_secret();
        let mut out = text.to_owned();
        if !key.is_empty() {
            out = out.replace(key, MASK);
        }
        for prefix in KEY_PREFIXES {
            if let Some(rest) = key.strip_prefix(prefix) {
                if rest.chars().count() >= MIN_NEEDLE_CHARS {
                    out = out.replace(rest, MASK);
                }
                break;
            }
        }
        out
    }

    /// `value` with the key masked in every string inside it (keys and values).
    pub(crate) fn redact_json(&self, value: serde_json::Value) -> serde_json::Value {
        use serde_json::Value;
        match value {
            Value::String(s) => Value::String(self.redact(&s)),
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|v| self.redact_json(v)).collect())
            }
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| (self.redact(&k), self.redact_json(v)))
                    .collect(),
            ),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn redactor() -> Redactor {
        Redactor::new(SecretString::from("cal_live_0123456789abcdef"))
    }

    #[test]
    fn masks_the_whole_key_and_its_secret_part() {
        let r = redactor();
        assert_eq!(
            r.redact("key cal_live_0123456789abcdef is bad"),
            "key [redacted] is bad"
        );
        assert_eq!(r.redact("hash of 0123456789abcdef"), "hash of [redacted]");
        assert_eq!(r.redact("nothing here"), "nothing here");
    }

    #[test]
    fn masks_inside_json() {
        let r = redactor();
        let v = r.redact_json(json!({
            "headers": {"authorization": "Bearer cal_live_0123456789abcdef"},
            "list": ["0123456789abcdef", 3],
        }));
        assert_eq!(
            v,
            json!({"headers": {"authorization": "Bearer [redacted]"}, "list": ["[redacted]", 3]})
        );
    }

    #[test]
    fn short_secret_parts_are_not_masked_alone() {
        let r = Redactor::new(SecretString::from("cal_abc"));
        assert_eq!(r.redact("abc cal_abc"), "abc [redacted]");
    }

    #[test]
    fn debug_hides_the_key() {
        assert!(!format!("{:?}", redactor()).contains("0123456789"));
    }
}
