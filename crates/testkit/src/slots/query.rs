//! `GET /v2/slots` query validation, as Cal.com's `GetSlotsInputPipe` does
//! it: the presence of `eventTypeId` / `username`+`eventTypeSlug` /
//! `teamSlug`+`eventTypeSlug` picks the input class, unknown parameters are
//! refused (`forbidNonWhitelisted`), and failures become one
//! `BadRequestException` string.

use chrono::{DateTime, NaiveTime, TimeDelta, Timelike, Utc};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::js_compat::date::{OutputZone, parse_iso};
use crate::js_compat::number::parse_int;
use crate::validation::{ValidationError, pipe_message};

/// How the event type is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Selector {
    /// `eventTypeId`.
    Id(i64),
    /// `username` + `eventTypeSlug` [+ `organizationSlug`].
    UserSlug {
        /// Owner's username.
        username: String,
        /// Event type slug.
        slug: String,
        /// Organization, if given.
        organization: Option<String>,
    },
    /// `teamSlug` + `eventTypeSlug`.
    TeamSlug {
        /// Team slug.
        team: String,
        /// Event type slug.
        slug: String,
    },
    /// `usernames=a,b` (dynamic event).
    Usernames(Vec<String>),
}

/// A validated slots query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SlotsQuery {
    /// Which event type.
    pub(crate) selector: Selector,
    /// Window start (bare dates mean 00:00:00 UTC).
    pub(crate) start: DateTime<Utc>,
    /// Window end (bare dates mean 23:59:59 UTC; at most a year ahead).
    pub(crate) end: DateTime<Utc>,
    /// Requested output zone; `None` renders UTC `Z` times.
    pub(crate) zone: Option<OutputZone>,
    /// `duration` as `parseInt` read it.
    pub(crate) duration: Option<i64>,
    /// `format=range`.
    pub(crate) range: bool,
    /// `bookingUidToReschedule`: this booking does not block slots.
    pub(crate) booking_uid_to_reschedule: Option<String>,
}

const BASE: [&str; 6] = [
    "start",
    "end",
    "timeZone",
    "duration",
    "format",
    "bookingUidToReschedule",
];

