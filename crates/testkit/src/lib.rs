//! An in-memory Cal.com API v2 server that behaves like the real one.
//!
//! calbridge's own tests, its demo mode and outside users (as a
//! dev-dependency) run [`MockCalcom`] in-process instead of talking to
//! `api.cal.com`. It is not a canned-response stub: it keeps state (a booked
//! slot disappears from `GET /v2/slots`, comes back after a cancel, a
//! reschedule creates a new uid and cancels the old booking), computes slots
//! from a working-hours schedule in a real time zone (DST included), and
//! answers with Cal.com's own paths, status codes, envelopes and error
//! messages (see `shared/calcom/NOTES.md` §1, §2, §4, §6, §10).
//!
//! ```no_run
//! # async fn demo() {
//! let cal = calbridge_testkit::MockCalcom::start().await;
//! let url = format!("{}/v2/me", cal.base_url());
//! // GET `url` with `Authorization: Bearer {cal.api_key()}` ...
//! # let _ = url;
//! # }
//! ```
//!
//! # What is served
//!
//! | Route | `cal-api-version` | Auth |
//! |---|---|---|
//! | `GET /v2/me` | any | required |
//! | `GET /v2/event-types` | `2024-06-14` | optional (hidden types only for the owner) |
//! | `GET /v2/slots` | `2024-09-04` | none |
//! | `POST /v2/bookings` | `2024-08-13` | optional |
//! | `GET /v2/bookings` | `2024-08-13` | required |
//! | `GET /v2/bookings/{uid}` | `2024-08-13` | optional |
//! | `POST /v2/bookings/{uid}/cancel` | `2024-08-13` | optional |
//! | `POST /v2/bookings/{uid}/reschedule` | `2024-08-13` | optional |
//!
//! The demo user works Monday–Friday 09:00–17:00 in
//! [`MockConfig::time_zone`] and offers the event types in
//! [`MockCalcom::event_type_ids`] (1001: 30 min, 1002: 60 min with a 10 min
//! after-buffer, 1003: 15 min with `lengthInMinutesOptions` [15, 30, 45],
//! 1004: hidden 45 min).
//!
//! # Deliberate deviation: legacy API versions
//!
//! Real Cal.com routes a missing, unknown or older `cal-api-version` on
//! `/v2/bookings/**` (anything but `2024-08-13`, except `2024-09-04`) and on
//! `/v2/event-types` (none, `2024-04-15`, `2024-06-11`) to *legacy*
//! controllers that answer with a different body shape. This mock does not
//! implement those shapes. It answers **400** with error code
//! `TestkitUnsupportedVersion` and a message naming the version the endpoint
//! needs, so a client that sends the wrong version fails loudly in tests
//! instead of silently parsing a legacy body. Where Cal.com has no controller
//! at all for the version sent (event types with `2024-08-13`/`2024-09-04`,
//! `/v2/slots` with anything but `2024-09-04`, bookings with `2024-09-04`) the
//! mock answers Cal.com's own **404** `Cannot GET /v2/...`.
//!
//! # Other known simplifications
//!
//! - One user, no teams, no seats, no recurring event types, no booking
//!   window, no calendar integrations (busy times come from bookings only).
//! - `GET /v2/bookings/{uid}` never returns recurring-series arrays.
//! - A booking must start exactly on a slot `GET /v2/slots` would offer
//!   (real Cal.com only checks availability, not grid alignment).

// The event-type body is one big `json!` literal.
#![recursion_limit = "256"]

mod auth;
mod bookings;
mod config;
mod demo_data;
mod envelope;
mod error;
mod event_types;
mod js_compat;
mod mock;
mod pagination;
mod routes;
mod server;
mod slots;
mod state;
mod validation;
mod version;

pub use bookings::MockBooking;
pub use config::MockConfig;
pub use mock::MockCalcom;
