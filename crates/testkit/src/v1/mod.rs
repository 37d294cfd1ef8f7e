//! API v1 (`/v1/...`, `?apiKey=`), the deprecated fallback (NOTES §9):
//! event types, bookings create and get, schedules, users — with v1's own
//! bodies and errors (`{message}` / `{error}`, no envelope), its own rate
//! limit headers, and a switch that makes every v1 route answer
//! **410 Gone**, as Cal.com does since v1's shutdown.
//!
//! The v1 rate limit is a quarter of the configured v2 one (Cal.com: 30
//! vs 120 per minute).

use std::collections::HashMap;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use tokio::time::Instant;

use crate::bookings::input::{AttendeeInput, CreateInput, EventTypeRef};
use crate::bookings::{MockBooking, actions, status};
use crate::demo_data::{Catalog, DemoUser, ScheduleDef};
use crate::error::ApiError;
use crate::event_types::EventTypeDef;
use crate::js_compat::date::{js_iso, parse_iso};
use crate::rate_limit::Limiter;
use crate::state::AppState;
use crate::webhooks::payload::{Extra, trigger};

/// What v1 answers once it has been shut down.
pub(crate) const GONE_MESSAGE: &str = "API v1 has been discontinued. Please migrate to API v2: \
    https://cal.com/docs/api-reference/v2/introduction";

type V1Result = Result<Response, Response>;

fn message(status: StatusCode, text: &str) -> Response {
    (status, Json(json!({ "message": text }))).into_response()
}

/// The `/v1` routes, gated by the shutdown switch, the key check and the
/// v1 throttler.
pub(crate) fn router(state: AppState) -> Router<AppState> {
    let limiter = std::sync::Arc::new(Limiter::new(crate::config::RateLimit {
        requests: (state.config().rate_limit.requests / 4).max(1),
        window: state.config().rate_limit.window,
    }));
    Router::new()
        .route("/v1/me", get(me))
        .route("/v1/event-types", get(list_event_types))
        .route("/v1/event-types/{id}", get(get_event_type))
        .route("/v1/bookings", axum::routing::post(create_booking))
        .route("/v1/bookings/{id}", get(get_booking))
        .route("/v1/schedules", get(list_schedules))
        .route("/v1/schedules/{id}", get(get_schedule))
        .route("/v1/users", get(list_users))
        .route("/v1/users/{id}", get(get_user))
        .route_layer(from_fn_with_state((state, limiter), gate))
}

/// Shutdown switch, `apiKey` check and rate limit, in Cal.com's order.
async fn gate(
    State((state, limiter)): State<(AppState, std::sync::Arc<Limiter>)>,
    Query(q): Query<HashMap<String, String>>,
    req: Request,
    next: Next,
) -> Response {
    if state.v1_gone() {
        return message(StatusCode::GONE, GONE_MESSAGE);
    }
    let Some(key) = q.get("apiKey").filter(|k| !k.is_empty()) else {
        return message(StatusCode::UNAUTHORIZED, "No apiKey provided");
    };
    let expected = &state.config().api_key;
    if Sha256::digest(key.as_bytes()) != Sha256::digest(expected.as_bytes()) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({ "error": "Your API key is not valid." })),
        )
            .into_response();
    }
    let v = limiter.hit(&format!("user_{}", state.catalog().user.id), Instant::now());
    let mut res = if v.allowed {
        next.run(req).await
    } else {
        message(StatusCode::TOO_MANY_REQUESTS, "Rate limit exceeded")
    };
    let reset_epoch_ms = Utc::now().timestamp_millis()
        + i64::try_from(v.reset_secs.saturating_mul(1000)).unwrap_or(i64::MAX / 2);
    let h = res.headers_mut();
    for (name, value) in [
        ("x-ratelimit-limit", i64::from(v.limit)),
        ("x-ratelimit-remaining", i64::from(v.remaining)),
        ("x-ratelimit-reset", reset_epoch_ms),
    ] {
        h.insert(name, HeaderValue::from(value));
    }
    res
}

fn user_json(u: &DemoUser) -> Value {
    json!({
        "id": u.id, "username": u.username, "name": u.name, "email": u.email,
        "emailVerified": null, "bio": null, "avatar": null, "timeZone": u.time_zone.name(),
        "weekStart": "Monday", "endTime": 0, "bufferTime": 0, "theme": null,
        "defaultScheduleId": u.default_schedule_id, "locale": "en", "timeFormat": 24,
        "hideBranding": false, "brandColor": "#292929", "darkBrandColor": "#fafafa",
        "allowDynamicBooking": true, "createdDate": "2024-01-01T00:00:00.000Z",
        "verified": false, "invitedTo": null,
    })
}

