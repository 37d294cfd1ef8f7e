//! Booking creates that never double-book. Cal.com has no idempotency key,
//! so a create whose answer was lost (timeout, broken connection, 5xx) may
//! or may not have made a booking. calbridge puts a correlation id in the
//! booking's `metadata`; before a create is sent again, the client lists
//! the attendee's bookings around that start and looks for it:
//!
//! - found: that booking is the answer; nothing is sent again;
//! - proven absent: the create is sent again (within the retry budget);
//! - the lookup fails: [`CalcomError::InDoubt`]; nothing is sent again.
//!
//! A "slot taken" refusal is also checked against the correlation id: the
//! booking in the way may be our own (an earlier attempt that landed late,
//! or a caller retrying the same appointment), and then it is the answer.

use chrono::TimeDelta;
use futures_util::{StreamExt, pin_mut};
use reqwest::Method;
use serde_json::Value;

use crate::client::request::{AttemptError, Call};
use crate::client::{CalcomClient, decode};
use crate::dto::{BookingDto, CreateBookingRequest, ListBookingsQuery};
use crate::error::CalcomError;
use crate::metrics;
use crate::operation::{Operation, Safety};
use crate::resilience::{Decision, decide};

/// The metadata key carrying the correlation id (as the domain names it).
pub(crate) const CORRELATION_KEY: &str = calbridge_domain::Appointment::CORRELATION_KEY;

/// Page size of the lookup; an attendee rarely has more bookings in a day.
const LOOKUP_PAGE: u32 = 100;

impl CalcomClient {
    /// `POST /v2/bookings` with in-doubt resolution (when the request
    /// carries a correlation id).
    pub(crate) async fn create_resolving(
        &self,
        req: &CreateBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let correlation = req.metadata.get(CORRELATION_KEY).cloned();
        let mut call = Call::v2(Operation::CreateBooking, Method::POST, &["bookings"])
            .json(req)?
            .subject(req.event_type_id.to_string());
        if correlation.is_none() {
            call.safety = Safety::Unsafe;
        }
        let policy = &self.inner.retry;
        let mut backoff = policy.backoff();
        let mut n = 1;
        loop {
            let AttemptError { error, failure } = match self.attempt(&call, n).await {
                Ok(exchange) => return decode::one(&exchange.body, &self.inner.redactor),
                Err(e) => e,
            };
            if let (Some(id), CalcomError::SlotUnavailable { .. }) = (&correlation, &error) {
                return match self.find_by_correlation(req, id).await {
                    Ok(Some(ours)) => {
                        count(Outcome::Found);
                        tracing::info!(correlation_id = %id,
                            "slot taken by our own booking; returning it");
                        Ok(ours)
                    }
                    _ => Err(error),
                };
            }
            match decide(policy, n, call.safety, &failure, backoff.next()) {
                Decision::Retry(wait) => {
                    self.note_retry(&call, &failure, n, wait);
                    tokio::time::sleep(wait).await;
                    n += 1;
                }
                Decision::ResolveThenRetry(wait) => {
                    // Give a create still in flight at Cal.com time to land.
                    tokio::time::sleep(wait).await;
                    let Some(id) = &correlation else {
                        return Err(in_doubt(None, &error, None));
                    };
                    match self.find_by_correlation(req, id).await {
                        Ok(Some(found)) => {
                            count(Outcome::Found);
                            tracing::info!(correlation_id = %id,
                                "create outcome resolved: the booking exists");
                            return Ok(found);
                        }
                        Ok(None) => {
                            count(Outcome::Absent);
                            ::metrics::counter!(metrics::RETRIES_TOTAL,
                                "operation" => call.op.as_str(), "reason" => "resolved_absent")
                            .increment(1);
                            tracing::info!(correlation_id = %id, attempt = n,
                                "create outcome resolved: no booking; sending it again");
                            n += 1;
                        }
                        Err(lookup) => {
                            count(Outcome::Unresolved);
                            return Err(in_doubt(Some(id), &error, Some(&lookup)));
                        }
                    }
                }
                Decision::Stop if failure.outcome_unknown() => {
                    // Out of attempts with the outcome unknown: settle it once more.
                    let Some(id) = &correlation else {
                        count(Outcome::Unresolved);
                        return Err(in_doubt(None, &error, None));
                    };
                    return match self.find_by_correlation(req, id).await {
                        Ok(Some(found)) => {
                            count(Outcome::Found);
                            Ok(found)
                        }
                        // Proven absent: the plain error tells the truth.
                        Ok(None) => {
                            count(Outcome::Absent);
                            Err(error)
                        }
                        Err(lookup) => {
                            count(Outcome::Unresolved);
                            Err(in_doubt(Some(id), &error, Some(&lookup)))
                        }
                    };
                }
                Decision::Stop => return Err(error),
            }
        }
    }

