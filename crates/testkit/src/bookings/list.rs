//! `GET /v2/bookings` (2024-08-13): query validation (global
//! `ValidationPipe`, so failures carry `details.errors`), filters, sorting
//! and the page.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use crate::bookings::{MockBooking, status};
use crate::error::ApiError;
use crate::js_compat::date::parse_iso;
use crate::js_compat::number::parse_int;
use crate::validation::ValidationError;

/// `status=` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StatusFilter {
    /// Not ended, not cancelled/rejected.
    Upcoming,
    /// Recurring series (none exist here).
    Recurring,
    /// Ended, not cancelled/rejected.
    Past,
    /// Cancelled or rejected.
    Cancelled,
    /// Not ended and pending.
    Unconfirmed,
}

impl StatusFilter {
    fn parse(s: &str) -> Option<Self> {
        match s {
            "upcoming" => Some(Self::Upcoming),
            "recurring" => Some(Self::Recurring),
            "past" => Some(Self::Past),
            "cancelled" => Some(Self::Cancelled),
            "unconfirmed" => Some(Self::Unconfirmed),
            _ => None,
        }
    }

    fn matches(self, b: &MockBooking, now: DateTime<Utc>) -> bool {
        let dead = matches!(b.status.as_str(), status::CANCELLED | status::REJECTED);
        match self {
            Self::Upcoming => b.end >= now && !dead,
            Self::Recurring => false,
            Self::Past => b.end <= now && !dead,
            Self::Cancelled => dead,
            Self::Unconfirmed => b.end >= now && b.status == status::PENDING,
        }
    }
}

/// A sortable column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Start,
    End,
    Created,
    Updated,
}

/// A validated list query.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ListQuery {
    statuses: Vec<StatusFilter>,
    attendee_email: Option<String>,
    attendee_name: Option<String>,
    booking_uid: Option<String>,
    event_type_ids: Option<Vec<i64>>,
    event_type_id: Option<i64>,
    team_filter: bool,
    after_start: Option<DateTime<Utc>>,
    before_end: Option<DateTime<Utc>>,
    after_created: Option<DateTime<Utc>>,
    before_created: Option<DateTime<Utc>>,
    after_updated: Option<DateTime<Utc>>,
    before_updated: Option<DateTime<Utc>>,
    sorts: Vec<(SortKey, bool)>,
    /// Page size, 1–250.
    pub(crate) take: u64,
    /// Items to skip.
    pub(crate) skip: u64,
}

const SORTS: [(&str, SortKey, &str); 4] = [
    ("sortStart", SortKey::Start, "SortStart"),
    ("sortEnd", SortKey::End, "SortEnd"),
    ("sortCreated", SortKey::Created, "SortCreated"),
    ("sortUpdatedAt", SortKey::Updated, "SortUpdated"),
];

const DATES: [&str; 6] = [
    "afterStart",
    "beforeEnd",
    "afterCreatedAt",
    "beforeCreatedAt",
    "afterUpdatedAt",
    "beforeUpdatedAt",
];

