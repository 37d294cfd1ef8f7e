//! The router: real Cal.com paths, the `cal-api-version` gate per family,
//! Nest-style 404s for everything else, envelope and request-id rendering
//! around all of it.

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::{get, post};

use crate::envelope;
use crate::routes;
use crate::state::AppState;
use crate::version::{self, Family};

/// Express's default JSON body limit, which Nest keeps.
const BODY_LIMIT_BYTES: usize = 100 * 1024;

/// Builds the app for `state`.
pub(crate) fn router(state: AppState) -> Router {
    let me = Router::new().route("/v2/me", get(routes::me::get_me));
    let event_types = Router::new()
        .route("/v2/event-types", get(routes::event_types::list))
        .route_layer(from_fn_with_state(Family::EventTypes, version::gate));
    let slots = Router::new()
        .route("/v2/slots", get(routes::slots::get_slots))
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
        .route_layer(from_fn_with_state(Family::Bookings, version::gate));

    Router::new()
        .merge(me)
        .merge(event_types)
        .merge(slots)
        .merge(bookings)
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::not_found)
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(from_fn(envelope::finish))
        .with_state(state)
}
