//! [`CachePort`] inside the process, on moka: for a single instance, tests
//! and demo mode. Nothing is shared between processes.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use calbridge_domain::Result;
use calbridge_domain::ports::CachePort;
use moka::Expiry;
use moka::future::Cache;

/// A cached value with the TTL it was stored with; moka reads the TTL back
/// through [`PerEntryTtl`].
#[derive(Clone)]
struct Entry {
    /// Shared so moka's internal clones do not copy the bytes.
    value: Arc<[u8]>,
    /// `None` = never expires.
    ttl: Option<Duration>,
}

/// Gives each entry the TTL it was written with. An overwrite replaces the
/// TTL (also with `None`), matching Redis `SET`; reads do not extend it.
struct PerEntryTtl;

impl Expiry<String, Entry> for PerEntryTtl {
    fn expire_after_create(&self, _key: &String, entry: &Entry, _at: Instant) -> Option<Duration> {
        entry.ttl
    }

    fn expire_after_update(
        &self,
        _key: &String,
        entry: &Entry,
        _at: Instant,
        _remaining: Option<Duration>,
    ) -> Option<Duration> {
        entry.ttl
    }
}

/// An in-process, capacity-bounded byte cache with per-entry TTL.
///
/// Cloning is cheap and clones share the entries.
#[derive(Clone)]
pub struct InProcessCache {
    entries: Cache<String, Entry>,
    max_capacity: u64,
}

impl InProcessCache {
    /// A cache holding at most `max_capacity` entries (whatever their size);
    /// beyond that, moka evicts the entries least likely to be used again.
    pub fn new(max_capacity: u64) -> Self {
        Self {
            entries: Cache::builder()
                .max_capacity(max_capacity)
                .expire_after(PerEntryTtl)
                .build(),
            max_capacity,
        }
    }
}

impl std::fmt::Debug for InProcessCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Values may be tenant data: show sizes only.
        f.debug_struct("InProcessCache")
            .field("entries", &self.entries.entry_count())
            .field("max_capacity", &self.max_capacity)
            .finish()
    }
}

#[async_trait]
impl CachePort for InProcessCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(self
            .entries
            .get(key)
            .await
            .map(|entry| entry.value.to_vec()))
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        if ttl == Some(Duration::ZERO) {
            // Already expired: it must not be readable, nor may the value it
            // replaces stay readable.
            self.entries.invalidate(key).await;
            return Ok(());
        }
        let entry = Entry {
            value: Arc::from(value),
            ttl,
        };
        self.entries.insert(key.to_owned(), entry).await;
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        self.entries.invalidate(key).await;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn over_capacity_evicts_and_keeps_answering() {
        let cache = InProcessCache::new(10);
        for i in 0..500 {
            cache
                .set(&format!("key-{i}"), b"value", None)
                .await
                .unwrap();
        }
        cache.entries.run_pending_tasks().await;
        assert!(
            cache.entries.entry_count() <= 10,
            "holds {} entries, capacity 10",
            cache.entries.entry_count()
        );

        let mut present = 0;
        for i in 0..500 {
            if cache.get(&format!("key-{i}")).await.unwrap().is_some() {
                present += 1;
            }
        }
        assert!(present <= 10, "{present} entries readable, capacity 10");

        // Still a working cache after eviction.
        cache.ping().await.unwrap();
        cache.set("after", b"still works", None).await.unwrap();
        cache.delete("after").await.unwrap();
        assert_eq!(cache.get("after").await.unwrap(), None);
    }

    #[tokio::test]
    async fn debug_shows_no_values() {
        let cache = InProcessCache::new(5);
        cache.set("k", b"tenant-secret-value", None).await.unwrap();
        let debug = format!("{cache:?}");
        assert!(debug.contains("max_capacity: 5"), "{debug}");
        assert!(!debug.contains("tenant-secret-value"), "{debug}");
    }
}
