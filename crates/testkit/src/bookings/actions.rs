//! Create, cancel and reschedule: Cal.com's rules, in its order, each run
//! under one store lock so check and write are atomic.

use chrono::TimeDelta;
use serde_json::{Value, json};

use crate::auth::Caller;
use crate::bookings::input::{
    CancelInput, CreateInput, EventTypeRef, LocationInput, RescheduleInput,
};
use crate::bookings::store::Claim;
use crate::bookings::{MockBooking, status};
use crate::demo_data::Catalog;
use crate::error::ApiError;
use crate::event_types::{EventLocation, EventTypeDef};
use crate::state::AppState;

/// `POST /v2/bookings`. `holder` is the reservation uid the booker holds
/// (Cal.com's `uid` cookie), which does not block its own booking.
pub(crate) fn create(
    state: &AppState,
    input: CreateInput,
    holder: Option<&str>,
) -> Result<MockBooking, ApiError> {
    let catalog = state.catalog();
    let et = resolve_event_type(catalog, &input.event_type)?;
    if input.instant {
        return Err(ApiError::BadRequest(
            "Instant bookings are only supported for team event types, not individual user event types."
                .to_owned(),
        ));
    }
    let length = booked_length(et, input.length_in_minutes)?;
    let location = plan_location(et, input.location.as_ref(), input.meeting_url.as_deref())?;
    let attendee_email = input.attendee.email.clone().unwrap_or_else(|| {
        let digits: String = input
            .attendee
            .phone_number
            .as_deref()
            .unwrap_or_default()
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        format!("{digits}@sms.cal.com")
    });
    let mut responses = input.booking_fields_responses.clone();
    responses.insert("name".to_owned(), json!(input.attendee.name));
    responses.insert("email".to_owned(), json!(attendee_email));
    if let Some(phone) = &input.attendee.phone_number {
        responses.insert("attendeePhoneNumber".to_owned(), json!(phone));
    }
    if !input.guests.is_empty() {
        responses.insert("guests".to_owned(), json!(input.guests));
    }
    let description = responses
        .get("notes")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    let host = &catalog.user;

    state.with_store(|store| {
        let now = state.now();
        let claim = Claim {
            now,
            exclude_uid: None,
            holder,
            routed: input.routed_team_member_ids.as_deref(),
        };
        let host_ids = store.ensure_bookable(catalog, et, input.start, length, claim)?;
        let uid = new_uid();
        let booking = MockBooking {
            id: store.next_id(),
            location: location.render(&uid),
            uid,
            event_type_id: et.id,
            event_type_slug: et.slug.clone(),
            title: format!(
                "{} between {} and {}",
                et.title, host.name, input.attendee.name
            ),
            description,
            start: input.start,
            end: input.start + TimeDelta::minutes(i64::from(length)),
            status: if et.requires_confirmation {
                status::PENDING
            } else {
                status::ACCEPTED
            }
            .to_owned(),
            metadata: Value::Object(input.metadata),
            attendee_name: input.attendee.name,
            attendee_email,
            attendee_time_zone: input.attendee.time_zone,
            attendee_language: input.attendee.language,
            attendee_phone_number: input.attendee.phone_number,
            guests: input.guests,
            booking_fields_responses: Value::Object(responses),
            cancellation_reason: None,
            cancelled_by_email: None,
            rescheduling_reason: None,
            rescheduled_by_email: None,
            rescheduled_from_uid: None,
            rescheduled_to_uid: None,
            created_at: now,
            updated_at: now,
            host_ids,
            absent_host: false,
            absent_attendees: Vec::new(),
        };
        store.push(booking.clone());
        Ok(booking)
    })
}

