//! Conformance suite for [`AppointmentRepository`]: composite appointments
//! stored all or nothing, with segment holds that share the slot-hold
//! guarantee. Checks take the slot-hold repository of the same store too,
//! to see the holds from outside.
//!
//! Each check is a `pub async fn` that can run alone and panics with a
//! message naming the broken rule; fresh tenants and hosts keep runs on a
//! shared database apart.

use std::collections::BTreeMap;

use chrono::TimeDelta;
use chrono_tz::Tz;

use super::support::{at, err, fresh_host, fresh_tenant, ok, some};
use crate::error::DomainError;
use crate::ids::{AppointmentId, BookingUid, EventTypeId, TenantId};
use crate::models::{
    AppointmentRecord, AppointmentStatus, Attendee, Email, HoldStatus, NewSlotHold, SegmentPlan,
    SegmentStatus,
};
use crate::ports::{AppointmentRepository, SlotHoldRepository};

const SUITE: &str = "appointment repository";

/// Runs every check, one after another.
pub async fn run_all(repo: &dyn AppointmentRepository, holds: &dyn SlotHoldRepository) {
    create_then_get_round_trips(repo).await;
    segments_hold_their_hosts_time(repo, holds).await;
    create_is_all_or_nothing(repo, holds).await;
    two_appointments_cannot_share_a_hosts_time(repo).await;
    segment_updates_move_their_holds(repo, holds).await;
    confirming_needs_every_segment_booked(repo, holds).await;
    ending_an_appointment_releases_everything(repo, holds).await;
    unknown_appointments_are_not_found(repo).await;
    duplicate_ids_conflict(repo).await;
    segment_holds_change_only_through_the_appointment(repo, holds).await;
}

fn now() -> chrono::DateTime<chrono::Utc> {
    at(-24 * 60)
}

fn uid(s: &str) -> BookingUid {
    ok(SUITE, BookingUid::parse(s), "building a uid")
}

/// Three segments: host A 0-30, host B 40-70 (pause 10 after the first),
/// host A again 80-110.
fn appointment(a: u64, b: u64) -> AppointmentRecord {
    let attendee = ok(
        SUITE,
        Attendee::new(
            "Zoë Ångström",
            ok(SUITE, Email::parse("zoe@example.org"), "email"),
            Tz::Europe__Berlin,
        ),
        "attendee",
    );
    let metadata: BTreeMap<String, String> =
        [("source".to_owned(), "conformance \"suite\"".to_owned())].into();
    let plan = |host, start, end, pause| SegmentPlan {
        event_type_id: EventTypeId(9_007_199_254_740_993),
        host_id: host,
        start: at(start),
        end: at(end),
        pause_after_minutes: pause,
    };
    ok(
        SUITE,
        AppointmentRecord::new(
            AppointmentId::new(),
            attendee,
            metadata,
            vec![plan(a, 0, 30, 10), plan(b, 40, 70, 10), plan(a, 80, 110, 0)],
            now(),
        ),
        "building an appointment",
    )
}

async fn create(repo: &dyn AppointmentRepository, tenant: &TenantId, record: &AppointmentRecord) {
    ok(SUITE, repo.create(tenant, record).await, "create");
}

async fn get(
    repo: &dyn AppointmentRepository,
    tenant: &TenantId,
    id: AppointmentId,
) -> Option<AppointmentRecord> {
    ok(SUITE, repo.get(tenant, id).await, "get")
}

fn assert_unavailable<T: std::fmt::Debug>(result: crate::Result<T>, rule: &str) {
    let error = err(SUITE, result, rule);
    assert!(
        matches!(error, DomainError::SlotUnavailable { .. }),
        "{SUITE} conformance: {rule}: expected SlotUnavailable, got {error:?}"
    );
}

