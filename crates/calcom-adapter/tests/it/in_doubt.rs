//! Booking creates that never double-book: a create whose answer is lost is
//! looked up by its correlation id before anything is sent again.

use std::time::Duration;

use calbridge_calcom::{
    CalcomClient, CalcomError, CancelBookingRequest, RescheduleBookingRequest, RetryPolicy,
};
use calbridge_domain::ports::CalendarPort;
use calbridge_domain::{Appointment, DomainError, Upstream};
use serde_json::{Value, json};
use wiremock::matchers::query_param;
use wiremock::{Mock, MockBuilder, MockServer, ResponseTemplate};

use crate::support::*;

const TIMEOUT: Duration = Duration::from_millis(200);

async fn client() -> (MockServer, CalcomClient) {
    let server = MockServer::start().await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_retry_policy(fast_retries())
            .with_timeout(TIMEOUT),
    )
    .unwrap();
    (server, client)
}

fn ours(appt: &Appointment, uid: &str) -> Value {
    let mut b = booking_json(uid, "accepted", appt.start);
    b["metadata"] = json!({"source": "web", "correlationId": appt.id.to_string()});
    b
}

fn someone_elses(uid: &str) -> Value {
    let mut b = booking_json(uid, "accepted", at(7, 0));
    b["metadata"] = json!({"correlationId": "someone-else"});
    b
}

/// The create, answered too late (the client gives up first).
fn lost_create(answer: Value) -> Mock {
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(success(answer))
                .set_delay(Duration::from_secs(2)),
        )
        .up_to_n_times(1)
}

/// The lookup: the attendee's bookings around the start.
fn lookup(found: Vec<Value>) -> Mock {
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .and(query_param("attendeeEmail", "ann@example.com"))
        .and(query_param("afterStart", "2050-09-05T06:59:00.000Z"))
        .and(query_param("beforeEnd", "2050-09-06T07:30:00.000Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page(json!(found), false)))
}

#[tokio::test]
async fn a_timed_out_create_found_by_lookup_is_returned_and_not_sent_again() {
    let (server, client) = client().await;
    let appt = appointment();
    lost_create(ours(&appt, "bk_1"))
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![someone_elses("bk_0"), ours(&appt, "bk_1")])
        .expect(1)
        .mount(&server)
        .await;
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_1");
    assert_eq!(booking.correlation_id(), Some(appt.id.to_string().as_str()));
}

#[tokio::test]
async fn a_create_proven_absent_is_sent_again_exactly_once() {
    let (server, client) = client().await;
    let appt = appointment();
    lost_create(ours(&appt, "bk_lost"))
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(ours(&appt, "bk_2"))))
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![someone_elses("bk_0")])
        .expect(1)
        .mount(&server)
        .await;
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_2");
}

#[tokio::test]
async fn a_5xx_on_create_is_resolved_the_same_way() {
    let (server, client) = client().await;
    let appt = appointment();
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(500)
                .set_body_json(json!({"statusCode": 500, "message": "Internal server error"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![ours(&appt, "bk_1")])
        .expect(1)
        .mount(&server)
        .await;
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_1");
}

#[tokio::test]
async fn when_the_lookup_fails_the_outcome_is_in_doubt_and_nothing_is_re_sent() {
    let (server, client) = client().await;
    let appt = appointment();
    lost_create(ours(&appt, "bk_1"))
        .expect(1)
        .mount(&server)
        .await;
    call("GET", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(503))
        .expect(3)
        .mount(&server)
        .await;
    let req = create_request(Some(&appt.id.to_string()));
    let err = client.create_booking(&req).await.unwrap_err();
    let CalcomError::InDoubt {
        correlation_id,
        message,
        ..
    } = &err
    else {
        panic!("expected InDoubt, got {err:?}");
    };
    assert_eq!(
        correlation_id.as_deref(),
        Some(appt.id.to_string().as_str())
    );
    assert!(message.contains("did not answer in time"), "{message}");
    assert!(message.contains("503"), "{message}");
    let domain = DomainError::from(err);
    assert!(
        matches!(&domain, DomainError::Unavailable { upstream: Upstream::Calendar, message }
            if message.contains("outcome unknown")),
        "{domain:?}"
    );
}

#[tokio::test]
async fn a_slot_taken_by_our_own_late_create_returns_our_booking() {
    let (server, client) = client().await;
    let appt = appointment();
    lost_create(ours(&appt, "bk_late"))
        .expect(1)
        .mount(&server)
        .await;
    // The resend finds the slot taken: by our first create, landed late.
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "User either already has booking at this time or is not available",
        )))
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![])
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![ours(&appt, "bk_late")])
        .expect(1)
        .mount(&server)
        .await;
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_late");
}

