//! Finding start times where every segment of a composite fits: segment
//! `i` starts when segment `i-1` ends plus its pause, and must itself be a
//! free slot of its event type.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::error::{DomainError, Result};
use crate::ids::EventTypeId;
use crate::models::{SlotHold, SlotQuery};
use crate::saga::BookingPlan;
use crate::usecases::BookingService;
use crate::usecases::composite::CompositeRequest;

/// Whether a plan fits: every segment starts on a free slot of its event
/// type (`free` maps event type to free slot starts) and no segment's time
/// is held locally by someone else (`held`).
pub fn fits_at(
    plan: &BookingPlan,
    free: &HashMap<EventTypeId, BTreeSet<DateTime<Utc>>>,
    held: &[SlotHold],
) -> bool {
    plan.segments.iter().all(|s| {
        free.get(&s.event_type_id)
            .is_some_and(|starts| starts.contains(&s.start))
            && !held
                .iter()
                .any(|h| h.host_id == s.host_id && h.start < s.end && s.start < h.end)
    })
}

impl BookingService {
    /// Start times in `[from, to)` at which the whole composite fits, using
    /// the free slots of each segment's event type (see
    /// [`BookingService::find_slots`]) and calbridge's own holds of each
    /// planned host. A start at which planning finds every round-robin host
    /// held does not fit.
    ///
    /// Availability is advisory (the saga's hold is what refuses a double
    /// booking), so trouble reading holds is logged and the starts are
    /// found without them.
    ///
    /// # Errors
    /// `InvalidInput` for a bad request or window; calendar errors.
    pub async fn find_composite_starts(
        &self,
        request: &CompositeRequest,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        time_zone: Tz,
    ) -> Result<Vec<DateTime<Utc>>> {
        request.validate()?;
        let total: i64 = request
            .segments
            .iter()
            .map(|s| i64::from(s.duration_minutes.unwrap_or(0)) + i64::from(s.pause_after_minutes))
            .sum();
        // Later segments may start after `to`; look far enough ahead.
        let horizon = to + TimeDelta::minutes(total) + TimeDelta::days(1);
        let mut free: HashMap<EventTypeId, BTreeSet<DateTime<Utc>>> = HashMap::new();
        let mut first: Vec<DateTime<Utc>> = Vec::new();
        for (i, seg) in request.segments.iter().enumerate() {
            if free.contains_key(&seg.event_type_id) && i > 0 {
                continue;
            }
            let mut q = SlotQuery::new(seg.event_type_id, from, horizon, time_zone)?;
            if let Some(d) = seg.duration_minutes {
                q = q.with_duration(d)?;
            }
            let slots = self.find_slots(&q).await?;
            if i == 0 {
                first = slots.iter().map(|s| s.start).filter(|s| *s < to).collect();
            }
            free.entry(seg.event_type_id)
                .or_default()
                .extend(slots.iter().map(|s| s.start));
        }
        let mut plans = Vec::with_capacity(first.len());
        for start in first {
            match self.plan_composite(request, start).await {
                Ok(plan) => plans.push((start, plan)),
                Err(DomainError::SlotUnavailable { .. }) => {}
                Err(e) => return Err(e),
            }
        }
        let held = self.held_for(&plans, from, horizon).await;
        Ok(plans
            .into_iter()
            .filter(|(_, plan)| fits_at(plan, &free, &held))
            .map(|(start, _)| start)
            .collect())
    }

