//! `GET /v2/slots` (`cal-api-version: 2024-09-04`).

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::dto::wire_format::{offset_time, opt_offset_time, utc_iso};

/// Which free slots to ask for. The client always adds `format=range` so each
/// slot comes with its `end`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotsQuery {
    /// The event type to book.
    pub event_type_id: u64,
    /// Window start, sent as ISO UTC.
    pub start: DateTime<Utc>,
    /// Window end, sent as ISO UTC.
    pub end: DateTime<Utc>,
    /// Zone in which Cal.com groups days and writes slot times (UTC when `None`).
    pub time_zone: Option<Tz>,
    /// Length in minutes, for variable-length event types.
    pub duration: Option<u32>,
}

impl SlotsQuery {
    /// A query for one event type over `[start, end)`, in UTC, default length.
    pub fn new(event_type_id: u64, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        Self {
            event_type_id,
            start,
            end,
            time_zone: None,
            duration: None,
        }
    }

    /// The query string, in a fixed order.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = vec![
            ("start", utc_iso(&self.start)),
            ("end", utc_iso(&self.end)),
            ("eventTypeId", self.event_type_id.to_string()),
        ];
        if let Some(tz) = self.time_zone {
            q.push(("timeZone", tz.name().to_owned()));
        }
        if let Some(d) = self.duration {
            q.push(("duration", d.to_string()));
        }
        q.push(("format", "range".to_owned()));
        q
    }
}

/// One free slot as Cal.com writes it: local times with an offset.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotDto {
    /// Start, with the offset of the requested time zone.
    #[serde(deserialize_with = "offset_time")]
    pub start: DateTime<FixedOffset>,
    /// End (present with `format=range`).
    #[serde(default, deserialize_with = "opt_offset_time")]
    pub end: Option<DateTime<FixedOffset>>,
    /// Seated events: seats already taken.
    #[serde(default)]
    pub seats_booked: Option<u32>,
    /// Seated events: seats left.
    #[serde(default)]
    pub seats_remaining: Option<u32>,
    /// Seated events: seats in total.
    #[serde(default)]
    pub seats_total: Option<u32>,
    /// Seated events: the booking a seat would join.
    #[serde(default)]
    pub booking_uid: Option<String>,
}

/// Slots grouped by local date (`"2050-09-05"`), as `data` of `GET /v2/slots`.
pub type SlotsByDate = BTreeMap<String, Vec<SlotDto>>;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn query_has_utc_window_and_asks_for_ranges() {
        let mut q = SlotsQuery::new(
            7,
            Utc.with_ymd_and_hms(2050, 9, 5, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2050, 9, 6, 0, 0, 0).unwrap(),
        );
        assert_eq!(
            q.query_pairs(),
            vec![
                ("start", "2050-09-05T00:00:00.000Z".to_owned()),
                ("end", "2050-09-06T00:00:00.000Z".to_owned()),
                ("eventTypeId", "7".to_owned()),
                ("format", "range".to_owned()),
            ]
        );
        q.time_zone = Some(Tz::Europe__Berlin);
        q.duration = Some(45);
        let pairs = q.query_pairs();
        assert!(pairs.contains(&("timeZone", "Europe/Berlin".to_owned())));
        assert!(pairs.contains(&("duration", "45".to_owned())));
    }

    #[test]
    fn slots_keep_their_offset() {
        let s: SlotDto = serde_json::from_str(
            r#"{"start":"2050-09-05T09:00:00.000+02:00","end":"2050-09-05T09:30:00.000+02:00","extra":1}"#,
        )
        .unwrap();
        assert_eq!(
            s.start.with_timezone(&Utc),
            Utc.with_ymd_and_hms(2050, 9, 5, 7, 0, 0).unwrap()
        );
    }
}
