use chrono::{DateTime, Utc};

use crate::error::{DomainError, Result};
use crate::ids::BookingUid;
use crate::models::{Booking, BookingSource};
use crate::usecases::BookingService;

impl BookingService {
    /// Moves a booking to a new start. Cal.com answers with a *new* booking
    /// (new uid, `rescheduled_from_uid` = the old one); the old one becomes
    /// cancelled with `rescheduled_to_uid`. Both copies are stored so the
    /// lineage survives locally.
    ///
    /// # Errors
    /// `InvalidInput` for a past start; `SlotUnavailable` when the new time
    /// is taken; `NotFound` for an unknown uid.
    pub async fn reschedule(
        &self,
        uid: &BookingUid,
        new_start: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Booking> {
        if new_start <= self.clock.now() {
            return Err(DomainError::invalid("start", "must be in the future"));
        }
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid(
                "reschedulingReason",
                "at most 500 characters",
            ));
        }
        let new = self
            .calendar
            .reschedule_booking(uid, new_start, reason)
            .await?;
        self.invalidate_slots().await;
        self.store(&new, BookingSource::Ours).await;
        // The old booking's new state (cancelled, pointing at the new uid).
        match self.calendar.get_booking(uid).await {
            Ok(old) => self.store(&old, BookingSource::Ours).await,
            Err(e) => tracing::warn!(%uid, error = %e, "old half of reschedule not refreshed"),
        }
        tracing::info!(old = %uid, new = %new.uid, "rescheduled");
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use crate::error::DomainError;
    use crate::models::BookingStatus;
    use crate::ports::{MockBookingRepository, MockCalendarPort, UpsertOutcome};
    use crate::usecases::test_support::*;

    #[tokio::test]
    async fn stores_both_halves_of_the_lineage() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let mut old = booking_for(&appt, "old");
        let mut new = booking_for(&appt, "new");
        new.start += TimeDelta::hours(1);
        new.rescheduled_from_uid = Some(old.uid.clone());
        old.status = BookingStatus::Cancelled;
        old.rescheduled_to_uid = Some(new.uid.clone());

        let mut cal = MockCalendarPort::new();
        let n = new.clone();
        cal.expect_reschedule_booking()
            .times(1)
            .returning(move |_, _, _| Ok(n.clone()));
        let o = old.clone();
        cal.expect_get_booking().returning(move |_| Ok(o.clone()));
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "new" && b.rescheduled_from_uid.is_some())
            .times(1)
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "old" && b.status == BookingStatus::Cancelled)
            .times(1)
            .returning(|_, _, _| Ok(UpsertOutcome::Updated));
        let svc = service(cal, repo, empty_cache());
        let got = svc
            .reschedule(&old.uid, new.start, Some("moved".into()))
            .await
            .unwrap();
        assert_eq!(got.uid.as_str(), "new");
    }

    #[tokio::test]
    async fn refuses_a_past_start_without_calling_out() {
        let svc = service(
            MockCalendarPort::new(),
            MockBookingRepository::new(),
            empty_cache(),
        );
        let err = svc
            .reschedule(
                &"u".to_owned().try_into().unwrap(),
                now() - TimeDelta::minutes(1),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::InvalidInput { .. }));
    }
}
