//! `/api/composite-bookings`: book several segments (event type, length,
//! staff, pause after) all or nothing, see the overall and per-segment
//! status, cancel; and find start times where every segment fits.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use calbridge_domain::models::SagaRecord;
use calbridge_domain::saga::{BookingPlan, SagaOutcome};
use calbridge_domain::usecases::composite::{CompositeRequest, SegmentRequest};
use calbridge_domain::{
    AppointmentId, AppointmentRecord, AppointmentStatus, BookingStatus, DomainError, EventTypeId,
    SagaId, SagaStatus, TenantId,
};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::bookings::{AttendeeIn, attendee_from, from_json};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ApiJson, ApiPath};
use crate::state::AppState;
use crate::tenancy::CurrentTenant;
use crate::time_params::{DateBound, parse_instant, parse_time_zone};
use crate::{idempotency, saga_worker};

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/api/composite-bookings", post(create))
        .route("/api/composite-bookings/availability", post(availability))
        .route("/api/composite-bookings/{id}", get(show))
        .route("/api/composite-bookings/{id}/cancel", post(cancel))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SegmentIn {
    event_type_id: u64,
    duration_minutes: Option<u32>,
    /// Staff member (Cal.com user id); the connection's own user when absent.
    #[serde(alias = "hostId")]
    staff_id: Option<u64>,
    #[serde(default)]
    pause_after_minutes: u32,
}

