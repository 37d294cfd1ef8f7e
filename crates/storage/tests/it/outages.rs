//! When the database goes away every port answers `Unavailable { Storage }`
//! (the api's 503), never a panic or a generic failure: after the pool is
//! closed, and, on Postgres, when the server stops answering mid-flight.

use std::time::{Duration, Instant};

use calbridge_domain::models::{NewSaga, NewSlotHold, SagaLease, SagaStep, StepStatus};
use calbridge_domain::{
    AppointmentId, AppointmentStatus, BookingFilter, BookingUid, Connection, DomainError,
    IdempotencyKey, NewWebhookEvent, SagaId, SagaStatus, SegmentStatus, SlotHoldId, StoredResponse,
    TenantId, Upstream, WebhookEventId,
};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

use crate::support::{PgTestDb, TcpProxy, TempDir, test_keyring};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant")
}

fn assert_unavailable<T: std::fmt::Debug>(what: &str, result: Result<T, DomainError>) {
    match result {
        Err(DomainError::Unavailable {
            upstream: Upstream::Storage,
            ..
        }) => {}
        other => panic!("{what}: expected Unavailable {{ Storage }}, got {other:?}"),
    }
}

/// Calls every method of every port and expects each to be unavailable.
async fn every_port_is_unavailable(storage: &calbridge_storage::Storage) {
    let t = TenantId::parse("outage").expect("tenant");
    let uid = BookingUid::parse("u1").expect("uid");
    let key = IdempotencyKey::parse("k1").expect("key");
    let hold = NewSlotHold::new(1, now(), now() + chrono::TimeDelta::minutes(30)).expect("hold");
    let lease = SagaLease {
        saga_id: SagaId::new(),
        owner: "me".into(),
        token: uuid::Uuid::new_v4(),
        expires_at: now(),
    };
    let saga = NewSaga::new(SagaId::new(), "k", serde_json::json!({})).expect("saga");
    let step = SagaStep::new("s", StepStatus::Started, now()).expect("step");
    let lease_for = Duration::from_secs(60);
    let response = StoredResponse {
        status: 200,
        headers: vec![],
        body: vec![],
    };
    let event = NewWebhookEvent {
        body: b"{}".to_vec(),
        trigger: "PING".into(),
        booking_uid: None,
        payload_created_at: None,
        verified: true,
        received_at: now(),
    };
    let connection = Connection::new("c", SecretString::from("k"), now()).expect("connection");
    let b = &storage.bookings;
    assert_unavailable("bookings.ping", b.ping().await);
    assert_unavailable("bookings.get", b.get(&t, &uid).await);
    assert_unavailable("bookings.list", b.list(&t, &BookingFilter::default()).await);
    let a = &storage.appointments;
    assert_unavailable("appointments.get", a.get(&t, AppointmentId::new()).await);
    assert_unavailable(
        "appointments.find_by_booking_uid",
        a.find_by_booking_uid(&t, &uid).await,
    );
    assert_unavailable(
        "appointments.update_segment",
        a.update_segment(
            &t,
            AppointmentId::new(),
            0,
            SegmentStatus::Booked,
            None,
            now(),
        )
        .await,
    );
    assert_unavailable(
        "appointments.set_status",
        a.set_status(
            &t,
            AppointmentId::new(),
            AppointmentStatus::Cancelled,
            now(),
        )
        .await,
    );
    let h = &storage.slot_holds;
    assert_unavailable("slot_holds.acquire", h.acquire(&t, &hold, now()).await);
    assert_unavailable("slot_holds.get", h.get(&t, SlotHoldId::new()).await);
    assert_unavailable(
        "slot_holds.confirm",
        h.confirm(&t, SlotHoldId::new(), None, now()).await,
    );
    assert_unavailable(
        "slot_holds.release",
        h.release(&t, SlotHoldId::new(), now()).await,
    );
    assert_unavailable(
        "slot_holds.active_for_host",
        h.active_for_host(&t, 1, now(), now(), now()).await,
    );
    assert_unavailable("slot_holds.release_expired", h.release_expired(now()).await);
    let s = &storage.saga_log;
    assert_unavailable(
        "saga_log.start",
        s.start(&t, &saga, "me", now(), lease_for).await,
    );
    assert_unavailable("saga_log.get", s.get(&t, SagaId::new()).await);
    assert_unavailable(
        "saga_log.claim_due",
        s.claim_due("k", "me", now(), lease_for, 5).await,
    );
    assert_unavailable("saga_log.renew", s.renew(&lease, now(), lease_for).await);
    assert_unavailable("saga_log.record_step", s.record_step(&lease, &step).await);
    assert_unavailable(
        "saga_log.set_status",
        s.set_status(&lease, SagaStatus::Completed, now()).await,
    );
    assert_unavailable("saga_log.release", s.release(&lease, now(), now()).await);
    let i = &storage.idempotency;
    assert_unavailable(
        "idempotency.begin",
        i.begin(&t, &key, "h", None, now(), lease_for).await,
    );
    assert_unavailable(
        "idempotency.complete",
        i.complete(&t, &key, "h", &response, now()).await,
    );
    assert_unavailable("idempotency.abandon", i.abandon(&t, &key, "h").await);
    assert_unavailable("idempotency.purge_expired", i.purge_expired(now()).await);
    let w = &storage.webhook_events;
    assert_unavailable("webhook_events.record", w.record(&t, &event).await);
    assert_unavailable("webhook_events.get", w.get(&t, WebhookEventId::new()).await);
    assert_unavailable(
        "webhook_events.mark_processed",
        w.mark_processed(&t, WebhookEventId::new(), now()).await,
    );
    assert_unavailable(
        "webhook_events.mark_failed",
        w.mark_failed(&t, WebhookEventId::new(), "x").await,
    );
    assert_unavailable(
        "webhook_events.list_unprocessed",
        w.list_unprocessed(&t, 5).await,
    );
    let c = &storage.connections;
    assert_unavailable("connections.save", c.save(&t, &connection).await);
    assert_unavailable("connections.get", c.get(&t, "c").await);
    assert_unavailable("connections.list", c.list(&t).await);
    assert_unavailable("connections.delete", c.delete(&t, "c").await);
    match storage.reencrypt_connections().await {
        Err(calbridge_storage::StorageError::Unavailable { .. }) => {}
        other => panic!("reencrypt_connections: expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn sqlite_every_port_is_unavailable_once_closed() {
    let dir = TempDir::new();
    let storage = calbridge_storage::open(&dir.sqlite_url("closed.db"), test_keyring())
        .await
        .expect("open");
    storage.close().await;
    every_port_is_unavailable(&storage).await;
}

#[tokio::test]
async fn postgres_every_port_is_unavailable_once_closed() {
    let Some(db) = PgTestDb::create_migrated().await else {
        return;
    };
    let url = db.url().to_owned();
    let outcome = tokio::spawn(async move {
        let storage = calbridge_storage::open(&url, test_keyring())
            .await
            .expect("open");
        storage.close().await;
        every_port_is_unavailable(&storage).await;
    })
    .await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// The server goes away while the pool holds open connections (a network
/// partition, a crashed server): calls fail as unavailable within the
/// acquire timeout, they do not hang or panic.
#[tokio::test]
async fn postgres_lost_server_is_unavailable_within_seconds() {
    let Some(db) = PgTestDb::create_migrated().await else {
        return;
    };
    let url = db.url().to_owned();
    let outcome = tokio::spawn(async move {
        let proxy = TcpProxy::start(&url).await;
        let storage = calbridge_storage::open(&proxy.url(), test_keyring())
            .await
            .expect("open through the proxy");
        let t = TenantId::parse("outage").expect("tenant");
        storage
            .bookings
            .ping()
            .await
            .expect("reachable before the outage");
        proxy.stop();
        let key = IdempotencyKey::parse("k").expect("key");
        let started = Instant::now();
        let hold =
            NewSlotHold::new(1, now(), now() + chrono::TimeDelta::minutes(30)).expect("hold");
        let (ping, acquire, claim, begin) = tokio::join!(
            storage.bookings.ping(),
            storage.slot_holds.acquire(&t, &hold, now()),
            storage
                .saga_log
                .claim_due("k", "me", now(), Duration::from_secs(60), 5),
            storage
                .idempotency
                .begin(&t, &key, "h", None, now(), Duration::from_secs(60)),
        );
        assert_unavailable("ping", ping);
        assert_unavailable("acquire", acquire);
        assert_unavailable("claim_due", claim);
        assert_unavailable("begin", begin);
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "took {:?}",
            started.elapsed()
        );
    })
    .await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
