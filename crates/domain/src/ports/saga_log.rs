use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::TenantId;
use crate::models::{LeasedSaga, NewSaga, SagaId, SagaLease, SagaRecord, SagaStatus, SagaStep};

/// The durable saga log. A saga is driven only by the holder of its lease;
/// every write presents the lease and is refused (`Conflict`) once someone
/// else has claimed the saga, so two instances never run the same saga.
///
/// Time is the caller's (`now`), so a test clock drives leases too;
/// instances sharing a store need clocks that agree to well within
/// `lease_for`.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SagaLog: Send + Sync {
    /// Records a new running saga, leased to `owner` until `now + lease_for`
    /// (attempt 1, due at `now` once the lease ends).
    ///
    /// # Errors
    /// `Conflict` when the id exists; `InvalidInput` for an absurd
    /// `lease_for`; `Unavailable { Storage }` when the store cannot be reached.
    async fn start(
        &self,
        tenant: &TenantId,
        saga: &NewSaga,
        owner: &str,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<LeasedSaga>;

    /// One saga with its steps.
    ///
    /// # Errors
    /// `Unavailable { Storage }` when the store cannot be reached.
    async fn get(&self, tenant: &TenantId, id: SagaId) -> Result<Option<SagaRecord>>;

    /// Leases up to `limit` running or compensating sagas of `kind`, of any
    /// tenant, that are due (`next_run_at <= now`) and not leased (or whose
    /// lease ended), oldest due first; bumps their attempt. Concurrent
    /// claimers never get the same saga (`FOR UPDATE SKIP LOCKED` on
    /// Postgres, a write transaction on SQLite).
    ///
    /// # Errors
    /// `InvalidInput` for an absurd `lease_for`; `Unavailable { Storage }`
    /// when the store cannot be reached.
    async fn claim_due(
        &self,
        kind: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_for: Duration,
        limit: u32,
    ) -> Result<Vec<LeasedSaga>>;

    /// Extends a lease to `now + lease_for`.
    ///
    /// # Errors
    /// `Conflict` when the lease was lost (claimed by someone else, or the
    /// saga finished); `NotFound` for an unknown saga.
    async fn renew(
        &self,
        lease: &SagaLease,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<SagaLease>;

    /// Records a step (replacing an earlier record of the same name, which
    /// keeps its place in the order).
    ///
    /// # Errors
    /// `Conflict` when the lease was lost; `NotFound` for an unknown saga.
    async fn record_step(&self, lease: &SagaLease, step: &SagaStep) -> Result<()>;

    /// Moves the saga to `status`. A terminal status also ends the lease.
    ///
    /// # Errors
    /// `Conflict` when the lease was lost; `NotFound` for an unknown saga.
    async fn set_status(
        &self,
        lease: &SagaLease,
        status: SagaStatus,
        now: DateTime<Utc>,
    ) -> Result<()>;

    /// Hands the saga back: ends the lease and makes it due at
    /// `next_run_at` (backoff before the next attempt).
    ///
    /// # Errors
    /// `Conflict` when the lease was lost; `NotFound` for an unknown saga.
    async fn release(
        &self,
        lease: &SagaLease,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<()>;
}
