//! [`CalcomClient`]: the one path every call takes. It adds the bearer key
//! and the per-operation version header, applies the time limits, and turns
//! whatever comes back into a typed value or a [`CalcomError`].

mod error_mapping;
mod operations;

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue};
use reqwest::{Method, Url};
use secrecy::ExposeSecret;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::api_version::{API_VERSION_HEADER, api_version};
use crate::config::CalcomConfig;
use crate::dto::{Page, Pagination};
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::redaction::Redactor;

/// A Cal.com API v2 client for one account. Cheap to clone (shared
/// connection pool); `Debug` shows where it points, never the key.
#[derive(Clone)]
pub struct CalcomClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base_url: Url,
    /// `Bearer <key>`, marked sensitive so the HTTP stack never prints it.
    authorization: HeaderValue,
    redactor: Redactor,
    timeout: Duration,
    connect_timeout: Duration,
}

impl fmt::Debug for CalcomClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CalcomClient")
            .field("base_url", &self.inner.base_url.as_str())
            .field("api_key", &"[REDACTED]")
            .field("timeout", &self.inner.timeout)
            .field("connect_timeout", &self.inner.connect_timeout)
            .finish()
    }
}

/// One request, described before it is sent.
struct Call<'a> {
    op: Operation,
    method: Method,
    /// Path segments after the base URL; each is percent-escaped on its own.
    path: &'a [&'a str],
    query: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// The id the call addresses, reported if Cal.com says 404.
    subject: Option<String>,
}

