//! The bodies Cal.com POSTs to subscribers (NOTES §5): `{triggerEvent,
//! createdAt, payload}`, the booking payload with an UPPERCASE status, the
//! no-show payload and the PING test payload.

use chrono::{DateTime, Offset, Utc};
use serde_json::{Value, json};

use crate::bookings::MockBooking;
use crate::demo_data::{Catalog, DemoUser};
use crate::js_compat::date::js_iso;

/// Cal.com's trigger names.
pub(crate) mod trigger {
    /// A booking was made (or a pending one confirmed).
    pub(crate) const CREATED: &str = "BOOKING_CREATED";
    /// A booking awaits the host's confirmation.
    pub(crate) const REQUESTED: &str = "BOOKING_REQUESTED";
    /// A booking moved (the payload is the new booking).
    pub(crate) const RESCHEDULED: &str = "BOOKING_RESCHEDULED";
    /// A booking was cancelled.
    pub(crate) const CANCELLED: &str = "BOOKING_CANCELLED";
    /// The host declined a pending booking.
    pub(crate) const REJECTED: &str = "BOOKING_REJECTED";
    /// Someone was marked absent.
    pub(crate) const NO_SHOW_UPDATED: &str = "BOOKING_NO_SHOW_UPDATED";
    /// The UI's "test" button.
    pub(crate) const PING: &str = "PING";
}

/// The v2 webhook trigger enum (NOTES §4.7).
pub(crate) const TRIGGERS: [&str; 21] = [
    "BOOKING_CREATED",
    "BOOKING_PAYMENT_INITIATED",
    "BOOKING_PAID",
    "BOOKING_RESCHEDULED",
    "BOOKING_REQUESTED",
    "BOOKING_CANCELLED",
    "BOOKING_REJECTED",
    "BOOKING_NO_SHOW_UPDATED",
    "FORM_SUBMITTED",
    "FORM_SUBMITTED_NO_EVENT",
    "MEETING_ENDED",
    "MEETING_STARTED",
    "RECORDING_READY",
    "INSTANT_MEETING",
    "RECORDING_TRANSCRIPTION_GENERATED",
    "OOO_CREATED",
    "AFTER_HOSTS_CAL_VIDEO_NO_SHOW",
    "AFTER_GUESTS_CAL_VIDEO_NO_SHOW",
    "ROUTING_FORM_FALLBACK_HIT",
    "DELEGATION_CREDENTIAL_ERROR",
    "WRONG_ASSIGNMENT_REPORT",
];

/// `{triggerEvent, createdAt, payload}`.
pub(crate) fn envelope(trigger: &str, created_at: DateTime<Utc>, payload: Value) -> Value {
    json!({ "triggerEvent": trigger, "createdAt": js_iso(created_at), "payload": payload })
}

fn utc_offset_minutes(tz: &str, at: DateTime<Utc>) -> i64 {
    tz.parse::<chrono_tz::Tz>().map_or(0, |tz| {
        i64::from(at.with_timezone(&tz).offset().fix().local_minus_utc()) / 60
    })
}

fn person(u: &DemoUser, at: DateTime<Utc>) -> Value {
    json!({
        "id": u.id,
        "name": u.name,
        "email": u.email,
        "username": u.username,
        "timeZone": u.time_zone.name(),
        "language": { "locale": "en" },
        "timeFormat": "h:mma",
        "utcOffset": utc_offset_minutes(u.time_zone.name(), at),
    })
}

/// Extra fields of one trigger.
#[derive(Debug, Clone, Default)]
pub(crate) struct Extra {
    /// BOOKING_RESCHEDULED: the booking it replaced.
    pub(crate) rescheduled_from: Option<MockBooking>,
}

