//! The server backend: PostgreSQL, for deployments with several api
//! instances. Connecting fails fast, so an unreachable server becomes a
//! typed "unavailable" error within seconds rather than a hang.

mod appointments;
mod bookings;
mod connections;
mod idempotency;
mod saga_log;
mod slot_holds;
mod tenants;
mod webhook_events;
mod webhook_identities;

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use calbridge_domain::TenantId;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgRow};
use sqlx::{PgConnection, PgPool, Postgres, Row, Transaction};

pub use self::connections::PgConnectionRepository;
use crate::crypto::Keyring;
use crate::database_url::{self, Backend};
use crate::error::StorageError;

/// The Postgres schema, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// How long to wait for a connection (to open, or to free up in the pool)
/// before reporting the store unavailable.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(3);

/// Pool size per api instance.
const MAX_CONNECTIONS: u32 = 10;

/// Every storage port on PostgreSQL: bookings, appointments, slot holds
/// (with the exclusion constraint), the saga log, idempotency keys and
/// webhook events (connections need a key ring: [`PgStore::connections`]).
#[derive(Clone)]
pub struct PgStore {
    pool: PgPool,
}

impl fmt::Debug for PgStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Deliberately nothing from the pool: its options hold the password.
        f.debug_struct("PgStore").finish_non_exhaustive()
    }
}

impl PgStore {
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

    /// The connection pool, for callers that need more than the ports
    /// (health details, tests, benchmarks).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The connection repository on the same database, sealing secrets
    /// with `keyring`.
    pub fn connections(&self, keyring: Keyring) -> PgConnectionRepository {
        PgConnectionRepository::new(self.pool.clone(), keyring)
    }

    /// A read-committed transaction; row locks and the exclusion
    /// constraint do the serialising.
    async fn transaction(
        &self,
        context: &str,
    ) -> Result<Transaction<'static, Postgres>, StorageError> {
        self.pool
            .begin()
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))
    }
}

/// Serialises transactions that may take the same hosts' time: a
/// transaction-scoped advisory lock per (tenant, host), taken in sorted
/// order so two multi-host writers cannot deadlock on them.
///
/// The exclusion constraint alone is the guarantee, but two transactions
/// inserting conflicting rows at once each find the other's uncommitted
/// row and wait for it: a deadlock Postgres breaks only after
/// `deadlock_timeout` (1 s), by failing one of them. With the lock, the
/// second writer waits for the first to commit and then fails the
/// constraint at once with SQLSTATE 23P01.
async fn lock_hosts(
    conn: &mut PgConnection,
    tenant: &TenantId,
    hosts: impl IntoIterator<Item = u64>,
    context: &str,
) -> Result<(), StorageError> {
    let mut keys: Vec<i64> = hosts
        .into_iter()
        .map(|host| host_lock_key(tenant, host))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    for key in keys {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(key)
            .execute(&mut *conn)
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))?;
    }
    Ok(())
}

/// A stable 64-bit key for a (tenant, host) pair (FNV-1a; a collision only
/// serialises two unrelated writers a little more).
fn host_lock_key(tenant: &TenantId, host: u64) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let host = host.to_be_bytes();
    let parts: [&[u8]; 4] = [
        b"calbridge:slot_holds:",
        tenant.as_str().as_bytes(),
        &[0],
        &host,
    ];
    let hash = parts
        .iter()
        .flat_map(|part| part.iter())
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    i64::from_ne_bytes(hash.to_ne_bytes())
}

/// Reads a column, naming what was being decoded on failure.
fn column<'r, T>(row: &'r PgRow, name: &str, context: &str) -> Result<T, StorageError>
where
    T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>,
{
    row.try_get(name)
        .map_err(|e| StorageError::from_sqlx(context, &e))
}
