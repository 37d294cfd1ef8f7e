//! Per-key guard state (breaker, limiter, Cal.com's reported budget) and
//! the two moments every attempt passes through it: [`KeyGuards::admit`]
//! before sending, [`Ticket::settle`] after the answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use reqwest::header::HeaderMap;
use tokio::time::Instant;

use crate::error::CalcomError;
use crate::metrics;
use crate::resilience::KeyFingerprint;
use crate::resilience::breaker::{
    Admission, BreakerPolicy, BreakerState, CallResult, CircuitBreaker,
};
use crate::resilience::rate_limit::{LocalLimiter, RateLimitPolicy, ServerBudget};
use crate::resilience::shared::{SharedGrant, SharedState};

/// How long another instance's "breaker open" answer is trusted before
/// Redis is asked again; keeps Redis off the hot path of healthy calls.
const REMOTE_HINT_TTL: Duration = Duration::from_secs(1);

/// Locks a mutex whose data stays consistent even if a holder panicked
/// (every critical section here is a few assignments).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Breakers and limiters by API-key fingerprint. Clients built with clones
/// of one registry share a breaker and a budget per key; by default each
/// client has its own. The first client to register a key decides that
/// key's policies.
#[derive(Clone, Default)]
pub struct GuardRegistry {
    keys: Arc<Mutex<HashMap<KeyFingerprint, Arc<KeyGuards>>>>,
}

impl std::fmt::Debug for GuardRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GuardRegistry")
            .field("keys", &lock(&self.keys).len())
            .finish()
    }
}

impl GuardRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// The breaker state of a key, if a client registered it.
    pub fn breaker_state(&self, key: &KeyFingerprint) -> Option<BreakerState> {
        let guards = lock(&self.keys).get(key).cloned()?;
        Some(guards.breaker_state())
    }

    /// The guards of `key`, created with these policies on first use.
    pub(crate) fn guards_for(
        &self,
        key: &KeyFingerprint,
        breaker: &BreakerPolicy,
        rate: &RateLimitPolicy,
    ) -> Arc<KeyGuards> {
        lock(&self.keys)
            .entry(key.clone())
            .or_insert_with(|| Arc::new(KeyGuards::new(key.clone(), breaker, rate)))
            .clone()
    }
}

/// Another instance's breaker, as last read from Redis.
#[derive(Debug, Default)]
struct RemoteHint {
    checked_at: Option<Instant>,
    open_until: Option<Instant>,
}

/// Everything guarding calls made with one API key.
#[derive(Debug)]
pub(crate) struct KeyGuards {
    key: KeyFingerprint,
    breaker: Mutex<CircuitBreaker>,
    limiter: LocalLimiter,
    rate: RateLimitPolicy,
    budget: Mutex<ServerBudget>,
    remote: Mutex<RemoteHint>,
}

impl KeyGuards {
    fn new(key: KeyFingerprint, breaker: &BreakerPolicy, rate: &RateLimitPolicy) -> Self {
        ::metrics::gauge!(metrics::BREAKER_STATE, "key" => key.to_string())
            .set(BreakerState::Closed.gauge());
        Self {
            key,
            breaker: Mutex::new(CircuitBreaker::new(breaker.clone())),
            limiter: LocalLimiter::new(rate),
            rate: rate.clone(),
            budget: Mutex::new(ServerBudget::default()),
            remote: Mutex::new(RemoteHint::default()),
        }
    }

    /// The local breaker state now.
    pub(crate) fn breaker_state(&self) -> BreakerState {
        lock(&self.breaker).state(Instant::now())
    }

    fn transition(&self, to: BreakerState) {
        ::metrics::gauge!(metrics::BREAKER_STATE, "key" => self.key.to_string()).set(to.gauge());
        ::metrics::counter!(metrics::BREAKER_TRANSITIONS_TOTAL,
            "key" => self.key.to_string(), "to" => to.as_str())
        .increment(1);
        match to {
            BreakerState::Open => {
                tracing::warn!(key = %self.key, "Cal.com circuit opened; calls fail fast");
            }
            BreakerState::HalfOpen | BreakerState::Closed => {
                tracing::info!(key = %self.key, state = to.as_str(), "Cal.com circuit changed");
            }
        }
    }

    fn reject(&self, retry_in: Option<Duration>, source: &'static str) -> CalcomError {
        ::metrics::counter!(metrics::BREAKER_REJECTIONS_TOTAL,
            "key" => self.key.to_string(), "source" => source)
        .increment(1);
        CalcomError::CircuitOpen { retry_in }
    }

