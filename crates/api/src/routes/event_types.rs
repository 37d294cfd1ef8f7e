//! `GET /api/event-types`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use calbridge_domain::EventType;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/event-types", get(list))
}

#[derive(Serialize)]
struct EventTypeList {
    data: Vec<EventType>,
}

async fn list(State(state): State<AppState>) -> ApiResult<Json<EventTypeList>> {
    Ok(Json(EventTypeList {
        data: state.bookings.event_types().await?,
    }))
}
