//! `SagaLog` for PostgreSQL. Claims lock due rows with `FOR UPDATE SKIP
//! LOCKED`, so concurrent claimers on any number of instances split the
//! due sagas between them and never take the same one. Lease-checked
//! writes match on the current lease token.

use std::time::Duration;

use async_trait::async_trait;
use calbridge_domain::ports::SagaLog;
use calbridge_domain::{
    DomainError, LeasedSaga, NewSaga, SagaId, SagaLease, SagaRecord, SagaStatus, SagaStep, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;
use uuid::Uuid;

use super::{PgStore, column};
use crate::error::StorageError;
use crate::rows::saga::{
    StoredSaga, StoredStep, check_owner, check_step, lease_lost, saga_not_found,
};
use crate::rows::{positive_delta, to_json};

const INSERT: &str = "
INSERT INTO sagas (id, tenant_id, kind, status, payload, attempt, next_run_at,
                   lease_owner, lease_token, lease_expires_at, created_at, updated_at)
VALUES ($1, $2, $3, 'running', $4::jsonb, 1, $5, $6, $7, $8, $5, $5)";

const GET: &str = "
SELECT id, tenant_id, kind, status, payload::text AS payload, attempt::int8 AS attempt,
       next_run_at, lease_owner, lease_expires_at, created_at, updated_at
FROM sagas WHERE id = $1";

const STEPS: &str = "
SELECT name, status, attempt::int8 AS attempt, next_run_at, external_id, detail::text AS detail,
       error, updated_at
FROM saga_steps WHERE saga_id = $1 ORDER BY seq";

/// Leases due sagas in one statement: the CTE locks them, skipping rows
/// another claimer has locked; the update takes the lease.
const CLAIM: &str = "
WITH due AS (
    SELECT id FROM sagas
    WHERE kind = $1 AND status IN ('running', 'compensating') AND next_run_at <= $2
      AND (lease_expires_at IS NULL OR lease_expires_at <= $2)
    ORDER BY next_run_at, id
    LIMIT $3
    FOR UPDATE SKIP LOCKED
)
UPDATE sagas AS s
SET lease_owner = $4, lease_token = $5, lease_expires_at = $6, attempt = s.attempt + 1, updated_at = $2
FROM due WHERE s.id = due.id
RETURNING s.id";

const RENEW: &str = "
UPDATE sagas SET lease_expires_at = $3, updated_at = $4
WHERE id = $1 AND lease_token = $2";

/// Checks the lease and locks the saga row for the step write.
const TOUCH: &str = "
UPDATE sagas SET updated_at = GREATEST(updated_at, $3) WHERE id = $1 AND lease_token = $2";

const UPSERT_STEP: &str = "
INSERT INTO saga_steps (saga_id, name, seq, status, attempt, next_run_at, external_id, detail, error, updated_at)
VALUES ($1, $2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM saga_steps WHERE saga_id = $1),
        $3, $4, $5, $6, $7::jsonb, $8, $9)
ON CONFLICT (saga_id, name) DO UPDATE SET
    status = EXCLUDED.status, attempt = EXCLUDED.attempt, next_run_at = EXCLUDED.next_run_at,
    external_id = EXCLUDED.external_id, detail = EXCLUDED.detail, error = EXCLUDED.error,
    updated_at = EXCLUDED.updated_at";

const SET_STATUS: &str = "
UPDATE sagas SET status = $3, updated_at = $4
WHERE id = $1 AND lease_token = $2";

const SET_STATUS_AND_END_LEASE: &str = "
UPDATE sagas SET status = $3, updated_at = $4,
                 lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_token = $2";

const RELEASE: &str = "
UPDATE sagas SET next_run_at = $3, updated_at = $4,
                 lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = $1 AND lease_token = $2";

const EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM sagas WHERE id = $1)";