    /// Lets a call through the breaker and the rate limiter, waiting for the
    /// limiter at most `max_wait`.
    ///
    /// # Errors
    /// [`CalcomError::CircuitOpen`] when this or another instance's breaker
    /// is open; [`CalcomError::RateLimited`] when no slot is free in time.
    pub(crate) async fn admit(
        self: &Arc<Self>,
        shared: Option<&SharedState>,
    ) -> Result<Ticket, CalcomError> {
        let (admission, change) = lock(&self.breaker).admit(Instant::now());
        if let Some(to) = change {
            self.transition(to);
        }
        let probe = match admission {
            Admission::Allowed { probe } => probe,
            Admission::Rejected { retry_in } => return Err(self.reject(retry_in, "local")),
        };
        let ticket = Ticket {
            guards: Arc::clone(self),
            probe,
            settled: false,
        };
        if let Some(shared) = shared
            && let Some(retry_in) = self.remote_open(shared).await
        {
            // Dropping the ticket frees a probe slot.
            return Err(self.reject(Some(retry_in), "shared"));
        }
        self.acquire_slot(shared).await?;
        Ok(ticket)
    }

    /// Time another instance's breaker stays open, from a cached Redis read.
    async fn remote_open(&self, shared: &SharedState) -> Option<Duration> {
        let now = Instant::now();
        {
            let hint = lock(&self.remote);
            if hint.checked_at.is_some_and(|at| now < at + REMOTE_HINT_TTL) {
                return hint.open_until.filter(|u| now < *u).map(|u| u - now);
            }
        }
        let open_for = lock(&self.breaker).policy().open_for;
        let answer = shared.open_for(&self.key, open_for).await;
        let now = Instant::now();
        let mut hint = lock(&self.remote);
        match answer {
            Some(open) => {
                hint.checked_at = Some(now);
                hint.open_until = open.map(|d| now + d);
                open
            }
            // Redis cannot say: trust what we knew, without refreshing it.
            None => hint.open_until.filter(|u| now < *u).map(|u| u - now),
        }
    }

    /// Waits for a rate-limit slot: Cal.com's own budget first, then the
    /// shared limiter (or the local one when Redis is absent or down).
    async fn acquire_slot(&self, shared: Option<&SharedState>) -> Result<(), CalcomError> {
        let started = Instant::now();
        let deadline = started + self.rate.max_wait;
        let refuse = |source: &'static str, wait: Duration| {
            ::metrics::counter!(metrics::RATE_LIMIT_REFUSALS_TOTAL,
                "key" => self.key.to_string(), "source" => source)
            .increment(1);
            CalcomError::RateLimited { reset: Some(wait) }
        };
        loop {
            let wait = lock(&self.budget).wait(Instant::now());
            let Some(wait) = wait else { break };
            if Instant::now() + wait > deadline {
                return Err(refuse("server_budget", wait));
            }
            tokio::time::sleep(wait).await;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let shared_grant = match shared {
            Some(shared) => shared.acquire(&self.key, &self.rate, left).await,
            None => None,
        };
        match shared_grant {
            Some(SharedGrant::After(wait)) => tokio::time::sleep(wait).await,
            Some(SharedGrant::Refused(wait)) => return Err(refuse("shared", wait)),
            None => loop {
                match self.limiter.try_acquire() {
                    Ok(()) => break,
                    Err(wait) if Instant::now() + wait > deadline => {
                        return Err(refuse("local", wait));
                    }
                    Err(wait) => tokio::time::sleep(wait).await,
                }
            },
        }
        lock(&self.budget).spend();
        ::metrics::histogram!(metrics::RATE_LIMIT_WAIT_SECONDS, "key" => self.key.to_string())
            .record(started.elapsed().as_secs_f64());
        Ok(())
    }

    /// Re-syncs the budget from an answer's rate-limit headers, and tells
    /// other instances when Cal.com says it is spent.
    pub(crate) async fn sync_budget(
        &self,
        headers: &HeaderMap,
        reset: Option<Duration>,
        shared: Option<&SharedState>,
    ) {
        let spent_for = lock(&self.budget).sync(headers, reset, Instant::now());
        if let (Some(reset), Some(shared)) = (spent_for, shared) {
            shared.exhaust(&self.key, &self.rate, reset).await;
        }
    }
}

