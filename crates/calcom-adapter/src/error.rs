//! Everything that can go wrong talking to Cal.com, and how it becomes a
//! [`DomainError`] at the port boundary.
//!
//! Messages come from Cal.com's error bodies after the API key has been
//! redacted from them, so `Display` and `Debug` are safe to log.

use std::time::Duration;

use calbridge_domain::{DomainError, Upstream};

/// A failed Cal.com call, classified so callers can react to each case.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalcomError {
    /// 401 or 498: the API key is wrong, expired or missing.
    #[error("Cal.com rejected the credentials: {message}")]
    Unauthorized {
        /// Cal.com's explanation.
        message: String,
    },
    /// 403: the key is valid but lacks the permission for this call.
    #[error("Cal.com refused access: {message}")]
    Forbidden {
        /// Cal.com's explanation.
        message: String,
    },
    /// 404 for something the call addressed (a booking uid, an event type id).
    #[error("{entity} {id} not found at Cal.com: {message}")]
    NotFound {
        /// What was looked up ("booking", "event type").
        entity: &'static str,
        /// The identifier that was looked up.
        id: String,
        /// Cal.com's explanation.
        message: String,
    },
    /// 400/422 Cal.com refused the request's content (not a slot problem).
    #[error("Cal.com rejected the request: {message}")]
    Validation {
        /// Cal.com's message.
        message: String,
        /// Cal.com's `error.details` (e.g. class-validator errors), if any.
        details: Option<serde_json::Value>,
    },
    /// The time is taken or not bookable (400 with a slot message, or 409 on
    /// create/reschedule). Never retry blindly: someone else may hold it.
    #[error("slot unavailable: {message}")]
    SlotUnavailable {
        /// Cal.com's message.
        message: String,
    },
    /// 409 outside booking: the request conflicts with the current state.
    #[error("conflict at Cal.com: {message}")]
    Conflict {
        /// Cal.com's message.
        message: String,
    },
    /// 429: the key's rate limit is used up.
    #[error("Cal.com rate limit reached")]
    RateLimited {
        /// Time until Cal.com accepts calls again (`X-RateLimit-Reset-Default`), when sent.
        reset: Option<Duration>,
    },
    /// Cal.com failed (5xx), or answered with a status this client does not
    /// expect for the call (e.g. 404 on a route that always exists).
    #[error("Cal.com answered {status}: {message}")]
    Upstream {
        /// The HTTP status.
        status: u16,
        /// Cal.com's message, or a short excerpt of a non-JSON body.
        message: String,
    },
    /// No complete answer within the configured time limit.
    #[error("Cal.com did not answer in time")]
    Timeout,
    /// Cal.com could not be reached, or the connection broke.
    #[error("cannot reach Cal.com: {message}")]
    Connection {
        /// What the transport reported (no URL, no headers).
        message: String,
    },
    /// Cal.com answered success, but with a body this client cannot use.
    #[error("unexpected answer from Cal.com: {message}")]
    Decode {
        /// What did not fit.
        message: String,
    },
    /// A booking create whose outcome is unknown: it may or may not exist at
    /// Cal.com (the answer was lost and a lookup by correlation id could not
    /// settle it). Do not simply send it again; look it up later.
    #[error("outcome of {operation} unknown at Cal.com: {message}")]
    InDoubt {
        /// The operation whose outcome is unknown.
        operation: &'static str,
        /// The correlation id the booking carries, to look it up later.
        correlation_id: Option<String>,
        /// What went wrong, first with the call and then with the lookup.
        message: String,
    },
    /// The circuit breaker for this API key is open: Cal.com failed
    /// repeatedly, so calls fail fast instead of piling up.
    #[error("Cal.com circuit open; calls fail fast for now")]
    CircuitOpen {
        /// Time until a probe call is let through, when known.
        retry_in: Option<Duration>,
    },
    /// API v1 answered `410 Gone`: v1 is switched off for this client.
    #[error("Cal.com API v1 is gone: {message}")]
    V1Gone {
        /// Cal.com's message.
        message: String,
    },
    /// Input refused before anything was sent (e.g. a uid that would change the URL path).
    #[error("invalid {field}: {message}")]
    InvalidRequest {
        /// The offending field, as Cal.com names it.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The client cannot be built from its configuration.
    #[error("invalid Cal.com client configuration: {message}")]
    InvalidConfig {
        /// What is wrong (never the key itself).
        message: String,
    },
}

