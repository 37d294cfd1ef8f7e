//! [`CalcomClient`]: the one path every call takes. Each attempt passes the
//! key's guards (circuit breaker, rate limiter), is sent with the bearer key
//! and the operation's version header under the time limit, and comes back
//! as a typed value or a [`CalcomError`]; the retry policy decides whether
//! to try again, and a booking create whose answer was lost is looked up
//! before it is ever sent again.

pub(crate) mod debug_record;
pub(crate) mod decode;
pub(crate) mod error_mapping;
mod in_doubt;
mod operations;
mod pipeline;
pub(crate) mod request;
mod transport;

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};

use crate::config::{CalcomConfig, RedisSource};
use crate::error::CalcomError;
use crate::redaction::Redactor;
use crate::resilience::guards::{KeyGuards, lock};
use crate::resilience::shared::SharedState;
use crate::resilience::{BreakerState, KeyFingerprint, RetryPolicy};
use crate::v1::V1State;
use debug_record::{RawExchange, RequestDebug};

/// A Cal.com API client for one account. Cheap to clone (clones share the
/// connection pool, the guards and the last-request record); `Debug` shows
/// where it points, never the key.
#[derive(Clone)]
pub struct CalcomClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    v1_base_url: Url,
    /// `Bearer <key>`, marked sensitive so the HTTP stack never prints it.
    authorization: HeaderValue,
    /// For v1's `?apiKey=`.
    api_key: SecretString,
    redactor: Redactor,
    timeout: Duration,
    connect_timeout: Duration,
    operation_deadline: Duration,
    retry: RetryPolicy,
    fingerprint: KeyFingerprint,
    guards: Arc<KeyGuards>,
    shared: Option<SharedState>,
    v1: V1State,
    last_request: Mutex<Option<RawExchange>>,
}

impl fmt::Debug for CalcomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("api_key", &"[REDACTED]")
            .field("key_fingerprint", &self.inner.fingerprint.as_str())
            .field("timeout", &self.inner.timeout)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("operation_deadline", &self.inner.operation_deadline)
            .field("shared_state", &self.inner.shared.is_some())
            .finish()
    }
}

impl CalcomClient {
    /// Builds a client from `config`. Nothing is sent; a configured Redis is
    /// connected lazily.
    ///
    /// # Errors
    /// [`CalcomError::InvalidConfig`] for a base URL that is not an absolute
    /// http(s) URL without credentials, query or fragment, for an empty key
    /// or one that cannot be sent in a header, or for an unusable Redis URL.
    pub fn new(config: CalcomConfig) -> Result<Self, CalcomError> {
        let invalid = |message: &str| CalcomError::InvalidConfig {
            message: message.to_owned(),
        };
        let base_url = parse_base_url(&config.base_url)?;
        let v1_base_url = match &config.v1_base_url {
            Some(url) => parse_base_url(url)?,
            None => base_url.clone(),
        };
        let key = config.api_key.expose_secret();
        if key.trim().is_empty() {
            return Err(invalid("API key is empty"));
        }
        let mut authorization = HeaderValue::from_str(&format!("Bearer {key}"))
            .map_err(|_| invalid("API key contains characters not allowed in an HTTP header"))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.connect_timeout)
            .build()
            .map_err(|e| CalcomError::InvalidConfig {
                message: format!("cannot build the HTTP client: {}", e.without_url()),
            })?;
        let shared = match config.redis_source() {
            None => None,
            Some(RedisSource::Manager(connection)) => Some(SharedState::new(
                connection.clone(),
                &config.redis_key_prefix,
            )),
            Some(RedisSource::Url(url)) => Some(
                SharedState::connect_lazily(url.expose_secret(), &config.redis_key_prefix)
                    .map_err(|e| CalcomError::InvalidConfig {
                        // The category only: the message could echo the URL.
                        message: format!("unusable Redis URL ({})", e.category()),
                    })?,
            ),
        };
        let fingerprint = KeyFingerprint::of(&config.api_key);
        let registry = config.registry().cloned().unwrap_or_default();
        let guards = registry.guards_for(&fingerprint, &config.breaker, &config.rate_limit);
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                v1_base_url,
                authorization,
                redactor: Redactor::new(config.api_key.clone()),
                api_key: config.api_key,
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
                operation_deadline: config.operation_deadline,
                retry: config.retry,
                fingerprint,
                guards,
                shared,
                v1: V1State::new(config.v1_mode),
                last_request: Mutex::new(None),
            }),
        })
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// The fingerprint of this client's API key, as used in metrics labels,
    /// logs and Redis key names.
    pub fn key_fingerprint(&self) -> &KeyFingerprint {
        &self.inner.fingerprint
    }

    /// This process's circuit-breaker state for the key.
    pub fn breaker_state(&self) -> BreakerState {
        self.inner.guards.breaker_state()
    }

    /// Whether API v1 answered `410 Gone` and is switched off for this client.
    pub fn v1_gone(&self) -> bool {
        self.inner.v1.is_gone()
    }

    /// The last HTTP exchange (any operation, any attempt), credentials and
    /// attendee details masked; `None` before the first call.
    pub fn last_request_debug(&self) -> Option<RequestDebug> {
        lock(&self.inner.last_request)
            .as_ref()
            .map(RawExchange::shown)
    }
}

