use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::support::*;

#[tokio::test]
async fn create_returns_booking_output_and_stores_it() {
    let api = Api::start().await;
    let start = weekday_at(3, 10, 0);
    let r = api.book(1001, start, "ann@example.com").await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.body["status"], "success");
    let b = r.data();
    assert_eq!(b["status"], "accepted");
    assert_eq!(b["start"], js(start));
    assert_eq!(b["end"], js(start + Duration::minutes(30)));
    assert_eq!(b["duration"], 30);
    assert_eq!(b["eventTypeId"], 1001);
    assert_eq!(b["eventType"], json!({"id": 1001, "slug": "30min"}));
    assert_eq!(b["metadata"], json!({"correlationId": "corr-1"}));
    assert_eq!(b["hosts"][0]["username"], "calbridge-demo");
    assert_eq!(b["attendees"][0]["email"], "ann@example.com");
    assert_eq!(b["attendees"][0]["language"], "en");
    assert_eq!(b["attendees"][0]["absent"], false);
    assert_eq!(b["bookingFieldsResponses"]["email"], "ann@example.com");
    assert_eq!(
        b["title"],
        "30 Min Meeting between Calbridge Demo and Ann Example"
    );
    let uid = b["uid"].as_str().unwrap();
    assert_eq!(
        b["location"],
        format!("https://app.cal.com/video/{uid}"),
        "cal-video location"
    );
    for key in ["id", "createdAt", "updatedAt", "absentHost", "description"] {
        assert!(b.get(key).is_some(), "missing {key}");
    }
    assert!(b.get("cancellationReason").is_none());
    assert!(b.get("rescheduledFromUid").is_none());

    let stored = api.cal.bookings();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].uid, uid);
    assert_eq!(stored[0].status, "accepted");
    assert_eq!(stored[0].metadata["correlationId"], "corr-1");
    assert_eq!(stored[0].attendee_email, "ann@example.com");

    let fetched = api
        .get(&format!("/v2/bookings/{uid}"), Some(BOOKINGS), Auth::Key)
        .await;
    assert_eq!(fetched.status, 200);
    assert_eq!(fetched.data(), b);
}

#[tokio::test]
async fn a_booked_slot_disappears_and_comes_back_after_cancel() {
    let api = Api::start().await;
    let start = weekday_at(3, 11, 0);
    let (from, to) = (start - Duration::hours(3), start + Duration::hours(3));
    assert!(api.slot_starts(1001, from, to).await.contains(&start));

    let created = api.book(1001, start, "ann@example.com").await;
    assert_eq!(created.status, 201);
    let uid = created.data()["uid"].as_str().unwrap().to_owned();
    let after_booking = api.slot_starts(1001, from, to).await;
    assert!(!after_booking.contains(&start));
    assert!(after_booking.contains(&(start + Duration::minutes(30))));

    let cancelled = api
        .post(
            &format!("/v2/bookings/{uid}/cancel"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"cancellationReason": "Changed plans"}),
        )
        .await;
    assert_eq!(cancelled.status, 200, "{:#}", cancelled.body);
    assert_eq!(cancelled.data()["status"], "cancelled");
    assert_eq!(cancelled.data()["cancellationReason"], "Changed plans");
    assert!(api.slot_starts(1001, from, to).await.contains(&start));

    let again = api
        .post(
            &format!("/v2/bookings/{uid}/cancel"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"cancellationReason": "twice"}),
        )
        .await;
    again.assert_error(400, "BadRequestException");
    assert_eq!(
        again.error_message(),
        "This booking has already been cancelled."
    );
}

#[tokio::test]
async fn buffers_of_existing_bookings_block_neighbours() {
    let api = Api::start().await;
    // 1002 (60 min) has a 10-minute after-buffer.
    let start = weekday_at(3, 10, 0);
    assert_eq!(api.book(1002, start, "a@example.com").await.status, 201);
    let starts = api
        .slot_starts(1002, start - Duration::hours(2), start + Duration::hours(4))
        .await;
    assert!(
        !starts.contains(&(start + Duration::hours(1))),
        "buffer until 11:10"
    );
    assert!(starts.contains(&(start + Duration::hours(2))));
    // Other event types see the same host as busy.
    let r = api
        .book(1001, start + Duration::minutes(30), "b@example.com")
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(r.error_message(), TAKEN);
}

