use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use calbridge_calcom::{CalcomClient, CalcomConfig};
use calbridge_domain::ports::{CalendarDirectory, CalendarPort, ConnectionRepository};
use calbridge_domain::{Connection, DomainError, TenantId, Upstream};
use chrono::{DateTime, Utc};
use secrecy::SecretString;

/// The label of the connection a tenant books on.
pub const DEFAULT_CONNECTION: &str = "default";

/// How long a cached client is used before the stored connection is read
/// again (to notice a key changed by another instance).
const RECHECK_AFTER: Duration = Duration::from_secs(30);

struct Cached {
    checked: Instant,
    updated_at: DateTime<Utc>,
    client: Arc<CalcomClient>,
}

/// Each tenant's calendar is the Cal.com account of its stored
/// connection: the key is decrypted from the connection store, and one
/// [`CalcomClient`] (with its own breaker and rate-limit budget) is kept
/// per connection until the connection changes.
pub struct ConnectionDirectory {
    connections: Arc<dyn ConnectionRepository>,
    base_url: String,
    redis_url: Option<SecretString>,
    clients: Mutex<HashMap<TenantId, Cached>>,
}

impl ConnectionDirectory {
    /// A directory whose clients call Cal.com at `base_url`.
    pub fn new(connections: Arc<dyn ConnectionRepository>, base_url: impl Into<String>) -> Self {
        Self {
            connections,
            base_url: base_url.into(),
            redis_url: None,
            clients: Mutex::default(),
        }
    }

    /// Shares breakers and rate limits between instances through Redis.
    #[must_use]
    pub fn with_redis_url(mut self, url: Option<SecretString>) -> Self {
        self.redis_url = url;
        self
    }

    /// A client for a key that is not stored (yet): to validate a key
    /// before saving it.
    ///
    /// # Errors
    /// `UpstreamFailed { Calendar }` when the client cannot be built.
    pub fn client_for_key(&self, api_key: SecretString) -> Result<CalcomClient, DomainError> {
        let config = CalcomConfig::new(api_key).with_base_url(self.base_url.clone());
        let config = match &self.redis_url {
            Some(url) => config.with_redis_url(url.clone()),
            None => config,
        };
        CalcomClient::new(config).map_err(|e| DomainError::UpstreamFailed {
            upstream: Upstream::Calendar,
            message: e.to_string(),
        })
    }

    /// The client of `tenant`'s default connection.
    ///
    /// # Errors
    /// `NotFound { entity: "connection" }` without a connection;
    /// `Unavailable { Storage }` when connections cannot be read.
    pub async fn client_for(&self, tenant: &TenantId) -> Result<Arc<CalcomClient>, DomainError> {
        if let Some(client) = self.fresh(tenant) {
            return Ok(client);
        }
        let connection = self
            .connections
            .get(tenant, DEFAULT_CONNECTION)
            .await?
            .ok_or_else(|| DomainError::NotFound {
                entity: "connection",
                id: tenant.to_string(),
            })?;
        self.remember(tenant, &connection)
    }

    /// Drops the cached client (after the connection was saved or deleted).
    pub fn forget(&self, tenant: &TenantId) {
        self.lock().remove(tenant);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<TenantId, Cached>> {
        self.clients.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn fresh(&self, tenant: &TenantId) -> Option<Arc<CalcomClient>> {
        self.lock()
            .get(tenant)
            .filter(|c| c.checked.elapsed() < RECHECK_AFTER)
            .map(|c| c.client.clone())
    }

    fn remember(
        &self,
        tenant: &TenantId,
        connection: &Connection,
    ) -> Result<Arc<CalcomClient>, DomainError> {
        let mut clients = self.lock();
        if let Some(c) = clients.get_mut(tenant)
            && c.updated_at == connection.updated_at
        {
            c.checked = Instant::now();
            return Ok(c.client.clone());
        }
        let client = Arc::new(self.client_for_key(connection.api_key.clone())?);
        clients.insert(
            tenant.clone(),
            Cached {
                checked: Instant::now(),
                updated_at: connection.updated_at,
                client: client.clone(),
            },
        );
        Ok(client)
    }
}

#[async_trait]
impl CalendarDirectory for ConnectionDirectory {
    async fn calendar_for(
        &self,
        tenant: &TenantId,
    ) -> calbridge_domain::Result<Arc<dyn CalendarPort>> {
        let client: Arc<dyn CalendarPort> = self.client_for(tenant).await?;
        Ok(client)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use calbridge_domain::ports::MockConnectionRepository;

    use super::*;

    #[tokio::test]
    async fn clients_are_cached_per_connection_and_missing_ones_are_not_found() {
        let now = Utc::now();
        let mut repo = MockConnectionRepository::new();
        repo.expect_get().times(1).returning(move |t, _| {
            Ok((t.as_str() == "a").then(|| {
                Connection::new(DEFAULT_CONNECTION, SecretString::from("cal_test_a"), now).unwrap()
            }))
        });
        let dir = ConnectionDirectory::new(Arc::new(repo), "http://127.0.0.1:9");
        let a = TenantId::parse("a").unwrap();
        let first = dir.client_for(&a).await.unwrap();
        let second = dir.client_for(&a).await.unwrap();
        assert!(Arc::ptr_eq(&first, &second), "the client is reused");
        dir.forget(&a);
        assert!(dir.lock().is_empty());
    }

    #[tokio::test]
    async fn a_tenant_without_a_connection_has_no_calendar() {
        let mut repo = MockConnectionRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        let dir = ConnectionDirectory::new(Arc::new(repo), "http://127.0.0.1:9");
        let err = dir
            .calendar_for(&TenantId::parse("b").unwrap())
            .await
            .err()
            .unwrap();
        assert!(matches!(
            err,
            DomainError::NotFound {
                entity: "connection",
                ..
            }
        ));
    }
}
