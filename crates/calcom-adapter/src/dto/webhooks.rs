//! `/v2/webhooks/**` (no version header): the account's webhook
//! subscriptions. The signing secret is a [`SecretString`], so no `Debug`
//! output of a request or answer shows it.

use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize, Serializer};

use crate::dto::wire_format::{null_as_default, open_enum, string_or_number};

open_enum! {
    /// What a webhook fires on (the v2 spec's 21 triggers).
    pub enum WebhookTrigger {
        /// A booking was created (or confirmed).
        BookingCreated => "BOOKING_CREATED",
        /// Payment for a booking started.
        BookingPaymentInitiated => "BOOKING_PAYMENT_INITIATED",
        /// A booking was paid.
        BookingPaid => "BOOKING_PAID",
        /// A booking was moved.
        BookingRescheduled => "BOOKING_RESCHEDULED",
        /// A booking awaits confirmation.
        BookingRequested => "BOOKING_REQUESTED",
        /// A booking was cancelled.
        BookingCancelled => "BOOKING_CANCELLED",
        /// A booking was declined.
        BookingRejected => "BOOKING_REJECTED",
        /// Someone was marked absent.
        BookingNoShowUpdated => "BOOKING_NO_SHOW_UPDATED",
        /// A routing form was submitted.
        FormSubmitted => "FORM_SUBMITTED",
        /// A meeting ended.
        MeetingEnded => "MEETING_ENDED",
        /// A meeting started.
        MeetingStarted => "MEETING_STARTED",
        /// A recording is ready.
        RecordingReady => "RECORDING_READY",
        /// An instant meeting was requested.
        InstantMeeting => "INSTANT_MEETING",
        /// A transcript is ready.
        RecordingTranscriptionGenerated => "RECORDING_TRANSCRIPTION_GENERATED",
        /// Out-of-office was entered.
        OooCreated => "OOO_CREATED",
        /// Hosts missed a Cal Video call.
        AfterHostsCalVideoNoShow => "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
        /// Guests missed a Cal Video call.
        AfterGuestsCalVideoNoShow => "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
        /// A routing form was submitted without a booking.
        FormSubmittedNoEvent => "FORM_SUBMITTED_NO_EVENT",
        /// A routing form used its fallback.
        RoutingFormFallbackHit => "ROUTING_FORM_FALLBACK_HIT",
        /// A delegation credential failed.
        DelegationCredentialError => "DELEGATION_CREDENTIAL_ERROR",
        /// A wrong assignment was reported.
        WrongAssignmentReport => "WRONG_ASSIGNMENT_REPORT",
    }
}

fn expose_opt_secret<S: Serializer>(v: &Option<SecretString>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(secret) => s.serialize_str(secret.expose_secret()),
        None => s.serialize_none(),
    }
}

/// Body of `POST /v2/webhooks`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateWebhookRequest {
    /// Where Cal.com posts the events.
    pub subscriber_url: String,
    /// Whether it fires.
    pub active: bool,
    /// What it fires on.
    pub triggers: Vec<WebhookTrigger>,
    /// Custom body template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_template: Option<String>,
    /// HMAC secret for `X-Cal-Signature-256`.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_opt_secret"
    )]
    pub secret: Option<SecretString>,
    /// Payload version (`"2021-10-20"`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

/// Body of `PATCH /v2/webhooks/{id}`: only what is set changes.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateWebhookRequest {
    /// New target URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscriber_url: Option<String>,
    /// Switch it on or off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// New triggers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub triggers: Option<Vec<WebhookTrigger>>,
    /// New body template.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_template: Option<String>,
    /// New HMAC secret.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "expose_opt_secret"
    )]
    pub secret: Option<SecretString>,
}

/// A webhook subscription. Cal.com documents `id` as a number but sends a
/// UUID string; both are read as text.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WebhookDto {
    /// Webhook id.
    #[serde(deserialize_with = "string_or_number")]
    pub id: String,
    /// Owner (user webhooks).
    #[serde(default)]
    pub user_id: Option<u64>,
    /// Owner (event-type webhooks).
    #[serde(default)]
    pub event_type_id: Option<u64>,
    /// Target URL.
    #[serde(default, deserialize_with = "null_as_default")]
    pub subscriber_url: String,
    /// Whether it fires.
    #[serde(default, deserialize_with = "null_as_default")]
    pub active: bool,
    /// What it fires on.
    #[serde(default, deserialize_with = "null_as_default")]
    pub triggers: Vec<WebhookTrigger>,
    /// Custom body template.
    #[serde(default)]
    pub payload_template: Option<String>,
    /// HMAC secret, when Cal.com returns it.
    #[serde(default)]
    pub secret: Option<SecretString>,
}

/// Paging of `GET /v2/webhooks` (`take` 1–250, Cal.com's default 250).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WebhooksQuery {
    /// Page size.
    pub take: Option<u32>,
    /// Items to skip.
    pub skip: Option<u32>,
}

impl WebhooksQuery {
    /// The query string.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(n) = self.take {
            q.push(("take", n.to_string()));
        }
        if let Some(n) = self.skip {
            q.push(("skip", n.to_string()));
        }
        q
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn secrets_go_on_the_wire_but_never_into_debug() {
        let req = CreateWebhookRequest {
            subscriber_url: "https://example.com/hook".into(),
            active: true,
            triggers: vec![
                WebhookTrigger::BookingCreated,
                WebhookTrigger::BookingCancelled,
            ],
            payload_template: None,
            secret: Some(SecretString::from("whsec_topsecret")),
            version: None,
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"subscriberUrl": "https://example.com/hook", "active": true,
                   "triggers": ["BOOKING_CREATED", "BOOKING_CANCELLED"], "secret": "whsec_topsecret"})
        );
        assert!(!format!("{req:?}").contains("topsecret"));
        let w: WebhookDto = serde_json::from_value(json!({
            "id": "4b3c-uuid", "userId": 1, "subscriberUrl": "https://example.com/hook",
            "active": true, "triggers": ["BOOKING_CREATED", "BOOKING_CONFIRMED"],
            "payloadTemplate": null, "secret": "whsec_topsecret"
        }))
        .unwrap();
        assert_eq!(
            w.triggers[1],
            WebhookTrigger::Unknown("BOOKING_CONFIRMED".into())
        );
        assert!(!format!("{w:?}").contains("topsecret"));
        let numeric: WebhookDto = serde_json::from_value(json!({"id": 12})).unwrap();
        assert_eq!(numeric.id, "12");
        assert_eq!(
            serde_json::to_value(UpdateWebhookRequest {
                active: Some(false),
                ..Default::default()
            })
            .unwrap(),
            json!({"active": false})
        );
    }
}
