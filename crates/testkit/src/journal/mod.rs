//! The request journal: what was called, with which headers, and what the
//! mock answered. Secrets never enter it: the `Authorization` value is
//! replaced by a short hash, secret query values and JSON `secret` fields
//! by `[redacted]`.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::envelope::redact_url;
use crate::faults::Route;
use crate::state::AppState;

/// The most bytes of a request body the journal keeps.
const MAX_BODY: usize = 100 * 1024;
/// The most bytes of a body the journal stores (the rest is cut off).
const KEPT_BODY: usize = 16 * 1024;
/// The most entries kept; older ones are dropped first.
const MAX_ENTRIES: usize = 5_000;

/// One request as the mock saw it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct JournalEntry {
    /// Arrival order, from 1 (keeps counting when old entries are dropped).
    pub seq: u64,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path, e.g. `/v2/bookings/abc/cancel`.
    pub path: String,
    /// The query string (secret values redacted), if any.
    pub query: Option<String>,
    /// The operation, when the path is one the mock serves.
    pub route: Option<Route>,
    /// Request headers, lowercase names, in arrival order; credentials are
    /// hashed or redacted.
    pub headers: Vec<(String, String)>,
    /// The request body as text (JSON `secret` fields redacted, cut off
    /// after 16 KiB), if any.
    pub body: Option<String>,
    /// The status the mock answered (0 when the response never left, e.g.
    /// a hang).
    pub status: u16,
}

impl JournalEntry {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The newest entries, oldest first.
#[derive(Debug, Default)]
pub(crate) struct Log {
    /// The entries kept.
    pub(crate) entries: VecDeque<JournalEntry>,
    last_seq: u64,
}

/// Shared journal storage.
pub(crate) type SharedJournal = Arc<Mutex<Log>>;

/// How a credential shows in the journal: a fingerprint that tells keys
/// apart without revealing them.
pub fn fingerprint(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    format!("sha256:{}", &hex::encode(digest)[..12])
}

fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            let name = k.as_str().to_ascii_lowercase();
            let raw = String::from_utf8_lossy(v.as_bytes()).into_owned();
            let shown = match name.as_str() {
                "authorization" => match raw.split_once(' ') {
                    Some((scheme, token)) => format!("{scheme} [{}]", fingerprint(token)),
                    None => format!("[{}]", fingerprint(&raw)),
                },
                "x-cal-secret-key" | "cookie" | "x-cal-client-id" => "[redacted]".to_owned(),
                _ => raw,
            };
            (name, shown)
        })
        .collect()
}

fn redact_body(bytes: &[u8]) -> Option<String> {
    if bytes.is_empty() {
        return None;
    }
    let text = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(mut map)) => {
            for key in ["secret", "apiKey", "password"] {
                if let Some(v) = map.get_mut(key) {
                    *v = Value::String("[redacted]".to_owned());
                }
            }
            Value::Object(map).to_string()
        }
        _ => String::from_utf8_lossy(bytes).into_owned(),
    };
    if text.len() <= KEPT_BODY {
        return Some(text);
    }
    let mut cut = KEPT_BODY;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Some(format!("{}…[truncated]", &text[..cut]))
}

/// Middleware: records every request that reaches the API (not the admin
/// surface), then the status it got.
pub(crate) async fn record(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    // An unreadable or oversized body is handed on empty-handed; the
    // handler's own body limit answers 413 for the oversized case.
    let (bytes, body) = match to_bytes(body, MAX_BODY).await {
        Ok(b) => (b.clone(), Body::from(b)),
        Err(_) => (Default::default(), Body::from(vec![0u8; MAX_BODY + 1])),
    };
    let query = parts.uri.query().map(|q| {
        redact_url(&format!("?{q}"))
            .trim_start_matches('?')
            .to_owned()
    });
    // Built outside the lock: it is shared by every request.
    let mut entry = JournalEntry {
        seq: 0,
        at: Utc::now(),
        method: parts.method.as_str().to_owned(),
        path: parts.uri.path().to_owned(),
        query,
        route: Route::classify(&parts.method, parts.uri.path()),
        headers: redact_headers(&parts.headers),
        body: redact_body(&bytes),
        status: 0,
    };
    let seq = {
        let mut journal = state
            .journal()
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if journal.entries.len() >= MAX_ENTRIES {
            journal.entries.pop_front();
        }
        journal.last_seq += 1;
        entry.seq = journal.last_seq;
        journal.entries.push_back(entry);
        journal.last_seq
    };
    let res = next.run(Request::from_parts(parts, body)).await;
    let mut journal = state
        .journal()
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(entry) = journal.entries.iter_mut().rev().find(|e| e.seq == seq) {
        entry.status = res.status().as_u16();
    }
    res
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn credentials_are_fingerprinted_or_redacted() {
        let mut h = HeaderMap::new();
        h.insert(
            "authorization",
            HeaderValue::from_static("Bearer cal_live_topsecret"),
        );
        h.insert("x-cal-secret-key", HeaderValue::from_static("shh"));
        h.insert("cal-api-version", HeaderValue::from_static("2024-08-13"));
        let shown = redact_headers(&h);
        let text = format!("{shown:?}");
        assert!(!text.contains("topsecret"), "{text}");
        assert!(!text.contains("shh"), "{text}");
        assert!(text.contains(&fingerprint("cal_live_topsecret")), "{text}");
        assert!(text.contains("2024-08-13"));
        let body = redact_body(br#"{"secret":"whsec","subscriberUrl":"http://x"}"#).unwrap();
        assert!(!body.contains("whsec"), "{body}");
        assert!(body.contains("subscriberUrl"));
    }
}
