//! The no-double-booking guarantee at the database, under real
//! concurrency: exactly one of many overlapping writers wins, on both
//! backends, and the guarantee holds for raw SQL too (it lives in the
//! schema, not only in Rust).

use std::collections::BTreeMap;
use std::sync::Arc;

use calbridge_domain::ports::{
    AppointmentRepository, BookingRepository, SlotHoldRepository, UpsertOutcome,
};
use calbridge_domain::{
    AppointmentId, AppointmentRecord, Attendee, Booking, BookingSource, BookingStatus, BookingUid,
    DomainError, Email, EventTypeId, Host, NewSlotHold, SegmentPlan, TenantId,
};
use chrono::{DateTime, TimeDelta, Utc};

use crate::support::{with_postgres, with_sqlite};

const RACERS: usize = 200;

fn base() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_930_899_600_000).expect("instant")
}

fn now() -> DateTime<Utc> {
    base() - TimeDelta::days(1)
}

fn tenant() -> TenantId {
    TenantId::parse("race").expect("tenant")
}

/// Tallies outcomes: exactly one success, every other one SlotUnavailable.
fn assert_exactly_one_wins<T: std::fmt::Debug>(outcomes: Vec<Result<T, DomainError>>) {
    let wins = outcomes.iter().filter(|o| o.is_ok()).count();
    let refused = outcomes
        .iter()
        .filter(|o| matches!(o, Err(DomainError::SlotUnavailable { .. })))
        .count();
    let other: Vec<_> = outcomes
        .iter()
        .filter(|o| !matches!(o, Ok(_) | Err(DomainError::SlotUnavailable { .. })))
        .collect();
    assert!(other.is_empty(), "unexpected outcomes: {other:?}");
    assert_eq!(
        (wins, refused),
        (1, outcomes.len() - 1),
        "exactly one writer must win"
    );
}

