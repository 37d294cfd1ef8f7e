//! `slot_holds` rows.

use calbridge_domain::{AppointmentId, HoldStatus, SlotHold, SlotHoldId};
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::RowContext;
use crate::error::StorageError;

/// A hold row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredSlotHold {
    pub(crate) id: Uuid,
    pub(crate) host_id: i64,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) status: String,
    pub(crate) expires_at: Option<DateTime<Utc>>,
    pub(crate) appointment_id: Option<Uuid>,
    pub(crate) segment_position: Option<i64>,
    pub(crate) booking_uid: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl StoredSlotHold {
    /// Validates every column into a [`SlotHold`].
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] naming the first bad column.
    pub(crate) fn into_hold(self) -> Result<SlotHold, StorageError> {
        let row = RowContext::new("slot_holds", self.id.to_string());
        Ok(SlotHold {
            id: SlotHoldId(self.id),
            host_id: row.u64("host_id", self.host_id)?,
            start: self.start,
            end: self.end,
            status: row.parsed("status", &self.status, HoldStatus::parse)?,
            expires_at: self.expires_at,
            appointment_id: self.appointment_id.map(AppointmentId),
            segment_position: self
                .segment_position
                .map(|p| row.u32("segment_position", p))
                .transpose()?,
            booking_uid: row.booking_uid("booking_uid", self.booking_uid)?,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

/// The hold status that goes with a segment status.
pub(crate) fn hold_status_for(segment: calbridge_domain::SegmentStatus) -> HoldStatus {
    use calbridge_domain::SegmentStatus as S;
    match segment {
        S::Pending | S::Booked => HoldStatus::Held,
        S::Confirmed => HoldStatus::Confirmed,
        S::Cancelled | S::Failed => HoldStatus::Released,
    }
}

/// Why a standalone operation may not touch a hold, if it may not.
pub(crate) fn managed_by_appointment(hold: &SlotHold) -> Option<StorageError> {
    hold.appointment_id.map(|a| StorageError::Conflict {
        message: format!(
            "slot hold {} guards a segment of appointment {a}; change it through the appointment",
            hold.id
        ),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use calbridge_domain::SegmentStatus;

    use super::*;

    fn stored() -> StoredSlotHold {
        let at = DateTime::from_timestamp(1_930_899_600, 0).unwrap();
        StoredSlotHold {
            id: Uuid::now_v7(),
            host_id: 42,
            start: at,
            end: at + chrono::TimeDelta::minutes(30),
            status: "held".into(),
            expires_at: None,
            appointment_id: None,
            segment_position: Some(2),
            booking_uid: Some("uid-1".into()),
            created_at: at,
            updated_at: at,
        }
    }

    #[test]
    fn rows_decode_and_bad_columns_are_named() {
        let hold = stored().into_hold().unwrap();
        assert_eq!((hold.host_id, hold.segment_position), (42, Some(2)));
        for (column, bad) in [
            (
                "host_id",
                StoredSlotHold {
                    host_id: -1,
                    ..stored()
                },
            ),
            (
                "status",
                StoredSlotHold {
                    status: "gone".into(),
                    ..stored()
                },
            ),
            (
                "segment_position",
                StoredSlotHold {
                    segment_position: Some(-1),
                    ..stored()
                },
            ),
            (
                "booking_uid",
                StoredSlotHold {
                    booking_uid: Some("..".into()),
                    ..stored()
                },
            ),
        ] {
            let error = bad.into_hold().unwrap_err();
            assert!(error.to_string().contains(column), "{column}: {error}");
        }
    }

    #[test]
    fn segment_statuses_map_to_hold_statuses() {
        assert_eq!(hold_status_for(SegmentStatus::Pending), HoldStatus::Held);
        assert_eq!(hold_status_for(SegmentStatus::Booked), HoldStatus::Held);
        assert_eq!(
            hold_status_for(SegmentStatus::Confirmed),
            HoldStatus::Confirmed
        );
        assert_eq!(
            hold_status_for(SegmentStatus::Cancelled),
            HoldStatus::Released
        );
        assert_eq!(hold_status_for(SegmentStatus::Failed), HoldStatus::Released);
    }
}
