//! `appointments` and `appointment_segments` rows.

use std::collections::BTreeMap;

use calbridge_domain::{
    AppointmentId, AppointmentRecord, AppointmentStatus, Attendee, EventTypeId, SegmentRecord,
    SegmentStatus, SlotHold, SlotHoldId,
};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::slot_hold::managed_by_appointment;
use super::{RowContext, to_json, u64_column};
use crate::error::StorageError;

/// An appointment flattened into column values.
#[derive(Debug, Clone)]
pub(crate) struct AppointmentColumns {
    pub(crate) id: Uuid,
    pub(crate) status: &'static str,
    pub(crate) attendee: String,
    pub(crate) metadata: String,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
    pub(crate) segments: Vec<SegmentColumns>,
}

/// A segment flattened into column values.
#[derive(Debug, Clone)]
pub(crate) struct SegmentColumns {
    pub(crate) position: i64,
    pub(crate) event_type_id: i64,
    pub(crate) host_id: i64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) pause_after_minutes: i64,
    pub(crate) status: SegmentStatus,
    pub(crate) booking_uid: Option<String>,
}

impl AppointmentColumns {
    /// Flattens `record`.
    ///
    /// # Errors
    /// [`StorageError::Unstorable`] for ids beyond `i64::MAX`, or segments
    /// whose positions are not 0, 1, 2, … in order.
    pub(crate) fn new(record: &AppointmentRecord) -> Result<Self, StorageError> {
        let mut segments = Vec::with_capacity(record.segments.len());
        for (expected, s) in (0u32..).zip(&record.segments) {
            if s.position != expected {
                return Err(StorageError::Unstorable {
                    field: "segments",
                    message: format!(
                        "segment positions must be 0, 1, 2, … in order; found {} at index {expected}",
                        s.position
                    ),
                });
            }
            if s.end <= s.start {
                return Err(StorageError::Unstorable {
                    field: "segments",
                    message: format!("segment {expected} must end after it starts"),
                });
            }
            segments.push(SegmentColumns {
                position: i64::from(s.position),
                event_type_id: u64_column("event_type_id", s.event_type_id.0)?,
                host_id: u64_column("host_id", s.host_id)?,
                start: s.start,
                end: s.end,
                pause_after_minutes: i64::from(s.pause_after_minutes),
                status: s.status,
                booking_uid: s.booking_uid.as_ref().map(|u| u.as_str().to_owned()),
            });
        }
        if segments.is_empty() {
            return Err(StorageError::Unstorable {
                field: "segments",
                message: "an appointment needs at least one segment".to_owned(),
            });
        }
        Ok(Self {
            id: record.id.0,
            status: record.status.as_str(),
            attendee: to_json("attendee", &record.attendee)?,
            metadata: to_json("metadata", &record.metadata)?,
            created_at: record.created_at,
            updated_at: record.updated_at,
            segments,
        })
    }
}

/// An appointment row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredAppointment {
    pub(crate) id: Uuid,
    pub(crate) status: String,
    pub(crate) attendee: String,
    pub(crate) metadata: String,
    pub(crate) row_version: i64,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

/// A segment row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredSegment {
    pub(crate) position: i64,
    pub(crate) event_type_id: i64,
    pub(crate) host_id: i64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) pause_after_minutes: i64,
    pub(crate) status: String,
    pub(crate) booking_uid: Option<String>,
}

