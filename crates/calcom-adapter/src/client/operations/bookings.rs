//! `/v2/bookings/**` (`cal-api-version: 2024-08-13`); v1 stands in for
//! create and get.

use futures_util::stream::{self, Stream, TryStreamExt};
use reqwest::Method;
use tokio::time::Instant;

use crate::client::pipeline::Exhausted;
use crate::client::request::{Api, Call, is_missing_route};
use crate::client::{CalcomClient, check_uid, decode};
use crate::dto::{
    BookingDto, BookingStatusDto, CancelBookingRequest, CreateBookingRequest,
    DeclineBookingRequest, ListBookingsQuery, MarkAbsentRequest, Page, RescheduleBookingRequest,
};
use crate::error::CalcomError;
use crate::operation::Operation;
use crate::v1;

/// Cal.com's default page size.
const DEFAULT_TAKE: u32 = 100;

impl CalcomClient {
    /// `POST /v2/bookings`: books one time for one attendee.
    ///
    /// When `req.metadata` has a `correlationId`, the create never books
    /// twice: a lost answer is resolved by looking the booking up before the
    /// create is sent again, and a "slot taken" answer caused by our own
    /// booking returns that booking.
    ///
    /// # Errors
    /// `SlotUnavailable` when the time is taken; `Validation` when Cal.com
    /// refuses the request; `InDoubt` when the outcome could not be
    /// determined; `Decode` when a recurring event type answers with several
    /// bookings; any other [`CalcomError`].
    pub async fn create_booking(
        &self,
        req: &CreateBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        if self.v1_preferred() {
            let call = Call::v1(Operation::CreateBooking, Method::POST, &["bookings"]);
            self.note_v1(&call, "configured");
            return self.create_v1(req).await;
        }
        match self.create_resolving(req).await {
            Err(e) if is_missing_route(&e) && self.v1_may_fall_back() => {
                let call = Call::v1(Operation::CreateBooking, Method::POST, &["bookings"]);
                self.note_v1(&call, "v2_missing");
                self.create_v1(req).await
            }
            other => other,
        }
    }

    /// `GET /v2/bookings`: one page of bookings.
    ///
    /// # Errors
    /// `InvalidRequest` for `take` outside 1–250; any other [`CalcomError`].
    pub async fn list_bookings(
        &self,
        q: &ListBookingsQuery,
    ) -> Result<Page<BookingDto>, CalcomError> {
        self.list_bookings_until(q, self.deadline()).await
    }

    /// [`CalcomClient::list_bookings`] within `deadline`.
    pub(crate) async fn list_bookings_until(
        &self,
        q: &ListBookingsQuery,
        deadline: Instant,
    ) -> Result<Page<BookingDto>, CalcomError> {
        if let Some(take) = q.take
            && !(1..=ListBookingsQuery::MAX_TAKE).contains(&take)
        {
            return Err(CalcomError::InvalidRequest {
                field: "take",
                message: format!("must be 1-{}", ListBookingsQuery::MAX_TAKE),
            });
        }
        let call =
            Call::v2(Operation::ListBookings, Method::GET, &["bookings"]).query(q.query_pairs());
        let answer = self
            .execute_until(&call, deadline)
            .await
            .map_err(|e| e.error)?;
        decode::page(&answer.body, &self.inner.redactor)
    }

