//! `/v2/bookings/**` (`cal-api-version: 2024-08-13`): create, list, get,
//! cancel, reschedule, confirm, decline, mark absent. Bookings are
//! addressed by uid, never by numeric id.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::dto::wire_format::{null_as_default, serialize_utc_iso, utc_iso};

/// Body of `POST /v2/bookings`: one attendee, one event type, one start.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBookingRequest {
    /// Start, sent as ISO UTC.
    #[serde(serialize_with = "serialize_utc_iso")]
    pub start: DateTime<Utc>,
    /// What to book.
    pub event_type_id: u64,
    /// Who it is for.
    pub attendee: CreateBookingAttendee,
    /// String metadata; calbridge puts its `correlationId` here so a booking
    /// whose create response was lost can be found again.
    pub metadata: BTreeMap<String, String>,
    /// Length for variable-length event types.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub length_in_minutes: Option<u32>,
    /// Extra guest emails.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub guests: Vec<String>,
    /// Answers to the event type's custom booking fields, by field slug.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub booking_fields_responses: BTreeMap<String, serde_json::Value>,
    /// Round-robin team event types: who may be assigned.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub routing: Option<BookingRouting>,
}

/// Cal.com's `routing` input: restricts a round-robin booking to these team
/// members (Cal.com picks among them, so one member means "this one").
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingRouting {
    /// Cal.com user ids of the eligible hosts.
    pub team_member_ids: Vec<u64>,
}

/// The attendee of a new booking.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBookingAttendee {
    /// Display name.
    pub name: String,
    /// Contact address.
    pub email: String,
    /// The attendee's IANA zone (Cal.com words confirmations in it).
    pub time_zone: Tz,
    /// Phone in E.164, when the event type asks for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone_number: Option<String>,
    /// Preferred language (Cal.com defaults to "en").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
}

/// Body of `POST /v2/bookings/{uid}/cancel`. The reason is not optional here:
/// Cal.com fails a host's cancel without one (NOTES §4.5).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelBookingRequest {
    /// Why; must not be blank.
    pub cancellation_reason: String,
    /// Recurring bookings: also cancel the later occurrences.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancel_subsequent_bookings: Option<bool>,
}

impl CancelBookingRequest {
    /// A cancel with a reason.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            cancellation_reason: reason.into(),
            cancel_subsequent_bookings: None,
        }
    }
}

/// Body of `POST /v2/bookings/{uid}/reschedule`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RescheduleBookingRequest {
    /// New start, sent as ISO UTC.
    #[serde(serialize_with = "serialize_utc_iso")]
    pub start: DateTime<Utc>,
    /// Why, shown to the attendee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduling_reason: Option<String>,
    /// Email of who reschedules (only for bookings that need confirmation).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rescheduled_by: Option<String>,
}

impl RescheduleBookingRequest {
    /// A move to `start`, without a reason.
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            start,
            rescheduling_reason: None,
            rescheduled_by: None,
        }
    }
}

/// Cal.com's `status` filter values for listing (not the booking states).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BookingListStatus {
    /// Not yet ended, not cancelled.
    Upcoming,
    /// Occurrences of recurring bookings.
    Recurring,
    /// Already ended, not cancelled.
    Past,
    /// Cancelled or rejected.
    Cancelled,
    /// Pending confirmation, not yet ended.
    Unconfirmed,
}

impl BookingListStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BookingListStatus::Upcoming => "upcoming",
            BookingListStatus::Recurring => "recurring",
            BookingListStatus::Past => "past",
            BookingListStatus::Cancelled => "cancelled",
            BookingListStatus::Unconfirmed => "unconfirmed",
        }
    }
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Oldest first.
    Asc,
    /// Newest first.
    Desc,
}

impl SortOrder {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Asc => "asc",
            SortOrder::Desc => "desc",
        }
    }
}

