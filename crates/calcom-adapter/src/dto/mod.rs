//! Typed request and response bodies of the Cal.com v2 endpoints this crate
//! calls. Field names follow Cal.com (camelCase on the wire); unknown fields
//! are ignored so Cal.com can add fields without breaking us, and fields
//! Cal.com sometimes sends as `null` decode to their default.

pub mod bookings;
pub mod envelope;
pub mod event_types;
pub mod me;
pub mod slots;
mod wire_format;

pub use bookings::{
    BookingAttendeeDto, BookingDto, BookingHostDto, BookingListStatus, BookingStatusDto,
    CancelBookingRequest, CreateBookingAttendee, CreateBookingRequest, EventTypeRefDto,
    ListBookingsQuery, RescheduleBookingRequest, SortOrder,
};
pub use envelope::{ErrorBody, ErrorEnvelope, NestErrorBody, Page, Pagination, SuccessEnvelope};
pub use event_types::EventTypeDto;
pub use me::MeDto;
pub use slots::{SlotDto, SlotsByDate, SlotsQuery};