/// Permission for one attempt. Settle it with the outcome; dropping it
/// unsettled (the caller gave up) frees a half-open probe slot.
#[derive(Debug)]
pub(crate) struct Ticket {
    guards: Arc<KeyGuards>,
    probe: bool,
    settled: bool,
}

impl Ticket {
    /// Records how the attempt ended; opening the breaker is announced in
    /// Redis so other instances fail fast too.
    pub(crate) async fn settle(mut self, result: CallResult, shared: Option<&SharedState>) {
        self.settled = true;
        let guards = Arc::clone(&self.guards);
        let change = lock(&guards.breaker).record(self.probe, result, Instant::now());
        let Some(to) = change else { return };
        guards.transition(to);
        if to == BreakerState::Open
            && let Some(shared) = shared
        {
            let open_for = lock(&guards.breaker).policy().open_for;
            shared.mark_open(&guards.key, open_for).await;
        }
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if !self.settled {
            lock(&self.guards.breaker).abandon(self.probe);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::num::NonZeroU32;

    use secrecy::SecretString;

    use super::*;

    fn guards(rate: RateLimitPolicy) -> Arc<KeyGuards> {
        GuardRegistry::new().guards_for(
            &KeyFingerprint::of(&SecretString::from("cal_test_k")),
            &BreakerPolicy::default(),
            &rate,
        )
    }

    #[tokio::test(start_paused = true)]
    async fn waits_for_the_local_limiter_up_to_the_bound() {
        let g = guards(RateLimitPolicy {
            per_minute: NonZeroU32::new(60).unwrap(),
            burst: NonZeroU32::new(1).unwrap(),
            max_wait: Duration::from_secs(2),
        });
        let started = Instant::now();
        g.admit(None)
            .await
            .unwrap()
            .settle(CallResult::Answered, None)
            .await;
        g.admit(None)
            .await
            .unwrap()
            .settle(CallResult::Answered, None)
            .await;
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        let g = guards(RateLimitPolicy {
            per_minute: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(1).unwrap(),
            max_wait: Duration::from_secs(2),
        });
        g.admit(None).await.unwrap();
        let err = g.admit(None).await.unwrap_err();
        assert!(
            matches!(err, CalcomError::RateLimited { reset: Some(d) } if d > Duration::from_secs(50)),
            "{err:?}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_spent_server_budget_holds_calls_until_the_reset() {
        let g = guards(RateLimitPolicy::default());
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining-default", "0".parse().unwrap());
        g.sync_budget(&h, Some(Duration::from_secs(3)), None).await;
        let started = Instant::now();
        g.admit(None).await.unwrap();
        assert_eq!(started.elapsed(), Duration::from_secs(3));
        g.sync_budget(&h, Some(Duration::from_secs(30)), None).await;
        assert!(matches!(
            g.admit(None).await,
            Err(CalcomError::RateLimited { reset: Some(d) }) if d == Duration::from_secs(30)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn breaker_admission_through_tickets() {
        let g = guards(RateLimitPolicy::unlimited());
        for _ in 0..5 {
            g.admit(None)
                .await
                .unwrap()
                .settle(CallResult::Outage, None)
                .await;
        }
        assert_eq!(g.breaker_state(), BreakerState::Open);
        assert!(matches!(
            g.admit(None).await,
            Err(CalcomError::CircuitOpen { retry_in: Some(_) })
        ));
        tokio::time::advance(Duration::from_secs(60)).await;
        let probe = g.admit(None).await.unwrap();
        assert!(matches!(
            g.admit(None).await,
            Err(CalcomError::CircuitOpen { .. })
        ));
        drop(probe); // caller gave up: slot freed
        g.admit(None)
            .await
            .unwrap()
            .settle(CallResult::Answered, None)
            .await;
        g.admit(None)
            .await
            .unwrap()
            .settle(CallResult::Answered, None)
            .await;
        assert_eq!(g.breaker_state(), BreakerState::Closed);
    }

    #[test]
    fn clients_sharing_a_registry_share_a_key_s_guards() {
        let registry = GuardRegistry::new();
        let key = KeyFingerprint::of(&SecretString::from("cal_test_k"));
        let a = registry.guards_for(&key, &BreakerPolicy::default(), &RateLimitPolicy::default());
        let b = registry.guards_for(&key, &BreakerPolicy::default(), &RateLimitPolicy::default());
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(registry.breaker_state(&key), Some(BreakerState::Closed));
        let other = KeyFingerprint::of(&SecretString::from("cal_test_other"));
        assert_eq!(registry.breaker_state(&other), None);
    }
}
