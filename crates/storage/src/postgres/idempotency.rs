//! `IdempotencyStore` for PostgreSQL: a claim is one upsert that only
//! replaces an expired row; the row lock `ON CONFLICT` takes makes
//! concurrent first requests queue, and exactly one inserts. A reclaim is
//! one conditional update: concurrent reclaimers queue on the row lock and
//! re-check the resource id after the winner's commit, so only one matches.

use std::time::Duration;

use async_trait::async_trait;
use calbridge_domain::ports::{IdempotencyBegin, IdempotencyStore};
use calbridge_domain::{DomainError, IdempotencyKey, StoredResponse, TenantId};
use chrono::{DateTime, Utc};

use super::{PgStore, column};
use crate::error::StorageError;
use crate::rows::idempotency::{StoredIdempotency, check_hash, check_swap, headers_json};
use crate::rows::positive_delta;

/// Inserts the claim, or takes over an expired row; returns a row only
/// when the caller now holds the key.
const CLAIM: &str = "
INSERT INTO idempotency_keys (tenant_id, key, request_hash, resource_id, response_status,
                              response_headers, response_body, created_at, expires_at, completed_at)
VALUES ($1, $2, $3, $4, NULL, NULL, NULL, $5, $6, NULL)
ON CONFLICT (tenant_id, key) DO UPDATE SET
    request_hash = EXCLUDED.request_hash, resource_id = EXCLUDED.resource_id,
    response_status = NULL, response_headers = NULL, response_body = NULL,
    created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at, completed_at = NULL
WHERE idempotency_keys.expires_at <= EXCLUDED.created_at
RETURNING key";

const GET: &str = "
SELECT key, request_hash, resource_id, created_at, response_status::int8 AS response_status,
       response_headers::text AS response_headers, response_body
FROM idempotency_keys WHERE tenant_id = $1 AND key = $2 AND expires_at > $3";

/// Takes over a live in-progress claim that still names the stale resource.
const RECLAIM: &str = "
UPDATE idempotency_keys
SET resource_id = $5, created_at = $6, expires_at = $7
WHERE tenant_id = $1 AND key = $2 AND request_hash = $3
  AND resource_id IS NOT DISTINCT FROM $4::text
  AND completed_at IS NULL AND expires_at > $6";

const COMPLETE: &str = "
UPDATE idempotency_keys
SET response_status = $4, response_headers = $5::jsonb, response_body = $6, completed_at = $7
WHERE tenant_id = $1 AND key = $2 AND request_hash = $3 AND completed_at IS NULL";

const STATE: &str = "
SELECT completed_at IS NOT NULL AS completed FROM idempotency_keys
WHERE tenant_id = $1 AND key = $2 AND request_hash = $3";

const ABANDON: &str = "
DELETE FROM idempotency_keys
WHERE tenant_id = $1 AND key = $2 AND request_hash = $3 AND completed_at IS NULL";

const PURGE: &str = "DELETE FROM idempotency_keys WHERE expires_at <= $1";

/// How often `begin` retries when the row it lost to vanished meanwhile.
const BEGIN_ROUNDS: usize = 3;

fn check_status(response: &StoredResponse) -> Result<(), StorageError> {
    if (100..=999).contains(&response.status) {
        Ok(())
    } else {
        Err(StorageError::InvalidInput {
            field: "status",
            message: "must be an HTTP status code (100-999)".to_owned(),
        })
    }
}

#[async_trait]
impl IdempotencyStore for PgStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant))]
    async fn begin(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        resource_id: Option<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<IdempotencyBegin, DomainError> {
        check_hash(request_hash)?;
        let expires_at = now + positive_delta("ttl", ttl)?;
        let c = "claiming an idempotency key";
        for _ in 0..BEGIN_ROUNDS {
            let claimed: Option<String> = sqlx::query_scalar(CLAIM)
                .bind(tenant.as_str())
                .bind(key.as_str())
                .bind(request_hash)
                .bind(resource_id.as_deref())
                .bind(now)
                .bind(expires_at)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| StorageError::from_sqlx(c, &e))?;
            if claimed.is_some() {
                return Ok(IdempotencyBegin::Started);
            }
            let row = sqlx::query(GET)
                .bind(tenant.as_str())
                .bind(key.as_str())
                .bind(now)
                .fetch_optional(&self.pool)
                .await
                .map_err(|e| StorageError::from_sqlx(c, &e))?;
            if let Some(row) = row {
                let stored = StoredIdempotency {
                    key: column(&row, "key", c)?,
                    request_hash: column(&row, "request_hash", c)?,
                    resource_id: column(&row, "resource_id", c)?,
                    created_at: column(&row, "created_at", c)?,
                    response_status: column(&row, "response_status", c)?,
                    response_headers: column(&row, "response_headers", c)?,
                    response_body: column(&row, "response_body", c)?,
                };
                return Ok(stored.decide(request_hash)?);
            }
        }
        Err(StorageError::Unavailable {
            message: format!("{c}: the key kept changing under concurrent requests"),
        }
        .into())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant))]
    async fn reclaim<'s>(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        stale_resource_id: Option<&'s str>,
        new_resource_id: Option<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, DomainError> {
        check_hash(request_hash)?;
        check_swap(stale_resource_id, new_resource_id.as_deref())?;
        let expires_at = now + positive_delta("ttl", ttl)?;
        let done = sqlx::query(RECLAIM)
            .bind(tenant.as_str())
            .bind(key.as_str())
            .bind(request_hash)
            .bind(stale_resource_id)
            .bind(new_resource_id.as_deref())
            .bind(now)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reclaiming an idempotency key", &e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn complete(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        check_status(response)?;
        let context = "storing an idempotent response";
        let done = sqlx::query(COMPLETE)
            .bind(tenant.as_str())
            .bind(key.as_str())
            .bind(request_hash)
            .bind(i32::from(response.status))
            .bind(headers_json(response)?)
            .bind(response.body.as_slice())
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let completed: Option<bool> = sqlx::query_scalar(STATE)
            .bind(tenant.as_str())
            .bind(key.as_str())
            .bind(request_hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Err(match completed {
            Some(true) => StorageError::Conflict {
                message: "the idempotency key already has a stored response".to_owned(),
            },
            _ => StorageError::NotFound {
                entity: "idempotency key in progress",
                id: key.to_string(),
            },
        }
        .into())
    }

    async fn abandon(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
    ) -> Result<(), DomainError> {
        sqlx::query(ABANDON)
            .bind(tenant.as_str())
            .bind(key.as_str())
            .bind(request_hash)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("abandoning an idempotency key", &e))?;
        Ok(())
    }

    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64, DomainError> {
        let done = sqlx::query(PURGE)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("purging expired idempotency keys", &e))?;
        Ok(done.rows_affected())
    }
}
