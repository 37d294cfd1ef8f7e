//! Reading 2xx bodies: the v2 success envelope (`{"status":"success",
//! "data": ...}`, plus `pagination` on lists), and v1's bare JSON. Nothing
//! here panics on any input; the property tests below hold it to that.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::dto::{Page, Pagination};
use crate::error::CalcomError;
use crate::redaction::Redactor;

/// The success envelope read straight into its typed payload: one parse,
/// the common case. Anything unusual takes the slow path, which says
/// precisely what is wrong.
#[derive(serde::Deserialize)]
struct Envelope<T> {
    status: Option<String>,
    data: Option<T>,
}

/// `Some(data)` when `body` is a success envelope whose `data` decodes as `T`.
fn fast<T: DeserializeOwned>(body: &[u8]) -> Option<T> {
    match serde_json::from_slice::<Envelope<T>>(body) {
        Ok(Envelope {
            status: Some(status),
            data: Some(data),
        }) if status == "success" => Some(data),
        _ => None,
    }
}

/// `data` of a success envelope.
pub(crate) fn data<T: DeserializeOwned>(body: &[u8], r: &Redactor) -> Result<T, CalcomError> {
    if let Some(data) = fast(body) {
        return Ok(data);
    }
    let data = success_payload(body, r)?
        .remove("data")
        .unwrap_or(Value::Null);
    value(data, "data", r)
}

/// `data` of a success envelope, where `null` means "there is none".
pub(crate) fn optional_data<T: DeserializeOwned>(
    body: &[u8],
    r: &Redactor,
) -> Result<Option<T>, CalcomError> {
    match success_payload(body, r)?.remove("data") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => value(v, "data", r).map(Some),
    }
}

/// A success envelope whose `data`, if any, is not needed.
pub(crate) fn success(body: &[u8], r: &Redactor) -> Result<(), CalcomError> {
    success_payload(body, r).map(|_| ())
}

/// `data` (a list) and `pagination` of a paged success envelope.
pub(crate) fn page<T: DeserializeOwned>(body: &[u8], r: &Redactor) -> Result<Page<T>, CalcomError> {
    let mut envelope = success_payload(body, r)?;
    let data = envelope.remove("data").unwrap_or(Value::Null);
    let pagination = envelope.remove("pagination").unwrap_or(Value::Null);
    Ok(Page {
        data: value(data, "data", r)?,
        pagination: value::<Pagination>(pagination, "pagination", r)?,
    })
}

/// `data` that must be one object. Recurring event types answer with a
/// list of occurrences, which a single-booking call cannot represent.
pub(crate) fn one<T: DeserializeOwned>(body: &[u8], r: &Redactor) -> Result<T, CalcomError> {
    let data = success_payload(body, r)?
        .remove("data")
        .unwrap_or(Value::Null);
    if let Value::Array(items) = &data {
        return Err(CalcomError::decode(format!(
            "expected one booking but got a list of {} (recurring event type?)",
            items.len()
        )));
    }
    value(data, "data", r)
}

/// A v1 body (no envelope), translated by `translate`.
pub(crate) fn v1<T>(
    body: &[u8],
    r: &Redactor,
    translate: impl FnOnce(Value) -> Result<T, String>,
) -> Result<T, CalcomError> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| CalcomError::decode(r.redact(&format!("v1 body is not JSON: {e}"))))?;
    translate(json).map_err(|e| CalcomError::decode(r.redact(&e)))
}

/// The top-level object of a success envelope, checked to say `success`.
fn success_payload(
    body: &[u8],
    r: &Redactor,
) -> Result<serde_json::Map<String, Value>, CalcomError> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| CalcomError::decode(r.redact(&format!("body is not JSON: {e}"))))?;
    let Value::Object(map) = json else {
        return Err(CalcomError::decode("body is not a JSON object"));
    };
    match map.get("status").and_then(Value::as_str) {
        Some("success") => Ok(map),
        other => Err(CalcomError::decode(r.redact(&format!(
            "envelope status is {other:?}, expected \"success\""
        )))),
    }
}

