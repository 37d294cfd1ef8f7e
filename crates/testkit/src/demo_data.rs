//! The account the mock serves: one user, its working hours, its event
//! types. Ids are stable so tests and demo configs can hard-code them.

use chrono::{NaiveTime, Weekday};
use chrono_tz::Tz;

use crate::config::DateOverride;
use crate::event_types::{EventLocation, EventTypeDef, Scheduling};
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

/// A named availability schedule (`ScheduleOutput_2024_06_11`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScheduleDef {
    /// Schedule id.
    pub(crate) id: u64,
    /// Owning user.
    pub(crate) owner_id: u64,
    /// Display name.
    pub(crate) name: String,
    /// Whether it is the owner's default.
    pub(crate) is_default: bool,
    /// The hours, in the schedule's own zone.
    pub(crate) hours: WeeklySchedule,
}

/// A team: members host its event types.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TeamDef {
    /// Team id.
    pub(crate) id: u64,
    /// Display name.
    pub(crate) name: String,
    /// URL slug.
    pub(crate) slug: String,
    /// Member user ids.
    pub(crate) member_ids: Vec<u64>,
    /// The team's time zone.
    pub(crate) time_zone: Tz,
}

/// Everything static the mock knows: users, schedules, teams, event types.
#[derive(Debug, Clone)]
pub(crate) struct Catalog {
    /// The user behind the API key.
    pub(crate) user: DemoUser,
    /// Other users (team members); they have no API key here.
    pub(crate) others: Vec<DemoUser>,
    /// Every user's schedules.
    pub(crate) schedules: Vec<ScheduleDef>,
    /// Teams the demo user belongs to.
    pub(crate) teams: Vec<TeamDef>,
    /// Personal event types (ids 1001–1004) followed by team ones (2001+).
    pub(crate) event_types: Vec<EventTypeDef>,
}

/// The demo team's id.
pub(crate) const TEAM_ID: u64 = 501;
/// The team colleague's user id.
pub(crate) const COLLEAGUE_ID: u64 = 2;

