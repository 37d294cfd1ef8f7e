use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::{NewWebhookEvent, WebhookEvent, WebhookEventId};

/// What [`WebhookEventStore::record`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebhookRecordOutcome {
    /// First delivery of this body (or the first verified one): process it.
    Recorded(WebhookEvent),
    /// The body was seen before: do not process it again.
    Duplicate(WebhookEvent),
}

/// Received webhook deliveries, one per raw body and tenant.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookEventStore: Send + Sync {
    /// Records a delivery, deduplicated by the SHA-256 of its raw body. A
    /// verified delivery of a body first seen unverified marks the record
    /// verified and counts as `Recorded`.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn record(
        &self,
        tenant: &TenantId,
        event: &NewWebhookEvent,
    ) -> Result<WebhookRecordOutcome>;

    /// One delivery by id.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn get(&self, tenant: &TenantId, id: WebhookEventId) -> Result<Option<WebhookEvent>>;

    /// Marks a delivery processed (clearing its error).
    ///
    /// # Errors
    /// `NotFound` for an unknown id.
    async fn mark_processed(
        &self,
        tenant: &TenantId,
        id: WebhookEventId,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Records a failed processing attempt; the delivery stays unprocessed.
    ///
    /// # Errors
    /// `NotFound` for an unknown id.
    async fn mark_failed(&self, tenant: &TenantId, id: WebhookEventId, error: &str) -> Result<()>;

    /// Verified, unprocessed deliveries, oldest first (at most `limit`,
    /// capped at 250).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn list_unprocessed(&self, tenant: &TenantId, limit: u32) -> Result<Vec<WebhookEvent>>;
}
