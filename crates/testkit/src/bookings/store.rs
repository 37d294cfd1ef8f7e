//! The booking table and the availability rule every write checks.
//!
//! A [`Store`] lives behind one `std::sync::Mutex` in the app state; each
//! route does its whole check-then-write inside one lock, which is what
//! makes N concurrent creates of one slot produce exactly one booking.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};

use crate::bookings::MockBooking;
use crate::demo_data::Catalog;
use crate::error::ApiError;
use crate::event_types::{EventTypeDef, Scheduling};
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

/// Cal.com's message when a host of a team event is taken.
pub(crate) const TEAM_SLOT_UNAVAILABLE: &str =
    "One of the hosts either already has booking at this time or is not available";

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
    /// A reservation the caller holds (it does not block the caller).
    pub(crate) holder: Option<&'a str>,
}

/// A slot held by `POST /v2/slots/reservations` (Cal.com's `SelectedSlots`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reservation {
    /// `reservationUid`.
    pub(crate) uid: String,
    /// The event type reserved.
    pub(crate) event_type_id: u64,
    /// Slot start.
    pub(crate) start: DateTime<Utc>,
    /// Slot end.
    pub(crate) end: DateTime<Utc>,
    /// Slot length in minutes.
    pub(crate) slot_minutes: u32,
    /// How long the hold lasts, in minutes.
    pub(crate) hold_minutes: u32,
    /// When the hold lapses.
    pub(crate) until: DateTime<Utc>,
}

/// Who is booking, and when: what a booking check needs besides the slot.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Claim<'a> {
    /// The current time.
    pub(crate) now: DateTime<Utc>,
    /// A booking that does not block (the one being rescheduled).
    pub(crate) exclude_uid: Option<&'a str>,
    /// A reservation the booker holds.
    pub(crate) holder: Option<&'a str>,
    /// Round robin: only these members may be assigned (`routing`).
    pub(crate) routed: Option<&'a [u64]>,
}

/// All bookings (creation order) and reservations.
#[derive(Debug, Default)]
pub(crate) struct Store {
    bookings: Vec<MockBooking>,
    reservations: Vec<Reservation>,
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

    /// Live reservations (expired ones are dropped first).
    pub(crate) fn reservations(&mut self, now: DateTime<Utc>) -> &mut Vec<Reservation> {
        self.reservations.retain(|r| r.until > now);
        &mut self.reservations
    }

    /// Time blocked for `host` for a new booking of `new_et`: the host's
    /// active bookings with buffers (except `window.exclude_uid`), and live
    /// reservations of event types the host hosts (except the caller's).
    fn busy_for(
        &self,
        catalog: &Catalog,
        host: u64,
        new_et: &EventTypeDef,
        window: &SlotWindow<'_>,
    ) -> Vec<Busy> {
        let bookings = self
            .bookings
            .iter()
            .filter(|b| {
                b.is_active()
                    && b.host_ids.contains(&host)
                    && Some(b.uid.as_str()) != window.exclude_uid
            })
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
            });
        let held = self
            .reservations
            .iter()
            .filter(|r| r.until > window.now && Some(r.uid.as_str()) != window.holder)
            .filter(|r| {
                catalog
                    .event_type(r.event_type_id)
                    .is_some_and(|et| et.host_ids.contains(&host))
            })
            .map(|r| Busy {
                start: r.start,
                end: r.end,
            });
        bookings.chain(held).collect()
    }

    /// Free starts of one host.
    fn host_starts(
        &self,
        catalog: &Catalog,
        host: u64,
        et: &EventTypeDef,
        length: i64,
        window: &SlotWindow<'_>,
    ) -> Vec<DateTime<Utc>> {
        let Some(hours) = catalog.hours_for(host, et) else {
            return Vec::new();
        };
        let spec = SlotSpec {
            length_minutes: length,
            frequency_minutes: et.frequency(length),
            minimum_notice_minutes: i64::from(et.minimum_booking_notice),
        };
        let busy = self.busy_for(catalog, host, et, window);
        available_starts(hours, &spec, window.from, window.to, window.now, &busy)
    }

    /// Free starts of `et` booked for `length` minutes within the window:
    /// one host's, all hosts' (collective) or any host's (round robin).
    pub(crate) fn free_starts(
        &self,
        catalog: &Catalog,
        et: &EventTypeDef,
        length: i64,
        window: &SlotWindow<'_>,
    ) -> Vec<DateTime<Utc>> {
        let mut per_host = et
            .host_ids
            .iter()
            .map(|h| self.host_starts(catalog, *h, et, length, window));
        let Some(first) = per_host.next() else {
            return Vec::new();
        };
        let mut out: BTreeSet<DateTime<Utc>> = first.into_iter().collect();
        for starts in per_host {
            let starts: BTreeSet<DateTime<Utc>> = starts.into_iter().collect();
            out = match et.scheduling {
                Scheduling::RoundRobin => out.union(&starts).copied().collect(),
                Scheduling::Single | Scheduling::Collective => {
                    out.intersection(&starts).copied().collect()
                }
            };
        }
        out.into_iter().collect()
    }

    /// Whether `start` can be booked for `length` minutes right now: not in
    /// the past, outside the minimum notice, and one of the free slots.
    /// Returns the hosts who get the booking.
    pub(crate) fn ensure_bookable(
        &self,
        catalog: &Catalog,
        et: &EventTypeDef,
        start: DateTime<Utc>,
        length: u32,
        claim: Claim<'_>,
    ) -> Result<Vec<u64>, ApiError> {
        let Claim {
            now,
            exclude_uid,
            holder,
            routed,
        } = claim;
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
            holder,
        };
        let free: Vec<u64> = et
            .host_ids
            .iter()
            .copied()
            .filter(|h| {
                self.host_starts(catalog, *h, et, i64::from(length), &window)
                    .contains(&start)
            })
            .collect();
        let taken = || {
            ApiError::BadRequest(
                if et.team_id.is_some() {
                    TEAM_SLOT_UNAVAILABLE
                } else {
                    SLOT_UNAVAILABLE
                }
                .to_owned(),
            )
        };
        match et.scheduling {
            Scheduling::Single | Scheduling::Collective => {
                if !free.is_empty() && free.len() == et.host_ids.len() {
                    Ok(free)
                } else {
                    Err(taken())
                }
            }
            Scheduling::RoundRobin => {
                // The free host with the fewest active bookings takes it.
                let load = |h: &u64| {
                    self.bookings
                        .iter()
                        .filter(|b| b.is_active() && b.host_ids.contains(h))
                        .count()
                };
                free.iter()
                    .filter(|h| routed.is_none_or(|r| r.contains(h)))
                    .min_by_key(|h| (load(h), **h))
                    .map(|h| vec![*h])
                    .ok_or_else(taken)
            }
        }
    }

    /// Whether active bookings make the span unbookable for `et`: any busy
    /// host blocks a single or collective event, while a round-robin event
    /// is only blocked once every host is busy (the same rule as the slots
    /// it offers).
    pub(crate) fn is_booked(
        &self,
        et: &EventTypeDef,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> bool {
        let busy = |h: &u64| self.host_booked(*h, start, end);
        match et.scheduling {
            Scheduling::RoundRobin => et.host_ids.iter().all(busy),
            Scheduling::Single | Scheduling::Collective => et.host_ids.iter().any(busy),
        }
    }

    /// Whether `host` has an active booking overlapping `[start, end)`.
    pub(crate) fn host_booked(&self, host: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        self.bookings
            .iter()
            .any(|b| b.is_active() && b.host_ids.contains(&host) && b.start < end && b.end > start)
    }
}
