//! The `cal-api-version` header, per operation.
//!
//! Cal.com picks the controller by this header, and a missing or wrong value
//! silently selects a legacy controller with other shapes, or a 404
//! (NOTES §1). So there is no global version: this is the one table.

use crate::operation::Operation;

/// Name of the header that selects Cal.com's controller version.
pub const API_VERSION_HEADER: &str = "cal-api-version";

/// Bookings (`/v2/bookings/**`).
const BOOKINGS: &str = "2024-08-13";
/// Slots and reservations (`/v2/slots/**`).
const SLOTS: &str = "2024-09-04";
/// Event types (`/v2/event-types/**`).
const EVENT_TYPES: &str = "2024-06-14";
/// Schedules (`/v2/schedules/**`).
const SCHEDULES: &str = "2024-06-11";

/// The `cal-api-version` value to send for `op`; `None` means send no header
/// (the controller accepts every version: me, teams, webhooks).
pub fn api_version(op: Operation) -> Option<&'static str> {
    match op {
        Operation::Me
        | Operation::TeamEventTypes
        | Operation::GetTeamEventType
        | Operation::Teams
        | Operation::GetTeam
        | Operation::Webhooks
        | Operation::GetWebhook
        | Operation::CreateWebhook
        | Operation::UpdateWebhook
        | Operation::DeleteWebhook => None,
        Operation::EventTypes | Operation::GetEventType => Some(EVENT_TYPES),
        Operation::Schedules | Operation::DefaultSchedule | Operation::GetSchedule => {
            Some(SCHEDULES)
        }
        Operation::Slots
        | Operation::CreateReservation
        | Operation::GetReservation
        | Operation::UpdateReservation
        | Operation::DeleteReservation => Some(SLOTS),
        Operation::CreateBooking
        | Operation::ListBookings
        | Operation::GetBooking
        | Operation::CancelBooking
        | Operation::RescheduleBooking
        | Operation::ConfirmBooking
        | Operation::DeclineBooking
        | Operation::MarkAbsent => Some(BOOKINGS),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_family_gets_the_version_its_controller_answers_to() {
        let table: Vec<_> = Operation::ALL
            .iter()
            .map(|&op| (op.as_str(), api_version(op)))
            .collect();
        assert_eq!(
            table,
            vec![
                ("me", None),
                ("event_types", Some("2024-06-14")),
                ("get_event_type", Some("2024-06-14")),
                ("team_event_types", None),
                ("get_team_event_type", None),
                ("schedules", Some("2024-06-11")),
                ("default_schedule", Some("2024-06-11")),
                ("get_schedule", Some("2024-06-11")),
                ("slots", Some("2024-09-04")),
                ("create_reservation", Some("2024-09-04")),
                ("get_reservation", Some("2024-09-04")),
                ("update_reservation", Some("2024-09-04")),
                ("delete_reservation", Some("2024-09-04")),
                ("create_booking", Some("2024-08-13")),
                ("list_bookings", Some("2024-08-13")),
                ("get_booking", Some("2024-08-13")),
                ("cancel_booking", Some("2024-08-13")),
                ("reschedule_booking", Some("2024-08-13")),
                ("confirm_booking", Some("2024-08-13")),
                ("decline_booking", Some("2024-08-13")),
                ("mark_absent", Some("2024-08-13")),
                ("teams", None),
                ("get_team", None),
                ("webhooks", None),
                ("get_webhook", None),
                ("create_webhook", None),
                ("update_webhook", None),
                ("delete_webhook", None),
            ]
        );
    }
}
