use async_trait::async_trait;

use crate::error::Result;
use crate::ids::{BookingUid, TenantId};
use crate::models::{Booking, BookingFilter, BookingSource};

/// What an upsert did; lets sync code count real changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpsertOutcome {
    /// No copy existed; it was stored.
    Inserted,
    /// The stored copy was replaced.
    Updated,
    /// The stored copy is newer (`updated_at`); nothing changed.
    Stale,
}

/// The local copy of bookings, per tenant.
///
/// Every tenant's data is separate: no method returns or touches another
/// tenant's rows.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BookingRepository: Send + Sync {
    /// Stores a booking, replacing the stored copy unless that copy has a
    /// strictly newer `updated_at` (a late, older copy never wins).
    ///
    /// # Errors
    /// `Unavailable { upstream: Storage }` when the store cannot be reached.
    async fn upsert(
        &self,
        tenant: &TenantId,
        booking: &Booking,
        source: BookingSource,
    ) -> Result<UpsertOutcome>;

    /// One booking by uid, if stored.
    ///
    /// # Errors
    /// `Unavailable { upstream: Storage }` when the store cannot be reached.
    async fn get(&self, tenant: &TenantId, uid: &BookingUid) -> Result<Option<Booking>>;

    /// Stored bookings matching the filter, ordered by start then uid.
    ///
    /// # Errors
    /// `Unavailable { upstream: Storage }` when the store cannot be reached.
    async fn list(&self, tenant: &TenantId, filter: &BookingFilter) -> Result<Vec<Booking>>;

    /// Cheap round trip for health checks.
    ///
    /// # Errors
    /// `Unavailable { upstream: Storage }` when the store cannot be reached.
    async fn ping(&self) -> Result<()>;
}
