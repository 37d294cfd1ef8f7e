//! `/api/bookings`: create, list, get, cancel, reschedule.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use calbridge_domain::error::Upstream;
use calbridge_domain::models::SagaRecord;
use calbridge_domain::saga::SagaOutcome;
use calbridge_domain::{
    Appointment, AppointmentId, Attendee, Booking, BookingFilter, BookingStatus, BookingUid,
    DomainError, Email, EventTypeId,
};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::state::AppState;
use crate::tenancy::CurrentTenant;
use crate::time_params::{DateBound, parse_instant, parse_time_zone};
use crate::{idempotency, saga_worker};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/bookings", post(create).get(list))
        .route("/api/bookings/{uid}", get(show))
        .route("/api/bookings/{uid}/cancel", post(cancel))
        .route("/api/bookings/{uid}/reschedule", post(reschedule))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttendeeIn {
    name: String,
    email: String,
    time_zone: String,
    phone_number: Option<String>,
    language: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBooking {
    event_type_id: u64,
    /// An instant, or a local time in the attendee's zone.
    start: String,
    attendee: AttendeeIn,
    length_in_minutes: Option<u32>,
    /// Team event types: the staff member (Cal.com user id) who hosts it.
    #[serde(alias = "hostId")]
    staff_id: Option<u64>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

pub(super) fn attendee_from(a: AttendeeIn) -> Result<Attendee, DomainError> {
    let email = Email::parse(a.email)
        .map_err(|_| DomainError::invalid("attendee.email", "must look like name@example.com"))?;
    let tz = parse_time_zone("attendee.timeZone", Some(&a.time_zone))?;
    let mut attendee = Attendee::new(a.name, email, tz)
        .map_err(|_| DomainError::invalid("attendee.name", "must be 1-200 characters"))?;
    attendee.phone_number = a.phone_number.filter(|p| !p.trim().is_empty());
    attendee.language = a.language.filter(|l| !l.trim().is_empty());
    Ok(attendee)
}

async fn create(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
    ApiJson(raw): ApiJson<serde_json::Value>,
) -> Response {
    let path = "/api/bookings";
    let work = {
        let state = state.clone();
        let tenant = tenant.clone();
        let raw = raw.clone();
        move |id| async move {
            match book_one(&state, &tenant, raw, id).await {
                Ok(booking) => (StatusCode::CREATED, Json(booking)).into_response(),
                Err(e) => e.into_response(),
            }
        }
    };
    idempotency::run(&state, &tenant, &headers, path, &raw, work, settled).await
}

/// The response a single booking ends with once its saga has finished
/// (what the first request would have answered had it waited).
fn settled(_id: AppointmentId, outcome: SagaOutcome, _saga: &SagaRecord) -> Response {
    match outcome {
        SagaOutcome::Completed { bookings, .. } => match bookings.into_iter().next() {
            Some(booking) => (StatusCode::CREATED, Json(booking)).into_response(),
            None => ApiError::from(DomainError::UpstreamFailed {
                upstream: Upstream::Calendar,
                message: "booked, but the booking was not recorded".into(),
            })
            .into_response(),
        },
        SagaOutcome::Compensated { cause }
        | SagaOutcome::Failed { cause }
        | SagaOutcome::Deferred { cause, .. } => ApiError::from(cause).into_response(),
    }
}

/// Books one appointment as a one-segment saga under the appointment id `id`.
async fn book_one(
    state: &AppState,
    tenant: &calbridge_domain::TenantId,
    raw: serde_json::Value,
    id: AppointmentId,
) -> ApiResult<Booking> {
    let body: CreateBooking = from_json(raw)?;
    let attendee = attendee_from(body.attendee)?;
    let start = parse_instant(
        "start",
        &body.start,
        attendee.time_zone,
        DateBound::StartOfDay,
    )?;
    let now = state.clock.now();
    let mut appointment = Appointment::new(
        EventTypeId(body.event_type_id),
        start,
        attendee,
        body.metadata,
        now,
    )?;
    if let Some(len) = body.length_in_minutes {
        appointment = appointment.with_length(len)?;
    }
    appointment.id = id;
    appointment.team_member_ids = body.staff_id.into_iter().collect();
    let engine = saga_worker::engine_for(state);
    Ok(state
        .bookings_for(tenant)
        .await?
        .book_through(&engine, &appointment)
        .await?)
}

/// Reads a typed body from already-parsed JSON, with the same error as
/// [`ApiJson`] gives for a field of the wrong type.
pub(super) fn from_json<T: serde::de::DeserializeOwned>(raw: serde_json::Value) -> ApiResult<T> {
    serde_json::from_value(raw).map_err(|e| ApiError::Unprocessable {
        message: format!("Failed to deserialize the JSON body into the target type: {e}"),
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListParams {
    status: Option<String>,
    event_type_id: Option<u64>,
    after_start: Option<String>,
    before_end: Option<String>,
    attendee_email: Option<String>,
    time_zone: Option<String>,
    limit: Option<u32>,
    offset: Option<u32>,
}

#[derive(Serialize)]
struct BookingList {
    data: Vec<Booking>,
    limit: u32,
    offset: u32,
}

async fn list(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiQuery(p): ApiQuery<ListParams>,
) -> ApiResult<Json<BookingList>> {
    let tz = parse_time_zone("timeZone", p.time_zone.as_deref())?;
    let status = match p.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(BookingStatus::parse(s).ok_or_else(|| {
            DomainError::invalid("status", "one of accepted, pending, cancelled, rejected")
        })?),
    };
    let when = |field: &str, v: Option<String>, bound| {
        v.filter(|s| !s.trim().is_empty())
            .map(|s| parse_instant(field, &s, tz, bound))
            .transpose()
    };
    if p.limit
        .is_some_and(|l| l == 0 || l > BookingFilter::MAX_LIMIT)
    {
        return Err(ApiError::from(DomainError::invalid(
            "limit",
            format!("must be 1-{}", BookingFilter::MAX_LIMIT),
        )));
    }
    let filter = BookingFilter {
        status,
        event_type_id: p.event_type_id.map(EventTypeId),
        starts_after: when("afterStart", p.after_start, DateBound::StartOfDay)?,
        ends_before: when("beforeEnd", p.before_end, DateBound::EndOfDay)?,
        attendee_email: p.attendee_email.filter(|e| !e.trim().is_empty()),
        updated_after: None,
        limit: p.limit.unwrap_or(BookingFilter::DEFAULT_LIMIT),
        offset: p.offset.unwrap_or(0),
    };
    let data = state
        .bookings_for(&tenant)
        .await?
        .list_bookings(&filter)
        .await?;
    Ok(Json(BookingList {
        data,
        limit: filter.effective_limit(),
        offset: filter.offset,
    }))
}

async fn show(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(uid): ApiPath<String>,
) -> ApiResult<Json<Booking>> {
    let uid = BookingUid::parse(uid)?;
    Ok(Json(
        state.bookings_for(&tenant).await?.get_booking(&uid).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    #[serde(alias = "cancellationReason")]
    reason: Option<String>,
}

async fn cancel(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(uid): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<Booking>> {
    let uid = BookingUid::parse(uid)?;
    // The body is optional: an empty one means "no reason".
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<CancelBody>(&body)
            .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?
            .reason
    };
    let booking = state
        .bookings_for(&tenant)
        .await?
        .cancel(&uid, reason)
        .await?;
    Ok(Json(booking))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RescheduleBody {
    start: String,
    /// Zone for a `start` without offset; UTC when absent.
    time_zone: Option<String>,
    #[serde(alias = "reschedulingReason")]
    reason: Option<String>,
}

async fn reschedule(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(uid): ApiPath<String>,
    ApiJson(body): ApiJson<RescheduleBody>,
) -> ApiResult<(StatusCode, Json<Booking>)> {
    let uid = BookingUid::parse(uid)?;
    let tz = parse_time_zone("timeZone", body.time_zone.as_deref())?;
    let start = parse_instant("start", &body.start, tz, DateBound::StartOfDay)?;
    let booking = state
        .bookings_for(&tenant)
        .await?
        .reschedule(&uid, start, body.reason)
        .await?;
    Ok((StatusCode::CREATED, Json(booking)))
}
