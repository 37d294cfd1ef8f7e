//! The Redis side of the breaker and the limiter, shared by every instance
//! that uses the same Redis and key prefix.
//!
//! Redis only makes the guards better informed; it never decides that a
//! call fails. Every operation has a short deadline, and after a Redis
//! failure the guards use their in-process state alone for a cool-down,
//! so a Redis outage costs at most one short timeout now and then.
//!
//! Keys (the API key appears only as its fingerprint):
//! - `{prefix}calcom:cb:{fingerprint}`: present while some instance's
//!   breaker is open; its TTL is the rest of the open period.
//! - `{prefix}calcom:rl:{fingerprint}`: the shared GCRA state.

mod scripts;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{RedisResult, Script};
use tokio::time::Instant;

use crate::metrics;
use crate::resilience::KeyFingerprint;
use crate::resilience::guards::lock;
use crate::resilience::rate_limit::RateLimitPolicy;

/// Deadline of one Redis round trip on the request path.
const OPERATION_DEADLINE: Duration = Duration::from_millis(250);
/// How long local state is used alone after Redis failed.
const COOL_DOWN: Duration = Duration::from_secs(2);

/// What the shared limiter decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SharedGrant {
    /// Go after this wait (zero: now); the slot is reserved.
    After(Duration),
    /// The next slot is further away than the caller may wait.
    Refused(Duration),
}

/// A Redis connection plus the key prefix, shared by all clients built
/// from one config. Cheap to clone.
#[derive(Clone)]
pub(crate) struct SharedState {
    connection: ConnectionManager,
    prefix: Arc<str>,
    down_until: Arc<Mutex<Option<Instant>>>,
    acquire: Arc<Script>,
    exhaust: Arc<Script>,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The connection's Debug shows client internals (and maybe a password).
        f.debug_struct("SharedState")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl SharedState {
    /// Shares state through an existing connection.
    pub(crate) fn new(connection: ConnectionManager, prefix: &str) -> Self {
        Self {
            connection,
            prefix: Arc::from(prefix),
            down_until: Arc::new(Mutex::new(None)),
            acquire: Arc::new(Script::new(scripts::ACQUIRE)),
            exhaust: Arc::new(Script::new(scripts::EXHAUST)),
        }
    }

    /// Connects lazily to the Redis at `url`: nothing happens on the network
    /// until the first call, and an unreachable Redis only means local state.
    pub(crate) fn connect_lazily(url: &str, prefix: &str) -> RedisResult<Self> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(OPERATION_DEADLINE))
            .set_response_timeout(Some(OPERATION_DEADLINE))
            .set_number_of_retries(0);
        let connection = ConnectionManager::new_lazy_with_config(client, config)?;
        Ok(Self::new(connection, prefix))
    }

    fn breaker_key(&self, key: &KeyFingerprint) -> String {
        format!("{}calcom:cb:{key}", self.prefix)
    }

    fn limiter_key(&self, key: &KeyFingerprint) -> String {
        format!("{}calcom:rl:{key}", self.prefix)
    }

    /// Runs one Redis operation under the deadline. `None` when Redis is in
    /// its cool-down, fails or is too slow (the failure starts a cool-down).
    async fn run<T, F>(&self, component: &'static str, operation: F) -> Option<T>
    where
        F: Future<Output = RedisResult<T>>,
    {
        if lock(&self.down_until).is_some_and(|until| Instant::now() < until) {
            return None;
        }
        let failure = match tokio::time::timeout(OPERATION_DEADLINE, operation).await {
            Ok(Ok(value)) => return Some(value),
            Ok(Err(e)) => e.category().to_owned(),
            Err(_elapsed) => "timeout".to_owned(),
        };
        *lock(&self.down_until) = Some(Instant::now() + COOL_DOWN);
        ::metrics::counter!(metrics::SHARED_STATE_ERRORS_TOTAL, "component" => component)
            .increment(1);
        tracing::warn!(
            component,
            %failure,
            "Redis unavailable for shared Cal.com guards; using in-process state"
        );
        None
    }

    /// Tells other instances that this key's breaker opened for `open_for`.
    pub(crate) async fn mark_open(&self, key: &KeyFingerprint, open_for: Duration) {
        let millis = u64::try_from(open_for.as_millis())
            .unwrap_or(u64::MAX)
            .max(1);
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.breaker_key(key)).arg(1).arg("PX").arg(millis);
        let mut connection = self.connection.clone();
        self.run("breaker", cmd.query_async::<()>(&mut connection))
            .await;
    }

    /// How long another instance's breaker for this key stays open:
    /// `Some(None)` when it is not open, `None` when Redis cannot say.
    pub(crate) async fn open_for(
        &self,
        key: &KeyFingerprint,
        default_open: Duration,
    ) -> Option<Option<Duration>> {
        let mut cmd = redis::cmd("PTTL");
        cmd.arg(self.breaker_key(key));
        let mut connection = self.connection.clone();
        let pttl = self
            .run("breaker", cmd.query_async::<i64>(&mut connection))
            .await?;
        Some(match pttl {
            // -2: no key. 0 would expire now.
            ..=-2 | 0 => None,
            // A key without TTL (written by hand?): treat as one open period.
            -1 => Some(default_open),
            ms => Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0))),
        })
    }

    /// Takes a cell of the shared budget, reserving one up to `max_wait`
    /// ahead. `None` when Redis cannot say (use the local limiter).
    pub(crate) async fn acquire(
        &self,
        key: &KeyFingerprint,
        policy: &RateLimitPolicy,
        max_wait: Duration,
    ) -> Option<SharedGrant> {
        let interval = micros(policy.emission_interval());
        let tau = interval.saturating_mul(u64::from(policy.burst.get()).saturating_sub(1));
        let mut connection = self.connection.clone();
        let mut invocation = self.acquire.key(self.limiter_key(key));
        invocation.arg(interval).arg(tau).arg(micros(max_wait));
        let answer = self
            .run(
                "rate_limiter",
                invocation.invoke_async::<i64>(&mut connection),
            )
            .await?;
        let wait = Duration::from_micros(answer.unsigned_abs());
        Some(if answer < 0 {
            SharedGrant::Refused(wait)
        } else {
            SharedGrant::After(wait)
        })
    }

    /// Cal.com said the budget is spent for `reset`: hold every instance back.
    pub(crate) async fn exhaust(
        &self,
        key: &KeyFingerprint,
        policy: &RateLimitPolicy,
        reset: Duration,
    ) {
        let interval = micros(policy.emission_interval());
        let tau = interval.saturating_mul(u64::from(policy.burst.get()).saturating_sub(1));
        let mut connection = self.connection.clone();
        let mut invocation = self.exhaust.key(self.limiter_key(key));
        invocation.arg(micros(reset)).arg(tau);
        self.run(
            "rate_limiter",
            invocation.invoke_async::<i64>(&mut connection),
        )
        .await;
    }
}

/// Whole microseconds, saturating (Lua numbers are exact up to 2^53).
fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros())
        .unwrap_or(u64::MAX)
        .min(1 << 52)
}
