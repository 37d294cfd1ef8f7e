//! The webhook receiver against hostile and out-of-order input, driven by
//! the testkit's signed deliveries.

use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{TestApp, next_weekday, sign, spawn_app};

async fn two_slots(app: &TestApp) -> (String, String) {
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    (slots[5].clone(), slots[9].clone())
}

#[tokio::test]
async fn a_booking_made_on_cal_com_reaches_the_cache_by_webhook() {
    let app = spawn_app().await;
    let (slot, _) = two_slots(&app).await;
    let uid = app.book_on_mock(&slot, "bea@example.com").await;
    let deliveries = app
        .mock
        .webhooks()
        .wait_for_deliveries(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        deliveries.iter().any(|d| d.trigger == "BOOKING_CREATED"
            && d.outcome == calbridge_testkit::DeliveryOutcome::Delivered { status: 200 }),
        "{deliveries:?}"
    );
    let cached = app.wait_cached(&uid, |b| b["status"] == "accepted").await;
    assert_eq!(cached["uid"], uid.as_str());
}

#[tokio::test]
async fn forged_missing_and_unsigned_deliveries_are_401_and_write_nothing() {
    let app = spawn_app().await;
    let (url, secret) = app.webhook_target().await;
    let body = json!({"triggerEvent": "BOOKING_CREATED", "createdAt": "2030-01-01T00:00:00.000Z",
                      "payload": {"uid": "forged-uid"}})
    .to_string()
    .into_bytes();
    let forged = sign("not-the-secret", &body);
    let mut upper = sign(&secret, &body).to_uppercase();
    upper.replace_range(0..1, "Z");
    for sig in [
        Some(forged.as_str()),
        None,
        Some("no-secret-provided"),
        Some("sha256=abc"),
        Some(upper.as_str()),
    ] {
        let (status, reply) = app.deliver(&url, &body, sig).await;
        assert_eq!(status, 401, "{sig:?}: {reply}");
    }
    let unknown = url.replace("/wh_", "/wh_0");
    let (status, _) = app
        .deliver(&unknown, &body, Some(&sign(&secret, &body)))
        .await;
    assert_eq!(status, 401, "unknown endpoint");
    let pending = app
        .storage
        .webhook_events
        .list_unprocessed(&crate::helpers::demo_tenant(), 250)
        .await
        .unwrap();
    assert!(pending.is_empty(), "{pending:?}");
}

#[tokio::test]
async fn replays_malformed_unknown_and_new_versions() {
    let app = spawn_app().await;
    let (url, secret) = app.webhook_target().await;
    let ping =
        json!({"triggerEvent": "PING", "createdAt": "2030-01-01T00:00:00.000Z", "payload": {}})
            .to_string()
            .into_bytes();
    let sig = sign(&secret, &ping);
    let (status, reply) = app.deliver(&url, &ping, Some(&sig)).await;
    assert_eq!((status, reply["status"].as_str()), (200, Some("processed")));
    let (status, reply) = app.deliver(&url, &ping, Some(&sig)).await;
    assert_eq!((status, reply["status"].as_str()), (200, Some("duplicate")));

    let junk = b"{\"triggerEvent\": \"BOOKING_CREATED\", ".to_vec();
    let (status, reply) = app.deliver(&url, &junk, Some(&sign(&secret, &junk))).await;
    assert_eq!(status, 400, "{reply}");
    assert_eq!(reply["error"]["code"], "malformed_json");

    let unknown = json!({"triggerEvent": "OOO_CREATED", "payload": {"uid": "x1"}})
        .to_string()
        .into_bytes();
    let (status, reply) = app
        .deliver(&url, &unknown, Some(&sign(&secret, &unknown)))
        .await;
    assert_eq!((status, reply["status"].as_str()), (200, Some("ignored")));

    let newer = json!({"triggerEvent": "BOOKING_CREATED", "payload": {"uid": "v2"}})
        .to_string()
        .into_bytes();
    let r = reqwest::Client::new()
        .post(&url)
        .header("x-cal-signature-256", sign(&secret, &newer))
        .header("x-cal-webhook-version", "2031-01-01")
        .body(newer.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["status"],
        "ignored"
    );

    // The testkit's own replay of a real delivery is answered, not reprocessed.
    let (slot, _) = two_slots(&app).await;
    app.book_on_mock(&slot, "bea@example.com").await;
    let hooks = app.mock.webhooks();
    let first = hooks
        .wait_for_deliveries(1, Duration::from_secs(5))
        .await
        .unwrap();
    let again = hooks.redeliver(first[0].id).unwrap();
    let log = hooks
        .wait_for_deliveries(2, Duration::from_secs(5))
        .await
        .unwrap();
    let replay = log.iter().find(|d| d.id == again).unwrap();
    assert_eq!(
        replay.outcome,
        calbridge_testkit::DeliveryOutcome::Delivered { status: 200 }
    );
    // The same event in another serialisation (a new raw body): still a
    // duplicate, by trigger + uid + createdAt.
    let reshaped = serde_json::to_vec_pretty(&first[0].json()).unwrap();
    let (status, reply) = app
        .deliver(&url, &reshaped, Some(&sign(&secret, &reshaped)))
        .await;
    assert_eq!(
        (status, reply["status"].as_str()),
        (200, Some("duplicate")),
        "{reply}"
    );
}

