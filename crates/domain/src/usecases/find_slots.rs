use chrono::{DateTime, Utc};

use crate::error::Result;
use crate::ids::EventTypeId;
use crate::models::{EventType, Scheduling, Slot, SlotHold, SlotQuery};
use crate::usecases::BookingService;

impl BookingService {
    /// Free slots for an event type in a window, served from the cache when
    /// fresh. Slots that already started are dropped, and so are slots
    /// calbridge itself holds (see [`BookingService::with_local_holds`]):
    /// its sagas hold time before Cal.com knows of it.
    ///
    /// # Errors
    /// Whatever the calendar port returns; cache and storage trouble are
    /// never errors.
    pub async fn find_slots(&self, query: &SlotQuery) -> Result<Vec<Slot>> {
        let generation = self.slot_generation().await;
        let key = self.slots_key(&generation, query);
        let now = self.clock.now();

        let cached = match self.cache.get(&key).await {
            Ok(Some(bytes)) => serde_json::from_slice::<Vec<Slot>>(&bytes).ok(),
            Ok(None) => None,
            Err(e) => {
                tracing::warn!(error = %e, "slot cache read failed");
                None
            }
        };
        let slots = match cached {
            Some(slots) => slots,
            None => {
                let mut slots = self.calendar.free_slots(query).await?;
                slots.sort();
                slots.dedup();
                match serde_json::to_vec(&slots) {
                    Ok(bytes) => {
                        if let Err(e) = self
                            .cache
                            .set(&key, &bytes, Some(self.policy.slots_ttl))
                            .await
                        {
                            tracing::warn!(error = %e, "slot cache write failed");
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, "could not encode slots for the cache"),
                }
                slots
            }
        };
        let slots: Vec<Slot> = slots.into_iter().filter(|s| s.start > now).collect();
        Ok(self
            .without_local_holds(query.event_type_id, slots, now)
            .await)
    }

    /// Drops the slots whose time calbridge holds at `now`, by the event
    /// type's hosts: one host (personal, managed, or hosts unknown) must be
    /// free; every host of a collective type; one host of a round-robin type.
    /// Each host's holds are read once, over the whole window.
    ///
    /// Availability is advisory: the saga's hold is what actually refuses a
    /// double booking. So an unknown event type, or trouble reading event
    /// types or holds, leaves the calendar's answer as it is (logged).
    async fn without_local_holds(
        &self,
        event_type: EventTypeId,
        slots: Vec<Slot>,
        now: DateTime<Utc>,
    ) -> Vec<Slot> {
        let Some(local) = &self.local else {
            return slots;
        };
        let from = slots.iter().map(|s| s.start).min();
        let to = slots.iter().map(|s| s.end).max();
        let (Some(from), Some(to)) = (from, to) else {
            return slots;
        };
        let et = match self.event_types().await {
            Ok(types) => types.into_iter().find(|t| t.id == event_type),
            Err(e) => {
                tracing::warn!(error = %e, "event types unreadable; local holds not subtracted");
                return slots;
            }
        };
        let Some(et) = et else {
            return slots;
        };
        let held = match self
            .holds_of_hosts(local, hold_hosts(&et), from, to, now)
            .await
        {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(error = %e, "local holds unreadable; slots as the calendar has them");
                return slots;
            }
        };
        slots
            .into_iter()
            .filter(|s| !is_held(et.scheduling, &held, s))
            .collect()
    }
}

/// Whose holds decide whether an event type's slot is free: every host of
/// a team type, else the one host its bookings hold (as the booking saga
/// picks it: [`EventType::lead_host`]).
fn hold_hosts(et: &EventType) -> Vec<u64> {
    match et.scheduling {
        Scheduling::Collective | Scheduling::RoundRobin if !et.host_ids.is_empty() => {
            et.host_ids.clone()
        }
        _ => vec![et.lead_host()],
    }
}

