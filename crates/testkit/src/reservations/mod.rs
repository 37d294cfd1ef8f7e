//! Slot reservations (`/v2/slots/reservations`, 2024-09-04): a hold that
//! hides a slot from other bookers until `reservationUntil` (NOTES §4.4).

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::auth::Caller;
use crate::bookings::input::{date, forbidden, opt};
use crate::bookings::store::Reservation;
use crate::error::ApiError;
use crate::event_types::Scheduling;
use crate::js_compat::date::js_iso;
use crate::state::AppState;
use crate::validation::ValidationError;

/// Cal.com's 422 for reserving a booked slot.
pub(crate) const ALREADY_BOOKED: &str = "Can't reserve a slot if the event is already booked.";
/// The mock's 422 for a slot someone else holds.
pub(crate) const ALREADY_RESERVED: &str = "Can't reserve a slot that is already reserved.";
/// Default hold, minutes.
const DEFAULT_HOLD: u32 = 5;
/// The longest hold accepted, minutes (a day).
const MAX_HOLD: u32 = 24 * 60;

/// A validated `ReserveSlotInput_2024_09_04`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ReserveInput {
    event_type_id: u64,
    slot_start: DateTime<Utc>,
    slot_duration: Option<u32>,
    reservation_duration: Option<u32>,
}

fn number(
    body: &Map<String, Value>,
    name: &str,
    required: bool,
    errors: &mut Vec<ValidationError>,
) -> Option<u32> {
    let v = if required {
        body.get(name)
    } else {
        opt(body, name)
    };
    let Some(v) = v else {
        if required {
            errors.push(ValidationError::new(name, None).constraint(
                "isNumber",
                format!("{name} must be a number conforming to the specified constraints"),
            ));
        }
        return None;
    };
    let n = v.as_u64().and_then(|n| u32::try_from(n).ok());
    if n.is_none() {
        errors.push(ValidationError::new(name, Some(v)).constraint(
            "isNumber",
            format!("{name} must be a number conforming to the specified constraints"),
        ));
    }
    n
}

/// Validates a reserve body (global `ValidationPipe`).
pub(crate) fn parse(body: &Map<String, Value>) -> Result<ReserveInput, ApiError> {
    let mut errors = forbidden(
        body,
        &[
            "eventTypeId",
            "slotStart",
            "slotDuration",
            "reservationDuration",
        ],
    );
    let event_type_id = number(body, "eventTypeId", true, &mut errors);
    let slot_start = date(body, "slotStart", &mut errors);
    let slot_duration = number(body, "slotDuration", false, &mut errors);
    let reservation_duration = number(body, "reservationDuration", false, &mut errors);
    match (event_type_id, slot_start) {
        (Some(event_type_id), Some(slot_start)) if errors.is_empty() => Ok(ReserveInput {
            event_type_id: u64::from(event_type_id),
            slot_start,
            slot_duration,
            reservation_duration,
        }),
        _ => {
            let target = Value::Object(body.clone());
            Err(ApiError::Validation(
                errors.into_iter().map(|e| e.with_target(&target)).collect(),
            ))
        }
    }
}

