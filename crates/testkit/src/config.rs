//! How a mock server is set up: which key it accepts, where its user works,
//! where it listens.

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};

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
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("api_key", &"[redacted]")
            .field("time_zone", &self.time_zone)
            .field("bind", &self.bind)
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
    }
}