    /// Every booking matching `q`, page after page (`take` per page, from
    /// `skip`), until Cal.com says there is no next page. Each page is one
    /// call with its own retries; an error ends the stream.
    pub fn list_all_bookings(
        &self,
        q: ListBookingsQuery,
    ) -> impl Stream<Item = Result<BookingDto, CalcomError>> + Send + 'static {
        let client = self.clone();
        let take = q.take.unwrap_or(DEFAULT_TAKE);
        let first = q.skip.unwrap_or(0);
        stream::try_unfold(Some(first), move |skip| {
            let client = client.clone();
            let q = q.clone();
            async move {
                let Some(skip) = skip else {
                    return Ok(None);
                };
                let page = client
                    .list_bookings(&ListBookingsQuery {
                        take: Some(take),
                        skip: Some(skip),
                        ..q
                    })
                    .await?;
                let got = u32::try_from(page.data.len()).unwrap_or(u32::MAX);
                let next =
                    (page.pagination.has_next_page && got > 0).then(|| skip.saturating_add(got));
                let items = stream::iter(page.data.into_iter().map(Ok::<_, CalcomError>));
                Ok(Some((items, next)))
            }
        })
        .try_flatten()
    }

    /// `GET /v2/bookings/{uid}`. With v1 (configured, or v2 lacking the
    /// route) the uid must be v1's numeric booking id.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; `InvalidRequest` for an empty or dot
    /// uid; `Decode` for a recurring-series uid (a list); any other [`CalcomError`].
    pub async fn get_booking(&self, uid: &str) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let v2 = Call::v2(Operation::GetBooking, Method::GET, &["bookings", uid]).subject(uid);
        let r = &self.inner.redactor;
        let numeric = !uid.is_empty() && uid.bytes().all(|b| b.is_ascii_digit());
        if !numeric {
            if self.v1_preferred() {
                return Err(CalcomError::InvalidRequest {
                    field: "uid",
                    message: "API v1 addresses bookings by numeric id".to_owned(),
                });
            }
            let answer = self.execute(&v2).await?;
            return decode::one(&answer.body, r);
        }
        let v1 = Call::v1(Operation::GetBooking, Method::GET, &["bookings", uid]).subject(uid);
        match self.execute_v2_or_v1(&v2, &v1).await? {
            (Api::V2, answer) => decode::one(&answer.body, r),
            (Api::V1, answer) => decode::v1(&answer.body, r, v1::booking_from_v1),
        }
    }

    /// `POST /v2/bookings/{uid}/cancel`; returns the booking, now cancelled.
    ///
    /// A cancel is retried after a lost answer. When an earlier attempt was
    /// applied after all, Cal.com refuses the retry ("already been
    /// cancelled"); the booking is then read back and returned, since the
    /// cancel did happen.
    ///
    /// # Errors
    /// `InvalidRequest` for a blank reason (Cal.com fails a host's cancel
    /// without one); `NotFound` for an unknown uid; any other [`CalcomError`].
    pub async fn cancel_booking(
        &self,
        uid: &str,
        req: &CancelBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        if req.cancellation_reason.trim().is_empty() {
            return Err(CalcomError::InvalidRequest {
                field: "cancellationReason",
                message: "must not be blank".to_owned(),
            });
        }
        let call = Call::v2(
            Operation::CancelBooking,
            Method::POST,
            &["bookings", uid, "cancel"],
        )
        .json(req)?
        .subject(uid);
        let deadline = self.deadline();
        match self.execute_until(&call, deadline).await {
            Ok(answer) => decode::one(&answer.body, &self.inner.redactor),
            Err(Exhausted {
                error,
                earlier_outcome_unknown: true,
            }) if is_already_cancelled(&error) => {
                let booking = self
                    .fetch_booking(uid, self.resolution_deadline(deadline))
                    .await
                    .map_err(|_| error.clone())?;
                if booking.status == BookingStatusDto::Cancelled {
                    tracing::info!(operation = %Operation::CancelBooking,
                        "an earlier cancel attempt was applied; returning the cancelled booking");
                    Ok(booking)
                } else {
                    Err(error)
                }
            }
            Err(e) => Err(e.error),
        }
    }

    /// `POST /v2/bookings/{uid}/reschedule`; returns the *new* booking (new
    /// uid, `rescheduledFromUid` = `uid`). Cal.com cancels the old one.
    ///
    /// A reschedule whose answer was lost is never sent again blindly: the
    /// old booking is read first, and when it points at a new booking at
    /// the requested time (`rescheduledToUid`), that booking is the answer.
    ///
    /// # Errors
    /// `SlotUnavailable` when the new time is taken; `NotFound` for an
    /// unknown uid; `InDoubt` when the outcome could not be determined; any
    /// other [`CalcomError`].
    pub async fn reschedule_booking(
        &self,
        uid: &str,
        req: &RescheduleBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        self.reschedule_resolving(uid, req).await
    }

    /// `POST /v2/bookings/{uid}/confirm`: accepts a booking that awaits the
    /// host's confirmation.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; any other [`CalcomError`].
    pub async fn confirm_booking(&self, uid: &str) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let call = Call::v2(
            Operation::ConfirmBooking,
            Method::POST,
            &["bookings", uid, "confirm"],
        )
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::one(&answer.body, &self.inner.redactor)
    }

    /// `POST /v2/bookings/{uid}/decline`: refuses a booking that awaits the
    /// host's confirmation.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; any other [`CalcomError`].
    pub async fn decline_booking(
        &self,
        uid: &str,
        req: &DeclineBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let call = Call::v2(
            Operation::DeclineBooking,
            Method::POST,
            &["bookings", uid, "decline"],
        )
        .json(req)?
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::one(&answer.body, &self.inner.redactor)
    }

    /// `POST /v2/bookings/{uid}/mark-absent`: records no-shows.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; any other [`CalcomError`].
    pub async fn mark_absent(
        &self,
        uid: &str,
        req: &MarkAbsentRequest,
    ) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let call = Call::v2(
            Operation::MarkAbsent,
            Method::POST,
            &["bookings", uid, "mark-absent"],
        )
        .json(req)?
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::one(&answer.body, &self.inner.redactor)
    }
}

/// Cal.com's refusal to cancel a booking that is cancelled already (400
/// "This booking has already been cancelled.").
fn is_already_cancelled(e: &CalcomError) -> bool {
    match e {
        CalcomError::Validation { message, .. } | CalcomError::Conflict { message } => {
            let m = message.to_ascii_lowercase();
            m.contains("already") && (m.contains("cancelled") || m.contains("canceled"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_already_cancelled_refusal_is_recognised() {
        let v = |m: &str| CalcomError::Validation {
            message: m.to_owned(),
            details: None,
        };
        assert!(is_already_cancelled(&v(
            "This booking has already been cancelled."
        )));
        assert!(is_already_cancelled(&CalcomError::Conflict {
            message: "Booking already canceled".to_owned()
        }));
        assert!(!is_already_cancelled(&v(
            "Cancellation reason is required when you are the host"
        )));
        assert!(!is_already_cancelled(&CalcomError::Timeout));
    }
}
