use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::{AppointmentId, BookingUid, TenantId};
use crate::models::{AppointmentRecord, AppointmentStatus, SegmentStatus, SlotHoldId};

/// Composite appointments and their segments. Every active segment
/// (pending, booked, confirmed) holds its host's time through a slot hold
/// written in the same transaction, so the no-overlap guarantee of
/// [`crate::ports::SlotHoldRepository`] covers appointments too.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AppointmentRepository: Send + Sync {
    /// Stores an appointment, its segments and a hold for each active
    /// segment, all or nothing (`created_at`/`updated_at` as given; version
    /// stored as 1). `created_at` counts as "now": standalone holds lapsed
    /// by then do not block.
    ///
    /// # Errors
    /// `SlotUnavailable` when any segment overlaps an active hold of its
    /// host (nothing is written); `Conflict` when the id exists;
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn create(&self, tenant: &TenantId, appointment: &AppointmentRecord) -> Result<()>;

    /// One appointment with its segments in order.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn get(&self, tenant: &TenantId, id: AppointmentId) -> Result<Option<AppointmentRecord>>;

    /// The appointment one of whose segments is the Cal.com booking `uid`.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn find_by_booking_uid(
        &self,
        tenant: &TenantId,
        uid: &BookingUid,
    ) -> Result<Option<AppointmentRecord>>;

    /// Moves one segment to `status` (and records its booking uid when
    /// given; `None` keeps the stored one). Its hold follows in the same
    /// transaction: held while pending or booked, confirmed when
    /// confirmed, released when cancelled or failed.
    ///
    /// # Errors
    /// `NotFound` for an unknown appointment or position; `SlotUnavailable`
    /// when a released segment is made active again but its time is taken.
    async fn update_segment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        status: SegmentStatus,
        booking_uid: Option<BookingUid>,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord>;

    /// Moves an active segment to `[start, end)` and the Cal.com booking
    /// `booking_uid` (a reschedule: Cal.com's new booking), its hold
    /// following, status kept. `replacing_hold`, a standalone hold that
    /// guarded the new time while Cal.com was asked, is released in the
    /// same transaction, so the time passes from it to the segment without
    /// a moment in which another writer could take it. Lapsed holds in the
    /// way are released too; the old time is free afterwards.
    ///
    /// # Errors
    /// `NotFound` for an unknown appointment, position or replacing hold;
    /// `Conflict` when the segment is not active or the replacing hold
    /// belongs to an appointment; `InvalidInput` when `end <= start`;
    /// `SlotUnavailable` when the new time overlaps another active hold of
    /// the host (nothing changes, the replacing hold included).
    #[allow(clippy::too_many_arguments)]
    async fn move_segment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        booking_uid: BookingUid,
        replacing_hold: Option<SlotHoldId>,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord>;

    /// Moves an active segment (and its hold, in the same transaction) to
    /// another host, keeping its time, status and booking uid: a
    /// round-robin event type lets Cal.com pick among several hosts, so
    /// the host it assigned may differ from the one whose time was held.
    /// The time passes from the old host to the new one without a moment
    /// in which neither holds it; lapsed standalone holds of the new host
    /// in the way are released. Reassigning to the current host is a no-op
    /// returning the record (a retried saga step).
    ///
    /// # Errors
    /// `NotFound` for an unknown appointment or position; `Conflict` when
    /// the segment is not active; `SlotUnavailable` when the new host's
    /// time is held (nothing changes).
    async fn reassign_host(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        host_id: u64,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord>;

    /// Moves the appointment to `status`. `Confirmed` also confirms every
    /// booked segment (and refuses while one is still pending or inactive);
    /// `Cancelled`/`Failed` also end every active segment (booked and
    /// confirmed ones become cancelled, pending ones failed), releasing all
    /// holds. Cancel the Cal.com bookings first: this only records it.
    ///
    /// # Errors
    /// `NotFound` for an unknown appointment; `Conflict` when confirming an
    /// appointment with a segment that is not booked.
    async fn set_status(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        status: AppointmentStatus,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord>;
}
