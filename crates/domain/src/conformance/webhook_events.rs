//! Conformance suite for [`WebhookEventStore`]: one record per raw body
//! and tenant, and processing state that survives retries.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule; fresh tenants and random bodies keep
//! runs apart.

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use super::support::{at, err, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::ids::{BookingUid, TenantId};
use crate::models::{NewWebhookEvent, WebhookEvent, WebhookEventId};
use crate::ports::{WebhookEventStore, WebhookRecordOutcome};

const SUITE: &str = "webhook event store";

/// Runs every check, one after another.
pub async fn run_all(store: &dyn WebhookEventStore) {
    first_delivery_is_recorded(store).await;
    the_same_body_is_a_duplicate(store).await;
    tenants_are_isolated(store).await;
    a_verified_copy_of_an_unverified_body_is_recorded(store).await;
    processing_state_is_kept(store).await;
    unprocessed_events_are_listed_oldest_first(store).await;
}

fn now() -> DateTime<Utc> {
    at(-24 * 60)
}

/// A delivery with a body no other run sends, received `offset` seconds
/// after now.
fn delivery(offset: i64) -> NewWebhookEvent {
    let body = format!(
        r#"{{"triggerEvent":"BOOKING_CREATED","createdAt":"2031-03-10T09:00:00.123Z","payload":{{"uid":"u-{}","title":"Zoë ✓"}}}}"#,
        Uuid::new_v4()
    );
    NewWebhookEvent {
        body: body.into_bytes(),
        trigger: "BOOKING_CREATED".to_owned(),
        booking_uid: Some(ok(SUITE, BookingUid::parse("booking-uid-1"), "uid")),
        payload_created_at: Some(at(0)),
        verified: true,
        received_at: now() + TimeDelta::seconds(offset),
    }
}

async fn record(
    store: &dyn WebhookEventStore,
    tenant: &TenantId,
    event: &NewWebhookEvent,
) -> WebhookRecordOutcome {
    ok(SUITE, store.record(tenant, event).await, "record")
}

fn recorded(outcome: WebhookRecordOutcome, rule: &str) -> WebhookEvent {
    match outcome {
        WebhookRecordOutcome::Recorded(event) => event,
        WebhookRecordOutcome::Duplicate(event) => {
            panic!("{SUITE} conformance: {rule}: expected Recorded, got Duplicate({event:?})")
        }
    }
}

fn duplicate(outcome: WebhookRecordOutcome, rule: &str) -> WebhookEvent {
    match outcome {
        WebhookRecordOutcome::Duplicate(event) => event,
        WebhookRecordOutcome::Recorded(event) => {
            panic!("{SUITE} conformance: {rule}: expected Duplicate, got Recorded({event:?})")
        }
    }
}

async fn get(store: &dyn WebhookEventStore, tenant: &TenantId, id: WebhookEventId) -> WebhookEvent {
    some(
        SUITE,
        ok(SUITE, store.get(tenant, id).await, "get"),
        "the recorded event",
    )
}

/// A first delivery is recorded with every field, a 64-hex-digit body
/// fingerprint, unprocessed.
pub async fn first_delivery_is_recorded(store: &dyn WebhookEventStore) {
    let tenant = fresh_tenant();
    let new = delivery(0);
    let event = recorded(record(store, &tenant, &new).await, "a first delivery");
    assert_eq!(
        (
            &event.body,
            &event.trigger,
            &event.booking_uid,
            event.payload_created_at,
            event.verified,
            event.received_at
        ),
        (
            &new.body,
            &new.trigger,
            &new.booking_uid,
            new.payload_created_at,
            true,
            new.received_at
        ),
        "the record must hold the delivery as given"
    );
    assert!(
        event.body_sha256.len() == 64
            && event
                .body_sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
        "body_sha256 must be 64 lowercase hex digits: {}",
        event.body_sha256
    );
    assert_eq!(
        (event.processed_at, event.attempts, &event.error),
        (None, 0, &None)
    );
    assert_eq!(
        get(store, &tenant, event.id).await,
        event,
        "get must return what record returned"
    );
    let bare = NewWebhookEvent {
        booking_uid: None,
        payload_created_at: None,
        trigger: "PING".to_owned(),
        ..delivery(1)
    };
    let bare_event = recorded(
        record(store, &tenant, &bare).await,
        "a delivery without uid and time",
    );
    assert_eq!(
        (bare_event.booking_uid, bare_event.payload_created_at),
        (None, None)
    );
}

/// The same raw body again is a duplicate of the first record, whatever
/// else differs; one byte more is a new event.
pub async fn the_same_body_is_a_duplicate(store: &dyn WebhookEventStore) {
    let tenant = fresh_tenant();
    let first = delivery(0);
    let event = recorded(record(store, &tenant, &first).await, "the first delivery");
    let again = NewWebhookEvent {
        received_at: first.received_at + TimeDelta::minutes(5),
        trigger: "BOOKING_CANCELLED".to_owned(),
        ..first.clone()
    };
    let dup = duplicate(record(store, &tenant, &again).await, "the same body again");
    assert_eq!(
        dup, event,
        "a duplicate must report the first record unchanged"
    );
    let mut longer = first.clone();
    longer.body.push(b' ');
    let other = recorded(
        record(store, &tenant, &longer).await,
        "a body one byte longer",
    );
    assert_ne!(other.id, event.id);
    assert_ne!(other.body_sha256, event.body_sha256);
}

/// The same body for another tenant is that tenant's own event.
pub async fn tenants_are_isolated(store: &dyn WebhookEventStore) {
    let (a, b) = (fresh_tenant(), fresh_tenant());
    let new = delivery(0);
    let for_a = recorded(record(store, &a, &new).await, "tenant a");
    let for_b = recorded(record(store, &b, &new).await, "tenant b");
    assert_ne!(for_a.id, for_b.id);
    assert_eq!(
        ok(SUITE, store.get(&b, for_a.id).await, "get"),
        None,
        "tenant b must not read a's event"
    );
    let error = err(
        SUITE,
        store.mark_processed(&b, for_a.id, now()).await,
        "marking another tenant's event",
    );
    assert!(matches!(error, DomainError::NotFound { .. }), "{error:?}");
}

/// An unverified delivery is kept but not listed for processing; the first
/// verified delivery of the same body marks it verified and is `Recorded`.
pub async fn a_verified_copy_of_an_unverified_body_is_recorded(store: &dyn WebhookEventStore) {
    let tenant = fresh_tenant();
    let unverified = NewWebhookEvent {
        verified: false,
        ..delivery(0)
    };
    let first = recorded(
        record(store, &tenant, &unverified).await,
        "an unverified delivery",
    );
    assert!(!first.verified);
    assert!(
        ok(
            SUITE,
            store.list_unprocessed(&tenant, 10).await,
            "list_unprocessed"
        )
        .is_empty(),
        "unverified events must not be listed for processing"
    );
    let verified = NewWebhookEvent {
        verified: true,
        ..unverified.clone()
    };
    let upgraded = recorded(
        record(store, &tenant, &verified).await,
        "the first verified copy",
    );
    assert_eq!((upgraded.id, upgraded.verified), (first.id, true));
    duplicate(
        record(store, &tenant, &verified).await,
        "a second verified copy",
    );
    duplicate(
        record(store, &tenant, &unverified).await,
        "another unverified copy",
    );
}

/// Failures count attempts and keep the error; success records when and
/// clears the error.
pub async fn processing_state_is_kept(store: &dyn WebhookEventStore) {
    let tenant = fresh_tenant();
    let event = recorded(record(store, &tenant, &delivery(0)).await, "a delivery");
    ok(
        SUITE,
        store.mark_failed(&tenant, event.id, "first").await,
        "mark_failed",
    );
    ok(
        SUITE,
        store
            .mark_failed(&tenant, event.id, "Cal.com 503 – retry ✓")
            .await,
        "mark_failed",
    );
    let failed = get(store, &tenant, event.id).await;
    assert_eq!(
        (
            failed.attempts,
            failed.error.as_deref(),
            failed.processed_at
        ),
        (2, Some("Cal.com 503 – retry ✓"), None)
    );
    let listed = ok(
        SUITE,
        store.list_unprocessed(&tenant, 10).await,
        "list_unprocessed",
    );
    assert_eq!(
        listed,
        vec![failed.clone()],
        "a failed event stays unprocessed"
    );
    let when = now() + TimeDelta::minutes(1);
    ok(
        SUITE,
        store.mark_processed(&tenant, event.id, when).await,
        "mark_processed",
    );
    let done = get(store, &tenant, event.id).await;
    assert_eq!(
        (done.processed_at, done.error, done.attempts),
        (Some(when), None, 2)
    );
    assert!(
        ok(
            SUITE,
            store.list_unprocessed(&tenant, 10).await,
            "list_unprocessed"
        )
        .is_empty()
    );
    for result in [
        store
            .mark_processed(&tenant, WebhookEventId::new(), when)
            .await,
        store.mark_failed(&tenant, WebhookEventId::new(), "x").await,
    ] {
        let error = err(SUITE, result, "marking an unknown event");
        assert!(matches!(error, DomainError::NotFound { .. }), "{error:?}");
    }
}

/// Unprocessed events are listed oldest first, at most `limit`.
pub async fn unprocessed_events_are_listed_oldest_first(store: &dyn WebhookEventStore) {
    let tenant = fresh_tenant();
    let mut expected = Vec::new();
    for offset in [30, 10, 20] {
        let event = recorded(
            record(store, &tenant, &delivery(offset)).await,
            "a delivery",
        );
        expected.push((event.received_at, event.id));
    }
    expected.sort();
    let listed = ok(
        SUITE,
        store.list_unprocessed(&tenant, 2).await,
        "list_unprocessed",
    );
    let ids: Vec<WebhookEventId> = listed.iter().map(|e| e.id).collect();
    assert_eq!(
        ids,
        [expected[0].1, expected[1].1],
        "oldest first, at most limit"
    );
}
