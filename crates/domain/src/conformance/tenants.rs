//! Conformance suite for [`TenantRepository`]: tenants are created once,
//! tokens are found by lookup id only, revocation works, and webhook
//! endpoints are stable and per connection.

use uuid::Uuid;

use super::support::{at, err, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::models::ApiTokenRecord;
use crate::ports::TenantRepository;

const SUITE: &str = "tenant repository";

/// Runs every check, one after another.
pub async fn run_all(repo: &dyn TenantRepository) {
    tenants_are_created_once(repo).await;
    tokens_are_found_by_lookup_and_revoked(repo).await;
    tokens_need_a_tenant(repo).await;
    webhook_endpoints_are_stable(repo).await;
}

fn token(tenant: &crate::ids::TenantId, label: &str) -> ApiTokenRecord {
    ApiTokenRecord {
        lookup: Uuid::new_v4().simple().to_string(),
        tenant: tenant.clone(),
        token_sha256: "ab".repeat(32),
        label: label.to_owned(),
        created_at: at(0),
    }
}

/// A second create is a no-op reporting `false`.
pub async fn tenants_are_created_once(repo: &dyn TenantRepository) {
    let t = fresh_tenant();
    assert!(!ok(SUITE, repo.tenant_exists(&t).await, "exists before"));
    assert!(ok(SUITE, repo.create_tenant(&t, at(0)).await, "create"));
    assert!(!ok(
        SUITE,
        repo.create_tenant(&t, at(1)).await,
        "create again"
    ));
    assert!(ok(SUITE, repo.tenant_exists(&t).await, "exists after"));
    let all = ok(SUITE, repo.list_tenants().await, "list");
    assert!(all.contains(&t), "{SUITE}: a created tenant must be listed");
}

/// Tokens round-trip by lookup id, and revoking a label removes exactly those.
pub async fn tokens_are_found_by_lookup_and_revoked(repo: &dyn TenantRepository) {
    let t = fresh_tenant();
    ok(SUITE, repo.create_tenant(&t, at(0)).await, "create");
    let demo = token(&t, "demo");
    let cli = token(&t, "cli");
    ok(SUITE, repo.insert_token(&demo).await, "insert demo");
    ok(SUITE, repo.insert_token(&cli).await, "insert cli");
    let found = some(
        SUITE,
        ok(SUITE, repo.token_by_lookup(&demo.lookup).await, "lookup"),
        "the demo token",
    );
    assert_eq!(found, demo, "{SUITE}: a token must round-trip");
    let dup = err(
        SUITE,
        repo.insert_token(&demo).await,
        "insert a used lookup id",
    );
    assert!(
        matches!(dup, DomainError::Conflict { .. }),
        "{SUITE}: {dup:?}"
    );
    assert_eq!(ok(SUITE, repo.revoke_tokens(&t, "demo").await, "revoke"), 1);
    assert!(
        ok(
            SUITE,
            repo.token_by_lookup(&demo.lookup).await,
            "lookup revoked"
        )
        .is_none()
    );
    assert!(
        ok(
            SUITE,
            repo.token_by_lookup(&cli.lookup).await,
            "lookup kept"
        )
        .is_some()
    );
    assert!(ok(SUITE, repo.token_by_lookup("nope").await, "unknown").is_none());
}

/// A token for a tenant that does not exist is refused.
pub async fn tokens_need_a_tenant(repo: &dyn TenantRepository) {
    let e = err(
        SUITE,
        repo.insert_token(&token(&fresh_tenant(), "x")).await,
        "orphan token",
    );
    assert!(
        matches!(
            e,
            DomainError::NotFound {
                entity: "tenant",
                ..
            }
        ),
        "{SUITE}: {e:?}"
    );
}

/// One endpoint per connection, kept across calls; deletion removes it.
pub async fn webhook_endpoints_are_stable(repo: &dyn TenantRepository) {
    let a = fresh_tenant();
    let b = fresh_tenant();
    let id_a = Uuid::new_v4().simple().to_string();
    let first = ok(
        SUITE,
        repo.ensure_webhook_endpoint(&a, "default", &id_a).await,
        "ensure",
    );
    assert_eq!(first.id, id_a);
    let again = ok(
        SUITE,
        repo.ensure_webhook_endpoint(&a, "default", "other-id")
            .await,
        "ensure again",
    );
    assert_eq!(again, first, "{SUITE}: the endpoint must be kept");
    let id_b = Uuid::new_v4().simple().to_string();
    let other = ok(
        SUITE,
        repo.ensure_webhook_endpoint(&b, "default", &id_b).await,
        "ensure b",
    );
    assert_eq!(other.tenant, b);
    let resolved = some(
        SUITE,
        ok(SUITE, repo.webhook_endpoint(&id_a).await, "resolve"),
        "the endpoint",
    );
    assert_eq!(resolved.tenant, a);
    assert_eq!(resolved.connection_label, "default");
    assert!(ok(
        SUITE,
        repo.delete_webhook_endpoint(&a, "default").await,
        "delete"
    ));
    assert!(!ok(
        SUITE,
        repo.delete_webhook_endpoint(&a, "default").await,
        "delete again"
    ));
    assert!(ok(SUITE, repo.webhook_endpoint(&id_a).await, "resolve deleted").is_none());
    assert!(ok(SUITE, repo.webhook_endpoint(&id_b).await, "resolve b").is_some());
}
