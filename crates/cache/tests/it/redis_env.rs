//! Finding the test Redis, and the skip-or-fail rule when there is none:
//! with `CI=true` a missing Redis fails the test, elsewhere it is skipped.

use std::pin::Pin;
use std::time::Duration;

use calbridge_cache::RedisCache;
use calbridge_domain::conformance::cache::SleepFuture;

/// Real-time sleep for the conformance suite.
pub fn tokio_sleep(duration: Duration) -> SleepFuture {
    Box::pin(tokio::time::sleep(duration)) as Pin<Box<_>>
}

/// A key prefix no other test run uses.
pub fn unique_prefix() -> String {
    format!("calbridge-test:{}:", uuid::Uuid::new_v4().simple())
}

/// Panics under CI, otherwise notes the skip; the caller then returns.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason}; CI=true, so Redis tests must not be skipped");
    }
    eprintln!("skipped: {reason}");
}

/// `REDIS_URL`, or `None` after [`skip_or_fail`].
pub fn redis_url() -> Option<String> {
    match std::env::var("REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            skip_or_fail("REDIS_URL is not set");
            None
        }
    }
}

/// A cache on the test Redis under `prefix`, or `None` after [`skip_or_fail`].
pub async fn redis_cache(prefix: &str) -> Option<RedisCache> {
    let url = redis_url()?;
    match RedisCache::connect(&url, prefix).await {
        Ok(cache) => Some(cache),
        Err(error) => {
            skip_or_fail(&format!("Redis at REDIS_URL is unreachable: {error}"));
            None
        }
    }
}
