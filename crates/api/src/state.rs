//! What every handler can reach: the use cases and the ports behind them
//! (health checks talk to the ports directly).

use std::sync::Arc;

use calbridge_domain::ports::{BookingRepository, CachePort, CalendarPort};
use calbridge_domain::usecases::BookingService;
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
    /// The booking use cases for this instance's tenant.
    pub bookings: BookingService,
    /// Cal.com, for health checks.
    pub calendar: Arc<dyn CalendarPort>,
    /// The store, for health checks.
    pub repository: Arc<dyn BookingRepository>,
    /// The cache, for health checks.
    pub cache: Arc<dyn CachePort>,
    /// Demo or live.
    pub mode: Mode,
    /// Every storage port (appointments, sagas, idempotency, connections, ...).
    pub storage: calbridge_storage::Storage,
}
