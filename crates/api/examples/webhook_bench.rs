//! Benchmarks of issue 8, run by hand (not in CI):
//!
//! 1. webhook ingest (signature check + dedupe + store, through the real
//!    `WebhookEventStore`) against a plain `INSERT` of the same row;
//! 2. a full sync of 10,000 bookings from the testkit into the database.
//!
//! ```sh
//! CALBRIDGE_MASTER_KEY=$(openssl rand -base64 32) \
//! DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p calbridge-api --example webhook_bench
//! ```
//! Without `DATABASE_URL` it uses a temporary SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::{Duration, Instant};

use calbridge_api::auth::{SignatureCheck, verify_signature};
use calbridge_api::settings::Settings;
use calbridge_api::startup::Application;
use calbridge_api::sync::{SyncMode, sync_tenant};
use calbridge_domain::{NewWebhookEvent, TenantId};
use calbridge_testkit::{MockCalcom, MockConfig, RateLimit};
use chrono::{TimeDelta, Utc};
use futures_util::StreamExt;
use hmac::{Hmac, KeyInit, Mac};
use secrecy::SecretString;
use serde_json::{Value, json};

const EVENTS: usize = 5_000;
const BOOKINGS: usize = 10_000;

fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(body);
    hex::encode(mac.finalize().into_bytes())
}

fn body(i: usize) -> Vec<u8> {
    json!({"triggerEvent": "BOOKING_CREATED", "createdAt": Utc::now().to_rfc3339(),
           "payload": {"uid": format!("bench-{i}"), "title": "Bench", "attendees": [{"email": "a@example.com"}]}})
    .to_string()
    .into_bytes()
}

fn rate(n: usize, d: Duration) -> String {
    format!("{:>8.0}/s", n as f64 / d.as_secs_f64())
}

