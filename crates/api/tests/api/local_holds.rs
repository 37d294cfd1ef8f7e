//! calbridge's own holds over HTTP: a hold taken in the store removes its
//! time from `/api/slots` and from composite availability until released,
//! and a reschedule holds the new time (refusing our own concurrent
//! bookings there) and moves the appointment segment with its hold.

use std::collections::BTreeSet;
use std::time::Duration;

use calbridge_domain::{AppointmentId, NewSlotHold, TenantId};
use calbridge_testkit::Route;
use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, demo_tenant, next_weekday, spawn_app};

fn instant(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// The host whose time a booking of `event` holds: its first host, or
/// the connection's own account (0) while the calendar names none.
async fn hold_host(app: &TestApp, event: u64) -> u64 {
    let types = app
        .state
        .bookings_for(&demo_tenant())
        .await
        .unwrap()
        .event_types()
        .await
        .unwrap();
    let et = types.iter().find(|t| t.id.0 == event).unwrap();
    et.host_ids.first().copied().unwrap_or(0)
}

async fn slot_instants(app: &TestApp, event: u64) -> Vec<DateTime<Utc>> {
    app.slots_on(event, next_weekday())
        .await
        .iter()
        .map(|s| instant(s))
        .collect()
}

async fn composite_starts(app: &TestApp, event: u64) -> BTreeSet<DateTime<Utc>> {
    let day = next_weekday().to_string();
    let (status, found) = app
        .post(
            "/api/composite-bookings/availability",
            &json!({
                "start": day, "end": day, "timeZone": "Europe/Berlin",
                "segments": [{"eventTypeId": event}, {"eventTypeId": event}]
            }),
        )
        .await;
    assert_eq!(status, 200, "{found}");
    found["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| instant(s.as_str().unwrap()))
        .collect()
}

fn creates(app: &TestApp) -> usize {
    app.mock
        .journal()
        .iter()
        .filter(|e| e.route == Some(Route::CreateBooking))
        .count()
}

#[tokio::test]
async fn a_local_hold_hides_its_time_from_slots_and_composite_starts_until_released() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let host = hold_host(&app, event).await;
    let tenant = demo_tenant();
    let slots = slot_instants(&app, event).await;
    let starts = composite_starts(&app, event).await;
    assert!(starts.contains(&slots[2]) && starts.contains(&slots[3]));

    // Half of slot 3 is enough to take it.
    let held = NewSlotHold::new(
        host,
        slots[3] + TimeDelta::minutes(10),
        slots[3] + TimeDelta::minutes(20),
    )
    .unwrap();
    app.storage
        .slot_holds
        .acquire(&tenant, &held, Utc::now())
        .await
        .unwrap();
    let mut expected = slots.clone();
    expected.remove(3);
    assert_eq!(slot_instants(&app, event).await, expected);
    let mut expected = starts.clone();
    // Starts at slot 2 (second segment in slot 3) and at slot 3 overlap it.
    expected.remove(&slots[2]);
    expected.remove(&slots[3]);
    assert_eq!(composite_starts(&app, event).await, expected);

    // Another host's hold, or one of another tenant, takes nothing.
    let elsewhere =
        NewSlotHold::new(host + 1, slots[5], slots[5] + TimeDelta::minutes(30)).unwrap();
    app.storage
        .slot_holds
        .acquire(&tenant, &elsewhere, Utc::now())
        .await
        .unwrap();
    let other_tenant = NewSlotHold::new(host, slots[6], slots[6] + TimeDelta::minutes(30)).unwrap();
    app.storage
        .slot_holds
        .acquire(
            &TenantId::parse("someone-else").unwrap(),
            &other_tenant,
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(slot_instants(&app, event).await.len(), slots.len() - 1);

    app.storage
        .slot_holds
        .release(&tenant, held.id, Utc::now())
        .await
        .unwrap();
    assert_eq!(slot_instants(&app, event).await, slots);
    assert_eq!(composite_starts(&app, event).await, starts);
}

#[tokio::test]
async fn a_pending_appointment_hides_its_time_too() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slots = slot_instants(&app, event).await;
    // Cal.com is slow: the saga has held the time but not booked it yet.
    app.mock
        .faults()
        .latency(Route::CreateBooking, Duration::from_millis(1500));
    let booking = {
        let client = app.client.clone();
        let url = app.url("/api/bookings");
        let body = TestApp::booking_body(event, &slots[7].to_rfc3339(), "slow@example.com");
        tokio::spawn(async move { client.post(url).json(&body).send().await.unwrap() })
    };
    let host = hold_host(&app, event).await;
    wait_until_held(&app, host, slots[7]).await;
    let during = slot_instants(&app, event).await;
    assert!(!during.contains(&slots[7]), "{during:?}");
    assert_eq!(during.len(), slots.len() - 1);
    assert_eq!(booking.await.unwrap().status().as_u16(), 201);
    app.mock.faults().clear();
}

/// Waits (up to 5 s) until `host` has an active hold covering `at`.
async fn wait_until_held(app: &TestApp, host: u64, at: DateTime<Utc>) {
    for _ in 0..100 {
        let held = app
            .storage
            .slot_holds
            .active_for_host(
                &demo_tenant(),
                host,
                at,
                at + TimeDelta::minutes(1),
                Utc::now(),
            )
            .await
            .unwrap();
        if !held.is_empty() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("host {host} never held {at}");
}

async fn appointment_of(app: &TestApp, uid: &str) -> AppointmentId {
    app.storage
        .appointments
        .find_by_booking_uid(&demo_tenant(), &uid.to_owned().try_into().unwrap())
        .await
        .unwrap()
        .expect("the booking's appointment")
        .id
}

#[tokio::test]
async fn a_reschedule_moves_the_segment_and_its_hold_and_frees_the_old_time() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let host = hold_host(&app, event).await;
    let slots = slot_instants(&app, event).await;
    let (old_time, new_time) = (slots[4], slots[8]);

    let (status, booked) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &old_time.to_rfc3339(), "mover@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let old_uid = booked["uid"].as_str().unwrap().to_owned();
    let id = appointment_of(&app, &old_uid).await;

    let (status, moved) = app
        .post(
            &format!("/api/bookings/{old_uid}/reschedule"),
            &json!({"start": new_time.to_rfc3339()}),
        )
        .await;
    assert_eq!(status, 201, "{moved}");
    let new_uid = moved["uid"].as_str().unwrap().to_owned();
    assert_ne!(new_uid, old_uid);

    let (status, shown) = app.get(&format!("/api/composite-bookings/{id}")).await;
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["status"], "confirmed", "{shown}");
    let segment = &shown["segments"][0];
    assert_eq!(
        instant(segment["start"].as_str().unwrap()),
        new_time,
        "{shown}"
    );
    assert_eq!(
        instant(segment["end"].as_str().unwrap()),
        new_time + TimeDelta::minutes(30)
    );
    assert_eq!(segment["bookingUid"], new_uid.as_str());
    assert_eq!(segment["status"], "confirmed");

    let held = app
        .storage
        .slot_holds
        .active_for_host(
            &demo_tenant(),
            host,
            new_time,
            new_time + TimeDelta::minutes(30),
            Utc::now(),
        )
        .await
        .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].appointment_id, Some(id));
    assert_eq!(
        held[0].booking_uid.as_ref().map(|u| u.as_str()),
        Some(new_uid.as_str())
    );
    assert_eq!(
        (held[0].start, held[0].end),
        (new_time, new_time + TimeDelta::minutes(30))
    );
    let standalone = app
        .storage
        .slot_holds
        .active_for_host(&demo_tenant(), host, slots[0], slots[15], Utc::now())
        .await
        .unwrap();
    assert!(
        standalone.iter().all(|h| h.appointment_id.is_some()),
        "the reschedule's own hold was handed over: {standalone:?}"
    );

    // The old time is free again, locally and at Cal.com.
    let (status, second) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &old_time.to_rfc3339(), "second@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{second}");

    // The new time is held: refused here, before Cal.com is asked.
    let before = creates(&app);
    let (status, refused) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &new_time.to_rfc3339(), "late@example.com"),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(refused["error"]["code"], "slot_unavailable");
    assert_eq!(creates(&app), before, "refused by the local hold alone");
}

