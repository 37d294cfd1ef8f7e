use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::EventTypeId;

/// The longest window one slot query may cover. Cal.com computes slots
/// on every request; a bounded window keeps that (and our cache) cheap.
pub const MAX_SLOT_WINDOW_DAYS: i64 = 62;

/// A free time at which an event type can be booked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    /// When the appointment would start.
    pub start: DateTime<Utc>,
    /// When it would end (start + length).
    pub end: DateTime<Utc>,
}

/// A validated request for free slots.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SlotQuery {
    /// Which event type to book.
    pub event_type_id: EventTypeId,
    /// Window start (inclusive).
    pub start: DateTime<Utc>,
    /// Window end (exclusive).
    pub end: DateTime<Utc>,
    /// Zone the caller thinks in; Cal.com groups days by it.
    pub time_zone: Tz,
    /// Length in minutes for variable-length event types.
    pub duration_minutes: Option<u32>,
}

impl SlotQuery {
    /// Builds a query, refusing empty, reversed or overlong windows.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] naming the bad field.
    pub fn new(
        event_type_id: EventTypeId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        time_zone: Tz,
    ) -> Result<Self, DomainError> {
        if end <= start {
            return Err(DomainError::invalid("end", "must be after start"));
        }
        if end - start > chrono::TimeDelta::days(MAX_SLOT_WINDOW_DAYS) {
            return Err(DomainError::invalid(
                "end",
                format!("window must be at most {MAX_SLOT_WINDOW_DAYS} days"),
            ));
        }
        Ok(Self {
            event_type_id,
            start,
            end,
            time_zone,
            duration_minutes: None,
        })
    }

    /// Asks for a specific length (variable-length event types).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for a zero or absurd length.
    pub fn with_duration(mut self, minutes: u32) -> Result<Self, DomainError> {
        if minutes == 0 || minutes > 24 * 60 {
            return Err(DomainError::invalid("duration", "must be 1-1440 minutes"));
        }
        self.duration_minutes = Some(minutes);
        Ok(self)
    }
}