/// Validates the query object (parameter → string, or array when repeated).
pub(crate) fn parse(q: &Map<String, Value>, now: DateTime<Utc>) -> Result<SlotsQuery, ApiError> {
    let branch_keys: &[&str] = if q.contains_key("eventTypeId") {
        &["type", "eventTypeId"]
    } else if q.contains_key("username") && q.contains_key("eventTypeSlug") {
        &["type", "eventTypeSlug", "username", "organizationSlug"]
    } else if q.contains_key("teamSlug") && q.contains_key("eventTypeSlug") {
        &["type", "eventTypeSlug", "teamSlug", "organizationSlug"]
    } else {
        &["type", "usernames", "organizationSlug"]
    };
    let mut errors: Vec<ValidationError> = q
        .iter()
        .filter(|(k, _)| !BASE.contains(&k.as_str()) && !branch_keys.contains(&k.as_str()))
        .map(|(k, v)| ValidationError::not_whitelisted(k, v))
        .collect();

    let start = date_field(q, "start", &mut errors);
    let end = date_field(q, "end", &mut errors).map(|end| end.min(now + TimeDelta::days(365)));
    let zone = match q.get("timeZone") {
        None => None,
        Some(v) => {
            let parsed = v.as_str().and_then(OutputZone::parse);
            if parsed.is_none() {
                errors.push(
                    ValidationError::new("timeZone", Some(v))
                        .constraint("isTimeZone", "timeZone must be a valid IANA time-zone"),
                );
            }
            parsed
        }
    };
    let duration = number_field(q, "duration", &mut errors);
    let range = match q.get("format") {
        None => false,
        Some(v) => match v.as_str().map(str::to_ascii_lowercase).as_deref() {
            None | Some("") | Some("time") => false,
            Some("range") => true,
            Some(_) => {
                errors.push(
                    ValidationError::new("format", Some(v))
                        .constraint("isEnum", "slotFormat must be either 'range' or 'time'"),
                );
                false
            }
        },
    };
    let booking_uid_to_reschedule = optional_string(q, "bookingUidToReschedule", &mut errors);

    let selector = if branch_keys.contains(&"eventTypeId") {
        number_field(q, "eventTypeId", &mut errors).map(Selector::Id)
    } else if branch_keys.contains(&"username") {
        let slug = required_string(q, "eventTypeSlug", &mut errors);
        let username = required_string(q, "username", &mut errors);
        let organization = optional_string(q, "organizationSlug", &mut errors);
        slug.zip(username)
            .map(|(slug, username)| Selector::UserSlug {
                username,
                slug,
                organization,
            })
    } else if branch_keys.contains(&"teamSlug") {
        let slug = required_string(q, "eventTypeSlug", &mut errors);
        let team = required_string(q, "teamSlug", &mut errors);
        let _org = optional_string(q, "organizationSlug", &mut errors);
        slug.zip(team)
            .map(|(slug, team)| Selector::TeamSlug { team, slug })
    } else {
        let usernames = usernames_field(q, &mut errors);
        let _org = required_string(q, "organizationSlug", &mut errors);
        usernames.map(Selector::Usernames)
    };

    match (errors.is_empty(), selector, start, end) {
        (true, Some(selector), Some(start), Some(end)) => Ok(SlotsQuery {
            selector,
            start: adjust_start(start),
            end: adjust_end(end),
            zone,
            duration,
            range,
            booking_uid_to_reschedule,
        }),
        _ => Err(ApiError::BadRequest(pipe_message(&errors))),
    }
}

/// luxon-based `adjustStartTime`: midnight means the very start of the day.
fn adjust_start(t: DateTime<Utc>) -> DateTime<Utc> {
    if t.hour() == 0 && t.minute() == 0 && t.second() == 0 {
        t.date_naive().and_time(NaiveTime::MIN).and_utc()
    } else {
        t
    }
}

/// luxon-based `adjustEndTime`: midnight means 23:59:59 of that day.
fn adjust_end(t: DateTime<Utc>) -> DateTime<Utc> {
    if t.hour() == 0 && t.minute() == 0 && t.second() == 0 {
        t + TimeDelta::seconds(23 * 3600 + 59 * 60 + 59)
    } else {
        t
    }
}

