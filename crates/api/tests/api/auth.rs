//! Bearer tokens: every `/api/...` route but health, the demo token and
//! the webhook receiver needs one, and a tenant never sees or changes
//! another tenant's bookings or connection.

use crate::helpers::{TestApp, next_weekday, spawn_app};

#[tokio::test]
async fn routes_need_a_valid_bearer_token_except_health() {
    let app = spawn_app().await;
    let anonymous = reqwest::Client::new();
    for path in [
        "/api/event-types",
        "/api/calcom/connection",
        "/api/calcom/bookings",
        "/api/bookings",
    ] {
        let r = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), 401, "{path}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["error"]["code"], "unauthorized");
    }
    for bad in [
        "Bearer nope",
        "Bearer cbt_00_00",
        "Basic abc",
        "Bearer ",
        &format!("Bearer {}x", app.token),
    ] {
        let r = anonymous
            .get(app.url("/api/event-types"))
            .header("authorization", bad)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401, "{bad}");
    }
    let r = anonymous.get(app.url("/api/health")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    // Demo mode hands out the demo token without reading logs.
    let r = anonymous
        .get(app.url("/api/demo/token"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), app.token);
    let (status, _) = app.get("/api/event-types").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_tenant_cannot_read_or_change_another_tenants_bookings_or_connection() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let slot = app.slots_on(event, next_weekday()).await[2].clone();
    let (status, booking) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slot, "ann@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{booking}");
    let uid = booking["uid"].as_str().unwrap().to_owned();
    app.wait_cached(&uid, |_| true).await;

    let mallory = app.second_tenant("mallory").await;
    let (status, body) = mallory.get("/api/calcom/bookings").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"].as_array().unwrap().len(), 0, "{body}");
    let (status, _) = mallory.get(&format!("/api/bookings/{uid}")).await;
    assert_eq!(status, 404);
    let (status, _) = mallory
        .post(
            &format!("/api/bookings/{uid}/cancel"),
            &serde_json::json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, body) = mallory.get("/api/calcom/connection").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "not_connected");
    assert_eq!(mallory.delete("/api/calcom/connection").await, 404);
    let (status, _) = mallory
        .post("/api/calcom/sync", &serde_json::json!({}))
        .await;
    assert_eq!(status, 404, "no connection, nothing to sync");

    // The demo tenant's booking and connection are untouched.
    let (status, body) = app.get(&format!("/api/bookings/{uid}")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "accepted");
    let (_, body) = app.get("/api/calcom/connection").await;
    assert_eq!(body["data"]["status"], "connected");
}
