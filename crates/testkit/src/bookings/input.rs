//! Request bodies of the booking routes, validated the way Cal.com's input
//! pipes do (class-validator with `forbidNonWhitelisted`, errors flattened
//! into one `BadRequestException` message).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::error::ApiError;
use crate::js_compat::date::{OutputZone, parse_iso};
use crate::validation::{ValidationError, is_email, is_phone_number, pipe_message};

/// How the body names the event type.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum EventTypeRef {
    /// `eventTypeId` (an integer JSON number; `lookup` is `None` when it
    /// cannot be an id, e.g. negative).
    Id {
        /// The id to look up.
        lookup: Option<u64>,
        /// The number as the client sent it, for messages.
        shown: String,
    },
    /// `eventTypeSlug` + `username` [+ `organizationSlug`].
    UserSlug {
        /// Owner's username.
        username: String,
        /// Event type slug.
        slug: String,
        /// Organization slug, if given.
        organization: Option<String>,
    },
    /// `eventTypeSlug` + `teamSlug` [+ `organizationSlug`].
    TeamSlug {
        /// Team slug.
        team: String,
        /// Event type slug.
        slug: String,
    },
}

/// The booker.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AttendeeInput {
    /// Name.
    pub(crate) name: String,
    /// Email, when given.
    pub(crate) email: Option<String>,
    /// IANA zone as sent.
    pub(crate) time_zone: String,
    /// Phone in international format, when given.
    pub(crate) phone_number: Option<String>,
    /// Language, default `en`.
    pub(crate) language: String,
}

/// `location` of a create request.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum LocationInput {
    /// The deprecated plain-string form, used verbatim.
    Plain(String),
    /// `{type, ...}` naming one of the event type's locations.
    Typed {
        /// `address`, `link`, `integration`, `attendeeAddress`, ...
        kind: String,
        /// The attendee-provided value (`address`, `location`, `phone`).
        value: Option<String>,
        /// For `integration`: which app.
        integration: Option<String>,
    },
}

/// A validated `CreateBookingInput_2024_08_13`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CreateInput {
    /// Requested start.
    pub(crate) start: DateTime<Utc>,
    /// `lengthInMinutes` for variable-length event types.
    pub(crate) length_in_minutes: Option<u32>,
    /// The event type.
    pub(crate) event_type: EventTypeRef,
    /// The booker.
    pub(crate) attendee: AttendeeInput,
    /// Guest emails.
    pub(crate) guests: Vec<String>,
    /// Deprecated `meetingUrl`.
    pub(crate) meeting_url: Option<String>,
    /// Requested location.
    pub(crate) location: Option<LocationInput>,
    /// Caller metadata.
    pub(crate) metadata: Map<String, Value>,
    /// Custom booking-field answers.
    pub(crate) booking_fields_responses: Map<String, Value>,
    /// `instant: true` (team events only).
    pub(crate) instant: bool,
    /// `routing.teamMemberIds`: round robin assigns only one of these.
    pub(crate) routed_team_member_ids: Option<Vec<u64>>,
}

/// A validated `RescheduleBookingInput_2024_08_13`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RescheduleInput {
    /// New start.
    pub(crate) start: DateTime<Utc>,
    /// Who reschedules.
    pub(crate) rescheduled_by: Option<String>,
    /// Why.
    pub(crate) rescheduling_reason: Option<String>,
}

/// A validated `CancelBookingInput_2024_08_13`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CancelInput {
    /// Why (required when the host cancels).
    pub(crate) cancellation_reason: Option<String>,
    /// Seat to cancel (seated bookings only; none exist here).
    pub(crate) seat_uid: Option<String>,
}

