//! Webhook CRUD and signed deliveries, held, reordered, dropped, replayed.

use std::time::Duration;

use calbridge_testkit::DeliveryOutcome;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::*;

const WAIT: Duration = Duration::from_secs(5);

fn hmac_hex(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

async fn receiver() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&server)
        .await;
    server
}

#[tokio::test]
async fn crud_follows_the_spec_and_refuses_duplicate_urls() {
    let api = Api::start().await;
    let body = json!({"subscriberUrl": "https://example.com/hook", "active": true,
                      "triggers": ["BOOKING_CREATED"], "secret": "s3cret"});
    let created = api
        .post("/v2/webhooks", None, Auth::Key, body.clone())
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.data()["id"].as_str().unwrap().to_owned();
    assert_eq!(id.len(), 36, "a uuid string");
    assert_eq!(created.data()["triggers"], json!(["BOOKING_CREATED"]));
    assert_eq!(created.data()["userId"], 1);
    api.post("/v2/webhooks", None, Auth::Key, body)
        .await
        .assert_error(409, "ConflictException");
    api.post("/v2/webhooks", None, Auth::Key, json!({"active": true}))
        .await
        .assert_error(400, "BadRequestException");
    api.post("/v2/webhooks", None, Auth::None, json!({}))
        .await
        .assert_error(401, "UnauthorizedException");

    let list = api.get("/v2/webhooks", None, Auth::Key).await;
    assert_eq!(list.data().as_array().unwrap().len(), 1);
    assert!(list.body.get("pagination").is_none());
    let patched = api
        .patch(
            &format!("/v2/webhooks/{id}"),
            None,
            Auth::Key,
            json!({"active": false, "triggers": ["BOOKING_CANCELLED", "BOOKING_CREATED"]}),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_eq!(patched.data()["active"], false);
    let got = api
        .get(&format!("/v2/webhooks/{id}"), None, Auth::Key)
        .await;
    assert_eq!(got.data()["triggers"][0], "BOOKING_CANCELLED");
    // An inactive webhook gets nothing.
    api.book(1001, weekday_at(6, 9, 0), "ann@example.com").await;
    assert!(api.cal.webhooks().deliveries().is_empty());
    let deleted = api
        .delete(&format!("/v2/webhooks/{id}"), None, Auth::Key)
        .await;
    assert_eq!(deleted.status, 200);
    api.get(&format!("/v2/webhooks/{id}"), None, Auth::Key)
        .await
        .assert_error(404, "NotFoundException");
}

#[tokio::test]
async fn booking_changes_are_delivered_signed_with_real_shapes() {
    let api = Api::start().await;
    let hook = receiver().await;
    let created = api
        .post(
            "/v2/webhooks",
            None,
            Auth::Key,
            json!({"subscriberUrl": format!("{}/cal", hook.uri()), "active": true,
                   "triggers": ["BOOKING_CREATED", "BOOKING_RESCHEDULED", "BOOKING_CANCELLED"],
                   "secret": "whsec_test"}),
        )
        .await;
    assert_eq!(created.status, 201);

    let b = api
        .book(1001, weekday_at(6, 10, 0), "ann@example.com")
        .await;
    let uid = b.data()["uid"].as_str().unwrap().to_owned();
    let moved = api
        .post(
            &format!("/v2/bookings/{uid}/reschedule"),
            Some(BOOKINGS),
            Auth::None,
            json!({"start": js(weekday_at(6, 11, 0))}),
        )
        .await;
    let new_uid = moved.data()["uid"].as_str().unwrap().to_owned();
    api.post(
        &format!("/v2/bookings/{new_uid}/cancel"),
        Some(BOOKINGS),
        Auth::Key,
        json!({"cancellationReason": "no longer needed"}),
    )
    .await;

    let log = api
        .cal
        .webhooks()
        .wait_for_deliveries(3, WAIT)
        .await
        .unwrap();
    assert!(
        log.iter()
            .all(|d| d.outcome == DeliveryOutcome::Delivered { status: 200 })
    );
    let got = hook.received_requests().await.unwrap();
    assert_eq!(got.len(), 3);
    let mut by_trigger = std::collections::HashMap::new();
    for req in &got {
        let sig = req
            .headers
            .get("x-cal-signature-256")
            .unwrap()
            .to_str()
            .unwrap();
        assert_eq!(
            sig,
            hmac_hex("whsec_test", &req.body),
            "signature over the raw body"
        );
        assert_eq!(
            req.headers.get("x-cal-webhook-version").unwrap(),
            "2021-10-20"
        );
        assert_eq!(req.headers.get("content-type").unwrap(), "application/json");
        let v: Value = serde_json::from_slice(&req.body).unwrap();
        assert!(v["createdAt"].as_str().unwrap().ends_with('Z'));
        by_trigger.insert(
            v["triggerEvent"].as_str().unwrap().to_owned(),
            v["payload"].clone(),
        );
    }
    let c = &by_trigger["BOOKING_CREATED"];
    assert_eq!(c["uid"], uid.as_str());
    assert_eq!(c["status"], "ACCEPTED");
    assert_eq!(c["type"], "30min");
    assert_eq!(c["eventTypeId"], 1001);
    assert_eq!(c["attendees"][0]["email"], "ann@example.com");
    assert_eq!(c["organizer"]["timeZone"], "Europe/Berlin");
    assert_eq!(c["length"], 30);
    let r = &by_trigger["BOOKING_RESCHEDULED"];
    assert_eq!(r["uid"], new_uid.as_str());
    assert_eq!(r["rescheduleUid"], uid.as_str());
    let x = &by_trigger["BOOKING_CANCELLED"];
    assert_eq!(x["status"], "CANCELLED");
    assert_eq!(x["cancellationReason"], "no longer needed");
}

#[tokio::test]
async fn ping_unsigned_hooks_failures_and_inactive_hooks() {
    let api = Api::start().await;
    let hook = receiver().await;
    let id = api.cal.webhooks().subscribe(&hook.uri(), None);
    let dead = api
        .cal
        .webhooks()
        .subscribe("http://127.0.0.1:9/unreachable", Some("k"));
    let ping = api.cal.webhooks().ping(&id).unwrap();
    let log = api
        .cal
        .webhooks()
        .wait_for_deliveries(1, WAIT)
        .await
        .unwrap();
    assert_eq!(log[0].id, ping);
    let body = log[0].json();
    assert_eq!(body["triggerEvent"], "PING");
    assert_eq!(body["payload"]["type"], "Test");
    assert_eq!(log[0].signature, "no-secret-provided");
    assert!(api.cal.webhooks().ping("nope").is_err());

    api.cal.webhooks().ping(&dead).unwrap();
    let log = api
        .cal
        .webhooks()
        .wait_for_deliveries(2, WAIT)
        .await
        .unwrap();
    assert!(
        matches!(log[1].outcome, DeliveryOutcome::Failed { .. }),
        "{:?}",
        log[1]
    );
    // One attempt only.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(api.cal.webhooks().deliveries().len(), 2);
}

#[tokio::test]
async fn held_deliveries_can_be_reordered_dropped_and_replayed() {
    let api = Api::start().await;
    let hook = receiver().await;
    let hooks = api.cal.webhooks();
    hooks.subscribe(&hook.uri(), Some("k"));
    hooks.hold(true);
    let b = api
        .book(1001, weekday_at(6, 14, 0), "ann@example.com")
        .await;
    let uid = b.data()["uid"].as_str().unwrap().to_owned();
    api.post(
        &format!("/v2/bookings/{uid}/reschedule"),
        Some(BOOKINGS),
        Auth::None,
        json!({"start": js(weekday_at(6, 15, 0))}),
    )
    .await;
    let held = hooks.deliveries();
    assert_eq!(held.len(), 2);
    assert!(held.iter().all(|d| d.outcome == DeliveryOutcome::Held));
    assert!(
        hooks
            .wait_for_deliveries(1, Duration::from_millis(50))
            .await
            .is_err()
    );
    hooks.hold(false);
    // RESCHEDULED before CREATED.
    assert_eq!(hooks.release_reversed(), 2);
    hooks.wait_for_deliveries(2, WAIT).await.unwrap();
    let got = hook.received_requests().await.unwrap();
    let order: Vec<String> = got
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["triggerEvent"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(order, ["BOOKING_RESCHEDULED", "BOOKING_CREATED"]);

    // A lost webhook: logged as dropped, never sent.
    hooks.drop_next(1);
    api.book(1001, weekday_at(7, 10, 0), "bob@example.com")
        .await;
    let log = hooks.wait_for_deliveries(3, WAIT).await.unwrap();
    assert_eq!(log[2].outcome, DeliveryOutcome::Dropped);
    assert_eq!(hook.received_requests().await.unwrap().len(), 2);

    // A replay: byte-identical body and signature.
    let replay = hooks.redeliver(log[0].id).unwrap();
    let log = hooks.wait_for_deliveries(4, WAIT).await.unwrap();
    let copy = log.iter().find(|d| d.id == replay).unwrap();
    assert_eq!(copy.replay_of, Some(log[0].id));
    assert_eq!(
        (&copy.body, &copy.signature),
        (&log[0].body, &log[0].signature)
    );
    let got = hook.received_requests().await.unwrap();
    assert_eq!(got.len(), 3);
    // The CREATED delivery (id 1) went out second, after the reorder.
    assert_eq!(
        String::from_utf8_lossy(&got[2].body),
        String::from_utf8_lossy(&got[1].body)
    );
    assert!(hooks.redeliver(999).is_err());
}

#[tokio::test]
async fn the_admin_surface_steers_deliveries() {
    let api = Api::start().await;
    let hook = receiver().await;
    let id = api.cal.webhooks().subscribe(&hook.uri(), Some("k"));
    let admin = |p: &str| api.url(p);
    let post = |p: String, body: Value| {
        let req = api.http.post(admin(&p)).json(&body);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(
        post(format!("/_testkit/webhooks/{id}/ping"), json!({}))
            .await
            .status(),
        202
    );
    assert_eq!(
        post("/_testkit/webhooks/nope/ping".into(), json!({}))
            .await
            .status(),
        404
    );
    api.cal
        .webhooks()
        .wait_for_deliveries(1, WAIT)
        .await
        .unwrap();
    assert_eq!(
        post("/_testkit/webhooks/hold".into(), json!({"on": true}))
            .await
            .status(),
        204
    );
    api.book(1001, weekday_at(6, 10, 0), "ann@example.com")
        .await;
    assert_eq!(
        post("/_testkit/webhooks/hold".into(), json!({"on": false}))
            .await
            .status(),
        204
    );
    let released: Value = post("/_testkit/webhooks/release".into(), json!({"ids": [2]}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(released["released"], 1);
    assert_eq!(
        post("/_testkit/webhooks/drop".into(), json!({"count": 1}))
            .await
            .status(),
        204
    );
    api.book(1001, weekday_at(6, 11, 0), "bob@example.com")
        .await;
    let r = post(
        "/_testkit/webhooks/deliveries/1/redeliver".into(),
        json!({}),
    )
    .await;
    assert_eq!(r.status(), 202);
    api.cal
        .webhooks()
        .wait_for_deliveries(4, WAIT)
        .await
        .unwrap();
    let log: Value = api
        .http
        .get(admin("/_testkit/webhooks/deliveries"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let outcomes: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["delivered", "delivered", "dropped", "delivered"]);
    assert_eq!(log[3]["replayOf"], 1);
    assert_eq!(
        post("/_testkit/webhooks/hold".into(), json!({"on": "yes"}))
            .await
            .status(),
        400
    );
}
