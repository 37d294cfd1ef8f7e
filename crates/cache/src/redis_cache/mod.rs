//! [`CachePort`] on Redis, shared by every instance of the service, over
//! redis-rs' `ConnectionManager` (one multiplexed connection that
//! reconnects by itself).
//!
//! Redis is an optimisation here, so an outage must surface as an error
//! fast, never as a hang: connects and replies time out after about a
//! second, a reconnect is retried once, and every operation has an overall
//! deadline on top.

mod redaction;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use calbridge_domain::Result;
use calbridge_domain::ports::CachePort;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{Cmd, FromRedisValue};

use crate::error::CacheError;
use redaction::Redactor;

/// Per attempt to open a TCP connection (and handshake).
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(1);
/// Per command reply; a 1 MiB value takes milliseconds on a healthy link.
const RESPONSE_TIMEOUT: Duration = Duration::from_secs(1);
/// Reconnect attempts after the first fails; more would only delay the error.
const RECONNECT_RETRIES: usize = 1;
/// Backoff bounds between reconnect attempts.
const RECONNECT_MIN_DELAY: Duration = Duration::from_millis(100);
/// See [`RECONNECT_MIN_DELAY`].
const RECONNECT_MAX_DELAY: Duration = Duration::from_millis(500);
/// Overall bound on one operation, reconnects included: two connection
/// attempts, one backoff and one reply fit inside it.
const OPERATION_DEADLINE: Duration = Duration::from_secs(3);
/// Longer TTLs are cut to this: Redis rejects expiry times that overflow
/// its clock, and a century is "forever" for a cache.
const MAX_TTL: Duration = Duration::from_secs(100 * 365 * 24 * 60 * 60);

/// What a `set` must do in Redis for a given TTL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    /// TTL zero: the value is expired on arrival, so remove the key.
    Immediately,
    /// `SET key value PX millis`.
    AfterMillis(u64),
    /// `SET key value`: no expiry (and any earlier one is dropped).
    Never,
}

impl Expiry {
    /// Rounds up to whole milliseconds (Redis' `PX` resolution), so a
    /// sub-millisecond TTL expires after 1 ms instead of never or at once.
    fn from_ttl(ttl: Option<Duration>) -> Self {
        match ttl {
            None => Expiry::Never,
            Some(ttl) if ttl.is_zero() => Expiry::Immediately,
            Some(ttl) => {
                let ttl = ttl.min(MAX_TTL);
                let whole = ttl.as_millis();
                let millis = if ttl.subsec_nanos() % 1_000_000 == 0 {
                    whole
                } else {
                    whole + 1
                };
                Expiry::AfterMillis(u64::try_from(millis).unwrap_or(u64::MAX))
            }
        }
    }
}

/// A byte cache in Redis, with per-entry TTL (`PX`, millisecond precision).
///
/// Cloning is cheap and clones share the connection.
#[derive(Clone)]
pub struct RedisCache {
    connection: ConnectionManager,
    /// Prepended to every key, to share one Redis database between
    /// deployments (or test runs).
    key_prefix: String,
    /// `host:port` without credentials, for errors and logs.
    addr: String,
    redactor: Arc<Redactor>,
}

impl RedisCache {
    /// Connects to the Redis at `url` (`redis://[user][:password@]host[:port][/db]`)
    /// and checks it answers `PING`. `key_prefix` is prepended to every key
    /// (may be empty).
    ///
    /// # Errors
    /// [`CacheError::InvalidUrl`] for a URL the client cannot use,
    /// [`CacheError::Connect`] when the server refuses or rejects us, and
    /// [`CacheError::Timeout`] when it does not answer within a few seconds.
    /// No error contains the password.
    pub async fn connect(url: &str, key_prefix: &str) -> Result<Self, CacheError> {
        let cache = Self::new_lazy(url, key_prefix)?;
        match cache.run::<String>("PING", redis::cmd("PING")).await {
            Ok(_) => {
                tracing::info!(addr = %cache.addr, "connected to redis cache");
                Ok(cache)
            }
            Err(CacheError::Command { reason, .. }) => Err(CacheError::Connect {
                addr: cache.addr.clone(),
                reason,
            }),
            Err(CacheError::Timeout { after, .. }) => Err(CacheError::Timeout {
                operation: "connect",
                after,
            }),
            Err(other) => Err(other),
        }
    }

