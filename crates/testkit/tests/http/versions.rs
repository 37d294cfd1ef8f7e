use std::collections::HashSet;

use serde_json::json;

use super::support::*;

#[tokio::test]
async fn event_types_route_by_version() {
    let api = Api::start().await;
    let path = "/v2/event-types?username=calbridge-demo";
    let ok = api.get(path, Some(EVENT_TYPES), Auth::None).await;
    assert_eq!(ok.status, 200);
    for v in ["2024-08-13", "2024-09-04"] {
        let r = api.get(path, Some(v), Auth::None).await;
        r.assert_error(404, "NotFoundException");
        assert_eq!(r.error_message(), format!("Cannot GET {path}"));
    }
    for v in [
        None,
        Some("2024-04-15"),
        Some("2024-06-11"),
        Some("not-a-version"),
    ] {
        let r = api.get(path, v, Auth::None).await;
        r.assert_error(400, "TestkitUnsupportedVersion");
        assert!(
            r.error_message().contains("2024-06-14"),
            "{}",
            r.error_message()
        );
    }
}

#[tokio::test]
async fn slots_need_2024_09_04_exactly() {
    let api = Api::start().await;
    let path = "/v2/slots?eventTypeId=1001&start=2030-01-01&end=2030-01-02";
    for v in [
        None,
        Some("2024-08-13"),
        Some("2024-06-14"),
        Some("2024-04-15"),
    ] {
        let r = api.get(path, v, Auth::None).await;
        r.assert_error(404, "NotFoundException");
        assert_eq!(r.error_message(), format!("Cannot GET {path}"));
    }
    assert_eq!(api.get(path, Some(SLOTS), Auth::None).await.status, 200);
}

#[tokio::test]
async fn bookings_need_2024_08_13() {
    let api = Api::start().await;
    let body = booking_body(1001, weekday_at(3, 10, 0), "v@example.com");
    for v in [None, Some("2024-06-14"), Some("2024-04-15")] {
        let r = api.post("/v2/bookings", v, Auth::Key, body.clone()).await;
        r.assert_error(400, "TestkitUnsupportedVersion");
        assert!(r.error_message().contains("2024-08-13"));
        assert_eq!(r.body["error"]["details"]["requiredVersion"], "2024-08-13");
    }
    let r = api
        .post("/v2/bookings", Some("2024-09-04"), Auth::Key, body.clone())
        .await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "Cannot POST /v2/bookings");
    let r = api
        .get("/v2/bookings/abc", Some("2024-09-04"), Auth::Key)
        .await;
    assert_eq!(r.error_message(), "Cannot GET /v2/bookings/abc");
    assert!(api.cal.bookings().is_empty());
    // The version is checked before credentials, as Nest routes first.
    let r = api.get("/v2/bookings", None, Auth::None).await;
    r.assert_error(400, "TestkitUnsupportedVersion");
}

#[tokio::test]
async fn me_accepts_any_version() {
    let api = Api::start().await;
    for v in [None, Some("2024-08-13"), Some("1999-01-01")] {
        assert_eq!(api.get("/v2/me", v, Auth::Key).await.status, 200);
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_get_nests_404() {
    let api = Api::start().await;
    let r = api.get("/v2/nope?x=1", None, Auth::Key).await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "Cannot GET /v2/nope?x=1");
    let r = api
        .send(reqwest::Method::DELETE, "/v2/me", None, Auth::Key, None)
        .await;
    r.assert_error(404, "NotFoundException");
    assert_eq!(r.error_message(), "Cannot DELETE /v2/me");
    // v1-style keys in the query are never echoed back.
    let r = api
        .get("/v2/nope?apiKey=cal_secret_value", None, Auth::None)
        .await;
    assert!(
        !r.body.to_string().contains("cal_secret_value"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn every_response_has_a_fresh_request_id() {
    let api = Api::start().await;
    let responses = vec![
        api.get("/v2/me", None, Auth::Key).await,
        api.get("/v2/me", None, Auth::None).await,
        api.get("/v2/nope", None, Auth::None).await,
        api.get("/v2/event-types", None, Auth::None).await,
        api.post("/v2/bookings", Some(BOOKINGS), Auth::Key, json!({}))
            .await,
    ];
    let mut seen = HashSet::new();
    for r in &responses {
        let id = r.headers["x-request-id"].to_str().unwrap().to_owned();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        assert!(seen.insert(id));
    }
}
