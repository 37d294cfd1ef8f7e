//! `calbridge tenant create <id>`: creates a tenant and prints a new
//! bearer token for it, once (only its hash is stored).

use calbridge_domain::TenantId;
use calbridge_domain::ports::SystemClock;
use calbridge_storage::{Keyring, MasterKey};
use secrecy::ExposeSecret;

use crate::startup::StartupError;

/// Creates `tenant` (if new) and issues a token labelled `cli`; returns
/// the token text for the caller to print.
///
/// # Errors
/// A bad tenant id, or an unreachable database.
pub async fn create_tenant(database_url: &str, tenant: &str) -> Result<String, StartupError> {
    let tenant =
        TenantId::parse(tenant).map_err(|e| StartupError::Settings(format!("tenant: {e}")))?;
    // Tenants and tokens are not encrypted; the key ring is only needed
    // to open the store and is never used here.
    let keyring = Keyring::new(
        1,
        MasterKey::generate().map_err(|e| StartupError::Storage(e.to_string()))?,
    );
    let storage = calbridge_storage::open(database_url, keyring)
        .await
        .map_err(|e| StartupError::Storage(e.to_string()))?;
    let issued = crate::auth::issue_token(&*storage.tenants, &SystemClock, &tenant, "cli", false)
        .await
        .map_err(|e| StartupError::Storage(e.to_string()))?;
    storage.close().await;
    Ok(issued.token.expose_secret().to_owned())
}
