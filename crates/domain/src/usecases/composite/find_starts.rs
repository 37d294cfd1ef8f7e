//! Finding start times where every segment of a composite fits: segment
//! `i` starts when segment `i-1` ends plus its pause, and must itself be a
//! free slot of its event type.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;

use crate::error::Result;
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
    /// the calendar's free slots of each segment's event type.
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
        let mut starts = Vec::new();
        for start in first {
            let plan = self.plan_composite(request, start).await?;
            if fits_at(&plan, &free, &[]) {
                starts.push(start);
            }
        }
        Ok(starts)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;

    use super::*;
    use crate::ids::AppointmentId;
    use crate::models::{Attendee, Email, HoldStatus, SlotHoldId};
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
        let hold = |host| SlotHold {
            id: SlotHoldId::new(),
            host_id: host,
            start: at(15),
            end: at(45),
            status: HoldStatus::Held,
            expires_at: None,
            appointment_id: None,
            segment_position: None,
            booking_uid: None,
            created_at: at(-60),
            updated_at: at(-60),
        };
        assert!(!fits_at(&plan(&[(1, 1, 0, 30)]), &free, &[hold(1)]));
        assert!(fits_at(&plan(&[(1, 1, 0, 30)]), &free, &[hold(2)]));
    }
}
