use serde::{Deserialize, Serialize};

use crate::ids::EventTypeId;

/// Host id meaning "the Cal.com user the tenant's connection acts as": the
/// host of its personal event types when the calendar does not name one.
pub const OWN_ACCOUNT_HOST: u64 = 0;

/// Who hosts an event type's bookings, and how one booking picks among
/// several hosts (Cal.com `schedulingType`; personal types have none).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Scheduling {
    /// One host: the owner of a personal event type.
    #[default]
    Personal,
    /// Every host attends every booking.
    Collective,
    /// One host per booking; Cal.com picks among the free ones unless the
    /// booking names one (`routing.teamMemberIds`).
    RoundRobin,
    /// A template copied to each member as their own event type.
    Managed,
}

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
    /// How hosts are picked; personal unless it is a team event type.
    #[serde(default)]
    pub scheduling: Scheduling,
    /// Cal.com user ids of who may host it: the owner of a personal type,
    /// the hosts of a team type. Empty when the calendar did not say.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_ids: Vec<u64>,
    /// The owning team, for team event types.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team_id: Option<u64>,
}

impl EventType {
    /// Whether `minutes` is a length this event type can be booked for.
    pub fn allows_length(&self, minutes: u32) -> bool {
        minutes == self.length_minutes || self.length_options.contains(&minutes)
    }

    /// Whose time a booking of this type holds when no staff is named and
    /// no host is picked: its first host (the owner of a personal type),
    /// else [`OWN_ACCOUNT_HOST`].
    pub fn lead_host(&self) -> u64 {
        self.host_ids.first().copied().unwrap_or(OWN_ACCOUNT_HOST)
    }
}