const CREATE_KEYS: [&str; 17] = [
    "start",
    "lengthInMinutes",
    "eventTypeId",
    "eventTypeSlug",
    "username",
    "teamSlug",
    "organizationSlug",
    "attendee",
    "guests",
    "meetingUrl",
    "location",
    "metadata",
    "bookingFieldsResponses",
    "routing",
    "emailVerificationCode",
    "instant",
    "recurrenceCount",
];
const ATTENDEE_KEYS: [&str; 5] = ["name", "email", "timeZone", "phoneNumber", "language"];
const RESCHEDULE_KEYS: [&str; 5] = [
    "start",
    "rescheduledBy",
    "reschedulingReason",
    "emailVerificationCode",
    "seatUid",
];
const CANCEL_KEYS: [&str; 3] = ["cancellationReason", "cancelSubsequentBookings", "seatUid"];
const LOCATION_TYPES: [&str; 8] = [
    "address",
    "attendeeAddress",
    "attendeeDefined",
    "attendeePhone",
    "integration",
    "link",
    "phone",
    "organizersDefaultApp",
];
/// `BookingLanguage` of the v2 spec.
const LANGUAGES: [&str; 43] = [
    "ar", "ca", "de", "es", "eu", "he", "id", "ja", "lv", "pl", "ro", "sr", "th", "vi", "az", "cs",
    "el", "es-419", "fi", "hr", "it", "km", "nl", "pt", "ru", "sv", "tr", "zh-CN", "bg", "da",
    "en", "et", "fr", "hu", "iw", "ko", "no", "pt-BR", "sk", "ta", "uk", "zh-TW", "bn",
];
const METADATA_MESSAGE: &str = "Metadata must have at most 50 keys, each key up to 40 characters, \
    and string values up to 500 characters.";

/// Validates a create body.
pub(crate) fn parse_create(body: &Map<String, Value>) -> Result<CreateInput, ApiError> {
    let mut errors = forbidden(body, &CREATE_KEYS);
    let start = date(body, "start", &mut errors);
    let length_in_minutes = match opt(body, "lengthInMinutes") {
        None => None,
        Some(v) => match v.as_f64().filter(|f| f.fract() == 0.0) {
            None => {
                errors.push(
                    ValidationError::new("lengthInMinutes", Some(v))
                        .constraint("min", "lengthInMinutes must not be less than 1")
                        .constraint("isInt", "lengthInMinutes must be an integer number"),
                );
                None
            }
            Some(f) if f < 1.0 => {
                errors.push(
                    ValidationError::new("lengthInMinutes", Some(v))
                        .constraint("min", "lengthInMinutes must not be less than 1"),
                );
                None
            }
            // Absurd lengths cannot match any option; keep them unmatchable.
            Some(f) => Some(if f > f64::from(u32::MAX) {
                u32::MAX
            } else {
                f as u32
            }),
        },
    };
    let event_type = event_type_ref(body, &mut errors);
    let attendee = attendee(body.get("attendee"), &mut errors);
    let guests = match opt(body, "guests") {
        None => Vec::new(),
        Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(v @ Value::Array(_)) => {
            errors.push(
                ValidationError::new("guests", Some(v))
                    .constraint("isString", "each value in guests must be a string"),
            );
            Vec::new()
        }
        Some(v) => {
            errors.push(
                ValidationError::new("guests", Some(v))
                    .constraint("isArray", "guests must be an array")
                    .constraint("isString", "each value in guests must be a string"),
            );
            Vec::new()
        }
    };
    let meeting_url = match opt(body, "meetingUrl") {
        None => None,
        Some(v) => {
            let url = v.as_str().filter(|s| is_url(s)).map(str::to_owned);
            if url.is_none() {
                errors.push(
                    ValidationError::new("meetingUrl", Some(v))
                        .constraint("isUrl", "meetingUrl must be a URL address"),
                );
            }
            url
        }
    };
    let location = opt(body, "location").and_then(|v| location(v, &mut errors));
    let metadata = object(body, "metadata", &mut errors);
    if let Some(v) = opt(body, "metadata")
        && metadata.as_ref().is_some_and(|m| !metadata_ok(m))
    {
        errors.push(
            ValidationError::new("metadata", Some(v))
                .constraint("validateMetadata", METADATA_MESSAGE),
        );
    }
    let booking_fields_responses = object(body, "bookingFieldsResponses", &mut errors);
    let instant = match opt(body, "instant") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            errors.push(
                ValidationError::new("instant", Some(v))
                    .constraint("isBoolean", "instant must be a boolean value"),
            );
            false
        }
    };
    let routed_team_member_ids = routing(body, &mut errors);
    if let Some(v) = opt(body, "recurrenceCount")
        && !v.as_f64().is_some_and(|f| f.fract() == 0.0 && f >= 1.0)
    {
        errors.push(
            ValidationError::new("recurrenceCount", Some(v))
                .constraint("min", "recurrenceCount must not be less than 1")
                .constraint("isInt", "recurrenceCount must be an integer number"),
        );
    }

    match (errors.is_empty(), start, event_type, attendee) {
        (true, Some(start), Some(event_type), Some(attendee)) => Ok(CreateInput {
            start,
            length_in_minutes,
            event_type,
            attendee,
            guests,
            meeting_url,
            location,
            metadata: metadata.unwrap_or_default(),
            booking_fields_responses: booking_fields_responses.unwrap_or_default(),
            instant,
            routed_team_member_ids,
        }),
        _ => Err(ApiError::BadRequest(pipe_message(&errors))),
    }
}

