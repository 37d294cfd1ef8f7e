//! `GET /api/slots?eventTypeId=&start=&end=&timeZone=[&duration=]`.
//!
//! `start`/`end` may be instants, local times or dates in `timeZone`
//! (see [`crate::time_params`]); slots come back in that zone.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use calbridge_domain::{DomainError, EventTypeId, SlotQuery};
use serde::{Deserialize, Serialize};

use crate::error::ApiResult;
use crate::extract::ApiQuery;
use crate::state::AppState;
use crate::tenancy::CurrentTenant;
use crate::time_params::{DateBound, format_in, parse_instant, parse_time_zone};

pub(super) fn router() -> Router<AppState> {
    Router::new().route("/api/slots", get(find))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SlotParams {
    event_type_id: Option<u64>,
    start: Option<String>,
    end: Option<String>,
    time_zone: Option<String>,
    duration: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SlotOut {
    start: String,
    end: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SlotList {
    event_type_id: EventTypeId,
    time_zone: String,
    data: Vec<SlotOut>,
}

async fn find(
    State(state): State<AppState>,
    CurrentTenant(tenant): CurrentTenant,
    ApiQuery(p): ApiQuery<SlotParams>,
) -> ApiResult<Json<SlotList>> {
    let required = |v: Option<String>, field: &str| {
        v.filter(|s| !s.trim().is_empty())
            .ok_or_else(|| DomainError::invalid(field, "is required"))
    };
    let event_type_id = EventTypeId(
        p.event_type_id
            .ok_or_else(|| DomainError::invalid("eventTypeId", "is required"))?,
    );
    let tz = parse_time_zone("timeZone", p.time_zone.as_deref())?;
    let start = parse_instant(
        "start",
        &required(p.start, "start")?,
        tz,
        DateBound::StartOfDay,
    )?;
    let end = parse_instant("end", &required(p.end, "end")?, tz, DateBound::EndOfDay)?;
    let mut query = SlotQuery::new(event_type_id, start, end, tz)?;
    if let Some(d) = p.duration {
        query = query.with_duration(d)?;
    }
    let slots = state
        .bookings_for(&tenant)
        .await?
        .find_slots(&query)
        .await?;
    Ok(Json(SlotList {
        event_type_id,
        time_zone: tz.name().to_owned(),
        data: slots
            .into_iter()
            .map(|s| SlotOut {
                start: format_in(s.start, tz),
                end: format_in(s.end, tz),
            })
            .collect(),
    }))
}
