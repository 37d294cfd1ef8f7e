//! `Idempotency-Key` with Stripe's semantics on the booking POSTs.

use std::sync::Arc;
use std::time::{Duration, Instant};

use calbridge_api::idempotency::{STALE_CLAIM_AFTER, fingerprint};
use calbridge_api::saga_worker::{SagaWorker, engine_for};
use calbridge_api::tenancy::StaticCalendarDirectory;
use calbridge_calcom::{CalcomClient, CalcomConfig};
use calbridge_domain::ports::IdempotencyBegin;
use calbridge_domain::{AppointmentId, IdempotencyKey, SagaId};
use calbridge_testkit::Route;
use chrono::{TimeDelta, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_tenant, next_weekday, spawn_app};

async fn post_with_key(
    app: &TestApp,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let r = app
        .client
        .post(app.url(path))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let replayed = r
        .headers()
        .get("idempotent-replayed")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, replayed, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn same_key_same_body_replays_and_books_once() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[0], "idem@example.com");

    let (s1, r1, first) = post_with_key(&app, "/api/bookings", "key-1", &body).await;
    assert_eq!((s1, r1), (201, None), "{first}");
    let (s2, r2, second) = post_with_key(&app, "/api/bookings", "key-1", &body).await;
    assert_eq!((s2, r2.as_deref()), (201, Some("true")));
    assert_eq!(second, first, "the stored response, byte for byte");
    let upstream = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == "idem@example.com")
        .count();
    assert_eq!(upstream, 1);

    // Same key, other body: refused.
    let other = TestApp::booking_body(event, &slots[1], "idem@example.com");
    let (s3, _, err) = post_with_key(&app, "/api/bookings", "key-1", &other).await;
    assert_eq!(s3, 422, "{err}");
    assert_eq!(err["error"]["code"], "idempotency_key_reused");

    // Failures that are the caller's are replayed too (a 409 stays a 409).
    let taken = TestApp::booking_body(event, &slots[0], "late@example.com");
    let (s4, _, e4) = post_with_key(&app, "/api/bookings", "key-2", &taken).await;
    assert_eq!(s4, 409, "{e4}");
    let (s5, r5, e5) = post_with_key(&app, "/api/bookings", "key-2", &taken).await;
    assert_eq!((s5, r5.as_deref()), (409, Some("true")));
    assert_eq!(e5, e4);

    // A bad key is a clear 422.
    let (s6, _, e6) = post_with_key(&app, "/api/bookings", "has space", &body).await;
    assert_eq!(s6, 422, "{e6}");
    assert_eq!(e6["error"]["field"], "Idempotency-Key");
}

#[tokio::test]
async fn same_key_while_the_first_request_runs_is_409() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[3], "slow@example.com");
    app.mock
        .faults()
        .latency(Route::CreateBooking, Duration::from_millis(1500));
    let app = std::sync::Arc::new(app);
    let first = {
        let (app, body) = (app.clone(), body.clone());
        tokio::spawn(async move { post_with_key(&app, "/api/bookings", "slow", &body).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let (s2, _, e2) = post_with_key(&app, "/api/bookings", "slow", &body).await;
    assert_eq!(s2, 409, "{e2}");
    assert_eq!(e2["error"]["code"], "idempotency_key_in_use");
    let (s1, _, b1) = first.await.unwrap();
    assert_eq!(s1, 201, "{b1}");
    app.mock.faults().clear();
    let (s3, r3, b3) = post_with_key(&app, "/api/bookings", "slow", &body).await;
    assert_eq!((s3, r3.as_deref()), (201, Some("true")));
    assert_eq!(b3, b1);
}

#[tokio::test]
async fn server_errors_are_not_stored_so_the_same_key_can_retry() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[5], "retry@example.com");
    app.mock.faults().fail_next(Route::CreateBooking, 10, 503);
    let (s1, _, e1) = post_with_key(&app, "/api/bookings", "retry-key", &body).await;
    assert!(s1 >= 500, "{s1}: {e1}");
    app.mock.faults().clear();
    let (s2, r2, b2) = post_with_key(&app, "/api/bookings", "retry-key", &body).await;
    assert_eq!((s2, r2), (201, None), "{b2}");
}

