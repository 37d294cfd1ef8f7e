//! The crate's one error type, and how sqlx errors are sorted into "the
//! store is unreachable, try later" and "the store answered, but no".
//!
//! Messages are plain strings built from sqlx errors, never the errors
//! themselves: connection errors are scrubbed of the URL's password before
//! they are stored, so neither `Display` nor `Debug` can leak it.

use calbridge_domain::{DomainError, Upstream};
use sqlx::error::DatabaseError;
use sqlx::migrate::MigrateError;

use crate::database_url;

/// Everything that can go wrong in the booking store.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The URL names a database calbridge cannot use.
    #[error(
        "unsupported database URL scheme {scheme:?}: use sqlite:<path>, postgres:// or postgresql://"
    )]
    UnsupportedScheme {
        /// The scheme found (empty when the URL has none).
        scheme: String,
    },
    /// The URL has a supported scheme but cannot be used as written.
    #[error("invalid database URL: {message}")]
    InvalidUrl {
        /// What is wrong (never the URL itself).
        message: String,
    },
    /// The directory for the SQLite file could not be created.
    #[error("cannot create the SQLite database directory: {message}")]
    DataDirectory {
        /// The file system's explanation.
        message: String,
    },
    /// The database could not be reached, timed out or is busy; retrying
    /// later may work.
    #[error("database unavailable: {message}")]
    Unavailable {
        /// What happened.
        message: String,
    },
    /// The schema could not be brought up to date.
    #[error("database migration failed: {message}")]
    Migration {
        /// What failed.
        message: String,
    },
    /// The database answered a query with an error.
    #[error("database query failed: {message}")]
    Query {
        /// The database's explanation.
        message: String,
    },
    /// A stored row does not decode into a booking (edited by hand, or
    /// written by an incompatible version).
    #[error("stored booking {uid:?} is unreadable: {message}")]
    CorruptRow {
        /// The row's uid as stored.
        uid: String,
        /// Which column is wrong and how.
        message: String,
    },
    /// The booking has a value the schema cannot hold.
    #[error("booking cannot be stored: {field} {message}")]
    Unstorable {
        /// The offending booking field.
        field: &'static str,
        /// Why it does not fit.
        message: String,
    },
}

impl StorageError {
    /// Sorts a sqlx error; `context` says what we were doing.
    pub(crate) fn from_sqlx(context: &str, error: &sqlx::Error) -> Self {
        if let sqlx::Error::Migrate(migrate) = error {
            return Self::from_migrate(migrate);
        }
        let message = match error {
            sqlx::Error::PoolTimedOut => {
                format!("{context}: no connection became available in time")
            }
            other => format!("{context}: {other}"),
        };
        if is_unavailable(error) {
            Self::Unavailable { message }
        } else {
            Self::Query { message }
        }
    }

    /// Sorts a migration error: a lost connection is still "unavailable".
    pub(crate) fn from_migrate(error: &MigrateError) -> Self {
        let message = error.to_string();
        match error {
            MigrateError::Execute(inner) | MigrateError::ExecuteMigration(inner, _)
                if is_unavailable(inner) =>
            {
                Self::Unavailable { message }
            }
            _ => Self::Migration { message },
        }
    }

    /// Removes the URL's password (raw and percent-decoded) and the URL
    /// itself from every message. Applied to everything `connect` returns,
    /// the only place a URL is in play.
    pub(crate) fn redacted(self, url: &str) -> Self {
        let clean = |message: String| database_url::redact(&message, url);
        match self {
            Self::UnsupportedScheme { scheme } => Self::UnsupportedScheme {
                scheme: clean(scheme),
            },
            Self::InvalidUrl { message } => Self::InvalidUrl {
                message: clean(message),
            },
            Self::DataDirectory { message } => Self::DataDirectory {
                message: clean(message),
            },
            Self::Unavailable { message } => Self::Unavailable {
                message: clean(message),
            },
            Self::Migration { message } => Self::Migration {
                message: clean(message),
            },
            Self::Query { message } => Self::Query {
                message: clean(message),
            },
            Self::CorruptRow { uid, message } => Self::CorruptRow {
                uid,
                message: clean(message),
            },
            Self::Unstorable { field, message } => Self::Unstorable {
                field,
                message: clean(message),
            },
        }
    }
}