impl From<SegmentIn> for SegmentRequest {
    fn from(s: SegmentIn) -> Self {
        SegmentRequest {
            event_type_id: EventTypeId(s.event_type_id),
            duration_minutes: s.duration_minutes,
            host_id: s.staff_id,
            pause_after_minutes: s.pause_after_minutes,
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateComposite {
    /// Start of the first segment: an instant, or local time in the attendee's zone.
    start: String,
    attendee: AttendeeIn,
    segments: Vec<SegmentIn>,
    #[serde(default)]
    metadata: BTreeMap<String, String>,
}

/// One segment as shown to callers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SegmentView {
    position: u32,
    event_type_id: EventTypeId,
    staff_id: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    pause_after_minutes: u32,
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    booking_uid: Option<String>,
}

/// A composite booking as shown to callers.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CompositeView {
    id: AppointmentId,
    /// pending, confirmed, compensating, cancelled or failed.
    status: String,
    saga_status: Option<SagaStatus>,
    segments: Vec<SegmentView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn view(
    id: AppointmentId,
    record: Option<&AppointmentRecord>,
    saga: Option<&SagaRecord>,
) -> CompositeView {
    let saga_status = saga.map(|s| s.status);
    let status = match (record, saga_status) {
        (Some(r), _) => r.status.as_str().to_owned(),
        (None, Some(SagaStatus::Running)) => "pending".to_owned(),
        (None, Some(SagaStatus::Compensating)) => "compensating".to_owned(),
        (None, _) => "failed".to_owned(),
    };
    let segments = match (record, saga) {
        (Some(r), _) => r
            .segments
            .iter()
            .map(|s| SegmentView {
                position: s.position,
                event_type_id: s.event_type_id,
                staff_id: s.host_id,
                start: s.start,
                end: s.end,
                pause_after_minutes: s.pause_after_minutes,
                status: s.status.as_str().to_owned(),
                booking_uid: s.booking_uid.as_ref().map(ToString::to_string),
            })
            .collect(),
        (None, Some(saga)) => serde_json::from_value::<BookingPlan>(saga.payload.clone())
            .map(|p| {
                p.segments
                    .iter()
                    .zip(0u32..)
                    .map(|(s, position)| SegmentView {
                        position,
                        event_type_id: s.event_type_id,
                        staff_id: s.host_id,
                        start: s.start,
                        end: s.end,
                        pause_after_minutes: s.pause_after_minutes,
                        status: if saga.status == SagaStatus::Running {
                            "pending"
                        } else {
                            "failed"
                        }
                        .to_owned(),
                        booking_uid: None,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        (None, None) => Vec::new(),
    };
    let error = saga
        .and_then(|s| s.step("failure"))
        .and_then(|s| s.error.clone());
    CompositeView {
        id,
        status,
        saga_status,
        segments,
        error,
    }
}

async fn create(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    headers: HeaderMap,
    ApiJson(raw): ApiJson<Value>,
) -> Response {
    let work = {
        let state = state.clone();
        let tenant = tenant.clone();
        let raw = raw.clone();
        move |id| async move {
            match book(&state, &tenant, raw, id).await {
                Ok(r) => r,
                Err(e) => e.into_response(),
            }
        }
    };
    idempotency::run(
        &state,
        &tenant,
        &headers,
        "/api/composite-bookings",
        &raw,
        work,
        settled,
    )
    .await
}

/// The response a composite booking ends with once its saga has finished
/// (what the first request would have answered had it waited).
fn settled(id: AppointmentId, outcome: SagaOutcome, saga: &SagaRecord) -> Response {
    match outcome {
        SagaOutcome::Completed { appointment, .. } => (
            StatusCode::CREATED,
            Json(view(id, Some(&appointment), Some(saga))),
        )
            .into_response(),
        SagaOutcome::Compensated { cause }
        | SagaOutcome::Failed { cause }
        | SagaOutcome::Deferred { cause, .. } => ApiError::from(cause).into_response(),
    }
}

async fn book(
    state: &AppState,
    tenant: &TenantId,
    raw: Value,
    id: AppointmentId,
) -> ApiResult<Response> {
    let body: CreateComposite = from_json(raw)?;
    let attendee = attendee_from(body.attendee)?;
    let start = parse_instant(
        "start",
        &body.start,
        attendee.time_zone,
        DateBound::StartOfDay,
    )?;
    let request = CompositeRequest {
        attendee,
        metadata: body.metadata,
        segments: body.segments.into_iter().map(Into::into).collect(),
    };
    let engine = saga_worker::engine_for(state);
    let (plan, outcome) = state
        .bookings_for(tenant)
        .await?
        .book_composite_as(&engine, &request, start, id)
        .await?;
    let id = plan.appointment_id;
    match outcome {
        SagaOutcome::Completed { appointment, .. } => {
            let saga = state.storage.saga_log.get(tenant, SagaId(id.0)).await?;
            Ok((
                StatusCode::CREATED,
                Json(view(id, Some(&appointment), saga.as_ref())),
            )
                .into_response())
        }
        SagaOutcome::Deferred { .. } => {
            let (record, saga) = load(state, tenant, id).await?;
            Ok((
                StatusCode::ACCEPTED,
                Json(view(id, record.as_ref(), saga.as_ref())),
            )
                .into_response())
        }
        SagaOutcome::Compensated { cause } | SagaOutcome::Failed { cause } => Err(cause.into()),
    }
}

async fn load(
    state: &AppState,
    tenant: &TenantId,
    id: AppointmentId,
) -> ApiResult<(Option<AppointmentRecord>, Option<SagaRecord>)> {
    let record = state.storage.appointments.get(tenant, id).await?;
    let saga = state.storage.saga_log.get(tenant, SagaId(id.0)).await?;
    Ok((record, saga))
}

fn parse_id(raw: &str) -> Result<AppointmentId, DomainError> {
    uuid::Uuid::parse_str(raw)
        .map(AppointmentId)
        .map_err(|_| DomainError::invalid("id", "must be a composite booking id (uuid)"))
}

async fn show(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Json<CompositeView>> {
    let id = parse_id(&id)?;
    let (record, saga) = load(&state, &tenant, id).await?;
    if record.is_none() && saga.is_none() {
        return Err(DomainError::NotFound {
            entity: "composite booking",
            id: id.to_string(),
        }
        .into());
    }
    Ok(Json(view(id, record.as_ref(), saga.as_ref())))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct CancelBody {
    #[serde(alias = "cancellationReason")]
    reason: Option<String>,
}

/// Cancels every segment at Cal.com (already cancelled ones count as
/// done), then the appointment. Cancelling twice returns the same result.
async fn cancel(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiPath(id): ApiPath<String>,
    body: axum::body::Bytes,
) -> ApiResult<Json<CompositeView>> {
    let id = parse_id(&id)?;
    let reason = if body.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        serde_json::from_slice::<CancelBody>(&body)
            .map_err(|e| ApiError::bad_request("malformed_json", e.to_string()))?
            .reason
    };
    let (record, saga) = load(&state, &tenant, id).await?;
    let Some(record) = record else {
        return Err(DomainError::NotFound {
            entity: "composite booking",
            id: id.to_string(),
        }
        .into());
    };
    match record.status {
        AppointmentStatus::Cancelled => return Ok(Json(view(id, Some(&record), saga.as_ref()))),
        AppointmentStatus::Confirmed => {}
        other => {
            return Err(DomainError::Conflict {
                message: format!(
                    "the composite booking is {}; only a confirmed one can be cancelled",
                    other.as_str()
                ),
            }
            .into());
        }
    }
    let service = state.bookings_for(&tenant).await?;
    for seg in record.segments.iter().rev() {
        if let Some(uid) = &seg.booking_uid {
            let b = service.cancel(uid, reason.clone()).await?;
            if b.status != BookingStatus::Cancelled {
                return Err(DomainError::Conflict {
                    message: format!("segment {} could not be cancelled", seg.position),
                }
                .into());
            }
        }
    }
    let now = state.clock.now();
    let record = state
        .storage
        .appointments
        .set_status(&tenant, id, AppointmentStatus::Cancelled, now)
        .await?;
    Ok(Json(view(id, Some(&record), saga.as_ref())))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AvailabilityIn {
    /// Window start (instant or date/local time in `timeZone`).
    start: String,
    /// Window end.
    end: String,
    time_zone: Option<String>,
    segments: Vec<SegmentIn>,
}

#[derive(Serialize)]
struct StartsOut {
    data: Vec<DateTime<Utc>>,
}

/// Start times in the window at which every segment fits.
async fn availability(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiJson(body): ApiJson<AvailabilityIn>,
) -> ApiResult<Json<StartsOut>> {
    let tz = parse_time_zone("timeZone", body.time_zone.as_deref())?;
    let from = parse_instant("start", &body.start, tz, DateBound::StartOfDay)?;
    let to = parse_instant("end", &body.end, tz, DateBound::EndOfDay)?;
    // Only the segments matter for fitting; the attendee is a placeholder.
    let attendee = calbridge_domain::Attendee::new(
        "availability",
        calbridge_domain::Email::parse("availability@calbridge.invalid")?,
        tz,
    )?;
    let request = CompositeRequest {
        attendee,
        metadata: BTreeMap::new(),
        segments: body.segments.into_iter().map(Into::into).collect(),
    };
    let data = state
        .bookings_for(&tenant)
        .await?
        .find_composite_starts(&request, from, to, tz)
        .await?;
    Ok(Json(StartsOut { data }))
}