/// 200 tasks each try to hold a different range of one host's time, all
/// containing 10:00-10:01: exactly one wins, 199 are SlotUnavailable.
async fn overlapping_holds_race<R>(repo: Arc<R>)
where
    R: SlotHoldRepository + 'static,
{
    let host = 7;
    let mut tasks = Vec::with_capacity(RACERS);
    for i in 0..RACERS {
        let repo = Arc::clone(&repo);
        let offset = i64::try_from(i % 30).expect("small");
        let hold = NewSlotHold::new(
            host,
            base() - TimeDelta::minutes(offset),
            base() + TimeDelta::minutes(1 + offset),
        )
        .expect("hold");
        tasks.push(tokio::spawn(async move {
            repo.acquire(&tenant(), &hold, now()).await
        }));
    }
    let mut outcomes = Vec::with_capacity(RACERS);
    for task in tasks {
        outcomes.push(task.await.expect("racer task"));
    }
    assert_exactly_one_wins(outcomes);
    let active = repo
        .active_for_host(
            &tenant(),
            host,
            base() - TimeDelta::hours(1),
            base() + TimeDelta::hours(1),
            now(),
        )
        .await
        .expect("active holds");
    assert_eq!(active.len(), 1, "one hold must be stored: {active:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_200_overlapping_holds_exactly_one_wins() {
    with_sqlite(overlapping_holds_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_200_overlapping_holds_exactly_one_wins() {
    with_postgres(overlapping_holds_race).await;
}

fn composite(first_host: u64, shared_host: u64) -> AppointmentRecord {
    let attendee = Attendee::new(
        "Ann",
        Email::parse("ann@example.com").expect("email"),
        chrono_tz::Tz::UTC,
    )
    .expect("attendee");
    let plan = |host, start: i64, end: i64| SegmentPlan {
        event_type_id: EventTypeId(1),
        host_id: host,
        start: base() + TimeDelta::minutes(start),
        end: base() + TimeDelta::minutes(end),
        pause_after_minutes: 0,
    };
    AppointmentRecord::new(
        AppointmentId::new(),
        attendee,
        BTreeMap::new(),
        vec![plan(first_host, 0, 30), plan(shared_host, 30, 60)],
        now(),
    )
    .expect("appointment")
}

/// 200 composite appointments, each with its own first host and one shared
/// host for the second segment: exactly one is stored, and the losers
/// leave no appointment and no hold behind.
async fn overlapping_appointments_race<R>(repo: Arc<R>)
where
    R: AppointmentRepository + SlotHoldRepository + 'static,
{
    let shared = 1_000_000;
    let records: Vec<AppointmentRecord> = (0..RACERS)
        .map(|i| composite(u64::try_from(i).expect("small") + 1, shared))
        .collect();
    let mut tasks = Vec::with_capacity(RACERS);
    for record in records.clone() {
        let repo = Arc::clone(&repo);
        tasks.push(tokio::spawn(async move {
            AppointmentRepository::create(&*repo, &tenant(), &record).await
        }));
    }
    let mut outcomes = Vec::with_capacity(RACERS);
    for task in tasks {
        outcomes.push(task.await.expect("racer task"));
    }
    let winner = outcomes
        .iter()
        .position(Result::is_ok)
        .expect("one appointment must be stored");
    assert_exactly_one_wins(outcomes);
    for (i, record) in records.iter().enumerate() {
        let stored = AppointmentRepository::get(&*repo, &tenant(), record.id)
            .await
            .expect("get");
        assert_eq!(stored.is_some(), i == winner, "only the winner is stored");
        let first_host_holds = repo
            .active_for_host(
                &tenant(),
                record.segments[0].host_id,
                base(),
                base() + TimeDelta::hours(1),
                now(),
            )
            .await
            .expect("holds");
        assert_eq!(
            first_host_holds.len(),
            usize::from(i == winner),
            "a loser's first segment must not keep a hold"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_200_overlapping_appointments_exactly_one_wins() {
    with_sqlite(overlapping_appointments_race).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_200_overlapping_appointments_exactly_one_wins() {
    with_postgres(overlapping_appointments_race).await;
}

fn mirrored(uid: &str, start_minutes: i64) -> Booking {
    Booking {
        uid: BookingUid::parse(uid).expect("uid"),
        event_type_id: EventTypeId(1),
        title: "Synced from Cal.com".into(),
        start: base() + TimeDelta::minutes(start_minutes),
        end: base() + TimeDelta::minutes(start_minutes + 30),
        status: BookingStatus::Accepted,
        host: Some(Host {
            id: 7,
            name: "Host".into(),
            email: "host@example.com".into(),
        }),
        attendees: vec![],
        metadata: BTreeMap::new(),
        rescheduled_from_uid: None,
        rescheduled_to_uid: None,
        cancellation_reason: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// The local booking copies mirror Cal.com, the authority: overlapping
/// accepted bookings of a host (e.g. synced while a stale row is still
/// there, or booked past us in Cal.com's UI) are stored, never refused,
/// even over our own hold.
async fn mirror_never_refuses_what_calcom_accepted<R>(repo: Arc<R>)
where
    R: BookingRepository + SlotHoldRepository + 'static,
{
    let hold = NewSlotHold::new(7, base(), base() + TimeDelta::minutes(30)).expect("hold");
    repo.acquire(&tenant(), &hold, now()).await.expect("hold");
    for (uid, start) in [("calcom-a", 0), ("calcom-b", 10), ("calcom-c", 0)] {
        assert_eq!(
            repo.upsert(&tenant(), &mirrored(uid, start), BookingSource::Sync)
                .await
                .expect("an accepted Cal.com booking must always be stored"),
            UpsertOutcome::Inserted
        );
    }
}

#[tokio::test]
async fn sqlite_mirror_never_refuses_what_calcom_accepted() {
    with_sqlite(mirror_never_refuses_what_calcom_accepted).await;
}

#[tokio::test]
async fn postgres_mirror_never_refuses_what_calcom_accepted() {
    with_postgres(mirror_never_refuses_what_calcom_accepted).await;
}

#[tokio::test]
async fn postgres_exclusion_constraint_guards_raw_sql() {
    with_postgres(|store| async move {
        let kind: String = sqlx::query_scalar(
            "SELECT contype::text FROM pg_constraint WHERE conname = 'slot_holds_no_overlap'",
        )
        .fetch_one(store.pool())
        .await
        .expect("the constraint exists");
        assert_eq!(kind, "x", "slot_holds_no_overlap must be an exclusion constraint");
        let insert = "INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status, created_at, updated_at)
                      VALUES (gen_random_uuid(), 'raw', 1, $1, $2, $3, now(), now())";
        let at = |m: i64| base() + TimeDelta::minutes(m);
        for (start, end, status) in [(0, 30, "held"), (30, 60, "confirmed"), (10, 20, "released")] {
            sqlx::query(insert)
                .bind(at(start))
                .bind(at(end))
                .bind(status)
                .execute(store.pool())
                .await
                .expect("non-overlapping or inactive holds are fine");
        }
        let error = sqlx::query(insert)
            .bind(at(29))
            .bind(at(31))
            .bind("held")
            .execute(store.pool())
            .await
            .expect_err("an overlapping active hold must be refused by the database");
        let code = error
            .as_database_error()
            .and_then(|e| e.code())
            .map(|c| c.into_owned());
        assert_eq!(code.as_deref(), Some("23P01"), "{error}");
    })
    .await;
}

#[tokio::test]
async fn sqlite_trigger_guards_raw_sql() {
    with_sqlite(|store| async move {
        let insert = "INSERT INTO slot_holds (id, tenant_id, host_id, start_at, end_at, status, created_at, updated_at)
                      VALUES (?1, 'raw', 1, ?2, ?3, ?4, 0, 0)";
        for (id, start, end, status) in [("a", 0, 30, "held"), ("b", 30, 60, "confirmed"), ("c", 10, 20, "released")] {
            sqlx::query(insert)
                .bind(id)
                .bind(start)
                .bind(end)
                .bind(status)
                .execute(store.pool())
                .await
                .expect("non-overlapping or inactive holds are fine");
        }
        let error = sqlx::query(insert)
            .bind("d")
            .bind(29)
            .bind(31)
            .bind("held")
            .execute(store.pool())
            .await
            .expect_err("an overlapping active hold must be refused by the database");
        assert!(error.to_string().contains("slot_holds_no_overlap"), "{error}");
        let error = sqlx::query("UPDATE slot_holds SET status = 'held' WHERE id = 'c'")
            .execute(store.pool())
            .await
            .expect_err("re-activating an overlapping hold must be refused too");
        assert!(error.to_string().contains("slot_holds_no_overlap"), "{error}");
    })
    .await;
}
