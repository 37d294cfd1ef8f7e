//! The HTTP surface: one module per resource, merged here with the
//! cross-cutting layers (request id, tracing, timeout, body limit).

mod bookings;
mod calcom_bookings;
mod calcom_connection;
mod calcom_sync;
mod calcom_webhook;
mod composite_bookings;
mod event_types;
mod health;
mod slots;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::response::IntoResponse;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::state::AppState;

/// Largest request body we read; booking requests are a few hundred bytes.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// A request that takes longer is answered 504; Cal.com calls time out sooner.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The complete router with its state and layers.
pub fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .merge(health::router())
        .merge(event_types::router())
        .merge(slots::router())
        .merge(bookings::router())
        .merge(composite_bookings::router())
        .merge(calcom_connection::router())
        .merge(calcom_webhook::router())
        .merge(calcom_bookings::router())
        .merge(calcom_sync::router())
        .merge(crate::auth::demo_token_route::router())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::GATEWAY_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http())
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

async fn not_found() -> impl IntoResponse {
    crate::error::ApiError::Domain(calbridge_domain::DomainError::NotFound {
        entity: "route",
        id: "requested".to_owned(),
    })
}

async fn method_not_allowed() -> impl IntoResponse {
    (
        StatusCode::METHOD_NOT_ALLOWED,
        axum::Json(serde_json::json!({
            "error": {"code": "method_not_allowed", "message": "this route does not accept that method"}
        })),
    )
}
