//! API tokens: `cbt_<lookup>_<secret>`, 256 random bits in all. Only the
//! SHA-256 of the whole token is stored; the public lookup part finds the
//! record, and the hashes are compared in constant time, so neither the
//! database nor response timing reveals a usable token.

use calbridge_domain::models::ApiTokenRecord;
use calbridge_domain::ports::{Clock, TenantRepository};
use calbridge_domain::{DomainError, TenantId};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

use super::token_cache::TokenCache;

/// Every token starts with this, so leaked tokens are easy to grep for.
const PREFIX: &str = "cbt_";
/// Longest header value we even look at.
const MAX_TOKEN_LEN: usize = 200;

/// A freshly issued token: shown once, never stored in the clear.
pub struct IssuedToken {
    /// The tenant it acts for.
    pub tenant: TenantId,
    /// The token itself.
    pub token: SecretString,
}

impl std::fmt::Debug for IssuedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedToken")
            .field("tenant", &self.tenant)
            .field("token", &"[redacted]")
            .finish()
    }
}

fn sha256_hex(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Byte comparison whose time does not depend on where the inputs differ.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Creates `tenant` if needed and issues it a new token labelled `label`
/// (e.g. `demo`, `cli`). With `replace`, older tokens of that label stop
/// working.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn issue_token(
    tenants: &dyn TenantRepository,
    clock: &dyn Clock,
    tenant: &TenantId,
    label: &str,
    replace: bool,
) -> Result<IssuedToken, DomainError> {
    tenants.create_tenant(tenant, clock.now()).await?;
    if replace {
        tenants.revoke_tokens(tenant, label).await?;
    }
    let lookup = uuid::Uuid::new_v4().simple().to_string();
    let secret = uuid::Uuid::new_v4().simple().to_string();
    let token = format!("{PREFIX}{lookup}_{secret}");
    tenants
        .insert_token(&ApiTokenRecord {
            lookup,
            tenant: tenant.clone(),
            token_sha256: sha256_hex(&token),
            label: label.to_owned(),
            created_at: clock.now(),
        })
        .await?;
    Ok(IssuedToken {
        tenant: tenant.clone(),
        token: SecretString::from(token),
    })
}

/// The tenant a presented token names, or `None` for anything that is
/// not a live token.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn authenticate(
    tenants: &dyn TenantRepository,
    presented: &SecretString,
) -> Result<Option<TenantId>, DomainError> {
    verify(tenants, None, presented).await
}

/// [`authenticate`], answering from `cache` when the token was verified
/// recently and remembering successful verifications.
///
/// # Errors
/// `Unavailable { Storage }` when the store cannot be reached.
pub async fn authenticate_cached(
    tenants: &dyn TenantRepository,
    cache: &TokenCache,
    presented: &SecretString,
) -> Result<Option<TenantId>, DomainError> {
    verify(tenants, Some(cache), presented).await
}

