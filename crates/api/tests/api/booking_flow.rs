//! The promise of the walking skeleton: list, book, see it gone, refuse a
//! double booking, cancel, see it back — over real HTTP.

use crate::helpers::{TestApp, next_weekday, server_url, spawn_app, spawn_app_with};

#[tokio::test]
async fn book_see_it_taken_refuse_the_double_booking_cancel_and_see_it_back() {
    full_flow(spawn_app().await).await;
}

/// The same flow on the production backends: PostgreSQL and Redis.
#[tokio::test]
async fn the_same_flow_on_postgres_and_redis() {
    let (Some(db), Some(redis)) = (server_url("DATABASE_URL"), server_url("REDIS_URL")) else {
        return;
    };
    if !db.starts_with("postgres") {
        eprintln!("skipped: DATABASE_URL is not a PostgreSQL URL");
        return;
    }
    let app = spawn_app_with(|s| {
        s.database_url = db;
        s.redis_url = Some(redis);
        s.master_key = Some(
            calbridge_storage::MasterKey::generate()
                .unwrap()
                .to_base64(),
        );
        // A tenant of its own keeps this run's rows apart from other runs.
        s.tenant = format!("e2e-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    })
    .await;
    full_flow(app).await;
}

async fn full_flow(app: TestApp) {
    let event = app.thirty_minute_event().await;
    let day = next_weekday();

    let before = app.slots_on(event, day).await;
    assert_eq!(
        before.len(),
        16,
        "09:00-17:00 Berlin in 30-minute slots: {before:?}"
    );
    assert!(
        before[0].contains("T09:00:00+0"),
        "slots are in the caller's zone: {}",
        before[0]
    );
    let slot = before[3].clone();

    let (status, booking) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slot, "ann@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{booking}");
    let uid = booking["uid"].as_str().unwrap().to_owned();
    assert_eq!(booking["status"], "accepted");
    assert!(
        booking["metadata"]["correlationId"].is_string(),
        "{booking}"
    );
    assert_eq!(booking["metadata"]["source"], "e2e");

    let after = app.slots_on(event, day).await;
    assert!(!after.contains(&slot), "booked slot still offered");
    assert_eq!(after.len(), before.len() - 1);

    let (status, list) = app.get("/api/bookings").await;
    assert_eq!(status, 200);
    assert!(
        list["data"]
            .as_array()
            .unwrap()
            .iter()
            .any(|b| b["uid"] == uid.as_str()),
        "{list}"
    );

    let (status, err) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slot, "bob@example.com"),
        )
        .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "slot_unavailable");
    let upstream_active: Vec<_> = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.status == "accepted")
        .collect();
    assert_eq!(upstream_active.len(), 1, "exactly one booking upstream");

    let (status, cancelled) = app
        .post(
            &format!("/api/bookings/{uid}/cancel"),
            &serde_json::json!({"reason": "patient called"}),
        )
        .await;
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");

    assert_eq!(
        app.slots_on(event, day).await,
        before,
        "cancelled slot is offered again"
    );

    let (status, again) = app
        .post(
            &format!("/api/bookings/{uid}/cancel"),
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(status, 200, "cancelling twice is harmless: {again}");
    assert_eq!(again["status"], "cancelled");

    let (status, local) = app.get("/api/bookings?status=cancelled").await;
    assert_eq!(status, 200);
    assert_eq!(local["data"][0]["uid"], uid.as_str());
}

#[tokio::test]
async fn reschedule_moves_the_booking_and_keeps_the_lineage() {
    let app = spawn_app().await;
    let event = app.thirty_minute_event().await;
    let day = next_weekday();
    let slots = app.slots_on(event, day).await;

    let (status, old) = app
        .post(
            "/api/bookings",
            &TestApp::booking_body(event, &slots[0], "ann@example.com"),
        )
        .await;
    assert_eq!(status, 201, "{old}");
    let old_uid = old["uid"].as_str().unwrap().to_owned();

    let (status, new) = app
        .post(
            &format!("/api/bookings/{old_uid}/reschedule"),
            &serde_json::json!({"start": slots[5], "reason": "later please"}),
        )
        .await;
    assert_eq!(status, 201, "{new}");
    assert_ne!(new["uid"], old_uid.as_str());
    assert_eq!(new["rescheduledFromUid"], old_uid.as_str());

    let (status, old_now) = app.get(&format!("/api/bookings/{old_uid}")).await;
    assert_eq!(status, 200);
    assert_eq!(old_now["status"], "cancelled");
    assert_eq!(old_now["rescheduledToUid"], new["uid"]);

    let free = app.slots_on(event, day).await;
    assert!(free.contains(&slots[0]), "old time is free again");
    assert!(!free.contains(&slots[5]), "new time is taken");
}