    /// Builds the cache without touching the network; the connection is
    /// opened on first use.
    fn new_lazy(url: &str, key_prefix: &str) -> Result<Self, CacheError> {
        let redactor = Redactor::for_url(url);
        let client = redis::Client::open(url).map_err(|e| CacheError::InvalidUrl {
            reason: redactor.scrub(&e.to_string()),
        })?;
        let addr = redactor.scrub(&client.get_connection_info().addr().to_string());
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(CONNECTION_TIMEOUT))
            .set_response_timeout(Some(RESPONSE_TIMEOUT))
            .set_number_of_retries(RECONNECT_RETRIES)
            .set_min_delay(RECONNECT_MIN_DELAY)
            .set_max_delay(RECONNECT_MAX_DELAY);
        let connection = ConnectionManager::new_lazy_with_config(client, config).map_err(|e| {
            CacheError::Connect {
                addr: addr.clone(),
                reason: redactor.scrub(&e.to_string()),
            }
        })?;
        Ok(Self {
            connection,
            key_prefix: key_prefix.to_owned(),
            addr,
            redactor: Arc::new(redactor),
        })
    }

    fn key(&self, key: &str) -> String {
        format!("{}{key}", self.key_prefix)
    }

    /// Runs one command under [`OPERATION_DEADLINE`], turning every failure
    /// into a scrubbed [`CacheError`].
    async fn run<T: FromRedisValue>(
        &self,
        operation: &'static str,
        cmd: Cmd,
    ) -> Result<T, CacheError> {
        let mut connection = self.connection.clone();
        match tokio::time::timeout(OPERATION_DEADLINE, cmd.query_async::<T>(&mut connection)).await
        {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(e)) => Err(CacheError::Command {
                operation,
                reason: self.redactor.scrub(&e.to_string()),
            }),
            Err(_elapsed) => Err(CacheError::Timeout {
                operation,
                after: OPERATION_DEADLINE,
            }),
        }
    }
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // By hand: the connection's own Debug shows client internals, and
        // the URL (with its password) must never be printed.
        f.debug_struct("RedisCache")
            .field("addr", &self.addr)
            .field("key_prefix", &self.key_prefix)
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl CachePort for RedisCache {
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(self.key(key));
        Ok(self.run::<Option<Vec<u8>>>("GET", cmd).await?)
    }

    async fn set(&self, key: &str, value: &[u8], ttl: Option<Duration>) -> Result<()> {
        let key = self.key(key);
        match Expiry::from_ttl(ttl) {
            Expiry::Immediately => {
                let mut cmd = redis::cmd("DEL");
                cmd.arg(key);
                self.run::<i64>("DEL", cmd).await?;
            }
            Expiry::AfterMillis(millis) => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(value).arg("PX").arg(millis);
                self.run::<()>("SET", cmd).await?;
            }
            Expiry::Never => {
                let mut cmd = redis::cmd("SET");
                cmd.arg(key).arg(value);
                self.run::<()>("SET", cmd).await?;
            }
        }
        Ok(())
    }

    async fn delete(&self, key: &str) -> Result<()> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.key(key));
        self.run::<i64>("DEL", cmd).await?;
        Ok(())
    }

    async fn ping(&self) -> Result<()> {
        self.run::<String>("PING", redis::cmd("PING")).await?;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn ttl_maps_to_redis_expiry() {
        assert_eq!(Expiry::from_ttl(None), Expiry::Never);
        assert_eq!(Expiry::from_ttl(Some(Duration::ZERO)), Expiry::Immediately);
        assert_eq!(
            Expiry::from_ttl(Some(Duration::from_nanos(1))),
            Expiry::AfterMillis(1)
        );
        assert_eq!(
            Expiry::from_ttl(Some(Duration::from_micros(1500))),
            Expiry::AfterMillis(2)
        );
        assert_eq!(
            Expiry::from_ttl(Some(Duration::from_millis(300))),
            Expiry::AfterMillis(300)
        );
        let max_ms = u64::try_from(MAX_TTL.as_millis()).unwrap();
        assert_eq!(
            Expiry::from_ttl(Some(Duration::MAX)),
            Expiry::AfterMillis(max_ms)
        );
    }

    #[tokio::test]
    async fn debug_and_lazy_errors_hide_the_password() {
        // Lazy: nothing listens on port 1, and nothing is contacted here.
        let cache = RedisCache::new_lazy("redis://user:s3cret@127.0.0.1:1/0", "p:").unwrap();
        let debug = format!("{cache:?}");
        assert!(!debug.contains("s3cret"), "{debug}");
        assert!(debug.contains("127.0.0.1:1"), "{debug}");
        assert!(debug.contains("p:"), "{debug}");
    }

    #[test]
    fn invalid_url_is_a_typed_error_without_the_password() {
        for url in [
            "",
            "not a url",
            "http://:s3cret@host",
            "redis://:s3cret@host/notadb",
        ] {
            match RedisCache::new_lazy(url, "") {
                Err(error @ CacheError::InvalidUrl { .. }) => {
                    assert!(!error.to_string().contains("s3cret"), "{error}");
                    assert!(!format!("{error:?}").contains("s3cret"), "{error:?}");
                }
                other => panic!("{url:?}: expected InvalidUrl, got {other:?}"),
            }
        }
    }
}