    /// `POST /v1/bookings`: one try (v1 cannot be looked up by correlation
    /// id here), so a lost answer is reported as in doubt.
    pub(crate) async fn create_v1(
        &self,
        req: &CreateBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let call = Call::v1(Operation::CreateBooking, Method::POST, &["bookings"])
            .json(&crate::v1::V1CreateBooking::from(req))?
            .subject(req.event_type_id.to_string());
        match self.execute_v1(&call).await {
            Ok(exchange) => decode::v1(
                &exchange.body,
                &self.inner.redactor,
                crate::v1::booking_from_v1,
            ),
            Err(
                e @ (CalcomError::Timeout
                | CalcomError::Connection { .. }
                | CalcomError::Upstream {
                    status: 500..=599, ..
                }),
            ) => Err(in_doubt(
                req.metadata.get(CORRELATION_KEY).map(String::as_str),
                &e,
                None,
            )),
            Err(e) => Err(e),
        }
    }

    /// Our booking for `req`, if Cal.com has it: the attendee's bookings
    /// around the start, matched by correlation id.
    ///
    /// # Errors
    /// Any [`CalcomError`] of the listing; then nothing is proven.
    pub(crate) async fn find_by_correlation(
        &self,
        req: &CreateBookingRequest,
        correlation_id: &str,
    ) -> Result<Option<BookingDto>, CalcomError> {
        let longest =
            TimeDelta::days(1) + TimeDelta::minutes(i64::from(req.length_in_minutes.unwrap_or(0)));
        let query = ListBookingsQuery {
            attendee_email: Some(req.attendee.email.clone()),
            after_start: Some(req.start - TimeDelta::minutes(1)),
            before_end: Some(req.start + longest),
            take: Some(LOOKUP_PAGE),
            ..ListBookingsQuery::default()
        };
        let bookings = self.list_all_bookings(query);
        pin_mut!(bookings);
        while let Some(booking) = bookings.next().await {
            let booking = booking?;
            let matches = matches!(
                booking.metadata.get(CORRELATION_KEY),
                Some(Value::String(s)) if s == correlation_id
            );
            if matches {
                return Ok(Some(booking));
            }
        }
        Ok(None)
    }
}

enum Outcome {
    Found,
    Absent,
    Unresolved,
}

fn count(outcome: Outcome) {
    let label = match outcome {
        Outcome::Found => "found",
        Outcome::Absent => "absent",
        Outcome::Unresolved => "unresolved",
    };
    ::metrics::counter!(metrics::IN_DOUBT_TOTAL, "outcome" => label).increment(1);
}

/// The in-doubt error: what went wrong with the create, and with the lookup.
fn in_doubt(
    correlation_id: Option<&str>,
    error: &CalcomError,
    lookup: Option<&CalcomError>,
) -> CalcomError {
    let message = match lookup {
        Some(lookup) => format!("{error}; looking the booking up failed: {lookup}"),
        None => error.to_string(),
    };
    tracing::warn!(
        correlation_id = correlation_id.unwrap_or("-"),
        "booking create outcome unknown"
    );
    CalcomError::InDoubt {
        operation: Operation::CreateBooking.as_str(),
        correlation_id: correlation_id.map(str::to_owned),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_doubt_names_both_failures() {
        let e = in_doubt(
            Some("c-1"),
            &CalcomError::Timeout,
            Some(&CalcomError::CircuitOpen { retry_in: None }),
        );
        let CalcomError::InDoubt {
            correlation_id,
            message,
            ..
        } = e
        else {
            panic!("not in doubt");
        };
        assert_eq!(correlation_id.as_deref(), Some("c-1"));
        assert!(message.contains("did not answer in time"), "{message}");
        assert!(message.contains("circuit open"), "{message}");
        assert_eq!(CORRELATION_KEY, "correlationId");
    }
}
