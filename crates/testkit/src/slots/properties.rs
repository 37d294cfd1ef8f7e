//! Property tests of the slot engine against the booking rules, and its
//! behaviour on both DST transition days in Europe/Berlin and
//! America/New_York.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use chrono::{DateTime, Datelike, NaiveTime, TimeDelta, Utc, Weekday};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::Map;

use crate::auth::Caller;
use crate::bookings::actions;
use crate::bookings::input::{AttendeeInput, CreateInput, EventTypeRef};
use crate::bookings::store::SlotWindow;
use crate::config::MockConfig;
use crate::event_types::Scheduling;
use crate::slots::engine::{SlotSpec, available_starts};
use crate::slots::schedule::WeeklySchedule;
use crate::state::AppState;

const EVENT_TYPES: [u64; 5] = [1001, 1002, 1003, 2001, 2002];

fn input(event_type: u64, start: DateTime<Utc>, n: usize) -> CreateInput {
    CreateInput {
        start,
        length_in_minutes: None,
        event_type: EventTypeRef::Id {
            lookup: Some(event_type),
            shown: event_type.to_string(),
        },
        attendee: AttendeeInput {
            name: format!("Booker {n}"),
            email: Some(format!("b{n}@example.com")),
            time_zone: "UTC".to_owned(),
            phone_number: None,
            language: "en".to_owned(),
        },
        guests: Vec::new(),
        meeting_url: None,
        location: None,
        metadata: Map::new(),
        booking_fields_responses: Map::new(),
        instant: false,
        routed_team_member_ids: None,
    }
}

/// Monday of the week after next, 00:00 UTC: always in the future, always
/// inside the one-year booking horizon.
fn week_start() -> DateTime<Utc> {
    let today = Utc::now().date_naive();
    let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
    (monday + TimeDelta::days(14))
        .and_time(NaiveTime::MIN)
        .and_utc()
}

fn free(
    state: &AppState,
    et_id: u64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let catalog = state.catalog();
    let et = catalog.event_type(et_id).unwrap();
    let window = SlotWindow {
        from,
        to,
        now: state.now(),
        exclude_uid: None,
        holder: None,
    };
    state.with_store(|s| s.free_starts(catalog, et, i64::from(et.length), &window))
}

