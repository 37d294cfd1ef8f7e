//! Behaviour under concurrency and after the store goes away.

use std::sync::Arc;

use calbridge_domain::ports::{BookingRepository, UpsertOutcome};
use calbridge_domain::{
    Attendee, Booking, BookingSource, BookingStatus, BookingUid, DomainError, Email, EventTypeId,
    TenantId, Upstream,
};
use chrono::{DateTime, TimeDelta};

use crate::support::{with_postgres, with_sqlite};

const WRITERS: i64 = 24;

fn version(n: i64) -> Booking {
    let at = DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant");
    Booking {
        uid: BookingUid::parse("raced").expect("uid"),
        event_type_id: EventTypeId(5),
        title: format!("v{n}"),
        start: at,
        end: at + TimeDelta::minutes(30),
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
        updated_at: at + TimeDelta::minutes(n),
    }
}

/// Many writers upsert versions of one booking at once, in scrambled order:
/// exactly one insert, and the newest version is what remains, whatever
/// the interleaving (an upsert that read then wrote would lose here).
async fn concurrent_upserts_keep_the_newest(repo: Arc<dyn BookingRepository>) {
    let tenant = TenantId::parse("race").expect("tenant");
    let mut tasks = Vec::new();
    for i in 0..WRITERS {
        let n = (i * 7) % WRITERS; // a permutation of 0..WRITERS
        let repo = Arc::clone(&repo);
        let tenant = tenant.clone();
        tasks.push(tokio::spawn(async move {
            repo.upsert(&tenant, &version(n), BookingSource::Sync).await
        }));
    }
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.expect("writer task").expect("concurrent upsert"));
    }
    let inserted = outcomes
        .iter()
        .filter(|o| **o == UpsertOutcome::Inserted)
        .count();
    assert_eq!(inserted, 1, "exactly one writer inserts: {outcomes:?}");
    let stored = repo
        .get(&tenant, &BookingUid::parse("raced").expect("uid"))
        .await
        .expect("get")
        .expect("the raced booking is stored");
    assert_eq!(
        stored,
        version(WRITERS - 1),
        "the newest version must win the race"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_concurrent_upserts_keep_the_newest() {
    with_sqlite(|repo| concurrent_upserts_keep_the_newest(repo)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_concurrent_upserts_keep_the_newest() {
    with_postgres(|repo| concurrent_upserts_keep_the_newest(repo)).await;
}

#[tokio::test]
async fn a_closed_store_is_unavailable() {
    with_sqlite(|repo| async move {
        repo.pool().close().await;
        let error = repo.ping().await.expect_err("a closed pool cannot answer");
        assert!(
            matches!(
                error,
                DomainError::Unavailable {
                    upstream: Upstream::Storage,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.is_retryable());
    })
    .await;
}