/// Whether `host`'s time `[start, end)` (minutes) can be held right now.
async fn is_free(
    holds: &dyn SlotHoldRepository,
    tenant: &TenantId,
    host: u64,
    start: i64,
    end: i64,
) -> bool {
    let probe = ok(
        SUITE,
        NewSlotHold::new(host, at(start), at(end)),
        "building a probe hold",
    );
    match holds.acquire(tenant, &probe, now()).await {
        Ok(hold) => {
            ok(
                SUITE,
                holds.release(tenant, hold.id, now()).await,
                "releasing a probe hold",
            );
            true
        }
        Err(DomainError::SlotUnavailable { .. }) => false,
        Err(other) => panic!("{SUITE} conformance: probing a host's time failed: {other}"),
    }
}

/// Every field of the appointment and its segments reads back as stored.
pub async fn create_then_get_round_trips(repo: &dyn AppointmentRepository) {
    let tenant = fresh_tenant();
    let record = appointment(fresh_host(), fresh_host());
    create(repo, &tenant, &record).await;
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&record),
        "get must return exactly what was created"
    );
    assert_eq!(
        get(repo, &fresh_tenant(), record.id).await,
        None,
        "another tenant must not see the appointment"
    );
}

/// Each active segment takes its host's time; other hosts are unaffected.
pub async fn segments_hold_their_hosts_time(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    create(repo, &tenant, &appointment(a, b)).await;
    assert!(
        !is_free(holds, &tenant, a, 10, 20).await,
        "segment 0 must hold host A's time"
    );
    assert!(
        !is_free(holds, &tenant, b, 50, 60).await,
        "segment 1 must hold host B's time"
    );
    assert!(
        !is_free(holds, &tenant, a, 100, 130).await,
        "segment 2 must hold host A's time"
    );
    assert!(
        is_free(holds, &tenant, a, 40, 70).await,
        "host A is free while host B works"
    );
    assert!(
        is_free(holds, &tenant, fresh_host(), 0, 30).await,
        "other hosts are free"
    );
}

/// When one segment's time is taken, nothing of the appointment is stored:
/// no appointment, no segments, no holds of the earlier segments.
pub async fn create_is_all_or_nothing(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let blocker = ok(SUITE, NewSlotHold::new(a, at(100), at(120)), "blocker");
    ok(
        SUITE,
        holds.acquire(&tenant, &blocker, now()).await,
        "acquiring the blocker",
    );
    let record = appointment(a, b);
    assert_unavailable(
        repo.create(&tenant, &record).await,
        "creating an appointment whose last segment overlaps a hold",
    );
    assert_eq!(
        get(repo, &tenant, record.id).await,
        None,
        "a refused appointment must not be stored"
    );
    assert!(
        is_free(holds, &tenant, a, 0, 30).await,
        "segment 0's hold must be rolled back"
    );
    assert!(
        is_free(holds, &tenant, b, 40, 70).await,
        "segment 1's hold must be rolled back"
    );
}

/// Two appointments overlapping on one host: the second is refused.
pub async fn two_appointments_cannot_share_a_hosts_time(repo: &dyn AppointmentRepository) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    create(repo, &tenant, &appointment(a, b)).await;
    assert_unavailable(
        repo.create(&tenant, &appointment(fresh_host(), b)).await,
        "a second appointment overlapping host B's segment",
    );
}

