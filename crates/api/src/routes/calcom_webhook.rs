//! `POST /api/calcom/webhook/{endpoint}`: Cal.com's deliveries. Hostile
//! input is the normal case here: the body is read with a hard cap, the
//! signature is checked over the raw bytes against every active secret
//! before anything is parsed or written, replays are answered without
//! being processed again, and every event only makes us fetch the booking
//! it names from Cal.com.

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use calbridge_domain::ports::WebhookRecordOutcome;
use calbridge_domain::{BookingSource, DomainError, NewWebhookEvent, TenantId, WebhookEvent};
use futures_util::StreamExt;
use serde_json::json;

use crate::auth::{SignatureCheck, verify_signature};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::state::AppState;
use crate::sync::{SUPPORTED_VERSION, TriggerKind, WebhookPayload, parse_payload, refresh_booking};

/// Largest delivery accepted; Cal.com's booking payloads are a few KiB.
pub const MAX_WEBHOOK_BYTES: usize = 256 * 1024;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/calcom/webhook/{endpoint}", post(receive))
}

fn unauthorized() -> ApiError {
    ApiError::Unauthorized {
        message: "webhook signature missing or invalid",
    }
}

/// The body, or 413 as soon as it exceeds the cap (whether or not a
/// Content-Length was sent).
async fn read_capped(headers: &HeaderMap, body: Body) -> Result<Vec<u8>, ApiError> {
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_WEBHOOK_BYTES as u64) {
        return Err(ApiError::PayloadTooLarge);
    }
    let mut stream = body.into_data_stream();
    let mut out = Vec::with_capacity(declared.map_or(8 * 1024, |n| n as usize));
    while let Some(chunk) = stream.next().await {
        let chunk = chunk
            .map_err(|_| ApiError::bad_request("unreadable_body", "the body could not be read"))?;
        if out.len() + chunk.len() > MAX_WEBHOOK_BYTES {
            return Err(ApiError::PayloadTooLarge);
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

fn ok(status: &'static str) -> Response {
    (StatusCode::OK, Json(json!({"status": status}))).into_response()
}

async fn receive(
    State(state): State<AppState>,
    ApiPath(endpoint): ApiPath<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    if endpoint.is_empty()
        || endpoint.len() > 100
        || !endpoint
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(unauthorized());
    }
    let Some(target) = state.storage.tenants.webhook_endpoint(&endpoint).await? else {
        tracing::warn!("webhook for an unknown endpoint refused");
        return Err(unauthorized());
    };
    let tenant = target.tenant;
    let raw = read_capped(&headers, body).await?;
    let Some(connection) = state
        .storage
        .connections
        .get(&tenant, &target.connection_label)
        .await?
    else {
        tracing::warn!(%tenant, "webhook for a deleted connection refused");
        return Err(unauthorized());
    };
    let check = verify_signature(
        headers.get("x-cal-signature-256").map(|v| v.as_bytes()),
        &raw,
        &connection.webhook_secrets,
    );
    if check != SignatureCheck::Valid {
        tracing::warn!(%tenant, reason = ?check, bytes = raw.len(), "webhook signature refused");
        return Err(unauthorized());
    }
    let received_at = state.clock.now();
    let Some(payload) = parse_payload(&raw) else {
        let event = record(&state, &tenant, raw, "MALFORMED", None, received_at).await?;
        if let Some(event) = event {
            state
                .storage
                .webhook_events
                .mark_failed(&tenant, event.id, "malformed JSON")
                .await?;
        }
        tracing::warn!(%tenant, "verified webhook with malformed JSON recorded as failed");
        return Err(ApiError::bad_request(
            "malformed_json",
            "the body is not a JSON object",
        ));
    };
    let Some(event) = record(
        &state,
        &tenant,
        raw,
        &payload.trigger,
        Some(&payload),
        received_at,
    )
    .await?
    else {
        tracing::info!(%tenant, trigger = %payload.trigger, "duplicate webhook ignored");
        return Ok(ok("duplicate"));
    };
    let events = &state.storage.webhook_events;
    let version = headers
        .get("x-cal-webhook-version")
        .and_then(|v| v.to_str().ok());
    if version.is_some_and(|v| v != SUPPORTED_VERSION) || payload.kind == TriggerKind::Unknown {
        events
            .mark_processed(&tenant, event.id, state.clock.now())
            .await?;
        tracing::info!(%tenant, trigger = %payload.trigger, version, "webhook recorded and ignored");
        return Ok(ok("ignored"));
    }
    // The same event re-serialised (a new raw body): trigger + uid + createdAt.
    let identity = payload
        .booking_uid
        .as_ref()
        .zip(payload.created_at)
        .filter(|_| payload.kind == TriggerKind::Handled);
    let identities = &state.storage.webhook_identities;
    if let Some((uid, at)) = identity
        && identities.seen(&tenant, &payload.trigger, uid, at).await?
    {
        events
            .mark_processed(&tenant, event.id, state.clock.now())
            .await?;
        tracing::info!(%tenant, trigger = %payload.trigger, "webhook already processed in another body");
        return Ok(ok("duplicate"));
    }
    match apply(&state, &tenant, &payload).await {
        Ok(()) => {
            if let Some((uid, at)) = identity {
                identities
                    .remember(&tenant, &payload.trigger, uid, at)
                    .await?;
            }
            events
                .mark_processed(&tenant, event.id, state.clock.now())
                .await?;
            tracing::info!(
                %tenant,
                trigger = %payload.trigger,
                uid = payload.booking_uid.as_ref().map(|u| u.as_str()),
                "webhook processed"
            );
            Ok(ok("processed"))
        }
        Err(
            e @ DomainError::Unavailable {
                upstream: calbridge_domain::Upstream::Storage,
                ..
            },
        ) => Err(e.into()),
        Err(e) => {
            events
                .mark_failed(&tenant, event.id, &e.to_string())
                .await?;
            tracing::warn!(%tenant, trigger = %payload.trigger, error = %e, "webhook not applied; the poller will catch up");
            Ok((StatusCode::ACCEPTED, Json(json!({"status": "deferred"}))).into_response())
        }
    }
}

/// Records the delivery; `None` for a duplicate (same raw body, or the
/// same trigger, booking and `createdAt` already processed).
async fn record(
    state: &AppState,
    tenant: &TenantId,
    raw: Vec<u8>,
    trigger: &str,
    payload: Option<&WebhookPayload>,
    received_at: chrono::DateTime<chrono::Utc>,
) -> Result<Option<WebhookEvent>, DomainError> {
    let event = NewWebhookEvent {
        body: raw,
        trigger: trigger.to_owned(),
        booking_uid: payload.and_then(|p| p.booking_uid.clone()),
        payload_created_at: payload.and_then(|p| p.created_at),
        verified: true,
        received_at,
    };
    Ok(
        match state.storage.webhook_events.record(tenant, &event).await? {
            WebhookRecordOutcome::Recorded(e) => Some(e),
            WebhookRecordOutcome::Duplicate(_) => None,
        },
    )
}

/// Acts on a handled trigger: refetch the booking (and for a reschedule,
/// the one it replaced) and store what Cal.com says now.
async fn apply(
    state: &AppState,
    tenant: &TenantId,
    payload: &WebhookPayload,
) -> Result<(), DomainError> {
    if payload.kind != TriggerKind::Handled {
        return Ok(());
    }
    let uids: Vec<_> = payload
        .booking_uid
        .iter()
        .chain(payload.replaced_uid.iter())
        .collect();
    if uids.is_empty() {
        return Ok(());
    }
    let bookings = state.bookings_for(tenant).await?;
    for uid in uids {
        let refreshed = refresh_booking(
            bookings.calendar(),
            &*state.repository,
            tenant,
            uid,
            BookingSource::Webhook,
        )
        .await?;
        // Cancelled or moved at Cal.com: our hold on its time follows.
        if let Some((booking, _)) = refreshed {
            bookings.follow_calendar_change(&booking).await?;
        }
    }
    Ok(())
}