/// A mock state with a random mix of bookings and reservations, each made
/// at a slot that was free at the time.
fn populated(picks: &[(usize, usize, bool)]) -> AppState {
    let state = AppState::new(MockConfig::default());
    let from = week_start();
    let to = from + TimeDelta::days(7);
    for (n, (et_pick, slot_pick, reserve)) in picks.iter().enumerate() {
        let et = EVENT_TYPES[et_pick % EVENT_TYPES.len()];
        let slots = free(&state, et, from, to);
        if slots.is_empty() {
            continue;
        }
        let start = slots[slot_pick % slots.len()];
        if *reserve {
            let body = serde_json::json!({"eventTypeId": et, "slotStart": crate::js_compat::date::js_iso(start)});
            let parsed = crate::reservations::parse(body.as_object().unwrap()).unwrap();
            crate::reservations::reserve(&state, Caller::Anonymous, parsed, None).unwrap();
        } else {
            actions::create(&state, input(et, start, n), None).unwrap();
        }
    }
    state
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn no_slot_overlaps_an_active_booking_or_reservation(
        picks in proptest::collection::vec((0usize..5, 0usize..200, any::<bool>()), 1..12),
    ) {
        let state = populated(&picks);
        let from = week_start();
        let to = from + TimeDelta::days(7);
        let catalog = state.catalog();
        let (bookings, reservations) = state.with_store(|s| {
            (s.all().to_vec(), s.reservations(state.now()).clone())
        });
        for et_id in EVENT_TYPES {
            let et = catalog.event_type(et_id).unwrap();
            let len = TimeDelta::minutes(i64::from(et.length));
            for start in free(&state, et_id, from, to) {
                let end = start + len;
                let host_free = |h: &u64| {
                    let booked = bookings.iter().any(|b| {
                        b.is_active() && b.host_ids.contains(h) && b.start < end && b.end > start
                    });
                    let held = reservations.iter().any(|r| {
                        catalog.event_type(r.event_type_id).unwrap().host_ids.contains(h)
                            && r.start < end
                            && r.end > start
                    });
                    !booked && !held
                };
                // Round robin needs one free host, everything else all.
                let ok = if et.scheduling == Scheduling::RoundRobin {
                    et.host_ids.iter().any(host_free)
                } else {
                    et.host_ids.iter().all(host_free)
                };
                prop_assert!(ok, "slot {start} of {et_id} overlaps a booking or reservation");
            }
        }
    }

    #[test]
    fn every_slot_lies_inside_working_hours_in_local_time(
        zone in prop::sample::select(vec![Tz::Europe__Berlin, Tz::America__New_York, Tz::Asia__Kolkata, Tz::UTC]),
        open_h in 0u32..12, close_h in 13u32..24, length in prop::sample::select(vec![15i64, 30, 45, 60, 90]),
        // Windows anywhere in 2030, DST changes included.
        day in 0i64..365,
    ) {
        let mut hours = WeeklySchedule::closed(zone);
        for wd in [Weekday::Mon, Weekday::Wed, Weekday::Sun] {
            hours.add_hours(wd, NaiveTime::from_hms_opt(open_h, 0, 0).unwrap(),
                            NaiveTime::from_hms_opt(close_h, 0, 0).unwrap());
        }
        let from = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z").unwrap().with_timezone(&Utc)
            + TimeDelta::days(day);
        let spec = SlotSpec { length_minutes: length, frequency_minutes: length, minimum_notice_minutes: 0 };
        let slots = available_starts(&hours, &spec, from, from + TimeDelta::days(8), from - TimeDelta::days(1), &[]);
        prop_assert!(!slots.is_empty());
        for s in slots {
            let local_start = s.with_timezone(&zone).naive_local();
            let local_end = (s + TimeDelta::minutes(length)).with_timezone(&zone).naive_local();
            // On a fall-back night the wall clock repeats an hour, so the
            // end may read earlier than the start; compare instants then.
            let end = if local_end < local_start { local_start } else { local_end };
            prop_assert!(hours.contains_local(local_start, end),
                "{s} ({local_start}..{local_end} in {zone}) outside {open_h}:00-{close_h}:00");
        }
    }

    #[test]
    fn booking_any_returned_slot_succeeds_exactly_once(
        picks in proptest::collection::vec((0usize..5, 0usize..200, any::<bool>()), 0..6),
        et_pick in 0usize..5, slot_pick in 0usize..500,
    ) {
        let state = populated(&picks);
        let et = EVENT_TYPES[et_pick];
        let from = week_start();
        let slots = free(&state, et, from, from + TimeDelta::days(7));
        prop_assume!(!slots.is_empty());
        let start = slots[slot_pick % slots.len()];
        let first = actions::create(&state, input(et, start, 900), None);
        prop_assert!(first.is_ok(), "{first:?}");
        // A round-robin slot can take one booking per free host; anything
        // else exactly one.
        let def = state.catalog().event_type(et).unwrap();
        let capacity = if def.scheduling == Scheduling::RoundRobin { def.host_ids.len() } else { 1 };
        let mut accepted = 1;
        for n in 0..capacity {
            if actions::create(&state, input(et, start, 901 + n), None).is_ok() {
                accepted += 1;
            }
        }
        prop_assert!(accepted <= capacity, "{accepted} bookings of one slot, capacity {capacity}");
        // At least one attempt failed, and nothing was cancelled since.
        prop_assert!(!free(&state, et, from, from + TimeDelta::days(7)).contains(&start));
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn every_day(tz: Tz, open: u32, close: u32) -> WeeklySchedule {
    WeeklySchedule::every_day(
        tz,
        NaiveTime::from_hms_opt(open, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(close, 0, 0).unwrap(),
    )
}

fn day_slots(h: &WeeklySchedule, day: &str, length: i64) -> Vec<DateTime<Utc>> {
    let from = utc(&format!("{day}T00:00:00Z")) - TimeDelta::hours(12);
    let spec = SlotSpec {
        length_minutes: length,
        frequency_minutes: length,
        minimum_notice_minutes: 0,
    };
    available_starts(
        h,
        &spec,
        from,
        from + TimeDelta::hours(48),
        utc("2029-01-01T00:00:00Z"),
        &[],
    )
    .into_iter()
    .filter(|s| s.with_timezone(&h.tz()).date_naive().to_string() == day)
    .collect()
}

#[test]
fn new_york_on_both_transition_days() {
    let ny = every_day(Tz::America__New_York, 9, 17);
    // 2030-03-10: EDT (UTC-4) from 02:00; 09:00 local = 13:00Z.
    let spring = day_slots(&ny, "2030-03-10", 30);
    assert_eq!(spring.len(), 16);
    assert_eq!(spring[0], utc("2030-03-10T13:00:00Z"));
    // 2030-11-03: EST (UTC-5) from 02:00; 09:00 local = 14:00Z.
    let fall = day_slots(&ny, "2030-11-03", 30);
    assert_eq!(fall.len(), 16);
    assert_eq!(fall[0], utc("2030-11-03T14:00:00Z"));
    // Hours across the switch: 01:00–04:00 local is 2 real hours in spring
    // and 4 in autumn.
    let night = every_day(Tz::America__New_York, 1, 4);
    assert_eq!(day_slots(&night, "2030-03-10", 30).len(), 4);
    assert_eq!(day_slots(&night, "2030-11-03", 30).len(), 8);
    assert_eq!(day_slots(&night, "2030-11-04", 30).len(), 6);
}

#[test]
fn berlin_on_both_transition_days() {
    let night = every_day(Tz::Europe__Berlin, 1, 4);
    // 2030-03-31: 02:00 → 03:00.
    let spring = day_slots(&night, "2030-03-31", 30);
    assert_eq!(spring.len(), 4);
    assert_eq!(spring[0], utc("2030-03-31T00:00:00Z"));
    assert_eq!(spring[3], utc("2030-03-31T01:30:00Z"));
    // 2030-10-27: 03:00 → 02:00.
    let fall = day_slots(&night, "2030-10-27", 30);
    assert_eq!(fall.len(), 8);
    assert_eq!(fall[0], utc("2030-10-26T23:00:00Z"));
    let day = every_day(Tz::Europe__Berlin, 9, 17);
    assert_eq!(day_slots(&day, "2030-03-31", 60).len(), 8);
    assert_eq!(day_slots(&day, "2030-10-27", 60).len(), 8);
}
