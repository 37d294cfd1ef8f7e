//! One 256-bit master key: from configuration (base64), freshly generated,
//! or kept in a file for demo mode.

use std::fmt;
use std::io::Write;
use std::path::Path;

use aes_gcm::aead::Generate;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secrecy::zeroize::{Zeroize, Zeroizing};
use secrecy::{ExposeSecret, SecretBox, SecretString};

use crate::error::StorageError;

/// Key length in bytes (AES-256).
const KEY_LEN: usize = 32;

/// A 256-bit AES key. Zeroed on drop; Debug shows `[REDACTED]`.
pub struct MasterKey(SecretBox<[u8; KEY_LEN]>);

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

impl MasterKey {
    /// A fresh key from the operating system's secure random source.
    ///
    /// # Errors
    /// [`StorageError::MasterKey`] when the random source fails.
    pub fn generate() -> Result<Self, StorageError> {
        let mut failure = None;
        let key = SecretBox::init_with_mut(|k: &mut [u8; KEY_LEN]| {
            match <[u8; KEY_LEN]>::try_generate() {
                Ok(mut fresh) => {
                    k.copy_from_slice(&fresh);
                    fresh.zeroize();
                }
                Err(e) => failure = Some(e.to_string()),
            }
        });
        match failure {
            None => Ok(Self(key)),
            Some(message) => Err(StorageError::MasterKey {
                message: format!("the system random source failed: {message}"),
            }),
        }
    }

    /// A key from its standard base64 form (44 characters, as `openssl
    /// rand -base64 32` prints); surrounding whitespace is ignored.
    ///
    /// # Errors
    /// [`StorageError::MasterKey`] when it is not base64 of exactly 32
    /// bytes. The message never contains the input.
    pub fn from_base64(encoded: &str) -> Result<Self, StorageError> {
        let decoded = Zeroizing::new(STANDARD.decode(encoded.trim()).map_err(|_| {
            StorageError::MasterKey {
                message: "not valid base64 (expected 32 random bytes, e.g. from `openssl rand -base64 32`)".to_owned(),
            }
        })?);
        if decoded.len() != KEY_LEN {
            return Err(StorageError::MasterKey {
                message: format!("decodes to {} bytes, expected {KEY_LEN}", decoded.len()),
            });
        }
        Ok(Self(SecretBox::init_with_mut(|k: &mut [u8; KEY_LEN]| {
            k.copy_from_slice(&decoded);
        })))
    }

    /// The key's base64 form, for writing it somewhere safe.
    pub fn to_base64(&self) -> SecretString {
        SecretString::from(STANDARD.encode(self.0.expose_secret()))
    }

    /// Reads the key kept at `path`, or, if there is no file, generates one
    /// and writes it there (creating the directory; the file is created
    /// exclusively with mode 0600, so a concurrent starter reads the winner's
    /// key instead of overwriting it). For demo mode, e.g.
    /// `./data/master.key`; production passes the key in configuration.
    /// Blocking file I/O: call it at start-up.
    ///
    /// # Errors
    /// [`StorageError::MasterKey`] when the file cannot be read, written or
    /// parsed.
    pub fn load_or_generate(path: &Path) -> Result<Self, StorageError> {
        let io_error = |what: &str, e: std::io::Error| StorageError::MasterKey {
            message: format!("cannot {what} key file {}: {e}", path.display()),
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Self::from_file_text(path, text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_error("read", e)),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| io_error("create the directory of", e))?;
        }
        let key = Self::generate()?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = match options.open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // Another process created it first: use its key.
                let text = std::fs::read_to_string(path).map_err(|e| io_error("read", e))?;
                return Self::from_file_text(path, text);
            }
            Err(e) => return Err(io_error("create", e)),
        };
        let encoded = key.to_base64();
        let write = file
            .write_all(encoded.expose_secret().as_bytes())
            .and_then(|()| file.write_all(b"\n"))
            .and_then(|()| file.sync_all());
        if let Err(e) = write {
            // Do not leave a truncated key behind for the next start.
            let _ = std::fs::remove_file(path);
            return Err(io_error("write", e));
        }
        Ok(key)
    }

    fn from_file_text(path: &Path, text: String) -> Result<Self, StorageError> {
        let text = Zeroizing::new(text);
        Self::from_base64(&text).map_err(|e| StorageError::MasterKey {
            message: format!("key file {}: {e}", path.display()),
        })
    }

    /// The raw key bytes, for the cipher only.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        self.0.expose_secret()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn temp_path(name: &str) -> std::path::PathBuf {
        std::env::temp_dir()
            .join(format!(
                "calbridge-key-test-{}",
                uuid::Uuid::new_v4().simple()
            ))
            .join("data")
            .join(name)
    }

    #[test]
    fn base64_round_trips_and_debug_is_redacted() {
        let key = MasterKey::generate().unwrap();
        let encoded = key.to_base64();
        assert_eq!(encoded.expose_secret().len(), 44);
        let again = MasterKey::from_base64(&format!(" {}\n", encoded.expose_secret())).unwrap();
        assert_eq!(key.bytes(), again.bytes());
        let shown = format!("{key:?}");
        assert_eq!(shown, "MasterKey([REDACTED])");
        assert_ne!(
            MasterKey::generate().unwrap().bytes(),
            key.bytes(),
            "two generated keys must differ"
        );
    }

    #[test]
    fn bad_keys_are_typed_errors_that_do_not_echo_the_input() {
        for bad in ["", "not base64!", "c2hvcnQ=", &STANDARD.encode([7u8; 33])] {
            let error = MasterKey::from_base64(bad).unwrap_err();
            assert!(matches!(error, StorageError::MasterKey { .. }), "{error:?}");
            if !bad.is_empty() {
                assert!(!error.to_string().contains(bad), "{error}");
            }
        }
    }

    #[test]
    fn key_files_are_created_0600_and_reused() {
        let path = temp_path("master.key");
        let first = MasterKey::load_or_generate(&path).unwrap();
        let second = MasterKey::load_or_generate(&path).unwrap();
        assert_eq!(first.bytes(), second.bytes(), "the kept key must be reused");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "key file mode {mode:o}");
        }
        std::fs::write(&path, "garbage").unwrap();
        let error = MasterKey::load_or_generate(&path).unwrap_err();
        assert!(matches!(error, StorageError::MasterKey { .. }), "{error:?}");
        let _ = std::fs::remove_dir_all(path.parent().unwrap().parent().unwrap());
    }
}