/// Segment updates record status and uid, bump the version, and move the
/// hold: cancelled frees the time, re-activating takes it again (or fails
/// when it is gone, changing nothing).
pub async fn segment_updates_move_their_holds(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = appointment(a, b);
    create(repo, &tenant, &record).await;
    let when = now() + TimeDelta::minutes(1);
    let booked = ok(
        SUITE,
        repo.update_segment(
            &tenant,
            record.id,
            1,
            SegmentStatus::Booked,
            Some(uid("cal-b-1")),
            when,
        )
        .await,
        "update_segment to booked",
    );
    let seg = some(SUITE, booked.segment(1), "segment 1");
    assert_eq!(
        (seg.status, seg.booking_uid.clone()),
        (SegmentStatus::Booked, Some(uid("cal-b-1")))
    );
    assert_eq!(
        (booked.version, booked.updated_at),
        (2, when),
        "an update bumps version and updated_at"
    );
    assert_eq!(
        booked.status,
        AppointmentStatus::Pending,
        "a segment update keeps the appointment status"
    );
    let found = ok(
        SUITE,
        repo.find_by_booking_uid(&tenant, &uid("cal-b-1")).await,
        "find_by_booking_uid",
    );
    assert_eq!(
        found.as_ref(),
        Some(&booked),
        "find_by_booking_uid must find the appointment"
    );
    assert_eq!(
        ok(
            SUITE,
            repo.find_by_booking_uid(&fresh_tenant(), &uid("cal-b-1"))
                .await,
            "find_by_booking_uid"
        ),
        None,
        "another tenant must not find it"
    );
    assert!(
        !is_free(holds, &tenant, b, 40, 70).await,
        "a booked segment keeps its time"
    );

    let cancelled = ok(
        SUITE,
        repo.update_segment(&tenant, record.id, 1, SegmentStatus::Cancelled, None, when)
            .await,
        "update_segment to cancelled",
    );
    let seg = some(SUITE, cancelled.segment(1), "segment 1");
    assert_eq!(
        (seg.status, seg.booking_uid.clone()),
        (SegmentStatus::Cancelled, Some(uid("cal-b-1"))),
        "no uid given keeps the stored one"
    );
    assert!(
        is_free(holds, &tenant, b, 40, 70).await,
        "a cancelled segment frees its time"
    );

    let blocker = ok(SUITE, NewSlotHold::new(b, at(50), at(55)), "blocker");
    ok(
        SUITE,
        holds.acquire(&tenant, &blocker, now()).await,
        "taking the freed time",
    );
    assert_unavailable(
        repo.update_segment(&tenant, record.id, 1, SegmentStatus::Pending, None, when)
            .await,
        "re-activating a segment whose time was taken",
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&cancelled),
        "a refused update must change nothing"
    );
}

/// Confirming needs every segment booked; then all become confirmed and
/// keep their time.
pub async fn confirming_needs_every_segment_booked(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = appointment(a, b);
    create(repo, &tenant, &record).await;
    let error = err(
        SUITE,
        repo.set_status(&tenant, record.id, AppointmentStatus::Confirmed, now())
            .await,
        "confirming with pending segments",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "confirming with pending segments: {error:?}"
    );
    for position in 0..3u32 {
        ok(
            SUITE,
            repo.update_segment(
                &tenant,
                record.id,
                position,
                SegmentStatus::Booked,
                Some(uid(&format!("cal-{position}"))),
                now(),
            )
            .await,
            "booking a segment",
        );
    }
    let confirmed = ok(
        SUITE,
        repo.set_status(&tenant, record.id, AppointmentStatus::Confirmed, now())
            .await,
        "confirming",
    );
    assert_eq!(confirmed.status, AppointmentStatus::Confirmed);
    assert!(
        confirmed
            .segments
            .iter()
            .all(|s| s.status == SegmentStatus::Confirmed),
        "confirming must confirm every segment: {:?}",
        confirmed.segments
    );
    assert!(
        !is_free(holds, &tenant, a, 0, 30).await,
        "a confirmed segment keeps its time"
    );
    let listed = ok(
        SUITE,
        holds
            .active_for_host(&tenant, a, at(0), at(200), now())
            .await,
        "active_for_host",
    );
    assert!(
        listed.len() == 2 && listed.iter().all(|h| h.status == HoldStatus::Confirmed),
        "confirmed segments' holds must be confirmed: {listed:?}"
    );
}

