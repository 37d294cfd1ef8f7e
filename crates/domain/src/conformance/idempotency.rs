//! Conformance suite for [`IdempotencyStore`]: Stripe's semantics, per
//! tenant, with expiry.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule; fresh tenants keep runs apart.

use std::future::Future;
use std::pin::Pin;
use std::task::Poll;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::support::{at, err, fresh_tenant, ok};
use crate::error::DomainError;
use crate::ids::TenantId;
use crate::models::{IdempotencyKey, StoredResponse};
use crate::ports::{IdempotencyBegin, IdempotencyStore};

const SUITE: &str = "idempotency store";
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// Runs every check, one after another.
pub async fn run_all(store: &dyn IdempotencyStore) {
    first_use_starts_and_repeats_wait(store).await;
    completed_keys_replay_their_response(store).await;
    keys_expire(store).await;
    abandoned_keys_can_be_retried(store).await;
    tenants_are_isolated(store).await;
    completing_without_a_claim_is_not_found(store).await;
    purge_removes_only_expired_keys(store).await;
    bad_input_is_refused(store).await;
    stale_claims_can_be_reclaimed(store).await;
    only_live_claims_with_the_same_hash_can_be_reclaimed(store).await;
    one_of_concurrent_reclaimers_wins(store).await;
    bad_reclaims_are_refused(store).await;
}

fn now() -> DateTime<Utc> {
    at(-24 * 60)
}

fn fresh_key() -> IdempotencyKey {
    ok(
        SUITE,
        IdempotencyKey::parse(format!("key-{}", Uuid::new_v4())),
        "building a key",
    )
}

fn response() -> StoredResponse {
    StoredResponse {
        status: 201,
        headers: vec![
            ("content-type".to_owned(), "application/json".to_owned()),
            ("location".to_owned(), "/api/bookings/abc".to_owned()),
            ("content-type".to_owned(), "repeated, order kept".to_owned()),
        ],
        body: vec![0x7b, 0x00, 0xff, 0x7d],
    }
}

async fn begin(
    store: &dyn IdempotencyStore,
    tenant: &TenantId,
    key: &IdempotencyKey,
    hash: &str,
    when: DateTime<Utc>,
) -> IdempotencyBegin {
    ok(
        SUITE,
        store
            .begin(tenant, key, hash, Some("saga-1".to_owned()), when, DAY)
            .await,
        "begin",
    )
}

/// A new key starts; a repeat while it runs is in progress (with the first
/// request's resource); another body is a mismatch.
pub async fn first_use_starts_and_repeats_wait(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    assert_eq!(
        begin(store, &tenant, &key, "hash-a", now()).await,
        IdempotencyBegin::Started
    );
    assert_eq!(
        ok(
            SUITE,
            store.begin(&tenant, &key, "hash-a", None, now(), DAY).await,
            "begin"
        ),
        IdempotencyBegin::InProgress {
            resource_id: Some("saga-1".to_owned()),
            claimed_at: now(),
        },
        "a repeat while the first runs must be InProgress, naming the first request's resource and when it claimed the key"
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-b", now()).await,
        IdempotencyBegin::Mismatch
    );
}

/// A completed key replays its response byte for byte; another body is a
/// mismatch; completing again conflicts.
pub async fn completed_keys_replay_their_response(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    begin(store, &tenant, &key, "hash-a", now()).await;
    ok(
        SUITE,
        store
            .complete(&tenant, &key, "hash-a", &response(), now())
            .await,
        "complete",
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-a", now() + TimeDelta::hours(1)).await,
        IdempotencyBegin::Replay(response()),
        "a repeat must replay status, headers (in order) and body"
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-b", now()).await,
        IdempotencyBegin::Mismatch
    );
    let error = err(
        SUITE,
        store
            .complete(&tenant, &key, "hash-a", &response(), now())
            .await,
        "completing twice",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "completing twice: {error:?}"
    );
}