#[tokio::test]
async fn keys_are_per_tenant_and_cover_composite_bookings() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let composite = json!({
        "start": slots[10],
        "attendee": {"name": "Ann Example", "email": "combo@example.com", "timeZone": "Europe/Berlin"},
        "segments": [{"eventTypeId": event}, {"eventTypeId": event}]
    });
    let (s1, _, b1) =
        post_with_key(&app, "/api/composite-bookings", "shared-key", &composite).await;
    assert_eq!(s1, 201, "{b1}");
    let (s2, r2, b2) =
        post_with_key(&app, "/api/composite-bookings", "shared-key", &composite).await;
    assert_eq!((s2, r2.as_deref()), (201, Some("true")));
    assert_eq!(b2["id"], b1["id"]);

    // Another tenant's identical key is a different key: its request runs
    // (and fails for its own reason: its body is not a booking).
    let other = app.second_tenant("other-tenant").await;
    let r = other
        .client
        .post(other.url("/api/composite-bookings"))
        .header("Idempotency-Key", "shared-key")
        .json(&json!({"different": true}))
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("idempotent-replayed").is_none());
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["error"]["code"], "invalid_request",
        "the request ran: {body}"
    );
}

/// Arms faults under which a create is applied but its answer is lost and
/// the lookup by correlation id fails too: the outcome is unknown and the
/// saga deferred.
fn defer_the_next_create(app: &TestApp) {
    app.mock
        .faults()
        .drop_response_after_apply(Route::CreateBooking, 1)
        .fail_next(Route::ListBookings, 10_000, 503);
}

/// Runs a saga worker (of another instance: this one's circuit breaker is
/// open after the faults) and retries the request until it is no longer
/// refused as in progress.
async fn retry_after_recovery(
    app: &TestApp,
    path: &str,
    key: &str,
    body: &Value,
) -> (u16, Option<String>, Value) {
    let calendar = CalcomClient::new(
        CalcomConfig::new(secrecy::SecretString::from(app.mock.api_key().to_owned()))
            .with_base_url(app.mock.base_url()),
    )
    .unwrap();
    let worker = SagaWorker::new(
        engine_for(&app.state),
        Arc::new(StaticCalendarDirectory::new(
            app.state.default_tenant.clone(),
            Arc::new(calendar),
        )),
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        worker
            .run_once(Utc::now() + TimeDelta::hours(1))
            .await
            .unwrap();
        let got = post_with_key(app, path, key, body).await;
        if got.0 != 409 || Instant::now() > deadline {
            return got;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_deferred_booking_keeps_its_key_until_the_saga_finishes_then_replays_it() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[7], "deferred@example.com");
    defer_the_next_create(&app);
    let (s1, _, e1) = post_with_key(&app, "/api/bookings", "deferred-key", &body).await;
    assert_eq!(s1, 503, "{e1}");

    // Its own booking is still being made: the retry waits, never books anew.
    let (s2, _, e2) = post_with_key(&app, "/api/bookings", "deferred-key", &body).await;
    assert_eq!(s2, 409, "{e2}");
    assert_eq!(e2["error"]["code"], "idempotency_key_in_use");

    // Cal.com recovers; a worker finishes the saga; the retry gets the booking.
    app.mock.faults().clear();
    let (s3, r3, b3) = retry_after_recovery(&app, "/api/bookings", "deferred-key", &body).await;
    assert_eq!((s3, r3.as_deref()), (201, Some("true")), "{b3}");
    let upstream: Vec<_> = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == "deferred@example.com")
        .collect();
    assert_eq!(upstream.len(), 1, "exactly one booking upstream");
    assert_eq!(b3["uid"], upstream[0].uid.as_str());

    // From now on the stored response is replayed as is.
    let (s4, r4, b4) = post_with_key(&app, "/api/bookings", "deferred-key", &body).await;
    assert_eq!((s4, r4.as_deref()), (201, Some("true")));
    assert_eq!(b4, b3);
}