/// Filters and paging for `GET /v2/bookings` (every filter of NOTES §4.5).
/// Empty fields are not sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListBookingsQuery {
    /// Any of these (sent comma-separated).
    pub status: Vec<BookingListStatus>,
    /// Only bookings with this attendee email.
    pub attendee_email: Option<String>,
    /// Only bookings with this attendee name.
    pub attendee_name: Option<String>,
    /// Only this booking.
    pub booking_uid: Option<String>,
    /// Only these event types (sent comma-separated).
    pub event_type_ids: Vec<u64>,
    /// Only this event type.
    pub event_type_id: Option<u64>,
    /// Only these teams' bookings (Cal.com spells it `teamsIds`).
    pub teams_ids: Vec<u64>,
    /// Only this team's bookings.
    pub team_id: Option<u64>,
    /// Only bookings starting at or after this.
    pub after_start: Option<DateTime<Utc>>,
    /// Only bookings ending at or before this.
    pub before_end: Option<DateTime<Utc>>,
    /// Only bookings created after this.
    pub after_created_at: Option<DateTime<Utc>>,
    /// Only bookings created before this.
    pub before_created_at: Option<DateTime<Utc>>,
    /// Only bookings changed after this (polling sync).
    pub after_updated_at: Option<DateTime<Utc>>,
    /// Only bookings changed before this.
    pub before_updated_at: Option<DateTime<Utc>>,
    /// Order by start.
    pub sort_start: Option<SortOrder>,
    /// Order by end.
    pub sort_end: Option<SortOrder>,
    /// Order by creation.
    pub sort_created: Option<SortOrder>,
    /// Order by last change.
    pub sort_updated_at: Option<SortOrder>,
    /// Page size, 1–250 (Cal.com's default is 100).
    pub take: Option<u32>,
    /// Items to skip.
    pub skip: Option<u32>,
}

impl ListBookingsQuery {
    /// Largest page Cal.com serves.
    pub const MAX_TAKE: u32 = 250;

    /// The query string, in a fixed order.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        fn csv<T: ToString>(items: &[T]) -> String {
            items
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(",")
        }
        let mut q = Vec::new();
        if !self.status.is_empty() {
            let joined: Vec<&str> = self.status.iter().map(|s| s.as_str()).collect();
            q.push(("status", joined.join(",")));
        }
        let texts = [
            ("attendeeEmail", &self.attendee_email),
            ("attendeeName", &self.attendee_name),
            ("bookingUid", &self.booking_uid),
        ];
        for (name, value) in texts {
            if let Some(v) = value {
                q.push((name, v.clone()));
            }
        }
        if !self.event_type_ids.is_empty() {
            q.push(("eventTypeIds", csv(&self.event_type_ids)));
        }
        if let Some(id) = self.event_type_id {
            q.push(("eventTypeId", id.to_string()));
        }
        if !self.teams_ids.is_empty() {
            q.push(("teamsIds", csv(&self.teams_ids)));
        }
        if let Some(id) = self.team_id {
            q.push(("teamId", id.to_string()));
        }
        let times = [
            ("afterStart", &self.after_start),
            ("beforeEnd", &self.before_end),
            ("afterCreatedAt", &self.after_created_at),
            ("beforeCreatedAt", &self.before_created_at),
            ("afterUpdatedAt", &self.after_updated_at),
            ("beforeUpdatedAt", &self.before_updated_at),
        ];
        for (name, value) in times {
            if let Some(t) = value {
                q.push((name, utc_iso(t)));
            }
        }
        let sorts = [
            ("sortStart", self.sort_start),
            ("sortEnd", self.sort_end),
            ("sortCreated", self.sort_created),
            ("sortUpdatedAt", self.sort_updated_at),
        ];
        for (name, value) in sorts {
            if let Some(s) = value {
                q.push((name, s.as_str().to_owned()));
            }
        }
        if let Some(n) = self.take {
            q.push(("take", n.to_string()));
        }
        if let Some(n) = self.skip {
            q.push(("skip", n.to_string()));
        }
        q
    }
}