impl StoredAppointment {
    /// Validates the row and its segments (in position order) into an
    /// [`AppointmentRecord`].
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] naming the first bad column.
    pub(crate) fn into_record(
        self,
        segments: Vec<StoredSegment>,
    ) -> Result<AppointmentRecord, StorageError> {
        let row = RowContext::new("appointments", self.id.to_string());
        let attendee: Attendee = row.json("attendee", &self.attendee)?;
        let metadata: BTreeMap<String, String> = row.json("metadata", &self.metadata)?;
        let segments = segments
            .into_iter()
            .map(|s| {
                let seg = RowContext::new(
                    "appointment_segments",
                    format!("{}/{}", self.id, s.position),
                );
                Ok(SegmentRecord {
                    position: seg.u32("position", s.position)?,
                    event_type_id: EventTypeId(seg.u64("event_type_id", s.event_type_id)?),
                    host_id: seg.u64("host_id", s.host_id)?,
                    start: s.start,
                    end: s.end,
                    pause_after_minutes: seg.u32("pause_after_minutes", s.pause_after_minutes)?,
                    status: seg.parsed("status", &s.status, SegmentStatus::parse)?,
                    booking_uid: seg.booking_uid("booking_uid", s.booking_uid)?,
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(AppointmentRecord {
            id: AppointmentId(self.id),
            status: row.parsed("status", &self.status, AppointmentStatus::parse)?,
            attendee,
            metadata,
            segments,
            created_at: self.created_at,
            updated_at: self.updated_at,
            version: row.u64("row_version", self.row_version)?,
        })
    }
}

/// What [`AppointmentStatus`] change does to each segment: the new status
/// of a segment currently in `current`, or `None` to leave it.
///
/// # Errors
/// [`StorageError::Conflict`] when confirming while a segment is not booked.
pub(crate) fn cascade(
    target: AppointmentStatus,
    current: SegmentStatus,
    position: u32,
) -> Result<Option<SegmentStatus>, StorageError> {
    use SegmentStatus as S;
    Ok(match target {
        AppointmentStatus::Confirmed => match current {
            S::Booked => Some(S::Confirmed),
            S::Confirmed => None,
            other => {
                return Err(StorageError::Conflict {
                    message: format!(
                        "cannot confirm: segment {position} is {}, not booked",
                        other.as_str()
                    ),
                });
            }
        },
        AppointmentStatus::Cancelled | AppointmentStatus::Failed => match current {
            S::Booked | S::Confirmed => Some(S::Cancelled),
            S::Pending => Some(S::Failed),
            S::Cancelled | S::Failed => None,
        },
        AppointmentStatus::Pending | AppointmentStatus::Compensating => None,
    })
}

/// Checks a segment move (a reschedule) before anything is written, the
/// same way on both backends: the segment at `position` of `record` must
/// exist and be active (a cancelled segment has no time to move) and the
/// new range must not be empty. Returns the segment as moved.
///
/// # Errors
/// [`StorageError::NotFound`], [`StorageError::Conflict`] or
/// [`StorageError::InvalidInput`] naming what is wrong.
pub(crate) fn moved_segment(
    record: &AppointmentRecord,
    position: u32,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Result<SegmentRecord, StorageError> {
    if end <= start {
        return Err(StorageError::InvalidInput {
            field: "end",
            message: "must be after start".to_owned(),
        });
    }
    let segment = active_segment(record, position, "move")?;
    Ok(SegmentRecord {
        start,
        end,
        ..segment.clone()
    })
}

/// Checks a host reassignment before anything is written, the same way on
/// both backends: the segment at `position` of `record` must exist and be
/// active (a cancelled segment holds no time to pass on) and `host_id`
/// must be storable. Returns the segment as reassigned, or `None` when it
/// already has that host (nothing to do).
///
/// # Errors
/// [`StorageError::NotFound`], [`StorageError::Conflict`] or
/// [`StorageError::Unstorable`] naming what is wrong.
pub(crate) fn reassigned_segment(
    record: &AppointmentRecord,
    position: u32,
    host_id: u64,
) -> Result<Option<SegmentRecord>, StorageError> {
    let segment = active_segment(record, position, "change host")?;
    u64_column("host_id", host_id)?;
    if segment.host_id == host_id {
        return Ok(None);
    }
    Ok(Some(SegmentRecord {
        host_id,
        ..segment.clone()
    }))
}

/// The segment at `position`, which must exist and be active to `action`.
fn active_segment<'a>(
    record: &'a AppointmentRecord,
    position: u32,
    action: &str,
) -> Result<&'a SegmentRecord, StorageError> {
    let segment = record
        .segment(position)
        .ok_or_else(|| StorageError::NotFound {
            entity: "appointment segment",
            id: format!("{}/{position}", record.id),
        })?;
    if !segment.status.is_active() {
        return Err(StorageError::Conflict {
            message: format!(
                "segment {position} of appointment {} is {}; only an active segment can {action}",
                record.id,
                segment.status.as_str()
            ),
        });
    }
    Ok(segment)
}

/// The standalone hold a segment move replaces, as read (and, on
/// Postgres, locked) inside the move's transaction.
///
/// # Errors
/// [`StorageError::NotFound`] when it does not exist;
/// [`StorageError::Conflict`] when it guards an appointment segment (only
/// that appointment may change it).
pub(crate) fn replaced_hold(
    id: SlotHoldId,
    found: Option<SlotHold>,
) -> Result<SlotHold, StorageError> {
    let hold = found.ok_or_else(|| StorageError::NotFound {
        entity: "slot hold",
        id: id.to_string(),
    })?;
    match managed_by_appointment(&hold) {
        Some(managed) => Err(managed),
        None => Ok(hold),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn confirming_needs_every_segment_booked() {
        use SegmentStatus as S;
        let confirm = AppointmentStatus::Confirmed;
        assert_eq!(cascade(confirm, S::Booked, 0).unwrap(), Some(S::Confirmed));
        assert_eq!(cascade(confirm, S::Confirmed, 0).unwrap(), None);
        assert!(matches!(
            cascade(confirm, S::Pending, 1),
            Err(StorageError::Conflict { .. })
        ));
        assert!(cascade(confirm, S::Cancelled, 1).is_err());
    }

    #[test]
    fn ending_an_appointment_ends_every_active_segment() {
        use SegmentStatus as S;
        for end in [AppointmentStatus::Cancelled, AppointmentStatus::Failed] {
            assert_eq!(cascade(end, S::Pending, 0).unwrap(), Some(S::Failed));
            assert_eq!(cascade(end, S::Booked, 0).unwrap(), Some(S::Cancelled));
            assert_eq!(cascade(end, S::Confirmed, 0).unwrap(), Some(S::Cancelled));
            assert_eq!(cascade(end, S::Failed, 0).unwrap(), None);
        }
        assert_eq!(
            cascade(AppointmentStatus::Compensating, S::Booked, 0).unwrap(),
            None
        );
    }

    fn record() -> AppointmentRecord {
        use calbridge_domain::{Email, SegmentPlan};
        let at = |m| DateTime::<Utc>::UNIX_EPOCH + chrono::TimeDelta::minutes(m);
        let attendee = Attendee::new(
            "Ada",
            Email::parse("ada@example.org").unwrap(),
            chrono_tz::Tz::UTC,
        )
        .unwrap();
        let plan = SegmentPlan {
            event_type_id: EventTypeId(1),
            host_id: 7,
            start: at(0),
            end: at(30),
            pause_after_minutes: 0,
        };
        AppointmentRecord::new(
            AppointmentId::new(),
            attendee,
            BTreeMap::new(),
            vec![plan],
            at(0),
        )
        .unwrap()
    }

    #[test]
    fn reassigning_changes_only_the_host() {
        let record = record();
        let moved = reassigned_segment(&record, 0, 8).unwrap().unwrap();
        assert_eq!(
            moved,
            SegmentRecord {
                host_id: 8,
                ..record.segments[0].clone()
            }
        );
        assert_eq!(reassigned_segment(&record, 0, 7).unwrap(), None);
    }

    #[test]
    fn only_active_known_segments_change_host() {
        let mut record = record();
        assert!(matches!(
            reassigned_segment(&record, 1, 8),
            Err(StorageError::NotFound { .. })
        ));
        assert!(matches!(
            reassigned_segment(&record, 0, u64::MAX),
            Err(StorageError::Unstorable { .. })
        ));
        record.segments[0].status = SegmentStatus::Cancelled;
        assert!(matches!(
            reassigned_segment(&record, 0, 7),
            Err(StorageError::Conflict { .. })
        ));
    }
}
