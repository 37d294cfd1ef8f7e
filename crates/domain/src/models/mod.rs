//! The things calbridge talks about. All times are `DateTime<Utc>`; time
//! zones only appear where a human's zone matters (attendees, slot queries).

mod appointment;
mod attendee;
mod booking;
mod event_type;
mod slot;

pub use appointment::Appointment;
pub use attendee::{Attendee, Email};
pub use booking::{Booking, BookingFilter, BookingSource, BookingStatus, Host};
pub use event_type::EventType;
pub use slot::{Slot, SlotQuery};
