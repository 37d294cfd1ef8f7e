//! Fresh databases per test, and the skip-or-fail rule for Postgres.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use calbridge_storage::{PgBookingRepository, SqliteBookingRepository};
use sqlx::postgres::PgPoolOptions;
use sqlx::{AssertSqlSafe, PgPool};
use uuid::Uuid;

/// Skips a test that needs an outside server, or fails it on CI where the
/// server is part of the job.
pub fn skip_or_fail(reason: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{reason} (CI=true: this test must run; set DATABASE_URL to a reachable server)");
    }
    eprintln!("skipped: {reason}");
}

/// A private directory under the system temp dir, removed on drop (also
/// when the test panics).
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        let path = std::env::temp_dir().join(format!(
            "calbridge-storage-test-{}",
            Uuid::new_v4().simple()
        ));
        Self { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A `sqlite://` URL for `relative` inside this directory.
    pub fn sqlite_url(&self, relative: &str) -> String {
        format!("sqlite://{}", self.path.join(relative).display())
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// Runs `check` against a repository on a fresh SQLite file.
pub async fn with_sqlite<F, Fut>(check: F)
where
    F: FnOnce(Arc<SqliteBookingRepository>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = TempDir::new();
    let repo = SqliteBookingRepository::connect(&dir.sqlite_url("bookings.db"))
        .await
        .expect("a fresh SQLite file must open");
    let repo = Arc::new(repo);
    check(Arc::clone(&repo)).await;
    repo.pool().close().await;
}

/// A database of its own on the `DATABASE_URL` server, for one test.
pub struct PgTestDb {
    admin: PgPool,
    name: String,
    url: String,
}

impl PgTestDb {
    /// Creates the database, or returns `None` after [`skip_or_fail`].
    pub async fn create() -> Option<Self> {
        let Ok(server_url) = std::env::var("DATABASE_URL") else {
            skip_or_fail("DATABASE_URL is not set");
            return None;
        };
        let admin = match PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .connect(&server_url)
            .await
        {
            Ok(pool) => pool,
            Err(e) => {
                skip_or_fail(&format!("PostgreSQL at DATABASE_URL is unreachable: {e}"));
                return None;
            }
        };
        let name = format!("calbridge_test_{}", Uuid::new_v4().simple());
        // A linguistic (ICU) default collation where the server has ICU, so
        // a schema relying on the server's locale for byte order fails here
        // even when the server itself defaults to "C".
        let icu = sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
        )))
        .execute(&admin)
        .await;
        if icu.is_err() {
            sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&admin)
                .await
                .expect("CREATE DATABASE on the test server");
        }
        let url = with_database(&server_url, &name);
        Some(Self { admin, name, url })
    }

    /// The URL of the test database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Drops the database (closing whatever still uses it).
    pub async fn drop_db(self) {
        sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            self.name
        )))
        .execute(&self.admin)
        .await
        .expect("DROP DATABASE on the test server");
        self.admin.close().await;
    }
}

/// `server_url` pointing at database `name` instead, keeping its query.
fn with_database(server_url: &str, name: &str) -> String {
    let (scheme, rest) = server_url
        .split_once("://")
        .expect("DATABASE_URL must look like postgres://user@host/db");
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let query = after.find('?').map_or("", |i| &after[i..]);
    format!("{scheme}://{authority}/{name}{query}")
}

/// Runs `check` against a repository on a fresh Postgres database, then
/// drops the database even if `check` panicked (the panic is re-raised).
pub async fn with_postgres<F, Fut>(check: F)
where
    F: FnOnce(Arc<PgBookingRepository>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgTestDb::create().await else {
        return;
    };
    let repo = match PgBookingRepository::connect(db.url()).await {
        Ok(repo) => Arc::new(repo),
        Err(e) => {
            db.drop_db().await;
            panic!("connecting to a fresh test database failed: {e}");
        }
    };
    let outcome = tokio::spawn(check(Arc::clone(&repo))).await;
    repo.pool().close().await;
    db.drop_db().await;
    if let Err(e) = outcome {
        match e.try_into_panic() {
            Ok(panic) => std::panic::resume_unwind(panic),
            Err(e) => panic!("check did not finish: {e}"),
        }
    }
}

#[test]
fn database_names_are_swapped_in_urls() {
    assert_eq!(
        with_database("postgres://u:p@h:5432/postgres", "x"),
        "postgres://u:p@h:5432/x"
    );
    assert_eq!(
        with_database("postgres://h?sslmode=disable", "x"),
        "postgres://h/x?sslmode=disable"
    );
    assert_eq!(
        with_database("postgresql://h/db?a=b", "x"),
        "postgresql://h/x?a=b"
    );
}