impl Catalog {
    /// The demo account, working in `tz`, with `overrides` on its default
    /// schedule.
    pub(crate) fn demo(tz: Tz, overrides: &[DateOverride]) -> Self {
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
                ..personal()
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
                ..personal()
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
                ..personal()
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
                ..personal()
            },
            EventTypeDef {
                id: 2001,
                slug: "team-sync".to_owned(),
                title: "Team Sync".to_owned(),
                description: "Both hosts attend: only times when everyone is free.".to_owned(),
                length: 30,
                minimum_booking_notice: 0,
                team_id: Some(TEAM_ID),
                scheduling: Scheduling::Collective,
                host_ids: vec![user.id, COLLEAGUE_ID],
                ..personal()
            },
            EventTypeDef {
                id: 2002,
                slug: "team-intro".to_owned(),
                title: "Team Intro".to_owned(),
                description: "Whoever is free takes it; the host confirms each request.".to_owned(),
                length: 30,
                minimum_booking_notice: 0,
                team_id: Some(TEAM_ID),
                scheduling: Scheduling::RoundRobin,
                host_ids: vec![user.id, COLLEAGUE_ID],
                requires_confirmation: true,
                ..personal()
            },
        ];
        let colleague = DemoUser {
            id: COLLEAGUE_ID,
            username: "calbridge-colleague".to_owned(),
            name: "Calbridge Colleague".to_owned(),
            email: "colleague@calbridge.example".to_owned(),
            time_zone: Tz::America__New_York,
            default_schedule_id: 2,
        };
        let mut own_hours = WeeklySchedule::weekdays_nine_to_five(tz);
        for o in overrides {
            own_hours.set_override(o.date, o.hours);
        }
        // The colleague works Mon–Fri 09:00–12:00 and 13:00–17:00 New York time.
        let mut colleague_hours = WeeklySchedule::closed(Tz::America__New_York);
        for day in [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ] {
            colleague_hours.add_hours(day, hm(9, 0), hm(12, 0));
            colleague_hours.add_hours(day, hm(13, 0), hm(17, 0));
        }
        let schedules = vec![
            ScheduleDef {
                id: 1,
                owner_id: user.id,
                name: "Working hours".to_owned(),
                is_default: true,
                hours: own_hours,
            },
            ScheduleDef {
                id: 2,
                owner_id: COLLEAGUE_ID,
                name: "New York hours".to_owned(),
                is_default: true,
                hours: colleague_hours,
            },
        ];
        let teams = vec![TeamDef {
            id: TEAM_ID,
            name: "Calbridge Team".to_owned(),
            slug: "calbridge-team".to_owned(),
            member_ids: vec![user.id, COLLEAGUE_ID],
            time_zone: tz,
        }];
        Self {
            user,
            others: vec![colleague],
            schedules,
            teams,
            event_types,
        }
    }

    /// The demo user's own event types (no team ones).
    pub(crate) fn personal_event_types(&self) -> impl Iterator<Item = &EventTypeDef> {
        self.event_types.iter().filter(|e| e.team_id.is_none())
    }

    /// A team's event types.
    pub(crate) fn team_event_types(&self, team_id: u64) -> impl Iterator<Item = &EventTypeDef> {
        self.event_types
            .iter()
            .filter(move |e| e.team_id == Some(team_id))
    }

    /// The team with this id.
    pub(crate) fn team(&self, id: u64) -> Option<&TeamDef> {
        self.teams.iter().find(|t| t.id == id)
    }

    /// The team with this slug.
    pub(crate) fn team_by_slug(&self, slug: &str) -> Option<&TeamDef> {
        self.teams.iter().find(|t| t.slug == slug)
    }

    /// Any known user by id.
    pub(crate) fn user_by_id(&self, id: u64) -> Option<&DemoUser> {
        std::iter::once(&self.user)
            .chain(&self.others)
            .find(|u| u.id == id)
    }

    /// The demo user's default schedule.
    pub(crate) fn default_schedule(&self) -> Option<&ScheduleDef> {
        self.schedule(self.user.default_schedule_id)
    }

    /// The schedule with this id.
    pub(crate) fn schedule(&self, id: u64) -> Option<&ScheduleDef> {
        self.schedules.iter().find(|s| s.id == id)
    }

    /// The hours `host` works for `et`: the event type's own schedule when
    /// it has one and the host owns it, else the host's default.
    pub(crate) fn hours_for(&self, host: u64, et: &EventTypeDef) -> Option<&WeeklySchedule> {
        let own = et
            .schedule_id
            .and_then(|id| self.schedule(id))
            .filter(|s| s.owner_id == host);
        let default = || {
            self.user_by_id(host)
                .and_then(|u| self.schedule(u.default_schedule_id))
        };
        own.or_else(default).map(|s| &s.hours)
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
        self.personal_event_types().find(|e| e.slug == slug)
    }

    /// A team's event type by team slug and event slug.
    pub(crate) fn team_event_type_by_slug(&self, team: &str, slug: &str) -> Option<&EventTypeDef> {
        let team = self.team_by_slug(team)?;
        self.team_event_types(team.id).find(|e| e.slug == slug)
    }

    /// Whether `username` names the demo user.
    pub(crate) fn is_user(&self, username: &str) -> bool {
        username == self.user.username
    }
}

/// Defaults for a personal event type of the demo user.
fn personal() -> EventTypeDef {
    EventTypeDef {
        id: 0,
        slug: String::new(),
        title: String::new(),
        description: String::new(),
        length: 30,
        length_options: Vec::new(),
        slot_interval: None,
        minimum_booking_notice: 0,
        before_buffer: 0,
        after_buffer: 0,
        hidden: false,
        locations: vec![EventLocation::Integration("cal-video")],
        team_id: None,
        scheduling: Scheduling::Single,
        host_ids: vec![1],
        requires_confirmation: false,
        schedule_id: None,
    }
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_slugs_and_lengths_are_stable() {
        let c = Catalog::demo(Tz::Europe__Berlin, &[]);
        let ids: Vec<u64> = c.personal_event_types().map(|e| e.id).collect();
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
