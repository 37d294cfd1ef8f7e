//! Which operation a request is, so faults can target it and the journal
//! can name it.

use axum::http::Method;
use serde::{Deserialize, Serialize};

/// One operation the mock serves (plus [`Route::Any`] for "every call").
///
/// Names follow what the call does, e.g. [`Route::CreateBooking`] is
/// `POST /v2/bookings`. The same names are used by the HTTP admin surface
/// (`{"route":"CreateBooking"}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Route {
    /// Matches every route (faults only; the journal never reports it).
    Any,
    /// `GET /v2/me`.
    GetMe,
    /// `GET /v2/event-types`.
    ListEventTypes,
    /// `GET /v2/event-types/{id}`.
    GetEventType,
    /// `GET /v2/schedules`.
    ListSchedules,
    /// `GET /v2/schedules/default`.
    GetDefaultSchedule,
    /// `GET /v2/schedules/{id}`.
    GetSchedule,
    /// `GET /v2/slots`.
    GetSlots,
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
    ListTeams,
    /// `GET /v2/teams/{id}`.
    GetTeam,
    /// `GET /v2/teams/{id}/event-types`.
    ListTeamEventTypes,
    /// `GET /v2/webhooks`.
    ListWebhooks,
    /// `POST /v2/webhooks`.
    CreateWebhook,
    /// `GET /v2/webhooks/{id}`.
    GetWebhook,
    /// `PATCH /v2/webhooks/{id}`.
    UpdateWebhook,
    /// `DELETE /v2/webhooks/{id}`.
    DeleteWebhook,
    /// Any `/v1/...` call.
    V1,
}

impl Route {
    /// The route of a request, `None` for paths the mock does not serve.
    pub fn classify(method: &Method, path: &str) -> Option<Route> {
        let segs: Vec<&str> = path.trim_end_matches('/').split('/').skip(1).collect();
        if segs.first() == Some(&"v1") {
            return Some(Route::V1);
        }
        let m = method.as_str();
        let r = match (m, segs.as_slice()) {
            ("GET", ["v2", "me"]) => Route::GetMe,
            ("GET", ["v2", "event-types"]) => Route::ListEventTypes,
            ("GET", ["v2", "event-types", _]) => Route::GetEventType,
            ("GET", ["v2", "schedules"]) => Route::ListSchedules,
            ("GET", ["v2", "schedules", "default"]) => Route::GetDefaultSchedule,
            ("GET", ["v2", "schedules", _]) => Route::GetSchedule,
            ("GET", ["v2", "slots"]) => Route::GetSlots,
            ("POST", ["v2", "slots", "reservations"]) => Route::CreateReservation,
            ("GET", ["v2", "slots", "reservations", _]) => Route::GetReservation,
            ("PATCH", ["v2", "slots", "reservations", _]) => Route::UpdateReservation,
            ("DELETE", ["v2", "slots", "reservations", _]) => Route::DeleteReservation,
            ("POST", ["v2", "bookings"]) => Route::CreateBooking,
            ("GET", ["v2", "bookings"]) => Route::ListBookings,
            ("GET", ["v2", "bookings", _]) => Route::GetBooking,
            ("POST", ["v2", "bookings", _, "cancel"]) => Route::CancelBooking,
            ("POST", ["v2", "bookings", _, "reschedule"]) => Route::RescheduleBooking,
            ("POST", ["v2", "bookings", _, "confirm"]) => Route::ConfirmBooking,
            ("POST", ["v2", "bookings", _, "decline"]) => Route::DeclineBooking,
            ("POST", ["v2", "bookings", _, "mark-absent"]) => Route::MarkAbsent,
            ("GET", ["v2", "teams"]) => Route::ListTeams,
            ("GET", ["v2", "teams", _]) => Route::GetTeam,
            ("GET", ["v2", "teams", _, "event-types"]) => Route::ListTeamEventTypes,
            ("GET", ["v2", "webhooks"]) => Route::ListWebhooks,
            ("POST", ["v2", "webhooks"]) => Route::CreateWebhook,
            ("GET", ["v2", "webhooks", _]) => Route::GetWebhook,
            ("PATCH", ["v2", "webhooks", _]) => Route::UpdateWebhook,
            ("DELETE", ["v2", "webhooks", _]) => Route::DeleteWebhook,
            _ => return None,
        };
        Some(r)
    }

    /// Whether a fault armed for `self` applies to a request of `actual`.
    pub(crate) fn matches(self, actual: Route) -> bool {
        self == Route::Any || self == actual
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_real_paths() {
        let c = |m: Method, p: &str| Route::classify(&m, p);
        assert_eq!(c(Method::POST, "/v2/bookings"), Some(Route::CreateBooking));
        assert_eq!(c(Method::GET, "/v2/bookings/abc"), Some(Route::GetBooking));
        assert_eq!(
            c(Method::POST, "/v2/bookings/abc/cancel"),
            Some(Route::CancelBooking)
        );
        assert_eq!(
            c(Method::GET, "/v2/schedules/default"),
            Some(Route::GetDefaultSchedule)
        );
        assert_eq!(c(Method::GET, "/v1/bookings/1"), Some(Route::V1));
        assert_eq!(c(Method::PUT, "/v2/bookings"), None);
        assert_eq!(c(Method::GET, "/nope"), None);
        assert!(Route::Any.matches(Route::GetSlots));
        assert!(!Route::GetMe.matches(Route::GetSlots));
    }
}