fn event_type_json(et: &EventTypeDef) -> Value {
    json!({
        "id": et.id, "title": et.title, "slug": et.slug, "length": et.length,
        "hidden": et.hidden, "position": 0, "userId": if et.team_id.is_none() { Some(1) } else { None },
        "teamId": et.team_id, "eventName": null, "timeZone": null, "periodType": "UNLIMITED",
        "periodStartDate": null, "periodEndDate": null, "periodDays": null,
        "periodCountCalendarDays": false, "requiresConfirmation": et.requires_confirmation,
        "recurringEvent": null, "disableGuests": false, "hideCalendarNotes": false,
        "minimumBookingNotice": et.minimum_booking_notice,
        "beforeEventBuffer": et.before_buffer, "afterEventBuffer": et.after_buffer,
        "seatsPerTimeSlot": null, "seatsShowAttendees": false, "schedulingType":
            et.scheduling.as_api().map(str::to_uppercase),
        "price": 0, "currency": "usd", "slotInterval": et.slot_interval, "metadata": {},
        "successRedirectUrl": null, "description": et.description, "locations": [],
        "bookingFields": [], "hosts": et.host_ids.iter().map(|id| json!({"userId": id, "isFixed": false})).collect::<Vec<_>>(),
    })
}

fn schedule_json(s: &ScheduleDef) -> Value {
    let mut availability = Vec::new();
    let mut next_id = s.id * 100;
    for (i, ranges) in s.hours.weekly().iter().enumerate() {
        // v1 numbers days 0 = Sunday .. 6 = Saturday.
        let day = (i + 1) % 7;
        for (a, b) in ranges {
            next_id += 1;
            availability.push(json!({
                "id": next_id, "eventTypeId": null, "days": [day],
                "startTime": a.format("%H:%M:%S").to_string(),
                "endTime": b.format("%H:%M:%S").to_string(),
            }));
        }
    }
    json!({ "id": s.id, "userId": s.owner_id, "name": s.name,
            "timeZone": s.hours.tz().name(), "availability": availability })
}

fn booking_json(b: &MockBooking, catalog: &Catalog) -> Value {
    let host = b
        .host_ids
        .first()
        .and_then(|id| catalog.user_by_id(*id))
        .unwrap_or(&catalog.user);
    json!({
        "id": b.id, "uid": b.uid, "userId": host.id, "eventTypeId": b.event_type_id,
        "title": b.title, "description": b.description,
        "startTime": js_iso(b.start), "endTime": js_iso(b.end),
        "attendees": [{ "email": b.attendee_email, "name": b.attendee_name,
                         "timeZone": b.attendee_time_zone, "locale": b.attendee_language }],
        "user": { "email": host.email, "name": host.name,
                  "timeZone": host.time_zone.name(), "locale": "en" },
        "location": b.location, "metadata": b.metadata,
        "status": b.status.to_uppercase(), "paid": false, "payment": [],
        "fromReschedule": b.rescheduled_from_uid, "rescheduled": b.rescheduled_to_uid.is_some(),
        "cancellationReason": b.cancellation_reason, "responses": b.booking_fields_responses,
        "createdAt": js_iso(b.created_at),
    })
}

fn id_of(raw: &str) -> Result<u64, Box<Response>> {
    raw.parse::<u64>().map_err(|_| {
        Box::new(
            (
                StatusCode::BAD_REQUEST,
                Json(json!({ "message": "invalid_type in 'id': Expected number, received nan" })),
            )
                .into_response(),
        )
    })
}

async fn me(State(state): State<AppState>) -> Response {
    Json(json!({ "user": user_json(&state.catalog().user) })).into_response()
}

async fn list_event_types(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let list: Vec<Value> = state
        .catalog()
        .personal_event_types()
        .filter(|et| q.get("slug").is_none_or(|s| &et.slug == s))
        .map(event_type_json)
        .collect();
    Json(json!({ "event_types": list })).into_response()
}

async fn get_event_type(State(state): State<AppState>, Path(id): Path<String>) -> V1Result {
    let id = id_of(&id).map_err(|r| *r)?;
    state
        .catalog()
        .event_type(id)
        .map(|et| Json(json!({ "event_type": event_type_json(et) })).into_response())
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Event type not found"))
}

async fn list_schedules(State(state): State<AppState>) -> Response {
    let c = state.catalog();
    let list: Vec<Value> = c
        .schedules
        .iter()
        .filter(|s| s.owner_id == c.user.id)
        .map(schedule_json)
        .collect();
    Json(json!({ "schedules": list })).into_response()
}

async fn get_schedule(State(state): State<AppState>, Path(id): Path<String>) -> V1Result {
    let id = id_of(&id).map_err(|r| *r)?;
    let c = state.catalog();
    c.schedule(id)
        .filter(|s| s.owner_id == c.user.id)
        .map(|s| Json(json!({ "schedule": schedule_json(s) })).into_response())
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Schedule not found"))
}

