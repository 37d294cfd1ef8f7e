//! `SlotHoldRepository` for PostgreSQL. The exclusion constraint
//! `slot_holds_no_overlap` is the guarantee (SQLSTATE 23P01 becomes
//! `SlotUnavailable`); concurrent overlapping inserts wait for each other
//! and all but one fail. Reads that decide a write lock the row first.

use async_trait::async_trait;
use calbridge_domain::ports::SlotHoldRepository;
use calbridge_domain::{
    BookingUid, DomainError, HoldStatus, NewSlotHold, SlotHold, SlotHoldId, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use sqlx::postgres::PgRow;

use super::{PgStore, column, lock_hosts};
use crate::error::StorageError;
use crate::rows::slot_hold::{StoredSlotHold, managed_by_appointment};
use crate::rows::u64_column;

/// Releases lapsed holds of a host overlapping `[$4, $5)`, so they do not
/// block a new hold (the constraint counts every `held` row).
pub(super) const RELEASE_LAPSED_IN_RANGE: &str = "
UPDATE slot_holds SET status = 'released', updated_at = $1
WHERE tenant_id = $2 AND host_id = $3 AND status = 'held'
  AND expires_at IS NOT NULL AND expires_at <= $1
  AND tstzrange(start_at, end_at, '[)') && tstzrange($4, $5, '[)')";

const INSERT: &str = "
INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status, expires_at,
                        appointment_id, segment_position, booking_uid, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, 'held', $6, NULL, NULL, NULL, $7, $7)
RETURNING id, host_id, start_at, end_at, status, expires_at, appointment_id,
          segment_position::int8 AS segment_position, booking_uid, created_at, updated_at";

const GET_FOR_UPDATE: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id,
       segment_position::int8 AS segment_position, booking_uid, created_at, updated_at
FROM slot_holds WHERE tenant_id = $1 AND id = $2
FOR UPDATE";

const GET: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id,
       segment_position::int8 AS segment_position, booking_uid, created_at, updated_at
FROM slot_holds WHERE tenant_id = $1 AND id = $2";

const CONFIRM: &str = "
UPDATE slot_holds
SET status = 'confirmed', expires_at = NULL, booking_uid = COALESCE($3, booking_uid), updated_at = $4
WHERE tenant_id = $1 AND id = $2
RETURNING id, host_id, start_at, end_at, status, expires_at, appointment_id,
          segment_position::int8 AS segment_position, booking_uid, created_at, updated_at";

const RELEASE: &str = "
UPDATE slot_holds SET status = 'released', updated_at = $3
WHERE tenant_id = $1 AND id = $2
RETURNING id, host_id, start_at, end_at, status, expires_at, appointment_id,
          segment_position::int8 AS segment_position, booking_uid, created_at, updated_at";

const ACTIVE_FOR_HOST: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id,
       segment_position::int8 AS segment_position, booking_uid, created_at, updated_at
FROM slot_holds
WHERE tenant_id = $1 AND host_id = $2
  AND (status = 'confirmed' OR (status = 'held' AND (expires_at IS NULL OR expires_at > $5)))
  AND tstzrange(start_at, end_at, '[)') && tstzrange($3, $4, '[)')
ORDER BY start_at, id";

const RELEASE_EXPIRED: &str = "
UPDATE slot_holds SET status = 'released', updated_at = $1
WHERE status = 'held' AND expires_at IS NOT NULL AND expires_at <= $1";

/// One `slot_holds` row into a domain hold.
pub(super) fn decode(row: &PgRow) -> Result<SlotHold, StorageError> {
    let c = "decoding a slot hold";
    StoredSlotHold {
        id: column(row, "id", c)?,
        host_id: column(row, "host_id", c)?,
        start: column(row, "start_at", c)?,
        end: column(row, "end_at", c)?,
        status: column(row, "status", c)?,
        expires_at: column(row, "expires_at", c)?,
        appointment_id: column(row, "appointment_id", c)?,
        segment_position: column(row, "segment_position", c)?,
        booking_uid: column(row, "booking_uid", c)?,
        created_at: column(row, "created_at", c)?,
        updated_at: column(row, "updated_at", c)?,
    }
    .into_hold()
}

