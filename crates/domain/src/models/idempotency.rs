//! Idempotency keys with Stripe's semantics: the first request with a key
//! runs, repeats with the same body get its stored response, a repeat with
//! a different body is refused, and keys are forgotten after a while.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A caller-chosen `Idempotency-Key`, scoped to its tenant.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Longest key accepted (Stripe allows 255).
    pub const MAX_CHARS: usize = 255;

    /// How long a key is remembered.
    pub const TTL: Duration = Duration::from_secs(24 * 60 * 60);

    /// Validates a key: 1-255 visible ASCII characters.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] otherwise.
    pub fn parse(s: impl Into<String>) -> Result<Self, DomainError> {
        let s = s.into();
        let ok =
            !s.is_empty() && s.len() <= Self::MAX_CHARS && s.bytes().all(|b| b.is_ascii_graphic());
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid(
                "Idempotency-Key",
                format!("must be 1-{} visible ASCII characters", Self::MAX_CHARS),
            ))
        }
    }

    /// The key as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IdempotencyKey {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<IdempotencyKey> for String {
    fn from(k: IdempotencyKey) -> Self {
        k.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The response of the first request with a key, replayed to repeats.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredResponse {
    /// HTTP status code.
    pub status: u16,
    /// Headers to replay (e.g. `content-type`, `location`), in order.
    pub headers: Vec<(String, String)>,
    /// The body, byte for byte.
    pub body: Vec<u8>,
}

impl fmt::Debug for StoredResponse {
    // The body can hold personal data: logs get its size only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &format_args!("<{} bytes>", self.body.len()))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii() {
        assert!(IdempotencyKey::parse("a1b2-c3_d4:e5").is_ok());
        assert!(IdempotencyKey::parse("").is_err());
        assert!(IdempotencyKey::parse("has space").is_err());
        assert!(IdempotencyKey::parse("ünïcode").is_err());
        assert!(IdempotencyKey::parse("k".repeat(255)).is_ok());
        assert!(IdempotencyKey::parse("k".repeat(256)).is_err());
    }

    #[test]
    fn debug_hides_the_body() {
        let r = StoredResponse {
            status: 201,
            headers: vec![],
            body: b"secret-ish".to_vec(),
        };
        let shown = format!("{r:?}");
        assert!(
            shown.contains("<10 bytes>") && !shown.contains("secret"),
            "{shown}"
        );
    }
}
