//! DTO ↔ domain translation. Cal.com data is not trusted to be tidy: odd
//! values are repaired where the meaning is clear (unknown zone → UTC, empty
//! name → email, non-string metadata → JSON text), attendees with unusable
//! emails are skipped, and anything that would change the meaning of a
//! booking (unknown status, bad uid, missing event type) is a decode error.

use std::collections::BTreeMap;
use std::str::FromStr;

use calbridge_domain::ports::CalendarAccount;
use calbridge_domain::{
    Appointment, Attendee, Booking, BookingFilter, BookingStatus, BookingUid, Email, EventType,
    EventTypeId, Host, Scheduling, Slot,
};
use chrono_tz::Tz;
use serde_json::Value;

use crate::dto::{
    BookingAttendeeDto, BookingDto, BookingListStatus, BookingRouting, BookingStatusDto,
    CreateBookingAttendee, CreateBookingRequest, EventTypeDto, ListBookingsQuery, MeDto,
    SchedulingType, SlotsByDate, SortOrder,
};
use crate::error::CalcomError;

/// Longest attendee name the domain accepts.
const MAX_NAME_CHARS: usize = 200;

/// The account behind `GET /v2/me`.
pub(crate) fn account_from_dto(me: MeDto) -> CalendarAccount {
    CalendarAccount {
        id: me.id,
        username: me.username,
        email: me.email,
        time_zone: me.time_zone,
    }
}

/// An event type as the domain sees it.
pub(crate) fn event_type_from_dto(dto: EventTypeDto) -> EventType {
    EventType {
        id: EventTypeId(dto.id),
        slug: dto.slug,
        title: dto.title,
        length_minutes: dto.length_in_minutes,
        length_options: dto.length_in_minutes_options,
        description: dto.description.filter(|d| !d.is_empty()),
        hidden: dto.hidden,
        scheduling: match dto.scheduling_type {
            None => Scheduling::Personal,
            Some(SchedulingType::Collective) => Scheduling::Collective,
            Some(SchedulingType::RoundRobin) => Scheduling::RoundRobin,
            Some(SchedulingType::Managed) => Scheduling::Managed,
            // A kind we do not know: treat it like collective, the
            // cautious reading (no host is picked for the booking).
            Some(SchedulingType::Unknown(_)) => Scheduling::Collective,
        },
        host_ids: match (dto.team_id, dto.owner_id) {
            (Some(_), _) => dto.hosts.iter().filter_map(host_user_id).collect(),
            (None, Some(owner)) => vec![owner],
            (None, None) => Vec::new(),
        },
        team_id: dto.team_id,
    }
}

/// The user id of one entry of a team event type's `hosts` (`userId`).
fn host_user_id(host: &Value) -> Option<u64> {
    host.get("userId").and_then(Value::as_u64)
}

/// Flattens Cal.com's date-grouped slots into UTC slots sorted by start.
///
/// # Errors
/// [`CalcomError::Decode`] for a slot without an end (the client asks for
/// `format=range`) or one that ends before it starts.
pub(crate) fn slots_from_dto(by_date: SlotsByDate) -> Result<Vec<Slot>, CalcomError> {
    let mut slots = Vec::new();
    for (date, day) in by_date {
        for s in day {
            let start = s.start.to_utc();
            let end = s
                .end
                .ok_or_else(|| {
                    CalcomError::decode(format!("slot {} on {date} has no end", s.start))
                })?
                .to_utc();
            if end <= start {
                return Err(CalcomError::decode(format!(
                    "slot {} on {date} does not end after it starts",
                    s.start
                )));
            }
            slots.push(Slot { start, end });
        }
    }
    slots.sort();
    slots.dedup();
    Ok(slots)
}

/// The create body for an appointment; its metadata carries our correlation id.
pub(crate) fn create_request(a: &Appointment) -> CreateBookingRequest {
    CreateBookingRequest {
        start: a.start,
        event_type_id: a.event_type_id.0,
        attendee: CreateBookingAttendee {
            name: a.attendee.name.clone(),
            email: a.attendee.email.as_str().to_owned(),
            time_zone: a.attendee.time_zone,
            phone_number: a.attendee.phone_number.clone(),
            language: a.attendee.language.clone(),
        },
        metadata: a.outgoing_metadata(),
        length_in_minutes: a.length_minutes,
        guests: Vec::new(),
        booking_fields_responses: BTreeMap::new(),
        routing: (!a.team_member_ids.is_empty()).then(|| BookingRouting {
            team_member_ids: a.team_member_ids.clone(),
        }),
    }
}

