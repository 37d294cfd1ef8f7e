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
    SegmentRecord, SegmentStatus, SlotHoldId,
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
    moving_a_segment_moves_its_hold(repo, holds).await;
    a_move_into_held_time_changes_nothing(repo, holds).await;
    a_move_takes_over_the_replaced_hold_at_once(repo, holds).await;
    only_active_segments_move(repo, holds).await;
    reassigning_a_segment_passes_its_hold_to_the_new_host(repo, holds).await;
    a_reassignment_onto_held_time_changes_nothing(repo, holds).await;
    only_active_segments_change_host(repo, holds).await;
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

/// Books and confirms every segment of a fresh appointment of hosts A and B.
async fn confirmed(
    repo: &dyn AppointmentRepository,
    tenant: &TenantId,
    a: u64,
    b: u64,
) -> AppointmentRecord {
    let record = appointment(a, b);
    create(repo, tenant, &record).await;
    for position in 0..3u32 {
        ok(
            SUITE,
            repo.update_segment(
                tenant,
                record.id,
                position,
                SegmentStatus::Booked,
                Some(uid(&format!("cal-{}-{position}", record.id))),
                now(),
            )
            .await,
            "booking a segment",
        );
    }
    ok(
        SUITE,
        repo.set_status(tenant, record.id, AppointmentStatus::Confirmed, now())
            .await,
        "confirming",
    )
}

/// A reschedule: the segment takes its new time and booking uid, keeps its
/// status, bumps the version; its hold moves along (still one hold, still
/// confirmed, naming the new uid) and the old time is free. A short move
/// overlapping the segment's own old time is fine.
pub async fn moving_a_segment_moves_its_hold(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let when = now() + TimeDelta::minutes(2);
    let moved = ok(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(300),
            at(330),
            uid("cal-moved-1"),
            None,
            when,
        )
        .await,
        "move_segment",
    );
    let seg = some(SUITE, moved.segment(1), "segment 1");
    assert_eq!(
        (seg.start, seg.end, seg.booking_uid.clone(), seg.status),
        (
            at(300),
            at(330),
            Some(uid("cal-moved-1")),
            SegmentStatus::Confirmed
        ),
        "a moved segment has its new time and uid, and keeps its status"
    );
    assert_eq!(
        (moved.version, moved.updated_at, moved.status),
        (record.version + 1, when, AppointmentStatus::Confirmed),
        "a move bumps version and updated_at, keeping the appointment status"
    );
    assert_eq!(
        moved.segment(0),
        record.segment(0),
        "other segments stay where they are"
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&moved),
        "get must return the moved appointment"
    );
    assert_eq!(
        ok(
            SUITE,
            repo.find_by_booking_uid(&tenant, &uid("cal-moved-1")).await,
            "find_by_booking_uid"
        )
        .map(|r| r.id),
        Some(record.id),
        "the new uid finds the appointment"
    );
    assert!(
        is_free(holds, &tenant, b, 40, 70).await,
        "the old time must be free after a move"
    );
    let listed = ok(
        SUITE,
        holds
            .active_for_host(&tenant, b, at(0), at(400), now())
            .await,
        "active_for_host",
    );
    let [hold] = listed.as_slice() else {
        panic!(
            "{SUITE} conformance: host B must have exactly one hold after a move, got {listed:?}"
        );
    };
    assert_eq!(
        (
            hold.start,
            hold.end,
            hold.status,
            hold.booking_uid.clone(),
            hold.segment_position
        ),
        (
            at(300),
            at(330),
            HoldStatus::Confirmed,
            Some(uid("cal-moved-1")),
            Some(1)
        ),
        "the segment's hold follows it"
    );
    // A short move that overlaps the segment's own time.
    let nudged = ok(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(315),
            at(345),
            uid("cal-moved-2"),
            None,
            when,
        )
        .await,
        "a move overlapping the segment's own old time",
    );
    assert_eq!(some(SUITE, nudged.segment(1), "segment 1").start, at(315));
    assert!(
        is_free(holds, &tenant, b, 300, 315).await,
        "the part of the old time left behind is free"
    );
    assert!(
        !is_free(holds, &tenant, b, 340, 345).await,
        "the new time is held"
    );
}

