//! The embedded backend: one SQLite file (WAL, so readers never wait for
//! the writer), created with its directory on first use.
//!
//! SQLite runs one writer at a time. Every multi-statement write starts
//! with `BEGIN IMMEDIATE`, which takes the write lock up front: the checks
//! it makes (overlaps, leases) cannot be invalidated before it commits, and
//! a waiting writer queues on the busy timeout instead of failing with a
//! stale snapshot.

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
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::migrate::Migrator;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteRow, SqliteSynchronous,
};
use sqlx::{Row, Sqlite, SqlitePool, Transaction};

pub use self::connections::SqliteConnectionRepository;
use crate::crypto::Keyring;
use crate::database_url::{self, Backend};
use crate::error::StorageError;
use crate::rows::RowContext;

/// The SQLite schema, compiled into the binary.
static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// How long a statement waits for another connection's write lock before
/// failing as unavailable.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a caller waits for a free pooled connection.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Connections per file: WAL lets readers run in parallel; writes still
/// take turns.
const MAX_CONNECTIONS: u32 = 4;

/// Every storage port on a SQLite file, the zero-setup default: bookings,
/// appointments, slot holds, the saga log, idempotency keys and webhook
/// events (connections need a key ring: [`SqliteStore::connections`]).
#[derive(Clone)]
pub struct SqliteStore {
    pool: SqlitePool,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (creating the file and its parent directory if missing) the
    /// database at a `sqlite:` URL such as `sqlite://./data/calbridge.db`,
    /// or `sqlite::memory:` for a private in-memory store, and brings its
    /// schema up to date.
    ///
    /// # Errors
    /// [`StorageError::UnsupportedScheme`] / [`StorageError::InvalidUrl`]
    /// for a URL that is not a usable `sqlite:` URL,
    /// [`StorageError::DataDirectory`] when the directory cannot be created,
    /// [`StorageError::Unavailable`] or [`StorageError::Migration`] when the
    /// file cannot be opened or migrated.
    pub async fn connect(url: &str) -> Result<Self, StorageError> {
        Self::open(url).await.map_err(|e| e.redacted(url))
    }

    async fn open(url: &str) -> Result<Self, StorageError> {
        if database_url::backend_of(url)? != Backend::Sqlite {
            return Err(StorageError::InvalidUrl {
                message: "expected a sqlite: URL".to_owned(),
            });
        }
        let in_memory = is_in_memory(url);
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StorageError::InvalidUrl {
                message: e.to_string(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        let pool_options = SqlitePoolOptions::new().acquire_timeout(ACQUIRE_TIMEOUT);
        let pool_options = if in_memory {
            // An in-memory database lives as long as its last connection:
            // keep exactly one, forever.
            pool_options
                .max_connections(1)
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            if options.get_filename().as_os_str().is_empty() {
                return Err(StorageError::InvalidUrl {
                    message: "a sqlite URL needs a file path, e.g. sqlite://./data/calbridge.db (or sqlite::memory:)".to_owned(),
                });
            }
            create_parent_dir(options.get_filename()).await?;
            pool_options.max_connections(MAX_CONNECTIONS)
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(|e| StorageError::from_sqlx("opening the SQLite database", &e))?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StorageError::from_migrate(&e))?;
        Ok(Self { pool })
    }

    /// The connection pool, for callers that need more than the ports
    /// (health details, tests, benchmarks).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The connection repository on the same database, sealing secrets
    /// with `keyring`.
    pub fn connections(&self, keyring: Keyring) -> SqliteConnectionRepository {
        SqliteConnectionRepository::new(self.pool.clone(), keyring)
    }

    /// A write transaction holding SQLite's write lock from its first
    /// statement on.
    async fn write_transaction(
        &self,
        context: &str,
    ) -> Result<Transaction<'static, Sqlite>, StorageError> {
        self.pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map_err(|e| StorageError::from_sqlx(context, &e))
    }
}

/// Whether a `sqlite:` URL names an in-memory database (`:memory:` or
/// `mode=memory`), which has no file and no directory to create.
fn is_in_memory(url: &str) -> bool {
    let rest = url.get("sqlite:".len()..).unwrap_or_default();
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let (database, params) = rest.split_once('?').unwrap_or((rest, ""));
    database == ":memory:" || params.split('&').any(|p| p == "mode=memory")
}

/// Creates the directory the database file goes in, if there is one.
async fn create_parent_dir(file: &Path) -> Result<(), StorageError> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || std::fs::create_dir_all(&dir))
        .await
        .map_err(|e| StorageError::DataDirectory {
            message: e.to_string(),
        })?
        .map_err(|e| StorageError::DataDirectory {
            message: e.to_string(),
        })
}

/// Instants are stored as microseconds since the Unix epoch (see the
/// migration for why).
fn to_micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// The instant a stored microsecond count stands for.
fn from_micros(row: &RowContext, column: &str, micros: i64) -> Result<DateTime<Utc>, StorageError> {
    DateTime::from_timestamp_micros(micros)
        .ok_or_else(|| row.corrupt(column, format!("{micros} is out of range")))
}

/// Typed column reads for SQLite rows: instants from microseconds, uuids
/// from text, errors naming the row.
struct Columns<'r> {
    row: &'r SqliteRow,
    context: RowContext,
}

impl<'r> Columns<'r> {
    fn new(row: &'r SqliteRow, context: RowContext) -> Self {
        Self { row, context }
    }

    fn get<T>(&self, column: &str) -> Result<T, StorageError>
    where
        T: sqlx::Decode<'r, Sqlite> + sqlx::Type<Sqlite>,
    {
        self.row
            .try_get(column)
            .map_err(|e| StorageError::from_sqlx("decoding a row", &e))
    }

    fn instant(&self, column: &str) -> Result<DateTime<Utc>, StorageError> {
        from_micros(&self.context, column, self.get(column)?)
    }

    fn opt_instant(&self, column: &str) -> Result<Option<DateTime<Utc>>, StorageError> {
        self.get::<Option<i64>>(column)?
            .map(|m| from_micros(&self.context, column, m))
            .transpose()
    }

    fn uuid(&self, column: &str) -> Result<uuid::Uuid, StorageError> {
        self.context.uuid(column, &self.get::<String>(column)?)
    }

    fn opt_uuid(&self, column: &str) -> Result<Option<uuid::Uuid>, StorageError> {
        self.get::<Option<String>>(column)?
            .map(|t| self.context.uuid(column, &t))
            .transpose()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn memory_urls_are_recognised() {
        assert!(is_in_memory("sqlite::memory:"));
        assert!(is_in_memory("sqlite://:memory:"));
        assert!(is_in_memory("sqlite://?mode=memory&cache=shared"));
        assert!(!is_in_memory("sqlite://./data/calbridge.db"));
        assert!(!is_in_memory("sqlite:memory.db?mode=rwc"));
    }

    #[test]
    fn micros_round_trip_and_sort_as_instants() {
        let early = chrono::DateTime::from_timestamp_millis(-1_000).unwrap();
        let late = chrono::DateTime::from_timestamp_millis(1_930_899_600_123).unwrap();
        let row = RowContext::new("bookings", "u");
        assert!(to_micros(early) < to_micros(late));
        assert_eq!(
            from_micros(&row, "start_at", to_micros(late)).unwrap(),
            late
        );
        assert!(matches!(
            from_micros(&row, "start_at", i64::MAX),
            Err(StorageError::CorruptRow { .. })
        ));
    }
}