/// The booking payload (`EventPayloadType`).
pub(crate) fn booking_payload(b: &MockBooking, catalog: &Catalog, extra: &Extra) -> Value {
    let et = catalog.event_type(b.event_type_id);
    let organizer = b
        .host_ids
        .first()
        .and_then(|id| catalog.user_by_id(*id))
        .unwrap_or(&catalog.user);
    let (first, last) = b
        .attendee_name
        .split_once(' ')
        .unwrap_or((b.attendee_name.as_str(), ""));
    let status = match b.status.as_str() {
        "accepted" => "ACCEPTED",
        "pending" => "PENDING",
        "cancelled" => "CANCELLED",
        "rejected" => "REJECTED",
        _ => "ACCEPTED",
    };
    let team = et.and_then(|et| et.team_id).and_then(|id| catalog.team(id));
    let mut p = json!({
        "type": b.event_type_slug,
        "title": b.title,
        "description": b.description,
        "additionalNotes": b.description,
        "customInputs": {},
        "startTime": js_iso(b.start),
        "endTime": js_iso(b.end),
        "organizer": person(organizer, b.start),
        "attendees": [{
            "name": b.attendee_name,
            "email": b.attendee_email,
            "firstName": first,
            "lastName": last,
            "timeZone": b.attendee_time_zone,
            "language": { "locale": b.attendee_language },
            "phoneNumber": b.attendee_phone_number,
            "utcOffset": utc_offset_minutes(&b.attendee_time_zone, b.start),
        }],
        "location": b.location,
        "destinationCalendar": [],
        "uid": b.uid,
        "bookingId": b.id,
        "eventTypeId": b.event_type_id,
        "status": status,
        "responses": responses(b),
        "userFieldsResponses": {},
        "metadata": { "videoCallUrl": b.location },
        "eventTitle": et.map(|e| e.title.clone()),
        "eventDescription": et.map(|e| e.description.clone()),
        "price": 0,
        "currency": "usd",
        "length": (b.end - b.start).num_minutes(),
        "iCalUID": format!("{}@Cal.com", b.uid),
        "smsReminderNumber": null,
    });
    let Some(obj) = p.as_object_mut() else {
        return p;
    };
    if let Some(team) = team {
        let members: Vec<Value> = b
            .host_ids
            .iter()
            .filter_map(|id| catalog.user_by_id(*id))
            .map(|u| person(u, b.start))
            .collect();
        obj.insert(
            "team".to_owned(),
            json!({ "name": team.name, "members": members, "id": team.id }),
        );
    }
    if let Some(old) = &extra.rescheduled_from {
        obj.insert("rescheduleId".to_owned(), json!(old.id));
        obj.insert("rescheduleUid".to_owned(), json!(old.uid));
        obj.insert("rescheduleStartTime".to_owned(), json!(js_iso(old.start)));
        obj.insert("rescheduleEndTime".to_owned(), json!(js_iso(old.end)));
        if let Some(by) = &b.rescheduled_by_email {
            obj.insert("rescheduledBy".to_owned(), json!(by));
        }
    }
    if b.status == "cancelled" {
        obj.insert(
            "cancellationReason".to_owned(),
            json!(b.cancellation_reason),
        );
        obj.insert(
            "cancelledBy".to_owned(),
            json!(
                b.cancelled_by_email
                    .clone()
                    .unwrap_or_else(|| b.attendee_email.clone())
            ),
        );
    }
    if b.status == "rejected" {
        obj.insert("rejectionReason".to_owned(), json!(b.cancellation_reason));
    }
    p
}

fn responses(b: &MockBooking) -> Value {
    let mut r = json!({
        "name": { "label": "your_name", "value": b.attendee_name },
        "email": { "label": "email_address", "value": b.attendee_email },
    });
    if let (Some(obj), Value::Object(fields)) = (r.as_object_mut(), &b.booking_fields_responses) {
        for (k, v) in fields {
            if k != "name" && k != "email" {
                obj.insert(k.clone(), json!({ "label": k, "value": v }));
            }
        }
    }
    r
}

/// `BOOKING_NO_SHOW_UPDATED`.
pub(crate) fn no_show_payload(b: &MockBooking) -> Value {
    let attendees: Vec<Value> = std::iter::once(&b.attendee_email)
        .chain(&b.guests)
        .map(|email| {
            json!({ "email": email, "noShow": b.absent_attendees.iter().any(|a| a.eq_ignore_ascii_case(email)) })
        })
        .collect();
    json!({
        "message": "Attendees no-show status updated",
        "bookingUid": b.uid,
        "bookingId": b.id,
        "attendees": attendees,
    })
}

/// The PING test payload.
pub(crate) fn ping_payload(now: DateTime<Utc>) -> Value {
    let now = js_iso(now);
    json!({
        "type": "Test",
        "title": "Test trigger event",
        "description": "",
        "startTime": now,
        "endTime": now,
        "attendees": [{ "email": "jdoe@example.com", "name": "John Doe",
                        "timeZone": "Europe/London", "language": { "locale": "en" } }],
        "organizer": { "name": "Cal", "email": "no-reply@cal.com",
                       "timeZone": "Europe/London", "language": { "locale": "en" } },
    })
}
