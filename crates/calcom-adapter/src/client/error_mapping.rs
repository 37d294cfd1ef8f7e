//! Turns a failed exchange with Cal.com into a [`CalcomError`]: transport
//! failures, and non-2xx answers in any of the body shapes Cal.com produces
//! (error envelope, bare Nest body, or not JSON at all; NOTES §2, §3, §6).

use std::error::Error as _;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::Value;

use crate::dto::{ErrorEnvelope, NestErrorBody};
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::redaction::Redactor;

/// Longest excerpt of a non-JSON body kept in an error message.
const EXCERPT_CHARS: usize = 200;

/// Rate-limit reset header of Cal.com's default limit: seconds, not an epoch.
const RESET_DEFAULT_HEADER: &str = "x-ratelimit-reset-default";
/// Prefix of the reset headers of named (custom) limits.
const RESET_HEADER_PREFIX: &str = "x-ratelimit-reset-";
/// v1's reset header: an epoch in milliseconds (Unkey), NOTES §9.
const V1_RESET_HEADER: &str = "x-ratelimit-reset";
/// Values above this are epochs in ms rather than delays in seconds.
const EPOCH_MS_THRESHOLD: f64 = 1e11;

/// Messages (lowercase fragments) with which Cal.com says a time cannot be
/// booked (NOTES §6). "Attempting to book a meeting in the past." is
/// deliberately absent: that is the caller's input error.
const SLOT_MESSAGES: [&str; 8] = [
    "already has booking at this time or is not available",
    // 422 on a reservation of a booked slot (NOTES §4.4).
    "can't reserve a slot if the event is already booked",
    "can\u{2019}t reserve a slot if the event is already booked",
    "can't be booked at the",
    "can\u{2019}t be booked at the",
    "maximum number of active bookings has been reached",
    "no more seats left",
    "booking_conflict",
];

/// Error codes of newer Cal.com builds (`ErrorWithCode`) that mean the same.
const SLOT_CODES: [&str; 5] = [
    "no_available_users_found_error",
    "hosts_unavailable_for_booking",
    "booking_time_out_of_bounds_error",
    "booking_conflict_error",
    "booking_seats_full_error",
];

/// What a Cal.com error body says, whatever its shape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorParts {
    /// Exception class or error code, when given.
    pub(crate) code: Option<String>,
    /// Human message (never empty).
    pub(crate) message: String,
    /// Structured details, when given.
    pub(crate) details: Option<Value>,
}

/// Classifies a non-2xx answer to `op`. `subject` is the id the call
/// addressed (booking uid, event type id), reported in `NotFound`.
pub(crate) fn classify_status(
    op: Operation,
    subject: Option<&str>,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    redactor: &Redactor,
) -> CalcomError {
    let parts = parse_error_body(status, body);
    let message = redactor.redact(&parts.message);
    let code = status.as_u16();
    match code {
        401 | 498 => CalcomError::Unauthorized { message },
        403 => CalcomError::Forbidden { message },
        404 => match op.not_found_entity() {
            Some(entity) => CalcomError::NotFound {
                entity,
                id: redactor.redact(subject.unwrap_or_default()),
                message,
            },
            None => CalcomError::Upstream {
                status: code,
                message,
            },
        },
        400 | 422 if is_slot_refusal(&parts) => CalcomError::SlotUnavailable { message },
        400 | 422 => CalcomError::Validation {
            message,
            details: parts.details.map(|d| redactor.redact_json(d)),
        },
        409 if op.claims_a_slot() || is_slot_refusal(&parts) => {
            CalcomError::SlotUnavailable { message }
        }
        409 => CalcomError::Conflict { message },
        429 => CalcomError::RateLimited {
            reset: rate_limit_reset(headers),
        },
        _ => CalcomError::Upstream {
            status: code,
            message,
        },
    }
}

/// Maps a transport failure (no usable HTTP answer). The URL is dropped from
/// the message: it may carry attendee emails in its query.
pub(crate) fn classify_transport(e: reqwest::Error, redactor: &Redactor) -> CalcomError {
    if e.is_timeout() {
        return CalcomError::Timeout;
    }
    let e = e.without_url();
    let mut message = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        message.push_str(": ");
        message.push_str(&s.to_string());
        source = s.source();
    }
    CalcomError::Connection {
        message: redactor.redact(&message),
    }
}

