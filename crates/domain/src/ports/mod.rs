//! What the domain needs from the outside world. Each port is a small
//! object-safe async trait, held as `Arc<dyn Port>` because the adapter is
//! chosen at run time (SQLite or Postgres, Redis or in-process, Cal.com or
//! the testkit).

mod appointments;
mod cache;
mod calendar;
mod calendar_directory;
mod clock;
mod connections;
mod idempotency;
mod repository;
mod saga_log;
mod slot_holds;
mod sync_state;
mod tenants;
mod webhook_events;
mod webhook_identities;

pub use appointments::AppointmentRepository;
pub use cache::CachePort;
pub use calendar::{CalendarAccount, CalendarPort};
pub use calendar_directory::CalendarDirectory;
pub use clock::{Clock, SystemClock};
pub use connections::ConnectionRepository;
pub use idempotency::{IdempotencyBegin, IdempotencyStore};
pub use repository::{BookingRepository, UpsertOutcome};
pub use saga_log::SagaLog;
pub use slot_holds::SlotHoldRepository;
pub use sync_state::SyncStateStore;
pub use tenants::TenantRepository;
pub use webhook_events::{WebhookEventStore, WebhookRecordOutcome};
pub use webhook_identities::WebhookIdentityStore;

#[cfg(any(test, feature = "mocks"))]
pub use appointments::MockAppointmentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use cache::MockCachePort;
#[cfg(any(test, feature = "mocks"))]
pub use calendar::MockCalendarPort;
#[cfg(any(test, feature = "mocks"))]
pub use calendar_directory::MockCalendarDirectory;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use connections::MockConnectionRepository;
#[cfg(any(test, feature = "mocks"))]
pub use idempotency::MockIdempotencyStore;
#[cfg(any(test, feature = "mocks"))]
pub use repository::MockBookingRepository;
#[cfg(any(test, feature = "mocks"))]
pub use saga_log::MockSagaLog;
#[cfg(any(test, feature = "mocks"))]
pub use slot_holds::MockSlotHoldRepository;
#[cfg(any(test, feature = "mocks"))]
pub use sync_state::MockSyncStateStore;
#[cfg(any(test, feature = "mocks"))]
pub use tenants::MockTenantRepository;
#[cfg(any(test, feature = "mocks"))]
pub use webhook_events::MockWebhookEventStore;
#[cfg(any(test, feature = "mocks"))]
pub use webhook_identities::MockWebhookIdentityStore;
