//! `WebhookEventStore` for PostgreSQL: deduplication is the unique
//! (tenant, body SHA-256) constraint, so concurrent deliveries of one body
//! record it once.

use async_trait::async_trait;
use calbridge_domain::ports::{WebhookEventStore, WebhookRecordOutcome};
use calbridge_domain::{DomainError, NewWebhookEvent, TenantId, WebhookEvent, WebhookEventId};
use chrono::{DateTime, Utc};
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::{PgStore, column};
use crate::error::StorageError;
use crate::rows::capped_limit;
use crate::rows::webhook_event::{
    MAX_PAGE, StoredWebhookEvent, body_sha256, check_trigger, clip_error, event_not_found,
};

const INSERT: &str = "
INSERT INTO webhook_events (id, tenant_id, body_sha256, trigger_event, booking_uid,
                            payload_created_at, body, verified, received_at, processed_at, attempts, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, NULL, 0, NULL)
ON CONFLICT (tenant_id, body_sha256) DO NOTHING
RETURNING id";

const MARK_VERIFIED: &str = "
UPDATE webhook_events SET verified = TRUE
WHERE tenant_id = $1 AND body_sha256 = $2 AND NOT verified
RETURNING id";

const BY_SHA: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts::int8 AS attempts, error
FROM webhook_events WHERE tenant_id = $1 AND body_sha256 = $2";

const BY_ID: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts::int8 AS attempts, error
FROM webhook_events WHERE tenant_id = $1 AND id = $2";

const UNPROCESSED: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts::int8 AS attempts, error
FROM webhook_events
WHERE tenant_id = $1 AND verified AND processed_at IS NULL
ORDER BY received_at, id
LIMIT $2";

const MARK_PROCESSED: &str = "
UPDATE webhook_events SET processed_at = $3, error = NULL WHERE tenant_id = $1 AND id = $2";

const MARK_FAILED: &str = "
UPDATE webhook_events SET attempts = attempts + 1, error = $3
WHERE tenant_id = $1 AND id = $2";

fn decode(row: &PgRow) -> Result<WebhookEvent, StorageError> {
    let c = "decoding a webhook event";
    StoredWebhookEvent {
        id: column(row, "id", c)?,
        body_sha256: column(row, "body_sha256", c)?,
        trigger: column(row, "trigger_event", c)?,
        booking_uid: column(row, "booking_uid", c)?,
        payload_created_at: column(row, "payload_created_at", c)?,
        body: column(row, "body", c)?,
        verified: column(row, "verified", c)?,
        received_at: column(row, "received_at", c)?,
        processed_at: column(row, "processed_at", c)?,
        attempts: column(row, "attempts", c)?,
        error: column(row, "error", c)?,
    }
    .into_event()
}

#[async_trait]
impl WebhookEventStore for PgStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, trigger = %event.trigger))]
    async fn record(
        &self,
        tenant: &TenantId,
        event: &NewWebhookEvent,
    ) -> Result<WebhookRecordOutcome, DomainError> {
        check_trigger(&event.trigger)?;
        let sha = body_sha256(&event.body);
        let context = "recording a webhook event";
        let inserted: Option<Uuid> = sqlx::query_scalar(INSERT)
            .bind(WebhookEventId::new().0)
            .bind(tenant.as_str())
            .bind(&sha)
            .bind(&event.trigger)
            .bind(event.booking_uid.as_ref().map(|u| u.as_str()))
            .bind(event.payload_created_at)
            .bind(event.body.as_slice())
            .bind(event.verified)
            .bind(event.received_at)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let first_verified = if inserted.is_none() && event.verified {
            let upgraded: Option<Uuid> = sqlx::query_scalar(MARK_VERIFIED)
                .bind(tenant.as_str())
                .bind(&sha)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            upgraded.is_some()
        } else {
            false
        };
        let row = sqlx::query(BY_SHA)
            .bind(tenant.as_str())
            .bind(&sha)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?
            .ok_or(StorageError::NotFound {
                entity: "webhook event",
                id: sha,
            })?;
        let stored = decode(&row)?;
        Ok(if inserted.is_some() || first_verified {
            WebhookRecordOutcome::Recorded(stored)
        } else {
            WebhookRecordOutcome::Duplicate(stored)
        })
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: WebhookEventId,
    ) -> Result<Option<WebhookEvent>, DomainError> {
        let row = sqlx::query(BY_ID)
            .bind(tenant.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a webhook event", &e))?;
        Ok(row.map(|r| decode(&r)).transpose()?)
    }

    async fn mark_processed(
        &self,
        tenant: &TenantId,
        id: WebhookEventId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let done = sqlx::query(MARK_PROCESSED)
            .bind(tenant.as_str())
            .bind(id.0)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("marking a webhook event processed", &e))?;
        if done.rows_affected() == 0 {
            return Err(event_not_found(id).into());
        }
        Ok(())
    }

    async fn mark_failed(
        &self,
        tenant: &TenantId,
        id: WebhookEventId,
        error: &str,
    ) -> Result<(), DomainError> {
        let done = sqlx::query(MARK_FAILED)
            .bind(tenant.as_str())
            .bind(id.0)
            .bind(clip_error(error))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("marking a webhook event failed", &e))?;
        if done.rows_affected() == 0 {
            return Err(event_not_found(id).into());
        }
        Ok(())
    }

    async fn list_unprocessed(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<WebhookEvent>, DomainError> {
        let rows = sqlx::query(UNPROCESSED)
            .bind(tenant.as_str())
            .bind(capped_limit(limit, MAX_PAGE))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing unprocessed webhook events", &e))?;
        rows.iter()
            .map(|r| decode(r).map_err(DomainError::from))
            .collect()
    }
}
