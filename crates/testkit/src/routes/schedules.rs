//! `/v2/schedules[/default|/{id}]` (2024-06-11): the demo user's schedules.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{NaiveTime, Weekday};
use serde_json::{Value, json};

use crate::auth;
use crate::demo_data::ScheduleDef;
use crate::envelope;
use crate::error::ApiError;
use crate::js_compat::number::parse_int;
use crate::state::AppState;

/// `GET /v2/schedules`: the caller's schedules.
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let catalog = state.catalog();
    let data: Vec<Value> = catalog
        .schedules
        .iter()
        .filter(|s| s.owner_id == catalog.user.id)
        .map(schedule_json)
        .collect();
    Ok(envelope::ok(Value::Array(data)))
}

/// `GET /v2/schedules/default`: `data` is the default schedule or `null`.
pub(crate) async fn default(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    Ok(envelope::ok(
        state
            .catalog()
            .default_schedule()
            .map_or(Value::Null, schedule_json),
    ))
}

/// `GET /v2/schedules/{id}`.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let raw = id.map(|Path(p)| p).unwrap_or_default();
    let Some(id) = parse_int(&raw).and_then(|n| u64::try_from(n).ok()) else {
        return Err(ApiError::BadRequest(
            "Validation failed (numeric string is expected)".to_owned(),
        ));
    };
    let catalog = state.catalog();
    match catalog.schedule(id) {
        Some(s) if s.owner_id == catalog.user.id => Ok(envelope::ok(schedule_json(s))),
        Some(_) => Err(ApiError::Forbidden(format!(
            "User with id={} is not the owner of schedule with id={id}",
            catalog.user.id
        ))),
        None => Err(ApiError::NotFound(format!(
            "Schedule with id={id} not found"
        ))),
    }
}

/// `ScheduleOutput_2024_06_11`: weekly hours grouped by identical ranges.
pub(crate) fn schedule_json(s: &ScheduleDef) -> Value {
    const DAYS: [Weekday; 7] = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
        Weekday::Sat,
        Weekday::Sun,
    ];
    let mut groups: Vec<((NaiveTime, NaiveTime), Vec<&'static str>)> = Vec::new();
    for (i, ranges) in s.hours.weekly().iter().enumerate() {
        for range in ranges {
            let day = day_name(DAYS[i]);
            match groups.iter_mut().find(|(r, _)| r == range) {
                Some((_, days)) => days.push(day),
                None => groups.push((*range, vec![day])),
            }
        }
    }
    let availability: Vec<Value> = groups
        .into_iter()
        .map(|((start, end), days)| {
            json!({ "days": days, "startTime": hhmm(start), "endTime": hhmm(end) })
        })
        .collect();
    let overrides: Vec<Value> = s
        .hours
        .overrides()
        .iter()
        .flat_map(|(date, ranges)| {
            let date = date.format("%Y-%m-%d").to_string();
            if ranges.is_empty() {
                vec![json!({ "date": date, "startTime": "00:00", "endTime": "00:00" })]
            } else {
                ranges
                    .iter()
                    .map(|(a, b)| json!({ "date": date, "startTime": hhmm(*a), "endTime": hhmm(*b) }))
                    .collect()
            }
        })
        .collect();
    json!({
        "id": s.id,
        "ownerId": s.owner_id,
        "name": s.name,
        "timeZone": s.hours.tz().name(),
        "availability": availability,
        "isDefault": s.is_default,
        "overrides": overrides,
    })
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn day_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}
