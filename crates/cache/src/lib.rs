//! calbridge's [`CachePort`] adapters: an in-process cache for a single
//! instance (and demo mode), and Redis when several instances must share
//! slot caches and invalidations.
//!
//! The api picks one at start-up with [`connect`]. Every failure is a
//! [`CacheError`], which becomes `DomainError::Unavailable { upstream: Cache }`
//! at the port boundary; the use cases then read through to the calendar.

mod error;
mod in_process;
mod redis_cache;

use std::sync::Arc;

use calbridge_domain::ports::CachePort;

pub use error::CacheError;
pub use in_process::InProcessCache;
pub use redis_cache::RedisCache;

/// Entries the in-process cache holds before evicting: plenty for the slot
/// lists of a few hundred tenants, small enough to bound memory.
pub const DEFAULT_IN_PROCESS_CAPACITY: u64 = 10_000;

/// Key prefix [`connect`] uses on Redis: empty, because the domain already
/// namespaces every key with `calbridge:`. Use [`RedisCache::connect`] with
/// your own prefix to share one Redis database between deployments.
pub const DEFAULT_REDIS_KEY_PREFIX: &str = "";

/// The cache the service should use: Redis when a URL is configured,
/// otherwise an in-process cache of [`DEFAULT_IN_PROCESS_CAPACITY`] entries.
///
/// # Errors
/// With a URL, any [`RedisCache::connect`] error (bad URL, unreachable or
/// refusing server). Never fails without one.
pub async fn connect(redis_url: Option<&str>) -> Result<Arc<dyn CachePort>, CacheError> {
    match redis_url {
        None => Ok(Arc::new(InProcessCache::new(DEFAULT_IN_PROCESS_CAPACITY))),
        Some(url) => Ok(Arc::new(
            RedisCache::connect(url, DEFAULT_REDIS_KEY_PREFIX).await?,
        )),
    }
}
