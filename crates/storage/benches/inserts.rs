//! Booking inserts per second through `BookingRepository::upsert` versus
//! the same row inserted with a plain prepared statement on the same pool,
//! on SQLite (a temp file) and PostgreSQL (a scratch database on the
//! `DATABASE_URL` server, dropped afterwards), one task and eight tasks.
//!
//! Run: `DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!       cargo bench -p calbridge-storage --bench inserts`
//! (without `DATABASE_URL` only SQLite is measured). Not run in CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use calbridge_domain::ports::BookingRepository;
use calbridge_domain::{
    Attendee, Booking, BookingSource, BookingStatus, BookingUid, Email, EventTypeId, Host, TenantId,
};
use calbridge_storage::{PgStore, SqliteStore};
use chrono::{DateTime, TimeDelta, Utc};
use sqlx::AssertSqlSafe;
use sqlx::postgres::PgPoolOptions;

/// Rows per measurement.
const ROWS: usize = 2_000;
/// Tasks in the concurrent measurement.
const TASKS: usize = 8;

const SQLITE_PLAIN: &str = "
INSERT INTO bookings (tenant_id, uid, event_type_id, title, start_at, end_at, status, host,
    attendees, metadata, rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, source,
    created_at, updated_at, row_version, synced_at)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, NULL, NULL, NULL, 'ours', ?11, ?12, 1, ?13)";

const PG_PLAIN: &str = "
INSERT INTO bookings (tenant_id, uid, event_type_id, title, start_at, end_at, status, host,
    attendees, metadata, rescheduled_from_uid, rescheduled_to_uid, cancellation_reason, source,
    created_at, updated_at, row_version, synced_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9::jsonb, $10::jsonb, NULL, NULL, NULL, 'ours', $11, $12, 1, $13)";

fn booking(uid: &str) -> Booking {
    let at = DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant");
    Booking {
        uid: BookingUid::parse(uid).expect("uid"),
        event_type_id: EventTypeId(42),
        title: "30 min consultation".into(),
        start: at,
        end: at + TimeDelta::minutes(30),
        status: BookingStatus::Accepted,
        host: Some(Host {
            id: 7,
            name: "Dr. Host".into(),
            email: "host@example.com".into(),
        }),
        attendees: vec![
            Attendee::new(
                "Ann",
                Email::parse("ann@example.com").expect("email"),
                chrono_tz::Tz::Europe__Berlin,
            )
            .expect("attendee"),
        ],
        metadata: [(
            "correlationId".to_owned(),
            "0190f0c2-5f4e-7cc1-9a4b-3c2d1e0f9a8b".to_owned(),
        )]
        .into(),
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        cancellation_reason: None,
        created_at: at,
        updated_at: at,
    }
}

/// The row's JSON columns, serialised once (what a hand-written insert
/// of a constant row would bind).
struct PlainRow {
    host: String,
    attendees: String,
    metadata: String,
    sample: Booking,
}

impl PlainRow {
    fn new() -> Self {
        let sample = booking("template");
        Self {
            host: serde_json::to_string(&sample.host).expect("host"),
            attendees: serde_json::to_string(&sample.attendees).expect("attendees"),
            metadata: serde_json::to_string(&sample.metadata).expect("metadata"),
            sample,
        }
    }
}

/// Runs `insert(i)` for `ROWS` distinct rows on `tasks` tasks; rows/s.
async fn measure<F, Fut>(tasks: usize, insert: F) -> f64
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send,
{
    let insert = Arc::new(insert);
    let started = Instant::now();
    let mut handles = Vec::new();
    for task in 0..tasks {
        let insert = Arc::clone(&insert);
        handles.push(tokio::spawn(async move {
            for i in (task..ROWS).step_by(tasks) {
                insert(i).await;
            }
        }));
    }
    for h in handles {
        h.await.expect("insert task");
    }
    rate(started.elapsed())
}

fn rate(elapsed: Duration) -> f64 {
    let rows = f64::from(u32::try_from(ROWS).expect("rows fit u32"));
    rows / elapsed.as_secs_f64()
}

/// One table line.
fn line(backend: &str, path: &str, tasks: usize, per_sec: f64) {
    println!("| {backend:<8} | {path:<28} | {tasks:>5} | {ROWS:>6} | {per_sec:>10.0} |");
}

