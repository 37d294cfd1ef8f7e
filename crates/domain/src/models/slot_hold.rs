//! Slot holds: calbridge's own claim on a host's time. They are the one
//! place the store refuses overlaps, so two requests of ours can never book
//! the same host twice, whatever Cal.com's copy says in the meantime.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;
use crate::ids::{AppointmentId, BookingUid};

/// Our id for a slot hold (uuid v7, so holds sort by creation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SlotHoldId(pub Uuid);

impl SlotHoldId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for SlotHoldId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for SlotHoldId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Lifecycle of a hold. Only active holds (held, confirmed) occupy time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HoldStatus {
    /// Taken, not yet backed by a Cal.com booking; may expire.
    Held,
    /// Backed by a Cal.com booking; never expires.
    Confirmed,
    /// Given back; the time is free again.
    Released,
}

impl HoldStatus {
    /// Whether a hold in this state occupies its time (expiry aside).
    pub fn is_active(self) -> bool {
        matches!(self, HoldStatus::Held | HoldStatus::Confirmed)
    }

    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            HoldStatus::Held => "held",
            HoldStatus::Confirmed => "confirmed",
            HoldStatus::Released => "released",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "held" => Some(HoldStatus::Held),
            "confirmed" => Some(HoldStatus::Confirmed),
            "released" => Some(HoldStatus::Released),
            _ => None,
        }
    }
}

/// A request to hold `[start, end)` of one host's time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSlotHold {
    /// The id the hold will have.
    pub id: SlotHoldId,
    /// Cal.com user id of the host whose time is held.
    pub host_id: u64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive): back-to-back holds do not overlap.
    pub end: DateTime<Utc>,
    /// When an unconfirmed hold stops counting; `None` holds until released.
    pub expires_at: Option<DateTime<Utc>>,
}

impl NewSlotHold {
    /// A hold without expiry, refusing an empty or reversed range.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] when `end <= start`.
    pub fn new(
        host_id: u64,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if end <= start {
            return Err(DomainError::invalid("end", "must be after start"));
        }
        if end - start > SlotHold::MAX_LENGTH {
            return Err(DomainError::invalid("end", "a hold lasts at most 31 days"));
        }
        Ok(Self {
            id: SlotHoldId::new(),
            host_id,
            start,
            end,
            expires_at: None,
        })
    }

    /// The same hold, lapsing at `expires_at` unless confirmed first.
    pub fn expiring_at(mut self, expires_at: DateTime<Utc>) -> Self {
        self.expires_at = Some(expires_at);
        self
    }
}

/// A stored hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotHold {
    /// Our id.
    pub id: SlotHoldId,
    /// Cal.com user id of the host.
    pub host_id: u64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Lifecycle state.
    pub status: HoldStatus,
    /// When a `Held` hold lapses, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// The appointment whose segment this hold guards, if any; such holds
    /// change only through the appointment repository.
    pub appointment_id: Option<AppointmentId>,
    /// Which segment of that appointment.
    pub segment_position: Option<u32>,
    /// The Cal.com booking that backs it, once known.
    pub booking_uid: Option<BookingUid>,
    /// When it was taken.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl SlotHold {
    /// The longest hold. The bound lets stores look for overlaps among
    /// holds starting at most this long before a range, instead of among
    /// every hold a host ever had.
    pub const MAX_LENGTH: TimeDelta = TimeDelta::days(31);

    /// Whether the hold occupies its time at `now` (active and not lapsed).
    pub fn is_active_at(&self, now: DateTime<Utc>) -> bool {
        match self.status {
            HoldStatus::Confirmed => true,
            HoldStatus::Held => self.expires_at.is_none_or(|t| t > now),
            HoldStatus::Released => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn statuses_round_trip_and_activity() {
        for s in [
            HoldStatus::Held,
            HoldStatus::Confirmed,
            HoldStatus::Released,
        ] {
            assert_eq!(HoldStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(HoldStatus::parse("HELD"), None);
        assert!(HoldStatus::Held.is_active());
        assert!(!HoldStatus::Released.is_active());
    }

    #[test]
    fn ranges_must_not_be_empty_and_holds_lapse() {
        let now = Utc::now();
        assert!(NewSlotHold::new(1, now, now).is_err());
        assert!(NewSlotHold::new(1, now, now - TimeDelta::minutes(1)).is_err());
        assert!(NewSlotHold::new(1, now, now + SlotHold::MAX_LENGTH).is_ok());
        assert!(
            NewSlotHold::new(1, now, now + SlotHold::MAX_LENGTH + TimeDelta::seconds(1)).is_err()
        );
        let new = NewSlotHold::new(1, now, now + TimeDelta::minutes(30))
            .unwrap()
            .expiring_at(now + TimeDelta::minutes(5));
        let hold = SlotHold {
            id: new.id,
            host_id: 1,
            start: new.start,
            end: new.end,
            status: HoldStatus::Held,
            expires_at: new.expires_at,
            appointment_id: None,
            segment_position: None,
            booking_uid: None,
            created_at: now,
            updated_at: now,
        };
        assert!(hold.is_active_at(now));
        assert!(!hold.is_active_at(now + TimeDelta::minutes(5)));
        let confirmed = SlotHold {
            status: HoldStatus::Confirmed,
            ..hold.clone()
        };
        assert!(confirmed.is_active_at(now + TimeDelta::days(1)));
    }
}
