//! `GET /v2/event-types` (`cal-api-version: 2024-06-14`).

use serde::{Deserialize, Serialize};

use crate::dto::wire_format::null_as_default;

/// Cal.com's `EventTypeOutput_2024_06_14`, reduced to what booking needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventTypeDto {
    /// Cal.com id.
    pub id: u64,
    /// Default length in minutes.
    pub length_in_minutes: u32,
    /// Lengths the booker may choose (variable-length event types).
    #[serde(default, deserialize_with = "null_as_default")]
    pub length_in_minutes_options: Vec<u32>,
    /// Human title.
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    /// URL slug.
    #[serde(default, deserialize_with = "null_as_default")]
    pub slug: String,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// Bookable but not listed publicly.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hidden: bool,
    /// Minutes of notice a booking needs.
    #[serde(default)]
    pub minimum_booking_notice: Option<u32>,
    /// Buffer before each booking, minutes.
    #[serde(default)]
    pub before_event_buffer: Option<u32>,
    /// Buffer after each booking, minutes.
    #[serde(default)]
    pub after_event_buffer: Option<u32>,
    /// The owner's user id.
    #[serde(default)]
    pub owner_id: Option<u64>,
    /// Public booking page.
    #[serde(default)]
    pub booking_url: Option<String>,
}
