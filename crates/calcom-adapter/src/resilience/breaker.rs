//! The circuit breaker: a small state machine on tokio's clock (so tests
//! run with a paused clock), one per API key.
//!
//! - **Closed**: calls go through; outages (5xx, timeouts, connection
//!   errors) are counted, any other answer resets the count. A 4xx is an
//!   answer, never an outage.
//! - **Open** after `failure_threshold` consecutive outages: calls fail fast
//!   for `open_for`.
//! - **Half-open** after that: one probe at a time; `close_after` successful
//!   probes close it, a failed one opens it again.
//!
//! The state is per process; opening also writes a Redis key (see
//! [`super::shared`]) so other instances fail fast too.

use std::time::Duration;

use tokio::time::Instant;

/// When the breaker opens and how it recovers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BreakerPolicy {
    /// Consecutive outages that open the breaker.
    pub failure_threshold: u32,
    /// How long it stays open before letting a probe through.
    pub open_for: Duration,
    /// Successful probes in a row that close it again.
    pub close_after: u32,
}

impl Default for BreakerPolicy {
    /// 5 failures, 60 s open, 2 successes.
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            open_for: Duration::from_secs(60),
            close_after: 2,
        }
    }
}

/// The breaker's state, as reported to callers and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Probes are let through one at a time.
    HalfOpen,
    /// Calls fail fast.
    Open,
}

impl BreakerState {
    /// Gauge value: 0 closed, 1 half-open, 2 open.
    pub fn gauge(self) -> f64 {
        match self {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 1.0,
            BreakerState::Open => 2.0,
        }
    }

    /// Stable lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::HalfOpen => "half_open",
            BreakerState::Open => "open",
        }
    }
}

/// How a call that went through ended, for the breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CallResult {
    /// Cal.com answered (2xx, 4xx, even an odd body): it is up.
    Answered,
    /// 5xx, timeout or connection failure.
    Outage,
}

/// Whether a call may go through now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Admission {
    /// Go; `probe` marks the one half-open probe.
    Allowed {
        /// This call is the half-open probe.
        probe: bool,
    },
    /// Fail fast.
    Rejected {
        /// Time until a probe may go through, when known.
        retry_in: Option<Duration>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { successes: u32, probing: bool },
}

/// One key's breaker.
#[derive(Debug)]
pub(crate) struct CircuitBreaker {
    policy: BreakerPolicy,
    state: State,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub(crate) fn new(policy: BreakerPolicy) -> Self {
        Self {
            policy,
            state: State::Closed { failures: 0 },
        }
    }

    /// The policy this breaker follows.
    pub(crate) fn policy(&self) -> &BreakerPolicy {
        &self.policy
    }

