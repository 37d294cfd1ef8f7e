//! The use cases: one file each, all methods of [`BookingService`], which
//! holds the ports for one tenant.

mod book;
mod cancel;
pub mod composite;
mod event_types;
mod find_slots;
mod follow_calendar;
mod list_bookings;
mod reschedule;
mod slot_cache;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ids::TenantId;
use crate::models::SlotHold;
use crate::ports::{
    AppointmentRepository, BookingRepository, CachePort, CalendarPort, Clock, SlotHoldRepository,
};

/// How long cached calendar answers may be served.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CachePolicy {
    /// Free slots. Short: other bookers change them; our own bookings
    /// invalidate them at once.
    pub slots_ttl: Duration,
    /// Event types change rarely.
    pub event_types_ttl: Duration,
}

impl Default for CachePolicy {
    fn default() -> Self {
        Self {
            slots_ttl: Duration::from_secs(30),
            event_types_ttl: Duration::from_secs(300),
        }
    }
}

/// Booking use cases for one tenant, over its calendar, store and cache.
#[derive(Clone)]
pub struct BookingService {
    tenant: TenantId,
    calendar: Arc<dyn CalendarPort>,
    repository: Arc<dyn BookingRepository>,
    cache: Arc<dyn CachePort>,
    clock: Arc<dyn Clock>,
    policy: CachePolicy,
    local: Option<LocalHolds>,
}

/// calbridge's own claims on hosts' time (see [`SlotHoldRepository`]):
/// availability subtracts them, round-robin planning avoids held hosts and
/// reschedules hold the new time before asking the calendar.
#[derive(Clone)]
pub struct LocalHolds {
    /// Composite appointments and the holds of their segments.
    pub appointments: Arc<dyn AppointmentRepository>,
    /// Every hold, standalone or of a segment.
    pub holds: Arc<dyn SlotHoldRepository>,
}

impl BookingService {
    /// Wires the ports for `tenant`.
    pub fn new(
        tenant: TenantId,
        calendar: Arc<dyn CalendarPort>,
        repository: Arc<dyn BookingRepository>,
        cache: Arc<dyn CachePort>,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Self {
            tenant,
            calendar,
            repository,
            cache,
            clock,
            policy: CachePolicy::default(),
            local: None,
        }
    }

    /// Makes the use cases respect calbridge's own holds. Without them
    /// (e.g. a read-only embedding) only the calendar's answers count.
    pub fn with_local_holds(mut self, local: LocalHolds) -> Self {
        self.local = Some(local);
        self
    }

    /// Replaces the default cache policy.
    pub fn with_cache_policy(mut self, policy: CachePolicy) -> Self {
        self.policy = policy;
        self
    }

    /// The tenant this service acts for.
    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    /// The tenant's calendar, for callers that also talk to it directly
    /// (the sync, the webhook receiver).
    pub fn calendar(&self) -> &dyn CalendarPort {
        self.calendar.as_ref()
    }

    /// Each host's holds active at `now` over `[from, to)`, one list per
    /// host in the order given (empty lists without local holds).
    ///
    /// # Errors
    /// Storage errors.
    pub(crate) async fn holds_of_hosts(
        &self,
        local: &LocalHolds,
        hosts: impl IntoIterator<Item = u64>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> crate::error::Result<Vec<Vec<SlotHold>>> {
        let mut held = Vec::new();
        for host in hosts {
            held.push(
                local
                    .holds
                    .active_for_host(&self.tenant, host, from, to, now)
                    .await?,
            );
        }
        Ok(held)
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Builders shared by the use-case tests.

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::{DateTime, TimeDelta, TimeZone, Utc};
    use chrono_tz::Tz;

    use super::BookingService;
    use crate::ids::{BookingUid, EventTypeId, TenantId};
    use crate::models::{
        Appointment, Attendee, Booking, BookingStatus, Email, HoldStatus, SlotHold, SlotHoldId,
    };
    use crate::ports::{MockBookingRepository, MockCachePort, MockCalendarPort, MockClock};

    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 7, 8, 0, 0).unwrap()
    }

    /// An active, never-lapsing hold of `host` over `[start, end)`.
    pub fn held(host: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> SlotHold {
        SlotHold {
            id: SlotHoldId::new(),
            host_id: host,
            start,
            end,
            status: HoldStatus::Held,
            expires_at: None,
            appointment_id: None,
            segment_position: None,
            booking_uid: None,
            created_at: now(),
            updated_at: now(),
        }
    }

    pub fn clock() -> MockClock {
        let mut c = MockClock::new();
        c.expect_now().returning(now);
        c
    }

    /// A cache that always misses and accepts writes.
    pub fn empty_cache() -> MockCachePort {
        let mut c = MockCachePort::new();
        c.expect_get().returning(|_| Ok(None));
        c.expect_set().returning(|_, _, _| Ok(()));
        c.expect_delete().returning(|_| Ok(()));
        c
    }

    pub fn appointment(start: DateTime<Utc>) -> Appointment {
        let attendee = Attendee::new(
            "Ann",
            Email::parse("ann@example.com").unwrap(),
            Tz::Europe__Berlin,
        )
        .unwrap();
        Appointment::new(EventTypeId(7), start, attendee, BTreeMap::new(), now()).unwrap()
    }

    pub fn booking_for(a: &Appointment, uid: &str) -> Booking {
        Booking {
            uid: BookingUid::parse(uid).unwrap(),
            event_type_id: a.event_type_id,
            title: "Consultation".into(),
            start: a.start,
            end: a.start + TimeDelta::minutes(30),
            status: BookingStatus::Accepted,
            host: None,
            attendees: vec![a.attendee.clone()],
            metadata: a.outgoing_metadata(),
            rescheduled_from_uid: None,
            rescheduled_to_uid: None,
            cancellation_reason: None,
            created_at: now(),
            updated_at: now(),
        }
    }

    pub fn service(
        calendar: MockCalendarPort,
        repo: MockBookingRepository,
        cache: MockCachePort,
    ) -> BookingService {
        BookingService::new(
            TenantId::parse("t1").unwrap(),
            Arc::new(calendar),
            Arc::new(repo),
            Arc::new(cache),
            Arc::new(clock()),
        )
    }
}