/// Validates a reschedule body.
pub(crate) fn parse_reschedule(body: &Map<String, Value>) -> Result<RescheduleInput, ApiError> {
    let mut errors = forbidden(body, &RESCHEDULE_KEYS);
    let start = date(body, "start", &mut errors);
    let rescheduled_by = match opt(body, "rescheduledBy") {
        None => None,
        Some(v) => {
            let email = v.as_str().filter(|s| is_email(s)).map(str::to_owned);
            if email.is_none() {
                errors.push(
                    ValidationError::new("rescheduledBy", Some(v))
                        .constraint("isEmail", "rescheduledBy must be an email"),
                );
            }
            email
        }
    };
    let rescheduling_reason = optional_string(body, "reschedulingReason", &mut errors);
    let _code = optional_string(body, "emailVerificationCode", &mut errors);
    let _seat = optional_string(body, "seatUid", &mut errors);
    match (errors.is_empty(), start) {
        (true, Some(start)) => Ok(RescheduleInput {
            start,
            rescheduled_by,
            rescheduling_reason,
        }),
        _ => Err(ApiError::BadRequest(pipe_message(&errors))),
    }
}

/// Validates a cancel body.
pub(crate) fn parse_cancel(body: &Map<String, Value>) -> Result<CancelInput, ApiError> {
    let mut errors = forbidden(body, &CANCEL_KEYS);
    let cancellation_reason = optional_string(body, "cancellationReason", &mut errors);
    if let Some(v) = opt(body, "cancelSubsequentBookings")
        && !v.is_boolean()
    {
        errors.push(
            ValidationError::new("cancelSubsequentBookings", Some(v)).constraint(
                "isBoolean",
                "cancelSubsequentBookings must be a boolean value",
            ),
        );
    }
    let seat_uid = optional_string(body, "seatUid", &mut errors);
    if errors.is_empty() {
        Ok(CancelInput {
            cancellation_reason,
            seat_uid,
        })
    } else {
        Err(ApiError::BadRequest(pipe_message(&errors)))
    }
}

pub(crate) fn forbidden(body: &Map<String, Value>, allowed: &[&str]) -> Vec<ValidationError> {
    body.iter()
        .filter(|(k, _)| !allowed.contains(&k.as_str()))
        .map(|(k, v)| ValidationError::not_whitelisted(k, v))
        .collect()
}

pub(crate) fn date(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<DateTime<Utc>> {
    let v = body.get(name);
    let parsed = v.and_then(Value::as_str).and_then(parse_iso);
    if parsed.is_none() {
        errors.push(ValidationError::new(name, v).constraint(
            "isDateString",
            format!("{name} must be a valid ISO 8601 date string"),
        ));
    }
    parsed
}

/// An optional property: class-validator's `@IsOptional()` skips both
/// `undefined` and `null`.
pub(crate) fn opt<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).filter(|v| !v.is_null())
}

