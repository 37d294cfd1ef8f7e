//! The saga's payload: everything needed to drive a composite booking from
//! scratch after a crash, written once when the saga starts.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{AppointmentId, EventTypeId};
use crate::models::{Appointment, AppointmentRecord, Attendee, SegmentPlan};

/// Metadata key naming the appointment and segment a Cal.com booking
/// belongs to (`<appointment id>:<position>`), for humans reading Cal.com.
pub const SEGMENT_METADATA_KEY: &str = "calbridgeSegment";

/// One segment as the saga books it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlannedSegment {
    /// What to book.
    pub event_type_id: EventTypeId,
    /// The staff member whose time the segment holds locally.
    pub host_id: u64,
    /// Round-robin team types: whom Cal.com may assign (`host_id` among
    /// them). When it assigns another, the hold moves to that host.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team_member_ids: Vec<u64>,
    /// Start (inclusive).
    pub start: DateTime<Utc>,
    /// End (exclusive).
    pub end: DateTime<Utc>,
    /// Break after this segment.
    pub pause_after_minutes: u32,
    /// Length sent to Cal.com when it is not the event type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_minutes: Option<u32>,
    /// Unique per segment; sent as `metadata.correlationId`, so a booking
    /// whose create answer was lost can be found again.
    pub correlation_id: AppointmentId,
}

/// A composite booking to make: who, what, and the segments in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingPlan {
    /// The appointment's id; also the saga's id.
    pub appointment_id: AppointmentId,
    /// Who it is for.
    pub attendee: Attendee,
    /// Caller metadata, sent with every segment.
    pub metadata: BTreeMap<String, String>,
    /// The segments, in order.
    pub segments: Vec<PlannedSegment>,
}

impl BookingPlan {
    /// Most caller metadata keys: Cal.com allows 50, two are ours.
    pub const MAX_METADATA_KEYS: usize = 48;

    /// Checks the plan the way the stores and Cal.com would, so a bad plan
    /// fails before anything is written.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] naming what is wrong.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), DomainError> {
        if self.metadata.len() > Self::MAX_METADATA_KEYS {
            return Err(DomainError::invalid(
                "metadata",
                format!("at most {} keys", Self::MAX_METADATA_KEYS),
            ));
        }
        if self.metadata.contains_key(SEGMENT_METADATA_KEY) {
            return Err(DomainError::invalid(
                "metadata",
                format!("key {SEGMENT_METADATA_KEY} is reserved"),
            ));
        }
        for s in &self.segments {
            // The same checks Cal.com would make (future start, metadata shape).
            Appointment::new(
                s.event_type_id,
                s.start,
                self.attendee.clone(),
                self.metadata.clone(),
                now,
            )?;
        }
        self.record(now).map(drop)
    }

    /// The local record the hold step stores (all segments pending).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for bad segments (see [`AppointmentRecord::new`]).
    pub fn record(&self, now: DateTime<Utc>) -> Result<AppointmentRecord, DomainError> {
        let plans = self
            .segments
            .iter()
            .map(|s| SegmentPlan {
                event_type_id: s.event_type_id,
                host_id: s.host_id,
                start: s.start,
                end: s.end,
                pause_after_minutes: s.pause_after_minutes,
            })
            .collect();
        AppointmentRecord::new(
            self.appointment_id,
            self.attendee.clone(),
            self.metadata.clone(),
            plans,
            now,
        )
    }

    /// How many other host choices round-robin segments without a named
    /// staff member have (the longest list of eligible members, less one).
    pub fn round_robin_alternatives(&self) -> usize {
        self.segments
            .iter()
            .map(|s| s.team_member_ids.len().saturating_sub(1))
            .max()
            .unwrap_or(0)
    }

    /// Moves every segment with several eligible members to the next one
    /// after its current host (cyclically), for another try at the holds.
    pub fn rotate_round_robin_hosts(&mut self) {
        for s in &mut self.segments {
            let ids = &s.team_member_ids;
            if ids.len() < 2 {
                continue;
            }
            let next = ids
                .iter()
                .position(|h| *h == s.host_id)
                .map_or(0, |i| (i + 1) % ids.len());
            s.host_id = ids[next];
        }
    }

    /// What is sent to the calendar for segment `position`.
    pub fn appointment_for(&self, position: usize) -> Option<Appointment> {
        let s = self.segments.get(position)?;
        let mut metadata = self.metadata.clone();
        metadata.insert(
            SEGMENT_METADATA_KEY.to_owned(),
            format!("{}:{position}", self.appointment_id),
        );
        Some(Appointment {
            id: s.correlation_id,
            event_type_id: s.event_type_id,
            start: s.start,
            length_minutes: s.length_minutes,
            attendee: self.attendee.clone(),
            metadata,
            team_member_ids: s.team_member_ids.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use chrono::TimeDelta;
    use chrono_tz::Tz;

    use super::*;
    use crate::models::Email;

    fn plan(now: DateTime<Utc>) -> BookingPlan {
        let start = now + TimeDelta::days(1);
        let seg = |i: i64| PlannedSegment {
            event_type_id: EventTypeId(7),
            host_id: 1,
            team_member_ids: Vec::new(),
            start: start + TimeDelta::minutes(30 * i),
            end: start + TimeDelta::minutes(30 * i + 30),
            pause_after_minutes: 0,
            length_minutes: None,
            correlation_id: AppointmentId::new(),
        };
        BookingPlan {
            appointment_id: AppointmentId::new(),
            attendee: Attendee::new("Ann", Email::parse("ann@example.com").unwrap(), Tz::UTC)
                .unwrap(),
            metadata: BTreeMap::from([("source".to_owned(), "test".to_owned())]),
            segments: vec![seg(0), seg(1)],
        }
    }

    #[test]
    fn each_segment_carries_its_own_correlation_id_and_its_place() {
        let now = Utc::now();
        let p = plan(now);
        p.validate(now).unwrap();
        let a1 = p.appointment_for(1).unwrap();
        let md = a1.outgoing_metadata();
        assert_eq!(
            md["correlationId"],
            p.segments[1].correlation_id.to_string()
        );
        assert_eq!(md[SEGMENT_METADATA_KEY], format!("{}:1", p.appointment_id));
        assert_eq!(md["source"], "test");
        assert!(p.appointment_for(2).is_none());
        let back: BookingPlan = serde_json::from_value(serde_json::to_value(&p).unwrap()).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn round_robin_hosts_rotate_through_the_eligible_members_only() {
        let mut p = plan(Utc::now());
        assert_eq!(p.round_robin_alternatives(), 0);
        p.segments[0].team_member_ids = vec![1, 2, 3];
        p.segments[1].team_member_ids = vec![4];
        p.segments[1].host_id = 4;
        assert_eq!(p.round_robin_alternatives(), 2);
        let mut seen = Vec::new();
        for _ in 0..3 {
            p.rotate_round_robin_hosts();
            seen.push((p.segments[0].host_id, p.segments[1].host_id));
        }
        assert_eq!(seen, vec![(2, 4), (3, 4), (1, 4)]);
    }

    #[test]
    fn bad_plans_fail_before_anything_is_written() {
        let now = Utc::now();
        let mut reserved = plan(now);
        reserved
            .metadata
            .insert(SEGMENT_METADATA_KEY.to_owned(), "x".into());
        assert!(reserved.validate(now).is_err());
        let mut past = plan(now);
        past.segments[0].start = now - TimeDelta::hours(1);
        assert!(past.validate(now).is_err());
        let mut overlapping = plan(now);
        overlapping.segments[1].start = overlapping.segments[0].start;
        assert!(overlapping.validate(now).is_err());
    }
}
