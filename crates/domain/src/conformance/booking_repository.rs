//! Conformance suite for [`BookingRepository`]: the behaviour every booking
//! store (SQLite, Postgres, in-memory fakes) must share, so the use cases
//! and the sync code can rely on it whichever backend the api wires in.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule. Every check works in its own fresh,
//! random tenant, so runs against a shared database never see each other.
//!
//! Times are whole milliseconds (what Cal.com sends): every backend must
//! keep at least that precision.

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use uuid::Uuid;

use crate::error::Result;
use crate::ids::{BookingUid, EventTypeId, TenantId};
use crate::models::{Attendee, Booking, BookingFilter, BookingSource, BookingStatus, Email, Host};
use crate::ports::{BookingRepository, UpsertOutcome};

/// 2031-03-10T09:00:00.123Z: a fixed instant with a fractional second, so
/// a backend that drops milliseconds fails the round trip.
const BASE_MILLIS: i64 = 1_930_899_600_123;

/// Runs every check, one after another.
pub async fn run_all(repo: &dyn BookingRepository) {
    ping_succeeds(repo).await;
    full_booking_round_trips(repo).await;
    minimal_booking_round_trips(repo).await;
    unknown_uid_is_none(repo).await;
    newer_copy_updates(repo).await;
    same_updated_at_updates(repo).await;
    older_copy_is_stale(repo).await;
    tenants_are_isolated(repo).await;
    filter_by_status(repo).await;
    filter_by_event_type(repo).await;
    filter_by_time_window(repo).await;
    filter_by_attendee_email(repo).await;
    filter_by_updated_after(repo).await;
    filters_combine(repo).await;
    list_orders_by_start_then_uid(repo).await;
    list_pages_with_limit_and_offset(repo).await;
    list_caps_the_page_size(repo).await;
}

// ---------------------------------------------------------------- helpers

/// The value, or a panic naming the step and the error.
fn ok<T>(result: Result<T>, step: &str) -> T {
    match result {
        Ok(value) => value,
        Err(error) => panic!("booking repository conformance: {step} failed: {error}"),
    }
}

/// The value, or a panic naming what was missing.
fn some<T>(value: Option<T>, what: &str) -> T {
    match value {
        Some(value) => value,
        None => panic!("booking repository conformance: {what} is missing"),
    }
}

/// A tenant no other run uses.
fn fresh_tenant() -> TenantId {
    ok(
        TenantId::parse(format!("conformance-{}", Uuid::new_v4().simple())),
        "building a tenant id",
    )
}

/// The base instant plus `minutes`.
fn at(minutes: i64) -> DateTime<Utc> {
    some(
        DateTime::from_timestamp_millis(BASE_MILLIS),
        "the base instant",
    ) + TimeDelta::minutes(minutes)
}

fn uid(s: &str) -> BookingUid {
    ok(BookingUid::parse(s), "building a booking uid")
}

fn attendee(name: &str, email: &str, time_zone: Tz) -> Attendee {
    ok(
        Attendee::new(
            name,
            ok(Email::parse(email), "building an email"),
            time_zone,
        ),
        "building an attendee",
    )
}

/// A plain accepted 30-minute booking starting `start_minutes` after the base.
fn booking(uid_str: &str, start_minutes: i64) -> Booking {
    Booking {
        uid: uid(uid_str),
        event_type_id: EventTypeId(7),
        title: format!("Consultation {uid_str}"),
        start: at(start_minutes),
        end: at(start_minutes + 30),
        status: BookingStatus::Accepted,
        host: None,
        attendees: vec![attendee("Ann", "ann@example.com", Tz::Europe__Berlin)],
        metadata: BTreeMap::new(),
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        cancellation_reason: None,
        created_at: at(-24 * 60),
        updated_at: at(-60),
    }
}

