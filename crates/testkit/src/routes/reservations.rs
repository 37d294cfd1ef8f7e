//! `/v2/slots/reservations[/{uid}]` (2024-09-04).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::auth;
use crate::envelope;
use crate::error::ApiError;
use crate::reservations::{self, reservation_json, reserved_slot_json};
use crate::routes::extract::{RawBody, json_object};
use crate::state::AppState;

/// `POST /v2/slots/reservations` → 201.
pub(crate) async fn create(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::optional(&headers, state.config())?;
    let input = reservations::parse(&json_object(&headers, body)?)?;
    let r = reservations::reserve(&state, caller, input, None)?;
    Ok(envelope::created(reservation_json(&r)))
}

/// `GET /v2/slots/reservations/{uid}` → the reservation or `data: null`.
pub(crate) async fn get_one(State(state): State<AppState>, Path(uid): Path<String>) -> Response {
    envelope::ok(
        reservations::get(&state, &uid)
            .map(|r| reserved_slot_json(&r))
            .unwrap_or(Value::Null),
    )
}

/// `PATCH /v2/slots/reservations/{uid}` → 200 with the moved hold.
pub(crate) async fn update(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(uid): Path<String>,
    body: RawBody,
) -> Result<Response, ApiError> {
    let caller = auth::optional(&headers, state.config())?;
    let input = reservations::parse(&json_object(&headers, body)?)?;
    let r = reservations::reserve(&state, caller, input, Some(&uid))?;
    Ok(envelope::ok(reservation_json(&r)))
}

/// `DELETE /v2/slots/reservations/{uid}` → `{"status":"success"}`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Path(uid): Path<String>,
) -> Result<Response, ApiError> {
    reservations::delete(&state, &uid)?;
    Ok((StatusCode::OK, Json(json!({ "status": "success" }))).into_response())
}
