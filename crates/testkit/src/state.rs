//! Shared server state: the config, the static catalog and the booking
//! store. Cheap to clone (one `Arc`).
//!
//! The store sits behind a `std::sync::Mutex`, never held across an
//! `.await`: every handler does its check-then-write synchronously inside
//! [`AppState::with_store`]. A poisoned lock is recovered rather than
//! propagated (a panicking test thread must not take the server down).

use std::sync::{Arc, Mutex, PoisonError};

use chrono::{DateTime, SubsecRound, Utc};

use crate::bookings::MockBooking;
use crate::bookings::store::Store;
use crate::config::MockConfig;
use crate::demo_data::Catalog;

/// Handle on everything a request handler needs.
#[derive(Clone)]
pub(crate) struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    config: MockConfig,
    catalog: Catalog,
    store: Mutex<Store>,
}

impl AppState {
    /// Fresh state: no bookings, the demo catalog in the configured zone.
    pub(crate) fn new(config: MockConfig) -> Self {
        let catalog = Catalog::demo(config.time_zone);
        Self {
            inner: Arc::new(Inner {
                config,
                catalog,
                store: Mutex::new(Store::default()),
            }),
        }
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