    /// The state at `now` (an expired open period reads as half-open).
    pub(crate) fn state(&self, now: Instant) -> BreakerState {
        match self.state {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if now >= until => BreakerState::HalfOpen,
            State::Open { .. } => BreakerState::Open,
            State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to let a call through at `now`. Returns the admission and, if
    /// the state changed (open → half-open), the new state.
    pub(crate) fn admit(&mut self, now: Instant) -> (Admission, Option<BreakerState>) {
        match self.state {
            State::Closed { .. } => (Admission::Allowed { probe: false }, None),
            State::Open { until } if now < until => (
                Admission::Rejected {
                    retry_in: Some(until - now),
                },
                None,
            ),
            State::Open { .. } => {
                self.state = State::HalfOpen {
                    successes: 0,
                    probing: true,
                };
                (
                    Admission::Allowed { probe: true },
                    Some(BreakerState::HalfOpen),
                )
            }
            State::HalfOpen {
                successes,
                probing: false,
            } => {
                self.state = State::HalfOpen {
                    successes,
                    probing: true,
                };
                (Admission::Allowed { probe: true }, None)
            }
            State::HalfOpen { probing: true, .. } => (Admission::Rejected { retry_in: None }, None),
        }
    }

    /// Records how an admitted call ended; returns the new state if it changed.
    pub(crate) fn record(
        &mut self,
        probe: bool,
        result: CallResult,
        now: Instant,
    ) -> Option<BreakerState> {
        match (self.state, result) {
            (State::Closed { .. }, CallResult::Answered) => {
                self.state = State::Closed { failures: 0 };
                None
            }
            (State::Closed { failures }, CallResult::Outage) => {
                let failures = failures.saturating_add(1);
                if failures >= self.policy.failure_threshold {
                    self.open(now)
                } else {
                    self.state = State::Closed { failures };
                    None
                }
            }
            // A late answer of a call admitted before the breaker opened
            // changes nothing: only probes decide while it is not closed.
            (State::Open { .. }, _) => None,
            (State::HalfOpen { .. }, _) if !probe => None,
            (State::HalfOpen { successes, .. }, CallResult::Answered) => {
                let successes = successes.saturating_add(1);
                if successes >= self.policy.close_after {
                    self.state = State::Closed { failures: 0 };
                    Some(BreakerState::Closed)
                } else {
                    self.state = State::HalfOpen {
                        successes,
                        probing: false,
                    };
                    None
                }
            }
            (State::HalfOpen { .. }, CallResult::Outage) => self.open(now),
        }
    }

    /// An admitted probe ended without a verdict (its caller gave up):
    /// free the probe slot.
    pub(crate) fn abandon(&mut self, probe: bool) {
        if let State::HalfOpen {
            successes,
            probing: true,
        } = self.state
            && probe
        {
            self.state = State::HalfOpen {
                successes,
                probing: false,
            };
        }
    }

    fn open(&mut self, now: Instant) -> Option<BreakerState> {
        self.state = State::Open {
            until: now + self.policy.open_for,
        };
        Some(BreakerState::Open)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn breaker() -> CircuitBreaker {
        CircuitBreaker::new(BreakerPolicy::default())
    }

    fn allowed(b: &mut CircuitBreaker) -> bool {
        match b.admit(Instant::now()).0 {
            Admission::Allowed { probe } => probe,
            Admission::Rejected { .. } => panic!("rejected"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn opens_after_five_consecutive_outages_and_never_on_answers() {
        let mut b = breaker();
        for _ in 0..4 {
            allowed(&mut b);
            assert_eq!(b.record(false, CallResult::Outage, Instant::now()), None);
        }
        // Any answer (a 4xx included) resets the count.
        assert_eq!(b.record(false, CallResult::Answered, Instant::now()), None);
        for _ in 0..4 {
            b.record(false, CallResult::Outage, Instant::now());
        }
        assert_eq!(b.state(Instant::now()), BreakerState::Closed);
        assert_eq!(
            b.record(false, CallResult::Outage, Instant::now()),
            Some(BreakerState::Open)
        );
        assert!(matches!(
            b.admit(Instant::now()).0,
            Admission::Rejected { retry_in: Some(d) } if d == Duration::from_secs(60)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn stays_open_sixty_seconds_then_lets_one_probe_through_at_a_time() {
        let mut b = breaker();
        for _ in 0..5 {
            b.record(false, CallResult::Outage, Instant::now());
        }
        tokio::time::advance(Duration::from_secs(59)).await;
        assert!(matches!(
            b.admit(Instant::now()).0,
            Admission::Rejected { retry_in: Some(d) } if d == Duration::from_secs(1)
        ));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(b.state(Instant::now()), BreakerState::HalfOpen);
        let (admission, change) = b.admit(Instant::now());
        assert_eq!(admission, Admission::Allowed { probe: true });
        assert_eq!(change, Some(BreakerState::HalfOpen));
        // A second caller while the probe is out fails fast.
        assert_eq!(
            b.admit(Instant::now()).0,
            Admission::Rejected { retry_in: None }
        );
        // First success: still half-open, next probe allowed.
        assert_eq!(b.record(true, CallResult::Answered, Instant::now()), None);
        assert!(allowed(&mut b));
        // Second success closes it.
        assert_eq!(
            b.record(true, CallResult::Answered, Instant::now()),
            Some(BreakerState::Closed)
        );
        assert!(!allowed(&mut b));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_probe_opens_it_for_another_period() {
        let mut b = breaker();
        for _ in 0..5 {
            b.record(false, CallResult::Outage, Instant::now());
        }
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(allowed(&mut b));
        assert_eq!(
            b.record(true, CallResult::Outage, Instant::now()),
            Some(BreakerState::Open)
        );
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(b.state(Instant::now()), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(30)).await;
        assert_eq!(b.state(Instant::now()), BreakerState::HalfOpen);
    }

    #[tokio::test(start_paused = true)]
    async fn an_abandoned_probe_frees_the_slot_and_late_answers_change_nothing() {
        let mut b = breaker();
        for _ in 0..5 {
            b.record(false, CallResult::Outage, Instant::now());
        }
        // A call admitted before the breaker opened answers late: ignored.
        assert_eq!(b.record(false, CallResult::Answered, Instant::now()), None);
        assert_eq!(b.state(Instant::now()), BreakerState::Open);
        tokio::time::advance(Duration::from_secs(60)).await;
        assert!(allowed(&mut b));
        b.abandon(true);
        assert!(allowed(&mut b));
        // A non-probe answer in half-open does not count.
        assert_eq!(b.record(false, CallResult::Answered, Instant::now()), None);
        assert_eq!(b.state(Instant::now()), BreakerState::HalfOpen);
    }
}
