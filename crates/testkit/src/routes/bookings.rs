//! `/v2/bookings/**` (2024-08-13).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use crate::auth;
use crate::bookings::output::booking_json;
use crate::bookings::{actions, input, list};
use crate::envelope;
use crate::error::ApiError;
use crate::pagination::pagination_json;
use crate::routes::extract::{QueryPairs, RawBody, json_object, query_object};
use crate::state::AppState;

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
    let booking = actions::create(&state, input)?;
    Ok(envelope::created(booking_json(
        &booking,
        &state.catalog().user,
    )))
}

/// `GET /v2/bookings` → one page plus `pagination`.
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let q = list::parse(&query_object(query)?)?;
    let host = &state.catalog().user;
    let now = state.now();
    let (data, total) = state.with_store(|store| {
        let (page, total) = list::select(store.all(), &q, now);
        let data: Vec<Value> = page.into_iter().map(|b| booking_json(b, host)).collect();
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
    let host = &state.catalog().user;
    let found = state.with_store(|store| store.get(&uid).map(|b| booking_json(b, host)));
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
    Ok(envelope::ok(booking_json(&booking, &state.catalog().user)))
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
    Ok(envelope::created(booking_json(
        &booking,
        &state.catalog().user,
    )))
}

fn uid_of(path: UidPath) -> Result<String, ApiError> {
    path.map(|Path(uid)| uid)
        .map_err(|e| ApiError::BadRequest(e.body_text()))
}
