//! Recently verified bearer tokens, so a busy client does not cost a store
//! round trip per request. Entries are keyed by the token's SHA-256 (the
//! token itself is never kept) and live a few seconds: a token revoked on
//! another instance, or by the CLI, stops working within [`TOKEN_CACHE_TTL`].
//! Rejections are not cached, so a new token works at once and guessing
//! cannot fill the cache.

use std::time::Duration;

use calbridge_domain::TenantId;
use moka::future::Cache;

/// How long a verified token is trusted without asking the store again.
pub const TOKEN_CACHE_TTL: Duration = Duration::from_secs(10);

/// Most tokens remembered at once.
const CAPACITY: u64 = 10_000;

/// Verified tokens (by SHA-256 hex) and the tenant each names.
#[derive(Clone)]
pub struct TokenCache {
    verified: Cache<String, TenantId>,
}

impl TokenCache {
    /// An empty cache with the default lifetime.
    pub fn new() -> Self {
        Self::with_ttl(TOKEN_CACHE_TTL)
    }

    /// An empty cache whose entries live `ttl`.
    pub fn with_ttl(ttl: Duration) -> Self {
        Self {
            verified: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ttl)
                .build(),
        }
    }

    /// The tenant a token with this hash was verified for, if recently.
    pub async fn get(&self, token_sha256: &str) -> Option<TenantId> {
        self.verified.get(token_sha256).await
    }

    /// Remembers a successful verification.
    pub async fn insert(&self, token_sha256: String, tenant: TenantId) {
        self.verified.insert(token_sha256, tenant).await;
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache")
            .field("entries", &self.verified.entry_count())
            .finish()
    }
}
