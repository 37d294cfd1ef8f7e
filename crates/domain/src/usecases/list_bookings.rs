use crate::error::{DomainError, Result};
use crate::ids::BookingUid;
use crate::models::{Booking, BookingFilter, BookingSource};
use crate::usecases::BookingService;

impl BookingService {
    /// Lists the local copy of the tenant's bookings. Reading locally keeps
    /// lists fast and available while Cal.com is down.
    ///
    /// # Errors
    /// `Unavailable { upstream: Storage }` when the store is down.
    pub async fn list_bookings(&self, filter: &BookingFilter) -> Result<Vec<Booking>> {
        if let (Some(a), Some(b)) = (filter.starts_after, filter.ends_before)
            && b < a
        {
            return Err(DomainError::invalid(
                "beforeEnd",
                "must not be before afterStart",
            ));
        }
        self.repository.list(&self.tenant, filter).await
    }

    /// One booking, fresh from the calendar (and stored). When the calendar
    /// is unreachable, the local copy is served instead of failing.
    ///
    /// # Errors
    /// `NotFound` when neither the calendar nor the store knows the uid.
    pub async fn get_booking(&self, uid: &BookingUid) -> Result<Booking> {
        match self.calendar.get_booking(uid).await {
            Ok(b) => {
                self.store(&b, BookingSource::Sync).await;
                Ok(b)
            }
            Err(e) if e.is_retryable() => match self.repository.get(&self.tenant, uid).await {
                Ok(Some(local)) => {
                    tracing::warn!(%uid, error = %e, "calendar unavailable; serving local copy");
                    Ok(local)
                }
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use crate::error::{DomainError, Upstream};
    use crate::models::BookingFilter;
    use crate::ports::{MockBookingRepository, MockCalendarPort};
    use crate::usecases::test_support::*;

    #[tokio::test]
    async fn lists_come_from_the_local_store_of_this_tenant() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let b = booking_for(&appt, "u1");
        let mut repo = MockBookingRepository::new();
        repo.expect_list()
            .withf(|t, _| t.as_str() == "t1")
            .returning(move |_, _| Ok(vec![b.clone()]));
        let svc = service(MockCalendarPort::new(), repo, empty_cache());
        assert_eq!(
            svc.list_bookings(&BookingFilter::default())
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn reversed_window_is_invalid() {
        let svc = service(
            MockCalendarPort::new(),
            MockBookingRepository::new(),
            empty_cache(),
        );
        let f = BookingFilter {
            starts_after: Some(now()),
            ends_before: Some(now() - TimeDelta::hours(1)),
            ..Default::default()
        };
        assert!(matches!(
            svc.list_bookings(&f).await,
            Err(DomainError::InvalidInput { .. })
        ));
    }

    #[tokio::test]
    async fn calendar_outage_serves_the_local_copy() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let b = booking_for(&appt, "u1");
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking().returning(|_| {
            Err(DomainError::Unavailable {
                upstream: Upstream::Calendar,
                message: "timeout".into(),
            })
        });
        let mut repo = MockBookingRepository::new();
        let local = b.clone();
        repo.expect_get()
            .returning(move |_, _| Ok(Some(local.clone())));
        let svc = service(cal, repo, empty_cache());
        assert_eq!(svc.get_booking(&b.uid).await.unwrap(), b);
    }
}
