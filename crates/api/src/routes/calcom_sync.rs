//! `POST /api/calcom/sync`: sync the tenant's connection now (full, or
//! incremental from the cursor) and report what changed.

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::sync::{SyncMode, sync_tenant};
use crate::tenancy::CurrentTenant;

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/calcom/sync", post(start))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SyncBody {
    mode: Option<SyncMode>,
}

async fn start(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    body: axum::body::Bytes,
) -> ApiResult<Json<Value>> {
    // The body is optional: none means an incremental sync.
    let body: SyncBody = if body.iter().all(u8::is_ascii_whitespace) {
        SyncBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::Unprocessable {
            message: format!("expected {{\"mode\": \"full\" | \"incremental\"}}: {e}"),
        })?
    };
    let mode = body.mode.unwrap_or(SyncMode::Incremental);
    let holder = format!("api-{}", uuid::Uuid::new_v4().simple());
    let report = sync_tenant(&state, &tenant, mode, &holder, &|_| {}).await?;
    Ok(Json(json!({"data": report, "mode": mode})))
}
