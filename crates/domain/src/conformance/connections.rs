//! Conformance suite for [`ConnectionRepository`]: connections and their
//! secrets round-trip per tenant. (That they are encrypted at rest is the
//! adapters' own test: it needs to look at the raw rows.)
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule; fresh tenants keep runs apart.

use chrono::TimeDelta;
use secrecy::{ExposeSecret, SecretString};

use super::support::{at, err, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::ids::TenantId;
use crate::models::Connection;
use crate::ports::ConnectionRepository;

const SUITE: &str = "connection repository";

/// Runs every check, one after another.
pub async fn run_all(repo: &dyn ConnectionRepository) {
    save_then_get_round_trips(repo).await;
    saving_again_replaces_but_keeps_created_at(repo).await;
    list_is_by_label_and_per_tenant(repo).await;
    delete_removes_one_connection(repo).await;
    bad_labels_are_refused(repo).await;
}

fn connection(label: &str, key: &str, secrets: &[&str]) -> Connection {
    let mut c = ok(
        SUITE,
        Connection::new(label, SecretString::from(key.to_owned()), at(0)),
        "building a connection",
    );
    for s in secrets {
        c = ok(
            SUITE,
            c.with_webhook_secret(SecretString::from((*s).to_owned())),
            "adding a secret",
        );
    }
    c
}

/// What can be compared of a connection: everything, secrets exposed.
fn exposed(c: &Connection) -> (String, String, Vec<String>, i64, i64) {
    (
        c.label.clone(),
        c.api_key.expose_secret().to_owned(),
        c.webhook_secrets
            .iter()
            .map(|s| s.expose_secret().to_owned())
            .collect(),
        c.created_at.timestamp_micros(),
        c.updated_at.timestamp_micros(),
    )
}

async fn get(
    repo: &dyn ConnectionRepository,
    tenant: &TenantId,
    label: &str,
) -> Option<Connection> {
    ok(SUITE, repo.get(tenant, label).await, "get")
}

/// Label, API key, every webhook secret (in order) and both times survive.
pub async fn save_then_get_round_trips(repo: &dyn ConnectionRepository) {
    let tenant = fresh_tenant();
    let stored = connection(
        "Praxis Berlin – Mitte ✓",
        "cal_live_0123456789abcdef",
        &["whsec_one", "whsec_two \"quoted\""],
    );
    ok(SUITE, repo.save(&tenant, &stored).await, "save");
    let got = some(
        SUITE,
        get(repo, &tenant, &stored.label).await,
        "the saved connection",
    );
    assert_eq!(
        exposed(&got),
        exposed(&stored),
        "get must return exactly what was saved"
    );
    assert!(
        get(repo, &tenant, "unknown").await.is_none(),
        "an unknown label reads as None"
    );
    let bare = connection("bare", "k", &[]);
    ok(SUITE, repo.save(&tenant, &bare).await, "save");
    let got = some(
        SUITE,
        get(repo, &tenant, "bare").await,
        "the bare connection",
    );
    assert!(
        got.webhook_secrets.is_empty(),
        "no secrets stays no secrets"
    );
}

/// Saving a label again replaces key and secrets but keeps `created_at`.
pub async fn saving_again_replaces_but_keeps_created_at(repo: &dyn ConnectionRepository) {
    let tenant = fresh_tenant();
    let first = connection("default", "cal_live_old", &["whsec_old"]);
    ok(SUITE, repo.save(&tenant, &first).await, "save");
    let mut second = connection("default", "cal_live_new", &["whsec_new", "whsec_newer"]);
    second.created_at = at(60);
    second.updated_at = at(60);
    ok(SUITE, repo.save(&tenant, &second).await, "second save");
    let got = some(SUITE, get(repo, &tenant, "default").await, "the connection");
    let expected = Connection {
        created_at: first.created_at,
        ..second.clone()
    };
    assert_eq!(
        exposed(&got),
        exposed(&expected),
        "a second save replaces everything but created_at"
    );
    assert_eq!(
        ok(SUITE, repo.list(&tenant).await, "list").len(),
        1,
        "one label, one row"
    );
    assert!(got.updated_at == at(0) + TimeDelta::minutes(60));
}

/// `list` returns the tenant's connections by label, nobody else's.
pub async fn list_is_by_label_and_per_tenant(repo: &dyn ConnectionRepository) {
    let (a, b) = (fresh_tenant(), fresh_tenant());
    for label in ["zeta", "alpha", "Mid"] {
        ok(
            SUITE,
            repo.save(&a, &connection(label, &format!("key-{label}"), &[]))
                .await,
            "save",
        );
    }
    ok(
        SUITE,
        repo.save(&b, &connection("alpha", "b's key", &[])).await,
        "save",
    );
    let listed = ok(SUITE, repo.list(&a).await, "list");
    let labels: Vec<&str> = listed.iter().map(|c| c.label.as_str()).collect();
    assert_eq!(
        labels,
        ["Mid", "alpha", "zeta"],
        "list must order by label (byte order)"
    );
    assert_eq!(
        some(SUITE, get(repo, &a, "alpha").await, "a's alpha")
            .api_key
            .expose_secret(),
        "key-alpha",
        "tenants' equal labels are separate connections"
    );
    assert!(ok(SUITE, repo.list(&fresh_tenant()).await, "list").is_empty());
}

/// `delete` removes one connection and says whether there was one.
pub async fn delete_removes_one_connection(repo: &dyn ConnectionRepository) {
    let tenant = fresh_tenant();
    ok(
        SUITE,
        repo.save(&tenant, &connection("one", "k1", &[])).await,
        "save",
    );
    ok(
        SUITE,
        repo.save(&tenant, &connection("two", "k2", &[])).await,
        "save",
    );
    assert!(
        ok(SUITE, repo.delete(&tenant, "one").await, "delete"),
        "deleting a connection says true"
    );
    assert!(
        !ok(SUITE, repo.delete(&tenant, "one").await, "delete again"),
        "deleting it again says false"
    );
    assert!(
        !ok(
            SUITE,
            repo.delete(&fresh_tenant(), "two").await,
            "delete elsewhere"
        ),
        "another tenant cannot delete it"
    );
    assert!(get(repo, &tenant, "one").await.is_none());
    assert!(get(repo, &tenant, "two").await.is_some());
}

/// A connection built by hand with a bad label is refused.
pub async fn bad_labels_are_refused(repo: &dyn ConnectionRepository) {
    let tenant = fresh_tenant();
    for label in ["", "line\nbreak"] {
        let mut c = connection("ok", "k", &[]);
        c.label = label.to_owned();
        let error = err(
            SUITE,
            repo.save(&tenant, &c).await.map(|()| "saved"),
            "saving a bad label",
        );
        assert!(
            matches!(error, DomainError::InvalidInput { .. }),
            "{label:?}: {error:?}"
        );
    }
}
