//! `/v2/slots/reservations/**`: holding a slot while the booker decides.

use reqwest::Method;

use crate::client::request::Call;
use crate::client::{CalcomClient, check_segment, decode};
use crate::dto::{ReservationDto, ReserveSlotRequest};
use crate::error::CalcomError;
use crate::operation::Operation;

impl CalcomClient {
    /// `POST /v2/slots/reservations`: holds a slot (never re-sent after a
    /// lost answer; an unknown hold simply expires).
    ///
    /// # Errors
    /// `SlotUnavailable` when the slot is already booked (422); any other
    /// [`CalcomError`].
    pub async fn reserve_slot(
        &self,
        req: &ReserveSlotRequest,
    ) -> Result<ReservationDto, CalcomError> {
        let call = Call::v2(
            Operation::CreateReservation,
            Method::POST,
            &["slots", "reservations"],
        )
        .json(req)?
        .subject(req.event_type_id.to_string());
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `GET /v2/slots/reservations/{uid}`; `None` when there is no such
    /// reservation (Cal.com answers `data: null`).
    ///
    /// # Errors
    /// `InvalidRequest` for an empty uid; any other [`CalcomError`].
    pub async fn get_reservation(&self, uid: &str) -> Result<Option<ReservationDto>, CalcomError> {
        let uid = check_segment("reservationUid", uid)?;
        let call = Call::v2(
            Operation::GetReservation,
            Method::GET,
            &["slots", "reservations", uid],
        )
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::optional_data(&answer.body, &self.inner.redactor)
    }

    /// `PATCH /v2/slots/reservations/{uid}`: moves or extends a hold.
    ///
    /// # Errors
    /// `NotFound` (reservation) for an unknown uid; `SlotUnavailable` when
    /// the new slot is booked; any other [`CalcomError`].
    pub async fn update_reservation(
        &self,
        uid: &str,
        req: &ReserveSlotRequest,
    ) -> Result<ReservationDto, CalcomError> {
        let uid = check_segment("reservationUid", uid)?;
        let call = Call::v2(
            Operation::UpdateReservation,
            Method::PATCH,
            &["slots", "reservations", uid],
        )
        .json(req)?
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::data(&answer.body, &self.inner.redactor)
    }

    /// `DELETE /v2/slots/reservations/{uid}`: releases a hold (idempotent,
    /// so retried like a read).
    ///
    /// # Errors
    /// `InvalidRequest` for an empty uid; any other [`CalcomError`].
    pub async fn delete_reservation(&self, uid: &str) -> Result<(), CalcomError> {
        let uid = check_segment("reservationUid", uid)?;
        let call = Call::v2(
            Operation::DeleteReservation,
            Method::DELETE,
            &["slots", "reservations", uid],
        )
        .subject(uid);
        let answer = self.execute(&call).await?;
        decode::success(&answer.body, &self.inner.redactor)
    }
}
