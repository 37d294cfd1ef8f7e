//! How to reach Cal.com and how patiently: base URL, API key, time limits,
//! retries, circuit breaker, rate limit, API v1 fallback, and the optional
//! Redis that shares breaker and limiter state across instances.
//!
//! Every knob has a default, so `CalcomConfig::new(key)` is a complete,
//! Redis-free configuration.

use std::time::Duration;

use redis::aio::ConnectionManager;
use secrecy::SecretString;

use crate::resilience::{BreakerPolicy, GuardRegistry, RateLimitPolicy, RetryPolicy};
use crate::v1::V1Mode;

/// Where the shared breaker/limiter state lives.
#[derive(Clone)]
pub(crate) enum RedisSource {
    /// Connect lazily to this URL (it may carry a password, hence secret).
    Url(SecretString),
    /// Use the application's existing connection.
    Manager(ConnectionManager),
}

/// Settings for one [`crate::CalcomClient`]: one Cal.com account (one API key).
///
/// The key is a [`SecretString`], so `Debug` prints `[REDACTED]` instead of
/// it; a Redis URL is never printed either.
#[derive(Clone)]
pub struct CalcomConfig {
    /// Where the v2 API lives (every path starts with `/v2/...` below it).
    /// Cal.com cloud by default; self-hosted or staging instances differ.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>` (v2) or `?apiKey=` (v1); never
    /// logged or displayed.
    pub api_key: SecretString,
    /// Upper bound for one attempt (connect, send, read the body), so a
    /// hung Cal.com cannot hold a caller forever.
    pub timeout: Duration,
    /// Upper bound for opening the connection; fails fast when Cal.com is unreachable.
    pub connect_timeout: Duration,
    /// Upper bound for one operation as a whole: every attempt, backoff,
    /// rate-limit wait and lookup of its retry loop. Retries and waits that
    /// would end past it are not started, and an attempt's time limit is cut
    /// to what is left, so a caller is never held much longer than this.
    /// Settling an unknown outcome (the lookup after a lost create or
    /// reschedule) may take up to one more `timeout`, because answering
    /// "in doubt" without looking is worse.
    pub operation_deadline: Duration,
    /// Which failed calls are sent again, and how long to wait in between.
    pub retry: RetryPolicy,
    /// When the circuit breaker opens and closes.
    pub breaker: BreakerPolicy,
    /// How fast calls may go out, and how long one may wait for its turn.
    pub rate_limit: RateLimitPolicy,
    /// When API v1 is used instead of v2.
    pub v1_mode: V1Mode,
    /// Where API v1 lives; `None` means the same host as `base_url`
    /// (`https://api.cal.com/v1/...`).
    pub v1_base_url: Option<String>,
    /// Prepended to the Redis keys of the shared guards.
    pub redis_key_prefix: String,
    redis: Option<RedisSource>,
    registry: Option<GuardRegistry>,
}

impl std::fmt::Debug for CalcomConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CalcomConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("operation_deadline", &self.operation_deadline)
            .field("retry", &self.retry)
            .field("breaker", &self.breaker)
            .field("rate_limit", &self.rate_limit)
            .field("v1_mode", &self.v1_mode)
            .field("v1_base_url", &self.v1_base_url)
            .field("redis_key_prefix", &self.redis_key_prefix)
            .field(
                "redis",
                &match self.redis {
                    None => "none",
                    Some(RedisSource::Url(_)) => "url [REDACTED]",
                    Some(RedisSource::Manager(_)) => "connection",
                },
            )
            .field("shared_registry", &self.registry.is_some())
            .finish()
    }
}

impl CalcomConfig {
    /// Cal.com cloud's API.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.cal.com";
    /// Default per-attempt time limit.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default connect time limit.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
    /// Default bound of one operation, retries included.
    pub const DEFAULT_OPERATION_DEADLINE: Duration = Duration::from_secs(30);
    /// Default prefix of the Redis keys.
    pub const DEFAULT_REDIS_KEY_PREFIX: &'static str = "calbridge:";