/// After the TTL the key is new again, whatever the body.
pub async fn keys_expire(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    begin(store, &tenant, &key, "hash-a", now()).await;
    ok(
        SUITE,
        store
            .complete(&tenant, &key, "hash-a", &response(), now())
            .await,
        "complete",
    );
    let almost = now() + TimeDelta::hours(24) - TimeDelta::seconds(1);
    assert_eq!(
        begin(store, &tenant, &key, "hash-b", almost).await,
        IdempotencyBegin::Mismatch
    );
    let expired = now() + TimeDelta::hours(24);
    assert_eq!(
        begin(store, &tenant, &key, "hash-b", expired).await,
        IdempotencyBegin::Started,
        "an expired key must start afresh"
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-b", expired).await,
        IdempotencyBegin::InProgress {
            resource_id: Some("saga-1".to_owned()),
            claimed_at: expired,
        }
    );
}

/// Abandoning drops an in-progress claim (only with the same hash); a
/// completed key cannot be abandoned.
pub async fn abandoned_keys_can_be_retried(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    begin(store, &tenant, &key, "hash-a", now()).await;
    ok(
        SUITE,
        store.abandon(&tenant, &key, "hash-b").await,
        "abandon with another hash",
    );
    assert!(
        matches!(
            begin(store, &tenant, &key, "hash-a", now()).await,
            IdempotencyBegin::InProgress { .. }
        ),
        "abandoning with another hash must do nothing"
    );
    ok(
        SUITE,
        store.abandon(&tenant, &key, "hash-a").await,
        "abandon",
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-a", now()).await,
        IdempotencyBegin::Started
    );
    ok(
        SUITE,
        store
            .complete(&tenant, &key, "hash-a", &response(), now())
            .await,
        "complete",
    );
    ok(
        SUITE,
        store.abandon(&tenant, &key, "hash-a").await,
        "abandon a completed key",
    );
    assert_eq!(
        begin(store, &tenant, &key, "hash-a", now()).await,
        IdempotencyBegin::Replay(response())
    );
}

/// The same key in another tenant is another key.
pub async fn tenants_are_isolated(store: &dyn IdempotencyStore) {
    let key = fresh_key();
    let (a, b) = (fresh_tenant(), fresh_tenant());
    assert_eq!(
        begin(store, &a, &key, "hash-a", now()).await,
        IdempotencyBegin::Started
    );
    assert_eq!(
        begin(store, &b, &key, "hash-b", now()).await,
        IdempotencyBegin::Started
    );
    ok(
        SUITE,
        store.complete(&b, &key, "hash-b", &response(), now()).await,
        "complete",
    );
    assert!(matches!(
        begin(store, &a, &key, "hash-a", now()).await,
        IdempotencyBegin::InProgress { .. }
    ));
}

/// Completing a key nobody claimed (or with another hash) is `NotFound`.
pub async fn completing_without_a_claim_is_not_found(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    let error = err(
        SUITE,
        store
            .complete(&tenant, &key, "hash-a", &response(), now())
            .await,
        "complete unclaimed",
    );
    assert!(
        matches!(error, DomainError::NotFound { .. }),
        "complete unclaimed: {error:?}"
    );
    begin(store, &tenant, &key, "hash-a", now()).await;
    let error = err(
        SUITE,
        store
            .complete(&tenant, &key, "hash-b", &response(), now())
            .await,
        "complete with another hash",
    );
    assert!(
        matches!(error, DomainError::NotFound { .. }),
        "complete with another hash: {error:?}"
    );
}

/// Purging deletes expired keys only.
pub async fn purge_removes_only_expired_keys(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let (old, fresh) = (fresh_key(), fresh_key());
    begin(store, &tenant, &old, "hash-a", now()).await;
    let later = now() + TimeDelta::hours(23);
    begin(store, &tenant, &fresh, "hash-a", later).await;
    let purged = ok(
        SUITE,
        store.purge_expired(now() + TimeDelta::hours(24)).await,
        "purge_expired",
    );
    assert!(
        purged >= 1,
        "purge must count the expired key, got {purged}"
    );
    assert!(
        matches!(
            begin(store, &tenant, &fresh, "hash-a", later).await,
            IdempotencyBegin::InProgress { .. }
        ),
        "a key that has not expired must survive the purge"
    );
    assert_eq!(
        begin(store, &tenant, &old, "hash-b", later).await,
        IdempotencyBegin::Started,
        "the purged key is gone"
    );
}

