//! Builds the service from settings: picks the adapters, binds the port,
//! and runs until Ctrl-C or SIGTERM. Tests use the same path on port 0.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use calbridge_calcom::{CalcomClient, CalcomConfig};
use calbridge_domain::TenantId;
use calbridge_domain::ports::{CalendarPort, Clock, SystemClock};
use calbridge_storage::{Keyring, MasterKey};
use calbridge_testkit::{MockCalcom, MockConfig};
use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::settings::{Settings, redact_url};
use crate::state::{AppState, Mode};
use crate::tenancy::ConnectionDirectory;

/// Why the service could not start. Messages never contain secrets.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// A setting is unusable.
    #[error("invalid setting: {0}")]
    Settings(String),
    /// The database could not be opened or migrated.
    #[error("database: {0}")]
    Storage(String),
    /// The cache could not be reached.
    #[error("cache: {0}")]
    Cache(String),
    /// The Cal.com client could not be built, or the demo mock not started.
    #[error("calendar: {0}")]
    Calendar(String),
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("server: {0}")]
    Serve(#[from] std::io::Error),
}

/// A built, bound, not yet running service.
pub struct Application {
    listener: TcpListener,
    state: AppState,
    /// Keeps the demo-mode mock Cal.com alive as long as the service.
    demo_calcom: Option<MockCalcom>,
    /// Pause between incremental syncs (zero: no poller).
    sync_interval: std::time::Duration,
}

impl Application {
    /// Connects every adapter and binds the listen address.
    ///
    /// # Errors
    /// [`StartupError`] naming the part that failed.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let tenant = TenantId::parse(settings.tenant.clone())
            .map_err(|e| StartupError::Settings(format!("tenant: {e}")))?;
        let saga_worker = settings.saga_worker.validate()?;

        let (calendar_config, demo_calcom, mode) = match &settings.calcom_api_key {
            None => {
                tracing::info!(
                    "demo mode: no CALCOM_API_KEY set, so calbridge books against its built-in mock Cal.com (set CALCOM_API_KEY to use real Cal.com)"
                );
                let mock = MockCalcom::start_with(MockConfig::default())
                    .await
                    .map_err(|e| StartupError::Calendar(format!("demo mock Cal.com: {e}")))?;
                tracing::info!(url = %mock.base_url(), "demo mock Cal.com listening");
                let config = CalcomConfig::new(SecretString::from(mock.api_key().to_owned()))
                    .with_base_url(mock.base_url());
                (config, Some(mock), Mode::Demo)
            }
            Some(key) => {
                let config =
                    CalcomConfig::new(key.clone()).with_base_url(settings.calcom_base_url.clone());
                (config, None, Mode::Live)
            }
        };
        // With Redis, instances share one circuit breaker and one rate-limit
        // budget per Cal.com key instead of each spending its own.
        let calendar_config = match &settings.redis_url {
            Some(url) => calendar_config.with_redis_url(SecretString::from(url.clone())),
            None => calendar_config,
        };
        let calendar: Arc<dyn CalendarPort> = Arc::new(
            CalcomClient::new(calendar_config)
                .map_err(|e| StartupError::Calendar(e.to_string()))?,
        );

        let keyring = keyring_for(&settings)?;
        let storage = calbridge_storage::open(&settings.database_url, keyring)
            .await
            .map_err(|e| StartupError::Storage(e.to_string()))?;
        let repository = storage.bookings.clone();
        let cache = calbridge_cache::connect(settings.redis_url.as_deref())
            .await
            .map_err(|e| StartupError::Cache(e.to_string()))?;

        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        // Each tenant's calendar comes from its stored connection.
        let calcom_base_url = demo_calcom
            .as_ref()
            .map_or_else(|| settings.calcom_base_url.clone(), MockCalcom::base_url);
        let calcom = Arc::new(
            ConnectionDirectory::new(storage.connections.clone(), calcom_base_url)
                .with_redis_url(settings.redis_url.clone().map(SecretString::from)),
        );
        let directory = calcom.clone();
        let listener =
            TcpListener::bind(settings.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.bind,
                    source,
                })?;
        let demo_token = crate::tenancy::bootstrap::start(
            &storage,
            &*clock,
            &tenant,
            settings.calcom_api_key.as_ref(),
            demo_calcom.as_ref(),
            listener.local_addr()?,
        )
        .await
        .map_err(|e| StartupError::Storage(e.to_string()))?;
        tracing::info!(
            addr = %listener.local_addr()?,
            ?mode,
            %tenant,
            database = %redact_url(&settings.database_url),
            cache = %settings.redis_url.as_deref().map_or("in-process".to_owned(), redact_url),
            "calbridge ready"
        );
        Ok(Self {
            listener,
            state: AppState {
                directory,
                default_tenant: tenant,
                calendar,
                clock,
                repository,
                cache,
                mode,
                storage,
                calcom,
                demo_token,
                saga_worker,
                tokens: crate::auth::TokenCache::new(),
            },
            demo_calcom,
            sync_interval: std::time::Duration::from_secs(settings.sync_interval_secs),
        })
    }

    /// The bound address (useful with port 0).
    ///
    /// # Errors
    /// Only if the OS cannot report the socket address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Demo mode: the demo tenant's bearer token (tests authenticate with it).
    pub fn demo_token(&self) -> Option<&SecretString> {
        self.state.demo_token.as_ref()
    }

    /// The handler state (the CLI's `sync` runs on it without serving).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Every storage port (tests and the CLI reach tenants through it).
    pub fn storage(&self) -> &calbridge_storage::Storage {
        &self.state.storage
    }

    /// The demo-mode mock Cal.com, if running (tests inspect its state).
    pub fn demo_calcom(&self) -> Option<&MockCalcom> {
        self.demo_calcom.as_ref()
    }

    /// Serves until Ctrl-C or SIGTERM, then finishes in-flight requests.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until_stopped(self) -> Result<(), StartupError> {
        let poller = crate::sync::spawn_poller(self.state.clone(), self.sync_interval);
        // Unfinished booking sagas (crash, outage) are taken up at start and periodically.
        let saga_worker = crate::saga_worker::spawn_for(&self.state);
        let router = crate::routes::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        if let Some(poller) = poller {
            poller.abort();
        }
        saga_worker.abort();
        drop(self.demo_calcom);
        tracing::info!("calbridge stopped");
        Ok(())
    }

    /// Serves until the returned future is dropped; for tests that need the
    /// mock and the service side by side.
    pub fn into_parts(self) -> (TcpListener, axum::Router, Option<MockCalcom>) {
        // The poller runs detached, until the runtime stops.
        drop(crate::sync::spawn_poller(
            self.state.clone(),
            self.sync_interval,
        ));
        drop(crate::saga_worker::spawn_for(&self.state));
        (
            self.listener,
            crate::routes::router(self.state),
            self.demo_calcom,
        )
    }
}