async fn sqlite(dir: &std::path::Path) {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = SqliteStore::connect(&url).await.expect("sqlite");
    let row = Arc::new(PlainRow::new());
    for tasks in [1, TASKS] {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let repo = store.clone();
        let tenant = TenantId::parse(format!("bench-{run}")).expect("tenant");
        let per_sec = measure(tasks, move |i| {
            let repo = repo.clone();
            let tenant = tenant.clone();
            async move {
                repo.upsert(&tenant, &booking(&format!("repo-{i}")), BookingSource::Ours)
                    .await
                    .expect("upsert");
            }
        })
        .await;
        line("SQLite", "repository upsert", tasks, per_sec);
        let pool = store.pool().clone();
        let row = Arc::clone(&row);
        let tenant = format!("plain-{run}");
        let per_sec = measure(tasks, move |i| {
            let pool = pool.clone();
            let row = Arc::clone(&row);
            let tenant = tenant.clone();
            async move {
                let b = &row.sample;
                sqlx::query(SQLITE_PLAIN)
                    .bind(tenant)
                    .bind(format!("plain-{i}"))
                    .bind(42_i64)
                    .bind(&b.title)
                    .bind(b.start.timestamp_micros())
                    .bind(b.end.timestamp_micros())
                    .bind("accepted")
                    .bind(&row.host)
                    .bind(&row.attendees)
                    .bind(&row.metadata)
                    .bind(b.created_at.timestamp_micros())
                    .bind(b.updated_at.timestamp_micros())
                    .bind(Utc::now().timestamp_micros())
                    .execute(&pool)
                    .await
                    .expect("plain insert");
            }
        })
        .await;
        line("SQLite", "plain prepared INSERT", tasks, per_sec);
    }
    store.pool().close().await;
}

async fn postgres(server_url: &str) {
    let admin = PgPoolOptions::new()
        .max_connections(1)
        .connect(server_url)
        .await
        .expect("DATABASE_URL must be reachable");
    let name = format!("calbridge_bench_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("create the bench database");
    let (scheme, rest) = server_url.split_once("://").expect("a server URL");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |i| &after[i..]);
    let url = format!("{scheme}://{authority}/{name}{query}");
    let store = PgStore::connect(&url).await.expect("postgres");
    let row = Arc::new(PlainRow::new());
    for tasks in [1, TASKS] {
        let run = uuid::Uuid::new_v4().simple().to_string();
        let repo = store.clone();
        let tenant = TenantId::parse(format!("bench-{run}")).expect("tenant");
        let per_sec = measure(tasks, move |i| {
            let repo = repo.clone();
            let tenant = tenant.clone();
            async move {
                repo.upsert(&tenant, &booking(&format!("repo-{i}")), BookingSource::Ours)
                    .await
                    .expect("upsert");
            }
        })
        .await;
        line("Postgres", "repository upsert", tasks, per_sec);
        let pool = store.pool().clone();
        let row = Arc::clone(&row);
        let tenant = format!("plain-{run}");
        let per_sec = measure(tasks, move |i| {
            let pool = pool.clone();
            let row = Arc::clone(&row);
            let tenant = tenant.clone();
            async move {
                let b = &row.sample;
                sqlx::query(PG_PLAIN)
                    .bind(tenant)
                    .bind(format!("plain-{i}"))
                    .bind(42_i64)
                    .bind(&b.title)
                    .bind(b.start)
                    .bind(b.end)
                    .bind("accepted")
                    .bind(&row.host)
                    .bind(&row.attendees)
                    .bind(&row.metadata)
                    .bind(b.created_at)
                    .bind(b.updated_at)
                    .bind(Utc::now())
                    .execute(&pool)
                    .await
                    .expect("plain insert");
            }
        })
        .await;
        line("Postgres", "plain prepared INSERT", tasks, per_sec);
    }
    store.pool().close().await;
    sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin)
    .await
    .expect("drop the bench database");
}

#[tokio::main]
async fn main() {
    let dir =
        std::env::temp_dir().join(format!("calbridge-bench-{}", uuid::Uuid::new_v4().simple()));
    println!("| backend  | path                         | tasks |   rows |     rows/s |");
    println!("|----------|------------------------------|------:|-------:|-----------:|");
    sqlite(&dir).await;
    let _ = std::fs::remove_dir_all(&dir);
    match std::env::var("DATABASE_URL") {
        Ok(url) => postgres(&url).await,
        Err(_) => println!("(Postgres skipped: set DATABASE_URL to a server URL)"),
    }
}
