//! How a mock server is set up: which key it accepts, where its user works,
//! where it listens.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use chrono::{NaiveDate, NaiveTime};
use chrono_tz::Tz;

/// Settings for [`crate::MockCalcom::start_with`].
///
/// `Debug` redacts the API key so a config can be logged safely.
#[derive(Clone, PartialEq, Eq)]
pub struct MockConfig {
    /// The one API key accepted as `Authorization: Bearer <key>`. Real keys
    /// start with `cal_`; a bearer token without that prefix is treated as
    /// an (always invalid) OAuth access token, as Cal.com does.
    pub api_key: String,
    /// The demo user's time zone: its working hours (Mon–Fri 09:00–17:00)
    /// are local times here, so DST shifts them in UTC.
    pub time_zone: Tz,
    /// Where to listen; port 0 lets the OS pick a free port.
    pub bind: SocketAddr,
    /// Requests allowed per API key and window (Cal.com: 120 per 60 s).
    pub rate_limit: RateLimit,
    /// Date overrides on the demo user's default schedule (holidays, extra
    /// hours), in [`MockConfig::time_zone`].
    pub date_overrides: Vec<DateOverride>,
    /// Start with API v1 already shut down (every `/v1/...` route 410 Gone).
    pub v1_gone: bool,
}

/// How many requests one API key may make per window before Cal.com's 429.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests per window.
    pub requests: u32,
    /// Window length; a key that exceeds the limit is blocked this long.
    pub window: Duration,
}

impl RateLimit {
    /// Cal.com's default for API keys: 120 requests per 60 s.
    pub const CALCOM_DEFAULT: RateLimit = RateLimit {
        requests: 120,
        window: Duration::from_secs(60),
    };

    /// Effectively no limit, for suites that hammer one mock (the headers
    /// are still sent).
    pub const UNLIMITED: RateLimit = RateLimit {
        requests: u32::MAX,
        window: Duration::from_secs(60),
    };
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::CALCOM_DEFAULT
    }
}

/// One date whose working hours differ from the weekly ones
/// (`ScheduleOverrideInput_2024_06_11`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateOverride {
    /// The local date.
    pub date: NaiveDate,
    /// Local opening hours that day; `None` = not available at all.
    pub hours: Option<(NaiveTime, NaiveTime)>,
}

impl MockConfig {
    /// Sets the per-key rate limit (see [`RateLimit`]).
    #[must_use]
    pub fn with_rate_limit(mut self, requests: u32, window: Duration) -> Self {
        self.rate_limit = RateLimit { requests, window };
        self
    }

    /// Adds a date override to the demo user's default schedule.
    #[must_use]
    pub fn with_date_override(
        mut self,
        date: NaiveDate,
        hours: Option<(NaiveTime, NaiveTime)>,
    ) -> Self {
        self.date_overrides.push(DateOverride { date, hours });
        self
    }

    /// Starts with API v1 shut down (410 Gone), as Cal.com after 2026-02-15.
    #[must_use]
    pub fn with_v1_gone(mut self, gone: bool) -> Self {
        self.v1_gone = gone;
        self
    }
}

impl MockConfig {
    /// The API key [`MockConfig::default`] uses; public so demo setups can
    /// configure the client side without starting a server first.
    pub const DEFAULT_API_KEY: &'static str = "cal_test_calbridge_demo_key";
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_key: Self::DEFAULT_API_KEY.to_owned(),
            time_zone: Tz::Europe__Berlin,
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            rate_limit: RateLimit::default(),
            date_overrides: Vec::new(),
            v1_gone: false,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("api_key", &"[redacted]")
            .field("time_zone", &self.time_zone)
            .field("bind", &self.bind)
            .field("rate_limit", &self.rate_limit)
            .field("date_overrides", &self.date_overrides)
            .field("v1_gone", &self.v1_gone)
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_key() {
        let c = MockConfig::default();
        let shown = format!("{c:?}");
        assert!(!shown.contains(&c.api_key), "{shown}");
        assert!(shown.contains("Europe/Berlin"), "{shown}");
    }

    #[test]
    fn defaults_match_the_documented_ones() {
        let c = MockConfig::default();
        assert_eq!(c.api_key, "cal_test_calbridge_demo_key");
        assert_eq!(c.time_zone, Tz::Europe__Berlin);
        assert_eq!(c.bind, "127.0.0.1:0".parse::<SocketAddr>().unwrap());
        assert_eq!(c.rate_limit.requests, 120);
        assert_eq!(c.rate_limit.window, Duration::from_secs(60));
        assert!(!c.v1_gone);
        let c = MockConfig::default().with_rate_limit(5, Duration::from_secs(1));
        assert_eq!(c.rate_limit.requests, 5);
    }
}
