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

/// Everything that can go wrong in the store.
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
    /// A stored row does not decode into its domain type (edited by hand,
    /// or written by an incompatible version).
    #[error("stored {table} row {key:?} is unreadable: {message}")]
    CorruptRow {
        /// The table it is in.
        table: &'static str,
        /// The row's key as stored.
        key: String,
        /// Which column is wrong and how.
        message: String,
    },
    /// A value does not fit the schema.
    #[error("value cannot be stored: {field} {message}")]
    Unstorable {
        /// The offending field.
        field: &'static str,
        /// Why it does not fit.
        message: String,
    },
    /// The time is taken: an active hold of the same host overlaps
    /// (Postgres exclusion constraint, SQLSTATE 23P01, or the SQLite
    /// trigger that stands in for it).
    #[error("slot unavailable: {message}")]
    Overlap {
        /// What overlapped.
        message: String,
    },
    /// The write conflicts with what is stored: a duplicate id, a lost
    /// saga lease, a state change that is not allowed.
    #[error("conflict: {message}")]
    Conflict {
        /// What conflicts.
        message: String,
    },
    /// The row to change does not exist.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What kind of row ("slot hold", "saga").
        entity: &'static str,
        /// Its key.
        id: String,
    },
    /// A secret could not be sealed or opened: a wrong or missing master
    /// key version, or a row moved to another tenant. Never holds the
    /// secret or the key.
    #[error("encryption failed: {message}")]
    Crypto {
        /// What went wrong.
        message: String,
    },
    /// An argument the store cannot act on (an absurd duration, a bad
    /// label).
    #[error("invalid {field}: {message}")]
    InvalidInput {
        /// The offending argument.
        field: &'static str,
        /// What is wrong with it.
        message: String,
    },
    /// The master key or key ring configuration is unusable.
    #[error("master key: {message}")]
    MasterKey {
        /// What is wrong (never the key).
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
            return Self::Unavailable { message };
        }
        match constraint_kind(error) {
            Some(ConstraintKind::Overlap) => Self::Overlap {
                message: format!(
                    "{context}: the host already has an active hold overlapping this time"
                ),
            },
            Some(ConstraintKind::Unique) => Self::Conflict {
                message: format!("{context}: a row with this key already exists"),
            },
            Some(ConstraintKind::TooLong) => Self::InvalidInput {
                field: "end",
                message: format!("{context}: a hold lasts at most 31 days"),
            },
            None => Self::Query { message },
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
            Self::CorruptRow {
                table,
                key,
                message,
            } => Self::CorruptRow {
                table,
                key,
                message: clean(message),
            },
            Self::Unstorable { field, message } => Self::Unstorable {
                field,
                message: clean(message),
            },
            Self::Overlap { message } => Self::Overlap {
                message: clean(message),
            },
            Self::Conflict { message } => Self::Conflict {
                message: clean(message),
            },
            Self::NotFound { entity, id } => Self::NotFound { entity, id },
            Self::Crypto { message } => Self::Crypto {
                message: clean(message),
            },
            Self::MasterKey { message } => Self::MasterKey {
                message: clean(message),
            },
            Self::InvalidInput { field, message } => Self::InvalidInput {
                field,
                message: clean(message),
            },
        }
    }
}

/// Constraint violations the ports report as domain outcomes rather than
/// as failures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ConstraintKind {
    /// Overlapping active holds of one host.
    Overlap,
    /// A duplicate primary or unique key.
    Unique,
    /// A hold longer than `SlotHold::MAX_LENGTH`.
    TooLong,
}

/// The message the SQLite overlap triggers raise (see the migration).
pub(crate) const SQLITE_OVERLAP_MESSAGE: &str = "slot_holds_no_overlap";

/// The message the SQLite triggers raise for a hold over 31 days.
const SQLITE_TOO_LONG_MESSAGE: &str = "slot_holds_too_long";

/// Which constraint, if any, a database error reports.
fn constraint_kind(error: &sqlx::Error) -> Option<ConstraintKind> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    if let Some(pg) = db.try_downcast_ref::<sqlx::postgres::PgDatabaseError>() {
        return match pg.code() {
            "23P01" => Some(ConstraintKind::Overlap), // exclusion_violation
            "23505" => Some(ConstraintKind::Unique),  // unique_violation
            "23514" if pg.constraint() == Some("slot_holds_max_length") => {
                Some(ConstraintKind::TooLong) // check_violation
            }
            _ => None,
        };
    }
    if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
        let code = db.code().and_then(|c| c.parse::<i32>().ok());
        return match code {
            // SQLITE_CONSTRAINT_TRIGGER from RAISE(ABORT, ...)
            Some(1811) if db.message().contains(SQLITE_OVERLAP_MESSAGE) => {
                Some(ConstraintKind::Overlap)
            }
            Some(1811) if db.message().contains(SQLITE_TOO_LONG_MESSAGE) => {
                Some(ConstraintKind::TooLong)
            }
            // SQLITE_CONSTRAINT_PRIMARYKEY, SQLITE_CONSTRAINT_UNIQUE
            Some(1555 | 2067) => Some(ConstraintKind::Unique),
            _ => None,
        };
    }
    None
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
            StorageError::Overlap { message } => DomainError::SlotUnavailable { message },
            StorageError::Conflict { message } => DomainError::Conflict { message },
            StorageError::NotFound { entity, id } => DomainError::NotFound { entity, id },
            StorageError::InvalidInput { field, message } => DomainError::InvalidInput {
                field: field.to_owned(),
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