/// Cancelling (or failing) an appointment ends every active segment and
/// frees all their time.
pub async fn ending_an_appointment_releases_everything(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    for end in [AppointmentStatus::Cancelled, AppointmentStatus::Failed] {
        let tenant = fresh_tenant();
        let (a, b) = (fresh_host(), fresh_host());
        let record = appointment(a, b);
        create(repo, &tenant, &record).await;
        ok(
            SUITE,
            repo.update_segment(
                &tenant,
                record.id,
                0,
                SegmentStatus::Booked,
                Some(uid("cal-0")),
                now(),
            )
            .await,
            "booking segment 0",
        );
        let ended = ok(
            SUITE,
            repo.set_status(&tenant, record.id, end, now()).await,
            "ending",
        );
        let statuses: Vec<SegmentStatus> = ended.segments.iter().map(|s| s.status).collect();
        assert_eq!(
            statuses,
            [
                SegmentStatus::Cancelled,
                SegmentStatus::Failed,
                SegmentStatus::Failed
            ],
            "ending must cancel booked segments and fail pending ones ({end:?})"
        );
        assert_eq!(ended.status, end);
        assert!(
            is_free(holds, &tenant, a, 0, 110).await,
            "host A must be free after {end:?}"
        );
        assert!(
            is_free(holds, &tenant, b, 40, 70).await,
            "host B must be free after {end:?}"
        );
    }
}

/// Unknown appointments (or other tenants', or unknown positions) are
/// `None` to read and `NotFound` to change.
pub async fn unknown_appointments_are_not_found(repo: &dyn AppointmentRepository) {
    let tenant = fresh_tenant();
    let record = appointment(fresh_host(), fresh_host());
    create(repo, &tenant, &record).await;
    let other = fresh_tenant();
    for (who, id, position) in [
        (&tenant, AppointmentId::new(), 0),
        (&other, record.id, 0),
        (&tenant, record.id, 3),
    ] {
        let error = err(
            SUITE,
            repo.update_segment(who, id, position, SegmentStatus::Booked, None, now())
                .await,
            "updating an unknown segment",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "update_segment: {error:?}"
        );
    }
    for (who, id) in [(&tenant, AppointmentId::new()), (&other, record.id)] {
        let error = err(
            SUITE,
            repo.set_status(who, id, AppointmentStatus::Cancelled, now())
                .await,
            "ending an unknown appointment",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "set_status: {error:?}"
        );
    }
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&record),
        "nothing must have changed"
    );
    assert_eq!(
        ok(
            SUITE,
            repo.find_by_booking_uid(&tenant, &uid("never-booked"))
                .await,
            "find_by_booking_uid"
        ),
        None
    );
}

/// An appointment id can be used once.
pub async fn duplicate_ids_conflict(repo: &dyn AppointmentRepository) {
    let tenant = fresh_tenant();
    let first = appointment(fresh_host(), fresh_host());
    create(repo, &tenant, &first).await;
    let mut again = appointment(fresh_host(), fresh_host());
    again.id = first.id;
    let error = err(
        SUITE,
        repo.create(&tenant, &again).await,
        "reusing an appointment id",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "reusing an appointment id: {error:?}"
    );
}

/// Segment holds are visible as holds, but only the appointment may change
/// them.
pub async fn segment_holds_change_only_through_the_appointment(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = appointment(a, b);
    create(repo, &tenant, &record).await;
    let listed = ok(
        SUITE,
        holds
            .active_for_host(&tenant, b, at(0), at(200), now())
            .await,
        "active_for_host",
    );
    let [segment_hold] = listed.as_slice() else {
        panic!("{SUITE} conformance: host B must have exactly one hold, got {listed:?}");
    };
    assert_eq!(
        (
            segment_hold.appointment_id,
            segment_hold.segment_position,
            segment_hold.status
        ),
        (Some(record.id), Some(1), HoldStatus::Held),
        "a segment's hold names its appointment and position"
    );
    let error = err(
        SUITE,
        holds.release(&tenant, segment_hold.id, now()).await,
        "releasing a segment hold directly",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "release: {error:?}"
    );
    let error = err(
        SUITE,
        holds.confirm(&tenant, segment_hold.id, None, now()).await,
        "confirming a segment hold directly",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "confirm: {error:?}"
    );
}
