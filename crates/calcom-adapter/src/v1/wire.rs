//! v1 bodies (NOTES §9) and their translation to the v2 DTOs, so callers
//! get the same types whichever API answered. v1 has no envelope: objects
//! come wrapped in a field named after the resource (`{"user": ...}`,
//! `{"event_types": [...]}`).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::dto::{
    AvailabilityDto, BookingAttendeeDto, BookingDto, BookingHostDto, BookingStatusDto,
    CreateBookingRequest, EventTypeDto, EventTypeRefDto, MeDto, ScheduleDto, ScheduleOverrideDto,
    Weekday, utc_iso,
};

/// The object under `field`, or the whole body when it is not wrapped.
fn unwrap_field(mut body: Value, field: &str) -> Value {
    match body.get_mut(field) {
        Some(inner) if inner.is_object() || inner.is_array() => inner.take(),
        _ => body,
    }
}

fn decode<T: for<'de> Deserialize<'de>>(v: Value, what: &str) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| format!("v1 {what}: {e}"))
}

/// `GET /v1/me` → `{user}`.
pub(crate) fn me_from_v1(body: Value) -> Result<MeDto, String> {
    decode(unwrap_field(body, "user"), "user")
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1EventType {
    id: u64,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    slug: Option<String>,
    length: u32,
    #[serde(default)]
    hidden: Option<bool>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    minimum_booking_notice: Option<u32>,
    #[serde(default)]
    before_event_buffer: Option<u32>,
    #[serde(default)]
    after_event_buffer: Option<u32>,
    #[serde(default)]
    user_id: Option<u64>,
    #[serde(default)]
    schedule_id: Option<u64>,
    #[serde(default)]
    team_id: Option<u64>,
}

impl From<V1EventType> for EventTypeDto {
    fn from(e: V1EventType) -> Self {
        EventTypeDto {
            id: e.id,
            length_in_minutes: e.length,
            length_in_minutes_options: Vec::new(),
            title: e.title.unwrap_or_default(),
            slug: e.slug.unwrap_or_default(),
            description: e.description,
            hidden: e.hidden.unwrap_or(false),
            minimum_booking_notice: e.minimum_booking_notice,
            before_event_buffer: e.before_event_buffer,
            after_event_buffer: e.after_event_buffer,
            owner_id: e.user_id,
            booking_url: None,
            schedule_id: e.schedule_id,
            team_id: e.team_id,
            scheduling_type: None,
            hosts: Vec::new(),
        }
    }
}

/// `GET /v1/event-types` → `{event_types: [...]}`.
pub(crate) fn event_types_from_v1(body: Value) -> Result<Vec<EventTypeDto>, String> {
    let list: Vec<V1EventType> = decode(unwrap_field(body, "event_types"), "event_types")?;
    Ok(list.into_iter().map(EventTypeDto::from).collect())
}

/// `GET /v1/event-types/{id}` → `{event_type}`.
pub(crate) fn event_type_from_v1(body: Value) -> Result<EventTypeDto, String> {
    let e: V1EventType = decode(unwrap_field(body, "event_type"), "event_type")?;
    Ok(e.into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Availability {
    #[serde(default)]
    days: Option<Vec<u64>>,
    #[serde(default)]
    start_time: Option<String>,
    #[serde(default)]
    end_time: Option<String>,
    /// Set on date overrides.
    #[serde(default)]
    date: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Schedule {
    id: u64,
    #[serde(default)]
    user_id: Option<u64>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    availability: Option<Vec<V1Availability>>,
}

/// `09:00:00` (v1) → `09:00` (v2).
fn hh_mm(t: Option<String>) -> String {
    let t = t.unwrap_or_default();
    match t.split(':').collect::<Vec<_>>().as_slice() {
        [h, m, ..] => format!("{h}:{m}"),
        _ => t,
    }
}

impl From<V1Schedule> for ScheduleDto {
    fn from(s: V1Schedule) -> Self {
        let mut availability = Vec::new();
        let mut overrides = Vec::new();
        for a in s.availability.unwrap_or_default() {
            match a.date.filter(|d| !d.is_empty()) {
                Some(date) => overrides.push(ScheduleOverrideDto {
                    date: date.chars().take(10).collect(),
                    start_time: hh_mm(a.start_time),
                    end_time: hh_mm(a.end_time),
                }),
                None => availability.push(AvailabilityDto {
                    days: a
                        .days
                        .unwrap_or_default()
                        .into_iter()
                        .map(Weekday::from_v1_number)
                        .collect(),
                    start_time: hh_mm(a.start_time),
                    end_time: hh_mm(a.end_time),
                }),
            }
        }
        ScheduleDto {
            id: s.id,
            owner_id: s.user_id,
            name: s.name.unwrap_or_default(),
            time_zone: s.time_zone.unwrap_or_default(),
            availability,
            // v1 does not say; the v2 default schedule is `/me`'s `defaultScheduleId`.
            is_default: false,
            overrides,
        }
    }
}

/// `GET /v1/schedules` → `{schedules: [...]}`.
pub(crate) fn schedules_from_v1(body: Value) -> Result<Vec<ScheduleDto>, String> {
    let list: Vec<V1Schedule> = decode(unwrap_field(body, "schedules"), "schedules")?;
    Ok(list.into_iter().map(ScheduleDto::from).collect())
}

/// `GET /v1/schedules/{id}` → `{schedule}`.
pub(crate) fn schedule_from_v1(body: Value) -> Result<ScheduleDto, String> {
    let s: V1Schedule = decode(unwrap_field(body, "schedule"), "schedule")?;
    Ok(s.into())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Attendee {
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
    #[serde(default)]
    locale: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1User {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    time_zone: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct V1Booking {
    id: Option<u64>,
    uid: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    start_time: DateTime<Utc>,
    end_time: DateTime<Utc>,
    #[serde(default)]
    status: BookingStatusDto,
    #[serde(default)]
    event_type_id: Option<u64>,
    #[serde(default)]
    attendees: Option<Vec<V1Attendee>>,
    #[serde(default)]
    user: Option<V1User>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    cancellation_reason: Option<String>,
    #[serde(default)]
    from_reschedule: Option<String>,
    #[serde(default)]
    location: Option<String>,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    updated_at: Option<DateTime<Utc>>,
}

/// A v1 booking (`{booking}` or the bare object `POST /v1/bookings` returns).
/// v1 may omit `createdAt`; the time of this answer stands in for it.
pub(crate) fn booking_from_v1(body: Value) -> Result<BookingDto, String> {
    let b: V1Booking = decode(unwrap_field(body, "booking"), "booking")?;
    let created_at = b.created_at.unwrap_or_else(Utc::now);
    let duration = u32::try_from((b.end_time - b.start_time).num_minutes()).ok();
    Ok(BookingDto {
        id: b.id,
        uid: b.uid,
        title: b.title.unwrap_or_default(),
        description: b.description,
        hosts: b
            .user
            .and_then(|u| {
                Some(BookingHostDto {
                    id: u.id?,
                    name: u.name.unwrap_or_default(),
                    email: u.email.unwrap_or_default(),
                    username: u.username,
                    time_zone: u.time_zone,
                })
            })
            .into_iter()
            .collect(),
        status: b.status,
        cancellation_reason: b.cancellation_reason,
        cancelled_by_email: None,
        rescheduling_reason: None,
        rescheduled_by_email: None,
        rescheduled_from_uid: b.from_reschedule,
        rescheduled_to_uid: None,
        start: b.start_time,
        end: b.end_time,
        duration,
        event_type_id: b.event_type_id,
        event_type: b.event_type_id.map(|id| EventTypeRefDto { id, slug: None }),
        location: b.location,
        absent_host: None,
        created_at,
        updated_at: b.updated_at,
        metadata: b.metadata.unwrap_or_default(),
        attendees: b
            .attendees
            .unwrap_or_default()
            .into_iter()
            .map(|a| BookingAttendeeDto {
                name: a.name.unwrap_or_default(),
                email: a.email.unwrap_or_default(),
                time_zone: a.time_zone.unwrap_or_default(),
                language: a.locale,
                phone_number: None,
                absent: None,
                seat_uid: None,
            })
            .collect(),
        guests: Vec::new(),
        booking_fields_responses: None,
        recurring_booking_uid: None,
        seat_uid: None,
    })
}

/// The `responses` object of a v1 create.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct V1Responses {
    name: String,
    email: String,
    #[serde(
        skip_serializing_if = "Option::is_none",
        rename = "attendeePhoneNumber"
    )]
    phone: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    guests: Vec<String>,
}

/// Body of `POST /v1/bookings`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct V1CreateBooking {
    event_type_id: u64,
    start: String,
    responses: V1Responses,
    time_zone: Tz,
    language: String,
    metadata: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    length_in_minutes: Option<u32>,
    /// v1's spelling of v2's `routing.teamMemberIds`.
    #[serde(skip_serializing_if = "Option::is_none")]
    routed_team_member_ids: Option<Vec<u64>>,
}

impl From<&CreateBookingRequest> for V1CreateBooking {
    fn from(r: &CreateBookingRequest) -> Self {
        Self {
            event_type_id: r.event_type_id,
            start: utc_iso(&r.start),
            responses: V1Responses {
                name: r.attendee.name.clone(),
                email: r.attendee.email.clone(),
                phone: r.attendee.phone_number.clone(),
                guests: r.guests.clone(),
            },
            time_zone: r.attendee.time_zone,
            language: r
                .attendee
                .language
                .clone()
                .unwrap_or_else(|| "en".to_owned()),
            metadata: r.metadata.clone(),
            length_in_minutes: r.length_in_minutes,
            routed_team_member_ids: r.routing.as_ref().map(|x| x.team_member_ids.clone()),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;
    use crate::dto::CreateBookingAttendee;

    #[test]
    fn bookings_translate_to_the_v2_shape() {
        let b = booking_from_v1(json!({"booking": {
            "id": 91, "userId": 5, "description": "", "eventTypeId": 7, "uid": "bFJe",
            "title": "60min", "startTime": "2050-05-25T09:30:00.000Z", "endTime": "2050-05-25T10:30:00.000Z",
            "attendees": [{"email": "john@example.com", "name": "John", "timeZone": "Asia/Kolkata", "locale": "en"}],
            "user": {"id": 5, "email": "pro@example.com", "name": "Pro", "timeZone": "Asia/Kolkata"},
            "metadata": {"correlationId": "c-1"}, "status": "ACCEPTED"
        }}))
        .unwrap();
        assert_eq!(b.uid, "bFJe");
        assert_eq!(b.status, BookingStatusDto::Accepted);
        assert_eq!(b.duration, Some(60));
        assert_eq!(b.event_type.unwrap().id, 7);
        assert_eq!(b.hosts[0].id, 5);
        assert_eq!(b.attendees[0].language.as_deref(), Some("en"));
        assert_eq!(b.metadata["correlationId"], json!("c-1"));
        // The bare object (create answer) works too.
        let bare = booking_from_v1(json!({"uid": "x", "startTime": "2050-05-25T09:30:00Z",
            "endTime": "2050-05-25T10:00:00Z", "id": null}))
        .unwrap();
        assert_eq!(bare.uid, "x");
        assert!(booking_from_v1(json!({"booking": {"uid": 3}})).is_err());
    }

    #[test]
    fn event_types_schedules_and_me() {
        let list = event_types_from_v1(json!({"event_types": [
            {"id": 7, "title": "Consult", "slug": "consult", "length": 30, "hidden": false, "userId": 1}
        ]}))
        .unwrap();
        assert_eq!(
            (list[0].id, list[0].length_in_minutes, list[0].owner_id),
            (7, 30, Some(1))
        );
        let one = event_type_from_v1(json!({"event_type": {"id": 8, "length": 45}})).unwrap();
        assert_eq!(one.length_in_minutes, 45);
        let s = schedules_from_v1(json!({"schedules": [{"id": 1, "userId": 2, "name": "Work",
            "timeZone": "Europe/Berlin", "availability": [
                {"id": 9, "days": [1, 2, 0], "startTime": "09:00:00", "endTime": "17:00:00"},
                {"id": 10, "days": [], "startTime": "10:00:00", "endTime": "12:00:00", "date": "2050-05-20"}
            ]}]}))
        .unwrap();
        assert_eq!(
            s[0].availability[0].days,
            vec![Weekday::Monday, Weekday::Tuesday, Weekday::Sunday]
        );
        assert_eq!(s[0].availability[0].start_time, "09:00");
        assert_eq!(s[0].overrides[0].date, "2050-05-20");
        assert_eq!(
            schedule_from_v1(json!({"schedule": {"id": 3}})).unwrap().id,
            3
        );
        let me = me_from_v1(
            json!({"user": {"id": 1, "username": "host", "email": "h@x.co",
            "timeZone": "Europe/Berlin"}}),
        )
        .unwrap();
        assert_eq!(me.username, "host");
    }

    #[test]
    fn create_body_has_v1_s_required_fields() {
        let req = CreateBookingRequest {
            start: Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap(),
            event_type_id: 7,
            attendee: CreateBookingAttendee {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                time_zone: Tz::Europe__Berlin,
                phone_number: None,
                language: None,
            },
            metadata: BTreeMap::from([("correlationId".to_owned(), "c-1".to_owned())]),
            length_in_minutes: None,
            guests: vec![],
            booking_fields_responses: BTreeMap::new(),
            routing: None,
        };
        assert_eq!(
            serde_json::to_value(V1CreateBooking::from(&req)).unwrap(),
            json!({"eventTypeId": 7, "start": "2050-09-05T07:00:00.000Z",
                   "responses": {"name": "Ann", "email": "ann@example.com"},
                   "timeZone": "Europe/Berlin", "language": "en",
                   "metadata": {"correlationId": "c-1"}})
        );
    }
}
