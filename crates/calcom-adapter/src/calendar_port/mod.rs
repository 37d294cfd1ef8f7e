//! [`CalendarPort`] for [`CalcomClient`]: domain calls in, Cal.com calls out,
//! every failure converted to a [`DomainError`] here and nowhere else.
//!
//! `create_booking` sends the appointment id as `metadata.correlationId`,
//! so the client's in-doubt resolution applies: a lost answer is looked up
//! before anything is sent again, and an unresolvable one surfaces as
//! `Unavailable` saying the outcome is unknown.

pub(crate) mod mapping;

use async_trait::async_trait;
use calbridge_domain::ports::{CalendarAccount, CalendarPort};
use calbridge_domain::{
    Appointment, Booking, BookingFilter, BookingUid, DomainError, EventType, Slot, SlotQuery,
};
use chrono::{DateTime, Utc};

use crate::client::CalcomClient;
use crate::dto::{CancelBookingRequest, RescheduleBookingRequest, SlotsQuery, TeamEventTypesQuery};
use crate::error::CalcomError;

/// Reason sent when the caller gives none: Cal.com refuses (or fails on) a
/// host's cancel without one (NOTES §4.5).
pub const DEFAULT_CANCELLATION_REASON: &str = "Cancelled via calbridge";

#[async_trait]
impl CalendarPort for CalcomClient {
    async fn account(&self) -> Result<CalendarAccount, DomainError> {
        Ok(mapping::account_from_dto(self.me().await?))
    }

    /// The key owner's event types, then those of every team they belong
    /// to (staff bookings and round robin live there). A key that may not
    /// list teams still gets its personal types.
    async fn event_types(&self) -> Result<Vec<EventType>, DomainError> {
        let mut types: Vec<EventType> = CalcomClient::event_types(self)
            .await?
            .into_iter()
            .map(mapping::event_type_from_dto)
            .collect();
        let teams = match self.list_teams().await {
            Ok(teams) => teams,
            // No access to teams, or no such route (an older or
            // self-hosted Cal.com): the personal types still stand.
            Err(
                e @ (CalcomError::Forbidden { .. }
                | CalcomError::NotFound { .. }
                | CalcomError::Upstream {
                    status: 404 | 410, ..
                }),
            ) => {
                tracing::debug!(error = %e, "teams not listed; personal event types only");
                Vec::new()
            }
            Err(e) => return Err(e.into()),
        };
        for team in teams.iter().filter(|t| !t.is_organization) {
            let team_types = self
                .list_team_event_types(team.id, &TeamEventTypesQuery::default())
                .await?;
            for mut dto in team_types {
                dto.team_id.get_or_insert(team.id);
                let et = mapping::event_type_from_dto(dto);
                if types.iter().all(|t| t.id != et.id) {
                    types.push(et);
                }
            }
        }
        Ok(types)
    }

    async fn free_slots(&self, query: &SlotQuery) -> Result<Vec<Slot>, DomainError> {
        let q = SlotsQuery {
            event_type_id: query.event_type_id.0,
            start: query.start,
            end: query.end,
            time_zone: Some(query.time_zone),
            duration: query.duration_minutes,
        };
        Ok(mapping::slots_from_dto(self.slots(&q).await?)?)
    }

    async fn create_booking(&self, appointment: &Appointment) -> Result<Booking, DomainError> {
        let dto = CalcomClient::create_booking(self, &mapping::create_request(appointment)).await?;
        Ok(mapping::booking_from_dto(dto)?)
    }

    async fn get_booking(&self, uid: &BookingUid) -> Result<Booking, DomainError> {
        let dto = CalcomClient::get_booking(self, uid.as_str()).await?;
        Ok(mapping::booking_from_dto(dto)?)
    }

    async fn list_bookings(&self, filter: &BookingFilter) -> Result<Vec<Booking>, DomainError> {
        let page = CalcomClient::list_bookings(self, &mapping::list_query(filter)).await?;
        let mut bookings = Vec::with_capacity(page.data.len());
        for dto in page.data {
            let booking = mapping::booking_from_dto(dto)?;
            // Cal.com's filters are coarser than ours (see `list_query`).
            if filter.matches(&booking) {
                bookings.push(booking);
            }
        }
        Ok(bookings)
    }

    async fn cancel_booking(&self, uid: &BookingUid, reason: &str) -> Result<Booking, DomainError> {
        let reason = match reason.trim() {
            "" => DEFAULT_CANCELLATION_REASON,
            r => r,
        };
        let dto =
            CalcomClient::cancel_booking(self, uid.as_str(), &CancelBookingRequest::new(reason))
                .await?;
        Ok(mapping::booking_from_dto(dto)?)
    }

    async fn reschedule_booking(
        &self,
        uid: &BookingUid,
        new_start: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Booking, DomainError> {
        let req = RescheduleBookingRequest {
            start: new_start,
            rescheduling_reason: reason.filter(|r| !r.trim().is_empty()),
            rescheduled_by: None,
        };
        let dto = CalcomClient::reschedule_booking(self, uid.as_str(), &req).await?;
        Ok(mapping::booking_from_dto(dto)?)
    }
}
