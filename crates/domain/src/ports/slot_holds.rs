use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{BookingUid, TenantId};
use crate::models::{NewSlotHold, SlotHold, SlotHoldId};

/// Holds on hosts' time, the store's no-double-booking guarantee: no two
/// active holds of one host (per tenant) overlap, even under concurrent
/// writers on several instances. Ranges are half-open, so back-to-back
/// holds are fine.
///
/// Holds that guard an appointment segment are changed only through
/// [`crate::ports::AppointmentRepository`]; the methods here refuse them.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SlotHoldRepository: Send + Sync {
    /// Takes a hold. Lapsed holds (`Held` with `expires_at <= now`) in the
    /// way are released in the same transaction.
    ///
    /// # Errors
    /// `SlotUnavailable` when an active hold of the host overlaps;
    /// `Conflict` when the id is taken; `Unavailable { Storage }` when the
    /// store cannot be reached.
    async fn acquire(
        &self,
        tenant: &TenantId,
        hold: &NewSlotHold,
        now: DateTime<Utc>,
    ) -> Result<SlotHold>;

    /// One hold by id, in whatever state.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn get(&self, tenant: &TenantId, id: SlotHoldId) -> Result<Option<SlotHold>>;

    /// Marks a held hold confirmed (it no longer lapses), recording the
    /// Cal.com booking behind it. Confirming twice is fine.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; `Conflict` when the hold was released,
    /// has lapsed, or belongs to an appointment.
    async fn confirm(
        &self,
        tenant: &TenantId,
        id: SlotHoldId,
        booking_uid: Option<BookingUid>,
        now: DateTime<Utc>,
    ) -> Result<SlotHold>;

    /// Gives the time back. Releasing twice is fine.
    ///
    /// # Errors
    /// `NotFound` for an unknown id; `Conflict` when the hold belongs to an
    /// appointment.
    async fn release(
        &self,
        tenant: &TenantId,
        id: SlotHoldId,
        now: DateTime<Utc>,
    ) -> Result<SlotHold>;

    /// The host's holds active at `now` that overlap `[from, to)`, by start
    /// (for subtracting our own holds from free slots).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn active_for_host(
        &self,
        tenant: &TenantId,
        host_id: u64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SlotHold>>;

    /// Releases every lapsed hold of every tenant; returns how many.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn release_expired(&self, now: DateTime<Utc>) -> Result<u64>;
}