/// Whether `slot` is taken by the holds of `held` (one list per host of
/// [`hold_hosts`]): round robin needs every host held, anything else any.
fn is_held(scheduling: Scheduling, held: &[Vec<SlotHold>], slot: &Slot) -> bool {
    let busy = |holds: &Vec<SlotHold>| {
        holds
            .iter()
            .any(|h| h.start < slot.end && slot.start < h.end)
    };
    match scheduling {
        Scheduling::RoundRobin => !held.is_empty() && held.iter().all(busy),
        _ => held.iter().any(busy),
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeDelta, TimeZone, Utc};
    use chrono_tz::Tz;
    use mockall::predicate::*;
    use proptest::prelude::*;

    use crate::ids::EventTypeId;
    use crate::models::{Slot, SlotQuery};
    use crate::ports::{MockBookingRepository, MockCachePort, MockCalendarPort};
    use crate::usecases::test_support::*;

    fn query() -> SlotQuery {
        SlotQuery::new(
            EventTypeId(7),
            now(),
            now() + TimeDelta::days(1),
            Tz::Europe__Berlin,
        )
        .unwrap()
    }

    fn slot(h: u32) -> Slot {
        let start = Utc.with_ymd_and_hms(2030, 1, 7, h, 0, 0).unwrap();
        Slot {
            start,
            end: start + TimeDelta::minutes(30),
        }
    }

    #[tokio::test]
    async fn a_miss_asks_the_calendar_and_fills_the_cache() {
        let mut cal = MockCalendarPort::new();
        cal.expect_free_slots()
            .with(eq(query()))
            .times(1)
            .returning(|_| Ok(vec![slot(10), slot(9), slot(9)]));
        let mut cache = MockCachePort::new();
        cache.expect_get().returning(|_| Ok(None));
        // generation token, then the slot list
        cache.expect_set().times(2).returning(|_, _, _| Ok(()));
        let svc = service(cal, MockBookingRepository::new(), cache);
        let slots = svc.find_slots(&query()).await.unwrap();
        assert_eq!(slots, vec![slot(9), slot(10)], "sorted and deduplicated");
    }

    #[tokio::test]
    async fn a_hit_does_not_touch_the_calendar_and_past_slots_are_dropped() {
        let cached = serde_json::to_vec(&vec![slot(7), slot(9)]).unwrap();
        let mut cache = MockCachePort::new();
        cache.expect_get().returning(move |k| {
            Ok(Some(if k.contains("slots-gen") {
                b"g1".to_vec()
            } else {
                cached.clone()
            }))
        });
        let svc = service(MockCalendarPort::new(), MockBookingRepository::new(), cache);
        // now() is 08:00, so the 07:00 slot has passed.
        assert_eq!(svc.find_slots(&query()).await.unwrap(), vec![slot(9)]);
    }

    #[tokio::test]
    async fn a_broken_cache_reads_through() {
        let mut cal = MockCalendarPort::new();
        cal.expect_free_slots()
            .times(1)
            .returning(|_| Ok(vec![slot(9)]));
        let mut cache = MockCachePort::new();
        let down = || crate::DomainError::Unavailable {
            upstream: crate::Upstream::Cache,
            message: "down".into(),
        };
        cache.expect_get().returning(move |_| Err(down()));
        cache.expect_set().returning(move |_, _, _| Err(down()));
        let svc = service(cal, MockBookingRepository::new(), cache);
        assert_eq!(svc.find_slots(&query()).await.unwrap(), vec![slot(9)]);
    }

    // --- local holds ---

    use std::sync::Arc;

    use crate::models::{EventType, Scheduling, SlotHold};
    use crate::ports::MockSlotHoldRepository;
    use crate::usecases::LocalHolds;
    use crate::usecases::composite::OWN_ACCOUNT_HOST;

    fn event_type(scheduling: Scheduling, host_ids: Vec<u64>) -> EventType {
        EventType {
            id: EventTypeId(7),
            slug: "consult".into(),
            title: "Consultation".into(),
            length_minutes: 30,
            length_options: vec![],
            description: None,
            hidden: false,
            scheduling,
            host_ids,
            team_id: None,
        }
    }

    /// A hold of `host` from `h:m` for `minutes`.
    fn hold(host: u64, h: u32, m: u32, minutes: i64) -> SlotHold {
        let start = Utc.with_ymd_and_hms(2030, 1, 7, h, m, 0).unwrap();
        held(host, start, start + TimeDelta::minutes(minutes))
    }

    /// Slots at 9, 10 and 11 for an event type of `scheduling`/`hosts`,
    /// with `holds` in the store; each host must be asked exactly once,
    /// over the whole window.
    async fn slots_with_holds(
        scheduling: Scheduling,
        hosts: Vec<u64>,
        holds: Vec<SlotHold>,
    ) -> Vec<Slot> {
        let mut cal = MockCalendarPort::new();
        cal.expect_free_slots()
            .returning(|_| Ok(vec![slot(9), slot(10), slot(11)]));
        let et = event_type(scheduling, hosts.clone());
        cal.expect_event_types()
            .returning(move || Ok(vec![et.clone()]));
        let mut store = MockSlotHoldRepository::new();
        let asked = if hosts.is_empty() || scheduling == Scheduling::Personal {
            vec![hosts.first().copied().unwrap_or(OWN_ACCOUNT_HOST)]
        } else {
            hosts
        };
        for host in asked {
            let mine: Vec<SlotHold> = holds
                .iter()
                .filter(|h| h.host_id == host)
                .cloned()
                .collect();
            store
                .expect_active_for_host()
                .withf(move |_, h, from, to, at| {
                    *h == host && *from == slot(9).start && *to == slot(11).end && *at == now()
                })
                .times(1)
                .returning(move |_, _, _, _, _| Ok(mine.clone()));
        }
        let svc = service(cal, MockBookingRepository::new(), empty_cache()).with_local_holds(
            LocalHolds {
                appointments: Arc::new(crate::ports::MockAppointmentRepository::new()),
                holds: Arc::new(store),
            },
        );
        svc.find_slots(&query()).await.unwrap()
    }

    #[tokio::test]
    async fn a_held_host_loses_every_slot_the_hold_touches() {
        // 09:20-10:10 touches the 09:00 and 10:00 slots.
        let got = slots_with_holds(Scheduling::Personal, vec![], vec![hold(0, 9, 20, 50)]).await;
        assert_eq!(got, vec![slot(11)]);
        let got = slots_with_holds(Scheduling::Personal, vec![4], vec![hold(4, 11, 0, 30)]).await;
        assert_eq!(got, vec![slot(9), slot(10)]);
        // Back to back is free.
        let got = slots_with_holds(Scheduling::Personal, vec![4], vec![hold(4, 9, 30, 30)]).await;
        assert_eq!(got, vec![slot(9), slot(10), slot(11)]);
    }

    #[tokio::test]
    async fn collective_needs_every_host_and_round_robin_any_one() {
        let holds = vec![hold(1, 9, 0, 30), hold(1, 10, 0, 30), hold(2, 10, 0, 30)];
        let got = slots_with_holds(Scheduling::Collective, vec![1, 2], holds.clone()).await;
        assert_eq!(got, vec![slot(11)], "collective: any held host blocks");
        let got = slots_with_holds(Scheduling::RoundRobin, vec![1, 2], holds).await;
        assert_eq!(
            got,
            vec![slot(9), slot(11)],
            "round robin: host 2 is free at 9"
        );
    }

    #[tokio::test]
    async fn unknown_types_and_storage_trouble_leave_the_calendars_answer() {
        let mut cal = MockCalendarPort::new();
        cal.expect_free_slots()
            .returning(|_| Ok(vec![slot(9), slot(10)]));
        let mut other = event_type(Scheduling::Personal, vec![1]);
        other.id = EventTypeId(8);
        cal.expect_event_types()
            .returning(move || Ok(vec![other.clone()]));
        let mut store = MockSlotHoldRepository::new();
        store.expect_active_for_host().never();
        let svc = service(cal, MockBookingRepository::new(), empty_cache()).with_local_holds(
            LocalHolds {
                appointments: Arc::new(crate::ports::MockAppointmentRepository::new()),
                holds: Arc::new(store),
            },
        );
        assert_eq!(
            svc.find_slots(&query()).await.unwrap(),
            vec![slot(9), slot(10)]
        );

        let mut cal = MockCalendarPort::new();
        cal.expect_free_slots()
            .returning(|_| Ok(vec![slot(9), slot(10)]));
        cal.expect_event_types()
            .returning(|| Ok(vec![event_type(Scheduling::Collective, vec![1, 2])]));
        let mut store = MockSlotHoldRepository::new();
        store
            .expect_active_for_host()
            .returning(|_, host, _, _, _| {
                if host == 1 {
                    Ok(vec![hold(1, 9, 0, 30)])
                } else {
                    Err(crate::DomainError::Unavailable {
                        upstream: crate::Upstream::Storage,
                        message: "down".into(),
                    })
                }
            });
        let svc = service(cal, MockBookingRepository::new(), empty_cache()).with_local_holds(
            LocalHolds {
                appointments: Arc::new(crate::ports::MockAppointmentRepository::new()),
                holds: Arc::new(store),
            },
        );
        assert_eq!(
            svc.find_slots(&query()).await.unwrap(),
            vec![slot(9), slot(10)],
            "advisory: a storage error keeps the calendar's slots"
        );
    }

    proptest! {
        /// Whatever the calendar returns, the result is sorted, unique and in the future.
        #[test]
        fn results_are_sorted_unique_and_future(hours in proptest::collection::vec(0u32..24, 0..40)) {
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let slots: Vec<Slot> = hours.iter().map(|h| slot(*h)).collect();
            let mut cal = MockCalendarPort::new();
            cal.expect_free_slots().returning(move |_| Ok(slots.clone()));
            let svc = service(cal, MockBookingRepository::new(), empty_cache());
            let got = rt.block_on(svc.find_slots(&query())).unwrap();
            prop_assert!(got.windows(2).all(|w| w[0].start < w[1].start));
            prop_assert!(got.iter().all(|s| s.start > now()));
            let expected: std::collections::BTreeSet<u32> = hours.into_iter().filter(|h| *h > 8).collect();
            prop_assert_eq!(got.len(), expected.len());
        }
    }
}
