use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::{IdempotencyKey, StoredResponse};

/// What [`IdempotencyStore::begin`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdempotencyBegin {
    /// The key is new (or its earlier use expired): the caller runs the
    /// request and then completes or abandons the key.
    Started,
    /// The same request already ran: replay this response.
    Replay(StoredResponse),
    /// The same request is still running (HTTP 409); `resource_id` is
    /// what the first request said it is working on, if it said.
    InProgress {
        /// E.g. the saga id of the booking being made.
        resource_id: Option<String>,
        /// When the claim was made (or last reclaimed): a claim far older
        /// than any request needs before its resource exists belongs to a
        /// request that died, and may be [reclaimed](IdempotencyStore::reclaim).
        claimed_at: DateTime<Utc>,
    },
    /// The key was used with a different request (HTTP 422).
    Mismatch,
}

/// Idempotency keys per tenant, with Stripe's semantics. `request_hash` is
/// the caller's fingerprint of the request (method, path, body).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for a request atomically: of concurrent callers with the
    /// same new key exactly one gets `Started`. A key whose earlier use
    /// expired counts as new. The claim expires at `now + ttl`.
    ///
    /// # Errors
    /// `InvalidInput` for an absurd `ttl`; `Unavailable { Storage }` when the
    /// store cannot be reached.
    async fn begin(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        resource_id: Option<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<IdempotencyBegin>;

    /// Stores the response of the request that holds `key`.
    ///
    /// # Errors
    /// `NotFound` when no claim with this hash is in progress (abandoned
    /// or expired and reused); `Conflict` when it is already completed.
    async fn complete(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        response: &StoredResponse,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Takes over an in-progress claim whose request died, atomically
    /// (compare-and-swap): succeeds only while the claim is in progress,
    /// unexpired, has this `request_hash`, and still names
    /// `stale_resource_id`. It then names `new_resource_id` and is claimed
    /// anew at `now` (expiring at `now + ttl`). Of concurrent reclaimers
    /// exactly one wins, and a claim renewed meanwhile is never stolen.
    /// Returns true when the caller now holds the key.
    ///
    /// # Errors
    /// `InvalidInput` for an absurd `ttl`, or when `new_resource_id` equals
    /// `stale_resource_id` (the swap would not tell concurrent reclaimers
    /// apart); `Unavailable { Storage }` when the store cannot be reached.
    #[allow(clippy::too_many_arguments)]
    async fn reclaim<'s>(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
        stale_resource_id: Option<&'s str>,
        new_resource_id: Option<String>,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool>;

    /// Drops an in-progress claim so the request may be retried (for
    /// outcomes that must not be replayed, such as a 503). Does nothing
    /// when the claim is not in progress with this hash.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn abandon(
        &self,
        tenant: &TenantId,
        key: &IdempotencyKey,
        request_hash: &str,
    ) -> Result<()>;

    /// Deletes every expired key of every tenant; returns how many.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn purge_expired(&self, now: DateTime<Utc>) -> Result<u64>;
}
