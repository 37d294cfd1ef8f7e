//! calbridge's durable store: everything calbridge must not lose, behind
//! the domain's ports, on SQLite (the embedded default: one file, no
//! server) or PostgreSQL (for several api instances), chosen by the
//! database URL at run time.
//!
//! - bookings (the local copy of Cal.com's), appointments and their
//!   segments, slot holds, the saga log, idempotency keys, webhook events,
//!   and connections (Cal.com API keys and webhook secrets, AES-256-GCM
//!   encrypted under a versioned [`Keyring`]);
//! - no double booking at the database: active slot holds of one host
//!   never overlap (a `btree_gist` exclusion constraint on Postgres, a
//!   trigger inside SQLite's single-writer transactions), reported as
//!   `DomainError::SlotUnavailable`;
//! - an unreachable database is `DomainError::Unavailable { Storage }`;
//!   multi-row writes are single transactions.
//!
//! Both backends share one schema shape and one row mapping and pass the
//! same conformance suites, so the rest of calbridge cannot tell them
//! apart. Schemas are embedded migrations, applied on connect.

mod crypto;
mod database_url;
mod error;
mod postgres;
mod rows;
mod sqlite;

use std::fmt;
use std::sync::Arc;

use calbridge_domain::ports::{
    AppointmentRepository, BookingRepository, ConnectionRepository, IdempotencyStore, SagaLog,
    SlotHoldRepository, SyncStateStore, TenantRepository, WebhookEventStore, WebhookIdentityStore,
};

pub use crate::crypto::{Keyring, MasterKey};
use crate::database_url::Backend;
pub use crate::error::StorageError;
pub use crate::postgres::{PgConnectionRepository, PgStore};
pub use crate::sqlite::{SqliteConnectionRepository, SqliteStore};

/// Opens the store a URL names, brings its schema up to date and returns
/// its booking repository: `sqlite:<path>` (e.g.
/// `sqlite://./data/calbridge.db`, `sqlite::memory:`) or `postgres://…` /
/// `postgresql://…`. [`open`] gives every port.
///
/// # Errors
/// [`StorageError::UnsupportedScheme`] for any other URL; otherwise as
/// [`SqliteStore::connect`] / [`PgStore::connect`]. Messages never contain
/// the URL or its password.
pub async fn connect(database_url: &str) -> Result<Arc<dyn BookingRepository>, StorageError> {
    let backend = database_url::backend_of(database_url).map_err(|e| e.redacted(database_url))?;
    Ok(match backend {
        Backend::Sqlite => Arc::new(SqliteStore::connect(database_url).await?),
        Backend::Postgres => Arc::new(PgStore::connect(database_url).await?),
    })
}

/// Brings the schema of the store a URL names up to date, then closes the
/// connections: for a deploy step that migrates before starting the api.
///
/// # Errors
/// As [`connect`].
pub async fn migrate(database_url: &str) -> Result<(), StorageError> {
    let backend = database_url::backend_of(database_url).map_err(|e| e.redacted(database_url))?;
    match backend {
        Backend::Sqlite => {
            SqliteStore::connect(database_url)
                .await?
                .pool()
                .close()
                .await
        }
        Backend::Postgres => PgStore::connect(database_url).await?.pool().close().await,
    }
    Ok(())
}

/// Every port of the store, on one database, as shareable trait objects.
#[derive(Clone)]
pub struct Storage {
    /// The local copy of Cal.com bookings.
    pub bookings: Arc<dyn BookingRepository>,
    /// Composite appointments and their segments.
    pub appointments: Arc<dyn AppointmentRepository>,
    /// Holds on hosts' time (the no-overlap guarantee).
    pub slot_holds: Arc<dyn SlotHoldRepository>,
    /// The durable saga log.
    pub saga_log: Arc<dyn SagaLog>,
    /// Idempotency keys.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Received webhook deliveries.
    pub webhook_events: Arc<dyn WebhookEventStore>,
    /// Tenants' Cal.com connections (secrets encrypted).
    pub connections: Arc<dyn ConnectionRepository>,
    /// Tenants, their hashed API tokens and webhook endpoints.
    pub tenants: Arc<dyn TenantRepository>,
    /// Incremental sync cursors and leases.
    pub sync_state: Arc<dyn SyncStateStore>,
    /// Identities of processed webhook events (dedupe beyond the raw body).
    pub webhook_identities: Arc<dyn WebhookIdentityStore>,
    backend: OpenBackend,
}

/// The concrete stores behind [`Storage`], for what the ports do not cover.
#[derive(Clone)]
enum OpenBackend {
    Sqlite(SqliteStore, SqliteConnectionRepository),
    Postgres(PgStore, PgConnectionRepository),
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let backend = match self.backend {
            OpenBackend::Sqlite(..) => "sqlite",
            OpenBackend::Postgres(..) => "postgres",
        };
        f.debug_struct("Storage")
            .field("backend", &backend)
            .finish_non_exhaustive()
    }
}

impl Storage {
    /// Re-seals every connection still sealed with an older master key
    /// version; returns how many were rewritten. Run it after adding a new
    /// key version and before removing the old one.
    ///
    /// # Errors
    /// [`StorageError::Crypto`] when a row needs a key version the ring
    /// lacks; [`StorageError::Unavailable`] when the database is unreachable.
    pub async fn reencrypt_connections(&self) -> Result<u64, StorageError> {
        match &self.backend {
            OpenBackend::Sqlite(_, connections) => connections.reencrypt_all().await,
            OpenBackend::Postgres(_, connections) => connections.reencrypt_all().await,
        }
    }

    /// Closes the pool; later calls fail as unavailable.
    pub async fn close(&self) {
        match &self.backend {
            OpenBackend::Sqlite(store, _) => store.pool().close().await,
            OpenBackend::Postgres(store, _) => store.pool().close().await,
        }
    }
}

/// Opens the store a URL names (as [`connect`]) with every port;
/// connections are sealed with `keyring`.
///
/// # Errors
/// As [`connect`].
pub async fn open(database_url: &str, keyring: Keyring) -> Result<Storage, StorageError> {
    let backend = database_url::backend_of(database_url).map_err(|e| e.redacted(database_url))?;
    Ok(match backend {
        Backend::Sqlite => {
            let store = SqliteStore::connect(database_url).await?;
            let connections = store.connections(keyring);
            let shared = Arc::new(store.clone());
            Storage {
                bookings: shared.clone(),
                appointments: shared.clone(),
                slot_holds: shared.clone(),
                saga_log: shared.clone(),
                idempotency: shared.clone(),
                webhook_events: shared.clone(),
                tenants: shared.clone(),
                sync_state: shared.clone(),
                webhook_identities: shared,
                connections: Arc::new(connections.clone()),
                backend: OpenBackend::Sqlite(store, connections),
            }
        }
        Backend::Postgres => {
            let store = PgStore::connect(database_url).await?;
            let connections = store.connections(keyring);
            let shared = Arc::new(store.clone());
            Storage {
                bookings: shared.clone(),
                appointments: shared.clone(),
                slot_holds: shared.clone(),
                saga_log: shared.clone(),
                idempotency: shared.clone(),
                webhook_events: shared.clone(),
                tenants: shared.clone(),
                sync_state: shared.clone(),
                webhook_identities: shared,
                connections: Arc::new(connections.clone()),
                backend: OpenBackend::Postgres(store, connections),
            }
        }
    })
}
