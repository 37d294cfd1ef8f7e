//! `SagaLog` for SQLite. Claims run in one `BEGIN IMMEDIATE` transaction:
//! SQLite has a single writer, so two claimers are serialised and the
//! second sees the first one's leases.

use std::time::Duration;

use async_trait::async_trait;
use calbridge_domain::ports::SagaLog;
use calbridge_domain::{
    DomainError, LeasedSaga, NewSaga, SagaId, SagaLease, SagaRecord, SagaStatus, SagaStep, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::{Row, SqliteConnection};
use uuid::Uuid;

use super::{Columns, SqliteStore, to_micros};
use crate::error::StorageError;
use crate::rows::saga::{
    StoredSaga, StoredStep, check_owner, check_step, lease_lost, saga_not_found,
};
use crate::rows::{RowContext, positive_delta, to_json};

const INSERT: &str = "
INSERT INTO sagas (id, tenant_id, kind, status, payload, attempt, next_run_at,
                   lease_owner, lease_token, lease_expires_at, created_at, updated_at)
VALUES (?1, ?2, ?3, 'running', ?4, 1, ?5, ?6, ?7, ?8, ?5, ?5)";

const GET: &str = "
SELECT id, tenant_id, kind, status, payload, attempt, next_run_at, lease_owner,
       lease_expires_at, created_at, updated_at
FROM sagas WHERE id = ?1";

const STEPS: &str = "
SELECT name, status, attempt, next_run_at, external_id, detail, error, updated_at
FROM saga_steps WHERE saga_id = ?1 ORDER BY seq";

const DUE: &str = "
SELECT id FROM sagas
WHERE kind = ?1 AND status IN ('running', 'compensating') AND next_run_at <= ?2
  AND (lease_expires_at IS NULL OR lease_expires_at <= ?2)
ORDER BY next_run_at, id
LIMIT ?3";

const CLAIM: &str = "
UPDATE sagas SET lease_owner = ?2, lease_token = ?3, lease_expires_at = ?4,
                 attempt = attempt + 1, updated_at = ?5
WHERE id = ?1";

const RENEW: &str = "
UPDATE sagas SET lease_expires_at = ?3, updated_at = ?4
WHERE id = ?1 AND lease_token = ?2";

const TOUCH: &str =
    "UPDATE sagas SET updated_at = MAX(updated_at, ?3) WHERE id = ?1 AND lease_token = ?2";

const UPSERT_STEP: &str = "
INSERT INTO saga_steps (saga_id, name, seq, status, attempt, next_run_at, external_id, detail, error, updated_at)
VALUES (?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM saga_steps WHERE saga_id = ?1),
        ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (saga_id, name) DO UPDATE SET
    status = excluded.status, attempt = excluded.attempt, next_run_at = excluded.next_run_at,
    external_id = excluded.external_id, detail = excluded.detail, error = excluded.error,
    updated_at = excluded.updated_at";

const SET_STATUS: &str = "
UPDATE sagas SET status = ?3, updated_at = ?4
WHERE id = ?1 AND lease_token = ?2";

const SET_STATUS_AND_END_LEASE: &str = "
UPDATE sagas SET status = ?3, updated_at = ?4,
                 lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = ?1 AND lease_token = ?2";

const RELEASE: &str = "
UPDATE sagas SET next_run_at = ?3, updated_at = ?4,
                 lease_owner = NULL, lease_token = NULL, lease_expires_at = NULL
WHERE id = ?1 AND lease_token = ?2";

const EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM sagas WHERE id = ?1)";

