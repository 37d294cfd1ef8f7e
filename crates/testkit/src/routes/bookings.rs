//! `/v2/bookings/**` (2024-08-13).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::http::header::COOKIE;
use axum::response::Response;
use serde_json::Value;

use crate::auth;
use crate::bookings::output::booking_json;
use crate::bookings::{actions, input, list, status};
use crate::envelope;
use crate::error::ApiError;
use crate::pagination::pagination_json;
use crate::routes::extract::{QueryPairs, RawBody, json_object, query_object};
use crate::state::AppState;
use crate::validation::ValidationError;
use crate::webhooks::payload::{Extra, trigger};

type UidPath = Result<Path<String>, PathRejection>;

/// `POST /v2/bookings` → 201 with the new booking.
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, ApiError> {
    auth::optional(&headers, state.config())?;
    let body = json_object(&headers, body)?;
    let input = input::parse_create(&body)?;
    let holder = reservation_cookie(&headers);
    let booking = actions::create(&state, input, holder.as_deref())?;
    let trigger = if booking.status == status::PENDING {
        trigger::REQUESTED
    } else {
        trigger::CREATED
    };
    state.notify(trigger, &booking, &Extra::default());
    Ok(envelope::created(booking_json(&booking, state.catalog())))
}

/// The reservation the booker holds: Cal.com's `uid` cookie.
fn reservation_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == "uid")
        .map(|(_, v)| v.to_owned())
}

/// `GET /v2/bookings` → one page plus `pagination`.
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let q = list::parse(&query_object(query)?)?;
    let catalog = state.catalog();
    let now = state.now();
    let (data, total) = state.with_store(|store| {
        let (page, total) = list::select(store.all(), &q, now);
        let data: Vec<Value> = page.into_iter().map(|b| booking_json(b, catalog)).collect();
        (data, total)
    });
    Ok(envelope::ok_paginated(
        Value::Array(data),
        pagination_json(q.skip, q.take, total),
    ))
}

/// `GET /v2/bookings/{uid}`.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
) -> Result<Response, ApiError> {
    auth::optional(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let catalog = state.catalog();
    let found = state.with_store(|store| store.get(&uid).map(|b| booking_json(b, catalog)));
    found.map(envelope::ok).ok_or_else(|| {
        ApiError::NotFound(format!(
            "Booking with uid={uid} was not found in the database"
        ))
    })
}

/// `POST /v2/bookings/{uid}/cancel` → 200 with the cancelled booking.
pub(crate) async fn cancel(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::optional(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let input = input::parse_cancel(&json_object(&headers, body)?)?;
    let booking = actions::cancel(&state, caller, &uid, input)?;
    state.notify(trigger::CANCELLED, &booking, &Extra::default());
    Ok(envelope::ok(booking_json(&booking, state.catalog())))
}

/// `POST /v2/bookings/{uid}/reschedule` → 201 with the *new* booking.
pub(crate) async fn reschedule(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::optional(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let input = input::parse_reschedule(&json_object(&headers, body)?)?;
    let booking = actions::reschedule(&state, caller, &uid, input)?;
    let old = state.with_store(|store| store.get(&uid).cloned());
    state.notify(
        trigger::RESCHEDULED,
        &booking,
        &Extra {
            rescheduled_from: old,
        },
    );
    Ok(envelope::created(booking_json(&booking, state.catalog())))
}

/// `POST /v2/bookings/{uid}/confirm` → 200; fires `BOOKING_CREATED`.
pub(crate) async fn confirm(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
) -> Result<Response, ApiError> {
    let caller = auth::require(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let booking = actions::confirm(&state, caller, &uid)?;
    state.notify(trigger::CREATED, &booking, &Extra::default());
    Ok(envelope::ok(booking_json(&booking, state.catalog())))
}

/// `POST /v2/bookings/{uid}/decline` `{reason?}` → 200; fires
/// `BOOKING_REJECTED`.
pub(crate) async fn decline(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::require(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let body = json_object(&headers, body)?;
    let mut errors = input::forbidden(&body, &["reason"]);
    let reason = input::optional_string(&body, "reason", &mut errors);
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let booking = actions::decline(&state, caller, &uid, reason)?;
    state.notify(trigger::REJECTED, &booking, &Extra::default());
    Ok(envelope::ok(booking_json(&booking, state.catalog())))
}

/// `POST /v2/bookings/{uid}/mark-absent` `{host?, attendees?:[{email,
/// absent}]}` → 200; fires `BOOKING_NO_SHOW_UPDATED`.
pub(crate) async fn mark_absent(
    State(state): State<AppState>,
    headers: HeaderMap,
    uid: UidPath,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::require(&headers, state.config())?;
    let uid = uid_of(uid)?;
    let body = json_object(&headers, body)?;
    let mut errors = input::forbidden(&body, &["host", "attendees"]);
    let host = match input::opt(&body, "host") {
        None => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(v) => {
            errors.push(
                ValidationError::new("host", Some(v))
                    .constraint("isBoolean", "host must be a boolean value"),
            );
            None
        }
    };
    let mut attendees = Vec::new();
    match input::opt(&body, "attendees") {
        None => {}
        Some(Value::Array(items)) => {
            for item in items {
                match (
                    item.get("email").and_then(Value::as_str),
                    item.get("absent").and_then(Value::as_bool),
                ) {
                    (Some(email), Some(absent)) => attendees.push((email.to_owned(), absent)),
                    _ => errors.push(ValidationError::new("attendees", Some(item)).constraint(
                        "isAttendee",
                        "each attendee must have an email string and an absent boolean",
                    )),
                }
            }
        }
        Some(v) => errors.push(
            ValidationError::new("attendees", Some(v))
                .constraint("isArray", "attendees must be an array"),
        ),
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let booking = actions::mark_absent(&state, caller, &uid, host, attendees)?;
    state.notify(trigger::NO_SHOW_UPDATED, &booking, &Extra::default());
    Ok(envelope::ok(booking_json(&booking, state.catalog())))
}

fn uid_of(path: UidPath) -> Result<String, ApiError> {
    path.map(|Path(uid)| uid)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}
