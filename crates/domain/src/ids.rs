//! Newtype identifiers. They are validated once, when built, so the rest of
//! the code never has to wonder whether an id is well formed.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::DomainError;

/// A tenant: one customer of calbridge with its own Cal.com connection and data.
///
/// A short slug (`[a-z0-9_-]`, 1–64 chars) so it reads well in logs, keys and URLs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TenantId(String);

impl TenantId {
    /// Validates and builds a tenant id.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] when empty, too long or not a slug.
    pub fn parse(s: impl Into<String>) -> Result<Self, DomainError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 64
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid(
                "tenant",
                "must be 1-64 characters of a-z, 0-9, '-' or '_'",
            ))
        }
    }

    /// The id as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TenantId {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<TenantId> for String {
    fn from(t: TenantId) -> Self {
        t.0
    }
}

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Cal.com booking uid: how Cal.com v2 addresses a booking everywhere.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct BookingUid(String);

impl BookingUid {
    /// Validates and builds a booking uid. Cal.com uids are url-safe tokens;
    /// we refuse anything that could change the meaning of a URL path.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] when empty, longer than 255 or not url-safe.
    pub fn parse(s: impl Into<String>) -> Result<Self, DomainError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= 255
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
            && s != "."
            && s != "..";
        if ok {
            Ok(Self(s))
        } else {
            Err(DomainError::invalid(
                "uid",
                "must be 1-255 characters of A-Z, a-z, 0-9, '-', '_' or '.'",
            ))
        }
    }

    /// The uid as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for BookingUid {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<BookingUid> for String {
    fn from(u: BookingUid) -> Self {
        u.0
    }
}

impl fmt::Display for BookingUid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A Cal.com event type id (numeric in Cal.com).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventTypeId(pub u64);

impl fmt::Display for EventTypeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Our own id for an appointment request. It travels to Cal.com as
/// `metadata.correlationId`, so a booking whose create response was lost can
/// be found again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AppointmentId(pub Uuid);

impl AppointmentId {
    /// A fresh, time-ordered id (uuid v7).
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for AppointmentId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for AppointmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids_must_be_slugs() {
        assert!(TenantId::parse("demo").is_ok());
        assert!(TenantId::parse("acme-clinic_2").is_ok());
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse("Acme").is_err());
        assert!(TenantId::parse("a/b").is_err());
        assert!(TenantId::parse("x".repeat(65)).is_err());
    }

    #[test]
    fn booking_uids_cannot_escape_a_path() {
        assert!(BookingUid::parse("abc123XYZ-_").is_ok());
        assert!(BookingUid::parse("..").is_err());
        assert!(BookingUid::parse("a/b").is_err());
        assert!(BookingUid::parse("a?b").is_err());
        assert!(BookingUid::parse("").is_err());
    }

    #[test]
    fn ids_round_trip_through_json() {
        let uid: BookingUid = serde_json::from_str("\"abc\"").unwrap();
        assert_eq!(serde_json::to_string(&uid).unwrap(), "\"abc\"");
        assert!(serde_json::from_str::<BookingUid>("\"a b\"").is_err());
    }
}