#[tokio::test]
async fn unavailable_starts_are_refused_with_calcoms_messages() {
    let api = Api::start().await;
    let start = weekday_at(3, 10, 0);
    assert_eq!(api.book(1001, start, "first@example.com").await.status, 201);

    let taken = api.book(1001, start, "second@example.com").await;
    taken.assert_error(400, "BadRequestException");
    assert_eq!(taken.error_message(), TAKEN);
    assert_eq!(taken.body["error"]["details"]["statusCode"], 400);

    for (why, at) in [
        ("after hours", weekday_at(3, 20, 0)),
        ("misaligned", weekday_at(3, 10, 10)),
        ("overlapping", start + Duration::minutes(15)),
    ] {
        let r = api.book(1001, at, "x@example.com").await;
        assert_eq!(r.error_message(), TAKEN, "{why}: {:#}", r.body);
    }
    let past = api
        .book(1001, Utc::now() - Duration::days(1), "x@example.com")
        .await;
    past.assert_error(400, "BadRequestException");
    assert_eq!(
        past.error_message(),
        "Attempting to book a meeting in the past."
    );
    let too_soon = api
        .book(1001, Utc::now() + Duration::minutes(30), "x@example.com")
        .await;
    too_soon.assert_error(400, "BadRequestException");
    assert!(
        too_soon
            .error_message()
            .starts_with("The event type can't be booked at the \"start\" time"),
        "{}",
        too_soon.error_message()
    );
    assert_eq!(api.cal.bookings().len(), 1);
}

#[tokio::test]
async fn invalid_bodies_are_400_and_unknown_event_types_404() {
    let api = Api::start().await;
    let r = api
        .post(
            "/v2/bookings",
            Some(BOOKINGS),
            Auth::Key,
            json!({"eventTypeId": 1001}),
        )
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(
        r.error_message(),
        "start property is wrong,start must be a valid ISO 8601 date string , \
         attendee property is wrong,nested property attendee must be either object or array "
    );
    let mut body = booking_body(1001, weekday_at(3, 10, 0), "not-an-email");
    body["attendee"]["timeZone"] = json!("Europe/Nowhere");
    let r = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::Key, body)
        .await;
    r.assert_error(400, "BadRequestException");
    assert!(
        r.error_message().contains("Invalid email format"),
        "{}",
        r.error_message()
    );
    assert!(
        r.error_message()
            .contains("timeZone must be a valid IANA time-zone")
    );

    let r = api.book(4242, weekday_at(3, 10, 0), "a@example.com").await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "Event type with id 4242 not found.");
}

#[tokio::test]
async fn variable_lengths_follow_the_event_type() {
    let api = Api::start().await;
    let start = weekday_at(3, 14, 0);
    let mut body = booking_body(1003, start, "v@example.com");
    body["lengthInMinutes"] = json!(45);
    let r = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::Key, body.clone())
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    assert_eq!(r.data()["duration"], 45);

    body["lengthInMinutes"] = json!(20);
    body["start"] = json!(js(start + Duration::hours(1)));
    let r = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::Key, body)
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(
        r.error_message(),
        "Provided 'lengthInMinutes' is not one of the possible lengths for the event type. \
         The possible lengths are: 15, 30, 45"
    );
    let mut fixed = booking_body(1001, start + Duration::hours(2), "f@example.com");
    fixed["lengthInMinutes"] = json!(30);
    let r = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::Key, fixed)
        .await;
    assert!(
        r.error_message()
            .starts_with("Can't specify 'lengthInMinutes'")
    );
}

#[tokio::test]
async fn unknown_uids_are_404() {
    let api = Api::start().await;
    let r = api
        .get("/v2/bookings/nope123", Some(BOOKINGS), Auth::Key)
        .await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(
        r.error_message(),
        "Booking with uid=nope123 was not found in the database"
    );
    let bodies = [
        ("cancel", json!({"cancellationReason": "x"})),
        ("reschedule", json!({"start": js(weekday_at(3, 10, 0))})),
    ];
    for (action, body) in bodies {
        let r = api
            .post(
                &format!("/v2/bookings/nope123/{action}"),
                Some(BOOKINGS),
                Auth::Key,
                body,
            )
            .await;
        r.assert_error(404, "NotFoundException");
    }
}

