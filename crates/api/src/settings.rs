//! Typed settings for one `serve` run. Built from the CLI (flags and env)
//! by the binary, or directly by tests.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

use calbridge_domain::saga::{RetryPolicy, SagaEngine};
use secrecy::SecretString;

use crate::startup::StartupError;

/// The SQLite file used when no `DATABASE_URL` is given.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://./data/calbridge.db";
/// Default seconds between incremental syncs of a connection.
pub const DEFAULT_SYNC_INTERVAL_SECS: u64 = 60;
/// Cal.com's public API.
pub const DEFAULT_CALCOM_BASE_URL: &str = "https://api.cal.com";
/// Default seconds between saga recovery rounds.
pub const DEFAULT_SAGA_POLL_SECS: u64 = 1;
/// Default seconds a saga lease lasts (the engine's own default).
pub const DEFAULT_SAGA_LEASE_SECS: u64 = SagaEngine::DEFAULT_LEASE.as_secs();
/// Default wait after a saga step's first failed attempt, in milliseconds.
pub const DEFAULT_SAGA_RETRY_BASE_MS: u64 = 1_000;
/// Default longest wait between attempts of a saga step, in seconds.
pub const DEFAULT_SAGA_RETRY_MAX_SECS: u64 = 300;
/// Default attempts of one saga step before the saga is marked failed.
pub const DEFAULT_SAGA_MAX_ATTEMPTS: u32 = 100;
/// Longest poll, lease or backoff accepted (a day): far longer than is
/// useful, and keeps every instant computed from them far from overflow.
const MAX_SAGA_SECS: u64 = 24 * 60 * 60;

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
    /// The saga recovery worker's timing, as configured; checked when the
    /// service starts.
    pub saga_worker: SagaWorkerConfig,
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
            saga_worker: SagaWorkerConfig::default(),
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
            .field("sync_interval_secs", &self.sync_interval_secs)
            .field("saga_worker", &self.saga_worker)
            .finish()
    }
}

/// The saga worker's timing as configured (flags, or the environment
/// variables named below), unchecked so tests can set any value; the
/// service refuses to start unless [`SagaWorkerConfig::validate`] accepts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::Args)]
pub struct SagaWorkerConfig {
    /// Seconds between saga recovery rounds.
    #[arg(long = "saga-poll-secs", env = POLL_VAR, value_name = "SECS",
          default_value_t = DEFAULT_SAGA_POLL_SECS, value_parser = whole_number::<u64>(POLL_VAR))]
    pub poll_secs: u64,
    /// Seconds a saga lease lasts before another instance may take the
    /// saga over (renewed at half-time while a run goes on); at least
    /// twice the poll interval.
    #[arg(long = "saga-lease-secs", env = LEASE_VAR, value_name = "SECS",
          default_value_t = DEFAULT_SAGA_LEASE_SECS, value_parser = whole_number::<u64>(LEASE_VAR))]
    pub lease_secs: u64,
    /// Milliseconds to wait after a saga step's first failed attempt
    /// (doubling per attempt up to the maximum).
    #[arg(long = "saga-retry-base-ms", env = RETRY_BASE_VAR, value_name = "MS",
          default_value_t = DEFAULT_SAGA_RETRY_BASE_MS, value_parser = whole_number::<u64>(RETRY_BASE_VAR))]
    pub retry_base_ms: u64,
    /// Longest wait between attempts of a saga step, in seconds.
    #[arg(long = "saga-retry-max-secs", env = RETRY_MAX_VAR, value_name = "SECS",
          default_value_t = DEFAULT_SAGA_RETRY_MAX_SECS, value_parser = whole_number::<u64>(RETRY_MAX_VAR))]
    pub retry_max_secs: u64,
    /// Attempts of one saga step before the saga is marked failed (needs a human).
    #[arg(long = "saga-max-attempts", env = MAX_ATTEMPTS_VAR, value_name = "N",
          default_value_t = DEFAULT_SAGA_MAX_ATTEMPTS, value_parser = whole_number::<u32>(MAX_ATTEMPTS_VAR))]
    pub max_attempts: u32,
}

