//! `SlotHoldRepository` for SQLite. The overlap triggers of the migration
//! are the guarantee; the `BEGIN IMMEDIATE` transactions make "release
//! what lapsed, then insert" and "read, check, update" atomic.

use async_trait::async_trait;
use calbridge_domain::ports::SlotHoldRepository;
use calbridge_domain::{
    BookingUid, DomainError, HoldStatus, NewSlotHold, SlotHold, SlotHoldId, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

use super::{Columns, SqliteStore, to_micros};
use crate::error::StorageError;
use crate::rows::slot_hold::{StoredSlotHold, managed_by_appointment};
use crate::rows::{RowContext, u64_column};

/// Releases lapsed holds of a host overlapping `[?4, ?5)`, so they do not
/// block a new hold (the trigger counts every `held` row). Holds last at
/// most 31 days (migration 0010), which bounds the index walk.
pub(super) const RELEASE_LAPSED_IN_RANGE: &str = "
UPDATE slot_holds SET status = 'released', updated_at = ?1
WHERE tenant_id = ?2 AND host_id = ?3 AND status = 'held'
  AND expires_at IS NOT NULL AND expires_at <= ?1
  AND start_at > ?4 - 2678400000000
  AND start_at < ?5 AND ?4 < end_at";

const INSERT: &str = "
INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status, expires_at,
                        appointment_id, segment_position, booking_uid, created_at, updated_at)
VALUES (?1, ?2, ?3, ?4, ?5, 'held', ?6, NULL, NULL, NULL, ?7, ?7)";

const GET: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id, segment_position,
       booking_uid, created_at, updated_at
FROM slot_holds WHERE tenant_id = ?1 AND id = ?2";

const CONFIRM: &str = "
UPDATE slot_holds
SET status = 'confirmed', expires_at = NULL, booking_uid = COALESCE(?3, booking_uid), updated_at = ?4
WHERE tenant_id = ?1 AND id = ?2";

const RELEASE: &str = "
UPDATE slot_holds SET status = 'released', updated_at = ?3
WHERE tenant_id = ?1 AND id = ?2 AND status <> 'released'";

const ACTIVE_FOR_HOST: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id, segment_position,
       booking_uid, created_at, updated_at
FROM slot_holds
WHERE tenant_id = ?1 AND host_id = ?2
  AND (status = 'confirmed' OR (status = 'held' AND (expires_at IS NULL OR expires_at > ?5)))
  AND start_at > ?3 - 2678400000000
  AND start_at < ?4 AND ?3 < end_at
ORDER BY start_at, id";

const RELEASE_EXPIRED: &str = "
UPDATE slot_holds SET status = 'released', updated_at = ?1
WHERE status = 'held' AND expires_at IS NOT NULL AND expires_at <= ?1";

/// One `slot_holds` row into a domain hold.
pub(super) fn decode(row: &SqliteRow) -> Result<SlotHold, StorageError> {
    let id: String = row
        .try_get("id")
        .map_err(|e| StorageError::from_sqlx("decoding a slot hold", &e))?;
    let c = Columns::new(row, RowContext::new("slot_holds", id));
    StoredSlotHold {
        id: c.uuid("id")?,
        host_id: c.get("host_id")?,
        start: c.instant("start_at")?,
        end: c.instant("end_at")?,
        status: c.get("status")?,
        expires_at: c.opt_instant("expires_at")?,
        appointment_id: c.opt_uuid("appointment_id")?,
        segment_position: c.get("segment_position")?,
        booking_uid: c.get("booking_uid")?,
        created_at: c.instant("created_at")?,
        updated_at: c.instant("updated_at")?,
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

pub(super) async fn fetch(
    conn: &mut SqliteConnection,
    tenant: &TenantId,
    id: SlotHoldId,
) -> Result<Option<SlotHold>, StorageError> {
    let row = sqlx::query(GET)
        .bind(tenant.as_str())
        .bind(id.0.to_string())
        .fetch_optional(conn)
        .await
        .map_err(|e| StorageError::from_sqlx("reading a slot hold", &e))?;
    row.map(|r| decode(&r)).transpose()
}

fn not_found(id: SlotHoldId) -> StorageError {
    StorageError::NotFound {
        entity: "slot hold",
        id: id.to_string(),
    }
}

#[async_trait]
impl SlotHoldRepository for SqliteStore {
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
        let mut tx = self.write_transaction(context).await?;
        sqlx::query(RELEASE_LAPSED_IN_RANGE)
            .bind(to_micros(now))
            .bind(tenant.as_str())
            .bind(host)
            .bind(to_micros(hold.start))
            .bind(to_micros(hold.end))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        sqlx::query(INSERT)
            .bind(hold.id.0.to_string())
            .bind(tenant.as_str())
            .bind(host)
            .bind(to_micros(hold.start))
            .bind(to_micros(hold.end))
            .bind(hold.expires_at.map(to_micros))
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = fetch(&mut tx, tenant, hold.id)
            .await?
            .ok_or_else(|| not_found(hold.id))?;
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
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx("reading a slot hold", &e))?;
        Ok(fetch(&mut conn, tenant, id).await?)
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
        let mut tx = self.write_transaction(context).await?;
        let hold = fetch(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if let Some(managed) = managed_by_appointment(&hold) {
            return Err(managed.into());
        }
        if !hold.is_active_at(now) {
            return Err(StorageError::Conflict {
                message: format!("slot hold {id} was released or has lapsed"),
            }
            .into());
        }
        sqlx::query(CONFIRM)
            .bind(tenant.as_str())
            .bind(id.0.to_string())
            .bind(booking_uid.as_ref().map(BookingUid::as_str))
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = fetch(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| not_found(id))?;
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
        let mut tx = self.write_transaction(context).await?;
        let hold = fetch(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if let Some(managed) = managed_by_appointment(&hold) {
            return Err(managed.into());
        }
        if hold.status == HoldStatus::Released {
            return Ok(hold);
        }
        sqlx::query(RELEASE)
            .bind(tenant.as_str())
            .bind(id.0.to_string())
            .bind(to_micros(now))
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let stored = fetch(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| not_found(id))?;
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
            .bind(to_micros(from))
            .bind(to_micros(to))
            .bind(to_micros(now))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing slot holds", &e))?;
        rows.iter()
            .map(|r| decode(r).map_err(DomainError::from))
            .collect()
    }

    async fn release_expired(&self, now: DateTime<Utc>) -> Result<u64, DomainError> {
        let done = sqlx::query(RELEASE_EXPIRED)
            .bind(to_micros(now))
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("releasing lapsed slot holds", &e))?;
        Ok(done.rows_affected())
    }
}