/// Moving into time another hold of the host has is `SlotUnavailable`
/// and changes nothing: not the segment, not its hold, not the replacing
/// hold. The segments of one appointment count as each other's holds.
pub async fn a_move_into_held_time_changes_nothing(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let blocker = ok(SUITE, NewSlotHold::new(b, at(310), at(320)), "blocker");
    ok(
        SUITE,
        holds.acquire(&tenant, &blocker, now()).await,
        "acquiring the blocker",
    );
    let guard = ok(SUITE, NewSlotHold::new(b, at(290), at(305)), "guard")
        .expiring_at(now() + TimeDelta::minutes(5));
    ok(
        SUITE,
        holds.acquire(&tenant, &guard, now()).await,
        "acquiring the replacing hold",
    );
    assert_unavailable(
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(290),
            at(320),
            uid("cal-refused"),
            Some(guard.id),
            now(),
        )
        .await,
        "moving a segment into another hold's time",
    );
    assert_unavailable(
        repo.move_segment(
            &tenant,
            record.id,
            2,
            at(10),
            at(40),
            uid("cal-refused-2"),
            None,
            now(),
        )
        .await,
        "moving a segment onto another segment of the same host",
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&record),
        "a refused move must change nothing"
    );
    assert!(
        !is_free(holds, &tenant, b, 40, 70).await,
        "a refused move keeps the old time held"
    );
    let kept = some(
        SUITE,
        ok(SUITE, holds.get(&tenant, guard.id).await, "get"),
        "the replacing hold",
    );
    assert_eq!(
        kept.status,
        HoldStatus::Held,
        "a refused move must not release the replacing hold"
    );
    assert_eq!(
        ok(
            SUITE,
            repo.find_by_booking_uid(&tenant, &uid("cal-refused")).await,
            "find_by_booking_uid"
        ),
        None,
        "a refused move must not record the new uid"
    );
}

/// The standalone hold that guarded the new time is released in the move's
/// own transaction, so the segment can take exactly its time; a hold that
/// guards a segment cannot be "replaced"; unknown holds are `NotFound`.
pub async fn a_move_takes_over_the_replaced_hold_at_once(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let guard = ok(SUITE, NewSlotHold::new(b, at(300), at(330)), "guard")
        .expiring_at(now() + TimeDelta::minutes(5));
    ok(
        SUITE,
        holds.acquire(&tenant, &guard, now()).await,
        "acquiring the replacing hold",
    );
    let error = err(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(300),
            at(330),
            uid("cal-unknown-guard"),
            Some(SlotHoldId::new()),
            now(),
        )
        .await,
        "moving with an unknown replacing hold",
    );
    assert!(
        matches!(error, DomainError::NotFound { .. }),
        "unknown replacing hold: {error:?}"
    );
    let segment_hold = ok(
        SUITE,
        holds
            .active_for_host(&tenant, a, at(0), at(30), now())
            .await,
        "active_for_host",
    );
    let [segment_hold] = segment_hold.as_slice() else {
        panic!("{SUITE} conformance: host A must hold segment 0's time, got {segment_hold:?}");
    };
    let error = err(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(300),
            at(330),
            uid("cal-segment-guard"),
            Some(segment_hold.id),
            now(),
        )
        .await,
        "moving with a segment's hold as the replacing hold",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "a segment's hold as replacing hold: {error:?}"
    );
    let when = now() + TimeDelta::minutes(1);
    ok(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(300),
            at(330),
            uid("cal-taken-over"),
            Some(guard.id),
            when,
        )
        .await,
        "moving onto the replacing hold's time",
    );
    let replaced = some(
        SUITE,
        ok(SUITE, holds.get(&tenant, guard.id).await, "get"),
        "the replaced hold",
    );
    assert_eq!(
        (replaced.status, replaced.updated_at),
        (HoldStatus::Released, when),
        "the replaced hold is released by the move"
    );
    let listed = ok(
        SUITE,
        holds
            .active_for_host(&tenant, b, at(0), at(400), now())
            .await,
        "active_for_host",
    );
    assert!(
        listed.len() == 1 && listed.iter().all(|h| h.segment_position == Some(1)),
        "only the segment's hold is left on host B: {listed:?}"
    );
}

