//! The Cal.com operations this client performs. Knowing the operation lets
//! one place decide the version header, whether a call may be retried, what
//! an error status means, and whether API v1 can stand in for it.

use std::fmt;

/// One Cal.com call this client knows how to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// `GET /v2/me`.
    Me,
    /// `GET /v2/event-types`.
    EventTypes,
    /// `GET /v2/event-types/{id}`.
    GetEventType,
    /// `GET /v2/teams/{teamId}/event-types`.
    TeamEventTypes,
    /// `GET /v2/teams/{teamId}/event-types/{id}`.
    GetTeamEventType,
    /// `GET /v2/schedules`.
    Schedules,
    /// `GET /v2/schedules/default`.
    DefaultSchedule,
    /// `GET /v2/schedules/{id}`.
    GetSchedule,
    /// `GET /v2/slots`.
    Slots,
    /// `POST /v2/slots/reservations`.
    CreateReservation,
    /// `GET /v2/slots/reservations/{uid}`.
    GetReservation,
    /// `PATCH /v2/slots/reservations/{uid}`.
    UpdateReservation,
    /// `DELETE /v2/slots/reservations/{uid}`.
    DeleteReservation,
    /// `POST /v2/bookings`.
    CreateBooking,
    /// `GET /v2/bookings`.
    ListBookings,
    /// `GET /v2/bookings/{uid}`.
    GetBooking,
    /// `POST /v2/bookings/{uid}/cancel`.
    CancelBooking,
    /// `POST /v2/bookings/{uid}/reschedule`.
    RescheduleBooking,
    /// `POST /v2/bookings/{uid}/confirm`.
    ConfirmBooking,
    /// `POST /v2/bookings/{uid}/decline`.
    DeclineBooking,
    /// `POST /v2/bookings/{uid}/mark-absent`.
    MarkAbsent,
    /// `GET /v2/teams`.
    Teams,
    /// `GET /v2/teams/{teamId}`.
    GetTeam,
    /// `GET /v2/webhooks`.
    Webhooks,
    /// `GET /v2/webhooks/{id}`.
    GetWebhook,
    /// `POST /v2/webhooks`.
    CreateWebhook,
    /// `PATCH /v2/webhooks/{id}`.
    UpdateWebhook,
    /// `DELETE /v2/webhooks/{id}`.
    DeleteWebhook,
}

/// Whether a call may be sent again after an answer that leaves its outcome
/// unknown (timeout, lost connection, 5xx).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Safety {
    /// Sending it twice has the effect of sending it once (reads, cancel,
    /// reservation delete): retry freely.
    Idempotent,
    /// A write that creates a booking (a create, or a reschedule, which
    /// makes a new booking): never re-sent blindly, but its outcome can be
    /// resolved by looking it up (a create by its correlation id, a
    /// reschedule by the old booking's `rescheduledToUid`).
    ResolvableCreate,
    /// A write that may have been applied: only re-sent after a 429 (which
    /// Cal.com answers before doing anything) or when nothing was sent.
    Unsafe,
}

impl Operation {
    /// Every operation, for table tests.
    pub const ALL: [Operation; 28] = [
        Operation::Me,
        Operation::EventTypes,
        Operation::GetEventType,
        Operation::TeamEventTypes,
        Operation::GetTeamEventType,
        Operation::Schedules,
        Operation::DefaultSchedule,
        Operation::GetSchedule,
        Operation::Slots,
        Operation::CreateReservation,
        Operation::GetReservation,
        Operation::UpdateReservation,
        Operation::DeleteReservation,
        Operation::CreateBooking,
        Operation::ListBookings,
        Operation::GetBooking,
        Operation::CancelBooking,
        Operation::RescheduleBooking,
        Operation::ConfirmBooking,
        Operation::DeclineBooking,
        Operation::MarkAbsent,
        Operation::Teams,
        Operation::GetTeam,
        Operation::Webhooks,
        Operation::GetWebhook,
        Operation::CreateWebhook,
        Operation::UpdateWebhook,
        Operation::DeleteWebhook,
    ];

