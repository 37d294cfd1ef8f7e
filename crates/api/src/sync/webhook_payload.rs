//! What a verified Cal.com delivery says, read defensively: which trigger,
//! which booking (and for a reschedule, which booking it replaced), and
//! when Cal.com made it. Nothing here trusts the body's booking data: it
//! only names what to fetch.

use calbridge_domain::BookingUid;
use chrono::{DateTime, Utc};
use serde_json::Value;

/// The `X-Cal-Webhook-Version` calbridge understands.
pub const SUPPORTED_VERSION: &str = "2021-10-20";

/// The triggers calbridge acts on (all are hints to refetch a booking).
pub const HANDLED_TRIGGERS: [&str; 11] = [
    "BOOKING_CREATED",
    "BOOKING_RESCHEDULED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_REQUESTED",
    "BOOKING_PAID",
    "BOOKING_NO_SHOW_UPDATED",
    "MEETING_STARTED",
    "MEETING_ENDED",
    "RECORDING_READY",
    "FORM_SUBMITTED",
];

/// How calbridge treats a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    /// One of [`HANDLED_TRIGGERS`].
    Handled,
    /// Cal.com's test button.
    Ping,
    /// Anything else: recorded and ignored.
    Unknown,
}

/// A parsed delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookPayload {
    /// `triggerEvent` (`UNKNOWN` when absent or unusable).
    pub trigger: String,
    /// How to treat it.
    pub kind: TriggerKind,
    /// The booking it is about.
    pub booking_uid: Option<BookingUid>,
    /// For a reschedule: the booking it replaced.
    pub replaced_uid: Option<BookingUid>,
    /// The body's `createdAt`.
    pub created_at: Option<DateTime<Utc>>,
}

/// Reads a body; `None` when it is not a JSON object (malformed).
pub fn parse_payload(body: &[u8]) -> Option<WebhookPayload> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let root = value.as_object()?;
    let trigger = root
        .get("triggerEvent")
        .and_then(Value::as_str)
        .filter(|t| {
            !t.is_empty()
                && t.len() <= 100
                && t.bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        })
        .unwrap_or("UNKNOWN")
        .to_owned();
    let kind = if trigger == "PING" {
        TriggerKind::Ping
    } else if HANDLED_TRIGGERS.contains(&trigger.as_str()) {
        TriggerKind::Handled
    } else {
        TriggerKind::Unknown
    };
    // MEETING_STARTED/ENDED are flat: the booking fields sit at the root.
    let payload = root
        .get("payload")
        .and_then(Value::as_object)
        .unwrap_or(root);
    let uid_at = |key: &str| {
        payload
            .get(key)
            .and_then(Value::as_str)
            .and_then(|s| BookingUid::parse(s).ok())
    };
    let created_at = root
        .get("createdAt")
        .and_then(Value::as_str)
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| t.to_utc());
    Some(WebhookPayload {
        booking_uid: uid_at("uid").or_else(|| uid_at("bookingUid")),
        replaced_uid: (trigger == "BOOKING_RESCHEDULED")
            .then(|| uid_at("rescheduleUid"))
            .flatten(),
        trigger,
        kind,
        created_at,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn wrapped_flat_ping_and_unknown_bodies() {
        let p = parse_payload(
            br#"{"triggerEvent":"BOOKING_RESCHEDULED","createdAt":"2030-01-01T10:00:00.000Z","payload":{"uid":"new1","rescheduleUid":"old1"}}"#,
        )
        .unwrap();
        assert_eq!(p.kind, TriggerKind::Handled);
        assert_eq!(p.booking_uid.unwrap().as_str(), "new1");
        assert_eq!(p.replaced_uid.unwrap().as_str(), "old1");
        assert!(p.created_at.is_some());
        let flat = parse_payload(br#"{"triggerEvent":"MEETING_ENDED","uid":"m1"}"#).unwrap();
        assert_eq!(flat.booking_uid.unwrap().as_str(), "m1");
        let no_show = parse_payload(
            br#"{"triggerEvent":"BOOKING_NO_SHOW_UPDATED","payload":{"bookingUid":"n1"}}"#,
        )
        .unwrap();
        assert_eq!(no_show.booking_uid.unwrap().as_str(), "n1");
        assert_eq!(
            parse_payload(br#"{"triggerEvent":"PING"}"#).unwrap().kind,
            TriggerKind::Ping
        );
        let odd =
            parse_payload(br#"{"triggerEvent":"OOO_CREATED","payload":{"uid":"../x"}}"#).unwrap();
        assert_eq!(odd.kind, TriggerKind::Unknown);
        assert_eq!(odd.booking_uid, None);
        assert_eq!(
            parse_payload(br#"{"triggerEvent":"a b"}"#).unwrap().trigger,
            "UNKNOWN"
        );
        assert!(parse_payload(b"{not json").is_none());
        assert!(parse_payload(b"[1]").is_none());
    }
}
