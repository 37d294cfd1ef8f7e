//! The mapping between domain types and column values, shared by both
//! backends so they store exactly the same thing. JSON travels as text;
//! each backend converts instants and uuids to its own column types.

pub(crate) mod appointment;
pub(crate) mod booking;
pub(crate) mod connection;
pub(crate) mod idempotency;
pub(crate) mod saga;
pub(crate) mod slot_hold;
pub(crate) mod tenant;
pub(crate) mod webhook_event;

use std::time::Duration;

use chrono::TimeDelta;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::StorageError;

/// The signed 64-bit column value of an unsigned id (Cal.com ids are far
/// smaller than `i64::MAX`; both backends store signed 64-bit integers).
///
/// # Errors
/// [`StorageError::Unstorable`] above `i64::MAX`.
pub(crate) fn u64_column(field: &'static str, value: u64) -> Result<i64, StorageError> {
    i64::try_from(value).map_err(|_| StorageError::Unstorable {
        field,
        message: format!("{value} exceeds the largest storable value {}", i64::MAX),
    })
}

/// JSON text of a value.
///
/// # Errors
/// [`StorageError::Unstorable`] when it does not serialize.
pub(crate) fn to_json<T: Serialize>(
    field: &'static str,
    value: &T,
) -> Result<String, StorageError> {
    serde_json::to_string(value).map_err(|e| StorageError::Unstorable {
        field,
        message: e.to_string(),
    })
}

/// Builds [`StorageError::CorruptRow`]s for one row.
#[derive(Debug, Clone)]
pub(crate) struct RowContext {
    table: &'static str,
    key: String,
}

impl RowContext {
    /// Errors about the row `key` of `table`.
    pub(crate) fn new(table: &'static str, key: impl Into<String>) -> Self {
        Self {
            table,
            key: key.into(),
        }
    }

    /// "column is wrong because problem".
    pub(crate) fn corrupt(&self, column: &str, problem: impl std::fmt::Display) -> StorageError {
        StorageError::CorruptRow {
            table: self.table,
            key: self.key.clone(),
            message: format!("{column}: {problem}"),
        }
    }

    /// A non-negative stored integer as u64.
    pub(crate) fn u64(&self, column: &str, value: i64) -> Result<u64, StorageError> {
        u64::try_from(value).map_err(|_| self.corrupt(column, format!("{value} is negative")))
    }

    /// A stored integer that must fit u32.
    pub(crate) fn u32(&self, column: &str, value: i64) -> Result<u32, StorageError> {
        u32::try_from(value).map_err(|_| self.corrupt(column, format!("{value} is out of range")))
    }

    /// Stored JSON text as `T`.
    pub(crate) fn json<T: DeserializeOwned>(
        &self,
        column: &str,
        text: &str,
    ) -> Result<T, StorageError> {
        serde_json::from_str(text).map_err(|e| self.corrupt(column, e))
    }

    /// A stored uuid in text form (SQLite).
    pub(crate) fn uuid(&self, column: &str, text: &str) -> Result<uuid::Uuid, StorageError> {
        uuid::Uuid::parse_str(text).map_err(|e| self.corrupt(column, e))
    }

    /// A stored enum name, parsed by `parse`.
    pub(crate) fn parsed<T>(
        &self,
        column: &str,
        text: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> Result<T, StorageError> {
        parse(text).ok_or_else(|| self.corrupt(column, format!("unknown value {text:?}")))
    }

    /// A stored booking uid.
    pub(crate) fn booking_uid(
        &self,
        column: &str,
        text: Option<String>,
    ) -> Result<Option<calbridge_domain::BookingUid>, StorageError> {
        text.map(calbridge_domain::BookingUid::parse)
            .transpose()
            .map_err(|e| self.corrupt(column, e))
    }
}

/// A duration argument as a chrono delta (leases, TTLs).
///
/// # Errors
/// [`StorageError::InvalidInput`] when it is zero or longer than ten years.
pub(crate) fn positive_delta(
    field: &'static str,
    duration: Duration,
) -> Result<TimeDelta, StorageError> {
    const TEN_YEARS: Duration = Duration::from_secs(10 * 366 * 24 * 60 * 60);
    if duration.is_zero() || duration > TEN_YEARS {
        return Err(StorageError::InvalidInput {
            field,
            message: "must be more than zero and at most ten years".to_owned(),
        });
    }
    TimeDelta::from_std(duration).map_err(|e| StorageError::InvalidInput {
        field,
        message: e.to_string(),
    })
}

/// A page size argument capped to `max` (0 means `max`).
pub(crate) fn capped_limit(limit: u32, max: u32) -> i64 {
    i64::from(if limit == 0 { max } else { limit.min(max) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_bounded() {
        assert!(positive_delta("ttl", Duration::ZERO).is_err());
        assert!(positive_delta("ttl", Duration::MAX).is_err());
        assert_eq!(
            positive_delta("ttl", Duration::from_millis(1500)).unwrap(),
            TimeDelta::milliseconds(1500)
        );
    }

    #[test]
    fn corrupt_values_name_table_key_and_column() {
        let row = RowContext::new("slot_holds", "k1");
        let error = row.u64("host_id", -3).unwrap_err();
        assert_eq!(
            error.to_string(),
            "stored slot_holds row \"k1\" is unreadable: host_id: -3 is negative"
        );
        assert!(row.u32("position", i64::from(u32::MAX) + 1).is_err());
        assert!(row.uuid("id", "nope").is_err());
        assert!(row.parsed("status", "x", |_| None::<u8>).is_err());
        assert!(row.booking_uid("uid", Some("a/b".into())).is_err());
        assert!(u64_column("host_id", u64::MAX).is_err());
        assert_eq!(capped_limit(0, 250), 250);
        assert_eq!(capped_limit(1000, 250), 250);
        assert_eq!(capped_limit(3, 250), 3);
    }
}
