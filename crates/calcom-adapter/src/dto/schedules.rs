//! `/v2/schedules/**` (`cal-api-version: 2024-06-11`): the working hours
//! slots are computed from.

use serde::{Deserialize, Serialize};

use crate::dto::wire_format::{null_as_default, open_enum};

open_enum! {
    /// A day of the week, as Cal.com spells it.
    pub enum Weekday {
        /// Monday.
        Monday => "Monday",
        /// Tuesday.
        Tuesday => "Tuesday",
        /// Wednesday.
        Wednesday => "Wednesday",
        /// Thursday.
        Thursday => "Thursday",
        /// Friday.
        Friday => "Friday",
        /// Saturday.
        Saturday => "Saturday",
        /// Sunday.
        Sunday => "Sunday",
    }
}

impl Weekday {
    /// From v1's numbering (0 = Sunday … 6 = Saturday).
    pub fn from_v1_number(n: u64) -> Self {
        match n {
            0 => Weekday::Sunday,
            1 => Weekday::Monday,
            2 => Weekday::Tuesday,
            3 => Weekday::Wednesday,
            4 => Weekday::Thursday,
            5 => Weekday::Friday,
            6 => Weekday::Saturday,
            other => Weekday::Unknown(other.to_string()),
        }
    }
}

/// Cal.com's `ScheduleOutput_2024_06_11`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleDto {
    /// Cal.com id.
    pub id: u64,
    /// The user it belongs to.
    #[serde(default)]
    pub owner_id: Option<u64>,
    /// Display name.
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    /// IANA zone the hours are in.
    #[serde(default, deserialize_with = "null_as_default")]
    pub time_zone: String,
    /// Weekly working hours.
    #[serde(default, deserialize_with = "null_as_default")]
    pub availability: Vec<AvailabilityDto>,
    /// The owner's default schedule.
    #[serde(default, deserialize_with = "null_as_default")]
    pub is_default: bool,
    /// Date-specific hours replacing the weekly ones.
    #[serde(default, deserialize_with = "null_as_default")]
    pub overrides: Vec<ScheduleOverrideDto>,
}

/// Weekly hours: these days, from `start_time` to `end_time` (`HH:MM`, 24 h).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AvailabilityDto {
    /// The days it applies to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub days: Vec<Weekday>,
    /// Start, `HH:MM`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub start_time: String,
    /// End, `HH:MM`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub end_time: String,
}

/// Hours for one date (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleOverrideDto {
    /// The date.
    #[serde(default, deserialize_with = "null_as_default")]
    pub date: String,
    /// Start, `HH:MM`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub start_time: String,
    /// End, `HH:MM`.
    #[serde(default, deserialize_with = "null_as_default")]
    pub end_time: String,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn decodes_the_documented_shape_and_odd_days() {
        let s: ScheduleDto = serde_json::from_value(json!({
            "id": 5, "ownerId": 1, "name": "Work", "timeZone": "Europe/Berlin", "isDefault": true,
            "availability": [{"days": ["Monday", "friday", "Holiday"], "startTime": "09:00", "endTime": "17:00"}],
            "overrides": [{"date": "2050-05-20", "startTime": "18:00", "endTime": "21:00"}]
        }))
        .unwrap();
        assert_eq!(
            s.availability[0].days,
            vec![
                Weekday::Monday,
                Weekday::Friday,
                Weekday::Unknown("Holiday".into())
            ]
        );
        assert_eq!(s.overrides[0].date, "2050-05-20");
        assert_eq!(Weekday::from_v1_number(0), Weekday::Sunday);
        assert_eq!(
            serde_json::to_value(Weekday::Sunday).unwrap(),
            json!("Sunday")
        );
    }
}
