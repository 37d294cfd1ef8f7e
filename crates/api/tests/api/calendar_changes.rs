//! Bookings changed at Cal.com behind calbridge's back (the attendee
//! cancels from the email, the host moves it in Cal.com's UI): the webhook
//! or the sync brings the news, and calbridge's own hold on the time
//! follows, so the time is bookable again instead of refused forever.

use std::time::Duration;

use calbridge_domain::{SegmentRecord, SegmentStatus};
use serde_json::json;

use crate::helpers::{TestApp, demo_tenant, next_weekday, spawn_app, spawn_app_with};

/// The segment that booked `uid`, if calbridge has one.
async fn segment_of(app: &TestApp, uid: &str) -> Option<SegmentRecord> {
    let record = app
        .state
        .storage
        .appointments
        .find_by_booking_uid(&demo_tenant(), &uid.to_owned().try_into().unwrap())
        .await
        .unwrap()?;
    record
        .segments
        .into_iter()
        .find(|s| s.booking_uid.as_ref().is_some_and(|u| u.as_str() == uid))
}

async fn wait_for_segment(
    app: &TestApp,
    uid: &str,
    check: impl Fn(&SegmentRecord) -> bool,
) -> SegmentRecord {
    for _ in 0..100 {
        if let Some(seg) = segment_of(app, uid).await
            && check(&seg)
        {
            return seg;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the segment of {uid} never changed as expected");
}

async fn book(app: &TestApp, event: u64, start: &str, email: &str) -> (u16, String) {
    let (status, body) = app
        .post("/api/bookings", &TestApp::booking_body(event, start, email))
        .await;
    (status, body["uid"].as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_cancellation_at_cal_com_frees_the_time_calbridge_held() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slot = app.slots_on(event, next_weekday()).await[3].clone();
    let (status, uid) = book(&app, event, &slot, "ann@example.com").await;
    assert_eq!(status, 201);
    assert!(!app.slots_on(event, next_weekday()).await.contains(&slot));

    // The attendee cancels from Cal.com's email; the webhook tells us.
    app.cancel_on_mock(&uid).await;
    let seg = wait_for_segment(&app, &uid, |s| !s.status.is_active()).await;
    assert_eq!(seg.status, SegmentStatus::Cancelled);
    let record = app
        .state
        .storage
        .appointments
        .find_by_booking_uid(&demo_tenant(), &uid.clone().try_into().unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.status.as_str(), "cancelled");

    assert!(app.slots_on(event, next_weekday()).await.contains(&slot));
    let (status, _) = book(&app, event, &slot, "bob@example.com").await;
    assert_eq!(status, 201, "the time is ours to give again");
}

#[tokio::test]
async fn a_reschedule_at_cal_com_found_by_the_sync_moves_the_hold() {
    let app = spawn_app_with(|s| s.sync_interval_secs = 0).await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    let (status, uid) = book(&app, event, &slots[2], "cy@example.com").await;
    assert_eq!(status, 201);

    // Moved in Cal.com's UI, and the webhooks are lost.
    app.mock.webhooks().drop_next(2);
    let new_uid = app.reschedule_on_mock(&uid, &slots[6]).await;
    let (status, body) = app.post("/api/calcom/sync", &json!({"mode": "full"})).await;
    assert_eq!(status, 200, "{body}");

    let seg = segment_of(&app, &new_uid)
        .await
        .expect("the segment follows the new booking");
    assert!(seg.status.is_active());
    assert_eq!(
        seg.start,
        chrono::DateTime::parse_from_rfc3339(&slots[6])
            .unwrap()
            .to_utc()
    );
    assert!(segment_of(&app, &uid).await.is_none());

    // The old time is free; the new one is held.
    let (status, _) = book(&app, event, &slots[2], "dee@example.com").await;
    assert_eq!(status, 201);
    let (status, _) = book(&app, event, &slots[6], "eve@example.com").await;
    assert_eq!(status, 409);
}
