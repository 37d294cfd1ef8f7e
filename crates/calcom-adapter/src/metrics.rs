//! Every metric this crate emits, named in one place so dashboards and
//! alerts have one list to follow. The crate only calls the `metrics`
//! facade; the application installs the recorder (e.g. Prometheus).
//!
//! Labels: `operation` ([`crate::Operation::as_str`]), `status` (the HTTP
//! status, or `timeout`, `connection`, `circuit_open`, `rate_limited`),
//! `key` (the API-key fingerprint, never the key).

/// Counter: Cal.com calls that got an answer or failed, per operation and status.
pub const REQUESTS_TOTAL: &str = "calcom_requests_total";
/// Histogram (seconds): duration of one HTTP attempt, per operation and status.
pub const REQUEST_DURATION_SECONDS: &str = "calcom_request_duration_seconds";
/// Counter: attempts re-sent, per operation and `reason` (`rate_limited`,
/// `not_sent`, `timeout`, `connection`, `server_error`, `resolved_absent`).
pub const RETRIES_TOTAL: &str = "calcom_retries_total";
/// Gauge: breaker state per key: 0 closed, 1 half-open, 2 open.
pub const BREAKER_STATE: &str = "calcom_breaker_state";
/// Counter: breaker transitions per key and `to` state.
pub const BREAKER_TRANSITIONS_TOTAL: &str = "calcom_breaker_transitions_total";
/// Counter: calls refused because the breaker is open (locally or per Redis).
pub const BREAKER_REJECTIONS_TOTAL: &str = "calcom_breaker_rejections_total";
/// Histogram (seconds): time a call waited for the rate limiter.
pub const RATE_LIMIT_WAIT_SECONDS: &str = "calcom_rate_limit_wait_seconds";
/// Counter: calls refused by our own limiter, per `source` (`local`,
/// `shared`, `server_budget`).
pub const RATE_LIMIT_REFUSALS_TOTAL: &str = "calcom_rate_limit_refusals_total";
/// Counter: booking creates and reschedules whose outcome was unknown, per
/// `operation` and `outcome` (`found`, `absent`, `unresolved`).
pub const IN_DOUBT_TOTAL: &str = "calcom_in_doubt_total";
/// Counter: calls served by API v1, per operation and `reason`
/// (`configured`, `v2_missing`).
pub const V1_FALLBACKS_TOTAL: &str = "calcom_v1_fallbacks_total";
/// Counter: Redis operations of the shared breaker/limiter that failed, per
/// `component` (`breaker`, `rate_limiter`); the call then used local state.
pub const SHARED_STATE_ERRORS_TOTAL: &str = "calcom_shared_state_errors_total";

/// Every name above, for tests and documentation.
pub const ALL: [&str; 11] = [
    REQUESTS_TOTAL,
    REQUEST_DURATION_SECONDS,
    RETRIES_TOTAL,
    BREAKER_STATE,
    BREAKER_TRANSITIONS_TOTAL,
    BREAKER_REJECTIONS_TOTAL,
    RATE_LIMIT_WAIT_SECONDS,
    RATE_LIMIT_REFUSALS_TOTAL,
    IN_DOUBT_TOTAL,
    V1_FALLBACKS_TOTAL,
    SHARED_STATE_ERRORS_TOTAL,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_prometheus_conventions() {
        for name in ALL {
            assert!(name.starts_with("calcom_"), "{name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "{name}"
            );
        }
        let unique: std::collections::HashSet<_> = ALL.iter().collect();
        assert_eq!(unique.len(), ALL.len());
    }
}