pub(crate) fn optional_string(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<String> {
    let v = opt(body, name)?;
    let s = v.as_str().map(str::to_owned);
    if s.is_none() {
        errors.push(
            ValidationError::new(name, Some(v))
                .constraint("isString", format!("{name} must be a string")),
        );
    }
    s
}

/// `routing`: an object whose required `teamMemberIds` is an array of
/// user ids (the `Routing` schema).
fn routing(body: &Map<String, Value>, errors: &mut Vec<ValidationError>) -> Option<Vec<u64>> {
    let routing = object(body, "routing", errors)?;
    let ids = routing
        .get("teamMemberIds")
        .and_then(Value::as_array)
        .and_then(|ids| ids.iter().map(Value::as_u64).collect::<Option<Vec<u64>>>());
    if ids.is_none() {
        errors.push(
            ValidationError::new("routing", routing.get("teamMemberIds")).constraint(
                "isArray",
                "routing.teamMemberIds must be an array of numbers",
            ),
        );
    }
    ids
}

fn object(
    body: &Map<String, Value>,
    name: &str,
    errors: &mut Vec<ValidationError>,
) -> Option<Map<String, Value>> {
    match opt(body, name)? {
        Value::Object(m) => Some(m.clone()),
        v => {
            errors.push(
                ValidationError::new(name, Some(v))
                    .constraint("isObject", format!("{name} must be an object")),
            );
            None
        }
    }
}

fn event_type_ref(
    body: &Map<String, Value>,
    errors: &mut Vec<ValidationError>,
) -> Option<EventTypeRef> {
    if let Some(v) = opt(body, "eventTypeId") {
        return match v.as_f64().filter(|f| f.fract() == 0.0 && f.is_finite()) {
            Some(f) => Some(EventTypeRef::Id {
                lookup: (f >= 0.0 && f <= u64::MAX as f64).then_some(f as u64),
                shown: format!("{f:.0}"),
            }),
            None => {
                errors.push(
                    ValidationError::new("eventTypeId", Some(v))
                        .constraint("isInt", "eventTypeId must be an integer number"),
                );
                None
            }
        };
    }
    let slug = opt(body, "eventTypeSlug");
    let username = opt(body, "username");
    let team = opt(body, "teamSlug");
    if slug.is_none() || (username.is_none() && team.is_none()) {
        errors.push(
            ValidationError::new("eventTypeId", None)
                .constraint("isInt", "eventTypeId must be an integer number"),
        );
        return None;
    }
    let slug = optional_string(body, "eventTypeSlug", errors)?;
    let organization = optional_string(body, "organizationSlug", errors);
    if username.is_some() {
        let username = optional_string(body, "username", errors)?;
        Some(EventTypeRef::UserSlug {
            username,
            slug,
            organization,
        })
    } else {
        let team = optional_string(body, "teamSlug", errors)?;
        Some(EventTypeRef::TeamSlug { team, slug })
    }
}

fn attendee(v: Option<&Value>, errors: &mut Vec<ValidationError>) -> Option<AttendeeInput> {
    let Some(Value::Object(a)) = v else {
        errors.push(ValidationError::new("attendee", v).constraint(
            "nestedValidation",
            "nested property attendee must be either object or array",
        ));
        return None;
    };
    let mut children = forbidden(a, &ATTENDEE_KEYS);
    let name = match a.get("name") {
        Some(Value::String(s)) => Some(s.clone()),
        other => {
            children.push(
                ValidationError::new("name", other).constraint("isString", "name must be a string"),
            );
            None
        }
    };
    let email = a
        .get("email")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned);
    let phone_number = a
        .get("phoneNumber")
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .map(str::to_owned);
    if let Some(v) = a.get("email") {
        let mut e = ValidationError::new("email", Some(v));
        if !(v.is_null() || v.as_str().is_some_and(|s| s.is_empty() || is_email(s))) {
            e = e.constraint("customValidation", "Invalid email format");
        }
        if email.is_none() && phone_number.is_none() {
            e = e.constraint(
                "requireEmailOrPhone",
                "At least one contact method (email or phone number) must be provided",
            );
        }
        if !e.is_empty() {
            children.push(e);
        }
    } else if phone_number.is_none() {
        children.push(ValidationError::new("email", None).constraint(
            "requireEmailOrPhone",
            "At least one contact method (email or phone number) must be provided",
        ));
    }
    let time_zone = match a.get("timeZone") {
        Some(Value::String(s)) if OutputZone::parse(s).is_some() => Some(s.clone()),
        other => {
            children.push(
                ValidationError::new("timeZone", other)
                    .constraint("isTimeZone", "timeZone must be a valid IANA time-zone"),
            );
            None
        }
    };
    if let Some(v) = a.get("phoneNumber")
        && !(v.is_null()
            || v.as_str()
                .is_some_and(|s| s.is_empty() || is_phone_number(s)))
    {
        children.push(ValidationError::new("phoneNumber", Some(v)).constraint(
            "customValidation",
            "Invalid phone number format. Please use international format.",
        ));
    }
    let language = match opt(a, "language") {
        None => Some("en".to_owned()),
        Some(Value::String(s)) if LANGUAGES.contains(&s.as_str()) => Some(s.clone()),
        Some(v) => {
            children.push(ValidationError::new("language", Some(v)).constraint(
                "isEnum",
                format!(
                    "language must be one of the following values: {}",
                    LANGUAGES.join(", ")
                ),
            ));
            None
        }
    };
    if !children.is_empty() {
        errors.push(ValidationError::new("attendee", v).with_children(children));
        return None;
    }
    Some(AttendeeInput {
        name: name?,
        email,
        time_zone: time_zone?,
        phone_number,
        language: language?,
    })
}

