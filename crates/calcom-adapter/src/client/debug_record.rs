//! [`RequestDebug`]: what the client last sent and got back, for support
//! and debugging ("what did Cal.com actually say?"), with every credential
//! and attendee detail masked so it can be shown or logged as is.

use std::time::Duration;

use crate::operation::Operation;

/// The last HTTP exchange of a client (see
/// [`CalcomClient::last_request_debug`](crate::CalcomClient::last_request_debug)).
#[derive(Debug, Clone, PartialEq)]
pub struct RequestDebug {
    /// The operation.
    pub operation: Operation,
    /// `v2` or `v1`.
    pub api: &'static str,
    /// 1 for the first attempt of a call, 2 for its first retry, ...
    pub attempt: u32,
    /// HTTP method.
    pub method: String,
    /// The URL, with `apiKey` and attendee query values masked.
    pub url: String,
    /// HTTP status, when an answer came back.
    pub status: Option<u16>,
    /// From sending to the end of the body (or the failure).
    pub duration: Duration,
    /// Request headers; credentials masked.
    pub request_headers: Vec<(String, String)>,
    /// Response headers; credentials masked.
    pub response_headers: Vec<(String, String)>,
    /// The client's error, when the attempt failed (attendee contact details masked).
    pub error: Option<String>,
}

/// What is kept of the last exchange: raw, so the hot path only clones;
/// credentials and attendee details are masked when it is read.
#[derive(Debug, Clone)]
pub(crate) struct RawExchange {
    pub(crate) operation: Operation,
    pub(crate) api: &'static str,
    pub(crate) attempt: u32,
    pub(crate) method: reqwest::Method,
    pub(crate) url: reqwest::Url,
    pub(crate) status: Option<u16>,
    pub(crate) duration: Duration,
    pub(crate) request_headers: reqwest::header::HeaderMap,
    pub(crate) response_headers: Option<reqwest::header::HeaderMap>,
    pub(crate) error: Option<crate::error::CalcomError>,
}

impl RawExchange {
    /// The record as shown to callers, everything sensitive masked.
    pub(crate) fn shown(&self) -> RequestDebug {
        use crate::client::request::shown_headers;
        use crate::redaction::{mask_contact_details, redact_url};
        RequestDebug {
            operation: self.operation,
            api: self.api,
            attempt: self.attempt,
            method: self.method.to_string(),
            url: redact_url(&self.url),
            status: self.status,
            duration: self.duration,
            request_headers: shown_headers(&self.request_headers),
            response_headers: self
                .response_headers
                .as_ref()
                .map(shown_headers)
                .unwrap_or_default(),
            error: self
                .error
                .as_ref()
                .map(|e| mask_contact_details(&e.to_string())),
        }
    }
}
