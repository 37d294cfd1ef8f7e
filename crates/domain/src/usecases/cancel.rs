use crate::error::Result;
use crate::ids::BookingUid;
use crate::models::{Booking, BookingSource, BookingStatus};
use crate::usecases::BookingService;

/// Cal.com refuses a host's cancellation without a reason (NOTES §4.5), so
/// one is always sent.
pub const DEFAULT_CANCELLATION_REASON: &str = "Cancelled via calbridge";

impl BookingService {
    /// Cancels a booking. Cancelling one that is already cancelled returns
    /// it as it is, so a retried cancel is harmless.
    ///
    /// # Errors
    /// `NotFound` for an unknown uid; `InvalidInput` for an overlong reason.
    pub async fn cancel(&self, uid: &BookingUid, reason: Option<String>) -> Result<Booking> {
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(crate::DomainError::invalid(
                "cancellationReason",
                "at most 500 characters",
            ));
        }
        let current = self.calendar.get_booking(uid).await?;
        if current.status == BookingStatus::Cancelled {
            self.store(&current, BookingSource::Ours).await;
            self.release_segment_of(&current).await;
            return Ok(current);
        }
        let reason = reason.as_deref().unwrap_or(DEFAULT_CANCELLATION_REASON);
        let cancelled = self.calendar.cancel_booking(uid, reason).await?;
        self.invalidate_slots().await;
        self.store(&cancelled, BookingSource::Ours).await;
        self.release_segment_of(&cancelled).await;
        tracing::info!(%uid, "cancelled");
        Ok(cancelled)
    }

    /// Ends the local segment behind a booking Cal.com has cancelled. Cal.com
    /// already agreed, so trouble is logged: the sync tries again.
    async fn release_segment_of(&self, cancelled: &Booking) {
        if let Err(e) = self.follow_calendar_change(cancelled).await {
            tracing::warn!(uid = %cancelled.uid, error = %e, "local hold not released; the sync retries");
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::DEFAULT_CANCELLATION_REASON;
    use crate::error::DomainError;
    use crate::models::BookingStatus;
    use crate::ports::{MockBookingRepository, MockCalendarPort, UpsertOutcome};
    use crate::usecases::test_support::*;

    fn repo_accepting() -> MockBookingRepository {
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert()
            .returning(|_, _, _| Ok(UpsertOutcome::Updated));
        repo
    }

    #[tokio::test]
    async fn always_sends_a_reason() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let live = booking_for(&appt, "u1");
        let mut cancelled = live.clone();
        cancelled.status = BookingStatus::Cancelled;
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking()
            .returning(move |_| Ok(live.clone()));
        cal.expect_cancel_booking()
            .withf(|_, r| r == DEFAULT_CANCELLATION_REASON)
            .times(1)
            .returning(move |_, _| Ok(cancelled.clone()));
        let svc = service(cal, repo_accepting(), empty_cache());
        let got = svc
            .cancel(&"u1".to_owned().try_into().unwrap(), Some("  ".into()))
            .await
            .unwrap();
        assert_eq!(got.status, BookingStatus::Cancelled);
    }

    #[tokio::test]
    async fn cancelling_twice_returns_the_same_result() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let mut cancelled = booking_for(&appt, "u1");
        cancelled.status = BookingStatus::Cancelled;
        let mut cal = MockCalendarPort::new();
        let c = cancelled.clone();
        cal.expect_get_booking().returning(move |_| Ok(c.clone()));
        cal.expect_cancel_booking().never();
        let svc = service(cal, repo_accepting(), empty_cache());
        let got = svc
            .cancel(&"u1".to_owned().try_into().unwrap(), None)
            .await
            .unwrap();
        assert_eq!(got, cancelled);
    }

    #[tokio::test]
    async fn unknown_uid_is_not_found() {
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking().returning(|u| {
            Err(DomainError::NotFound {
                entity: "booking",
                id: u.to_string(),
            })
        });
        let svc = service(cal, MockBookingRepository::new(), empty_cache());
        let err = svc
            .cancel(&"nope".to_owned().try_into().unwrap(), None)
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::NotFound { .. }));
    }
}