/// A cancelled segment has no time to move (`Conflict`); unknown
/// appointments and positions are `NotFound`; an empty range is
/// `InvalidInput`. None of them change anything.
pub async fn only_active_segments_move(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b) = (fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let cancelled = ok(
        SUITE,
        repo.update_segment(&tenant, record.id, 1, SegmentStatus::Cancelled, None, now())
            .await,
        "cancelling segment 1",
    );
    let error = err(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            1,
            at(300),
            at(330),
            uid("cal-dead"),
            None,
            now(),
        )
        .await,
        "moving a cancelled segment",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "moving a cancelled segment: {error:?}"
    );
    assert!(
        is_free(holds, &tenant, b, 300, 330).await,
        "a refused move takes no time"
    );
    let other = fresh_tenant();
    for (who, id, position) in [
        (&tenant, AppointmentId::new(), 0),
        (&other, record.id, 0),
        (&tenant, record.id, 3),
    ] {
        let error = err(
            SUITE,
            repo.move_segment(
                who,
                id,
                position,
                at(300),
                at(330),
                uid("cal-x"),
                None,
                now(),
            )
            .await,
            "moving an unknown segment",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "move_segment: {error:?}"
        );
    }
    let error = err(
        SUITE,
        repo.move_segment(
            &tenant,
            record.id,
            0,
            at(300),
            at(300),
            uid("cal-empty"),
            None,
            now(),
        )
        .await,
        "moving a segment to an empty range",
    );
    assert!(
        matches!(error, DomainError::InvalidInput { .. }),
        "empty range: {error:?}"
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&cancelled),
        "refused moves must change nothing"
    );
}

/// Cal.com assigned another host: the segment keeps its time, status and
/// uid under the new host and bumps the version; its hold (still one,
/// still confirmed) follows, so the old host's time is free and the new
/// host's is held. A lapsed hold of the new host in the way is released;
/// reassigning to the current host changes nothing.
pub async fn reassigning_a_segment_passes_its_hold_to_the_new_host(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b, c) = (fresh_host(), fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let lapsed = ok(SUITE, NewSlotHold::new(c, at(60), at(90)), "lapsing hold")
        .expiring_at(now() + TimeDelta::minutes(1));
    ok(
        SUITE,
        holds.acquire(&tenant, &lapsed, now()).await,
        "acquiring the lapsing hold",
    );
    let when = now() + TimeDelta::minutes(2);
    let reassigned = ok(
        SUITE,
        repo.reassign_host(&tenant, record.id, 1, c, when).await,
        "reassign_host",
    );
    let before = some(SUITE, record.segment(1), "segment 1");
    assert_eq!(
        reassigned.segment(1),
        Some(&SegmentRecord {
            host_id: c,
            ..before.clone()
        }),
        "a reassigned segment has the new host and keeps everything else"
    );
    assert_eq!(
        (reassigned.version, reassigned.updated_at, reassigned.status),
        (record.version + 1, when, AppointmentStatus::Confirmed),
        "a reassignment bumps version and updated_at, keeping the appointment status"
    );
    assert_eq!(
        (reassigned.segment(0), reassigned.segment(2)),
        (record.segment(0), record.segment(2)),
        "other segments keep their host"
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&reassigned),
        "get must return the reassigned appointment"
    );
    let released = some(
        SUITE,
        ok(SUITE, holds.get(&tenant, lapsed.id).await, "get"),
        "the lapsed hold",
    );
    assert_eq!(
        released.status,
        HoldStatus::Released,
        "a lapsed hold of the new host in the way is released"
    );
    assert!(
        is_free(holds, &tenant, b, 40, 70).await,
        "the old host's time must be free after a reassignment"
    );
    assert!(
        !is_free(holds, &tenant, c, 50, 60).await,
        "the new host's time must be held after a reassignment"
    );
    let listed = ok(
        SUITE,
        holds
            .active_for_host(&tenant, c, at(0), at(200), now())
            .await,
        "active_for_host",
    );
    let [hold] = listed.as_slice() else {
        panic!("{SUITE} conformance: host C must have exactly one hold, got {listed:?}");
    };
    assert_eq!(
        (
            hold.start,
            hold.end,
            hold.status,
            hold.booking_uid.clone(),
            hold.appointment_id,
            hold.segment_position
        ),
        (
            at(40),
            at(70),
            HoldStatus::Confirmed,
            before.booking_uid.clone(),
            Some(record.id),
            Some(1)
        ),
        "the segment's hold follows it to the new host"
    );
    let again = ok(
        SUITE,
        repo.reassign_host(&tenant, record.id, 1, c, when + TimeDelta::minutes(1))
            .await,
        "reassigning to the current host",
    );
    assert_eq!(
        again, reassigned,
        "reassigning to the current host changes nothing"
    );
}

