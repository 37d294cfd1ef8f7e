//! A call described before it is sent, so that every attempt of it (and a
//! v1 stand-in) is built the same way, and what came back.

use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};

use crate::error::CalcomError;
use crate::operation::{Operation, Safety};
use crate::resilience::Failure;

/// Which Cal.com API a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    /// `/v2/...`, bearer key, `cal-api-version` per operation.
    V2,
    /// `/v1/...`, `?apiKey=`, no version header.
    V1,
}

impl Api {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Api::V2 => "v2",
            Api::V1 => "v1",
        }
    }
}

/// One request, described before it is sent.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) op: Operation,
    pub(crate) api: Api,
    pub(crate) method: Method,
    /// Path segments after the base URL; each is percent-escaped on its own.
    pub(crate) path: Vec<String>,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) body: Option<Vec<u8>>,
    /// The id the call addresses, reported if Cal.com says 404.
    pub(crate) subject: Option<String>,
    /// Whether it may be re-sent when its outcome is unknown.
    pub(crate) safety: Safety,
}

impl Call {
    /// A v2 call of `op`: `path` goes below `/v2/`.
    pub(crate) fn v2(op: Operation, method: Method, path: &[&str]) -> Self {
        Self::new(op, Api::V2, method, path)
    }

    /// A v1 call of `op`: `path` goes below `/v1/`. A v1 create cannot be
    /// resolved by lookup, so it is never re-sent after an unknown outcome.
    pub(crate) fn v1(op: Operation, method: Method, path: &[&str]) -> Self {
        let mut call = Self::new(op, Api::V1, method, path);
        if call.safety == Safety::ResolvableCreate {
            call.safety = Safety::Unsafe;
        }
        call
    }

    fn new(op: Operation, api: Api, method: Method, path: &[&str]) -> Self {
        let mut segments = vec![api.as_str().to_owned()];
        segments.extend(path.iter().map(|s| (*s).to_owned()));
        Self {
            op,
            api,
            method,
            path: segments,
            query: Vec::new(),
            body: None,
            subject: None,
            safety: op.safety(),
        }
    }

    pub(crate) fn query(mut self, query: Vec<(&'static str, String)>) -> Self {
        self.query = query;
        self
    }

    pub(crate) fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets a JSON body.
    ///
    /// # Errors
    /// [`CalcomError::InvalidRequest`] when the body cannot be encoded.
    pub(crate) fn json<T: serde::Serialize>(mut self, body: &T) -> Result<Self, CalcomError> {
        self.body = Some(
            serde_json::to_vec(body).map_err(|e| CalcomError::InvalidRequest {
                field: "body",
                message: format!("cannot encode: {e}"),
            })?,
        );
        Ok(self)
    }
}

/// A 2xx answer.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) body: Vec<u8>,
}

/// A failed attempt: the error for the caller, and what it means for retrying.
#[derive(Debug)]
pub(crate) struct AttemptError {
    pub(crate) error: CalcomError,
    pub(crate) failure: Failure,
}

/// What a non-2xx status means for retrying.
pub(crate) fn failure_for_status(status: StatusCode, error: &CalcomError) -> Failure {
    match (status.as_u16(), error) {
        (429, CalcomError::RateLimited { reset }) => Failure::RateLimited { reset: *reset },
        (429, _) => Failure::RateLimited { reset: None },
        (code @ 500..=599, _) => Failure::ServerError(code),
        _ => Failure::Rejected,
    }
}

/// Whether v2 said the route itself does not exist (`404 Cannot GET
/// /v2/...`, Nest's answer for an unknown route or version), as opposed to
/// a missing resource.
pub(crate) fn is_missing_route(e: &CalcomError) -> bool {
    let message = match e {
        CalcomError::NotFound { message, .. } => message,
        CalcomError::Upstream {
            status: 404,
            message,
        } => message,
        _ => return false,
    };
    message.starts_with("Cannot ") && message.contains("/v2/")
}

/// Header names whose values are credentials.
pub(crate) fn is_credential_header(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "authorization" | "proxy-authorization" | "x-cal-secret-key" | "cookie" | "set-cookie"
    )
}

/// Headers as displayable pairs, credentials masked.
pub(crate) fn shown_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let shown = if is_credential_header(name.as_str()) {
                "[redacted]".to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), shown)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_routes_are_told_apart_from_missing_things() {
        assert!(is_missing_route(&CalcomError::Upstream {
            status: 404,
            message: "Cannot GET /v2/event-types".into()
        }));
        assert!(is_missing_route(&CalcomError::NotFound {
            entity: "booking",
            id: "x".into(),
            message: "Cannot POST /v2/bookings".into()
        }));
        assert!(!is_missing_route(&CalcomError::NotFound {
            entity: "booking",
            id: "x".into(),
            message: "Booking with uid=x was not found in the database".into()
        }));
        assert!(!is_missing_route(&CalcomError::Timeout));
    }

    #[test]
    fn v1_creates_are_never_resolvable() {
        let c = Call::v1(Operation::CreateBooking, Method::POST, &["bookings"]);
        assert_eq!(c.safety, Safety::Unsafe);
        assert_eq!(c.path, vec!["v1", "bookings"]);
        let c = Call::v2(Operation::CreateBooking, Method::POST, &["bookings"]);
        assert_eq!(c.safety, Safety::ResolvableCreate);
    }
}
