//! `TenantRepository` and `SyncStateStore` for SQLite. A token for an
//! unknown tenant is refused by checking inside the insert; the lease is
//! one conditional upsert inside SQLite's single writer.

use std::time::Duration;

use async_trait::async_trait;
use calbridge_domain::models::{ApiTokenRecord, SyncCursor, WebhookEndpoint};
use calbridge_domain::ports::{SyncStateStore, TenantRepository};
use calbridge_domain::{DomainError, TenantId};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;

use super::{Columns, SqliteStore, to_micros};
use crate::error::StorageError;
use crate::rows::RowContext;
use crate::rows::tenant::{check_label, lease_until, parse_tenant};

const CREATE_TENANT: &str = "
INSERT INTO tenants (id, created_at) VALUES (?1, ?2) ON CONFLICT (id) DO NOTHING";
const LIST_TENANTS: &str = "SELECT id FROM tenants ORDER BY id";
const TENANT_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM tenants WHERE id = ?1)";
const INSERT_TOKEN: &str = "
INSERT INTO api_tokens (lookup, tenant_id, token_sha256, label, created_at)
SELECT ?1, ?2, ?3, ?4, ?5 WHERE EXISTS (SELECT 1 FROM tenants WHERE id = ?2)";
const TOKEN_BY_LOOKUP: &str = "
SELECT lookup, tenant_id, token_sha256, label, created_at FROM api_tokens WHERE lookup = ?1";
const REVOKE: &str = "DELETE FROM api_tokens WHERE tenant_id = ?1 AND label = ?2";
const ENSURE_ENDPOINT: &str = "
INSERT INTO webhook_endpoints (id, tenant_id, connection_label) VALUES (?1, ?2, ?3)
ON CONFLICT (tenant_id, connection_label) DO NOTHING";
const ENDPOINT_OF: &str = "
SELECT id, tenant_id, connection_label FROM webhook_endpoints
WHERE tenant_id = ?1 AND connection_label = ?2";
const ENDPOINT_BY_ID: &str = "
SELECT id, tenant_id, connection_label FROM webhook_endpoints WHERE id = ?1";
const DELETE_ENDPOINT: &str = "
DELETE FROM webhook_endpoints WHERE tenant_id = ?1 AND connection_label = ?2";

const LEASE: &str = "
INSERT INTO sync_state (tenant_id, connection_label, lease_holder, lease_expires_at)
VALUES (?1, ?2, ?3, ?5)
ON CONFLICT (tenant_id, connection_label) DO UPDATE
SET lease_holder = excluded.lease_holder, lease_expires_at = excluded.lease_expires_at
WHERE sync_state.lease_holder IS NULL
   OR sync_state.lease_holder = excluded.lease_holder
   OR sync_state.lease_expires_at <= ?4
RETURNING 1";
const RELEASE: &str = "
UPDATE sync_state SET lease_holder = NULL, lease_expires_at = NULL
WHERE tenant_id = ?1 AND connection_label = ?2 AND lease_holder = ?3";
const CURSOR: &str = "
SELECT updated_after, last_synced_at FROM sync_state WHERE tenant_id = ?1 AND connection_label = ?2";
const ADVANCE: &str = "
UPDATE sync_state
SET updated_after = max(coalesce(updated_after, ?4), coalesce(?4, updated_after)),
    last_synced_at = ?5
WHERE tenant_id = ?1 AND connection_label = ?2 AND lease_holder = ?3";

fn token_from(row: &SqliteRow) -> Result<ApiTokenRecord, StorageError> {
    let probe = Columns::new(row, RowContext::new("api_tokens", "?"));
    let lookup: String = probe.get("lookup")?;
    let c = Columns::new(row, RowContext::new("api_tokens", lookup.clone()));
    Ok(ApiTokenRecord {
        tenant: parse_tenant("api_tokens", &lookup, c.get("tenant_id")?)?,
        lookup,
        token_sha256: c.get("token_sha256")?,
        label: c.get("label")?,
        created_at: c.instant("created_at")?,
    })
}

fn endpoint_from(row: &SqliteRow) -> Result<WebhookEndpoint, StorageError> {
    let c = Columns::new(row, RowContext::new("webhook_endpoints", "?"));
    let id: String = c.get("id")?;
    Ok(WebhookEndpoint {
        tenant: parse_tenant("webhook_endpoints", &id, c.get("tenant_id")?)?,
        id,
        connection_label: c.get("connection_label")?,
    })
}

