//! Webhook deliveries as received, kept so each is processed once (Cal.com
//! may deliver the same body twice) and failed ones can be processed again.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ids::BookingUid;

/// Our id for a received webhook delivery (uuid v7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookEventId(pub Uuid);

impl WebhookEventId {
    /// A fresh, time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for WebhookEventId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for WebhookEventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A delivery to record. The store fingerprints the raw body (SHA-256) and
/// keeps one record per fingerprint and tenant.
#[derive(Clone, PartialEq, Eq)]
pub struct NewWebhookEvent {
    /// The exact raw request body.
    pub body: Vec<u8>,
    /// `triggerEvent` (e.g. `BOOKING_CREATED`, `PING`).
    pub trigger: String,
    /// The booking it is about, when it names one.
    pub booking_uid: Option<BookingUid>,
    /// The body's `createdAt`, when present and parseable.
    pub payload_created_at: Option<DateTime<Utc>>,
    /// Whether its signature checked out.
    pub verified: bool,
    /// When we received it.
    pub received_at: DateTime<Utc>,
}

/// A recorded delivery.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// Our id.
    pub id: WebhookEventId,
    /// Lowercase hex SHA-256 of the raw body; unique per tenant.
    pub body_sha256: String,
    /// `triggerEvent`.
    pub trigger: String,
    /// The booking it is about, if any.
    pub booking_uid: Option<BookingUid>,
    /// The body's `createdAt`, if any.
    pub payload_created_at: Option<DateTime<Utc>>,
    /// The raw body.
    pub body: Vec<u8>,
    /// Whether a delivery of this body carried a valid signature.
    pub verified: bool,
    /// When it was first received.
    pub received_at: DateTime<Utc>,
    /// When it was processed successfully, if it was.
    pub processed_at: Option<DateTime<Utc>>,
    /// Failed processing attempts so far.
    pub attempts: u32,
    /// Why the last processing attempt failed, if it did.
    pub error: Option<String>,
}

/// Body-eliding Debug: bodies hold attendee data and are long.
fn body_summary(body: &[u8]) -> impl fmt::Debug + '_ {
    struct Summary(usize);
    impl fmt::Debug for Summary {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "<{} bytes>", self.0)
        }
    }
    Summary(body.len())
}

impl fmt::Debug for NewWebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewWebhookEvent")
            .field("body", &body_summary(&self.body))
            .field("trigger", &self.trigger)
            .field("booking_uid", &self.booking_uid)
            .field("payload_created_at", &self.payload_created_at)
            .field("verified", &self.verified)
            .field("received_at", &self.received_at)
            .finish()
    }
}

impl fmt::Debug for WebhookEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebhookEvent")
            .field("id", &self.id)
            .field("body_sha256", &self.body_sha256)
            .field("trigger", &self.trigger)
            .field("booking_uid", &self.booking_uid)
            .field("payload_created_at", &self.payload_created_at)
            .field("body", &body_summary(&self.body))
            .field("verified", &self.verified)
            .field("received_at", &self.received_at)
            .field("processed_at", &self.processed_at)
            .field("attempts", &self.attempts)
            .field("error", &self.error)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_elides_the_body() {
        let e = NewWebhookEvent {
            body: b"{\"attendee\":\"ann@example.com\"}".to_vec(),
            trigger: "BOOKING_CREATED".into(),
            booking_uid: None,
            payload_created_at: None,
            verified: true,
            received_at: Utc::now(),
        };
        let shown = format!("{e:?}");
        assert!(!shown.contains("ann@"), "{shown}");
        assert!(shown.contains("<30 bytes>"), "{shown}");
    }
}