/// `POST /v2/bookings/{uid}/cancel`.
pub(crate) fn cancel(
    state: &AppState,
    caller: Caller,
    uid: &str,
    input: CancelInput,
) -> Result<MockBooking, ApiError> {
    if input.seat_uid.is_some() {
        return Err(ApiError::BadRequest(
            "Invalid seatUid: this seat does not exist or has already been cancelled.".to_owned(),
        ));
    }
    let host_email = state.catalog().user.email.clone();
    state.with_store(|store| {
        let now = state.now();
        let booking = store.get_mut(uid).ok_or_else(|| not_found(uid))?;
        if booking.status == status::CANCELLED {
            return Err(ApiError::BadRequest(
                "This booking has already been cancelled.".to_owned(),
            ));
        }
        let reason = input.cancellation_reason.filter(|r| !r.trim().is_empty());
        if caller == Caller::Owner && reason.is_none() {
            return Err(ApiError::BadRequest(
                "Cancellation reason is required when you are the host".to_owned(),
            ));
        }
        if now > booking.end {
            return Err(ApiError::BadRequest(
                "Cannot cancel a booking that has already ended".to_owned(),
            ));
        }
        booking.status = status::CANCELLED.to_owned();
        booking.cancellation_reason = reason;
        booking.cancelled_by_email = (caller == Caller::Owner).then_some(host_email);
        booking.updated_at = now;
        Ok(booking.clone())
    })
}

/// `POST /v2/bookings/{uid}/reschedule`: a new booking at `input.start`;
/// the old one becomes cancelled and points at it.
pub(crate) fn reschedule(
    state: &AppState,
    caller: Caller,
    uid: &str,
    input: RescheduleInput,
) -> Result<MockBooking, ApiError> {
    let catalog = state.catalog();
    state.with_store(|store| {
        let now = state.now();
        let old = store.get(uid).ok_or_else(|| not_found(uid))?.clone();
        if old.status == status::CANCELLED || old.status == status::REJECTED {
            return Err(ApiError::BadRequest(match &old.rescheduled_to_uid {
                Some(to) => format!(
                    "Can't reschedule booking with uid={uid} because it has been cancelled and \
                     rescheduled already to booking with uid={to}. You probably want to \
                     reschedule {to} instead by passing it within the request URL."
                ),
                None => format!(
                    "Can't reschedule booking with uid={uid} because it has been cancelled. \
                     Please provide uid of a booking that is not cancelled."
                ),
            }));
        }
        let et = catalog.event_type(old.event_type_id).ok_or_else(|| {
            ApiError::NotFound(format!(
                "Event type with id {} not found.",
                old.event_type_id
            ))
        })?;
        let length = u32::try_from((old.end - old.start).num_minutes()).unwrap_or(et.length);
        let claim = Claim {
            now,
            exclude_uid: Some(uid),
            holder: None,
            // Round robin may pick another host, as Cal.com does by default.
            routed: None,
        };
        let host_ids = store.ensure_bookable(catalog, et, input.start, length, claim)?;

        let new_uid = new_uid();
        let location = if old.location == video_url("cal-video", &old.uid) {
            video_url("cal-video", &new_uid)
        } else {
            old.location.clone()
        };
        let rescheduled_by = input
            .rescheduled_by
            .or_else(|| (caller == Caller::Owner).then(|| catalog.user.email.clone()));
        let booking = MockBooking {
            id: store.next_id(),
            uid: new_uid.clone(),
            location,
            start: input.start,
            end: input.start + TimeDelta::minutes(i64::from(length)),
            status: status::ACCEPTED.to_owned(),
            rescheduling_reason: input.rescheduling_reason,
            rescheduled_by_email: rescheduled_by.clone(),
            rescheduled_from_uid: Some(old.uid.clone()),
            rescheduled_to_uid: None,
            cancellation_reason: None,
            cancelled_by_email: None,
            created_at: now,
            updated_at: now,
            host_ids,
            ..old
        };
        if let Some(previous) = store.get_mut(uid) {
            previous.status = status::CANCELLED.to_owned();
            previous.rescheduled_to_uid = Some(new_uid);
            previous.rescheduled_by_email = rescheduled_by;
            previous.updated_at = now;
        }
        store.push(booking.clone());
        Ok(booking)
    })
}

/// `POST /v2/bookings/{uid}/confirm` (owner only): pending → accepted.
pub(crate) fn confirm(
    state: &AppState,
    caller: Caller,
    uid: &str,
) -> Result<MockBooking, ApiError> {
    decide(state, caller, uid, status::ACCEPTED, None)
}

