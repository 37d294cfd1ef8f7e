//! `GET /api/demo/token` (demo mode only): the demo tenant's bearer token
//! as plain text, so the README's curl lines work without reading logs.
//! Demo mode books against a built-in mock, so the token guards nothing
//! real; in live mode the route does not exist (404).

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use secrecy::ExposeSecret;

use crate::state::AppState;

/// The route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/demo/token", get(token))
}

async fn token(State(state): State<AppState>) -> Response {
    match &state.demo_token {
        Some(t) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            t.expose_secret().to_owned(),
        )
            .into_response(),
        None => crate::error::ApiError::Domain(calbridge_domain::DomainError::NotFound {
            entity: "route",
            id: "requested".to_owned(),
        })
        .into_response(),
    }
}
