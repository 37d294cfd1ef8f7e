//! Bookings change behind calbridge's back: an attendee cancels from Cal.com's
//! email, a host moves a booking in Cal.com's UI. The webhook receiver and
//! the sync see the new state; this keeps calbridge's own holds in step, so
//! a cancelled booking's time is neither offered as taken nor refused to
//! the next booker.

use crate::error::{DomainError, Result};
use crate::models::{AppointmentStatus, Booking, BookingStatus, SegmentStatus};
use crate::usecases::BookingService;

impl BookingService {
    /// Makes the appointment segment behind `booking` (if calbridge made it)
    /// follow what Cal.com says: a booking rescheduled elsewhere moves the
    /// segment and its hold to the new booking; a cancelled or rejected one
    /// ends the segment and gives its time back, and the appointment is
    /// cancelled once none of its segments is active. Anything else, and
    /// bookings calbridge did not make, are left alone. Doing it twice is
    /// harmless.
    ///
    /// # Errors
    /// Storage errors; calendar errors while reading the new booking of a
    /// reschedule.
    pub async fn follow_calendar_change(&self, booking: &Booking) -> Result<()> {
        let Some(local) = &self.local else {
            return Ok(());
        };
        if !matches!(
            booking.status,
            BookingStatus::Cancelled | BookingStatus::Rejected
        ) {
            return Ok(());
        }
        let Some(record) = local
            .appointments
            .find_by_booking_uid(&self.tenant, &booking.uid)
            .await?
        else {
            return Ok(());
        };
        let Some(segment) = record
            .segments
            .iter()
            .find(|s| s.booking_uid.as_ref() == Some(&booking.uid) && s.status.is_active())
        else {
            return Ok(());
        };
        let (position, host) = (segment.position, segment.host_id);
        let now = self.clock.now();
        if let Some(next_uid) = &booking.rescheduled_to_uid {
            let next = self.calendar.get_booking(next_uid).await?;
            if matches!(
                next.status,
                BookingStatus::Accepted | BookingStatus::Pending
            ) {
                // A reschedule of ours may still be in flight (Cal.com's
                // webhook can beat its answer): its standalone hold on the
                // new time is handed to the segment, as the reschedule
                // itself would do.
                let guard = local
                    .holds
                    .active_for_host(&self.tenant, host, next.start, next.end, now)
                    .await?
                    .into_iter()
                    .find(|h| h.appointment_id.is_none())
                    .map(|h| h.id);
                match local
                    .appointments
                    .move_segment(
                        &self.tenant,
                        record.id,
                        position,
                        next.start,
                        next.end,
                        next.uid.clone(),
                        guard,
                        now,
                    )
                    .await
                {
                    Ok(_) => {
                        tracing::info!(appointment = %record.id, position, old = %booking.uid, new = %next.uid, "segment follows a reschedule made at Cal.com");
                        self.invalidate_slots().await;
                        return Ok(());
                    }
                    // The new time is held by another booking of ours:
                    // Cal.com decided, so this segment's claim ends here.
                    Err(
                        e @ (DomainError::SlotUnavailable { .. }
                        | DomainError::Conflict { .. }
                        | DomainError::InvalidInput { .. }),
                    ) => {
                        tracing::warn!(appointment = %record.id, position, error = %e, "segment cannot follow the reschedule; it ends");
                    }
                    Err(e) => return Err(e),
                }
            }
        }
        let record = local
            .appointments
            .update_segment(
                &self.tenant,
                record.id,
                position,
                SegmentStatus::Cancelled,
                None,
                now,
            )
            .await?;
        if record.status == AppointmentStatus::Confirmed
            && record.segments.iter().all(|s| !s.status.is_active())
        {
            local
                .appointments
                .set_status(&self.tenant, record.id, AppointmentStatus::Cancelled, now)
                .await?;
        }
        self.invalidate_slots().await;
        tracing::info!(appointment = %record.id, position, uid = %booking.uid, "segment ended: its booking was cancelled at Cal.com");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::TimeDelta;

    use crate::error::DomainError;
    use crate::ids::{AppointmentId, BookingUid, EventTypeId};
    use crate::models::{
        AppointmentRecord, AppointmentStatus, Booking, BookingStatus, SegmentRecord, SegmentStatus,
        SlotHold,
    };
    use crate::ports::{
        MockAppointmentRepository, MockBookingRepository, MockCalendarPort, MockSlotHoldRepository,
    };
    use crate::usecases::LocalHolds;
    use crate::usecases::test_support::*;

    fn uid(s: &str) -> BookingUid {
        BookingUid::parse(s).unwrap()
    }

    fn booking(u: &str, status: BookingStatus) -> Booking {
        let mut b = booking_for(&appointment(now() + TimeDelta::hours(2)), u);
        b.status = status;
        b
    }

    /// A confirmed appointment of two segments, booked as "a" and "b".
    fn record() -> AppointmentRecord {
        let start = now() + TimeDelta::hours(2);
        let seg = |position: u32, u: &str| SegmentRecord {
            position,
            event_type_id: EventTypeId(7),
            host_id: 1,
            start: start + TimeDelta::minutes(30 * i64::from(position)),
            end: start + TimeDelta::minutes(30 * i64::from(position) + 30),
            pause_after_minutes: 0,
            status: SegmentStatus::Confirmed,
            booking_uid: Some(uid(u)),
        };
        AppointmentRecord {
            id: AppointmentId::new(),
            status: AppointmentStatus::Confirmed,
            attendee: appointment(start).attendee,
            metadata: BTreeMap::new(),
            segments: vec![seg(0, "a"), seg(1, "b")],
            created_at: now(),
            updated_at: now(),
            version: 1,
        }
    }

    fn service(
        cal: MockCalendarPort,
        appointments: MockAppointmentRepository,
    ) -> crate::usecases::BookingService {
        with_holds(cal, appointments, Vec::new())
    }

    /// As [`service`], with `standalone` as the active holds on any range.
    fn with_holds(
        cal: MockCalendarPort,
        appointments: MockAppointmentRepository,
        standalone: Vec<SlotHold>,
    ) -> crate::usecases::BookingService {
        let mut holds = MockSlotHoldRepository::new();
        holds
            .expect_active_for_host()
            .returning(move |_, _, _, _, _| Ok(standalone.clone()));
        crate::usecases::test_support::service(cal, MockBookingRepository::new(), empty_cache())
            .with_local_holds(LocalHolds {
                appointments: Arc::new(appointments),
                holds: Arc::new(holds),
            })
    }

    fn finding(rec: AppointmentRecord) -> MockAppointmentRepository {
        let mut m = MockAppointmentRepository::new();
        m.expect_find_by_booking_uid()
            .returning(move |_, _| Ok(Some(rec.clone())));
        m
    }

    #[tokio::test]
    async fn a_booking_cancelled_at_cal_com_ends_its_segment_only() {
        let rec = record();
        let mut after = rec.clone();
        after.segments[0].status = SegmentStatus::Cancelled;
        let mut appointments = finding(rec);
        appointments
            .expect_update_segment()
            .withf(|_, _, pos, status, _, _| *pos == 0 && *status == SegmentStatus::Cancelled)
            .times(1)
            .returning(move |_, _, _, _, _, _| Ok(after.clone()));
        // Segment "b" is still active: the appointment stays.
        appointments.expect_set_status().never();
        let svc = service(MockCalendarPort::new(), appointments);
        svc.follow_calendar_change(&booking("a", BookingStatus::Cancelled))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn the_last_active_segment_ending_cancels_the_appointment() {
        let mut rec = record();
        rec.segments[1].status = SegmentStatus::Cancelled;
        let mut after = rec.clone();
        after.segments[0].status = SegmentStatus::Cancelled;
        let mut appointments = finding(rec);
        appointments
            .expect_update_segment()
            .times(1)
            .returning(move |_, _, _, _, _, _| Ok(after.clone()));
        appointments
            .expect_set_status()
            .withf(|_, _, status, _| *status == AppointmentStatus::Cancelled)
            .times(1)
            .returning(|_, _, _, _| Ok(record()));
        let svc = service(MockCalendarPort::new(), appointments);
        svc.follow_calendar_change(&booking("a", BookingStatus::Rejected))
            .await
            .unwrap();
    }

    #[tokio::test]
    async fn a_reschedule_at_cal_com_moves_the_segment_to_the_new_booking() {
        let mut old = booking("a", BookingStatus::Cancelled);
        old.rescheduled_to_uid = Some(uid("a2"));
        let mut new = booking("a2", BookingStatus::Accepted);
        new.start += TimeDelta::days(1);
        new.end += TimeDelta::days(1);
        let (start, end) = (new.start, new.end);
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking()
            .withf(|u| u.as_str() == "a2")
            .returning(move |_| Ok(new.clone()));
        let mut appointments = finding(record());
        appointments
            .expect_move_segment()
            .withf(move |_, _, pos, s, e, u, hold, _| {
                *pos == 0 && *s == start && *e == end && u.as_str() == "a2" && hold.is_none()
            })
            .times(1)
            .returning(|_, _, _, _, _, _, _, _| Ok(record()));
        appointments.expect_update_segment().never();
        let svc = service(cal, appointments);
        svc.follow_calendar_change(&old).await.unwrap();
    }

    #[tokio::test]
    async fn a_webhook_beating_our_own_reschedule_adopts_its_hold_instead_of_ending_the_segment() {
        let mut old = booking("a", BookingStatus::Cancelled);
        old.rescheduled_to_uid = Some(uid("a2"));
        let next = booking("a2", BookingStatus::Accepted);
        let guard = held(1, next.start, next.end);
        let guard_id = guard.id;
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking()
            .returning(move |_| Ok(next.clone()));
        let mut appointments = finding(record());
        appointments
            .expect_move_segment()
            .withf(move |_, _, _, _, _, _, hold, _| *hold == Some(guard_id))
            .times(1)
            .returning(|_, _, _, _, _, _, _, _| Ok(record()));
        appointments.expect_update_segment().never();
        let svc = with_holds(cal, appointments, vec![guard]);
        svc.follow_calendar_change(&old).await.unwrap();
    }

    #[tokio::test]
    async fn a_reschedule_onto_time_held_by_another_booking_ends_the_segment() {
        let mut old = booking("a", BookingStatus::Cancelled);
        old.rescheduled_to_uid = Some(uid("a2"));
        let mut cal = MockCalendarPort::new();
        cal.expect_get_booking()
            .returning(|_| Ok(booking("a2", BookingStatus::Accepted)));
        let mut appointments = finding(record());
        appointments
            .expect_move_segment()
            .times(1)
            .returning(|_, _, _, _, _, _, _, _| {
                Err(DomainError::SlotUnavailable {
                    message: "held".into(),
                })
            });
        appointments
            .expect_update_segment()
            .times(1)
            .returning(|_, _, _, _, _, _| Ok(record()));
        let svc = service(cal, appointments);
        svc.follow_calendar_change(&old).await.unwrap();
    }

    #[tokio::test]
    async fn live_bookings_and_bookings_calbridge_did_not_make_are_left_alone() {
        let mut appointments = MockAppointmentRepository::new();
        appointments
            .expect_find_by_booking_uid()
            .times(1)
            .returning(|_, _| Ok(None));
        appointments.expect_update_segment().never();
        let svc = service(MockCalendarPort::new(), appointments);
        svc.follow_calendar_change(&booking("x", BookingStatus::Accepted))
            .await
            .unwrap();
        svc.follow_calendar_change(&booking("foreign", BookingStatus::Cancelled))
            .await
            .unwrap();
    }
}
