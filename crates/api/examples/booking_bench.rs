//! Booking engine benchmark, end to end over HTTP: client → calbridge API
//! (live mode) → booking saga → testkit Cal.com → storage, on SQLite and,
//! when `DATABASE_URL` is a PostgreSQL URL, on PostgreSQL. Measures
//! bookings per second ([`BOOKINGS`] single bookings at distinct free
//! times over several days and event types, [`CONCURRENCY`] clients) and
//! the time [`SAME_SLOT`] concurrent requests for one time take to settle
//! (exactly one 201, the rest 409).
//!
//! The testkit runs without its rate limit, and the service's Cal.com
//! client gets a budget to match: with the production budget (100 calls a
//! minute, under Cal.com's own limit) the benchmark would only measure
//! that budget.
//!
//! Run: `cargo run --release -p calbridge-api --example booking_bench`
//! (optionally with `DATABASE_URL=postgres://...`). Not run in CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use calbridge_api::auth::issue_token;
use calbridge_api::settings::Settings;
use calbridge_api::startup::Application;
use calbridge_api::tenancy::StaticCalendarDirectory;
use calbridge_calcom::{BreakerPolicy, CalcomClient, CalcomConfig, RateLimitPolicy};
use calbridge_domain::ports::{CalendarPort, SystemClock};
use calbridge_domain::{EventTypeId, SlotQuery, TenantId};
use calbridge_storage::MasterKey;
use calbridge_testkit::{MockCalcom, MockConfig};
use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;

const BOOKINGS: usize = 400;
const CONCURRENCY: usize = 16;
const SAME_SLOT: usize = 200;
/// The testkit's event types: 30, 60 and 15 minutes.
const EVENT_TYPES: [u64; 3] = [1001, 1002, 1003];

struct Row {
    backend: &'static str,
    per_second: f64,
    settle: Duration,
}

/// A booking to make: event type and start.
#[derive(Clone, Copy)]
struct Target {
    event_type: u64,
    start: DateTime<Utc>,
}

#[tokio::main]
async fn main() {
    let mut rows = vec![run("sqlite", None).await];
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => rows.push(run("postgres", Some(url)).await),
        _ => eprintln!("DATABASE_URL is not a PostgreSQL URL: PostgreSQL skipped"),
    }
    println!(
        "| backend | bookings/s over HTTP ({BOOKINGS} bookings, {CONCURRENCY} clients) | {SAME_SLOT} same-slot requests settle in |"
    );
    println!("|---|---|---|");
    for r in rows {
        println!(
            "| {} | {:.0} | {:.0} ms |",
            r.backend,
            r.per_second,
            r.settle.as_secs_f64() * 1000.0
        );
    }
}

/// A Cal.com client for the testkit with limits that never bind.
fn unlimited_client(mock: &MockCalcom) -> Arc<dyn CalendarPort> {
    let config = CalcomConfig::new(SecretString::from(mock.api_key().to_owned()))
        .with_base_url(mock.base_url())
        .with_breaker_policy(BreakerPolicy {
            failure_threshold: 1_000_000,
            open_for: Duration::from_millis(1),
            close_after: 1,
        })
        .with_rate_limit(RateLimitPolicy {
            per_minute: NonZeroU32::new(1_000_000).unwrap(),
            burst: NonZeroU32::new(100_000).unwrap(),
            max_wait: Duration::from_secs(1),
        });
    Arc::new(CalcomClient::new(config).unwrap())
}