async fn verify(
    tenants: &dyn TenantRepository,
    cache: Option<&TokenCache>,
    presented: &SecretString,
) -> Result<Option<TenantId>, DomainError> {
    let token = presented.expose_secret();
    if token.len() > MAX_TOKEN_LEN {
        return Ok(None);
    }
    let Some((lookup, _secret)) = token
        .strip_prefix(PREFIX)
        .and_then(|rest| rest.split_once('_'))
    else {
        return Ok(None);
    };
    if lookup.is_empty() || !lookup.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(None);
    }
    let presented_hash = sha256_hex(token);
    if let Some(cache) = cache
        && let Some(tenant) = cache.get(&presented_hash).await
    {
        return Ok(Some(tenant));
    }
    let Some(record) = tenants.token_by_lookup(lookup).await? else {
        return Ok(None);
    };
    if !constant_time_eq(presented_hash.as_bytes(), record.token_sha256.as_bytes()) {
        return Ok(None);
    }
    if let Some(cache) = cache {
        cache.insert(presented_hash, record.tenant.clone()).await;
    }
    Ok(Some(record.tenant))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use calbridge_domain::ports::{MockTenantRepository, SystemClock};

    use super::*;

    fn repo() -> MockTenantRepository {
        let stored: Arc<Mutex<Vec<ApiTokenRecord>>> = Arc::default();
        let mut m = MockTenantRepository::new();
        m.expect_create_tenant().returning(|_, _| Ok(true));
        m.expect_revoke_tokens().returning(|_, _| Ok(0));
        let s = stored.clone();
        m.expect_insert_token().returning(move |t| {
            s.lock().unwrap().push(t.clone());
            Ok(())
        });
        m.expect_token_by_lookup().returning(move |l| {
            Ok(stored
                .lock()
                .unwrap()
                .iter()
                .find(|t| t.lookup == l)
                .cloned())
        });
        m
    }

    #[tokio::test]
    async fn an_issued_token_authenticates_and_a_tampered_one_does_not() {
        let repo = repo();
        let tenant = TenantId::parse("acme").unwrap();
        let issued = issue_token(&repo, &SystemClock, &tenant, "cli", false)
            .await
            .unwrap();
        let token = issued.token.expose_secret().to_owned();
        assert!(token.starts_with("cbt_"));
        assert_eq!(
            authenticate(&repo, &issued.token).await.unwrap(),
            Some(tenant)
        );
        let mut tampered = token.clone();
        tampered.pop();
        tampered.push(if token.ends_with('0') { '1' } else { '0' });
        for bad in [
            tampered.as_str(),
            "",
            "cbt_",
            "cbt_zz_1",
            "Bearer x",
            &"a".repeat(500),
        ] {
            assert_eq!(
                authenticate(&repo, &SecretString::from(bad.to_owned()))
                    .await
                    .unwrap(),
                None,
                "{bad}"
            );
        }
        assert!(!format!("{issued:?}").contains(&token));
    }

    /// A token issued to `tenant`, and a store that knows only it and
    /// counts its lookups.
    async fn issued_and_counting(
        tenant: &TenantId,
    ) -> (IssuedToken, MockTenantRepository, Arc<Mutex<usize>>) {
        let setup = repo();
        let issued = issue_token(&setup, &SystemClock, tenant, "cli", false)
            .await
            .unwrap();
        let lookup = issued.token.expose_secret()["cbt_".len()..]
            .split_once('_')
            .unwrap()
            .0
            .to_owned();
        let record = setup.token_by_lookup(&lookup).await.unwrap().unwrap();
        let (store, calls) = counting(record);
        (issued, store, calls)
    }

    /// A store that answers `token_by_lookup` with `record` and counts calls.
    fn counting(record: ApiTokenRecord) -> (MockTenantRepository, Arc<Mutex<usize>>) {
        let calls = Arc::new(Mutex::new(0));
        let c = calls.clone();
        let mut m = MockTenantRepository::new();
        m.expect_token_by_lookup().returning(move |_| {
            *c.lock().unwrap() += 1;
            Ok(Some(record.clone()))
        });
        (m, calls)
    }

    #[tokio::test]
    async fn a_verified_token_is_answered_from_the_cache_until_it_lapses() {
        let tenant = TenantId::parse("acme").unwrap();
        let (issued, store, calls) = issued_and_counting(&tenant).await;
        let cache = TokenCache::with_ttl(Duration::from_millis(50));
        for _ in 0..3 {
            let got = authenticate_cached(&store, &cache, &issued.token).await;
            assert_eq!(got.unwrap(), Some(tenant.clone()));
        }
        assert_eq!(
            *calls.lock().unwrap(),
            1,
            "one store lookup for three requests"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        authenticate_cached(&store, &cache, &issued.token)
            .await
            .unwrap();
        assert_eq!(
            *calls.lock().unwrap(),
            2,
            "asked again once the entry lapsed"
        );
    }

    #[tokio::test]
    async fn rejected_tokens_are_never_cached() {
        let tenant = TenantId::parse("acme").unwrap();
        let (issued, store, calls) = issued_and_counting(&tenant).await;
        let cache = TokenCache::new();
        let mut wrong = issued.token.expose_secret().to_owned();
        let last = wrong.pop();
        wrong.push(if last == Some('0') { '1' } else { '0' });
        let wrong = SecretString::from(wrong);
        for _ in 0..2 {
            let got = authenticate_cached(&store, &cache, &wrong).await.unwrap();
            assert_eq!(got, None);
        }
        assert_eq!(*calls.lock().unwrap(), 2);
        assert_eq!(
            authenticate_cached(&store, &cache, &issued.token)
                .await
                .unwrap(),
            Some(tenant)
        );
    }

    #[test]
    fn constant_time_eq_compares_whole_inputs() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
