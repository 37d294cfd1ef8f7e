//! `GET /v2/event-types` (2024-06-14).
//!
//! With `username` (and optionally `eventSlug`) it lists that user's public
//! event types; without, an authenticated caller gets its own (hidden ones
//! included) and an anonymous caller an empty list.

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde_json::Value;

use crate::auth::{self, Caller};
use crate::envelope;
use crate::error::ApiError;
use crate::event_types::EventTypeDef;
use crate::event_types::output::event_type_json;
use crate::js_compat::number::parse_int;
use crate::routes::extract::{QueryPairs, query_object};
use crate::state::AppState;
use crate::validation::ValidationError;

/// Lists event types (`data: EventTypeOutput_2024_06_14[]`, no pagination).
pub(crate) async fn list(
    State(state): State<AppState>,
    headers: HeaderMap,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let caller = auth::optional(&headers, state.config())?;
    let q = query_object(query)?;

    let mut errors = Vec::new();
    let mut text = |name: &str| -> Option<String> {
        let v = q.get(name)?;
        let s = v.as_str().map(str::to_owned);
        if s.is_none() {
            errors.push(
                ValidationError::new(name, Some(v))
                    .constraint("isString", format!("{name} must be a string")),
            );
        }
        s
    };
    let username = text("username");
    let event_slug = text("eventSlug");
    let usernames = text("usernames");
    let org_slug = text("orgSlug");
    if let Some(v) = q.get("orgId")
        && v.as_str().and_then(parse_int).is_none()
    {
        errors.push(ValidationError::new("orgId", Some(v)).constraint(
            "isNumber",
            "orgId must be a number conforming to the specified constraints",
        ));
    }
    let descending = match q.get("sortCreatedAt").map(|v| v.as_str()) {
        None | Some(Some("asc")) => false,
        Some(Some("desc")) => true,
        Some(_) => {
            errors.push(
                ValidationError::new("sortCreatedAt", q.get("sortCreatedAt")).constraint(
                    "isEnum",
                    "sortCreatedAt must be one of the following values: asc, desc",
                ),
            );
            false
        }
    };
    if !errors.is_empty() {
        let target = Value::Object(q.clone());
        return Err(ApiError::Validation(
            errors.into_iter().map(|e| e.with_target(&target)).collect(),
        ));
    }

    let catalog = state.catalog();
    let visible = |et: &&EventTypeDef| !et.hidden || caller == Caller::Owner;
    let in_org = org_slug.is_some() || q.contains_key("orgId");
    let mut chosen: Vec<&EventTypeDef> = match (&username, &usernames) {
        (Some(user), _) if catalog.is_user(user) && !in_org => catalog
            .personal_event_types()
            .filter(visible)
            .filter(|et| event_slug.as_deref().is_none_or(|s| et.slug == s))
            .collect(),
        (Some(_), _) | (None, Some(_)) => Vec::new(),
        (None, None) if caller == Caller::Owner => catalog.personal_event_types().collect(),
        (None, None) => Vec::new(),
    };
    if descending {
        chosen.reverse();
    }
    let data: Vec<Value> = chosen
        .into_iter()
        .map(|et| event_type_json(et, catalog))
        .collect();
    Ok(envelope::ok(Value::Array(data)))
}

/// `GET /v2/event-types/{eventTypeId}` (auth): a personal or team type.
pub(crate) async fn get_one(
    State(state): State<AppState>,
    headers: HeaderMap,
    id: Result<Path<String>, PathRejection>,
) -> Result<Response, ApiError> {
    auth::require(&headers, state.config())?;
    let raw = id.map(|Path(p)| p).unwrap_or_default();
    let id = parse_int(&raw)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| {
            ApiError::BadRequest("Validation failed (numeric string is expected)".to_owned())
        })?;
    let catalog = state.catalog();
    catalog
        .event_type(id)
        .map(|et| envelope::ok(event_type_json(et, catalog)))
        .ok_or_else(|| ApiError::NotFound(format!("Event type with id={id} not found")))
}