/// Empty hashes, zero TTLs and impossible status codes are refused.
pub async fn bad_input_is_refused(store: &dyn IdempotencyStore) {
    let tenant = fresh_tenant();
    let key = fresh_key();
    for (result, what) in [
        (
            store.begin(&tenant, &key, "", None, now(), DAY).await,
            "an empty hash",
        ),
        (
            store
                .begin(&tenant, &key, "hash", None, now(), Duration::ZERO)
                .await,
            "a zero ttl",
        ),
    ] {
        let error = err(SUITE, result, what);
        assert!(
            matches!(error, DomainError::InvalidInput { .. }),
            "{what}: {error:?}"
        );
    }
    begin(store, &tenant, &key, "hash-a", now()).await;
    let bad = StoredResponse {
        status: 42,
        ..response()
    };
    let error = err(
        SUITE,
        store.complete(&tenant, &key, "hash-a", &bad, now()).await,
        "status 42",
    );
    assert!(
        matches!(error, DomainError::InvalidInput { .. }),
        "status 42: {error:?}"
    );
}

/// A fresh tenant's fresh key, for the reclaim checks.
struct Slot {
    tenant: TenantId,
    key: IdempotencyKey,
}

fn slot() -> Slot {
    Slot {
        tenant: fresh_tenant(),
        key: fresh_key(),
    }
}

async fn reclaim(
    store: &dyn IdempotencyStore,
    slot: &Slot,
    hash: &str,
    stale: Option<&str>,
    new: &str,
    when: DateTime<Utc>,
) -> bool {
    let (tenant, key) = (&slot.tenant, &slot.key);
    ok(
        SUITE,
        store
            .reclaim(tenant, key, hash, stale, Some(new.to_owned()), when, DAY)
            .await,
        "reclaim",
    )
}

