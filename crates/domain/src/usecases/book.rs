use crate::error::Result;
use crate::error::{DomainError, Upstream};
use crate::models::{Appointment, Booking, BookingSource};
use crate::saga::{SagaEngine, SagaOutcome};
use crate::usecases::BookingService;
use crate::usecases::composite::{CompositeRequest, SegmentRequest};

impl BookingService {
    /// Books one appointment the same way as a composite: a one-segment
    /// saga (local hold, Cal.com create with the appointment id as
    /// correlation id, local confirm), so concurrent requests for one time
    /// have exactly one winner and a crash leaves nothing behind.
    /// A single entry in `appointment.team_member_ids` names the staff
    /// member, as a composite segment's `staffId` does.
    ///
    /// # Errors
    /// `InvalidInput` when the start has passed; `SlotUnavailable` when the
    /// time is taken (locally or at Cal.com); `Unavailable` when the outcome
    /// is not known yet (the saga finishes it in the background).
    pub async fn book_through(
        &self,
        engine: &SagaEngine,
        appointment: &Appointment,
    ) -> Result<Booking> {
        if appointment.start <= self.clock.now() {
            return Err(crate::DomainError::invalid(
                "start",
                "must be in the future",
            ));
        }
        let request = CompositeRequest {
            attendee: appointment.attendee.clone(),
            metadata: appointment.metadata.clone(),
            segments: vec![SegmentRequest {
                event_type_id: appointment.event_type_id,
                duration_minutes: appointment.length_minutes,
                host_id: match appointment.team_member_ids.as_slice() {
                    [staff] => Some(*staff),
                    _ => None,
                },
                pause_after_minutes: 0,
            }],
        };
        let mut plan = self
            .plan_composite(&request, appointment.start)
            .await
            .map_err(single_field_names)?;
        // One segment: the appointment's own id is the correlation id.
        plan.appointment_id = appointment.id;
        if let Some(seg) = plan.segments.first_mut() {
            seg.correlation_id = appointment.id;
        }
        match self.run_plan(engine, &plan).await? {
            SagaOutcome::Completed { bookings, .. } => {
                bookings
                    .into_iter()
                    .next()
                    .ok_or_else(|| DomainError::UpstreamFailed {
                        upstream: Upstream::Calendar,
                        message: "booked, but the booking was not recorded".into(),
                    })
            }
            SagaOutcome::Compensated { cause } | SagaOutcome::Failed { cause } => Err(cause),
            SagaOutcome::Deferred { cause, .. } => {
                tracing::warn!(appointment = %appointment.id, error = %cause, "booking outcome unknown; the saga worker finishes it");
                Err(DomainError::Unavailable {
                    upstream: Upstream::Calendar,
                    message: "the booking's outcome is not known yet".into(),
                })
            }
        }
    }

    /// Stores a local copy; the calendar already has the truth, so a store
    /// failure only costs freshness until the next sync.
    pub(super) async fn store(&self, booking: &Booking, source: BookingSource) {
        if let Err(e) = self.repository.upsert(&self.tenant, booking, source).await {
            tracing::error!(uid = %booking.uid, error = %e, "local copy not stored; sync will repair it");
        }
    }
}

/// Names a planning error's field the way a single booking spells it
/// (`staffId`, not `segments.staffId`), so the caller can act on it.
fn single_field_names(e: DomainError) -> DomainError {
    match e {
        DomainError::InvalidInput { field, message } => DomainError::InvalidInput {
            field: match field.as_str() {
                "segments.staffId" => "staffId".to_owned(),
                "segments.durationMinutes" => "lengthInMinutes".to_owned(),
                _ => field,
            },
            message,
        },
        other => other,
    }
}
