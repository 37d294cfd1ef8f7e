//! The local record of a composite appointment: an ordered list of
//! segments, each one Cal.com booking with its own host. It is what the
//! booking saga drives, and what survives a crash halfway through.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{AppointmentId, BookingUid, EventTypeId};
use crate::models::{Attendee, SlotHold};

/// Where a composite appointment is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStatus {
    /// Being booked: segments are held or partly created.
    Pending,
    /// Every segment is booked at Cal.com and confirmed here.
    Confirmed,
    /// A failure is being undone (Cal.com bookings being cancelled).
    Compensating,
    /// Cancelled after it was confirmed, or fully compensated.
    Cancelled,
    /// Could not be booked; nothing of it is active.
    Failed,
}

impl AppointmentStatus {
    /// Whether no further change is expected.
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            AppointmentStatus::Cancelled | AppointmentStatus::Failed
        )
    }

    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            AppointmentStatus::Pending => "pending",
            AppointmentStatus::Confirmed => "confirmed",
            AppointmentStatus::Compensating => "compensating",
            AppointmentStatus::Cancelled => "cancelled",
            AppointmentStatus::Failed => "failed",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(AppointmentStatus::Pending),
            "confirmed" => Some(AppointmentStatus::Confirmed),
            "compensating" => Some(AppointmentStatus::Compensating),
            "cancelled" => Some(AppointmentStatus::Cancelled),
            "failed" => Some(AppointmentStatus::Failed),
            _ => None,
        }
    }
}

/// Where one segment is. Pending, booked and confirmed segments hold their
/// host's time; cancelled and failed ones do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SegmentStatus {
    /// Time held locally; no Cal.com booking yet.
    Pending,
    /// Created at Cal.com (its uid is known); not yet confirmed here.
    Booked,
    /// Part of a confirmed appointment.
    Confirmed,
    /// Its Cal.com booking was cancelled.
    Cancelled,
    /// Never booked at Cal.com; its hold was released.
    Failed,
}

impl SegmentStatus {
    /// Whether a segment in this state occupies its host's time.
    pub fn is_active(self) -> bool {
        matches!(
            self,
            SegmentStatus::Pending | SegmentStatus::Booked | SegmentStatus::Confirmed
        )
    }

    /// Stable lowercase name, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            SegmentStatus::Pending => "pending",
            SegmentStatus::Booked => "booked",
            SegmentStatus::Confirmed => "confirmed",
            SegmentStatus::Cancelled => "cancelled",
            SegmentStatus::Failed => "failed",
        }
    }

    /// Parses the stored spelling.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(SegmentStatus::Pending),
            "booked" => Some(SegmentStatus::Booked),
            "confirmed" => Some(SegmentStatus::Confirmed),
            "cancelled" => Some(SegmentStatus::Cancelled),
            "failed" => Some(SegmentStatus::Failed),
            _ => None,
        }
    }
}

/// One planned segment: what to book, with whom, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentPlan {
    /// What to book.
    pub event_type_id: EventTypeId,
    /// Cal.com user id of the staff member hosting it.
    pub host_id: u64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Break after this segment before the next one starts.
    pub pause_after_minutes: u32,
}

/// One stored segment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SegmentRecord {
    /// Place in the appointment, from 0.
    pub position: u32,
    /// What is booked.
    pub event_type_id: EventTypeId,
    /// Cal.com user id of the host.
    pub host_id: u64,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Break after this segment.
    pub pause_after_minutes: u32,
    /// Lifecycle state.
    pub status: SegmentStatus,
    /// The Cal.com booking, once created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_uid: Option<BookingUid>,
}

/// A composite appointment as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AppointmentRecord {
    /// Our id; `correlationId` at Cal.com (with the segment position).
    pub id: AppointmentId,
    /// Overall state.
    pub status: AppointmentStatus,
    /// Who it is for.
    pub attendee: Attendee,
    /// Caller metadata, sent with every segment.
    pub metadata: BTreeMap<String, String>,
    /// The segments, in order.
    pub segments: Vec<SegmentRecord>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Bumped by every change; 1 when created.
    pub version: u64,
}

impl AppointmentRecord {
    /// Most segments one appointment may have.
    pub const MAX_SEGMENTS: usize = 20;

