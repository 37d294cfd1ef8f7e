//! `BookingRepository` for PostgreSQL: each operation is one statement, so
//! each is atomic without an explicit transaction. JSON travels as text and
//! is cast to and from `jsonb` in SQL, so both backends share one mapping.

use async_trait::async_trait;
use calbridge_domain::ports::{BookingRepository, UpsertOutcome};
use calbridge_domain::{Booking, BookingFilter, BookingSource, BookingUid, DomainError, TenantId};
use chrono::Utc;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::PgStore;
use crate::error::StorageError;
use crate::rows::booking::{BookingColumns, StoredBooking, event_type_column};

/// Insert, or replace unless the stored copy is strictly newer. The
/// `WHERE` on the update makes a stale copy a no-op that returns no row;
/// `row_version` tells an insert (1) from an update (> 1). The row lock
/// `ON CONFLICT` takes makes concurrent upserts of one uid queue up.
const UPSERT: &str = "
INSERT INTO bookings (
    tenant_id, uid, event_type_id, title, start_at, end_at, status,
    host, attendees, metadata, rescheduled_from_uid, rescheduled_to_uid,
    cancellation_reason, source, created_at, updated_at, row_version, synced_at
) VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, $11, $12, $13, $14, $15, $16, 1, $17)
ON CONFLICT (tenant_id, uid) DO UPDATE SET
    event_type_id        = EXCLUDED.event_type_id,
    title                = EXCLUDED.title,
    start_at             = EXCLUDED.start_at,
    end_at               = EXCLUDED.end_at,
    status               = EXCLUDED.status,
    host                 = EXCLUDED.host,
    attendees            = EXCLUDED.attendees,
    metadata             = EXCLUDED.metadata,
    rescheduled_from_uid = EXCLUDED.rescheduled_from_uid,
    rescheduled_to_uid   = EXCLUDED.rescheduled_to_uid,
    cancellation_reason  = EXCLUDED.cancellation_reason,
    source               = EXCLUDED.source,
    created_at           = EXCLUDED.created_at,
    updated_at           = EXCLUDED.updated_at,
    row_version          = bookings.row_version + 1,
    synced_at            = EXCLUDED.synced_at
WHERE bookings.updated_at <= EXCLUDED.updated_at
RETURNING row_version";

const GET: &str = "
SELECT uid, event_type_id, title, start_at, end_at, status,
       host::text AS host, attendees::text AS attendees, metadata::text AS metadata,
       rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, created_at, updated_at
FROM bookings
WHERE tenant_id = $1 AND uid = $2";

/// One static statement for every filter combination: an absent filter
/// binds NULL and its condition is true. Emails are compared with ASCII
/// case folding (`translate`), exactly like the domain's
/// `eq_ignore_ascii_case` and SQLite's `lower`; Postgres' own `lower`
/// would also fold non-ASCII letters.
const LIST: &str = "
SELECT uid, event_type_id, title, start_at, end_at, status,
       host::text AS host, attendees::text AS attendees, metadata::text AS metadata,
       rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, created_at, updated_at
FROM bookings
WHERE tenant_id = $1
  AND ($2::text IS NULL OR status = $2::text)
  AND ($3::int8 IS NULL OR event_type_id = $3::int8)
  AND ($4::timestamptz IS NULL OR start_at >= $4::timestamptz)
  AND ($5::timestamptz IS NULL OR end_at <= $5::timestamptz)
  AND ($6::timestamptz IS NULL OR updated_at > $6::timestamptz)
  AND ($7::text IS NULL OR EXISTS (
        SELECT 1 FROM jsonb_array_elements(bookings.attendees) AS a(attendee)
        WHERE translate(a.attendee->>'email', 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')
            = translate($7::text, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')))
ORDER BY start_at, uid
LIMIT $8 OFFSET $9";

#[async_trait]
impl BookingRepository for PgStore {
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
            .bind(c.start)
            .bind(c.end)
            .bind(c.status)
            .bind(c.host)
            .bind(c.attendees)
            .bind(c.metadata)
            .bind(c.rescheduled_from_uid)
            .bind(c.rescheduled_to_uid)
            .bind(c.cancellation_reason)
            .bind(c.source)
            .bind(c.created_at)
            .bind(c.updated_at)
            .bind(Utc::now())
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
            .bind(filter.starts_after)
            .bind(filter.ends_before)
            .bind(filter.updated_after)
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
            .map_err(|e| StorageError::from_sqlx("pinging PostgreSQL", &e))?;
        Ok(())
    }
}

/// One `bookings` row into a domain booking.
fn decode(row: &PgRow) -> Result<Booking, StorageError> {
    let read = |e: sqlx::Error| StorageError::from_sqlx("decoding a booking row", &e);
    StoredBooking {
        uid: row.try_get("uid").map_err(read)?,
        event_type_id: row.try_get("event_type_id").map_err(read)?,
        title: row.try_get("title").map_err(read)?,
        start: row.try_get("start_at").map_err(read)?,
        end: row.try_get("end_at").map_err(read)?,
        status: row.try_get("status").map_err(read)?,
        host: row.try_get("host").map_err(read)?,
        attendees: row.try_get("attendees").map_err(read)?,
        metadata: row.try_get("metadata").map_err(read)?,
        rescheduled_from_uid: row.try_get("rescheduled_from_uid").map_err(read)?,
        rescheduled_to_uid: row.try_get("rescheduled_to_uid").map_err(read)?,
        cancellation_reason: row.try_get("cancellation_reason").map_err(read)?,
        created_at: row.try_get("created_at").map_err(read)?,
        updated_at: row.try_get("updated_at").map_err(read)?,
    }
    .into_booking()
}
