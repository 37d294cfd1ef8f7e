//! Bad input gets a typed JSON error with the right status, never a 500.

use serde_json::json;

use crate::helpers::{TestApp, next_weekday, spawn_app};

#[tokio::test]
async fn bad_requests_get_clear_json_errors() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let start = format!("{}T10:00:00+01:00", next_weekday());

    // Malformed JSON → 400.
    let r = app
        .client
        .post(app.url("/api/bookings"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "malformed_json");

    // Missing field → 422.
    let (status, body) = app
        .post("/api/bookings", &json!({"eventTypeId": event}))
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_request");

    // Bad email → 422 naming the field.
    let mut b = TestApp::booking_body(event, &start, "not-an-email");
    let (status, body) = app.post("/api/bookings", &b).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "attendee.email");

    // Unknown zone → 422.
    b["attendee"]["email"] = json!("ann@example.com");
    b["attendee"]["timeZone"] = json!("Mars/Olympus");
    let (status, body) = app.post("/api/bookings", &b).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "attendee.timeZone");

    // Past start → 422.
    let (status, body) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, "2001-01-01T10:00:00Z", "ann@example.com"),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "start");

    // Not JSON at all → 415.
    let r = app
        .client
        .post(app.url("/api/bookings"))
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);

    // Too large → 413.
    let huge = json!({"eventTypeId": event, "start": start, "attendee": {}, "metadata": {"x": "y".repeat(100_000)}});
    let (status, body) = app.post("/api/bookings", &huge).await;
    assert_eq!(status, 413, "{body}");
}

#[tokio::test]
async fn unknown_things_are_404_and_bad_queries_400_or_422() {
    let app = spawn_app().await;
    let (status, body) = app.get("/api/bookings/does-not-exist").await;
    assert_eq!(status, 404, "{body}");
    assert_eq!(body["error"]["code"], "not_found");

    let (status, body) = app.get("/api/bookings/bad%20uid").await;
    assert_eq!(status, 422, "{body}");

    let (status, body) = app.get("/api/nowhere").await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = app.get("/api/slots?eventTypeId=abc").await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "invalid_query");

    let (status, body) = app
        .get("/api/slots?eventTypeId=1001&start=2030-01-10&end=2030-01-01")
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "end");

    let (status, body) = app
        .get("/api/slots?eventTypeId=999999&start=2030-01-07&end=2030-01-08")
        .await;
    assert_eq!(status, 404, "{body}");

    let (status, body) = app.get("/api/bookings?status=bogus").await;
    assert_eq!(status, 422, "{body}");

    let r = app
        .client
        .delete(app.url("/api/bookings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}
