//! `Idempotency-Key` with Stripe's semantics on the booking POSTs.

use std::time::Duration;

use calbridge_testkit::Route;
use serde_json::{Value, json};

use crate::helpers::{TestApp, next_weekday, spawn_app};

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