    /// Settings for Cal.com cloud with every default: 10 s per attempt,
    /// 30 s per operation, 3 attempts from 100 ms, breaker 5 failures / 60 s / 2 successes, 100 calls a minute,
    /// v1 only when v2 lacks an operation, no Redis.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            api_key,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
            operation_deadline: Self::DEFAULT_OPERATION_DEADLINE,
            retry: RetryPolicy::default(),
            breaker: BreakerPolicy::default(),
            rate_limit: RateLimitPolicy::default(),
            v1_mode: V1Mode::default(),
            v1_base_url: None,
            redis_key_prefix: Self::DEFAULT_REDIS_KEY_PREFIX.to_owned(),
            redis: None,
            registry: None,
        }
    }

    /// Points the client at another Cal.com instance (self-hosted, staging, a mock).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Replaces the per-attempt time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the connect time limit.
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }

    /// Replaces the bound of one operation, retries included.
    pub fn with_operation_deadline(mut self, deadline: Duration) -> Self {
        self.operation_deadline = deadline;
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Replaces the circuit-breaker policy.
    pub fn with_breaker_policy(mut self, breaker: BreakerPolicy) -> Self {
        self.breaker = breaker;
        self
    }

    /// Replaces the rate-limit quota and the longest wait for a slot.
    pub fn with_rate_limit(mut self, rate_limit: RateLimitPolicy) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Chooses when API v1 is used.
    pub fn with_v1_mode(mut self, mode: V1Mode) -> Self {
        self.v1_mode = mode;
        self
    }

    /// Points v1 calls somewhere else than `base_url`.
    pub fn with_v1_base_url(mut self, url: impl Into<String>) -> Self {
        self.v1_base_url = Some(url.into());
        self
    }

    /// Shares breaker and limiter state through the Redis at `url`
    /// (connected lazily; an unreachable Redis only means local state).
    pub fn with_redis_url(mut self, url: SecretString) -> Self {
        self.redis = Some(RedisSource::Url(url));
        self
    }

    /// Shares breaker and limiter state through an existing Redis connection.
    pub fn with_redis(mut self, connection: ConnectionManager) -> Self {
        self.redis = Some(RedisSource::Manager(connection));
        self
    }

    /// Replaces the prefix of the Redis keys (separate deployments or tests).
    pub fn with_redis_key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.redis_key_prefix = prefix.into();
        self
    }

    /// Shares breakers and limiters with every other client built with a
    /// clone of `registry` (several clients for one key in one process).
    pub fn with_guard_registry(mut self, registry: GuardRegistry) -> Self {
        self.registry = Some(registry);
        self
    }

    pub(crate) fn redis_source(&self) -> Option<&RedisSource> {
        self.redis.as_ref()
    }

    pub(crate) fn registry(&self) -> Option<&GuardRegistry> {
        self.registry.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_cal_com_cloud_without_redis() {
        let c = CalcomConfig::new(SecretString::from("cal_test_key"));
        assert_eq!(c.base_url, "https://api.cal.com");
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        assert_eq!(c.operation_deadline, Duration::from_secs(30));
        assert_eq!(c.retry.max_attempts, 3);
        assert_eq!(c.retry.initial_delay, Duration::from_millis(100));
        assert_eq!(c.breaker.failure_threshold, 5);
        assert_eq!(c.breaker.open_for, Duration::from_secs(60));
        assert_eq!(c.breaker.close_after, 2);
        assert!(c.rate_limit.per_minute.get() < 120);
        assert_eq!(c.v1_mode, V1Mode::Fallback);
        assert!(c.redis_source().is_none());
        let c = c
            .with_base_url("http://localhost:5555")
            .with_timeout(Duration::from_millis(250))
            .with_connect_timeout(Duration::from_millis(50))
            .with_operation_deadline(Duration::from_secs(2))
            .with_retry_policy(RetryPolicy::never())
            .with_v1_mode(V1Mode::Off);
        assert_eq!(c.base_url, "http://localhost:5555");
        assert_eq!(c.timeout, Duration::from_millis(250));
        assert_eq!(c.connect_timeout, Duration::from_millis(50));
        assert_eq!(c.operation_deadline, Duration::from_secs(2));
        assert_eq!(c.retry.max_attempts, 1);
        assert_eq!(c.v1_mode, V1Mode::Off);
    }

    #[test]
    fn debug_hides_the_key_and_the_redis_url() {
        let c = CalcomConfig::new(SecretString::from("cal_live_s3cr3tvalue"))
            .with_redis_url(SecretString::from("redis://:hunter2@cache:6379"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