/// Checks and normalises a configured base URL.
fn parse_base_url(raw: &str) -> Result<Url, CalcomError> {
    let invalid = |message: String| CalcomError::InvalidConfig { message };
    let url = Url::parse(raw.trim())
        .map_err(|e| invalid(format!("base URL is not a valid absolute URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("base URL must use http or https".to_owned()));
    }
    if url.host_str().is_none_or(str::is_empty) || url.cannot_be_a_base() {
        return Err(invalid("base URL must name a host".to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("base URL must not carry credentials".to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "base URL must not have a query or fragment".to_owned(),
        ));
    }
    Ok(url)
}

/// Refuses an id that could not be sent as one path segment (empty, or a
/// dot segment that URL normalisation would drop).
fn check_segment<'a>(field: &'static str, id: &'a str) -> Result<&'a str, CalcomError> {
    if id.is_empty() || id == "." || id == ".." {
        return Err(CalcomError::InvalidRequest {
            field,
            message: "must be a non-empty id".to_owned(),
        });
    }
    Ok(id)
}

/// [`check_segment`] for booking uids.
fn check_uid(uid: &str) -> Result<&str, CalcomError> {
    check_segment("uid", uid)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use secrecy::SecretString;

    use super::*;

    fn config(url: &str) -> CalcomConfig {
        CalcomConfig::new(SecretString::from("cal_test_abcdefgh12345678")).with_base_url(url)
    }

    #[test]
    fn rejects_bad_base_urls() {
        for bad in [
            "",
            "api.cal.com",
            "ftp://api.cal.com",
            "https://user:pw@api.cal.com",
            "https://api.cal.com/?x=1",
            "https://api.cal.com/#frag",
            "mailto:someone@example.com",
        ] {
            let err = CalcomClient::new(config(bad)).unwrap_err();
            assert!(
                matches!(err, CalcomError::InvalidConfig { .. }),
                "{bad}: {err:?}"
            );
            assert!(!err.to_string().contains("pw"), "{err}");
        }
        for good in [
            "https://api.cal.com",
            "http://127.0.0.1:5555/",
            "https://x.test/prefix",
        ] {
            assert!(CalcomClient::new(config(good)).is_ok(), "{good}");
        }
        let err = CalcomClient::new(
            config("https://api.cal.com").with_v1_base_url("ftp://v1.example.com"),
        )
        .unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
    }

    #[test]
    fn rejects_unusable_keys_and_redis_urls_without_showing_them() {
        let err = CalcomClient::new(CalcomConfig::new(SecretString::from("  "))).unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
        let err = CalcomClient::new(CalcomConfig::new(SecretString::from("cal_abc\ndefghijk")))
            .unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
        assert!(!format!("{err} {err:?}").contains("defghijk"));
        let err = CalcomClient::new(
            config("https://api.cal.com")
                .with_redis_url(SecretString::from("nosuchscheme://:hunter2@x")),
        )
        .unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn debug_shows_where_but_not_the_key() {
        let c = CalcomClient::new(config("https://api.cal.com")).unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("api.cal.com"), "{shown}");
        assert!(!shown.contains("abcdefgh12345678"), "{shown}");
        assert_eq!(c.breaker_state(), BreakerState::Closed);
        assert!(c.last_request_debug().is_none());
        assert!(!c.v1_gone());
    }

    #[test]
    fn clients_of_one_registry_share_a_breaker() {
        let registry = crate::resilience::GuardRegistry::new();
        let a =
            CalcomClient::new(config("https://api.cal.com").with_guard_registry(registry.clone()))
                .unwrap();
        let b =
            CalcomClient::new(config("https://api.cal.com").with_guard_registry(registry.clone()))
                .unwrap();
        assert!(Arc::ptr_eq(&a.inner.guards, &b.inner.guards));
        assert_eq!(
            registry.breaker_state(a.key_fingerprint()),
            Some(BreakerState::Closed)
        );
        let c = CalcomClient::new(config("https://api.cal.com")).unwrap();
        assert!(!Arc::ptr_eq(&a.inner.guards, &c.inner.guards));
    }

    #[test]
    fn dot_segments_and_empty_uids_are_refused() {
        for bad in ["", ".", ".."] {
            assert!(matches!(
                check_uid(bad),
                Err(CalcomError::InvalidRequest { field: "uid", .. })
            ));
        }
        assert_eq!(check_uid("a/b").unwrap(), "a/b");
    }
}
