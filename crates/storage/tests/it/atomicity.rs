//! A transaction that fails midway leaves nothing half-written: checked
//! against the raw tables, not only through the ports.

use std::collections::BTreeMap;

use calbridge_domain::ports::{AppointmentRepository, SlotHoldRepository};
use calbridge_domain::{
    AppointmentId, AppointmentRecord, Attendee, DomainError, Email, EventTypeId, NewSlotHold,
    SegmentPlan, TenantId,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::support::{with_postgres, with_sqlite};

fn base() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant")
}

fn tenant() -> TenantId {
    TenantId::parse("atomic").expect("tenant")
}

/// Four segments; the last one runs into a hold, so the insert fails after
/// the appointment, all segments and three holds were written.
fn doomed() -> AppointmentRecord {
    let plan = |host, start: i64| SegmentPlan {
        event_type_id: EventTypeId(1),
        host_id: host,
        start: base() + TimeDelta::minutes(start),
        end: base() + TimeDelta::minutes(start + 30),
        pause_after_minutes: 0,
    };
    AppointmentRecord::new(
        AppointmentId::new(),
        Attendee::new(
            "Ann",
            Email::parse("ann@example.com").expect("email"),
            chrono_tz::Tz::UTC,
        )
        .expect("attendee"),
        BTreeMap::new(),
        vec![plan(1, 0), plan(2, 30), plan(3, 60), plan(4, 90)],
        base() - TimeDelta::days(1),
    )
    .expect("appointment")
}

async fn blocked_create<R: AppointmentRepository + SlotHoldRepository>(
    repo: &R,
) -> AppointmentRecord {
    let blocker = NewSlotHold::new(
        4,
        base() + TimeDelta::minutes(100),
        base() + TimeDelta::minutes(110),
    )
    .expect("blocker");
    repo.acquire(&tenant(), &blocker, base() - TimeDelta::days(1))
        .await
        .expect("blocker");
    let record = doomed();
    let error = AppointmentRepository::create(repo, &tenant(), &record)
        .await
        .expect_err("the last segment overlaps the blocker");
    assert!(
        matches!(error, DomainError::SlotUnavailable { .. }),
        "{error:?}"
    );
    record
}

#[tokio::test]
async fn sqlite_a_failed_create_writes_nothing() {
    with_sqlite(|store| async move {
        let record = blocked_create(&*store).await;
        let id = record.id.0.to_string();
        for (table, sql) in [
            (
                "appointments",
                "SELECT COUNT(*) FROM appointments WHERE id = ?1",
            ),
            (
                "appointment_segments",
                "SELECT COUNT(*) FROM appointment_segments WHERE appointment_id = ?1",
            ),
            (
                "slot_holds",
                "SELECT COUNT(*) FROM slot_holds WHERE appointment_id = ?1 OR host_id IN (1, 2, 3)",
            ),
        ] {
            let count: i64 = sqlx::query_scalar(sql)
                .bind(&id)
                .fetch_one(store.pool())
                .await
                .expect("count");
            assert_eq!(
                count, 0,
                "{table} must hold nothing of the failed appointment"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn postgres_a_failed_create_writes_nothing() {
    with_postgres(|store| async move {
        let record = blocked_create(&*store).await;
        for (table, sql) in [
            (
                "appointments",
                "SELECT COUNT(*) FROM appointments WHERE id = $1",
            ),
            (
                "appointment_segments",
                "SELECT COUNT(*) FROM appointment_segments WHERE appointment_id = $1",
            ),
            (
                "slot_holds",
                "SELECT COUNT(*) FROM slot_holds WHERE appointment_id = $1 OR host_id IN (1, 2, 3)",
            ),
        ] {
            let count: i64 = sqlx::query_scalar(sql)
                .bind(record.id.0)
                .fetch_one(store.pool())
                .await
                .expect("count");
            assert_eq!(
                count, 0,
                "{table} must hold nothing of the failed appointment"
            );
        }
    })
    .await;
}
