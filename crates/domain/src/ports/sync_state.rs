use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::SyncCursor;

/// Incremental sync bookkeeping per connection: a lease so only one
/// instance polls a connection at a time, and a cursor that only moves
/// forward, and only for the lease holder.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SyncStateStore: Send + Sync {
    /// Takes (or renews) the lease of a connection for `holder` until
    /// `now + ttl`; `false` when another holder's lease is still running.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn try_lease(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool>;

    /// Gives the lease up (no-op when `holder` does not hold it).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn release(&self, tenant: &TenantId, connection_label: &str, holder: &str) -> Result<()>;

    /// Where sync of the connection stands (empty when it never ran).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn cursor(&self, tenant: &TenantId, connection_label: &str) -> Result<SyncCursor>;

    /// Records a successful sync: the cursor moves to `updated_after`
    /// unless it is already later.
    ///
    /// # Errors
    /// `Conflict` when `holder` no longer holds the lease (another instance
    /// took over: its result wins).
    async fn advance(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        holder: &str,
        updated_after: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<()>;
}
