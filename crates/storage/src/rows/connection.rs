//! `connections` rows: the API key and the webhook secrets are sealed with
//! the key ring, bound to the tenant id.

use calbridge_domain::{Connection, TenantId};
use chrono::{DateTime, Utc};
use secrecy::zeroize::Zeroizing;
use secrecy::{ExposeSecret, SecretString};

use super::RowContext;
use crate::crypto::Keyring;
use crate::error::StorageError;

/// A connection with its secrets sealed, ready to bind.
pub(crate) struct SealedConnection {
    pub(crate) key_version: i64,
    pub(crate) api_key: Vec<u8>,
    pub(crate) webhook_secrets: Vec<u8>,
}

impl SealedConnection {
    /// Seals `connection`'s secrets for `tenant` with the newest key.
    ///
    /// # Errors
    /// [`StorageError::InvalidInput`] for a bad label; [`StorageError::Crypto`]
    /// when sealing fails.
    pub(crate) fn new(
        keyring: &Keyring,
        tenant: &TenantId,
        connection: &Connection,
    ) -> Result<Self, StorageError> {
        Connection::check_label(&connection.label).map_err(|_| StorageError::InvalidInput {
            field: "label",
            message: format!(
                "must be 1-{} characters without control characters",
                Connection::MAX_LABEL_CHARS
            ),
        })?;
        let aad = tenant.as_str().as_bytes();
        let api_key = keyring.seal(connection.api_key.expose_secret().as_bytes(), aad)?;
        let secrets: Vec<&str> = connection
            .webhook_secrets
            .iter()
            .map(|s| s.expose_secret())
            .collect();
        let plaintext =
            Zeroizing::new(
                serde_json::to_vec(&secrets).map_err(|e| StorageError::Unstorable {
                    field: "webhook_secrets",
                    message: e.to_string(),
                })?,
            );
        let webhook_secrets = keyring.seal(&plaintext, aad)?;
        Ok(Self {
            key_version: i64::from(keyring.current_version()),
            api_key,
            webhook_secrets,
        })
    }
}

/// Opens a row's sealed values (whatever key version sealed them) and
/// seals them again with the newest key, for the same tenant.
///
/// # Errors
/// [`StorageError::Crypto`] when they do not open or seal.
pub(crate) fn reseal(
    keyring: &Keyring,
    tenant_id: &str,
    api_key: &[u8],
    webhook_secrets: &[u8],
) -> Result<SealedConnection, StorageError> {
    let aad = tenant_id.as_bytes();
    let api_key = keyring.seal(&keyring.open(api_key, aad)?, aad)?;
    let webhook_secrets = keyring.seal(&keyring.open(webhook_secrets, aad)?, aad)?;
    Ok(SealedConnection {
        key_version: i64::from(keyring.current_version()),
        api_key,
        webhook_secrets,
    })
}

/// A connection row as read back, still sealed.
pub(crate) struct StoredConnection {
    pub(crate) label: String,
    pub(crate) api_key: Vec<u8>,
    pub(crate) webhook_secrets: Vec<u8>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl StoredConnection {
    /// Opens the secrets, which only works for the tenant they were sealed for.
    ///
    /// # Errors
    /// [`StorageError::Crypto`] when they do not open;
    /// [`StorageError::CorruptRow`] when they open to something malformed.
    pub(crate) fn open(
        self,
        keyring: &Keyring,
        tenant: &TenantId,
    ) -> Result<Connection, StorageError> {
        let row = RowContext::new("connections", format!("{tenant}/{}", self.label));
        let aad = tenant.as_str().as_bytes();
        let api_key = keyring.open(&self.api_key, aad)?;
        let api_key = String::from_utf8(api_key.to_vec())
            .map(SecretString::from)
            .map_err(|_| row.corrupt("api_key", "not UTF-8"))?;
        let secrets = keyring.open(&self.webhook_secrets, aad)?;
        let secrets: Vec<String> = serde_json::from_slice(&secrets)
            .map_err(|_| row.corrupt("webhook_secrets", "not a list of strings"))?;
        Ok(Connection {
            label: self.label,
            api_key,
            webhook_secrets: secrets.into_iter().map(SecretString::from).collect(),
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::crypto::MasterKey;

    #[test]
    fn sealed_connections_open_for_their_tenant_only() {
        let ring = Keyring::new(1, MasterKey::generate().unwrap());
        let tenant = TenantId::parse("acme").unwrap();
        let now = Utc::now();
        let connection = Connection::new("default", SecretString::from("cal_live_k"), now)
            .unwrap()
            .with_webhook_secret(SecretString::from("whsec_1"))
            .unwrap();
        let sealed = SealedConnection::new(&ring, &tenant, &connection).unwrap();
        assert_eq!(sealed.key_version, 1);
        let stored = || StoredConnection {
            label: "default".into(),
            api_key: sealed.api_key.clone(),
            webhook_secrets: sealed.webhook_secrets.clone(),
            created_at: now,
            updated_at: now,
        };
        let opened = stored().open(&ring, &tenant).unwrap();
        assert_eq!(opened.api_key.expose_secret(), "cal_live_k");
        assert_eq!(opened.webhook_secrets[0].expose_secret(), "whsec_1");
        let other = TenantId::parse("other").unwrap();
        assert!(matches!(
            stored().open(&ring, &other),
            Err(StorageError::Crypto { .. })
        ));
    }
}