fn decode_step(r: &PgRow) -> Result<StoredStep, StorageError> {
    let c = "decoding a saga step";
    Ok(StoredStep {
        name: column(r, "name", c)?,
        status: column(r, "status", c)?,
        attempt: column(r, "attempt", c)?,
        next_run_at: column(r, "next_run_at", c)?,
        external_id: column(r, "external_id", c)?,
        detail: column(r, "detail", c)?,
        error: column(r, "error", c)?,
        updated_at: column(r, "updated_at", c)?,
    })
}

/// Reads one saga (any tenant) and its steps inside `conn`.
async fn fetch(conn: &mut PgConnection, id: Uuid) -> Result<Option<SagaRecord>, StorageError> {
    let c = "reading a saga";
    let Some(row) = sqlx::query(GET)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(c, &e))?
    else {
        return Ok(None);
    };
    let saga = StoredSaga {
        id: column(&row, "id", c)?,
        tenant_id: column(&row, "tenant_id", c)?,
        kind: column(&row, "kind", c)?,
        status: column(&row, "status", c)?,
        payload: column(&row, "payload", c)?,
        attempt: column(&row, "attempt", c)?,
        next_run_at: column(&row, "next_run_at", c)?,
        lease_owner: column(&row, "lease_owner", c)?,
        lease_expires_at: column(&row, "lease_expires_at", c)?,
        created_at: column(&row, "created_at", c)?,
        updated_at: column(&row, "updated_at", c)?,
    };
    let steps = sqlx::query(STEPS)
        .bind(id)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(c, &e))?
        .iter()
        .map(decode_step)
        .collect::<Result<Vec<_>, StorageError>>()?;
    saga.into_record(steps).map(Some)
}

/// Why a lease-checked write changed nothing: the saga is gone, or the
/// lease is not its current one.
async fn lease_failure(conn: &mut PgConnection, saga: SagaId) -> StorageError {
    match sqlx::query_scalar::<_, bool>(EXISTS)
        .bind(saga.0)
        .fetch_one(conn)
        .await
    {
        Ok(true) => lease_lost(saga),
        Ok(false) => saga_not_found(saga),
        Err(e) => StorageError::from_sqlx("checking a saga lease", &e),
    }
}

fn lease_of(saga: &SagaRecord, token: Uuid) -> Result<SagaLease, StorageError> {
    match (&saga.lease_owner, saga.lease_expires_at) {
        (Some(owner), Some(expires_at)) => Ok(SagaLease {
            saga_id: saga.id,
            owner: owner.clone(),
            token,
            expires_at,
        }),
        _ => Err(lease_lost(saga.id)),
    }
}

impl PgStore {
    /// Runs a lease-checked single-row update.
    async fn leased_update(
        &self,
        statement: &'static str,
        lease: &SagaLease,
        value: impl for<'q> sqlx::Encode<'q, sqlx::Postgres> + sqlx::Type<sqlx::Postgres> + Send,
        now: DateTime<Utc>,
        context: &str,
    ) -> Result<(), StorageError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let done = sqlx::query(statement)
            .bind(lease.saga_id.0)
            .bind(lease.token)
            .bind(value)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if done.rows_affected() == 0 {
            return Err(lease_failure(&mut conn, lease.saga_id).await);
        }
        Ok(())
    }
}