fn location(v: &Value, errors: &mut Vec<ValidationError>) -> Option<LocationInput> {
    let invalid = |errors: &mut Vec<ValidationError>, msg: String| {
        errors.push(ValidationError::new("location", Some(v)).constraint("validateLocation", msg));
        None
    };
    match v {
        Value::String(s) => Some(LocationInput::Plain(s.clone())),
        Value::Object(o) => {
            let Some(kind) = o.get("type").and_then(Value::as_str) else {
                return invalid(errors, location_types_message());
            };
            if !LOCATION_TYPES.contains(&kind) {
                return invalid(errors, location_types_message());
            }
            let required = match kind {
                "attendeeAddress" => Some("address"),
                "attendeeDefined" => Some("location"),
                "attendeePhone" => Some("phone"),
                "integration" => Some("integration"),
                _ => None,
            };
            let field = required.map(|f| (f, o.get(f).and_then(Value::as_str)));
            if let Some((f, None)) = field {
                return invalid(
                    errors,
                    format!("location of type {kind} requires a string property {f}"),
                );
            }
            let value = field.and_then(|(_, v)| v).map(str::to_owned);
            Some(if kind == "integration" {
                LocationInput::Typed {
                    kind: kind.to_owned(),
                    value: None,
                    integration: value,
                }
            } else {
                LocationInput::Typed {
                    kind: kind.to_owned(),
                    value,
                    integration: None,
                }
            })
        }
        _ => invalid(errors, location_types_message()),
    }
}

fn location_types_message() -> String {
    format!(
        "location must be an object with property type set to one of: {}",
        LOCATION_TYPES.join(", ")
    )
}

fn metadata_ok(m: &Map<String, Value>) -> bool {
    m.len() <= 50
        && m.iter().all(|(k, v)| {
            k.chars().count() <= 40 && v.as_str().is_none_or(|s| s.chars().count() <= 500)
        })
}

