use crate::error::Result;
use crate::models::{Slot, SlotQuery};
use crate::usecases::BookingService;

impl BookingService {
    /// Free slots for an event type in a window, served from the cache when
    /// fresh. Slots that already started are dropped.
    ///
    /// # Errors
    /// Whatever the calendar port returns; cache trouble is never an error.
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
        Ok(slots.into_iter().filter(|s| s.start > now).collect())
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
