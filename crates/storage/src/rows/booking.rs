//! The mapping between a domain [`Booking`] and the column values of the
//! `bookings` table, shared by both backends so they store exactly the same
//! thing. JSON columns travel as text; each backend converts instants to
//! its own column type.

use std::collections::BTreeMap;

use calbridge_domain::{
    Attendee, Booking, BookingSource, BookingStatus, BookingUid, EventTypeId, Host, TenantId,
};
use chrono::{DateTime, Utc};

use super::to_json;
use crate::error::StorageError;

/// A booking flattened into column values, ready to bind.
#[derive(Debug, Clone)]
pub(crate) struct BookingColumns {
    pub(crate) tenant_id: String,
    pub(crate) uid: String,
    pub(crate) event_type_id: i64,
    pub(crate) title: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) status: &'static str,
    pub(crate) host: Option<String>,
    pub(crate) attendees: String,
    pub(crate) metadata: String,
    pub(crate) rescheduled_from_uid: Option<String>,
    pub(crate) rescheduled_to_uid: Option<String>,
    pub(crate) cancellation_reason: Option<String>,
    pub(crate) source: &'static str,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl BookingColumns {
    /// Flattens `booking` for `tenant`.
    ///
    /// # Errors
    /// [`StorageError::Unstorable`] when a value does not fit its column
    /// (an event type id above `i64::MAX`).
    pub(crate) fn new(
        tenant: &TenantId,
        booking: &Booking,
        source: BookingSource,
    ) -> Result<Self, StorageError> {
        Ok(Self {
            tenant_id: tenant.as_str().to_owned(),
            uid: booking.uid.as_str().to_owned(),
            event_type_id: event_type_column(booking.event_type_id)?,
            title: booking.title.clone(),
            start: booking.start,
            end: booking.end,
            status: booking.status.as_str(),
            host: booking
                .host
                .as_ref()
                .map(|h| to_json("host", h))
                .transpose()?,
            attendees: to_json("attendees", &booking.attendees)?,
            metadata: to_json("metadata", &booking.metadata)?,
            rescheduled_from_uid: booking
                .rescheduled_from_uid
                .as_ref()
                .map(|u| u.as_str().to_owned()),
            rescheduled_to_uid: booking
                .rescheduled_to_uid
                .as_ref()
                .map(|u| u.as_str().to_owned()),
            cancellation_reason: booking.cancellation_reason.clone(),
            source: source.as_str(),
            created_at: booking.created_at,
            updated_at: booking.updated_at,
        })
    }
}

/// The column value of an event type id, for writes and filters alike.
///
/// # Errors
/// [`StorageError::Unstorable`] above `i64::MAX` (the columns are signed
/// 64-bit on both backends; Cal.com ids are far smaller).
pub(crate) fn event_type_column(id: EventTypeId) -> Result<i64, StorageError> {
    i64::try_from(id.0).map_err(|_| StorageError::Unstorable {
        field: "event_type_id",
        message: format!("{} exceeds the largest storable id {}", id.0, i64::MAX),
    })
}

/// A row as read back, before it is checked into a domain [`Booking`].
#[derive(Debug, Clone)]
pub(crate) struct StoredBooking {
    pub(crate) uid: String,
    pub(crate) event_type_id: i64,
    pub(crate) title: String,
    pub(crate) start: DateTime<Utc>,
    pub(crate) end: DateTime<Utc>,
    pub(crate) status: String,
    pub(crate) host: Option<String>,
    pub(crate) attendees: String,
    pub(crate) metadata: String,
    pub(crate) rescheduled_from_uid: Option<String>,
    pub(crate) rescheduled_to_uid: Option<String>,
    pub(crate) cancellation_reason: Option<String>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) updated_at: DateTime<Utc>,
}