#[async_trait]
impl SagaLog for PgStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, saga = %saga.id, kind = %saga.kind))]
    async fn start(
        &self,
        tenant: &TenantId,
        saga: &NewSaga,
        owner: &str,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<LeasedSaga, DomainError> {
        check_owner(owner)?;
        NewSaga::new(saga.id, saga.kind.clone(), serde_json::Value::Null)?;
        let expires_at = now + positive_delta("lease_for", lease_for)?;
        let token = Uuid::new_v4();
        let context = "starting a saga";
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        sqlx::query(INSERT)
            .bind(saga.id.0)
            .bind(tenant.as_str())
            .bind(&saga.kind)
            .bind(to_json("payload", &saga.payload)?)
            .bind(now)
            .bind(owner)
            .bind(token)
            .bind(expires_at)
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let record = fetch(&mut conn, saga.id.0)
            .await?
            .ok_or_else(|| saga_not_found(saga.id))?;
        let lease = lease_of(&record, token)?;
        Ok(LeasedSaga {
            saga: record,
            lease,
        })
    }

    async fn get(&self, tenant: &TenantId, id: SagaId) -> Result<Option<SagaRecord>, DomainError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx("reading a saga", &e))?;
        Ok(fetch(&mut conn, id.0)
            .await?
            .filter(|s| &s.tenant == tenant))
    }

    #[tracing::instrument(level = "debug", skip_all, fields(kind, owner, limit))]
    async fn claim_due(
        &self,
        kind: &str,
        owner: &str,
        now: DateTime<Utc>,
        lease_for: Duration,
        limit: u32,
    ) -> Result<Vec<LeasedSaga>, DomainError> {
        check_owner(owner)?;
        let expires_at = now + positive_delta("lease_for", lease_for)?;
        if limit == 0 {
            return Ok(Vec::new());
        }
        let token = Uuid::new_v4();
        let context = "claiming due sagas";
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let ids: Vec<Uuid> = sqlx::query_scalar(CLAIM)
            .bind(kind)
            .bind(now)
            .bind(i64::from(limit))
            .bind(owner)
            .bind(token)
            .bind(expires_at)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            // Committed already: the lease is ours even if this read fails,
            // and it simply lapses then.
            let record = fetch(&mut conn, id)
                .await?
                .ok_or_else(|| saga_not_found(SagaId(id)))?;
            let lease = lease_of(&record, token)?;
            claimed.push(LeasedSaga {
                saga: record,
                lease,
            });
        }
        claimed.sort_by_key(|c| (c.saga.next_run_at, c.saga.id));
        Ok(claimed)
    }

    async fn renew(
        &self,
        lease: &SagaLease,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<SagaLease, DomainError> {
        let expires_at = now + positive_delta("lease_for", lease_for)?;
        self.leased_update(RENEW, lease, expires_at, now, "renewing a saga lease")
            .await?;
        Ok(SagaLease {
            expires_at,
            ..lease.clone()
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(saga = %lease.saga_id, step = %step.name, status = step.status.as_str()))]
    async fn record_step(&self, lease: &SagaLease, step: &SagaStep) -> Result<(), DomainError> {
        check_step(step)?;
        let context = "recording a saga step";
        let mut tx = self.transaction(context).await?;
        let touched = sqlx::query(TOUCH)
            .bind(lease.saga_id.0)
            .bind(lease.token)
            .bind(step.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if touched.rows_affected() == 0 {
            return Err(lease_failure(&mut tx, lease.saga_id).await.into());
        }
        sqlx::query(UPSERT_STEP)
            .bind(lease.saga_id.0)
            .bind(&step.name)
            .bind(step.status.as_str())
            .bind(i64::from(step.attempt))
            .bind(step.next_run_at)
            .bind(step.external_id.as_deref())
            .bind(to_json("detail", &step.detail)?)
            .bind(step.error.as_deref())
            .bind(step.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(())
    }

    #[tracing::instrument(level = "debug", skip_all, fields(saga = %lease.saga_id, status = status.as_str()))]
    async fn set_status(
        &self,
        lease: &SagaLease,
        status: SagaStatus,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let statement = if status.is_terminal() {
            SET_STATUS_AND_END_LEASE
        } else {
            SET_STATUS
        };
        self.leased_update(statement, lease, status.as_str(), now, "updating a saga")
            .await?;
        Ok(())
    }

    async fn release(
        &self,
        lease: &SagaLease,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        self.leased_update(RELEASE, lease, next_run_at, now, "releasing a saga")
            .await?;
        Ok(())
    }
}
