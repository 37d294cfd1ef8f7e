//! Keeps the Redis password out of error messages.
//!
//! Our own messages never include the URL, but the redis crate's or the
//! server's might echo part of it; every message is scrubbed before it
//! becomes a [`crate::CacheError`].

use secrecy::{ExposeSecret, SecretString};

/// Shown where a secret was removed.
const REDACTED: &str = "<redacted>";

/// The secrets of one Redis URL, to be removed from any text.
pub(super) struct Redactor {
    /// The password as written in the URL and percent-decoded (when they
    /// differ). Never empty strings.
    secrets: Vec<SecretString>,
}

impl Redactor {
    /// Collects the password of `url` (`scheme://[user][:password]@host...`).
    /// Works on URLs the redis crate cannot parse, so even a parse error is
    /// scrubbed.
    pub(super) fn for_url(url: &str) -> Self {
        let mut secrets = Vec::new();
        if let Some(raw) = raw_password(url) {
            let decoded = percent_decode(raw);
            if decoded != raw && !decoded.is_empty() {
                secrets.push(SecretString::from(decoded));
            }
            secrets.push(SecretString::from(raw.to_owned()));
        }
        // Longest first, so a secret containing another is removed whole.
        secrets.sort_by_key(|s| std::cmp::Reverse(s.expose_secret().len()));
        Self { secrets }
    }

    /// `text` with every secret replaced by a marker.
    pub(super) fn scrub(&self, text: &str) -> String {
        let mut text = text.to_owned();
        for secret in &self.secrets {
            text = text.replace(secret.expose_secret(), REDACTED);
        }
        text
    }
}

impl std::fmt::Debug for Redactor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Redactor")
            .field("secrets", &self.secrets.len())
            .finish()
    }
}

/// The password part of the URL's userinfo, if any and non-empty.
fn raw_password(url: &str) -> Option<&str> {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    // Like a URL parser, split userinfo at the last '@' of the authority
    // (which ends at '/', '?' or '#'). A sloppy password with a raw '/' ends
    // the authority early; then fall back to the last '@' anywhere, erring
    // towards redacting too much.
    let authority_end = after_scheme
        .find(['/', '?', '#'])
        .unwrap_or(after_scheme.len());
    let at = after_scheme[..authority_end]
        .rfind('@')
        .or_else(|| after_scheme.rfind('@'))?;
    let userinfo = &after_scheme[..at];
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then_some(password)
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_password_in_the_usual_forms() {
        assert_eq!(raw_password("redis://:s3cret@host:6379"), Some("s3cret"));
        assert_eq!(raw_password("redis://user:pw@host:6379/0"), Some("pw"));
        assert_eq!(raw_password("rediss://u:p@ss@host"), Some("p@ss"));
        assert_eq!(raw_password("redis://user@host"), None);
        assert_eq!(raw_password("redis://:@host"), None);
        assert_eq!(raw_password("redis://host:6379"), None);
        assert_eq!(raw_password("not a url"), None);
        assert_eq!(raw_password("redis://:a/b@host"), Some("a/b"));
        assert_eq!(raw_password("redis://:pw@host/0?x=a@b"), Some("pw"));
    }

    #[test]
    fn scrubs_raw_and_decoded_password() {
        let redactor = Redactor::for_url("redis://u:p%40ss%2Fw0rd@host:6379");
        let text = "failed with p%40ss%2Fw0rd and p@ss/w0rd";
        let scrubbed = redactor.scrub(text);
        assert_eq!(scrubbed, "failed with <redacted> and <redacted>");
        assert!(!format!("{redactor:?}").contains("w0rd"));
    }

    #[test]
    fn no_password_leaves_text_alone() {
        let redactor = Redactor::for_url("redis://127.0.0.1:6379");
        assert_eq!(redactor.scrub("connection refused"), "connection refused");
    }

    #[test]
    fn malformed_escapes_are_kept() {
        assert_eq!(percent_decode("a%zzb%4"), "a%zzb%4");
        assert_eq!(percent_decode("%41%62"), "Ab");
    }
}
