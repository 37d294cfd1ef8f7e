//! When a failed call is sent again, and after how long: one pure function,
//! [`decide`], so every case can be listed in a table test (the
//! async-stripe / smithy model). The waiting itself happens in the client,
//! on tokio's clock; the backoff delays come from backon.
//!
//! The rules (issue 5, point 4):
//! - 429 on any call: wait for `X-RateLimit-Reset-Default` (or the backoff)
//!   and send again, unless that wait is longer than the caller's bound;
//!   Cal.com answers 429 before doing anything, so nothing can double.
//! - Nothing was sent (the connection could not be opened): send again.
//! - Timeout, lost connection, 5xx: only idempotent calls are sent again. A
//!   booking create or reschedule is first resolved by looking it up; other
//!   writes stop.
//! - The client stops early when a wait would end past the operation
//!   deadline (`CalcomConfig::operation_deadline`).
//! - Everything else (4xx, undecodable answers, open circuit): stop.

use std::time::Duration;

use backon::{BackoffBuilder, ExponentialBuilder};

use crate::operation::Safety;

/// How often and how patiently failed calls are retried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts in total, the first included (1 = never retry).
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles for each further one.
    pub initial_delay: Duration,
    /// Upper bound of one backoff delay (before jitter).
    pub max_delay: Duration,
    /// Longest wait for a 429's reset; a longer one returns
    /// [`CalcomError::RateLimited`](crate::CalcomError::RateLimited) at once.
    pub max_rate_limit_wait: Duration,
    /// Adds up to 100 % random jitter to each backoff delay, so that many
    /// clients failing together do not retry in lock step.
    pub jitter: bool,
}

impl Default for RetryPolicy {
    /// 3 attempts from 100 ms, doubling, jittered; 429 waits of up to 5 s.
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(2),
            max_rate_limit_wait: Duration::from_secs(5),
            jitter: true,
        }
    }
}

impl RetryPolicy {
    /// Never retry (every call is sent once).
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The backoff delays between attempts, from backon.
    pub(crate) fn backoff(&self) -> impl Iterator<Item = Duration> + Send + use<> {
        let mut builder = ExponentialBuilder::default()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(usize::try_from(self.max_attempts.saturating_sub(1)).unwrap_or(0));
        if self.jitter {
            builder = builder.with_jitter();
        }
        builder.build()
    }
}

/// How an attempt failed, as far as retrying is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// 429; `reset` from `X-RateLimit-Reset-Default` when sent.
    RateLimited {
        /// Time until Cal.com accepts calls again.
        reset: Option<Duration>,
    },
    /// The connection could not be opened: the request never left.
    NotSent,
    /// No complete answer in time: the request may have been applied.
    Timeout,
    /// The connection broke after the request was (maybe) sent.
    ConnectionLost,
    /// Cal.com answered 5xx: the request may have been applied.
    ServerError(u16),
    /// A definite answer that another attempt would not change (4xx,
    /// undecodable body, invalid input).
    Rejected,
    /// Our breaker refused the call; retrying now would be refused too.
    CircuitOpen,
}

impl Failure {
    /// Metric label for a retry caused by this failure.
    pub(crate) fn reason(&self) -> &'static str {
        match self {
            Failure::RateLimited { .. } => "rate_limited",
            Failure::NotSent => "not_sent",
            Failure::Timeout => "timeout",
            Failure::ConnectionLost => "connection",
            Failure::ServerError(_) => "server_error",
            Failure::Rejected => "rejected",
            Failure::CircuitOpen => "circuit_open",
        }
    }

    /// Whether the request may have been applied although no success came back.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            Failure::Timeout | Failure::ConnectionLost | Failure::ServerError(_)
        )
    }
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Give up and return the error.
    Stop,
    /// Wait, then send the same request again.
    Retry(Duration),
    /// Wait, then find out whether the create was applied; send it again
    /// only if it was not.
    ResolveThenRetry(Duration),
}