#[tokio::test]
async fn bodies_over_the_cap_are_413_with_or_without_a_length() {
    let app = spawn_app().await;
    let (url, secret) = app.webhook_target().await;
    let big = format!(
        "{{\"triggerEvent\":\"PING\",\"payload\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(2 * 1024 * 1024)
    )
    .into_bytes();
    let (status, _) = app.deliver(&url, &big, Some(&sign(&secret, &big))).await;
    assert_eq!(status, 413);

    // Chunked, no Content-Length: written by hand so no client adds one.
    let path = url.trim_start_matches(&app.address).to_owned();
    let host = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&host).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nX-Cal-Signature-256: {}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n",
        sign(&secret, &big)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in big.chunks(64 * 1024) {
        let frame = format!("{:x}\r\n", chunk.len());
        if stream.write_all(frame.as_bytes()).await.is_err()
            || stream.write_all(chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break; // the server may stop reading once it has refused
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

#[tokio::test]
async fn reordered_deliveries_never_resurrect_or_lose_a_reschedule() {
    let app = spawn_app().await;
    let (slot_a, slot_b) = two_slots(&app).await;
    let hooks = app.mock.webhooks();
    hooks.hold(true);
    let old = app.book_on_mock(&slot_a, "bea@example.com").await;
    let new = app.reschedule_on_mock(&old, &slot_b).await;
    let gone = app.book_on_mock(&slot_a, "cy@example.com").await;
    app.cancel_on_mock(&gone).await;
    hooks.hold(false);
    let held = hooks.deliveries().len();
    // RESCHEDULED before CREATED, CANCELLED before CREATED.
    assert!(hooks.release_reversed() >= 4, "{:?}", hooks.deliveries());
    let log = hooks
        .wait_for_deliveries(held, Duration::from_secs(10))
        .await
        .unwrap();
    assert!(
        log.iter().all(|d| matches!(
            d.outcome,
            calbridge_testkit::DeliveryOutcome::Delivered { status: 200 }
        )),
        "{log:?}"
    );
    let old_copy = app.wait_cached(&old, |b| b["status"] == "cancelled").await;
    assert_eq!(old_copy["rescheduledToUid"], new.as_str(), "{old_copy}");
    let new_copy = app.wait_cached(&new, |b| b["status"] == "accepted").await;
    assert_eq!(new_copy["rescheduledFromUid"], old.as_str(), "{new_copy}");
    let gone_copy = app.wait_cached(&gone, |_| true).await;
    assert_eq!(
        gone_copy["status"], "cancelled",
        "a late CREATED must not resurrect it"
    );
}

#[tokio::test]
async fn a_dead_database_is_503() {
    let app = spawn_app().await;
    let (url, secret) = app.webhook_target().await;
    app.storage.close().await;
    let body = json!({"triggerEvent": "PING", "payload": {}})
        .to_string()
        .into_bytes();
    let (status, reply) = app.deliver(&url, &body, Some(&sign(&secret, &body))).await;
    assert_eq!(status, 503, "{reply}");
}
