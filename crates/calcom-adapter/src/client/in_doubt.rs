//! Booking writes that never double-book. Cal.com has no idempotency key,
//! so a create or reschedule whose answer was lost (timeout, broken
//! connection, 5xx) may or may not have made a booking. Before such a write
//! is sent again, the client finds out:
//!
//! - a create carries a correlation id in its `metadata`: the attendee's
//!   bookings around that start are listed and searched for it;
//! - a reschedule leaves its mark on the old booking: once applied, the old
//!   booking is cancelled and points at the new one (`rescheduledToUid`),
//!   which starts at the requested time.
//!
//! Then:
//! - found: that booking is the answer; nothing is sent again;
//! - proven absent: the write is sent again (within the retry budget and
//!   the operation deadline);
//! - the lookup fails: [`CalcomError::InDoubt`]; nothing is sent again.
//!
//! A "slot taken" refusal of a create is also checked against the
//! correlation id: the booking in the way may be our own (an earlier attempt
//! that landed late, or a caller retrying the same appointment), and then
//! it is the answer.

use chrono::TimeDelta;
use reqwest::Method;
use serde_json::Value;
use tokio::time::Instant;

use crate::client::pipeline::{fits, note_deadline};
use crate::client::request::{AttemptError, Call};
use crate::client::{CalcomClient, decode};
use crate::dto::{BookingDto, CreateBookingRequest, ListBookingsQuery, RescheduleBookingRequest};
use crate::error::CalcomError;
use crate::metrics;
use crate::operation::{Operation, Safety};
use crate::resilience::{Decision, decide};

/// The metadata key carrying the correlation id (as the domain names it).
pub(crate) const CORRELATION_KEY: &str = calbridge_domain::Appointment::CORRELATION_KEY;

/// Page size of the lookup; an attendee rarely has more bookings in a day.
const LOOKUP_PAGE: u32 = 100;

/// How the outcome of a booking write is found out.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lookup<'a> {
    /// A create: by its correlation id, when it has one.
    Create {
        req: &'a CreateBookingRequest,
        correlation_id: Option<&'a str>,
    },
    /// A reschedule of booking `uid`: by the old booking's `rescheduledToUid`.
    Reschedule {
        uid: &'a str,
        req: &'a RescheduleBookingRequest,
    },
}

impl Lookup<'_> {
    fn operation(&self) -> Operation {
        match self {
            Lookup::Create { .. } => Operation::CreateBooking,
            Lookup::Reschedule { .. } => Operation::RescheduleBooking,
        }
    }

    /// Whether the outcome can be found out at all.
    fn possible(&self) -> bool {
        match self {
            Lookup::Create { correlation_id, .. } => correlation_id.is_some(),
            Lookup::Reschedule { .. } => true,
        }
    }
}

impl CalcomClient {
    /// `POST /v2/bookings` with in-doubt resolution (when the request
    /// carries a correlation id).
    pub(crate) async fn create_resolving(
        &self,
        req: &CreateBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let correlation_id = req.metadata.get(CORRELATION_KEY).map(String::as_str);
        let mut call = Call::v2(Operation::CreateBooking, Method::POST, &["bookings"])
            .json(req)?
            .subject(req.event_type_id.to_string());
        if correlation_id.is_none() {
            call.safety = Safety::Unsafe;
        }
        self.write_resolving(
            &call,
            Lookup::Create {
                req,
                correlation_id,
            },
        )
        .await
    }

    /// `POST /v2/bookings/{uid}/reschedule` with in-doubt resolution.
    pub(crate) async fn reschedule_resolving(
        &self,
        uid: &str,
        req: &RescheduleBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let call = Call::v2(
            Operation::RescheduleBooking,
            Method::POST,
            &["bookings", uid, "reschedule"],
        )
        .json(req)?
        .subject(uid);
        self.write_resolving(&call, Lookup::Reschedule { uid, req })
            .await
    }