/// Reads the error body in whichever shape it came.
pub(crate) fn parse_error_body(status: StatusCode, body: &[u8]) -> ErrorParts {
    let fallback = || {
        status
            .canonical_reason()
            .unwrap_or("unknown status")
            .to_owned()
    };
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        let text = excerpt(body);
        return ErrorParts {
            code: None,
            message: if text.is_empty() {
                fallback()
            } else {
                format!("non-JSON body: {text}")
            },
            details: None,
        };
    };
    let top_message = json.get("message").and_then(message_text);
    let parts = if json.get("error").is_some_and(Value::is_object) {
        match serde_json::from_value::<ErrorEnvelope>(json.clone()) {
            Ok(env) => ErrorParts {
                code: env.error.code,
                message: env
                    .error
                    .message
                    .as_ref()
                    .and_then(message_text)
                    .or(top_message)
                    .unwrap_or_default(),
                details: env.error.details,
            },
            Err(_) => ErrorParts {
                code: None,
                message: top_message.unwrap_or_default(),
                details: None,
            },
        }
    } else if json.is_object() {
        match serde_json::from_value::<NestErrorBody>(json.clone()) {
            Ok(nest) => {
                let error_text = nest
                    .error
                    .as_ref()
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                ErrorParts {
                    // v1 says `{"error": "Your API key is not valid."}`: that is the message.
                    message: nest
                        .message
                        .as_ref()
                        .and_then(message_text)
                        .or_else(|| error_text.clone())
                        .unwrap_or_default(),
                    code: error_text,
                    details: None,
                }
            }
            Err(_) => ErrorParts {
                code: None,
                message: top_message.unwrap_or_default(),
                details: None,
            },
        }
    } else {
        ErrorParts {
            code: None,
            message: excerpt(body),
            details: None,
        }
    };
    if parts.message.trim().is_empty() {
        ErrorParts {
            message: fallback(),
            ..parts
        }
    } else {
        parts
    }
}

/// Seconds until the rate limit resets: the default limit's header, else the
/// soonest of any named limit's (Cal.com lets a call through when any resets).
pub(crate) fn rate_limit_reset(headers: &HeaderMap) -> Option<Duration> {
    let seconds = |v: &reqwest::header::HeaderValue| {
        let secs: f64 = v.to_str().ok()?.trim().parse().ok()?;
        Duration::try_from_secs_f64(secs).ok()
    };
    if let Some(d) = headers.get(RESET_DEFAULT_HEADER).and_then(seconds) {
        return Some(d);
    }
    let named = headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with(RESET_HEADER_PREFIX))
        .filter_map(|(_, v)| seconds(v))
        .min();
    named.or_else(|| headers.get(V1_RESET_HEADER).and_then(v1_reset))
}

/// v1's reset: an epoch in ms (or, defensively, a delay in seconds).
fn v1_reset(v: &reqwest::header::HeaderValue) -> Option<Duration> {
    let n: f64 = v.to_str().ok()?.trim().parse().ok()?;
    if n > EPOCH_MS_THRESHOLD {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()?
            .as_secs_f64()
            * 1000.0;
        Duration::try_from_secs_f64(((n - now_ms) / 1000.0).max(0.0)).ok()
    } else {
        Duration::try_from_secs_f64(n).ok()
    }
}

/// Whether the error says the time is not bookable.
fn is_slot_refusal(parts: &ErrorParts) -> bool {
    let detail_message = parts
        .details
        .as_ref()
        .and_then(|d| d.get("message"))
        .and_then(message_text);
    let texts = [Some(parts.message.as_str()), detail_message.as_deref()];
    let by_message = texts.into_iter().flatten().any(|t| {
        let t = t.to_lowercase();
        SLOT_MESSAGES.iter().any(|m| t.contains(m))
    });
    let by_code = parts
        .code
        .as_deref()
        .is_some_and(|c| SLOT_CODES.iter().any(|s| c.eq_ignore_ascii_case(s)));
    by_message || by_code
}

/// A message field as text: strings as-is, arrays of strings joined.
fn message_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(
            items
                .iter()
                .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_owned))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// The start of a body as one line of text.
fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(EXCERPT_CHARS).collect();
    if one_line.chars().count() > EXCERPT_CHARS {
        out.push('…');
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use reqwest::header::HeaderValue;
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;

    const KEY: &str = "cal_live_9f8e7d6c5b4a3210";

    fn redactor() -> Redactor {
        Redactor::new(SecretString::from(KEY))
    }

    fn envelope(code: &str, message: &str) -> Vec<u8> {
        json!({"status":"error","timestamp":"2025-05-03T10:00:00.000Z","path":"/v2/bookings",
               "error":{"code":code,"message":message}})
        .to_string()
        .into_bytes()
    }

    fn classify(op: Operation, status: u16, body: &[u8]) -> CalcomError {
        classify_status(
            op,
            Some("uid-1"),
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body,
            &redactor(),
        )
    }

    #[test]
    fn slot_messages_on_400_are_slot_unavailable() {
        for msg in [
            "User either already has booking at this time or is not available",
            "One of the hosts either already has booking at this time or is not available",
            "The event type can't be booked at the \"start\" time provided. This could be because it's too soon",
            "Attendee with this email can't book because the maximum number of active bookings has been reached.",
        ] {
            let e = classify(
                Operation::CreateBooking,
                400,
                &envelope("BadRequestException", msg),
            );
            assert_eq!(
                e,
                CalcomError::SlotUnavailable {
                    message: msg.into()
                }
            );
        }
    }

    #[test]
    fn booking_in_the_past_is_validation() {
        let e = classify(
            Operation::CreateBooking,
            400,
            &envelope(
                "BadRequestException",
                "Attempting to book a meeting in the past.",
            ),
        );
        assert!(matches!(e, CalcomError::Validation { .. }), "{e:?}");
    }

    #[test]
    fn slot_codes_of_newer_builds_count_too() {
        let e = classify(
            Operation::CreateBooking,
            400,
            &envelope("booking_time_out_of_bounds_error", "out of bounds"),
        );
        assert!(matches!(e, CalcomError::SlotUnavailable { .. }), "{e:?}");
    }

    #[test]
    fn conflict_means_slot_only_when_claiming_a_slot() {
        let body = envelope(
            "ConflictException",
            "No more seats left at this seated booking.",
        );
        assert!(matches!(
            classify(Operation::RescheduleBooking, 409, &body),
            CalcomError::SlotUnavailable { .. }
        ));
        let body = envelope(
            "ConflictException",
            "Webhook with this subscriber url already exists",
        );
        assert!(matches!(
            classify(Operation::CreateBooking, 409, &body),
            CalcomError::SlotUnavailable { .. }
        ));
        assert_eq!(
            classify(Operation::CancelBooking, 409, &body),
            CalcomError::Conflict {
                message: "Webhook with this subscriber url already exists".into()
            }
        );
    }

    #[test]
    fn validation_keeps_details() {
        let body = json!({"status":"error","timestamp":"t","path":"/v2/bookings",
            "error":{"code":"BadRequestException","message":"Bad Request Exception",
                     "details":{"errors":[{"property":"start"}]}}});
        let e = classify(Operation::CreateBooking, 400, body.to_string().as_bytes());
        assert_eq!(
            e,
            CalcomError::Validation {
                message: "Bad Request Exception".into(),
                details: Some(json!({"errors":[{"property":"start"}]}))
            }
        );
    }

    #[test]
    fn not_found_names_the_entity_of_the_call() {
        let body = envelope(
            "NotFoundException",
            "Booking with uid=uid-1 was not found in the database",
        );
        assert!(matches!(
            classify(Operation::GetBooking, 404, &body),
            CalcomError::NotFound { entity: "booking", ref id, .. } if id == "uid-1"
        ));
        assert!(matches!(
            classify(Operation::Slots, 404, &body),
            CalcomError::NotFound {
                entity: "event type",
                ..
            }
        ));
        assert!(matches!(
            classify(Operation::Me, 404, b"Cannot GET /v2/me"),
            CalcomError::Upstream { status: 404, .. }
        ));
    }

    #[test]
    fn bare_nest_and_non_json_bodies_are_understood() {
        assert_eq!(
            classify(
                Operation::CancelBooking,
                500,
                br#"{"statusCode":500,"message":"Internal server error"}"#
            ),
            CalcomError::Upstream {
                status: 500,
                message: "Internal server error".into()
            }
        );
        assert_eq!(
            classify(
                Operation::Me,
                502,
                b"<html>\n<h1>502 Bad Gateway</h1></html>"
            ),
            CalcomError::Upstream {
                status: 502,
                message: "non-JSON body: <html> <h1>502 Bad Gateway</h1></html>".into()
            }
        );
        assert_eq!(
            classify(Operation::Me, 503, b""),
            CalcomError::Upstream {
                status: 503,
                message: "Service Unavailable".into()
            }
        );
        let nest_validation =
            br#"{"statusCode":400,"message":["start must be a date","eventTypeId must be a number"],"error":"Bad Request"}"#;
        assert_eq!(
            classify(Operation::CreateBooking, 400, nest_validation),
            CalcomError::Validation {
                message: "start must be a date; eventTypeId must be a number".into(),
                details: None
            }
        );
    }

    #[test]
    fn auth_statuses() {
        let body = envelope(
            "UnauthorizedException",
            "ApiAuthStrategy - api key - Your api key is not valid",
        );
        assert!(matches!(
            classify(Operation::Me, 401, &body),
            CalcomError::Unauthorized { .. }
        ));
        assert!(matches!(
            classify(Operation::Me, 498, &body),
            CalcomError::Unauthorized { .. }
        ));
        assert!(matches!(
            classify(Operation::ListBookings, 403, &body),
            CalcomError::Forbidden { .. }
        ));
    }

    #[test]
    fn rate_limit_reset_is_seconds_from_the_default_header() {
        let mut h = HeaderMap::new();
        assert_eq!(rate_limit_reset(&h), None);
        h.insert("x-ratelimit-reset-custom", HeaderValue::from_static("30"));
        h.insert("x-ratelimit-reset-other", HeaderValue::from_static("12"));
        assert_eq!(rate_limit_reset(&h), Some(Duration::from_secs(12)));
        h.insert("x-ratelimit-reset-default", HeaderValue::from_static("57"));
        assert_eq!(rate_limit_reset(&h), Some(Duration::from_secs(57)));
        h.insert("x-ratelimit-reset-default", HeaderValue::from_static("-3"));
        h.remove("x-ratelimit-reset-custom");
        h.remove("x-ratelimit-reset-other");
        assert_eq!(rate_limit_reset(&h), None);
        h.insert(
            "x-ratelimit-reset-default",
            HeaderValue::from_static("soon"),
        );
        assert_eq!(rate_limit_reset(&h), None);
    }

    #[test]
    fn a_reservation_on_a_booked_slot_is_slot_unavailable() {
        let e = classify(
            Operation::CreateReservation,
            422,
            &envelope(
                "UnprocessableEntityException",
                "Can't reserve a slot if the event is already booked.",
            ),
        );
        assert!(matches!(e, CalcomError::SlotUnavailable { .. }), "{e:?}");
    }

    #[test]
    fn v1_bodies_and_reset_headers() {
        assert!(matches!(
            classify(Operation::Me, 401, br#"{"error":"Your API key is not valid."}"#),
            CalcomError::Unauthorized { ref message } if message == "Your API key is not valid."
        ));
        let mut h = HeaderMap::new();
        let in_30s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        h.insert(
            "x-ratelimit-reset",
            HeaderValue::from_str(&in_30s.to_string()).unwrap(),
        );
        let reset = rate_limit_reset(&h).unwrap();
        assert!(
            reset > Duration::from_secs(28) && reset <= Duration::from_secs(30),
            "{reset:?}"
        );
    }

    #[test]
    fn echoed_keys_are_redacted() {
        let body = envelope(
            "BadRequestException",
            &format!("header Bearer {KEY} rejected"),
        );
        let e = classify(Operation::CreateBooking, 400, &body);
        let shown = format!("{e} {e:?}");
        assert!(!shown.contains("9f8e7d6c5b4a3210"), "{shown}");
        let body = json!({"status":"error","error":{"code":"X","message":"m",
            "details":{"auth": format!("Bearer {KEY}")}}});
        let e = classify(Operation::CreateBooking, 400, body.to_string().as_bytes());
        assert!(!format!("{e:?}").contains("9f8e7d6c5b4a3210"));
    }
}
