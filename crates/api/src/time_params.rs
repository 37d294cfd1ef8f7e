//! Times as callers write them, turned into UTC at the edge.
//!
//! Accepted: an RFC 3339 instant (`2030-01-07T09:00:00+01:00`, `…Z`), a
//! local date-time without offset (`2030-01-07T09:00`, read in the given
//! zone), or a bare date (`2030-01-07`, the start of that day in the zone).

use calbridge_domain::DomainError;
use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// Which end of a day a bare date stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateBound {
    /// 00:00 of that day.
    StartOfDay,
    /// 00:00 of the next day (an exclusive end that covers the whole day).
    EndOfDay,
}

/// Parses one time parameter.
///
/// # Errors
/// `InvalidInput` naming `field` when the text is no time, or a local time
/// that does not exist in `tz` (inside a daylight-saving gap).
pub fn parse_instant(
    field: &str,
    text: &str,
    tz: Tz,
    bound: DateBound,
) -> Result<DateTime<Utc>, DomainError> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Ok(dt.with_timezone(&Utc));
    }
    let local = if let Ok(naive) = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
    {
        naive
    } else if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = match bound {
            DateBound::StartOfDay => Some(date),
            DateBound::EndOfDay => date.succ_opt(),
        };
        day.and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(|| DomainError::invalid(field, "date out of range"))?
    } else {
        return Err(DomainError::invalid(
            field,
            "expected an RFC 3339 time (2030-01-07T09:00:00+01:00), a local time (2030-01-07T09:00) or a date (2030-01-07)",
        ));
    };
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        // A repeated hour (clocks going back): take the first occurrence.
        LocalResult::Ambiguous(first, _) => Ok(first.with_timezone(&Utc)),
        LocalResult::None => Err(DomainError::invalid(
            field,
            format!("{local} does not exist in {tz} (daylight-saving change); give an offset"),
        )),
    }
}

/// Parses an IANA zone name, defaulting to UTC when absent.
///
/// # Errors
/// `InvalidInput` for an unknown zone.
pub fn parse_time_zone(field: &str, name: Option<&str>) -> Result<Tz, DomainError> {
    match name.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Tz::UTC),
        Some(n) => n
            .parse::<Tz>()
            .map_err(|_| DomainError::invalid(field, format!("unknown IANA time zone {n:?}"))),
    }
}

/// Formats an instant in the caller's zone with its offset (`2030-01-07T09:00:00+01:00`).
pub fn format_in(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).to_rfc3339()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    #[test]
    fn accepts_instants_local_times_and_dates() {
        let tz = Tz::Europe__Berlin;
        let s = DateBound::StartOfDay;
        assert_eq!(
            parse_instant("t", "2030-01-07T09:00:00Z", tz, s).unwrap(),
            utc(2030, 1, 7, 9, 0)
        );
        assert_eq!(
            parse_instant("t", "2030-01-07T09:00:00+01:00", tz, s).unwrap(),
            utc(2030, 1, 7, 8, 0)
        );
        assert_eq!(
            parse_instant("t", "2030-01-07T09:00", tz, s).unwrap(),
            utc(2030, 1, 7, 8, 0)
        );
        assert_eq!(
            parse_instant("t", "2030-07-07", tz, s).unwrap(),
            utc(2030, 7, 6, 22, 0)
        );
        assert_eq!(
            parse_instant("t", "2030-07-07", tz, DateBound::EndOfDay).unwrap(),
            utc(2030, 7, 7, 22, 0)
        );
    }

    #[test]
    fn daylight_saving_gaps_and_folds_are_explicit() {
        let tz = Tz::Europe__Berlin;
        // 02:30 does not exist on 2030-03-31 in Berlin.
        let err =
            parse_instant("start", "2030-03-31T02:30", tz, DateBound::StartOfDay).unwrap_err();
        assert!(matches!(err, DomainError::InvalidInput { ref field, .. } if field == "start"));
        // 02:30 happens twice on 2030-10-27: the first (CEST, UTC+2) is chosen.
        assert_eq!(
            parse_instant("t", "2030-10-27T02:30", tz, DateBound::StartOfDay).unwrap(),
            utc(2030, 10, 27, 0, 30)
        );
    }

    #[test]
    fn garbage_is_a_clear_error() {
        for bad in ["", "tomorrow", "2030-13-01", "2030-01-07T25:00"] {
            assert!(
                parse_instant("start", bad, Tz::UTC, DateBound::StartOfDay).is_err(),
                "{bad}"
            );
        }
        assert!(parse_time_zone("timeZone", Some("Mars/Olympus")).is_err());
        assert_eq!(parse_time_zone("timeZone", None).unwrap(), Tz::UTC);
    }
}