#[tokio::test]
async fn the_host_must_give_a_cancellation_reason() {
    let api = Api::start().await;
    let created = api.book(1001, weekday_at(3, 15, 0), "a@example.com").await;
    let uid = created.data()["uid"].as_str().unwrap();
    let r = api
        .post(
            &format!("/v2/bookings/{uid}/cancel"),
            Some(BOOKINGS),
            Auth::Key,
            json!({}),
        )
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(
        r.error_message(),
        "Cancellation reason is required when you are the host"
    );
    assert_eq!(api.cal.bookings()[0].status, "accepted");
}

#[tokio::test]
async fn reschedule_creates_a_new_booking_and_cancels_the_old_one() {
    let api = Api::start().await;
    // 1003 booked for 45 minutes at 10:00; moving it 15 minutes later
    // overlaps its own old time, which must not block it.
    let start = weekday_at(3, 10, 0);
    let mut body = booking_body(1003, start, "r@example.com");
    body["lengthInMinutes"] = json!(45);
    let old = api
        .post("/v2/bookings", Some(BOOKINGS), Auth::Key, body)
        .await;
    assert_eq!(old.status, 201);
    let old_uid = old.data()["uid"].as_str().unwrap().to_owned();

    let new_start = start + Duration::minutes(15);
    let r = api
        .post(
            &format!("/v2/bookings/{old_uid}/reschedule"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"start": js(new_start), "reschedulingReason": "Later please"}),
        )
        .await;
    assert_eq!(r.status, 201, "{:#}", r.body);
    let new = r.data();
    let new_uid = new["uid"].as_str().unwrap().to_owned();
    assert_ne!(new_uid, old_uid);
    assert_eq!(new["status"], "accepted");
    assert_eq!(new["rescheduledFromUid"], old_uid);
    assert_eq!(new["reschedulingReason"], "Later please");
    assert_eq!(new["start"], js(new_start));
    assert_eq!(new["duration"], 45);
    assert_eq!(new["metadata"], json!({"correlationId": "corr-1"}));
    assert_eq!(new["attendees"][0]["email"], "r@example.com");

    let old_now = api
        .get(
            &format!("/v2/bookings/{old_uid}"),
            Some(BOOKINGS),
            Auth::Key,
        )
        .await;
    assert_eq!(old_now.data()["status"], "cancelled");
    assert_eq!(old_now.data()["rescheduledToUid"], new_uid.as_str());

    let snapshot = api.cal.bookings();
    assert_eq!(snapshot.len(), 2);
    assert_eq!(
        snapshot[0].rescheduled_to_uid.as_deref(),
        Some(new_uid.as_str())
    );
    assert_eq!(
        snapshot[1].rescheduled_from_uid.as_deref(),
        Some(old_uid.as_str())
    );

    let again = api
        .post(
            &format!("/v2/bookings/{old_uid}/reschedule"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"start": js(start + Duration::hours(3))}),
        )
        .await;
    again.assert_error(400, "BadRequestException");
    assert!(again.error_message().contains(&format!(
        "because it has been cancelled and rescheduled already to booking with uid={new_uid}"
    )));

    // The new time is taken, the freed part of the old one is bookable.
    let taken = api
        .book(1001, new_start + Duration::minutes(15), "x@example.com")
        .await;
    assert_eq!(taken.error_message(), TAKEN);
}

#[tokio::test]
async fn rescheduling_a_cancelled_booking_is_400() {
    let api = Api::start().await;
    let created = api.book(1001, weekday_at(3, 9, 0), "c@example.com").await;
    let uid = created.data()["uid"].as_str().unwrap().to_owned();
    api.post(
        &format!("/v2/bookings/{uid}/cancel"),
        Some(BOOKINGS),
        Auth::Key,
        json!({"cancellationReason": "no"}),
    )
    .await;
    let r = api
        .post(
            &format!("/v2/bookings/{uid}/reschedule"),
            Some(BOOKINGS),
            Auth::Key,
            json!({"start": js(weekday_at(3, 12, 0))}),
        )
        .await;
    r.assert_error(400, "BadRequestException");
    assert_eq!(
        r.error_message(),
        format!(
            "Can't reschedule booking with uid={uid} because it has been cancelled. \
             Please provide uid of a booking that is not cancelled."
        )
    );
}