/// Polls every future until all are done, so their store calls overlap
/// (the suite has no runtime of its own to spawn tasks on).
async fn all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut futures: Vec<Pin<Box<F>>> = futures.into_iter().map(Box::pin).collect();
    let mut outputs: Vec<Option<F::Output>> = futures.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in futures.iter_mut().zip(outputs.iter_mut()) {
            if output.is_none() {
                match future.as_mut().poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

/// A claim whose request died can be taken over: it then names the new
/// resource, counts as claimed at the takeover (its expiry restarts) and
/// completes as usual; the claim it replaced can no longer be reclaimed.
pub async fn stale_claims_can_be_reclaimed(store: &dyn IdempotencyStore) {
    let s = slot();
    let (tenant, key) = (&s.tenant, &s.key);
    begin(store, tenant, key, "hash-a", now()).await;
    let later = now() + TimeDelta::minutes(10);
    assert!(
        reclaim(store, &s, "hash-a", Some("saga-1"), "saga-2", later).await,
        "an in-progress claim naming the stale resource must be reclaimable"
    );
    assert_eq!(
        begin(store, tenant, key, "hash-a", later).await,
        IdempotencyBegin::InProgress {
            resource_id: Some("saga-2".to_owned()),
            claimed_at: later,
        },
        "a reclaimed key names the new resource and the time of the reclaim"
    );
    assert!(
        !reclaim(store, &s, "hash-a", Some("saga-1"), "saga-3", later).await,
        "a claim renewed meanwhile must not be stolen"
    );
    let past_first_expiry = now() + TimeDelta::hours(24) + TimeDelta::minutes(5);
    assert!(
        matches!(
            begin(store, tenant, key, "hash-a", past_first_expiry).await,
            IdempotencyBegin::InProgress { .. }
        ),
        "a reclaim must restart the key's expiry"
    );
    ok(
        SUITE,
        store
            .complete(tenant, key, "hash-a", &response(), later)
            .await,
        "complete a reclaimed key",
    );
    assert_eq!(
        begin(store, tenant, key, "hash-a", later).await,
        IdempotencyBegin::Replay(response())
    );
}

/// Keys that are unknown, expired, completed or claimed with another hash
/// cannot be reclaimed, and a failed reclaim changes nothing.
pub async fn only_live_claims_with_the_same_hash_can_be_reclaimed(store: &dyn IdempotencyStore) {
    let s = slot();
    let (tenant, key) = (&s.tenant, &s.key);
    assert!(
        !reclaim(store, &s, "hash-a", Some("saga-1"), "saga-2", now()).await,
        "an unknown key cannot be reclaimed"
    );
    begin(store, tenant, key, "hash-a", now()).await;
    assert!(
        !reclaim(store, &s, "hash-b", Some("saga-1"), "saga-2", now()).await,
        "another request's hash cannot reclaim"
    );
    assert!(
        !reclaim(store, &s, "hash-a", None, "saga-2", now()).await,
        "a stale resource that is not the claim's cannot reclaim"
    );
    let expired = now() + TimeDelta::hours(24);
    assert!(
        !reclaim(store, &s, "hash-a", Some("saga-1"), "saga-2", expired).await,
        "an expired claim is gone, not reclaimable"
    );
    assert_eq!(
        begin(store, tenant, key, "hash-a", now()).await,
        IdempotencyBegin::InProgress {
            resource_id: Some("saga-1".to_owned()),
            claimed_at: now(),
        },
        "failed reclaims must leave the claim as it was"
    );
    ok(
        SUITE,
        store
            .complete(tenant, key, "hash-a", &response(), now())
            .await,
        "complete",
    );
    assert!(
        !reclaim(store, &s, "hash-a", Some("saga-1"), "saga-2", now()).await,
        "a completed key cannot be reclaimed"
    );
    assert_eq!(
        begin(store, tenant, key, "hash-a", now()).await,
        IdempotencyBegin::Replay(response())
    );
}

/// Of concurrent reclaimers of one stale claim exactly one wins, and the
/// key names the winner's resource.
pub async fn one_of_concurrent_reclaimers_wins(store: &dyn IdempotencyStore) {
    const RECLAIMERS: usize = 8;
    let s = slot();
    let (tenant, key) = (&s.tenant, &s.key);
    begin(store, tenant, key, "hash-a", now()).await;
    let later = now() + TimeDelta::minutes(10);
    let attempts = (0..RECLAIMERS)
        .map(|i| {
            store.reclaim(
                tenant,
                key,
                "hash-a",
                Some("saga-1"),
                Some(format!("retry-{i}")),
                later,
                DAY,
            )
        })
        .collect();
    let won: Vec<usize> = all(attempts)
        .await
        .into_iter()
        .enumerate()
        .filter_map(|(i, result)| ok(SUITE, result, "concurrent reclaim").then_some(i))
        .collect();
    assert_eq!(
        won.len(),
        1,
        "exactly one of {RECLAIMERS} concurrent reclaimers must win, got {won:?}"
    );
    assert_eq!(
        begin(store, tenant, key, "hash-a", later).await,
        IdempotencyBegin::InProgress {
            resource_id: won.first().map(|i| format!("retry-{i}")),
            claimed_at: later,
        },
        "the key must name the winner's resource"
    );
}

/// A reclaim that keeps the resource id (it could not tell concurrent
/// reclaimers apart), an empty hash or a zero TTL is refused.
pub async fn bad_reclaims_are_refused(store: &dyn IdempotencyStore) {
    let s = slot();
    let (tenant, key) = (&s.tenant, &s.key);
    begin(store, tenant, key, "hash-a", now()).await;
    let stale = Some("saga-1");
    for (result, what) in [
        (
            store
                .reclaim(
                    tenant,
                    key,
                    "hash-a",
                    stale,
                    Some("saga-1".to_owned()),
                    now(),
                    DAY,
                )
                .await,
            "the same resource id",
        ),
        (
            store
                .reclaim(tenant, key, "hash-a", None, None, now(), DAY)
                .await,
            "no resource id either side",
        ),
        (
            store
                .reclaim(
                    tenant,
                    key,
                    "",
                    stale,
                    Some("saga-2".to_owned()),
                    now(),
                    DAY,
                )
                .await,
            "an empty hash",
        ),
        (
            store
                .reclaim(
                    tenant,
                    key,
                    "hash-a",
                    stale,
                    Some("saga-2".to_owned()),
                    now(),
                    Duration::ZERO,
                )
                .await,
            "a zero ttl",
        ),
    ] {
        let error = err(SUITE, result, what);
        assert!(
            matches!(error, DomainError::InvalidInput { .. }),
            "{what}: {error:?}"
        );
    }
}
