use std::fmt;

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// An email address, checked for the obvious shape (one `@`, no spaces, a
/// dot in the domain). Deliverability is Cal.com's business.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Validates and builds an email address (lower-casing the domain).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] when it does not look like an address.
    pub fn parse(s: impl Into<String>) -> Result<Self, DomainError> {
        let s = s.into();
        let s = s.trim();
        let bad = || DomainError::invalid("email", "must look like name@example.com");
        if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(bad());
        }
        let (local, domain) = s.split_once('@').ok_or_else(bad)?;
        if local.is_empty()
            || domain.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(bad());
        }
        Ok(Self(format!("{local}@{}", domain.to_ascii_lowercase())))
    }

    /// The address as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = DomainError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> Self {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The person a booking is for. Their time zone decides how Cal.com words
/// confirmations, so it is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Attendee {
    /// Display name; never empty.
    pub name: String,
    /// Contact address.
    pub email: Email,
    /// IANA time zone of the attendee.
    pub time_zone: Tz,
    /// Phone in E.164, when the event type asks for one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Preferred language (ISO 639-1), Cal.com defaults to "en".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

impl Attendee {
    /// Builds an attendee, rejecting an empty or overlong name.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] on a bad name.
    pub fn new(name: impl Into<String>, email: Email, time_zone: Tz) -> Result<Self, DomainError> {
        let name = name.into().trim().to_owned();
        if name.is_empty() || name.chars().count() > 200 {
            return Err(DomainError::invalid(
                "attendee.name",
                "must be 1-200 characters",
            ));
        }
        Ok(Self {
            name,
            email,
            time_zone,
            phone_number: None,
            language: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_domain_lowercased() {
        assert_eq!(
            Email::parse(" Ann@Example.COM ").unwrap().as_str(),
            "Ann@example.com"
        );
        for bad in ["", "a", "a@b", "@b.c", "a@@b.c", "a b@c.d", "a@.c", "a@c."] {
            assert!(Email::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn attendee_name_must_not_be_blank() {
        let e = Email::parse("a@b.co").unwrap();
        assert!(Attendee::new("  ", e.clone(), Tz::UTC).is_err());
        assert_eq!(Attendee::new(" Ann ", e, Tz::UTC).unwrap().name, "Ann");
    }
}
