//! The master key ring: several key versions can open, the newest seals.
//! Rotation is: add a new version (configuration `3:<new>,2:<old>`), then
//! re-encrypt (every save seals with the newest key; the connection
//! repositories' `reencrypt_all` rewrites the rest), then drop the old
//! version.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use aes_gcm::aead::{Aead, Generate, Nonce, Payload};
use aes_gcm::{Aes256Gcm, KeyInit};
use secrecy::zeroize::Zeroizing;

use super::MasterKey;
use crate::error::StorageError;

/// Bytes of the key version prefix.
const VERSION_LEN: usize = 4;
/// Bytes of an AES-GCM nonce.
const NONCE_LEN: usize = 12;
/// Bytes of an AES-GCM tag.
const TAG_LEN: usize = 16;

/// Versioned master keys. Cheap to clone; Debug shows versions only.
#[derive(Clone)]
pub struct Keyring {
    current: u32,
    keys: Arc<BTreeMap<u32, MasterKey>>,
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("current", &self.current)
            .field("versions", &self.versions())
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// A ring of one key.
    pub fn new(version: u32, key: MasterKey) -> Self {
        Self {
            current: version,
            keys: Arc::new(BTreeMap::from([(version, key)])),
        }
    }

    /// A ring of several keys; the highest version seals.
    ///
    /// # Errors
    /// [`StorageError::MasterKey`] for no keys or a version given twice.
    pub fn from_keys(
        keys: impl IntoIterator<Item = (u32, MasterKey)>,
    ) -> Result<Self, StorageError> {
        let mut map = BTreeMap::new();
        for (version, key) in keys {
            if map.insert(version, key).is_some() {
                return Err(StorageError::MasterKey {
                    message: format!("key version {version} is given twice"),
                });
            }
        }
        let Some(current) = map.keys().next_back().copied() else {
            return Err(StorageError::MasterKey {
                message: "no master key given".to_owned(),
            });
        };
        Ok(Self {
            current,
            keys: Arc::new(map),
        })
    }

    /// Parses the `CALBRIDGE_MASTER_KEY` format: `<base64>` (version 1) or
    /// a comma-separated list of `<version>:<base64>`.
    ///
    /// # Errors
    /// [`StorageError::MasterKey`] for anything else; the message never
    /// contains key material.
    pub fn parse(config: &str) -> Result<Self, StorageError> {
        let entries: Vec<&str> = config
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
            .collect();
        if let [single] = entries.as_slice()
            && !single.contains(':')
        {
            return Ok(Self::new(1, MasterKey::from_base64(single)?));
        }
        let mut keys = Vec::with_capacity(entries.len());
        for (i, entry) in entries.iter().enumerate() {
            let Some((version, encoded)) = entry.split_once(':') else {
                return Err(StorageError::MasterKey {
                    message: format!("entry {} must look like <version>:<base64>", i + 1),
                });
            };
            let version = version
                .trim()
                .parse::<u32>()
                .map_err(|_| StorageError::MasterKey {
                    message: format!("entry {}: the version must be a number", i + 1),
                })?;
            let key = MasterKey::from_base64(encoded).map_err(|e| StorageError::MasterKey {
                message: format!("version {version}: {e}"),
            })?;
            keys.push((version, key));
        }
        Self::from_keys(keys)
    }