/// Reassigning onto a host whose time is held (by a standalone hold or
/// another appointment's segment) is `SlotUnavailable` and changes
/// nothing: the segment, its hold on the old host and the blocker all
/// stay.
pub async fn a_reassignment_onto_held_time_changes_nothing(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b, c) = (fresh_host(), fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let blocker = ok(SUITE, NewSlotHold::new(c, at(60), at(65)), "blocker");
    ok(
        SUITE,
        holds.acquire(&tenant, &blocker, now()).await,
        "acquiring the blocker",
    );
    assert_unavailable(
        repo.reassign_host(&tenant, record.id, 1, c, now()).await,
        "reassigning a segment onto another hold's time",
    );
    let (d, e) = (fresh_host(), fresh_host());
    create(repo, &tenant, &appointment(d, e)).await;
    assert_unavailable(
        repo.reassign_host(&tenant, record.id, 1, e, now()).await,
        "reassigning a segment onto another appointment's segment",
    );
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&record),
        "a refused reassignment must change nothing"
    );
    assert!(
        !is_free(holds, &tenant, b, 40, 70).await,
        "a refused reassignment keeps the old host's time held"
    );
    assert!(
        is_free(holds, &tenant, c, 40, 60).await,
        "a refused reassignment takes none of the new host's time"
    );
    let kept = some(
        SUITE,
        ok(SUITE, holds.get(&tenant, blocker.id).await, "get"),
        "the blocker",
    );
    assert_eq!(kept.status, HoldStatus::Held, "the blocker stays held");
}

/// A cancelled segment holds no time to pass on (`Conflict`); unknown
/// appointments and positions are `NotFound`. None of them change
/// anything.
pub async fn only_active_segments_change_host(
    repo: &dyn AppointmentRepository,
    holds: &dyn SlotHoldRepository,
) {
    let tenant = fresh_tenant();
    let (a, b, c) = (fresh_host(), fresh_host(), fresh_host());
    let record = confirmed(repo, &tenant, a, b).await;
    let cancelled = ok(
        SUITE,
        repo.update_segment(&tenant, record.id, 1, SegmentStatus::Cancelled, None, now())
            .await,
        "cancelling segment 1",
    );
    let error = err(
        SUITE,
        repo.reassign_host(&tenant, record.id, 1, c, now()).await,
        "reassigning a cancelled segment",
    );
    assert!(
        matches!(error, DomainError::Conflict { .. }),
        "reassigning a cancelled segment: {error:?}"
    );
    assert!(
        is_free(holds, &tenant, c, 40, 70).await,
        "a refused reassignment takes no time"
    );
    let other = fresh_tenant();
    for (who, id, position) in [
        (&tenant, AppointmentId::new(), 0),
        (&other, record.id, 0),
        (&tenant, record.id, 3),
    ] {
        let error = err(
            SUITE,
            repo.reassign_host(who, id, position, c, now()).await,
            "reassigning an unknown segment",
        );
        assert!(
            matches!(error, DomainError::NotFound { .. }),
            "reassign_host: {error:?}"
        );
    }
    assert_eq!(
        get(repo, &tenant, record.id).await.as_ref(),
        Some(&cancelled),
        "refused reassignments must change nothing"
    );
}
