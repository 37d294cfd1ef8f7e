//! The typed Cal.com operations: one method per endpoint, each a thin
//! description of the request handed to [`CalcomClient::execute`].

use reqwest::Method;

use crate::client::{CalcomClient, Call, check_uid};
use crate::dto::{
    BookingDto, CancelBookingRequest, CreateBookingRequest, EventTypeDto, ListBookingsQuery, MeDto,
    Page, RescheduleBookingRequest, SlotsByDate, SlotsQuery,
};
use crate::error::CalcomError;
use crate::operation::Operation;

impl CalcomClient {
    /// `GET /v2/me`: who the key belongs to; doubles as a credentials check.
    ///
    /// # Errors
    /// Any [`CalcomError`]; `Unauthorized` for a bad key.
    pub async fn me(&self) -> Result<MeDto, CalcomError> {
        let body = self
            .execute(Call {
                op: Operation::Me,
                method: Method::GET,
                path: &["v2", "me"],
                query: Vec::new(),
                body: None,
                subject: None,
            })
            .await?;
        self.decode_data(&body)
    }

    /// `GET /v2/event-types`: the account's event types.
    ///
    /// # Errors
    /// Any [`CalcomError`].
    pub async fn event_types(&self) -> Result<Vec<EventTypeDto>, CalcomError> {
        let body = self
            .execute(Call {
                op: Operation::EventTypes,
                method: Method::GET,
                path: &["v2", "event-types"],
                query: Vec::new(),
                body: None,
                subject: None,
            })
            .await?;
        self.decode_data(&body)
    }

    /// `GET /v2/slots?format=range`: free slots by local date.
    ///
    /// # Errors
    /// `InvalidRequest` for an empty or reversed window; `NotFound` (event
    /// type) for an unknown event type; any other [`CalcomError`].
    pub async fn slots(&self, q: &SlotsQuery) -> Result<SlotsByDate, CalcomError> {
        if q.end <= q.start {
            return Err(CalcomError::InvalidRequest {
                field: "end",
                message: "must be after start".to_owned(),
            });
        }
        let body = self
            .execute(Call {
                op: Operation::Slots,
                method: Method::GET,
                path: &["v2", "slots"],
                query: q.query_pairs(),
                body: None,
                subject: Some(q.event_type_id.to_string()),
            })
            .await?;
        self.decode_data(&body)
    }

    /// `POST /v2/bookings`: books one time for one attendee.
    ///
    /// # Errors
    /// `SlotUnavailable` when the time is taken; `Validation` when Cal.com
    /// refuses the request; `Decode` when a recurring event type answers with
    /// several bookings; any other [`CalcomError`].
    pub async fn create_booking(
        &self,
        req: &CreateBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let body = self
            .execute(Call {
                op: Operation::CreateBooking,
                method: Method::POST,
                path: &["v2", "bookings"],
                query: Vec::new(),
                body: Some(Self::json_body(req)?),
                subject: Some(req.event_type_id.to_string()),
            })
            .await?;
        self.decode_one(&body)
    }

    /// `GET /v2/bookings`: one page of bookings.
    ///
    /// # Errors
    /// `InvalidRequest` for `take` outside 1–250; any other [`CalcomError`].
    pub async fn list_bookings(
        &self,
        q: &ListBookingsQuery,
    ) -> Result<Page<BookingDto>, CalcomError> {
        if let Some(take) = q.take
            && !(1..=ListBookingsQuery::MAX_TAKE).contains(&take)
        {
            return Err(CalcomError::InvalidRequest {
                field: "take",
                message: format!("must be 1-{}", ListBookingsQuery::MAX_TAKE),
            });
        }
        let body = self
            .execute(Call {
                op: Operation::ListBookings,
                method: Method::GET,
                path: &["v2", "bookings"],
                query: q.query_pairs(),
                body: None,
                subject: None,
            })
            .await?;
        self.decode_page(&body)
    }

    /// `GET /v2/bookings/{uid}`.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; `InvalidRequest` for an empty or dot
    /// uid; `Decode` for a recurring-series uid (a list); any other [`CalcomError`].
    pub async fn get_booking(&self, uid: &str) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let body = self
            .execute(Call {
                op: Operation::GetBooking,
                method: Method::GET,
                path: &["v2", "bookings", uid],
                query: Vec::new(),
                body: None,
                subject: Some(uid.to_owned()),
            })
            .await?;
        self.decode_one(&body)
    }

    /// `POST /v2/bookings/{uid}/cancel`; returns the booking, now cancelled.
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
        let body = self
            .execute(Call {
                op: Operation::CancelBooking,
                method: Method::POST,
                path: &["v2", "bookings", uid, "cancel"],
                query: Vec::new(),
                body: Some(Self::json_body(req)?),
                subject: Some(uid.to_owned()),
            })
            .await?;
        self.decode_one(&body)
    }

    /// `POST /v2/bookings/{uid}/reschedule`; returns the *new* booking (new
    /// uid, `rescheduledFromUid` = `uid`). Cal.com cancels the old one.
    ///
    /// # Errors
    /// `SlotUnavailable` when the new time is taken; `NotFound` for an
    /// unknown uid; any other [`CalcomError`].
    pub async fn reschedule_booking(
        &self,
        uid: &str,
        req: &RescheduleBookingRequest,
    ) -> Result<BookingDto, CalcomError> {
        let uid = check_uid(uid)?;
        let body = self
            .execute(Call {
                op: Operation::RescheduleBooking,
                method: Method::POST,
                path: &["v2", "bookings", uid, "reschedule"],
                query: Vec::new(),
                body: Some(Self::json_body(req)?),
                subject: Some(uid.to_owned()),
            })
            .await?;
        self.decode_one(&body)
    }
}