/// `POST /v2/bookings/{uid}/decline` (owner only): pending → rejected.
pub(crate) fn decline(
    state: &AppState,
    caller: Caller,
    uid: &str,
    reason: Option<String>,
) -> Result<MockBooking, ApiError> {
    decide(state, caller, uid, status::REJECTED, reason)
}

fn decide(
    state: &AppState,
    caller: Caller,
    uid: &str,
    to: &str,
    reason: Option<String>,
) -> Result<MockBooking, ApiError> {
    if caller != Caller::Owner {
        return Err(ApiError::Unauthorized(
            "ApiAuthStrategy - No authentication method provided. Either pass an API key as \
             'Bearer' header or OAuth client credentials as 'x-cal-secret-key' and \
             'x-cal-client-id' headers"
                .to_owned(),
        ));
    }
    state.with_store(|store| {
        let now = state.now();
        let booking = store.get_mut(uid).ok_or_else(|| not_found(uid))?;
        if booking.status != status::PENDING {
            return Err(ApiError::BadRequest(format!(
                "Booking with uid={uid} is not pending and can not be {}.",
                if to == status::ACCEPTED {
                    "confirmed"
                } else {
                    "declined"
                }
            )));
        }
        booking.status = to.to_owned();
        if to == status::REJECTED {
            booking.cancellation_reason = reason;
        }
        booking.updated_at = now;
        Ok(booking.clone())
    })
}

/// `POST /v2/bookings/{uid}/mark-absent` (owner only).
pub(crate) fn mark_absent(
    state: &AppState,
    caller: Caller,
    uid: &str,
    host: Option<bool>,
    attendees: Vec<(String, bool)>,
) -> Result<MockBooking, ApiError> {
    if caller != Caller::Owner {
        return Err(ApiError::Forbidden(
            "Only the host of the booking can mark attendees absent.".to_owned(),
        ));
    }
    state.with_store(|store| {
        let now = state.now();
        let booking = store.get_mut(uid).ok_or_else(|| not_found(uid))?;
        if let Some(h) = host {
            booking.absent_host = h;
        }
        for (email, absent) in attendees {
            let known = booking.attendee_email.eq_ignore_ascii_case(&email)
                || booking
                    .guests
                    .iter()
                    .any(|g| g.eq_ignore_ascii_case(&email));
            if !known {
                return Err(ApiError::BadRequest(format!(
                    "Attendee with email {email} is not an attendee of this booking."
                )));
            }
            booking
                .absent_attendees
                .retain(|e| !e.eq_ignore_ascii_case(&email));
            if absent {
                booking.absent_attendees.push(email);
            }
        }
        booking.updated_at = now;
        Ok(booking.clone())
    })
}

fn not_found(uid: &str) -> ApiError {
    ApiError::NotFound(format!(
        "Booking with uid={uid} was not found in the database"
    ))
}

fn resolve_event_type<'a>(
    catalog: &'a Catalog,
    r: &EventTypeRef,
) -> Result<&'a EventTypeDef, ApiError> {
    match r {
        EventTypeRef::Id { lookup, shown } => lookup
            .and_then(|id| catalog.event_type(id))
            .ok_or_else(|| ApiError::NotFound(format!("Event type with id {shown} not found."))),
        EventTypeRef::UserSlug {
            username,
            slug,
            organization,
        } => {
            if !catalog.is_user(username) || organization.is_some() {
                return Err(ApiError::NotFound(format!(
                    "User with username {username} not found"
                )));
            }
            catalog.event_type_by_slug(username, slug).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "Event type with slug {slug} belonging to user {username} not found."
                ))
            })
        }
        EventTypeRef::TeamSlug { team, slug, .. } => {
            if catalog.team_by_slug(team).is_none() {
                return Err(ApiError::NotFound(format!(
                    "Team with slug {team} not found"
                )));
            }
            catalog.team_event_type_by_slug(team, slug).ok_or_else(|| {
                ApiError::NotFound(format!(
                    "Event type with slug {slug} belonging to team {team} not found."
                ))
            })
        }
    }
}

