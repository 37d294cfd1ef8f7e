//! Fresh databases per test, and the skip-or-fail rule for Postgres.

use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use calbridge_storage::{Keyring, MasterKey, PgStore, SqliteStore};
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

/// A key ring with one fresh key (version 1).
pub fn test_keyring() -> Keyring {
    Keyring::new(1, MasterKey::generate().expect("a fresh master key"))
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
    F: FnOnce(Arc<SqliteStore>) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = TempDir::new();
    let repo = SqliteStore::connect(&dir.sqlite_url("bookings.db"))
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
    /// Creates an empty database (no schema), or returns `None` after
    /// [`skip_or_fail`]. For tests of migrations themselves.
    pub async fn create() -> Option<Self> {
        let (server_url, admin) = admin_pool().await?;
        let name = format!("calbridge_test_{}", Uuid::new_v4().simple());
        create_database(&admin, &name, None).await;
        let url = with_database(&server_url, &name);
        Some(Self { admin, name, url })
    }

    /// Creates a database with the current schema, copied from a migrated
    /// template (built once per schema version), or returns `None` after
    /// [`skip_or_fail`]. Copying is several times faster than migrating.
    pub async fn create_migrated() -> Option<Self> {
        let (server_url, admin) = admin_pool().await?;
        let template = TEMPLATE
            .get_or_init(|| migrated_template(&admin, &server_url))
            .await;
        let name = format!("calbridge_test_{}", Uuid::new_v4().simple());
        create_database(&admin, &name, Some(template)).await;
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

/// A TCP forwarder in front of the `DATABASE_URL` server, which a test can
/// cut to simulate the server going away (all connections drop, new ones
/// are refused).
pub struct TcpProxy {
    url: String,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::AbortHandle>>>,
}

impl TcpProxy {
    /// Starts forwarding 127.0.0.1:<random port> to `database_url`'s host.
    pub async fn start(database_url: &str) -> Self {
        let (scheme, rest) = database_url.split_once("://").expect("a server URL");
        let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(authority_end);
        let (user_info, host_port) = match authority.rsplit_once('@') {
            Some((user, hp)) => (format!("{user}@"), hp.to_owned()),
            None => (String::new(), authority.to_owned()),
        };
        let upstream = if host_port.contains(':') {
            host_port
        } else {
            format!("{host_port}:5432")
        };
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let tasks = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let registry = std::sync::Arc::clone(&tasks);
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let pipe = tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                registry.lock().expect("registry").push(pipe.abort_handle());
            }
        });
        tasks.lock().expect("registry").push(accept.abort_handle());
        Self {
            url: format!("{scheme}://{user_info}127.0.0.1:{port}{after}"),
            tasks,
        }
    }

    /// The database URL that goes through the proxy.
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Cuts every connection and stops accepting new ones.
    pub fn stop(&self) {
        for task in self.tasks.lock().expect("registry").drain(..) {
            task.abort();
        }
    }
}

/// The migrated template's name, once this test binary has made sure it
/// exists.
static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();

/// The `DATABASE_URL` server URL and a one-connection admin pool on it.
async fn admin_pool() -> Option<(String, PgPool)> {
    let Ok(server_url) = std::env::var("DATABASE_URL") else {
        skip_or_fail("DATABASE_URL is not set");
        return None;
    };
    match PgPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(3))
        .connect(&server_url)
        .await
    {
        Ok(pool) => Some((server_url, pool)),
        Err(e) => {
            skip_or_fail(&format!("PostgreSQL at DATABASE_URL is unreachable: {e}"));
            None
        }
    }
}

/// Creates database `name`, from `template` or else from `template0` with
/// a linguistic (ICU) default collation where the server has ICU, so a
/// schema relying on the server's locale for byte order fails here even
/// when the server itself defaults to "C".
async fn create_database(admin: &PgPool, name: &str, template: Option<&str>) {
    if let Some(template) = template {
        sqlx::query(AssertSqlSafe(format!(
            "CREATE DATABASE {name} TEMPLATE {template}"
        )))
        .execute(admin)
        .await
        .expect("CREATE DATABASE from the migrated template");
        return;
    }
    let icu = sqlx::query(AssertSqlSafe(format!(
        "CREATE DATABASE {name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'"
    )))
    .execute(admin)
    .await;
    if icu.is_err() {
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(admin)
            .await
            .expect("CREATE DATABASE on the test server");
    }
}

/// A short fingerprint of the Postgres migrations, so a schema change gets
/// a new template.
fn migrations_fingerprint() -> String {
    use sha2::{Digest, Sha256};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/postgres");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the migrations directory")
        .map(|entry| entry.expect("a migration").path())
        .collect();
    files.sort();
    let mut hash = Sha256::new();
    for file in files {
        hash.update(file.file_name().unwrap_or_default().as_encoded_bytes());
        hash.update(std::fs::read(&file).expect("a migration file"));
    }
    hex::encode(&hash.finalize()[..8])
}

/// Makes sure the migrated template of the current schema exists: built
/// under a private name, then renamed into place (so a concurrent test
/// process never copies a half-migrated template), and older templates
/// dropped.
async fn migrated_template(admin: &PgPool, server_url: &str) -> String {
    let name = format!("calbridge_tmpl_{}", migrations_fingerprint());
    let exists: bool =
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
            .bind(&name)
            .fetch_one(admin)
            .await
            .expect("looking for the template");
    if exists {
        return name;
    }
    let build = format!("calbridge_tmplbuild_{}", Uuid::new_v4().simple());
    create_database(admin, &build, None).await;
    let store = PgStore::connect(&with_database(server_url, &build))
        .await
        .expect("migrating the template");
    store.pool().close().await;
    let mut renamed = false;
    for _ in 0..50 {
        // The closed connections' server processes may take a moment to go.
        if sqlx::query(AssertSqlSafe(format!(
            "ALTER DATABASE {build} RENAME TO {name}"
        )))
        .execute(admin)
        .await
        .is_ok()
        {
            renamed = true;
            break;
        }
        let taken: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(admin)
                .await
                .expect("looking for the template");
        if taken {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    if renamed {
        let stale: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'calbridge\\_tmpl\\_%' AND datname <> $1",
        )
        .bind(&name)
        .fetch_all(admin)
        .await
        .unwrap_or_default();
        for old in stale {
            let _ = sqlx::query(AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {old} WITH (FORCE)"
            )))
            .execute(admin)
            .await;
        }
    } else {
        let _ = sqlx::query(AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {build} WITH (FORCE)"
        )))
        .execute(admin)
        .await;
    }
    name
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
    F: FnOnce(Arc<PgStore>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(db) = PgTestDb::create_migrated().await else {
        return;
    };
    let repo = match PgStore::connect(db.url()).await {
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
