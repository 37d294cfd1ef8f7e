//! Hostile input never panics the server: every case ends in an envelope.

use serde_json::json;

use super::support::*;

#[tokio::test]
async fn malformed_bodies_are_400_envelopes() {
    let api = Api::start().await;
    let url = format!("{}/v2/bookings", api.cal.base_url());
    for raw in ["{", "{\"start\": }", "[1,2]", "42", "null", "\"text\""] {
        let res = api
            .http
            .post(&url)
            .header("cal-api-version", BOOKINGS)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 400, "{raw}");
        let body: serde_json::Value = res.json().await.unwrap();
        assert_eq!(body["status"], "error", "{raw}");
        assert_eq!(body["error"]["code"], "BadRequestException", "{raw}");
    }
    // Too big for the body limit.
    let huge = format!("{{\"x\": \"{}\"}}", "a".repeat(200 * 1024));
    let res = api
        .http
        .post(&url)
        .header("cal-api-version", BOOKINGS)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "PayloadTooLargeException");
}

#[tokio::test]
async fn wrong_types_huge_numbers_and_bad_dates_are_refused_cleanly() {
    let api = Api::start().await;
    let start = js(weekday_at(3, 10, 0));
    let cases = [
        (
            json!({"start": 5, "eventTypeId": 1001, "attendee": "Ann"}),
            400,
        ),
        (
            json!({"start": "2050-02-30T10:00:00Z", "eventTypeId": 1001,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1e300,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            404,
        ),
        (
            json!({"start": start, "eventTypeId": -1,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            404,
        ),
        (
            json!({"start": start, "eventTypeId": 1001.5,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1003, "lengthInMinutes": 1e18,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": "9999-12-31T23:00:00Z", "eventTypeId": 1001,
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1001, "metadata": "lots",
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1001, "location": {"type": "teleport"},
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1001, "location": {"type": "address"},
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
        (
            json!({"start": start, "eventTypeId": 1001, "guests": [1, 2],
                "attendee": {"name": "A", "email": "a@example.com", "timeZone": "UTC"}}),
            400,
        ),
    ];
    for (body, status) in cases {
        let r = api
            .post("/v2/bookings", Some(BOOKINGS), Auth::Key, body.clone())
            .await;
        assert_eq!(r.status, status, "{body}: {:#}", r.body);
        assert_eq!(r.body["status"], "error", "{body}");
    }
    assert!(api.cal.bookings().is_empty());
}

#[tokio::test]
async fn weird_slot_queries_never_break_the_server() {
    let api = Api::start().await;
    let d = weekday_at(3, 10, 0).format("%Y-%m-%d").to_string();
    let ok_empty = [
        format!("eventTypeId=1001&start=0001-01-01&end={d}T00:00:01Z"),
        format!("eventTypeId=1001&start={d}&end=9999-12-31"),
        format!("eventTypeId=1001&start={d}&end={d}&duration=99999999999999999999"),
        format!("eventTypeId=1001&start={d}&end={d}&duration=-30"),
        format!("eventTypeId=1001&start={d}T23:00:00Z&end={d}T01:00:00Z"),
    ];
    for q in ok_empty {
        let r = api
            .get(&format!("/v2/slots?{q}"), Some(SLOTS), Auth::None)
            .await;
        assert_eq!(r.status, 200, "{q}: {:#}", r.body);
    }
    let not_found = [
        format!("eventTypeId=-1&start={d}&end={d}"),
        format!("eventTypeId=99999999999999999999999&start={d}&end={d}"),
        format!("teamSlug=team&eventTypeSlug=x&start={d}&end={d}"),
        format!("usernames=calbridge-demo,bob&organizationSlug=o&start={d}&end={d}"),
    ];
    for q in not_found {
        let r = api
            .get(&format!("/v2/slots?{q}"), Some(SLOTS), Auth::None)
            .await;
        assert_eq!(r.status, 404, "{q}: {:#}", r.body);
    }
    let bad = [
        format!("eventTypeId=&start={d}&end={d}"),
        format!("eventTypeId=1001&eventTypeId=1002&start={d}&end={d}"),
        format!("eventTypeId=1001&start={d}&end={d}&format=csv"),
        format!("eventTypeId=1001&start={d}&end={d}&timeZone="),
        format!("eventTypeId=1001&start=%FF%FE&end={d}"),
        format!("eventTypeId=1001&start={d}&end={d}&username=extra"),
    ];
    for q in bad {
        let r = api
            .get(&format!("/v2/slots?{q}"), Some(SLOTS), Auth::None)
            .await;
        assert_eq!(r.status, 400, "{q}: {:#}", r.body);
        assert_eq!(r.body["error"]["code"], "BadRequestException");
    }
    let r = api
        .get("/v2/bookings/%F0%9F%98%80%00", Some(BOOKINGS), Auth::Key)
        .await;
    assert!(r.status == 404 || r.status == 400, "{:#}", r.body);
    assert_eq!(api.get("/v2/me", None, Auth::Key).await.status, 200);
}
