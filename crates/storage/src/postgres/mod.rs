//! The server backend: PostgreSQL, for deployments with several api
//! instances. Connecting fails fast, so an unreachable server becomes a
//! typed "unavailable" error within seconds rather than a hang.

mod bookings;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::database_url::{self, Backend};
use crate::error::StorageError;

/// The Postgres schema, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long to wait for a connection (to open, or to free up in the pool)
/// before reporting the store unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Pool size per api instance.
const MAX_CONNECTIONS: u32 = 10;

/// [`BookingRepository`](calbridge_domain::ports::BookingRepository) on
/// PostgreSQL.
#[derive(Clone)]
pub struct PgBookingRepository {
    pool: PgPool,
}

impl fmt::Debug for PgBookingRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deliberately nothing from the pool: its options hold the password.
        f.debug_struct("PgBookingRepository")
            .finish_non_exhaustive()
    }
}

impl PgBookingRepository {
    /// Connects to a `postgres://` or `postgresql://` URL and brings the
    /// schema up to date (migrations are serialised by an advisory lock, so
    /// several instances may start at once).
    ///
    /// # Errors
    /// [`StorageError::UnsupportedScheme`] / [`StorageError::InvalidUrl`]
    /// for a URL that is not a usable Postgres URL,
    /// [`StorageError::Unavailable`] when the server cannot be reached
    /// within a few seconds, [`StorageError::Query`] or
    /// [`StorageError::Migration`] when it refuses. Messages never contain
    /// the URL or its password.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::open(url).await.map_err(|e| e.redacted(url))
    }

    async fn open(url: &str) -> Result<Self, StorageError> {
        if database_url::backend_of(url)? != Backend::Postgres {
            return Err(StorageError::InvalidUrl {
                message: "expected a postgres:// or postgresql:// URL".to_owned(),
            });
        }
        let options = PgConnectOptions::from_str(url).map_err(|e| StorageError::InvalidUrl {
            message: e.to_string(),
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(MAX_CONNECTIONS)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .connect_with(options)
            .await
            .map_err(|e| StorageError::from_sqlx("connecting to PostgreSQL", &e))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StorageError::from_migrate(&e))?;
        Ok(Self { pool })
    }

    /// The connection pool, for callers that need more than the port
    /// (health details, tests, later migrations of other tables).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }
}
