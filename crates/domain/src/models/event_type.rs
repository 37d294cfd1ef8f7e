use serde::{Deserialize, Serialize};

use crate::ids::EventTypeId;

/// A kind of appointment offered on Cal.com ("30 min consultation").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventType {
    /// Cal.com id.
    pub id: EventTypeId,
    /// URL slug, unique per owner.
    pub slug: String,
    /// Human title.
    pub title: String,
    /// Default length in minutes.
    pub length_minutes: u32,
    /// Other lengths the booker may choose, if the event is variable-length.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub length_options: Vec<u32>,
    /// Free-text description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Hidden event types are bookable but not listed publicly.
    #[serde(default)]
    pub hidden: bool,
}

impl EventType {
    /// Whether `minutes` is a length this event type can be booked for.
    pub fn allows_length(&self, minutes: u32) -> bool {
        minutes == self.length_minutes || self.length_options.contains(&minutes)
    }
}
