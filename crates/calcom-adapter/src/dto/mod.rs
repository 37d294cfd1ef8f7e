//! Typed request and response bodies of the Cal.com endpoints this crate
//! calls. Field names follow Cal.com (camelCase on the wire); unknown fields
//! are ignored so Cal.com can add fields without breaking us, fields
//! Cal.com sometimes sends as `null` decode to their default, and enums keep
//! values they do not know in an `Unknown` variant.

pub mod bookings;
pub mod envelope;
pub mod event_types;
pub mod me;
pub mod reservations;
pub mod schedules;
pub mod slots;
pub mod teams;
pub mod webhooks;
mod wire_format;

pub use bookings::{
    AbsentAttendee, BookingAttendeeDto, BookingDto, BookingHostDto, BookingListStatus,
    BookingRouting, BookingStatusDto, CancelBookingRequest, CreateBookingAttendee,
    CreateBookingRequest, DeclineBookingRequest, EventTypeRefDto, ListBookingsQuery,
    MarkAbsentRequest, RescheduleBookingRequest, SortOrder,
};
pub use envelope::{ErrorBody, ErrorEnvelope, NestErrorBody, Page, Pagination, SuccessEnvelope};
pub use event_types::{EventTypeDto, EventTypesQuery, SchedulingType, TeamEventTypesQuery};
pub use me::MeDto;
pub use reservations::{ReservationDto, ReserveSlotRequest};
pub use schedules::{AvailabilityDto, ScheduleDto, ScheduleOverrideDto, Weekday};
pub use slots::{SlotDto, SlotsByDate, SlotsQuery};
pub use teams::TeamDto;
pub use webhooks::{
    CreateWebhookRequest, UpdateWebhookRequest, WebhookDto, WebhookTrigger, WebhooksQuery,
};
pub(crate) use wire_format::utc_iso;
