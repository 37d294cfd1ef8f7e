//! Bookings: the record ([`MockBooking`]), the store with its atomic
//! operations ([`store`]), request validation ([`input`]), the list filters
//! ([`list`]) and the `BookingOutput_2024_08_13` body ([`output`]).

pub(crate) mod actions;
pub(crate) mod input;
pub(crate) mod list;
pub(crate) mod output;
pub(crate) mod store;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// A booking as the mock stores it; [`crate::MockCalcom::bookings`] hands
/// out snapshots for assertions.
///
/// Marked `non_exhaustive`: later versions add fields (seats, recurrence).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct MockBooking {
    /// Numeric id (`data.id`).
    pub id: u64,
    /// The uid every v2 booking route is addressed by.
    pub uid: String,
    /// The booked event type.
    pub event_type_id: u64,
    /// Its slug (`data.eventType.slug`).
    pub event_type_slug: String,
    /// `"{event type title} between {host name} and {attendee name}"`.
    pub title: String,
    /// The attendee's notes (`bookingFieldsResponses.notes`), or empty.
    pub description: String,
    /// Start (inclusive), millisecond precision.
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Lowercase status as v2 reports it: `accepted`, `pending`,
    /// `cancelled`, `rejected`.
    pub status: String,
    /// The caller's metadata object, stored verbatim.
    pub metadata: Value,
    /// The booker's name.
    pub attendee_name: String,
    /// The booker's email (a `…@sms.cal.com` placeholder for phone-only
    /// bookers, as Cal.com does).
    pub attendee_email: String,
    /// The booker's IANA time zone, as sent.
    pub attendee_time_zone: String,
    /// The booker's language (default `en`).
    pub attendee_language: String,
    /// The booker's phone number, if given.
    pub attendee_phone_number: Option<String>,
    /// Guest emails.
    pub guests: Vec<String>,
    /// Custom booking-field answers plus name/email (`bookingFieldsResponses`).
    pub booking_fields_responses: Value,
    /// Where the meeting happens (address, link or video URL).
    pub location: String,
    /// Why it was cancelled (cancelled bookings only).
    pub cancellation_reason: Option<String>,
    /// Who cancelled it.
    pub cancelled_by_email: Option<String>,
    /// Why it was rescheduled (on the new booking).
    pub rescheduling_reason: Option<String>,
    /// Who rescheduled it.
    pub rescheduled_by_email: Option<String>,
    /// The booking this one replaced.
    pub rescheduled_from_uid: Option<String>,
    /// The booking that replaced this one.
    pub rescheduled_to_uid: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change; `GET /v2/bookings?afterUpdatedAt=` filters on it.
    pub updated_at: DateTime<Utc>,
    /// User ids of the hosts (the demo user, or the team members assigned).
    pub host_ids: Vec<u64>,
    /// Whether the host was marked absent (`POST .../mark-absent`).
    pub absent_host: bool,
    /// Attendee emails marked absent.
    pub absent_attendees: Vec<String>,
}

impl MockBooking {
    /// Whether the booking occupies its time (accepted or pending).
    pub fn is_active(&self) -> bool {
        matches!(self.status.as_str(), status::ACCEPTED | status::PENDING)
    }

    /// Whether it was cancelled (or its old half of a reschedule).
    pub fn is_cancelled(&self) -> bool {
        self.status == status::CANCELLED
    }
}

/// The lowercase status strings of v2.
pub(crate) mod status {
    /// Confirmed.
    pub(crate) const ACCEPTED: &str = "accepted";
    /// Awaiting confirmation (still blocks its time).
    pub(crate) const PENDING: &str = "pending";
    /// Cancelled.
    pub(crate) const CANCELLED: &str = "cancelled";
    /// Declined by the host.
    pub(crate) const REJECTED: &str = "rejected";
}
