//! Composite appointments: several segments (event type, length, staff,
//! pause after), booked back to back, all or nothing, through the booking
//! saga. A single booking is a composite of one segment.

mod find_starts;
mod request;

pub use find_starts::fits_at;
pub use request::{CompositeRequest, OWN_ACCOUNT_HOST, SegmentRequest};

use chrono::{DateTime, TimeDelta, Utc};

use crate::error::{DomainError, Result};
use crate::ids::AppointmentId;
use crate::models::{EventType, Scheduling};
use crate::saga::{BookingPlan, PlannedSegment, SagaEngine, SagaOutcome};
use crate::usecases::BookingService;

impl BookingService {
    /// Turns a request starting at `start` into a saga plan: each segment
    /// starts when the previous one ends plus its pause, with its event
    /// type's length unless the request asks for another allowed one.
    ///
    /// # Errors
    /// `InvalidInput` for a bad request; `NotFound` for an unknown event type;
    /// calendar errors while reading event types.
    pub async fn plan_composite(
        &self,
        request: &CompositeRequest,
        start: DateTime<Utc>,
    ) -> Result<BookingPlan> {
        request.validate()?;
        let types = self.event_types().await?;
        let appointment_id = AppointmentId::new();
        let mut segments = Vec::with_capacity(request.segments.len());
        let mut at = start;
        for (position, seg) in request.segments.iter().enumerate() {
            let et = find_type(&types, seg)?;
            let length = seg.duration_minutes.unwrap_or(et.length_minutes);
            if !et.allows_length(length) {
                return Err(DomainError::invalid(
                    "segments.durationMinutes",
                    format!("event type {} cannot be booked for {length} minutes", et.id),
                ));
            }
            let end = at + TimeDelta::minutes(i64::from(length));
            let host = self
                .pick_host(et, seg.host_id, at, end, appointment_id, position)
                .await?;
            segments.push(PlannedSegment {
                event_type_id: et.id,
                host_id: host.hold_on,
                team_member_ids: host.team_members,
                start: at,
                end,
                pause_after_minutes: seg.pause_after_minutes,
                length_minutes: (length != et.length_minutes).then_some(length),
                correlation_id: AppointmentId::new(),
            });
            at = end + TimeDelta::minutes(i64::from(seg.pause_after_minutes));
        }
        let plan = BookingPlan {
            appointment_id,
            attendee: request.attendee.clone(),
            metadata: request.metadata.clone(),
            segments,
        };
        plan.validate(self.clock.now())?;
        Ok(plan)
    }

    /// Books a composite appointment starting at `start` through the saga.
    ///
    /// # Errors
    /// As [`BookingService::plan_composite`]; storage errors of the saga log.
    pub async fn book_composite(
        &self,
        engine: &SagaEngine,
        request: &CompositeRequest,
        start: DateTime<Utc>,
    ) -> Result<(BookingPlan, SagaOutcome)> {
        self.book_composite_as(engine, request, start, AppointmentId::new())
            .await
    }

    /// As [`BookingService::book_composite`], with the appointment (and
    /// saga) id chosen by the caller, so an idempotency key can point at
    /// the saga before it starts.
    ///
    /// # Errors
    /// As [`BookingService::book_composite`]; `Conflict` when `id` was used before.
    pub async fn book_composite_as(
        &self,
        engine: &SagaEngine,
        request: &CompositeRequest,
        start: DateTime<Utc>,
        id: AppointmentId,
    ) -> Result<(BookingPlan, SagaOutcome)> {
        let mut plan = self.plan_composite(request, start).await?;
        plan.appointment_id = id;
        let outcome = self.run_plan(engine, &plan).await?;
        Ok((plan, outcome))
    }

