//! Cal.com's throttler (NOTES §3): per API key, a fixed window of
//! `requests` per `window`; past the limit the key is blocked for one
//! window. Every response to a tracked request carries
//! `X-RateLimit-{Limit,Remaining,Reset}-Default` (reset in seconds), a
//! refused one is 429 `ThrottlerException`, and there is no `Retry-After`.
//!
//! Tracked: bearer tokens that look like API keys (`cal_…`), valid or not,
//! as the global guard runs before authentication. Not tracked (a
//! documented simplification): anonymous callers, which Cal.com limits per
//! IP.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::http::{HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::config::RateLimit;
use crate::error::ApiError;
use crate::state::AppState;

/// The throttler's verdict for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Verdict {
    /// Whether the request may proceed.
    pub(crate) allowed: bool,
    /// The limit.
    pub(crate) limit: u32,
    /// Requests left in this window (0 while blocked).
    pub(crate) remaining: u32,
    /// Whole seconds until the window (or block) ends.
    pub(crate) reset_secs: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    hits: u32,
    window_ends: Instant,
    blocked_until: Option<Instant>,
}

/// Hit counters per tracker key.
#[derive(Debug)]
pub(crate) struct Limiter {
    config: RateLimit,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl Limiter {
    /// A limiter with `config`.
    pub(crate) fn new(config: RateLimit) -> Self {
        Self {
            config,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one request of `tracker` at `now`.
    pub(crate) fn hit(&self, tracker: &str, now: Instant) -> Verdict {
        let limit = self.config.requests;
        let window = self.config.window;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let b = buckets.entry(tracker.to_owned()).or_insert(Bucket {
            hits: 0,
            window_ends: now + window,
            blocked_until: None,
        });
        if let Some(until) = b.blocked_until {
            if now < until {
                return Verdict {
                    allowed: false,
                    limit,
                    remaining: 0,
                    reset_secs: ceil_secs(until - now),
                };
            }
            *b = Bucket {
                hits: 0,
                window_ends: now + window,
                blocked_until: None,
            };
        }
        if now >= b.window_ends {
            b.hits = 0;
            b.window_ends = now + window;
        }
        b.hits = b.hits.saturating_add(1);
        if b.hits > limit {
            let until = now + window;
            b.blocked_until = Some(until);
            return Verdict {
                allowed: false,
                limit,
                remaining: 0,
                reset_secs: ceil_secs(until - now),
            };
        }
        Verdict {
            allowed: true,
            limit,
            remaining: limit - b.hits,
            reset_secs: ceil_secs(b.window_ends - now),
        }
    }
}

fn ceil_secs(d: std::time::Duration) -> u64 {
    d.as_millis().div_ceil(1000).try_into().unwrap_or(u64::MAX)
}

/// `api_key_<sha256>` for API-key bearers, else `None` (not tracked).
fn tracker(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let token = raw.replacen("Bearer ", "", 1);
    token
        .starts_with("cal_")
        .then(|| format!("api_key_{}", hex::encode(Sha256::digest(token.as_bytes()))))
}

/// Middleware for `/v2/...`.
pub(crate) async fn throttle(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(key) = tracker(req.headers()) else {
        return next.run(req).await;
    };
    let v = state.limiter().hit(&key, Instant::now());
    let mut res = if v.allowed {
        next.run(req).await
    } else {
        ApiError::TooManyRequests.into_response()
    };
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit-default", u64::from(v.limit)),
        ("x-ratelimit-remaining-default", u64::from(v.remaining)),
        ("x-ratelimit-reset-default", v.reset_secs),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
    res
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test(start_paused = true)]
    async fn counts_blocks_and_recovers() {
        let l = Limiter::new(RateLimit {
            requests: 2,
            window: Duration::from_secs(60),
        });
        let t0 = Instant::now();
        let a = l.hit("k", t0);
        assert_eq!((a.allowed, a.remaining, a.reset_secs), (true, 1, 60));
        let b = l.hit("k", t0 + Duration::from_millis(10_500));
        assert_eq!((b.allowed, b.remaining, b.reset_secs), (true, 0, 50));
        // Another key has its own budget.
        assert!(l.hit("other", t0).allowed);
        let c = l.hit("k", t0 + Duration::from_secs(20));
        assert_eq!((c.allowed, c.remaining, c.reset_secs), (false, 0, 60));
        // Blocked for a full window from the refusal, even past the old one.
        tokio::time::advance(Duration::from_secs(70)).await;
        let d = l.hit("k", Instant::now());
        assert!(!d.allowed);
        assert_eq!(d.reset_secs, 10);
        tokio::time::advance(Duration::from_secs(10)).await;
        let e = l.hit("k", Instant::now());
        assert_eq!((e.allowed, e.remaining), (true, 1));
    }

    #[test]
    fn only_api_keys_are_tracked() {
        let mut h = HeaderMap::new();
        assert_eq!(tracker(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer eyJ"));
        assert_eq!(tracker(&h), None);
        h.insert(AUTHORIZATION, HeaderValue::from_static("Bearer cal_x"));
        let t = tracker(&h).unwrap_or_default();
        assert!(t.starts_with("api_key_") && !t.contains("cal_x"), "{t}");
    }
}
