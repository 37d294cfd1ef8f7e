//! The account the mock serves: one user, its working hours, its event
//! types. Ids are stable so tests and demo configs can hard-code them.

use chrono_tz::Tz;

use crate::event_types::{EventLocation, EventTypeDef};
use crate::slots::schedule::WeeklySchedule;

/// The Cal.com user behind the API key (and host of every booking).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DemoUser {
    /// Cal.com user id.
    pub(crate) id: u64,
    /// Public username (`/calbridge-demo/30min`).
    pub(crate) username: String,
    /// Display name.
    pub(crate) name: String,
    /// Account email.
    pub(crate) email: String,
    /// The user's time zone (= `MockConfig::time_zone`).
    pub(crate) time_zone: Tz,
    /// Id of the default schedule.
    pub(crate) default_schedule_id: u64,
}

/// Everything static the mock knows: user, schedule, event types.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// The one user.
    pub(crate) user: DemoUser,
    /// The user's default schedule (Mon–Fri 09:00–17:00 local).
    pub(crate) schedule: WeeklySchedule,
    /// The user's event types, ordered by id.
    pub(crate) event_types: Vec<EventTypeDef>,
}

impl Catalog {
    /// The demo account, working in `tz`.
    pub(crate) fn demo(tz: Tz) -> Self {
        let user = DemoUser {
            id: 1,
            username: "calbridge-demo".to_owned(),
            name: "Calbridge Demo".to_owned(),
            email: "demo@calbridge.example".to_owned(),
            time_zone: tz,
            default_schedule_id: 1,
        };
        let event_types = vec![
            EventTypeDef {
                id: 1001,
                slug: "30min".to_owned(),
                title: "30 Min Meeting".to_owned(),
                description: "A short video call.".to_owned(),
                length: 30,
                length_options: Vec::new(),
                slot_interval: None,
                minimum_booking_notice: 120,
                before_buffer: 0,
                after_buffer: 0,
                hidden: false,
                locations: vec![EventLocation::Integration("cal-video")],
            },
            EventTypeDef {
                id: 1002,
                slug: "60min".to_owned(),
                title: "60 Min Consultation".to_owned(),
                description: "An hour in person or on video, with 10 minutes to wrap up."
                    .to_owned(),
                length: 60,
                length_options: Vec::new(),
                slot_interval: None,
                minimum_booking_notice: 60,
                before_buffer: 0,
                after_buffer: 10,
                hidden: false,
                locations: vec![
                    EventLocation::Address("Friedrichstraße 123, 10117 Berlin".to_owned()),
                    EventLocation::Integration("cal-video"),
                ],
            },
            EventTypeDef {
                id: 1003,
                slug: "quick-call".to_owned(),
                title: "Quick Call".to_owned(),
                description: "Pick 15, 30 or 45 minutes.".to_owned(),
                length: 15,
                length_options: vec![15, 30, 45],
                slot_interval: Some(15),
                minimum_booking_notice: 0,
                before_buffer: 0,
                after_buffer: 0,
                hidden: false,
                locations: vec![EventLocation::Integration("cal-video")],
            },
            EventTypeDef {
                id: 1004,
                slug: "internal-sync".to_owned(),
                title: "Internal Sync".to_owned(),
                description: "Hidden: bookable by link, listed only to the owner.".to_owned(),
                length: 45,
                length_options: Vec::new(),
                slot_interval: None,
                minimum_booking_notice: 120,
                before_buffer: 5,
                after_buffer: 0,
                hidden: true,
                locations: vec![EventLocation::Link(
                    "https://meet.example.com/calbridge-internal".to_owned(),
                )],
            },
        ];
        Self {
            schedule: WeeklySchedule::weekdays_nine_to_five(tz),
            user,
            event_types,
        }
    }

    /// The event type with this id.
    pub(crate) fn event_type(&self, id: u64) -> Option<&EventTypeDef> {
        self.event_types.iter().find(|e| e.id == id)
    }

    /// The demo user's event type with this slug, if `username` is the
    /// demo user.
    pub(crate) fn event_type_by_slug(&self, username: &str, slug: &str) -> Option<&EventTypeDef> {
        if !self.is_user(username) {
            return None;
        }
        self.event_types.iter().find(|e| e.slug == slug)
    }

    /// Whether `username` names the demo user.
    pub(crate) fn is_user(&self, username: &str) -> bool {
        username == self.user.username
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_slugs_and_lengths_are_stable() {
        let c = Catalog::demo(Tz::Europe__Berlin);
        let ids: Vec<u64> = c.event_types.iter().map(|e| e.id).collect();
        assert_eq!(ids, [1001, 1002, 1003, 1004]);
        assert_eq!(c.event_type(1001).map(|e| e.length), Some(30));
        assert_eq!(c.event_type(1002).map(|e| e.length), Some(60));
        assert_eq!(
            c.event_type(1003).map(|e| e.length_options.clone()),
            Some(vec![15, 30, 45])
        );
        assert!(
            c.event_type_by_slug("calbridge-demo", "quick-call")
                .is_some()
        );
        assert!(c.event_type_by_slug("someone-else", "quick-call").is_none());
        assert!(c.event_type(9).is_none());
    }
}
