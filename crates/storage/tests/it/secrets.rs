//! Connections' secrets at rest: never in the rows in clear, bound to
//! their tenant, unreadable with the wrong master key, re-encryptable to a
//! new key version, and never in Debug output or errors.

use calbridge_domain::ports::ConnectionRepository;
use calbridge_domain::{Connection, DomainError, TenantId, Upstream};
use calbridge_storage::{Keyring, MasterKey};
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};

use crate::support::{PgTestDb, TempDir, with_postgres, with_sqlite};

const API_KEY: &str = "cal_live_SUPERSECRET_4242";
const WEBHOOK_SECRET: &str = "whsec_TOPSECRET_7777";

fn key(byte: u8) -> MasterKey {
    use base64::Engine;
    MasterKey::from_base64(&base64::engine::general_purpose::STANDARD.encode([byte; 32]))
        .expect("key")
}

fn ring(versions: &[(u32, u8)]) -> Keyring {
    Keyring::from_keys(versions.iter().map(|(v, b)| (*v, key(*b)))).expect("ring")
}

fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).expect("tenant")
}

fn connection() -> Connection {
    let at = DateTime::<Utc>::from_timestamp_millis(1_930_899_600_000).expect("instant");
    Connection::new("default", SecretString::from(API_KEY), at)
        .expect("connection")
        .with_webhook_secret(SecretString::from(WEBHOOK_SECRET))
        .expect("secret")
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Nothing a human or a log could see contains a secret.
fn assert_no_secret(shown: &str) {
    assert!(
        !shown.contains(API_KEY) && !shown.contains(WEBHOOK_SECRET),
        "a secret leaked: {shown}"
    );
}

fn assert_undecryptable<T: std::fmt::Debug>(what: &str, result: Result<T, DomainError>) {
    match result {
        Err(
            error @ DomainError::UpstreamFailed {
                upstream: Upstream::Storage,
                ..
            },
        ) => assert_no_secret(&format!("{error} {error:?}")),
        other => panic!("{what}: expected UpstreamFailed {{ Storage }}, got {other:?}"),
    }
}

/// (api_key, webhook_secrets, key_version) as stored for tenant `acme`.
type RawRow = (Vec<u8>, Vec<u8>, i64);

/// Saves, then checks the raw row, tenant binding, wrong keys and Debug
/// output. `raw` reads the row; `move_row` reassigns it to tenant `evil`.
async fn secrets_are_sealed<R, M, RF, MF>(
    repo: &dyn ConnectionRepository,
    wrong_key: &dyn ConnectionRepository,
    raw: R,
    move_row: M,
) where
    R: Fn() -> RF,
    RF: std::future::Future<Output = RawRow>,
    M: FnOnce() -> MF,
    MF: std::future::Future<Output = ()>,
{
    let acme = tenant("acme");
    repo.save(&acme, &connection()).await.expect("save");
    let (api_key, secrets, version) = raw().await;
    assert!(
        !contains(&api_key, API_KEY) && !contains(&secrets, WEBHOOK_SECRET),
        "secrets must not be stored in clear"
    );
    assert!(!contains(&api_key, "SUPERSECRET") && !contains(&secrets, "TOPSECRET"));
    assert_eq!(version, 1, "key_version records the sealing key");
    assert_eq!(
        Keyring::sealed_version(&api_key),
        Some(1),
        "the sealed value starts with its key version"
    );
    repo.save(&acme, &connection()).await.expect("save again");
    assert_ne!(raw().await.0, api_key, "every write uses a fresh nonce");

    let got = repo
        .get(&acme, "default")
        .await
        .expect("get")
        .expect("stored");
    assert_eq!(got.api_key.expose_secret(), API_KEY);
    assert_no_secret(&format!("{got:?}"));

    assert_undecryptable(
        "the wrong master key",
        wrong_key.get(&acme, "default").await,
    );
    assert_undecryptable("the wrong master key", wrong_key.list(&acme).await);

    move_row().await;
    assert_undecryptable(
        "a row moved to another tenant",
        repo.get(&tenant("evil"), "default").await,
    );
}

#[tokio::test]
async fn sqlite_secrets_are_sealed_and_bound_to_the_tenant() {
    with_sqlite(|store| async move {
        let repo = store.connections(ring(&[(1, 1)]));
        let wrong = store.connections(ring(&[(1, 2)]));
        let pool = store.pool().clone();
        assert_no_secret(&format!("{repo:?} {store:?}"));
        secrets_are_sealed(
            &repo,
            &wrong,
            || async {
                sqlx::query_as::<_, RawRow>("SELECT api_key, webhook_secrets, key_version FROM connections WHERE tenant_id = 'acme'")
                    .fetch_one(&pool)
                    .await
                    .expect("raw row")
            },
            || async {
                sqlx::query("UPDATE connections SET tenant_id = 'evil'")
                    .execute(store.pool())
                    .await
                    .expect("move the row");
            },
        )
        .await;
    })
    .await;
}

#[tokio::test]
async fn postgres_secrets_are_sealed_and_bound_to_the_tenant() {
    with_postgres(|store| async move {
        let repo = store.connections(ring(&[(1, 1)]));
        let wrong = store.connections(ring(&[(1, 2)]));
        let pool = store.pool().clone();
        assert_no_secret(&format!("{repo:?} {store:?}"));
        secrets_are_sealed(
            &repo,
            &wrong,
            || async {
                sqlx::query_as::<_, RawRow>("SELECT api_key, webhook_secrets, key_version FROM connections WHERE tenant_id = 'acme'")
                    .fetch_one(&pool)
                    .await
                    .expect("raw row")
            },
            || async {
                sqlx::query("UPDATE connections SET tenant_id = 'evil'")
                    .execute(store.pool())
                    .await
                    .expect("move the row");
            },
        )
        .await;
    })
    .await;
}

/// Rotation through the public entry point: rows sealed with version 1
/// are readable while the ring has both versions, `reencrypt_connections`
/// rewrites them to version 2, and then version 1 can be dropped.
async fn rotation(url: &str) {
    let t = tenant("rotating");
    let old = calbridge_storage::open(url, ring(&[(1, 1)]))
        .await
        .expect("open");
    for label in ["a", "b", "c"] {
        let mut c = connection();
        c.label = label.to_owned();
        old.connections.save(&t, &c).await.expect("save");
    }
    old.close().await;
    let both = calbridge_storage::open(url, ring(&[(1, 1), (2, 2)]))
        .await
        .expect("open");
    assert_eq!(
        both.connections.list(&t).await.expect("list").len(),
        3,
        "old rows read with the rotated ring"
    );
    let new_only = calbridge_storage::open(url, ring(&[(2, 2)]))
        .await
        .expect("open");
    assert_undecryptable(
        "rows not yet re-encrypted",
        new_only.connections.get(&t, "a").await,
    );
    assert_eq!(both.reencrypt_connections().await.expect("reencrypt"), 3);
    assert_eq!(
        both.reencrypt_connections().await.expect("reencrypt again"),
        0,
        "nothing left to do"
    );
    let listed = new_only
        .connections
        .list(&t)
        .await
        .expect("list with the new key only");
    assert_eq!(listed.len(), 3);
    assert!(listed.iter().all(|c| c.api_key.expose_secret() == API_KEY
        && c.webhook_secrets[0].expose_secret() == WEBHOOK_SECRET));
    let old_only = calbridge_storage::open(url, ring(&[(1, 1)]))
        .await
        .expect("open");
    assert_undecryptable(
        "re-encrypted rows with the retired key",
        old_only.connections.get(&t, "a").await,
    );
    assert_no_secret(&format!("{both:?}"));
    for s in [both, new_only, old_only] {
        s.close().await;
    }
}

#[tokio::test]
async fn sqlite_master_key_rotation_reencrypts_every_connection() {
    let dir = TempDir::new();
    rotation(&dir.sqlite_url("rotation.db")).await;
}

#[tokio::test]
async fn postgres_master_key_rotation_reencrypts_every_connection() {
    let Some(db) = PgTestDb::create_migrated().await else {
        return;
    };
    let url = db.url().to_owned();
    let outcome = tokio::spawn(async move { rotation(&url).await }).await;
    db.drop_db().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
