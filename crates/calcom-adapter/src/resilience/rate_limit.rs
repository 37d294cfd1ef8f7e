//! The in-process side of the rate limiter: governor's GCRA on tokio's
//! clock (so paused-clock tests can step through it), plus the budget
//! Cal.com itself reports in `X-RateLimit-Remaining-Default` /
//! `X-RateLimit-Reset-Default`, which is the truth across all instances.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::clock::Clock;
use governor::middleware::NoOpMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use reqwest::header::HeaderMap;
use tokio::time::Instant;

/// How fast this client may call Cal.com with one key, and how long a call
/// may wait for its turn.
///
/// Cal.com allows 120 calls per 60 s per key (NOTES §3). A GCRA with rate
/// `r` and burst `b` lets at most `b + r·60 s` calls through in any 60 s,
/// so the default (100/min, burst 20) stays within 120 in every window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimitPolicy {
    /// Sustained calls per minute.
    pub per_minute: NonZeroU32,
    /// Calls allowed back to back after a quiet period.
    pub burst: NonZeroU32,
    /// Longest a call waits for its turn before failing with
    /// [`CalcomError::RateLimited`](crate::CalcomError::RateLimited).
    pub max_wait: Duration,
}

impl Default for RateLimitPolicy {
    fn default() -> Self {
        Self {
            per_minute: NonZeroU32::MIN.saturating_add(99),
            burst: NonZeroU32::MIN.saturating_add(19),
            max_wait: Duration::from_secs(5),
        }
    }
}

impl RateLimitPolicy {
    /// A policy that never makes a call wait (for benchmarks, or when a
    /// gateway in front of Cal.com already paces calls).
    pub fn unlimited() -> Self {
        Self {
            per_minute: NonZeroU32::MAX,
            burst: NonZeroU32::MAX,
            max_wait: Duration::ZERO,
        }
    }

    /// Interval between two calls at the sustained rate.
    pub(crate) fn emission_interval(&self) -> Duration {
        Duration::from_secs(60) / self.per_minute.get()
    }

    fn quota(&self) -> Quota {
        Quota::per_minute(self.per_minute).allow_burst(self.burst)
    }
}

/// governor's clock, read from tokio so `tokio::time::pause` applies.
#[derive(Debug, Clone)]
pub(crate) struct TokioClock {
    origin: Instant,
}

impl Clock for TokioClock {
    type Instant = Duration;

    fn now(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// One key's in-process limiter.
pub(crate) struct LocalLimiter {
    limiter: RateLimiter<NotKeyed, InMemoryState, TokioClock, NoOpMiddleware<Duration>>,
    clock: TokioClock,
}

impl std::fmt::Debug for LocalLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalLimiter").finish_non_exhaustive()
    }
}

impl LocalLimiter {
    /// A full limiter for `policy`.
    pub(crate) fn new(policy: &RateLimitPolicy) -> Self {
        let clock = TokioClock {
            origin: Instant::now(),
        };
        Self {
            limiter: RateLimiter::direct_with_clock(policy.quota(), clock.clone()),
            clock,
        }
    }

    /// Takes a cell now, or says how long until one is free.
    pub(crate) fn try_acquire(&self) -> Result<(), Duration> {
        self.limiter
            .check()
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// What Cal.com last said about the key's remaining calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ServerBudget {
    /// Calls left until `reset_at`, counting down as we send.
    remaining: u64,
    /// When Cal.com's window resets.
    reset_at: Option<Instant>,
}

/// Cal.com's remaining-calls header of the default limit.
const REMAINING_HEADER: &str = "x-ratelimit-remaining-default";

impl ServerBudget {
    /// How long to wait before sending, if Cal.com said the budget is spent.
    pub(crate) fn wait(&mut self, now: Instant) -> Option<Duration> {
        match self.reset_at {
            Some(reset_at) if now >= reset_at => {
                *self = ServerBudget::default();
                None
            }
            Some(reset_at) if self.remaining == 0 => Some(reset_at - now),
            _ => None,
        }
    }

    /// Counts one call sent.
    pub(crate) fn spend(&mut self) {
        if self.reset_at.is_some() {
            self.remaining = self.remaining.saturating_sub(1);
        }
    }

    /// Re-syncs from an answer's headers. Returns the reset delay when the
    /// answer says the budget is used up.
    pub(crate) fn sync(
        &mut self,
        headers: &HeaderMap,
        reset: Option<Duration>,
        now: Instant,
    ) -> Option<Duration> {
        let remaining = headers
            .get(REMAINING_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())?;
        let reset = reset?;
        *self = ServerBudget {
            remaining,
            reset_at: Some(now + reset),
        };
        (remaining == 0).then_some(reset)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_then_sustained_rate_on_tokio_time() {
        let policy = RateLimitPolicy {
            per_minute: NonZeroU32::new(60).unwrap(),
            burst: NonZeroU32::new(2).unwrap(),
            max_wait: Duration::ZERO,
        };
        let limiter = LocalLimiter::new(&policy);
        assert!(limiter.try_acquire().is_ok());
        assert!(limiter.try_acquire().is_ok());
        let wait = limiter.try_acquire().unwrap_err();
        assert!(
            wait > Duration::from_millis(900) && wait <= Duration::from_secs(1),
            "{wait:?}"
        );
        tokio::time::advance(wait).await;
        assert!(limiter.try_acquire().is_ok());
        assert!(limiter.try_acquire().is_err());
    }

    #[test]
    fn default_never_exceeds_cal_coms_120_per_minute() {
        let p = RateLimitPolicy::default();
        assert!(p.burst.get() + p.per_minute.get() <= 120);
        assert_eq!(p.emission_interval(), Duration::from_millis(600));
    }

    #[tokio::test(start_paused = true)]
    async fn server_budget_blocks_until_reset_once_spent() {
        let mut budget = ServerBudget::default();
        let now = Instant::now();
        assert_eq!(budget.wait(now), None);
        let mut h = HeaderMap::new();
        h.insert(REMAINING_HEADER, HeaderValue::from_static("1"));
        assert_eq!(budget.sync(&h, Some(Duration::from_secs(30)), now), None);
        assert_eq!(budget.wait(now), None);
        budget.spend();
        assert_eq!(budget.wait(now), Some(Duration::from_secs(30)));
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(budget.wait(Instant::now()), None);
        // Spent according to Cal.com itself.
        h.insert(REMAINING_HEADER, HeaderValue::from_static("0"));
        assert_eq!(
            budget.sync(&h, Some(Duration::from_secs(5)), Instant::now()),
            Some(Duration::from_secs(5))
        );
        // Headers without a reset, or garbage, change nothing.
        let mut other = ServerBudget::default();
        assert_eq!(other.sync(&h, None, Instant::now()), None);
        assert_eq!(other, ServerBudget::default());
    }
}
