//! `AppointmentRepository` for PostgreSQL: every change is one transaction
//! over the appointment (row-locked), its segments and their holds, so a
//! failure anywhere, including the exclusion constraint, leaves nothing
//! half-written.

use async_trait::async_trait;
use calbridge_domain::ports::AppointmentRepository;
use calbridge_domain::{
    AppointmentId, AppointmentRecord, AppointmentStatus, BookingUid, DomainError, HoldStatus,
    SegmentRecord, SegmentStatus, SlotHoldId, TenantId,
};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::slot_holds::{RELEASE_LAPSED_IN_RANGE, decode as decode_hold};
use super::{PgStore, column, lock_hosts};
use crate::error::StorageError;
use crate::rows::appointment::{
    AppointmentColumns, StoredAppointment, StoredSegment, cascade, moved_segment,
    reassigned_segment, replaced_hold,
};
use crate::rows::slot_hold::hold_status_for;
use crate::rows::u64_column;

const INSERT_APPOINTMENT: &str = "
INSERT INTO appointments (id, tenant_id, status, attendee, metadata, row_version, created_at, updated_at)
VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, 1, $6, $7)";

const INSERT_SEGMENT: &str = "
INSERT INTO appointment_segments (appointment_id, position, event_type_id, host_id, start_at, end_at,
                                  pause_after_minutes, status, booking_uid, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";

/// A segment's hold; its id is a fresh uuid v7.
const INSERT_HOLD: &str = "
INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status, expires_at,
                        appointment_id, segment_position, booking_uid, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, NULL, $7, $8, $9, $10, $10)";

const GET_APPOINTMENT: &str = "
SELECT id, status, attendee::text AS attendee, metadata::text AS metadata, row_version,
       created_at, updated_at
FROM appointments WHERE tenant_id = $1 AND id = $2";

const LOCK_APPOINTMENT: &str = "
SELECT id FROM appointments WHERE tenant_id = $1 AND id = $2 FOR UPDATE";

const GET_SEGMENTS: &str = "
SELECT position::int8 AS position, event_type_id, host_id, start_at, end_at,
       pause_after_minutes::int8 AS pause_after_minutes, status, booking_uid
FROM appointment_segments WHERE appointment_id = $1 ORDER BY position";

const FIND_BY_BOOKING_UID: &str = "
SELECT a.id FROM appointment_segments AS s JOIN appointments AS a ON a.id = s.appointment_id
WHERE a.tenant_id = $1 AND s.booking_uid = $2
ORDER BY a.created_at DESC LIMIT 1";

const UPDATE_SEGMENT: &str = "
UPDATE appointment_segments SET status = $3, booking_uid = COALESCE($4, booking_uid), updated_at = $5
WHERE appointment_id = $1 AND position = $2";

const UPDATE_HOLD: &str = "
UPDATE slot_holds SET status = $3, booking_uid = COALESCE($4, booking_uid), updated_at = $5
WHERE appointment_id = $1 AND segment_position = $2";

const MOVE_SEGMENT: &str = "
UPDATE appointment_segments SET start_at = $3, end_at = $4, booking_uid = $5, updated_at = $6
WHERE appointment_id = $1 AND position = $2";

/// The exclusion constraint compares the row's new range with every other
/// row, so a short move that overlaps the segment's own old time is fine.
const MOVE_HOLD: &str = "
UPDATE slot_holds SET start_at = $3, end_at = $4, booking_uid = $5, updated_at = $6
WHERE appointment_id = $1 AND segment_position = $2";

const REASSIGN_SEGMENT: &str = "
UPDATE appointment_segments SET host_id = $3, updated_at = $4
WHERE appointment_id = $1 AND position = $2";

/// The exclusion constraint checks the row under its new host, so the new
/// host's time is taken while the old host's is freed by the same statement.
const REASSIGN_HOLD: &str = "
UPDATE slot_holds SET host_id = $3, updated_at = $4
WHERE appointment_id = $1 AND segment_position = $2";

const LOCK_HOLD: &str = "
SELECT id, host_id, start_at, end_at, status, expires_at, appointment_id,
       segment_position::int8 AS segment_position, booking_uid, created_at, updated_at
FROM slot_holds WHERE tenant_id = $1 AND id = $2
FOR UPDATE";

const RELEASE_STANDALONE_HOLD: &str = "
UPDATE slot_holds SET status = 'released', updated_at = $3
WHERE tenant_id = $1 AND id = $2 AND appointment_id IS NULL AND status <> 'released'";

