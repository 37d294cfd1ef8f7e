//! Polling is the truth: a full sync walks every page, and the leased
//! incremental poller finds what webhooks missed.

use std::time::Duration;

use serde_json::json;

use crate::helpers::{next_weekday, spawn_app_with};

#[tokio::test]
async fn a_dropped_webhook_is_found_by_the_poller() {
    let app = spawn_app_with(|s| s.sync_interval_secs = 1).await;
    let event = app.thirty_minute_event().await;
    let slot = app.slots_on(event, next_weekday()).await[4].clone();
    app.mock.webhooks().drop_next(1);
    let uid = app.book_on_mock(&slot, "dee@example.com").await;
    let log = app
        .mock
        .webhooks()
        .wait_for_deliveries(1, Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(log[0].outcome, calbridge_testkit::DeliveryOutcome::Dropped);
    app.wait_cached(&uid, |b| b["status"] == "accepted").await;
    // A cancellation whose webhook is lost too.
    app.mock.webhooks().drop_next(1);
    app.cancel_on_mock(&uid).await;
    app.wait_cached(&uid, |b| b["status"] == "cancelled").await;
}

#[tokio::test]
async fn sync_on_demand_reports_counts_and_nothing_failed_is_marked_synced() {
    let app = spawn_app_with(|s| s.sync_interval_secs = 0).await;
    let event = app.thirty_minute_event().await;
    let slots = app.slots_on(event, next_weekday()).await;
    app.mock.webhooks().drop_next(3);
    let mut uids = Vec::new();
    for slot in &slots[..3] {
        uids.push(app.book_on_mock(slot, "eve@example.com").await);
    }
    for uid in &uids {
        assert!(app.cached(uid).await.is_none(), "webhooks were dropped");
    }
    // Cal.com fails: the sync fails and the cursor stays where it was.
    app.mock
        .faults()
        .fail_next(calbridge_testkit::Route::ListBookings, 10, 500);
    let (status, body) = app.post("/api/calcom/sync", &json!({"mode": "full"})).await;
    assert!(status >= 500, "{status} {body}");
    let cursor = app
        .storage
        .sync_state
        .cursor(&crate::helpers::demo_tenant(), "default")
        .await
        .unwrap();
    assert_eq!(cursor.last_synced_at, None, "a failed sync is not a sync");
    app.mock.faults().clear();

    let (status, body) = app.post("/api/calcom/sync", &json!({"mode": "full"})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["data"]["fetched"].as_u64().unwrap() >= 3, "{body}");
    assert!(body["data"]["inserted"].as_u64().unwrap() >= 3, "{body}");
    for uid in &uids {
        assert!(app.cached(uid).await.is_some());
    }
    // Incremental: nothing new.
    let (status, body) = app.post("/api/calcom/sync", &json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["data"]["inserted"], 0, "{body}");

    // Paging through the local cache.
    let (status, page) = app.get("/api/calcom/bookings?limit=2").await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["data"].as_array().unwrap().len(), 2);
    let next = page["nextCursor"].as_str().unwrap().to_owned();
    let (_, rest) = app
        .get(&format!("/api/calcom/bookings?limit=2&cursor={next}"))
        .await;
    assert!(!rest["data"].as_array().unwrap().is_empty());
    let (status, live) = app.get("/api/calcom/bookings?fromDb=false&limit=250").await;
    assert_eq!(status, 200, "{live}");
    assert_eq!(live["source"], "calcom");
    let (status, _) = app.get("/api/calcom/bookings?cursor=bogus").await;
    assert_eq!(status, 422);
}
