//! `BookingOutput_2024_08_13` (Cal.com's `OutputBookingsService_2024_08_13
//! .getOutputBooking`): optional fields are left out when unset, as
//! class-transformer does with `undefined`.

use serde_json::{Map, Value, json};

use crate::bookings::MockBooking;
use crate::demo_data::Catalog;
use crate::js_compat::date::js_iso;

/// The JSON body of one booking.
pub(crate) fn booking_json(b: &MockBooking, catalog: &Catalog) -> Value {
    let hosts: Vec<Value> = b
        .host_ids
        .iter()
        .filter_map(|id| catalog.user_by_id(*id))
        .map(|host| {
            json!({
                "id": host.id,
                "name": host.name,
                "email": host.email,
                "displayEmail": host.email,
                "username": host.username,
                "timeZone": host.time_zone.name(),
            })
        })
        .collect();
    let absent = b
        .absent_attendees
        .iter()
        .any(|e| e.eq_ignore_ascii_case(&b.attendee_email));
    let mut attendee = json!({
        "name": b.attendee_name,
        "email": b.attendee_email,
        "displayEmail": b.attendee_email,
        "timeZone": b.attendee_time_zone,
        "language": b.attendee_language,
        "absent": absent,
    });
    if let (Some(phone), Some(obj)) = (&b.attendee_phone_number, attendee.as_object_mut()) {
        obj.insert("phoneNumber".to_owned(), json!(phone));
    }
    let duration = (b.end - b.start).num_minutes();
    let mut out: Map<String, Value> = match json!({
        "id": b.id,
        "uid": b.uid,
        "title": b.title,
        "description": b.description,
        "hosts": hosts,
        "status": b.status,
        "start": js_iso(b.start),
        "end": js_iso(b.end),
        "duration": duration,
        "eventTypeId": b.event_type_id,
        "eventType": { "id": b.event_type_id, "slug": b.event_type_slug },
        "location": b.location,
        "meetingUrl": b.location,
        "absentHost": b.absent_host,
        "createdAt": js_iso(b.created_at),
        "updatedAt": js_iso(b.updated_at),
        "icsUid": format!("{}@Cal.com", b.uid),
        "attendees": [attendee],
        "bookingFieldsResponses": b.booking_fields_responses,
        "metadata": b.metadata,
    }) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    let mut opt = |key: &str, value: &Option<String>| {
        if let Some(v) = value {
            out.insert(key.to_owned(), json!(v));
        }
    };
    if b.is_cancelled() || b.status == crate::bookings::status::REJECTED {
        opt("cancellationReason", &b.cancellation_reason);
        opt("cancelledByEmail", &b.cancelled_by_email);
    }
    opt("reschedulingReason", &b.rescheduling_reason);
    opt("rescheduledByEmail", &b.rescheduled_by_email);
    opt("rescheduledFromUid", &b.rescheduled_from_uid);
    opt("rescheduledToUid", &b.rescheduled_to_uid);
    if !b.guests.is_empty() {
        out.insert("guests".to_owned(), json!(b.guests));
    }
    Value::Object(out)
}