#[tokio::test]
async fn a_deferred_composite_booking_keeps_its_key_until_the_saga_finishes() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = json!({
        "start": slots[2],
        "attendee": {"name": "Ann Example", "email": "later@example.com", "timeZone": "Europe/Berlin"},
        "segments": [{"eventTypeId": event}, {"eventTypeId": event}]
    });
    let path = "/api/composite-bookings";
    defer_the_next_create(&app);
    let (s1, _, pending) = post_with_key(&app, path, "combo-key", &body).await;
    assert_eq!(s1, 202, "{pending}");
    let (s2, _, e2) = post_with_key(&app, path, "combo-key", &body).await;
    assert_eq!(s2, 409, "{e2}");
    assert_eq!(e2["error"]["code"], "idempotency_key_in_use");

    app.mock.faults().clear();
    let (s3, r3, done) = retry_after_recovery(&app, path, "combo-key", &body).await;
    assert_eq!((s3, r3.as_deref()), (201, Some("true")), "{done}");
    assert_eq!(done["id"], pending["id"], "the first request's booking");
    assert_eq!(done["status"], "confirmed");
    let upstream = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == "later@example.com")
        .count();
    assert_eq!(upstream, 2, "one booking per segment, none twice");
    let (s4, r4, again) = post_with_key(&app, path, "combo-key", &body).await;
    assert_eq!((s4, r4.as_deref()), (201, Some("true")));
    assert_eq!(again, done);
}

/// Claims `key` for `body` as a first request would, `age` ago, naming a
/// saga that never started: what a crash between claim and saga leaves.
async fn claim_as_a_dead_request(
    app: &TestApp,
    key: &str,
    body: &Value,
    age: TimeDelta,
) -> AppointmentId {
    let dead = AppointmentId::new();
    let begun = app
        .state
        .storage
        .idempotency
        .begin(
            &demo_tenant(),
            &IdempotencyKey::parse(key).unwrap(),
            &fingerprint("POST", "/api/bookings", body),
            Some(dead.to_string()),
            Utc::now() - age,
            IdempotencyKey::TTL,
        )
        .await
        .unwrap();
    assert_eq!(begun, IdempotencyBegin::Started);
    dead
}

fn upstream_bookings_of(app: &TestApp, email: &str) -> usize {
    app.mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == email)
        .count()
}

#[tokio::test]
async fn a_stale_claim_whose_saga_never_started_is_taken_over_by_a_retry() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[4], "crashed@example.com");
    let stale = TimeDelta::from_std(STALE_CLAIM_AFTER).unwrap() + TimeDelta::seconds(30);
    let dead = claim_as_a_dead_request(&app, "crashed-key", &body, stale).await;

    let (s1, r1, b1) = post_with_key(&app, "/api/bookings", "crashed-key", &body).await;
    assert_eq!((s1, r1), (201, None), "the retry books itself: {b1}");
    assert_eq!(upstream_bookings_of(&app, "crashed@example.com"), 1);
    let dead_saga = app
        .state
        .storage
        .saga_log
        .get(&demo_tenant(), SagaId(dead.0))
        .await
        .unwrap();
    assert!(dead_saga.is_none(), "the retry books under a new id");

    let (s2, r2, b2) = post_with_key(&app, "/api/bookings", "crashed-key", &body).await;
    assert_eq!((s2, r2.as_deref()), (201, Some("true")));
    assert_eq!(b2, b1, "further repeats replay the retry's booking");
    assert_eq!(upstream_bookings_of(&app, "crashed@example.com"), 1);
}

#[tokio::test]
async fn a_young_claim_whose_saga_has_not_started_is_still_in_use() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let body = TestApp::booking_body(event, &slots[6], "planning@example.com");
    // Still within the grace period: the first request may be planning.
    let young = TimeDelta::from_std(STALE_CLAIM_AFTER).unwrap() - TimeDelta::seconds(30);
    claim_as_a_dead_request(&app, "young-key", &body, young).await;

    let (s1, _, e1) = post_with_key(&app, "/api/bookings", "young-key", &body).await;
    assert_eq!(s1, 409, "{e1}");
    assert_eq!(e1["error"]["code"], "idempotency_key_in_use");
    assert_eq!(upstream_bookings_of(&app, "planning@example.com"), 0);
}
