//! Start-up wiring of the instance's default tenant: it exists, has a
//! token when the operator needs one (demo mode), and is connected to the
//! configured Cal.com key (live) or to the in-process testkit (demo), so
//! book → webhook → local cache works with zero configuration.

use calbridge_domain::ports::{Clock, ConnectionRepository, TenantRepository};
use calbridge_domain::{Connection, DomainError, TenantId};
use secrecy::{ExposeSecret, SecretString};

use crate::auth::{IssuedToken, issue_token};
use crate::tenancy::DEFAULT_CONNECTION;

/// A fresh random webhook signing secret.
pub fn generate_webhook_secret() -> SecretString {
    SecretString::from(format!(
        "whsec_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    ))
}

/// A fresh, unguessable webhook endpoint id.
pub fn generate_endpoint_id() -> String {
    format!(
        "wh_{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Makes sure `tenant` exists and its default connection uses `api_key`,
/// keeping webhook secrets and `created_at` of an existing connection with
/// the same key. Returns the connection and the endpoint id of its webhook.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn connect_default(
    tenants: &dyn TenantRepository,
    connections: &dyn ConnectionRepository,
    clock: &dyn Clock,
    tenant: &TenantId,
    api_key: SecretString,
    with_secret: bool,
) -> Result<(Connection, String), DomainError> {
    tenants.create_tenant(tenant, clock.now()).await?;
    let existing = connections.get(tenant, DEFAULT_CONNECTION).await?;
    let connection = match existing {
        Some(c)
            if c.api_key.expose_secret() == api_key.expose_secret()
                && (!with_secret || !c.webhook_secrets.is_empty()) =>
        {
            c
        }
        other => {
            let mut c = Connection::new(DEFAULT_CONNECTION, api_key, clock.now())?;
            if let Some(old) = other {
                c.created_at = old.created_at;
                c.webhook_secrets = old.webhook_secrets;
            }
            if with_secret && c.webhook_secrets.is_empty() {
                c = c.with_webhook_secret(generate_webhook_secret())?;
            }
            connections.save(tenant, &c).await?;
            c
        }
    };
    let endpoint = tenants
        .ensure_webhook_endpoint(tenant, DEFAULT_CONNECTION, &generate_endpoint_id())
        .await?;
    Ok((connection, endpoint.id))
}

/// Issues the demo tenant a new token. Older demo tokens keep working, so
/// a `calbridge sync` next to a running demo server does not log its
/// users out.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn demo_token(
    tenants: &dyn TenantRepository,
    clock: &dyn Clock,
    tenant: &TenantId,
) -> Result<IssuedToken, DomainError> {
    issue_token(tenants, clock, tenant, "demo", false).await
}

/// Start-up of the default tenant: connects it (live: `CALCOM_API_KEY`;
/// demo: the in-process mock, which is subscribed to our webhook receiver
/// at `addr` with the connection's secret) and, in demo mode, issues and
/// logs a demo token, which it returns.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn start(
    storage: &calbridge_storage::Storage,
    clock: &dyn Clock,
    tenant: &TenantId,
    live_key: Option<&SecretString>,
    demo: Option<&calbridge_testkit::MockCalcom>,
    addr: std::net::SocketAddr,
) -> Result<Option<SecretString>, DomainError> {
    let tenants = &*storage.tenants;
    let connections = &*storage.connections;
    if let Some(key) = live_key {
        connect_default(tenants, connections, clock, tenant, key.clone(), false).await?;
        tracing::info!(%tenant, "default tenant connected to Cal.com with CALCOM_API_KEY");
    }
    let Some(mock) = demo else {
        return Ok(None);
    };
    let key = SecretString::from(mock.api_key().to_owned());
    let (connection, endpoint) =
        connect_default(tenants, connections, clock, tenant, key, true).await?;
    let host = if addr.ip().is_unspecified() {
        std::net::SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), addr.port())
    } else {
        addr
    };
    let url = format!("http://{host}/api/calcom/webhook/{endpoint}");
    let secret = connection
        .webhook_secrets
        .last()
        .map(|s| s.expose_secret().to_owned());
    mock.webhooks().subscribe(&url, secret.as_deref());
    let issued = demo_token(tenants, clock, tenant).await?;
    tracing::info!(
        %tenant,
        token = %issued.token.expose_secret(),
        "demo tenant token (demo mode only; also at GET /api/demo/token): send it as Authorization: Bearer <token>"
    );
    Ok(Some(issued.token))
}
