//! A webhook names a booking; what we store is what Cal.com says about it
//! now. So a late `BOOKING_CREATED` can never resurrect a cancelled
//! booking, and the repository's `updated_at` rule keeps older copies out.

use calbridge_domain::ports::{BookingRepository, CalendarPort, UpsertOutcome};
use calbridge_domain::{Booking, BookingSource, BookingUid, DomainError, TenantId};

/// Fetches `uid` from Cal.com and stores it, returning what Cal.com said;
/// `None` when Cal.com no longer knows the booking (nothing is stored then).
///
/// # Errors
/// Calendar errors (unavailable, rate limited) and storage errors, so the
/// caller can record the event as failed.
pub async fn refresh_booking(
    calendar: &dyn CalendarPort,
    repository: &dyn BookingRepository,
    tenant: &TenantId,
    uid: &BookingUid,
    source: BookingSource,
) -> Result<Option<(Booking, UpsertOutcome)>, DomainError> {
    let booking = match calendar.get_booking(uid).await {
        Ok(b) => b,
        Err(DomainError::NotFound { .. }) => return Ok(None),
        Err(e) => return Err(e),
    };
    let outcome = repository.upsert(tenant, &booking, source).await?;
    Ok(Some((booking, outcome)))
}