/// The Cal.com query for a domain filter. Cal.com's `status` filter is about
/// time and confirmation rather than states, so it is only sent when it is a
/// superset of the wanted state (`cancelled` covers cancelled and rejected);
/// the exact filter is applied again on the results.
pub(crate) fn list_query(filter: &BookingFilter) -> ListBookingsQuery {
    let status = match filter.status {
        Some(BookingStatus::Cancelled | BookingStatus::Rejected) => {
            vec![BookingListStatus::Cancelled]
        }
        Some(BookingStatus::Accepted | BookingStatus::Pending) | None => Vec::new(),
    };
    ListBookingsQuery {
        status,
        attendee_email: filter.attendee_email.clone(),
        event_type_id: filter.event_type_id.map(|e| e.0),
        after_start: filter.starts_after,
        before_end: filter.ends_before,
        after_updated_at: filter.updated_after,
        sort_start: Some(SortOrder::Asc),
        take: Some(filter.effective_limit()),
        skip: Some(filter.offset),
        ..ListBookingsQuery::default()
    }
}

/// A booking as the domain sees it.
///
/// # Errors
/// [`CalcomError::Decode`] for an unknown status, an unusable uid, a missing
/// event type, or an end before the start.
pub(crate) fn booking_from_dto(dto: BookingDto) -> Result<Booking, CalcomError> {
    let uid = parse_uid(&dto.uid, "uid")?;
    let status = match &dto.status {
        BookingStatusDto::Accepted => BookingStatus::Accepted,
        BookingStatusDto::Pending => BookingStatus::Pending,
        BookingStatusDto::Cancelled => BookingStatus::Cancelled,
        BookingStatusDto::Rejected => BookingStatus::Rejected,
        BookingStatusDto::Unknown(s) => {
            return Err(CalcomError::decode(format!(
                "booking {uid} has unknown status {s:?}"
            )));
        }
    };
    let event_type_id = dto
        .event_type
        .as_ref()
        .map(|e| e.id)
        .or(dto.event_type_id)
        .ok_or_else(|| CalcomError::decode(format!("booking {uid} has no event type")))?;
    if dto.end < dto.start {
        return Err(CalcomError::decode(format!(
            "booking {uid} ends before it starts"
        )));
    }
    let attendees = dto
        .attendees
        .iter()
        .enumerate()
        .filter_map(|(i, a)| attendee_from_dto(a, &uid, i))
        .collect();
    let host = dto.hosts.first().map(|h| Host {
        id: h.id,
        name: h.name.clone(),
        email: h.email.clone(),
    });
    Ok(Booking {
        event_type_id: EventTypeId(event_type_id),
        title: dto.title,
        start: dto.start,
        end: dto.end,
        status,
        host,
        attendees,
        metadata: metadata_from_dto(dto.metadata),
        rescheduled_from_uid: optional_uid(dto.rescheduled_from_uid, "rescheduledFromUid")?,
        rescheduled_to_uid: optional_uid(dto.rescheduled_to_uid, "rescheduledToUid")?,
        cancellation_reason: dto.cancellation_reason.filter(|r| !r.is_empty()),
        created_at: dto.created_at,
        updated_at: dto.updated_at.unwrap_or(dto.created_at),
        uid,
    })
}

/// An attendee, or `None` (logged) when Cal.com's email is unusable.
fn attendee_from_dto(a: &BookingAttendeeDto, uid: &BookingUid, index: usize) -> Option<Attendee> {
    let email = match Email::parse(a.email.as_str()) {
        Ok(e) => e,
        Err(_) => {
            // The address itself is personal data: log where, not what.
            tracing::warn!(booking_uid = %uid, attendee_index = index,
                "skipping attendee with an invalid email");
            return None;
        }
    };
    let time_zone = Tz::from_str(a.time_zone.trim()).unwrap_or_else(|_| {
        tracing::debug!(booking_uid = %uid, attendee_index = index,
            "unknown attendee time zone; using UTC");
        Tz::UTC
    });
    let trimmed = a.name.trim();
    let name: String = if trimmed.is_empty() {
        email.as_str().to_owned()
    } else {
        trimmed.chars().take(MAX_NAME_CHARS).collect()
    };
    let mut attendee = match Attendee::new(name, email.clone(), time_zone) {
        Ok(att) => att,
        // Only reachable if the name rules change; the email is a safe name.
        Err(_) => Attendee::new(email.as_str().to_owned(), email, time_zone).ok()?,
    };
    attendee.phone_number = a.phone_number.clone().filter(|p| !p.trim().is_empty());
    attendee.language = a.language.clone().filter(|l| !l.trim().is_empty());
    Some(attendee)
}