fn booked_length(et: &EventTypeDef, requested: Option<u32>) -> Result<u32, ApiError> {
    let Some(length) = requested else {
        return Ok(et.length);
    };
    if !et.is_variable_length() {
        return Err(ApiError::BadRequest(
            "Can't specify 'lengthInMinutes' because event type does not have multiple possible \
             lengths. Please, remove the 'lengthInMinutes' field from the request."
                .to_owned(),
        ));
    }
    if !et.length_options.contains(&length) {
        let options: Vec<String> = et.length_options.iter().map(u32::to_string).collect();
        return Err(ApiError::BadRequest(format!(
            "Provided 'lengthInMinutes' is not one of the possible lengths for the event type. \
             The possible lengths are: {}",
            options.join(", ")
        )));
    }
    Ok(length)
}

/// Where the meeting will be; video URLs need the booking uid.
#[derive(Debug, Clone, PartialEq, Eq)]
enum LocationPlan {
    Fixed(String),
    Video(&'static str),
}

impl LocationPlan {
    fn render(&self, uid: &str) -> String {
        match self {
            Self::Fixed(s) => s.clone(),
            Self::Video(app) => video_url(app, uid),
        }
    }
}

fn video_url(app: &str, uid: &str) -> String {
    if app == "cal-video" {
        format!("https://app.cal.com/video/{uid}")
    } else {
        format!("integrations:{app}")
    }
}

fn plan_location(
    et: &EventTypeDef,
    requested: Option<&LocationInput>,
    meeting_url: Option<&str>,
) -> Result<LocationPlan, ApiError> {
    let from_event_type = |loc: &EventLocation| match loc {
        EventLocation::Integration(app) => LocationPlan::Video(app),
        EventLocation::Address(a) => LocationPlan::Fixed(a.clone()),
        EventLocation::Link(l) => LocationPlan::Fixed(l.clone()),
    };
    let Some(requested) = requested else {
        if let Some(url) = meeting_url {
            return Ok(LocationPlan::Fixed(url.to_owned()));
        }
        return Ok(et
            .locations
            .first()
            .map_or(LocationPlan::Video("cal-video"), from_event_type));
    };
    let (kind, integration) = match requested {
        LocationInput::Plain(s) => return Ok(LocationPlan::Fixed(s.clone())),
        LocationInput::Typed {
            kind, integration, ..
        } => (kind.as_str(), integration.as_deref()),
    };
    let found = et.locations.iter().find(|loc| match (kind, loc) {
        ("integration", EventLocation::Integration(app)) => Some(*app) == integration,
        ("address", EventLocation::Address(_)) | ("link", EventLocation::Link(_)) => true,
        _ => false,
    });
    match (kind, found) {
        ("organizersDefaultApp", _) => Ok(LocationPlan::Video("cal-video")),
        (_, Some(loc)) => Ok(from_event_type(loc)),
        (_, None) => {
            let offered: Vec<String> = et
                .locations
                .iter()
                .map(|l| match l {
                    EventLocation::Integration(app) => format!("integration ({app})"),
                    EventLocation::Address(_) => "address".to_owned(),
                    EventLocation::Link(_) => "link".to_owned(),
                })
                .collect();
            Err(ApiError::BadRequest(format!(
                "Location of type '{kind}' is not one of the locations of event type with id={}. \
                 Its locations are: {}",
                et.id,
                offered.join(", ")
            )))
        }
    }
}

/// A Cal.com-looking uid: 22 base-62 characters from a random uuid.
pub(crate) fn new_uid() -> String {
    const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut n = uuid::Uuid::new_v4().as_u128();
    let mut out = String::with_capacity(22);
    for _ in 0..22 {
        out.push(char::from(ALPHABET[(n % 62) as usize]));
        n /= 62;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_look_like_calcoms() {
        let a = new_uid();
        assert_eq!(a.len(), 22);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, new_uid());
    }
}
