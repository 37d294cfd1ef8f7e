//! `/v2/event-types/**` (`cal-api-version: 2024-06-14`) and the team event
//! types under `/v2/teams/{teamId}/event-types` (no version header).

use serde::{Deserialize, Serialize};

use crate::dto::bookings::SortOrder;
use crate::dto::wire_format::{null_as_default, open_enum};

open_enum! {
    /// How a team event type picks its hosts.
    pub enum SchedulingType {
        /// One host per booking, rotating.
        RoundRobin => "roundRobin",
        /// Every host attends.
        Collective => "collective",
        /// Copied to each member as their own event type.
        Managed => "managed",
    }
}

/// Cal.com's `EventTypeOutput_2024_06_14` (and the team variant, which adds
/// `teamId`, `hosts` and `schedulingType`), reduced to what booking needs.
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
    /// The owner's user id (personal event types).
    #[serde(default)]
    pub owner_id: Option<u64>,
    /// Public booking page.
    #[serde(default)]
    pub booking_url: Option<String>,
    /// The availability schedule it uses, when not the owner's default.
    #[serde(default)]
    pub schedule_id: Option<u64>,
    /// Team event types: the team.
    #[serde(default)]
    pub team_id: Option<u64>,
    /// Team event types: how hosts are picked.
    #[serde(default)]
    pub scheduling_type: Option<SchedulingType>,
    /// Team event types: the hosts, as Cal.com describes them.
    #[serde(default, deserialize_with = "null_as_default")]
    pub hosts: Vec<serde_json::Value>,
}

/// Filters of `GET /v2/event-types`. Empty fields are not sent; with none
/// set, Cal.com lists the key owner's event types.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventTypesQuery {
    /// Event types of this user.
    pub username: Option<String>,
    /// With `username`: only the event type with this slug.
    pub event_slug: Option<String>,
    /// Two or more users: their dynamic group event type.
    pub usernames: Vec<String>,
    /// Organization slug (users inside an organization).
    pub org_slug: Option<String>,
    /// Organization id.
    pub org_id: Option<u64>,
    /// Order by creation time.
    pub sort_created_at: Option<SortOrder>,
}

impl EventTypesQuery {
    /// The query string, in a fixed order.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(u) = &self.username {
            q.push(("username", u.clone()));
        }
        if let Some(s) = &self.event_slug {
            q.push(("eventSlug", s.clone()));
        }
        if !self.usernames.is_empty() {
            q.push(("usernames", self.usernames.join(",")));
        }
        if let Some(s) = &self.org_slug {
            q.push(("orgSlug", s.clone()));
        }
        if let Some(id) = self.org_id {
            q.push(("orgId", id.to_string()));
        }
        if let Some(o) = self.sort_created_at {
            q.push(("sortCreatedAt", o.as_str().to_owned()));
        }
        q
    }
}

/// Filters of `GET /v2/teams/{teamId}/event-types`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TeamEventTypesQuery {
    /// Only the event type with this slug.
    pub event_slug: Option<String>,
    /// At most this many hosts per event type in the answer.
    pub hosts_limit: Option<u32>,
    /// Order by creation time.
    pub sort_created_at: Option<SortOrder>,
}

impl TeamEventTypesQuery {
    /// The query string, in a fixed order.
    pub(crate) fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(s) = &self.event_slug {
            q.push(("eventSlug", s.clone()));
        }
        if let Some(n) = self.hosts_limit {
            q.push(("hostsLimit", n.to_string()));
        }
        if let Some(o) = self.sort_created_at {
            q.push(("sortCreatedAt", o.as_str().to_owned()));
        }
        q
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn team_event_types_decode_with_unknown_scheduling_types() {
        let e: EventTypeDto = serde_json::from_value(json!({
            "id": 9, "lengthInMinutes": 30, "title": "Team call", "slug": "team-call",
            "teamId": 4, "schedulingType": "roundRobin", "hosts": [{"userId": 1}],
            "locations": [], "bookingFields": [], "somethingNew": true
        }))
        .unwrap();
        assert_eq!(e.team_id, Some(4));
        assert_eq!(e.scheduling_type, Some(SchedulingType::RoundRobin));
        let e: EventTypeDto = serde_json::from_value(json!({
            "id": 9, "lengthInMinutes": 30, "schedulingType": "lottery", "hosts": null
        }))
        .unwrap();
        assert_eq!(
            e.scheduling_type,
            Some(SchedulingType::Unknown("lottery".into()))
        );
        assert!(e.hosts.is_empty());
    }

    #[test]
    fn queries_send_only_what_is_set() {
        assert!(EventTypesQuery::default().query_pairs().is_empty());
        let q = EventTypesQuery {
            usernames: vec!["a".into(), "b".into()],
            org_id: Some(3),
            sort_created_at: Some(SortOrder::Desc),
            ..Default::default()
        };
        assert_eq!(
            q.query_pairs(),
            vec![
                ("usernames", "a,b".to_owned()),
                ("orgId", "3".to_owned()),
                ("sortCreatedAt", "desc".to_owned())
            ]
        );
        let t = TeamEventTypesQuery {
            event_slug: Some("x".into()),
            hosts_limit: Some(5),
            sort_created_at: None,
        };
        assert_eq!(
            t.query_pairs(),
            vec![
                ("eventSlug", "x".to_owned()),
                ("hostsLimit", "5".to_owned())
            ]
        );
    }
}
