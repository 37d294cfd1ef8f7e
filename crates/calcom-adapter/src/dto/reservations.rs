//! `/v2/slots/reservations/**` (`cal-api-version: 2024-09-04`): holding a
//! slot for a few minutes while the booker fills in the form.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::dto::wire_format::serialize_utc_iso;

/// Body of `POST /v2/slots/reservations` and `PATCH .../{uid}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReserveSlotRequest {
    /// The event type whose slot is held.
    pub event_type_id: u64,
    /// Slot start, sent as ISO UTC.
    #[serde(serialize_with = "serialize_utc_iso")]
    pub slot_start: DateTime<Utc>,
    /// Slot length in minutes (variable-length event types only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_duration: Option<u32>,
    /// How long to hold it, minutes (Cal.com's default is 5; needs auth).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reservation_duration: Option<u32>,
}

impl ReserveSlotRequest {
    /// Holds the slot at `slot_start` for Cal.com's default time.
    pub fn new(event_type_id: u64, slot_start: DateTime<Utc>) -> Self {
        Self {
            event_type_id,
            slot_start,
            slot_duration: None,
            reservation_duration: None,
        }
    }
}

/// A held slot (`ReserveSlotOutput_2024_09_04` / `GetReservedSlotOutput`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReservationDto {
    /// Reservation uid; addresses it in later calls.
    pub reservation_uid: String,
    /// The event type.
    pub event_type_id: u64,
    /// Slot start.
    pub slot_start: DateTime<Utc>,
    /// Slot end.
    #[serde(default)]
    pub slot_end: Option<DateTime<Utc>>,
    /// Slot length, minutes.
    #[serde(default)]
    pub slot_duration: Option<u32>,
    /// Hold length, minutes.
    #[serde(default)]
    pub reservation_duration: Option<u32>,
    /// When the hold expires.
    #[serde(default)]
    pub reservation_until: Option<DateTime<Utc>>,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;
    use serde_json::json;

    use super::*;

    #[test]
    fn request_and_answer_shapes() {
        let req = ReserveSlotRequest {
            reservation_duration: Some(10),
            ..ReserveSlotRequest::new(7, Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap())
        };
        assert_eq!(
            serde_json::to_value(&req).unwrap(),
            json!({"eventTypeId": 7, "slotStart": "2050-09-05T07:00:00.000Z", "reservationDuration": 10})
        );
        let r: ReservationDto = serde_json::from_value(json!({
            "eventTypeId": 7, "slotStart": "2050-09-05T07:00:00.000Z", "slotEnd": "2050-09-05T07:30:00.000Z",
            "slotDuration": 30, "reservationUid": "r-1", "reservationDuration": 5,
            "reservationUntil": "2050-09-01T10:05:00.000Z"
        }))
        .unwrap();
        assert_eq!(r.reservation_uid, "r-1");
        assert_eq!(r.slot_duration, Some(30));
    }
}
