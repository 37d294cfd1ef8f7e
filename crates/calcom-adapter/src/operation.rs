//! The Cal.com operations this client performs. Knowing the operation lets
//! one place decide the version header and what an error status means.

use std::fmt;

/// One Cal.com v2 call this client knows how to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /v2/me`.
    Me,
    /// `GET /v2/event-types`.
    EventTypes,
    /// `GET /v2/slots`.
    Slots,
    /// `POST /v2/bookings`.
    CreateBooking,
    /// `GET /v2/bookings`.
    ListBookings,
    /// `GET /v2/bookings/{uid}`.
    GetBooking,
    /// `POST /v2/bookings/{uid}/cancel`.
    CancelBooking,
    /// `POST /v2/bookings/{uid}/reschedule`.
    RescheduleBooking,
}

impl Operation {
    /// Every operation, for table tests.
    pub const ALL: [Operation; 8] = [
        Operation::Me,
        Operation::EventTypes,
        Operation::Slots,
        Operation::CreateBooking,
        Operation::ListBookings,
        Operation::GetBooking,
        Operation::CancelBooking,
        Operation::RescheduleBooking,
    ];

    /// Stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Me => "me",
            Operation::EventTypes => "event_types",
            Operation::Slots => "slots",
            Operation::CreateBooking => "create_booking",
            Operation::ListBookings => "list_bookings",
            Operation::GetBooking => "get_booking",
            Operation::CancelBooking => "cancel_booking",
            Operation::RescheduleBooking => "reschedule_booking",
        }
    }

    /// What a 404 means for this call: the thing that was not found. `None`
    /// when the route itself should always exist, so a 404 means Cal.com
    /// (or the version header) is not what we expect.
    pub fn not_found_entity(self) -> Option<&'static str> {
        match self {
            Operation::Slots | Operation::CreateBooking => Some("event type"),
            Operation::GetBooking | Operation::CancelBooking | Operation::RescheduleBooking => {
                Some("booking")
            }
            Operation::Me | Operation::EventTypes | Operation::ListBookings => None,
        }
    }

    /// Whether the call takes a time slot. For these, Cal.com's 409 means the
    /// time is gone (NOTES §6), not a generic state conflict.
    pub fn claims_a_slot(self) -> bool {
        matches!(
            self,
            Operation::CreateBooking | Operation::RescheduleBooking
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
