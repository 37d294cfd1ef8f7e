use crate::error::Result;
use crate::error::{DomainError, Upstream};
use crate::models::{Appointment, Booking, BookingSource};
use crate::saga::{SagaEngine, SagaOutcome};
use crate::usecases::BookingService;
use crate::usecases::composite::{CompositeRequest, SegmentRequest};

impl BookingService {
    /// Books an appointment on the calendar and keeps a local copy.
    ///
    /// The calendar is the authority: once it has accepted the booking, a
    /// failure to store the local copy is logged, not returned, because the
    /// booking exists and sync will bring the copy back.
    ///
    /// # Errors
    /// `InvalidInput` when the start has passed; `SlotUnavailable` when the
    /// time is taken; calendar outages as `Unavailable`.
    pub async fn book(&self, appointment: &Appointment) -> Result<Booking> {
        if appointment.start <= self.clock.now() {
            return Err(crate::DomainError::invalid(
                "start",
                "must be in the future",
            ));
        }
        let booking = self.calendar.create_booking(appointment).await?;
        self.invalidate_slots().await;
        self.store(&booking, BookingSource::Ours).await;
        tracing::info!(uid = %booking.uid, appointment = %appointment.id, "booked");
        Ok(booking)
    }

    /// Books one appointment the same way as a composite: a one-segment
    /// saga (local hold, Cal.com create with the appointment id as
    /// correlation id, local confirm), so concurrent requests for one time
    /// have exactly one winner and a crash leaves nothing behind.
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
                host_id: None,
                pause_after_minutes: 0,
            }],
        };
        let mut plan = self.plan_composite(&request, appointment.start).await?;
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

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use crate::error::{DomainError, Upstream};
    use crate::models::BookingSource;
    use crate::ports::{MockBookingRepository, MockCalendarPort, UpsertOutcome};
    use crate::usecases::test_support::*;

    #[tokio::test]
    async fn books_upstream_then_stores_locally_with_the_correlation_id() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let expected = booking_for(&appt, "uid-1");
        let mut cal = MockCalendarPort::new();
        let b = expected.clone();
        cal.expect_create_booking()
            .withf(|a| a.outgoing_metadata().contains_key("correlationId"))
            .times(1)
            .returning(move |_| Ok(b.clone()));
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert()
            .withf(|t, b, s| {
                t.as_str() == "t1" && b.uid.as_str() == "uid-1" && *s == BookingSource::Ours
            })
            .times(1)
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        let svc = service(cal, repo, empty_cache());
        let got = svc.book(&appt).await.unwrap();
        assert_eq!(got, expected);
        assert_eq!(got.correlation_id(), Some(appt.id.to_string().as_str()));
    }

    #[tokio::test]
    async fn a_taken_slot_is_reported_and_nothing_is_stored() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let mut cal = MockCalendarPort::new();
        cal.expect_create_booking().returning(|_| {
            Err(DomainError::SlotUnavailable {
                message: "taken".into(),
            })
        });
        let repo = MockBookingRepository::new(); // any call would panic
        let svc = service(cal, repo, empty_cache());
        assert!(matches!(
            svc.book(&appt).await,
            Err(DomainError::SlotUnavailable { .. })
        ));
    }

    #[tokio::test]
    async fn a_store_outage_after_booking_still_returns_the_booking() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let b = booking_for(&appt, "uid-2");
        let mut cal = MockCalendarPort::new();
        cal.expect_create_booking()
            .returning(move |_| Ok(b.clone()));
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert().returning(|_, _, _| {
            Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "down".into(),
            })
        });
        let svc = service(cal, repo, empty_cache());
        assert_eq!(svc.book(&appt).await.unwrap().uid.as_str(), "uid-2");
    }

    #[tokio::test]
    async fn a_start_that_passed_while_waiting_is_refused_before_calling_out() {
        // The appointment was valid when built, but the clock moved on.
        let appt = appointment(now() + TimeDelta::hours(2));
        let mut clock = crate::ports::MockClock::new();
        clock.expect_now().returning(|| now() + TimeDelta::hours(3));
        let svc = crate::usecases::BookingService::new(
            crate::TenantId::parse("t1").unwrap(),
            std::sync::Arc::new(MockCalendarPort::new()),
            std::sync::Arc::new(MockBookingRepository::new()),
            std::sync::Arc::new(empty_cache()),
            std::sync::Arc::new(clock),
        );
        let err = svc.book(&appt).await.unwrap_err();
        assert!(matches!(err, DomainError::InvalidInput { ref field, .. } if field == "start"));
    }
}