#[tokio::main]
async fn main() {
    let db = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let database_url = db.clone().unwrap_or_else(|| {
        format!(
            "sqlite://{}/calbridge-bench-{}.db",
            std::env::temp_dir().display(),
            uuid::Uuid::new_v4().simple()
        )
    });
    let mock = MockCalcom::start_with(
        MockConfig::default()
            .with_rate_limit(RateLimit::UNLIMITED.requests, Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let tenant = format!("bench-{}", &uuid::Uuid::new_v4().simple().to_string()[..10]);
    let mut settings = Settings::demo(database_url.clone(), "127.0.0.1:0".parse().unwrap());
    settings.calcom_api_key = Some(SecretString::from(mock.api_key().to_owned()));
    settings.calcom_base_url = mock.base_url();
    settings.tenant = tenant.clone();
    settings.sync_interval_secs = 0;
    settings.master_key = Some(
        calbridge_storage::MasterKey::generate()
            .unwrap()
            .to_base64(),
    );
    let app = Application::build(settings).await.unwrap();
    let state = app.state().clone();
    let tenant = TenantId::parse(tenant).unwrap();
    let backend = if db.is_some() { "PostgreSQL" } else { "SQLite" };

    // 1. Webhook ingest.
    let secrets = vec![
        SecretString::from("whsec_old"),
        SecretString::from("whsec_bench"),
    ];
    let bodies: Vec<Vec<u8>> = (0..EVENTS).map(body).collect();
    let sigs: Vec<String> = bodies.iter().map(|b| sign("whsec_bench", b)).collect();
    let started = Instant::now();
    for (b, s) in bodies.iter().zip(&sigs) {
        assert_eq!(
            verify_signature(Some(s.as_bytes()), b, &secrets),
            SignatureCheck::Valid
        );
        let payload = calbridge_api::sync::parse_payload(b).unwrap();
        state
            .storage
            .webhook_events
            .record(
                &tenant,
                &NewWebhookEvent {
                    body: b.clone(),
                    trigger: payload.trigger,
                    booking_uid: payload.booking_uid,
                    payload_created_at: payload.created_at,
                    verified: true,
                    received_at: Utc::now(),
                },
            )
            .await
            .unwrap();
    }
    let ingest = started.elapsed();
    let started = Instant::now();
    for b in &bodies {
        state
            .storage
            .webhook_events
            .record(
                &tenant,
                &NewWebhookEvent {
                    body: b.clone(),
                    trigger: "BOOKING_CREATED".into(),
                    booking_uid: None,
                    payload_created_at: None,
                    verified: true,
                    received_at: Utc::now(),
                },
            )
            .await
            .unwrap();
    }
    let replays = started.elapsed();
    let plain = plain_inserts(&database_url, &bodies).await;

    // 2. Full sync of BOOKINGS bookings.
    let created = seed_bookings(&mock, BOOKINGS).await;
    let started = Instant::now();
    let report = sync_tenant(&state, &tenant, SyncMode::Full, "bench", &|_| {})
        .await
        .unwrap();
    let sync = started.elapsed();
    assert_eq!(
        report.fetched as usize, created,
        "every booking on every page"
    );

    println!("\nbackend: {backend}\n");
    println!("| what | n | time | rate |");
    println!("|---|---:|---:|---:|");
    println!(
        "| webhook ingest: verify (2 secrets) + parse + dedupe + store | {EVENTS} | {:.2?} | {} |",
        ingest,
        rate(EVENTS, ingest)
    );
    println!(
        "| replayed bodies: dedupe only | {EVENTS} | {:.2?} | {} |",
        replays,
        rate(EVENTS, replays)
    );
    println!(
        "| plain INSERT of the same row | {EVENTS} | {:.2?} | {} |",
        plain,
        rate(EVENTS, plain)
    );
    println!(
        "| full sync from the testkit ({} pages) | {} | {:.2?} | {} |",
        report.pages,
        report.fetched,
        sync,
        rate(report.fetched as usize, sync)
    );
    state.storage.close().await;
}

/// The same rows, inserted with nothing else around them.
async fn plain_inserts(url: &str, bodies: &[Vec<u8>]) -> Duration {
    use sha2::Digest;
    let tenant = format!("plain-{}", uuid::Uuid::new_v4().simple());
    if url.starts_with("postgres") {
        let pool = sqlx::PgPool::connect(url).await.unwrap();
        let started = Instant::now();
        for b in bodies {
            sqlx::query("INSERT INTO webhook_events (id, tenant_id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified, received_at) VALUES ($1,$2,$3,$4,NULL,NULL,$5,TRUE,$6)")
                .bind(uuid::Uuid::now_v7()).bind(&tenant).bind(hex::encode(sha2::Sha256::digest(b)))
                .bind("BOOKING_CREATED").bind(b.as_slice()).bind(Utc::now())
                .execute(&pool).await.unwrap();
        }
        started.elapsed()
    } else {
        let pool = sqlx::SqlitePool::connect(url).await.unwrap();
        let started = Instant::now();
        for b in bodies {
            sqlx::query("INSERT INTO webhook_events (id, tenant_id, body_sha256, trigger_event, booking_uid, payload_created_at, body, verified, received_at) VALUES (?1,?2,?3,?4,NULL,NULL,?5,1,?6)")
                .bind(uuid::Uuid::now_v7().to_string()).bind(&tenant).bind(hex::encode(sha2::Sha256::digest(b)))
                .bind("BOOKING_CREATED").bind(b.as_slice()).bind(Utc::now().timestamp_micros())
                .execute(&pool).await.unwrap();
        }
        started.elapsed()
    }
}

/// `n` bookings on the mock: every free 15-minute slot of the next year,
/// reusing cancelled ones when slots run out.
async fn seed_bookings(mock: &MockCalcom, n: usize) -> usize {
    let http = reqwest::Client::new();
    let key = mock.api_key().to_owned();
    let base = mock.base_url();
    let mut slots = Vec::new();
    let mut from = Utc::now() + TimeDelta::days(1);
    for _ in 0..12 {
        let to = from + TimeDelta::days(30);
        let r: Value = http
            .get(format!("{base}/v2/slots"))
            .bearer_auth(&key)
            .header("cal-api-version", "2024-09-04")
            .query(&[
                ("eventTypeId", "1003"),
                ("start", &from.to_rfc3339()),
                ("end", &to.to_rfc3339()),
            ])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if let Some(days) = r["data"].as_object() {
            for day in days.values() {
                for s in day.as_array().into_iter().flatten() {
                    slots.push(s["start"].as_str().unwrap().to_owned());
                }
            }
        }
        from = to;
    }
    assert!(!slots.is_empty(), "the mock offered no slots");
    let reuse = n.saturating_sub(slots.len());
    let book = |start: String, cancel: bool| {
        let (http, key, base) = (http.clone(), key.clone(), base.clone());
        async move {
            let r: Value = http.post(format!("{base}/v2/bookings")).bearer_auth(&key)
                .header("cal-api-version", "2024-08-13")
                .json(&json!({"start": start, "eventTypeId": 1003,
                              "attendee": {"name": "Bench", "email": "bench@example.com", "timeZone": "UTC"}}))
                .send().await.unwrap().json().await.unwrap();
            let uid = r["data"]["uid"]
                .as_str()
                .unwrap_or_else(|| panic!("{r}"))
                .to_owned();
            if cancel {
                http.post(format!("{base}/v2/bookings/{uid}/cancel"))
                    .bearer_auth(&key)
                    .header("cal-api-version", "2024-08-13")
                    .json(&json!({"cancellationReason": "bench"}))
                    .send()
                    .await
                    .unwrap();
            }
        }
    };
    // First the bookings that are cancelled again (their slots are reused).
    futures_util::stream::iter(slots.iter().take(reuse).map(|s| book(s.clone(), true)))
        .buffer_unordered(16)
        .collect::<Vec<_>>()
        .await;
    let rest = n - reuse.min(n);
    futures_util::stream::iter(
        slots
            .iter()
            .cycle()
            .take(rest)
            .map(|s| book(s.clone(), false)),
    )
    .buffer_unordered(16)
    .collect::<Vec<_>>()
    .await;
    mock.bookings().len()
}
