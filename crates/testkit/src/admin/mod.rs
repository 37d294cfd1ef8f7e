//! The HTTP admin surface under `/_testkit/...`: the same controls as the
//! Rust API ([`crate::Faults`], [`crate::Webhooks`], the journal, the v1
//! switch) for tests that run the mock out of process
//! (`cargo run -p calbridge-testkit`). Not journaled, not rate limited,
//! never faulted; no authentication (bind it to localhost).

use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::faults::{FaultKind, Route};
use crate::state::AppState;
use crate::webhooks::Webhooks;

/// The `/_testkit` routes.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/_testkit/journal", get(journal).delete(clear_journal))
        .route(
            "/_testkit/faults",
            get(faults).post(arm_fault).delete(clear_faults),
        )
        .route("/_testkit/faults/latency", post(add_latency))
        .route("/_testkit/webhooks/deliveries", get(deliveries))
        .route("/_testkit/webhooks/{id}/ping", post(ping))
        .route(
            "/_testkit/webhooks/deliveries/{id}/redeliver",
            post(redeliver),
        )
        .route("/_testkit/webhooks/hold", post(hold))
        .route("/_testkit/webhooks/release", post(release))
        .route("/_testkit/webhooks/drop", post(drop_next))
        .route("/_testkit/v1", post(v1_switch))
}

fn bad(msg: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({ "error": msg.into() })),
    )
        .into_response()
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("invalid body: {e}"))
}

async fn journal(State(state): State<AppState>) -> Response {
    let entries: Vec<_> = match state.journal().lock() {
        Ok(j) => j.entries.iter().cloned().collect(),
        Err(p) => p.into_inner().entries.iter().cloned().collect(),
    };
    Json(entries).into_response()
}

async fn clear_journal(State(state): State<AppState>) -> StatusCode {
    match state.journal().lock() {
        Ok(mut j) => j.entries.clear(),
        Err(p) => p.into_inner().entries.clear(),
    }
    StatusCode::NO_CONTENT
}

async fn faults(State(state): State<AppState>) -> Response {
    Json(state.faults().armed()).into_response()
}

/// `{"route":"CreateBooking","kind":"fail","status":503,"times":2}`.
#[derive(Deserialize)]
struct ArmBody {
    route: Route,
    #[serde(flatten)]
    kind: FaultKind,
    #[serde(default = "one")]
    times: u32,
}

fn one() -> u32 {
    1
}

async fn arm_fault(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<ArmBody>(&body) {
        Ok(b) => {
            state.faults().arm(b.route, b.kind, b.times);
            (StatusCode::CREATED, Json(state.faults().armed())).into_response()
        }
        Err(e) => bad(e),
    }
}

async fn clear_faults(State(state): State<AppState>) -> StatusCode {
    state.faults().clear();
    StatusCode::NO_CONTENT
}

/// `{"route":"GetSlots","ms":250}`.
#[derive(Deserialize)]
struct LatencyBody {
    route: Route,
    ms: u64,
}

async fn add_latency(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<LatencyBody>(&body) {
        Ok(b) => {
            state.faults().latency(b.route, Duration::from_millis(b.ms));
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}

fn hooks(state: &AppState) -> Webhooks {
    Webhooks::new(state.hub().clone())
}

async fn deliveries(State(state): State<AppState>) -> Response {
    Json(hooks(&state).deliveries()).into_response()
}

async fn ping(State(state): State<AppState>, Path(id): Path<String>) -> Response {
    match hooks(&state).ping(&id) {
        Ok(d) => (StatusCode::ACCEPTED, Json(json!({ "deliveryId": d }))).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn redeliver(State(state): State<AppState>, Path(id): Path<u64>) -> Response {
    match hooks(&state).redeliver(id) {
        Ok(d) => (StatusCode::ACCEPTED, Json(json!({ "deliveryId": d }))).into_response(),
        Err(e) => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

#[derive(Deserialize)]
struct HoldBody {
    on: bool,
}

async fn hold(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<HoldBody>(&body) {
        Ok(b) => {
            hooks(&state).hold(b.on);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}

/// `{"ids":[3,2]}`; without `ids`, every held delivery newest first.
#[derive(Deserialize)]
struct ReleaseBody {
    ids: Option<Vec<u64>>,
}

async fn release(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<ReleaseBody>(&body) {
        Ok(b) => {
            let n = match b.ids {
                Some(ids) => hooks(&state).release(&ids),
                None => hooks(&state).release_reversed(),
            };
            Json(json!({ "released": n })).into_response()
        }
        Err(e) => bad(e),
    }
}

#[derive(Deserialize)]
struct DropBody {
    count: u32,
}

async fn drop_next(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<DropBody>(&body) {
        Ok(b) => {
            hooks(&state).drop_next(b.count);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}

#[derive(Deserialize)]
struct V1Body {
    gone: bool,
}

async fn v1_switch(State(state): State<AppState>, body: axum::body::Bytes) -> Response {
    match parse::<V1Body>(&body) {
        Ok(b) => {
            state.set_v1_gone(b.gone);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => bad(e),
    }
}
