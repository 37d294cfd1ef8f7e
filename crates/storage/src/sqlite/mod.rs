//! The embedded backend: one SQLite file (WAL, so readers never wait for
//! the writer), created with its directory on first use.

mod bookings;

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::SqlitePool;
use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::database_url::{self, Backend};
use crate::error::StorageError;

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

/// [`BookingRepository`](calbridge_domain::ports::BookingRepository) on a
/// SQLite file: the zero-setup default.
#[derive(Clone)]
pub struct SqliteBookingRepository {
    pool: SqlitePool,
}

impl fmt::Debug for SqliteBookingRepository {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteBookingRepository")
            .finish_non_exhaustive()
    }
}

impl SqliteBookingRepository {
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

    /// The connection pool, for callers that need more than the port
    /// (health details, tests, later migrations of other tables).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
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
fn to_micros(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp_micros()
}

/// The instant a stored microsecond count stands for.
fn from_micros(
    uid: &str,
    column: &str,
    micros: i64,
) -> Result<chrono::DateTime<chrono::Utc>, StorageError> {
    chrono::DateTime::from_timestamp_micros(micros).ok_or_else(|| StorageError::CorruptRow {
        uid: uid.to_owned(),
        message: format!("{column}: {micros} is out of range"),
    })
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
        assert!(to_micros(early) < to_micros(late));
        assert_eq!(from_micros("u", "start_at", to_micros(late)).unwrap(), late);
        assert!(matches!(
            from_micros("u", "start_at", i64::MAX),
            Err(StorageError::CorruptRow { .. })
        ));
    }
}