    /// The retry loop of a booking write: a lost answer is looked up before
    /// the write is ever sent again.
    async fn write_resolving(
        &self,
        call: &Call,
        lookup: Lookup<'_>,
    ) -> Result<BookingDto, CalcomError> {
        let deadline = self.deadline();
        let op = lookup.operation();
        let policy = &self.inner.retry;
        let mut backoff = policy.backoff();
        let mut n = 1;
        loop {
            let AttemptError { error, failure } = match self.attempt(call, n, deadline).await {
                Ok(exchange) => return decode::one(&exchange.body, &self.inner.redactor),
                Err(e) => e,
            };
            if let (
                Lookup::Create {
                    correlation_id: Some(id),
                    ..
                },
                CalcomError::SlotUnavailable { .. },
            ) = (&lookup, &error)
            {
                return match self.look_up(&lookup, deadline).await {
                    Ok(Some(ours)) => {
                        count(op, Outcome::Found);
                        tracing::info!(correlation_id = %id,
                            "slot taken by our own booking; returning it");
                        Ok(ours)
                    }
                    _ => Err(error),
                };
            }
            match decide(policy, n, call.safety, &failure, backoff.next()) {
                Decision::Retry(wait) if fits(deadline, wait) => {
                    self.note_retry(call, &failure, n, wait);
                    tokio::time::sleep(wait).await;
                    n += 1;
                }
                Decision::ResolveThenRetry(wait) if fits(deadline, wait) => {
                    // Give a write still in flight at Cal.com time to land.
                    tokio::time::sleep(wait).await;
                    match self.look_up(&lookup, deadline).await {
                        Ok(Some(found)) => {
                            count(op, Outcome::Found);
                            tracing::info!(operation = %op,
                                "outcome resolved: the write was applied");
                            return Ok(found);
                        }
                        Ok(None) => {
                            count(op, Outcome::Absent);
                            ::metrics::counter!(metrics::RETRIES_TOTAL,
                                "operation" => op.as_str(), "reason" => "resolved_absent")
                            .increment(1);
                            tracing::info!(operation = %op, attempt = n,
                                "outcome resolved: not applied; sending it again");
                            n += 1;
                        }
                        Err(lookup_error) => {
                            count(op, Outcome::Unresolved);
                            return Err(in_doubt(&lookup, &error, Some(&lookup_error)));
                        }
                    }
                }
                decision => {
                    if decision != Decision::Stop {
                        note_deadline(call, n);
                    }
                    if !failure.outcome_unknown() {
                        return Err(error);
                    }
                    // Out of attempts or time with the outcome unknown:
                    // settle it once more before answering.
                    if !lookup.possible() {
                        count(op, Outcome::Unresolved);
                        return Err(in_doubt(&lookup, &error, None));
                    }
                    return match self.look_up(&lookup, deadline).await {
                        Ok(Some(found)) => {
                            count(op, Outcome::Found);
                            Ok(found)
                        }
                        // Proven absent: the plain error tells the truth.
                        Ok(None) => {
                            count(op, Outcome::Absent);
                            Err(error)
                        }
                        Err(lookup_error) => {
                            count(op, Outcome::Unresolved);
                            Err(in_doubt(&lookup, &error, Some(&lookup_error)))
                        }
                    };
                }
            }
        }
    }

