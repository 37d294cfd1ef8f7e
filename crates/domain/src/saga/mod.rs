//! The booking saga: how a composite appointment (one or more segments,
//! each a Cal.com booking) is booked all-or-nothing and survives crashes.
//!
//! Every step and its result is written to the [`crate::ports::SagaLog`]
//! before the next step runs; whoever holds the saga's lease drives it,
//! forward (hold → create each segment → confirm) or backward (cancel the
//! created bookings in reverse order, release the holds). A create whose
//! answer was lost is looked up by its correlation id before deciding.

mod engine;
mod failure;
mod plan;
mod probe;
mod retry;

pub use engine::{SagaEngine, SagaOutcome};
pub use plan::{BookingPlan, PlannedSegment, SEGMENT_METADATA_KEY};
pub use probe::SagaProbe;
pub use retry::RetryPolicy;

/// The saga kind of composite bookings; workers claim sagas of this kind.
pub const COMPOSITE_BOOKING_KIND: &str = "composite_booking";
