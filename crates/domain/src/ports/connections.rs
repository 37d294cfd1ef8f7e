use async_trait::async_trait;

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::Connection;

/// Tenants' Cal.com connections. Adapters keep the API key and webhook
/// secrets encrypted at rest, bound to the tenant: a row copied to another
/// tenant does not decrypt.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ConnectionRepository: Send + Sync {
    /// Stores a connection, replacing the tenant's connection with the same
    /// label (whose `created_at` is kept).
    ///
    /// # Errors
    /// `InvalidInput` for a bad label; `Unavailable { Storage }` when the
    /// store cannot be reached.
    async fn save(&self, tenant: &TenantId, connection: &Connection) -> Result<()>;

    /// One connection by label.
    ///
    /// # Errors
    /// `UpstreamFailed { Storage }` when it cannot be decrypted (wrong or
    /// missing master key); `Unavailable { Storage }` when unreachable.
    async fn get(&self, tenant: &TenantId, label: &str) -> Result<Option<Connection>>;

    /// All of the tenant's connections, by label.
    ///
    /// # Errors
    /// As [`ConnectionRepository::get`].
    async fn list(&self, tenant: &TenantId) -> Result<Vec<Connection>>;

    /// Deletes a connection; `false` when there was none.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn delete(&self, tenant: &TenantId, label: &str) -> Result<bool>;
}
