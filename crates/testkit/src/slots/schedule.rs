//! Working hours as local wall-clock times in a time zone, turned into
//! absolute UTC ranges (Cal.com's `buildDateRanges`).
//!
//! DST is handled explicitly when a local time is read:
//! - a time inside a spring-forward gap does not exist; it is moved forward
//!   by the gap (read with the offset in force before the gap), as dayjs does;
//! - a time inside a fall-back fold happens twice; a range *start* takes the
//!   earlier instant and a range *end* the later one, so no working time is
//!   lost.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, MappedLocalTime, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The most days one range computation walks; callers bound their windows
/// far below this, it only stops runaway input.
const MAX_DAYS: usize = 4000;

/// Local opening hours: `(start, end)` wall-clock pairs.
pub(crate) type Hours = Vec<(NaiveTime, NaiveTime)>;

/// Opening hours per weekday in one time zone, plus date overrides that
/// replace the weekday's hours on one date (an empty override = day off).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WeeklySchedule {
    tz: Tz,
    /// Index 0 = Monday.
    hours: [Hours; 7],
    overrides: BTreeMap<NaiveDate, Hours>,
}

impl WeeklySchedule {
    /// No working hours at all (built up with [`Self::add_hours`]).
    pub(crate) fn closed(tz: Tz) -> Self {
        Self {
            tz,
            hours: std::array::from_fn(|_| Vec::new()),
            overrides: BTreeMap::new(),
        }
    }

    /// Cal.com's default availability: Monday–Friday 09:00–17:00.
    pub(crate) fn weekdays_nine_to_five(tz: Tz) -> Self {
        let day = vec![(nine(), five())];
        Self {
            tz,
            hours: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                Vec::new(),
                Vec::new(),
            ],
            overrides: BTreeMap::new(),
        }
    }

    /// Every day of the week `start`–`end` (tests and property tests).
    #[cfg(test)]
    pub(crate) fn every_day(tz: Tz, start: NaiveTime, end: NaiveTime) -> Self {
        Self {
            tz,
            hours: std::array::from_fn(|_| vec![(start, end)]),
            overrides: BTreeMap::new(),
        }
    }

    /// Adds `start`–`end` on `day` (several ranges per day are allowed).
    pub(crate) fn add_hours(&mut self, day: Weekday, start: NaiveTime, end: NaiveTime) {
        self.hours[day.num_days_from_monday() as usize].push((start, end));
    }

    /// Replaces the hours of `date` (`None` = not available that day);
    /// several calls for one date add ranges, as Cal.com's override list does.
    pub(crate) fn set_override(&mut self, date: NaiveDate, hours: Option<(NaiveTime, NaiveTime)>) {
        let entry = self.overrides.entry(date).or_default();
        if let Some(h) = hours {
            entry.push(h);
        }
    }

    /// The zone the hours are in.
    pub(crate) fn tz(&self) -> Tz {
        self.tz
    }

    /// Weekly hours (Monday first).
    pub(crate) fn weekly(&self) -> &[Hours; 7] {
        &self.hours
    }

    /// Date overrides, ordered by date.
    pub(crate) fn overrides(&self) -> &BTreeMap<NaiveDate, Hours> {
        &self.overrides
    }

    fn hours_on(&self, date: NaiveDate) -> &[(NaiveTime, NaiveTime)] {
        self.overrides
            .get(&date)
            .unwrap_or(&self.hours[date.weekday().num_days_from_monday() as usize])
    }

    /// Whether the local wall-clock span `[start, end)` (in this zone) lies
    /// inside one working range of its date.
    #[cfg(test)]
    pub(crate) fn contains_local(&self, start: NaiveDateTime, end: NaiveDateTime) -> bool {
        self.hours_on(start.date()).iter().any(|(open, close)| {
            let open = NaiveDateTime::new(start.date(), *open);
            let close = NaiveDateTime::new(start.date(), *close);
            start >= open && end <= close
        })
    }

    /// Absolute working ranges intersecting `[from, to]`, clipped to it,
    /// in chronological order.
    pub(crate) fn working_ranges(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut out = Vec::new();
        if to <= from {
            return out;
        }
        let first = from.with_timezone(&self.tz).date_naive().pred_opt();
        let last = to.with_timezone(&self.tz).date_naive().succ_opt();
        let (Some(first), Some(last)) = (first, last) else {
            return out;
        };
        for date in first.iter_days().take_while(|d| *d <= last).take(MAX_DAYS) {
            let mut day: Vec<(DateTime<Utc>, DateTime<Utc>)> = self
                .hours_on(date)
                .iter()
                .filter_map(|(open, close)| {
                    let start = self.instant(date, *open, Edge::Start)?;
                    let end = self.instant(date, *close, Edge::End)?;
                    let (start, end) = (start.max(from), end.min(to));
                    (start < end).then_some((start, end))
                })
                .collect();
            day.sort();
            out.extend(day);
        }
        out
    }

    fn instant(&self, date: NaiveDate, time: NaiveTime, edge: Edge) -> Option<DateTime<Utc>> {
        resolve_local(self.tz, NaiveDateTime::new(date, time), edge)
    }
}

