//! The booking table and the availability rule every write checks.
//!
//! A [`Store`] lives behind one `std::sync::Mutex` in the app state; each
//! route does its whole check-then-write inside one lock, which is what
//! makes N concurrent creates of one slot produce exactly one booking.

use chrono::{DateTime, TimeDelta, Utc};

use crate::bookings::MockBooking;
use crate::demo_data::Catalog;
use crate::error::ApiError;
use crate::event_types::EventTypeDef;
use crate::slots::engine::{Busy, SlotSpec, available_starts};

/// Cal.com's message for a taken or unavailable time (NOTES §6).
pub(crate) const SLOT_UNAVAILABLE: &str =
    "User either already has booking at this time or is not available";
/// Cal.com's message for a start before now.
pub(crate) const IN_THE_PAST: &str = "Attempting to book a meeting in the past.";
/// Cal.com's message for a start inside the minimum notice.
pub(crate) const OUT_OF_BOUNDS: &str = "The event type can't be booked at the \"start\" time \
    provided. This could be because it's too soon (violating the minimum booking notice) or too \
    far in the future (outside the event's scheduling window). Try fetching available slots first \
    using the GET /v2/slots endpoint and then make a booking with \"start\" time equal to one of \
    the available slots: https://cal.com/docs/api-reference/v2/slots";

/// Where and when to look for free slots.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SlotWindow<'a> {
    /// Window start.
    pub(crate) from: DateTime<Utc>,
    /// Window end.
    pub(crate) to: DateTime<Utc>,
    /// The current time (minimum notice counts from here).
    pub(crate) now: DateTime<Utc>,
    /// A booking that does not block (the one being rescheduled).
    pub(crate) exclude_uid: Option<&'a str>,
}

/// All bookings, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Store {
    bookings: Vec<MockBooking>,
    last_id: u64,
}

impl Store {
    /// Every booking, oldest first.
    pub(crate) fn all(&self) -> &[MockBooking] {
        &self.bookings
    }

    /// The booking with this uid.
    pub(crate) fn get(&self, uid: &str) -> Option<&MockBooking> {
        self.bookings.iter().find(|b| b.uid == uid)
    }

    /// The booking with this uid, for changing it.
    pub(crate) fn get_mut(&mut self, uid: &str) -> Option<&mut MockBooking> {
        self.bookings.iter_mut().find(|b| b.uid == uid)
    }

    /// The next numeric booking id.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.last_id += 1;
        self.last_id
    }

    /// Stores a booking.
    pub(crate) fn push(&mut self, booking: MockBooking) {
        self.bookings.push(booking);
    }

    /// Time blocked for a new booking of `new_et` by the host's active
    /// bookings (except `exclude_uid`, the one being rescheduled).
    fn busy_for(
        &self,
        catalog: &Catalog,
        new_et: &EventTypeDef,
        exclude_uid: Option<&str>,
    ) -> Vec<Busy> {
        self.bookings
            .iter()
            .filter(|b| b.is_active() && Some(b.uid.as_str()) != exclude_uid)
            .map(|b| {
                let (before, after) = catalog
                    .event_type(b.event_type_id)
                    .map_or((0, 0), |et| (et.before_buffer, et.after_buffer));
                Busy::around_booking(
                    b.start,
                    b.end,
                    before,
                    after,
                    new_et.before_buffer,
                    new_et.after_buffer,
                )
            })
            .collect()
    }

    /// Free starts of `et` booked for `length` minutes within the window.
    pub(crate) fn free_starts(
        &self,
        catalog: &Catalog,
        et: &EventTypeDef,
        length: i64,
        window: &SlotWindow<'_>,
    ) -> Vec<DateTime<Utc>> {
        let spec = SlotSpec {
            length_minutes: length,
            frequency_minutes: et.frequency(length),
            minimum_notice_minutes: i64::from(et.minimum_booking_notice),
        };
        let busy = self.busy_for(catalog, et, window.exclude_uid);
        available_starts(
            &catalog.schedule,
            &spec,
            window.from,
            window.to,
            window.now,
            &busy,
        )
    }

    /// Whether `start` can be booked for `length` minutes right now: not in
    /// the past, outside the minimum notice, and one of the free slots.
    pub(crate) fn ensure_bookable(
        &self,
        catalog: &Catalog,
        et: &EventTypeDef,
        start: DateTime<Utc>,
        length: u32,
        now: DateTime<Utc>,
        exclude_uid: Option<&str>,
    ) -> Result<(), ApiError> {
        if start < now {
            return Err(ApiError::BadRequest(IN_THE_PAST.to_owned()));
        }
        if start < now + TimeDelta::minutes(i64::from(et.minimum_booking_notice)) {
            return Err(ApiError::BadRequest(OUT_OF_BOUNDS.to_owned()));
        }
        let day = TimeDelta::days(1);
        let window = SlotWindow {
            from: start - day,
            to: start + day,
            now,
            exclude_uid,
        };
        let free = self.free_starts(catalog, et, i64::from(length), &window);
        if free.contains(&start) {
            Ok(())
        } else {
            Err(ApiError::BadRequest(SLOT_UNAVAILABLE.to_owned()))
        }
    }
}