const POLL_VAR: &str = "CALBRIDGE_SAGA_POLL_SECS";
const LEASE_VAR: &str = "CALBRIDGE_SAGA_LEASE_SECS";
const RETRY_BASE_VAR: &str = "CALBRIDGE_SAGA_RETRY_BASE_MS";
const RETRY_MAX_VAR: &str = "CALBRIDGE_SAGA_RETRY_MAX_SECS";
const MAX_ATTEMPTS_VAR: &str = "CALBRIDGE_SAGA_MAX_ATTEMPTS";

impl Default for SagaWorkerConfig {
    fn default() -> Self {
        Self {
            poll_secs: DEFAULT_SAGA_POLL_SECS,
            lease_secs: DEFAULT_SAGA_LEASE_SECS,
            retry_base_ms: DEFAULT_SAGA_RETRY_BASE_MS,
            retry_max_secs: DEFAULT_SAGA_RETRY_MAX_SECS,
            max_attempts: DEFAULT_SAGA_MAX_ATTEMPTS,
        }
    }
}

impl SagaWorkerConfig {
    /// The settings the worker and the engine run with.
    ///
    /// # Errors
    /// [`StartupError::Settings`] naming the variable when a value is zero
    /// or above a day, the lease is shorter than twice the poll interval
    /// (a lease could lapse between two rounds), the retry base exceeds
    /// its maximum, or no attempt at all is allowed.
    pub fn validate(&self) -> Result<SagaWorkerSettings, StartupError> {
        let poll = seconds(POLL_VAR, self.poll_secs)?;
        let lease = seconds(LEASE_VAR, self.lease_secs)?;
        let max = seconds(RETRY_MAX_VAR, self.retry_max_secs)?;
        let base = Duration::from_millis(self.retry_base_ms);
        if self.retry_base_ms == 0 || base > max {
            return Err(invalid(
                RETRY_BASE_VAR,
                format!(
                    "must be 1 ms up to {RETRY_MAX_VAR} ({} s), got {}",
                    self.retry_max_secs, self.retry_base_ms
                ),
            ));
        }
        if lease < poll.saturating_mul(2) {
            return Err(invalid(
                LEASE_VAR,
                format!(
                    "must be at least twice {POLL_VAR} ({} s), got {}",
                    self.poll_secs, self.lease_secs
                ),
            ));
        }
        if self.max_attempts == 0 {
            return Err(invalid(
                MAX_ATTEMPTS_VAR,
                "must be at least 1, got 0".to_owned(),
            ));
        }
        Ok(SagaWorkerSettings {
            poll,
            lease,
            retry: RetryPolicy {
                base,
                max,
                max_attempts: self.max_attempts,
            },
        })
    }
}

/// Checked saga worker timing, carried in the handler state so the worker
/// and the engine the routes use agree on leases and backoff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SagaWorkerSettings {
    /// Pause between recovery rounds.
    pub poll: Duration,
    /// How long a saga lease lasts.
    pub lease: Duration,
    /// Backoff between attempts, and when to give up.
    pub retry: RetryPolicy,
}

impl Default for SagaWorkerSettings {
    fn default() -> Self {
        Self {
            poll: Duration::from_secs(DEFAULT_SAGA_POLL_SECS),
            lease: SagaEngine::DEFAULT_LEASE,
            retry: RetryPolicy::default(),
        }
    }
}

/// A clap value parser that names the environment variable when the
/// value is not a whole number (clap alone would name only the flag).
fn whole_number<T: FromStr>(
    var: &'static str,
) -> impl Fn(&str) -> Result<T, String> + Clone + Send + Sync + 'static {
    move |text| {
        text.trim()
            .parse()
            .map_err(|_| format!("{var} must be a whole number, got {text:?}"))
    }
}

/// `secs` as a duration, if it is 1 s up to a day.
fn seconds(var: &str, secs: u64) -> Result<Duration, StartupError> {
    if (1..=MAX_SAGA_SECS).contains(&secs) {
        Ok(Duration::from_secs(secs))
    } else {
        Err(invalid(
            var,
            format!("must be 1-{MAX_SAGA_SECS} seconds, got {secs}"),
        ))
    }
}

