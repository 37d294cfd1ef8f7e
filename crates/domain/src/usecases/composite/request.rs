//! What a caller asks for when booking a composite appointment.

use std::collections::BTreeMap;

use crate::error::DomainError;
use crate::ids::EventTypeId;
use crate::models::{AppointmentRecord, Attendee};

pub use crate::models::OWN_ACCOUNT_HOST;

/// One segment asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentRequest {
    /// What to book.
    pub event_type_id: EventTypeId,
    /// Length; the event type's default when absent.
    pub duration_minutes: Option<u32>,
    /// Staff member (Cal.com user id); [`OWN_ACCOUNT_HOST`] when absent.
    pub host_id: Option<u64>,
    /// Break before the next segment.
    pub pause_after_minutes: u32,
}

/// A composite appointment asked for: who, and the segments in order.
#[derive(Debug, Clone, PartialEq)]
pub struct CompositeRequest {
    /// Who it is for.
    pub attendee: Attendee,
    /// Caller metadata, sent with every segment.
    pub metadata: BTreeMap<String, String>,
    /// The segments, in order.
    pub segments: Vec<SegmentRequest>,
}

impl CompositeRequest {
    /// Longest pause between two segments.
    pub const MAX_PAUSE_MINUTES: u32 = 24 * 60;

    /// Checks the shape (count, lengths, pauses).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] naming the bad field.
    pub fn validate(&self) -> Result<(), DomainError> {
        if self.segments.is_empty() || self.segments.len() > AppointmentRecord::MAX_SEGMENTS {
            return Err(DomainError::invalid(
                "segments",
                format!("must have 1-{} segments", AppointmentRecord::MAX_SEGMENTS),
            ));
        }
        for s in &self.segments {
            if s.duration_minutes.is_some_and(|d| d == 0 || d > 24 * 60) {
                return Err(DomainError::invalid(
                    "segments.durationMinutes",
                    "must be 1-1440",
                ));
            }
            if s.pause_after_minutes > Self::MAX_PAUSE_MINUTES {
                return Err(DomainError::invalid(
                    "segments.pauseAfterMinutes",
                    format!("must be at most {}", Self::MAX_PAUSE_MINUTES),
                ));
            }
        }
        Ok(())
    }
}