#[tokio::test]
async fn list_paginates_filters_and_sorts() {
    let api = Api::start().await;
    let mut uids = Vec::new();
    for i in 0..5 {
        let r = api
            .book(1001, weekday_at(3, 9 + i, 0), &format!("p{i}@example.com"))
            .await;
        assert_eq!(r.status, 201, "{:#}", r.body);
        uids.push(r.data()["uid"].as_str().unwrap().to_owned());
    }
    let page = api
        .get("/v2/bookings?take=2&skip=2", Some(BOOKINGS), Auth::Key)
        .await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.body["pagination"],
        json!({"totalItems": 5, "remainingItems": 1, "returnedItems": 2, "itemsPerPage": 2,
               "currentPage": 2, "totalPages": 3, "hasNextPage": true, "hasPreviousPage": true})
    );
    let got: Vec<&str> = page
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["uid"].as_str().unwrap())
        .collect();
    assert_eq!(
        got,
        [uids[2].as_str(), uids[3].as_str()],
        "default order: start ascending"
    );

    let desc = api
        .get(
            "/v2/bookings?sortStart=desc&take=1",
            Some(BOOKINGS),
            Auth::Key,
        )
        .await;
    assert_eq!(desc.data()[0]["uid"], uids[4].as_str());

    let by_email = api
        .get(
            "/v2/bookings?attendeeEmail=P1@example.com",
            Some(BOOKINGS),
            Auth::Key,
        )
        .await;
    assert_eq!(by_email.body["pagination"]["totalItems"], 1);

    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    let checkpoint = Utc::now();
    api.post(
        &format!("/v2/bookings/{}/cancel", uids[0]),
        Some(BOOKINGS),
        Auth::Key,
        json!({"cancellationReason": "x"}),
    )
    .await;
    let cancelled = api
        .get("/v2/bookings?status=cancelled", Some(BOOKINGS), Auth::Key)
        .await;
    assert_eq!(cancelled.body["pagination"]["totalItems"], 1);
    let upcoming = api
        .get(
            "/v2/bookings?status=upcoming,past",
            Some(BOOKINGS),
            Auth::Key,
        )
        .await;
    assert_eq!(upcoming.body["pagination"]["totalItems"], 4);
    let changed = api
        .get(
            &format!("/v2/bookings?afterUpdatedAt={}", js(checkpoint)),
            Some(BOOKINGS),
            Auth::Key,
        )
        .await;
    let changed_uids: Vec<&Value> = changed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|b| &b["uid"])
        .collect();
    assert_eq!(changed_uids, [&json!(uids[0])]);

    let empty = api
        .get("/v2/bookings?eventTypeId=1002", Some(BOOKINGS), Auth::Key)
        .await;
    assert_eq!(
        empty.body["pagination"],
        json!({"totalItems": 0, "remainingItems": 0, "returnedItems": 0, "itemsPerPage": 100,
               "currentPage": 0, "totalPages": 0, "hasNextPage": false, "hasPreviousPage": false})
    );
}

#[tokio::test]
async fn take_out_of_range_is_a_validation_error() {
    let api = Api::start().await;
    for bad in ["take=0", "take=251", "take=lots", "skip=-3", "status=soon"] {
        let r = api
            .get(&format!("/v2/bookings?{bad}"), Some(BOOKINGS), Auth::Key)
            .await;
        r.assert_error(400, "BadRequestException");
        assert_eq!(r.error_message(), "Bad Request Exception", "{bad}");
        let errors = r.body["error"]["details"]["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{bad}");
        assert!(errors[0]["constraints"].is_object(), "{bad}");
    }
    let r = api
        .get("/v2/bookings?take=250", Some(BOOKINGS), Auth::Key)
        .await;
    assert_eq!(r.body["pagination"]["itemsPerPage"], 250);
}
