//! The one place where errors become HTTP responses.
//!
//! Every error body is `{"error":{"code","message"[,"field"][,"retryAfterSeconds"]}}`:
//! `code` is stable and machine-readable, `message` is for humans and never
//! carries internals (those are logged instead).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use calbridge_domain::{DomainError, Upstream};
use serde::Serialize;

/// An error on its way to the client.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// A use case failed.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// The request could not be read at all (bad JSON syntax, bad query string).
    #[error("{message}")]
    BadRequest {
        /// Machine code.
        code: &'static str,
        /// What to fix.
        message: String,
    },
    /// The request was readable but a field has the wrong type or is missing.
    #[error("{message}")]
    Unprocessable {
        /// What to fix.
        message: String,
    },
    /// The body is not JSON.
    #[error("expected a JSON body with content-type application/json")]
    UnsupportedMediaType,
    /// The body exceeds the size limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// No valid bearer token (or webhook signature): who is asking is unknown.
    #[error("{message}")]
    Unauthorized {
        /// What was missing or wrong (never the presented credential).
        message: &'static str,
    },
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody<'a> {
    error: ErrorDetail<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ErrorDetail<'a> {
    code: &'a str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    retry_after_seconds: Option<u64>,
}

impl ApiError {
    /// Shorthand for a 400 with a code.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code,
            message: message.into(),
        }
    }
}

/// Status, code and public message for a domain error. Kept as one match so
/// the whole HTTP contract can be read in one screen.
fn classify(e: &DomainError) -> (StatusCode, &'static str, String) {
    use DomainError as D;
    match e {
        D::InvalidInput { .. } => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_input",
            e.to_string(),
        ),
        D::NotFound { .. } => (StatusCode::NOT_FOUND, "not_found", e.to_string()),
        D::SlotUnavailable { message } => (
            StatusCode::CONFLICT,
            "slot_unavailable",
            format!("the requested time is not available: {message}"),
        ),
        D::Conflict { message } => (StatusCode::CONFLICT, "conflict", message.clone()),
        D::CalendarUnauthorized => (
            StatusCode::BAD_GATEWAY,
            "calendar_unauthorized",
            "Cal.com rejected calbridge's API key; check the connection".to_owned(),
        ),
        D::RateLimited { .. } => (
            StatusCode::SERVICE_UNAVAILABLE,
            "calendar_rate_limited",
            "Cal.com's rate limit is reached; retry later".to_owned(),
        ),
        D::Unavailable { upstream, .. } => match upstream {
            Upstream::Calendar => (
                StatusCode::SERVICE_UNAVAILABLE,
                "calendar_unavailable",
                "Cal.com cannot be reached; retry later".to_owned(),
            ),
            Upstream::Storage => (
                StatusCode::SERVICE_UNAVAILABLE,
                "storage_unavailable",
                "the database cannot be reached; retry later".to_owned(),
            ),
            Upstream::Cache => (
                StatusCode::SERVICE_UNAVAILABLE,
                "cache_unavailable",
                "the cache cannot be reached; retry later".to_owned(),
            ),
        },
        D::UpstreamFailed {
            upstream: Upstream::Calendar,
            ..
        } => (
            StatusCode::BAD_GATEWAY,
            "calendar_error",
            "Cal.com answered with an error calbridge could not use".to_owned(),
        ),
        D::UpstreamFailed { .. } => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "internal error".to_owned(),
        ),
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code, message, field, retry_after) = match &self {
            ApiError::Domain(e) => {
                let (status, code, message) = classify(e);
                let field = match e {
                    DomainError::InvalidInput { field, .. } => Some(field.as_str()),
                    _ => None,
                };
                let retry = match e {
                    DomainError::RateLimited { retry_after } => {
                        Some(retry_after.map_or(60, |d| d.as_secs().max(1)))
                    }
                    _ => None,
                };
                if status.is_server_error() {
                    tracing::warn!(error = %e, %code, "request failed upstream");
                }
                (status, code, message, field, retry)
            }
            ApiError::BadRequest { code, message } => {
                (StatusCode::BAD_REQUEST, *code, message.clone(), None, None)
            }
            ApiError::Unprocessable { message } => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_request",
                message.clone(),
                None,
                None,
            ),
            ApiError::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                self.to_string(),
                None,
                None,
            ),
            ApiError::PayloadTooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                self.to_string(),
                None,
                None,
            ),
            ApiError::Unauthorized { message } => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                (*message).to_owned(),
                None,
                None,
            ),
        };
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message,
                field,
                retry_after_seconds: retry_after,
            },
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(secs) = retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// Result alias for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    async fn body_of(r: Response) -> serde_json::Value {
        let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
            .await
            .unwrap();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn every_domain_error_has_a_status_and_a_stable_code() {
        let cases = [
            (DomainError::invalid("start", "bad"), 422, "invalid_input"),
            (
                DomainError::NotFound {
                    entity: "booking",
                    id: "x".into(),
                },
                404,
                "not_found",
            ),
            (
                DomainError::SlotUnavailable {
                    message: "taken".into(),
                },
                409,
                "slot_unavailable",
            ),
            (
                DomainError::Conflict {
                    message: "c".into(),
                },
                409,
                "conflict",
            ),
            (
                DomainError::CalendarUnauthorized,
                502,
                "calendar_unauthorized",
            ),
            (
                DomainError::RateLimited { retry_after: None },
                503,
                "calendar_rate_limited",
            ),
            (
                DomainError::Unavailable {
                    upstream: Upstream::Calendar,
                    message: "t".into(),
                },
                503,
                "calendar_unavailable",
            ),
            (
                DomainError::Unavailable {
                    upstream: Upstream::Storage,
                    message: "t".into(),
                },
                503,
                "storage_unavailable",
            ),
            (
                DomainError::UpstreamFailed {
                    upstream: Upstream::Calendar,
                    message: "t".into(),
                },
                502,
                "calendar_error",
            ),
            (
                DomainError::UpstreamFailed {
                    upstream: Upstream::Storage,
                    message: "secret sql".into(),
                },
                500,
                "internal_error",
            ),
        ];
        for (err, status, code) in cases {
            let r = ApiError::from(err).into_response();
            assert_eq!(r.status().as_u16(), status);
            let body = body_of(r).await;
            assert_eq!(body["error"]["code"], code);
            assert!(
                !body["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("secret sql")
            );
        }
    }

    #[tokio::test]
    async fn rate_limits_tell_when_to_come_back() {
        let r = ApiError::from(DomainError::RateLimited {
            retry_after: Some(Duration::from_secs(7)),
        })
        .into_response();
        assert_eq!(r.headers()[header::RETRY_AFTER], "7");
        assert_eq!(body_of(r).await["error"]["retryAfterSeconds"], 7);
    }

    #[tokio::test]
    async fn invalid_input_names_the_field() {
        let r = ApiError::from(DomainError::invalid("attendee.email", "bad")).into_response();
        assert_eq!(body_of(r).await["error"]["field"], "attendee.email");
    }
}