#[tokio::test]
async fn while_a_reschedule_is_in_flight_its_new_time_is_ours() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let host = hold_host(&app, event).await;
    let slots = slot_instants(&app, event).await;
    let (old_time, new_time) = (slots[2], slots[10]);
    let (status, booked) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &old_time.to_rfc3339(), "inflight@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{booked}");
    let uid = booked["uid"].as_str().unwrap().to_owned();

    app.mock
        .faults()
        .latency(Route::RescheduleBooking, Duration::from_millis(1500));
    let reschedule = {
        let client = app.client.clone();
        let url = app.url(&format!("/api/bookings/{uid}/reschedule"));
        let body: Value = json!({"start": new_time.to_rfc3339()});
        tokio::spawn(async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        })
    };
    wait_until_held(&app, host, new_time).await;
    assert!(
        !slot_instants(&app, event).await.contains(&new_time),
        "the held new time is not offered"
    );
    let before = creates(&app);
    let (status, refused) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &new_time.to_rfc3339(), "racer@example.com"),
        )
        .await;
    assert_eq!(status, 409, "{refused}");
    assert_eq!(creates(&app), before, "refused before Cal.com is asked");

    let (status, moved) = reschedule.await.unwrap();
    assert_eq!(status, 201, "the reschedule wins: {moved}");
    app.mock.faults().clear();
    let id = appointment_of(&app, moved["uid"].as_str().unwrap()).await;
    let record = app
        .storage
        .appointments
        .get(&demo_tenant(), id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(record.segments[0].start, new_time);
}
