//! Builds the service from settings: picks the adapters, binds the port,
//! and runs until Ctrl-C or SIGTERM. Tests use the same path on port 0.

use std::net::SocketAddr;
use std::sync::Arc;

use calbridge_calcom::{CalcomClient, CalcomConfig};
use calbridge_domain::TenantId;
use calbridge_domain::ports::{CalendarPort, SystemClock};
use calbridge_domain::usecases::BookingService;
use calbridge_testkit::{MockCalcom, MockConfig};
use secrecy::SecretString;
use tokio::net::TcpListener;

use crate::settings::{Settings, redact_url};
use crate::state::{AppState, Mode};

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
}

impl Application {
    /// Connects every adapter and binds the listen address.
    ///
    /// # Errors
    /// [`StartupError`] naming the part that failed.
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let tenant = TenantId::parse(settings.tenant.clone())
            .map_err(|e| StartupError::Settings(format!("tenant: {e}")))?;

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

        let repository = calbridge_storage::connect(&settings.database_url)
            .await
            .map_err(|e| StartupError::Storage(e.to_string()))?;
        let cache = calbridge_cache::connect(settings.redis_url.as_deref())
            .await
            .map_err(|e| StartupError::Cache(e.to_string()))?;

        let bookings = BookingService::new(
            tenant.clone(),
            calendar.clone(),
            repository.clone(),
            cache.clone(),
            Arc::new(SystemClock),
        );
        let listener =
            TcpListener::bind(settings.bind)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.bind,
                    source,
                })?;
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
                bookings,
                calendar,
                repository,
                cache,
                mode,
            },
            demo_calcom,
        })
    }

    /// The bound address (useful with port 0).
    ///
    /// # Errors
    /// Only if the OS cannot report the socket address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
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
        let router = crate::routes::router(self.state);
        axum::serve(self.listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await?;
        drop(self.demo_calcom);
        tracing::info!("calbridge stopped");
        Ok(())
    }

    /// Serves until the returned future is dropped; for tests that need the
    /// mock and the service side by side.
    pub fn into_parts(self) -> (TcpListener, axum::Router, Option<MockCalcom>) {
        (
            self.listener,
            crate::routes::router(self.state),
            self.demo_calcom,
        )
    }
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
