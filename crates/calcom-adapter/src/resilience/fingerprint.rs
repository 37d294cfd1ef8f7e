//! A short, stable name for an API key that is safe to show: what the
//! breaker and limiter maps, the Redis key names and the metrics use, so
//! the key itself never has to appear anywhere.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// Domain separation, so our fingerprint of a key differs from Cal.com's own
/// lookup hash (`sha256(key)`), which would let anyone who sees it check a
/// guessed key against Cal.com's database.
const CONTEXT: &[u8] = b"calbridge-calcom key fingerprint v1\0";

/// Hex characters kept: 64 bits are plenty to tell a handful of keys apart.
const HEX_CHARS: usize = 16;

/// The first 64 bits of a salted SHA-256 of an API key, as hex.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyFingerprint(String);

impl KeyFingerprint {
    /// The fingerprint of `key`.
    pub fn of(key: &SecretString) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(CONTEXT);
        hasher.update(key.expose_secret().as_bytes());
        let digest = hasher.finalize();
        let mut hex = hex::encode(digest);
        hex.truncate(HEX_CHARS);
        Self(hex)
    }

    /// The fingerprint as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for KeyFingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyFingerprint({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_short_and_unrelated_to_the_key_text() {
        let key = SecretString::from("cal_live_0123456789abcdef");
        let a = KeyFingerprint::of(&key);
        assert_eq!(a, KeyFingerprint::of(&key));
        assert_eq!(a.as_str().len(), 16);
        assert!(a.as_str().bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.as_str().contains("0123"));
        assert_ne!(a, KeyFingerprint::of(&SecretString::from("cal_live_other")));
    }
}