/// Creates (`existing = None`) or moves a reservation.
pub(crate) fn reserve(
    state: &AppState,
    caller: Caller,
    input: ReserveInput,
    existing: Option<&str>,
) -> Result<Reservation, ApiError> {
    if input.reservation_duration.is_some() && caller == Caller::Anonymous {
        return Err(ApiError::Unauthorized(
            "reservationDuration can only be used for authenticated requests. If you want to \
             reserve a slot for longer than the default 5 minutes, authenticate."
                .to_owned(),
        ));
    }
    let hold = input.reservation_duration.unwrap_or(DEFAULT_HOLD);
    if hold == 0 || hold > MAX_HOLD {
        return Err(ApiError::BadRequest(format!(
            "reservationDuration must be between 1 and {MAX_HOLD} minutes"
        )));
    }
    let catalog = state.catalog();
    let et = catalog.event_type(input.event_type_id).ok_or_else(|| {
        ApiError::NotFound(format!(
            "Event Type with ID={} not found",
            input.event_type_id
        ))
    })?;
    let length = match input.slot_duration {
        None => et.length,
        Some(d) if et.length_options.contains(&d) || d == et.length => d,
        Some(d) => {
            return Err(ApiError::BadRequest(format!(
                "Provided slotDuration={d} is not one of the possible lengths of the event type"
            )));
        }
    };
    let start = input.slot_start;
    let end = start + TimeDelta::minutes(i64::from(length));
    state.with_store(|store| {
        let now = state.now();
        if store.is_booked(et, start, end) {
            return Err(ApiError::Unprocessable(ALREADY_BOOKED.to_owned()));
        }
        // Event types of the other live reservations over this time.
        let overlapping: Vec<u64> = store
            .reservations(now)
            .iter()
            .filter(|r| Some(r.uid.as_str()) != existing && r.start < end && r.end > start)
            .map(|r| r.event_type_id)
            .collect();
        let reserved = |h: &u64| {
            overlapping.iter().any(|id| {
                catalog
                    .event_type(*id)
                    .is_some_and(|o| o.host_ids.contains(h))
            })
        };
        // The rule the slots follow: round robin is taken only once every
        // host is reserved or booked; otherwise any reserved host takes it.
        let taken = match et.scheduling {
            Scheduling::RoundRobin => {
                et.host_ids.iter().any(reserved)
                    && et
                        .host_ids
                        .iter()
                        .all(|h| reserved(h) || store.host_booked(*h, start, end))
            }
            Scheduling::Single | Scheduling::Collective => et.host_ids.iter().any(reserved),
        };
        if taken {
            return Err(ApiError::Unprocessable(ALREADY_RESERVED.to_owned()));
        }
        let reservation = Reservation {
            uid: existing
                .map(str::to_owned)
                .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
            event_type_id: et.id,
            start,
            end,
            slot_minutes: length,
            hold_minutes: hold,
            until: now + TimeDelta::minutes(i64::from(hold)),
        };
        let list = store.reservations(now);
        match existing {
            Some(uid) => {
                let slot = list
                    .iter_mut()
                    .find(|r| r.uid == uid)
                    .ok_or_else(|| not_found(uid))?;
                *slot = reservation.clone();
            }
            None => list.push(reservation.clone()),
        }
        Ok(reservation)
    })
}

/// The live reservation `uid`.
pub(crate) fn get(state: &AppState, uid: &str) -> Option<Reservation> {
    state.with_store(|store| {
        store
            .reservations(state.now())
            .iter()
            .find(|r| r.uid == uid)
            .cloned()
    })
}

/// Removes reservation `uid`.
pub(crate) fn delete(state: &AppState, uid: &str) -> Result<(), ApiError> {
    state.with_store(|store| {
        let list = store.reservations(state.now());
        let before = list.len();
        list.retain(|r| r.uid != uid);
        if list.len() == before {
            Err(not_found(uid))
        } else {
            Ok(())
        }
    })
}

fn not_found(uid: &str) -> ApiError {
    ApiError::NotFound(format!("Reserved slot with uid={uid} not found"))
}

/// `ReserveSlotOutput_2024_09_04`.
pub(crate) fn reservation_json(r: &Reservation) -> Value {
    json!({
        "eventTypeId": r.event_type_id,
        "slotStart": js_iso(r.start),
        "slotEnd": js_iso(r.end),
        "slotDuration": r.slot_minutes,
        "reservationUid": r.uid,
        "reservationDuration": r.hold_minutes,
        "reservationUntil": js_iso(r.until),
    })
}

/// `GetReservedSlotOutput_2024_09_04`.
pub(crate) fn reserved_slot_json(r: &Reservation) -> Value {
    json!({
        "reservationUid": r.uid,
        "eventTypeId": r.event_type_id,
        "slotStart": js_iso(r.start),
        "slotEnd": js_iso(r.end),
        "slotDuration": r.slot_minutes,
        "reservationUntil": js_iso(r.until),
    })
}