/// Whether a sqlx error means the store could not be reached or was too
/// busy, as opposed to the store refusing what we asked.
fn is_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => is_transient_database_error(db.as_ref()),
        _ => false,
    }
}

/// Database errors that go away by themselves: connection loss, shutdown,
/// overload, lock contention.
fn is_transient_database_error(db: &dyn DatabaseError) -> bool {
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        let code = pg.code();
        return code.starts_with("08") // connection_exception class
            || matches!(
                code,
                "40001" // serialization_failure
                | "40P01" // deadlock_detected
                | "53300" // too_many_connections
                | "55P03" // lock_not_available
                | "57P01" // admin_shutdown
                | "57P02" // crash_shutdown
                | "57P03" // cannot_connect_now
            );
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        // Primary result code = low byte of the extended code.
        let primary = db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .map(|c| c & 0xff);
        return matches!(
            primary,
            Some(
                5 // SQLITE_BUSY
                | 6 // SQLITE_LOCKED
                | 10 // SQLITE_IOERR
                | 14 // SQLITE_CANTOPEN
            )
        );
    }
    false
}

impl From<StorageError> for DomainError {
    fn from(error: StorageError) -> Self {
        let message = error.to_string();
        match error {
            StorageError::Unavailable { .. } => DomainError::Unavailable {
                upstream: Upstream::Storage,
                message,
            },
            _ => DomainError::UpstreamFailed {
                upstream: Upstream::Storage,
                message,
            },
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn lost_connections_are_unavailable() {
        let io = sqlx::Error::Io(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            "refused",
        ));
        for error in [io, sqlx::Error::PoolTimedOut, sqlx::Error::PoolClosed] {
            let storage = StorageError::from_sqlx("doing things", &error);
            assert!(
                matches!(storage, StorageError::Unavailable { .. }),
                "{error:?} -> {storage:?}"
            );
            assert!(matches!(
                DomainError::from(storage),
                DomainError::Unavailable {
                    upstream: Upstream::Storage,
                    ..
                }
            ));
        }
    }

    #[test]
    fn refusals_are_upstream_failures() {
        let storage = StorageError::from_sqlx("reading", &sqlx::Error::RowNotFound);
        assert!(matches!(storage, StorageError::Query { .. }));
        assert!(
            storage
                .to_string()
                .starts_with("database query failed: reading:")
        );
        assert!(matches!(
            DomainError::from(storage),
            DomainError::UpstreamFailed {
                upstream: Upstream::Storage,
                ..
            }
        ));
        let bad = StorageError::UnsupportedScheme {
            scheme: "mysql".into(),
        };
        assert!(matches!(
            DomainError::from(bad),
            DomainError::UpstreamFailed { .. }
        ));
    }

    #[test]
    fn a_lost_connection_during_migration_is_unavailable() {
        let error = MigrateError::Execute(sqlx::Error::PoolTimedOut);
        assert!(matches!(
            StorageError::from_migrate(&error),
            StorageError::Unavailable { .. }
        ));
        let error = MigrateError::VersionMissing(3);
        assert!(matches!(
            StorageError::from_migrate(&error),
            StorageError::Migration { .. }
        ));
    }

    #[test]
    fn redaction_reaches_every_message() {
        let url = "postgres://user:hunter2@db.example.com/app";
        let error = StorageError::Unavailable {
            message: "saw hunter2 in postgres://user:hunter2@db.example.com/app".into(),
        }
        .redacted(url);
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }
}
