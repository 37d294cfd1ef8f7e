//! What the port does not show: the bookkeeping columns (`source`,
//! `row_version`, `synced_at`) and typed errors for rows or values the
//! schema cannot hold.

use calbridge_domain::ports::{BookingRepository, UpsertOutcome};
use calbridge_domain::{
    Attendee, Booking, BookingFilter, BookingSource, BookingStatus, BookingUid, DomainError, Email,
    EventTypeId, TenantId, Upstream,
};
use chrono::{DateTime, Utc};
use sqlx::Row;

use crate::support::{with_postgres, with_sqlite};

fn tenant() -> TenantId {
    TenantId::parse("bookkeeping").expect("tenant")
}

fn booking(updated_minutes: i64) -> Booking {
    let at = DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant");
    Booking {
        uid: BookingUid::parse("kept").expect("uid"),
        event_type_id: EventTypeId(3),
        title: format!("version at {updated_minutes}"),
        start: at,
        end: at + chrono::TimeDelta::minutes(30),
        status: BookingStatus::Accepted,
        host: None,
        attendees: vec![
            Attendee::new(
                "Ann",
                Email::parse("ann@example.com").expect("email"),
                chrono_tz::Tz::UTC,
            )
            .expect("attendee"),
        ],
        metadata: Default::default(),
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        cancellation_reason: None,
        created_at: at,
        updated_at: at + chrono::TimeDelta::minutes(updated_minutes),
    }
}

/// (source, row_version, synced_at) as the backend reports them.
type Bookkeeping = (String, i64, DateTime<Utc>);

/// Inserts, updates, sends a stale copy, and checks the bookkeeping after
/// each step through `read`.
async fn bookkeeping_follows_writes<R, Fut>(repo: &dyn BookingRepository, read: R)
where
    R: Fn() -> Fut,
    Fut: std::future::Future<Output = Bookkeeping>,
{
    let t = tenant();
    let before = Utc::now() - chrono::TimeDelta::seconds(1);
    assert_eq!(
        repo.upsert(&t, &booking(0), BookingSource::Ours)
            .await
            .expect("insert"),
        UpsertOutcome::Inserted
    );
    let (source, version, synced_first) = read().await;
    assert_eq!((source.as_str(), version), ("ours", 1));
    assert!(synced_first >= before, "synced_at must be set on insert");

    assert_eq!(
        repo.upsert(&t, &booking(5), BookingSource::Webhook)
            .await
            .expect("update"),
        UpsertOutcome::Updated
    );
    let (source, version, synced_second) = read().await;
    assert_eq!(
        (source.as_str(), version),
        ("webhook", 2),
        "an update bumps row_version and records its source"
    );
    assert!(
        synced_second >= synced_first,
        "synced_at must be set on update"
    );

    assert_eq!(
        repo.upsert(&t, &booking(1), BookingSource::Sync)
            .await
            .expect("stale"),
        UpsertOutcome::Stale
    );
    assert_eq!(
        read().await,
        (source, 2, synced_second),
        "a stale copy must change nothing, not even bookkeeping"
    );
}

#[tokio::test]
async fn sqlite_bookkeeping_follows_writes() {
    with_sqlite(|repo| async move {
        let pool = repo.pool().clone();
        bookkeeping_follows_writes(&*repo, || async {
            let row = sqlx::query("SELECT source, row_version, synced_at FROM bookings WHERE tenant_id = 'bookkeeping' AND uid = 'kept'")
                .fetch_one(&pool)
                .await
                .expect("bookkeeping row");
            let micros: i64 = row.get("synced_at");
            (
                row.get("source"),
                row.get("row_version"),
                DateTime::from_timestamp_micros(micros).expect("synced_at"),
            )
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn postgres_bookkeeping_follows_writes() {
    with_postgres(|repo| async move {
        let pool = repo.pool().clone();
        bookkeeping_follows_writes(&*repo, || async {
            let row = sqlx::query("SELECT source, row_version, synced_at FROM bookings WHERE tenant_id = 'bookkeeping' AND uid = 'kept'")
                .fetch_one(&pool)
                .await
                .expect("bookkeeping row");
            (row.get("source"), row.get("row_version"), row.get("synced_at"))
        })
        .await;
    })
    .await;
}

#[tokio::test]
async fn corrupt_rows_are_typed_errors_not_panics() {
    with_sqlite(|repo| async move {
        // A uid that could never come from Cal.com, written behind our back.
        sqlx::query(
            "INSERT INTO bookings (tenant_id, uid, event_type_id, title, start_at, end_at, status,
                 host, attendees, metadata, source, created_at, updated_at, synced_at)
             VALUES ('bookkeeping', '../etc', 1, 't', 0, 1, 'accepted', NULL, '[]', '{}', 'sync', 0, 0, 0)",
        )
        .execute(repo.pool())
        .await
        .expect("raw insert");
        let error = repo
            .list(&tenant(), &BookingFilter::default())
            .await
            .expect_err("an unreadable row must be an error");
        assert!(
            matches!(
                error,
                DomainError::UpstreamFailed {
                    upstream: Upstream::Storage,
                    ..
                }
            ),
            "{error:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn unstorable_values_are_typed_errors() {
    with_sqlite(|repo| async move {
        let mut huge = booking(0);
        huge.event_type_id = EventTypeId(u64::MAX);
        let error = repo
            .upsert(&tenant(), &huge, BookingSource::Ours)
            .await
            .expect_err("an event type id above i64::MAX cannot be stored");
        assert!(
            matches!(error, DomainError::UpstreamFailed { .. }),
            "{error:?}"
        );
        let filter = BookingFilter {
            event_type_id: Some(EventTypeId(u64::MAX)),
            ..Default::default()
        };
        assert!(repo.list(&tenant(), &filter).await.is_err());
    })
    .await;
}