    /// Whose time a segment holds and, for round robin, whom Cal.com may
    /// assign. A named staff member must host the event type. Without one:
    /// the owner of a personal type, the first host of a collective one
    /// (every host attends; Cal.com guards the others), and for round robin
    /// every host free of local holds, so Cal.com can still pick one who is
    /// free upstream. The hold goes on the first of them in an order that
    /// rotates with the appointment (concurrent bookings spread over the
    /// team instead of queueing on its first member) and moves to whomever
    /// Cal.com assigns.
    ///
    /// # Errors
    /// `InvalidInput` for staff who do not host the type; `SlotUnavailable`
    /// when every round-robin host is held; storage errors.
    async fn pick_host(
        &self,
        et: &EventType,
        staff: Option<u64>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        appointment_id: AppointmentId,
        position: usize,
    ) -> Result<SegmentHost> {
        let round_robin = et.scheduling == Scheduling::RoundRobin;
        if let Some(staff) = staff {
            if !et.host_ids.is_empty() && !et.host_ids.contains(&staff) {
                return Err(DomainError::invalid(
                    "segments.staffId",
                    format!("user {staff} does not host event type {}", et.id),
                ));
            }
            return Ok(SegmentHost {
                hold_on: staff,
                team_members: if round_robin { vec![staff] } else { Vec::new() },
            });
        }
        if !round_robin || et.host_ids.is_empty() {
            return Ok(SegmentHost {
                hold_on: et.lead_host(),
                team_members: Vec::new(),
            });
        }
        let n = et.host_ids.len();
        let offset = (appointment_id.0.as_u128() as usize).wrapping_add(position) % n;
        let now = self.clock.now();
        let mut free = Vec::with_capacity(n);
        for i in 0..n {
            let host = et.host_ids[(offset + i) % n];
            let held = match &self.local {
                Some(local) => !local
                    .holds
                    .active_for_host(&self.tenant, host, start, end, now)
                    .await?
                    .is_empty(),
                None => false,
            };
            if !held {
                free.push(host);
            }
        }
        if let Some(&first) = free.first() {
            return Ok(SegmentHost {
                hold_on: first,
                team_members: free,
            });
        }
        Err(DomainError::SlotUnavailable {
            message: format!(
                "every host of event type {} is already booked at that time",
                et.id
            ),
        })
    }

    /// Runs a plan through the saga and refreshes the slot cache.
    pub(super) async fn run_plan(
        &self,
        engine: &SagaEngine,
        plan: &BookingPlan,
    ) -> Result<SagaOutcome> {
        let outcome = engine
            .start(&self.tenant, self.calendar.as_ref(), plan)
            .await;
        self.invalidate_slots().await;
        outcome
    }
}

/// The outcome of [`BookingService::pick_host`].
struct SegmentHost {
    /// Whose time the local hold takes.
    hold_on: u64,
    /// Whom Cal.com may assign (round robin only): the named staff, or
    /// every host free of local holds.
    team_members: Vec<u64>,
}