/// Validates the query object (parameter → string, or array when repeated).
pub(crate) fn parse(q: &Map<String, Value>) -> Result<ListQuery, ApiError> {
    let mut errors = Vec::new();
    let mut out = ListQuery {
        take: 100,
        ..ListQuery::default()
    };

    if let Some(v) = q.get("status") {
        let items: Vec<String> = match v {
            Value::String(s) => s.split(',').map(|p| p.trim().to_owned()).collect(),
            Value::Array(a) => a
                .iter()
                .map(|i| i.as_str().unwrap_or("").to_owned())
                .collect(),
            _ => Vec::new(),
        };
        let parsed: Option<Vec<StatusFilter>> =
            items.iter().map(|s| StatusFilter::parse(s)).collect();
        match parsed {
            Some(list) if !list.is_empty() => out.statuses = list,
            _ => errors.push(
                ValidationError::new("status", Some(&json!(items))).constraint(
                    "isEnum",
                    "Invalid status. Allowed are upcoming, recurring, past, cancelled, unconfirmed",
                ),
            ),
        }
    }
    out.attendee_email = string(q, "attendeeEmail", &mut errors);
    out.attendee_name = string(q, "attendeeName", &mut errors);
    out.booking_uid = string(q, "bookingUid", &mut errors);
    if let Some(ids) = number_list(q, "eventTypeIds", &mut errors) {
        out.event_type_ids = Some(ids);
    }
    out.event_type_id = number(q, "eventTypeId", &mut errors);
    let teams = number_list(q, "teamsIds", &mut errors);
    let team = number(q, "teamId", &mut errors);
    out.team_filter = teams.is_some() || team.is_some();

    let mut dates = [None; 6];
    for (slot, name) in dates.iter_mut().zip(DATES) {
        if let Some(v) = q.get(name) {
            *slot = v.as_str().and_then(parse_iso);
            if slot.is_none() {
                errors.push(ValidationError::new(name, Some(v)).constraint(
                    "isDateString",
                    format!("{name} must be a valid ISO 8601 date string"),
                ));
            }
        }
    }
    [
        out.after_start,
        out.before_end,
        out.after_created,
        out.before_created,
        out.after_updated,
        out.before_updated,
    ] = dates;

    for (name, key, label) in SORTS {
        if let Some(v) = q.get(name) {
            match v.as_str() {
                Some("asc") => out.sorts.push((key, true)),
                Some("desc") => out.sorts.push((key, false)),
                _ => errors.push(ValidationError::new(name, Some(v)).constraint(
                    "isEnum",
                    format!("{label} must be either \"asc\" or \"desc\"."),
                )),
            }
        }
    }

    if let Some(take) = bounded(q, "take", Some((1, 250)), &mut errors) {
        out.take = take;
    }
    if let Some(skip) = bounded(q, "skip", Some((0, i64::MAX)), &mut errors) {
        out.skip = skip;
    }

    if errors.is_empty() {
        Ok(out)
    } else {
        let target = Value::Object(q.clone());
        Err(ApiError::Validation(
            errors.into_iter().map(|e| e.with_target(&target)).collect(),
        ))
    }
}

/// The page of matching bookings and how many matched in total.
pub(crate) fn select<'a>(
    all: &'a [MockBooking],
    q: &ListQuery,
    now: DateTime<Utc>,
) -> (Vec<&'a MockBooking>, u64) {
    let mut matching: Vec<&MockBooking> = all.iter().filter(|b| q.matches(b, now)).collect();
    let default_desc = matches!(
        q.statuses.as_slice(),
        [StatusFilter::Past] | [StatusFilter::Cancelled]
    );
    matching.sort_by(|a, b| {
        let mut ord = Ordering::Equal;
        for (key, asc) in &q.sorts {
            let o = compare(a, b, *key);
            ord = ord.then(if *asc { o } else { o.reverse() });
        }
        if q.sorts.is_empty() {
            let o = a.start.cmp(&b.start);
            ord = if default_desc { o.reverse() } else { o };
        }
        ord.then(a.id.cmp(&b.id))
    });
    let total = matching.len() as u64;
    let page = matching
        .into_iter()
        .skip(usize::try_from(q.skip).unwrap_or(usize::MAX))
        .take(usize::try_from(q.take).unwrap_or(usize::MAX))
        .collect();
    (page, total)
}

impl ListQuery {
    fn matches(&self, b: &MockBooking, now: DateTime<Utc>) -> bool {
        if self.team_filter {
            return false;
        }
        (self.statuses.is_empty() || self.statuses.iter().any(|s| s.matches(b, now)))
            && self
                .attendee_email
                .as_deref()
                .is_none_or(|e| b.attendee_email.eq_ignore_ascii_case(e))
            && self
                .attendee_name
                .as_deref()
                .is_none_or(|n| b.attendee_name.to_lowercase().contains(&n.to_lowercase()))
            && self.booking_uid.as_deref().is_none_or(|u| b.uid == u)
            && self
                .event_type_ids
                .as_ref()
                .is_none_or(|ids| ids.iter().any(|id| same_id(*id, b.event_type_id)))
            && self
                .event_type_id
                .is_none_or(|id| same_id(id, b.event_type_id))
            && self.after_start.is_none_or(|t| b.start >= t)
            && self.before_end.is_none_or(|t| b.end <= t)
            && self.after_created.is_none_or(|t| b.created_at >= t)
            && self.before_created.is_none_or(|t| b.created_at <= t)
            && self.after_updated.is_none_or(|t| b.updated_at >= t)
            && self.before_updated.is_none_or(|t| b.updated_at <= t)
    }
}

