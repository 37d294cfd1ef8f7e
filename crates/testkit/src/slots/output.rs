//! The `GET /v2/slots` (2024-09-04) body: slots grouped by date in the
//! requested zone; `{start}` or, with `format=range`, `{start, end}`.

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Map, Value, json};

use crate::js_compat::date::{OutputZone, js_iso};

/// Groups `starts` (chronological) by calendar date in `zone` (UTC when
/// none was requested). Days without slots do not appear.
pub(crate) fn slots_json(
    starts: &[DateTime<Utc>],
    zone: Option<OutputZone>,
    range_length: Option<TimeDelta>,
) -> Value {
    let mut days: Map<String, Value> = Map::new();
    for &start in starts {
        let key = zone.unwrap_or(OutputZone::FixedUtc).date_key(start);
        let render = |t: DateTime<Utc>| zone.map_or_else(|| js_iso(t), |z| z.luxon_iso(t));
        let slot = match range_length {
            Some(len) => json!({ "start": render(start), "end": render(start + len) }),
            None => json!({ "start": render(start) }),
        };
        if let Value::Array(list) = days.entry(key).or_insert_with(|| Value::Array(Vec::new())) {
            list.push(slot);
        }
    }
    Value::Object(days)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn groups_by_local_date_and_renders_offsets() {
        let starts = [utc("2050-09-05T21:30:00Z"), utc("2050-09-05T22:30:00Z")];
        // In UTC both are on the 5th.
        assert_eq!(
            slots_json(&starts, None, None),
            json!({"2050-09-05": [{"start": "2050-09-05T21:30:00.000Z"},
                                  {"start": "2050-09-05T22:30:00.000Z"}]})
        );
        // In Berlin (UTC+2) the second one is already on the 6th.
        let berlin = OutputZone::parse("Europe/Berlin");
        assert_eq!(
            slots_json(&starts, berlin, Some(TimeDelta::minutes(30))),
            json!({
                "2050-09-05": [{"start": "2050-09-05T23:30:00.000+02:00",
                                "end": "2050-09-06T00:00:00.000+02:00"}],
                "2050-09-06": [{"start": "2050-09-06T00:30:00.000+02:00",
                                "end": "2050-09-06T01:00:00.000+02:00"}],
            })
        );
        assert_eq!(slots_json(&[], berlin, None), json!({}));
    }
}
