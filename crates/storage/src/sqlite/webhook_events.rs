//! `WebhookEventStore` for SQLite: deduplication is the unique
//! (tenant, body SHA-256) index, so concurrent deliveries of one body
//! record it once.

use async_trait::async_trait;
use calbridge_domain::ports::{WebhookEventStore, WebhookRecordOutcome};
use calbridge_domain::{DomainError, NewWebhookEvent, TenantId, WebhookEvent, WebhookEventId};
use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{Columns, SqliteStore, to_micros};
use crate::error::StorageError;
use crate::rows::webhook_event::{
    MAX_PAGE, StoredWebhookEvent, body_sha256, check_trigger, clip_error, event_not_found,
};
use crate::rows::{RowContext, capped_limit};

const INSERT: &str = "
INSERT INTO webhook_events (id, tenant_id, body_sha256, trigger_event, booking_uid,
                            payload_created_at, body, verified, received_at, processed_at, attempts, error)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, 0, NULL)
ON CONFLICT (tenant_id, body_sha256) DO NOTHING
RETURNING id";

const MARK_VERIFIED: &str = "
UPDATE webhook_events SET verified = 1
WHERE tenant_id = ?1 AND body_sha256 = ?2 AND verified = 0
RETURNING id";

const BY_SHA: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts, error
FROM webhook_events WHERE tenant_id = ?1 AND body_sha256 = ?2";

const BY_ID: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts, error
FROM webhook_events WHERE tenant_id = ?1 AND id = ?2";

const UNPROCESSED: &str = "
SELECT id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified,
       received_at, processed_at, attempts, error
FROM webhook_events
WHERE tenant_id = ?1 AND verified = 1 AND processed_at IS NULL
ORDER BY received_at, id
LIMIT ?2";

const MARK_PROCESSED: &str = "
UPDATE webhook_events SET processed_at = ?3, error = NULL WHERE tenant_id = ?1 AND id = ?2";

const MARK_FAILED: &str = "
UPDATE webhook_events SET attempts = attempts + 1, error = ?3
WHERE tenant_id = ?1 AND id = ?2";

fn decode(row: &SqliteRow) -> Result<WebhookEvent, StorageError> {
    let id: String = row
        .try_get("id")
        .map_err(|e| StorageError::from_sqlx("decoding a webhook event", &e))?;
    let c = Columns::new(row, RowContext::new("webhook_events", id));
    StoredWebhookEvent {
        id: c.uuid("id")?,
        body_sha256: c.get("body_sha256")?,
        trigger: c.get("trigger_event")?,
        booking_uid: c.get("booking_uid")?,
        payload_created_at: c.opt_instant("payload_created_at")?,
        body: c.get("body")?,
        verified: c.get("verified")?,
        received_at: c.instant("received_at")?,
        processed_at: c.opt_instant("processed_at")?,
        attempts: c.get("attempts")?,
        error: c.get("error")?,
    }
    .into_event()
}

impl SqliteStore {
    async fn event_by(
        &self,
        statement: &'static str,
        tenant: &TenantId,
        key: String,
    ) -> Result<Option<WebhookEvent>, StorageError> {
        let row = sqlx::query(statement)
            .bind(tenant.as_str())
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a webhook event", &e))?;
        row.map(|r| decode(&r)).transpose()
    }
}

#[async_trait]
impl WebhookEventStore for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, trigger = %event.trigger))]
    async fn record(
        &self,
        tenant: &TenantId,
        event: &NewWebhookEvent,
    ) -> Result<WebhookRecordOutcome, DomainError> {
        check_trigger(&event.trigger)?;
        let sha = body_sha256(&event.body);
        let context = "recording a webhook event";
        let inserted: Option<String> = sqlx::query_scalar(INSERT)
            .bind(WebhookEventId::new().0.to_string())
            .bind(tenant.as_str())
            .bind(&sha)
            .bind(&event.trigger)
            .bind(event.booking_uid.as_ref().map(|u| u.as_str()))
            .bind(event.payload_created_at.map(to_micros))
            .bind(event.body.as_slice())
            .bind(event.verified)
            .bind(to_micros(event.received_at))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let first_verified = if inserted.is_none() && event.verified {
            let upgraded: Option<String> = sqlx::query_scalar(MARK_VERIFIED)
                .bind(tenant.as_str())
                .bind(&sha)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            upgraded.is_some()
        } else {
            false
        };
        let stored =
            self.event_by(BY_SHA, tenant, sha.clone())
                .await?
                .ok_or(StorageError::NotFound {
                    entity: "webhook event",
                    id: sha,
                })?;
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
        Ok(self.event_by(BY_ID, tenant, id.0.to_string()).await?)
    }

    async fn mark_processed(
        &self,
        tenant: &TenantId,
        id: WebhookEventId,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let done = sqlx::query(MARK_PROCESSED)
            .bind(tenant.as_str())
            .bind(id.0.to_string())
            .bind(to_micros(now))
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
            .bind(id.0.to_string())
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