/// Body of `POST /v2/bookings/{uid}/decline`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeclineBookingRequest {
    /// Why, shown to the attendee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// Body of `POST /v2/bookings/{uid}/mark-absent`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MarkAbsentRequest {
    /// Whether the host was absent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<bool>,
    /// Attendees to mark.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attendees: Vec<AbsentAttendee>,
}

/// One attendee's presence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AbsentAttendee {
    /// The attendee's email.
    pub email: String,
    /// Whether they were absent.
    pub absent: bool,
}

/// A booking's state as Cal.com reports it. Unknown spellings are kept, not
/// rejected, so one odd booking cannot make a whole list undecodable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BookingStatusDto {
    /// Confirmed.
    Accepted,
    /// Awaiting confirmation.
    Pending,
    /// Cancelled.
    Cancelled,
    /// Declined by the host.
    Rejected,
    /// Anything else Cal.com may send, kept verbatim (empty when missing or `null`).
    Unknown(String),
}

impl Default for BookingStatusDto {
    fn default() -> Self {
        BookingStatusDto::Unknown(String::new())
    }
}

impl BookingStatusDto {
    /// Reads any spelling (v2 is lowercase, webhooks are uppercase).
    pub fn from_wire(s: &str) -> Self {
        match s.to_ascii_lowercase().as_str() {
            "accepted" => BookingStatusDto::Accepted,
            "pending" => BookingStatusDto::Pending,
            "cancelled" | "canceled" => BookingStatusDto::Cancelled,
            "rejected" => BookingStatusDto::Rejected,
            _ => BookingStatusDto::Unknown(s.to_owned()),
        }
    }

    /// The wire spelling (lowercase; unknown ones as received).
    pub fn as_str(&self) -> &str {
        match self {
            BookingStatusDto::Accepted => "accepted",
            BookingStatusDto::Pending => "pending",
            BookingStatusDto::Cancelled => "cancelled",
            BookingStatusDto::Rejected => "rejected",
            BookingStatusDto::Unknown(s) => s,
        }
    }
}

impl fmt::Display for BookingStatusDto {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for BookingStatusDto {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(match Option::<String>::deserialize(d)? {
            Some(s) => BookingStatusDto::from_wire(&s),
            None => BookingStatusDto::default(),
        })
    }
}

impl Serialize for BookingStatusDto {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// `BookingOutput_2024_08_13` and its seated/recurring variants, which share
/// these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingDto {
    /// Numeric id (v1's key; v2 addresses by `uid`).
    #[serde(default)]
    pub id: Option<u64>,
    /// The booking uid.
    pub uid: String,
    /// Title Cal.com gave it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Hosts (the organiser first).
    #[serde(default, deserialize_with = "null_as_default")]
    pub hosts: Vec<BookingHostDto>,
    /// Lifecycle state.
    #[serde(default)]
    pub status: BookingStatusDto,
    /// Why it was cancelled.
    #[serde(default)]
    pub cancellation_reason: Option<String>,
    /// Who cancelled it.
    #[serde(default)]
    pub cancelled_by_email: Option<String>,
    /// Why it was rescheduled.
    #[serde(default)]
    pub rescheduling_reason: Option<String>,
    /// Who rescheduled it.
    #[serde(default)]
    pub rescheduled_by_email: Option<String>,
    /// The booking this one replaced.
    #[serde(default)]
    pub rescheduled_from_uid: Option<String>,
    /// The booking that replaced this one.
    #[serde(default)]
    pub rescheduled_to_uid: Option<String>,
    /// Start (Cal.com sends UTC; any offset is converted).
    pub start: DateTime<Utc>,
    /// End.
    pub end: DateTime<Utc>,
    /// Length in minutes.
    #[serde(default)]
    pub duration: Option<u32>,
    /// Deprecated top-level event type id; `event_type.id` is preferred.
    #[serde(default)]
    pub event_type_id: Option<u64>,
    /// The event type.
    #[serde(default)]
    pub event_type: Option<EventTypeRefDto>,
    /// Where it happens (address or meeting link).
    #[serde(default)]
    pub location: Option<String>,
    /// Whether the host was marked absent.
    #[serde(default)]
    pub absent_host: Option<bool>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change; Cal.com's column is nullable.
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
    /// Free-form metadata; values are usually strings but need not be.
    #[serde(default, deserialize_with = "null_as_default")]
    pub metadata: serde_json::Map<String, serde_json::Value>,
    /// Attendees (the booker first).
    #[serde(default, deserialize_with = "null_as_default")]
    pub attendees: Vec<BookingAttendeeDto>,
    /// Extra guest emails.
    #[serde(default, deserialize_with = "null_as_default")]
    pub guests: Vec<String>,
    /// Answers to booking fields.
    #[serde(default)]
    pub booking_fields_responses: Option<serde_json::Value>,
    /// Recurring bookings: the series uid.
    #[serde(default)]
    pub recurring_booking_uid: Option<String>,
    /// Seated bookings: the seat this answer is about.
    #[serde(default)]
    pub seat_uid: Option<String>,
}

