use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{BookingUid, TenantId};

/// Cal.com deliveries carry no id; the same event re-serialised (a new
/// raw body) is still trigger + booking uid + `createdAt`. Those identities
/// of successfully processed events are kept, so such a copy is a
/// duplicate too.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookIdentityStore: Send + Sync {
    /// Whether an event with this identity was processed already.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn seen(
        &self,
        tenant: &TenantId,
        trigger: &str,
        uid: &BookingUid,
        created_at: DateTime<Utc>,
    ) -> Result<bool>;

    /// Remembers a processed event's identity (idempotent).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn remember(
        &self,
        tenant: &TenantId,
        trigger: &str,
        uid: &BookingUid,
        created_at: DateTime<Utc>,
    ) -> Result<()>;
}
