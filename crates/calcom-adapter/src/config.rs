//! How to reach Cal.com: base URL, API key and per-request time limits.

use std::time::Duration;

use secrecy::SecretString;

/// Settings for one [`crate::CalcomClient`]: one Cal.com account (one API key).
///
/// The key is a [`SecretString`], so `Debug` prints `[REDACTED]` instead of it.
#[derive(Debug, Clone)]
pub struct CalcomConfig {
    /// Where the v2 API lives (every path starts with `/v2/...` below it).
    /// Cal.com cloud by default; self-hosted or staging instances differ.
    pub base_url: String,
    /// Sent as `Authorization: Bearer <key>`; never logged or displayed.
    pub api_key: SecretString,
    /// Upper bound for one whole request (connect, send, read the body), so a
    /// hung Cal.com cannot hold a caller forever.
    pub timeout: Duration,
    /// Upper bound for opening the connection; fails fast when Cal.com is unreachable.
    pub connect_timeout: Duration,
}

impl CalcomConfig {
    /// Cal.com cloud's API.
    pub const DEFAULT_BASE_URL: &'static str = "https://api.cal.com";
    /// Default whole-request time limit.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);
    /// Default connect time limit.
    pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

    /// Settings for Cal.com cloud with the default time limits.
    pub fn new(api_key: SecretString) -> Self {
        Self {
            base_url: Self::DEFAULT_BASE_URL.to_owned(),
            api_key,
            timeout: Self::DEFAULT_TIMEOUT,
            connect_timeout: Self::DEFAULT_CONNECT_TIMEOUT,
        }
    }

    /// Points the client at another Cal.com instance (self-hosted, staging, a mock).
    pub fn with_base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Replaces the whole-request time limit.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the connect time limit.
    pub fn with_connect_timeout(mut self, connect_timeout: Duration) -> Self {
        self.connect_timeout = connect_timeout;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_point_at_cal_com_cloud() {
        let c = CalcomConfig::new(SecretString::from("cal_test_key"));
        assert_eq!(c.base_url, "https://api.cal.com");
        assert_eq!(c.timeout, Duration::from_secs(10));
        assert_eq!(c.connect_timeout, Duration::from_secs(3));
        let c = c
            .with_base_url("http://localhost:5555")
            .with_timeout(Duration::from_millis(250))
            .with_connect_timeout(Duration::from_millis(50));
        assert_eq!(c.base_url, "http://localhost:5555");
        assert_eq!(c.timeout, Duration::from_millis(250));
        assert_eq!(c.connect_timeout, Duration::from_millis(50));
    }

    #[test]
    fn debug_hides_the_key() {
        let c = CalcomConfig::new(SecretString::from("cal_live_s3cr3tvalue"));
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("REDACTED"), "{shown}");
    }
}
