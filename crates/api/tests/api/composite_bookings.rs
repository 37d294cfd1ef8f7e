//! Composite bookings over HTTP: all or nothing, per-segment status,
//! cancel (twice), compensation when a later segment fails, a retried
//! compensating cancel, a dropped create response, and start-time search.

use std::time::Duration;

use calbridge_testkit::Route;
use serde_json::{Value, json};

use crate::helpers::{TestApp, next_weekday, spawn_app};

fn composite_body(event: u64, start: &str, email: &str) -> Value {
    json!({
        "start": start,
        "attendee": {"name": "Ann Example", "email": email, "timeZone": "Europe/Berlin"},
        "metadata": {"source": "e2e"},
        "segments": [
            {"eventTypeId": event, "durationMinutes": 30},
            {"eventTypeId": event, "pauseAfterMinutes": 0},
            {"eventTypeId": event}
        ]
    })
}

fn active_upstream_for(app: &TestApp, email: &str) -> Vec<calbridge_testkit::MockBooking> {
    app.mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == email && b.is_active())
        .collect()
}

/// Books the time at Cal.com directly, behind calbridge's back.
async fn book_upstream_directly(app: &TestApp, event: u64, start: &str) {
    let r = reqwest::Client::new()
        .post(format!("{}/v2/bookings", app.mock.base_url()))
        .header("cal-api-version", "2024-08-13")
        .json(&json!({
            "start": chrono::DateTime::parse_from_rfc3339(start).unwrap().to_utc().to_rfc3339(),
            "eventTypeId": event,
            "attendee": {"name": "Someone Else", "email": "else@example.com", "timeZone": "UTC"}
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201, "{}", r.text().await.unwrap());
}

async fn wait_for_status(app: &TestApp, id: &str, want: &str) -> Value {
    let mut last = Value::Null;
    for _ in 0..100 {
        let (status, body) = app.get(&format!("/api/composite-bookings/{id}")).await;
        assert_eq!(status, 200, "{body}");
        if body["status"] == want {
            return body;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("composite booking never became {want}: {last}");
}

#[tokio::test]
async fn three_segments_are_booked_together_shown_and_cancelled_twice() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;

    let (status, created) = app
        .post(
            "/api/composite-bookings",
            &composite_body(event, &slots[2], "trio@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "confirmed");
    assert_eq!(created["sagaStatus"], "completed");
    let segments = created["segments"].as_array().unwrap();
    assert_eq!(segments.len(), 3);
    assert!(
        segments
            .iter()
            .all(|s| s["status"] == "confirmed" && s["bookingUid"].is_string())
    );
    assert_eq!(segments[1]["start"], segments[0]["end"], "back to back");

    let upstream = active_upstream_for(&app, "trio@example.com");
    assert_eq!(upstream.len(), 3);
    let correlation: std::collections::BTreeSet<_> = upstream
        .iter()
        .map(|b| b.metadata["correlationId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(correlation.len(), 3, "one correlation id per segment");

    let id = created["id"].as_str().unwrap();
    let (status, shown) = app.get(&format!("/api/composite-bookings/{id}")).await;
    assert_eq!(status, 200);
    assert_eq!(shown, created);

    // The held times are gone from the slots.
    let after = app.slots_on(event, next_weekday()).await;
    assert!(!after.contains(&slots[2]) && !after.contains(&slots[4]));

    let (status, cancelled) = app
        .post(&format!("/api/composite-bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    assert!(
        cancelled["segments"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["status"] == "cancelled")
    );
    assert!(active_upstream_for(&app, "trio@example.com").is_empty());
    let (status, again) = app
        .post(&format!("/api/composite-bookings/{id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200, "cancelling twice is harmless: {again}");
    assert_eq!(again, cancelled);

    // The time can be booked again.
    let (status, rebooked) = app
        .post(
            "/api/composite-bookings",
            &composite_body(event, &slots[2], "trio2@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{rebooked}");

    let (status, _) = app
        .get("/api/composite-bookings/0190aaaa-0000-7000-8000-000000000000")
        .await;
    assert_eq!(status, 404);
    let (status, _) = app.get("/api/composite-bookings/not-a-uuid").await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn when_segment_two_of_three_fails_segment_one_is_cancelled_and_nothing_stays_active() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    book_upstream_directly(&app, event, &slots[6]).await;

    let (status, err) = app
        .post(
            "/api/composite-bookings",
            &composite_body(event, &slots[5], "fail@example.com"),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "slot_unavailable");

    let mine: Vec<_> = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email == "fail@example.com")
        .collect();
    assert_eq!(mine.len(), 1, "only segment 1 was ever created: {mine:?}");
    assert!(mine[0].is_cancelled());
    assert!(
        mine[0].cancellation_reason.is_some(),
        "always cancelled with a reason"
    );
    let journal = app.mock.journal();
    let creates = journal
        .iter()
        .filter(|e| e.route == Some(Route::CreateBooking))
        .count();
    assert_eq!(
        creates,
        1 + 2,
        "the direct booking, segments 1 and 2; segment 3 is never attempted"
    );

    // Locally nothing is active: the held time can be booked by someone else.
    let (status, single) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[5], "next@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{single}");
}

#[tokio::test]
async fn a_compensating_cancel_that_keeps_failing_is_retried_by_the_worker_until_done() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    book_upstream_directly(&app, event, &slots[9]).await;
    // More failures than the client's own retries: the saga must come back.
    app.mock.faults().fail_next(Route::CancelBooking, 4, 503);

    let (status, body) = app
        .post(
            "/api/composite-bookings",
            &composite_body(event, &slots[8], "stubborn@example.com"),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["status"], "compensating");
    let id = body["id"].as_str().unwrap();
    let done = wait_for_status(&app, id, "failed").await;
    assert_eq!(done["sagaStatus"], "compensated");
    assert!(active_upstream_for(&app, "stubborn@example.com").is_empty());
    let cancels = app
        .mock
        .journal()
        .iter()
        .filter(|e| e.route == Some(Route::CancelBooking))
        .count();
    assert!(cancels >= 5, "four failures, then success: {cancels}");
}

#[tokio::test]
async fn a_create_whose_response_is_dropped_makes_exactly_one_booking() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    app.mock
        .faults()
        .drop_response_after_apply(Route::CreateBooking, 1);
    let (status, booking) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[1], "dropped@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{booking}");
    let upstream = active_upstream_for(&app, "dropped@example.com");
    assert_eq!(upstream.len(), 1, "{upstream:?}");
    assert_eq!(booking["uid"], upstream[0].uid.as_str());
}

#[tokio::test]
async fn start_times_are_found_where_every_segment_fits() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let day = next_weekday();
    let slots = app.slots_on(event, day).await;
    let search = json!({
        "start": day.to_string(),
        "end": day.to_string(),
        "timeZone": "Europe/Berlin",
        "segments": [{"eventTypeId": event}, {"eventTypeId": event, "pauseAfterMinutes": 30}, {"eventTypeId": event}]
    });
    let (status, found) = app
        .post("/api/composite-bookings/availability", &search)
        .await;
    assert_eq!(status, 200, "{found}");
    // 16 half hours; the last segment starts 90 minutes after the first.
    assert_eq!(found["data"].as_array().unwrap().len(), 13, "{found}");

    // Taking 11:00 rules out starts whose segments would use it.
    let (status, taken) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[4], "taker@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{taken}");
    let (status, found) = app
        .post("/api/composite-bookings/availability", &search)
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["data"].as_array().unwrap().len(), 10, "{found}");
}

#[tokio::test]
async fn cancelling_or_rescheduling_a_single_booking_gives_its_local_hold_back() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let (status, first) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[12], "one@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{first}");
    let uid = first["uid"].as_str().unwrap();
    let (status, _) = app
        .post(&format!("/api/bookings/{uid}/cancel"), &json!({}))
        .await;
    assert_eq!(status, 200);
    let (status, second) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[12], "two@example.com"),
        )
        .await;
    assert_eq!(status, 201, "the cancelled time is free again: {second}");

    let uid = second["uid"].as_str().unwrap();
    let (status, moved) = app
        .post(
            &format!("/api/bookings/{uid}/reschedule"),
            &json!({"start": slots[14]}),
        )
        .await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!(moved["rescheduledFromUid"], uid);
    let (status, third) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[12], "three@example.com"),
        )
        .await;
    assert_eq!(
        status, 201,
        "the old time of a rescheduled booking is free again: {third}"
    );
}
