//! Cal.com's response bodies and headers: `{status:"success", data}` on
//! success, `{status:"error", timestamp, path, error:{code, message,
//! details}}` on failure, and an `X-Request-Id` uuid on every response.

use axum::Json;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::{Value, json};

use crate::error::{ApiError, PendingError};
use crate::js_compat::date::js_iso;

/// `200 {status:"success", data}`.
pub(crate) fn ok(data: Value) -> Response {
    with_status(StatusCode::OK, data)
}

/// `201 {status:"success", data}` (every POST that creates something).
pub(crate) fn created(data: Value) -> Response {
    with_status(StatusCode::CREATED, data)
}

/// `{status:"success", data}` with any status.
pub(crate) fn with_status(status: StatusCode, data: Value) -> Response {
    (status, Json(json!({ "status": "success", "data": data }))).into_response()
}

/// `200 {status:"success", data, pagination}` (`GET /v2/bookings` only).
pub(crate) fn ok_paginated(data: Value, pagination: Value) -> Response {
    (
        StatusCode::OK,
        Json(json!({ "status": "success", "data": data, "pagination": pagination })),
    )
        .into_response()
}

/// Outermost middleware: renders pending errors into the envelope (it is
/// the only place that knows the request path) and stamps `X-Request-Id`.
pub(crate) async fn finish(req: Request, next: Next) -> Response {
    let path = redact_url(
        req.uri()
            .path_and_query()
            .map_or_else(|| req.uri().path(), |pq| pq.as_str()),
    );
    let mut res = next.run(req).await;
    if let Some(PendingError(err)) = res.extensions_mut().remove::<PendingError>() {
        let body = if err == ApiError::Injected(500) {
            // What an uncaught error looks like: Nest's default filter, no
            // envelope (NOTES §2).
            json!({ "statusCode": 500, "message": "Internal server error" })
        } else {
            json!({
            "status": "error",
            "timestamp": js_iso(Utc::now()),
            "path": path,
            "error": { "code": err.code(), "message": err.message(), "details": err.details() },
            })
        };
        let kept = std::mem::take(res.headers_mut());
        res = (err.status(), Json(body)).into_response();
        for (name, value) in &kept {
            if name != axum::http::header::CONTENT_TYPE
                && name != axum::http::header::CONTENT_LENGTH
            {
                res.headers_mut().insert(name.clone(), value.clone());
            }
        }
    }
    if let Ok(id) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        res.headers_mut().insert("x-request-id", id);
    }
    res
}

/// Query parameters whose values must never be echoed back (a client that
/// sends a v1-style `?apiKey=` to a v2 path must not see it in an error).
const SECRET_PARAMS: [&str; 6] = [
    "apikey",
    "api_key",
    "key",
    "token",
    "secret",
    "access_token",
];

/// The URL with secret-looking query values replaced by `[redacted]`.
pub(crate) fn redact_url(url: &str) -> String {
    let Some((path, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let pairs: Vec<String> = query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET_PARAMS.contains(&k.to_ascii_lowercase().as_str()) => {
                format!("{k}=[redacted]")
            }
            _ => pair.to_owned(),
        })
        .collect();
    format!("{path}?{}", pairs.join("&"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_query_strings_are_redacted() {
        assert_eq!(
            redact_url("/v2/me?apiKey=cal_secret&x=1"),
            "/v2/me?apiKey=[redacted]&x=1"
        );
        assert_eq!(
            redact_url("/v2/slots?start=2050-01-01"),
            "/v2/slots?start=2050-01-01"
        );
        assert_eq!(redact_url("/v2/me"), "/v2/me");
    }
}
