//! `GET /api/event-types`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use calbridge_domain::EventType;
use serde::Serialize;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::tenancy::CurrentTenant;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/event-types", get(list))
}

#[derive(Serialize)]
struct EventTypeList {
    data: Vec<EventType>,
}

async fn list(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
) -> ApiResult<Json<EventTypeList>> {
    let bookings = state.bookings_for(&tenant).await?;
    Ok(Json(EventTypeList {
        data: bookings.event_types().await?,
    }))
}