/// Metadata as strings: strings as-is, anything else as its JSON text.
fn metadata_from_dto(m: serde_json::Map<String, Value>) -> BTreeMap<String, String> {
    m.into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, v)
        })
        .collect()
}

fn parse_uid(raw: &str, field: &str) -> Result<BookingUid, CalcomError> {
    BookingUid::parse(raw)
        .map_err(|_| CalcomError::decode(format!("{field} {raw:?} is not a usable booking uid")))
}

/// A uid that may be absent; Cal.com's JavaScript may send `""` for none.
fn optional_uid(raw: Option<String>, field: &str) -> Result<Option<BookingUid>, CalcomError> {
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_uid(s, field).map(Some),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use chrono::{TimeZone, Utc};
    use serde_json::json;

    use super::*;

    fn booking_json() -> Value {
        json!({
            "id": 12, "uid": "bk_1", "title": "Consultation between Ann and Host",
            "description": "", "status": "accepted",
            "hosts": [{"id": 3, "name": "Host", "email": "host@example.com",
                       "displayEmail": "host@example.com", "username": "host", "timeZone": "Europe/Berlin"}],
            "start": "2050-09-05T07:00:00.000Z", "end": "2050-09-05T07:30:00.000Z",
            "duration": 30, "eventTypeId": 7, "eventType": {"id": 7, "slug": "consult"},
            "location": "https://cal.com/video/x", "absentHost": false,
            "createdAt": "2050-09-01T10:00:00.000Z", "updatedAt": "2050-09-02T10:00:00.000Z",
            "metadata": {"correlationId": "0190-abc", "count": 3, "flag": true, "nested": {"a": 1}},
            "attendees": [
                {"name": "Ann", "email": "ann@example.com", "displayEmail": "ann@example.com",
                 "timeZone": "Europe/Berlin", "language": "de", "absent": false, "phoneNumber": "+4912345"},
            ],
            "bookingFieldsResponses": {}
        })
    }

    fn dto(v: Value) -> BookingDto {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn maps_a_complete_booking() {
        let b = booking_from_dto(dto(booking_json())).unwrap();
        assert_eq!(b.uid.as_str(), "bk_1");
        assert_eq!(b.event_type_id, EventTypeId(7));
        assert_eq!(b.status, BookingStatus::Accepted);
        assert_eq!(b.start, Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap());
        assert_eq!(b.host.as_ref().unwrap().id, 3);
        assert_eq!(b.attendees.len(), 1);
        assert_eq!(b.attendees[0].time_zone, Tz::Europe__Berlin);
        assert_eq!(b.attendees[0].phone_number.as_deref(), Some("+4912345"));
        assert_eq!(b.correlation_id(), Some("0190-abc"));
        assert_eq!(
            b.updated_at,
            Utc.with_ymd_and_hms(2050, 9, 2, 10, 0, 0).unwrap()
        );
    }

    #[test]
    fn non_string_metadata_becomes_json_text() {
        let b = booking_from_dto(dto(booking_json())).unwrap();
        assert_eq!(b.metadata["count"], "3");
        assert_eq!(b.metadata["flag"], "true");
        assert_eq!(b.metadata["nested"], r#"{"a":1}"#);
    }

    #[test]
    fn odd_attendees_are_repaired_or_skipped() {
        let mut v = booking_json();
        v["attendees"] = json!([
            {"name": "", "email": "bob@example.com", "timeZone": "Mars/Olympus"},
            {"name": "No Mail", "email": "not-an-email", "timeZone": "UTC"},
            {"name": "  ", "email": null, "timeZone": null},
            {"name": "x".repeat(300), "email": "long@example.com", "timeZone": "America/New_York"},
        ]);
        let b = booking_from_dto(dto(v)).unwrap();
        assert_eq!(b.attendees.len(), 2);
        assert_eq!(b.attendees[0].name, "bob@example.com");
        assert_eq!(b.attendees[0].time_zone, Tz::UTC);
        assert_eq!(b.attendees[1].name.chars().count(), 200);
        assert_eq!(b.attendees[1].time_zone, Tz::America__New_York);
    }

    #[test]
    fn unknown_status_is_a_decode_error() {
        let mut v = booking_json();
        v["status"] = json!("awaiting_payment");
        assert!(matches!(
            booking_from_dto(dto(v)),
            Err(CalcomError::Decode { .. })
        ));
        let mut v = booking_json();
        v.as_object_mut().unwrap().remove("status");
        assert!(matches!(
            booking_from_dto(dto(v)),
            Err(CalcomError::Decode { .. })
        ));
    }

    #[test]
    fn structural_problems_are_decode_errors() {
        let mut v = booking_json();
        v["uid"] = json!("../x");
        assert!(matches!(
            booking_from_dto(dto(v)),
            Err(CalcomError::Decode { .. })
        ));
        let mut v = booking_json();
        v.as_object_mut().unwrap().remove("eventType");
        v.as_object_mut().unwrap().remove("eventTypeId");
        assert!(matches!(
            booking_from_dto(dto(v)),
            Err(CalcomError::Decode { .. })
        ));
        let mut v = booking_json();
        v["end"] = json!("2050-09-05T06:00:00.000Z");
        assert!(matches!(
            booking_from_dto(dto(v)),
            Err(CalcomError::Decode { .. })
        ));
    }

    #[test]
    fn reschedule_links_and_missing_update_time() {
        let mut v = booking_json();
        v["status"] = json!("cancelled");
        v["rescheduledToUid"] = json!("bk_2");
        v["rescheduledFromUid"] = json!("");
        v["cancellationReason"] = json!("moved");
        v["updatedAt"] = Value::Null;
        let b = booking_from_dto(dto(v)).unwrap();
        assert_eq!(b.status, BookingStatus::Cancelled);
        assert_eq!(b.rescheduled_to_uid.unwrap().as_str(), "bk_2");
        assert_eq!(b.rescheduled_from_uid, None);
        assert_eq!(b.cancellation_reason.as_deref(), Some("moved"));
        assert_eq!(b.updated_at, b.created_at);
    }

    #[test]
    fn slots_are_converted_to_utc_and_sorted() {
        let by_date: SlotsByDate = serde_json::from_value(json!({
            "2050-09-06": [{"start": "2050-09-06T09:00:00.000+02:00", "end": "2050-09-06T09:30:00.000+02:00"}],
            "2050-09-05": [{"start": "2050-09-05T09:00:00.000+02:00", "end": "2050-09-05T09:30:00.000+02:00"}],
        }))
        .unwrap();
        let slots = slots_from_dto(by_date).unwrap();
        assert_eq!(slots.len(), 2);
        assert_eq!(
            slots[0].start,
            Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap()
        );
        assert_eq!(
            slots[0].end,
            Utc.with_ymd_and_hms(2050, 9, 5, 7, 30, 0).unwrap()
        );
        assert!(slots_from_dto(SlotsByDate::new()).unwrap().is_empty());
    }

    #[test]
    fn slots_without_end_are_a_decode_error() {
        let by_date: SlotsByDate = serde_json::from_value(json!({
            "2050-09-05": [{"start": "2050-09-05T09:00:00.000+02:00"}],
        }))
        .unwrap();
        assert!(matches!(
            slots_from_dto(by_date),
            Err(CalcomError::Decode { .. })
        ));
    }

    #[test]
    fn filter_becomes_a_cal_com_query() {
        let f = BookingFilter {
            status: Some(BookingStatus::Rejected),
            event_type_id: Some(EventTypeId(7)),
            updated_after: Some(Utc.with_ymd_and_hms(2050, 1, 1, 0, 0, 0).unwrap()),
            limit: 1000,
            offset: 20,
            ..Default::default()
        };
        let q = list_query(&f);
        assert_eq!(q.status, vec![BookingListStatus::Cancelled]);
        assert_eq!(q.event_type_id, Some(7));
        assert_eq!(q.take, Some(250));
        assert_eq!(q.skip, Some(20));
        assert_eq!(q.after_updated_at, f.updated_after);
        assert!(
            list_query(&BookingFilter {
                status: Some(BookingStatus::Accepted),
                ..Default::default()
            })
            .status
            .is_empty()
        );
    }

    #[test]
    fn event_types_and_account_map_directly() {
        let e: EventTypeDto = serde_json::from_value(json!({
            "id": 7, "lengthInMinutes": 30, "lengthInMinutesOptions": [30, 60],
            "title": "Consult", "slug": "consult", "description": "", "hidden": true,
            "locations": [], "bookingFields": []
        }))
        .unwrap();
        let e = event_type_from_dto(e);
        assert_eq!(e.id, EventTypeId(7));
        assert!(e.allows_length(60));
        assert_eq!(e.description, None);
        assert!(e.hidden);
        let me: MeDto = serde_json::from_value(json!({
            "id": 1, "username": "host", "email": "host@example.com", "name": null,
            "avatarUrl": null, "bio": null, "timeFormat": 24, "defaultScheduleId": null,
            "weekStart": "Monday", "timeZone": "Europe/Berlin", "organizationId": null
        }))
        .unwrap();
        assert_eq!(
            account_from_dto(me),
            CalendarAccount {
                id: 1,
                username: "host".into(),
                email: "host@example.com".into(),
                time_zone: "Europe/Berlin".into()
            }
        );
    }
}
