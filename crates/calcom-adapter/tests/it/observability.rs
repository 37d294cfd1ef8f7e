//! What the client tells its operators: metrics per operation and status,
//! retries and breaker transitions; `last_request_debug()`; and logs with
//! attendee contact details masked.

use std::time::Duration;

use calbridge_calcom::metrics as names;
use calbridge_calcom::{BreakerPolicy, CalcomClient, ListBookingsQuery, Operation, RetryPolicy};
use calbridge_domain::ports::CalendarPort;
use wiremock::{MockServer, ResponseTemplate};

use crate::support::*;

#[tokio::test]
async fn metrics_count_requests_retries_and_breaker_transitions() {
    let metrics = Metrics::default();
    let _guard = metrics::set_default_local_recorder(&metrics);
    let server = MockServer::start().await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    call("GET", "/v2/bookings/bk_1", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(success(booking_json(
                "bk_1",
                "accepted",
                at(7, 0),
            ))),
        )
        .mount(&server)
        .await;
    call("GET", "/v2/me", None)
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_retry_policy(fast_retries())
            .with_breaker_policy(BreakerPolicy {
                failure_threshold: 3,
                ..BreakerPolicy::default()
            }),
    )
    .unwrap();
    client.get_booking("bk_1").await.unwrap();
    let op = [("operation", "get_booking")];
    let with = |status: &'static str| [op[0], ("status", status)];
    assert_eq!(metrics.counter(names::REQUESTS_TOTAL, &with("503")), 2);
    assert_eq!(metrics.counter(names::REQUESTS_TOTAL, &with("200")), 1);
    assert_eq!(
        metrics.counter(names::RETRIES_TOTAL, &[op[0], ("reason", "server_error")]),
        2
    );

    // Three 500s in a row open the breaker (threshold 3 here).
    let _ = client.me().await;
    let key = client.key_fingerprint().to_string();
    assert_eq!(
        metrics.counter(
            names::BREAKER_TRANSITIONS_TOTAL,
            &[("key", &key), ("to", "open")]
        ),
        1
    );
    let _ = client.me().await;
    assert_eq!(
        metrics.counter(
            names::REQUESTS_TOTAL,
            &[("operation", "me"), ("status", "circuit_open")]
        ),
        1
    );
    assert_eq!(
        metrics.counter(
            names::BREAKER_REJECTIONS_TOTAL,
            &[("key", &key), ("source", "local")]
        ),
        1
    );
}

#[tokio::test]
async fn last_request_debug_masks_credentials_and_attendees() {
    let (server, client) = setup().await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("X-Request-Id", "req-42")
                .set_body_json(page(serde_json::json!([]), false)),
        )
        .mount(&server)
        .await;
    client
        .list_bookings(&ListBookingsQuery {
            attendee_email: Some("ann@example.com".into()),
            take: Some(5),
            ..Default::default()
        })
        .await
        .unwrap();
    let d = client.last_request_debug().unwrap();
    assert_eq!(d.operation, Operation::ListBookings);
    assert_eq!(
        (d.method.as_str(), d.status, d.attempt),
        ("GET", Some(200), 1)
    );
    assert!(d.url.contains("/v2/bookings?"), "{}", d.url);
    assert!(d.url.contains("take=5"), "{}", d.url);
    assert!(!d.url.contains("ann"), "{}", d.url);
    let header = |list: &[(String, String)], name: &str| {
        list.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };
    assert_eq!(
        header(&d.request_headers, "authorization").as_deref(),
        Some("[redacted]")
    );
    assert_eq!(
        header(&d.request_headers, "cal-api-version").as_deref(),
        Some("2024-08-13")
    );
    assert_eq!(
        header(&d.response_headers, "x-request-id").as_deref(),
        Some("req-42")
    );
    assert!(d.duration > Duration::ZERO);
    assert!(d.error.is_none());
    assert_no_key(&format!("{d:?}"));
}

#[tokio::test]
async fn logs_mask_attendee_email_phone_and_notes() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    tracing::callsite::rebuild_interest_cache();
    let server = MockServer::start().await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "Attendee ann@example.com with phone +4912345678 can't be booked: invalid notes",
        )))
        .mount(&server)
        .await;
    let client =
        CalcomClient::new(config(&server.uri()).with_retry_policy(RetryPolicy::never())).unwrap();
    let mut appt = appointment();
    appt.metadata
        .insert("notes".into(), "allergic to penicillin".into());
    let _ = CalendarPort::create_booking(&client, &appt).await;

    let logged = capture.0.lock().unwrap().clone();
    assert!(logged.contains("Cal.com call failed"), "{logged}");
    assert!(
        logged.contains("request body"),
        "trace body not logged: {logged}"
    );
    for leaked in ["ann@example.com", "+4912345678", "penicillin"] {
        assert!(!logged.contains(leaked), "{leaked} logged: {logged}");
    }
    assert_no_key(&logged);
    let debug = client.last_request_debug().unwrap();
    assert!(!debug.error.unwrap().contains("ann@example.com"));
}