    /// What the write `lookup` describes made, if Cal.com has it.
    ///
    /// # Errors
    /// Any [`CalcomError`] of the lookup; then nothing is proven.
    async fn look_up(
        &self,
        lookup: &Lookup<'_>,
        deadline: Instant,
    ) -> Result<Option<BookingDto>, CalcomError> {
        let deadline = self.resolution_deadline(deadline);
        match *lookup {
            Lookup::Create {
                req,
                correlation_id: Some(id),
            } => self.find_by_correlation(req, id, deadline).await,
            Lookup::Create { .. } => Ok(None),
            Lookup::Reschedule { uid, req } => self.find_rescheduled(uid, req, deadline).await,
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
                &Lookup::Create {
                    req,
                    correlation_id: req.metadata.get(CORRELATION_KEY).map(String::as_str),
                },
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
    async fn find_by_correlation(
        &self,
        req: &CreateBookingRequest,
        correlation_id: &str,
        deadline: Instant,
    ) -> Result<Option<BookingDto>, CalcomError> {
        let longest =
            TimeDelta::days(1) + TimeDelta::minutes(i64::from(req.length_in_minutes.unwrap_or(0)));
        let mut query = ListBookingsQuery {
            attendee_email: Some(req.attendee.email.clone()),
            after_start: Some(req.start - TimeDelta::minutes(1)),
            before_end: Some(req.start + longest),
            take: Some(LOOKUP_PAGE),
            skip: Some(0),
            ..ListBookingsQuery::default()
        };
        loop {
            let page = self.list_bookings_until(&query, deadline).await?;
            let got = u32::try_from(page.data.len()).unwrap_or(u32::MAX);
            let found = page.data.into_iter().find(|booking| {
                matches!(
                    booking.metadata.get(CORRELATION_KEY),
                    Some(Value::String(s)) if s == correlation_id
                )
            });
            if found.is_some() {
                return Ok(found);
            }
            if !page.pagination.has_next_page || got == 0 {
                return Ok(None);
            }
            query.skip = Some(query.skip.unwrap_or(0).saturating_add(got));
        }
    }

    /// The booking a reschedule of `uid` to `req.start` made, if Cal.com
    /// has it: the old booking's `rescheduledToUid`, when that booking
    /// starts at the requested time (another reschedule, by someone else,
    /// is not ours: sending ours again gets Cal.com's definite refusal).
    ///
    /// # Errors
    /// Any [`CalcomError`] of the two reads; then nothing is proven.
    async fn find_rescheduled(
        &self,
        uid: &str,
        req: &RescheduleBookingRequest,
        deadline: Instant,
    ) -> Result<Option<BookingDto>, CalcomError> {
        let old = self.fetch_booking(uid, deadline).await?;
        let Some(to) = old
            .rescheduled_to_uid
            .as_deref()
            .filter(|to| !to.is_empty())
        else {
            return Ok(None);
        };
        let new = self.fetch_booking(to, deadline).await?;
        let ours =
            new.start == req.start && new.rescheduled_from_uid.as_deref().is_none_or(|f| f == uid);
        Ok(ours.then_some(new))
    }

    /// `GET /v2/bookings/{uid}` within `deadline` (no v1 fallback).
    pub(crate) async fn fetch_booking(
        &self,
        uid: &str,
        deadline: Instant,
    ) -> Result<BookingDto, CalcomError> {
        let call = Call::v2(Operation::GetBooking, Method::GET, &["bookings", uid]).subject(uid);
        let answer = self
            .execute_until(&call, deadline)
            .await
            .map_err(|e| e.error)?;
        decode::one(&answer.body, &self.inner.redactor)
    }
}

enum Outcome {
    Found,
    Absent,
    Unresolved,
}

fn count(op: Operation, outcome: Outcome) {
    let label = match outcome {
        Outcome::Found => "found",
        Outcome::Absent => "absent",
        Outcome::Unresolved => "unresolved",
    };
    ::metrics::counter!(metrics::IN_DOUBT_TOTAL,
        "operation" => op.as_str(), "outcome" => label)
    .increment(1);
}

/// The in-doubt error: what went wrong with the write, and with the lookup.
fn in_doubt(lookup: &Lookup<'_>, error: &CalcomError, failed: Option<&CalcomError>) -> CalcomError {
    let (correlation_id, subject) = match lookup {
        Lookup::Create { correlation_id, .. } => (correlation_id.map(str::to_owned), None),
        Lookup::Reschedule { uid, .. } => (None, Some(*uid)),
    };
    let mut message = match subject {
        Some(uid) => format!("rescheduling booking {uid}: {error}"),
        None => error.to_string(),
    };
    if let Some(failed) = failed {
        message.push_str(&format!("; looking it up failed: {failed}"));
    }
    let operation = lookup.operation().as_str();
    tracing::warn!(
        operation,
        correlation_id = correlation_id.as_deref().unwrap_or("-"),
        "Cal.com write outcome unknown"
    );
    CalcomError::InDoubt {
        operation,
        correlation_id,
        message,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::Utc;
    use chrono_tz::Tz;

    use super::*;
    use crate::dto::CreateBookingAttendee;

    fn create() -> CreateBookingRequest {
        CreateBookingRequest {
            start: Utc::now(),
            event_type_id: 1,
            attendee: CreateBookingAttendee {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                time_zone: Tz::UTC,
                phone_number: None,
                language: None,
            },
            metadata: Default::default(),
            length_in_minutes: None,
            guests: Vec::new(),
            booking_fields_responses: Default::default(),
            routing: None,
        }
    }

    #[test]
    fn in_doubt_names_both_failures() {
        let req = create();
        let lookup = Lookup::Create {
            req: &req,
            correlation_id: Some("c-1"),
        };
        let e = in_doubt(
            &lookup,
            &CalcomError::Timeout,
            Some(&CalcomError::CircuitOpen { retry_in: None }),
        );
        let CalcomError::InDoubt {
            operation,
            correlation_id,
            message,
        } = e
        else {
            panic!("not in doubt");
        };
        assert_eq!(operation, "create_booking");
        assert_eq!(correlation_id.as_deref(), Some("c-1"));
        assert!(message.contains("did not answer in time"), "{message}");
        assert!(message.contains("circuit open"), "{message}");
        assert_eq!(CORRELATION_KEY, "correlationId");
    }

    #[test]
    fn a_reschedule_in_doubt_names_the_old_booking() {
        let req = RescheduleBookingRequest::new(Utc::now());
        let lookup = Lookup::Reschedule {
            uid: "bk_1",
            req: &req,
        };
        assert!(lookup.possible());
        let CalcomError::InDoubt {
            operation,
            correlation_id,
            message,
        } = in_doubt(&lookup, &CalcomError::Timeout, None)
        else {
            panic!("not in doubt");
        };
        assert_eq!(operation, "reschedule_booking");
        assert_eq!(correlation_id, None);
        assert!(
            message.starts_with("rescheduling booking bk_1: "),
            "{message}"
        );
        let req = create();
        assert!(
            !Lookup::Create {
                req: &req,
                correlation_id: None
            }
            .possible()
        );
    }
}
