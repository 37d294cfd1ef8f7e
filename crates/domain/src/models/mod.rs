//! The things calbridge talks about. All times are `DateTime<Utc>`; time
//! zones only appear where a human's zone matters (attendees, slot queries).

mod appointment;
mod appointment_record;
mod attendee;
mod booking;
mod connection;
mod event_type;
mod idempotency;
mod saga;
mod slot;
mod slot_hold;
mod tenant;
mod webhook_event;

pub use appointment::Appointment;
pub use appointment_record::{
    AppointmentRecord, AppointmentStatus, SegmentPlan, SegmentRecord, SegmentStatus,
};
pub use attendee::{Attendee, Email};
pub use booking::{Booking, BookingFilter, BookingSource, BookingStatus, Host};
pub use connection::Connection;
pub use event_type::{EventType, OWN_ACCOUNT_HOST, Scheduling};
pub use idempotency::{IdempotencyKey, StoredResponse};
pub use saga::{
    LeasedSaga, NewSaga, SagaId, SagaLease, SagaRecord, SagaStatus, SagaStep, StepStatus,
};
pub use slot::{Slot, SlotQuery};
pub use slot_hold::{HoldStatus, NewSlotHold, SlotHold, SlotHoldId};
pub use tenant::{ApiTokenRecord, SyncCursor, WebhookEndpoint};
pub use webhook_event::{NewWebhookEvent, WebhookEvent, WebhookEventId};