    /// A pending appointment with pending segments, numbered in order.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for no or too many segments, an empty
    /// segment, or two segments of one host that overlap.
    pub fn new(
        id: AppointmentId,
        attendee: Attendee,
        metadata: BTreeMap<String, String>,
        plans: Vec<SegmentPlan>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if plans.is_empty() || plans.len() > Self::MAX_SEGMENTS {
            return Err(DomainError::invalid(
                "segments",
                format!("must have 1-{} segments", Self::MAX_SEGMENTS),
            ));
        }
        for (i, p) in plans.iter().enumerate() {
            if p.end <= p.start {
                return Err(DomainError::invalid(
                    "segments",
                    format!("segment {i} must end after it starts"),
                ));
            }
            if p.end - p.start > SlotHold::MAX_LENGTH {
                return Err(DomainError::invalid(
                    "segments",
                    format!("segment {i} is longer than 31 days"),
                ));
            }
            let overlapping = plans.iter().enumerate().any(|(j, q)| {
                j != i && q.host_id == p.host_id && q.start < p.end && p.start < q.end
            });
            if overlapping {
                return Err(DomainError::invalid(
                    "segments",
                    format!("segment {i} overlaps another segment of host {}", p.host_id),
                ));
            }
        }
        let segments = plans
            .into_iter()
            .zip(0u32..)
            .map(|(p, position)| SegmentRecord {
                position,
                event_type_id: p.event_type_id,
                host_id: p.host_id,
                start: p.start,
                end: p.end,
                pause_after_minutes: p.pause_after_minutes,
                status: SegmentStatus::Pending,
                booking_uid: None,
            })
            .collect();
        Ok(Self {
            id,
            status: AppointmentStatus::Pending,
            attendee,
            metadata,
            segments,
            created_at: now,
            updated_at: now,
            version: 1,
        })
    }

    /// The segment at `position`, if there is one.
    pub fn segment(&self, position: u32) -> Option<&SegmentRecord> {
        self.segments.iter().find(|s| s.position == position)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use chrono_tz::Tz;

    use super::*;
    use crate::models::Email;

    fn plan(host_id: u64, start_min: i64, end_min: i64) -> SegmentPlan {
        let base = DateTime::from_timestamp(1_930_899_600, 0).unwrap();
        SegmentPlan {
            event_type_id: EventTypeId(1),
            host_id,
            start: base + TimeDelta::minutes(start_min),
            end: base + TimeDelta::minutes(end_min),
            pause_after_minutes: 0,
        }
    }

    fn attendee() -> Attendee {
        Attendee::new("Ann", Email::parse("ann@example.com").unwrap(), Tz::UTC).unwrap()
    }

    #[test]
    fn segments_are_numbered_and_pending() {
        let r = AppointmentRecord::new(
            AppointmentId::new(),
            attendee(),
            BTreeMap::new(),
            vec![plan(1, 0, 30), plan(2, 30, 60), plan(1, 70, 90)],
            Utc::now(),
        )
        .unwrap();
        assert_eq!(r.status, AppointmentStatus::Pending);
        assert_eq!(r.version, 1);
        let positions: Vec<u32> = r.segments.iter().map(|s| s.position).collect();
        assert_eq!(positions, [0, 1, 2]);
        assert!(
            r.segments
                .iter()
                .all(|s| s.status == SegmentStatus::Pending)
        );
        assert_eq!(r.segment(2).map(|s| s.host_id), Some(1));
    }

    #[test]
    fn bad_plans_are_refused() {
        let new = |plans| {
            AppointmentRecord::new(
                AppointmentId::new(),
                attendee(),
                BTreeMap::new(),
                plans,
                Utc::now(),
            )
        };
        assert!(new(vec![]).is_err());
        assert!(new(vec![plan(1, 10, 10)]).is_err());
        assert!(new(vec![plan(1, 0, 30), plan(1, 20, 40)]).is_err());
        assert!(new(vec![plan(1, 0, 30), plan(2, 20, 40)]).is_ok());
        assert!(new(vec![plan(1, 0, 30), plan(1, 30, 40)]).is_ok());
        assert!(new((0..21).map(|i| plan(i, 0, 30)).collect()).is_err());
        assert!(new(vec![plan(1, 0, 31 * 24 * 60)]).is_ok());
        assert!(new(vec![plan(1, 0, 31 * 24 * 60 + 1)]).is_err());
    }

    #[test]
    fn statuses_round_trip() {
        for s in [
            AppointmentStatus::Pending,
            AppointmentStatus::Confirmed,
            AppointmentStatus::Compensating,
            AppointmentStatus::Cancelled,
            AppointmentStatus::Failed,
        ] {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Some(s));
        }
        for s in [
            SegmentStatus::Pending,
            SegmentStatus::Booked,
            SegmentStatus::Confirmed,
            SegmentStatus::Cancelled,
            SegmentStatus::Failed,
        ] {
            assert_eq!(SegmentStatus::parse(s.as_str()), Some(s));
            assert_eq!(
                s.is_active(),
                !matches!(s, SegmentStatus::Cancelled | SegmentStatus::Failed)
            );
        }
        assert!(AppointmentStatus::Failed.is_terminal());
        assert!(!AppointmentStatus::Confirmed.is_terminal());
    }
}
