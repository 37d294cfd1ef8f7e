//! calbridge's booking store: the domain's [`BookingRepository`] on
//! SQLite (the embedded default: one file, no server) or PostgreSQL (for
//! several api instances), chosen by the database URL at run time.
//!
//! Both backends share one schema shape and one row mapping, and both pass
//! the domain's conformance suite, so the rest of calbridge cannot tell them
//! apart. Schemas are embedded migrations, applied on connect.

mod booking_row;
mod database_url;
mod error;
mod postgres;
mod sqlite;

use std::sync::Arc;

use calbridge_domain::ports::BookingRepository;

use crate::database_url::Backend;
pub use crate::error::StorageError;
pub use crate::postgres::PgBookingRepository;
pub use crate::sqlite::SqliteBookingRepository;

/// Opens the store a URL names and brings its schema up to date:
/// `sqlite:<path>` (e.g. `sqlite://./data/calbridge.db`, `sqlite::memory:`)
/// or `postgres://…` / `postgresql://…`.
///
/// # Errors
/// [`StorageError::UnsupportedScheme`] for any other URL; otherwise as
/// [`SqliteBookingRepository::connect`] / [`PgBookingRepository::connect`].
/// Messages never contain the URL or its password.
pub async fn connect(database_url: &str) -> Result<Arc<dyn BookingRepository>, StorageError> {
    let backend = database_url::backend_of(database_url).map_err(|e| e.redacted(database_url))?;
    Ok(match backend {
        Backend::Sqlite => Arc::new(SqliteBookingRepository::connect(database_url).await?),
        Backend::Postgres => Arc::new(PgBookingRepository::connect(database_url).await?),
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
            SqliteBookingRepository::connect(database_url)
                .await?
                .pool()
                .close()
                .await;
        }
        Backend::Postgres => {
            PgBookingRepository::connect(database_url)
                .await?
                .pool()
                .close()
                .await;
        }
    }
    Ok(())
}
