//! `webhook_events` rows.

use calbridge_domain::{WebhookEvent, WebhookEventId};
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::RowContext;
use crate::error::StorageError;

/// Largest page of unprocessed events.
pub(crate) const MAX_PAGE: u32 = 250;

/// Longest trigger name and stored error message.
const MAX_TRIGGER_CHARS: usize = 100;
const MAX_ERROR_CHARS: usize = 2000;

/// Lowercase hex SHA-256 of a raw body: the deduplication key.
pub(crate) fn body_sha256(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

/// Checks a trigger name: 1-100 characters.
///
/// # Errors
/// [`StorageError::InvalidInput`] otherwise.
pub(crate) fn check_trigger(trigger: &str) -> Result<(), StorageError> {
    let count = trigger.chars().count();
    if count == 0 || count > MAX_TRIGGER_CHARS {
        return Err(StorageError::InvalidInput {
            field: "trigger",
            message: format!("must be 1-{MAX_TRIGGER_CHARS} characters"),
        });
    }
    Ok(())
}

/// An error message cut to a storable length (on a character boundary).
pub(crate) fn clip_error(error: &str) -> String {
    error.chars().take(MAX_ERROR_CHARS).collect()
}

/// A webhook event row as read back.
#[derive(Debug, Clone)]
pub(crate) struct StoredWebhookEvent {
    pub(crate) id: Uuid,
    pub(crate) body_sha256: String,
    pub(crate) trigger: String,
    pub(crate) booking_uid: Option<String>,
    pub(crate) payload_created_at: Option<DateTime<Utc>>,
    pub(crate) body: Vec<u8>,
    pub(crate) verified: bool,
    pub(crate) received_at: DateTime<Utc>,
    pub(crate) processed_at: Option<DateTime<Utc>>,
    pub(crate) attempts: i64,
    pub(crate) error: Option<String>,
}

impl StoredWebhookEvent {
    /// Validates every column into a [`WebhookEvent`].
    ///
    /// # Errors
    /// [`StorageError::CorruptRow`] naming the first bad column.
    pub(crate) fn into_event(self) -> Result<WebhookEvent, StorageError> {
        let row = RowContext::new("webhook_events", self.id.to_string());
        Ok(WebhookEvent {
            id: WebhookEventId(self.id),
            booking_uid: row.booking_uid("booking_uid", self.booking_uid)?,
            attempts: row.u32("attempts", self.attempts)?,
            body_sha256: self.body_sha256,
            trigger: self.trigger,
            payload_created_at: self.payload_created_at,
            body: self.body,
            verified: self.verified,
            received_at: self.received_at,
            processed_at: self.processed_at,
            error: self.error,
        })
    }
}

/// The error for an unknown event.
pub(crate) fn event_not_found(id: WebhookEventId) -> StorageError {
    StorageError::NotFound {
        entity: "webhook event",
        id: id.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_are_lowercase_hex_sha256() {
        assert_eq!(
            body_sha256(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(clip_error(&"é".repeat(3000)).chars().count(), 2000);
        assert!(check_trigger("").is_err());
        assert!(check_trigger("BOOKING_CREATED").is_ok());
    }
}