fn is_url(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or("");
        host.contains('.') && !host.chars().any(char::is_whitespace)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    fn message(r: Result<impl std::fmt::Debug, ApiError>) -> String {
        match r {
            Err(ApiError::BadRequest(m)) => m,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_complete_body_is_accepted() {
        let input = parse_create(&obj(json!({
            "start": "2050-09-05T09:00:00Z",
            "eventTypeId": 1001,
            "attendee": {"name": "Ann", "email": "ann@example.com", "timeZone": "Europe/Berlin"},
            "metadata": {"correlationId": "abc"},
            "guests": ["bob@example.com"],
            "location": {"type": "integration", "integration": "cal-video"},
        })))
        .unwrap();
        assert_eq!(
            input.event_type,
            EventTypeRef::Id {
                lookup: Some(1001),
                shown: "1001".into()
            }
        );
        assert_eq!(input.attendee.language, "en");
        assert_eq!(input.metadata["correlationId"], "abc");
        assert_eq!(input.guests, ["bob@example.com"]);
    }

    #[test]
    fn missing_and_wrong_fields_are_reported_like_the_pipe() {
        let msg = message(parse_create(&obj(json!({"eventTypeId": 1001}))));
        assert_eq!(
            msg,
            "start property is wrong,start must be a valid ISO 8601 date string , \
             attendee property is wrong,nested property attendee must be either object or array "
        );
        let msg = message(parse_create(&obj(json!({
            "start": "2050-09-05T09:00:00Z", "eventTypeId": "1001", "surprise": true,
            "attendee": {"name": 5, "timeZone": "Nowhere/Land", "email": "nope"},
        }))));
        assert!(
            msg.starts_with("surprise property is wrong,property surprise should not exist "),
            "{msg}"
        );
        assert!(
            msg.contains("eventTypeId must be an integer number"),
            "{msg}"
        );
        assert!(
            msg.contains(
                "attendee property is wrong, name property is wrong,name must be a string"
            ),
            "{msg}"
        );
        assert!(msg.contains("Invalid email format"), "{msg}");
        assert!(
            msg.contains("timeZone must be a valid IANA time-zone"),
            "{msg}"
        );
    }

    #[test]
    fn metadata_limits_are_enforced() {
        let base = json!({
            "start": "2050-09-05T09:00:00Z", "eventTypeId": 1001,
            "attendee": {"name": "Ann", "email": "ann@example.com", "timeZone": "UTC"},
        });
        let mut long_key = obj(base.clone());
        long_key.insert("metadata".into(), json!({ "k".repeat(41): "v" }));
        assert!(message(parse_create(&long_key)).contains(METADATA_MESSAGE));
        let mut long_value = obj(base.clone());
        long_value.insert("metadata".into(), json!({ "k": "v".repeat(501) }));
        assert!(parse_create(&long_value).is_err());
        let mut not_object = obj(base);
        not_object.insert("metadata".into(), json!([1, 2]));
        assert!(message(parse_create(&not_object)).contains("metadata must be an object"));
    }

    #[test]
    fn phone_only_attendees_and_huge_ids_are_fine() {
        let input = parse_create(&obj(json!({
            "start": "2050-09-05T09:00:00Z", "eventTypeId": 1e20,
            "attendee": {"name": "Ann", "phoneNumber": "+491701234567", "timeZone": "UTC"},
        })))
        .unwrap();
        assert_eq!(input.attendee.email, None);
        assert!(matches!(
            input.event_type,
            EventTypeRef::Id { lookup: None, .. }
        ));
        let msg = message(parse_create(&obj(json!({
            "start": "2050-09-05T09:00:00Z", "eventTypeId": 1001,
            "attendee": {"name": "Ann", "timeZone": "UTC"},
        }))));
        assert!(msg.contains("At least one contact method"), "{msg}");
    }

    #[test]
    fn reschedule_and_cancel_bodies() {
        let r = parse_reschedule(&obj(
            json!({"start": "2050-09-05T10:00:00Z", "reschedulingReason": "moved"}),
        ))
        .unwrap();
        assert_eq!(r.rescheduling_reason.as_deref(), Some("moved"));
        assert!(
            message(parse_reschedule(&obj(json!({})))).contains("start must be a valid ISO 8601")
        );
        assert_eq!(
            parse_cancel(&obj(json!({}))).unwrap(),
            CancelInput {
                cancellation_reason: None,
                seat_uid: None
            }
        );
        assert!(
            message(parse_cancel(&obj(json!({"cancellationReason": 5}))))
                .contains("must be a string")
        );
    }
}
