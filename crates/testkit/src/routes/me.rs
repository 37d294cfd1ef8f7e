//! `GET /v2/me`: who the API key belongs to (any `cal-api-version`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth;
use crate::demo_data::DemoUser;
use crate::envelope;
use crate::error::ApiError;
use crate::state::AppState;

/// Returns `MeOutput`; credentials are required.
pub(crate) async fn get_me(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    Ok(envelope::ok(me_json(&state.catalog().user)))
}

fn me_json(user: &DemoUser) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "email": user.email,
        "name": user.name,
        "avatarUrl": null,
        "bio": null,
        "timeFormat": 24,
        "defaultScheduleId": user.default_schedule_id,
        "weekStart": "Monday",
        "timeZone": user.time_zone.name(),
        "organizationId": null,
    })
}