#[tokio::test]
async fn a_slot_taken_by_someone_else_stays_slot_unavailable() {
    let (server, client) = client().await;
    let appt = appointment();
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "User either already has booking at this time or is not available",
        )))
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![someone_elses("bk_0")])
        .expect(1)
        .mount(&server)
        .await;
    let err = CalendarPort::create_booking(&client, &appt)
        .await
        .unwrap_err();
    assert!(
        matches!(err, DomainError::SlotUnavailable { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_create_without_correlation_id_that_times_out_is_in_doubt() {
    let (server, client) = client().await;
    lost_create(booking_json("bk_1", "accepted", at(7, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .create_booking(&create_request(None))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CalcomError::InDoubt {
                correlation_id: None,
                ..
            }
        ),
        "{err:?}"
    );
    // No lookup was possible, so none was made.
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "POST"));
}

#[tokio::test]
async fn a_429_on_create_is_re_sent_without_a_lookup() {
    let (server, client) = client().await;
    let appt = appointment();
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Reset-Default", "0.05")
                .set_body_json(error_envelope("ThrottlerException", "Too many requests")),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    call("POST", "/v2/bookings", Some(BOOKINGS_VERSION))
        .respond_with(ResponseTemplate::new(201).set_body_json(success(ours(&appt, "bk_1"))))
        .expect(1)
        .mount(&server)
        .await;
    let booking = CalendarPort::create_booking(&client, &appt).await.unwrap();
    assert_eq!(booking.uid.as_str(), "bk_1");
    let requests = server.received_requests().await.unwrap();
    assert!(requests.iter().all(|r| r.method.as_str() == "POST"));
}

#[tokio::test]
async fn out_of_attempts_a_last_lookup_settles_the_outcome() {
    let server = MockServer::start().await;
    let client = CalcomClient::new(
        config(&server.uri())
            .with_retry_policy(RetryPolicy::never())
            .with_timeout(TIMEOUT),
    )
    .unwrap();
    let appt = appointment();
    lost_create(ours(&appt, "bk_1"))
        .expect(1)
        .mount(&server)
        .await;
    lookup(vec![]).expect(1).mount(&server).await;
    // Proven absent: the plain timeout is the truth, not "in doubt".
    let mut req = create_request(Some(&appt.id.to_string()));
    req.length_in_minutes = Some(30);
    let err = client.create_booking(&req).await.unwrap_err();
    assert_eq!(err, CalcomError::Timeout);
}

fn reschedule(uid: &str) -> MockBuilder {
    call(
        "POST",
        &format!("/v2/bookings/{uid}/reschedule"),
        Some(BOOKINGS_VERSION),
    )
}

fn get(uid: &str, body: Value) -> Mock {
    call(
        "GET",
        &format!("/v2/bookings/{uid}"),
        Some(BOOKINGS_VERSION),
    )
    .respond_with(ResponseTemplate::new(200).set_body_json(success(body)))
}

fn moved(from: &str, uid: &str, start: chrono::DateTime<chrono::Utc>) -> Value {
    let mut b = booking_json(uid, "accepted", start);
    b["rescheduledFromUid"] = json!(from);
    b
}

fn replaced(uid: &str, by: &str) -> Value {
    let mut b = booking_json(uid, "cancelled", at(7, 0));
    b["rescheduledToUid"] = json!(by);
    b
}

#[tokio::test]
async fn a_lost_reschedule_is_read_back_from_the_old_booking() {
    let (server, client) = client().await;
    reschedule("bk_1")
        .respond_with(ResponseTemplate::new(502))
        .expect(1)
        .mount(&server)
        .await;
    get("bk_1", replaced("bk_1", "bk_2"))
        .expect(1)
        .mount(&server)
        .await;
    get("bk_2", moved("bk_1", "bk_2", at(9, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let b = client
        .reschedule_booking("bk_1", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap();
    assert_eq!(b.uid, "bk_2");
}

#[tokio::test]
async fn a_reschedule_proven_not_applied_is_sent_again() {
    let (server, client) = client().await;
    reschedule("bk_1")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    reschedule("bk_1")
        .respond_with(ResponseTemplate::new(201).set_body_json(success(moved(
            "bk_1",
            "bk_2",
            at(9, 0),
        ))))
        .expect(1)
        .mount(&server)
        .await;
    // Still active, pointing nowhere: the first attempt did nothing.
    get("bk_1", booking_json("bk_1", "accepted", at(7, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let b = client
        .reschedule_booking("bk_1", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap();
    assert_eq!(b.uid, "bk_2");
}

#[tokio::test]
async fn someone_elses_reschedule_is_not_taken_for_ours() {
    let (server, client) = client().await;
    reschedule("bk_1")
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    reschedule("bk_1")
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "Can't reschedule booking with uid=bk_1 because it has been cancelled and \
             rescheduled already to booking with uid=bk_x.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    get("bk_1", replaced("bk_1", "bk_x"))
        .expect(1)
        .mount(&server)
        .await;
    // Moved to another time than ours.
    get("bk_x", moved("bk_1", "bk_x", at(11, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let err = client
        .reschedule_booking("bk_1", &RescheduleBookingRequest::new(at(9, 0)))
        .await
        .unwrap_err();
    assert!(matches!(err, CalcomError::Validation { .. }), "{err:?}");
}

#[tokio::test]
async fn a_retried_cancel_refused_as_done_returns_the_cancelled_booking() {
    let (server, first) = client().await;
    let cancel = || call("POST", "/v2/bookings/bk_1/cancel", Some(BOOKINGS_VERSION));
    cancel()
        .respond_with(ResponseTemplate::new(500))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    cancel()
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "This booking has already been cancelled.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    get("bk_1", booking_json("bk_1", "cancelled", at(7, 0)))
        .expect(1)
        .mount(&server)
        .await;
    let b = first
        .cancel_booking("bk_1", &CancelBookingRequest::new("ill"))
        .await
        .unwrap();
    assert_eq!(b.status.as_str(), "cancelled");

    // Without an earlier unknown outcome the refusal is the answer.
    let (server, fresh) = client().await;
    cancel()
        .respond_with(ResponseTemplate::new(400).set_body_json(error_envelope(
            "BadRequestException",
            "This booking has already been cancelled.",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let err = fresh
        .cancel_booking("bk_1", &CancelBookingRequest::new("ill"))
        .await
        .unwrap_err();
    assert!(matches!(err, CalcomError::Validation { .. }), "{err:?}");
}
