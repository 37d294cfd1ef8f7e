//! `BookingRepository` for SQLite: each operation is one statement, so
//! each is atomic without an explicit transaction.

use async_trait::async_trait;
use calbridge_domain::ports::{BookingRepository, UpsertOutcome};
use calbridge_domain::{Booking, BookingFilter, BookingSource, BookingUid, DomainError, TenantId};
use chrono::Utc;
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::{SqliteStore, from_micros, to_micros};
use crate::error::StorageError;
use crate::rows::RowContext;
use crate::rows::booking::{BookingColumns, StoredBooking, event_type_column};

/// Insert, or replace unless the stored copy is strictly newer. The
/// `WHERE` on the update makes a stale copy a no-op that returns no row;
/// `row_version` tells an insert (1) from an update (> 1).
const UPSERT: &str = "
INSERT INTO bookings (
    tenant_id, uid, event_type_id, title, start_at, end_at, status,
    host, attendees, metadata, rescheduled_from_uid, rescheduled_to_uid,
    cancellation_reason, source, created_at, updated_at, row_version, synced_at
) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, 1, ?17)
ON CONFLICT (tenant_id, uid) DO UPDATE SET
    event_type_id        = excluded.event_type_id,
    title                = excluded.title,
    start_at             = excluded.start_at,
    end_at               = excluded.end_at,
    status               = excluded.status,
    host                 = excluded.host,
    attendees            = excluded.attendees,
    metadata             = excluded.metadata,
    rescheduled_from_uid = excluded.rescheduled_from_uid,
    rescheduled_to_uid   = excluded.rescheduled_to_uid,
    cancellation_reason  = excluded.cancellation_reason,
    source               = excluded.source,
    created_at           = excluded.created_at,
    updated_at           = excluded.updated_at,
    row_version          = bookings.row_version + 1,
    synced_at            = excluded.synced_at
WHERE bookings.updated_at <= excluded.updated_at
RETURNING row_version";

const GET: &str = "
SELECT uid, event_type_id, title, start_at, end_at, status, host, attendees, metadata,
       rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, created_at, updated_at
FROM bookings
WHERE tenant_id = ?1 AND uid = ?2";

/// One static statement for every filter combination: an absent filter
/// binds NULL and its condition is true. SQLite's `lower` folds ASCII only,
/// exactly like the domain's `eq_ignore_ascii_case`.
const LIST: &str = "
SELECT uid, event_type_id, title, start_at, end_at, status, host, attendees, metadata,
       rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, created_at, updated_at
FROM bookings
WHERE tenant_id = ?1
  AND (?2 IS NULL OR status = ?2)
  AND (?3 IS NULL OR event_type_id = ?3)
  AND (?4 IS NULL OR start_at >= ?4)
  AND (?5 IS NULL OR end_at <= ?5)
  AND (?6 IS NULL OR updated_at > ?6)
  AND (?7 IS NULL OR EXISTS (
        SELECT 1 FROM json_each(bookings.attendees) AS a
        WHERE lower(json_extract(a.value, '$.email')) = lower(?7)))
ORDER BY start_at, uid
LIMIT ?8 OFFSET ?9";

#[async_trait]
impl BookingRepository for SqliteStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, uid = %booking.uid))]
    async fn upsert(
        &self,
        tenant: &TenantId,
        booking: &Booking,
        source: BookingSource,
    ) -> Result<UpsertOutcome, DomainError> {
        let c = BookingColumns::new(tenant, booking, source)?;
        let version: Option<i64> = sqlx::query_scalar(UPSERT)
            .bind(c.tenant_id)
            .bind(c.uid)
            .bind(c.event_type_id)
            .bind(c.title)
            .bind(to_micros(c.start))
            .bind(to_micros(c.end))
            .bind(c.status)
            .bind(c.host)
            .bind(c.attendees)
            .bind(c.metadata)
            .bind(c.rescheduled_from_uid)
            .bind(c.rescheduled_to_uid)
            .bind(c.cancellation_reason)
            .bind(c.source)
            .bind(to_micros(c.created_at))
            .bind(to_micros(c.updated_at))
            .bind(to_micros(Utc::now()))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("storing a booking", &e))?;
        Ok(match version {
            None => UpsertOutcome::Stale,
            Some(1) => UpsertOutcome::Inserted,
            Some(_) => UpsertOutcome::Updated,
        })
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, uid = %uid))]
    async fn get(
        &self,
        tenant: &TenantId,
        uid: &BookingUid,
    ) -> Result<Option<Booking>, DomainError> {
        let row = sqlx::query(GET)
            .bind(tenant.as_str())
            .bind(uid.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("reading a booking", &e))?;
        Ok(row.map(|r| decode(&r)).transpose()?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant))]
    async fn list(
        &self,
        tenant: &TenantId,
        filter: &BookingFilter,
    ) -> Result<Vec<Booking>, DomainError> {
        let event_type = filter.event_type_id.map(event_type_column).transpose()?;
        let rows = sqlx::query(LIST)
            .bind(tenant.as_str())
            .bind(filter.status.map(|s| s.as_str()))
            .bind(event_type)
            .bind(filter.starts_after.map(to_micros))
            .bind(filter.ends_before.map(to_micros))
            .bind(filter.updated_after.map(to_micros))
            .bind(filter.attendee_email.as_deref())
            .bind(i64::from(filter.effective_limit()))
            .bind(i64::from(filter.offset))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("listing bookings", &e))?;
        rows.iter()
            .map(|r| decode(r).map_err(DomainError::from))
            .collect()
    }

    async fn ping(&self) -> Result<(), DomainError> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .map_err(|e| StorageError::from_sqlx("pinging the SQLite database", &e))?;
        Ok(())
    }
}

/// One `bookings` row into a domain booking.
fn decode(row: &SqliteRow) -> Result<Booking, StorageError> {
    let read = |e: sqlx::Error| StorageError::from_sqlx("decoding a booking row", &e);
    let uid: String = row.try_get("uid").map_err(read)?;
    let context = RowContext::new("bookings", uid.clone());
    let instant = |column: &str| -> Result<_, StorageError> {
        let micros: i64 = row.try_get(column).map_err(read)?;
        from_micros(&context, column, micros)
    };
    StoredBooking {
        event_type_id: row.try_get("event_type_id").map_err(read)?,
        title: row.try_get("title").map_err(read)?,
        start: instant("start_at")?,
        end: instant("end_at")?,
        status: row.try_get("status").map_err(read)?,
        host: row.try_get("host").map_err(read)?,
        attendees: row.try_get("attendees").map_err(read)?,
        metadata: row.try_get("metadata").map_err(read)?,
        rescheduled_from_uid: row.try_get("rescheduled_from_uid").map_err(read)?,
        rescheduled_to_uid: row.try_get("rescheduled_to_uid").map_err(read)?,
        cancellation_reason: row.try_get("cancellation_reason").map_err(read)?,
        created_at: instant("created_at")?,
        updated_at: instant("updated_at")?,
        uid: uid.clone(),
    }
    .into_booking()
}
