//! Typed settings for one `serve` run. Built from the CLI (flags and env)
//! by the binary, or directly by tests.

use std::fmt;
use std::net::SocketAddr;

use secrecy::SecretString;

/// The SQLite file used when no `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/calbridge.db";
/// Default seconds between incremental syncs of a connection.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 60;
/// Cal.com's public API.
pub const DEFAULT_CALCOM_BASE_URL: &str = "https://api.cal.com";

/// Everything `serve` needs. No field is read from the environment here:
/// the CLI does that, so tests can build settings without touching env vars.
#[derive(Clone)]
pub struct Settings {
    /// Cal.com API key; `None` means demo mode (built-in mock Cal.com).
    pub calcom_api_key: Option<SecretString>,
    /// Cal.com base URL (ignored in demo mode).
    pub calcom_base_url: String,
    /// `sqlite:…` (embedded) or `postgres://…`.
    pub database_url: String,
    /// Redis for a shared cache; `None` means in-process.
    pub redis_url: Option<String>,
    /// Address to listen on.
    pub bind: SocketAddr,
    /// The tenant this instance books for (per-request tenants come later).
    pub tenant: String,
    /// Master key(s) encrypting stored Cal.com keys and webhook secrets
    /// (`<base64>` or `2:<base64>,1:<base64>` for rotation). Without it, an
    /// embedded SQLite deployment keeps a generated key beside its database;
    /// PostgreSQL deployments must set it so instances share it.
    pub master_key: Option<SecretString>,
    /// Seconds between incremental syncs of each connection (the poller
    /// that catches webhooks Cal.com never sent); 0 switches it off.
    pub sync_interval_secs: u64,
}

impl Settings {
    /// Demo settings: no key, embedded SQLite at `database_url`, in-process cache.
    pub fn demo(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Self {
            calcom_api_key: None,
            calcom_base_url: DEFAULT_CALCOM_BASE_URL.to_owned(),
            database_url: database_url.into(),
            redis_url: None,
            bind,
            tenant: "demo".to_owned(),
            master_key: None,
            sync_interval_secs: DEFAULT_SYNC_INTERVAL_SECS,
        }
    }

    /// True when no Cal.com key is configured.
    pub fn is_demo(&self) -> bool {
        self.calcom_api_key.is_none()
    }
}

/// Hides the key and any password inside connection URLs.
impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field(
                "calcom_api_key",
                &self.calcom_api_key.as_ref().map(|_| "[redacted]"),
            )
            .field("calcom_base_url", &self.calcom_base_url)
            .field("database_url", &redact_url(&self.database_url))
            .field("redis_url", &self.redis_url.as_deref().map(redact_url))
            .field("bind", &self.bind)
            .field("tenant", &self.tenant)
            .field(
                "master_key",
                &self.master_key.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// `scheme://user:secret@host/db` → `scheme://user:[redacted]@host/db`;
/// URLs without credentials are returned as they are.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(u, _)| u);
            format!("{scheme}://{user}:[redacted]@{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords() {
        assert_eq!(
            redact_url("postgres://app:hunter2@db:5432/cb"),
            "postgres://app:[redacted]@db:5432/cb"
        );
        assert_eq!(
            redact_url("redis://:pw@127.0.0.1:6379"),
            "redis://:[redacted]@127.0.0.1:6379"
        );
        assert_eq!(redact_url("sqlite://./data/x.db"), "sqlite://./data/x.db");
    }

    #[test]
    fn debug_never_shows_the_key() {
        let mut s = Settings::demo(
            "postgres://u:topsecret@h/db",
            "127.0.0.1:0".parse().unwrap(),
        );
        s.calcom_api_key = Some(SecretString::from("cal_live_abcdef"));
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("cal_live_abcdef"));
        assert!(!dbg.contains("topsecret"));
    }
}
