//! Composite appointments: several segments (event type, length, staff,
//! pause after), booked back to back, all or nothing, through the booking
//! saga. A single booking is a composite of one segment.

mod find_starts;
mod request;

pub use find_starts::fits_at;
pub use request::{CompositeRequest, OWN_ACCOUNT_HOST, SegmentRequest};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{DomainError, Result};
use crate::ids::AppointmentId;
use crate::models::EventType;
use crate::saga::{BookingPlan, PlannedSegment, SagaEngine, SagaOutcome};
use crate::usecases::BookingService;

impl BookingService {
    /// Turns a request starting at `start` into a saga plan: each segment
    /// starts when the previous one ends plus its pause, with its event
    /// type's length unless the request asks for another allowed one.
    ///
    /// # Errors
    /// `InvalidInput` for a bad request; `NotFound` for an unknown event type;
    /// calendar errors while reading event types.
    pub async fn plan_composite(
        &self,
        request: &CompositeRequest,
        start: DateTime<Utc>,
    ) -> Result<BookingPlan> {
        request.validate()?;
        let types = self.event_types().await?;
        let mut segments = Vec::with_capacity(request.segments.len());
        let mut at = start;
        for seg in &request.segments {
            let et = find_type(&types, seg)?;
            let length = seg.duration_minutes.unwrap_or(et.length_minutes);
            if !et.allows_length(length) {
                return Err(DomainError::invalid(
                    "segments.durationMinutes",
                    format!("event type {} cannot be booked for {length} minutes", et.id),
                ));
            }
            let end = at + TimeDelta::minutes(i64::from(length));
            segments.push(PlannedSegment {
                event_type_id: et.id,
                host_id: seg.host_id.unwrap_or(OWN_ACCOUNT_HOST),
                start: at,
                end,
                pause_after_minutes: seg.pause_after_minutes,
                length_minutes: (length != et.length_minutes).then_some(length),
                correlation_id: AppointmentId::new(),
            });
            at = end + TimeDelta::minutes(i64::from(seg.pause_after_minutes));
        }
        let plan = BookingPlan {
            appointment_id: AppointmentId::new(),
            attendee: request.attendee.clone(),
            metadata: request.metadata.clone(),
            segments,
        };
        plan.validate(self.clock.now())?;
        Ok(plan)
    }

    /// Books a composite appointment starting at `start` through the saga.
    ///
    /// # Errors
    /// As [`BookingService::plan_composite`]; storage errors of the saga log.
    pub async fn book_composite(
        &self,
        engine: &SagaEngine,
        request: &CompositeRequest,
        start: DateTime<Utc>,
    ) -> Result<(BookingPlan, SagaOutcome)> {
        self.book_composite_as(engine, request, start, AppointmentId::new())
            .await
    }

    /// As [`BookingService::book_composite`], with the appointment (and
    /// saga) id chosen by the caller, so an idempotency key can point at
    /// the saga before it starts.
    ///
    /// # Errors
    /// As [`BookingService::book_composite`]; `Conflict` when `id` was used before.
    pub async fn book_composite_as(
        &self,
        engine: &SagaEngine,
        request: &CompositeRequest,
        start: DateTime<Utc>,
        id: AppointmentId,
    ) -> Result<(BookingPlan, SagaOutcome)> {
        let mut plan = self.plan_composite(request, start).await?;
        plan.appointment_id = id;
        let outcome = self.run_plan(engine, &plan).await?;
        Ok((plan, outcome))
    }

    /// Runs a plan through the saga and refreshes the slot cache.
    pub(super) async fn run_plan(
        &self,
        engine: &SagaEngine,
        plan: &BookingPlan,
    ) -> Result<SagaOutcome> {
        let outcome = engine
            .start(&self.tenant, self.calendar.as_ref(), plan)
            .await;
        self.invalidate_slots().await;
        outcome
    }
}

fn find_type<'a>(types: &'a [EventType], seg: &SegmentRequest) -> Result<&'a EventType> {
    types
        .iter()
        .find(|t| t.id == seg.event_type_id)
        .ok_or_else(|| DomainError::NotFound {
            entity: "event type",
            id: seg.event_type_id.to_string(),
        })
}