const TOUCH_APPOINTMENT: &str = "
UPDATE appointments SET status = $2, row_version = row_version + 1, updated_at = $3
WHERE id = $1";

/// Reads an appointment and its segments inside `conn`.
async fn fetch(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: AppointmentId,
) -> Result<Option<AppointmentRecord>, StorageError> {
    let c = "reading an appointment";
    let Some(row) = sqlx::query(GET_APPOINTMENT)
        .bind(tenant.as_str())
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(c, &e))?
    else {
        return Ok(None);
    };
    let appointment = StoredAppointment {
        id: column(&row, "id", c)?,
        status: column(&row, "status", c)?,
        attendee: column(&row, "attendee", c)?,
        metadata: column(&row, "metadata", c)?,
        row_version: column(&row, "row_version", c)?,
        created_at: column(&row, "created_at", c)?,
        updated_at: column(&row, "updated_at", c)?,
    };
    let rows = sqlx::query(GET_SEGMENTS)
        .bind(id.0)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(c, &e))?;
    let segments = rows
        .iter()
        .map(|r| {
            Ok(StoredSegment {
                position: column(r, "position", c)?,
                event_type_id: column(r, "event_type_id", c)?,
                host_id: column(r, "host_id", c)?,
                start: column(r, "start_at", c)?,
                end: column(r, "end_at", c)?,
                pause_after_minutes: column(r, "pause_after_minutes", c)?,
                status: column(r, "status", c)?,
                booking_uid: column(r, "booking_uid", c)?,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    appointment.into_record(segments).map(Some)
}

/// Locks the appointment row, then reads it with its segments.
async fn lock(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: AppointmentId,
    context: &str,
) -> Result<AppointmentRecord, StorageError> {
    let locked: Option<Uuid> = sqlx::query_scalar(LOCK_APPOINTMENT)
        .bind(tenant.as_str())
        .bind(id.0)
        .fetch_optional(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    if locked.is_none() {
        return Err(not_found(id));
    }
    fetch(conn, tenant, id).await?.ok_or_else(|| not_found(id))
}

fn not_found(id: AppointmentId) -> StorageError {
    StorageError::NotFound {
        entity: "appointment",
        id: id.to_string(),
    }
}

/// Moves one segment and its hold to `status` inside `conn`; inserts the
/// hold if the segment never had one and becomes active.
#[allow(clippy::too_many_arguments)]
async fn move_segment(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: AppointmentId,
    segment: &SegmentRecord,
    status: SegmentStatus,
    booking_uid: Option<&BookingUid>,
    now: DateTime<Utc>,
    context: &str,
) -> Result<(), StorageError> {
    let position = i64::from(segment.position);
    let hold_status = hold_status_for(status);
    if hold_status.is_active() {
        sqlx::query(RELEASE_LAPSED_IN_RANGE)
            .bind(now)
            .bind(tenant.as_str())
            .bind(u64_column("host_id", segment.host_id)?)
            .bind(segment.start)
            .bind(segment.end)
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
    }
    sqlx::query(UPDATE_SEGMENT)
        .bind(id.0)
        .bind(position)
        .bind(status.as_str())
        .bind(booking_uid.map(BookingUid::as_str))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    let updated = sqlx::query(UPDATE_HOLD)
        .bind(id.0)
        .bind(position)
        .bind(hold_status.as_str())
        .bind(booking_uid.map(BookingUid::as_str))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    if updated.rows_affected() == 0 && hold_status.is_active() {
        let uid = booking_uid.or(segment.booking_uid.as_ref());
        insert_hold(conn, tenant, id, segment, hold_status, uid, now, context).await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn insert_hold(
    conn: &mut PgConnection,
    tenant: &TenantId,
    id: AppointmentId,
    segment: &SegmentRecord,
    status: HoldStatus,
    booking_uid: Option<&BookingUid>,
    now: DateTime<Utc>,
    context: &str,
) -> Result<(), StorageError> {
    sqlx::query(INSERT_HOLD)
        .bind(Uuid::now_v7())
        .bind(tenant.as_str())
        .bind(u64_column("host_id", segment.host_id)?)
        .bind(segment.start)
        .bind(segment.end)
        .bind(status.as_str())
        .bind(id.0)
        .bind(i64::from(segment.position))
        .bind(booking_uid.map(BookingUid::as_str))
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    Ok(())
}

async fn touch(
    conn: &mut PgConnection,
    id: AppointmentId,
    status: AppointmentStatus,
    now: DateTime<Utc>,
    context: &str,
) -> Result<(), StorageError> {
    sqlx::query(TOUCH_APPOINTMENT)
        .bind(id.0)
        .bind(status.as_str())
        .bind(now)
        .execute(&mut *conn)
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    Ok(())
}

/// Ends a segment change: bumps the appointment's version, reads it back
/// and commits.
async fn finish(
    mut tx: sqlx::Transaction<'static, sqlx::Postgres>,
    tenant: &TenantId,
    id: AppointmentId,
    status: AppointmentStatus,
    now: DateTime<Utc>,
    context: &str,
) -> Result<AppointmentRecord, StorageError> {
    touch(&mut tx, id, status, now, context).await?;
    let updated = fetch(&mut tx, tenant, id)
        .await?
        .ok_or_else(|| not_found(id))?;
    tx.commit()
        .await
        .map_err(|e| StorageError::from_sqlx(context, &e))?;
    Ok(updated)
}

#[async_trait]
impl AppointmentRepository for PgStore {
    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, appointment = %appointment.id))]
    async fn create(
        &self,
        tenant: &TenantId,
        appointment: &AppointmentRecord,
    ) -> Result<(), DomainError> {
        let columns = AppointmentColumns::new(appointment)?;
        let context = "storing an appointment";
        let mut tx = self.transaction(context).await?;
        let active_hosts = appointment
            .segments
            .iter()
            .filter(|s| s.status.is_active())
            .map(|s| s.host_id);
        lock_hosts(&mut tx, tenant, active_hosts, context).await?;
        sqlx::query(INSERT_APPOINTMENT)
            .bind(columns.id)
            .bind(tenant.as_str())
            .bind(columns.status)
            .bind(&columns.attendee)
            .bind(&columns.metadata)
            .bind(columns.created_at)
            .bind(columns.updated_at)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        for s in &columns.segments {
            sqlx::query(INSERT_SEGMENT)
                .bind(columns.id)
                .bind(s.position)
                .bind(s.event_type_id)
                .bind(s.host_id)
                .bind(s.start)
                .bind(s.end)
                .bind(s.pause_after_minutes)
                .bind(s.status.as_str())
                .bind(s.booking_uid.as_deref())
                .bind(columns.updated_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
        }
        for segment in appointment.segments.iter().filter(|s| s.status.is_active()) {
            sqlx::query(RELEASE_LAPSED_IN_RANGE)
                .bind(columns.created_at)
                .bind(tenant.as_str())
                .bind(u64_column("host_id", segment.host_id)?)
                .bind(segment.start)
                .bind(segment.end)
                .execute(&mut *tx)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
            insert_hold(
                &mut tx,
                tenant,
                appointment.id,
                segment,
                hold_status_for(segment.status),
                segment.booking_uid.as_ref(),
                columns.created_at,
                context,
            )
            .await?;
        }
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(())
    }

    async fn get(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
    ) -> Result<Option<AppointmentRecord>, DomainError> {
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx("reading an appointment", &e))?;
        Ok(fetch(&mut conn, tenant, id).await?)
    }

    async fn find_by_booking_uid(
        &self,
        tenant: &TenantId,
        uid: &BookingUid,
    ) -> Result<Option<AppointmentRecord>, DomainError> {
        let context = "finding an appointment by booking uid";
        let mut conn = self
            .pool
            .acquire()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let id: Option<Uuid> = sqlx::query_scalar(FIND_BY_BOOKING_UID)
            .bind(tenant.as_str())
            .bind(uid.as_str())
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let Some(id) = id else {
            return Ok(None);
        };
        Ok(fetch(&mut conn, tenant, AppointmentId(id)).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, appointment = %id, position))]
    async fn update_segment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        status: SegmentStatus,
        booking_uid: Option<BookingUid>,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord, DomainError> {
        let context = "updating an appointment segment";
        let mut tx = self.transaction(context).await?;
        let record = lock(&mut tx, tenant, id, context).await?;
        let segment = record
            .segment(position)
            .ok_or_else(|| StorageError::NotFound {
                entity: "appointment segment",
                id: format!("{id}/{position}"),
            })?;
        if status.is_active() {
            lock_hosts(&mut tx, tenant, [segment.host_id], context).await?;
        }
        move_segment(
            &mut tx,
            tenant,
            id,
            segment,
            status,
            booking_uid.as_ref(),
            now,
            context,
        )
        .await?;
        Ok(finish(tx, tenant, id, record.status, now, context).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, appointment = %id, position))]
    async fn move_segment(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        booking_uid: BookingUid,
        replacing_hold: Option<SlotHoldId>,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord, DomainError> {
        let context = "moving an appointment segment";
        let mut tx = self.transaction(context).await?;
        let record = lock(&mut tx, tenant, id, context).await?;
        let moved = moved_segment(&record, position, start, end)?;
        lock_hosts(&mut tx, tenant, [moved.host_id], context).await?;
        if let Some(hold_id) = replacing_hold {
            let found = sqlx::query(LOCK_HOLD)
                .bind(tenant.as_str())
                .bind(hold_id.0)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?
                .map(|row| decode_hold(&row))
                .transpose()?;
            replaced_hold(hold_id, found)?;
            sqlx::query(RELEASE_STANDALONE_HOLD)
                .bind(tenant.as_str())
                .bind(hold_id.0)
                .bind(now)
                .execute(&mut *tx)
                .await
                .map_err(|e| StorageError::from_sqlx(context, &e))?;
        }
        sqlx::query(RELEASE_LAPSED_IN_RANGE)
            .bind(now)
            .bind(tenant.as_str())
            .bind(u64_column("host_id", moved.host_id)?)
            .bind(start)
            .bind(end)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        sqlx::query(MOVE_SEGMENT)
            .bind(id.0)
            .bind(i64::from(position))
            .bind(start)
            .bind(end)
            .bind(booking_uid.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let updated = sqlx::query(MOVE_HOLD)
            .bind(id.0)
            .bind(i64::from(position))
            .bind(start)
            .bind(end)
            .bind(booking_uid.as_str())
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if updated.rows_affected() == 0 {
            // An active segment always has a hold; restore one if not.
            let status = hold_status_for(moved.status);
            insert_hold(
                &mut tx,
                tenant,
                id,
                &moved,
                status,
                Some(&booking_uid),
                now,
                context,
            )
            .await?;
        }
        Ok(finish(tx, tenant, id, record.status, now, context).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, appointment = %id, position, host_id))]
    async fn reassign_host(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        position: u32,
        host_id: u64,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord, DomainError> {
        let context = "reassigning an appointment segment";
        let mut tx = self.transaction(context).await?;
        let record = lock(&mut tx, tenant, id, context).await?;
        let Some(reassigned) = reassigned_segment(&record, position, host_id)? else {
            return Ok(record);
        };
        // Only the new host gains time; the old one's is only freed.
        lock_hosts(&mut tx, tenant, [host_id], context).await?;
        let host = u64_column("host_id", host_id)?;
        sqlx::query(RELEASE_LAPSED_IN_RANGE)
            .bind(now)
            .bind(tenant.as_str())
            .bind(host)
            .bind(reassigned.start)
            .bind(reassigned.end)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        sqlx::query(REASSIGN_SEGMENT)
            .bind(id.0)
            .bind(i64::from(position))
            .bind(host)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        let updated = sqlx::query(REASSIGN_HOLD)
            .bind(id.0)
            .bind(i64::from(position))
            .bind(host)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        if updated.rows_affected() == 0 {
            // An active segment always has a hold; restore one if not.
            let status = hold_status_for(reassigned.status);
            let uid = reassigned.booking_uid.as_ref();
            insert_hold(&mut tx, tenant, id, &reassigned, status, uid, now, context).await?;
        }
        Ok(finish(tx, tenant, id, record.status, now, context).await?)
    }

    #[tracing::instrument(level = "debug", skip_all, fields(tenant = %tenant, appointment = %id, status = status.as_str()))]
    async fn set_status(
        &self,
        tenant: &TenantId,
        id: AppointmentId,
        status: AppointmentStatus,
        now: DateTime<Utc>,
    ) -> Result<AppointmentRecord, DomainError> {
        let context = "updating an appointment";
        let mut tx = self.transaction(context).await?;
        let record = lock(&mut tx, tenant, id, context).await?;
        let mut moves = Vec::new();
        for segment in &record.segments {
            if let Some(next) = cascade(status, segment.status, segment.position)? {
                moves.push((segment, next));
            }
        }
        let activated = moves
            .iter()
            .filter(|(_, next)| next.is_active())
            .map(|(segment, _)| segment.host_id);
        lock_hosts(&mut tx, tenant, activated, context).await?;
        for (segment, next) in moves {
            move_segment(&mut tx, tenant, id, segment, next, None, now, context).await?;
        }
        touch(&mut tx, id, status, now, context).await?;
        let updated = fetch(&mut tx, tenant, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        tx.commit()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
        Ok(updated)
    }
}
