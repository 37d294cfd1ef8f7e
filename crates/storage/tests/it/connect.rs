//! Connecting: backend choice, fast failure, secrets kept out of errors,
//! SQLite file set-up, idempotent migrations.

use std::time::{Duration, Instant};

use calbridge_domain::{DomainError, TenantId, Upstream};
use calbridge_storage::{PgStore, SqliteStore, StorageError};

use crate::support::{PgTestDb, TempDir};

const PASSWORD: &str = "s3cr3t-Pa55";

/// Display and Debug of an error, where a leaked password would show.
fn shown(error: &StorageError) -> String {
    let domain = DomainError::from(StorageError::Query {
        message: error.to_string(),
    });
    format!("{error} | {error:?} | {domain} | {domain:?}")
}

#[tokio::test]
async fn unreachable_postgres_fails_fast_as_unavailable() {
    let url = format!("postgres://postgres:{PASSWORD}@127.0.0.1:1/x");
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(15), calbridge_storage::connect(&url))
        .await
        .expect("connect must give up on its own, within seconds");
    let elapsed = started.elapsed();
    let Err(error) = result else {
        panic!("nothing listens on port 1, connect must fail");
    };
    assert!(elapsed < Duration::from_secs(6), "took {elapsed:?}");
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
    assert!(
        matches!(error, StorageError::Unavailable { .. }),
        "{error:?}"
    );
    match DomainError::from(error) {
        DomainError::Unavailable {
            upstream: Upstream::Storage,
            message,
        } => assert!(!message.contains(PASSWORD), "{message}"),
        other => panic!("expected Unavailable {{ Storage }}, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_schemes_are_typed_errors() {
    let url = format!("mysql://root:{PASSWORD}@localhost/calbridge");
    let error = calbridge_storage::connect(&url)
        .await
        .err()
        .expect("mysql is not supported");
    assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
    match &error {
        StorageError::UnsupportedScheme { scheme } => assert_eq!(scheme, "mysql"),
        other => panic!("expected UnsupportedScheme, got {other:?}"),
    }
    assert!(error.to_string().contains("postgres://"), "{error}");
    assert!(matches!(
        DomainError::from(error),
        DomainError::UpstreamFailed {
            upstream: Upstream::Storage,
            ..
        }
    ));
    for url in ["", "./data/calbridge.db", "redis://127.0.0.1:6379"] {
        assert!(
            matches!(
                calbridge_storage::migrate(url).await,
                Err(StorageError::UnsupportedScheme { .. })
            ),
            "{url:?}"
        );
    }
    // Each repository refuses the other's URLs.
    assert!(SqliteStore::connect("postgres://h/db").await.is_err());
    assert!(PgStore::connect("sqlite::memory:").await.is_err());
}

#[tokio::test]
async fn malformed_postgres_urls_do_not_leak_the_password() {
    for url in [
        format!("postgres://app:{PASSWORD}@localhost:notaport/db"),
        format!("postgresql://app:{PASSWORD}@localhost/db?sslmode=bogus"),
        format!("postgres:/app:{PASSWORD}@localhost/db"),
    ] {
        let error = calbridge_storage::connect(&url)
            .await
            .err()
            .expect("a malformed URL must be refused");
        assert!(
            matches!(error, StorageError::InvalidUrl { .. }),
            "{error:?}"
        );
        assert!(!shown(&error).contains(PASSWORD), "{}", shown(&error));
    }
}

#[tokio::test]
async fn sqlite_creates_missing_parent_directories() {
    let dir = TempDir::new();
    let nested = dir.path().join("data").join("deeper");
    assert!(!nested.exists());
    let repo = calbridge_storage::connect(&dir.sqlite_url("data/deeper/calbridge.db"))
        .await
        .expect("connect must create the directories and the file");
    repo.ping().await.expect("ping");
    assert!(nested.join("calbridge.db").is_file());
}

#[tokio::test]
async fn sqlite_url_without_a_path_is_invalid() {
    let error = SqliteStore::connect("sqlite://")
        .await
        .expect_err("a sqlite URL without a path must be refused");
    assert!(
        matches!(error, StorageError::InvalidUrl { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn sqlite_in_memory_keeps_data_across_calls() {
    let repo = calbridge_storage::connect("sqlite::memory:")
        .await
        .expect("in-memory SQLite");
    calbridge_domain::conformance::booking_repository::newer_copy_updates(&*repo).await;
    calbridge_domain::conformance::booking_repository::list_orders_by_start_then_uid(&*repo).await;
}

#[tokio::test]
async fn sqlite_uses_wal_a_busy_timeout_and_foreign_keys() {
    let dir = TempDir::new();
    let repo = SqliteStore::connect(&dir.sqlite_url("pragmas.db"))
        .await
        .expect("connect");
    let mut conn = repo.pool().acquire().await.expect("acquire");
    let journal: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut *conn)
        .await
        .expect("journal_mode");
    let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(&mut *conn)
        .await
        .expect("busy_timeout");
    let foreign_keys: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
        .fetch_one(&mut *conn)
        .await
        .expect("foreign_keys");
    assert_eq!(journal.to_lowercase(), "wal");
    assert!(busy >= 1000, "busy_timeout {busy} ms");
    assert_eq!(foreign_keys, 1);
    assert!(!format!("{repo:?}").is_empty());
}

/// Stores one booking, reconnects (migrations run again) and reads it back.
async fn survives_reconnect(url: &str) {
    let tenant = TenantId::parse("reconnect").expect("tenant");
    let first = calbridge_storage::connect(url)
        .await
        .expect("first connect");
    let booking = {
        let listed = first
            .list(&tenant, &calbridge_domain::BookingFilter::default())
            .await
            .expect("list");
        assert!(listed.is_empty(), "a fresh database must be empty");
        calbridge_domain::conformance::booking_repository::minimal_booking_round_trips(&*first)
            .await;
        sample_booking()
    };
    first
        .upsert(&tenant, &booking, calbridge_domain::BookingSource::Ours)
        .await
        .expect("upsert");
    drop(first);
    calbridge_storage::migrate(url)
        .await
        .expect("migrate on a migrated database");
    calbridge_storage::migrate(url)
        .await
        .expect("migrate twice");
    let second = calbridge_storage::connect(url)
        .await
        .expect("second connect");
    assert_eq!(
        second.get(&tenant, &booking.uid).await.expect("get"),
        Some(booking),
        "data must survive reconnecting and re-running migrations"
    );
}

fn sample_booking() -> calbridge_domain::Booking {
    let at = chrono::DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant");
    calbridge_domain::Booking {
        uid: calbridge_domain::BookingUid::parse("survivor").expect("uid"),
        event_type_id: calbridge_domain::EventTypeId(1),
        title: "Survivor".into(),
        start: at,
        end: at + chrono::TimeDelta::minutes(15),
        status: calbridge_domain::BookingStatus::Accepted,
        host: None,
        attendees: vec![
            calbridge_domain::Attendee::new(
                "Ann",
                calbridge_domain::Email::parse("ann@example.com").expect("email"),
                chrono_tz::Tz::UTC,
            )
            .expect("attendee"),
        ],
        metadata: Default::default(),
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        cancellation_reason: None,
        created_at: at,
        updated_at: at,
    }
}

#[tokio::test]
async fn sqlite_migrations_are_idempotent() {
    let dir = TempDir::new();
    survives_reconnect(&dir.sqlite_url("again.db")).await;
}

#[tokio::test]
async fn postgres_migrations_are_idempotent() {
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let url = db.url().to_owned();
    let outcome = tokio::spawn(async move { survives_reconnect(&url).await }).await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