    /// Stable name for logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Me => "me",
            Operation::EventTypes => "event_types",
            Operation::GetEventType => "get_event_type",
            Operation::TeamEventTypes => "team_event_types",
            Operation::GetTeamEventType => "get_team_event_type",
            Operation::Schedules => "schedules",
            Operation::DefaultSchedule => "default_schedule",
            Operation::GetSchedule => "get_schedule",
            Operation::Slots => "slots",
            Operation::CreateReservation => "create_reservation",
            Operation::GetReservation => "get_reservation",
            Operation::UpdateReservation => "update_reservation",
            Operation::DeleteReservation => "delete_reservation",
            Operation::CreateBooking => "create_booking",
            Operation::ListBookings => "list_bookings",
            Operation::GetBooking => "get_booking",
            Operation::CancelBooking => "cancel_booking",
            Operation::RescheduleBooking => "reschedule_booking",
            Operation::ConfirmBooking => "confirm_booking",
            Operation::DeclineBooking => "decline_booking",
            Operation::MarkAbsent => "mark_absent",
            Operation::Teams => "teams",
            Operation::GetTeam => "get_team",
            Operation::Webhooks => "webhooks",
            Operation::GetWebhook => "get_webhook",
            Operation::CreateWebhook => "create_webhook",
            Operation::UpdateWebhook => "update_webhook",
            Operation::DeleteWebhook => "delete_webhook",
        }
    }

    /// Whether the call may be repeated when its outcome is unknown.
    pub fn safety(self) -> Safety {
        match self {
            Operation::CreateBooking | Operation::RescheduleBooking => Safety::ResolvableCreate,
            Operation::CreateReservation
            | Operation::UpdateReservation
            | Operation::ConfirmBooking
            | Operation::DeclineBooking
            | Operation::MarkAbsent
            | Operation::CreateWebhook
            | Operation::UpdateWebhook
            | Operation::DeleteWebhook => Safety::Unsafe,
            // Reads, plus the two writes whose repetition changes nothing.
            Operation::Me
            | Operation::EventTypes
            | Operation::GetEventType
            | Operation::TeamEventTypes
            | Operation::GetTeamEventType
            | Operation::Schedules
            | Operation::DefaultSchedule
            | Operation::GetSchedule
            | Operation::Slots
            | Operation::GetReservation
            | Operation::ListBookings
            | Operation::GetBooking
            | Operation::Teams
            | Operation::GetTeam
            | Operation::Webhooks
            | Operation::GetWebhook
            | Operation::CancelBooking
            | Operation::DeleteReservation => Safety::Idempotent,
        }
    }

    /// What a 404 means for this call: the thing that was not found. `None`
    /// when the route itself should always exist, so a 404 means Cal.com
    /// (or the version header) is not what we expect.
    pub fn not_found_entity(self) -> Option<&'static str> {
        match self {
            Operation::Slots
            | Operation::CreateBooking
            | Operation::GetEventType
            | Operation::GetTeamEventType
            | Operation::CreateReservation => Some("event type"),
            Operation::GetBooking
            | Operation::CancelBooking
            | Operation::RescheduleBooking
            | Operation::ConfirmBooking
            | Operation::DeclineBooking
            | Operation::MarkAbsent => Some("booking"),
            Operation::TeamEventTypes | Operation::GetTeam => Some("team"),
            Operation::GetSchedule | Operation::DefaultSchedule => Some("schedule"),
            Operation::GetReservation
            | Operation::UpdateReservation
            | Operation::DeleteReservation => Some("reservation"),
            Operation::GetWebhook | Operation::UpdateWebhook | Operation::DeleteWebhook => {
                Some("webhook")
            }
            Operation::Me
            | Operation::EventTypes
            | Operation::Schedules
            | Operation::ListBookings
            | Operation::Teams
            | Operation::Webhooks
            | Operation::CreateWebhook => None,
        }
    }

    /// Whether the call takes a time slot. For these, Cal.com's 409 means the
    /// time is gone (NOTES §6), not a generic state conflict.
    pub fn claims_a_slot(self) -> bool {
        matches!(
            self,
            Operation::CreateBooking
                | Operation::RescheduleBooking
                | Operation::CreateReservation
                | Operation::UpdateReservation
        )
    }

    /// Whether API v1 has an equivalent this client can fall back to
    /// (NOTES §9: users, event types, bookings create/get, schedules).
    pub fn has_v1(self) -> bool {
        matches!(
            self,
            Operation::Me
                | Operation::EventTypes
                | Operation::GetEventType
                | Operation::Schedules
                | Operation::GetSchedule
                | Operation::CreateBooking
                | Operation::GetBooking
        )
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn names_are_unique() {
        let names: HashSet<_> = Operation::ALL.iter().map(|o| o.as_str()).collect();
        assert_eq!(names.len(), Operation::ALL.len());
    }

    #[test]
    fn only_reads_cancel_and_reservation_delete_are_idempotent() {
        let idempotent: Vec<_> = Operation::ALL
            .iter()
            .filter(|o| o.safety() == Safety::Idempotent)
            .copied()
            .collect();
        for op in &idempotent {
            let name = op.as_str();
            assert!(
                name.starts_with("get_")
                    || matches!(
                        op,
                        Operation::Me
                            | Operation::EventTypes
                            | Operation::TeamEventTypes
                            | Operation::Schedules
                            | Operation::DefaultSchedule
                            | Operation::Slots
                            | Operation::ListBookings
                            | Operation::Teams
                            | Operation::Webhooks
                            | Operation::CancelBooking
                            | Operation::DeleteReservation
                    ),
                "{name} must not be idempotent"
            );
        }
        assert_eq!(Operation::CreateBooking.safety(), Safety::ResolvableCreate);
        assert_eq!(
            Operation::RescheduleBooking.safety(),
            Safety::ResolvableCreate
        );
        assert_eq!(Operation::ConfirmBooking.safety(), Safety::Unsafe);
        assert_eq!(Operation::CreateReservation.safety(), Safety::Unsafe);
    }
}