impl CalcomError {
    /// Shorthand for [`CalcomError::Decode`].
    pub(crate) fn decode(message: impl Into<String>) -> Self {
        CalcomError::Decode {
            message: message.into(),
        }
    }

    /// True when the same call may succeed if made again later. The client
    /// has already retried what it safely could; this is for callers
    /// deciding whether to try again later. Slot, validation and in-doubt
    /// errors never are (an in-doubt create must be looked up first).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            CalcomError::RateLimited { .. }
                | CalcomError::CircuitOpen { .. }
                | CalcomError::Timeout
                | CalcomError::Connection { .. }
                | CalcomError::Upstream {
                    status: 500..=599,
                    ..
                }
        )
    }
}

impl From<CalcomError> for DomainError {
    fn from(e: CalcomError) -> Self {
        match e {
            CalcomError::Unauthorized { .. } | CalcomError::Forbidden { .. } => {
                DomainError::CalendarUnauthorized
            }
            CalcomError::NotFound { entity, id, .. } => DomainError::NotFound { entity, id },
            CalcomError::Validation { message, details } => DomainError::InvalidInput {
                field: guess_field(&message, details.as_ref()),
                message,
            },
            CalcomError::InvalidRequest { field, message } => DomainError::InvalidInput {
                field: field.to_owned(),
                message,
            },
            CalcomError::SlotUnavailable { message } => DomainError::SlotUnavailable { message },
            CalcomError::Conflict { message } => DomainError::Conflict { message },
            CalcomError::RateLimited { reset } => DomainError::RateLimited { retry_after: reset },
            e @ (CalcomError::Upstream { .. }
            | CalcomError::Decode { .. }
            | CalcomError::V1Gone { .. }
            | CalcomError::InvalidConfig { .. }) => DomainError::UpstreamFailed {
                upstream: Upstream::Calendar,
                message: e.to_string(),
            },
            e @ (CalcomError::Timeout
            | CalcomError::Connection { .. }
            | CalcomError::CircuitOpen { .. }) => DomainError::Unavailable {
                upstream: Upstream::Calendar,
                message: e.to_string(),
            },
            CalcomError::InDoubt {
                operation,
                correlation_id,
                message,
            } => DomainError::Unavailable {
                upstream: Upstream::Calendar,
                message: match correlation_id {
                    Some(id) => format!(
                        "outcome unknown: {operation} may or may not have been applied \
                         (correlation id {id}); look it up before trying again: {message}"
                    ),
                    None => format!(
                        "outcome unknown: {operation} may or may not have been applied; \
                         look it up before trying again: {message}"
                    ),
                },
            },
        }
    }
}

