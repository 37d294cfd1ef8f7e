//! Exactly one wins: 200 concurrent requests over HTTP for the same slot
//! make exactly one booking at Cal.com and locally; every other request
//! gets 409 `slot_unavailable`. On SQLite, and on PostgreSQL when
//! `DATABASE_URL` points at one.

use std::time::Instant;

use crate::helpers::{TestApp, next_weekday, server_url, spawn_app, spawn_app_with};

const CONCURRENT: usize = 200;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_requests_for_one_slot_make_exactly_one_booking_on_sqlite() {
    race(spawn_app().await, "sqlite").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_requests_for_one_slot_make_exactly_one_booking_on_postgres() {
    let Some(db) = server_url("DATABASE_URL") else {
        return;
    };
    if !db.starts_with("postgres") {
        eprintln!("skipped: DATABASE_URL is not a PostgreSQL URL");
        return;
    }
    let app = spawn_app_with(|s| {
        s.database_url = db;
        s.master_key = Some(
            calbridge_storage::MasterKey::generate()
                .unwrap()
                .to_base64(),
        );
        s.tenant = format!("race-{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    })
    .await;
    race(app, "postgres").await;
}

async fn race(app: TestApp, backend: &str) {
    // Warm the event-type cache so the race is about the slot only.
    let event = app.thirty_minute_event().await;
    let slot = app.slots_on(event, next_weekday()).await[7].clone();
    let app = std::sync::Arc::new(app);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(CONCURRENT);
    for i in 0..CONCURRENT {
        let app = app.clone();
        let body = TestApp::booking_body(event, &slot, &format!("racer{i}@example.com"));
        tasks.push(tokio::spawn(async move {
            app.post("/api/bookings", &body).await
        }));
    }
    let mut created = 0;
    let mut conflicts = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            201 => created += 1,
            409 => {
                assert_eq!(body["error"]["code"], "slot_unavailable", "{body}");
                conflicts += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    let settled = started.elapsed();
    eprintln!("{backend}: {CONCURRENT} same-slot requests settled in {settled:?}");
    assert_eq!((created, conflicts), (1, CONCURRENT - 1));

    let upstream: Vec<_> = app
        .mock
        .bookings()
        .into_iter()
        .filter(|b| b.is_active() && b.attendee_email.starts_with("racer"))
        .collect();
    assert_eq!(upstream.len(), 1, "exactly one booking at Cal.com");
    let (status, local) = app.get("/api/bookings").await;
    assert_eq!(status, 200);
    let local: Vec<_> = local["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["status"] == "accepted")
        .collect();
    assert_eq!(local.len(), 1, "exactly one booking locally");
    assert_eq!(local[0]["uid"], upstream[0].uid.as_str());
}