/// A booking with every optional field set and values that trip up naive
/// storage: non-ASCII text, quotes, several time zones, an event type id
/// above 2^53 (lost by anything that goes through an f64).
fn full_booking(uid_str: &str) -> Booking {
    let mut guest = attendee("Zoë Ångström", "zoe@example.org", Tz::America__New_York);
    guest.phone_number = Some("+4915112345678".to_owned());
    guest.language = Some("de".to_owned());
    let metadata: BTreeMap<String, String> = [
        ("correlationId", "0190f0c2-5f4e-7cc1-9a4b-3c2d1e0f9a8b"),
        ("note", "He said \"hi\" — 'twice'; 50% off\\"),
        ("empty", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    Booking {
        uid: uid(uid_str),
        event_type_id: EventTypeId(9_007_199_254_740_993),
        title: "O'Brien's \"first\" consultation ✓".to_owned(),
        start: at(90),
        end: at(135),
        status: BookingStatus::Cancelled,
        host: Some(Host {
            id: 4_294_967_297,
            name: "Dr. Ünal".to_owned(),
            email: "host@example.com".to_owned(),
        }),
        attendees: vec![
            attendee("Ann", "ann@example.com", Tz::Europe__Berlin),
            guest,
            attendee("Ravi", "ravi@example.in", Tz::Asia__Kolkata),
        ],
        metadata,
        rescheduled_from_uid: Some(uid("previous-uid_1.x")),
        rescheduled_to_uid: Some(uid("next-uid")),
        cancellation_reason: Some("Moved – the host is ill".to_owned()),
        created_at: at(-3 * 24 * 60),
        updated_at: at(-7),
    }
}

async fn upsert(
    repo: &dyn BookingRepository,
    tenant: &TenantId,
    booking: &Booking,
    step: &str,
) -> UpsertOutcome {
    ok(
        repo.upsert(tenant, booking, BookingSource::Sync).await,
        step,
    )
}

/// Stores bookings that the check expects to be new.
async fn insert_all(repo: &dyn BookingRepository, tenant: &TenantId, bookings: &[Booking]) {
    for b in bookings {
        assert_eq!(
            upsert(repo, tenant, b, "insert").await,
            UpsertOutcome::Inserted,
            "the first upsert of uid {} must report Inserted",
            b.uid
        );
    }
}

async fn get(repo: &dyn BookingRepository, tenant: &TenantId, uid_str: &str) -> Option<Booking> {
    ok(repo.get(tenant, &uid(uid_str)).await, "get")
}

async fn list(
    repo: &dyn BookingRepository,
    tenant: &TenantId,
    filter: &BookingFilter,
) -> Vec<Booking> {
    ok(repo.list(tenant, filter).await, "list")
}

/// The uids of a list, in order, for readable assertion messages.
fn uids(bookings: &[Booking]) -> Vec<String> {
    bookings.iter().map(|b| b.uid.to_string()).collect()
}

/// The uids `filter` must return from `bookings`, per the domain's own
/// [`BookingFilter::matches`] and the documented order.
fn expected_uids(bookings: &[Booking], filter: &BookingFilter) -> Vec<String> {
    let mut matching: Vec<&Booking> = bookings.iter().filter(|b| filter.matches(b)).collect();
    matching.sort_by(|a, b| (a.start, a.uid.as_str()).cmp(&(b.start, b.uid.as_str())));
    matching
        .into_iter()
        .skip(usize::try_from(filter.offset).unwrap_or(usize::MAX))
        .take(usize::try_from(filter.effective_limit()).unwrap_or(usize::MAX))
        .map(|b| b.uid.to_string())
        .collect()
}

/// Lists with `filter` and checks the result against [`expected_uids`] and
/// against a literal expectation (so a wrong `matches` cannot hide a bug).
async fn assert_lists(
    repo: &dyn BookingRepository,
    tenant: &TenantId,
    stored: &[Booking],
    filter: &BookingFilter,
    expected: &[&str],
    rule: &str,
) {
    let got = uids(&list(repo, tenant, filter).await);
    assert_eq!(
        expected_uids(stored, filter),
        expected,
        "conformance suite bug: literal expectation disagrees with BookingFilter::matches ({rule})"
    );
    assert_eq!(got, expected, "{rule} (filter: {filter:?})");
}

// ----------------------------------------------------------------- checks

/// `ping` answers `Ok` on a healthy store.
pub async fn ping_succeeds(repo: &dyn BookingRepository) {
    ok(repo.ping().await, "ping");
}

/// Every field survives insert-then-get unchanged: host, several attendees
/// with their time zones, phone and language, metadata, lineage,
/// cancellation reason, big ids, non-ASCII text, sub-second times.
pub async fn full_booking_round_trips(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let stored = full_booking("full-round-trip");
    assert_eq!(
        upsert(repo, &tenant, &stored, "insert of a full booking").await,
        UpsertOutcome::Inserted,
        "the first upsert of a uid must report Inserted"
    );
    let got = some(
        get(repo, &tenant, "full-round-trip").await,
        "the stored full booking",
    );
    assert_eq!(got, stored, "get must return exactly what was stored");
    let listed = list(repo, &tenant, &BookingFilter::default()).await;
    assert_eq!(
        listed,
        vec![stored],
        "list must return exactly what was stored"
    );
}

/// A booking with every optional field empty round-trips too (no host, no
/// metadata, no lineage), and empty stays empty rather than becoming `Some("")`.
pub async fn minimal_booking_round_trips(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut stored = booking("minimal", 0);
    stored.status = BookingStatus::Pending;
    insert_all(repo, &tenant, std::slice::from_ref(&stored)).await;
    let got = some(
        get(repo, &tenant, "minimal").await,
        "the stored minimal booking",
    );
    assert_eq!(
        got, stored,
        "a booking without optional fields must round-trip unchanged"
    );
}

/// A uid never stored reads as `None`, not as an error.
pub async fn unknown_uid_is_none(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    insert_all(repo, &tenant, &[booking("known", 0)]).await;
    assert_eq!(
        get(repo, &tenant, "unknown").await,
        None,
        "get of an unknown uid must be None"
    );
}

/// A copy with a newer `updated_at` replaces the stored one entirely.
pub async fn newer_copy_updates(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let first = booking("evolving", 0);
    insert_all(repo, &tenant, std::slice::from_ref(&first)).await;

    let mut newer = full_booking("evolving");
    newer.updated_at = first.updated_at + TimeDelta::milliseconds(1);
    assert_eq!(
        upsert(repo, &tenant, &newer, "upsert of a newer copy").await,
        UpsertOutcome::Updated,
        "a copy with a newer updated_at must report Updated"
    );
    assert_eq!(
        get(repo, &tenant, "evolving").await.as_ref(),
        Some(&newer),
        "after Updated, get must return the newer copy in every field"
    );

    // And back to empty optional fields: an update must clear them, not keep them.
    let mut cleared = booking("evolving", 0);
    cleared.updated_at = newer.updated_at + TimeDelta::minutes(1);
    assert_eq!(
        upsert(repo, &tenant, &cleared, "upsert clearing optional fields").await,
        UpsertOutcome::Updated,
        "a newer copy must report Updated"
    );
    assert_eq!(
        get(repo, &tenant, "evolving").await.as_ref(),
        Some(&cleared),
        "an update must clear optional fields the newer copy no longer has"
    );
    assert_eq!(
        list(repo, &tenant, &BookingFilter::default()).await.len(),
        1,
        "updates must not create a second row"
    );
}

/// A copy with the same `updated_at` replaces the stored one: only a
/// strictly newer stored copy wins.
pub async fn same_updated_at_updates(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let first = booking("same-time", 0);
    insert_all(repo, &tenant, std::slice::from_ref(&first)).await;
    let mut again = first.clone();
    again.status = BookingStatus::Cancelled;
    again.cancellation_reason = Some("changed without a new timestamp".to_owned());
    assert_eq!(
        upsert(repo, &tenant, &again, "upsert with the same updated_at").await,
        UpsertOutcome::Updated,
        "a copy with an equal updated_at must report Updated (only a strictly newer stored copy wins)"
    );
    assert_eq!(
        get(repo, &tenant, "same-time").await.as_ref(),
        Some(&again),
        "a copy with an equal updated_at must replace the stored one"
    );
}

/// A late, older copy never wins: `Stale`, and the stored copy is untouched.
pub async fn older_copy_is_stale(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let current = full_booking("contested");
    insert_all(repo, &tenant, std::slice::from_ref(&current)).await;

    let mut older = booking("contested", 500);
    older.updated_at = current.updated_at - TimeDelta::milliseconds(1);
    assert_eq!(
        upsert(repo, &tenant, &older, "upsert of an older copy").await,
        UpsertOutcome::Stale,
        "a copy older than the stored one must report Stale"
    );
    assert_eq!(
        get(repo, &tenant, "contested").await.as_ref(),
        Some(&current),
        "a Stale upsert must leave the stored copy unchanged"
    );
    let mut much_older = older.clone();
    much_older.updated_at = at(-100_000);
    assert_eq!(
        upsert(repo, &tenant, &much_older, "upsert of a much older copy").await,
        UpsertOutcome::Stale,
        "a much older copy must report Stale"
    );
    assert_eq!(
        get(repo, &tenant, "contested").await.as_ref(),
        Some(&current),
        "a Stale upsert must leave the stored copy unchanged"
    );
}

/// The same uid in two tenants is two rows; no read or write of one tenant
/// sees or changes the other's data.
pub async fn tenants_are_isolated(repo: &dyn BookingRepository) {
    let alpha = fresh_tenant();
    let beta = fresh_tenant();
    let mut alpha_copy = booking("shared-uid", 0);
    alpha_copy.title = "alpha's".to_owned();
    let mut beta_copy = booking("shared-uid", 60);
    beta_copy.title = "beta's".to_owned();
    // Older than alpha's copy: must still be Inserted for beta, not Stale.
    beta_copy.updated_at = alpha_copy.updated_at - TimeDelta::hours(1);

    insert_all(
        repo,
        &alpha,
        &[alpha_copy.clone(), booking("only-alpha", 30)],
    )
    .await;
    assert_eq!(
        upsert(
            repo,
            &beta,
            &beta_copy,
            "insert of the same uid in another tenant"
        )
        .await,
        UpsertOutcome::Inserted,
        "the same uid in another tenant is a separate row: Inserted, whatever the other tenant stores"
    );
    assert_eq!(
        get(repo, &alpha, "shared-uid").await.as_ref(),
        Some(&alpha_copy),
        "a tenant must see its own copy"
    );
    assert_eq!(
        get(repo, &beta, "shared-uid").await.as_ref(),
        Some(&beta_copy),
        "the other tenant must see its own copy"
    );
    assert_eq!(
        get(repo, &beta, "only-alpha").await,
        None,
        "a tenant must not see another tenant's booking"
    );
    assert_eq!(
        uids(&list(repo, &alpha, &BookingFilter::default()).await),
        ["shared-uid", "only-alpha"],
        "list must return only the tenant's own bookings"
    );
    assert_eq!(
        list(repo, &beta, &BookingFilter::default()).await,
        vec![beta_copy.clone()],
        "list must return only the tenant's own bookings"
    );

    let mut alpha_newer = alpha_copy.clone();
    alpha_newer.title = "alpha's, updated".to_owned();
    alpha_newer.updated_at = alpha_copy.updated_at + TimeDelta::minutes(5);
    assert_eq!(
        upsert(repo, &alpha, &alpha_newer, "update in one tenant").await,
        UpsertOutcome::Updated,
        "a newer copy must report Updated"
    );
    assert_eq!(
        get(repo, &beta, "shared-uid").await.as_ref(),
        Some(&beta_copy),
        "an update in one tenant must not change another tenant's row"
    );
    assert!(
        list(repo, &fresh_tenant(), &BookingFilter::default())
            .await
            .is_empty(),
        "a tenant with no bookings must list nothing"
    );
}

/// `status` keeps only bookings in that state.
pub async fn filter_by_status(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut cancelled = booking("cancelled", 30);
    cancelled.status = BookingStatus::Cancelled;
    let mut pending = booking("pending", 60);
    pending.status = BookingStatus::Pending;
    let mut rejected = booking("rejected", 90);
    rejected.status = BookingStatus::Rejected;
    let stored = [
        booking("accepted-1", 0),
        cancelled,
        pending,
        rejected,
        booking("accepted-2", 120),
    ];
    insert_all(repo, &tenant, &stored).await;
    let by = |status| BookingFilter {
        status: Some(status),
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(BookingStatus::Accepted),
        &["accepted-1", "accepted-2"],
        "status = accepted",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(BookingStatus::Cancelled),
        &["cancelled"],
        "status = cancelled",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(BookingStatus::Pending),
        &["pending"],
        "status = pending",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(BookingStatus::Rejected),
        &["rejected"],
        "status = rejected",
    )
    .await;
}

/// `event_type_id` keeps only bookings of that event type.
pub async fn filter_by_event_type(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut other = booking("type-8", 30);
    other.event_type_id = EventTypeId(8);
    let mut big = booking("type-big", 60);
    big.event_type_id = EventTypeId(9_007_199_254_740_993);
    let stored = [booking("type-7", 0), other, big];
    insert_all(repo, &tenant, &stored).await;
    let by = |id| BookingFilter {
        event_type_id: Some(EventTypeId(id)),
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(7),
        &["type-7"],
        "event_type_id = 7",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(8),
        &["type-8"],
        "event_type_id = 8",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(9_007_199_254_740_993),
        &["type-big"],
        "event_type_id above 2^53",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(9_007_199_254_740_992),
        &[],
        "event_type_id differing only in the last bit",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(99),
        &[],
        "unknown event_type_id",
    )
    .await;
}

/// `starts_after` is start ≥ t and `ends_before` is end ≤ t, both inclusive,
/// compared as instants (also across years, where text order would lie).
pub async fn filter_by_time_window(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut ancient = booking("ancient", 0);
    ancient.start = some(
        DateTime::from_timestamp_millis(946_684_800_000),
        "1999 instant",
    ) - TimeDelta::hours(1);
    ancient.end = ancient.start + TimeDelta::minutes(30);
    let stored = [
        ancient,
        booking("early", 0),   // 09:00:00.123 - 09:30:00.123
        booking("middle", 60), // 10:00:00.123 - 10:30:00.123
        booking("late", 120),  // 11:00:00.123 - 11:30:00.123
    ];
    insert_all(repo, &tenant, &stored).await;
    let window = |after: Option<DateTime<Utc>>, before: Option<DateTime<Utc>>| BookingFilter {
        starts_after: after,
        ends_before: before,
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(Some(at(60)), None),
        &["middle", "late"],
        "starts_after is inclusive",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(Some(at(60) + TimeDelta::milliseconds(1)), None),
        &["late"],
        "starts_after one millisecond after a start excludes it",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(None, Some(at(90))),
        &["ancient", "early", "middle"],
        "ends_before is inclusive",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(None, Some(at(90) - TimeDelta::milliseconds(1))),
        &["ancient", "early"],
        "ends_before one millisecond before an end excludes it",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(Some(at(0)), Some(at(90))),
        &["early", "middle"],
        "both bounds together",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &window(Some(at(15)), Some(at(45))),
        &[],
        "a window no booking fits in",
    )
    .await;
}

/// `attendee_email` matches any attendee (not just the booker), ignoring
/// case, and only whole addresses (no pattern or substring matching).
pub async fn filter_by_attendee_email(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut group = booking("group", 60);
    group.attendees = vec![
        attendee("Bob", "bob@example.com", Tz::UTC),
        attendee("Carol", "Carol@Example.org", Tz::Pacific__Auckland),
    ];
    let mut dave = booking("dave", 120);
    dave.attendees = vec![attendee("Dave", "dave@example.com", Tz::America__Sao_Paulo)];
    let stored = [booking("ann", 0), group, dave];
    insert_all(repo, &tenant, &stored).await;
    let by = |email: &str| BookingFilter {
        attendee_email: Some(email.to_owned()),
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("ann@example.com"),
        &["ann"],
        "exact address of the booker",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("carol@example.org"),
        &["group"],
        "a second attendee matches",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("CAROL@EXAMPLE.ORG"),
        &["group"],
        "email matching ignores case",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("bob@example.com"),
        &["group"],
        "the first of several attendees matches",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("ann@example.co"),
        &[],
        "no prefix matching",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("nn@example.com"),
        &[],
        "no suffix matching",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("%"),
        &[],
        "'%' is not a wildcard",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("_nn@example.com"),
        &[],
        "'_' is not a wildcard",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by("Bob"),
        &[],
        "a name is not an email",
    )
    .await;
}

/// `updated_after` is strictly after: what polling sync asks for.
pub async fn filter_by_updated_after(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut stored = [
        booking("u-first", 0),
        booking("u-second", 60),
        booking("u-third", 120),
    ];
    for (i, b) in stored.iter_mut().enumerate() {
        let minutes = i64::try_from(i).unwrap_or(0);
        b.updated_at = at(-60) + TimeDelta::minutes(minutes);
    }
    insert_all(repo, &tenant, &stored).await;
    let by = |t| BookingFilter {
        updated_after: Some(t),
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(at(-60)),
        &["u-second", "u-third"],
        "updated_after is strict",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(at(-59) - TimeDelta::milliseconds(1)),
        &["u-second", "u-third"],
        "updated_after just before an update includes it",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &by(at(-58)),
        &[],
        "nothing updated after the last update",
    )
    .await;
}

/// Several filters together must all hold (AND, not OR).
pub async fn filters_combine(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut wrong_status = booking("wrong-status", 60);
    wrong_status.status = BookingStatus::Cancelled;
    let mut wrong_type = booking("wrong-type", 60);
    wrong_type.event_type_id = EventTypeId(8);
    let mut wrong_person = booking("wrong-person", 60);
    wrong_person.attendees = vec![attendee("Eve", "eve@example.com", Tz::UTC)];
    let mut old_update = booking("old-update", 60);
    old_update.updated_at = at(-600);
    let stored = [
        booking("match", 60),
        wrong_status,
        wrong_type,
        wrong_person,
        old_update,
        booking("too-early", 0),
        booking("too-late", 240),
    ];
    insert_all(repo, &tenant, &stored).await;
    let filter = BookingFilter {
        status: Some(BookingStatus::Accepted),
        event_type_id: Some(EventTypeId(7)),
        starts_after: Some(at(30)),
        ends_before: Some(at(180)),
        attendee_email: Some("ANN@example.com".to_owned()),
        updated_after: Some(at(-120)),
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &filter,
        &["match"],
        "every filter must hold at once",
    )
    .await;
}

/// Lists are ordered by start (as instants), then by uid compared byte by
/// byte (`B` before `a`), whatever the insertion order.
pub async fn list_orders_by_start_then_uid(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let mut far_future = booking("far-future", 0);
    far_future.start = at(60 * 24 * 365 * 70); // 2101
    far_future.end = far_future.start + TimeDelta::minutes(30);
    let mut past = booking("past", 0);
    past.start = some(
        DateTime::from_timestamp_millis(915_148_800_000),
        "1999 instant",
    );
    past.end = past.start + TimeDelta::minutes(30);
    let stored = [
        booking("b", 60),
        far_future,
        booking("z", 0),
        booking("B", 60),
        booking("a", 60),
        past,
        booking("m", 30),
        booking("a-", 60),
        booking("A", 61),
    ];
    insert_all(repo, &tenant, &stored).await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &BookingFilter::default(),
        &["past", "z", "m", "B", "a", "a-", "b", "A", "far-future"],
        "list must be ordered by start, then by uid byte order",
    )
    .await;
}

/// `limit` and `offset` page through the ordered list without gaps or
/// overlaps; a zero limit means the default page size.
pub async fn list_pages_with_limit_and_offset(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let stored: Vec<Booking> = (0..5)
        .map(|i| booking(&format!("page-{i}"), i64::from(i) * 30))
        .collect();
    insert_all(repo, &tenant, &stored).await;
    let page = |limit, offset| BookingFilter {
        limit,
        offset,
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(2, 0),
        &["page-0", "page-1"],
        "first page",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(2, 2),
        &["page-2", "page-3"],
        "second page",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(2, 4),
        &["page-4"],
        "last, partial page",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(2, 5),
        &[],
        "offset at the end",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(1, u32::MAX),
        &[],
        "huge offset",
    )
    .await;
    assert_lists(
        repo,
        &tenant,
        &stored,
        &page(0, 1),
        &["page-1", "page-2", "page-3", "page-4"],
        "limit 0 means the default page size",
    )
    .await;
    let filtered = BookingFilter {
        starts_after: Some(at(30)),
        limit: 2,
        offset: 1,
        ..Default::default()
    };
    assert_lists(
        repo,
        &tenant,
        &stored,
        &filtered,
        &["page-2", "page-3"],
        "paging applies after filtering",
    )
    .await;
}

/// No page is larger than [`BookingFilter::MAX_LIMIT`]; limit 0 gives
/// [`BookingFilter::DEFAULT_LIMIT`].
pub async fn list_caps_the_page_size(repo: &dyn BookingRepository) {
    let tenant = fresh_tenant();
    let count = BookingFilter::MAX_LIMIT + 1;
    let stored: Vec<Booking> = (0..count)
        .map(|i| booking(&format!("cap-{i:04}"), i64::from(i)))
        .collect();
    insert_all(repo, &tenant, &stored).await;
    let page = |limit, offset| BookingFilter {
        limit,
        offset,
        ..Default::default()
    };
    let default_page = list(repo, &tenant, &page(0, 0)).await;
    assert_eq!(
        uids(&default_page),
        expected_uids(&stored, &page(0, 0)),
        "limit 0 must return the first DEFAULT_LIMIT bookings"
    );
    assert_eq!(
        default_page.len(),
        100,
        "limit 0 must mean DEFAULT_LIMIT (100)"
    );
    let capped = list(repo, &tenant, &page(10_000, 0)).await;
    assert_eq!(
        capped.len(),
        usize::try_from(BookingFilter::MAX_LIMIT).unwrap_or(usize::MAX),
        "a limit above MAX_LIMIT must be capped at MAX_LIMIT"
    );
    let tail = list(repo, &tenant, &page(10_000, BookingFilter::MAX_LIMIT - 1)).await;
    assert_eq!(
        uids(&tail),
        [
            format!("cap-{:04}", count - 2),
            format!("cap-{:04}", count - 1)
        ],
        "the tail page must hold the last two bookings"
    );
}
