use std::time::Duration;

use async_trait::async_trait;

use crate::error::Result;

/// A shared byte cache with per-entry time to live.
///
/// Callers must treat every error as a miss: the cache only makes things
/// faster, it never decides an outcome.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait CachePort: Send + Sync {
    /// The value under `key`, if present and not expired.
    ///
    /// # Errors
    /// `Unavailable { upstream: Cache }` when the cache cannot be reached.
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>>;

    /// Stores `value` under `key`; it expires after `ttl`, or never with `None`.
    ///
    /// # Errors
    /// `Unavailable { upstream: Cache }` when the cache cannot be reached.
    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()>;

    /// Removes `key`; removing a missing key is not an error.
    ///
    /// # Errors
    /// `Unavailable { upstream: Cache }` when the cache cannot be reached.
    async fn delete(&self, key: &str) -> Result<()>;

    /// Cheap round trip for health checks.
    ///
    /// # Errors
    /// `Unavailable { upstream: Cache }` when the cache cannot be reached.
    async fn ping(&self) -> Result<()>;
}
