//! Slot-hold lookups on SQLite as a host's history grows: every booking
//! leaves a confirmed hold behind, and each `GET /api/slots` and each new
//! hold looks for overlaps among that host's holds. Compares the store's
//! `active_for_host` (bounded by `SlotHold::MAX_LENGTH`, migration 0010)
//! with the same query without the bound, and measures `acquire`.
//!
//! Run: `cargo bench -p calbridge-storage --bench hold_lookups`. Not run in CI.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::time::Instant;

use calbridge_domain::ports::SlotHoldRepository;
use calbridge_domain::{NewSlotHold, TenantId};
use calbridge_storage::SqliteStore;
use chrono::{DateTime, TimeDelta, Utc};

/// Lookups (and acquires) per measurement.
const ROUNDS: u32 = 2_000;

/// The old lookup: every hold of the host that starts before the range's end.
const UNBOUNDED: &str = "
SELECT id FROM slot_holds
WHERE tenant_id = ?1 AND host_id = ?2
  AND (status = 'confirmed' OR (status = 'held' AND (expires_at IS NULL OR expires_at > ?5)))
  AND start_at < ?4 AND ?3 < end_at
ORDER BY start_at, id";

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

#[tokio::main]
async fn main() {
    let dir = std::env::temp_dir().join(format!("calbridge-holds-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let store = SqliteStore::connect(&url).await.unwrap();
    let now = Utc::now();
    println!("| past holds of the host | bounded lookup µs | unbounded lookup µs | acquire µs |");
    println!("|---|---|---|---|");
    for target in [0usize, 1_000, 10_000, 50_000] {
        let tenant = TenantId::parse(format!("bench-{target}")).unwrap();
        let host = 7;
        // Past history: back-to-back 30-minute holds ending before now.
        let mut tx = store.pool().begin().await.unwrap();
        for i in 0..target {
            let end = now - TimeDelta::minutes(30 * i as i64);
            let start = end - TimeDelta::minutes(30);
            sqlx::query(
                "INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status,
                 expires_at, appointment_id, segment_position, booking_uid, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 'confirmed', NULL, NULL, NULL, NULL, ?6, ?6)",
            )
            .bind(uuid::Uuid::now_v7().to_string())
            .bind(tenant.as_str())
            .bind(host)
            .bind(micros(start))
            .bind(micros(end))
            .bind(micros(now))
            .execute(&mut *tx)
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();

        let from = now + TimeDelta::days(2);
        let to = from + TimeDelta::days(1);
        let started = Instant::now();
        for _ in 0..ROUNDS {
            store
                .active_for_host(&tenant, host as u64, from, to, now)
                .await
                .unwrap();
        }
        let bounded = started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);

        let started = Instant::now();
        for _ in 0..ROUNDS {
            sqlx::query(UNBOUNDED)
                .bind(tenant.as_str())
                .bind(host)
                .bind(micros(from))
                .bind(micros(to))
                .bind(micros(now))
                .fetch_all(store.pool())
                .await
                .unwrap();
        }
        let unbounded = started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);

        let started = Instant::now();
        for i in 0..ROUNDS {
            let start = from + TimeDelta::minutes(30 * i64::from(i));
            let hold =
                NewSlotHold::new(host as u64, start, start + TimeDelta::minutes(30)).unwrap();
            store.acquire(&tenant, &hold, now).await.unwrap();
        }
        let acquire = started.elapsed().as_secs_f64() * 1e6 / f64::from(ROUNDS);
        println!("| {target} | {bounded:.0} | {unbounded:.0} | {acquire:.0} |");
    }
    std::fs::remove_dir_all(&dir).ok();
}