/// The keyring for secrets at rest: the configured master key, or for an
/// embedded SQLite database a key generated once and kept beside it. A
/// shared PostgreSQL database needs a configured key: instances that each
/// generated their own could not read each other's secrets.
fn keyring_for(settings: &Settings) -> Result<Keyring, StartupError> {
    use secrecy::ExposeSecret;
    if let Some(key) = &settings.master_key {
        return Keyring::parse(key.expose_secret())
            .map_err(|e| StartupError::Settings(format!("CALBRIDGE_MASTER_KEY: {e}")));
    }
    let Some(dir) = sqlite_directory(&settings.database_url) else {
        return Err(StartupError::Settings(
            "CALBRIDGE_MASTER_KEY is required with PostgreSQL (every instance must use the same key)"
                .to_owned(),
        ));
    };
    let path = dir.join("master.key");
    let key =
        MasterKey::load_or_generate(&path).map_err(|e| StartupError::Storage(e.to_string()))?;
    tracing::info!(path = %path.display(), "using the master key kept beside the SQLite database");
    Ok(Keyring::new(1, key))
}

/// The directory of a SQLite database file (`./data` for in-memory ones),
/// or `None` for other databases.
fn sqlite_directory(database_url: &str) -> Option<PathBuf> {
    let rest = database_url.strip_prefix("sqlite:")?;
    let path = rest.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path.starts_with(":memory:") {
        return Some(PathBuf::from("./data"));
    }
    Some(match Path::new(path).parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_generated_key_lives_beside_the_sqlite_file() {
        assert_eq!(
            sqlite_directory("sqlite://./data/calbridge.db"),
            Some(PathBuf::from("./data"))
        );
        assert_eq!(
            sqlite_directory("sqlite:///var/lib/cb/x.db?mode=rwc"),
            Some(PathBuf::from("/var/lib/cb"))
        );
        assert_eq!(sqlite_directory("sqlite:x.db"), Some(PathBuf::from(".")));
        assert_eq!(
            sqlite_directory("sqlite::memory:"),
            Some(PathBuf::from("./data"))
        );
        assert_eq!(sqlite_directory("postgres://u@h/db"), None);
    }

    #[tokio::test]
    async fn bad_saga_settings_stop_the_start_naming_the_variable() {
        let mut s = Settings::demo("sqlite::memory:", "127.0.0.1:0".parse().unwrap());
        s.saga_worker.lease_secs = 1;
        let Err(err) = Application::build(s).await else {
            panic!("a lease shorter than two polls must be refused");
        };
        assert!(matches!(err, StartupError::Settings(_)), "{err}");
        assert!(
            err.to_string().contains("CALBRIDGE_SAGA_LEASE_SECS"),
            "{err}"
        );
    }

    #[test]
    fn postgres_without_a_master_key_is_refused() {
        let mut s = Settings::demo(
            "postgres://u@127.0.0.1:1/db",
            "127.0.0.1:0".parse().unwrap(),
        );
        s.master_key = None;
        assert!(matches!(keyring_for(&s), Err(StartupError::Settings(_))));
        s.master_key = Some(SecretString::from("not base64!".to_owned()));
        let err = keyring_for(&s).unwrap_err().to_string();
        assert!(!err.contains("not base64!"), "{err}");
    }
}
