//! Backoff between attempts of a saga that could not finish (a cancel that
//! failed, a create whose outcome could not be looked up yet).

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

/// Exponential backoff with a cap; the saga is handed back to the log with
/// the next due time, and a recovery worker takes it up again then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Wait after the first failed attempt.
    pub base: Duration,
    /// Longest wait.
    pub max: Duration,
    /// After this many attempts of one step the saga is marked failed
    /// (needs a human) instead of being retried forever.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            max: Duration::from_secs(300),
            max_attempts: 100,
        }
    }
}

impl RetryPolicy {
    /// The wait after attempt `attempt` (1-based) failed.
    pub fn delay(&self, attempt: u32) -> Duration {
        let shift = attempt.saturating_sub(1).min(20);
        self.base
            .checked_mul(1u32 << shift)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// When to try again after attempt `attempt` failed at `now`.
    pub fn next_run_at(&self, attempt: u32, now: DateTime<Utc>) -> DateTime<Utc> {
        now + TimeDelta::from_std(self.delay(attempt)).unwrap_or(TimeDelta::seconds(300))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            max: Duration::from_secs(1),
            max_attempts: 5,
        };
        assert_eq!(p.delay(1), Duration::from_millis(100));
        assert_eq!(p.delay(2), Duration::from_millis(200));
        assert_eq!(p.delay(4), Duration::from_millis(800));
        assert_eq!(p.delay(5), Duration::from_secs(1));
        assert_eq!(p.delay(u32::MAX), Duration::from_secs(1));
    }
}
