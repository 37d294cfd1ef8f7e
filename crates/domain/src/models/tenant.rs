//! Who calls calbridge's API: tenants, the bearer tokens that name them,
//! and the opaque webhook endpoints that let Cal.com reach one tenant's
//! connection without a token.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::TenantId;

/// A stored API token. Only a SHA-256 of the token is kept (never the
/// token), found by a public lookup id so the hash can be compared in
/// constant time instead of being looked up by value.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiTokenRecord {
    /// The public part of the token, used to find the record.
    pub lookup: String,
    /// The tenant the token acts for.
    pub tenant: TenantId,
    /// Lowercase hex SHA-256 of the whole token.
    pub token_sha256: String,
    /// Why it was issued (`demo`, `cli`), for operators.
    pub label: String,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
}

impl fmt::Debug for ApiTokenRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiTokenRecord")
            .field("lookup", &self.lookup)
            .field("tenant", &self.tenant)
            .field("token_sha256", &"[hash]")
            .field("label", &self.label)
            .field("created_at", &self.created_at)
            .finish()
    }
}

/// Where Cal.com posts a connection's webhooks: an opaque id in the URL
/// names the tenant and connection, since webhooks carry no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// The id in `/api/calcom/webhook/{id}`.
    pub id: String,
    /// Whose connection it is.
    pub tenant: TenantId,
    /// The connection's label.
    pub connection_label: String,
}

/// Where incremental sync of one connection stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncCursor {
    /// Every change up to here was applied (`afterUpdatedAt` of the next poll).
    pub updated_after: Option<DateTime<Utc>>,
    /// When the last successful sync finished.
    pub last_synced_at: Option<DateTime<Utc>>,
}
