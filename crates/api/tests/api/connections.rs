//! `/api/calcom/connection`: the key is validated before it is stored and
//! never shown; the webhook secret is shown once; delete keeps nothing
//! that can call Cal.com.

use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn connect_show_rotate_and_disconnect() {
    let app = spawn_app().await;
    let key = app.mock.api_key().to_owned();

    let (status, body) = app.get("/api/calcom/connection").await;
    assert_eq!(status, 200, "{body}");
    let data = &body["data"];
    assert_eq!(data["status"], "connected");
    assert!(data["calcomUser"]["id"].is_u64(), "{body}");
    let url = data["webhookUrl"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&app.address) && url.contains("/api/calcom/webhook/wh_"),
        "{url}"
    );
    let shown = body.to_string();
    assert!(
        !shown.contains(&key) && !shown.contains("whsec_"),
        "{shown}"
    );

    // A key Cal.com rejects is refused and nothing changes.
    let (status, body) = app
        .post(
            "/api/calcom/connection",
            &json!({"apiKey": "cal_wrong_key"}),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["field"], "apiKey");
    let (_, body) = app.get("/api/calcom/connection").await;
    assert_eq!(body["data"]["status"], "connected");

    // Saving (again) shows the new secret once; old secrets stay valid.
    let (_, old_secret) = app.webhook_target().await;
    let (status, body) = app
        .post(
            "/api/calcom/connection",
            &json!({"apiKey": key, "webhookSecret": "whsec_rotated"}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["webhookSecret"], "whsec_rotated");
    assert_eq!(body["data"]["webhookUrl"], url, "the endpoint is stable");
    let (_, body) = app.get("/api/calcom/connection").await;
    assert_eq!(body["data"]["webhookSecretCount"], 2);
    assert!(!body.to_string().contains("whsec_rotated"));
    for (i, secret) in [old_secret.as_str(), "whsec_rotated"]
        .into_iter()
        .enumerate()
    {
        let raw = json!({"triggerEvent": "PING", "payload": {"n": i}})
            .to_string()
            .into_bytes();
        let (status, reply) = app
            .deliver(&url, &raw, Some(&crate::helpers::sign(secret, &raw)))
            .await;
        assert_eq!(status, 200, "secret {i}: {reply}");
        assert_eq!(reply["status"], "processed");
    }
    // Retiring old secrets: only the new one works.
    let (status, _) = app
        .post(
            "/api/calcom/connection",
            &json!({"apiKey": key, "webhookSecret": "whsec_only", "keepPreviousSecrets": false}),
        )
        .await;
    assert_eq!(status, 201);
    let raw = br#"{"triggerEvent":"PING","payload":{"n":1}}"#;
    let (status, _) = app
        .deliver(&url, raw, Some(&crate::helpers::sign("whsec_rotated", raw)))
        .await;
    assert_eq!(status, 401);

    // Registering the webhook on Cal.com: the mock now delivers to us twice.
    let (status, body) = app
        .post(
            "/api/calcom/connection",
            &json!({"apiKey": key, "webhookSecret": "whsec_only", "registerWebhook": true}),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["data"]["webhookRegistered"], true);

    // Delete: the key and the endpoint are gone.
    let r = app
        .client
        .delete(app.url("/api/calcom/connection"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let (_, body) = app.get("/api/calcom/connection").await;
    assert_eq!(body["data"]["status"], "not_connected");
    let (status, body) = app.get("/api/event-types").await;
    assert_eq!(status, 404, "no connection, no calendar: {body}");
    let (status, _) = app
        .deliver(&url, raw, Some(&crate::helpers::sign("whsec_only", raw)))
        .await;
    assert_eq!(status, 401);
    assert!(
        app.storage
            .connections
            .get(&crate::helpers::demo_tenant(), "default")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn a_polled_connection_status_asks_cal_com_once_a_minute_not_per_request() {
    let app = spawn_app().await;
    app.mock.clear_journal();
    for _ in 0..5 {
        let (status, body) = app.get("/api/calcom/connection").await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["data"]["status"], "connected");
        assert!(body["data"]["calcomUser"]["id"].is_u64(), "{body}");
    }
    let me_calls = app
        .mock
        .journal()
        .iter()
        .filter(|e| e.route == Some(calbridge_testkit::Route::GetMe))
        .count();
    assert_eq!(me_calls, 1);
}
