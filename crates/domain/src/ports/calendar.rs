use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::ids::BookingUid;
use crate::models::{Appointment, Booking, BookingFilter, EventType, Slot, SlotQuery};

/// The calendar account a connection acts as (Cal.com `GET /v2/me`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CalendarAccount {
    /// Cal.com user id.
    pub id: u64,
    /// Cal.com username.
    pub username: String,
    /// Account email.
    pub email: String,
    /// The account's IANA time zone.
    pub time_zone: String,
}

/// A booking calendar: Cal.com in production, the testkit in demo mode.
///
/// Implementations translate their own failures into [`crate::DomainError`]:
/// a taken slot is `SlotUnavailable`, an outage is `Unavailable`, a bad
/// credential is `CalendarUnauthorized`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CalendarPort: Send + Sync {
    /// Who the credentials belong to; doubles as a connectivity check.
    ///
    /// # Errors
    /// `CalendarUnauthorized` for a bad key, `Unavailable` when unreachable.
    async fn account(&self) -> Result<CalendarAccount>;

    /// Event types the account offers.
    ///
    /// # Errors
    /// `Unavailable`/`UpstreamFailed` on calendar trouble.
    async fn event_types(&self) -> Result<Vec<EventType>>;

    /// Free slots in the query window, sorted by start.
    ///
    /// # Errors
    /// `NotFound` for an unknown event type; `InvalidInput` for a query the
    /// calendar refuses.
    async fn free_slots(&self, query: &SlotQuery) -> Result<Vec<Slot>>;

    /// Books an appointment. The appointment's id must reach the calendar as
    /// `metadata.correlationId`.
    ///
    /// # Errors
    /// `SlotUnavailable` when the time is taken; `InvalidInput` when the
    /// calendar rejects the request.
    async fn create_booking(&self, appointment: &Appointment) -> Result<Booking>;

    /// One booking by uid.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid.
    async fn get_booking(&self, uid: &BookingUid) -> Result<Booking>;

    /// Bookings matching the filter (one page: `limit`/`offset`).
    ///
    /// # Errors
    /// `Unavailable`/`UpstreamFailed` on calendar trouble.
    async fn list_bookings(&self, filter: &BookingFilter) -> Result<Vec<Booking>>;

    /// Cancels a booking and returns it in its new state.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; `Conflict` if it cannot be cancelled.
    async fn cancel_booking(&self, uid: &BookingUid, reason: &str) -> Result<Booking>;

    /// Moves a booking to `new_start`. Cal.com creates a new booking (new
    /// uid, `rescheduled_from_uid` set) and cancels the old one.
    ///
    /// # Errors
    /// `SlotUnavailable` when the new time is taken; `NotFound` for an unknown uid.
    async fn reschedule_booking(
        &self,
        uid: &BookingUid,
        new_start: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Booking>;
}
