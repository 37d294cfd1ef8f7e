//! The slot engine (Cal.com's `getSlots` + busy-time filter), pure: all
//! inputs are arguments, `now` included, so it is tested without a clock.
//!
//! Per working range: the first slot is `max(range start, now + minimum
//! notice)` rounded up on the local clock to the largest of 60/30/20/15/10/5
//! that divides the frequency; slots then step by the frequency while
//! `start + length <= range end`; a slot overlapping a busy interval is
//! dropped.

use chrono::{DateTime, TimeDelta, Timelike, Utc};
use chrono_tz::Tz;

use crate::slots::schedule::WeeklySchedule;

/// The longest bookable length; longer requests simply get no slots.
const MAX_LENGTH_MINUTES: i64 = 24 * 60;

/// What is being fitted into the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SlotSpec {
    /// Meeting length in minutes.
    pub(crate) length_minutes: i64,
    /// Grid step in minutes (`slotInterval || duration || length`).
    pub(crate) frequency_minutes: i64,
    /// Minutes from now before the first bookable start.
    pub(crate) minimum_notice_minutes: i64,
}

/// A span of time the host is not available for the new booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Busy {
    /// Inclusive start.
    pub(crate) start: DateTime<Utc>,
    /// Exclusive end.
    pub(crate) end: DateTime<Utc>,
}

impl Busy {
    /// The time an existing booking blocks for a new one (`getBusyTimes`):
    /// its own buffers plus the new event type's, on each side.
    pub(crate) fn around_booking(
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        existing_before: u32,
        existing_after: u32,
        new_before: u32,
        new_after: u32,
    ) -> Self {
        let before = TimeDelta::minutes(i64::from(existing_before) + i64::from(new_after));
        let after = TimeDelta::minutes(i64::from(existing_after) + i64::from(new_before));
        Self {
            start: start - before,
            end: end + after,
        }
    }

    fn overlaps(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> bool {
        start < self.end && end > self.start
    }
}

/// Free slot starts within `[from, to]`, chronological.
pub(crate) fn available_starts(
    schedule: &WeeklySchedule,
    spec: &SlotSpec,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    now: DateTime<Utc>,
    busy: &[Busy],
) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    if spec.length_minutes <= 0 || spec.length_minutes > MAX_LENGTH_MINUTES {
        return out;
    }
    let frequency = if spec.frequency_minutes > 0 {
        spec.frequency_minutes.min(MAX_LENGTH_MINUTES)
    } else {
        spec.length_minutes
    };
    let length = TimeDelta::minutes(spec.length_minutes);
    let step = TimeDelta::minutes(frequency);
    let notice = TimeDelta::minutes(spec.minimum_notice_minutes.clamp(0, 366 * 24 * 60));
    let earliest = now + notice;
    let align = alignment_minutes(frequency);
    // Nothing before `earliest` can be offered, so the walk starts there.
    for (range_start, range_end) in schedule.working_ranges(from.max(earliest), to) {
        let mut t = round_up(range_start.max(earliest), align, schedule.tz());
        while t + length <= range_end {
            if !busy.iter().any(|b| b.overlaps(t, t + length)) {
                out.push(t);
            }
            t += step;
        }
    }
    out
}

/// The largest of 60/30/20/15/10/5 dividing `frequency`, else 1.
fn alignment_minutes(frequency: i64) -> i64 {
    [60, 30, 20, 15, 10, 5]
        .into_iter()
        .find(|a| frequency % a == 0)
        .unwrap_or(1)
}

