//! The one error type of the mock: every way a request can fail, each with
//! the HTTP status, Nest exception name and message real Cal.com uses.
//!
//! Handlers return it; [`crate::envelope::finish`] renders it into Cal.com's
//! error envelope, because only that middleware knows the request path the
//! envelope repeats. The testkit has no domain boundary (it *is* the remote
//! side), so there is no conversion into `calbridge_domain::DomainError`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::validation::ValidationError;

/// Why a request failed, in Cal.com's terms.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub(crate) enum ApiError {
    /// Nest `BadRequestException(message)`: slot taken, booking in the past,
    /// flattened pipe validation, malformed JSON.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Nest global `ValidationPipe` failure: `BadRequestException({ errors })`.
    #[error("validation failed on {} field(s)", .0.len())]
    Validation(Vec<ValidationError>),
    /// Nest `UnauthorizedException(message)` from the API-key strategy.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// Nest `NotFoundException(message)`: unknown booking, event type, user.
    #[error("not found: {0}")]
    NotFound(String),
    /// No controller for this path, method and `cal-api-version`: Nest's own
    /// `Cannot GET /v2/...` 404.
    #[error("no route for {method} {url}")]
    RouteNotFound {
        /// The request method.
        method: String,
        /// The request path and query, secrets redacted.
        url: String,
    },
    /// The testkit's deliberate deviation: real Cal.com would answer from a
    /// legacy controller with another body shape.
    #[error("{endpoint} needs cal-api-version {required}")]
    UnsupportedVersion {
        /// The endpoint family, e.g. `/v2/bookings`.
        endpoint: &'static str,
        /// The version the family needs.
        required: &'static str,
        /// What the client sent (`None` when the header was missing).
        received: Option<String>,
    },
    /// The request body exceeds the server's limit.
    #[error("payload too large")]
    PayloadTooLarge,
    /// Nest `ForbiddenException(message)` (permission guards).
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Nest `ConflictException(message)`: duplicate webhook URL.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Nest `UnprocessableEntityException(message)`: reserving a booked slot.
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    /// The throttler guard's 429 (`ThrottlerException`).
    #[error("too many requests")]
    TooManyRequests,
    /// A fault injected by a test: any status, Nest's exception name for it.
    #[error("injected fault: HTTP {0}")]
    Injected(u16),
}

impl ApiError {
    /// HTTP status of the response.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) | Self::Validation(_) | Self::UnsupportedVersion { .. } => {
                StatusCode::BAD_REQUEST
            }
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::NotFound(_) | Self::RouteNotFound { .. } => StatusCode::NOT_FOUND,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Injected(code) => {
                StatusCode::from_u16(*code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }

    /// `error.code`: the Nest exception class name (or the testkit's own).
    pub(crate) fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) | Self::Validation(_) => "BadRequestException",
            Self::Unauthorized(_) => "UnauthorizedException",
            Self::NotFound(_) | Self::RouteNotFound { .. } => "NotFoundException",
            Self::UnsupportedVersion { .. } => "TestkitUnsupportedVersion",
            Self::PayloadTooLarge => "PayloadTooLargeException",
            Self::Forbidden(_) => "ForbiddenException",
            Self::Conflict(_) => "ConflictException",
            Self::Unprocessable(_) => "UnprocessableEntityException",
            Self::TooManyRequests => "ThrottlerException",
            Self::Injected(code) => exception_name(*code),
        }
    }

    /// `error.message`.
    pub(crate) fn message(&self) -> String {
        match self {
            Self::BadRequest(m)
            | Self::Unauthorized(m)
            | Self::NotFound(m)
            | Self::Forbidden(m)
            | Self::Conflict(m)
            | Self::Unprocessable(m) => m.clone(),
            Self::TooManyRequests => {
                "CustomThrottlerGuard - Too many requests. Please try again later.".to_owned()
            }
            Self::Injected(code) => format!("calbridge-testkit: injected fault (HTTP {code})"),
            Self::Validation(_) => "Bad Request Exception".to_owned(),
            Self::RouteNotFound { method, url } => format!("Cannot {method} {url}"),
            Self::UnsupportedVersion {
                endpoint,
                required,
                received,
            } => format!(
                "calbridge-testkit: {endpoint} needs header cal-api-version: {required} (got {}). \
                 Real Cal.com would answer this request from a legacy controller with a \
                 different response shape.",
                received
                    .as_deref()
                    .map_or_else(|| "none".to_owned(), |r| format!("{r:?}"))
            ),
            Self::PayloadTooLarge => "request entity too large".to_owned(),
        }
    }

    /// `error.details`: Nest's `exception.getResponse()`.
    pub(crate) fn details(&self) -> Value {
        let status = self.status().as_u16();
        let reason = self.status().canonical_reason().unwrap_or("Error");
        match self {
            Self::Validation(errors) => json!({ "errors": errors }),
            Self::TooManyRequests => json!(self.message()),
            Self::UnsupportedVersion {
                required, received, ..
            } => json!({
                "message": self.message(),
                "requiredVersion": required,
                "receivedVersion": received,
                "statusCode": status,
            }),
            _ => json!({ "message": self.message(), "error": reason, "statusCode": status }),
        }
    }
}

/// Nest's exception class for a status code.
fn exception_name(code: u16) -> &'static str {
    match code {
        400 => "BadRequestException",
        401 => "UnauthorizedException",
        403 => "ForbiddenException",
        404 => "NotFoundException",
        408 => "RequestTimeoutException",
        409 => "ConflictException",
        422 => "UnprocessableEntityException",
        429 => "ThrottlerException",
        502 => "BadGatewayException",
        503 => "ServiceUnavailableException",
        504 => "GatewayTimeoutException",
        _ => "InternalServerErrorException",
    }
}

/// Carried in the response extensions until [`crate::envelope::finish`]
/// turns it into the envelope body.
#[derive(Debug, Clone)]
pub(crate) struct PendingError(pub(crate) ApiError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut res = self.status().into_response();
        res.extensions_mut().insert(PendingError(self));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_codes_and_details_follow_nest() {
        let e = ApiError::BadRequest(
            "User either already has booking at this time or is not available".into(),
        );
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(e.code(), "BadRequestException");
        assert_eq!(
            e.details(),
            json!({"message": "User either already has booking at this time or is not available",
                   "error": "Bad Request", "statusCode": 400})
        );
        let e = ApiError::RouteNotFound {
            method: "GET".into(),
            url: "/v2/event-types".into(),
        };
        assert_eq!(e.message(), "Cannot GET /v2/event-types");
        assert_eq!(e.details()["error"], "Not Found");
        let e = ApiError::UnsupportedVersion {
            endpoint: "/v2/bookings",
            required: "2024-08-13",
            received: None,
        };
        assert!(e.message().contains("2024-08-13"));
        assert!(e.message().contains("got none"));
        assert_eq!(e.code(), "TestkitUnsupportedVersion");
        assert_eq!(
            ApiError::Validation(vec![]).message(),
            "Bad Request Exception"
        );
    }
}
