//! The router: real Cal.com paths, the `cal-api-version` gate per family,
//! Nest-style 404s for everything else, and around all API routes (outer
//! to inner) the envelope/request-id renderer, the request journal, the
//! throttler and fault injection. The `/_testkit` admin routes sit outside
//! journal, throttler and faults.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

use crate::routes;
use crate::state::AppState;
use crate::version::{self, Family};
use crate::{admin, envelope, faults, journal, rate_limit, v1};

/// Express's default JSON body limit, which Nest keeps.
const BODY_LIMIT_BYTES: usize = 100 * 1024;

/// Builds the app for `state`.
pub(crate) fn router(state: AppState) -> Router {
    let open = Router::new()
        .route("/v2/me", get(routes::me::get_me))
        .route("/v2/teams", get(routes::teams::list))
        .route("/v2/teams/{id}", get(routes::teams::get_one))
        .route(
            "/v2/teams/{id}/event-types",
            get(routes::teams::event_types),
        )
        .route(
            "/v2/webhooks",
            get(routes::webhooks::list).post(routes::webhooks::create),
        )
        .route(
            "/v2/webhooks/{id}",
            get(routes::webhooks::get_one)
                .patch(routes::webhooks::update)
                .delete(routes::webhooks::delete),
        );
    let event_types = Router::new()
        .route("/v2/event-types", get(routes::event_types::list))
        .route("/v2/event-types/{id}", get(routes::event_types::get_one))
        .route_layer(from_fn_with_state(Family::EventTypes, version::gate));
    let schedules = Router::new()
        .route("/v2/schedules", get(routes::schedules::list))
        .route("/v2/schedules/default", get(routes::schedules::default))
        .route("/v2/schedules/{id}", get(routes::schedules::get_one))
        .route_layer(from_fn_with_state(Family::Schedules, version::gate));
    let slots = Router::new()
        .route("/v2/slots", get(routes::slots::get_slots))
        .route("/v2/slots/reservations", post(routes::reservations::create))
        .route(
            "/v2/slots/reservations/{uid}",
            get(routes::reservations::get_one)
                .patch(routes::reservations::update)
                .delete(routes::reservations::delete),
        )
        .route_layer(from_fn_with_state(Family::Slots, version::gate));
    let bookings = Router::new()
        .route(
            "/v2/bookings",
            get(routes::bookings::list).post(routes::bookings::create),
        )
        .route("/v2/bookings/{uid}", get(routes::bookings::get_one))
        .route("/v2/bookings/{uid}/cancel", post(routes::bookings::cancel))
        .route(
            "/v2/bookings/{uid}/reschedule",
            post(routes::bookings::reschedule),
        )
        .route(
            "/v2/bookings/{uid}/confirm",
            post(routes::bookings::confirm),
        )
        .route(
            "/v2/bookings/{uid}/decline",
            post(routes::bookings::decline),
        )
        .route(
            "/v2/bookings/{uid}/mark-absent",
            post(routes::bookings::mark_absent),
        )
        .route_layer(from_fn_with_state(Family::Bookings, version::gate));
    let v2 = Router::new()
        .merge(open)
        .merge(event_types)
        .merge(schedules)
        .merge(slots)
        .merge(bookings)
        .route_layer(from_fn_with_state(state.clone(), rate_limit::throttle));

    let api = Router::new()
        .merge(v2)
        .merge(v1::router(state.clone()))
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(from_fn_with_state(state.clone(), faults::inject))
        .layer(from_fn_with_state(state.clone(), journal::record));

    Router::new()
        .merge(admin::router())
        .merge(api)
        .layer(from_fn(envelope::finish))
        .with_state(state)
}
