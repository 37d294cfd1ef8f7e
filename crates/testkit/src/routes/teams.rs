//! `/v2/teams[/{id}[/event-types]]` (any `cal-api-version`).

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::{Value, json};

use crate::auth;
use crate::demo_data::{Catalog, TeamDef};
use crate::envelope;
use crate::error::ApiError;
use crate::event_types::output::event_type_json;
use crate::js_compat::number::parse_int;
use crate::routes::extract::{QueryPairs, query_object};
use crate::state::AppState;

/// `GET /v2/teams`: the teams the caller belongs to.
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let data: Vec<Value> = state.catalog().teams.iter().map(team_json).collect();
    Ok(envelope::ok(Value::Array(data)))
}

/// `GET /v2/teams/{teamId}`.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let team = team_of(state.catalog(), id)?;
    Ok(envelope::ok(team_json(team)))
}

/// `GET /v2/teams/{teamId}/event-types[?eventSlug=]`.
pub(crate) async fn event_types(
    State(state): State<AppState>,
    id: Result<Path<String>, PathRejection>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let q = query_object(query)?;
    let catalog = state.catalog();
    let team = team_of(catalog, id)?;
    let slug = q.get("eventSlug").and_then(Value::as_str);
    let data: Vec<Value> = catalog
        .team_event_types(team.id)
        .filter(|et| slug.is_none_or(|s| et.slug == s))
        .map(|et| event_type_json(et, catalog))
        .collect();
    Ok(envelope::ok(Value::Array(data)))
}

fn team_of(
    catalog: &Catalog,
    id: Result<Path<String>, PathRejection>,
) -> Result<&TeamDef, ApiError> {
    let raw = id.map(|Path(p)| p).unwrap_or_default();
    let id = parse_int(&raw)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| {
            ApiError::BadRequest("Validation failed (numeric string is expected)".to_owned())
        })?;
    catalog
        .team(id)
        .ok_or_else(|| ApiError::NotFound(format!("Team with id={id} not found")))
}

/// `TeamOutputDto`.
pub(crate) fn team_json(t: &TeamDef) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "slug": t.slug,
        "bio": "",
        "hideBranding": false,
        "isOrganization": false,
        "isPrivate": false,
        "hideBookATeamMember": false,
        "metadata": {},
        "timeFormat": 24,
        "timeZone": t.time_zone.name(),
        "weekStart": "Monday",
    })
}