/// `{id, slug}` of the booked event type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTypeRefDto {
    /// Event type id.
    pub id: u64,
    /// Event type slug.
    #[serde(default)]
    pub slug: Option<String>,
}

/// A host of a booking.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingHostDto {
    /// Cal.com user id.
    pub id: u64,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Email.
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// Username.
    #[serde(default)]
    pub username: Option<String>,
    /// IANA zone.
    #[serde(default)]
    pub time_zone: Option<String>,
}

/// An attendee of a booking, as Cal.com reports it (not validated).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingAttendeeDto {
    /// Display name (may be empty).
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// Email (not validated by Cal.com in every path).
    #[serde(default, deserialize_with = "null_as_default")]
    pub email: String,
    /// IANA zone, as Cal.com stored it.
    #[serde(default, deserialize_with = "null_as_default")]
    pub time_zone: String,
    /// Language code.
    #[serde(default)]
    pub language: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Marked absent.
    #[serde(default)]
    pub absent: Option<bool>,
    /// Seated bookings: this attendee's seat.
    #[serde(default)]
    pub seat_uid: Option<String>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    #[test]
    fn status_keeps_unknown_values() {
        let s: BookingStatusDto = serde_json::from_str("\"ACCEPTED\"").unwrap();
        assert_eq!(s, BookingStatusDto::Accepted);
        let s: BookingStatusDto = serde_json::from_str("\"awaiting_host\"").unwrap();
        assert_eq!(s, BookingStatusDto::Unknown("awaiting_host".into()));
        let s: BookingStatusDto = serde_json::from_str("null").unwrap();
        assert_eq!(s, BookingStatusDto::Unknown(String::new()));
        assert_eq!(
            serde_json::to_string(&BookingStatusDto::Cancelled).unwrap(),
            "\"cancelled\""
        );
    }

    #[test]
    fn booking_tolerates_nulls_and_unknown_fields() {
        let b: BookingDto = serde_json::from_value(json!({
            "id": 1, "uid": "u1", "title": null, "hosts": null, "status": "accepted",
            "start": "2050-09-05T07:00:00.000Z", "end": "2050-09-05T09:30:00.000+02:00",
            "createdAt": "2050-09-01T00:00:00.000Z", "updatedAt": null,
            "metadata": null, "attendees": null, "somethingNew": {"x": 1}
        }))
        .unwrap();
        assert_eq!(b.title, "");
        assert!(b.hosts.is_empty() && b.attendees.is_empty() && b.metadata.is_empty());
        assert_eq!(b.end, Utc.with_ymd_and_hms(2050, 9, 5, 7, 30, 0).unwrap());
        assert_eq!(b.updated_at, None);
    }

    #[test]
    fn create_body_has_exactly_the_documented_fields() {
        let req = CreateBookingRequest {
            start: Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap(),
            event_type_id: 7,
            attendee: CreateBookingAttendee {
                name: "Ann".into(),
                email: "ann@example.com".into(),
                time_zone: Tz::Europe__Berlin,
                phone_number: None,
                language: Some("de".into()),
            },
            metadata: BTreeMap::from([("correlationId".to_owned(), "c-1".to_owned())]),
            length_in_minutes: None,
            guests: vec![],
            booking_fields_responses: BTreeMap::new(),
            routing: None,
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({
                "start": "2050-09-05T07:00:00.000Z",
                "eventTypeId": 7,
                "attendee": {"name": "Ann", "email": "ann@example.com",
                             "timeZone": "Europe/Berlin", "language": "de"},
                "metadata": {"correlationId": "c-1"}
            })
        );
    }

    #[test]
    fn list_query_sends_every_filter_in_a_fixed_order() {
        let t = Utc.with_ymd_and_hms(2050, 9, 5, 0, 0, 0).unwrap();
        let q = ListBookingsQuery {
            status: vec![BookingListStatus::Unconfirmed],
            attendee_email: Some("a@b.co".into()),
            attendee_name: Some("Ann".into()),
            booking_uid: Some("u1".into()),
            event_type_ids: vec![1, 2],
            event_type_id: Some(3),
            teams_ids: vec![4, 5],
            team_id: Some(6),
            after_start: Some(t),
            before_end: Some(t),
            after_created_at: Some(t),
            before_created_at: Some(t),
            after_updated_at: Some(t),
            before_updated_at: Some(t),
            sort_start: Some(SortOrder::Asc),
            sort_end: Some(SortOrder::Desc),
            sort_created: Some(SortOrder::Asc),
            sort_updated_at: Some(SortOrder::Desc),
            take: Some(5),
            skip: Some(10),
        };
        let names: Vec<_> = q.query_pairs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(
            names,
            vec![
                "status",
                "attendeeEmail",
                "attendeeName",
                "bookingUid",
                "eventTypeIds",
                "eventTypeId",
                "teamsIds",
                "teamId",
                "afterStart",
                "beforeEnd",
                "afterCreatedAt",
                "beforeCreatedAt",
                "afterUpdatedAt",
                "beforeUpdatedAt",
                "sortStart",
                "sortEnd",
                "sortCreated",
                "sortUpdatedAt",
                "take",
                "skip"
            ]
        );
        assert!(
            q.query_pairs()
                .contains(&("eventTypeIds", "1,2".to_owned()))
        );
        assert!(q.query_pairs().contains(&("teamsIds", "4,5".to_owned())));
    }

    #[test]
    fn action_bodies() {
        assert_eq!(
            serde_json::to_value(DeclineBookingRequest::default()).unwrap(),
            json!({})
        );
        let m = MarkAbsentRequest {
            host: Some(false),
            attendees: vec![AbsentAttendee {
                email: "a@b.co".into(),
                absent: true,
            }],
        };
        assert_eq!(
            serde_json::to_value(m).unwrap(),
            json!({"host": false, "attendees": [{"email": "a@b.co", "absent": true}]})
        );
    }

    #[test]
    fn list_query_sends_only_what_is_set() {
        assert!(ListBookingsQuery::default().query_pairs().is_empty());
        let q = ListBookingsQuery {
            status: vec![BookingListStatus::Upcoming, BookingListStatus::Past],
            take: Some(10),
            ..Default::default()
        };
        assert_eq!(
            q.query_pairs(),
            vec![
                ("status", "upcoming,past".to_owned()),
                ("take", "10".to_owned())
            ]
        );
    }
}
