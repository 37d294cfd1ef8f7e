//! Conformance suite for [`SyncStateStore`]: one lease holder at a time,
//! expiry hands over, and the cursor only moves forward for the holder.

use std::time::Duration;

use chrono::TimeDelta;

use super::support::{at, err, fresh_tenant, ok};
use crate::error::DomainError;
use crate::ports::SyncStateStore;

const SUITE: &str = "sync state store";
const TTL: Duration = Duration::from_secs(60);

/// Runs every check, one after another.
pub async fn run_all(store: &dyn SyncStateStore) {
    one_holder_at_a_time(store).await;
    the_cursor_only_moves_forward_for_the_holder(store).await;
}

/// A running lease blocks others; it expires, and release frees it.
pub async fn one_holder_at_a_time(store: &dyn SyncStateStore) {
    let t = fresh_tenant();
    assert!(ok(
        SUITE,
        store.try_lease(&t, "default", "a", at(0), TTL).await,
        "a leases"
    ));
    assert!(!ok(
        SUITE,
        store.try_lease(&t, "default", "b", at(0), TTL).await,
        "b blocked"
    ));
    assert!(ok(
        SUITE,
        store.try_lease(&t, "default", "a", at(0), TTL).await,
        "a renews"
    ));
    assert!(ok(
        SUITE,
        store.try_lease(&t, "other", "b", at(0), TTL).await,
        "another connection"
    ));
    assert!(ok(
        SUITE,
        store.try_lease(&t, "default", "b", at(2), TTL).await,
        "b after expiry"
    ));
    ok(
        SUITE,
        store.release(&t, "default", "a").await,
        "a releases nothing",
    );
    assert!(!ok(
        SUITE,
        store.try_lease(&t, "default", "a", at(2), TTL).await,
        "still b's"
    ));
    ok(SUITE, store.release(&t, "default", "b").await, "b releases");
    assert!(ok(
        SUITE,
        store.try_lease(&t, "default", "a", at(2), TTL).await,
        "free again"
    ));
}

/// `advance` needs the lease and never moves the cursor back.
pub async fn the_cursor_only_moves_forward_for_the_holder(store: &dyn SyncStateStore) {
    let t = fresh_tenant();
    let empty = ok(SUITE, store.cursor(&t, "default").await, "fresh cursor");
    assert_eq!(empty.updated_after, None);
    assert_eq!(empty.last_synced_at, None);
    assert!(ok(
        SUITE,
        store.try_lease(&t, "default", "a", at(0), TTL).await,
        "lease"
    ));
    ok(
        SUITE,
        store.advance(&t, "default", "a", Some(at(10)), at(0)).await,
        "advance",
    );
    ok(
        SUITE,
        store
            .advance(
                &t,
                "default",
                "a",
                Some(at(5)),
                at(0) + TimeDelta::seconds(1),
            )
            .await,
        "back",
    );
    let c = ok(SUITE, store.cursor(&t, "default").await, "cursor");
    assert_eq!(
        c.updated_after,
        Some(at(10)),
        "{SUITE}: the cursor must not move back"
    );
    assert_eq!(c.last_synced_at, Some(at(0) + TimeDelta::seconds(1)));
    let e = err(
        SUITE,
        store.advance(&t, "default", "b", Some(at(20)), at(0)).await,
        "non-holder",
    );
    assert!(matches!(e, DomainError::Conflict { .. }), "{SUITE}: {e:?}");
    let c = ok(
        SUITE,
        store.cursor(&t, "default").await,
        "cursor after refusal",
    );
    assert_eq!(c.updated_after, Some(at(10)));
}