/// The retry decision after attempt number `attempts_made` (1-based) of a
/// call of the given `safety` failed with `failure`. `next_backoff` is the
/// next delay of the backoff sequence (`None` once it is exhausted).
pub fn decide(
    policy: &RetryPolicy,
    attempts_made: u32,
    safety: Safety,
    failure: &Failure,
    next_backoff: Option<Duration>,
) -> Decision {
    if attempts_made >= policy.max_attempts {
        return Decision::Stop;
    }
    let Some(backoff) = next_backoff else {
        return Decision::Stop;
    };
    match failure {
        Failure::RateLimited { reset } => {
            let wait = reset.unwrap_or(backoff);
            if wait > policy.max_rate_limit_wait {
                Decision::Stop
            } else {
                Decision::Retry(wait)
            }
        }
        Failure::NotSent => Decision::Retry(backoff),
        Failure::Timeout | Failure::ConnectionLost | Failure::ServerError(_) => match safety {
            Safety::Idempotent => Decision::Retry(backoff),
            Safety::ResolvableCreate => Decision::ResolveThenRetry(backoff),
            Safety::Unsafe => Decision::Stop,
        },
        Failure::Rejected | Failure::CircuitOpen => Decision::Stop,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    const B: Duration = Duration::from_millis(100);

    fn secs(s: u64) -> Option<Duration> {
        Some(Duration::from_secs(s))
    }

    #[test]
    fn the_decision_table() {
        use Decision::*;
        use Failure::*;
        use Safety::*;
        let p = RetryPolicy::default();
        let rl = |reset| RateLimited { reset };
        #[rustfmt::skip]
        let table: Vec<(u32, Safety, Failure, Option<Duration>, Decision)> = vec![
            // 429 on any call: wait for the reset, or the backoff without one.
            (1, Idempotent,       rl(secs(2)), Some(B), Retry(Duration::from_secs(2))),
            (1, Unsafe,           rl(secs(2)), Some(B), Retry(Duration::from_secs(2))),
            (1, ResolvableCreate, rl(None),    Some(B), Retry(B)),
            // ... unless the reset is longer than the caller may wait.
            (1, Idempotent,       rl(secs(6)), Some(B), Stop),
            (1, Idempotent,       rl(secs(5)), Some(B), Retry(Duration::from_secs(5))),
            // Nothing sent: always safe to send.
            (1, Unsafe,           NotSent,     Some(B), Retry(B)),
            (2, ResolvableCreate, NotSent,     Some(B), Retry(B)),
            // Outcome unknown: only idempotent calls are re-sent ...
            (1, Idempotent,       Timeout,        Some(B), Retry(B)),
            (2, Idempotent,       ServerError(503), Some(B), Retry(B)),
            (1, Idempotent,       ConnectionLost, Some(B), Retry(B)),
            (1, Unsafe,           Timeout,        Some(B), Stop),
            (1, Unsafe,           ServerError(500), Some(B), Stop),
            (1, Unsafe,           ConnectionLost, Some(B), Stop),
            // ... and a create is resolved before anything is re-sent.
            (1, ResolvableCreate, Timeout,        Some(B), ResolveThenRetry(B)),
            (1, ResolvableCreate, ConnectionLost, Some(B), ResolveThenRetry(B)),
            (2, ResolvableCreate, ServerError(502), Some(B), ResolveThenRetry(B)),
            // Definite answers and an open circuit: stop.
            (1, Idempotent,       Rejected,    Some(B), Stop),
            (1, Idempotent,       CircuitOpen, Some(B), Stop),
            // Out of attempts or of backoff: stop, whatever the failure.
            (3, Idempotent,       Timeout,     Some(B), Stop),
            (3, Unsafe,           rl(secs(1)), Some(B), Stop),
            (1, Idempotent,       Timeout,     None,    Stop),
        ];
        for (attempt, safety, failure, backoff, expected) in table {
            assert_eq!(
                decide(&p, attempt, safety, &failure, backoff),
                expected,
                "attempt {attempt}, {safety:?}, {failure:?}"
            );
        }
        assert_eq!(
            decide(
                &RetryPolicy::never(),
                1,
                Safety::Idempotent,
                &Failure::NotSent,
                Some(B)
            ),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_starts_at_100ms_doubles_and_stops_after_two_retries() {
        let p = RetryPolicy {
            jitter: false,
            ..RetryPolicy::default()
        };
        // backon multiplies in f32: allow a microsecond of rounding.
        let delays: Vec<_> = p.backoff().map(|d| d.as_micros()).collect();
        assert_eq!(delays, vec![100_000, 200_000]);
        let jittered: Vec<_> = RetryPolicy::default().backoff().collect();
        assert_eq!(jittered.len(), 2);
        assert!(
            jittered[0] >= Duration::from_millis(100) && jittered[0] < Duration::from_millis(200)
        );
        assert!(
            jittered[1] >= Duration::from_millis(200) && jittered[1] < Duration::from_millis(400)
        );
        assert_eq!(RetryPolicy::never().backoff().count(), 0);
    }

    fn failure() -> impl Strategy<Value = Failure> {
        prop_oneof![
            proptest::option::of(0u64..120_000).prop_map(|ms| Failure::RateLimited {
                reset: ms.map(Duration::from_millis)
            }),
            Just(Failure::NotSent),
            Just(Failure::Timeout),
            Just(Failure::ConnectionLost),
            (500u16..600).prop_map(Failure::ServerError),
            Just(Failure::Rejected),
            Just(Failure::CircuitOpen),
        ]
    }

    fn safety() -> impl Strategy<Value = Safety> {
        prop_oneof![
            Just(Safety::Idempotent),
            Just(Safety::ResolvableCreate),
            Just(Safety::Unsafe)
        ]
    }

    proptest! {
        #[test]
        fn never_exceeds_attempts_or_waits_longer_than_allowed(
            max_attempts in 1u32..6,
            attempt in 1u32..8,
            safety in safety(),
            failure in failure(),
            backoff_ms in 0u64..3_000,
        ) {
            let p = RetryPolicy { max_attempts, ..RetryPolicy::default() };
            let backoff = Duration::from_millis(backoff_ms);
            match decide(&p, attempt, safety, &failure, Some(backoff)) {
                Decision::Stop => {}
                Decision::Retry(wait) | Decision::ResolveThenRetry(wait) => {
                    prop_assert!(attempt < max_attempts);
                    prop_assert!(wait <= p.max_rate_limit_wait.max(backoff));
                }
            }
            // An unsafe write whose outcome is unknown is never re-sent.
            if safety == Safety::Unsafe && failure.outcome_unknown() {
                prop_assert_eq!(decide(&p, attempt, safety, &failure, Some(backoff)), Decision::Stop);
            }
            // A create whose outcome is unknown is never re-sent without a lookup.
            if safety == Safety::ResolvableCreate && failure.outcome_unknown() {
                prop_assert!(!matches!(decide(&p, attempt, safety, &failure, Some(backoff)), Decision::Retry(_)));
            }
        }
    }
}
