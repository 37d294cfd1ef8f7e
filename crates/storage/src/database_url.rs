//! Reading a database URL just enough to pick the backend, and scrubbing
//! its secrets out of messages. The URL may hold a password, so nothing
//! here ever puts the URL into an error.

use crate::error::StorageError;

/// The backends a URL can select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// `sqlite:` URLs: an embedded file (or `sqlite::memory:`).
    Sqlite,
    /// `postgres://` and `postgresql://` URLs.
    Postgres,
}

/// Picks the backend from the URL's scheme (case-insensitive).
///
/// # Errors
/// [`StorageError::InvalidUrl`] for `postgres:` without `//`;
/// [`StorageError::UnsupportedScheme`] for any other scheme.
pub(crate) fn backend_of(url: &str) -> Result<Backend, StorageError> {
    let scheme = scheme_of(url).unwrap_or_default().to_ascii_lowercase();
    let rest = url.get(scheme.len()..).unwrap_or_default();
    match scheme.as_str() {
        "sqlite" => Ok(Backend::Sqlite),
        "postgres" | "postgresql" if rest.starts_with("://") => Ok(Backend::Postgres),
        "postgres" | "postgresql" => Err(StorageError::InvalidUrl {
            message: format!("a {scheme} URL must start with {scheme}://"),
        }),
        _ => Err(StorageError::UnsupportedScheme { scheme }),
    }
}

/// The URL's scheme, when it has a well-formed one (RFC 3986: a letter,
/// then letters, digits, `+`, `-` or `.`, then `:`). Only such a short token
/// is ever echoed in an error.
fn scheme_of(url: &str) -> Option<&str> {
    let (scheme, _) = url.split_once(':')?;
    let mut bytes = scheme.bytes();
    let first_ok = bytes.next().is_some_and(|b| b.is_ascii_alphabetic());
    let rest_ok = bytes.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    (first_ok && rest_ok && scheme.len() <= 32).then_some(scheme)
}

/// `message` with every possible spelling of the URL's password, and the
/// URL itself, replaced by `***`.
pub(crate) fn redact(message: &str, url: &str) -> String {
    let mut secrets: Vec<String> = vec![url.to_owned()];
    for password in password_candidates(url) {
        secrets.push(percent_decode(password));
        secrets.push(password.to_owned());
    }
    secrets.retain(|s| !s.is_empty());
    // Longest first, so a password that contains another candidate is
    // replaced whole.
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    let mut clean = message.to_owned();
    for secret in &secrets {
        if clean.contains(secret.as_str()) {
            clean = clean.replace(secret.as_str(), "***");
        }
    }
    clean
}

/// What the password could be, for both readings of a URL whose password
/// was not percent-encoded: the authority ends at the first `/`, `?` or
/// `#`, or the user info ends at the last `@`.
fn password_candidates(url: &str) -> Vec<&str> {
    let Some((_, rest)) = url.split_once("://") else {
        return Vec::new();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = rest.get(..authority_end).unwrap_or(rest);
    let mut candidates = Vec::new();
    for scope in [authority, rest] {
        if let Some((user_info, _)) = scope.rsplit_once('@')
            && let Some((_, password)) = user_info.split_once(':')
        {
            candidates.push(password);
        }
    }
    candidates
}

/// Decodes `%XX` escapes; anything malformed is kept as written.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let decoded = (bytes[i] == b'%')
            .then(|| s.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match decoded {
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
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn schemes_pick_the_backend() {
        for url in [
            "sqlite://./data/calbridge.db",
            "sqlite::memory:",
            "SQLite:x.db",
        ] {
            assert_eq!(backend_of(url).unwrap(), Backend::Sqlite, "{url}");
        }
        for url in [
            "postgres://u@h/db",
            "postgresql://u:p@h:5432/db?sslmode=disable",
            "POSTGRES://h/db",
        ] {
            assert_eq!(backend_of(url).unwrap(), Backend::Postgres, "{url}");
        }
    }

    #[test]
    fn other_schemes_are_refused_by_name() {
        match backend_of("mysql://root:hunter2@localhost/db") {
            Err(StorageError::UnsupportedScheme { scheme }) => assert_eq!(scheme, "mysql"),
            other => panic!("expected UnsupportedScheme, got {other:?}"),
        }
        assert!(matches!(
            backend_of("postgres:/h/db"),
            Err(StorageError::InvalidUrl { .. })
        ));
        for url in ["", "no scheme here", "/var/db.sqlite", "://x"] {
            assert!(
                matches!(backend_of(url), Err(StorageError::UnsupportedScheme { .. })),
                "{url}"
            );
        }
        // A malformed "scheme" is not echoed.
        match backend_of("pass word@host:5432") {
            Err(StorageError::UnsupportedScheme { scheme }) => assert_eq!(scheme, ""),
            other => panic!("expected UnsupportedScheme, got {other:?}"),
        }
    }

    #[test]
    fn passwords_are_redacted_in_every_spelling() {
        let url = "postgres://app:p%40ss%2Fw0rd@db.example.com:5432/app";
        let message = "failed for p@ss/w0rd and p%40ss%2Fw0rd at postgres://app:p%40ss%2Fw0rd@db.example.com:5432/app";
        let clean = redact(message, url);
        assert!(!clean.contains("w0rd"), "{clean}");
        assert!(clean.contains("failed for ***"), "{clean}");
    }

    #[test]
    fn unencoded_special_characters_in_passwords_are_redacted() {
        for (url, password) in [
            ("postgres://u:pa@ss@h/db", "pa@ss"),
            ("postgres://u:pa/ss@h/db", "pa/ss"),
            ("postgres://u:pa#ss@h/db", "pa#ss"),
        ] {
            let clean = redact(&format!("oops {password} oops"), url);
            assert!(!clean.contains(password), "{url}: {clean}");
        }
    }

    #[test]
    fn messages_without_secrets_are_unchanged() {
        assert_eq!(
            redact("connection refused", "postgres://u@h/db"),
            "connection refused"
        );
        assert_eq!(
            redact("connection refused", "sqlite:x.db"),
            "connection refused"
        );
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(percent_decode("%zz%41"), "%zzA");
    }
}
