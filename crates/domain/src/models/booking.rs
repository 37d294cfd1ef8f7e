use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::{BookingUid, EventTypeId};
use crate::models::Attendee;

/// Lifecycle state of a booking, as Cal.com reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Confirmed; the time is taken.
    Accepted,
    /// Awaiting the host's confirmation; the time is held.
    Pending,
    /// Cancelled (also the old half of a reschedule).
    Cancelled,
    /// Declined by the host.
    Rejected,
}

impl BookingStatus {
    /// Whether a booking in this state occupies its time.
    pub fn is_active(self) -> bool {
        matches!(self, BookingStatus::Accepted | BookingStatus::Pending)
    }

    /// Stable lowercase name, as stored and as Cal.com v2 spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Accepted => "accepted",
            BookingStatus::Pending => "pending",
            BookingStatus::Cancelled => "cancelled",
            BookingStatus::Rejected => "rejected",
        }
    }

    /// Parses the stored or Cal.com spelling, in either case.
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "accepted" => Some(BookingStatus::Accepted),
            "pending" => Some(BookingStatus::Pending),
            "cancelled" | "canceled" => Some(BookingStatus::Cancelled),
            "rejected" => Some(BookingStatus::Rejected),
            _ => None,
        }
    }
}

/// Where our local copy of a booking came from; kept for auditing sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingSource {
    /// We created or changed it through calbridge.
    Ours,
    /// Fetched by polling Cal.com.
    Sync,
    /// Learned from a Cal.com webhook.
    Webhook,
}

impl BookingSource {
    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingSource::Ours => "ours",
            BookingSource::Sync => "sync",
            BookingSource::Webhook => "webhook",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "ours" => Some(BookingSource::Ours),
            "sync" => Some(BookingSource::Sync),
            "webhook" => Some(BookingSource::Webhook),
            _ => None,
        }
    }
}

/// The Cal.com user who hosts a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Host {
    /// Cal.com user id.
    pub id: u64,
    /// Display name.
    pub name: String,
    /// Host's email.
    pub email: String,
}

/// A booking on Cal.com, addressed by its uid.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    /// Cal.com uid.
    pub uid: BookingUid,
    /// What was booked.
    pub event_type_id: EventTypeId,
    /// Title Cal.com gave it.
    pub title: String,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Lifecycle state.
    pub status: BookingStatus,
    /// The host, if Cal.com told us.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<Host>,
    /// Who it is for (the first is the booker).
    pub attendees: Vec<Attendee>,
    /// Free-form string metadata; we put `correlationId` here.
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// The booking this one replaced by a reschedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescheduled_from_uid: Option<BookingUid>,
    /// The booking that replaced this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rescheduled_to_uid: Option<BookingUid>,
    /// Why it was cancelled, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<String>,
    /// When Cal.com created it.
    pub created_at: DateTime<Utc>,
    /// When Cal.com last changed it; decides which copy is newer.
    pub updated_at: DateTime<Utc>,
}

impl Booking {
    /// The correlation id we attached when we created it, if any.
    pub fn correlation_id(&self) -> Option<&str> {
        self.metadata
            .get(crate::models::Appointment::CORRELATION_KEY)
            .map(String::as_str)
    }
}

/// Which local bookings to list. Empty fields do not filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BookingFilter {
    /// Only these states.
    pub status: Option<BookingStatus>,
    /// Only this event type.
    pub event_type_id: Option<EventTypeId>,
    /// Only bookings whose start is at or after this.
    pub starts_after: Option<DateTime<Utc>>,
    /// Only bookings whose end is at or before this.
    pub ends_before: Option<DateTime<Utc>>,
    /// Only bookings with an attendee of this email.
    pub attendee_email: Option<String>,
    /// Only bookings Cal.com changed after this (what polling sync asks for).
    pub updated_after: Option<DateTime<Utc>>,
    /// Page size; adapters cap it at [`BookingFilter::MAX_LIMIT`].
    pub limit: u32,
    /// Rows to skip.
    pub offset: u32,
}

impl BookingFilter {
    /// Largest page an adapter returns.
    pub const MAX_LIMIT: u32 = 250;
    /// Page size when the caller gives none.
    pub const DEFAULT_LIMIT: u32 = 100;

    /// The page size to use: the caller's, or the default, capped.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => Self::DEFAULT_LIMIT,
            n => n.min(Self::MAX_LIMIT),
        }
    }

    /// Whether `b` passes this filter (used by in-memory adapters and tests).
    pub fn matches(&self, b: &Booking) -> bool {
        self.status.is_none_or(|s| b.status == s)
            && self.event_type_id.is_none_or(|e| b.event_type_id == e)
            && self.starts_after.is_none_or(|t| b.start >= t)
            && self.ends_before.is_none_or(|t| b.end <= t)
            && self.updated_after.is_none_or(|t| b.updated_at > t)
            && self.attendee_email.as_deref().is_none_or(|e| {
                b.attendees
                    .iter()
                    .any(|a| a.email.as_str().eq_ignore_ascii_case(e))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_round_trip() {
        for s in [
            BookingStatus::Accepted,
            BookingStatus::Pending,
            BookingStatus::Cancelled,
            BookingStatus::Rejected,
        ] {
            assert_eq!(BookingStatus::parse(s.as_str()), Some(s));
            assert_eq!(BookingStatus::parse(&s.as_str().to_uppercase()), Some(s));
        }
        assert_eq!(BookingStatus::parse("bogus"), None);
        assert!(BookingStatus::Pending.is_active());
        assert!(!BookingStatus::Cancelled.is_active());
    }

    #[test]
    fn limit_defaults_and_caps() {
        let mut f = BookingFilter::default();
        assert_eq!(f.effective_limit(), 100);
        f.limit = 10_000;
        assert_eq!(f.effective_limit(), 250);
    }
}
