//! The in-process cache against the shared conformance suite.

use calbridge_cache::InProcessCache;
use calbridge_domain::conformance::cache as conformance;

use crate::redis_env::tokio_sleep;

#[tokio::test]
async fn in_process_cache_passes_conformance() {
    let cache = InProcessCache::new(1_000);
    conformance::run_all(&cache, &tokio_sleep).await;
}

#[tokio::test]
async fn tiny_capacity_cache_still_passes_the_untimed_checks() {
    // Capacity 1: every write may evict another key, yet each check's own
    // write-then-read must hold.
    let cache = InProcessCache::new(1);
    conformance::binary_values_round_trip(&cache).await;
    conformance::overwrite_replaces_value(&cache).await;
    conformance::delete_removes_key(&cache).await;
    conformance::large_value_round_trips(&cache).await;
}
