//! `X-Cal-Signature-256`: lowercase hex HMAC-SHA256 of the exact raw body
//! (NOTES §5). Checked against every active secret of the connection, so
//! old and new secrets both work during a rotation, before the body is
//! parsed at all.

use hmac::{Hmac, KeyInit, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// What Cal.com sends for a webhook without a secret: never accepted.
const NO_SECRET: &str = "no-secret-provided";

/// The outcome of a signature check; every variant but `Valid` is a 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Made with one of the connection's secrets.
    Valid,
    /// No header at all.
    Missing,
    /// The webhook was created without a secret.
    NoSecretProvided,
    /// Not 64 hex digits.
    Malformed,
    /// Well formed, but no secret produces it.
    Mismatch,
}

/// Checks `header` against `body` with each of `secrets`, in constant time
/// per secret.
pub fn verify_signature(
    header: Option<&[u8]>,
    body: &[u8],
    secrets: &[SecretString],
) -> SignatureCheck {
    let Some(header) = header else {
        return SignatureCheck::Missing;
    };
    let header = header.trim_ascii();
    if header == NO_SECRET.as_bytes() {
        return SignatureCheck::NoSecretProvided;
    }
    if header.len() != 64 {
        return SignatureCheck::Malformed;
    }
    let Ok(expected) = hex::decode(header) else {
        return SignatureCheck::Malformed;
    };
    let mut valid = false;
    for secret in secrets {
        let key = secret.expose_secret().as_bytes();
        if key.is_empty() {
            continue;
        }
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
            continue;
        };
        mac.update(body);
        // No early exit: every secret is tried, so timing does not tell
        // which one matched.
        valid |= mac.verify_slice(&expected).is_ok();
    }
    if valid {
        SignatureCheck::Valid
    } else {
        SignatureCheck::Mismatch
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn sign(secret: &str, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(body);
        hex::encode(mac.finalize().into_bytes())
    }

    #[test]
    fn rfc_4231_vector_and_rotation() {
        let body = b"what do ya want for nothing?";
        let sig = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
        let jefe = [SecretString::from("Jefe")];
        assert_eq!(
            verify_signature(Some(sig.as_bytes()), body, &jefe),
            SignatureCheck::Valid
        );
        let rotated = [SecretString::from("old"), SecretString::from("new")];
        for s in ["old", "new"] {
            let sig = sign(s, body);
            assert_eq!(
                verify_signature(Some(sig.as_bytes()), body, &rotated),
                SignatureCheck::Valid
            );
        }
        let other = sign("other", body);
        assert_eq!(
            verify_signature(Some(other.as_bytes()), body, &rotated),
            SignatureCheck::Mismatch
        );
    }

    #[test]
    fn hostile_headers_are_refused() {
        let s = [SecretString::from("k")];
        assert_eq!(verify_signature(None, b"x", &s), SignatureCheck::Missing);
        assert_eq!(
            verify_signature(Some(b"no-secret-provided"), b"x", &s),
            SignatureCheck::NoSecretProvided
        );
        for bad in [&b"sha256=abc"[..], b"zz", &[b'g'; 64], b""] {
            assert_eq!(
                verify_signature(Some(bad), b"x", &s),
                SignatureCheck::Malformed
            );
        }
        let sig = sign("k", b"x");
        assert_eq!(
            verify_signature(Some(sig.as_bytes()), b"y", &s),
            SignatureCheck::Mismatch
        );
        assert_eq!(
            verify_signature(Some(sig.as_bytes()), b"x", &[]),
            SignatureCheck::Mismatch
        );
    }
}