fn value<T: DeserializeOwned>(v: Value, what: &str, r: &Redactor) -> Result<T, CalcomError> {
    serde_json::from_value(v).map_err(|e| CalcomError::decode(r.redact(&format!("{what}: {e}"))))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;
    use reqwest::StatusCode;
    use reqwest::header::HeaderMap;
    use secrecy::SecretString;
    use serde_json::json;

    use super::*;
    use crate::calendar_port::mapping;
    use crate::client::error_mapping;
    use crate::dto::{
        BookingDto, EventTypeDto, MeDto, ReservationDto, ScheduleDto, SlotsByDate, TeamDto,
        WebhookDto,
    };
    use crate::operation::Operation;
    use crate::v1;

    fn redactor() -> Redactor {
        Redactor::new(SecretString::from("cal_live_0123456789abcdef"))
    }

    /// Any JSON value, nested a few levels, with Cal.com-ish keys mixed in
    /// so objects sometimes look almost right.
    fn any_json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|f| json!(f)),
            ".{0,12}".prop_map(Value::String),
            Just(json!("2050-09-05T07:00:00.000Z")),
            Just(json!("success")),
            Just(json!("accepted")),
        ];
        let keys = prop_oneof![
            Just("status".to_owned()),
            Just("data".to_owned()),
            Just("pagination".to_owned()),
            Just("uid".to_owned()),
            Just("id".to_owned()),
            Just("start".to_owned()),
            Just("end".to_owned()),
            Just("createdAt".to_owned()),
            Just("metadata".to_owned()),
            Just("attendees".to_owned()),
            Just("error".to_owned()),
            Just("message".to_owned()),
            Just("booking".to_owned()),
            "[a-zA-Z]{1,8}",
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map(keys.clone(), inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    fn decode_everything(body: &[u8]) {
        let r = redactor();
        let _ = data::<MeDto>(body, &r);
        let _ = data::<Vec<EventTypeDto>>(body, &r);
        let _ = data::<Vec<ScheduleDto>>(body, &r);
        let _ = data::<SlotsByDate>(body, &r).map(mapping::slots_from_dto);
        let _ = optional_data::<ReservationDto>(body, &r);
        let _ = data::<Vec<TeamDto>>(body, &r);
        let _ = data::<Vec<WebhookDto>>(body, &r);
        let _ = success(body, &r);
        if let Ok(b) = one::<BookingDto>(body, &r) {
            let _ = mapping::booking_from_dto(b);
        }
        if let Ok(p) = page::<BookingDto>(body, &r) {
            for b in p.data {
                let _ = mapping::booking_from_dto(b);
            }
        }
        let _ = v1(body, &r, v1::booking_from_v1);
        let _ = v1(body, &r, v1::event_types_from_v1);
        let _ = v1(body, &r, v1::schedules_from_v1);
        let _ = v1(body, &r, v1::me_from_v1);
        for status in [400u16, 404, 409, 422, 429, 500] {
            let _ = error_mapping::classify_status(
                Operation::CreateBooking,
                Some("x"),
                StatusCode::from_u16(status).unwrap(),
                &HeaderMap::new(),
                body,
                &r,
            );
        }
    }

    proptest! {
        #[test]
        fn decoding_arbitrary_json_never_panics(v in any_json()) {
            decode_everything(v.to_string().as_bytes());
            // The same value as `data` of a success envelope reaches deeper code.
            let wrapped = json!({"status": "success", "data": v, "pagination": v});
            decode_everything(wrapped.to_string().as_bytes());
        }

        #[test]
        fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            decode_everything(&bytes);
        }

        #[test]
        fn bookings_with_arbitrary_fields_never_panic(
            uid in ".{0,10}", status in ".{0,10}", start in ".{0,30}", meta in any_json(),
        ) {
            let body = json!({"status": "success", "data": {
                "uid": uid, "status": status, "start": start, "end": "2050-09-05T08:00:00Z",
                "createdAt": "2050-09-01T00:00:00Z", "eventTypeId": 1, "metadata": meta,
                "attendees": [{"email": meta, "timeZone": meta}]
            }});
            decode_everything(body.to_string().as_bytes());
        }
    }

    #[test]
    fn envelopes_are_checked() {
        let r = redactor();
        assert!(matches!(
            data::<MeDto>(br#"{"status":"error","data":{}}"#, &r),
            Err(CalcomError::Decode { .. })
        ));
        assert_eq!(
            optional_data::<ReservationDto>(br#"{"status":"success","data":null}"#, &r).unwrap(),
            None
        );
        assert!(success(br#"{"status":"success"}"#, &r).is_ok());
        assert!(matches!(
            one::<BookingDto>(br#"{"status":"success","data":[]}"#, &r),
            Err(CalcomError::Decode { .. })
        ));
    }
}