impl StoredBooking {
    /// Validates every column into a [`Booking`].
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] naming the first bad column.
    pub(crate) fn into_booking(self) -> Result<Booking, StorageError> {
        let uid_for_errors = self.uid.clone();
        let corrupt = |column: &str, problem: String| StorageError::CorruptRow {
            table: "bookings",
            key: uid_for_errors.clone(),
            message: format!("{column}: {problem}"),
        };
        let uid = BookingUid::parse(self.uid).map_err(|e| corrupt("uid", e.to_string()))?;
        let event_type_id = u64::try_from(self.event_type_id)
            .map(EventTypeId)
            .map_err(|_| {
                corrupt(
                    "event_type_id",
                    format!("{} is negative", self.event_type_id),
                )
            })?;
        let status = BookingStatus::parse(&self.status)
            .ok_or_else(|| corrupt("status", format!("unknown status {:?}", self.status)))?;
        let host: Option<Host> = self
            .host
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("host", e.to_string()))?;
        let attendees: Vec<Attendee> = serde_json::from_str(&self.attendees)
            .map_err(|e| corrupt("attendees", e.to_string()))?;
        let metadata: BTreeMap<String, String> =
            serde_json::from_str(&self.metadata).map_err(|e| corrupt("metadata", e.to_string()))?;
        let lineage = |column: &str, value: Option<String>| {
            value
                .map(BookingUid::parse)
                .transpose()
                .map_err(|e| corrupt(column, e.to_string()))
        };
        Ok(Booking {
            uid,
            event_type_id,
            title: self.title,
            start: self.start,
            end: self.end,
            status,
            host,
            attendees,
            metadata,
            rescheduled_from_uid: lineage("rescheduled_from_uid", self.rescheduled_from_uid)?,
            rescheduled_to_uid: lineage("rescheduled_to_uid", self.rescheduled_to_uid)?,
            cancellation_reason: self.cancellation_reason,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use calbridge_domain::Email;
    use chrono::TimeZone;

    use super::*;

    fn booking() -> Booking {
        let at = Utc.with_ymd_and_hms(2031, 3, 10, 9, 0, 0).unwrap();
        let mut guest = Attendee::new(
            "Zoë",
            Email::parse("zoe@example.org").unwrap(),
            chrono_tz::Tz::Asia__Kolkata,
        )
        .unwrap();
        guest.language = Some("de".into());
        Booking {
            uid: BookingUid::parse("u1").unwrap(),
            event_type_id: EventTypeId(7),
            title: "t".into(),
            start: at,
            end: at + chrono::TimeDelta::minutes(30),
            status: BookingStatus::Cancelled,
            host: Some(Host {
                id: 1,
                name: "H".into(),
                email: "h@example.com".into(),
            }),
            attendees: vec![guest],
            metadata: [("correlationId".to_owned(), "x".to_owned())].into(),
            rescheduled_from_uid: Some(BookingUid::parse("u0").unwrap()),
            rescheduled_to_uid: None,
            cancellation_reason: Some("ill".into()),
            created_at: at,
            updated_at: at,
        }
    }

    fn stored_from(c: BookingColumns) -> StoredBooking {
        StoredBooking {
            uid: c.uid,
            event_type_id: c.event_type_id,
            title: c.title,
            start: c.start,
            end: c.end,
            status: c.status.to_owned(),
            host: c.host,
            attendees: c.attendees,
            metadata: c.metadata,
            rescheduled_from_uid: c.rescheduled_from_uid,
            rescheduled_to_uid: c.rescheduled_to_uid,
            cancellation_reason: c.cancellation_reason,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }

    #[test]
    fn columns_round_trip_into_the_same_booking() {
        let tenant = TenantId::parse("t1").unwrap();
        let b = booking();
        let columns = BookingColumns::new(&tenant, &b, BookingSource::Webhook).unwrap();
        assert_eq!(columns.tenant_id, "t1");
        assert_eq!(columns.source, "webhook");
        assert_eq!(columns.status, "cancelled");
        assert_eq!(stored_from(columns).into_booking().unwrap(), b);
    }

    #[test]
    fn event_type_ids_beyond_i64_are_unstorable() {
        let mut b = booking();
        b.event_type_id = EventTypeId(u64::MAX);
        let err = BookingColumns::new(&TenantId::parse("t1").unwrap(), &b, BookingSource::Ours)
            .unwrap_err();
        assert!(matches!(
            err,
            StorageError::Unstorable {
                field: "event_type_id",
                ..
            }
        ));
        assert_eq!(
            event_type_column(EventTypeId(i64::MAX as u64)).unwrap(),
            i64::MAX
        );
    }

    #[test]
    fn bad_columns_are_typed_errors_naming_the_column() {
        let good = || {
            stored_from(
                BookingColumns::new(
                    &TenantId::parse("t1").unwrap(),
                    &booking(),
                    BookingSource::Ours,
                )
                .unwrap(),
            )
        };
        let cases: Vec<(&str, StoredBooking)> = vec![
            (
                "uid",
                StoredBooking {
                    uid: "a/b".into(),
                    ..good()
                },
            ),
            (
                "event_type_id",
                StoredBooking {
                    event_type_id: -1,
                    ..good()
                },
            ),
            (
                "status",
                StoredBooking {
                    status: "bogus".into(),
                    ..good()
                },
            ),
            (
                "host",
                StoredBooking {
                    host: Some("[]".into()),
                    ..good()
                },
            ),
            (
                "attendees",
                StoredBooking {
                    attendees: "{".into(),
                    ..good()
                },
            ),
            (
                "attendees",
                StoredBooking {
                    attendees: r#"[{"name":"x"}]"#.into(),
                    ..good()
                },
            ),
            (
                "metadata",
                StoredBooking {
                    metadata: r#"{"k":1}"#.into(),
                    ..good()
                },
            ),
            (
                "rescheduled_from_uid",
                StoredBooking {
                    rescheduled_from_uid: Some("..".into()),
                    ..good()
                },
            ),
            (
                "rescheduled_to_uid",
                StoredBooking {
                    rescheduled_to_uid: Some(String::new()),
                    ..good()
                },
            ),
        ];
        for (column, stored) in cases {
            match stored.into_booking() {
                Err(StorageError::CorruptRow { message, .. }) => {
                    assert!(message.starts_with(column), "{column}: {message}");
                }
                other => panic!("{column}: expected CorruptRow, got {other:?}"),
            }
        }
    }
}
