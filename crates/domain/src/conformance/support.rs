//! Helpers shared by the conformance suites: fresh tenants, fixed
//! instants, and unwrapping that names the broken step.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::error::{DomainError, Result};
use crate::ids::TenantId;

/// 2031-03-10T09:00:00.123Z: a fixed instant with a fractional second, so
/// a backend that drops milliseconds fails the round trips.
const BASE_MILLIS: i64 = 1_930_899_600_123;

/// The value, or a panic naming the suite, the step and the error.
pub(crate) fn ok<T>(suite: &str, result: Result<T>, step: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("{suite} conformance: {step} failed: {error}"),
    }
}

/// The error, or a panic naming the suite and the step that should have failed.
pub(crate) fn err<T: std::fmt::Debug>(suite: &str, result: Result<T>, step: &str) -> DomainError {
    match result {
        Ok(value) => panic!("{suite} conformance: {step} must fail, but returned {value:?}"),
        Err(error) => error,
    }
}

/// The value, or a panic naming what was missing.
pub(crate) fn some<T>(suite: &str, value: Option<T>, what: &str) -> T {
    match value {
        Some(value) => value,
        None => panic!("{suite} conformance: {what} is missing"),
    }
}

/// A tenant no other run uses.
pub(crate) fn fresh_tenant() -> TenantId {
    ok(
        "support",
        TenantId::parse(format!("conformance-{}", Uuid::new_v4().simple())),
        "building a tenant id",
    )
}

/// The base instant plus `minutes`.
pub(crate) fn at(minutes: i64) -> DateTime<Utc> {
    some(
        "support",
        DateTime::from_timestamp_millis(BASE_MILLIS),
        "the base instant",
    ) + TimeDelta::minutes(minutes)
}

/// A host id no other run uses (so holds in a shared database never meet).
pub(crate) fn fresh_host() -> u64 {
    let bytes = Uuid::new_v4().into_bytes();
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    // Below 2^53 and above zero: fits every column and every JSON reader.
    (u64::from_le_bytes(first) >> 11) | 1
}