/// Which side of a range a local time bounds (decides DST folds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Edge {
    /// Range start: earlier instant of a fold.
    Start,
    /// Range end: later instant of a fold.
    End,
}

/// The instant a local wall-clock time stands for in `tz` (see module docs
/// for gaps and folds).
pub(crate) fn resolve_local(tz: Tz, local: NaiveDateTime, edge: Edge) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Some(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(early, late) => Some(match edge {
            Edge::Start => early.with_timezone(&Utc),
            Edge::End => late.with_timezone(&Utc),
        }),
        MappedLocalTime::None => {
            // Find the offset in force just before the gap (gaps are at most
            // a day long, e.g. Samoa 2011) and read the wall time with it.
            let offset = (1..=48).find_map(|h| {
                let probe = local.checked_sub_signed(TimeDelta::hours(h))?;
                match tz.from_local_datetime(&probe) {
                    MappedLocalTime::Single(t) => Some(t.offset().fix()),
                    MappedLocalTime::Ambiguous(_, late) => Some(late.offset().fix()),
                    MappedLocalTime::None => None,
                }
            })?;
            local
                .checked_sub_signed(TimeDelta::seconds(i64::from(offset.local_minus_utc())))
                .map(|naive| naive.and_utc())
        }
    }
}

fn nine() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN)
}

fn five() -> NaiveTime {
    NaiveTime::from_hms_opt(17, 0, 0).unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn gap_times_move_forward_and_fold_times_pick_by_edge() {
        let tz = Tz::Europe__Berlin;
        // 02:30 does not exist on 2030-03-31: read with CET (+1) → 01:30Z,
        // which is 03:30 CEST.
        assert_eq!(
            resolve_local(tz, local("2030-03-31 02:30"), Edge::Start),
            Some(utc("2030-03-31T01:30:00Z"))
        );
        // 02:30 happens twice on 2030-10-27.
        assert_eq!(
            resolve_local(tz, local("2030-10-27 02:30"), Edge::Start),
            Some(utc("2030-10-27T00:30:00Z"))
        );
        assert_eq!(
            resolve_local(tz, local("2030-10-27 02:30"), Edge::End),
            Some(utc("2030-10-27T01:30:00Z"))
        );
    }

    #[test]
    fn weekday_hours_shift_in_utc_across_dst() {
        let s = WeeklySchedule::weekdays_nine_to_five(Tz::Europe__Berlin);
        // Fri 2030-03-29 (CET) .. Mon 2030-04-01 (CEST): the weekend has none.
        let r = s.working_ranges(utc("2030-03-29T00:00:00Z"), utc("2030-04-01T23:59:59Z"));
        assert_eq!(
            r,
            vec![
                (utc("2030-03-29T08:00:00Z"), utc("2030-03-29T16:00:00Z")),
                (utc("2030-04-01T07:00:00Z"), utc("2030-04-01T15:00:00Z")),
            ]
        );
    }

    #[test]
    fn overrides_replace_the_weekday_and_days_can_have_several_ranges() {
        let mut s = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        s.add_hours(Weekday::Mon, t(18), t(20));
        // 2030-04-02 (Tue): only 12–14; 2030-04-03 (Wed): off.
        s.set_override(
            NaiveDate::from_ymd_opt(2030, 4, 2).unwrap(),
            Some((t(12), t(14))),
        );
        s.set_override(NaiveDate::from_ymd_opt(2030, 4, 3).unwrap(), None);
        let r = s.working_ranges(utc("2030-04-01T00:00:00Z"), utc("2030-04-03T23:59:59Z"));
        assert_eq!(
            r,
            vec![
                (utc("2030-04-01T09:00:00Z"), utc("2030-04-01T17:00:00Z")),
                (utc("2030-04-01T18:00:00Z"), utc("2030-04-01T20:00:00Z")),
                (utc("2030-04-02T12:00:00Z"), utc("2030-04-02T14:00:00Z")),
            ]
        );
    }

    #[test]
    fn ranges_are_clipped_to_the_window() {
        let s = WeeklySchedule::weekdays_nine_to_five(Tz::UTC);
        let r = s.working_ranges(utc("2030-04-01T10:00:00Z"), utc("2030-04-01T12:00:00Z"));
        assert_eq!(
            r,
            vec![(utc("2030-04-01T10:00:00Z"), utc("2030-04-01T12:00:00Z"))]
        );
        assert!(
            s.working_ranges(utc("2030-04-01T12:00:00Z"), utc("2030-04-01T12:00:00Z"))
                .is_empty()
        );
    }
}