/// Checks what the domain constructor checks, for holds built by hand.
fn check_new(hold: &NewSlotHold, now: DateTime<Utc>) -> Result<(), StorageError> {
    if hold.end <= hold.start {
        return Err(StorageError::InvalidInput {
            field: "end",
            message: "must be after start".to_owned(),
        });
    }
    if hold.expires_at.is_some_and(|t| t <= now) {
        return Err(StorageError::InvalidInput {
            field: "expires_at",
            message: "must be in the future".to_owned(),
        });
    }
    Ok(())
}

fn not_found(id: SlotHoldId) -> StorageError {
    StorageError::NotFound {
        entity: "slot hold",
        id: id.to_string(),
    }
}

/// The hold, locked for the rest of the transaction.
async fn lock(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: SlotHoldId,
    context: &str,
) -> Result<SlotHold, StorageError> {
    let row = sqlx::query(GET_FOR_UPDATE)
        .bind(tenant.as_str())
        .bind(id.0)
        .fetch_optional(conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    row.map(|r| decode(&r))
        .transpose()?
        .ok_or_else(|| not_found(id))
}

#[async_trait]
impl SlotHoldRepository for PgStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, host = hold.host_id))]
    async fn acquire(
        &self,
        tenant: &TenantId,
        hold: &NewSlotHold,
        now: DateTime<Utc>,
    ) -> Result<SlotHold, DomainError> {
        check_new(hold, now)?;
        let host = u64_column("host_id", hold.host_id)?;
        let context = "taking a slot hold";
        let mut tx = self.transaction(context).await?;
        lock_hosts(&mut tx, tenant, [hold.host_id], context).await?;
        sqlx::query(RELEASE_LAPSED_IN_RANGE)
            .bind(now)
            .bind(tenant.as_str())
            .bind(host)
            .bind(hold.start)
            .bind(hold.end)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let row = sqlx::query(INSERT)
            .bind(hold.id.0)
            .bind(tenant.as_str())
            .bind(host)
            .bind(hold.start)
            .bind(hold.end)
            .bind(hold.expires_at)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = decode(&row)?;
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(stored)
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: SlotHoldId,
    ) -> Result<Option<SlotHold>, DomainError> {
        let row = sqlx::query(GET)
            .bind(tenant.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a slot hold", &e))?;
        Ok(row.map(|r| decode(&r)).transpose()?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, hold = %id))]
    async fn confirm(
        &self,
        tenant: &TenantId,
        id: SlotHoldId,
        booking_uid: Option<BookingUid>,
        now: DateTime<Utc>,
    ) -> Result<SlotHold, DomainError> {
        let context = "confirming a slot hold";
        let mut tx = self.transaction(context).await?;
        let hold = lock(&mut tx, tenant, id, context).await?;
        if let Some(managed) = managed_by_appointment(&hold) {
            return Err(managed.into());
        }
        if !hold.is_active_at(now) {
            return Err(StorageError::Conflict {
                message: format!("slot hold {id} was released or has lapsed"),
            }
            .into());
        }
        let row = sqlx::query(CONFIRM)
            .bind(tenant.as_str())
            .bind(id.0)
            .bind(booking_uid.as_ref().map(BookingUid::as_str))
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = decode(&row)?;
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(stored)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, hold = %id))]
    async fn release(
        &self,
        tenant: &TenantId,
        id: SlotHoldId,
        now: DateTime<Utc>,
    ) -> Result<SlotHold, DomainError> {
        let context = "releasing a slot hold";
        let mut tx = self.transaction(context).await?;
        let hold = lock(&mut tx, tenant, id, context).await?;
        if let Some(managed) = managed_by_appointment(&hold) {
            return Err(managed.into());
        }
        if hold.status == HoldStatus::Released {
            return Ok(hold);
        }
        let row = sqlx::query(RELEASE)
            .bind(tenant.as_str())
            .bind(id.0)
            .bind(now)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = decode(&row)?;
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(stored)
    }

    async fn active_for_host(
        &self,
        tenant: &TenantId,
        host_id: u64,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<SlotHold>, DomainError> {
        let rows = sqlx::query(ACTIVE_FOR_HOST)
            .bind(tenant.as_str())
            .bind(u64_column("host_id", host_id)?)
            .bind(from)
            .bind(to)
            .bind(now)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing slot holds", &e))?;
        rows.iter()
            .map(|r| decode(r).map_err(DomainError::from))
            .collect()
    }

    async fn release_expired(&self, now: DateTime<Utc>) -> Result<u64, DomainError> {
        let done = sqlx::query(RELEASE_EXPIRED)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("releasing lapsed slot holds", &e))?;
        Ok(done.rows_affected())
    }
}
