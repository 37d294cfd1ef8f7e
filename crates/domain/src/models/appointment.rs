use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::DomainError;
use crate::ids::{AppointmentId, EventTypeId};
use crate::models::Attendee;

/// What a caller wants booked: one event type, at one time, for one person.
///
/// It carries our own [`AppointmentId`], sent to Cal.com as
/// `metadata.correlationId`, so the booking can be recognised again if the
/// create response is lost.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    /// Our id, also the correlation id at Cal.com.
    pub id: AppointmentId,
    /// What to book.
    pub event_type_id: EventTypeId,
    /// When it starts.
    pub start: DateTime<Utc>,
    /// Length in minutes for variable-length event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length_minutes: Option<u32>,
    /// Who it is for.
    pub attendee: Attendee,
    /// Caller metadata (Cal.com limits: 50 keys, key ≤ 40, value ≤ 500 chars).
    #[serde(default)]
    pub metadata: BTreeMap<String, String>,
    /// Round-robin team event types: the team members the calendar may
    /// assign (sent as `routing.teamMemberIds`); one member names the host,
    /// empty lets the calendar pick among all.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub team_member_ids: Vec<u64>,
}

impl Appointment {
    /// The metadata key carrying our correlation id.
    pub const CORRELATION_KEY: &'static str = "correlationId";
    const MAX_METADATA_KEYS: usize = 50;
    const MAX_KEY_CHARS: usize = 40;
    const MAX_VALUE_CHARS: usize = 500;

    /// Builds an appointment and checks everything Cal.com would refuse, so
    /// the caller gets the error from us, early and precisely.
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] naming the bad field.
    pub fn new(
        event_type_id: EventTypeId,
        start: DateTime<Utc>,
        attendee: Attendee,
        metadata: BTreeMap<String, String>,
        now: DateTime<Utc>,
    ) -> Result<Self, DomainError> {
        if start <= now {
            return Err(DomainError::invalid("start", "must be in the future"));
        }
        if metadata.contains_key(Self::CORRELATION_KEY) {
            return Err(DomainError::invalid(
                "metadata",
                format!("key {} is reserved", Self::CORRELATION_KEY),
            ));
        }
        // One key is ours (correlationId).
        if metadata.len() + 1 > Self::MAX_METADATA_KEYS {
            return Err(DomainError::invalid(
                "metadata",
                format!("at most {} keys", Self::MAX_METADATA_KEYS - 1),
            ));
        }
        for (k, v) in &metadata {
            if k.is_empty() || k.chars().count() > Self::MAX_KEY_CHARS {
                return Err(DomainError::invalid(
                    "metadata",
                    format!("keys must be 1-{} characters", Self::MAX_KEY_CHARS),
                ));
            }
            if v.chars().count() > Self::MAX_VALUE_CHARS {
                return Err(DomainError::invalid(
                    "metadata",
                    format!(
                        "values must be at most {} characters",
                        Self::MAX_VALUE_CHARS
                    ),
                ));
            }
        }
        Ok(Self {
            id: AppointmentId::new(),
            event_type_id,
            start,
            length_minutes: None,
            attendee,
            metadata,
            team_member_ids: Vec::new(),
        })
    }

    /// Requests a specific length (variable-length event types).
    ///
    /// # Errors
    /// [`DomainError::InvalidInput`] for a zero or absurd length.
    pub fn with_length(mut self, minutes: u32) -> Result<Self, DomainError> {
        if minutes == 0 || minutes > 24 * 60 {
            return Err(DomainError::invalid("lengthInMinutes", "must be 1-1440"));
        }
        self.length_minutes = Some(minutes);
        Ok(self)
    }

    /// The metadata to send to Cal.com: the caller's plus our correlation id.
    pub fn outgoing_metadata(&self) -> BTreeMap<String, String> {
        let mut m = self.metadata.clone();
        m.insert(Self::CORRELATION_KEY.to_owned(), self.id.to_string());
        m
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;
    use chrono_tz::Tz;

    use super::*;
    use crate::models::Email;

    fn attendee() -> Attendee {
        Attendee::new(
            "Ann",
            Email::parse("ann@example.com").unwrap(),
            Tz::Europe__Berlin,
        )
        .unwrap()
    }

    #[test]
    fn refuses_the_past_and_reserved_metadata() {
        let now = Utc::now();
        let past = now - TimeDelta::minutes(1);
        let err = Appointment::new(EventTypeId(1), past, attendee(), BTreeMap::new(), now);
        assert!(
            matches!(err, Err(DomainError::InvalidInput { ref field, .. }) if field == "start")
        );

        let mut md = BTreeMap::new();
        md.insert("correlationId".to_owned(), "x".to_owned());
        let future = now + TimeDelta::hours(1);
        assert!(Appointment::new(EventTypeId(1), future, attendee(), md, now).is_err());
    }

    #[test]
    fn outgoing_metadata_carries_the_correlation_id() {
        let now = Utc::now();
        let a = Appointment::new(
            EventTypeId(1),
            now + TimeDelta::hours(1),
            attendee(),
            BTreeMap::new(),
            now,
        )
        .unwrap();
        assert_eq!(a.outgoing_metadata()["correlationId"], a.id.to_string());
    }

    #[test]
    fn metadata_limits_match_calcom() {
        let now = Utc::now();
        let start = now + TimeDelta::hours(1);
        let long_key: BTreeMap<_, _> = [("k".repeat(41), "v".to_owned())].into();
        assert!(Appointment::new(EventTypeId(1), start, attendee(), long_key, now).is_err());
        let long_val: BTreeMap<_, _> = [("k".to_owned(), "v".repeat(501))].into();
        assert!(Appointment::new(EventTypeId(1), start, attendee(), long_val, now).is_err());
        let many: BTreeMap<_, _> = (0..50).map(|i| (format!("k{i}"), String::new())).collect();
        assert!(Appointment::new(EventTypeId(1), start, attendee(), many, now).is_err());
    }
}
