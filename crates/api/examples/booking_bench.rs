//! Booking engine benchmark: bookings per second through the saga
//! (use case → saga log → testkit Cal.com → store) on SQLite and, when
//! `DATABASE_URL` is a PostgreSQL URL, on PostgreSQL; and the time 200
//! concurrent requests for one slot take to settle (exactly one wins).
//!
//! Run: `cargo run --release -p calbridge-api --example booking_bench`
//! (optionally with `DATABASE_URL=postgres://...`). Not run in CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::collections::BTreeMap;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calbridge_api::saga_worker::engine_for_parts;
use calbridge_calcom::{BreakerPolicy, CalcomClient, CalcomConfig, RateLimitPolicy};
use calbridge_domain::ports::{CalendarPort, SystemClock};
use calbridge_domain::usecases::BookingService;
use calbridge_domain::{
    Appointment, Attendee, DomainError, Email, EventTypeId, SlotQuery, TenantId,
};
use calbridge_storage::{Keyring, MasterKey};
use calbridge_testkit::{MockCalcom, MockConfig};
use chrono::{DateTime, Datelike, TimeDelta, Utc, Weekday};

const BOOKINGS: usize = 400;
const CONCURRENCY: usize = 16;
const SAME_SLOT: usize = 200;

struct Row {
    backend: &'static str,
    per_second: f64,
    settle: Duration,
}

#[tokio::main]
async fn main() {
    let mut rows = vec![run("sqlite", None).await];
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => rows.push(run("postgres", Some(url)).await),
        _ => eprintln!("DATABASE_URL is not a PostgreSQL URL: PostgreSQL skipped"),
    }
    println!(
        "| backend | bookings/s ({BOOKINGS} single bookings, {CONCURRENCY} concurrent) | {SAME_SLOT} same-slot requests settle in |"
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
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", db_file.display()));
    let storage = calbridge_storage::open(&url, Keyring::new(1, MasterKey::generate().unwrap()))
        .await
        .unwrap();
    let config = CalcomConfig::new(secrecy::SecretString::from(mock.api_key().to_owned()))
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
    let calendar: Arc<dyn CalendarPort> = Arc::new(CalcomClient::new(config).unwrap());
    let tenant = TenantId::parse(format!(
        "bench-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    ))
    .unwrap();
    let service = BookingService::new(
        tenant,
        calendar.clone(),
        storage.bookings.clone(),
        calbridge_cache::connect(None).await.unwrap(),
        Arc::new(SystemClock),
    );
    let engine = engine_for_parts(&storage, Arc::new(SystemClock));

    let starts = slot_starts(calendar.as_ref(), BOOKINGS + 1).await;
    let same_slot = starts[BOOKINGS];
    let queue = Arc::new(std::sync::Mutex::new(starts[..BOOKINGS].to_vec()));
    let began = Instant::now();
    let mut workers = Vec::new();
    for w in 0..CONCURRENCY {
        let (queue, service, engine) = (queue.clone(), service.clone(), engine.clone());
        workers.push(tokio::spawn(async move {
            let mut n = 0;
            loop {
                let Some(start) = queue.lock().unwrap().pop() else {
                    return n;
                };
                let a = appointment(start, &format!("bench{w}-{n}@example.com"));
                service.book_through(&engine, &a).await.expect("booked");
                n += 1;
            }
        }));
    }
    let mut booked = 0;
    for w in workers {
        booked += w.await.unwrap();
    }
    let per_second = booked as f64 / began.elapsed().as_secs_f64();

    let began = Instant::now();
    let mut racers = Vec::new();
    for i in 0..SAME_SLOT {
        let (service, engine) = (service.clone(), engine.clone());
        racers.push(tokio::spawn(async move {
            service
                .book_through(
                    &engine,
                    &appointment(same_slot, &format!("racer{i}@example.com")),
                )
                .await
        }));
    }
    let mut wins = 0;
    for r in racers {
        match r.await.unwrap() {
            Ok(_) => wins += 1,
            Err(DomainError::SlotUnavailable { .. }) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    let settle = began.elapsed();
    assert_eq!(wins, 1, "exactly one wins");
    storage.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_file.display()));
    }
    Row {
        backend,
        per_second,
        settle,
    }
}

fn appointment(start: DateTime<Utc>, email: &str) -> Appointment {
    let attendee =
        Attendee::new("Bench", Email::parse(email).unwrap(), chrono_tz::Tz::UTC).unwrap();
    Appointment::new(
        EventTypeId(1001),
        start,
        attendee,
        BTreeMap::new(),
        Utc::now(),
    )
    .unwrap()
}

/// `n` free 30-minute slot starts on weekdays from two days ahead.
async fn slot_starts(calendar: &dyn CalendarPort, n: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    let mut day = Utc::now().date_naive() + chrono::Days::new(2);
    while out.len() < n {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            let from = day.and_hms_opt(0, 0, 0).unwrap().and_utc();
            let q = SlotQuery::new(
                EventTypeId(1001),
                from,
                from + TimeDelta::days(1),
                chrono_tz::Tz::UTC,
            )
            .unwrap();
            // Keep non-overlapping 30-minute starts only.
            for slot in calendar.free_slots(&q).await.unwrap() {
                if out
                    .last()
                    .is_none_or(|last: &DateTime<Utc>| slot.start >= *last + TimeDelta::minutes(30))
                {
                    out.push(slot.start);
                }
            }
        }
        day = day + chrono::Days::new(1);
    }
    out.truncate(n);
    out
}