fn date_field(
    q: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<DateTime<Utc>> {
    let v = q.get(name);
    let parsed = v.and_then(Value::as_str).and_then(parse_iso);
    if parsed.is_none() {
        errors.push(ValidationError::new(name, v).constraint(
            "isDateString",
            format!("{name} must be a valid ISO 8601 date string"),
        ));
    }
    parsed
}

/// `@Transform(value && parseInt(value)) @IsNumber()`.
fn number_field(
    q: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<i64> {
    let v = q.get(name)?;
    let parsed = v.as_str().filter(|s| !s.is_empty()).and_then(parse_int);
    if parsed.is_none() {
        errors.push(ValidationError::new(name, Some(v)).constraint(
            "isNumber",
            format!("{name} must be a number conforming to the specified constraints"),
        ));
    }
    parsed
}

fn required_string(
    q: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<String> {
    let v = q.get(name);
    let s = v.and_then(Value::as_str).map(str::to_owned);
    if s.is_none() {
        errors.push(
            ValidationError::new(name, v)
                .constraint("isString", format!("{name} must be a string")),
        );
    }
    s
}

fn optional_string(
    q: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<String> {
    q.get(name)?;
    required_string(q, name, errors)
}

fn usernames_field(
    q: &Map<String, Value>,
    errors: &mut Vec<ValidationError>,
) -> Option<Vec<String>> {
    let v = q.get("usernames");
    let list: Option<Vec<String>> = match v {
        Some(Value::String(s)) => Some(s.split(',').map(|u| u.trim().to_owned()).collect()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map(str::to_owned))
            .collect(),
        _ => None,
    };
    match list {
        Some(list) if list.len() >= 2 => Some(list),
        Some(_) => {
            errors.push(ValidationError::new("usernames", v).constraint(
                "arrayMinSize",
                "The array must contain at least 2 elements.",
            ));
            None
        }
        None => {
            errors.push(
                ValidationError::new("usernames", v)
                    .constraint("isArray", "usernames must be an array")
                    .constraint(
                        "arrayMinSize",
                        "The array must contain at least 2 elements.",
                    ),
            );
            None
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn q(pairs: &[(&str, &str)]) -> Map<String, Value> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
            .collect()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const NOW: &str = "2050-01-01T12:00:00Z";

    #[test]
    fn bare_dates_cover_whole_days() {
        let ok = parse(
            &q(&[
                ("start", "2050-03-05"),
                ("end", "2050-03-06"),
                ("eventTypeId", "1001"),
            ]),
            utc(NOW),
        )
        .unwrap();
        assert_eq!(ok.start, utc("2050-03-05T00:00:00Z"));
        assert_eq!(ok.end, utc("2050-03-06T23:59:59Z"));
        assert_eq!(ok.selector, Selector::Id(1001));
        assert!(!ok.range);
        assert_eq!(ok.zone, None);
    }

    #[test]
    fn end_is_clamped_to_a_year_ahead() {
        let ok = parse(
            &q(&[
                ("start", "2050-03-05"),
                ("end", "2060-01-01T10:00:00Z"),
                ("eventTypeId", "1"),
            ]),
            utc(NOW),
        )
        .unwrap();
        assert_eq!(ok.end, utc("2051-01-01T12:00:00Z"));
    }

    #[test]
    fn messages_follow_the_pipe_format() {
        let err = parse(
            &q(&[
                ("start", "2050-03-05"),
                ("end", "2050-03-06"),
                ("eventTypeId", "1001"),
                ("timeZone", "Mars/Base"),
            ]),
            utc(NOW),
        )
        .unwrap_err();
        assert_eq!(
            err,
            ApiError::BadRequest(
                "timeZone property is wrong,timeZone must be a valid IANA time-zone ".into()
            )
        );
        let err = parse(&q(&[("eventTypeId", "abc"), ("foo", "1")]), utc(NOW)).unwrap_err();
        let ApiError::BadRequest(msg) = err else {
            panic!("{err:?}")
        };
        assert!(
            msg.starts_with("foo property is wrong,property foo should not exist "),
            "{msg}"
        );
        assert!(
            msg.contains("start must be a valid ISO 8601 date string"),
            "{msg}"
        );
        assert!(
            msg.contains("eventTypeId must be a number conforming"),
            "{msg}"
        );
    }

    #[test]
    fn picks_the_selector_from_the_keys_present() {
        let base = [("start", "2050-03-05"), ("end", "2050-03-06")];
        let mut with_slug = base.to_vec();
        with_slug.extend([("username", "calbridge-demo"), ("eventTypeSlug", "30min")]);
        assert_eq!(
            parse(&q(&with_slug), utc(NOW)).unwrap().selector,
            Selector::UserSlug {
                username: "calbridge-demo".into(),
                slug: "30min".into(),
                organization: None
            }
        );
        let mut with_range = base.to_vec();
        with_range.extend([
            ("eventTypeId", "7"),
            ("format", "RANGE"),
            ("timeZone", "UTC"),
        ]);
        let parsed = parse(&q(&with_range), utc(NOW)).unwrap();
        assert!(parsed.range);
        assert_eq!(parsed.zone, Some(OutputZone::FixedUtc));
        // Nothing naming an event type → the usernames branch complains.
        assert!(parse(&q(&base), utc(NOW)).is_err());
    }
}