    /// The local holds active now of every host the plans use, read once
    /// per host over `[from, to)`; none (logged) when the store fails.
    async fn held_for(
        &self,
        plans: &[(DateTime<Utc>, BookingPlan)],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<SlotHold> {
        let Some(local) = &self.local else {
            return Vec::new();
        };
        let hosts: BTreeSet<u64> = plans
            .iter()
            .flat_map(|(_, plan)| plan.segments.iter().map(|s| s.host_id))
            .collect();
        let now = self.clock.now();
        match self.holds_of_hosts(local, hosts, from, to, now).await {
            Ok(held) => held.into_iter().flatten().collect(),
            Err(e) => {
                tracing::warn!(error = %e, "local holds unreadable; composite starts from the calendar alone");
                Vec::new()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::AppointmentId;
    use crate::models::{Attendee, Email};
    use crate::saga::PlannedSegment;

    fn at(min: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_930_899_600, 0).unwrap() + TimeDelta::minutes(min)
    }

    fn plan(segments: &[(u64, u64, i64, i64)]) -> BookingPlan {
        BookingPlan {
            appointment_id: AppointmentId::new(),
            attendee: Attendee::new("Ann", Email::parse("a@b.co").unwrap(), Tz::UTC).unwrap(),
            metadata: BTreeMap::new(),
            segments: segments
                .iter()
                .map(|&(et, host, s, e)| PlannedSegment {
                    team_member_ids: Vec::new(),
                    event_type_id: EventTypeId(et),
                    host_id: host,
                    start: at(s),
                    end: at(e),
                    pause_after_minutes: 0,
                    length_minutes: None,
                    correlation_id: AppointmentId::new(),
                })
                .collect(),
        }
    }

    mod with_the_service {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        use chrono::TimeZone;

        use super::*;
        use crate::models::{EventType, Scheduling, Slot};
        use crate::ports::{MockAppointmentRepository, MockCalendarPort, MockSlotHoldRepository};
        use crate::usecases::LocalHolds;
        use crate::usecases::composite::SegmentRequest;
        use crate::usecases::test_support::*;

        fn at(h: u32, m: u32) -> DateTime<Utc> {
            Utc.with_ymd_and_hms(2030, 1, 7, h, m, 0).unwrap()
        }

        /// Round robin over hosts 4 and 5; half-hour slots 09:00-11:30.
        fn calendar() -> MockCalendarPort {
            let mut cal = MockCalendarPort::new();
            cal.expect_event_types().returning(|| {
                Ok(vec![EventType {
                    id: EventTypeId(7),
                    slug: "cut".into(),
                    title: "Cut".into(),
                    length_minutes: 30,
                    length_options: vec![],
                    description: None,
                    hidden: false,
                    scheduling: Scheduling::RoundRobin,
                    host_ids: vec![4, 5],
                    team_id: Some(1),
                }])
            });
            cal.expect_free_slots().returning(|_| {
                Ok((0..6)
                    .map(|i| {
                        let start = at(9, 0) + TimeDelta::minutes(30 * i);
                        Slot {
                            start,
                            end: start + TimeDelta::minutes(30),
                        }
                    })
                    .collect())
            });
            cal
        }

        fn hold(host: u64, start: DateTime<Utc>) -> SlotHold {
            held(host, start, start + TimeDelta::minutes(30))
        }

        fn request(staff: Option<u64>) -> CompositeRequest {
            let segment = SegmentRequest {
                event_type_id: EventTypeId(7),
                duration_minutes: None,
                host_id: staff,
                pause_after_minutes: 0,
            };
            CompositeRequest {
                attendee: Attendee::new("Ann", Email::parse("a@b.co").unwrap(), Tz::UTC).unwrap(),
                metadata: BTreeMap::new(),
                segments: vec![segment.clone(), segment],
            }
        }

        async fn starts(
            staff: Option<u64>,
            holds: Vec<SlotHold>,
            calls: Arc<AtomicUsize>,
        ) -> Vec<DateTime<Utc>> {
            let mut store = MockSlotHoldRepository::new();
            store
                .expect_active_for_host()
                .returning(move |_, host, from, to, _| {
                    calls.fetch_add(1, Ordering::SeqCst);
                    Ok(holds
                        .iter()
                        .filter(|h| h.host_id == host && h.start < to && from < h.end)
                        .cloned()
                        .collect())
                });
            let svc = service(
                calendar(),
                crate::ports::MockBookingRepository::new(),
                empty_cache(),
            )
            .with_local_holds(LocalHolds {
                appointments: Arc::new(MockAppointmentRepository::new()),
                holds: Arc::new(store),
            });
            svc.find_composite_starts(&request(staff), at(0, 0), at(23, 0), Tz::UTC)
                .await
                .unwrap()
        }

        #[tokio::test]
        async fn a_named_staff_members_holds_rule_out_starts_the_team_could_take() {
            let calls = Arc::new(AtomicUsize::new(0));
            // Host 4 is free at 10:00, so the slot stays; staff 5 is not.
            let got = starts(Some(5), vec![hold(5, at(10, 0))], calls.clone()).await;
            assert_eq!(got, vec![at(9, 0), at(10, 30), at(11, 0)]);
            // find_slots: hosts 4 and 5 once; then host 5 once for the plans.
            assert_eq!(calls.load(Ordering::SeqCst), 3);
        }

        #[tokio::test]
        async fn a_start_where_every_round_robin_host_is_held_just_does_not_fit() {
            let calls = Arc::new(AtomicUsize::new(0));
            let got = starts(None, vec![hold(4, at(10, 0)), hold(5, at(10, 0))], calls).await;
            assert_eq!(got, vec![at(9, 0), at(10, 30), at(11, 0)]);
        }
    }

    #[test]
    fn every_segment_must_start_on_a_free_slot_of_its_type() {
        let free = HashMap::from([
            (EventTypeId(1), BTreeSet::from([at(0), at(60)])),
            (EventTypeId(2), BTreeSet::from([at(30)])),
        ]);
        assert!(fits_at(&plan(&[(1, 1, 0, 30), (2, 2, 30, 60)]), &free, &[]));
        assert!(!fits_at(
            &plan(&[(1, 1, 0, 30), (1, 2, 30, 60)]),
            &free,
            &[]
        ));
        assert!(!fits_at(&plan(&[(3, 1, 0, 30)]), &free, &[]));
    }

    #[test]
    fn a_local_hold_of_the_same_staff_blocks_but_another_staff_does_not() {
        let free = HashMap::from([(EventTypeId(1), BTreeSet::from([at(0)]))]);
        let hold = |host| crate::usecases::test_support::held(host, at(15), at(45));
        assert!(!fits_at(&plan(&[(1, 1, 0, 30)]), &free, &[hold(1)]));
        assert!(fits_at(&plan(&[(1, 1, 0, 30)]), &free, &[hold(2)]));
    }
}