async fn run(backend: &'static str, database_url: Option<String>) -> Row {
    let mock = MockCalcom::start_with(
        MockConfig::default().with_rate_limit(1_000_000, Duration::from_secs(60)),
    )
    .await
    .unwrap();
    let db_file = std::env::temp_dir().join(format!(
        "calbridge-bench-{}.db",
        uuid::Uuid::new_v4().simple()
    ));
    let tenant = TenantId::parse(format!(
        "bench-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    ))
    .unwrap();
    let settings = Settings {
        calcom_api_key: Some(SecretString::from(mock.api_key().to_owned())),
        calcom_base_url: mock.base_url(),
        database_url: database_url.unwrap_or_else(|| format!("sqlite://{}", db_file.display())),
        redis_url: None,
        bind: "127.0.0.1:0".parse().unwrap(),
        tenant: tenant.as_str().to_owned(),
        master_key: Some(MasterKey::generate().unwrap().to_base64()),
        sync_interval_secs: 0,
        saga_worker: Default::default(),
    };
    let app = Application::build(settings).await.unwrap();
    let token = issue_token(
        app.storage().tenants.as_ref(),
        &SystemClock,
        &tenant,
        "bench",
        false,
    )
    .await
    .unwrap();
    let calendar = unlimited_client(&mock);
    let mut state = app.state().clone();
    state.directory = Arc::new(StaticCalendarDirectory::new(
        tenant.clone(),
        calendar.clone(),
    ));
    state.calendar = calendar.clone();
    let addr = app.local_addr().unwrap();
    let (listener, _, _) = app.into_parts();
    let router = calbridge_api::routes::router(state.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    let base = format!("http://{addr}/api/bookings");
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(
        reqwest::header::AUTHORIZATION,
        format!("Bearer {}", token.token.expose_secret())
            .parse()
            .unwrap(),
    );
    let client = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();

    let targets = free_targets(calendar.as_ref(), BOOKINGS + 1).await;
    let same_slot = targets[BOOKINGS];
    let queue = Arc::new(Mutex::new(targets[..BOOKINGS].to_vec()));
    let began = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let (queue, client, base) = (queue.clone(), client.clone(), base.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Some(t) = queue.lock().unwrap().pop() else {
                    return n;
                };
                let r = client
                    .post(&base)
                    .json(&body(t, &format!("bench{w}-{n}@example.com")))
                    .send()
                    .await
                    .unwrap();
                let status = r.status();
                assert_eq!(status, 201, "{}", r.text().await.unwrap_or_default());
                n += 1;
            }
        }));
    }
    let mut booked = 0;
    for w in workers {
        booked += w.await.unwrap();
    }
    let per_second = f64::from(u32::try_from(booked).unwrap()) / began.elapsed().as_secs_f64();

    let began = Instant::now();
    let mut racers = Vec::new();
    for i in 0..SAME_SLOT {
        let (client, base) = (client.clone(), base.clone());
        racers.push(tokio::spawn(async move {
            client
                .post(&base)
                .json(&body(same_slot, &format!("racer{i}@example.com")))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for r in racers {
        statuses.push(r.await.unwrap());
    }
    let settle = began.elapsed();
    let wins = statuses.iter().filter(|s| **s == 201).count();
    let lost = statuses.iter().filter(|s| **s == 409).count();
    assert_eq!((wins, lost), (1, SAME_SLOT - 1), "{statuses:?}");
    let upstream = mock
        .bookings()
        .into_iter()
        .filter(|b| b.attendee_email.starts_with("racer"))
        .count();
    assert_eq!(upstream, 1, "exactly one same-slot booking at Cal.com");

    server.abort();
    state.storage.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    Row {
        backend,
        per_second,
        settle,
    }
}

fn body(t: Target, email: &str) -> serde_json::Value {
    json!({
        "eventTypeId": t.event_type,
        "start": t.start.to_rfc3339(),
        "attendee": {"name": "Bench", "email": email, "timeZone": "UTC"},
    })
}

/// `n` free times on weekdays from two days ahead, taking the event types
/// in turn, a quarter of an hour apart so buffers never overlap.
async fn free_targets(calendar: &dyn CalendarPort, n: usize) -> Vec<Target> {
    let mut out = Vec::new();
    let mut day = Utc::now().date_naive() + chrono::Days::new(2);
    let mut turn = 0;
    while out.len() < n {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
            let mut free = Vec::new();
            for et in EVENT_TYPES {
                let q = SlotQuery::new(
                    EventTypeId(et),
                    from,
                    from + TimeDelta::days(1),
                    chrono_tz::Tz::UTC,
                )
                .unwrap();
                // The range's end day counts in full: keep this day's slots only.
                let day_end = from + TimeDelta::days(1);
                let slots: Vec<_> = calendar
                    .free_slots(&q)
                    .await
                    .unwrap()
                    .into_iter()
                    .filter(|s| s.start < day_end)
                    .collect();
                free.push((et, slots));
            }
            let mut cursor = from;
            'day: loop {
                // The next event type in turn that has a slot from `cursor`.
                for k in 0..EVENT_TYPES.len() {
                    let (et, slots) = &free[(turn + k) % EVENT_TYPES.len()];
                    if let Some(s) = slots.iter().find(|s| s.start >= cursor) {
                        out.push(Target {
                            event_type: *et,
                            start: s.start,
                        });
                        // Room for buffers (the 60-minute type has 10 minutes after).
                        cursor = s.end + TimeDelta::minutes(15);
                        turn += 1;
                        continue 'day;
                    }
                }
                break;
            }
        }
        day = day + chrono::Days::new(1);
    }
    out.truncate(n);
    out
}