#[async_trait]
impl TenantRepository for SqliteStore {
    async fn create_tenant(
        &self,
        tenant: &TenantId,
        now: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        let done = sqlx::query(CREATE_TENANT)
            .bind(tenant.as_str())
            .bind(to_micros(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("creating a tenant", &e))?;
        Ok(done.rows_affected() == 1)
    }

    async fn list_tenants(&self) -> Result<Vec<TenantId>, DomainError> {
        let ids: Vec<String> = sqlx::query_scalar(LIST_TENANTS)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing tenants", &e))?;
        ids.into_iter()
            .map(|id| parse_tenant("tenants", &id, id.clone()).map_err(DomainError::from))
            .collect()
    }

    async fn tenant_exists(&self, tenant: &TenantId) -> Result<bool, DomainError> {
        Ok(sqlx::query_scalar(TENANT_EXISTS)
            .bind(tenant.as_str())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a tenant", &e))?)
    }

    async fn insert_token(&self, token: &ApiTokenRecord) -> Result<(), DomainError> {
        check_label("label", &token.label)?;
        let done = sqlx::query(INSERT_TOKEN)
            .bind(&token.lookup)
            .bind(token.tenant.as_str())
            .bind(&token.token_sha256)
            .bind(&token.label)
            .bind(to_micros(token.created_at))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("storing an API token", &e))?;
        if done.rows_affected() == 0 {
            return Err(DomainError::NotFound {
                entity: "tenant",
                id: token.tenant.to_string(),
            });
        }
        Ok(())
    }

    async fn token_by_lookup(&self, lookup: &str) -> Result<Option<ApiTokenRecord>, DomainError> {
        let row = sqlx::query(TOKEN_BY_LOOKUP)
            .bind(lookup)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading an API token", &e))?;
        Ok(row.map(|r| token_from(&r)).transpose()?)
    }

    async fn revoke_tokens(&self, tenant: &TenantId, label: &str) -> Result<u64, DomainError> {
        let done = sqlx::query(REVOKE)
            .bind(tenant.as_str())
            .bind(label)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("revoking API tokens", &e))?;
        Ok(done.rows_affected())
    }

    async fn ensure_webhook_endpoint(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        new_id: &str,
    ) -> Result<WebhookEndpoint, DomainError> {
        check_label("label", connection_label)?;
        check_label("endpoint id", new_id)?;
        let context = "storing a webhook endpoint";
        sqlx::query(ENSURE_ENDPOINT)
            .bind(new_id)
            .bind(tenant.as_str())
            .bind(connection_label)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let row = sqlx::query(ENDPOINT_OF)
            .bind(tenant.as_str())
            .bind(connection_label)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(endpoint_from(&row)?)
    }

    async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>, DomainError> {
        let row = sqlx::query(ENDPOINT_BY_ID)
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a webhook endpoint", &e))?;
        Ok(row.map(|r| endpoint_from(&r)).transpose()?)
    }

    async fn delete_webhook_endpoint(
        &self,
        tenant: &TenantId,
        connection_label: &str,
    ) -> Result<bool, DomainError> {
        let done = sqlx::query(DELETE_ENDPOINT)
            .bind(tenant.as_str())
            .bind(connection_label)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("deleting a webhook endpoint", &e))?;
        Ok(done.rows_affected() > 0)
    }
}

#[async_trait]
impl SyncStateStore for SqliteStore {
    async fn try_lease(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool, DomainError> {
        let until = lease_until(now, ttl)?;
        let got: Option<i64> = sqlx::query_scalar(LEASE)
            .bind(tenant.as_str())
            .bind(connection_label)
            .bind(holder)
            .bind(to_micros(now))
            .bind(to_micros(until))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("taking a sync lease", &e))?;
        Ok(got.is_some())
    }

    async fn release(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        holder: &str,
    ) -> Result<(), DomainError> {
        sqlx::query(RELEASE)
            .bind(tenant.as_str())
            .bind(connection_label)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("releasing a sync lease", &e))?;
        Ok(())
    }

    async fn cursor(
        &self,
        tenant: &TenantId,
        connection_label: &str,
    ) -> Result<SyncCursor, DomainError> {
        let row = sqlx::query(CURSOR)
            .bind(tenant.as_str())
            .bind(connection_label)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a sync cursor", &e))?;
        Ok(match row {
            Some(r) => {
                let c = Columns::new(&r, RowContext::new("sync_state", tenant.as_str()));
                SyncCursor {
                    updated_after: c.opt_instant("updated_after")?,
                    last_synced_at: c.opt_instant("last_synced_at")?,
                }
            }
            None => SyncCursor {
                updated_after: None,
                last_synced_at: None,
            },
        })
    }

    async fn advance(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        holder: &str,
        updated_after: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let done = sqlx::query(ADVANCE)
            .bind(tenant.as_str())
            .bind(connection_label)
            .bind(holder)
            .bind(updated_after.map(to_micros))
            .bind(to_micros(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("advancing a sync cursor", &e))?;
        if done.rows_affected() == 0 {
            return Err(DomainError::Conflict {
                message: "the sync lease is held by another instance".to_owned(),
            });
        }
        Ok(())
    }
}
