//! The endpoints beyond the booking basics: event type by id, schedules,
//! teams and team events with several hosts, reservations, confirm,
//! decline, mark-absent.

use chrono::{Datelike, Duration};
use serde_json::json;

use super::support::*;

const SCHEDULES: &str = "2024-06-11";

#[tokio::test]
async fn event_type_by_id_and_team_event_types() {
    let api = Api::start().await;
    let one = api
        .get("/v2/event-types/1002", Some(EVENT_TYPES), Auth::Key)
        .await;
    assert_eq!(one.status, 200);
    assert_eq!(one.data()["slug"], "60min");
    assert_eq!(one.data()["afterEventBuffer"], 10);
    api.get("/v2/event-types/999", Some(EVENT_TYPES), Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
    api.get("/v2/event-types/1002", Some(BOOKINGS), Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
    api.get("/v2/event-types/1002", Some(EVENT_TYPES), Auth::None)
        .await
        .assert_error(401, "UnauthorizedException");
    // The list stays the user's own four.
    let list = api
        .get("/v2/event-types", Some(EVENT_TYPES), Auth::Key)
        .await;
    assert_eq!(list.data().as_array().unwrap().len(), 4);

    let teams = api.get("/v2/teams", None, Auth::Key).await;
    assert_eq!(teams.status, 200);
    let team = &teams.data()[0];
    assert_eq!(team["slug"], "calbridge-team");
    let id = team["id"].as_u64().unwrap();
    let got = api.get(&format!("/v2/teams/{id}"), None, Auth::Key).await;
    assert_eq!(got.data()["name"], "Calbridge Team");
    api.get("/v2/teams/77", None, Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
    let ets = api
        .get(&format!("/v2/teams/{id}/event-types"), None, Auth::None)
        .await;
    let ets = ets.data().as_array().unwrap();
    assert_eq!(ets.len(), 2);
    assert_eq!(ets[0]["schedulingType"], "collective");
    assert_eq!(ets[0]["teamId"], id);
    assert_eq!(ets[0]["hosts"].as_array().unwrap().len(), 2);
    assert_eq!(ets[1]["schedulingType"], "roundRobin");
    assert_eq!(api.cal.team_event_type_ids(), [2001, 2002]);
}

#[tokio::test]
async fn schedules_show_weekly_hours_and_overrides() {
    // A Monday–Thursday a few weeks ahead, so the next day is a weekday too.
    let mut ahead = 30;
    while weekday_at(ahead, 12, 0).weekday() == chrono::Weekday::Fri {
        ahead += 1;
    }
    let day_off = weekday_at(ahead, 12, 0).date_naive();
    let api =
        Api::start_with(calbridge_testkit::MockConfig::default().with_date_override(day_off, None))
            .await;
    let list = api.get("/v2/schedules", Some(SCHEDULES), Auth::Key).await;
    assert_eq!(list.status, 200, "{:#}", list.body);
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    let def = api
        .get("/v2/schedules/default", Some(SCHEDULES), Auth::Key)
        .await;
    let s = def.data();
    assert_eq!(s["isDefault"], true);
    assert_eq!(s["timeZone"], "Europe/Berlin");
    assert_eq!(
        s["availability"],
        json!([{"days": ["Monday","Tuesday","Wednesday","Thursday","Friday"],
                "startTime": "09:00", "endTime": "17:00"}])
    );
    assert_eq!(
        s["overrides"],
        json!([{"date": day_off.format("%Y-%m-%d").to_string(),
                "startTime": "00:00", "endTime": "00:00"}])
    );
    let by_id = api
        .get("/v2/schedules/1", Some("2024-06-14"), Auth::Key)
        .await;
    assert_eq!(by_id.data(), s);
    api.get("/v2/schedules/2", Some(SCHEDULES), Auth::Key)
        .await
        .assert_error(403, "ForbiddenException");
    api.get("/v2/schedules/9", Some(SCHEDULES), Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
    api.get("/v2/schedules", Some(BOOKINGS), Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
    // The override empties that Tuesday's slots.
    let from = day_off.and_hms_opt(0, 0, 0).unwrap().and_utc();
    assert!(
        api.slot_starts(1001, from, from + Duration::hours(23))
            .await
            .is_empty()
    );
    let next = from + Duration::days(1);
    assert_eq!(
        api.slot_starts(1001, next, next + Duration::hours(23))
            .await
            .len(),
        16
    );
}

#[tokio::test]
async fn collective_needs_every_host_and_round_robin_any() {
    let api = Api::start().await;
    // Berlin 09–17 ∩ New York 09–12 + 13–17 (15:00–18:00 and 19:00–23:00
    // Berlin): 15:00–17:00 Berlin is common, 4 half-hour slots.
    let day = weekday_at(8, 0, 0);
    let common = api.slot_starts(2001, day, day + Duration::hours(24)).await;
    assert_eq!(common.len(), 4, "{common:?}");
    assert_eq!(common[0], weekday_at(8, 15, 0));
    let any = api.slot_starts(2002, day, day + Duration::hours(24)).await;
    // Berlin 16 slots plus New York's after 17:00 Berlin (17:00-18:00 and
    // 19:00-23:00 Berlin): 16 + 2 + 8.
    assert_eq!(any.len(), 26, "{any:?}");

    let body = |start| {
        json!({"start": js(start), "eventTypeSlug": "team-sync", "teamSlug": "calbridge-team",
               "attendee": {"name": "Tea", "email": "tea@example.com", "timeZone": "UTC"}})
    };
    let b = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::None, body(common[0]))
        .await;
    assert_eq!(b.status, 201, "{:#}", b.body);
    assert_eq!(b.data()["hosts"].as_array().unwrap().len(), 2);
    // The demo user is now busy then, so the personal 30min loses it too.
    let mine = api.slot_starts(1001, day, day + Duration::hours(24)).await;
    assert!(!mine.contains(&common[0]));
    let clash = api
        .post(
            "/v2/bookings",
            Some(BOOKINGS),
            Auth::None,
            body(weekday_at(8, 10, 0)),
        )
        .await;
    clash.assert_error(400, "BadRequestException");
    assert_eq!(
        clash.error_message(),
        "One of the hosts either already has booking at this time or is not available"
    );
}

#[tokio::test]
async fn pending_bookings_are_confirmed_or_declined_by_the_host() {
    let api = Api::start().await;
    let book = |hour| {
        json!({"start": js(weekday_at(8, hour, 0)), "eventTypeId": 2002,
               "attendee": {"name": "Rob", "email": "rob@example.com", "timeZone": "UTC"}})
    };
    let a = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::None, book(10))
        .await;
    assert_eq!(a.status, 201, "{:#}", a.body);
    assert_eq!(a.data()["status"], "pending");
    let uid = a.data()["uid"].as_str().unwrap().to_owned();
    api.post(
        &format!("/v2/bookings/{uid}/confirm"),
        Some(BOOKINGS),
        Auth::None,
        json!({}),
    )
    .await
    .assert_error(401, "UnauthorizedException");
    let ok = api
        .post(
            &format!("/v2/bookings/{uid}/confirm"),
            Some(BOOKINGS),
            Auth::Key,
            json!({}),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.data()["status"], "accepted");
    api.post(
        &format!("/v2/bookings/{uid}/confirm"),
        Some(BOOKINGS),
        Auth::Key,
        json!({}),
    )
    .await
    .assert_error(400, "BadRequestException");

    let b = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::None, book(11))
        .await;
    let uid = b.data()["uid"].as_str().unwrap().to_owned();
    let no = api
        .post(
            &format!("/v2/bookings/{uid}/decline"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"reason": "fully booked"}),
        )
        .await;
    assert_eq!(no.status, 200);
    assert_eq!(no.data()["status"], "rejected");
    // A declined booking frees its time again.
    let slots = api
        .slot_starts(2002, weekday_at(8, 11, 0), weekday_at(8, 11, 30))
        .await;
    assert_eq!(slots.len(), 1);
}

#[tokio::test]
async fn mark_absent_records_no_shows_for_the_host() {
    let api = Api::start().await;
    let b = api
        .book(1003, weekday_at(3, 10, 0), "ann@example.com")
        .await;
    let uid = b.data()["uid"].as_str().unwrap().to_owned();
    let path = format!("/v2/bookings/{uid}/mark-absent");
    let body = json!({"host": true, "attendees": [{"email": "ann@example.com", "absent": true}]});
    api.post(&path, Some(BOOKINGS), Auth::None, body.clone())
        .await
        .assert_error(401, "UnauthorizedException");
    let r = api.post(&path, Some(BOOKINGS), Auth::Key, body).await;
    assert_eq!(r.status, 200, "{:#}", r.body);
    assert_eq!(r.data()["absentHost"], true);
    assert_eq!(r.data()["attendees"][0]["absent"], true);
    api.post(&path, Some(BOOKINGS), Auth::Key, json!({"host": "yes"}))
        .await
        .assert_error(400, "BadRequestException");
    api.post(
        &path,
        Some(BOOKINGS),
        Auth::Key,
        json!({"attendees": [{"email": "stranger@example.com", "absent": true}]}),
    )
    .await
    .assert_error(400, "BadRequestException");
    api.post(
        "/v2/bookings/nope/mark-absent",
        Some(BOOKINGS),
        Auth::Key,
        json!({"host": true}),
    )
    .await
    .assert_error(404, "NotFoundException");
}

#[tokio::test]
async fn reservations_hide_slots_from_other_bookers_until_released() {
    let api = Api::start().await;
    let start = weekday_at(6, 10, 0);
    let r = api
        .post(
            "/v2/slots/reservations",
            Some(SLOTS),
            Auth::None,
            json!({"eventTypeId": 1001, "slotStart": js(start)}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let d = r.data();
    assert_eq!(d["reservationDuration"], 5);
    assert_eq!(d["slotDuration"], 30);
    assert_eq!(d["slotEnd"], js(start + Duration::minutes(30)));
    let uid = d["reservationUid"].as_str().unwrap().to_owned();
    let until = parse(d["reservationUntil"].as_str().unwrap());
    assert!(until > chrono::Utc::now() + Duration::minutes(4));

    let slots = api
        .slot_starts(1001, start - Duration::hours(1), start + Duration::hours(1))
        .await;
    assert!(!slots.contains(&start), "reserved slot must be hidden");
    assert_eq!(
        api.book(1001, start, "other@example.com")
            .await
            .error_message(),
        TAKEN
    );
    // A second hold on the same time is refused.
    api.post(
        "/v2/slots/reservations",
        Some(SLOTS),
        Auth::None,
        json!({"eventTypeId": 1001, "slotStart": js(start)}),
    )
    .await
    .assert_error(422, "UnprocessableEntityException");
    // The holder (Cal.com's `uid` cookie) may book it.
    let mine = api
        .http
        .post(api.url("/v2/bookings"))
        .header("cal-api-version", BOOKINGS)
        .header("cookie", format!("uid={uid}"))
        .json(&booking_body(1001, start, "holder@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(mine.status().as_u16(), 201);
    // Now booked: reserving it again is Cal.com's 422.
    let again = api
        .post(
            "/v2/slots/reservations",
            Some(SLOTS),
            Auth::None,
            json!({"eventTypeId": 1001, "slotStart": js(start)}),
        )
        .await;
    again.assert_error(422, "UnprocessableEntityException");
    assert_eq!(
        again.error_message(),
        "Can't reserve a slot if the event is already booked."
    );

    let got = api
        .get(
            &format!("/v2/slots/reservations/{uid}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(got.data()["reservationUid"], uid.as_str());
    let later = weekday_at(6, 12, 0);
    let moved = api
        .patch(
            &format!("/v2/slots/reservations/{uid}"),
            Some(SLOTS),
            Auth::Key,
            json!({"eventTypeId": 1001, "slotStart": js(later), "reservationDuration": 10}),
        )
        .await;
    assert_eq!(moved.status, 200, "{:#}", moved.body);
    assert_eq!(moved.data()["reservationDuration"], 10);
    let del = api
        .delete(
            &format!("/v2/slots/reservations/{uid}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(del.body, json!({"status": "success"}));
    let gone = api
        .get(
            &format!("/v2/slots/reservations/{uid}"),
            Some(SLOTS),
            Auth::None,
        )
        .await;
    assert_eq!(gone.body, json!({"status": "success", "data": null}));
    api.patch(
        &format!("/v2/slots/reservations/{uid}"),
        Some(SLOTS),
        Auth::None,
        json!({"eventTypeId": 1001, "slotStart": js(later)}),
    )
    .await
    .assert_error(404, "NotFoundException");
}

#[tokio::test]
async fn reservation_input_is_validated() {
    let api = Api::start().await;
    let post = |body| api.post("/v2/slots/reservations", Some(SLOTS), Auth::None, body);
    post(json!({"slotStart": js(weekday_at(6, 10, 0))}))
        .await
        .assert_error(400, "BadRequestException");
    post(json!({"eventTypeId": 1001, "slotStart": "tomorrow"}))
        .await
        .assert_error(400, "BadRequestException");
    post(json!({"eventTypeId": 4242, "slotStart": js(weekday_at(6, 10, 0))}))
        .await
        .assert_error(404, "NotFoundException");
    post(json!({"eventTypeId": 1001, "slotStart": js(weekday_at(6, 10, 0)), "reservationDuration": 30}))
        .await
        .assert_error(401, "UnauthorizedException");
    api.post(
        "/v2/slots/reservations",
        Some(BOOKINGS),
        Auth::None,
        json!({"eventTypeId": 1001, "slotStart": js(weekday_at(6, 10, 0))}),
    )
    .await
    .assert_error(404, "NotFoundException");
}