async fn list_users(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let c = state.catalog();
    let users: Vec<Value> = std::iter::once(&c.user)
        .filter(|u| {
            q.get("email")
                .is_none_or(|e| e.eq_ignore_ascii_case(&u.email))
        })
        .map(user_json)
        .collect();
    let total = users.len();
    Json(json!({ "users": users, "total": total })).into_response()
}

async fn get_user(State(state): State<AppState>, Path(id): Path<String>) -> V1Result {
    let id = id_of(&id).map_err(|r| *r)?;
    let c = state.catalog();
    if id != c.user.id {
        return Err(message(StatusCode::FORBIDDEN, "Forbidden"));
    }
    Ok(Json(json!({ "user": user_json(&c.user) })).into_response())
}

async fn get_booking(State(state): State<AppState>, Path(id): Path<String>) -> V1Result {
    let id = id_of(&id).map_err(|r| *r)?;
    let catalog = state.catalog();
    state
        .with_store(|s| {
            s.all()
                .iter()
                .find(|b| b.id == id)
                .map(|b| booking_json(b, catalog))
        })
        .map(|b| Json(json!({ "booking": b })).into_response())
        .ok_or_else(|| message(StatusCode::NOT_FOUND, "Booking not found"))
}

/// `POST /v1/bookings` → 200 with the raw booking (`handleNewBooking`).
async fn create_booking(State(state): State<AppState>, body: axum::body::Bytes) -> V1Result {
    let body: Map<String, Value> = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(m)) => m,
        _ => return Err(message(StatusCode::BAD_REQUEST, "Invalid JSON body")),
    };
    let input = v1_create_input(&body).map_err(|m| message(StatusCode::BAD_REQUEST, &m))?;
    let booking = actions::create(&state, input, None).map_err(|e| match e {
        ApiError::NotFound(_) => message(StatusCode::NOT_FOUND, "event_type_not_found"),
        ApiError::BadRequest(m)
            if m.starts_with("User either") || m.starts_with("One of the hosts") =>
        {
            message(StatusCode::BAD_REQUEST, "no_available_users_found_error")
        }
        other => message(StatusCode::BAD_REQUEST, &other.message()),
    })?;
    let trigger = if booking.status == status::PENDING {
        trigger::REQUESTED
    } else {
        trigger::CREATED
    };
    state.notify(trigger, &booking, &Extra::default());
    Ok(Json(booking_json(&booking, state.catalog())).into_response())
}

/// Maps v1's body onto the v2 create input (zod-style messages).
fn v1_create_input(body: &Map<String, Value>) -> Result<CreateInput, String> {
    let mut problems = Vec::new();
    let event_type_id = body.get("eventTypeId").and_then(Value::as_u64);
    if event_type_id.is_none() {
        problems.push("eventTypeId - Required");
    }
    let start = body
        .get("start")
        .and_then(Value::as_str)
        .and_then(parse_iso);
    if start.is_none() {
        problems.push("start - Invalid datetime");
    }
    let responses = body.get("responses").and_then(Value::as_object);
    let name = responses
        .and_then(|r| r.get("name"))
        .and_then(Value::as_str);
    let email = responses
        .and_then(|r| r.get("email"))
        .and_then(Value::as_str);
    if name.is_none() || email.is_none() {
        problems.push("responses - name and email are required");
    }
    let time_zone = body.get("timeZone").and_then(Value::as_str);
    if time_zone.is_none() {
        problems.push("timeZone - Required");
    }
    let language = body.get("language").and_then(Value::as_str);
    if language.is_none() {
        problems.push("language - Required");
    }
    let metadata = body.get("metadata").and_then(Value::as_object);
    if metadata.is_none() {
        problems.push("metadata - Required");
    }
    match (
        event_type_id,
        start,
        name,
        email,
        time_zone,
        language,
        metadata,
    ) {
        (Some(id), Some(start), Some(name), Some(email), Some(tz), Some(lang), Some(meta))
            if problems.is_empty() =>
        {
            // `end` is optional and recomputed from the event type's length.
            Ok(CreateInput {
                start,
                length_in_minutes: None,
                event_type: EventTypeRef::Id {
                    lookup: Some(id),
                    shown: id.to_string(),
                },
                attendee: AttendeeInput {
                    name: name.to_owned(),
                    email: Some(email.to_owned()),
                    time_zone: tz.to_owned(),
                    phone_number: None,
                    language: lang.to_owned(),
                },
                guests: Vec::new(),
                meeting_url: None,
                location: None,
                metadata: meta.clone(),
                booking_fields_responses: Map::new(),
                instant: false,
                routed_team_member_ids: body
                    .get("routedTeamMemberIds")
                    .and_then(Value::as_array)
                    .map(|ids| ids.iter().filter_map(Value::as_u64).collect()),
            })
        }
        _ => Err(problems
            .iter()
            .map(|p| format!("{p}, "))
            .collect::<String>()),
    }
}
