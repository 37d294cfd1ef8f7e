//! What the domain needs from the outside world. Each port is a small
//! object-safe async trait, held as `Arc<dyn Port>` because the adapter is
//! chosen at run time (SQLite or Postgres, Redis or in-process, Cal.com or
//! the testkit).

mod cache;
mod calendar;
mod clock;
mod repository;

pub use cache::CachePort;
pub use calendar::{CalendarAccount, CalendarPort};
pub use clock::{Clock, SystemClock};
pub use repository::{BookingRepository, UpsertOutcome};

#[cfg(any(test, feature = "mocks"))]
pub use cache::MockCachePort;
#[cfg(any(test, feature = "mocks"))]
pub use calendar::MockCalendarPort;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use repository::MockBookingRepository;
