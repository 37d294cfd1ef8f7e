//! Shared server state: the config, the static catalog and the booking
//! store. Cheap to clone (one `Arc`).
//!
//! The store sits behind a `std::sync::Mutex`, never held across an
//! `.await`: every handler does its check-then-write synchronously inside
//! [`AppState::with_store`]. A poisoned lock is recovered rather than
//! propagated (a panicking test thread must not take the server down).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SubsecRound, Utc};

use crate::bookings::MockBooking;
use crate::bookings::store::Store;
use crate::config::MockConfig;
use crate::demo_data::Catalog;
use crate::faults::{Faults, SharedFaults};
use crate::journal::SharedJournal;
use crate::rate_limit::Limiter;
use crate::webhooks::Hub;
use crate::webhooks::payload::Extra;

/// Handle on everything a request handler needs.
#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: MockConfig,
    catalog: Catalog,
    store: Mutex<Store>,
    hub: Hub,
    faults: SharedFaults,
    journal: SharedJournal,
    limiter: Limiter,
    v1_gone: AtomicBool,
    closed: tokio::sync::watch::Sender<bool>,
}

impl AppState {
    /// Fresh state: no bookings, the demo catalog in the configured zone.
    pub(crate) fn new(config: MockConfig) -> Self {
        let catalog = Catalog::demo(config.time_zone, &config.date_overrides);
        Self {
            inner: Arc::new(Inner {
                limiter: Limiter::new(config.rate_limit),
                v1_gone: AtomicBool::new(config.v1_gone),
                config,
                catalog,
                store: Mutex::new(Store::default()),
                hub: Hub::new(),
                faults: SharedFaults::default(),
                journal: SharedJournal::default(),
                closed: tokio::sync::watch::channel(false).0,
            }),
        }
    }

    /// Marks the server as stopped: requests held by a `hang` fault end.
    pub(crate) fn close(&self) {
        self.inner.closed.send_replace(true);
    }

    /// Resolves once the server is stopped.
    pub(crate) async fn closed(&self) {
        let mut rx = self.inner.closed.subscribe();
        // An error means the sender is gone, which also means stopped.
        let _ = rx.wait_for(|closed| *closed).await;
    }

    /// Webhook subscriptions and deliveries.
    pub(crate) fn hub(&self) -> &Hub {
        &self.inner.hub
    }

    /// The fault table.
    pub(crate) fn faults(&self) -> Faults {
        Faults::new(self.inner.faults.clone())
    }

    /// The request journal.
    pub(crate) fn journal(&self) -> &SharedJournal {
        &self.inner.journal
    }

    /// The throttler.
    pub(crate) fn limiter(&self) -> &Limiter {
        &self.inner.limiter
    }

    /// Whether API v1 has been shut down.
    pub(crate) fn v1_gone(&self) -> bool {
        self.inner.v1_gone.load(Ordering::Relaxed)
    }

    /// Shuts API v1 down (or brings it back).
    pub(crate) fn set_v1_gone(&self, gone: bool) {
        self.inner.v1_gone.store(gone, Ordering::Relaxed);
    }

    /// Tells webhook subscribers about a booking change.
    pub(crate) fn notify(&self, trigger: &str, booking: &MockBooking, extra: &Extra) {
        self.inner
            .hub
            .booking_event(trigger, booking, &self.inner.catalog, extra);
    }

    /// The server's configuration.
    pub(crate) fn config(&self) -> &MockConfig {
        &self.inner.config
    }

    /// User, schedule and event types.
    pub(crate) fn catalog(&self) -> &Catalog {
        &self.inner.catalog
    }

    /// Runs `f` with exclusive access to the store.
    pub(crate) fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        let mut guard = self
            .inner
            .store
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// A copy of every booking, oldest first.
    pub(crate) fn bookings(&self) -> Vec<MockBooking> {
        self.with_store(|s| s.all().to_vec())
    }

    /// Wall-clock now at JS `Date` precision (milliseconds), so stored
    /// times round-trip exactly through the API.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(3)
    }
}
