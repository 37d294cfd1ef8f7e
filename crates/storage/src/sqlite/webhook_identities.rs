//! `WebhookIdentityStore` for sqlite: one row per processed event identity.

use async_trait::async_trait;
use calbridge_domain::ports::WebhookIdentityStore;
use calbridge_domain::{BookingUid, DomainError, TenantId};
use chrono::{DateTime, Utc};

use super::SqliteStore;
use super::to_micros;
use crate::error::StorageError;

const SEEN: &str = "
SELECT EXISTS (SELECT 1 FROM webhook_identities
WHERE tenant_id = ?1 AND trigger_event = ?2 AND booking_uid = ?3 AND payload_created_at = ?4)";
const REMEMBER: &str = "
INSERT INTO webhook_identities (tenant_id, trigger_event, booking_uid, payload_created_at)
VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING";

#[async_trait]
impl WebhookIdentityStore for SqliteStore {
    async fn seen(
        &self,
        tenant: &TenantId,
        trigger: &str,
        uid: &BookingUid,
        created_at: DateTime<Utc>,
    ) -> Result<bool, DomainError> {
        Ok(sqlx::query_scalar(SEEN)
            .bind(tenant.as_str())
            .bind(trigger)
            .bind(uid.as_str())
            .bind(to_micros(created_at))
            .fetch_one(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a webhook identity", &e))?)
    }

    async fn remember(
        &self,
        tenant: &TenantId,
        trigger: &str,
        uid: &BookingUid,
        created_at: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        sqlx::query(REMEMBER)
            .bind(tenant.as_str())
            .bind(trigger)
            .bind(uid.as_str())
            .bind(to_micros(created_at))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("storing a webhook identity", &e))?;
        Ok(())
    }
}