impl CalcomClient {
    /// Builds a client from `config`.
    ///
    /// # Errors
    /// [`CalcomError::InvalidConfig`] for a base URL that is not an absolute
    /// http(s) URL without credentials, query or fragment, or for an empty
    /// key or one that cannot be sent in a header.
    pub fn new(config: CalcomConfig) -> Result<Self, CalcomError> {
        let invalid = |message: &str| CalcomError::InvalidConfig {
            message: message.to_owned(),
        };
        let base_url = parse_base_url(&config.base_url)?;
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
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                base_url,
                authorization,
                redactor: Redactor::new(config.api_key),
                timeout: config.timeout,
                connect_timeout: config.connect_timeout,
            }),
        })
    }

    /// The base URL calls go to.
    pub fn base_url(&self) -> &str {
        self.inner.base_url.as_str()
    }

    /// Sends `call` and returns the body of a 2xx answer; every other outcome
    /// becomes a classified [`CalcomError`].
    async fn execute(&self, call: Call<'_>) -> Result<Vec<u8>, CalcomError> {
        let inner = &self.inner;
        let mut url = inner.base_url.clone();
        {
            let mut segments =
                url.path_segments_mut()
                    .map_err(|()| CalcomError::InvalidConfig {
                        message: "base URL cannot have a path".to_owned(),
                    })?;
            segments.pop_if_empty().extend(call.path);
        }
        if !call.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&call.query);
        }
        let path = url.path().to_owned();

        let mut request = inner
            .http
            .request(call.method.clone(), url)
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(ACCEPT, "application/json");
        if let Some(version) = api_version(call.op) {
            request = request.header(API_VERSION_HEADER, version);
        }
        if let Some(body) = call.body {
            request = request.header(CONTENT_TYPE, "application/json").body(body);
        }

        let started = Instant::now();
        tracing::debug!(operation = %call.op, method = %call.method, %path, "calling Cal.com");
        let outcome = async {
            let response = request
                .send()
                .await
                .map_err(|e| error_mapping::classify_transport(e, &inner.redactor))?;
            let status = response.status();
            let headers = response.headers().clone();
            let body = response
                .bytes()
                .await
                .map_err(|e| error_mapping::classify_transport(e, &inner.redactor))?;
            if status.is_success() {
                Ok((status, body.to_vec()))
            } else {
                Err(error_mapping::classify_status(
                    call.op,
                    call.subject.as_deref(),
                    status,
                    &headers,
                    &body,
                    &inner.redactor,
                ))
            }
        }
        .await;
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match outcome {
            Ok((status, body)) => {
                tracing::debug!(
                    operation = %call.op, %path, status = status.as_u16(), elapsed_ms,
                    "Cal.com answered"
                );
                Ok(body)
            }
            Err(error) => {
                tracing::warn!(operation = %call.op, %path, elapsed_ms, %error, "Cal.com call failed");
                Err(error)
            }
        }
    }

    /// Encodes a request body.
    fn json_body<T: serde::Serialize>(body: &T) -> Result<Vec<u8>, CalcomError> {
        serde_json::to_vec(body).map_err(|e| CalcomError::InvalidRequest {
            field: "body",
            message: format!("cannot encode: {e}"),
        })
    }

    /// `data` of a success envelope.
    fn decode_data<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, CalcomError> {
        let data = self
            .success_payload(body)?
            .remove("data")
            .unwrap_or(Value::Null);
        self.decode_value(data, "data")
    }

    /// `data` (a list) and `pagination` of a paged success envelope.
    fn decode_page<T: DeserializeOwned>(&self, body: &[u8]) -> Result<Page<T>, CalcomError> {
        let mut envelope = self.success_payload(body)?;
        let data = envelope.remove("data").unwrap_or(Value::Null);
        let pagination = envelope.remove("pagination").unwrap_or(Value::Null);
        Ok(Page {
            data: self.decode_value(data, "data")?,
            pagination: self.decode_value::<Pagination>(pagination, "pagination")?,
        })
    }

    /// `data` that must be one object. Recurring event types answer with a
    /// list of occurrences, which a single-booking call cannot represent.
    fn decode_one<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, CalcomError> {
        let data = self
            .success_payload(body)?
            .remove("data")
            .unwrap_or(Value::Null);
        if let Value::Array(items) = &data {
            return Err(CalcomError::decode(format!(
                "expected one booking but got a list of {} (recurring event type?)",
                items.len()
            )));
        }
        self.decode_value(data, "data")
    }

    /// The top-level object of a success envelope, checked to say `success`.
    fn success_payload(&self, body: &[u8]) -> Result<serde_json::Map<String, Value>, CalcomError> {
        let value: Value = serde_json::from_slice(body).map_err(|e| {
            CalcomError::decode(
                self.inner
                    .redactor
                    .redact(&format!("body is not JSON: {e}")),
            )
        })?;
        let Value::Object(map) = value else {
            return Err(CalcomError::decode("body is not a JSON object"));
        };
        match map.get("status").and_then(Value::as_str) {
            Some("success") => Ok(map),
            other => Err(CalcomError::decode(self.inner.redactor.redact(&format!(
                "envelope status is {other:?}, expected \"success\""
            )))),
        }
    }

    fn decode_value<T: DeserializeOwned>(&self, v: Value, what: &str) -> Result<T, CalcomError> {
        serde_json::from_value(v)
            .map_err(|e| CalcomError::decode(self.inner.redactor.redact(&format!("{what}: {e}"))))
    }
}

/// Checks and normalises the configured base URL.
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

/// Refuses a uid that could not be sent as one path segment (empty, or a
/// dot segment that URL normalisation would drop).
fn check_uid(uid: &str) -> Result<&str, CalcomError> {
    if uid.is_empty() || uid == "." || uid == ".." {
        return Err(CalcomError::InvalidRequest {
            field: "uid",
            message: "must be a non-empty booking uid".to_owned(),
        });
    }
    Ok(uid)
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
    }

    #[test]
    fn rejects_unusable_keys_without_showing_them() {
        let err = CalcomClient::new(CalcomConfig::new(SecretString::from("  "))).unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
        let err = CalcomClient::new(CalcomConfig::new(SecretString::from("cal_abc\ndefghijk")))
            .unwrap_err();
        assert!(matches!(err, CalcomError::InvalidConfig { .. }));
        assert!(!format!("{err} {err:?}").contains("defghijk"));
    }

    #[test]
    fn debug_shows_where_but_not_the_key() {
        let c = CalcomClient::new(config("https://api.cal.com")).unwrap();
        let shown = format!("{c:?}");
        assert!(shown.contains("api.cal.com"), "{shown}");
        assert!(!shown.contains("abcdefgh12345678"), "{shown}");
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
