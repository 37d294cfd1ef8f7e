//! Conformance suite for [`SlotHoldRepository`]: the no-overlap guarantee
//! and the hold lifecycle every backend must share.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule. Checks use fresh tenants and hosts, so
//! runs against a shared database never see each other. Time is the
//! caller's `now`: checks pass instants explicitly.

use chrono::TimeDelta;

use super::support::{at, err, fresh_host, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::ids::{BookingUid, TenantId};
use crate::models::{HoldStatus, NewSlotHold, SlotHold, SlotHoldId};
use crate::ports::SlotHoldRepository;

const SUITE: &str = "slot hold repository";

/// Runs every check, one after another.
pub async fn run_all(repo: &dyn SlotHoldRepository) {
    acquire_then_get_round_trips(repo).await;
    overlaps_are_refused(repo).await;
    back_to_back_holds_are_fine(repo).await;
    hosts_and_tenants_are_independent(repo).await;
    released_time_is_free_again(repo).await;
    lapsed_holds_free_their_time(repo).await;
    confirmed_holds_keep_their_time(repo).await;
    released_or_lapsed_holds_cannot_be_confirmed(repo).await;
    unknown_holds_are_not_found(repo).await;
    active_for_host_lists_what_blocks(repo).await;
    release_expired_sweeps_lapsed_holds(repo).await;
    duplicate_ids_conflict(repo).await;
    invalid_holds_are_refused(repo).await;
    the_longest_holds_still_block_and_longer_ones_are_refused(repo).await;
}

/// A hold of `host` over `[start_min, end_min)` after the base instant.
fn hold(host: u64, start_min: i64, end_min: i64) -> NewSlotHold {
    ok(
        SUITE,
        NewSlotHold::new(host, at(start_min), at(end_min)),
        "building a hold",
    )
}

/// "Now" for these checks: a day before the base instant.
fn now() -> chrono::DateTime<chrono::Utc> {
    at(-24 * 60)
}

async fn acquire(repo: &dyn SlotHoldRepository, tenant: &TenantId, new: &NewSlotHold) -> SlotHold {
    ok(SUITE, repo.acquire(tenant, new, now()).await, "acquire")
}

async fn get(repo: &dyn SlotHoldRepository, tenant: &TenantId, id: SlotHoldId) -> Option<SlotHold> {
    ok(SUITE, repo.get(tenant, id).await, "get")
}

fn assert_unavailable<T: std::fmt::Debug>(result: crate::Result<T>, rule: &str) {
    let error = err(SUITE, result, rule);
    assert!(
        matches!(error, DomainError::SlotUnavailable { .. }),
        "{SUITE} conformance: {rule}: expected SlotUnavailable, got {error:?}"
    );
}

fn uid(s: &str) -> BookingUid {
    ok(SUITE, BookingUid::parse(s), "building a uid")
}

/// An acquired hold is `Held`, carries what was asked, and reads back equal.
pub async fn acquire_then_get_round_trips(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let new = hold(fresh_host(), 0, 30).expiring_at(at(-60));
    let stored = acquire(repo, &tenant, &new).await;
    assert_eq!(
        (
            stored.id,
            stored.host_id,
            stored.start,
            stored.end,
            stored.status,
            stored.expires_at
        ),
        (
            new.id,
            new.host_id,
            new.start,
            new.end,
            HoldStatus::Held,
            new.expires_at
        ),
        "acquire must return the hold as asked, held"
    );
    assert_eq!(
        (
            stored.appointment_id,
            stored.segment_position,
            &stored.booking_uid
        ),
        (None, None, &None),
        "a standalone hold belongs to no appointment and no booking"
    );
    assert_eq!((stored.created_at, stored.updated_at), (now(), now()));
    assert_eq!(
        get(repo, &tenant, new.id).await.as_ref(),
        Some(&stored),
        "get must return exactly what acquire returned"
    );
}

/// Any overlap with an active hold of the same host is `SlotUnavailable`:
/// partial, containing, contained and identical ranges.
pub async fn overlaps_are_refused(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    acquire(repo, &tenant, &hold(host, 0, 30)).await;
    for (start, end, what) in [
        (15, 45, "overlapping the end"),
        (-10, 5, "overlapping the start"),
        (10, 20, "inside"),
        (-10, 40, "around"),
        (0, 30, "identical"),
    ] {
        assert_unavailable(
            repo.acquire(&tenant, &hold(host, start, end), now()).await,
            &format!("a hold {what} an active hold of the same host"),
        );
    }
}

/// Ranges are half-open: a hold ending at 10:30 and one starting at 10:30
/// do not overlap.
pub async fn back_to_back_holds_are_fine(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    acquire(repo, &tenant, &hold(host, 0, 30)).await;
    acquire(repo, &tenant, &hold(host, 30, 60)).await;
    acquire(repo, &tenant, &hold(host, -30, 0)).await;
}

/// The guarantee is per host and per tenant.
pub async fn hosts_and_tenants_are_independent(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let other_tenant = fresh_tenant();
    let host = fresh_host();
    acquire(repo, &tenant, &hold(host, 0, 30)).await;
    acquire(repo, &tenant, &hold(fresh_host(), 0, 30)).await;
    acquire(repo, &other_tenant, &hold(host, 0, 30)).await;
}

/// A released hold frees its time; releasing twice is fine.
pub async fn released_time_is_free_again(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let first = acquire(repo, &tenant, &hold(host, 0, 30)).await;
    let later = now() + TimeDelta::minutes(1);
    let released = ok(
        SUITE,
        repo.release(&tenant, first.id, later).await,
        "release",
    );
    assert_eq!(released.status, HoldStatus::Released);
    assert_eq!(released.updated_at, later, "release must record when");
    let again = ok(
        SUITE,
        repo.release(&tenant, first.id, later).await,
        "second release",
    );
    assert_eq!(again, released, "releasing twice must change nothing");
    acquire(repo, &tenant, &hold(host, 10, 40)).await;
}

/// A `Held` hold whose `expires_at` has passed no longer blocks: a new
/// overlapping hold succeeds and the lapsed one reads as released.
pub async fn lapsed_holds_free_their_time(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let expires = now() + TimeDelta::minutes(5);
    let lapsing = acquire(repo, &tenant, &hold(host, 0, 30).expiring_at(expires)).await;
    assert_unavailable(
        repo.acquire(&tenant, &hold(host, 10, 20), now() + TimeDelta::minutes(4))
            .await,
        "a hold overlapping one that has not lapsed yet",
    );
    let after = expires + TimeDelta::seconds(1);
    ok(
        SUITE,
        repo.acquire(&tenant, &hold(host, 10, 20), after).await,
        "acquire over a lapsed hold",
    );
    let lapsed = some(
        SUITE,
        get(repo, &tenant, lapsing.id).await,
        "the lapsed hold",
    );
    assert_eq!(
        lapsed.status,
        HoldStatus::Released,
        "a lapsed hold that was in the way must be released"
    );
}

/// Confirming records the booking, stops expiry and keeps the time taken;
/// confirming twice is fine.
pub async fn confirmed_holds_keep_their_time(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let expires = now() + TimeDelta::minutes(5);
    let held = acquire(repo, &tenant, &hold(host, 0, 30).expiring_at(expires)).await;
    let when = now() + TimeDelta::minutes(1);
    let confirmed = ok(
        SUITE,
        repo.confirm(&tenant, held.id, Some(uid("cal-uid-1")), when)
            .await,
        "confirm",
    );
    assert_eq!(
        (
            confirmed.status,
            confirmed.expires_at,
            confirmed.booking_uid.clone(),
            confirmed.updated_at
        ),
        (HoldStatus::Confirmed, None, Some(uid("cal-uid-1")), when),
        "confirm must set the status and uid and clear the expiry"
    );
    let again = ok(
        SUITE,
        repo.confirm(&tenant, held.id, None, when).await,
        "second confirm",
    );
    assert_eq!(
        again.booking_uid,
        Some(uid("cal-uid-1")),
        "confirm without uid keeps it"
    );
    assert_unavailable(
        repo.acquire(&tenant, &hold(host, 0, 30), expires + TimeDelta::hours(1))
            .await,
        "a hold overlapping a confirmed hold, after its old expiry",
    );
}

/// Only an active hold can be confirmed.
pub async fn released_or_lapsed_holds_cannot_be_confirmed(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let released = acquire(repo, &tenant, &hold(host, 0, 30)).await;
    ok(
        SUITE,
        repo.release(&tenant, released.id, now()).await,
        "release",
    );
    let error = err(
        SUITE,
        repo.confirm(&tenant, released.id, None, now()).await,
        "confirming a released hold",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "confirming a released hold: {error:?}"
    );
    let expires = now() + TimeDelta::minutes(5);
    let lapsing = acquire(repo, &tenant, &hold(host, 60, 90).expiring_at(expires)).await;
    let error = err(
        SUITE,
        repo.confirm(&tenant, lapsing.id, None, expires).await,
        "confirming a lapsed hold",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "confirming a lapsed hold: {error:?}"
    );
}

/// Unknown ids, and other tenants' holds, read as `None` and change as
/// `NotFound`.
pub async fn unknown_holds_are_not_found(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let other = fresh_tenant();
    let mine = acquire(repo, &tenant, &hold(fresh_host(), 0, 30)).await;
    for (who, id) in [(&tenant, SlotHoldId::new()), (&other, mine.id)] {
        assert_eq!(
            get(repo, who, id).await,
            None,
            "an unknown (or another tenant's) hold must read as None"
        );
        let error = err(
            SUITE,
            repo.release(who, id, now()).await,
            "releasing an unknown hold",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "release: {error:?}"
        );
        let error = err(
            SUITE,
            repo.confirm(who, id, None, now()).await,
            "confirming an unknown hold",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "confirm: {error:?}"
        );
    }
    assert_eq!(
        some(SUITE, get(repo, &tenant, mine.id).await, "my hold").status,
        HoldStatus::Held,
        "another tenant's calls must not touch my hold"
    );
}

/// `active_for_host` lists the host's held and confirmed holds that
/// overlap the window, by start; not released, lapsed or other hosts' ones.
pub async fn active_for_host_lists_what_blocks(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let confirmed = acquire(repo, &tenant, &hold(host, 60, 90)).await;
    ok(
        SUITE,
        repo.confirm(&tenant, confirmed.id, None, now()).await,
        "confirm",
    );
    let held = acquire(repo, &tenant, &hold(host, 0, 30)).await;
    let released = acquire(repo, &tenant, &hold(host, 120, 150)).await;
    ok(
        SUITE,
        repo.release(&tenant, released.id, now()).await,
        "release",
    );
    acquire(
        repo,
        &tenant,
        &hold(host, 180, 210).expiring_at(now() + TimeDelta::minutes(1)),
    )
    .await;
    acquire(repo, &tenant, &hold(fresh_host(), 0, 30)).await;
    let later = now() + TimeDelta::minutes(2);
    let listed = ok(
        SUITE,
        repo.active_for_host(&tenant, host, at(0), at(240), later)
            .await,
        "active_for_host",
    );
    let ids: Vec<SlotHoldId> = listed.iter().map(|h| h.id).collect();
    assert_eq!(
        ids,
        [held.id, confirmed.id],
        "active_for_host must list held and confirmed holds by start"
    );
    let touching = ok(
        SUITE,
        repo.active_for_host(&tenant, host, at(30), at(60), later)
            .await,
        "active_for_host",
    );
    assert!(
        touching.is_empty(),
        "windows are half-open: [30, 60) touches but does not overlap: {touching:?}"
    );
}

/// `release_expired` releases lapsed holds (of every tenant) and nothing else.
pub async fn release_expired_sweeps_lapsed_holds(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let expires = now() + TimeDelta::minutes(5);
    let lapsing = acquire(repo, &tenant, &hold(host, 0, 30).expiring_at(expires)).await;
    let lasting = acquire(repo, &tenant, &hold(host, 60, 90)).await;
    let later_lapsing = acquire(
        repo,
        &tenant,
        &hold(host, 120, 150).expiring_at(expires + TimeDelta::hours(1)),
    )
    .await;
    let swept = ok(
        SUITE,
        repo.release_expired(expires).await,
        "release_expired",
    );
    assert!(
        swept >= 1,
        "release_expired must count the hold it released, got {swept}"
    );
    let status = |h: Option<SlotHold>| some(SUITE, h, "a hold").status;
    assert_eq!(
        status(get(repo, &tenant, lapsing.id).await),
        HoldStatus::Released
    );
    assert_eq!(
        status(get(repo, &tenant, lasting.id).await),
        HoldStatus::Held
    );
    assert_eq!(
        status(get(repo, &tenant, later_lapsing.id).await),
        HoldStatus::Held
    );
}

/// A hold id can be used once.
pub async fn duplicate_ids_conflict(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let first = hold(host, 0, 30);
    acquire(repo, &tenant, &first).await;
    let mut again = hold(host, 60, 90);
    again.id = first.id;
    let error = err(
        SUITE,
        repo.acquire(&tenant, &again, now()).await,
        "reusing a hold id",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "reusing a hold id: {error:?}"
    );
}

/// Holds built by hand around the constructor are still checked.
pub async fn invalid_holds_are_refused(repo: &dyn SlotHoldRepository) {
    let tenant = fresh_tenant();
    let mut reversed = hold(fresh_host(), 0, 30);
    reversed.end = reversed.start;
    let error = err(
        SUITE,
        repo.acquire(&tenant, &reversed, now()).await,
        "an empty hold",
    );
    assert!(
        matches!(error, DomainError::InvalidInput { .. }),
        "an empty hold: {error:?}"
    );
    let stale = hold(fresh_host(), 0, 30).expiring_at(now());
    let error = err(
        SUITE,
        repo.acquire(&tenant, &stale, now()).await,
        "a hold that has lapsed already",
    );
    assert!(
        matches!(error, DomainError::InvalidInput { .. }),
        "a lapsed-on-arrival hold: {error:?}"
    );
}

/// Stores may look for overlaps among holds that start at most
/// [`SlotHold::MAX_LENGTH`] before a range; a hold of exactly that length
/// must still block its last minute, and a longer one cannot be stored.
pub async fn the_longest_holds_still_block_and_longer_ones_are_refused(
    repo: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let host = fresh_host();
    let max = SlotHold::MAX_LENGTH.num_minutes();
    acquire(repo, &tenant, &hold(host, 0, max)).await;
    let last_minute = hold(host, max - 1, max + 30);
    let error = err(
        SUITE,
        repo.acquire(&tenant, &last_minute, now()).await,
        "a hold over the last minute of a 31-day hold",
    );
    assert!(
        matches!(error, DomainError::SlotUnavailable { .. }),
        "a 31-day hold must block its last minute: {error:?}"
    );
    let listed = ok(
        SUITE,
        repo.active_for_host(&tenant, host, at(max - 1), at(max), now())
            .await,
        "listing holds over the last minute",
    );
    assert_eq!(listed.len(), 1, "the 31-day hold is found from its end");
    acquire(repo, &tenant, &hold(host, max, max + 30)).await;

    let mut too_long = hold(fresh_host(), 0, 30);
    too_long.end = too_long.start + SlotHold::MAX_LENGTH + TimeDelta::minutes(1);
    let error = err(
        SUITE,
        repo.acquire(&tenant, &too_long, now()).await,
        "a hold longer than 31 days",
    );
    assert!(
        matches!(error, DomainError::InvalidInput { .. }),
        "a hold longer than 31 days: {error:?}"
    );
}