fn same_id(wanted: i64, actual: u64) -> bool {
    u64::try_from(wanted).is_ok_and(|w| w == actual)
}

fn compare(a: &MockBooking, b: &MockBooking, key: SortKey) -> Ordering {
    match key {
        SortKey::Start => a.start.cmp(&b.start),
        SortKey::End => a.end.cmp(&b.end),
        SortKey::Created => a.created_at.cmp(&b.created_at),
        SortKey::Updated => a.updated_at.cmp(&b.updated_at),
    }
}

fn string(q: &Map<String, Value>, name: &str, errors: &mut Vec<ValidationError>) -> Option<String> {
    let v = q.get(name)?;
    let s = v.as_str().map(str::to_owned);
    if s.is_none() {
        errors.push(
            ValidationError::new(name, Some(v))
                .constraint("isString", format!("{name} must be a string")),
        );
    }
    s
}

/// `@Transform(value && parseInt(value)) @IsNumber()`.
fn number(q: &Map<String, Value>, name: &str, errors: &mut Vec<ValidationError>) -> Option<i64> {
    let v = q.get(name)?;
    let n = v.as_str().filter(|s| !s.is_empty()).and_then(parse_int);
    if n.is_none() {
        errors.push(ValidationError::new(name, Some(v)).constraint(
            "isNumber",
            format!("{name} must be a number conforming to the specified constraints"),
        ));
    }
    n
}

fn number_list(
    q: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<Vec<i64>> {
    let v = q.get(name)?;
    let parsed: Option<Vec<i64>> = v
        .as_str()
        .map(|s| s.split(',').map(|p| parse_int(p.trim())).collect())
        .unwrap_or(None);
    if parsed.is_none() {
        errors.push(ValidationError::new(name, Some(v)).constraint(
            "isNumber",
            format!(
                "each value in {name} must be a number conforming to the specified constraints"
            ),
        ));
    }
    parsed
}

/// A number with class-validator `@Min`/`@Max`.
fn bounded(
    q: &Map<String, Value>,
    name: &str,
    bounds: Option<(i64, i64)>,
    errors: &mut Vec<ValidationError>,
) -> Option<u64> {
    let n = number(q, name, errors)?;
    let (min, max) = bounds.unwrap_or((i64::MIN, i64::MAX));
    let mut e = ValidationError::new(name, Some(&json!(n)));
    if n < min {
        e = e.constraint("min", format!("{name} must not be less than {min}"));
    }
    if n > max {
        e = e.constraint("max", format!("{name} must not be greater than {max}"));
    }
    if e.is_empty() {
        u64::try_from(n).ok()
    } else {
        errors.push(e);
        None
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

    #[test]
    fn defaults_and_bounds() {
        let d = parse(&q(&[])).unwrap();
        assert_eq!((d.take, d.skip), (100, 0));
        for bad in [
            ("take", "0"),
            ("take", "251"),
            ("take", "abc"),
            ("skip", "-1"),
            ("take", ""),
        ] {
            let Err(ApiError::Validation(errors)) = parse(&q(&[bad])) else {
                panic!("{bad:?} accepted");
            };
            assert_eq!(errors[0].property, bad.0);
        }
        assert_eq!(parse(&q(&[("take", "250")])).unwrap().take, 250);
    }

    #[test]
    fn take_error_is_class_validator_shaped() {
        let Err(ApiError::Validation(errors)) = parse(&q(&[("take", "500")])) else {
            panic!("accepted");
        };
        let v = serde_json::to_value(&errors[0]).unwrap();
        assert_eq!(v["constraints"]["max"], "take must not be greater than 250");
        assert_eq!(v["value"], 500);
        assert_eq!(v["target"]["take"], "500");
    }

    #[test]
    fn statuses_sorts_and_dates_are_checked() {
        assert!(parse(&q(&[("status", "upcoming,past")])).is_ok());
        assert!(parse(&q(&[("status", "upcoming,soon")])).is_err());
        assert!(parse(&q(&[("sortStart", "up")])).is_err());
        assert!(parse(&q(&[("afterUpdatedAt", "yesterday")])).is_err());
        assert!(parse(&q(&[("afterUpdatedAt", "2050-01-01T00:00:00.000Z")])).is_ok());
    }
}
