//! A hook between saga steps, so tests can stop a booking exactly after
//! any durable write, as a crash would, and check that recovery finishes.

use crate::error::Result;
use crate::models::SagaId;

/// Called after each durable write of a saga run, with a name for the
/// point reached (`hold`, `create:1`, `segment:1`, `confirm`, `cancel:0`,
/// `release`, ...). Returning an error stops the run on the spot: nothing
/// more is written and the lease is not handed back, like a crash.
pub trait SagaProbe: Send + Sync {
    /// Whether the run may go on past `point`.
    ///
    /// # Errors
    /// Any error stops the run (it is returned to the run's caller).
    fn reached(&self, saga: SagaId, point: &str) -> Result<()>;
}