/// Rounds up to a whole minute, then to a multiple of `align` minutes past
/// the hour on the local clock of `tz`.
fn round_up(t: DateTime<Utc>, align: i64, tz: Tz) -> DateTime<Utc> {
    let local = t.with_timezone(&tz);
    let sub_minute = TimeDelta::seconds(i64::from(local.second()))
        + TimeDelta::nanoseconds(i64::from(local.nanosecond()));
    let mut r = t;
    if sub_minute > TimeDelta::zero() {
        r = r - sub_minute + TimeDelta::minutes(1);
    }
    let minute = i64::from(r.with_timezone(&tz).minute());
    let rem = minute % align;
    if rem != 0 {
        r += TimeDelta::minutes(align - rem);
    }
    r
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::NaiveTime;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn spec(length: i64, frequency: i64, notice: i64) -> SlotSpec {
        SlotSpec {
            length_minutes: length,
            frequency_minutes: frequency,
            minimum_notice_minutes: notice,
        }
    }

    fn berlin_every_day() -> WeeklySchedule {
        WeeklySchedule::every_day(
            Tz::Europe__Berlin,
            NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
            NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        )
    }

    const LONG_AGO: &str = "2029-01-01T00:00:00Z";

    #[test]
    fn spring_forward_day_keeps_nine_to_five_local() {
        // 2030-03-31 (a Sunday, so an every-day schedule): CEST, UTC+2.
        let s = available_starts(
            &berlin_every_day(),
            &spec(30, 30, 0),
            utc("2030-03-31T00:00:00Z"),
            utc("2030-03-31T23:59:59Z"),
            utc(LONG_AGO),
            &[],
        );
        assert_eq!(s.len(), 16, "8 hours of 30-minute slots");
        assert_eq!(s[0], utc("2030-03-31T07:00:00Z"));
        assert_eq!(s[15], utc("2030-03-31T14:30:00Z"));
        // The day before is still CET, UTC+1.
        let before = available_starts(
            &berlin_every_day(),
            &spec(30, 30, 0),
            utc("2030-03-30T00:00:00Z"),
            utc("2030-03-30T23:59:59Z"),
            utc(LONG_AGO),
            &[],
        );
        assert_eq!(before.len(), 16);
        assert_eq!(before[0], utc("2030-03-30T08:00:00Z"));
    }

    #[test]
    fn fall_back_day_keeps_nine_to_five_local() {
        // 2030-10-27: CET from 03:00 CEST, so working hours are UTC+1.
        let s = available_starts(
            &berlin_every_day(),
            &spec(60, 60, 0),
            utc("2030-10-27T00:00:00Z"),
            utc("2030-10-27T23:59:59Z"),
            utc(LONG_AGO),
            &[],
        );
        assert_eq!(s.len(), 8, "8 hours of 60-minute slots");
        assert_eq!(s[0], utc("2030-10-27T08:00:00Z"));
        assert_eq!(s[7], utc("2030-10-27T15:00:00Z"));
    }

    #[test]
    fn demo_schedule_around_the_dst_sundays() {
        let weekdays = WeeklySchedule::weekdays_nine_to_five(Tz::Europe__Berlin);
        let s = |from: &str, to: &str| {
            available_starts(
                &weekdays,
                &spec(30, 30, 0),
                utc(from),
                utc(to),
                utc(LONG_AGO),
                &[],
            )
        };
        // The DST days are Sundays: no working hours at all.
        assert!(s("2030-03-31T00:00:00Z", "2030-03-31T23:59:59Z").is_empty());
        assert!(s("2030-10-27T00:00:00Z", "2030-10-27T23:59:59Z").is_empty());
        // The Friday before and the Monday after: 8 hours, shifted in UTC.
        let fri = s("2030-10-25T00:00:00Z", "2030-10-25T23:59:59Z");
        let mon = s("2030-10-28T00:00:00Z", "2030-10-28T23:59:59Z");
        assert_eq!((fri.len(), mon.len()), (16, 16));
        assert_eq!(fri[0], utc("2030-10-25T07:00:00Z"));
        assert_eq!(mon[0], utc("2030-10-28T08:00:00Z"));
    }

    #[test]
    fn the_last_slot_must_end_by_closing_time() {
        let weekdays = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        let s = available_starts(
            &weekdays,
            &spec(45, 45, 0),
            utc("2030-04-01T00:00:00Z"),
            utc("2030-04-01T23:59:59Z"),
            utc(LONG_AGO),
            &[],
        );
        // 09:00, 09:45, ..., 15:45 (ends 16:30); 16:30 would end 17:15.
        assert_eq!(s.len(), 10);
        assert_eq!(s.last().copied(), Some(utc("2030-04-01T15:45:00Z")));
    }

    #[test]
    fn notice_rounds_up_on_the_frequency_grid() {
        let weekdays = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        // now 10:07:30 + 60 min notice → 11:07:30 → 11:08 → 11:30.
        let s = available_starts(
            &weekdays,
            &spec(30, 30, 60),
            utc("2030-04-01T00:00:00Z"),
            utc("2030-04-01T23:59:59Z"),
            utc("2030-04-01T10:07:30Z"),
            &[],
        );
        assert_eq!(s[0], utc("2030-04-01T11:30:00Z"));
        // 15-minute grid: 11:08 → 11:15.
        let s = available_starts(
            &weekdays,
            &spec(15, 15, 60),
            utc("2030-04-01T00:00:00Z"),
            utc("2030-04-01T23:59:59Z"),
            utc("2030-04-01T10:07:30Z"),
            &[],
        );
        assert_eq!(s[0], utc("2030-04-01T11:15:00Z"));
    }

    #[test]
    fn bookings_and_their_buffers_block_slots() {
        let weekdays = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        // An existing 60-min booking 10:00–11:00 with a 10-min after-buffer.
        let busy = [Busy::around_booking(
            utc("2030-04-01T10:00:00Z"),
            utc("2030-04-01T11:00:00Z"),
            0,
            10,
            0,
            0,
        )];
        let s = available_starts(
            &weekdays,
            &spec(60, 60, 0),
            utc("2030-04-01T00:00:00Z"),
            utc("2030-04-01T23:59:59Z"),
            utc(LONG_AGO),
            &busy,
        );
        let hours: Vec<u32> = s.iter().map(|t| t.hour()).collect();
        // 09:00 ends at 10:00 (free); 10:00 overlaps; 11:00 overlaps the
        // buffer until 11:10; 12:00 onwards free.
        assert_eq!(hours, [9, 12, 13, 14, 15, 16]);
    }

    #[test]
    fn nonsense_lengths_give_no_slots_instead_of_looping() {
        let weekdays = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        for (length, frequency) in [(0, 30), (-5, 30), (10_000, 30), (i64::MAX, 0)] {
            assert!(
                available_starts(
                    &weekdays,
                    &spec(length, frequency, 0),
                    utc("2030-04-01T00:00:00Z"),
                    utc("2030-04-02T00:00:00Z"),
                    utc(LONG_AGO),
                    &[],
                )
                .is_empty()
            );
        }
        // A zero frequency falls back to the length.
        assert_eq!(
            available_starts(
                &weekdays,
                &spec(60, 0, 0),
                utc("2030-04-01T00:00:00Z"),
                utc("2030-04-01T23:59:59Z"),
                utc(LONG_AGO),
                &[],
            )
            .len(),
            8
        );
    }
}
