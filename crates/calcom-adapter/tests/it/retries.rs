//! Retry sequences on the wire: idempotent calls are re-sent on 5xx and
//! timeouts, every call on 429 (after `X-RateLimit-Reset-Default`), unsafe
//! writes never after an unknown outcome, and 4xx never.

use std::time::{Duration, Instant};

use calbridge_calcom::{
    CalcomClient, CalcomError, CancelBookingRequest, RescheduleBookingRequest, RetryPolicy,
};
use serde_json::json;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

async fn client_with(policy: RetryPolicy) -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(config(&server.uri()).with_retry_policy(policy)).unwrap();
    (server, client)
}

fn ok_booking(uid: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(success(booking_json(uid, "accepted", at(7, 0))))
}

#[tokio::test]
async fn idempotent_reads_are_retried_through_5xx_with_the_same_headers() {
    let (server, client) = client_with(fast_retries()).await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(503).set_body_string("busy"))
        .up_to_n_times(2)
        .expect(2)
        .mount(&server)
        .await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ok_booking("bk_1"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.get_booking("bk_1").await.unwrap().uid, "bk_1");
    assert_eq!(client.last_request_debug().unwrap().attempt, 3);
}

#[tokio::test]
async fn three_attempts_at_most() {
    let (server, client) = client_with(fast_retries()).await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(502))
        .expect(3)
        .mount(&server)
        .await;
    assert!(matches!(
        client.get_booking("bk_1").await,
        Err(CalcomError::Upstream { status: 502, .. })
    ));
}

#[tokio::test]
async fn a_timed_out_read_is_sent_again() {
    let server = MockServer::start().await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_retry_policy(fast_retries())
            .with_timeout(Duration::from_millis(150)),
    )
    .unwrap();
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ok_booking("bk_1").set_delay(Duration::from_millis(800)))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ok_booking("bk_1"))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(client.get_booking("bk_1").await.unwrap().uid, "bk_1");
}

#[tokio::test]
async fn cancel_is_idempotent_and_retried() {
    let (server, client) = client_with(fast_retries()).await;
    call("POST", "/v2/bookings/bk_1/cancel", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"statusCode": 500, "message": "Internal server error"})),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/bookings/bk_1/cancel", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "cancelled",
                at(7, 0),
            ))),
        )
        .expect(1)
        .mount(&server)
        .await;
    let b = client
        .cancel_booking("bk_1", &CancelBookingRequest::new("ill"))
        .await
        .unwrap();
    assert_eq!(b.status.as_str(), "cancelled");
}

#[tokio::test]
async fn unsafe_writes_are_never_re_sent_after_a_5xx_or_timeout() {
    let (server, client) = client_with(fast_retries()).await;
    call("POST", "/v2/bookings/bk_1/confirm", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client.confirm_booking("bk_1").await,
        Err(CalcomError::Upstream { status: 503, .. })
    ));
}

#[tokio::test]
async fn any_call_is_re_sent_after_a_429_once_the_reset_has_passed() {
    let (server, client) = client_with(fast_retries()).await;
    call(
        "POST",
        "/v2/bookings/bk_1/reschedule",
        Some(BOOKINGS_VERSION),
    )
    .respond_with(
        ResponseTemplate::new(429)
            .insert_header("X-RateLimit-Limit-Default", "120")
            .insert_header("X-RateLimit-Remaining-Default", "0")
            .insert_header("X-RateLimit-Reset-Default", "0.3")
            .set_body_json(error_envelope("ThrottlerException", "Too many requests")),
    )
    .up_to_n_times(1)
    .expect(1)
    .mount(&server)
    .await;
    call(
        "POST",
        "/v2/bookings/bk_1/reschedule",
        Some(BOOKINGS_VERSION),
    )
    .respond_with(
        ResponseTemplate::new(201).set_body_json(success(booking_json(
            "bk_2",
            "accepted",
            at(9, 0),
        ))),
    )
    .expect(1)
    .mount(&server)
    .await;
    let started = Instant::now();
    let b = client
        .reschedule_booking("bk_1", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap();
    assert_eq!(b.uid, "bk_2");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_429_resetting_later_than_the_caller_may_wait_is_returned_at_once() {
    let (server, client) = client_with(fast_retries()).await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Reset-Default", "57")
                .set_body_json(error_envelope("ThrottlerException", "Too many requests")),
        )
        .expect(1)
        .mount(&server)
        .await;
    let started = Instant::now();
    assert_eq!(
        client.get_booking("bk_1").await.unwrap_err(),
        CalcomError::RateLimited {
            reset: Some(Duration::from_secs(57))
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn client_errors_are_never_retried() {
    let (server, client) = client_with(fast_retries()).await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(error_envelope("BadRequestException", "bad uid")),
        )
        .expect(1)
        .mount(&server)
        .await;
    assert!(matches!(
        client.get_booking("bk_1").await,
        Err(CalcomError::Validation { .. })
    ));
}

#[tokio::test]
async fn a_request_that_never_left_is_sent_again_even_when_unsafe() {
    let client = CalcomClient::new(
        config(&format!("http://127.0.0.1:{}", closed_port())).with_retry_policy(fast_retries()),
    )
    .unwrap();
    let err = client
        .reschedule_booking("bk_1", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap_err();
    assert!(matches!(err, CalcomError::Connection { .. }), "{err:?}");
    assert_eq!(client.last_request_debug().unwrap().attempt, 3);
}

#[tokio::test]
async fn the_operation_deadline_bounds_retries_and_attempts() {
    let server = MockServer::start().await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_timeout(Duration::from_secs(5))
            .with_operation_deadline(Duration::from_millis(300))
            .with_retry_policy(RetryPolicy {
                initial_delay: Duration::from_millis(400),
                jitter: false,
                ..RetryPolicy::default()
            }),
    )
    .unwrap();
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    // A retry in 400 ms would end past the 300 ms deadline: not started.
    let started = std::time::Instant::now();
    let err = client.get_booking("bk_1").await.unwrap_err();
    assert!(
        matches!(err, CalcomError::Upstream { status: 503, .. }),
        "{err:?}"
    );
    assert!(started.elapsed() < Duration::from_millis(300));

    // A slow answer is cut at the deadline, not at the 5 s attempt limit.
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
        .mount(&server)
        .await;
    let started = std::time::Instant::now();
    assert_eq!(client.me().await.unwrap_err(), CalcomError::Timeout);
    let took = started.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(1),
        "{took:?}"
    );
}
