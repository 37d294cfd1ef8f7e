//! Dates the way Cal.com reads and writes them.
//!
//! Output: JS `Date#toISOString()` (`2024-08-13T15:30:00.000Z`) and luxon
//! `DateTime#toISO()` in a zone (`2050-09-05T09:00:00.000+02:00`).
//! Input: ISO 8601 as class-validator's `IsDateString` accepts it, read as
//! UTC when no offset is given (luxon `fromISO(s, { zone: "utc" })`).

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone,
    Timelike, Utc,
};
use chrono_tz::Tz;

/// `Date#toISOString()`: UTC, milliseconds, `Z`.
pub(crate) fn js_iso(t: DateTime<Utc>) -> String {
    local_iso(&t.naive_utc(), None)
        .unwrap_or_else(|| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// `YYYY-MM-DDTHH:MM:SS.mmm` plus `Z` (no offset) or `±HH:MM`, written by
/// hand: `chrono`'s `format` parses its pattern on every call and was the
/// hottest spot of `GET /v2/slots`. `None` for years outside 0–9999
/// (callers fall back to `format`).
fn local_iso(t: &NaiveDateTime, offset_secs: Option<i32>) -> Option<String> {
    use std::fmt::Write;
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return None;
    }
    let mut out = String::with_capacity(29);
    let millis = t.and_utc().timestamp_subsec_millis().min(999);
    write!(
        out,
        "{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{millis:03}",
        t.month(),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
    .ok()?;
    match offset_secs {
        None => out.push('Z'),
        Some(secs) => {
            let sign = if secs < 0 { '-' } else { '+' };
            let m = secs.unsigned_abs() / 60;
            write!(out, "{sign}{:02}:{:02}", m / 60, m % 60).ok()?;
        }
    }
    Some(out)
}

/// The zone a caller asked slots in (`timeZone=`), as luxon renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputZone {
    /// luxon's fixed UTC zone (`UTC`/`GMT` in any case): offset printed `Z`.
    FixedUtc,
    /// An IANA zone: offset printed `+HH:MM`, even when it is zero.
    Iana(Tz),
}

impl OutputZone {
    /// Parses a `timeZone` query value the way class-validator's
    /// `IsTimeZone` (via `Intl`) accepts it: IANA names, any letter case.
    pub(crate) fn parse(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("utc") || name.eq_ignore_ascii_case("gmt") {
            return Some(Self::FixedUtc);
        }
        if let Ok(tz) = name.parse::<Tz>() {
            return Some(Self::Iana(tz));
        }
        chrono_tz::TZ_VARIANTS
            .iter()
            .find(|tz| tz.name().eq_ignore_ascii_case(name))
            .copied()
            .map(Self::Iana)
    }

    fn tz(self) -> Tz {
        match self {
            Self::FixedUtc => Tz::UTC,
            Self::Iana(tz) => tz,
        }
    }

    /// luxon `DateTime.fromISO(t).setZone(zone).toISO()`.
    pub(crate) fn luxon_iso(self, t: DateTime<Utc>) -> String {
        match self {
            Self::FixedUtc => js_iso(t),
            Self::Iana(tz) => {
                let local = t.with_timezone(&tz);
                let offset = local.offset().fix().local_minus_utc();
                local_iso(&local.naive_local(), Some(offset))
                    .unwrap_or_else(|| local.format("%Y-%m-%dT%H:%M:%S%.3f%:z").to_string())
            }
        }
    }

    /// The calendar date of `t` in this zone, `YYYY-MM-DD` (slot grouping key).
    pub(crate) fn date_key(self, t: DateTime<Utc>) -> String {
        let d = t.with_timezone(&self.tz()).date_naive();
        if (0..=9999).contains(&d.year()) {
            format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
        } else {
            d.format("%Y-%m-%d").to_string()
        }
    }
}

/// Parses an ISO 8601 date or date-time into an instant; `None` when it is
/// not a valid one (bad shape, 2024-02-30, 25:00, ...). Accepted:
/// `YYYY-MM-DD`, optionally followed by `T`/space, `HH[:MM[:SS[.fff]]]` and
/// `Z` / `±HH[:MM]` / `±HHMM`. Without an offset the time is UTC.
pub(crate) fn parse_iso(s: &str) -> Option<DateTime<Utc>> {
    let b = s.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = i32::try_from(digits(&b[0..4])?).ok()?;
    let month = digits(&b[5..7])?;
    let day = digits(&b[8..10])?;
    let date = NaiveDate::from_ymd_opt(year, month, day)?;
    if b.len() == 10 {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    if !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let mut p = Cursor { b, i: 11 };
    let hour = p.two_digits()?;
    let mut minute = 0;
    let mut second = 0;
    let mut nanos = 0;
    if p.eat(b':') {
        minute = p.two_digits()?;
        if p.eat(b':') {
            second = p.two_digits()?;
            if p.eat(b'.') || p.eat(b',') {
                nanos = p.fraction_nanos()?;
            }
        }
    }
    let offset_seconds = p.offset_seconds()?;
    if p.i != b.len() {
        return None;
    }
    let time = NaiveTime::from_hms_nano_opt(hour, minute, second, nanos)?;
    let local = NaiveDateTime::new(date, time);
    let offset = FixedOffset::east_opt(offset_seconds)?;
    offset
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

fn digits(b: &[u8]) -> Option<u32> {
    if b.is_empty() || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn two_digits(&mut self) -> Option<u32> {
        let v = digits(self.b.get(self.i..self.i + 2)?)?;
        self.i += 2;
        Some(v)
    }

    fn fraction_nanos(&mut self) -> Option<u32> {
        let start = self.i;
        while self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.i += 1;
        }
        let run = &self.b[start..self.i];
        if run.is_empty() {
            return None;
        }
        let mut nanos = 0u32;
        for k in 0..9 {
            let d = run.get(k).map_or(0, |d| u32::from(d - b'0'));
            nanos = nanos * 10 + d;
        }
        Some(nanos)
    }

    /// `Z`, `±HH`, `±HH:MM`, `±HHMM` or nothing (UTC).
    fn offset_seconds(&mut self) -> Option<i32> {
        if self.eat(b'Z') || self.eat(b'z') {
            return Some(0);
        }
        let sign = if self.eat(b'+') {
            1
        } else if self.eat(b'-') {
            -1
        } else {
            return Some(0);
        };
        let hours = self.two_digits()?;
        let colon = self.eat(b':');
        let minutes = if colon || self.b.get(self.i).is_some_and(u8::is_ascii_digit) {
            self.two_digits()?
        } else {
            0
        };
        if hours > 23 || minutes > 59 {
            return None;
        }
        let total = i32::try_from(hours * 3600 + minutes * 60).ok()?;
        Some(sign * total)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn hand_formatting_equals_chronos_format() {
        let zones = [
            OutputZone::FixedUtc,
            OutputZone::Iana(Tz::Europe__Berlin),
            OutputZone::Iana(Tz::America__New_York),
            OutputZone::Iana(Tz::Asia__Kolkata),
            OutputZone::Iana(Tz::America__St_Johns),
        ];
        let mut t = utc("1999-12-31T23:59:59.999Z");
        for _ in 0..2000 {
            assert_eq!(js_iso(t), t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
            for z in zones {
                let expected = match z {
                    OutputZone::FixedUtc => t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
                    OutputZone::Iana(tz) => t
                        .with_timezone(&tz)
                        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
                        .to_string(),
                };
                assert_eq!(z.luxon_iso(t), expected);
                assert_eq!(z.date_key(t), expected[..10]);
            }
            t += chrono::TimeDelta::milliseconds(7_919_417_123);
        }
    }

    #[test]
    fn formats_like_js_and_luxon() {
        let t = utc("2050-09-05T07:00:00Z");
        assert_eq!(js_iso(t), "2050-09-05T07:00:00.000Z");
        let berlin = OutputZone::parse("Europe/Berlin").unwrap();
        assert_eq!(berlin.luxon_iso(t), "2050-09-05T09:00:00.000+02:00");
        assert_eq!(berlin.date_key(t), "2050-09-05");
        assert_eq!(
            OutputZone::parse("utc").unwrap().luxon_iso(t),
            "2050-09-05T07:00:00.000Z"
        );
        assert_eq!(
            OutputZone::parse("Europe/London")
                .unwrap()
                .luxon_iso(utc("2050-01-05T07:00:00Z")),
            "2050-01-05T07:00:00.000+00:00"
        );
        assert_eq!(
            OutputZone::parse("america/new_york").unwrap(),
            OutputZone::Iana(Tz::America__New_York)
        );
        assert!(OutputZone::parse("Mars/Olympus").is_none());
        assert!(OutputZone::parse("").is_none());
    }

    #[test]
    fn parses_the_iso_shapes_clients_send() {
        assert_eq!(
            parse_iso("2050-09-05").unwrap(),
            utc("2050-09-05T00:00:00Z")
        );
        assert_eq!(
            parse_iso("2050-09-05T09:00:00Z").unwrap(),
            utc("2050-09-05T09:00:00Z")
        );
        assert_eq!(
            parse_iso("2050-09-05T09:00:00.123Z").unwrap(),
            utc("2050-09-05T09:00:00.123Z")
        );
        assert_eq!(
            parse_iso("2050-09-05T09:00:00+02:00").unwrap(),
            utc("2050-09-05T07:00:00Z")
        );
        assert_eq!(
            parse_iso("2050-09-05T09:00-0130").unwrap(),
            utc("2050-09-05T10:30:00Z")
        );
        assert_eq!(
            parse_iso("2050-09-05 09:00").unwrap(),
            utc("2050-09-05T09:00:00Z")
        );
        assert_eq!(
            parse_iso("2050-09-05T09").unwrap(),
            utc("2050-09-05T09:00:00Z")
        );
    }

    #[test]
    fn rejects_what_is_not_a_date() {
        for bad in [
            "",
            "2050",
            "2050-9-5",
            "2050-02-30",
            "2050-13-01",
            "2050-09-05T25:00",
            "2050-09-05T09:60",
            "2050-09-05T09:00:00Zjunk",
            "2050-09-05X09:00",
            "2050-09-05T09:00+25:00",
            "tomorrow!!",
            "2050-09-05T09:00:00.Z",
            "20500905",
            "2050-09-05T\u{e9}9:00",
            "\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
        ] {
            assert!(parse_iso(bad).is_none(), "{bad:?} accepted");
        }
    }
}