/// Best guess at which input field a Cal.com validation error is about, so
/// the caller is told what to fix. Falls back to `"request"`.
fn guess_field(message: &str, details: Option<&serde_json::Value>) -> String {
    // class-validator failures name the property.
    let property = details
        .and_then(|d| d.get("errors"))
        .and_then(|errs| errs.as_array())
        .and_then(|errs| errs.first())
        .and_then(|first| first.get("property"))
        .and_then(|p| p.as_str())
        .filter(|p| !p.is_empty());
    if let Some(p) = property {
        return p.to_owned();
    }
    let m = message.to_ascii_lowercase();
    const HINTS: [(&str, &str); 10] = [
        ("in the past", "start"),
        ("booking field", "bookingFieldsResponses"),
        ("phone number", "attendee.phoneNumber"),
        ("lengthinminutes", "lengthInMinutes"),
        ("duration", "lengthInMinutes"),
        ("metadata", "metadata"),
        ("timezone", "timeZone"),
        ("time zone", "timeZone"),
        ("cancellation reason", "cancellationReason"),
        ("email", "attendee.email"),
    ];
    HINTS
        .iter()
        .find(|(needle, _)| m.contains(needle))
        .map(|(_, field)| (*field).to_owned())
        .or_else(|| {
            m.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| w == "start")
                .then(|| "start".to_owned())
        })
        .unwrap_or_else(|| "request".to_owned())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn credentials_problems_are_a_configuration_matter() {
        for e in [
            CalcomError::Unauthorized {
                message: "bad key".into(),
            },
            CalcomError::Forbidden {
                message: "no BOOKING_READ".into(),
            },
        ] {
            assert_eq!(DomainError::from(e), DomainError::CalendarUnauthorized);
        }
    }

    #[test]
    fn not_found_keeps_entity_and_id() {
        let e = CalcomError::NotFound {
            entity: "booking",
            id: "abc".into(),
            message: "Booking with uid=abc was not found in the database".into(),
        };
        assert_eq!(
            DomainError::from(e),
            DomainError::NotFound {
                entity: "booking",
                id: "abc".into()
            }
        );
    }

    #[test]
    fn slot_conflict_and_rate_limit_keep_their_meaning() {
        assert_eq!(
            DomainError::from(CalcomError::SlotUnavailable {
                message: "taken".into()
            }),
            DomainError::SlotUnavailable {
                message: "taken".into()
            }
        );
        assert_eq!(
            DomainError::from(CalcomError::Conflict {
                message: "dup".into()
            }),
            DomainError::Conflict {
                message: "dup".into()
            }
        );
        assert_eq!(
            DomainError::from(CalcomError::RateLimited {
                reset: Some(Duration::from_secs(42))
            }),
            DomainError::RateLimited {
                retry_after: Some(Duration::from_secs(42))
            }
        );
    }

    #[test]
    fn outages_are_unavailable_and_bad_answers_are_upstream_failures() {
        for e in [
            CalcomError::Timeout,
            CalcomError::Connection {
                message: "refused".into(),
            },
        ] {
            let d = DomainError::from(e);
            assert!(
                matches!(
                    d,
                    DomainError::Unavailable {
                        upstream: Upstream::Calendar,
                        ..
                    }
                ),
                "{d:?}"
            );
            assert!(d.is_retryable());
        }
        for e in [
            CalcomError::Upstream {
                status: 500,
                message: "Internal server error".into(),
            },
            CalcomError::decode("missing field `uid`"),
            CalcomError::InvalidConfig {
                message: "bad url".into(),
            },
        ] {
            let d = DomainError::from(e);
            assert!(
                matches!(
                    d,
                    DomainError::UpstreamFailed {
                        upstream: Upstream::Calendar,
                        ..
                    }
                ),
                "{d:?}"
            );
        }
    }

    #[test]
    fn validation_names_the_field_it_can_recognise() {
        let cases = [
            ("Attempting to book a meeting in the past.", None, "start"),
            (
                "Bad Request Exception",
                Some(json!({"errors":[{"property":"attendee","constraints":{}}]})),
                "attendee",
            ),
            (
                "Missing required booking field response: notes",
                None,
                "bookingFieldsResponses",
            ),
            (
                "Missing attendee phone number",
                None,
                "attendee.phoneNumber",
            ),
            ("start must be a valid ISO 8601 date", None, "start"),
            ("Invalid time zone", None, "timeZone"),
            ("Something odd happened", None, "request"),
            ("restart later", None, "request"),
        ];
        for (message, details, field) in cases {
            let d = DomainError::from(CalcomError::Validation {
                message: message.into(),
                details,
            });
            assert_eq!(
                d,
                DomainError::InvalidInput {
                    field: field.into(),
                    message: message.into()
                },
                "{message}"
            );
        }
        assert_eq!(
            DomainError::from(CalcomError::InvalidRequest {
                field: "uid",
                message: "must not be empty".into()
            }),
            DomainError::invalid("uid", "must not be empty")
        );
    }

    #[test]
    fn in_doubt_and_open_circuit_are_unavailable_and_say_why() {
        let d = DomainError::from(CalcomError::InDoubt {
            operation: "create_booking",
            correlation_id: Some("c-1".into()),
            message: "timed out; lookup failed".into(),
        });
        let DomainError::Unavailable { upstream, message } = &d else {
            panic!("{d:?}");
        };
        assert_eq!(*upstream, Upstream::Calendar);
        assert!(message.contains("outcome unknown"), "{message}");
        assert!(message.contains("c-1"), "{message}");
        let d = DomainError::from(CalcomError::CircuitOpen {
            retry_in: Some(Duration::from_secs(60)),
        });
        assert!(matches!(
            d,
            DomainError::Unavailable {
                upstream: Upstream::Calendar,
                ..
            }
        ));
        assert!(matches!(
            DomainError::from(CalcomError::V1Gone {
                message: "gone".into()
            }),
            DomainError::UpstreamFailed { .. }
        ));
        assert!(
            !CalcomError::InDoubt {
                operation: "create_booking",
                correlation_id: None,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(CalcomError::CircuitOpen { retry_in: None }.is_retryable());
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(CalcomError::Timeout.is_retryable());
        assert!(CalcomError::RateLimited { reset: None }.is_retryable());
        assert!(
            CalcomError::Upstream {
                status: 503,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(
            !CalcomError::Upstream {
                status: 404,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(
            !CalcomError::SlotUnavailable {
                message: String::new()
            }
            .is_retryable()
        );
    }
}
