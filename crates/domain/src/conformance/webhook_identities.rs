//! Conformance suite for [`WebhookIdentityStore`]: an identity is seen
//! only after it was remembered, per tenant, and remembering is idempotent.

use super::support::{at, fresh_tenant, ok};
use crate::ids::BookingUid;
use crate::ports::WebhookIdentityStore;

const SUITE: &str = "webhook identity store";

/// Runs every check.
pub async fn run_all(store: &dyn WebhookIdentityStore) {
    identities_are_remembered_per_tenant(store).await;
}

/// Seen after remember, not before; other tenants, triggers, uids and times differ.
pub async fn identities_are_remembered_per_tenant(store: &dyn WebhookIdentityStore) {
    let (a, b) = (fresh_tenant(), fresh_tenant());
    let uid = ok(SUITE, BookingUid::parse("uid-1"), "uid");
    let other = ok(SUITE, BookingUid::parse("uid-2"), "uid");
    let t = "BOOKING_CREATED";
    assert!(!ok(SUITE, store.seen(&a, t, &uid, at(0)).await, "fresh"));
    ok(SUITE, store.remember(&a, t, &uid, at(0)).await, "remember");
    ok(
        SUITE,
        store.remember(&a, t, &uid, at(0)).await,
        "remember again",
    );
    assert!(ok(SUITE, store.seen(&a, t, &uid, at(0)).await, "seen"));
    assert!(!ok(
        SUITE,
        store.seen(&b, t, &uid, at(0)).await,
        "other tenant"
    ));
    assert!(!ok(
        SUITE,
        store.seen(&a, "BOOKING_CANCELLED", &uid, at(0)).await,
        "other trigger"
    ));
    assert!(!ok(
        SUITE,
        store.seen(&a, t, &other, at(0)).await,
        "other uid"
    ));
    assert!(!ok(
        SUITE,
        store.seen(&a, t, &uid, at(1)).await,
        "other time"
    ));
}