/// Reads one saga (any tenant) and its steps inside `conn`.
async fn fetch(conn: &mut SqliteConnection, id: Uuid) -> Result<Option<SagaRecord>, StorageError> {
    let context = "reading a saga";
    let key = id.to_string();
    let Some(row) = sqlx::query(GET)
        .bind(&key)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?
    else {
        return Ok(None);
    };
    let c = Columns::new(&row, RowContext::new("sagas", key.clone()));
    let saga = StoredSaga {
        id: c.uuid("id")?,
        tenant_id: c.get("tenant_id")?,
        kind: c.get("kind")?,
        status: c.get("status")?,
        payload: c.get("payload")?,
        attempt: c.get("attempt")?,
        next_run_at: c.instant("next_run_at")?,
        lease_owner: c.get("lease_owner")?,
        lease_expires_at: c.opt_instant("lease_expires_at")?,
        created_at: c.instant("created_at")?,
        updated_at: c.instant("updated_at")?,
    };
    let rows = sqlx::query(STEPS)
        .bind(&key)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    let steps = rows
        .iter()
        .map(|r| {
            let name: String = r
                .try_get("name")
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            let c = Columns::new(r, RowContext::new("saga_steps", format!("{key}/{name}")));
            Ok(StoredStep {
                status: c.get("status")?,
                attempt: c.get("attempt")?,
                next_run_at: c.opt_instant("next_run_at")?,
                external_id: c.get("external_id")?,
                detail: c.get("detail")?,
                error: c.get("error")?,
                updated_at: c.instant("updated_at")?,
                name,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    saga.into_record(steps).map(Some)
}

/// Why a lease-checked write changed nothing: the saga is gone, or the
/// lease is not its current one.
async fn lease_failure(conn: &mut SqliteConnection, saga: SagaId) -> StorageError {
    match sqlx::query_scalar::<_, bool>(EXISTS)
        .bind(saga.0.to_string())
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

#[async_trait]
impl SagaLog for SqliteStore {
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
            .bind(saga.id.0.to_string())
            .bind(tenant.as_str())
            .bind(&saga.kind)
            .bind(to_json("payload", &saga.payload)?)
            .bind(to_micros(now))
            .bind(owner)
            .bind(token.to_string())
            .bind(to_micros(expires_at))
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
        let mut tx = self.write_transaction(context).await?;
        let ids: Vec<String> = sqlx::query_scalar(DUE)
            .bind(kind)
            .bind(to_micros(now))
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let mut claimed = Vec::with_capacity(ids.len());
        for id in ids {
            sqlx::query(CLAIM)
                .bind(&id)
                .bind(owner)
                .bind(token.to_string())
                .bind(to_micros(expires_at))
                .bind(to_micros(now))
                .execute(&mut *tx)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            let uuid = RowContext::new("sagas", id.clone()).uuid("id", &id)?;
            let record = fetch(&mut tx, uuid)
                .await?
                .ok_or_else(|| saga_not_found(SagaId(uuid)))?;
            let lease = lease_of(&record, token)?;
            claimed.push(LeasedSaga {
                saga: record,
                lease,
            });
        }
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(claimed)
    }

    async fn renew(
        &self,
        lease: &SagaLease,
        now: DateTime<Utc>,
        lease_for: Duration,
    ) -> Result<SagaLease, DomainError> {
        let expires_at = now + positive_delta("lease_for", lease_for)?;
        let context = "renewing a saga lease";
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let done = sqlx::query(RENEW)
            .bind(lease.saga_id.0.to_string())
            .bind(lease.token.to_string())
            .bind(to_micros(expires_at))
            .bind(to_micros(now))
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if done.rows_affected() == 0 {
            return Err(lease_failure(&mut conn, lease.saga_id).await.into());
        }
        Ok(SagaLease {
            expires_at,
            ..lease.clone()
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(saga = %lease.saga_id, step = %step.name, status = step.status.as_str()))]
    async fn record_step(&self, lease: &SagaLease, step: &SagaStep) -> Result<(), DomainError> {
        check_step(step)?;
        let context = "recording a saga step";
        let key = lease.saga_id.0.to_string();
        let mut tx = self.write_transaction(context).await?;
        let touched = sqlx::query(TOUCH)
            .bind(&key)
            .bind(lease.token.to_string())
            .bind(to_micros(step.updated_at))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if touched.rows_affected() == 0 {
            return Err(lease_failure(&mut tx, lease.saga_id).await.into());
        }
        sqlx::query(UPSERT_STEP)
            .bind(&key)
            .bind(&step.name)
            .bind(step.status.as_str())
            .bind(i64::from(step.attempt))
            .bind(step.next_run_at.map(to_micros))
            .bind(step.external_id.as_deref())
            .bind(to_json("detail", &step.detail)?)
            .bind(step.error.as_deref())
            .bind(to_micros(step.updated_at))
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
        let context = "updating a saga";
        let statement = if status.is_terminal() {
            SET_STATUS_AND_END_LEASE
        } else {
            SET_STATUS
        };
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let done = sqlx::query(statement)
            .bind(lease.saga_id.0.to_string())
            .bind(lease.token.to_string())
            .bind(status.as_str())
            .bind(to_micros(now))
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if done.rows_affected() == 0 {
            return Err(lease_failure(&mut conn, lease.saga_id).await.into());
        }
        Ok(())
    }

    async fn release(
        &self,
        lease: &SagaLease,
        next_run_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), DomainError> {
        let context = "releasing a saga";
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let done = sqlx::query(RELEASE)
            .bind(lease.saga_id.0.to_string())
            .bind(lease.token.to_string())
            .bind(to_micros(next_run_at))
            .bind(to_micros(now))
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if done.rows_affected() == 0 {
            return Err(lease_failure(&mut conn, lease.saga_id).await.into());
        }
        Ok(())
    }
}
