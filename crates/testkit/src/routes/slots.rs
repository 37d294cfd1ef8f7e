//! `GET /v2/slots` (2024-09-04, no authentication).

use axum::extract::State;
use axum::response::Response;
use chrono::TimeDelta;

use crate::bookings::store::SlotWindow;
use crate::envelope;
use crate::error::ApiError;
use crate::event_types::EventTypeDef;
use crate::routes::extract::{QueryPairs, query_object};
use crate::slots::output::slots_json;
use crate::slots::query::{self, Selector};
use crate::state::AppState;

/// Free slots of one event type, grouped by date.
pub(crate) async fn get_slots(
    State(state): State<AppState>,
    query: QueryPairs,
) -> Result<Response, ApiError> {
    let q = query_object(query)?;
    let now = state.now();
    let parsed = query::parse(&q, now)?;
    let catalog = state.catalog();
    let et: &EventTypeDef = match &parsed.selector {
        Selector::Id(id) => u64::try_from(*id)
            .ok()
            .and_then(|id| catalog.event_type(id))
            .ok_or_else(event_type_not_found)?,
        Selector::UserSlug {
            username,
            slug,
            organization,
        } => {
            if let Some(org) = organization {
                return Err(ApiError::NotFound(format!(
                    "slots-input.service.ts: Organization with slug {org} not found"
                )));
            }
            if !catalog.is_user(username) {
                return Err(ApiError::NotFound(format!(
                    "User with username {username} not found"
                )));
            }
            catalog
                .event_type_by_slug(username, slug)
                .ok_or_else(event_type_not_found)?
        }
        Selector::TeamSlug { team, slug } => {
            if catalog.team_by_slug(team).is_none() {
                return Err(ApiError::NotFound(format!(
                    "Team with slug {team} not found"
                )));
            }
            catalog
                .team_event_type_by_slug(team, slug)
                .ok_or_else(event_type_not_found)?
        }
        Selector::Usernames(names) => {
            // A dynamic event needs every user; only the demo user exists.
            let unknown = names
                .iter()
                .find(|n| !catalog.is_user(n))
                .cloned()
                .unwrap_or_default();
            return Err(ApiError::NotFound(format!(
                "User with username {unknown} not found"
            )));
        }
    };
    // `input.duration || eventType.length`.
    let length = match parsed.duration {
        Some(d) if d != 0 => d,
        _ => i64::from(et.length),
    };
    let window = SlotWindow {
        from: parsed.start,
        to: parsed.end,
        now,
        exclude_uid: parsed.booking_uid_to_reschedule.as_deref(),
        holder: None,
    };
    let starts = state.with_store(|store| store.free_starts(catalog, et, length, &window));
    let range_length = if parsed.range {
        TimeDelta::try_minutes(length)
    } else {
        None
    };
    Ok(envelope::ok(slots_json(&starts, parsed.zone, range_length)))
}

fn event_type_not_found() -> ApiError {
    ApiError::NotFound("Event Type not found".to_owned())
}
