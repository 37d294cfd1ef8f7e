//! calbridge's core: what a booking is, what the outside world must provide
//! (ports), and the use cases that combine them.
//!
//! This crate does no I/O. Adapters (`calbridge-calcom`, `calbridge-storage`,
//! `calbridge-cache`) implement the traits in [`ports`]; the api crate wires
//! them into a [`usecases::BookingService`].

#[cfg(feature = "conformance")]
pub mod conformance;
pub mod error;
pub mod ids;
pub mod models;
pub mod ports;
pub mod saga;
pub mod usecases;

pub use error::{DomainError, Result, Upstream};
pub use ids::{AppointmentId, BookingUid, EventTypeId, TenantId};
pub use models::{
    Appointment, AppointmentRecord, AppointmentStatus, Attendee, Booking, BookingFilter,
    BookingSource, BookingStatus, Connection, Email, EventType, HoldStatus, Host, IdempotencyKey,
    LeasedSaga, NewSaga, NewSlotHold, NewWebhookEvent, SagaId, SagaLease, SagaRecord, SagaStatus,
    SagaStep, Scheduling, SegmentPlan, SegmentRecord, SegmentStatus, Slot, SlotHold, SlotHoldId,
    SlotQuery, StepStatus, StoredResponse, WebhookEvent, WebhookEventId,
};
