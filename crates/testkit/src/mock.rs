//! The running server: start it, learn its URL and key, inspect its
//! bookings, drop it to stop it.

use std::fmt;
use std::io;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use std::sync::PoisonError;

use crate::bookings::MockBooking;
use crate::config::MockConfig;
use crate::faults::Faults;
use crate::journal::JournalEntry;
use crate::server;
use crate::state::AppState;
use crate::webhooks::Webhooks;

/// An in-process mock of Cal.com's API v2, serving on a local port.
///
/// Dropping it stops the server task.
pub struct MockCalcom {
    state: AppState,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl MockCalcom {
    /// Starts a server with [`MockConfig::default`] on `127.0.0.1:<free
    /// port>`. A test helper: it panics if it cannot bind, since a test can
    /// do nothing useful then. Use [`MockCalcom::start_with`] to handle the
    /// error instead.
    pub async fn start() -> MockCalcom {
        match Self::start_with(MockConfig::default()).await {
            Ok(mock) => mock,
            Err(e) => panic!("calbridge-testkit: cannot start the mock Cal.com server: {e}"),
        }
    }

    /// Starts a server with `config`.
    ///
    /// # Errors
    /// The I/O error when `config.bind` cannot be bound.
    pub async fn start_with(config: MockConfig) -> io::Result<MockCalcom> {
        let listener = TcpListener::bind(config.bind).await?;
        let addr = listener.local_addr()?;
        let state = AppState::new(config);
        let app = server::router(state.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                // Either a shutdown signal or the sender being dropped.
                let _ = rx.await;
            });
            if let Err(e) = serve.await {
                tracing::warn!(error = %e, "mock Cal.com server stopped with an error");
            }
        });
        tracing::debug!(%addr, "mock Cal.com server listening");
        Ok(MockCalcom {
            state,
            addr,
            shutdown: Some(tx),
            task,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash and without `/v2`
    /// (every path starts with `/v2/...`, as on `https://api.cal.com`).
    pub fn base_url(&self) -> String {
        let ip = match self.addr.ip() {
            IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
            ip => ip,
        };
        format!("http://{}", SocketAddr::new(ip, self.addr.port()))
    }

    /// The API key the server accepts as `Authorization: Bearer <key>`.
    pub fn api_key(&self) -> &str {
        &self.state.config().api_key
    }

    /// A snapshot of every booking (cancelled ones included), oldest first.
    pub fn bookings(&self) -> Vec<MockBooking> {
        self.state.bookings()
    }

    /// Ids of the demo user's event types (hidden ones included; the demo
    /// team's types 2001–2002 are not the user's own and not listed).
    pub fn event_type_ids(&self) -> Vec<u64> {
        self.state
            .catalog()
            .personal_event_types()
            .map(|e| e.id)
            .collect()
    }

    /// Ids of the demo team's event types: 2001 (collective, both hosts
    /// must be free) and 2002 (round robin, needs confirmation).
    pub fn team_event_type_ids(&self) -> Vec<u64> {
        self.state
            .catalog()
            .event_types
            .iter()
            .filter(|e| e.team_id.is_some())
            .map(|e| e.id)
            .collect()
    }

    /// Fault injection for this server.
    pub fn faults(&self) -> Faults {
        self.state.faults()
    }

    /// Webhook delivery control for this server.
    pub fn webhooks(&self) -> Webhooks {
        Webhooks::new(self.state.hub().clone())
    }

    /// The requests so far (oldest first; the newest 5,000 are kept),
    /// credentials redacted.
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state
            .journal()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .iter()
            .cloned()
            .collect()
    }

    /// Forgets the journal so far.
    pub fn clear_journal(&self) {
        self.state
            .journal()
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entries
            .clear();
    }

    /// Shuts API v1 down (`true`: every `/v1/...` route answers 410 Gone)
    /// or brings it back.
    pub fn set_v1_gone(&self, gone: bool) {
        self.state.set_v1_gone(gone);
    }
}

impl Drop for MockCalcom {
    fn drop(&mut self) {
        self.state.close();
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Open keep-alive connections would hold a graceful shutdown open;
        // the server is test scaffolding, so stop it outright.
        self.task.abort();
    }
}

impl fmt::Debug for MockCalcom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockCalcom")
            .field("base_url", &self.base_url())
            .field("config", self.state.config())
            .finish_non_exhaustive()
    }
}