    /// The version new values are sealed with.
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// Every version this ring can open, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.keys.keys().copied().collect()
    }

    /// The key version a sealed value names, if it is long enough to be one.
    pub fn sealed_version(sealed: &[u8]) -> Option<u32> {
        let prefix: [u8; VERSION_LEN] = sealed.get(..VERSION_LEN)?.try_into().ok()?;
        Some(u32::from_be_bytes(prefix))
    }

    /// Seals `plaintext` with the current key and a fresh random nonce,
    /// bound to `aad` (the tenant id).
    ///
    /// # Errors
    /// [`StorageError::Crypto`] when the random source or the cipher fails.
    pub(crate) fn seal(&self, plaintext: &[u8], aad: &[u8]) -> Result<Vec<u8>, StorageError> {
        let cipher = self.cipher(self.current)?;
        let nonce = Nonce::<Aes256Gcm>::try_generate().map_err(|e| StorageError::Crypto {
            message: format!("the system random source failed: {e}"),
        })?;
        let ciphertext = cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|_| StorageError::Crypto {
                message: "sealing failed".to_owned(),
            })?;
        let mut sealed = Vec::with_capacity(VERSION_LEN + NONCE_LEN + ciphertext.len());
        sealed.extend_from_slice(&self.current.to_be_bytes());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&ciphertext);
        Ok(sealed)
    }

    /// Opens a sealed value with the key version it names.
    ///
    /// # Errors
    /// [`StorageError::Crypto`] when it is malformed, names a version this
    /// ring lacks, or fails authentication (wrong key, tampered, or sealed
    /// for another `aad`, i.e. another tenant).
    pub(crate) fn open(
        &self,
        sealed: &[u8],
        aad: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StorageError> {
        let malformed = || StorageError::Crypto {
            message: "sealed value is malformed".to_owned(),
        };
        if sealed.len() < VERSION_LEN + NONCE_LEN + TAG_LEN {
            return Err(malformed());
        }
        let version = Self::sealed_version(sealed).ok_or_else(malformed)?;
        let nonce_bytes = sealed
            .get(VERSION_LEN..VERSION_LEN + NONCE_LEN)
            .ok_or_else(malformed)?;
        let nonce = Nonce::<Aes256Gcm>::try_from(nonce_bytes).map_err(|_| malformed())?;
        let ciphertext = sealed
            .get(VERSION_LEN + NONCE_LEN..)
            .ok_or_else(malformed)?;
        let cipher = self.cipher(version)?;
        cipher
            .decrypt(&nonce, Payload { msg: ciphertext, aad })
            .map(Zeroizing::new)
            .map_err(|_| StorageError::Crypto {
                message: format!(
                    "cannot decrypt a value sealed with key version {version}: wrong key, tampered value, or a row moved to another tenant"
                ),
            })
    }

    fn cipher(&self, version: u32) -> Result<Aes256Gcm, StorageError> {
        let key = self.keys.get(&version).ok_or_else(|| StorageError::Crypto {
            message: format!(
                "the value was sealed with master key version {version}, which is not configured (have {:?})",
                self.versions()
            ),
        })?;
        Aes256Gcm::new_from_slice(key.bytes()).map_err(|_| StorageError::Crypto {
            message: "the master key has the wrong length".to_owned(),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use proptest::prelude::*;

    use super::*;

    fn key(byte: u8) -> MasterKey {
        MasterKey::from_base64(&STANDARD.encode([byte; 32])).unwrap()
    }

    #[test]
    fn seal_then_open_round_trips_with_a_fresh_nonce_each_time() {
        let ring = Keyring::new(3, key(1));
        let a = ring.seal(b"cal_live_secret", b"tenant-a").unwrap();
        let b = ring.seal(b"cal_live_secret", b"tenant-a").unwrap();
        assert_ne!(a, b, "every seal must use a fresh nonce");
        assert_eq!(Keyring::sealed_version(&a), Some(3));
        assert_eq!(a.len(), 4 + 12 + 15 + 16);
        assert!(!a.windows(6).any(|w| w == b"secret"));
        assert_eq!(&*ring.open(&a, b"tenant-a").unwrap(), b"cal_live_secret");
    }

    #[test]
    fn another_tenant_tampering_or_a_missing_key_fail_to_open() {
        let ring = Keyring::new(1, key(1));
        let sealed = ring.seal(b"secret", b"tenant-a").unwrap();
        let moved = ring.open(&sealed, b"tenant-b").unwrap_err();
        assert!(matches!(moved, StorageError::Crypto { .. }), "{moved:?}");
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(ring.open(&tampered, b"tenant-a").is_err());
        assert!(ring.open(&sealed[..10], b"tenant-a").is_err());
        let other = Keyring::new(2, key(2));
        let error = other.open(&sealed, b"tenant-a").unwrap_err();
        assert!(error.to_string().contains("version 1"), "{error}");
        let wrong_key_same_version = Keyring::new(1, key(9));
        assert!(wrong_key_same_version.open(&sealed, b"tenant-a").is_err());
    }

    #[test]
    fn rotation_opens_old_versions_and_seals_with_the_newest() {
        let old = Keyring::new(1, key(1));
        let sealed_old = old.seal(b"v1 secret", b"t").unwrap();
        let rotated = Keyring::from_keys([(1, key(1)), (2, key(2))]).unwrap();
        assert_eq!(rotated.current_version(), 2);
        assert_eq!(&*rotated.open(&sealed_old, b"t").unwrap(), b"v1 secret");
        let sealed_new = rotated.seal(b"v2 secret", b"t").unwrap();
        assert_eq!(Keyring::sealed_version(&sealed_new), Some(2));
        assert!(old.open(&sealed_new, b"t").is_err());
        assert!(Keyring::from_keys([(1, key(1)), (1, key(2))]).is_err());
        assert!(Keyring::from_keys([]).is_err());
    }

    #[test]
    fn configuration_is_parsed_and_errors_never_show_keys() {
        let k1 = STANDARD.encode([1u8; 32]);
        let k2 = STANDARD.encode([2u8; 32]);
        let single = Keyring::parse(&k1).unwrap();
        assert_eq!((single.current_version(), single.versions()), (1, vec![1]));
        let ring = Keyring::parse(&format!(" 2:{k2} , 1:{k1} ")).unwrap();
        assert_eq!((ring.current_version(), ring.versions()), (2, vec![1, 2]));
        for bad in [
            String::new(),
            format!("x:{k1}"),
            format!("1:{k1},1:{k2}"),
            format!("{k1},{k2}"),
            "1:short".to_owned(),
        ] {
            let error = Keyring::parse(&bad).unwrap_err();
            assert!(
                matches!(error, StorageError::MasterKey { .. }),
                "{bad}: {error:?}"
            );
            assert!(!error.to_string().contains(&k1) && !error.to_string().contains(&k2));
        }
        let shown = format!("{ring:?}");
        assert!(
            !shown.contains(&k1) && shown.contains("versions"),
            "{shown}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]
        #[test]
        fn any_plaintext_round_trips(plaintext in proptest::collection::vec(any::<u8>(), 0..512), aad in "[a-z0-9_-]{1,64}") {
            let ring = Keyring::new(7, key(3));
            let sealed = ring.seal(&plaintext, aad.as_bytes()).unwrap();
            let opened = ring.open(&sealed, aad.as_bytes()).unwrap();
            prop_assert_eq!(opened.as_slice(), plaintext.as_slice());
        }
    }
}