fn invalid(var: &str, message: String) -> StartupError {
    StartupError::Settings(format!("{var}: {message}"))
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
    use clap::Parser;

    use super::*;

    /// Parses the saga flags exactly as `serve` does (same parsers as the
    /// environment variables).
    #[derive(Parser)]
    struct SagaFlags {
        #[command(flatten)]
        saga: SagaWorkerConfig,
    }

    fn parse(args: &[&str]) -> Result<SagaWorkerConfig, String> {
        SagaFlags::try_parse_from(std::iter::once("calbridge").chain(args.iter().copied()))
            .map(|f| f.saga)
            .map_err(|e| e.to_string())
    }

    fn refusal(config: SagaWorkerConfig) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn saga_defaults_are_the_engine_and_retry_defaults() {
        let parsed = parse(&[]).unwrap();
        assert_eq!(parsed, SagaWorkerConfig::default());
        let settings = parsed.validate().unwrap();
        assert_eq!(settings, SagaWorkerSettings::default());
        assert_eq!(settings.poll, Duration::from_secs(1));
        assert_eq!(settings.lease, Duration::from_secs(60));
        assert_eq!(settings.retry, RetryPolicy::default());
        assert_eq!(
            Settings::demo("sqlite::memory:", "127.0.0.1:0".parse().unwrap()).saga_worker,
            parsed
        );
    }

    #[test]
    fn saga_settings_parse_and_convert() {
        let config = parse(&[
            "--saga-poll-secs",
            "5",
            "--saga-lease-secs",
            "10",
            "--saga-retry-base-ms",
            "250",
            "--saga-retry-max-secs",
            "30",
            "--saga-max-attempts",
            "7",
        ])
        .unwrap();
        assert_eq!(
            config.validate().unwrap(),
            SagaWorkerSettings {
                poll: Duration::from_secs(5),
                lease: Duration::from_secs(10),
                retry: RetryPolicy {
                    base: Duration::from_millis(250),
                    max: Duration::from_secs(30),
                    max_attempts: 7,
                },
            }
        );
    }

    #[test]
    fn non_numbers_are_refused_naming_the_variable() {
        for (flag, var) in [
            ("--saga-poll-secs", POLL_VAR),
            ("--saga-lease-secs", LEASE_VAR),
            ("--saga-retry-base-ms", RETRY_BASE_VAR),
            ("--saga-retry-max-secs", RETRY_MAX_VAR),
            ("--saga-max-attempts", MAX_ATTEMPTS_VAR),
        ] {
            for bad in ["abc", "-1", "1.5", ""] {
                let err = parse(&[&format!("{flag}={bad}")]).unwrap_err();
                assert!(err.contains(var), "{flag} {bad:?}: {err}");
            }
        }
        let err = parse(&["--saga-max-attempts=5000000000"]).unwrap_err();
        assert!(err.contains(MAX_ATTEMPTS_VAR), "{err}");
    }

    #[test]
    fn senseless_saga_values_are_refused_naming_the_variable() {
        let with = |change: fn(&mut SagaWorkerConfig)| {
            let mut config = SagaWorkerConfig::default();
            change(&mut config);
            config
        };
        let cases = [
            (with(|c| c.poll_secs = 0), POLL_VAR),
            (with(|c| c.lease_secs = 0), LEASE_VAR),
            (with(|c| c.retry_base_ms = 0), RETRY_BASE_VAR),
            (with(|c| c.retry_max_secs = 0), RETRY_MAX_VAR),
            (with(|c| c.max_attempts = 0), MAX_ATTEMPTS_VAR),
            // A lease shorter than two rounds.
            (with(|c| (c.poll_secs, c.lease_secs) = (10, 19)), LEASE_VAR),
            // A base above the maximum.
            (
                with(|c| (c.retry_base_ms, c.retry_max_secs) = (2_001, 2)),
                RETRY_BASE_VAR,
            ),
            // Absurdly long (an instant that far out would overflow).
            (with(|c| c.retry_max_secs = u64::MAX), RETRY_MAX_VAR),
            (
                with(|c| (c.poll_secs, c.lease_secs) = (u64::MAX, u64::MAX)),
                POLL_VAR,
            ),
        ];
        for (config, var) in cases {
            let err = refusal(config);
            assert!(
                err.starts_with(&format!("invalid setting: {var}:")),
                "{config:?}: {err}"
            );
        }
        // The edges are accepted.
        let edge = SagaWorkerConfig {
            poll_secs: 10,
            lease_secs: 20,
            retry_base_ms: 2_000,
            retry_max_secs: 2,
            max_attempts: 1,
        };
        assert!(edge.validate().is_ok());
    }

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
