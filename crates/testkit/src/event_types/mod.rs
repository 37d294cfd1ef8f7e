//! Event types: what can be booked, for how long, on which grid, with which
//! buffers and locations.

pub(crate) mod output;

/// Where a meeting of an event type takes place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum EventLocation {
    /// A conferencing app, e.g. `cal-video`; each booking gets its own URL.
    Integration(&'static str),
    /// A fixed address.
    Address(String),
    /// A fixed meeting link.
    Link(String),
}

/// One event type of the demo user (the fields the slot engine, the booking
/// rules and the `EventTypeOutput_2024_06_14` body need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct EventTypeDef {
    /// Stable numeric id.
    pub(crate) id: u64,
    /// URL slug, unique per user.
    pub(crate) slug: String,
    /// Human title; also the start of booking titles.
    pub(crate) title: String,
    /// Free text.
    pub(crate) description: String,
    /// Default length in minutes.
    pub(crate) length: u32,
    /// Other lengths a booker may pick (`lengthInMinutesOptions`); empty for
    /// fixed-length types.
    pub(crate) length_options: Vec<u32>,
    /// Slot grid step; `None` steps by the booked length.
    pub(crate) slot_interval: Option<u32>,
    /// Minutes between now and the earliest bookable start.
    pub(crate) minimum_booking_notice: u32,
    /// Minutes kept free before each booking.
    pub(crate) before_buffer: u32,
    /// Minutes kept free after each booking.
    pub(crate) after_buffer: u32,
    /// Hidden types are bookable but listed only to their owner.
    pub(crate) hidden: bool,
    /// Offered locations; the first is the default.
    pub(crate) locations: Vec<EventLocation>,
    /// The team owning it (`None` for the demo user's own types).
    pub(crate) team_id: Option<u64>,
    /// How several hosts combine (team types only).
    pub(crate) scheduling: Scheduling,
    /// User ids of the hosts; one for personal types.
    pub(crate) host_ids: Vec<u64>,
    /// New bookings start `pending` until the host confirms.
    pub(crate) requires_confirmation: bool,
    /// A schedule other than the host's default, if set.
    pub(crate) schedule_id: Option<u64>,
}

/// Cal.com's `schedulingType` for events with several hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scheduling {
    /// One host (personal event types).
    Single,
    /// Every host must be free (intersection of availability).
    Collective,
    /// Any one host may take it (union); the first free host is assigned.
    RoundRobin,
}

impl Scheduling {
    /// The spec's enum value (`null` for personal types).
    pub(crate) fn as_api(self) -> Option<&'static str> {
        match self {
            Self::Single => None,
            Self::Collective => Some("collective"),
            Self::RoundRobin => Some("roundRobin"),
        }
    }
}

impl EventTypeDef {
    /// Whether the booker may choose among several lengths.
    pub(crate) fn is_variable_length(&self) -> bool {
        !self.length_options.is_empty()
    }

    /// Cal.com's slot frequency: `slotInterval || duration || length`.
    pub(crate) fn frequency(&self, booked_length: i64) -> i64 {
        self.slot_interval
            .filter(|i| *i > 0)
            .map_or(booked_length, i64::from)
    }
}
