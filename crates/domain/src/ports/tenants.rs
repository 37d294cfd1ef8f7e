use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::{ApiTokenRecord, WebhookEndpoint};

/// Tenants, their API tokens (hashed) and their webhook endpoints.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait TenantRepository: Send + Sync {
    /// Creates a tenant; `false` when it already existed (nothing changes).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn create_tenant(&self, tenant: &TenantId, now: DateTime<Utc>) -> Result<bool>;

    /// Every tenant, by id (background work walks them).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn list_tenants(&self) -> Result<Vec<TenantId>>;

    /// Whether the tenant exists.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn tenant_exists(&self, tenant: &TenantId) -> Result<bool>;

    /// Stores a token record for an existing tenant.
    ///
    /// # Errors
    /// `NotFound { entity: "tenant" }` for an unknown tenant; `Conflict`
    /// for a lookup id in use.
    async fn insert_token(&self, token: &ApiTokenRecord) -> Result<()>;

    /// The token record with this lookup id.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn token_by_lookup(&self, lookup: &str) -> Result<Option<ApiTokenRecord>>;

    /// Revokes every token of the tenant with this label; returns how many.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn revoke_tokens(&self, tenant: &TenantId, label: &str) -> Result<u64>;

    /// The webhook endpoint of a connection, created with `new_id` if it
    /// has none yet (the existing one is returned otherwise).
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn ensure_webhook_endpoint(
        &self,
        tenant: &TenantId,
        connection_label: &str,
        new_id: &str,
    ) -> Result<WebhookEndpoint>;

    /// The endpoint with this id.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn webhook_endpoint(&self, id: &str) -> Result<Option<WebhookEndpoint>>;

    /// Deletes a connection's endpoint; `false` when it had none.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn delete_webhook_endpoint(
        &self,
        tenant: &TenantId,
        connection_label: &str,
    ) -> Result<bool>;
}
