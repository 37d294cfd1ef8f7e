//! Rescheduling: Cal.com moves the booking (a new booking with a new uid,
//! the old one cancelled); with local holds, the new time is held before
//! Cal.com is asked and the appointment segment follows the booking.

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{DomainError, Result};
use crate::ids::{AppointmentId, BookingUid};
use crate::models::{Booking, BookingSource, NewSlotHold, SlotHoldId};
use crate::usecases::composite::OWN_ACCOUNT_HOST;
use crate::usecases::{BookingService, LocalHolds};

/// How long the hold on a reschedule's new time lasts unless it is handed
/// to the segment first: longer than a Cal.com call with its retries, short
/// enough that a crash mid-call frees the time soon.
const RESCHEDULE_HOLD_TTL: TimeDelta = TimeDelta::minutes(5);

/// What guards a reschedule in flight, and what to do with it after.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Guard {
    /// The active appointment segment behind the booking, if it is ours;
    /// it moves to the new time when Cal.com agrees.
    segment: Option<(AppointmentId, u32)>,
    /// The standalone hold on the part of the new time the segment does not
    /// already hold; `None` when nothing needed holding.
    hold: Option<SlotHoldId>,
}

impl BookingService {
    /// Moves a booking to a new start. Cal.com answers with a *new* booking
    /// (new uid, `rescheduled_from_uid` = the old one); the old one becomes
    /// cancelled with `rescheduled_to_uid`. Both copies are stored so the
    /// lineage survives locally.
    ///
    /// With local holds the new time is held (for a few minutes) before
    /// Cal.com is asked, so none of our own bookings in flight can
    /// take it meanwhile; the booking's appointment segment then moves to
    /// the new time and uid, its hold with it, in one store transaction.
    /// Once Cal.com has agreed, store trouble is logged, not returned: Cal.com
    /// is the authority and the sync repairs the local copy.
    ///
    /// # Errors
    /// `InvalidInput` for a past start; `SlotUnavailable` when the new time
    /// is taken (at Cal.com, or held by calbridge, in which case Cal.com is
    /// not asked); `NotFound` for an unknown uid; storage errors while
    /// taking the hold.
    pub async fn reschedule(
        &self,
        uid: &BookingUid,
        new_start: DateTime<Utc>,
        reason: Option<String>,
    ) -> Result<Booking> {
        if new_start <= self.clock.now() {
            return Err(DomainError::invalid("start", "must be in the future"));
        }
        let reason = reason
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty());
        if reason.as_ref().is_some_and(|r| r.chars().count() > 500) {
            return Err(DomainError::invalid(
                "reschedulingReason",
                "at most 500 characters",
            ));
        }
        let guard = match &self.local {
            Some(local) => Some((local, self.guard_new_time(local, uid, new_start).await?)),
            None => None,
        };
        let new = match self
            .calendar
            .reschedule_booking(uid, new_start, reason)
            .await
        {
            Ok(new) => new,
            Err(e) => {
                if let Some((local, guard)) = &guard {
                    self.release_guard(local, guard.hold).await;
                }
                return Err(e);
            }
        };
        self.invalidate_slots().await;
        self.store(&new, BookingSource::Ours).await;
        // The old booking's new state (cancelled, pointing at the new uid).
        let old = match self.calendar.get_booking(uid).await {
            Ok(old) => {
                self.store(&old, BookingSource::Ours).await;
                Some(old)
            }
            Err(e) => {
                tracing::warn!(%uid, error = %e, "old half of reschedule not refreshed");
                None
            }
        };
        if let Some((local, guard)) = guard {
            self.settle_guard(local, guard, &new).await;
        }
        // Normally the segment moved above; if it could not, it ends here.
        if let Some(old) = old
            && let Err(e) = self.follow_calendar_change(&old).await
        {
            tracing::warn!(%uid, error = %e, "old segment not released; the sync retries");
        }
        tracing::info!(old = %uid, new = %new.uid, "rescheduled");
        Ok(new)
    }

    /// Holds the new time for the host the booking's time belongs to: the
    /// segment's host when the booking is ours, else the booking's host as
    /// the event type names it ([`OWN_ACCOUNT_HOST`] when unknown).
    async fn guard_new_time(
        &self,
        local: &LocalHolds,
        uid: &BookingUid,
        new_start: DateTime<Utc>,
    ) -> Result<Guard> {
        let now = self.clock.now();
        let record = local
            .appointments
            .find_by_booking_uid(&self.tenant, uid)
            .await?;
        let segment = record.as_ref().and_then(|r| {
            r.segments
                .iter()
                .find(|s| s.booking_uid.as_ref() == Some(uid))
                .map(|s| (r.id, s))
        });
        let (host, length, moving) = match segment {
            Some((id, s)) => {
                let active = s.status.is_active();
                (
                    s.host_id,
                    s.end - s.start,
                    active.then_some((id, s.position, s.start, s.end)),
                )
            }
            None => {
                let booking = self.booking_to_reschedule(uid).await?;
                let host = self.host_of(&booking).await?;
                (host, booking.end - booking.start, None)
            }
        };
        let new_end = new_start + length;
        // The segment already holds its own time; only the rest needs a hold.
        let (from, to) = match moving {
            Some((_, _, start, end)) if start < new_end && new_start < end => {
                if new_start < start {
                    (new_start, start)
                } else {
                    (end, new_end)
                }
            }
            _ => (new_start, new_end),
        };
        let hold = if from < to {
            let request = NewSlotHold::new(host, from, to)?.expiring_at(now + RESCHEDULE_HOLD_TTL);
            let held = local.holds.acquire(&self.tenant, &request, now).await?;
            Some(held.id)
        } else {
            None
        };
        Ok(Guard {
            segment: moving.map(|(id, position, _, _)| (id, position)),
            hold,
        })
    }

    /// The booking as stored locally, or as the calendar has it.
    async fn booking_to_reschedule(&self, uid: &BookingUid) -> Result<Booking> {
        match self.repository.get(&self.tenant, uid).await {
            Ok(Some(booking)) => return Ok(booking),
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(%uid, error = %e, "local copy unreadable; asking the calendar")
            }
        }
        self.calendar.get_booking(uid).await
    }

    /// Whose time a booking made outside calbridge takes, the way
    /// [`BookingService::plan_composite`] would pick it: its host when the
    /// event type has it, else the event type's lead host.
    async fn host_of(&self, booking: &Booking) -> Result<u64> {
        let types = self.event_types().await?;
        let Some(et) = types.iter().find(|t| t.id == booking.event_type_id) else {
            return Ok(OWN_ACCOUNT_HOST);
        };
        Ok(booking
            .host
            .as_ref()
            .map(|h| h.id)
            .filter(|id| et.host_ids.contains(id))
            .unwrap_or_else(|| et.lead_host()))
    }

    /// After Cal.com agreed: the segment takes the new time from the
    /// standalone hold in one transaction; a foreign booking's hold has
    /// done its job and goes.
    async fn settle_guard(&self, local: &LocalHolds, guard: Guard, new: &Booking) {
        let Some((id, position)) = guard.segment else {
            self.release_guard(local, guard.hold).await;
            return;
        };
        let moved = local
            .appointments
            .move_segment(
                &self.tenant,
                id,
                position,
                new.start,
                new.end,
                new.uid.clone(),
                guard.hold,
                self.clock.now(),
            )
            .await;
        match moved {
            Ok(record) => {
                let held_by = record.segment(position).map(|s| s.host_id);
                self.follow_new_host(local, id, position, held_by, new)
                    .await;
            }
            Err(e) => {
                tracing::error!(appointment = %id, position, new = %new.uid, error = %e,
                    "segment not moved to the rescheduled time; sync will repair it");
                self.release_guard(local, guard.hold).await;
            }
        }
    }

    /// Round robin may hand a rescheduled booking to another host; the
    /// segment's hold follows whoever Cal.com assigned, when that person
    /// hosts the event type. A refusal keeps the hold where it is (the
    /// time stays guarded, under the old name).
    async fn follow_new_host(
        &self,
        local: &LocalHolds,
        id: AppointmentId,
        position: u32,
        held_by: Option<u64>,
        new: &Booking,
    ) {
        let Some(assigned) = new.host.as_ref().map(|h| h.id) else {
            return;
        };
        if held_by == Some(assigned) {
            return;
        }
        let hosts_it = match self.event_types().await {
            Ok(types) => types
                .iter()
                .any(|t| t.id == new.event_type_id && t.host_ids.contains(&assigned)),
            Err(_) => false,
        };
        if !hosts_it {
            return;
        }
        if let Err(e) = local
            .appointments
            .reassign_host(&self.tenant, id, position, assigned, self.clock.now())
            .await
        {
            tracing::warn!(appointment = %id, position, host = assigned, error = %e,
                "hold stays on the previous host after the reschedule");
        }
    }

    /// Gives the standalone hold back; if that fails it lapses on its own.
    async fn release_guard(&self, local: &LocalHolds, hold: Option<SlotHoldId>) {
        let Some(hold) = hold else {
            return;
        };
        if let Err(e) = local
            .holds
            .release(&self.tenant, hold, self.clock.now())
            .await
        {
            tracing::warn!(%hold, error = %e, "reschedule hold not released; it lapses");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::sync::{Arc, Mutex};

    use chrono::TimeDelta;
    use mockall::Sequence;

    use super::RESCHEDULE_HOLD_TTL;
    use crate::error::{DomainError, Upstream};
    use crate::ids::{AppointmentId, BookingUid, EventTypeId};
    use crate::models::{
        AppointmentRecord, AppointmentStatus, Booking, BookingStatus, EventType, HoldStatus,
        Scheduling, SegmentRecord, SegmentStatus, SlotHold, SlotHoldId,
    };
    use crate::ports::{
        MockAppointmentRepository, MockBookingRepository, MockCalendarPort, MockSlotHoldRepository,
        UpsertOutcome,
    };
    use crate::usecases::test_support::*;
    use crate::usecases::{BookingService, LocalHolds};

    #[tokio::test]
    async fn stores_both_halves_of_the_lineage() {
        let appt = appointment(now() + TimeDelta::hours(2));
        let mut old = booking_for(&appt, "old");
        let mut new = booking_for(&appt, "new");
        new.start += TimeDelta::hours(1);
        new.rescheduled_from_uid = Some(old.uid.clone());
        old.status = BookingStatus::Cancelled;
        old.rescheduled_to_uid = Some(new.uid.clone());

        let mut cal = MockCalendarPort::new();
        let n = new.clone();
        cal.expect_reschedule_booking()
            .times(1)
            .returning(move |_, _, _| Ok(n.clone()));
        let o = old.clone();
        cal.expect_get_booking().returning(move |_| Ok(o.clone()));
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "new" && b.rescheduled_from_uid.is_some())
            .times(1)
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "old" && b.status == BookingStatus::Cancelled)
            .times(1)
            .returning(|_, _, _| Ok(UpsertOutcome::Updated));
        let svc = service(cal, repo, empty_cache());
        let got = svc
            .reschedule(&old.uid, new.start, Some("moved".into()))
            .await
            .unwrap();
        assert_eq!(got.uid.as_str(), "new");
    }

    #[tokio::test]
    async fn refuses_a_past_start_without_calling_out() {
        let svc = service(
            MockCalendarPort::new(),
            MockBookingRepository::new(),
            empty_cache(),
        );
        let err = svc
            .reschedule(
                &"u".to_owned().try_into().unwrap(),
                now() - TimeDelta::minutes(1),
                None,
            )
            .await
            .unwrap_err();
        assert!(matches!(err, DomainError::InvalidInput { .. }));
    }

    // --- with local holds ---

    const HOST: u64 = 5;

    fn uid(s: &str) -> BookingUid {
        BookingUid::parse(s).unwrap()
    }

    /// A confirmed one-segment appointment of `HOST` at `start` (30 min),
    /// booked as "old".
    fn record(start: chrono::DateTime<chrono::Utc>) -> AppointmentRecord {
        let appt = appointment(start);
        AppointmentRecord {
            id: AppointmentId::new(),
            status: AppointmentStatus::Confirmed,
            attendee: appt.attendee,
            metadata: BTreeMap::new(),
            segments: vec![SegmentRecord {
                position: 0,
                event_type_id: EventTypeId(7),
                host_id: HOST,
                start,
                end: start + TimeDelta::minutes(30),
                pause_after_minutes: 0,
                status: SegmentStatus::Confirmed,
                booking_uid: Some(uid("old")),
            }],
            created_at: now(),
            updated_at: now(),
            version: 3,
        }
    }

    /// Cal.com's answer to moving "old" to `start`.
    fn moved_to(start: chrono::DateTime<chrono::Utc>) -> Booking {
        let mut new = booking_for(&appointment(start), "new");
        new.rescheduled_from_uid = Some(uid("old"));
        new
    }

    /// What the store answers to an acquire.
    fn granted(hold: &crate::models::NewSlotHold, now: chrono::DateTime<chrono::Utc>) -> SlotHold {
        SlotHold {
            id: hold.id,
            host_id: hold.host_id,
            start: hold.start,
            end: hold.end,
            status: HoldStatus::Held,
            expires_at: hold.expires_at,
            appointment_id: None,
            segment_position: None,
            booking_uid: None,
            created_at: now,
            updated_at: now,
        }
    }

    fn accepting_repo() -> MockBookingRepository {
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert()
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        repo
    }

    fn with_local(
        cal: MockCalendarPort,
        repo: MockBookingRepository,
        appointments: MockAppointmentRepository,
        holds: MockSlotHoldRepository,
    ) -> BookingService {
        service(cal, repo, empty_cache()).with_local_holds(LocalHolds {
            appointments: Arc::new(appointments),
            holds: Arc::new(holds),
        })
    }

    fn calendar_moving_to(new: &Booking) -> MockCalendarPort {
        let mut cal = MockCalendarPort::new();
        let n = new.clone();
        cal.expect_reschedule_booking()
            .times(1)
            .returning(move |_, _, _| Ok(n.clone()));
        let mut old = new.clone();
        old.uid = uid("old");
        old.status = BookingStatus::Cancelled;
        cal.expect_get_booking().returning(move |_| Ok(old.clone()));
        cal
    }

    /// A store whose segment is booking "old" until the reschedule's
    /// first lookup; afterwards the segment carries the new uid.
    fn appointments_finding(record: AppointmentRecord) -> MockAppointmentRepository {
        let mut appointments = MockAppointmentRepository::new();
        let looked_up = std::sync::atomic::AtomicBool::new(false);
        appointments
            .expect_find_by_booking_uid()
            .withf(|_, u| u.as_str() == "old")
            .returning(move |_, _| {
                let first = !looked_up.swap(true, std::sync::atomic::Ordering::SeqCst);
                Ok(first.then(|| record.clone()))
            });
        appointments
    }

    #[tokio::test]
    async fn a_segment_takes_the_new_time_from_the_standalone_hold() {
        let old_start = now() + TimeDelta::hours(2);
        let new_start = now() + TimeDelta::hours(3);
        let rec = record(old_start);
        let appointment_id = rec.id;
        let new = moved_to(new_start);
        let mut seq = Sequence::new();
        let taken: Arc<Mutex<Option<SlotHoldId>>> = Arc::default();

        let mut holds = MockSlotHoldRepository::new();
        let t = taken.clone();
        holds
            .expect_acquire()
            .withf(move |_, h, at| {
                h.host_id == HOST
                    && h.start == new_start
                    && h.end == new_start + TimeDelta::minutes(30)
                    && h.expires_at == Some(*at + RESCHEDULE_HOLD_TTL)
            })
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_, h, at| {
                *t.lock().unwrap() = Some(h.id);
                Ok(granted(h, at))
            });
        holds.expect_release().never();
        let mut cal = MockCalendarPort::new();
        let n = new.clone();
        cal.expect_reschedule_booking()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_, _, _| Ok(n.clone()));
        cal.expect_get_booking().returning(|_| {
            Err(DomainError::NotFound {
                entity: "booking",
                id: "old".into(),
            })
        });
        let mut appointments = appointments_finding(rec);
        let t = taken.clone();
        let expected = new.clone();
        appointments
            .expect_move_segment()
            .withf(move |_, id, position, start, end, booking, hold, _| {
                *id == appointment_id
                    && *position == 0
                    && *start == expected.start
                    && *end == expected.end
                    && *booking == expected.uid
                    && *hold == *t.lock().unwrap()
                    && hold.is_some()
            })
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_, _, _, _, _, _, _, _| Ok(record(new_start)));
        let svc = with_local(cal, accepting_repo(), appointments, holds);
        let got = svc.reschedule(&uid("old"), new_start, None).await.unwrap();
        assert_eq!(got, new);
    }

    #[tokio::test]
    async fn a_time_we_hold_is_refused_without_asking_the_calendar() {
        let new_start = now() + TimeDelta::hours(3);
        let mut holds = MockSlotHoldRepository::new();
        holds.expect_acquire().times(1).returning(|_, _, _| {
            Err(DomainError::SlotUnavailable {
                message: "held".into(),
            })
        });
        let mut cal = MockCalendarPort::new();
        cal.expect_reschedule_booking().never();
        let mut appointments = appointments_finding(record(now() + TimeDelta::hours(2)));
        appointments.expect_move_segment().never();
        let svc = with_local(cal, MockBookingRepository::new(), appointments, holds);
        let err = svc
            .reschedule(&uid("old"), new_start, None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SlotUnavailable { .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_calendar_refusal_gives_the_hold_back() {
        let new_start = now() + TimeDelta::hours(3);
        let taken: Arc<Mutex<Option<SlotHoldId>>> = Arc::default();
        let mut holds = MockSlotHoldRepository::new();
        let t = taken.clone();
        holds.expect_acquire().times(1).returning(move |_, h, at| {
            *t.lock().unwrap() = Some(h.id);
            Ok(granted(h, at))
        });
        let t = taken.clone();
        holds
            .expect_release()
            .withf(move |_, id, _| Some(*id) == *t.lock().unwrap())
            .times(1)
            .returning(|_, _, _| {
                Err(DomainError::Unavailable {
                    upstream: Upstream::Storage,
                    message: "down; the hold lapses".into(),
                })
            });
        let mut cal = MockCalendarPort::new();
        cal.expect_reschedule_booking()
            .times(1)
            .returning(|_, _, _| {
                Err(DomainError::SlotUnavailable {
                    message: "taken at Cal.com".into(),
                })
            });
        let mut appointments = appointments_finding(record(now() + TimeDelta::hours(2)));
        appointments.expect_move_segment().never();
        let svc = with_local(cal, MockBookingRepository::new(), appointments, holds);
        let err = svc
            .reschedule(&uid("old"), new_start, None)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            DomainError::SlotUnavailable {
                message: "taken at Cal.com".into()
            }
        );
    }

    #[tokio::test]
    async fn a_short_move_holds_only_the_time_the_segment_lacks() {
        let old_start = now() + TimeDelta::hours(2);
        for (shift, from, to) in [(15, 30, 45), (-10, -10, 0)] {
            let new_start = old_start + TimeDelta::minutes(shift);
            let mut holds = MockSlotHoldRepository::new();
            holds
                .expect_acquire()
                .withf(move |_, h, _| {
                    (h.start, h.end)
                        == (
                            old_start + TimeDelta::minutes(from),
                            old_start + TimeDelta::minutes(to),
                        )
                })
                .times(1)
                .returning(|_, h, at| Ok(granted(h, at)));
            let mut appointments = appointments_finding(record(old_start));
            appointments
                .expect_move_segment()
                .withf(|_, _, _, _, _, _, hold, _| hold.is_some())
                .times(1)
                .returning(move |_, _, _, _, _, _, _, _| Ok(record(new_start)));
            let cal = calendar_moving_to(&moved_to(new_start));
            let svc = with_local(cal, accepting_repo(), appointments, holds);
            svc.reschedule(&uid("old"), new_start, None).await.unwrap();
        }
        // Same start: the segment holds it all; nothing else is taken.
        let mut holds = MockSlotHoldRepository::new();
        holds.expect_acquire().never();
        let mut appointments = appointments_finding(record(old_start));
        appointments
            .expect_move_segment()
            .withf(|_, _, _, _, _, _, hold, _| hold.is_none())
            .times(1)
            .returning(move |_, _, _, _, _, _, _, _| Ok(record(old_start)));
        let cal = calendar_moving_to(&moved_to(old_start));
        let svc = with_local(cal, accepting_repo(), appointments, holds);
        svc.reschedule(&uid("old"), old_start, None).await.unwrap();
    }

    #[tokio::test]
    async fn a_foreign_booking_holds_its_event_types_host_until_stored() {
        let new_start = now() + TimeDelta::hours(3);
        let new = moved_to(new_start);
        let old = booking_for(&appointment(now() + TimeDelta::hours(2)), "old");
        let mut seq = Sequence::new();
        let mut appointments = MockAppointmentRepository::new();
        appointments
            .expect_find_by_booking_uid()
            .returning(|_, _| Ok(None));
        appointments.expect_move_segment().never();
        let mut cal = MockCalendarPort::new();
        cal.expect_event_types().returning(|| {
            Ok(vec![EventType {
                id: EventTypeId(7),
                slug: "consult".into(),
                title: "Consultation".into(),
                length_minutes: 30,
                length_options: vec![],
                description: None,
                hidden: false,
                scheduling: Scheduling::Collective,
                host_ids: vec![42, 43],
                team_id: Some(1),
            }])
        });
        // No local copy: the calendar's booking gives the length.
        let o = old.clone();
        cal.expect_get_booking().returning(move |_| Ok(o.clone()));
        let mut holds = MockSlotHoldRepository::new();
        holds
            .expect_acquire()
            .withf(move |_, h, _| {
                h.host_id == 42
                    && h.start == new_start
                    && h.end == new_start + TimeDelta::minutes(30)
            })
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, h, at| Ok(granted(h, at)));
        let n = new.clone();
        cal.expect_reschedule_booking()
            .times(1)
            .in_sequence(&mut seq)
            .returning(move |_, _, _| Ok(n.clone()));
        let mut repo = MockBookingRepository::new();
        repo.expect_get().returning(|_, _| Ok(None));
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "new")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Ok(UpsertOutcome::Inserted));
        repo.expect_upsert()
            .withf(|_, b, _| b.uid.as_str() == "old")
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, _, _| Ok(UpsertOutcome::Updated));
        holds
            .expect_release()
            .times(1)
            .in_sequence(&mut seq)
            .returning(|_, id, at| {
                let mut hold = granted(
                    &crate::models::NewSlotHold::new(42, at, at + TimeDelta::minutes(1)).unwrap(),
                    at,
                );
                hold.id = id;
                hold.status = HoldStatus::Released;
                Ok(hold)
            });
        let svc = with_local(cal, repo, appointments, holds);
        assert_eq!(
            svc.reschedule(&uid("old"), new_start, None).await.unwrap(),
            new
        );
    }

    #[tokio::test]
    async fn a_failed_move_is_logged_not_returned_and_frees_the_hold() {
        let new_start = now() + TimeDelta::hours(3);
        let new = moved_to(new_start);
        let mut holds = MockSlotHoldRepository::new();
        holds
            .expect_acquire()
            .times(1)
            .returning(|_, h, at| Ok(granted(h, at)));
        holds.expect_release().times(1).returning(|_, _, _| {
            Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "down".into(),
            })
        });
        let mut appointments = appointments_finding(record(now() + TimeDelta::hours(2)));
        appointments
            .expect_move_segment()
            .times(1)
            .returning(|_, _, _, _, _, _, _, _| {
                Err(DomainError::Unavailable {
                    upstream: Upstream::Storage,
                    message: "down".into(),
                })
            });
        let mut repo = MockBookingRepository::new();
        repo.expect_upsert().returning(|_, _, _| {
            Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "down".into(),
            })
        });
        let svc = with_local(calendar_moving_to(&new), repo, appointments, holds);
        assert_eq!(
            svc.reschedule(&uid("old"), new_start, None).await.unwrap(),
            new
        );
    }

    #[tokio::test]
    async fn an_unreadable_store_refuses_before_the_calendar_is_asked() {
        let mut appointments = MockAppointmentRepository::new();
        appointments.expect_find_by_booking_uid().returning(|_, _| {
            Err(DomainError::Unavailable {
                upstream: Upstream::Storage,
                message: "down".into(),
            })
        });
        let mut cal = MockCalendarPort::new();
        cal.expect_reschedule_booking().never();
        let svc = with_local(
            cal,
            MockBookingRepository::new(),
            appointments,
            MockSlotHoldRepository::new(),
        );
        let err = svc
            .reschedule(&uid("old"), now() + TimeDelta::hours(3), None)
            .await
            .unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
    }
}
