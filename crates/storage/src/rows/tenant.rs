//! Checks and conversions shared by both backends' tenant, token,
//! endpoint and sync-state tables.

use std::time::Duration;

use calbridge_domain::TenantId;
use chrono::{DateTime, TimeDelta, Utc};

use crate::error::StorageError;
use crate::rows::RowContext;

/// Labels and ids stored in these tables: 1-100 characters, no control
/// characters (the schema checks the length too).
pub(crate) fn check_label(field: &'static str, value: &str) -> Result<(), StorageError> {
    let n = value.chars().count();
    if n == 0 || n > 100 || value.chars().any(char::is_control) {
        return Err(StorageError::InvalidInput {
            field,
            message: "must be 1-100 characters without control characters".to_owned(),
        });
    }
    Ok(())
}

/// A stored tenant id, or a corrupt-row error naming the row.
pub(crate) fn parse_tenant(
    table: &'static str,
    key: &str,
    stored: String,
) -> Result<TenantId, StorageError> {
    TenantId::parse(stored).map_err(|e| RowContext::new(table, key).corrupt("tenant_id", e))
}

/// When a lease taken at `now` for `ttl` ends.
pub(crate) fn lease_until(
    now: DateTime<Utc>,
    ttl: Duration,
) -> Result<DateTime<Utc>, StorageError> {
    TimeDelta::from_std(ttl)
        .ok()
        .and_then(|d| now.checked_add_signed(d))
        .ok_or_else(|| StorageError::InvalidInput {
            field: "ttl",
            message: "lease too long".to_owned(),
        })
}
