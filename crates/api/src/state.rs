//! What every handler can reach: the ports, and a way to get the booking
//! use cases for the tenant a request acts for.

use std::sync::Arc;

use calbridge_domain::ports::{
    BookingRepository, CachePort, CalendarDirectory, CalendarPort, Clock,
};
use calbridge_domain::usecases::{BookingService, LocalHolds};
use calbridge_domain::{DomainError, TenantId};
use serde::Serialize;

/// Whether calbridge talks to real Cal.com or to its built-in mock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    /// No API key: the in-process testkit plays Cal.com.
    Demo,
    /// A real Cal.com (or whatever `CALCOM_BASE_URL` points at).
    Live,
}

/// Shared, cheap-to-clone handler state.
#[derive(Clone)]
pub struct AppState {
    /// Each tenant's calendar.
    pub directory: Arc<dyn CalendarDirectory>,
    /// The tenant configured for this instance (and its calendar, which
    /// the health check probes).
    pub default_tenant: TenantId,
    /// The default tenant's calendar, for health checks.
    pub calendar: Arc<dyn CalendarPort>,
    /// The local copy of bookings.
    pub repository: Arc<dyn BookingRepository>,
    /// The cache.
    pub cache: Arc<dyn CachePort>,
    /// Wall-clock time.
    pub clock: Arc<dyn Clock>,
    /// Demo or live.
    pub mode: Mode,
    /// Every storage port (appointments, sagas, idempotency, connections, ...).
    pub storage: calbridge_storage::Storage,
    /// Tenants' Cal.com clients, built from their stored connections (the
    /// same object as `directory`, with the Cal.com-specific calls).
    pub calcom: Arc<crate::tenancy::ConnectionDirectory>,
    /// Demo mode only: the demo tenant's token, served at `GET /api/demo/token`.
    pub demo_token: Option<secrecy::SecretString>,
    /// The saga worker's poll interval, lease and backoff; the engine the
    /// routes build uses the same lease and backoff as the worker.
    pub saga_worker: crate::settings::SagaWorkerSettings,
    /// Bearer tokens verified in the last few seconds.
    pub tokens: crate::auth::TokenCache,
}

impl AppState {
    /// The booking use cases for `tenant`, on that tenant's calendar.
    ///
    /// # Errors
    /// `NotFound { entity: "connection" }` when the tenant has no Cal.com connection.
    pub async fn bookings_for(&self, tenant: &TenantId) -> Result<BookingService, DomainError> {
        let calendar = self.directory.calendar_for(tenant).await?;
        Ok(BookingService::new(
            tenant.clone(),
            calendar,
            self.repository.clone(),
            self.cache.clone(),
            self.clock.clone(),
        )
        .with_local_holds(LocalHolds {
            appointments: self.storage.appointments.clone(),
            holds: self.storage.slot_holds.clone(),
        }))
    }
}