fn find_type<'a>(types: &'a [EventType], seg: &SegmentRequest) -> Result<&'a EventType> {
    types
        .iter()
        .find(|t| t.id == seg.event_type_id)
        .ok_or_else(|| DomainError::NotFound {
            entity: "event type",
            id: seg.event_type_id.to_string(),
        })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use std::collections::BTreeMap;
    use std::sync::Arc;

    use chrono::TimeDelta;
    use chrono_tz::Tz;

    use super::*;
    use crate::error::DomainError;
    use crate::ids::EventTypeId;
    use crate::models::{Attendee, Email};
    use crate::ports::{
        MockAppointmentRepository, MockBookingRepository, MockCalendarPort, MockSlotHoldRepository,
    };
    use crate::usecases::LocalHolds;
    use crate::usecases::test_support::*;

    fn event_type(id: u64, scheduling: Scheduling, hosts: &[u64]) -> EventType {
        EventType {
            id: EventTypeId(id),
            slug: format!("t{id}"),
            title: format!("Type {id}"),
            length_minutes: 30,
            length_options: Vec::new(),
            description: None,
            hidden: false,
            scheduling,
            host_ids: hosts.to_vec(),
            team_id: (scheduling != Scheduling::Personal).then_some(501),
        }
    }

    /// A service whose calendar offers the personal type 1 (owner 10), the
    /// collective type 2 and the round-robin type 3 (hosts 10, 20, 30), and
    /// whose local holds are `held` (host ids held over any time).
    fn service_with(taken: &'static [u64]) -> BookingService {
        let mut cal = MockCalendarPort::new();
        cal.expect_event_types().returning(|| {
            Ok(vec![
                event_type(1, Scheduling::Personal, &[10]),
                event_type(2, Scheduling::Collective, &[10, 20, 30]),
                event_type(3, Scheduling::RoundRobin, &[10, 20, 30]),
            ])
        });
        let mut holds = MockSlotHoldRepository::new();
        holds
            .expect_active_for_host()
            .returning(move |_, host, from, to, _| {
                Ok(if taken.contains(&host) {
                    vec![held(host, from, to)]
                } else {
                    Vec::new()
                })
            });
        service(cal, MockBookingRepository::new(), empty_cache()).with_local_holds(LocalHolds {
            appointments: Arc::new(MockAppointmentRepository::new()),
            holds: Arc::new(holds),
        })
    }

    fn request(segments: &[(u64, Option<u64>)]) -> CompositeRequest {
        CompositeRequest {
            attendee: Attendee::new("Ann", Email::parse("ann@example.com").unwrap(), Tz::UTC)
                .unwrap(),
            metadata: BTreeMap::new(),
            segments: segments
                .iter()
                .map(|&(et, staff)| SegmentRequest {
                    event_type_id: EventTypeId(et),
                    duration_minutes: None,
                    host_id: staff,
                    pause_after_minutes: 0,
                })
                .collect(),
        }
    }

    fn start() -> DateTime<Utc> {
        now() + TimeDelta::days(1)
    }

    #[tokio::test]
    async fn personal_and_collective_types_hold_their_first_host_and_name_nobody() {
        let svc = service_with(&[]);
        let plan = svc
            .plan_composite(&request(&[(1, None), (2, None)]), start())
            .await
            .unwrap();
        let hosts: Vec<_> = plan
            .segments
            .iter()
            .map(|s| (s.host_id, s.team_member_ids.clone()))
            .collect();
        assert_eq!(hosts, vec![(10, vec![]), (10, vec![])]);
    }

    #[tokio::test]
    async fn named_staff_must_host_the_type_and_round_robin_assigns_them() {
        let svc = service_with(&[]);
        let plan = svc
            .plan_composite(&request(&[(3, Some(20)), (2, Some(30))]), start())
            .await
            .unwrap();
        assert_eq!(plan.segments[0].host_id, 20);
        assert_eq!(plan.segments[0].team_member_ids, vec![20]);
        assert_eq!(plan.segments[1].host_id, 30);
        assert!(
            plan.segments[1].team_member_ids.is_empty(),
            "collective: all attend"
        );

        for bad in [request(&[(1, Some(20))]), request(&[(3, Some(99))])] {
            let err = svc.plan_composite(&bad, start()).await.unwrap_err();
            assert!(
                matches!(&err, DomainError::InvalidInput { field, .. } if field == "segments.staffId"),
                "{err:?}"
            );
        }
    }

    #[tokio::test]
    async fn round_robin_without_staff_skips_locally_held_hosts() {
        // Whatever the rotation, only host 30 is free.
        for _ in 0..10 {
            let plan = service_with(&[10, 20])
                .plan_composite(&request(&[(3, None)]), start())
                .await
                .unwrap();
            assert_eq!(plan.segments[0].host_id, 30);
            assert_eq!(plan.segments[0].team_member_ids, vec![30]);
        }
        let err = service_with(&[10, 20, 30])
            .plan_composite(&request(&[(3, None)]), start())
            .await
            .unwrap_err();
        assert!(
            matches!(err, DomainError::SlotUnavailable { .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn round_robin_without_staff_lets_cal_com_pick_among_every_free_host() {
        let plan = service_with(&[20])
            .plan_composite(&request(&[(3, None)]), start())
            .await
            .unwrap();
        let seg = &plan.segments[0];
        let mut eligible = seg.team_member_ids.clone();
        eligible.sort_unstable();
        assert_eq!(eligible, vec![10, 30]);
        assert_eq!(seg.team_member_ids[0], seg.host_id, "the held host leads");
    }

    #[tokio::test]
    async fn round_robin_rotates_so_concurrent_bookings_spread_over_the_team() {
        let svc = service_with(&[]);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..60 {
            let plan = svc
                .plan_composite(&request(&[(3, None)]), start())
                .await
                .unwrap();
            seen.insert(plan.segments[0].host_id);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), vec![10, 20, 30]);
    }
}
